/*
 * patch_test.c - patch tests (patch_test.h): the application, its ICDRG readings inside
 * the kb's reading windows, the allergies a positive reading adds, and the tests that
 * screening reads.  The clinical knowledge (the scale, which grades count as positive or
 * negative, the windows, the validity of a negative) is kb/patch_tests.json; nothing here
 * names a grade or a window.
 *
 * State of one test (its outcome is computed from its current readings, never stored):
 *
 *   APPLIED --reading (in a window, one per window)--> READ ... --> outcome
 *      |         a positive grade: the tested ingredients become allergies (a new allergy,
 *      |         or a new version of the active one, naming the test), in the reading's
 *      |         transaction
 *      +--entered in error--> ENTERED_IN_ERROR (kept; screening and lists leave it out)
 *
 *   outcome: positive (a positive reading) > doubtful / irritant (an inconclusive one, by
 *   its grade code) > negative (the final window read negative, nothing else: valid from
 *   the application day for the clinic's months, else the kb's) > pending (the final window
 *   has not closed) > not_read (it has).
 *
 * Invariants: a reading's time lies inside a kb window measured from the application
 * (hours_after and read_window stored with it); at most one current reading per window
 * (a unique index backs the check); every write is one transaction (md_write_begin/finish,
 * a savepoint of the caller's when there is one), so a reading and its allergies, or an
 * application and its administration, commit together or not at all.
 */
#include "mesodesk/patch_test.h"
#include "mesodesk/audit.h"
#include "mesodesk/commit.h"
#include "mesodesk/kb.h"
#include "mesodesk/sbuf.h"
#include "mesodesk/stock.h"
#include "mesodesk/validate.h"
#include "record_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INGREDIENTS 32
#define FUTURE_SLACK_S 300 /* a time up to 5 minutes ahead of the server's clock is "now" */
#define DEFAULT_VALIDITY 6 /* months, when no kb is loaded (unit tests of pure functions) */

/* ---- the kinds ---- */

static const char *const test_status[] = {"active", "entered_in_error", NULL};
static const char *const reading_status[] = {"confirmed", "entered_in_error", NULL};

/* A stored time must be a UTC time ("2026-11-21T09:30:00Z"). */
static md_code check_time(json_t *rec, const char *field, md_err *err)
{
    int64_t t;
    const char *s = json_string_value(json_object_get(rec, field));
    if (s && md_time_parse(s, &t) != 0)
        return md_err_set(err, MD_EUNPROCESSABLE, field,
                          "%s must be a UTC time such as 2026-11-21T09:30:00Z", field);
    return MD_OK;
}

/* ingredients: 1..MAX_INGREDIENTS canonical kb ingredient codes, each once. */
static md_code check_ingredients(const md_ctx *ctx, json_t *v, const char *field, md_err *err)
{
    char f[MD_JSON_PATH_MAX];
    if (json_array_size(v) == 0 || json_array_size(v) > MAX_INGREDIENTS)
        return md_err_set(err, MD_EUNPROCESSABLE, field, "%s: 1 to %d kb ingredient codes", field,
                          MAX_INGREDIENTS);
    for (size_t i = 0; i < json_array_size(v); i++) {
        const char *canon = NULL, *s = json_string_value(json_array_get(v, i));
        md_json_path_index(f, field, i);
        if (!s) return md_err_set(err, MD_EINVAL, f, "%s must be a string", f);
        md_code rc = md_vocab_resolve(ctx, MD_VOCAB_INGREDIENT, f, s, &canon, err);
        if (rc == MD_OK && strcmp(canon, s) != 0)
            rc = md_err_set(err, MD_EUNPROCESSABLE, f, "%s: '%s' is stored as %s", f, s, canon);
        for (size_t k = 0; rc == MD_OK && k < i; k++)
            if (strcmp(json_string_value(json_array_get(v, k)), s) == 0)
                rc = md_err_set(err, MD_EUNPROCESSABLE, f, "%s: %s is listed twice", f, s);
        if (rc != MD_OK) return rc;
    }
    return MD_OK;
}

static md_code check_test(md_ctx *ctx, json_t *rec, md_err *err)
{
    (void)ctx;
    return check_time(rec, "applied_at", err);
}

static md_code check_reading(md_ctx *ctx, json_t *rec, md_err *err)
{
    const char *g = json_string_value(json_object_get(rec, "grade"));
    const md_patch_kb *pk = md_kb_patch_tests(ctx->kb);
    if (g && pk && !md_patch_grade_find(pk, g)) {
        char list[256];
        md_sbuf b;
        md_sbuf_init(&b, list, sizeof list);
        for (size_t i = 0; i < pk->n_grades; i++)
            md_sbuf_appendf(&b, "%s%s", i ? ", " : "", pk->grades[i].code);
        return md_err_set(err, MD_EUNPROCESSABLE, "grade",
                          "grade must be one of the ICDRG scale: %s", list);
    }
    return check_time(rec, "read_at", err);
}

