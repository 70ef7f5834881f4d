/*
 * test_outcomes.c - outcome scores through the real server (docs/OUTCOMES.md): the
 * practitioner's and the patient's GAIS on a completed session, each with the scale's
 * definition and version; refused on an open session; bad input naming its field; a second
 * score without a reason refused, with one an amendment, and the history of versions; a
 * signed-off session scored; a course's series beside its photo comparison; the
 * distribution's counts and who may read it; the kb's scales.
 *
 * Sessions are checked in, prechecked and started by a fixture that writes those rows as
 * chart.c does (support_fixtures.c, api_session_in_progress); the chart, the consents,
 * photos and completion then go through the API.
 */
#include "support.h"

#include "photo_fixtures.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Under the PostgreSQL harness the media directory must be given (no default). */
static char media_dir[300];

static int setup(void **state)
{
    if (getenv("MESODESK_TEST_PG") && *getenv("MESODESK_TEST_PG")) {
        snprintf(media_dir, sizeof media_dir, "/tmp/mesodesk-outcomes-XXXXXX");
        if (!mkdtemp(media_dir)) return -1;
        setenv("MESODESK_MEDIA_DIR", media_dir, 1);
    }
    return api_setup(state);
}

static int teardown(void **state)
{
    int rc = api_teardown(state);
    if (media_dir[0]) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", media_dir);
        if (system(cmd) != 0) rc = -1;
    }
    return rc;
}

/* ---- fixtures ---- */

/* A front photo of phase for session sid (its id into id). */
static void photo(const char *sid, const char *phase, char id[MD_ID_STR])
{
    char path[256];
    buf jpg = make_jpeg(320, 240);
    const char *headers[] = {"Content-Type: image/jpeg", NULL};
    snprintf(path, sizeof path, "/api/v1/sessions/%s/photos?phase=%s&view=front", sid, phase);
    api_req q = {.method = "POST",
                 .path = path,
                 .token = api.practitioner,
                 .body = (const char *)jpg.p,
                 .body_len = jpg.n,
                 .headers = headers};
    api_res r;
    assert_int_equal(api_send(NULL, &q, &r), 0);
    if (r.status != 201) fail_msg("photo upload: %ld %s", r.status, r.text);
    md_strlcpy(id, api_str(r.json, "id"), MD_ID_STR);
    api_res_free(&r);
    free(jpg.p);
}

/* A session in progress, charted and consented, with an after photo when with_photo:
 * ready to complete. */
static void ready(api_session_fix *f, int with_photo, char photo_id[MD_ID_STR])
{
    char at[MD_TIME_STR];
    api_policy_without_photos();
    md_time_format(md_now() - 3600, at);
    api_session_in_progress(f, 3, at);
    json_t *b = api_chart_body(f, "Tolerated well.", 1);
    /* api_chart_body charts at 09:00 on the day, in the future before 09:00 UTC: chart the
     * last minutes instead (not before the day's midnight) */
    char started[MD_TIME_STR], ended[MD_TIME_STR];
    int64_t midnight = (int64_t)md_today_utc() * 86400, t = md_now() - 600;
    md_time_format(t > midnight ? t : midnight, started);
    md_time_format((t > midnight ? t : midnight) + 60, ended);
    json_object_set_new(b, "started_at", json_string(started));
    json_object_set_new(b, "ended_at", json_string(ended));
    char *text = json_dumps(b, 0);
    json_decref(api_ok(api.practitioner, "PUT", text, 200, "/api/v1/sessions/%s/chart", f->sid));
    free(text);
    json_decref(b);
    api_consent_signed(f->pid, f->cid, "en");
    if (with_photo) {
        api_photo_consent_signed(f->pid);
        photo(f->sid, "after", photo_id);
    }
}

static void completed(api_session_fix *f)
{
    char unused[MD_ID_STR];
    ready(f, 0, unused);
    json_decref(
        api_ok(api.practitioner, "POST", "{}", 200, "/api/v1/sessions/%s/complete", f->sid));
}

/* POST /outcomes with {session_id, scale, rater, score} (+ extra members, "" for none). */
static json_t *score(const char *token, const char *sid, const char *scale, const char *rater,
                     int value, const char *extra, long want)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"session_id\":\"%s\",\"scale\":\"%s\",\"rater\":\"%s\",\"score\":%d%s%s}", sid,
             scale, rater, value, *extra ? "," : "", extra);
    return api_ok(token, "POST", body, want, "/api/v1/outcomes");
}

