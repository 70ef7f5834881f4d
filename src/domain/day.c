/*
 * day.c - the clinic's day (day.h): what is missing before each appointment's treatment.
 *
 * Gathered over all the day's appointments at once, inside one read snapshot, in a fixed
 * number of statements per chunk of MD_DAY_IN_MAX patients (IN-lists; a parameter is reused
 * by every arm of a UNION, so a chunk binds 1 + n values whatever the arms):
 *   1. the patients' current rows (names for the schedule);
 *   2. each patient's latest screening (index screenings_patient);
 *   3. the latest change to each patient's screening facts (allergies, "no known allergies"
 *      statements, conditions, medications, pregnancy/breastfeeding status, clearances,
 *      patch tests and their readings: a UNION of indexed lookups, max(recorded_at));
 * then once per scope the credentials of every staff member (md_credential_check_all).
 * Which findings matter is read from the stored screening result as the screening engine
 * wrote it (its decision, findings, cautions and missing lists, docs/SCREENING.md), never
 * from a rule name written here.
 */
#include "mesodesk/day.h"
#include "mesodesk/credential.h"
#include "mesodesk/patch_test.h"
#include "mesodesk/record.h"
#include "mesodesk/sbuf.h"

#include <stdio.h>
#include <string.h>

#define MD_DAY_IN_MAX 200 /* patients per IN-list: 1 + 200 parameters of MD_STORE_PARAMS_MAX */

/* Appointments still to happen get the checks; the others are shown as they are. */
static int to_happen(json_t *a)
{
    const char *st = json_string_value(json_object_get(a, "status"));
    return st && (strcmp(st, "booked") == 0 || strcmp(st, "arrived") == 0);
}

/* ---- the IN-list statements ---- */

/* "$2, $3, ..., $(n+1)" */
static void in_list(md_sbuf *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        md_sbuf_appendf(b, "%s$%zu", i ? ", " : "", i + 2);
}

typedef struct gather {
    json_t *patients;  /* id -> {"id","given_name","family_name","birth_date"} */
    json_t *screening; /* id -> {"id","date","decision","result","screened_at"} */
    json_t *changed;   /* id -> latest recorded_at of a screening fact */
} gather;

static json_t *text_or_null(const md_row *r, int i)
{
    return md_row_is_null(r, i) ? json_null() : json_string(md_row_text(r, i));
}

static int patient_row(void *va, const md_row *r)
{
    gather *g = va;
    json_object_set_new(g->patients, md_row_text(r, 0),
                        json_pack("{s:s,s:o,s:o,s:o}", "id", md_row_text(r, 0), "given_name",
                                  text_or_null(r, 1), "family_name", text_or_null(r, 2),
                                  "birth_date", text_or_null(r, 3)));
    return 0;
}

static int screening_row(void *va, const md_row *r)
{
    gather *g = va;
    json_t *result = json_loads(md_row_text(r, 4), 0, NULL);
    json_object_set_new(g->screening, md_row_text(r, 0),
                        json_pack("{s:s,s:s,s:s,s:o,s:s}", "id", md_row_text(r, 1), "date",
                                  md_row_text(r, 2), "decision", md_row_text(r, 3), "result",
                                  result ? result : json_object(), "screened_at",
                                  md_row_text(r, 5)));
    return 0;
}

static int changed_row(void *va, const md_row *r)
{
    gather *g = va;
    if (!md_row_is_null(r, 1))
        json_object_set_new(g->changed, md_row_text(r, 0), json_string(md_row_text(r, 1)));
    return 0;
}

/* The tables whose rows screening reads (md_screening_gather). */
static const md_record_kind *const fact_kinds[] = {&md_kind_allergy,
                                                   &md_kind_allergy_statement,
                                                   &md_kind_condition,
                                                   &md_kind_medication,
                                                   &md_kind_status,
                                                   &md_kind_clearance,
                                                   &md_kind_patch_test,
                                                   &md_kind_patch_test_reading,
                                                   NULL};

#define SQL(b) (md_sbuf_ok(&(b)) ? (b).p : NULL)
#define DAY_SQL_MAX (64 * 1024)

