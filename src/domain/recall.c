/*
 * recall.c - exposures of a lot or a vial, and the recall worklist of a recalled lot
 * (recall.h).
 *
 * A recall case (kind recall_case, one current per lot and patient, a versioned patient
 * record) and its contact attempts (kind recall_contact):
 *
 *   OPEN (no case written yet, or v1) --contact attempt--> CONTACTED --attempt--> CONTACTED
 *   CONTACTED --close {outcome}--> CLOSED (final: outcome reviewed_no_symptoms, referred,
 *   complication_reported, declined_review or unreachable)
 *   OPEN --close--> refused (409: no contact recorded yet); CLOSED --anything--> 409.
 *   An attempt is recorded whatever its outcome (no_answer, left_message, reached,
 *   declined, unreachable): "contacted" means someone tried, the attempts say how it went.
 * Each move is a new version of the case (who, when, why) in the same write as the attempt
 * that caused it; attempts are versioned records too (a wrong one is entered in error, never
 * deleted).  Only a lot marked recalled (stock.c) has a worklist.
 *
 * Exposures read the administrations of the lot (index administrations_lot) or of the vial
 * (administrations_vial) with the patients' current rows, in one statement, in one read
 * snapshot with the lot; the audit entries (one for the lot or vial with the counts, one
 * read per patient) are appended in one batch before the answer is handed back.
 */
#include "mesodesk/recall.h"
#include "mesodesk/audit.h"
#include "mesodesk/commit.h"
#include "mesodesk/stock.h"
#include "mesodesk/validate.h"
#include "record_int.h"
#include "stock_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUTURE_SLACK 300 /* seconds an attempted_at may be ahead of the clock */

/* ---- the kinds ---- */

static const char *const case_status[] = {"open", "contacted", "closed", "entered_in_error", NULL};
static const char *const case_outcomes[] = {"reviewed_no_symptoms",  "referred",
                                            "complication_reported", "declined_review",
                                            "unreachable",           NULL};
static const char *const contact_methods[] = {"phone", "email", "letter", "in_person", NULL};
static const char *const contact_outcomes[] = {"no_answer", "left_message", "reached",
                                               "declined",  "unreachable",  NULL};
static const char *const contact_status[] = {"recorded", "entered_in_error", NULL};

/* A closed case has its outcome; an open or contacted one none. */
static md_code check_case(md_ctx *ctx, json_t *rec, md_err *err)
{
    (void)ctx;
    const char *status = json_string_value(json_object_get(rec, "status"));
    json_t *outcome = json_object_get(rec, "outcome");
    int has = outcome && !json_is_null(outcome);
    if (status && strcmp(status, "closed") == 0 && !has)
        return md_err_set(err, MD_EINVAL, "outcome", "outcome is required to close a case");
    if (status && (strcmp(status, "open") == 0 || strcmp(status, "contacted") == 0) && has)
        return md_err_set(err, MD_EUNPROCESSABLE, "outcome", "only a closed case has an outcome");
    return MD_OK;
}

static const md_field case_fields[] = {
    {.name = "lot_id", .type = MD_F_TEXT, .required = 1, .max_len = 32, .doc = "the recalled lot"},
    {.name = "status", .type = MD_F_ENUM, .required = 1, .values = case_status, .dflt = "open"},
    {.name = "outcome",
     .type = MD_F_ENUM,
     .values = case_outcomes,
     .doc = "how the recall ended for the patient (closed cases)"},
    {.name = "note", .type = MD_F_TEXT, .max_len = 1000},
    {0},
};

const md_record_kind md_kind_recall_case = {
    .name = "recall_case",
    .table = "recall_cases",
    .collection = "recall_cases",
    .schema = "RecallCase",
    .title = "recall cases",
    .parent = &md_kind_patient,
    .has_parent = 1,
    .read_perm = MD_PERM_CLINICAL_READ,
    .write_perm = MD_PERM_CLINICAL_WRITE,
    .fields = case_fields,
    .status_field = "status",
    .hooks = {.check = check_case},
};