static double normalised(const json_t *o)
{
    json_t *v = json_object_get(o, "normalised");
    assert_true(json_is_number(v));
    return json_number_value(v);
}

/* ---- the tests ---- */

static void practitioner_and_patient_gais_on_a_completed_session(void **state)
{
    (void)state;
    api_session_fix f;
    completed(&f);
    json_t *p = score(api.practitioner, f.sid, "gais", "practitioner", 2, "", 201);
    assert_int_equal(api_int(p, "version"), 1);
    assert_string_equal(api_str(p, "patient_id"), f.pid);
    assert_string_equal(api_str(p, "course_id"), f.cid);
    assert_string_equal(api_str(p, "day"), f.day);
    assert_string_equal(api_str(p, "label"), "much improved");
    assert_string_equal(api_str(p, "rater_id"), api.practitioner_id);
    assert_string_equal(api_str(p, "status"), "active");
    /* the definition as scored: its version and its points, numbering and direction */
    json_t *def = json_object_get(p, "scale_definition");
    assert_string_equal(api_str(def, "id"), "gais");
    assert_string_equal(api_str(def, "version"), api_str(p, "scale_version"));
    assert_string_equal(api_str(def, "direction"), "lower_is_better");
    assert_int_equal(json_array_size(json_object_get(def, "points")), 5);
    assert_non_null(strstr(api_str(def, "numbering"), "both ways"));
    assert_true(normalised(p) == 0.75);
    /* the patient's own GAIS, given on paper and entered by the practitioner */
    json_t *q = score(api.practitioner, f.sid, "gais", "patient", 1, "", 201);
    assert_string_not_equal(api_str(q, "id"), api_str(p, "id"));
    assert_true(json_is_null(json_object_get(q, "rater_id")));
    assert_true(normalised(q) == 1.0);
    /* satisfaction is the patient's; WSRS the practitioner's, per area */
    json_decref(score(api.practitioner, f.sid, "satisfaction", "patient", 4, "", 201));
    json_decref(
        score(api.practitioner, f.sid, "wsrs", "practitioner", 3, "\"area\":\"perioral\"", 201));
    json_decref(
        score(api.practitioner, f.sid, "wsrs", "practitioner", 2, "\"area\":\"forehead\"", 201));
    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/sessions/%s/outcomes", f.sid);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 5);
    assert_int_equal(api_count_items(l, "rater", "patient"), 2);
    json_decref(l);
    l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/outcomes", f.pid);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 5);
    json_decref(l);
    json_t *one = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/outcomes/%s", api_str(p, "id"));
    assert_true(normalised(one) == 0.75);
    json_decref(one);
    /* reads are audited */
    json_t *a =
        api_ok(api.admin, "GET", NULL, 200, "/api/v1/audit?object_type=outcome&action=read");
    assert_true(json_array_size(json_object_get(a, "items")) >= 2);
    json_decref(a);
    json_decref(p);
    json_decref(q);
}