static const md_field test_fields[] = {
    {.name = "lot_id", .type = MD_F_TEXT, .max_len = 32, .doc = "the product lot applied"},
    {.name = "vial_id", .type = MD_F_TEXT, .max_len = 32, .doc = "the vial drawn from"},
    {.name = "product_id", .type = MD_F_TEXT, .max_len = 32, .doc = "the lot's product"},
    {.name = "administration_id",
     .type = MD_F_TEXT,
     .max_len = 32,
     .doc = "the administration recorded for the lot (context patch_test)"},
    {.name = "ingredients",
     .type = MD_F_JSON,
     .array = 1,
     .required = 1,
     .json_check = check_ingredients,
     .doc = "the tested kb ingredient codes (a lot's: its product's)"},
    {.name = "site", .type = MD_F_CODE, .required = 1, .vocab = MD_VOCAB_AREA, .doc = "kb area"},
    {.name = "applied_at", .type = MD_F_TEXT, .required = 1, .max_len = 20, .doc = "UTC time"},
    {.name = "applied_by", .type = MD_F_TEXT, .required = 1, .max_len = 32, .doc = "staff id"},
    {.name = "note", .type = MD_F_TEXT, .max_len = 1000},
    {.name = "status", .type = MD_F_ENUM, .required = 1, .values = test_status, .dflt = "active"},
    {0},
};

const md_record_kind md_kind_patch_test = {
    .name = "patch_test",
    .table = "patch_tests",
    .collection = "patch_tests",
    .schema = "PatchTest",
    .title = "patch tests",
    .parent = &md_kind_patient,
    .has_parent = 1,
    .read_perm = MD_PERM_CLINICAL_READ,
    .write_perm = MD_PERM_CLINICAL_WRITE,
    .fields = test_fields,
    .status_field = "status",
    .hooks = {.check = check_test},
};

static const md_field reading_fields[] = {
    {.name = "patch_test_id", .type = MD_F_TEXT, .required = 1, .max_len = 32},
    {.name = "read_window",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 32,
     .doc = "the kb reading window the reading fell in (day_2, day_3_4)"},
    {.name = "grade",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 16,
     .doc = "ICDRG grade: negative, doubtful, +, ++, +++, irritant (kb/patch_tests.json)"},
    {.name = "read_at", .type = MD_F_TEXT, .required = 1, .max_len = 20, .doc = "UTC time"},
    {.name = "read_by", .type = MD_F_TEXT, .required = 1, .max_len = 32, .doc = "staff id"},
    {.name = "hours_after",
     .type = MD_F_INT,
     .required = 1,
     .min = 0,
     .max = 100000,
     .doc = "whole hours from the application to the reading"},
    {.name = "note", .type = MD_F_TEXT, .max_len = 1000},
    {.name = "status",
     .type = MD_F_ENUM,
     .required = 1,
     .values = reading_status,
     .dflt = "confirmed"},
    {0},
};

const md_record_kind md_kind_patch_test_reading = {
    .name = "patch_test_reading",
    .table = "patch_test_readings",
    .collection = "patch_test_readings",
    .schema = "PatchTestReading",
    .title = "patch test readings",
    .parent = &md_kind_patient,
    .has_parent = 1,
    .read_perm = MD_PERM_CLINICAL_READ,
    .write_perm = MD_PERM_CLINICAL_WRITE,
    .fields = reading_fields,
    .status_field = "status",
    .hooks = {.check = check_reading},
};

/* ---- pure parts: dates, outcome ---- */

md_day md_day_add_months(md_day day, int months)
{
    int y, m, d;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    md_date_to_ymd(day, &y, &m, &d);
    int total = y * 12 + (m - 1) + months;
    y = total / 12;
    m = total % 12 + 1;
    int last = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    return md_date_from_ymd(y, m, d > last ? last : d);
}

static const md_patch_window *window_named(const md_patch_kb *pk, const char *code)
{
    for (size_t i = 0; code && i < pk->n_windows; i++)
        if (strcmp(pk->windows[i].code, code) == 0) return &pk->windows[i];
    return NULL;
}

void md_patch_outcome_of(const md_patch_kb *pk, int64_t applied, const md_patch_reading_in *r,
                         size_t n, int validity_months, int64_t now, md_patch_outcome *out)
{
    const char *inconclusive = NULL;
    int final_negative = 0;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        const md_patch_grade *g = md_patch_grade_find(pk, r[i].value);
        const md_patch_window *w = window_named(pk, r[i].window);
        if (!g) continue;
        if (g->counts_as == MD_PATCH_POSITIVE) {
            out->result = "positive";
            return;
        }
        if (g->counts_as == MD_PATCH_INCONCLUSIVE && !inconclusive) inconclusive = g->code;
        if (g->counts_as == MD_PATCH_NEGATIVE && w && w->final) final_negative = 1;
    }
    if (inconclusive) {
        out->result = inconclusive;
    } else if (final_negative) {
        out->result = "negative";
        out->negative = 1;
        out->valid_until = md_day_add_months((md_day)(applied / 86400), validity_months);
    } else {
        const md_patch_window *last = pk->n_windows ? &pk->windows[pk->n_windows - 1] : NULL;
        int closed = last && now > applied + (int64_t)last->to_hours * 3600;
        out->result = closed ? "not_read" : "pending";
    }
}

/* ---- reading what is stored ---- */

/* The clinic's validity of a negative test in months: its setting, else the kb's. */
static md_code validity_months(md_ctx *ctx, int *out, md_err *err)
{
    const md_patch_kb *pk = md_kb_patch_tests(ctx->kb);
    int64_t v = 0;
    md_val p[] = {md_text(ctx->who.clinic_id)};
    md_code rc = md_store_scalar_int(ctx->db,
                                     "SELECT coalesce(patch_test_validity_months, 0) FROM "
                                     "clinics WHERE clinic_id = $1",
                                     p, 1, &v, err);
    if (rc == MD_ENOTFOUND) rc = MD_OK, v = 0;
    *out = v > 0 ? (int)v : pk ? pk->validity_months : DEFAULT_VALIDITY;
    return rc;
}

