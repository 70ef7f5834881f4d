/*
 * consent_pdf.c - the printable copy of a consent record (consent.h md_consent_pdf): an A4
 * PDF drawn with cairo (cairo_pdf_surface_create_for_stream) and pango (wrapped layouts,
 * page breaks line by line), holding the clinic, the patient, the purpose, the exact text
 * that was shown with its id, version, language and SHA-256, the drawn signature, the typed
 * name, and the audit details of every step (when, in the clinic's zone labelled and in
 * UTC, from which address and user agent, by whom).
 *
 * The text printed is the one kept in the content store under the record's text_sha256 (so
 * the copy shows what was signed even when the kb in use no longer has that version).
 * Everything is drawn into memory; the PDF is copied into ctx->arena.  The page layout is
 * shared with the aftercare (pdf_int.h).
 */
#include "mesodesk/clinic.h"
#include "mesodesk/audit.h"
#include "mesodesk/consent.h"
#include "mesodesk/content.h"
#include "mesodesk/tz.h"

#include "domain/pdf_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct png_src {
    const unsigned char *p;
    size_t left;
} png_src;

static cairo_status_t png_read(void *closure, unsigned char *data, unsigned int length)
{
    png_src *s = closure;
    if (length > s->left) return CAIRO_STATUS_READ_ERROR;
    memcpy(data, s->p, length);
    s->p += length;
    s->left -= length;
    return CAIRO_STATUS_SUCCESS;
}

/* The signature, at most 220 x 110 points, kept in proportion, with a frame. */
static void signature(md_pdf *d, const unsigned char *png, size_t len)
{
    png_src src = {png, len};
    cairo_surface_t *img = cairo_image_surface_create_from_png_stream(png_read, &src);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        md_pdf_para(d, "(the signature image could not be read)", "DejaVu Sans Oblique 9", 6);
        return;
    }
    double w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    double k = 220.0 / w < 110.0 / h ? 220.0 / w : 110.0 / h;
    if (d->y + h * k + 8 > MD_PDF_BOTTOM) md_pdf_new_page(d);
    cairo_save(d->cr);
    cairo_rectangle(d->cr, MD_PDF_MARGIN, d->y, w * k, h * k);
    cairo_set_line_width(d->cr, 0.5);
    cairo_set_source_rgb(d->cr, 0.6, 0.6, 0.6);
    cairo_stroke(d->cr);
    cairo_translate(d->cr, MD_PDF_MARGIN, d->y);
    cairo_scale(d->cr, k, k);
    cairo_set_source_surface(d->cr, img, 0, 0);
    cairo_paint(d->cr);
    cairo_restore(d->cr);
    cairo_surface_destroy(img);
    d->y += h * k + 8;
}

/* "2026-12-01 18:30 GMT+00:00 (Europe/London) - 2026-12-01T18:30:00Z UTC" */
static const char *when(md_arena *a, const char *zone, const char *utc)
{
    int64_t t;
    char local[MD_LOCAL_STR];
    int off = 0;
    if (!utc || md_time_parse(utc, &t) != 0) return "-";
    if (zone && md_tz_from_utc(zone, t, local, &off) == 0)
        return md_arena_printf(a, "%s clinic time (%s)  -  %s UTC", local, zone, utc);
    return md_arena_printf(a, "%s UTC", utc);
}

static void steps(md_pdf *d, md_arena *a, json_t *rec, const char *zone)
{
    static const char *const names[] = {"sent", "opened", "signed", "withdrawn", "cancelled"};
    json_t *events = json_object_get(rec, "events");
    md_pdf_para(d, "Audit details", "DejaVu Sans Bold 11", 4);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        json_t *e = json_object_get(events, names[i]);
        if (!e) continue;
        const char *by = json_string_value(json_object_get(e, "by"));
        const char *reason = json_string_value(json_object_get(e, "reason"));
        const char *ua = json_string_value(json_object_get(e, "user_agent"));
        const char *addr = json_string_value(json_object_get(e, "address"));
        md_pdf_para(d,
                    md_arena_printf(a, "%s: %s\naddress: %s   user agent: %s%s%s%s%s", names[i],
                                    when(a, zone, json_string_value(json_object_get(e, "at"))),
                                    addr && *addr ? addr : "-", ua && *ua ? ua : "-",
                                    by ? "\nby: " : "", by ? by : "", reason ? "\nreason: " : "",
                                    reason ? reason : ""),
                    "DejaVu Sans 8", 4);
    }
}

typedef struct patient_row {
    char given[128], family[128], birth[16];
} patient_row;

static int patient_fn(void *vctx, const md_row *r)
{
    patient_row *p = vctx;
    md_strlcpy(p->given, md_row_text(r, 0), sizeof p->given);
    md_strlcpy(p->family, md_row_text(r, 1), sizeof p->family);
    md_strlcpy(p->birth, md_row_text(r, 2), sizeof p->birth);
    return 1;
}

