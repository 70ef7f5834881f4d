/*
 * case_report_pdf.c - a case report (pv.h md_case_report) as an A4 PDF with real text
 * (pdf_int.h: cairo and pango): the form's name, what is missing at the top (or that
 * every required field is filled), then every section of the form in kb order with each
 * field's label and value, "Not recorded" (the kb's wording) where nothing is, and each
 * suspect product of a repeat section in turn.  The patient appears only as the report's
 * identifier (initials and record number).  Audited as a print of the complication, after
 * md_case_report's own export entry.
 */
#include <stdio.h>
#include <string.h>

#include "domain/pdf_int.h"
#include "mesodesk/audit.h"
#include "mesodesk/kb.h"
#include "mesodesk/pv.h"
#include "mesodesk/sbuf.h"

#define LINE_MAX_BYTES (40u << 10)

/* "Label: value" of one field; required with nothing: said so. */
static void field_line(md_pdf *d, const md_crf_wording *w, const json_t *f, const json_t *v,
                       char *buf)
{
    md_sbuf b;
    md_sbuf_init(&b, buf, LINE_MAX_BYTES);
    md_sbuf_appendf(&b, "%s: ", json_string_value(json_object_get(f, "label")));
    if (json_is_string(v))
        md_sbuf_append(&b, json_string_value(v));
    else if (json_is_boolean(v))
        md_sbuf_append(&b, json_is_true(v) ? w->yes : w->no);
    else if (json_is_integer(v))
        md_sbuf_appendf(&b, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        md_sbuf_appendf(&b, "%g", json_real_value(v));
    else
        md_sbuf_appendf(&b, "%s%s", w->not_recorded,
                        json_is_true(json_object_get(f, "required")) ? " (required)" : "");
    md_pdf_para(d, md_sbuf_ok(&b) ? b.p : "(too long to print)", "DejaVu Sans 9.5", 2);
}

static void section_fields(md_pdf *d, const md_crf_wording *w, const json_t *fields,
                           const json_t *values, char *buf)
{
    const json_t *f;
    size_t i;
    json_array_foreach(fields, i, f) field_line(
        d, w, f, json_object_get(values, json_string_value(json_object_get(f, "id"))), buf);
}

md_code md_case_report_render_pdf(const md_kb *kb, const json_t *report, md_arena *a,
                                  unsigned char **pdf, size_t *len, md_err *err)
{
    const md_crf_wording *w = md_kb_report_wording(kb);
    if (!w) return md_err_set(err, MD_EINTERNAL, NULL, "the kb has no case report forms");
    char *buf = md_arena_alloc(a, LINE_MAX_BYTES);
    if (!buf) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    const char *name = json_string_value(json_object_get(report, "form_name"));
    const char *footer =
        md_arena_printf(a, "%s case report, complication %s",
                        json_string_value(json_object_get(report, "form_version")),
                        json_string_value(json_object_get(report, "complication_id")));
    md_pdf d;
    md_pdf_begin(&d, name ? name : "Case report", footer);
    md_pdf_para(&d, name, "DejaVu Sans Bold 14", 4);
    snprintf(buf, LINE_MAX_BYTES, "Complication %s. Made %s from what was recorded (kb %s).",
             json_string_value(json_object_get(report, "complication_id")),
             json_string_value(json_object_get(report, "generated_at")),
             json_string_value(json_object_get(report, "kb_version")));
    md_pdf_para(&d, buf, "DejaVu Sans 8.5", 2);
    md_pdf_para(&d, w->identifier_note, "DejaVu Sans 8.5", 10);

    const json_t *missing = json_object_get(report, "missing"), *m, *s;
    size_t i;
    if (json_array_size(missing) == 0) {
        md_pdf_para(&d, w->complete, "DejaVu Sans Bold 10", 10);
    } else {
        snprintf(buf, LINE_MAX_BYTES, "%s (%zu)", w->missing_heading, json_array_size(missing));
        md_pdf_para(&d, buf, "DejaVu Sans Bold 11", 3);
        json_array_foreach(missing, i, m)
        {
            snprintf(buf, LINE_MAX_BYTES, "- %s (%s): %s",
                     json_string_value(json_object_get(m, "label")),
                     json_string_value(json_object_get(m, "field")),
                     json_string_value(json_object_get(m, "why")));
            md_pdf_para(&d, buf, "DejaVu Sans 9", 2);
        }
        d.y += 10;
    }

    const json_t *sections = json_object_get(report, "sections");
    json_array_foreach(json_object_get(report, "layout"), i, s)
    {
        const char *id = json_string_value(json_object_get(s, "id"));
        const json_t *fields = json_object_get(s, "fields"),
                     *values = json_object_get(sections, id);
        md_pdf_para(&d, json_string_value(json_object_get(s, "title")), "DejaVu Sans Bold 11", 4);
        if (!json_is_array(values)) {
            section_fields(&d, w, fields, values, buf);
        } else if (json_array_size(values) == 0) {
            snprintf(buf, LINE_MAX_BYTES, "%s (required)", w->not_recorded);
            md_pdf_para(&d, buf, "DejaVu Sans 9.5", 2);
        } else {
            const json_t *one;
            size_t j;
            json_array_foreach(values, j, one)
            {
                snprintf(buf, LINE_MAX_BYTES, "%zu of %zu", j + 1, json_array_size(values));
                md_pdf_para(&d, buf, "DejaVu Sans Bold 9.5", 2);
                section_fields(&d, w, fields, one, buf);
                d.y += 4;
            }
        }
        d.y += 8;
    }
    return md_pdf_end(&d, a, pdf, len, err);
}

md_code md_case_report_pdf(md_ctx *ctx, const char *complication_id, const char *form,
                           unsigned char **pdf, size_t *len, md_err *err)
{
    json_t *report = NULL;
    md_code rc = md_case_report(ctx, complication_id, form, &report, err);
    if (rc != MD_OK) return rc;
    md_audit_entry e = {"print", "complication", complication_id,
                        json_string_value(json_object_get(report, "patient_id")),
                        md_arena_printf(ctx->arena, "case report pdf %s", form)};
    rc = md_audit(ctx, &e, err);
    if (rc == MD_OK) rc = md_case_report_render_pdf(ctx->kb, report, ctx->arena, pdf, len, err);
    json_decref(report);
    return rc;
}