static md_code check_contact(md_ctx *ctx, json_t *rec, md_err *err)
{
    (void)ctx;
    const char *s = json_string_value(json_object_get(rec, "attempted_at"));
    int64_t t;
    if (s && md_time_parse(s, &t) != 0)
        return md_err_set(err, MD_EUNPROCESSABLE, "attempted_at",
                          "attempted_at must be a UTC time YYYY-MM-DDTHH:MM:SSZ");
    if (s && t > md_now() + FUTURE_SLACK)
        return md_err_set(err, MD_EUNPROCESSABLE, "attempted_at", "attempted_at is in the future");
    return MD_OK;
}

static const md_field contact_fields[] = {
    {.name = "case_id", .type = MD_F_TEXT, .required = 1, .max_len = 32},
    {.name = "lot_id", .type = MD_F_TEXT, .required = 1, .max_len = 32},
    {.name = "attempted_at", .type = MD_F_TEXT, .required = 1, .max_len = 20, .doc = "UTC"},
    {.name = "method", .type = MD_F_ENUM, .required = 1, .values = contact_methods},
    {.name = "outcome", .type = MD_F_ENUM, .required = 1, .values = contact_outcomes},
    {.name = "note", .type = MD_F_TEXT, .max_len = 1000},
    {.name = "status",
     .type = MD_F_ENUM,
     .required = 1,
     .values = contact_status,
     .dflt = "recorded"},
    {0},
};

const md_record_kind md_kind_recall_contact = {
    .name = "recall_contact",
    .table = "recall_contacts",
    .collection = "recall_contacts",
    .schema = "RecallContact",
    .title = "recall contact attempts",
    .parent = &md_kind_patient,
    .has_parent = 1,
    .read_perm = MD_PERM_CLINICAL_READ,
    .write_perm = MD_PERM_CLINICAL_WRITE,
    .fields = contact_fields,
    .status_field = "status",
    .hooks = {.check = check_contact},
};

/* ---- finding the lot ---- */

md_code md_recall_lot_find(md_ctx *ctx, const char *ref, char id[MD_ID_STR], md_err *err)
{
    md__lot lot;
    id[0] = '\0';
    if (!ref || !*ref) return md_err_set(err, MD_EINVAL, "lot_id", "lot_id is required");
    if (md_id_valid(ref)) {
        md_err ignored;
        if (md__lot_load(ctx, ref, "lot_id", &lot, &ignored) == MD_OK) {
            md_strlcpy(id, lot.id, MD_ID_STR);
            return MD_OK;
        }
    }
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(ref)};
    md_code rc = md_store_scalar_text(ctx->db,
                                      "SELECT min(id) FROM lots WHERE clinic_id = $1 AND "
                                      "lot_number = $2 AND current = 1",
                                      v, 2, id, MD_ID_STR, err);
    if (rc == MD_OK && !id[0]) rc = MD_ENOTFOUND;
    if (rc == MD_ENOTFOUND)
        rc = md_err_set(err, MD_ENOTFOUND, "lot_id", "no lot with id or number '%.64s'", ref);
    return rc;
}

md_code md_recall_sole_clinic(md_store *db, char id[MD_ID_STR], md_err *err)
{
    int64_t n = 0;
    md_code rc = md_store_scalar_int(db, "SELECT count(*) FROM clinics", NULL, 0, &n, err);
    if (rc == MD_OK && n != 1)
        return md_err_set(err, MD_EINVAL, "clinic",
                          "the database holds %lld clinics: name one with --clinic", (long long)n);
    if (rc == MD_OK)
        rc = md_store_scalar_text(db, "SELECT min(clinic_id) FROM clinics", NULL, 0, id, MD_ID_STR,
                                  err);
    return rc;
}

/* ---- exposures ---- */