/* The outcome and the windows of one test from its readings (those of the test, current,
 * not entered in error): adds "readings" and "outcome" to test. */
static md_code view_test(md_ctx *ctx, json_t *test, json_t *all_readings, int months, md_err *err)
{
    const md_patch_kb *pk = md_kb_patch_tests(ctx->kb);
    const char *id = json_string_value(json_object_get(test, "id"));
    const char *at = json_string_value(json_object_get(test, "applied_at"));
    int64_t applied = 0;
    md_patch_reading_in in[MD_PATCH_WINDOWS_MAX * 4];
    size_t n = 0, i;
    if (!pk) return md_err_set(err, MD_EINTERNAL, NULL, "no kb loaded");
    json_t *mine = json_array(), *r, *windows = json_array();
    if (!mine || !windows) goto oom;
    md_time_parse(at ? at : "", &applied);
    json_array_foreach(all_readings, i, r)
    {
        const char *st = json_string_value(json_object_get(r, "status"));
        if (strcmp(json_string_value(json_object_get(r, "patch_test_id")), id) != 0 ||
            (st && strcmp(st, "entered_in_error") == 0))
            continue;
        json_array_append(mine, r);
        if (n < sizeof in / sizeof in[0])
            in[n++] = (md_patch_reading_in){json_string_value(json_object_get(r, "read_window")),
                                            json_string_value(json_object_get(r, "grade"))};
    }
    md_patch_outcome o;
    md_patch_outcome_of(pk, applied, in, n, months, md_now(), &o);
    for (size_t w = 0; w < pk->n_windows; w++) {
        char from[MD_TIME_STR], to[MD_TIME_STR];
        md_time_format(applied + (int64_t)pk->windows[w].from_hours * 3600, from);
        md_time_format(applied + (int64_t)pk->windows[w].to_hours * 3600, to);
        json_t *wj = json_pack("{s:s,s:s,s:s,s:s,s:b}", "code", pk->windows[w].code, "label",
                               pk->windows[w].label, "opens_at", from, "closes_at", to, "final",
                               pk->windows[w].final);
        json_array_foreach(mine, i, r)
        {
            if (wj && strcmp(json_string_value(json_object_get(r, "read_window")),
                             pk->windows[w].code) == 0)
                json_object_set(wj, "reading", json_object_get(r, "grade"));
        }
        if (!wj || json_array_append_new(windows, wj) != 0) goto oom;
    }
    json_t *outcome = json_pack("{s:s,s:o}", "result", o.result, "windows", windows);
    windows = NULL;
    if (!outcome) goto oom;
    if (o.negative) {
        char until[MD_DATE_STR];
        md_date_format(o.valid_until, until);
        json_object_set_new(outcome, "valid_until", json_string(until));
        json_object_set_new(outcome, "validity_months", json_integer(months));
    }
    json_object_set_new(test, "readings", mine);
    json_object_set_new(test, "outcome", outcome);
    return MD_OK;
oom:
    json_decref(mine);
    json_decref(windows);
    return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
}

/* Current readings of a patient (every test), without audit: inside a write. */
static md_code readings_of(md_ctx *ctx, const char *patient_id, json_t **out, md_err *err)
{
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(patient_id)};
    return md__record_query(ctx, &md_kind_patch_test_reading,
                            "clinic_id = $1 AND patient_id = $2 AND current = 1 AND status <> "
                            "'entered_in_error' ORDER BY read_at, id",
                            v, 2, out, err);
}

/* The answer after a write: the test as stored now, with its readings (no read audit: the
 * write's own entries say what was done). */
static md_code answer_after_write(md_ctx *ctx, const char *patient_id, const char *test_id,
                                  json_t **out, md_err *err)
{
    json_t *test = NULL, *readings = NULL;
    int months = 0;
    md_code rc = md__record_current(ctx, &md_kind_patch_test, patient_id, test_id, &test, err);
    if (rc == MD_OK) rc = readings_of(ctx, patient_id, &readings, err);
    if (rc == MD_OK) rc = validity_months(ctx, &months, err);
    if (rc == MD_OK) rc = view_test(ctx, test, readings, months, err);
    json_decref(readings);
    if (rc == MD_OK)
        *out = test;
    else
        json_decref(test);
    return rc;
}

md_code md_patch_test_get(md_ctx *ctx, const char *patient_id, const char *test_id, json_t **out,
                          md_err *err)
{
    json_t *test = NULL, *list = NULL;
    int months = 0;
    md_code rc = md_record_get(ctx, &md_kind_patch_test, patient_id, test_id, &test, err);
    if (rc == MD_OK)
        rc = md_record_list(ctx, &md_kind_patch_test_reading, patient_id, 0, &list, err);
    if (rc == MD_OK) rc = validity_months(ctx, &months, err);
    if (rc == MD_OK) rc = view_test(ctx, test, json_object_get(list, "items"), months, err);
    json_decref(list);
    if (rc == MD_OK)
        *out = test;
    else
        json_decref(test);
    return rc;
}

static int by_applied_desc(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = strcmp(json_string_value(json_object_get(y, "applied_at")),
                   json_string_value(json_object_get(x, "applied_at")));
    return c ? c
             : strcmp(json_string_value(json_object_get(y, "id")),
                      json_string_value(json_object_get(x, "id")));
}

