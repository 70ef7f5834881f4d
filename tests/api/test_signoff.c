/*
 * test_signoff.c - chart completion, review and sign-off through the real server
 * (docs/SIGNOFF.md): completion refused for each missing item and then passing, the review
 * sample and acknowledged warnings, the sign-off queue (the medical director's only), and
 * the overdue worklist (a check-in in the past).
 *
 * Sessions are checked in, prechecked and started by a fixture that writes those rows as
 * chart.c does (support_fixtures.c, api_session_in_progress); from there on everything goes
 * through the API: the chart, the consent, completion, sign-off.
 */
#include "support.h"

#include <stdio.h>
#include <string.h>

static char director[MD_TOKEN_STR], director_id[MD_ID_STR];

/* The clinic's policy for these tests: no photos (the photo gates have their own tests). */
static void setup_policy(int share)
{
    char body[256];
    json_t *p = api_ok(api.admin, "GET", NULL, 200, "/api/v1/clinic/chart-policy");
    if (json_is_true(json_object_get(p, "defaults")))
        snprintf(body, sizeof body,
                 "{\"before_views\":[],\"after_views\":[],\"review_share_percent\":%d}", share);
    else
        snprintf(body, sizeof body,
                 "{\"before_views\":[],\"after_views\":[],\"review_share_percent\":%d,"
                 "\"reason\":\"signoff tests\",\"version\":%lld}",
                 share, (long long)api_int(p, "version"));
    json_decref(p);
    json_decref(api_ok(api.admin, "PUT", body, 200, "/api/v1/clinic/chart-policy"));
    if (!*director) api_login("director@demo.clinic", API_DEMO_PASSWORD, director, director_id);
}

static void iso_hours_ago(int hours, char out[MD_TIME_STR])
{
    md_time_format(md_now() - (int64_t)hours * 3600, out);
}

/* The status of gate among the checks. */
static const char *status_of(const json_t *checks, const char *gate)
{
    for (size_t i = 0; i < json_array_size(checks); i++)
        if (strcmp(api_str(json_array_get(checks, i), "gate"), gate) == 0)
            return api_str(json_array_get(checks, i), "status");
    return "";
}

/* POST complete: refused with the checks, each failing gate listed in fails (NULL-ended). */
static void complete_refused(const char *sid, const char *const *fails)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/sessions/%s/complete", sid);
    api_req q = {.method = "POST", .path = path, .token = api.practitioner, .body = "{}"};
    api_res r;
    assert_int_equal(api_send(NULL, &q, &r), 0);
    assert_int_equal(r.status, 409);
    json_t *e = json_object_get(r.json, "error");
    assert_string_equal(api_str(e, "field"), "completion");
    json_t *checks = json_object_get(e, "checks");
    assert_int_equal(json_array_size(checks), 6);
    static const char *const gates[] = {"photos_before", "traceability", "notes", "consent",
                                        "screening",     "photos_after", NULL};
    for (const char *const *g = gates; *g; g++) {
        int fail = 0;
        for (const char *const *f = fails; *f; f++)
            fail |= strcmp(*f, *g) == 0;
        assert_string_equal(status_of(checks, *g), fail ? "fail" : "pass");
    }
    api_res_free(&r);
    /* nothing was written: still in progress */
    json_t *s = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/sessions/%s", sid);
    assert_string_equal(api_str(s, "state"), "in_progress");
    json_decref(s);
}

static json_t *chart(const api_session_fix *f, const char *notes, int needle, const char *reason,
                     const char *extra_key, json_t *extra)
{
    json_t *b = api_chart_body(f, notes, needle);
    if (reason) json_object_set_new(b, "reason", json_string(reason));
    if (extra_key) json_object_set_new(b, extra_key, extra);
    char *text = json_dumps(b, 0);
    json_t *s = api_ok(api.practitioner, "PUT", text, 200, "/api/v1/sessions/%s/chart", f->sid);
    free(text);
    json_decref(b);
    return s;
}

/* A fixture session charted completely, its consent signed, completed. */
static json_t *completed(api_session_fix *f, const char *extra_key, json_t *extra)
{
    char now[MD_TIME_STR];
    iso_hours_ago(1, now);
    api_session_in_progress(f, 3, now);
    json_decref(chart(f, "Tolerated well.", 1, NULL, extra_key, extra));
    api_consent_signed(f->pid, f->cid, "en");
    return api_ok(api.practitioner, "POST", "{}", 200, "/api/v1/sessions/%s/complete", f->sid);
}

