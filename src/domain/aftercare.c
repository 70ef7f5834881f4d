/*
 * aftercare.c - the aftercare given after a session (chart.h md_aftercare_build /
 * md_aftercare_store, aftercare.h md_aftercare_read): the facts of one session gathered
 * from the database and composed by kb/aftercare.json (md_aftercare_compose).
 *
 * The facts:
 *   - ingredients: every lot charted (chart.entries[].lot_id; before charting, the
 *     materials' lots) -> its product -> the product's kb ingredients;
 *   - areas: each entry's body-map zone -> its kb area (md_body_map_zone_area), or the
 *     entry's "area" when the record carries one;
 *   - the patient's Fitzpatrick type (0, not recorded, when null: the cautious items are
 *     given and the aftercare says why);
 *   - the next appointment: the course's first booked appointment after now, other than
 *     this session's, in the clinic's zone;
 *   - the clinic's name and phone (clinics.phone, migration 25; none: the text says so);
 *   - the language: the session's "language" when it names one of the kb file's, else the
 *     language of the treatment consent signed for the course, else English.
 *
 * The exact text is stored once, in the content store (text/plain), when the session is
 * completed (chart.c calls md_aftercare_store inside its write); reads of a completed
 * session give that stored text, never a rebuild, so a later kb change does not change what
 * the patient was given.
 */
#include <string.h>

#include "mesodesk/aftercare.h"
#include "mesodesk/audit.h"
#include "mesodesk/booking.h"
#include "mesodesk/chart.h"
#include "mesodesk/clinic.h"
#include "mesodesk/content.h"
#include "mesodesk/kb.h"
#include "mesodesk/store.h"

typedef struct gather {
    md_ctx *ctx;
    md_aftercare_facts f;
    char lang[8];
    char phone[64];
    char name[256];
    int64_t fitz;
} gather;

static void add_unique(const char **list, size_t *n, const char *code)
{
    if (!code || *n >= MD_AFTERCARE_FACTS_MAX) return;
    for (size_t i = 0; i < *n; i++)
        if (strcmp(list[i], code) == 0) return;
    list[(*n)++] = code;
}

static int ingredients_row(void *vg, const md_row *r)
{
    gather *g = vg;
    json_t *arr = json_loads(md_row_text(r, 0), 0, NULL);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const char *c = json_string_value(json_object_get(json_array_get(arr, i), "ingredient"));
        const char *code = NULL;
        /* canonical kb code (kb memory outlives the call) */
        if (c && md_kb_resolve(g->ctx->kb, MD_VOCAB_INGREDIENT, c, NULL, &code, NULL) == MD_OK)
            add_unique(g->f.ingredients, &g->f.n_ingredients, code);
    }
    json_decref(arr);
    return 0;
}

static md_code lot_ingredients(gather *g, const char *lot_id, md_err *err)
{
    if (!lot_id) return MD_OK;
    md_val v[] = {md_text(g->ctx->who.clinic_id), md_text(lot_id)};
    return md_store_exec(g->ctx->db,
                         "SELECT p.ingredients FROM lots l JOIN products p ON p.clinic_id = "
                         "l.clinic_id AND p.id = l.product_id AND p.current = 1 WHERE l.clinic_id "
                         "= $1 AND l.id = $2 AND l.current = 1",
                         v, 2, ingredients_row, g, err);
}

static void entry_area(gather *g, json_t *e)
{
    const char *area = json_string_value(json_object_get(e, "area"));
    const char *zone = json_string_value(json_object_get(e, "zone"));
    const char *code = NULL;
    if (!area && zone) {
        const md_body_map *m =
            md_kb_map_find(g->ctx->kb, json_string_value(json_object_get(e, "map")));
        const char *why = NULL;
        if (m)
            area = md_body_map_zone_area(m, zone, json_number_value(json_object_get(e, "x")),
                                         json_number_value(json_object_get(e, "y")), &why);
    }
    if (area && md_kb_resolve(g->ctx->kb, MD_VOCAB_AREA, area, NULL, &code, NULL) == MD_OK)
        add_unique(g->f.areas, &g->f.n_areas, code);
}