md_code md_patch_test_list(md_ctx *ctx, const char *patient_id, json_t **out, md_err *err)
{
    json_t *tests = NULL, *readings = NULL, *items = json_array(), *t;
    int months = 0;
    size_t i;
    md_code rc = items ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK) rc = md_record_list(ctx, &md_kind_patch_test, patient_id, 0, &tests, err);
    if (rc == MD_OK)
        rc = md_record_list(ctx, &md_kind_patch_test_reading, patient_id, 0, &readings, err);
    if (rc == MD_OK) rc = validity_months(ctx, &months, err);
    json_t *arr = json_object_get(tests, "items");
    size_t n = json_array_size(arr);
    json_t **order = n ? md_arena_alloc(ctx->arena, n * sizeof *order) : NULL;
    if (n && !order) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    json_array_foreach(arr, i, t)
    {
        if (order) order[i] = t;
    }
    /* Newest application first. */
    if (order) qsort(order, n, sizeof order[0], by_applied_desc);
    for (i = 0; rc == MD_OK && i < n; i++) {
        rc = view_test(ctx, order[i], json_object_get(readings, "items"), months, err);
        if (rc == MD_OK) json_array_append(items, order[i]);
    }
    json_decref(tests);
    json_decref(readings);
    if (rc != MD_OK) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return *out ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
}

md_code md_patch_test_history(md_ctx *ctx, const char *patient_id, const char *test_id,
                              json_t **out, md_err *err)
{
    json_t *h = NULL, *readings = NULL;
    md_code rc = md_record_history(ctx, &md_kind_patch_test, patient_id, test_id, &h, err);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(patient_id), md_text(test_id)};
    if (rc == MD_OK)
        rc = md__record_query(ctx, &md_kind_patch_test_reading,
                              "clinic_id = $1 AND patient_id = $2 AND patch_test_id = $3 ORDER "
                              "BY read_at, id, version",
                              v, 3, &readings, err);
    if (rc == MD_OK) {
        md_audit_entry a = {"read_history", md_kind_patch_test_reading.name, "*", patient_id,
                            "of a patch test"};
        rc = md_audit(ctx, &a, err);
    }
    if (rc == MD_OK) {
        json_object_set_new(h, "readings", readings);
        readings = NULL;
        *out = h;
        h = NULL;
    }
    json_decref(h);
    json_decref(readings);
    return rc;
}

md_code md_patch_test_entered_in_error(md_ctx *ctx, const char *patient_id, const char *test_id,
                                       json_t *in, json_t **out, md_err *err)
{
    json_t *rec = NULL;
    md_code rc =
        md_record_entered_in_error(ctx, &md_kind_patch_test, patient_id, test_id, in, &rec, err);
    if (rc != MD_OK) return rc;
    json_decref(rec);
    return answer_after_write(ctx, patient_id, test_id, out, err);
}

/* ---- the application ---- */

/* A time member: absent is now; given, a UTC time not in the future. */
static md_code time_member(json_t *in, const char *name, int64_t *t, char out[MD_TIME_STR],
                           md_err *err)
{
    const char *s = NULL;
    md_code rc = md_json_text(in, name, 0, 32, &s, err);
    if (rc != MD_OK) return rc;
    int64_t now = md_now();
    if (!s) {
        *t = now;
    } else if (md_time_parse(s, t) != 0) {
        return md_err_set(err, MD_EUNPROCESSABLE, name,
                          "%s must be a UTC time such as 2026-11-21T09:30:00Z", name);
    } else if (*t > now + FUTURE_SLACK_S) {
        return md_err_set(err, MD_EUNPROCESSABLE, name, "%s %s is in the future", name, s);
    }
    md_time_format(*t, out);
    return MD_OK;
}

/* "ingredients": kb ingredient codes or synonyms -> *codes, canonical, each once (the kind's
 * check refuses an empty or too long list, naming the field). */
static md_code ingredient_list(md_ctx *ctx, json_t *arr, json_t *codes, md_err *err)
{
    if (!json_is_array(arr))
        return md_err_set(err, MD_EINVAL, "ingredients",
                          "ingredients must be an array of kb codes");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        char f[MD_JSON_PATH_MAX];
        const char *canon = NULL;
        json_t *t = json_array_get(arr, i), *c;
        size_t k;
        int dup = 0;
        md_json_path_index(f, "ingredients", i);
        if (!json_is_string(t)) return md_err_set(err, MD_EINVAL, f, "%s must be a string", f);
        md_code rc =
            md_vocab_resolve(ctx, MD_VOCAB_INGREDIENT, f, json_string_value(t), &canon, err);
        if (rc != MD_OK) return rc;
        json_array_foreach(codes, k, c) dup |= strcmp(json_string_value(c), canon) == 0;
        if (!dup && json_array_append_new(codes, json_string(canon)) != 0)
            return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    }
    return MD_OK;
}

/* A lot's product's ingredient codes, each once, into codes. */
static md_code product_ingredients(md_ctx *ctx, const char *product_id, json_t *codes, md_err *err)
{
    json_t *product = NULL, *ing;
    size_t i;
    md_code rc = md_product_get(ctx, product_id, &product, err);
    json_array_foreach(json_object_get(product, "ingredients"), i, ing)
    {
        json_t *code = json_object_get(ing, "ingredient"), *c;
        size_t k;
        int dup = 0;
        json_array_foreach(codes, k, c) dup |= json_equal(c, code);
        if (json_is_string(code) && !dup) json_array_append(codes, code);
    }
    if (rc == MD_OK && json_array_size(codes) == 0)
        rc = md_err_set(err, MD_EUNPROCESSABLE, "lot_id", "the lot's product lists no ingredients");
    json_decref(product);
    return rc;
}