#define EXPOSURE_SQL(col)                                                                          \
    "SELECT a.patient_id, p.given_name, p.family_name, p.birth_date, p.email, p.phone, "           \
    "(SELECT min(m.survivor_id) FROM patient_merges m WHERE m.clinic_id = a.clinic_id AND "        \
    "m.merged_id = a.patient_id AND NOT EXISTS (SELECT 1 FROM patient_merges m2 WHERE "            \
    "m2.clinic_id = m.clinic_id AND m2.merged_id = m.survivor_id)), "                              \
    "a.id, a.given_at, a.volume_ml, a.route, a.area, a.context, a.context_id, a.vial_id, "         \
    "a.given_by, s.display_name "                                                                  \
    "FROM administrations a JOIN patients p ON p.clinic_id = a.clinic_id AND "                     \
    "p.id = a.patient_id AND p.current = 1 "                                                       \
    "LEFT JOIN staff s ON s.clinic_id = a.clinic_id AND s.id = a.given_by "                        \
    "WHERE a.clinic_id = $1 AND a." col " = $2 AND a.current = 1 AND a.status = 'given' "          \
    "ORDER BY p.family_name, p.given_name, a.patient_id, a.given_at, a.id"

const char *md_recall_exposures_sql(int vial)
{
    return vial ? EXPOSURE_SQL("vial_id") : EXPOSURE_SQL("lot_id");
}

typedef struct exposure_acc {
    json_t *items;
    json_t *cur; /* the current item's administrations */
    char last[MD_ID_STR];
    long doses;
    int too_many;
} exposure_acc;

static json_t *text_or_null(const md_row *r, int i)
{
    return md_row_is_null(r, i) ? json_null() : json_string(md_row_text(r, i));
}

static int exposure_row(void *va, const md_row *r)
{
    exposure_acc *a = va;
    if (++a->doses > MD_EXPOSURES_MAX) {
        a->too_many = 1;
        return 1;
    }
    const char *pid = md_row_text(r, 0);
    if (strcmp(pid, a->last) != 0) {
        json_t *patient =
            json_pack("{s:s,s:o,s:o,s:o,s:o,s:o}", "id", pid, "given_name", text_or_null(r, 1),
                      "family_name", text_or_null(r, 2), "birth_date", text_or_null(r, 3), "email",
                      text_or_null(r, 4), "phone", text_or_null(r, 5));
        if (patient && !md_row_is_null(r, 6))
            json_object_set_new(patient, "merged_into", json_string(md_row_text(r, 6)));
        a->cur = json_array();
        json_array_append_new(
            a->items, json_pack("{s:o,s:o}", "patient", patient, "administrations", a->cur));
        md_strlcpy(a->last, pid, sizeof a->last);
    }
    json_array_append_new(
        a->cur,
        json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id", md_row_text(r, 7), "given_at",
                  text_or_null(r, 8), "volume_ml", md__milli_json(md_row_int(r, 9)), "route",
                  text_or_null(r, 10), "area", text_or_null(r, 11), "context", text_or_null(r, 12),
                  "context_id", text_or_null(r, 13), "vial_id", text_or_null(r, 14), "given_by",
                  text_or_null(r, 15), "given_by_name", text_or_null(r, 16)));
    return 0;
}

static json_t *lot_json(md_ctx *ctx, const md__lot *l)
{
    char name[256] = "";
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(l->product_id)};
    md_store_scalar_text(ctx->db,
                         "SELECT name FROM products WHERE clinic_id = $1 AND id = $2 AND "
                         "current = 1",
                         v, 2, name, sizeof name, NULL);
    return json_pack("{s:s,s:s,s:s,s:s,s:s?,s:s?,s:s,s:s}", "id", l->id, "lot_number",
                     l->lot_number, "expiry", l->expiry, "status", l->status, "recalled_on",
                     l->recalled_on[0] ? l->recalled_on : NULL, "recall_reason",
                     l->recall_reason[0] ? l->recall_reason : NULL, "product_id", l->product_id,
                     "product_name", name);
}