static void refused_on_an_open_session_and_bad_input_names_its_field(void **state)
{
    (void)state;
    api_session_fix open, done;
    char unused[MD_ID_STR];
    ready(&open, 0, unused);
    completed(&done);
    char body[512];
    snprintf(body, sizeof body,
             "{\"session_id\":\"%s\",\"scale\":\"gais\",\"rater\":\"practitioner\",\"score\":2}",
             open.sid);
    api_err(api.practitioner, "POST", body, 409, "conflict", "session_id", "/api/v1/outcomes");
    const api_var vars[] = {{"sid", done.sid}};
    static const api_case cases[] = {
        {"a GAIS of 6", NULL, "POST", "/api/v1/outcomes",
         "{\"session_id\":\"{sid}\",\"scale\":\"gais\",\"rater\":\"practitioner\",\"score\":6}",
         400, "invalid", "score", "not a point"},
        {"a GAIS of 0", NULL, "POST", "/api/v1/outcomes",
         "{\"session_id\":\"{sid}\",\"scale\":\"gais\",\"rater\":\"patient\",\"score\":0}", 400,
         "invalid", "score", NULL},
        {"an unknown scale", NULL, "POST", "/api/v1/outcomes",
         "{\"session_id\":\"{sid}\",\"scale\":\"vas\",\"rater\":\"patient\",\"score\":2}", 422,
         "unprocessable", "scale", NULL},
        {"the patient does not rate WSRS", NULL, "POST", "/api/v1/outcomes",
         "{\"session_id\":\"{sid}\",\"scale\":\"wsrs\",\"rater\":\"patient\",\"score\":2}", 422,
         "unprocessable", "rater", NULL},
        {"a rater who is neither", NULL, "POST", "/api/v1/outcomes",
         "{\"session_id\":\"{sid}\",\"scale\":\"gais\",\"rater\":\"nurse\",\"score\":2}", 422,
         "unprocessable", "rater", NULL},
        {"a score that is text", NULL, "POST", "/api/v1/outcomes",
         "{\"session_id\":\"{sid}\",\"scale\":\"gais\",\"rater\":\"patient\",\"score\":\"2\"}", 400,
         "invalid", "score", NULL},
        {"no score", NULL, "POST", "/api/v1/outcomes",
         "{\"session_id\":\"{sid}\",\"scale\":\"gais\",\"rater\":\"patient\"}", 400, "invalid",
         "score", NULL},
        {"an unknown area", NULL, "POST", "/api/v1/outcomes",
         "{\"session_id\":\"{sid}\",\"scale\":\"wsrs\",\"rater\":\"practitioner\",\"score\":2,"
         "\"area\":\"elbow_tip\"}",
         422, "unprocessable", "area", NULL},
        {"a time in the future", NULL, "POST", "/api/v1/outcomes",
         "{\"session_id\":\"{sid}\",\"scale\":\"gais\",\"rater\":\"patient\",\"score\":2,"
         "\"rated_at\":\"2999-01-01T00:00:00Z\"}",
         422, "unprocessable", "rated_at", NULL},
        {"a member nobody reads", NULL, "POST", "/api/v1/outcomes",
         "{\"session_id\":\"{sid}\",\"scale\":\"gais\",\"rater\":\"patient\",\"score\":2,"
         "\"colour\":\"red\"}",
         400, "invalid", "colour", NULL},
        {"a check-in on a practitioner's score", NULL, "POST", "/api/v1/outcomes",
         "{\"session_id\":\"{sid}\",\"scale\":\"gais\",\"rater\":\"practitioner\",\"score\":2,"
         "\"checkin_id\":\"00000000000000000000000000000000\"}",
         400, "invalid", "checkin_id", NULL},
        {"no such session", NULL, "POST", "/api/v1/outcomes",
         "{\"session_id\":\"00000000000000000000000000000000\",\"scale\":\"gais\",\"rater\":"
         "\"patient\",\"score\":2}",
         404, "not_found", "session_id", NULL},
    };
    api_case c[sizeof cases / sizeof cases[0]];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        c[i] = cases[i];
        c[i].token = api.practitioner;
    }
    api_run_cases(c, sizeof c / sizeof c[0], vars, 1);
    snprintf(body, sizeof body,
             "{\"session_id\":\"%s\",\"scale\":\"gais\",\"rater\":\"practitioner\",\"score\":2}",
             done.sid);
    /* reception does not chart; another clinic does not see the session */
    api_err(api.reception, "POST", body, 403, "forbidden", NULL, "/api/v1/outcomes");
    api_err(api.other_admin, "POST", body, 404, "not_found", "session_id", "/api/v1/outcomes");
    /* nothing was stored by any of them */
    json_t *l =
        api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/sessions/%s/outcomes", done.sid);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 0);
    json_decref(l);
}