/* applied_by: a staff account of the clinic. */
static md_code staff_of_clinic(md_ctx *ctx, const char *id, md_err *err)
{
    int64_t n = 0;
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    md_code rc = md_id_valid(id) ? md_store_scalar_int(ctx->db,
                                                       "SELECT count(*) FROM staff WHERE "
                                                       "clinic_id = $1 AND id = $2",
                                                       v, 2, &n, err)
                                 : MD_OK;
    if (rc == MD_OK && n == 0)
        rc = md_err_set(err, MD_EUNPROCESSABLE, "applied_by", "applied_by: no such staff member");
    return rc;
}

/* Inside the write: with a lot, its administration (context patch_test, epicutaneous, at
 * the application's time and site) and its product's ingredients; then the test. */
static md_code apply_write(md_ctx *ctx, const char *patient_id, json_t *rec, json_t *in,
                           int64_t volume_ul, json_t **made, md_err *err)
{
    const char *lot = json_string_value(json_object_get(in, "lot_id"));
    json_t *admin = NULL;
    md_code rc = MD_OK;
    if (lot) {
        md_dose d = {.patient_id = patient_id,
                     .lot_id = lot,
                     .vial_id = json_string_value(json_object_get(in, "vial_id")),
                     .volume_ul = (long)volume_ul,
                     .route = "epicutaneous",
                     .context = "patch_test",
                     .given_at = json_string_value(json_object_get(rec, "applied_at")),
                     .area = json_string_value(json_object_get(rec, "site"))};
        rc = md_administration_record(ctx, &d, &admin, err);
        const char *product = json_string_value(json_object_get(admin, "product_id"));
        if (rc == MD_OK)
            rc = product_ingredients(ctx, product, json_object_get(rec, "ingredients"), err);
        if (rc == MD_OK) {
            json_object_set_new(rec, "lot_id", json_string(lot));
            json_object_set(rec, "product_id", json_object_get(admin, "product_id"));
            json_object_set(rec, "vial_id", json_object_get(admin, "vial_id"));
            json_object_set(rec, "administration_id", json_object_get(admin, "id"));
        }
    }
    if (rc == MD_OK) rc = md_record_create(ctx, &md_kind_patch_test, patient_id, rec, made, err);
    json_decref(admin);
    return rc;
}

md_code md_patch_test_apply(md_ctx *ctx, const char *patient_id, json_t *in, json_t **out,
                            md_err *err)
{
    static const char *const keys[] = {"lot_id",      "vial_id", "volume_ml",
                                       "ingredients", "site",    "applied_at",
                                       "applied_by",  "note",    NULL};
    char at[MD_TIME_STR];
    const char *lot = NULL, *vial = NULL, *by = NULL, *site = NULL, *note = NULL;
    int64_t t = 0, volume_ul = 0;
    int has_volume = 0;
    json_t *rec = NULL, *made = NULL, *codes = json_array();
    md_code rc = codes ? md_require(ctx, MD_PERM_CLINICAL_WRITE, err)
                       : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK) rc = md_patient_exists(ctx, patient_id, err);
    if (rc == MD_OK && !json_is_object(in))
        rc = md_err_set(err, MD_EINVAL, "", "the body must be a JSON object");
    if (rc == MD_OK) rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK) rc = md_json_text(in, "lot_id", 0, 32, &lot, err);
    if (rc == MD_OK && !lot == !json_object_get(in, "ingredients"))
        rc = md_err_set(err, MD_EUNPROCESSABLE, "ingredients",
                        "give either lot_id (a product lot) or ingredients (kb codes)");
    if (rc == MD_OK) rc = md_json_text(in, "vial_id", 0, 32, &vial, err);
    if (rc == MD_OK)
        rc = md_json_milli(in, "volume_ml", lot != NULL, 1, 1000000, &volume_ul, &has_volume, err);
    if (rc == MD_OK && !lot && (vial || has_volume))
        rc = md_err_set(err, MD_EUNPROCESSABLE, vial ? "vial_id" : "volume_ml",
                        "%s goes with lot_id", vial ? "vial_id" : "volume_ml");
    if (rc == MD_OK && !lot)
        rc = ingredient_list(ctx, json_object_get(in, "ingredients"), codes, err);
    if (rc == MD_OK) rc = md_json_text(in, "site", 1, 128, &site, err);
    if (rc == MD_OK) rc = time_member(in, "applied_at", &t, at, err);
    if (rc == MD_OK) rc = md_json_text(in, "applied_by", 0, 32, &by, err);
    if (rc == MD_OK && by) rc = staff_of_clinic(ctx, by, err);
    if (rc == MD_OK) rc = md_json_text(in, "note", 0, 1000, &note, err);
    if (rc == MD_OK && !(rec = json_pack("{s:O,s:s,s:s,s:s,s:s?}", "ingredients", codes, "site",
                                         site, "applied_at", at, "applied_by",
                                         by ? by : md_actor_id(ctx), "note", note)))
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    /* The site as the kb has it (a synonym typed is stored canonical), for the administration. */
    const char *canon = NULL;
    if (rc == MD_OK) rc = md_vocab_resolve(ctx, MD_VOCAB_AREA, "site", site, &canon, err);
    if (rc == MD_OK) json_object_set_new(rec, "site", json_string(canon));
    if (rc == MD_OK && (rc = md_write_begin(ctx, err)) == MD_OK)
        rc =
            md_write_finish(ctx, apply_write(ctx, patient_id, rec, in, volume_ul, &made, err), err);
    if (rc == MD_OK)
        rc = answer_after_write(ctx, patient_id, json_string_value(json_object_get(made, "id")),
                                out, err);
    json_decref(rec);
    json_decref(codes);
    json_decref(made);
    return rc;
}