/* The exposed patients of the lot (col "lot_id") or vial (col "vial_id") id, unaudited. */
static md_code exposures_query(md_ctx *ctx, const char *col, const char *id, json_t **items,
                               long *doses, md_err *err)
{
    exposure_acc a = {.items = json_array()};
    if (!a.items) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    const char *sql = md_recall_exposures_sql(strcmp(col, "vial_id") == 0);
    md_code rc = md_store_exec(ctx->db, sql, v, 2, exposure_row, &a, err);
    if (rc == MD_OK && a.too_many)
        rc = md_err_set(err, MD_EUNPROCESSABLE, col,
                        "more than %d administrations: export them with mesodesk recall "
                        "exposures in parts",
                        MD_EXPOSURES_MAX);
    if (rc != MD_OK) {
        json_decref(a.items);
        return rc;
    }
    *items = a.items;
    *doses = a.doses;
    return MD_OK;
}

/* One entry for the lot or vial (object_type, id) with the counts, one read per patient. */
static md_code audit_exposures(md_ctx *ctx, const char *object_type, const char *id, json_t *items,
                               long doses, md_err *err)
{
    size_t n = json_array_size(items);
    char detail[160], pdetail[96];
    md_audit_entry *e = calloc(n + 1, sizeof *e);
    if (!e) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    snprintf(detail, sizeof detail, "exposures: %zu patients, %ld administrations", n, doses);
    snprintf(pdetail, sizeof pdetail, "exposures of %s %s", object_type, id);
    e[0] = (md_audit_entry){"read", object_type, id, NULL, detail};
    for (size_t i = 0; i < n; i++) {
        json_t *p = json_object_get(json_array_get(items, i), "patient");
        const char *pid = json_string_value(json_object_get(p, "id"));
        e[i + 1] = (md_audit_entry){"read", md_kind_patient.name, pid, pid, pdetail};
    }
    md_code rc = md_audit_many(ctx, e, n + 1, err);
    free(e);
    return rc;
}

static md_code exposures(md_ctx *ctx, const char *lot_id, const char *vial_id, json_t **out,
                         md_err *err)
{
    md__lot lot;
    md__vial vial;
    json_t *items = NULL, *vj = NULL;
    long doses = 0;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ | MD_PERM_DEMOGRAPHICS_READ, err);
    if (rc != MD_OK) return rc;
    if ((rc = md_store_snapshot_begin(ctx->db, err)) != MD_OK) return rc;
    if (vial_id) {
        rc = md__vial_load(ctx, vial_id, "vial_id", &vial, err);
        lot_id = vial.lot_id;
    }
    if (rc == MD_OK) rc = md__lot_load(ctx, lot_id, "lot_id", &lot, err);
    if (rc == MD_OK)
        rc = exposures_query(ctx, vial_id ? "vial_id" : "lot_id", vial_id ? vial.id : lot.id,
                             &items, &doses, err);
    json_t *lj = rc == MD_OK ? lot_json(ctx, &lot) : NULL;
    md_store_snapshot_end(ctx->db);
    if (rc != MD_OK) return rc;
    if (vial_id)
        vj = json_pack("{s:s,s:s,s:s,s:s}", "id", vial.id, "lot_id", vial.lot_id, "opened_at",
                       vial.opened_at, "status", vial.status);
    rc = audit_exposures(ctx, vial_id ? "vial" : "lot", vial_id ? vial.id : lot.id, items, doses,
                         err);
    if (rc != MD_OK) {
        json_decref(items);
        json_decref(lj);
        json_decref(vj);
        return rc;
    }
    *out = json_pack("{s:o,s:I,s:I,s:o}", "lot", lj, "patients", (json_int_t)json_array_size(items),
                     "administrations", (json_int_t)doses, "items", items);
    if (*out && vj) json_object_set_new(*out, "vial", vj);
    if (!*out) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    return MD_OK;
}

