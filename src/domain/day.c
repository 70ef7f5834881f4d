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
#include "mesodesk/clinic.h"
#include "mesodesk/day.h"
#include "mesodesk/audit.h"
#include "mesodesk/booking.h"
#include "mesodesk/consent.h"
#include "mesodesk/course.h"
#include "mesodesk/credential.h"
#include "mesodesk/patch_test.h"
#include "mesodesk/record.h"
#include "mesodesk/screening.h"
#include "mesodesk/sbuf.h"
#include "mesodesk/tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    json_t *later;     /* id -> start of the patient's latest appointment kept (no-shows) */
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

static int later_row(void *va, const md_row *r)
{
    gather *g = va;
    if (!md_row_is_null(r, 1))
        json_object_set_new(g->later, md_row_text(r, 0), json_string(md_row_text(r, 1)));
    return 0;
}

/* The tables whose rows screening reads: md_screening_fact_kinds (screening.h). */
#define SQL(b) (md_sbuf_ok(&(b)) ? (b).p : NULL)
#define DAY_SQL_MAX (64 * 1024)

const char *md_day_gather_sql(md_ctx *ctx, int which, size_t n)
{
    md_sbuf b;
    md_sbuf_init_arena(&b, ctx->arena, DAY_SQL_MAX);
    if (which == 0) {
        md_sbuf_append(&b, "SELECT id, given_name, family_name, birth_date FROM patients WHERE "
                           "clinic_id = $1 AND current = 1 AND id IN (");
        in_list(&b, n);
        md_sbuf_append(&b, ")");
    } else if (which == 1) {
        md_sbuf_append(&b, "SELECT s.patient_id, s.id, s.screen_date, s.decision, s.result, "
                           "s.screened_at FROM screenings s WHERE s.clinic_id = $1 AND "
                           "s.patient_id IN (");
        in_list(&b, n);
        md_sbuf_append(&b, ") AND s.screened_us = (SELECT max(s2.screened_us) FROM screenings "
                           "s2 WHERE s2.clinic_id = s.clinic_id AND s2.patient_id = "
                           "s.patient_id) ORDER BY s.patient_id, s.id");
    } else if (which == 3) {
        md_sbuf_append(&b, "SELECT patient_id, max(start_at) FROM appointments WHERE clinic_id = "
                           "$1 AND current = 1 AND status IN ('booked', 'arrived', 'completed') "
                           "AND patient_id IN (");
        in_list(&b, n);
        md_sbuf_append(&b, ") GROUP BY patient_id ORDER BY patient_id");
    } else {
        md_sbuf_append(&b, "SELECT patient_id, max(recorded_at) FROM (");
        for (int k = 0; md_screening_fact_kinds[k]; k++) {
            md_sbuf_appendf(&b,
                            "%sSELECT patient_id, recorded_at FROM %s WHERE clinic_id = $1 AND "
                            "patient_id IN (",
                            k ? " UNION ALL " : "", md_screening_fact_kinds[k]->table);
            in_list(&b, n);
            md_sbuf_append(&b, ")");
        }
        md_sbuf_append(&b, ") t GROUP BY patient_id ORDER BY patient_id");
    }
    return SQL(b);
}

/* Statements from..upto-1 of the gather over n ids. */
static md_code gather_chunk(md_ctx *ctx, const md_val *v, size_t n, int from, int upto, gather *g,
                            md_err *err)
{
    static const md_row_fn fns[] = {patient_row, screening_row, changed_row, later_row};
    md_code rc = MD_OK;
    for (int w = from; rc == MD_OK && w < upto; w++)
        rc = md_store_exec(ctx->db, md_day_gather_sql(ctx, w, n), v, (int)n + 1, fns[w], g, err);
    return rc;
}

/* The IN-list length for n ids: a few fixed sizes, so that the statements are prepared
 * once and found in the connection's cache (the last id fills the rest). */