static md_code gather_chunk(md_ctx *ctx, const md_val *v, size_t n, gather *g, md_err *err)
{
    md_sbuf b;
    md_code rc;

    md_sbuf_init_arena(&b, ctx->arena, DAY_SQL_MAX);
    md_sbuf_append(&b, "SELECT id, given_name, family_name, birth_date FROM patients WHERE "
                       "clinic_id = $1 AND current = 1 AND id IN (");
    in_list(&b, n);
    md_sbuf_append(&b, ")");
    rc = md_store_exec(ctx->db, SQL(b), v, (int)n + 1, patient_row, g, err);
    if (rc != MD_OK) return rc;

    md_sbuf_init_arena(&b, ctx->arena, DAY_SQL_MAX);
    md_sbuf_append(&b, "SELECT s.patient_id, s.id, s.screen_date, s.decision, s.result, "
                       "s.screened_at FROM screenings s WHERE s.clinic_id = $1 AND "
                       "s.patient_id IN (");
    in_list(&b, n);
    md_sbuf_append(&b, ") AND s.screened_us = (SELECT max(s2.screened_us) FROM screenings s2 "
                       "WHERE s2.clinic_id = s.clinic_id AND s2.patient_id = s.patient_id) "
                       "ORDER BY s.patient_id, s.id");
    rc = md_store_exec(ctx->db, SQL(b), v, (int)n + 1, screening_row, g, err);
    if (rc != MD_OK) return rc;

    md_sbuf_init_arena(&b, ctx->arena, DAY_SQL_MAX);
    md_sbuf_append(&b, "SELECT patient_id, max(recorded_at) FROM (");
    for (int k = 0; fact_kinds[k]; k++) {
        md_sbuf_appendf(&b,
                        "%sSELECT patient_id, recorded_at FROM %s WHERE clinic_id = $1 AND "
                        "patient_id IN (",
                        k ? " UNION ALL " : "", fact_kinds[k]->table);
        in_list(&b, n);
        md_sbuf_append(&b, ")");
    }
    md_sbuf_append(&b, ") t GROUP BY patient_id ORDER BY patient_id");
    return md_store_exec(ctx->db, SQL(b), v, (int)n + 1, changed_row, g, err);
}

/* The IN-list length for n ids: a few fixed sizes, so that the statements are prepared
 * once and found in the connection's cache (the last id fills the rest). */
static size_t padded(size_t n)
{
    static const size_t sizes[] = {8, 32, 96, MD_DAY_IN_MAX};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if (n <= sizes[i]) return sizes[i];
    return MD_DAY_IN_MAX;
}

static md_code gather_all(md_ctx *ctx, json_t *ids, gather *g, md_err *err)
{
    md_val v[MD_DAY_IN_MAX + 1];
    size_t total = json_array_size(ids);
    md_code rc = MD_OK;
    v[0] = md_text(ctx->who.clinic_id);
    for (size_t at = 0; rc == MD_OK && at < total; at += MD_DAY_IN_MAX) {
        size_t n = total - at < MD_DAY_IN_MAX ? total - at : MD_DAY_IN_MAX, m = padded(n);
        for (size_t i = 0; i < m; i++)
            v[i + 1] = md_text(json_string_value(json_array_get(ids, at + (i < n ? i : n - 1))));
        rc = gather_chunk(ctx, v, m, g, err);
    }
    return rc;
}

/* ---- the items ---- */

static int add_item(json_t *list, const char *code, int blocking, const char *message,
                    const char *satisfy, json_t *detail, int clinical)
{
    json_t *it = json_pack("{s:s,s:s,s:s,s:s}", "code", code, "severity",
                           blocking ? "blocking" : "info", "message", message, "satisfy", satisfy);
    if (it && detail && clinical) json_object_set(it, "detail", detail);
    json_decref(detail);
    return it ? json_array_append_new(list, it) : -1;
}

/* The rule ids of the findings of class cls not cleared (a list for the clinical detail),
 * and their count. */
static size_t uncleared(json_t *findings, const char *cls, json_t *rules)
{
    size_t i, n = 0;
    json_t *f;
    json_array_foreach(findings, i, f)
    {
        const char *c = json_string_value(json_object_get(f, "class"));
        if (!c || strcmp(c, cls) != 0 || json_object_get(f, "cleared")) continue;
        json_array_append(rules, json_object_get(f, "rule"));
        n++;
    }
    return n;
}