static int fitz_row(void *vg, const md_row *r)
{
    gather *g = vg;
    g->fitz = md_row_is_null(r, 0) ? 0 : md_row_int(r, 0);
    return 1;
}

static int clinic_row(void *vg, const md_row *r)
{
    gather *g = vg;
    md_strlcpy(g->name, md_row_text(r, 0), sizeof g->name);
    md_strlcpy(g->phone, md_row_is_null(r, 1) ? "" : md_row_text(r, 1), sizeof g->phone);
    return 1;
}

/* The course's first booked appointment after now that is not this session's. */
static md_code next_appointment(gather *g, json_t *session, md_err *err)
{
    const char *course = json_string_value(json_object_get(session, "course_id"));
    const char *own = json_string_value(json_object_get(session, "appointment_id"));
    json_t *list = NULL;
    char now[MD_TIME_STR];
    if (!course) return MD_OK;
    md_time_format(md_now(), now);
    md_code rc = md_appointments_of_course(g->ctx, course, &list, err);
    if (rc != MD_OK) return rc;
    json_t *items = json_object_get(list, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *a = json_array_get(items, i);
        const char *id = json_string_value(json_object_get(a, "id"));
        const char *st = json_string_value(json_object_get(a, "status"));
        const char *start = json_string_value(json_object_get(a, "start"));
        const char *local = json_string_value(json_object_get(a, "start_local"));
        if (!st || strcmp(st, "booked") != 0 || !start || strcmp(start, now) <= 0) continue;
        if (own && id && strcmp(own, id) == 0) continue;
        g->f.next_appointment =
            md_arena_printf(g->ctx->arena, "%s (%s)", local ? local : start,
                            json_string_value(json_object_get(a, "time_zone"))
                                ? json_string_value(json_object_get(a, "time_zone"))
                                : "UTC");
        break;
    }
    json_decref(list);
    return MD_OK;
}

static md_code language(gather *g, json_t *session, md_err *err)
{
    const char *l = json_string_value(json_object_get(session, "language"));
    if (l && md_aftercare_language_known(g->ctx->kb, l)) {
        md_strlcpy(g->lang, l, sizeof g->lang);
        return MD_OK;
    }
    md_strlcpy(g->lang, "en", sizeof g->lang);
    const char *course = json_string_value(json_object_get(session, "course_id"));
    const char *patient = json_string_value(json_object_get(session, "patient_id"));
    char found[8] = "";
    md_val v[] = {md_text(g->ctx->who.clinic_id), md_text(patient), md_text(course)};
    md_code rc = md_store_scalar_text(g->ctx->db,
                                      "SELECT language FROM consents WHERE clinic_id = $1 AND "
                                      "patient_id = $2 AND course_id = $3 AND purpose = "
                                      "'treatment' AND state = 'signed' AND current = 1 ORDER BY "
                                      "recorded_at DESC LIMIT 1",
                                      v, 3, found, sizeof found, err);
    if (rc == MD_ENOTFOUND || !course) return MD_OK;
    if (rc == MD_OK && md_aftercare_language_known(g->ctx->kb, found))
        md_strlcpy(g->lang, found, sizeof g->lang);
    return rc;
}

