/*
 * aftercare_pdf.c - the printable aftercare of a session (chart.h md_aftercare_pdf): an A4
 * PDF with real text (pdf_int.h: cairo and pango), the exact text stored when the session
 * was completed, or a preview marked as such before; the footer names the session and the
 * text's SHA-256.  Audited as a print of the session (its read is audited by md_chart_get).
 *
 * The text's blocks (aftercare.h: separated by a blank line, each block's first line its
 * heading) are drawn as they are: the first block's first line as the title, each heading in
 * bold, each "- " line as its own paragraph.
 */
#include <string.h>

#include "domain/pdf_int.h"
#include "mesodesk/aftercare.h"
#include "mesodesk/audit.h"
#include "mesodesk/chart.h"

static void block(md_pdf *d, md_arena *a, const char *text, size_t n, int first)
{
    char *b = md_arena_strndup(a, text, n);
    if (!b) return;
    char *save = NULL;
    int line = 0;
    for (char *t = strtok_r(b, "\n", &save); t; t = strtok_r(NULL, "\n", &save), line++) {
        if (line == 0)
            md_pdf_para(d, t, first ? "DejaVu Sans Bold 15" : "DejaVu Sans Bold 11", first ? 4 : 3);
        else
            md_pdf_para(d, t, "DejaVu Sans 10", 2);
    }
    d->y += 8;
}

md_code md_aftercare_pdf(md_ctx *ctx, const char *session_id, unsigned char **pdf, size_t *len,
                         md_err *err)
{
    json_t *ac = NULL;
    md_code rc = md_aftercare_read(ctx, session_id, &ac, err);
    if (rc != MD_OK) return rc;
    int stored = json_is_true(json_object_get(ac, "stored"));
    const char *sha = json_string_value(json_object_get(ac, "sha256"));
    md_audit_entry e = {"print", "treatment_session", session_id,
                        json_string_value(json_object_get(ac, "patient_id")),
                        stored ? "aftercare pdf" : "aftercare preview pdf"};
    rc = md_audit(ctx, &e, err);
    if (rc != MD_OK) goto done;
    const char *footer =
        stored ? md_arena_printf(ctx->arena, "Aftercare, session %s, SHA-256 %.16s", session_id,
                                 sha ? sha : "-")
               : md_arena_printf(ctx->arena, "Aftercare preview, session %s", session_id);
    md_pdf d;
    md_pdf_begin(&d, "Aftercare", footer);
    if (!stored) md_pdf_para(&d, "PREVIEW - not yet given to the patient", "DejaVu Sans Bold 9", 6);
    const char *p = json_string_value(json_object_get(ac, "text"));
    for (int first = 1; p && *p; first = 0) {
        const char *end = strstr(p, "\n\n");
        size_t n = end ? (size_t)(end - p) : strlen(p);
        block(&d, ctx->arena, p, n, first);
        p = end ? end + 2 : NULL;
    }
    rc = md_pdf_end(&d, ctx->arena, pdf, len, err);
done:
    json_decref(ac);
    return rc;
}