static void completion_is_refused_for_each_missing_item_then_passes(void **state)
{
    (void)state;
    setup_policy(0);
    api_session_fix f;
    char now[MD_TIME_STR];
    iso_hours_ago(1, now);
    api_session_in_progress(&f, 0, now);
    /* the checklist before anything is charted */
    json_t *c = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/sessions/%s/completion", f.sid);
    assert_true(json_is_false(json_object_get(c, "ok")));
    json_t *checks = json_object_get(c, "checks");
    assert_string_equal(status_of(checks, "traceability"), "fail");
    assert_string_equal(status_of(checks, "notes"), "fail");
    assert_string_equal(status_of(checks, "consent"), "fail");
    assert_string_equal(status_of(checks, "screening"), "pass");
    assert_string_equal(status_of(checks, "photos_before"), "pass"); /* the policy asks none */
    for (size_t i = 0; i < json_array_size(checks); i++) {
        json_t *k = json_array_get(checks, i);
        assert_true(strlen(api_str(k, "rule")) > 0);
        assert_true(json_array_size(json_object_get(k, "sources")) > 0);
        if (strcmp(api_str(k, "status"), "fail") == 0)
            assert_true(strlen(api_str(k, "satisfy")) > 0);
    }
    json_decref(c);
    /* nothing charted: chart.c refuses before the check */
    api_err(api.practitioner, "POST", "{}", 409, "conflict", "chart",
            "/api/v1/sessions/%s/complete", f.sid);
    /* charted without notes (the needle lot comes from the session's materials) */
    json_decref(chart(&f, NULL, 0, NULL, NULL, NULL));
    complete_refused(f.sid, (const char *const[]){"notes", "consent", NULL});
    /* then blank notes, notes (amendments), the consent: one item at a time */
    json_decref(chart(&f, "  ", 1, "blank notes", NULL, NULL));
    complete_refused(f.sid, (const char *const[]){"notes", "consent", NULL});
    json_decref(chart(&f, "Tolerated well; no bleeding.", 1, "notes", NULL, NULL));
    complete_refused(f.sid, (const char *const[]){"consent", NULL});
    api_consent_signed(f.pid, f.cid, "en");
    /* prechecks whose screening gate did not pass (written behind the server's back) */
    char sql[512];
    snprintf(sql, sizeof sql,
             "UPDATE treatment_sessions SET prechecks = '{\"passed_at\":\"%s\",\"checks\":"
             "[{\"gate\":\"screening\",\"status\":\"unknown\"}]}' WHERE id = '%s'",
             now, f.sid);
    api_db_exec(sql);
    complete_refused(f.sid, (const char *const[]){"screening", NULL});
    snprintf(sql, sizeof sql,
             "UPDATE treatment_sessions SET prechecks = '{\"passed_at\":\"%s\",\"checks\":"
             "[{\"gate\":\"screening\",\"status\":\"pass\"}]}' WHERE id = '%s'",
             now, f.sid);
    api_db_exec(sql);
    json_t *s = api_ok(api.practitioner, "POST", "{}", 200, "/api/v1/sessions/%s/complete", f.sid);
    assert_string_equal(api_str(s, "state"), "completed");
    json_t *comp = json_object_get(s, "completion");
    assert_true(strlen(api_str(comp, "completed_at")) > 0);
    assert_int_equal(json_array_size(json_object_get(comp, "checks")), 6);
    assert_string_equal(api_str(json_object_get(s, "aftercare"), "language"), "en");
    assert_int_equal(strlen(api_str(json_object_get(s, "aftercare"), "sha256")), 64);
    /* a share of 0% and no warning: not set for review */
    assert_true(json_is_false(json_object_get(json_object_get(s, "review"), "selected")));
    json_decref(s);
    c = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/sessions/%s/completion", f.sid);
    assert_true(json_is_true(json_object_get(c, "ok")));
    json_decref(c);
}

static int in_items(const json_t *list, const char *id)
{
    return api_count_items(list, "id", id) > 0;
}

