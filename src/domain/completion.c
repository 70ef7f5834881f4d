/*
 * completion.c - the completion check of a session, the review sample, and the charting
 * worklists (chart.h md_chart_completion, md_chart_review, md_chart_overdue,
 * md_chart_signoff_queue; completion.h for the parts tested without a database).
 *
 * The completion check (each item pass or fail, in the gates' check shape, with what would
 * satisfy it; rule "completion.<gate>", sources "Mesodesk charting 2026" and, for
 * traceability, the CDC injection-safety sources):
 *   photos_before  every view of the policy's before_views has an active before photo;
 *   traceability   at least one dose charted; every entry has a lot of the clinic, a vial
 *                  when that lot's product is multi-dose, and its administration id; the
 *                  needle lot is recorded;
 *   notes          the chart's notes are not blank;
 *   consent        the treatment consent for the course is signed (md_consent_status);
 *   screening      the session's stored prechecks passed, with the screening gate passing;
 *   photos_after   every view of the policy's after_views (default none) has an active
 *                  after photo.
 * A fact that is not recorded fails its item (never reads as done).
 *
 * The review sample: a session is set for review when md_review_sampled(clinic id, session
 * id, review_share_percent) holds (BLAKE2b: the same session always gets the same answer, and
 * over many sessions about the share of each practitioner's charts is chosen), or when any
 * of its warnings was acknowledged.
 */
#include <sodium.h>
#include <string.h>

#include "mesodesk/completion.h"
#include "mesodesk/consent.h"
#include "mesodesk/photo.h"
#include "mesodesk/principal.h"
#include "mesodesk/store.h"
#include "mesodesk/validate.h"

static json_t *check(const char *gate, int pass, const char *message, const char *satisfy, int cdc)
{
    char rule[64];
    snprintf(rule, sizeof rule, "completion.%s", gate);
    json_t *src = cdc ? json_pack("[s,s,s]", "Mesodesk charting 2026", "CDC injection safety",
                                  "CDC multi-dose vials")
                      : json_pack("[s]", "Mesodesk charting 2026");
    return json_pack("{s:s,s:s,s:s,s:s*,s:s,s:o}", "gate", gate, "status", pass ? "pass" : "fail",
                     "message", message, "satisfy", pass ? NULL : satisfy, "rule", rule, "sources",
                     src);
}

static int has_view(json_t *views, const char *v)
{
    json_t *arr = json_object_get(views, "views");
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (strcmp(json_string_value(json_array_get(arr, i))
                       ? json_string_value(json_array_get(arr, i))
                       : "",
                   v) == 0)
            return 1;
    return 0;
}

static json_t *photos(const char *gate, const char *phase, const char views[][24], int n,
                      json_t *have)
{
    char missing[256] = "", msg[400], sat[400];
    for (int i = 0; i < n; i++)
        if (!has_view(have, views[i])) {
            size_t l = strlen(missing);
            snprintf(missing + l, sizeof missing - l, "%s%s", l ? ", " : "", views[i]);
        }
    if (n == 0) {
        snprintf(msg, sizeof msg, "the clinic's policy requires no %s photos", phase);
        return check(gate, 1, msg, NULL, 0);
    }
    if (!*missing) {
        snprintf(msg, sizeof msg, "every %s photo the policy requires is on file", phase);
        return check(gate, 1, msg, NULL, 0);
    }
    snprintf(msg, sizeof msg, "%s photos missing: %s", phase, missing);
    snprintf(sat, sizeof sat, "take the %s photos of these views: %s", phase, missing);
    return check(gate, 0, msg, sat, 0);
}

static int blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') return 0;
    return 1;
}

