/*
 * aftercare.h - aftercare instructions from kb/aftercare.json (issue 10 item 6): the time
 * windows (24-48 h, one week, every day with SPF 30+), the items that depend on the
 * session's ingredients, areas and the patient's facts, the red flags that need an urgent
 * call (each with its sources), the next appointment and the clinic's contact.
 *
 * The kb part (src/kb/kb_aftercare.c) loads and checks the file with the rest of the kb and
 * composes the instructions from plain facts (md_aftercare_compose), so the same facts
 * always give the same text.  The domain part (src/domain/aftercare.c, chart.h
 * md_aftercare_build / md_aftercare_store) gathers those facts for a session and stores the
 * exact text given in the content store; src/domain/aftercare_pdf.c prints it.
 *
 * "Unknown is not no": an item that depends on a patient fact nobody recorded (the
 * Fitzpatrick type) is included, with the kb's note saying that the fact is missing, and
 * the fact is listed under "unknown".
 *
 * Ownership: *out is a new reference for the caller, set only on MD_OK.  Strings of
 * md_aftercare_facts are borrowed for the call.
 */
#ifndef MESODESK_AFTERCARE_H
#define MESODESK_AFTERCARE_H

#include "mesodesk/context.h"
#include "mesodesk/kb.h"

#include <jansson.h>
#include <stddef.h>

#define MD_AFTERCARE_LANGUAGES_MAX 8
#define MD_AFTERCARE_FACTS_MAX 32 /* ingredients, and areas, of one session */
#define MD_AFTERCARE_TEXT_MAX (64 * 1024)

typedef struct md_aftercare_facts {
    const char *language; /* a language of the kb file; NULL or unknown: "en" */
    const char *ingredients[MD_AFTERCARE_FACTS_MAX]; /* kb ingredient codes given */
    size_t n_ingredients;
    const char *areas[MD_AFTERCARE_FACTS_MAX]; /* kb area codes treated */
    size_t n_areas;
    int fitzpatrick;              /* 1..6; 0: not recorded */
    const char *session_day;      /* "YYYY-MM-DD", may be NULL */
    const char *next_appointment; /* as the patient reads it; NULL: none booked */
    const char *clinic_name;
    const char *clinic_phone; /* NULL or "": not recorded */
} md_aftercare_facts;

/* The instructions for f: {"language","kb_version","title","sections":[{"id","heading",
 * "items":[{"rule","text","sources","note"?}]}],"red_flags":{"heading","items":[{"rule",
 * "text","sources"}]},"next_appointment":{"heading","text"},"clinic":{"heading","name",
 * "phone"},"unknown":[{"fact","rule","message"}],"text"}.  "text" is the exact plain text:
 * blocks separated by a blank line, each block's first line its heading (the first block:
 * the title).  A section with no item that applies is left out.  MD_ENOMEM; MD_ETOOBIG
 * when the text would pass MD_AFTERCARE_TEXT_MAX. */
md_code md_aftercare_compose(const md_kb *kb, const md_aftercare_facts *f, json_t **out,
                             md_err *err);
/* Is lang one of the kb file's languages?  1 or 0. */
int md_aftercare_language_known(const md_kb *kb, const char *lang);

/* A session's aftercare for GET /sessions/{id}/aftercare (clinical read, audited through
 * md_chart_get): once completed, the stored text {"stored":true,"sha256","language",
 * "kb_version","generated_at","text",...}; before, a preview md_aftercare_build gives, with
 * "stored":false.  MD_EIO when the stored text is missing or damaged. */
md_code md_aftercare_read(md_ctx *ctx, const char *session_id, json_t **out, md_err *err);

#endif