static void a_second_score_needs_a_reason_and_amendments_are_versions(void **state)
{
    (void)state;
    api_session_fix f;
    completed(&f);
    json_t *first = score(api.practitioner, f.sid, "gais", "practitioner", 3, "", 201);
    const char *id = api_str(first, "id");
    char body[512];
    snprintf(body, sizeof body,
             "{\"session_id\":\"%s\",\"scale\":\"gais\",\"rater\":\"practitioner\",\"score\":2}",
             f.sid);
    const char *m =
        api_err(api.practitioner, "POST", body, 409, "conflict", "reason", "/api/v1/outcomes");
    assert_non_null(strstr(m, "needs a reason"));
    /* with a reason: the same record, version 2 */
    json_t *second = score(api.practitioner, f.sid, "gais", "practitioner", 2,
                           "\"reason\":\"re-rated with the after photos\"", 200);
    assert_string_equal(api_str(second, "id"), id);
    assert_int_equal(api_int(second, "version"), 2);
    assert_string_equal(api_str(second, "reason"), "re-rated with the after photos");
    /* amended by id, then a stale version refused */
    json_t *third =
        api_ok(api.practitioner, "POST", "{\"score\":1,\"reason\":\"typing slip\",\"version\":2}",
               200, "/api/v1/outcomes/%s", id);
    assert_int_equal(api_int(third, "version"), 3);
    assert_string_equal(api_str(third, "label"), "very much improved");
    api_err(api.practitioner, "POST", "{\"score\":2,\"reason\":\"late\",\"version\":2}", 409,
            "conflict", "version", "/api/v1/outcomes/%s", id);
    api_err(api.practitioner, "POST", "{\"score\":2}", 400, "invalid", "reason",
            "/api/v1/outcomes/%s", id);
    api_err(api.practitioner, "POST", "{\"score\":9,\"reason\":\"x\"}", 400, "invalid", "score",
            "/api/v1/outcomes/%s", id);
    api_err(api.reception, "POST", "{\"score\":2,\"reason\":\"x\"}", 403, "forbidden", NULL,
            "/api/v1/outcomes/%s", id);
    /* the history: every version, oldest first, each with its score */
    json_t *h = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/outcomes/%s/history", id);
    json_t *v = json_object_get(h, "versions");
    assert_int_equal(json_array_size(v), 3);
    assert_int_equal(api_int(json_array_get(v, 0), "score"), 3);
    assert_int_equal(api_int(json_array_get(v, 1), "score"), 2);
    assert_int_equal(api_int(json_array_get(v, 2), "score"), 1);
    assert_true(normalised(json_array_get(v, 0)) == 0.5);
    json_decref(h);
    /* entered in error: off the lists, kept in the history; a new score is a new record */
    json_t *gone = api_ok(api.practitioner, "POST",
                          "{\"status\":\"entered_in_error\",\"reason\":\"wrong patient\"}", 200,
                          "/api/v1/outcomes/%s", id);
    assert_string_equal(api_str(gone, "status"), "entered_in_error");
    api_err(api.practitioner, "POST", "{\"score\":2,\"reason\":\"x\"}", 409, "conflict", "status",
            "/api/v1/outcomes/%s", id);
    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/sessions/%s/outcomes", f.sid);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 0);
    json_decref(l);
    json_t *again = score(api.practitioner, f.sid, "gais", "practitioner", 2, "", 201);
    assert_string_not_equal(api_str(again, "id"), id);
    json_decref(again);
    api_err(api.other_admin, "GET", NULL, 404, "not_found", "id", "/api/v1/outcomes/%s", id);
    json_decref(gone);
    json_decref(third);
    json_decref(second);
    json_decref(first);
}

static void the_same_score_sent_eight_times_at_once_is_stored_once(void **state)
{
    (void)state;
    enum { N = 8 };
    api_session_fix f;
    api_racer r[N];
    pthread_t th[N];
    char body[512];
    completed(&f);
    snprintf(body, sizeof body,
             "{\"session_id\":\"%s\",\"scale\":\"gais\",\"rater\":\"practitioner\",\"score\":2}",
             f.sid);
    for (int i = 0; i < N; i++) {
        r[i] = (api_racer){
            .method = "POST", .path = "/api/v1/outcomes", .token = api.practitioner, .body = body};
        assert_int_equal(pthread_create(&th[i], NULL, api_race, &r[i]), 0);
    }
    int won = 0, lost = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        won += r[i].status == 201;
        lost += r[i].status == 409 && strcmp(r[i].field, "reason") == 0;
    }
    assert_int_equal(won, 1);
    assert_int_equal(lost, N - 1);
    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/sessions/%s/outcomes", f.sid);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 1);
    assert_int_equal(api_int(json_array_get(json_object_get(l, "items"), 0), "version"), 1);
    json_decref(l);
}

static void a_signed_off_session_is_scored(void **state)
{
    (void)state;
    char director[MD_TOKEN_STR];
    api_session_fix f;
    completed(&f);
    api_login("director@demo.clinic", API_DEMO_PASSWORD, director, NULL);
    json_decref(api_ok(director, "POST", "{\"note\":\"reviewed\"}", 200,
                       "/api/v1/sessions/%s/signoff", f.sid));
    json_decref(score(api.practitioner, f.sid, "gais", "patient", 2, "", 201));
}