md_code md_recall_exposures_lot(md_ctx *ctx, const char *lot_id, json_t **out, md_err *err)
{
    return exposures(ctx, lot_id, NULL, out, err);
}

md_code md_recall_exposures_vial(md_ctx *ctx, const char *vial_id, json_t **out, md_err *err)
{
    return exposures(ctx, NULL, vial_id, out, err);
}

/* ---- the worklist ---- */

/* Current cases or contacts of the lot, keyed by patient: {patient_id: record or [records]}. */
static md_code by_patient(md_ctx *ctx, const md_record_kind *k, const char *lot_id, int many,
                          json_t **out, md_err *err)
{
    json_t *rows = NULL;
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(lot_id)};
    md_code rc =
        md__record_query(ctx, k,
                         "clinic_id = $1 AND lot_id = $2 AND current = 1 AND "
                         "status <> 'entered_in_error' ORDER BY patient_id, recorded_at, id",
                         v, 2, &rows, err);
    if (rc != MD_OK) return rc;
    json_t *map = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        const char *pid = json_string_value(json_object_get(r, "patient_id"));
        if (!many) {
            json_object_set(map, pid, r);
            continue;
        }
        json_t *list = json_object_get(map, pid);
        if (!list) json_object_set_new(map, pid, list = json_array());
        json_array_append(list, r);
    }
    json_decref(rows);
    *out = map;
    return MD_OK;
}

static int by_attempt(const void *a, const void *b)
{
    json_t *ja = *(json_t *const *)a, *jb = *(json_t *const *)b;
    const char *x = json_string_value(json_object_get(ja, "attempted_at"));
    const char *y = json_string_value(json_object_get(jb, "attempted_at"));
    int c = strcmp(x ? x : "", y ? y : "");
    return c ? c
             : strcmp(json_string_value(json_object_get(ja, "id")),
                      json_string_value(json_object_get(jb, "id")));
}

static md_code require_recalled(const md__lot *lot, md_err *err)
{
    if (strcmp(lot->status, "recalled") != 0)
        return md_err_set(err, MD_ECONFLICT, "lot_id",
                          "lot %s is not recalled: it has no recall worklist", lot->lot_number);
    return MD_OK;
}

md_code md_recall_worklist(md_ctx *ctx, const char *lot_id, json_t **out, md_err *err)
{
    md__lot lot;
    json_t *items = NULL, *cases = NULL, *contacts = NULL, *lj = NULL;
    long doses = 0;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ | MD_PERM_DEMOGRAPHICS_READ, err);
    if (rc != MD_OK) return rc;
    if ((rc = md_store_snapshot_begin(ctx->db, err)) != MD_OK) return rc;
    rc = md__lot_load(ctx, lot_id, "lot_id", &lot, err);
    if (rc == MD_OK) rc = require_recalled(&lot, err);
    if (rc == MD_OK) rc = exposures_query(ctx, "lot_id", lot.id, &items, &doses, err);
    if (rc == MD_OK) rc = by_patient(ctx, &md_kind_recall_case, lot.id, 0, &cases, err);
    if (rc == MD_OK) rc = by_patient(ctx, &md_kind_recall_contact, lot.id, 1, &contacts, err);
    if (rc == MD_OK) lj = lot_json(ctx, &lot);
    md_store_snapshot_end(ctx->db);
    if (rc == MD_OK) rc = audit_exposures(ctx, "recall_worklist", lot.id, items, doses, err);
    if (rc == MD_OK) {
        long counts[3] = {0, 0, 0};
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            const char *pid =
                json_string_value(json_object_get(json_object_get(it, "patient"), "id"));
            json_t *c = json_object_get(cases, pid), *list = json_object_get(contacts, pid);
            const char *st = c ? json_string_value(json_object_get(c, "status")) : "open";
            counts[strcmp(st, "closed") == 0 ? 2 : strcmp(st, "contacted") == 0 ? 1 : 0]++;
            json_object_set_new(it, "case",
                                c ? json_incref(c) : json_pack("{s:s}", "status", "open"));
            if (list && rc == MD_OK) rc = md_json_array_sort(list, by_attempt, err);
            json_object_set_new(it, "contacts", list ? json_incref(list) : json_array());
        }
        *out = json_pack("{s:o,s:I,s:I,s:{s:I,s:I,s:I},s:O}", "lot", lj, "patients",
                         (json_int_t)json_array_size(items), "administrations", (json_int_t)doses,
                         "counts", "open", (json_int_t)counts[0], "contacted",
                         (json_int_t)counts[1], "closed", (json_int_t)counts[2], "items", items);
        lj = NULL;
        if (!*out) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    }
    json_decref(lj);
    json_decref(items);
    json_decref(cases);
    json_decref(contacts);
    return rc;
}