static json_t *traceability(json_t *session, json_t *lots)
{
    json_t *chart = json_object_get(session, "chart");
    json_t *entries = json_object_get(chart, "entries");
    char problems[600] = "";
    size_t l = 0;
#define PROBLEM(...)                                                                               \
    do {                                                                                           \
        if (l < sizeof problems)                                                                   \
            l += (size_t)snprintf(problems + l, sizeof problems - l, "%s", l ? "; " : "");         \
        if (l < sizeof problems)                                                                   \
            l += (size_t)snprintf(problems + l, sizeof problems - l, __VA_ARGS__);                 \
    } while (0)
    if (json_array_size(entries) == 0) PROBLEM("no dose is charted");
    for (size_t i = 0; i < json_array_size(entries); i++) {
        json_t *e = json_array_get(entries, i);
        const char *lot = json_string_value(json_object_get(e, "lot_id"));
        json_t *info = lot ? json_object_get(lots, lot) : NULL;
        if (!lot)
            PROBLEM("entries[%zu] has no lot", i);
        else if (!info)
            PROBLEM("entries[%zu]: the lot is not one of the clinic's", i);
        else if (json_is_true(json_object_get(info, "multi_dose")) &&
                 !json_string_value(json_object_get(e, "vial_id")))
            PROBLEM("entries[%zu]: the lot is multi-dose and no vial is recorded", i);
        if (!json_string_value(json_object_get(e, "administration_id")))
            PROBLEM("entries[%zu] has no administration", i);
    }
    if (!json_string_value(json_object_get(chart, "needle_lot_id")))
        PROBLEM("the needle lot is not recorded");
#undef PROBLEM
    if (!*problems)
        return check("traceability", 1,
                     "every dose has its lot, vial where multi-dose, and administration; the "
                     "needle lot is recorded",
                     NULL, 1);
    return check("traceability", 0, problems,
                 "chart each dose with its lot (and the open vial of a multi-dose lot) and record "
                 "the needle lot",
                 1);
}

static json_t *screening(json_t *session)
{
    json_t *pre = json_object_get(session, "prechecks");
    json_t *checks = json_object_get(pre, "checks");
    int passed = json_string_value(json_object_get(pre, "passed_at")) != NULL, gate = 0;
    for (size_t i = 0; i < json_array_size(checks); i++) {
        json_t *c = json_array_get(checks, i);
        const char *g = json_string_value(json_object_get(c, "gate"));
        const char *st = json_string_value(json_object_get(c, "status"));
        if (g && strcmp(g, "screening") == 0) gate = st && strcmp(st, "pass") == 0;
    }
    if (passed && gate)
        return check("screening", 1, "the screening gate passed at the prechecks", NULL, 0);
    return check("screening", 0,
                 passed ? "the prechecks passed without a screening gate"
                        : "the prechecks have not passed for this session",
                 "screen the patient on the session day and run the prechecks", 0);
}

static json_t *consent(json_t *status)
{
    const char *st =
        json_string_value(json_object_get(json_object_get(status, "treatment"), "status"));
    char msg[160];
    if (st && strcmp(st, "signed") == 0)
        return check("consent", 1, "the treatment consent for the course is signed", NULL, 0);
    snprintf(msg, sizeof msg, "the treatment consent for the course is %s", st ? st : "missing");
    return check("consent", 0, msg, "have the patient sign the treatment consent for the course",
                 0);
}

json_t *md_completion_evaluate(const md_completion_input *in)
{
    const md_chart_policy *p = in->policy;
    json_t *checks = json_array();
    if (!checks) return NULL;
    json_t *chart = json_object_get(in->session, "chart");
    json_array_append_new(checks, photos("photos_before", "before", (char(*)[24])p->before_views,
                                         p->n_before, in->before_views));
    json_array_append_new(checks, traceability(in->session, in->lots));
    json_array_append_new(checks, blank(json_string_value(json_object_get(chart, "notes")))
                                      ? check("notes", 0, "the chart has no notes",
                                              "write the session's notes in the chart", 0)
                                      : check("notes", 1, "the chart has notes", NULL, 0));
    json_array_append_new(checks, consent(in->consent));
    json_array_append_new(checks, screening(in->session));
    json_array_append_new(checks, photos("photos_after", "after", (char(*)[24])p->after_views,
                                         p->n_after, in->after_views));
    int ok = json_array_size(checks) == 6;
    for (size_t i = 0; i < json_array_size(checks); i++) {
        const char *st = json_string_value(json_object_get(json_array_get(checks, i), "status"));
        ok = ok && st && strcmp(st, "pass") == 0;
    }
    return json_pack("{s:b,s:o}", "ok", ok, "checks", checks);
}