static void screening_items(json_t *list, json_t *s, const char *changed, md_day day,
                            const md_day_kb *dk, int clinical)
{
    char msg[200];
    md_day sd;
    if (!s) {
        add_item(list, "screening_missing", 1, "No screening on record for this patient.",
                 "Screen the patient for today's treatment plan.", NULL, clinical);
        return;
    }
    const char *at = json_string_value(json_object_get(s, "screened_at"));
    const char *date = json_string_value(json_object_get(s, "date"));
    const char *decision = json_string_value(json_object_get(s, "decision"));
    json_t *result = json_object_get(s, "result");
    if (changed && at && strcmp(changed, at) > 0)
        add_item(
            list, "screening_outdated", 1,
            "The patient's record changed after the latest screening.", "Screen the patient again.",
            json_pack("{s:s,s:s,s:s}", "screening_id", json_string_value(json_object_get(s, "id")),
                      "screened_at", at, "facts_changed_at", changed),
            clinical);
    if (date && md_date_parse(date, &sd) == 0 && day - sd > dk->screening_valid_days) {
        snprintf(msg, sizeof msg, "The latest screening (%s) is older than %ld days.", date,
                 dk->screening_valid_days);
        add_item(list, "screening_stale", 1, msg, "Screen the patient again.",
                 json_pack("{s:s,s:s}", "screening_id", json_string_value(json_object_get(s, "id")),
                           "date", date),
                 clinical);
    }
    if (decision && (strcmp(decision, "contraindicated") == 0 || strcmp(decision, "deferred") == 0))
        add_item(list, "screening_blocking", 1,
                 "The latest screening does not allow the treatment now.",
                 "A practitioner reviews the screening before the treatment.",
                 json_pack("{s:s,s:s,s:O?}", "screening_id",
                           json_string_value(json_object_get(s, "id")), "decision", decision,
                           "earliest_date", json_object_get(result, "earliest_date")),
                 clinical);
    json_t *missing = json_object_get(result, "missing");
    if (json_array_size(missing)) {
        json_t *facts = json_array();
        size_t i;
        json_t *m;
        json_array_foreach(missing, i, m) json_array_append(facts, json_object_get(m, "fact"));
        add_item(list, "screening_incomplete", 1, "The latest screening lacks answers it needs.",
                 "Ask the missing questions, record the answers and screen again.",
                 json_pack("{s:o}", "facts", facts), clinical);
    }
    json_t *cautions = json_object_get(result, "cautions"), *c;
    size_t i;
    json_array_foreach(cautions, i, c)
    {
        json_t *unc = json_object_get(c, "uncovered");
        if (!json_array_size(unc)) continue;
        add_item(list, "patch_test_needed", 1, "A patch test is needed before the treatment.",
                 "Apply a patch test, read it, and screen again.",
                 json_pack("{s:O,s:O}", "rule", json_object_get(c, "rule"), "ingredients", unc),
                 clinical);
        break;
    }
    json_t *rules = json_array();
    if (uncleared(json_object_get(result, "findings"), "clearance_required", rules))
        add_item(list, "clearance_due", 1, "A medical clearance is needed before the treatment.",
                 "Record the clearance from the patient's physician, then screen again.",
                 json_pack("{s:O}", "rules", rules), clinical);
    json_decref(rules);
}

static void licence_item(json_t *list, json_t *verdict, int clinical)
{
    char msg[300];
    if (!verdict || json_is_true(json_object_get(verdict, "ok"))) return;
    snprintf(msg, sizeof msg, "The practitioner cannot treat on this day: %s.",
             json_string_value(json_object_get(verdict, "message")));
    add_item(list, "licence", 1, msg,
             "Record the practitioner's current licence, or book another practitioner.",
             json_pack("{s:O}", "reason", json_object_get(verdict, "code")), clinical);
}

md_code md_day_missing(md_ctx *ctx, md_day day, json_t *appts, md_err *err)
{
    gather g = {json_object(), json_object(), json_object()};
    json_t *ids = json_array(), *seen = json_object(), *checks = json_object();
    md_day_kb dk;
    int clinical = md_require(ctx, MD_PERM_CLINICAL_READ, NULL) == MD_OK;
    md_code rc = g.patients && g.screening && g.changed && ids && seen && checks
                     ? MD_OK
                     : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    size_t i;
    json_t *a;
    md_kb_day(ctx->kb, &dk);
    json_array_foreach(rc == MD_OK ? appts : NULL, i, a)
    {
        const char *pid = json_string_value(json_object_get(a, "patient_id"));
        if (pid && !json_object_get(seen, pid)) {
            json_object_set_new(seen, pid, json_true());
            json_array_append_new(ids, json_string(pid));
        }
    }
    if (rc == MD_OK) rc = gather_all(ctx, ids, &g, err);
    json_array_foreach(rc == MD_OK ? appts : NULL, i, a)
    {
        const char *pid = json_string_value(json_object_get(a, "patient_id"));
        const char *scope = json_string_value(json_object_get(a, "required_scope"));
        const char *prac = json_string_value(json_object_get(a, "practitioner_id"));
        json_t *list = json_array();
        json_object_set(a, "patient", pid ? json_object_get(g.patients, pid) : NULL);
        if (to_happen(a)) {
            screening_items(list, pid ? json_object_get(g.screening, pid) : NULL,
                            pid ? json_string_value(json_object_get(g.changed, pid)) : NULL, day,
                            &dk, clinical);
            if (scope && prac) {
                json_t *by = json_object_get(checks, scope);
                if (!by && (rc = md_credential_check_all(ctx, scope, day, &by, err)) == MD_OK)
                    json_object_set_new(checks, scope, by);
                if (rc != MD_OK) {
                    json_decref(list);
                    break;
                }
                licence_item(list, json_object_get(by, prac), clinical);
            }
        }
        size_t k;
        json_t *it;
        int ready = 1;
        json_array_foreach(list, k, it) ready &=
            strcmp(json_string_value(json_object_get(it, "severity")), "blocking") != 0;
        json_object_set_new(a, "missing", list);
        json_object_set_new(a, "ready", json_boolean(ready && to_happen(a)));
    }
    json_decref(g.patients);
    json_decref(g.screening);
    json_decref(g.changed);
    json_decref(ids);
    json_decref(seen);
    json_decref(checks);
    return rc;
}