/* ---- readings ---- */

/* The windows as text for a refusal: "day 2 (44-56 h: 2026-11-23T09:00:00Z to ...)". */
static void windows_text(const md_patch_kb *pk, int64_t applied, char *buf, size_t n)
{
    md_sbuf b;
    md_sbuf_init(&b, buf, n);
    for (size_t i = 0; i < pk->n_windows; i++) {
        char from[MD_TIME_STR], to[MD_TIME_STR];
        md_time_format(applied + (int64_t)pk->windows[i].from_hours * 3600, from);
        md_time_format(applied + (int64_t)pk->windows[i].to_hours * 3600, to);
        md_sbuf_appendf(&b, "%s%s, %d-%d h after the application (%s to %s)", i ? "; " : "",
                        pk->windows[i].label, pk->windows[i].from_hours, pk->windows[i].to_hours,
                        from, to);
    }
    if (!md_sbuf_ok(&b)) buf[0] = '\0';
}

/* A positive grade: each tested ingredient becomes an allergy naming the test, a new
 * version of the patient's active allergy to it, or a new allergy.  Inside the write. */
static md_code add_allergies(md_ctx *ctx, const char *patient_id, json_t *test,
                             const md_patch_grade *g, const md_patch_window *w, md_err *err)
{
    const char *tid = json_string_value(json_object_get(test, "id"));
    json_t *codes = json_object_get(test, "ingredients");
    char reaction[200], reason[200];
    md_code rc = MD_OK;
    snprintf(reaction, sizeof reaction, "patch test %s (%s)", g->label, w->label);
    snprintf(reason, sizeof reason, "patch test %s read %s at %s", tid, g->code, w->label);
    for (size_t i = 0; rc == MD_OK && i < json_array_size(codes); i++) {
        const char *code = json_string_value(json_array_get(codes, i));
        json_t *found = NULL, *body = NULL, *made = NULL;
        md_val v[] = {md_text(ctx->who.clinic_id), md_text(patient_id), md_text(code)};
        rc = md__record_query(ctx, &md_kind_allergy,
                              "clinic_id = $1 AND patient_id = $2 AND substance = $3 AND "
                              "current = 1 AND status = 'active' ORDER BY recorded_at, id",
                              v, 3, &found, err);
        json_t *cur = json_array_get(found, 0);
        if (rc == MD_OK)
            body = json_pack("{s:s,s:s,s:s}", "reaction", reaction, "patch_test_id", tid, "reason",
                             reason);
        if (rc == MD_OK && !body) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        if (rc == MD_OK && cur) {
            json_object_set(body, "version", json_object_get(cur, "version"));
            rc = md_record_update(ctx, &md_kind_allergy, patient_id,
                                  json_string_value(json_object_get(cur, "id")), body, &made, err);
        } else if (rc == MD_OK) {
            json_object_set_new(body, "substance", json_string(code));
            rc = md_record_create(ctx, &md_kind_allergy, patient_id, body, &made, err);
        }
        json_decref(found);
        json_decref(body);
        json_decref(made);
    }
    return rc;
}

/* The current, active test, inside the write; MD_ECONFLICT for one entered in error. */
static md_code active_test(md_ctx *ctx, const char *patient_id, const char *test_id, json_t **out,
                           md_err *err)
{
    md_code rc = md__record_current(ctx, &md_kind_patch_test, patient_id, test_id, out, err);
    if (rc == MD_ENOTFOUND) md_err_set(err, MD_ENOTFOUND, "id", "no such patch test");
    if (rc == MD_OK &&
        strcmp(json_string_value(json_object_get(*out, "status")), "entered_in_error") == 0) {
        json_decref(*out);
        *out = NULL;
        rc = md_err_set(err, MD_ECONFLICT, "id", "this patch test was entered in error");
    }
    return rc;
}

typedef struct reading_job {
    const char *patient_id, *test_id;
    const char *grade, *note;
    int64_t read_at;
    char read_at_s[MD_TIME_STR];
} reading_job;