int md_review_sampled(const char *key, const char *session_id, int percent)
{
    unsigned char h[32];
    crypto_generichash_state st;
    if (percent <= 0) return 0;
    if (percent >= 100) return 1;
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)key, strlen(key));
    crypto_generichash_update(&st, (const unsigned char *)":", 1);
    crypto_generichash_update(&st, (const unsigned char *)session_id, strlen(session_id));
    crypto_generichash_final(&st, h, sizeof h);
    uint64_t u = ((uint64_t)h[0] << 24) | ((uint64_t)h[1] << 16) | ((uint64_t)h[2] << 8) | h[3];
    return u * 100 < ((uint64_t)percent << 32);
}

json_t *md_review_evaluate(const char *key, json_t *session, int percent)
{
    const char *id = json_string_value(json_object_get(session, "id"));
    json_t *reasons = json_array();
    if (!reasons) return NULL;
    if (id && md_review_sampled(key, id, percent)) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "in the reproducible %d%% share of the practitioner's charts chosen for review",
                 percent);
        json_array_append_new(reasons, json_pack("{s:s,s:s}", "code", "sample", "message", msg));
    }
    json_t *warnings = json_object_get(session, "warnings");
    for (size_t i = 0; i < json_array_size(warnings); i++) {
        json_t *w = json_array_get(warnings, i);
        if (!json_string_value(json_object_get(w, "acknowledged_by"))) continue;
        const char *code = json_string_value(json_object_get(w, "code"));
        json_array_append_new(
            reasons, json_pack("{s:s,s:s,s:s,s:O*}", "code", "warning_acknowledged", "message",
                               "a warning was acknowledged while charting", "warning",
                               code ? code : "", "field", json_object_get(w, "field")));
    }
    return json_pack("{s:b,s:i,s:o}", "selected", json_array_size(reasons) > 0, "share_percent",
                     percent, "reasons", reasons);
}

/* ---- with the database ----------------------------------------------------------------- */

static int lot_row(void *vlots, const md_row *r)
{
    json_t *lots = vlots;
    json_object_set_new(
        lots, md_row_text(r, 0),
        json_pack("{s:b}", "multi_dose", strcmp(md_row_text(r, 1), "multi_dose") == 0));
    return 0;
}

static md_code charted_lots(md_ctx *ctx, json_t *session, json_t *lots, md_err *err)
{
    json_t *entries = json_object_get(json_object_get(session, "chart"), "entries");
    md_code rc = MD_OK;
    for (size_t i = 0; rc == MD_OK && i < json_array_size(entries); i++) {
        const char *lot = json_string_value(json_object_get(json_array_get(entries, i), "lot_id"));
        if (!lot || json_object_get(lots, lot)) continue;
        md_val v[] = {md_text(ctx->who.clinic_id), md_text(lot)};
        rc = md_store_exec(ctx->db,
                           "SELECT l.id, p.presentation FROM lots l JOIN products p ON "
                           "p.clinic_id = l.clinic_id AND p.id = l.product_id AND p.current = 1 "
                           "WHERE l.clinic_id = $1 AND l.id = $2 AND l.current = 1",
                           v, 2, lot_row, lots, err);
    }
    return rc;
}