static void the_course_series_beside_the_photos(void **state)
{
    (void)state;
    api_session_fix f;
    char after[MD_ID_STR], before2[MD_ID_STR], sql[512];
    ready(&f, 1, after);
    json_decref(api_ok(api.practitioner, "POST", "{}", 200, "/api/v1/sessions/%s/complete", f.sid));
    json_decref(score(api.practitioner, f.sid, "gais", "practitioner", 3, "", 201));
    json_decref(score(api.practitioner, f.sid, "gais", "patient", 2, "", 201));
    /* the course's second session: checked in, a before photo, then completed (reaching
     * completion through every gate is test_signoff's business: set behind the server's
     * back here) */
    snprintf(sql, sizeof sql,
             "{\"patient_id\":\"%s\",\"course_id\":\"%s\",\"course_session\":2,"
             "\"practitioner_id\":\"%s\"}",
             f.pid, f.cid, api.practitioner_id);
    json_t *s2 = api_ok(api.practitioner, "POST", sql, 201, "/api/v1/sessions");
    char sid2[MD_ID_STR];
    md_strlcpy(sid2, api_str(s2, "id"), sizeof sid2);
    json_decref(s2);
    photo(sid2, "before", before2);
    snprintf(sql, sizeof sql,
             "UPDATE treatment_sessions SET state = 'completed' WHERE id = '%s' AND current = 1",
             sid2);
    api_db_exec(sql);
    json_decref(score(api.practitioner, sid2, "gais", "practitioner", 1, "", 201));
    json_t *c = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/courses/%s/outcomes", f.cid);
    assert_string_equal(api_str(c, "patient_id"), f.pid);
    json_t *sessions = json_object_get(c, "sessions");
    assert_int_equal(json_array_size(sessions), 2);
    assert_string_equal(api_str(json_array_get(sessions, 0), "id"), f.sid);
    assert_string_equal(api_str(json_array_get(sessions, 1), "id"), sid2);
    json_t *series = json_object_get(c, "series");
    assert_int_equal(json_array_size(series), 2);
    json_t *prac = NULL, *pat = NULL;
    for (size_t i = 0; i < json_array_size(series); i++) {
        json_t *e = json_array_get(series, i);
        if (strcmp(api_str(e, "rater"), "practitioner") == 0) prac = e;
        if (strcmp(api_str(e, "rater"), "patient") == 0) pat = e;
    }
    assert_non_null(prac);
    assert_non_null(pat);
    json_t *pts = json_object_get(prac, "points");
    assert_int_equal(json_array_size(pts), 2);
    assert_string_equal(api_str(json_array_get(pts, 0), "session_id"), f.sid);
    assert_int_equal(api_int(json_array_get(pts, 0), "course_session"), 1);
    assert_true(normalised(json_array_get(pts, 0)) == 0.5);
    assert_string_equal(api_str(json_array_get(pts, 1), "session_id"), sid2);
    assert_true(normalised(json_array_get(pts, 1)) == 1.0);
    assert_int_equal(json_array_size(json_object_get(pat, "points")), 1);
    /* the photo comparison of each view, session by session */
    json_t *photos = json_object_get(c, "photos");
    assert_int_equal(json_array_size(photos), 1);
    json_t *front = json_array_get(photos, 0);
    assert_string_equal(api_str(front, "view"), "front");
    json_t *items = json_object_get(front, "items");
    assert_int_equal(json_array_size(items), 2);
    assert_string_equal(api_str(json_object_get(json_array_get(items, 0), "after"), "id"), after);
    assert_string_equal(api_str(json_object_get(json_array_get(items, 1), "before"), "id"),
                        before2);
    json_decref(c);
    api_err(api.other_admin, "GET", NULL, 404, "not_found", "course_id",
            "/api/v1/courses/%s/outcomes", f.cid);
    api_err(api.reception, "GET", NULL, 403, "forbidden", NULL, "/api/v1/courses/%s/outcomes",
            f.cid);
}

/* The count of value in a distribution. */
static json_int_t count_of(const json_t *d, int value)
{
    json_t *counts = json_object_get(d, "counts");
    for (size_t i = 0; i < json_array_size(counts); i++)
        if (api_int(json_array_get(counts, i), "value") == value)
            return api_int(json_array_get(counts, i), "n");
    fail_msg("no value %d in the distribution", value);
    return -1;
}

