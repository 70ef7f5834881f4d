/*
 * consent.h - consent texts (kb, versioned, per language), consent records signed on the
 * clinic's tablet or through a one-time link, withdrawal, and the printable PDF (issue 9
 * item 2).
 *
 * Three purposes, kept apart: "treatment" (per protocol, covers one course), "photo"
 * (clinical photographs) and "marketing".  The record state machine is written at the top of
 * src/domain/consent.c.  This header is the contract other modules code against.
 */
#ifndef MESODESK_CONSENT_H
#define MESODESK_CONSENT_H

#include "mesodesk/context.h"
#include "mesodesk/record.h"

#include <jansson.h>

/* Where a patient's consents stand, for the clinic's day and (issue 10) the session gate.
 * course_id may be NULL (then "treatment" is the most recent treatment consent of any
 * course).  *out {"treatment":{"status","consent_id","text_version","signed_at",
 * "withdrawn_at"}, "photo":{...}, "marketing":{...}} where status is one of "missing" (none
 * sent), "sent", "opened", "signed", "withdrawn", "expired" (the link lapsed unsigned); only
 * "signed" allows treatment.  Not audited: the caller audits what it shows. */
md_code md_consent_status(md_ctx *ctx, const char *patient_id, const char *course_id, json_t **out,
                          md_err *err);

/* ---- consent texts: kb/consent_texts.json, loaded and checked with the rest of the kb ----
 *
 * A text (id "treatment_facial_rejuvenation", "photo_clinical", "marketing") has versions;
 * a new wording is a new version and old versions stay, so a signed record shows exactly
 * what was signed.  Each version has a title and sections (heading, text, sources) in
 * every language of the kb ("en" always).  One md_consent_text is one version in one
 * language; its body is the exact text the patient reads and signs (the title, then each
 * heading and text, separated by blank lines) and sha256 is the SHA-256 of that body. */

#define MD_CONSENT_SECTIONS_MAX 16
#define MD_CONSENT_LANGUAGES_MAX 8

typedef struct md_consent_section {
    const char *heading, *text;
    const char **sources;
    size_t n_sources;
} md_consent_section;

typedef struct md_consent_text {
    const char *id;       /* the text's id */
    const char *purpose;  /* "treatment", "photo" or "marketing" */
    const char *protocol; /* kb protocol code for "treatment", else NULL */
    int version;
    const char *effective; /* "YYYY-MM-DD" the version took effect */
    const char *language;  /* "en", "es" */
    const char *title;
    md_consent_section sections[MD_CONSENT_SECTIONS_MAX];
    size_t n_sections;
    const char *body;
    char sha256[65];
    int latest; /* the latest version of its text */
} md_consent_text;

/* Every text version and language of the kb (each owned by the kb), i = 0, 1, ...; NULL past
 * the end or without a kb. */
const md_consent_text *md_consent_text_at(const md_kb *kb, size_t i);
/* The latest version of the text for purpose (and protocol, for "treatment") in language,
 * or in English when the text has no such language; NULL when the kb has no such text. */
const md_consent_text *md_consent_text_find(const md_kb *kb, const char *purpose,
                                            const char *protocol, const char *language);
/* One version of a text in one language exactly; NULL when there is none. */
const md_consent_text *md_consent_text_get(const md_kb *kb, const char *id, int version,
                                           const char *language);
/* {"id","purpose","protocol"?,"version","effective","language","title","sections":[{"heading",
 * "text","sources"}],"body","sha256","latest"}; new reference, NULL when out of memory. */
json_t *md_consent_text_json(const md_consent_text *t);

/* ---- consent records (the kind "consent", patient-level, versioned) ----
 *
 * Every step is a new version of the record with who and why, and the step's time, client
 * address (ctx->client_addr) and user agent in "events".  ua may be NULL (none sent); it is
 * kept up to 300 bytes.  Reads need demographics_read (reception sees consents: they hold no
 * clinical facts); starting, signing on the tablet, withdrawing and cancelling need
 * consent_write.  Every read and write is audited. */

extern const md_record_kind md_kind_consent;