md_code md_chart_completion(md_ctx *ctx, json_t *session, json_t **report, md_err *err)
{
    md_chart_policy policy;
    json_t *before = NULL, *after = NULL, *consent_st = NULL, *lots = json_object();
    const char *id = json_string_value(json_object_get(session, "id"));
    const char *patient = json_string_value(json_object_get(session, "patient_id"));
    const char *course = json_string_value(json_object_get(session, "course_id"));
    md_code rc = lots ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK && (!id || !patient))
        rc = md_err_set(err, MD_EINVAL, "id", "the session has no id or patient");
    if (rc == MD_OK) rc = md_chart_policy_get(ctx, &policy, err);
    if (rc == MD_OK) rc = md_photo_views(ctx, id, "before", &before, err);
    if (rc == MD_OK) rc = md_photo_views(ctx, id, "after", &after, err);
    if (rc == MD_OK) rc = md_consent_status(ctx, patient, course, &consent_st, err);
    if (rc == MD_OK) rc = charted_lots(ctx, session, lots, err);
    if (rc == MD_OK) {
        md_completion_input in = {&policy, session, before, after, consent_st, lots};
        if (!(*report = md_completion_evaluate(&in)))
            rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    }
    json_decref(before);
    json_decref(after);
    json_decref(consent_st);
    json_decref(lots);
    return rc;
}

md_code md_chart_review(md_ctx *ctx, json_t *session, json_t **review, md_err *err)
{
    md_chart_policy policy;
    md_code rc = md_chart_policy_get(ctx, &policy, err);
    if (rc != MD_OK) return rc;
    if (!(*review = md_review_evaluate(ctx->who.clinic_id, session, policy.review_share_percent)))
        return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    return MD_OK;
}

/* ---- worklists ------------------------------------------------------------------------- */

#define WORKLIST_MAX 500 /* sessions one worklist answer holds, oldest first */

typedef struct ids {
    char (*id)[MD_ID_STR];
    size_t n, cap;
} ids;

static int id_row(void *vids, const md_row *r)
{
    ids *l = vids;
    if (l->n == l->cap) return 1;
    md_strlcpy(l->id[l->n++], md_row_text(r, 0), MD_ID_STR);
    return 0;
}

/* The ids of the clinic's current sessions in state (one of two), oldest first. */
static md_code sessions_in(md_ctx *ctx, const char *s1, const char *s2, const char *s3, ids *out,
                           md_err *err)
{
    out->cap = WORKLIST_MAX;
    out->n = 0;
    if (!(out->id = md_arena_alloc(ctx->arena, out->cap * sizeof *out->id)))
        return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(s1), md_text(s2), md_text(s3)};
    return md_store_exec(ctx->db,
                         "SELECT id FROM treatment_sessions WHERE clinic_id = $1 AND current = 1 "
                         "AND state IN ($2, $3, $4) ORDER BY recorded_at, id",
                         v, 4, id_row, out, err);
}

/* When the session entered state: its first event of that state. */
static const char *event_at(json_t *s, const char *state)
{
    json_t *ev = json_object_get(s, "events");
    for (size_t i = 0; i < json_array_size(ev); i++) {
        json_t *e = json_array_get(ev, i);
        const char *st = json_string_value(json_object_get(e, "state"));
        if (st && strcmp(st, state) == 0) return json_string_value(json_object_get(e, "at"));
    }
    return NULL;
}

static json_t *summary(json_t *s)
{
    static const char *const keys[] = {"id",        "version",        "patient_id",
                                       "course_id", "course_session", "practitioner_id",
                                       "day",       "state",          NULL};
    json_t *o = json_object();
    for (const char *const *k = keys; o && *k; k++)
        if (json_object_get(s, *k)) json_object_set(o, *k, json_object_get(s, *k));
    return o;
}

static int by_check_in(const void *a, const void *b)
{
    const char *x = json_string_value(json_object_get(*(json_t *const *)a, "checked_in_at"));
    const char *y = json_string_value(json_object_get(*(json_t *const *)b, "checked_in_at"));
    return strcmp(x ? x : "", y ? y : "");
}