size_t md_day_padded(size_t n)
{
    static const size_t sizes[] = {8, 32, 96, MD_DAY_IN_MAX};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if (n <= sizes[i]) return sizes[i];
    return MD_DAY_IN_MAX;
}

static md_code gather_all(md_ctx *ctx, json_t *ids, int from, int upto, gather *g, md_err *err)
{
    md_val v[MD_DAY_IN_MAX + 1];
    size_t total = json_array_size(ids);
    md_code rc = MD_OK;
    v[0] = md_text(ctx->who.clinic_id);
    for (size_t at = 0; rc == MD_OK && at < total; at += MD_DAY_IN_MAX) {
        size_t n = total - at < MD_DAY_IN_MAX ? total - at : MD_DAY_IN_MAX, m = md_day_padded(n);
        for (size_t i = 0; i < m; i++)
            v[i + 1] = md_text(json_string_value(json_array_get(ids, at + (i < n ? i : n - 1))));
        rc = gather_chunk(ctx, v, m, from, upto, g, err);
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

static int is_treatment(json_t *a)
{
    const char *k = json_string_value(json_object_get(a, "kind"));
    return k && strcmp(k, "treatment") == 0;
}

/* The consent items of a treatment: the treatment consent of its course, and photo
 * consent as information.  statuses caches md_consent_status per patient and course. */
static md_code consent_items(md_ctx *ctx, json_t *a, json_t *statuses, json_t *list, int clinical,
                             md_err *err)
{
    const char *pid = json_string_value(json_object_get(a, "patient_id"));
    const char *course = json_string_value(json_object_get(a, "course_id"));
    char key[2 * MD_ID_STR + 2], msg[160];
    if (!pid) return MD_OK;
    snprintf(key, sizeof key, "%s/%s", pid, course ? course : "");
    json_t *st = json_object_get(statuses, key);
    if (!st) {
        md_code rc = md_consent_status(ctx, pid, course, &st, err);
        if (rc != MD_OK) return rc;
        json_object_set_new(statuses, key, st);
    }
    const char *t = json_string_value(json_object_get(json_object_get(st, "treatment"), "status"));
    const char *ph = json_string_value(json_object_get(json_object_get(st, "photo"), "status"));
    if (!t || strcmp(t, "signed") != 0) {
        snprintf(msg, sizeof msg, "The treatment consent is not signed (%s).", t ? t : "missing");
        add_item(list, "consent_treatment", 1, msg,
                 "Send the consent link to the patient, or sign it on the clinic's tablet.", NULL,
                 clinical);
    }
    if (!ph || strcmp(ph, "signed") != 0) {
        snprintf(msg, sizeof msg, "Photo consent is not signed (%s): no clinical photographs.",
                 ph ? ph : "missing");
        add_item(list, "consent_photo", 0, msg,
                 "Ask the patient for photo consent if photographs are to be taken.", NULL,
                 clinical);
    }
    return MD_OK;
}

/* The scope a treatment needs: its course's protocol's (course.h); NULL when it has none. */
static const char *scope_of(md_ctx *ctx, json_t *a, json_t *scopes)
{
    const char *course = json_string_value(json_object_get(a, "course_id"));
    json_int_t seq = json_integer_value(json_object_get(a, "course_session"));
    char key[MD_ID_STR + 24];
    if (!course) return NULL;
    snprintf(key, sizeof key, "%s/%lld", course, (long long)seq);
    json_t *s = json_object_get(scopes, key);
    if (!s) {
        md_course_slot slot;
        md_err ignored;
        memset(&slot, 0, sizeof slot);
        s = md_course_slot_get(ctx, course, (int)seq, &slot, &ignored) == MD_OK &&
                    slot.required_scope[0]
                ? json_string(slot.required_scope)
                : json_null();
        json_object_set_new(scopes, key, s);
    }
    return json_string_value(s);
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
    gather g = {.patients = json_object(), .screening = json_object(), .changed = json_object()};
    json_t *ids = json_array(), *seen = json_object(), *checks = json_object();
    json_t *statuses = json_object(), *scopes = json_object();
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
    if (rc == MD_OK) rc = gather_all(ctx, ids, 0, 3, &g, err);
    json_array_foreach(rc == MD_OK ? appts : NULL, i, a)
    {
        const char *pid = json_string_value(json_object_get(a, "patient_id"));
        const char *scope = json_string_value(json_object_get(a, "required_scope"));
        if (!scope && is_treatment(a)) scope = scope_of(ctx, a, scopes);
        const char *prac = json_string_value(json_object_get(a, "practitioner_id"));
        json_t *list = json_array();
        json_object_set(a, "patient", pid ? json_object_get(g.patients, pid) : NULL);
        if (to_happen(a)) {
            screening_items(list, pid ? json_object_get(g.screening, pid) : NULL,
                            pid ? json_string_value(json_object_get(g.changed, pid)) : NULL, day,
                            &dk, clinical);
            if (rc == MD_OK && is_treatment(a))
                rc = consent_items(ctx, a, statuses, list, clinical, err);
            json_t *by = scope && prac ? json_object_get(checks, scope) : NULL;
            if (rc == MD_OK && scope && prac && !by &&
                (rc = md_credential_check_all(ctx, scope, day, &by, err)) == MD_OK)
                json_object_set_new(checks, scope, by);
            if (rc == MD_OK && by) licence_item(list, json_object_get(by, prac), clinical);
        }
        if (rc != MD_OK) {
            json_decref(list);
            break;
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
    json_decref(statuses);
    json_decref(scopes);
    return rc;
}

/* ---- the day ---- */

/* Append id to the "appointments" list of the entry of group (an array of {"id",...})
 * named key, making the entry when it is new. */
static void group_add(json_t *index, json_t *group, const char *key, const char *id)
{
    json_t *g = json_object_get(index, key);
    if (!g) {
        g = json_pack("{s:s,s:[]}", "id", key, "appointments");
        json_array_append_new(group, g);
        json_object_set(index, key, g);
    }
    json_array_append_new(json_object_get(g, "appointments"), json_string(id));
}

static int staff_name_row(void *va, const md_row *r)
{
    json_object_set_new(va, md_row_text(r, 0), json_string(md_row_text(r, 1)));
    return 0;
}

/* The appointments of the day, filtered, with what is missing, and the groups. */
static md_code day_appointments(md_ctx *ctx, const md_day_query *q, md_day day, json_t *out,
                                md_err *err)
{
    json_t *got = NULL, *names = json_object();
    md_code rc = md_appointments_of_day(ctx, day, q->practitioner_id, &got, err);
    if (rc != MD_OK) {
        json_decref(names);
        return rc;
    }
    json_t *items = json_array(), *all = json_object_get(got, "items"), *a;
    size_t i;
    json_array_foreach(all, i, a)
    {
        const char *room = json_string_value(json_object_get(a, "room_id"));
        if (!q->room_id || (room && strcmp(room, q->room_id) == 0)) json_array_append(items, a);
    }
    json_decref(got);
    rc = md_day_missing(ctx, day, items, err);
    md_val v[] = {md_text(ctx->who.clinic_id)};
    if (rc == MD_OK)
        rc = md_store_exec(ctx->db, "SELECT id, display_name FROM staff WHERE clinic_id = $1", v, 1,
                           staff_name_row, names, err);
    json_t *pr = json_array(), *rooms = json_array(), *pi = json_object(), *ri = json_object();
    json_array_foreach(rc == MD_OK ? items : NULL, i, a)
    {
        const char *id = json_string_value(json_object_get(a, "id"));
        const char *p = json_string_value(json_object_get(a, "practitioner_id"));
        const char *r = json_string_value(json_object_get(a, "room_id"));
        if (p) {
            json_object_set(a, "practitioner_name", json_object_get(names, p));
            group_add(pi, pr, p, id);
            json_object_set(json_object_get(pi, p), "name", json_object_get(names, p));
        }
        if (r) group_add(ri, rooms, r, id);
    }
    json_object_set_new(out, "appointments", items);
    json_object_set_new(out, "practitioners", pr);
    json_object_set_new(out, "rooms", rooms);
    json_decref(pi);
    json_decref(ri);
    json_decref(names);
    return rc;
}

/* Course windows closing and maintenance due in [day, day + ahead], split by kind. */
static md_code day_due(md_ctx *ctx, md_day day, long ahead, json_t *out, md_err *err)
{
    json_t *due = NULL, *closing = json_array(), *maint = json_array(), *it;
    size_t i;
    md_code rc = md_course_due(ctx, day, day + (md_day)ahead, &due, err);
    json_array_foreach(rc == MD_OK ? json_object_get(due, "items") : NULL, i, it)
    {
        const char *k = json_string_value(json_object_get(it, "kind"));
        json_array_append(k && strcmp(k, "maintenance_due") == 0 ? maint : closing, it);
    }
    json_decref(due);
    json_object_set_new(out, "windows_closing", closing);
    json_object_set_new(out, "maintenance_due", maint);
    return rc;
}

static int no_show_row(void *va, const md_row *r)
{
    json_array_append_new(va,
                          json_pack("{s:s,s:s,s:s,s:s,s:o}", "id", md_row_text(r, 0), "patient_id",
                                    md_row_text(r, 1), "practitioner_id", md_row_text(r, 2),
                                    "start", md_row_text(r, 3), "course_id", text_or_null(r, 4)));
    return 0;
}

/* No-shows of [day - back, day) whose patient has no later appointment booked, arrived or
 * completed: the no-shows by the day index, then the patients' latest such appointment by
 * the patient index (IN-lists), compared here. */
static md_code day_no_shows(md_ctx *ctx, const char *zone, md_day day, long back, json_t *out,
                            md_err *err)
{
    int64_t lo, hi;
    char los[MD_TIME_STR], his[MD_TIME_STR];
    json_t *found = json_array(), *items = json_array(), *ids = json_array(), *seen = json_object();
    gather g = {.later = json_object()};
    md_code rc = MD_OK;
    if (md_tz_day_start(zone, day - (md_day)back, &lo) == 0 &&
        md_tz_day_start(zone, day, &hi) == 0) {
        md_time_format(lo, los);
        md_time_format(hi, his);
        md_val v[] = {md_text(ctx->who.clinic_id), md_text(los), md_text(his)};
        rc = md_store_exec(ctx->db,
                           "SELECT id, patient_id, practitioner_id, start_at, course_id FROM "
                           "appointments WHERE clinic_id = $1 AND current = 1 AND start_at >= $2 "
                           "AND start_at < $3 AND status = 'no_show' ORDER BY start_at, id",
                           v, 3, no_show_row, found, err);
    }
    size_t i;
    json_t *it;
    json_array_foreach(found, i, it)
    {
        const char *pid = json_string_value(json_object_get(it, "patient_id"));
        if (!json_object_get(seen, pid)) {
            json_object_set_new(seen, pid, json_true());
            json_array_append_new(ids, json_string(pid));
        }
    }
    if (rc == MD_OK) rc = gather_all(ctx, ids, 3, 4, &g, err);
    json_array_foreach(rc == MD_OK ? found : NULL, i, it)
    {
        const char *later = json_string_value(
            json_object_get(g.later, json_string_value(json_object_get(it, "patient_id"))));
        if (!later || strcmp(later, json_string_value(json_object_get(it, "start"))) <= 0)
            json_array_append(items, it);
    }
    json_object_set_new(out, "no_shows", items);
    json_decref(found);
    json_decref(ids);
    json_decref(seen);
    json_decref(g.later);
    return rc;
}

/* The patients of the day's lists (due, no-shows): their names, as for the schedule. */
static md_code name_list_patients(md_ctx *ctx, json_t *out, md_err *err)
{
    static const char *const lists[] = {"windows_closing", "maintenance_due", "no_shows", NULL};
    gather g = {.patients = json_object(), .screening = json_object(), .changed = json_object()};
    json_t *ids = json_array(), *seen = json_object(), *it;
    size_t i;
    for (int l = 0; lists[l]; l++)
        json_array_foreach(json_object_get(out, lists[l]), i, it)
        {
            const char *pid = json_string_value(json_object_get(it, "patient_id"));
            if (pid && !json_object_get(seen, pid)) {
                json_object_set_new(seen, pid, json_true());
                json_array_append_new(ids, json_string(pid));
            }
        }
    md_code rc = gather_all(ctx, ids, 0, 1, &g, err);
    for (int l = 0; rc == MD_OK && lists[l]; l++)
        json_array_foreach(json_object_get(out, lists[l]), i, it) json_object_set(
            it, "patient",
            json_object_get(g.patients, json_string_value(json_object_get(it, "patient_id"))));
    json_decref(g.patients);
    json_decref(g.screening);
    json_decref(g.changed);
    json_decref(ids);
    json_decref(seen);
    return rc;
}

/* One read entry per patient shown (in any list), in one batch. */
static md_code audit_day(md_ctx *ctx, json_t *out, const char *date, md_err *err)
{
    static const char *const lists[] = {"appointments", "windows_closing", "maintenance_due",
                                        "no_shows", NULL};
    json_t *seen = json_object(), *it;
    size_t i, n = 0, cap = 16;
    char detail[64];
    md_audit_entry *e = malloc(cap * sizeof *e);
    md_code rc = e && seen ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    snprintf(detail, sizeof detail, "the clinic's day %s", date);
    for (int l = 0; rc == MD_OK && lists[l]; l++)
        json_array_foreach(json_object_get(out, lists[l]), i, it)
        {
            const char *pid = json_string_value(json_object_get(it, "patient_id"));
            if (!pid || json_object_get(seen, pid)) continue;
            json_object_set_new(seen, pid, json_true());
            if (n == cap) {
                md_audit_entry *more = realloc(e, 2 * cap * sizeof *e);
                if (!more) {
                    rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
                    break;
                }
                e = more;
                cap *= 2;
            }
            e[n++] = (md_audit_entry){"read", md_kind_patient.name, pid, pid, detail};
        }
    if (rc == MD_OK && n) rc = md_audit_many(ctx, e, n, err);
    free(e);
    json_decref(seen);
    return rc;
}

md_code md_day_get(md_ctx *ctx, const md_day_query *q, json_t **out, md_err *err)
{
    char zone[MD_ZONE_STR], date[MD_DATE_STR];
    md_day day = 0;
    md_day_kb dk;
    json_t *o = NULL;
    md_code rc = md_require(ctx, MD_PERM_SCHEDULE_READ, err);
    if (rc != MD_OK) return rc;
    md_kb_day(ctx->kb, &dk);
    if ((rc = md_store_snapshot_begin(ctx->db, err)) != MD_OK) return rc;
    rc = md_clinic_zone(ctx, zone, &day, err);
    if (rc == MD_OK && q->has_day) day = q->day;
    md_date_format(day, date);
    if (rc == MD_OK && !(o = json_pack("{s:s,s:s}", "date", date, "time_zone", zone)))
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK) rc = day_appointments(ctx, q, day, o, err);
    if (rc == MD_OK) rc = day_due(ctx, day, dk.due_ahead_days, o, err);
    if (rc == MD_OK) rc = day_no_shows(ctx, zone, day, dk.no_show_follow_up_days, o, err);
    if (rc == MD_OK) rc = name_list_patients(ctx, o, err);
    md_store_snapshot_end(ctx->db);
    if (rc == MD_OK) rc = audit_day(ctx, o, date, err);
    if (rc != MD_OK) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return MD_OK;
}