static void the_signoff_queue_is_the_medical_directors_review_first(void **state)
{
    (void)state;
    /* everything sampled */
    setup_policy(100);
    api_session_fix sampled;
    json_t *s = completed(&sampled, NULL, NULL);
    json_t *rev = json_object_get(s, "review");
    assert_true(json_is_true(json_object_get(rev, "selected")));
    assert_string_equal(api_str(json_array_get(json_object_get(rev, "reasons"), 0), "code"),
                        "sample");
    json_decref(s);
    /* nothing sampled.  (A chart with an acknowledged warning is set for review: unit
     * test acknowledged_warnings_set_a_chart_for_review.) */
    setup_policy(0);
    api_session_fix plain;
    json_decref(completed(&plain, NULL, NULL));
    s = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/sessions/%s", plain.sid);
    assert_true(json_is_false(json_object_get(json_object_get(s, "review"), "selected")));
    json_decref(s);

    /* only the medical director sees the queue */
    api_err(api.practitioner, "GET", NULL, 403, "forbidden", NULL,
            "/api/v1/charting/signoff-queue");
    api_err(api.admin, "GET", NULL, 403, "forbidden", NULL, "/api/v1/charting/signoff-queue");
    api_err(api.reception, "GET", NULL, 403, "forbidden", NULL, "/api/v1/charting/signoff-queue");
    json_t *q = api_ok(director, "GET", NULL, 200, "/api/v1/charting/signoff-queue");
    json_t *items = json_object_get(q, "items");
    assert_true(in_items(q, sampled.sid) && in_items(q, plain.sid));
    /* set for review first */
    int seen_plain = 0;
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        int sel = json_is_true(json_object_get(json_object_get(it, "review"), "selected"));
        if (!sel)
            seen_plain = 1;
        else
            assert_false(seen_plain);
        assert_string_equal(api_str(it, "state"), "completed");
        assert_true(json_is_false(json_object_get(it, "own")));
    }
    json_decref(q);
    /* signed off: off the queue */
    json_decref(api_ok(director, "POST", "{\"note\":\"reviewed\"}", 200,
                       "/api/v1/sessions/%s/signoff", sampled.sid));
    q = api_ok(director, "GET", NULL, 200, "/api/v1/charting/signoff-queue");
    assert_false(in_items(q, sampled.sid));
    assert_true(in_items(q, plain.sid));
    json_decref(q);
    /* each session listed was audited as a read */
    json_t *a =
        api_ok(api.admin, "GET", NULL, 200,
               "/api/v1/audit?object_type=treatment_session&action=read&object_id=%s", plain.sid);
    assert_true(json_array_size(json_object_get(a, "items")) >= 1);
    json_decref(a);
}

static void charts_not_completed_in_time_are_overdue(void **state)
{
    (void)state;
    setup_policy(0);
    api_session_fix old, fresh, done;
    char at[MD_TIME_STR];
    iso_hours_ago(80, at); /* 72 h by default: 8 h overdue */
    api_session_in_progress(&old, 0, at);
    iso_hours_ago(2, at);
    api_session_in_progress(&fresh, 0, at);
    json_decref(completed(&done, NULL, NULL));
    json_t *o = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/charting/overdue");
    assert_int_equal(api_int(o, "hours"), 72);
    assert_true(in_items(o, old.sid));
    assert_false(in_items(o, fresh.sid));
    assert_false(in_items(o, done.sid));
    json_t *items = json_object_get(o, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        if (strcmp(api_str(it, "id"), old.sid) != 0) continue;
        assert_int_equal(api_int(it, "hours_overdue"), 8);
        assert_string_equal(api_str(it, "state"), "in_progress");
        assert_string_equal(api_str(it, "checked_in_at"), old.checked_in_at);
    }
    json_decref(o);
    /* a shorter policy: the fresh one is overdue too */
    json_t *p = api_ok(api.admin, "GET", NULL, 200, "/api/v1/clinic/chart-policy");
    char body[160];
    snprintf(body, sizeof body, "{\"completion_hours\":1,\"reason\":\"tighter\",\"version\":%lld}",
             (long long)api_int(p, "version"));
    json_decref(p);
    json_decref(api_ok(api.admin, "PUT", body, 200, "/api/v1/clinic/chart-policy"));
    o = api_ok(director, "GET", NULL, 200, "/api/v1/charting/overdue");
    assert_true(in_items(o, old.sid) && in_items(o, fresh.sid));
    json_decref(o);
    p = api_ok(api.admin, "GET", NULL, 200, "/api/v1/clinic/chart-policy");
    snprintf(body, sizeof body, "{\"completion_hours\":72,\"reason\":\"back\",\"version\":%lld}",
             (long long)api_int(p, "version"));
    json_decref(p);
    json_decref(api_ok(api.admin, "PUT", body, 200, "/api/v1/clinic/chart-policy"));
    /* not for reception or an auditor; not another clinic's */
    api_err(api.reception, "GET", NULL, 403, "forbidden", NULL, "/api/v1/charting/overdue");
    api_err(api.auditor, "GET", NULL, 403, "forbidden", NULL, "/api/v1/charting/overdue");
    json_t *other = api_ok(api.other_admin, "GET", NULL, 200, "/api/v1/charting/overdue");
    assert_false(in_items(other, old.sid));
    json_decref(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(completion_is_refused_for_each_missing_item_then_passes),
        cmocka_unit_test(the_signoff_queue_is_the_medical_directors_review_first),
        cmocka_unit_test(charts_not_completed_in_time_are_overdue),
    };
    return cmocka_run_group_tests(tests, api_setup, api_teardown);
}