/* Inside the write: check the window, store the reading, add the allergies. */
static md_code store_reading(md_ctx *ctx, const reading_job *j, md_err *err)
{
    const md_patch_kb *pk = md_kb_patch_tests(ctx->kb);
    const md_patch_grade *g = md_patch_grade_find(pk, j->grade);
    json_t *test = NULL, *rec = NULL, *made = NULL, *readings = NULL, *r;
    int64_t applied = 0;
    size_t i;
    md_code rc = active_test(ctx, j->patient_id, j->test_id, &test, err);
    if (rc != MD_OK) return rc;
    md_time_parse(json_string_value(json_object_get(test, "applied_at")), &applied);
    double hours = (double)(j->read_at - applied) / 3600.0;
    const md_patch_window *w = md_patch_window_at(pk, hours);
    if (!w) {
        char list[600];
        windows_text(pk, applied, list, sizeof list);
        rc = md_err_set(err, MD_EUNPROCESSABLE, "read_at",
                        "read_at %s is %.1f h after the application (%s): outside the reading "
                        "windows: %s",
                        j->read_at_s, hours, json_string_value(json_object_get(test, "applied_at")),
                        list);
        goto done;
    }
    if ((rc = readings_of(ctx, j->patient_id, &readings, err)) != MD_OK) goto done;
    json_array_foreach(readings, i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "patch_test_id")), j->test_id) == 0 &&
            strcmp(json_string_value(json_object_get(r, "read_window")), w->code) == 0) {
            rc = md_err_set(err, MD_ECONFLICT, "read_at",
                            "the %s reading of this test is on record (%s): correct it instead",
                            w->label, json_string_value(json_object_get(r, "id")));
            goto done;
        }
    }
    rec = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:s?}", "patch_test_id", j->test_id, "read_window",
                    w->code, "grade", j->grade, "read_at", j->read_at_s, "read_by",
                    md_actor_id(ctx), "hours_after", (json_int_t)floor(hours), "note", j->note);
    if (!rec) {
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        goto done;
    }
    rc = md_record_create(ctx, &md_kind_patch_test_reading, j->patient_id, rec, &made, err);
    if (rc == MD_ECONFLICT) /* the unique index: another reading of the window came first */
        md_err_set(err, MD_ECONFLICT, "read_at", "the %s reading of this test is on record",
                   w->label);
    if (rc == MD_OK && g->counts_as == MD_PATCH_POSITIVE)
        rc = add_allergies(ctx, j->patient_id, test, g, w, err);
done:
    json_decref(test);
    json_decref(rec);
    json_decref(made);
    json_decref(readings);
    return rc;
}

static md_code grade_member(md_ctx *ctx, json_t *in, int required, const char **grade, md_err *err)
{
    md_code rc = md_json_text(in, "grade", required, 16, grade, err);
    if (rc == MD_OK && *grade && !md_patch_grade_find(md_kb_patch_tests(ctx->kb), *grade)) {
        json_t *probe = json_pack("{s:s}", "grade", *grade);
        rc = check_reading(ctx, probe, err);
        json_decref(probe);
    }
    return rc;
}

md_code md_patch_test_read(md_ctx *ctx, const char *patient_id, const char *test_id, json_t *in,
                           json_t **out, md_err *err)
{
    static const char *const keys[] = {"grade", "read_at", "note", NULL};
    reading_job j = {patient_id, test_id, NULL, NULL, 0, ""};
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_WRITE, err);
    if (rc == MD_OK && !md_kb_patch_tests(ctx->kb))
        rc = md_err_set(err, MD_EINTERNAL, NULL, "no kb loaded");
    if (rc == MD_OK) rc = md_patient_exists(ctx, patient_id, err);
    if (rc == MD_OK && !json_is_object(in))
        rc = md_err_set(err, MD_EINVAL, "", "the body must be a JSON object");
    if (rc == MD_OK) rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK) rc = grade_member(ctx, in, 1, &j.grade, err);
    if (rc == MD_OK) rc = time_member(in, "read_at", &j.read_at, j.read_at_s, err);
    if (rc == MD_OK) rc = md_json_text(in, "note", 0, 1000, &j.note, err);
    if (rc != MD_OK) return rc;
    if ((rc = md_write_begin(ctx, err)) != MD_OK) return rc;
    rc = md_write_finish(ctx, store_reading(ctx, &j, err), err);
    if (rc == MD_OK) rc = answer_after_write(ctx, patient_id, test_id, out, err);
    return rc;
}

md_code md_patch_test_reading_correct(md_ctx *ctx, const char *patient_id, const char *test_id,
                                      const char *reading_id, json_t *in, json_t **out, md_err *err)
{
    static const char *const keys[] = {"grade", "note", "reason", "version", NULL};
    const md_patch_kb *pk = md_kb_patch_tests(ctx->kb);
    const char *grade = NULL;
    json_t *cur = NULL, *test = NULL, *made = NULL;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_WRITE, err);
    if (rc == MD_OK && !pk) rc = md_err_set(err, MD_EINTERNAL, NULL, "no kb loaded");
    if (rc == MD_OK && !json_is_object(in))
        rc = md_err_set(err, MD_EINVAL, "", "the body must be a JSON object");
    if (rc == MD_OK) rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK) rc = grade_member(ctx, in, 0, &grade, err);
    if (rc != MD_OK) return rc;
    if ((rc = md_write_begin(ctx, err)) != MD_OK) return rc;
    rc = active_test(ctx, patient_id, test_id, &test, err);
    if (rc == MD_OK)
        rc =
            md__record_current(ctx, &md_kind_patch_test_reading, patient_id, reading_id, &cur, err);
    if (rc == MD_OK &&
        strcmp(json_string_value(json_object_get(cur, "patch_test_id")), test_id) != 0)
        rc = md_err_set(err, MD_ENOTFOUND, "id", "no such reading of this patch test");
    if (rc == MD_OK)
        rc = md_record_update(ctx, &md_kind_patch_test_reading, patient_id, reading_id, in, &made,
                              err);
    if (rc == MD_OK) {
        const md_patch_grade *g =
            md_patch_grade_find(pk, json_string_value(json_object_get(made, "grade")));
        const md_patch_window *w =
            window_named(pk, json_string_value(json_object_get(made, "read_window")));
        const char *st = json_string_value(json_object_get(made, "status"));
        if (g && w && g->counts_as == MD_PATCH_POSITIVE && strcmp(st, "entered_in_error") != 0)
            rc = add_allergies(ctx, patient_id, test, g, w, err);
    }
    rc = md_write_finish(ctx, rc, err);
    json_decref(cur);
    json_decref(test);
    json_decref(made);
    if (rc == MD_OK) rc = answer_after_write(ctx, patient_id, test_id, out, err);
    return rc;
}