#define MD_CONSENT_LINK_DEFAULT_HOURS 72
#define MD_CONSENT_SIGNATURE_MAX (256 * 1024) /* bytes of the PNG */
#define MD_CONSENT_SIGNATURE_DIM_MAX 4096     /* pixels, width and height */
#define MD_CONSENT_TYPED_NAME_MAX 200
#define MD_CONSENT_UA_MAX 300

/* Start a consent for a patient: in {"purpose", "course_id" (required for treatment: a
 * course of this patient; its protocol chooses the text), "language"? (default "en"),
 * "channel": "tablet"|"link", "valid_hours"? (link only, 1..720, default 72)}.  The text
 * shown is stored in the content store by its hash.  *out is the record; for a link also
 * "token" and "path" ("/c/<token>"), shown this once and never again.  MD_EINVAL /
 * MD_EUNPROCESSABLE naming the field (unknown purpose, no text, course of another
 * patient or protocol), MD_ENOTFOUND for no such patient or course. */
md_code md_consent_start(md_ctx *ctx, const char *patient_id, json_t *in, const char *ua,
                         json_t **out, md_err *err);

/* The patient opens a link (public): records "opened" the first time (every open is
 * audited).  *out {"consent_id","purpose","state","clinic_name","given_name" (first name
 * only),"text":{md_consent_text_json},"expires_at"}.  An unknown token is MD_ENOTFOUND
 * (field "token"); a lapsed link MD_EUNPROCESSABLE... see md_consent_sign_link. */
md_code md_consent_open_link(md_ctx *ctx, const char *token, const char *ua, json_t **out,
                             md_err *err);

/* Sign through the link (public): in {"typed_name","signature" (PNG, base64),"agree":true}.
 * Unknown token: MD_ENOTFOUND "token"; the link expired unsigned: MD_EUNPROCESSABLE (422)
 * "token"; signed already, withdrawn or cancelled: MD_ECONFLICT (409) "token"; agree not
 * true: MD_EUNPROCESSABLE "agree"; typed_name missing or over 200 bytes: "typed_name".  Signature
 * not a PNG image: MD_EUNPROCESSABLE "signature"; over MD_CONSENT_SIGNATURE_MAX bytes or
 * MD_CONSENT_SIGNATURE_DIM_MAX pixels: MD_ETOOBIG "signature".  *out the record. */
md_code md_consent_sign_link(md_ctx *ctx, const char *token, json_t *in, const char *ua,
                             json_t **out, md_err *err);

/* The tablet: the patient opens the text on the clinic's device (records "opened" with its
 * address and user agent; *out as md_consent_open_link), then signs (in and errors as
 * md_consent_sign_link; a consent sent as a link is MD_ECONFLICT "channel"). */
md_code md_consent_open_tablet(md_ctx *ctx, const char *consent_id, const char *ua, json_t **out,
                               md_err *err);
md_code md_consent_sign_tablet(md_ctx *ctx, const char *consent_id, json_t *in, const char *ua,
                               json_t **out, md_err *err);

/* Withdraw a signed consent (in {"reason"}, required): from then it blocks.  Cancel one not
 * yet signed (in {"reason"}).  MD_ECONFLICT "state" from any other state. */
md_code md_consent_withdraw(md_ctx *ctx, const char *consent_id, json_t *in, const char *ua,
                            json_t **out, md_err *err);
md_code md_consent_cancel(md_ctx *ctx, const char *consent_id, json_t *in, const char *ua,
                          json_t **out, md_err *err);

/* Reads: one record (with "text" as md_consent_text_json), its versions, a patient's. */
md_code md_consent_get(md_ctx *ctx, const char *consent_id, json_t **out, md_err *err);
md_code md_consent_history(md_ctx *ctx, const char *consent_id, json_t **out, md_err *err);
md_code md_consent_list(md_ctx *ctx, const char *patient_id, json_t **out, md_err *err);

/* The printable copy (consent_pdf.c): an A4 PDF in ctx->arena (*pdf, *len).  Audited as a
 * read ("print").  MD_ENOTFOUND for no such consent. */
md_code md_consent_pdf(md_ctx *ctx, const char *consent_id, unsigned char **pdf, size_t *len,
                       md_err *err);

#endif