/* Inside a write: the lot recalled, the patient dosed from it, and the current case (NULL
 * when none was written yet). */
static md_code case_context(md_ctx *ctx, const char *lot_id, const char *patient_id, md__lot *lot,
                            json_t **cur, md_err *err)
{
    int64_t n = 0;
    json_t *rows = NULL;
    *cur = NULL;
    md_code rc = md__lot_load(ctx, lot_id, "lot_id", lot, err);
    if (rc == MD_OK) rc = require_recalled(lot, err);
    if (rc == MD_OK) rc = md_patient_exists(ctx, patient_id, err);
    if (rc == MD_ENOTFOUND) md_err_set(err, MD_ENOTFOUND, "patient_id", "no such patient");
    if (rc != MD_OK) return rc;
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(lot->id), md_text(patient_id)};
    rc = md_store_scalar_int(ctx->db,
                             "SELECT count(*) FROM administrations WHERE clinic_id = $1 AND "
                             "lot_id = $2 AND patient_id = $3 AND current = 1 AND status = 'given'",
                             v, 3, &n, err);
    if (rc == MD_OK && n == 0)
        rc = md_err_set(err, MD_EUNPROCESSABLE, "patient_id",
                        "the patient received no dose of lot %s", lot->lot_number);
    if (rc == MD_OK)
        rc = md__record_query(ctx, &md_kind_recall_case,
                              "clinic_id = $1 AND lot_id = $2 AND patient_id = $3 AND current = 1 "
                              "AND status <> 'entered_in_error' ORDER BY id",
                              v, 3, &rows, err);
    if (rc == MD_OK && json_array_size(rows)) *cur = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return rc;
}

static md_code contact_write(md_ctx *ctx, const char *lot_id, const char *patient_id, json_t *in,
                             json_t **out, md_err *err)
{
    md__lot lot;
    json_t *cur = NULL, *contact = NULL, *body = NULL;
    char now[MD_TIME_STR];
    md_code rc = case_context(ctx, lot_id, patient_id, &lot, &cur, err);
    const char *status = cur ? json_string_value(json_object_get(cur, "status")) : "open";
    if (rc == MD_OK && strcmp(status, "closed") == 0)
        rc = md_err_set(err, MD_ECONFLICT, "patient_id",
                        "the recall case is closed (%s): nothing more is recorded on it",
                        json_string_value(json_object_get(cur, "outcome")));
    if (rc == MD_OK && !cur) {
        json_t *c = json_pack("{s:s,s:s,s:s}", "lot_id", lot.id, "status", "open", "reason",
                              "recall of the lot");
        rc = md_record_create(ctx, &md_kind_recall_case, patient_id, c, &cur, err);
        json_decref(c);
    }
    if (rc == MD_OK) {
        body = json_deep_copy(in);
        md_time_format(md_now(), now);
        if (!json_object_get(body, "attempted_at"))
            json_object_set_new(body, "attempted_at", json_string(now));
        json_object_set_new(body, "case_id", json_incref(json_object_get(cur, "id")));
        json_object_set_new(body, "lot_id", json_string(lot.id));
        rc = md_record_create(ctx, &md_kind_recall_contact, patient_id, body, &contact, err);
    }
    if (rc == MD_OK && strcmp(status, "contacted") != 0) {
        json_t *up = json_pack("{s:s,s:s}", "status", "contacted", "reason", "contact attempted");
        json_t *next = NULL;
        rc = md_record_update(ctx, &md_kind_recall_case, patient_id,
                              json_string_value(json_object_get(cur, "id")), up, &next, err);
        json_decref(up);
        if (rc == MD_OK) {
            json_decref(cur);
            cur = next;
        }
    }
    if (rc == MD_OK) *out = json_pack("{s:O,s:O}", "case", cur, "contact", contact);
    json_decref(cur);
    json_decref(contact);
    json_decref(body);
    return rc;
}