md_code md_chart_overdue(md_ctx *ctx, int64_t now, json_t **out, md_err *err)
{
    md_chart_policy policy;
    ids l;
    char as_of[MD_TIME_STR];
    md_code rc = md_require(ctx, MD_PERM_CHART_WRITE, err);
    if (rc == MD_OK) rc = md_chart_policy_get(ctx, &policy, err);
    if (rc == MD_OK) rc = sessions_in(ctx, "checked_in", "prechecked", "in_progress", &l, err);
    if (rc != MD_OK) return rc;
    json_t *items = json_array();
    md_time_format(now, as_of);
    for (size_t i = 0; rc == MD_OK && items && i < l.n; i++) {
        json_t *s = NULL;
        int64_t in_at = 0;
        if ((rc = md_chart_get(ctx, l.id[i], &s, err)) != MD_OK) break;
        const char *at = event_at(s, "checked_in");
        if (at && md_time_parse(at, &in_at) == 0 &&
            now - in_at > (int64_t)policy.completion_hours * 3600) {
            char due[MD_TIME_STR];
            md_time_format(in_at + (int64_t)policy.completion_hours * 3600, due);
            json_t *o = summary(s);
            json_object_set_new(o, "checked_in_at", json_string(at));
            json_object_set_new(o, "due_at", json_string(due));
            json_object_set_new(o, "hours_overdue",
                                json_integer((now - in_at) / 3600 - policy.completion_hours));
            json_array_append_new(items, o);
        }
        json_decref(s);
    }
    if (rc == MD_OK && !items) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK) rc = md_json_array_sort(items, by_check_in, err);
    if (rc == MD_OK)
        *out = json_pack("{s:s,s:i,s:o}", "as_of", as_of, "hours", policy.completion_hours, "items",
                         items);
    else
        json_decref(items);
    return rc;
}

static int by_review_then_age(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int sx = json_is_true(json_object_get(json_object_get(x, "review"), "selected"));
    int sy = json_is_true(json_object_get(json_object_get(y, "review"), "selected"));
    if (sx != sy) return sy - sx;
    const char *cx = json_string_value(json_object_get(x, "completed_at"));
    const char *cy = json_string_value(json_object_get(y, "completed_at"));
    return strcmp(cx ? cx : "", cy ? cy : "");
}

md_code md_chart_signoff_queue(md_ctx *ctx, json_t **out, md_err *err)
{
    md_chart_policy policy;
    ids l;
    md_code rc = md_require(ctx, MD_PERM_CHART_SIGNOFF, err);
    if (rc == MD_OK) rc = md_chart_policy_get(ctx, &policy, err);
    if (rc == MD_OK) rc = sessions_in(ctx, "completed", "completed", "completed", &l, err);
    if (rc != MD_OK) return rc;
    json_t *items = json_array();
    const char *me = md_actor_id(ctx);
    for (size_t i = 0; rc == MD_OK && items && i < l.n; i++) {
        json_t *s = NULL;
        if ((rc = md_chart_get(ctx, l.id[i], &s, err)) != MD_OK) break;
        json_t *o = summary(s);
        json_t *review = json_object_get(s, "review");
        /* the review stored at completion; a session completed without one is evaluated */
        if (json_is_object(review) && json_object_get(review, "selected"))
            json_object_set(o, "review", review);
        else
            json_object_set_new(
                o, "review",
                md_review_evaluate(ctx->who.clinic_id, s, policy.review_share_percent));
        const char *at =
            json_string_value(json_object_get(json_object_get(s, "completion"), "completed_at"));
        json_object_set_new(o, "completed_at", at ? json_string(at) : json_null());
        const char *by = json_string_value(json_object_get(s, "practitioner_id"));
        json_object_set_new(o, "own", json_boolean(me && by && strcmp(me, by) == 0));
        json_array_append_new(items, o);
        json_decref(s);
    }
    if (rc == MD_OK && !items) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK) rc = md_json_array_sort(items, by_review_then_age, err);
    if (rc == MD_OK)
        *out = json_pack("{s:o}", "items", items);
    else
        json_decref(items);
    return rc;
}