/* ---- for screening ---- */

typedef struct screen_gather {
    md_ctx *ctx;
    md_screen_input *in;
    json_t *tests;    /* [{"id","codes","applied"}] */
    json_t *readings; /* [{"test","window","grade"}] */
} screen_gather;

static int screen_test_row(void *vg, const md_row *r)
{
    screen_gather *g = vg;
    json_array_append_new(g->tests, json_pack("{s:s,s:s,s:s}", "id", md_row_text(r, 0), "codes",
                                              md_row_text(r, 1), "applied", md_row_text(r, 2)));
    return json_array_size(g->tests) > MD_SCREEN_MAX_ITEMS;
}

static int screen_reading_row(void *vg, const md_row *r)
{
    screen_gather *g = vg;
    json_array_append_new(g->readings,
                          json_pack("{s:s,s:s,s:s}", "test", md_row_text(r, 0), "window",
                                    md_row_text(r, 1), "grade", md_row_text(r, 2)));
    return 0;
}

static const char *arena_dup(md_ctx *ctx, const char *s, md_code *rc)
{
    const char *d = md_arena_strdup(ctx->arena, s ? s : "");
    if (!d) *rc = MD_ENOMEM;
    return d;
}

md_code md_patch_tests_for_screening(md_ctx *ctx, const char *patient_id, md_screen_input *in,
                                     md_err *err)
{
    const md_patch_kb *pk = md_kb_patch_tests(ctx->kb);
    screen_gather g = {ctx, in, json_array(), json_array()};
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(patient_id)};
    int months = 0;
    size_t i, k;
    json_t *t, *r;
    md_code rc = g.tests && g.readings ? MD_OK : MD_ENOMEM;
    if (rc == MD_OK && pk)
        rc = md_store_exec(ctx->db,
                           "SELECT id, ingredients, applied_at FROM patch_tests WHERE "
                           "clinic_id = $1 AND patient_id = $2 AND current = 1 AND status <> "
                           "'entered_in_error' ORDER BY applied_at, id",
                           v, 2, screen_test_row, &g, err);
    if (rc == MD_OK && json_array_size(g.tests) > MD_SCREEN_MAX_ITEMS)
        rc = md_err_set(err, MD_ETOOBIG, NULL, "more than %d patch tests", MD_SCREEN_MAX_ITEMS);
    if (rc == MD_OK && json_array_size(g.tests))
        rc = md_store_exec(ctx->db,
                           "SELECT patch_test_id, read_window, grade FROM patch_test_readings "
                           "WHERE clinic_id = $1 AND patient_id = $2 AND current = 1 AND "
                           "status <> 'entered_in_error' ORDER BY read_at, id",
                           v, 2, screen_reading_row, &g, err);
    if (rc == MD_OK && json_array_size(g.tests)) rc = validity_months(ctx, &months, err);
    size_t n = json_array_size(g.tests);
    if (rc == MD_OK && n) {
        in->patch_tests = md_arena_calloc(ctx->arena, n * sizeof *in->patch_tests);
        if (!in->patch_tests) rc = MD_ENOMEM;
    }
    json_array_foreach(g.tests, i, t)
    {
        md_patch_reading_in rd[MD_PATCH_WINDOWS_MAX * 4];
        size_t nr = 0;
        int64_t applied = 0;
        md_patch_outcome o;
        json_t *codes = json_loads(json_string_value(json_object_get(t, "codes")), 0, NULL);
        md_screen_patch_test *p = rc == MD_OK ? &in->patch_tests[i] : NULL;
        if (!p || !codes) {
            json_decref(codes);
            rc = rc == MD_OK ? MD_ENOMEM : rc;
            break;
        }
        json_array_foreach(g.readings, k, r)
        {
            if (nr < sizeof rd / sizeof rd[0] &&
                strcmp(json_string_value(json_object_get(r, "test")),
                       json_string_value(json_object_get(t, "id"))) == 0)
                rd[nr++] = (md_patch_reading_in){json_string_value(json_object_get(r, "window")),
                                                 json_string_value(json_object_get(r, "grade"))};
        }
        md_time_parse(json_string_value(json_object_get(t, "applied")), &applied);
        md_patch_outcome_of(pk, applied, rd, nr, months, md_now(), &o);
        p->id = arena_dup(ctx, json_string_value(json_object_get(t, "id")), &rc);
        p->result = arena_dup(ctx, o.result, &rc);
        p->valid_until = o.valid_until;
        p->n_ingredients = json_array_size(codes);
        p->ingredients = md_arena_calloc(ctx->arena, (p->n_ingredients + 1) * sizeof(char *));
        if (!p->ingredients) rc = MD_ENOMEM;
        for (k = 0; rc == MD_OK && k < p->n_ingredients; k++)
            p->ingredients[k] = arena_dup(ctx, json_string_value(json_array_get(codes, k)), &rc);
        json_decref(codes);
        in->n_patch_tests = i + 1;
    }
    json_decref(g.tests);
    json_decref(g.readings);
    if (rc == MD_ENOMEM && (!err || err->code != MD_ENOMEM))
        md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    return rc;
}