md_code md_recall_contact_add(md_ctx *ctx, const char *lot_id, const char *patient_id, json_t *in,
                              json_t **out, md_err *err)
{
    static const char *const keys[] = {"method", "outcome", "attempted_at", "note", NULL};
    json_t *made = NULL;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_WRITE, err);
    if (rc == MD_OK && !json_is_object(in))
        rc = md_err_set(err, MD_EINVAL, NULL, "the body must be a JSON object");
    if (rc == MD_OK) rc = md_json_check_keys(in, keys, "", err);
    if (rc != MD_OK) return rc;
    /* Input errors first, with nothing written: the contact as the engine would take it. */
    json_t *probe = json_deep_copy(in);
    json_object_set_new(probe, "case_id", json_string("0"));
    json_object_set_new(probe, "lot_id", json_string("0"));
    if (!json_object_get(probe, "attempted_at")) {
        char now[MD_TIME_STR];
        md_time_format(md_now(), now);
        json_object_set_new(probe, "attempted_at", json_string(now));
    }
    rc = md_record_validate(ctx, &md_kind_recall_contact, probe, err);
    json_decref(probe);
    if (rc != MD_OK) return rc;
    if ((rc = md_write_begin(ctx, err)) != MD_OK) return rc;
    rc = contact_write(ctx, lot_id, patient_id, in, &made, err);
    return md__write_answer(ctx, rc, made, out, err);
}

md_code md_recall_close(md_ctx *ctx, const char *lot_id, const char *patient_id, json_t *in,
                        json_t **out, md_err *err)
{
    static const char *const keys[] = {"outcome", "note", "version", NULL};
    const char *outcome = NULL;
    md__lot lot;
    json_t *cur = NULL, *made = NULL;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_WRITE, err);
    if (rc == MD_OK && !json_is_object(in))
        rc = md_err_set(err, MD_EINVAL, NULL, "the body must be a JSON object");
    if (rc == MD_OK) rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK) rc = md_json_enum(in, "outcome", 1, case_outcomes, &outcome, err);
    if (rc != MD_OK) return rc;
    if ((rc = md_write_begin(ctx, err)) != MD_OK) return rc;
    rc = case_context(ctx, lot_id, patient_id, &lot, &cur, err);
    const char *status = cur ? json_string_value(json_object_get(cur, "status")) : "open";
    if (rc == MD_OK && strcmp(status, "closed") == 0)
        rc = md_err_set(err, MD_ECONFLICT, "patient_id", "the recall case is closed already");
    else if (rc == MD_OK && strcmp(status, "contacted") != 0)
        rc = md_err_set(err, MD_ECONFLICT, "patient_id",
                        "no contact attempt is recorded yet: record one before closing");
    if (rc == MD_OK) {
        json_t *up = json_deep_copy(in);
        json_object_set_new(up, "status", json_string("closed"));
        json_object_set_new(up, "reason", json_string("recall closed"));
        rc = md_record_update(ctx, &md_kind_recall_case, patient_id,
                              json_string_value(json_object_get(cur, "id")), up, &made, err);
        json_decref(up);
    }
    json_decref(cur);
    return md__write_answer(ctx, rc, made, out, err);
}