static void the_distribution_counts_scores_by_point(void **state)
{
    (void)state;
    char today[MD_DATE_STR], tomorrow[MD_DATE_STR], path[200], director[MD_TOKEN_STR];
    md_date_format(md_today_utc(), today);
    md_date_format(md_today_utc() + 1, tomorrow);
    snprintf(path, sizeof path, "/api/v1/outcomes/distribution?scale=gais&from=%s&to=%s", today,
             tomorrow);
    json_t *before = api_ok(api.practitioner, "GET", NULL, 200, "%s", path);
    json_t *before_pat = api_ok(api.practitioner, "GET", NULL, 200, "%s&rater=patient", path);
    api_session_fix a, b;
    completed(&a);
    completed(&b);
    json_decref(score(api.practitioner, a.sid, "gais", "practitioner", 2, "", 201));
    json_decref(score(api.practitioner, b.sid, "gais", "practitioner", 2, "", 201));
    json_decref(score(api.practitioner, a.sid, "gais", "patient", 1, "", 201));
    json_t *amended = score(api.practitioner, b.sid, "gais", "patient", 5, "", 201);
    json_decref(api_ok(api.practitioner, "POST", "{\"score\":4,\"reason\":\"patient corrected\"}",
                       200, "/api/v1/outcomes/%s", api_str(amended, "id")));
    json_decref(amended);
    json_decref(score(api.practitioner, a.sid, "satisfaction", "patient", 5, "", 201));
    json_t *after = api_ok(api.practitioner, "GET", NULL, 200, "%s", path);
    assert_string_equal(api_str(after, "scale"), "gais");
    assert_int_equal(json_array_size(json_object_get(after, "counts")), 5);
    assert_int_equal(api_int(after, "n") - api_int(before, "n"), 4);
    assert_int_equal(count_of(after, 2) - count_of(before, 2), 2);
    assert_int_equal(count_of(after, 1) - count_of(before, 1), 1);
    assert_int_equal(count_of(after, 4) - count_of(before, 4), 1); /* the amended score */
    assert_int_equal(count_of(after, 5) - count_of(before, 5), 0); /* not its first version */
    json_t *pat = api_ok(api.practitioner, "GET", NULL, 200, "%s&rater=patient", path);
    assert_int_equal(api_int(pat, "n") - api_int(before_pat, "n"), 2);
    /* [from, to): nothing of today from tomorrow on */
    json_t *later = api_ok(api.practitioner, "GET", NULL, 200,
                           "/api/v1/outcomes/distribution?scale=gais&from=%s", tomorrow);
    assert_int_equal(api_int(later, "n"), 0);
    /* who may read it: pv_read (the medical director, the auditor), not reception */
    api_login("director@demo.clinic", API_DEMO_PASSWORD, director, NULL);
    json_decref(api_ok(director, "GET", NULL, 200, "%s", path));
    json_decref(api_ok(api.auditor, "GET", NULL, 200, "%s", path));
    api_err(api.reception, "GET", NULL, 403, "forbidden", NULL, "%s", path);
    /* another clinic counts its own */
    json_t *other = api_ok(api.other_admin, "GET", NULL, 200, "%s", path);
    assert_int_equal(api_int(other, "n"), 0);
    api_err(api.practitioner, "GET", NULL, 422, "unprocessable", "rater",
            "/api/v1/outcomes/distribution?rater=nurse");
    api_err(api.practitioner, "GET", NULL, 422, "unprocessable", "from",
            "/api/v1/outcomes/distribution?from=2026-02-30");
    api_err(api.practitioner, "GET", NULL, 400, "invalid", "to",
            "/api/v1/outcomes/distribution?to=tomorrow");
    api_err(api.practitioner, "GET", NULL, 422, "unprocessable", "scale",
            "/api/v1/outcomes/distribution?scale=vas");
    json_decref(other);
    json_decref(later);
    json_decref(pat);
    json_decref(after);
    json_decref(before);
    json_decref(before_pat);
}

static void the_kb_scales_are_served(void **state)
{
    (void)state;
    json_t *k = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/kb/outcome-scales");
    json_t *scales = json_object_get(k, "scales");
    assert_int_equal(json_array_size(scales), 3);
    assert_string_equal(api_str(json_array_get(scales, 0), "id"), "gais");
    assert_int_equal(api_int(json_array_get(json_object_get(k, "checkins"), 0), "day_offset"), 14);
    json_decref(k);
    api_err(NULL, "GET", NULL, 401, "unauthorized", NULL, "/api/v1/kb/outcome-scales");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(practitioner_and_patient_gais_on_a_completed_session),
        cmocka_unit_test(refused_on_an_open_session_and_bad_input_names_its_field),
        cmocka_unit_test(a_second_score_needs_a_reason_and_amendments_are_versions),
        cmocka_unit_test(the_same_score_sent_eight_times_at_once_is_stored_once),
        cmocka_unit_test(a_signed_off_session_is_scored),
        cmocka_unit_test(the_course_series_beside_the_photos),
        cmocka_unit_test(the_distribution_counts_scores_by_point),
        cmocka_unit_test(the_kb_scales_are_served),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