/* The text body as printed: the title, then each section's heading (bold) and text. */
static void body_text(md_pdf *d, md_arena *a, const char *body)
{
    const char *p = body;
    int first = 1;
    while (p && *p) {
        const char *end = strstr(p, "\n\n");
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char *block = md_arena_strndup(a, p, n);
        if (!block) return;
        if (first) {
            md_pdf_para(d, block, "DejaVu Sans Bold 12", 6);
        } else {
            char *nl = strchr(block, '\n');
            if (nl) *nl = 0;
            md_pdf_para(d, block, "DejaVu Sans Bold 10", 2);
            if (nl) md_pdf_para(d, nl + 1, "DejaVu Serif 10", 6);
        }
        first = 0;
        p = end ? end + 2 : NULL;
    }
}

md_code md_consent_pdf(md_ctx *ctx, const char *consent_id, unsigned char **pdf, size_t *len,
                       md_err *err)
{
    json_t *rec = NULL, *clinic = NULL;
    patient_row pt = {"", "", ""};
    unsigned char *text = NULL, *sig = NULL;
    size_t text_len = 0, sig_len = 0;
    md_code rc = md_consent_get(ctx, consent_id, &rec, err);
    if (rc == MD_OK) rc = md_clinic_get(ctx->db, ctx->who.clinic_id, &clinic, err);
    const char *patient_id = json_string_value(json_object_get(rec, "patient_id"));
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(patient_id)};
    if (rc == MD_OK)
        rc = md_store_exec(ctx->db,
                           "SELECT given_name, family_name, birth_date FROM patients WHERE "
                           "clinic_id = $1 AND id = $2 AND current = 1",
                           v, 2, patient_fn, &pt, err);
    if (rc == MD_OK && md_content_get(ctx, json_string_value(json_object_get(rec, "text_sha256")),
                                      NULL, &text, &text_len, err) != MD_OK)
        rc = md_err_set(err, MD_EIO, NULL, "the consent's text is missing or damaged");
    const char *sig_sha = json_string_value(json_object_get(rec, "signature_sha256"));
    if (rc == MD_OK && sig_sha) rc = md_content_get(ctx, sig_sha, NULL, &sig, &sig_len, err);
    md_audit_entry a = {"print", "consent", consent_id, patient_id, "pdf"};
    if (rc == MD_OK) rc = md_audit(ctx, &a, err);
    if (rc != MD_OK) goto done;

    const char *zone = json_string_value(json_object_get(clinic, "time_zone"));
    const char *purpose = json_string_value(json_object_get(rec, "purpose"));
    md_pdf d;
    md_pdf_begin(&d, "Consent record",
                 md_arena_printf(ctx->arena, "Consent %s, version %lld", consent_id,
                                 (long long)json_integer_value(json_object_get(rec, "version"))));
    md_arena *ar = ctx->arena;
    md_pdf_para(&d, json_string_value(json_object_get(clinic, "name")), "DejaVu Sans Bold 14", 2);
    md_pdf_para(&d, md_arena_printf(ar, "Consent record: %s", purpose), "DejaVu Sans 11", 10);
    md_pdf_para(&d,
                md_arena_printf(ar,
                                "Patient: %s %s, born %s\nPurpose: %s%s%s\nState: %s   Channel: %s",
                                pt.given, pt.family, pt.birth, purpose,
                                json_object_get(rec, "course_id") ? "   Course: " : "",
                                json_string_value(json_object_get(rec, "course_id"))
                                    ? json_string_value(json_object_get(rec, "course_id"))
                                    : "",
                                json_string_value(json_object_get(rec, "state")),
                                json_string_value(json_object_get(rec, "channel"))),
                "DejaVu Sans 9", 4);
    md_pdf_para(&d,
                md_arena_printf(ar, "Text: %s, version %lld, language %s\nSHA-256: %s",
                                json_string_value(json_object_get(rec, "text_id")),
                                (long long)json_integer_value(json_object_get(rec, "text_version")),
                                json_string_value(json_object_get(rec, "language")),
                                json_string_value(json_object_get(rec, "text_sha256"))),
                "DejaVu Sans Mono 8", 12);
    body_text(&d, ar, (const char *)text);
    d.y += 8;
    md_pdf_para(&d, "Signature", "DejaVu Sans Bold 11", 4);
    if (sig) {
        signature(&d, sig, sig_len);
        json_t *signed_ev = json_object_get(json_object_get(rec, "events"), "signed");
        md_pdf_para(
            &d,
            md_arena_printf(ar, "Typed name: %s\nSigned: %s",
                            json_string_value(json_object_get(rec, "typed_name")),
                            when(ar, zone, json_string_value(json_object_get(signed_ev, "at")))),
            "DejaVu Sans 9", 12);
    } else {
        md_pdf_para(&d, "Not signed.", "DejaVu Sans Oblique 9", 12);
    }
    steps(&d, ar, rec, zone);
    rc = md_pdf_end(&d, ctx->arena, pdf, len, err);
done:
    json_decref(rec);
    json_decref(clinic);
    return rc;
}