md_code md_aftercare_build(md_ctx *ctx, json_t *session, json_t **out, md_err *err)
{
    gather g;
    memset(&g, 0, sizeof g);
    g.ctx = ctx;
    const char *patient = json_string_value(json_object_get(session, "patient_id"));
    if (!patient) return md_err_set(err, MD_EINVAL, "patient_id", "the session has no patient");
    md_code rc = MD_OK;
    json_t *entries = json_object_get(json_object_get(session, "chart"), "entries");
    for (size_t i = 0; rc == MD_OK && i < json_array_size(entries); i++) {
        json_t *e = json_array_get(entries, i);
        rc = lot_ingredients(&g, json_string_value(json_object_get(e, "lot_id")), err);
        entry_area(&g, e);
    }
    if (json_array_size(entries) == 0) {
        json_t *lots = json_object_get(json_object_get(session, "materials"), "lots");
        for (size_t i = 0; rc == MD_OK && i < json_array_size(lots); i++)
            rc = lot_ingredients(
                &g, json_string_value(json_object_get(json_array_get(lots, i), "lot_id")), err);
    }
    md_val pv[] = {md_text(ctx->who.clinic_id), md_text(patient)};
    if (rc == MD_OK)
        rc = md_store_exec(ctx->db,
                           "SELECT fitzpatrick FROM patients WHERE clinic_id = $1 AND id = $2 AND "
                           "current = 1",
                           pv, 2, fitz_row, &g, err);
    md_val cv[] = {md_text(ctx->who.clinic_id)};
    if (rc == MD_OK)
        rc = md_store_exec(ctx->db, "SELECT name, phone FROM clinics WHERE clinic_id = $1", cv, 1,
                           clinic_row, &g, err);
    if (rc == MD_OK) rc = next_appointment(&g, session, err);
    if (rc == MD_OK) rc = language(&g, session, err);
    if (rc != MD_OK) return rc;
    g.f.language = g.lang;
    g.f.fitzpatrick = (int)g.fitz;
    g.f.clinic_name = g.name;
    g.f.clinic_phone = g.phone;
    g.f.session_day = json_string_value(json_object_get(session, "day"));
    return md_aftercare_compose(ctx->kb, &g.f, out, err);
}

md_code md_aftercare_store(md_ctx *ctx, json_t *aftercare, json_t **ref, md_err *err)
{
    const char *text = json_string_value(json_object_get(aftercare, "text"));
    char sha[MD_SHA256_STR], now[MD_TIME_STR];
    if (!text || !*text) return md_err_set(err, MD_EINVAL, "aftercare", "no aftercare text");
    md_code rc = md_content_put(ctx, "text/plain", text, strlen(text), MD_AFTERCARE_TEXT_MAX,
                                "aftercare", sha, err);
    if (rc != MD_OK) return rc;
    md_time_format(md_now(), now);
    json_t *r = json_pack("{s:s,s:O,s:O,s:s}", "sha256", sha, "language",
                          json_object_get(aftercare, "language"), "kb_version",
                          json_object_get(aftercare, "kb_version"), "generated_at", now);
    if (!r) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    *ref = r;
    return MD_OK;
}

md_code md_aftercare_read(md_ctx *ctx, const char *session_id, json_t **out, md_err *err)
{
    json_t *s = NULL, *o = NULL;
    md_code rc = md_chart_get(ctx, session_id, &s, err);
    if (rc != MD_OK) return rc;
    json_t *ref = json_object_get(s, "aftercare");
    const char *sha = json_string_value(json_object_get(ref, "sha256"));
    if (sha) {
        unsigned char *text = NULL;
        size_t len = 0;
        rc = md_content_get(ctx, sha, NULL, &text, &len, err);
        if (rc != MD_OK) {
            rc = md_err_set(err, MD_EIO, NULL, "the stored aftercare is missing or damaged");
            goto done;
        }
        o = json_pack("{s:b,s:O,s:O,s:O,s:O,s:s%}", "stored", 1, "sha256",
                      json_object_get(ref, "sha256"), "language", json_object_get(ref, "language"),
                      "kb_version", json_object_get(ref, "kb_version"), "generated_at",
                      json_object_get(ref, "generated_at"), "text", (const char *)text, len);
        if (!o) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    } else if ((rc = md_aftercare_build(ctx, s, &o, err)) == MD_OK) {
        json_object_set_new(o, "stored", json_false());
    }
    if (rc == MD_OK) {
        json_object_set(o, "session_id", json_object_get(s, "id"));
        json_object_set(o, "state", json_object_get(s, "state"));
        json_object_set(o, "patient_id", json_object_get(s, "patient_id"));
        *out = o;
        o = NULL;
    }
done:
    json_decref(o);
    json_decref(s);
    return rc;
}
