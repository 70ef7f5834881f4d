/*
 * API tests for the patient's check-ins (issue 11 item 3 and its bad input of item 9):
 * completing a session makes the day-2 and day-14 links (shown once); the patient opens a
 * link without logging in and answers it; answers without a red flag say thanks; a link
 * answered twice is 409 naming "token"; bad answers name "answers.<code>"; a text file as the
 * photo is 422 "data", a JPEG is taken without its metadata; a link past its due day is on
 * the overdue worklist, an expired one is refused; a reissued link replaces the old one; a
 * cancelled one is dead; the token never appears in the server's log.
 */
#include "support.h"

#include "photo_fixtures.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int setup(void **state)
{
    return api_setup_media(state);
}

static int teardown(void **state)
{
    return api_teardown_media(state);
}

/* ---- fixtures ---- */

typedef struct visit {
    api_session_fix f;
    json_t *done; /* the completion's answer */
    char ci2[MD_ID_STR], ci14[MD_ID_STR];
    char tok2[MD_TOKEN_STR], tok14[MD_TOKEN_STR];
} visit;

static void policy_without_photos(void)
{
    json_t *p = api_ok(api.admin, "GET", NULL, 200, "/api/v1/clinic/chart-policy");
    if (json_is_true(json_object_get(p, "defaults")))
        json_decref(api_ok(api.admin, "PUT", "{\"before_views\":[],\"after_views\":[]}", 200,
                           "/api/v1/clinic/chart-policy"));
    json_decref(p);
}

/* A facial session charted and completed: its check-in links. */
static void completed(visit *v)
{
    char now[MD_TIME_STR];
    memset(v, 0, sizeof *v);
    policy_without_photos();
    md_time_format(md_now() - 3600, now);
    api_session_in_progress(&v->f, 0, now);
    json_t *b = api_chart_body(&v->f, "Tolerated well.", 1);
    char *text = json_dumps(b, 0);
    json_decref(api_ok(api.practitioner, "PUT", text, 200, "/api/v1/sessions/%s/chart", v->f.sid));
    free(text);
    json_decref(b);
    api_consent_signed(v->f.pid, v->f.cid, "en");
    v->done = api_ok(api.practitioner, "POST", "{}", 200, "/api/v1/sessions/%s/complete", v->f.sid);
    json_t *links = json_object_get(v->done, "checkins");
    assert_int_equal(json_array_size(links), 2);
    json_t *l2 = json_array_get(links, 0), *l14 = json_array_get(links, 1);
    snprintf(v->ci2, MD_ID_STR, "%s", api_str(l2, "id"));
    snprintf(v->ci14, MD_ID_STR, "%s", api_str(l14, "id"));
    snprintf(v->tok2, MD_TOKEN_STR, "%s", api_str(l2, "token"));
    snprintf(v->tok14, MD_TOKEN_STR, "%s", api_str(l14, "token"));
}

static void visit_free(visit *v)
{
    json_decref(v->done);
}

static const char *calm_answers =
    "{\"answers\":{\"skin_pale\":\"no\",\"skin_mottled\":\"no\",\"skin_darkening\":\"no\","
    "\"vision_change\":\"no\",\"pain_now\":1,\"pain_trend\":\"getting_better\","
    "\"spreading_redness\":\"no\",\"pus_discharge\":\"no\",\"expanding_swelling\":\"no\","
    "\"fever\":\"no\",\"draining_lump\":\"no\",\"breathing\":\"no\","
    "\"face_lip_swelling\":\"no\",\"fainting\":\"no\",\"bruising\":\"yes\"}}";

/* The calm answers with one answer changed: from (e.g. "\"fever\":\"no\"") replaced by to. */
static const char *answers_with(char *out, size_t n, const char *from, const char *to)
{
    const char *at = strstr(calm_answers, from);
    assert_non_null(at);
    snprintf(out, n, "%.*s%s%s", (int)(at - calm_answers), calm_answers, to, at + strlen(from));
    return out;
}

static char *server_log(void)
{
    char p[512];
    snprintf(p, sizeof p, "%s/server.log", api.srv.dir);
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    char *text = calloc(1, 16 << 20);
    size_t n = fread(text, 1, (16 << 20) - 1, f);
    text[n] = 0;
    fclose(f);
    return text;
}

static void photo_send(const char *token, const void *data, size_t len, const char *type,
                       api_res *res)
{
    char path[256], ct[64];
    snprintf(path, sizeof path, "/api/v1/checkin/%s/photo", token);
    snprintf(ct, sizeof ct, "Content-Type: %s", type);
    const char *headers[] = {ct, NULL};
    api_req q = {.method = "POST",
                 .path = path,
                 .body = len ? (const char *)data : "",
                 .body_len = len,
                 .headers = headers};
    assert_int_equal(api_send(NULL, &q, res), 0);
}

/* ---- tests ---- */

static void completing_a_session_makes_the_links(void **state)
{
    (void)state;
    visit v;
    completed(&v);
    json_t *links = json_object_get(v.done, "checkins");
    json_t *l2 = json_array_get(links, 0), *l14 = json_array_get(links, 1);
    assert_int_equal(api_int(l2, "day_offset"), 2);
    assert_int_equal(api_int(l14, "day_offset"), 14);
    assert_true(strlen(v.tok2) >= 40);
    assert_string_not_equal(v.tok2, v.tok14);
    char path[128];
    snprintf(path, sizeof path, "/ci/%s", v.tok2);
    assert_string_equal(api_str(l2, "path"), path);
    md_day day, due;
    assert_int_equal(md_date_parse(v.f.day, &day), 0);
    assert_int_equal(md_date_parse(api_str(l2, "due_on"), &due), 0);
    assert_int_equal(due - day, 2);
    assert_int_equal(md_date_parse(api_str(l14, "due_on"), &due), 0);
    assert_int_equal(due - day, 14);
    /* Staff read them; the list never holds a token. */
    json_t *list =
        api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/sessions/%s/checkins", v.f.sid);
    assert_int_equal(json_array_size(json_object_get(list, "items")), 2);
    assert_int_equal(api_count_items(list, "status", "pending"), 2);
    char *dumped = json_dumps(list, 0);
    assert_null(strstr(dumped, v.tok2));
    free(dumped);
    json_decref(list);
    json_t *one = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/checkins/%s", v.ci2);
    assert_string_equal(api_str(one, "session_id"), v.f.sid);
    assert_string_equal(api_str(one, "protocol"), "facial_rejuvenation");
    assert_true(json_is_null(json_object_get(one, "opened_at")) ||
                !json_object_get(one, "opened_at"));
    json_decref(one);
    json_t *pl =
        api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/checkins", v.f.pid);
    assert_int_equal(json_array_size(json_object_get(pl, "items")), 2);
    json_decref(pl);
    /* Another clinic sees none of it. */
    api_err(api.other_admin, "GET", NULL, 404, "not_found", "id", "/api/v1/checkins/%s", v.ci2);
    visit_free(&v);
}

static void the_patient_opens_and_answers_once(void **state)
{
    (void)state;
    visit v;
    completed(&v);
    json_t *form = api_ok(NULL, "GET", NULL, 200, "/api/v1/checkin/%s", v.tok2);
    assert_int_equal(api_int(form, "day_offset"), 2);
    assert_true(json_array_size(json_object_get(form, "questions")) >= 10);
    assert_string_equal(api_str(json_object_get(form, "clinic"), "name"), "Demo Clinic");
    json_t *q0 = json_array_get(json_object_get(form, "questions"), 0);
    assert_null(json_object_get(q0, "maps_to")); /* the mapping is for staff */
    json_decref(form);
    json_t *one = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/checkins/%s", v.ci2);
    assert_true(strlen(api_str(one, "opened_at")) == 20);
    assert_non_null(json_object_get(json_object_get(one, "client"), "opened"));
    json_decref(one);
    /* Bad input names the answer. */
    api_err(NULL, "POST", "{\"answers\":{\"nope\":\"yes\"}}", 400, "invalid", "answers.nope",
            "/api/v1/checkin/%s", v.tok2);
    char body[1024];
    api_err(NULL, "POST", answers_with(body, sizeof body, "\"pain_now\":1", "\"pain_now\":12"), 422,
            "unprocessable", "answers.pain_now", "/api/v1/checkin/%s", v.tok2);
    api_err(NULL, "POST", "{\"answers\":{\"vision_change\":\"no\"}}", 422, "unprocessable",
            "answers.skin_pale", "/api/v1/checkin/%s", v.tok2);
    api_err(NULL, "POST", "{\"replies\":{}}", 400, "invalid", "replies", "/api/v1/checkin/%s",
            v.tok2);
    /* Calm answers: thanks, nothing to call about. */
    json_t *ok = api_ok(NULL, "POST", calm_answers, 200, "/api/v1/checkin/%s", v.tok2);
    assert_string_equal(api_str(ok, "status"), "answered");
    assert_false(json_is_true(json_object_get(ok, "call_now")));
    assert_non_null(strstr(api_str(ok, "message"), "Thank you"));
    json_decref(ok);
    one = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/checkins/%s", v.ci2);
    assert_string_equal(api_str(one, "status"), "answered");
    assert_int_equal(json_array_size(json_object_get(one, "red_flags")), 0);
    assert_string_equal(json_string_value(json_array_get(json_object_get(one, "effects"), 0)),
                        "bruising");
    assert_int_equal(api_int(json_object_get(one, "answers"), "pain_now"), 1);
    json_decref(one);
    /* The link works once. */
    api_err(NULL, "POST", calm_answers, 409, "conflict", "token", "/api/v1/checkin/%s", v.tok2);
    api_err(NULL, "GET", NULL, 409, "conflict", "token", "/api/v1/checkin/%s", v.tok2);
    api_err(NULL, "GET", NULL, 404, "not_found", "token", "/api/v1/checkin/%s", "nonsense");
    /* Two answers at once: one is stored, the other is 409 "token". */
    pthread_t th[2];
    char path[160];
    snprintf(path, sizeof path, "/api/v1/checkin/%s", v.tok14);
    api_racer rr[2] = {{"POST", path, NULL, calm_answers, 0, ""},
                       {"POST", path, NULL, calm_answers, 0, ""}};
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, api_race, &rr[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(rr[0].status + rr[1].status, 200 + 409);
    assert_string_equal(rr[0].status == 409 ? rr[0].field : rr[1].field, "token");
    visit_free(&v);
}

static void the_photo_must_be_an_image_and_loses_its_metadata(void **state)
{
    (void)state;
    visit v;
    api_res r;
    char clinic[MD_ID_STR], path[700];
    completed(&v);
    photo_send(v.tok2, "just some text, not a picture\n", 30, "text/plain", &r);
    const char *m = api_error_mismatch(&r, 422, "unprocessable", "data");
    if (m) fail_msg("text as a photo: %s", m);
    api_res_free(&r);
    buf plain = make_jpeg(640, 480), meta = with_metadata(&plain, 1);
    photo_send(v.tok2, meta.p, meta.n, "image/jpeg", &r);
    if (r.status != 201) fail_msg("photo: %ld %s", r.status, r.text);
    json_t *ph = json_object_get(r.json, "photo");
    assert_string_equal(api_str(ph, "media_type"), "image/jpeg");
    assert_int_equal(api_int(ph, "width"), 640);
    json_t *me = api_ok(api.admin, "GET", NULL, 200, "/api/v1/me");
    snprintf(clinic, sizeof clinic, "%s", api_str(json_object_get(me, "clinic"), "id"));
    json_decref(me);
    char h[65];
    snprintf(h, sizeof h, "%s", api_str(ph, "sha256"));
    snprintf(path, sizeof path, "%s/%s/%.2s/%s", api_media_dir, clinic, h, h);
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("no stored file at %s", path);
    buf file = {0};
    unsigned char block[65536];
    size_t n;
    while ((n = fread(block, 1, sizeof block, f)) > 0)
        buf_add(&file, block, n);
    fclose(f);
    assert_true(file.n > 100);
    assert_false(has(&file, "Exif", 4));
    assert_false(has(&file, gps_latitude, sizeof gps_latitude));
    assert_false(has(&file, "secret-comment", 14));
    api_res_free(&r);
    json_t *one = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/checkins/%s", v.ci2);
    assert_string_equal(api_str(json_object_get(one, "photo"), "sha256"), h);
    json_decref(one);
    /* Once answered, no photo is taken on that link. */
    json_decref(api_ok(NULL, "POST", calm_answers, 200, "/api/v1/checkin/%s", v.tok2));
    photo_send(v.tok2, plain.p, plain.n, "image/jpeg", &r);
    m = api_error_mismatch(&r, 409, "conflict", "token");
    if (m) fail_msg("photo after the answer: %s", m);
    api_res_free(&r);
    free(plain.p);
    free(meta.p);
    free(file.p);
    visit_free(&v);
}

static void overdue_expired_reissued_and_cancelled_links(void **state)
{
    (void)state;
    visit v;
    char sql[512];
    completed(&v);
    /* Past its due day and unanswered: on the worklist, the link still works. */
    snprintf(sql, sizeof sql,
             "UPDATE checkins SET due_on = '2020-01-03' WHERE id = '%s' AND current = 1", v.ci2);
    api_db_exec(sql);
    json_t *od = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/checkins/overdue");
    json_t *hit = NULL;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(od, "items"), i, e) if (strcmp(api_str(e, "id"), v.ci2) == 0)
        hit = e;
    assert_non_null(hit);
    assert_string_equal(api_str(hit, "status"), "overdue");
    assert_string_equal(api_str(json_object_get(hit, "patient"), "id"), v.f.pid);
    assert_int_equal(api_count_items(od, "id", v.ci14), 0); /* not due yet */
    assert_true(api_int(od, "count") >= 1);
    json_decref(od);
    json_decref(api_ok(NULL, "GET", NULL, 200, "/api/v1/checkin/%s", v.tok2));
    /* Expired: refused, and still on the worklist (nobody answered). */
    snprintf(sql, sizeof sql,
             "UPDATE checkins SET expires_at = '2020-01-10T00:00:00Z' WHERE id = '%s' AND "
             "current = 1",
             v.ci2);
    api_db_exec(sql);
    api_err(NULL, "GET", NULL, 422, "unprocessable", "token", "/api/v1/checkin/%s", v.tok2);
    api_err(NULL, "POST", calm_answers, 422, "unprocessable", "token", "/api/v1/checkin/%s",
            v.tok2);
    od = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/checkins/overdue");
    assert_int_equal(api_count_items(od, "id", v.ci2), 1);
    assert_int_equal(api_count_items(od, "status", "expired") >= 1, 1);
    json_decref(od);
    api_err(api.practitioner, "POST", NULL, 409, "conflict", "status",
            "/api/v1/checkins/%s/reissue", v.ci2);
    /* Reissue the day-14 link: the old token dies, the new one works. */
    json_t *re = api_ok(api.practitioner, "POST", NULL, 200, "/api/v1/checkins/%s/reissue", v.ci14);
    char fresh[MD_TOKEN_STR];
    snprintf(fresh, sizeof fresh, "%s", api_str(re, "token"));
    assert_string_not_equal(fresh, v.tok14);
    json_decref(re);
    api_err(NULL, "GET", NULL, 404, "not_found", "token", "/api/v1/checkin/%s", v.tok14);
    json_decref(api_ok(NULL, "GET", NULL, 200, "/api/v1/checkin/%s", fresh));
    /* Cancel: a reason is required; then the link is dead. */
    api_err(api.practitioner, "POST", "{}", 400, "invalid", "reason", "/api/v1/checkins/%s/cancel",
            v.ci14);
    api_err(api.reception, "POST", "{\"reason\":\"moved away\"}", 403, "forbidden", NULL,
            "/api/v1/checkins/%s/cancel", v.ci14);
    json_t *c = api_ok(api.practitioner, "POST", "{\"reason\":\"patient moved away\"}", 200,
                       "/api/v1/checkins/%s/cancel", v.ci14);
    assert_string_equal(api_str(c, "status"), "cancelled");
    assert_string_equal(api_str(c, "reason"), "patient moved away");
    json_decref(c);
    api_err(NULL, "GET", NULL, 404, "not_found", "token", "/api/v1/checkin/%s", fresh);
    api_err(api.practitioner, "POST", "{\"reason\":\"again\"}", 409, "conflict", "status",
            "/api/v1/checkins/%s/cancel", v.ci14);
    /* Every step is a version. */
    json_t *one = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/checkins/%s", v.ci14);
    assert_int_equal(api_int(one, "version"), 4); /* scheduled, reissued, opened, cancelled */
    json_decref(one);
    visit_free(&v);
}

static void the_token_is_never_logged(void **state)
{
    (void)state;
    visit v;
    completed(&v);
    json_decref(api_ok(NULL, "GET", NULL, 200, "/api/v1/checkin/%s", v.tok2));
    json_decref(api_ok(NULL, "POST", calm_answers, 200, "/api/v1/checkin/%s", v.tok2));
    api_res page;
    char path[160];
    snprintf(path, sizeof path, "/ci/%s", v.tok14);
    api_req q = {.method = "GET", .path = path};
    api_send(NULL, &q, &page);
    api_res_free(&page);
    api_sleep_ms(300);
    char *log = server_log();
    assert_non_null(strstr(log, "/api/v1/checkin/{token}"));
    assert_null(strstr(log, v.tok2));
    assert_null(strstr(log, v.tok14));
    free(log);
    visit_free(&v);
}

/* The escalation worklist's entry for a check-in, NULL when none (new reference). */
static json_t *escalation_of(const char *checkin_id)
{
    json_t *w = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/escalations"), *hit = NULL;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(w, "items"), i, e)
    {
        if (strcmp(api_str(e, "source"), "checkin") == 0 &&
            strcmp(api_str(e, "source_id"), checkin_id) == 0)
            hit = json_incref(e);
    }
    json_decref(w);
    return hit;
}

static void a_red_flag_reaches_the_worklist_at_once(void **state)
{
    (void)state;
    visit v, calm;
    char body[1024];
    json_decref(
        api_ok(api.admin, "PATCH", "{\"phone\":\"+44 20 7946 0123\"}", 200, "/api/v1/clinic"));
    completed(&v);
    json_t *ok = api_ok(
        NULL, "POST",
        answers_with(body, sizeof body, "\"vision_change\":\"no\"", "\"vision_change\":\"yes\""),
        200, "/api/v1/checkin/%s", v.tok2);
    assert_true(json_is_true(json_object_get(ok, "call_now")));
    assert_string_equal(api_str(ok, "clinic_phone"), "+44 20 7946 0123");
    assert_non_null(strstr(api_str(ok, "message"), "+44 20 7946 0123"));
    assert_non_null(strstr(api_str(ok, "message"), "Demo Clinic"));
    json_decref(ok);
    json_t *e = escalation_of(v.ci2);
    assert_non_null(e);
    assert_string_equal(api_str(e, "reason"), "checkin_red_flag");
    assert_string_equal(api_str(json_object_get(e, "patient"), "id"), v.f.pid);
    json_t *flags = json_object_get(json_object_get(e, "detail"), "red_flags");
    assert_string_equal(json_string_value(json_array_get(flags, 0)), "vision_change");
    json_decref(e);
    json_t *one = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/checkins/%s", v.ci2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(one, "red_flags"), 0)),
                        "vision_change");
    json_decref(one);
    /* Answers without a red flag: not on the worklist. */
    json_decref(api_ok(NULL, "POST", calm_answers, 200, "/api/v1/checkin/%s", v.tok14));
    assert_null(escalation_of(v.ci14));
    /* No number on file: still call now, and the answer says the number is not on file. */
    json_decref(api_ok(api.admin, "PATCH", "{\"phone\":null}", 200, "/api/v1/clinic"));
    completed(&calm);
    ok = api_ok(NULL, "POST", answers_with(body, sizeof body, "\"pain_now\":1", "\"pain_now\":8"),
                200, "/api/v1/checkin/%s", calm.tok2);
    assert_true(json_is_true(json_object_get(ok, "call_now")));
    assert_true(json_is_null(json_object_get(ok, "clinic_phone")));
    assert_non_null(strstr(api_str(ok, "message"), "not on file"));
    json_decref(ok);
    e = escalation_of(calm.ci2);
    assert_non_null(e);
    json_decref(e);
    json_decref(
        api_ok(api.admin, "PATCH", "{\"phone\":\"+44 20 7946 0123\"}", 200, "/api/v1/clinic"));
    visit_free(&v);
    visit_free(&calm);
}

/* The day-14 check-in asks the outcome scales (outcome.h); the patient's ratings become the
 * session's patient scores in the same write. */
static void the_patient_rates_the_result_on_day_14(void **state)
{
    (void)state;
    visit v;
    char body[1200], with[1200];
    completed(&v);
    json_t *form = api_ok(NULL, "GET", NULL, 200, "/api/v1/checkin/%s", v.tok14);
    json_t *oq = json_object_get(form, "outcome_questions");
    assert_true(json_array_size(oq) >= 1);
    assert_string_equal(api_str(json_array_get(oq, 0), "code"), "outcome.gais");
    json_decref(form);
    form = api_ok(NULL, "GET", NULL, 200, "/api/v1/checkin/%s", v.tok2);
    assert_int_equal(json_array_size(json_object_get(form, "outcome_questions")), 0);
    json_decref(form);
    /* a rating not asked on this day, a score off the scale, not a number */
    answers_with(body, sizeof body, "\"bruising\":\"yes\"", "\"outcome.gais\":2");
    api_err(NULL, "POST", body, 400, "invalid", "answers.outcome.gais", "/api/v1/checkin/%s",
            v.tok2);
    answers_with(body, sizeof body, "\"bruising\":\"yes\"", "\"outcome.gais\":9");
    api_err(NULL, "POST", body, 400, "invalid", "answers.outcome.gais", "/api/v1/checkin/%s",
            v.tok14);
    answers_with(body, sizeof body, "\"bruising\":\"yes\"", "\"outcome.gais\":\"good\"");
    api_err(NULL, "POST", body, 400, "invalid", "answers.outcome.gais", "/api/v1/checkin/%s",
            v.tok14);
    answers_with(body, sizeof body, "\"bruising\":\"yes\"", "\"outcome.nope\":1");
    api_err(NULL, "POST", body, 400, "invalid", "answers.outcome.nope", "/api/v1/checkin/%s",
            v.tok14);
    /* nothing was stored by the refusals */
    json_t *none =
        api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/sessions/%s/outcomes", v.f.sid);
    assert_int_equal(json_array_size(json_object_get(none, "items")), 0);
    json_decref(none);
    answers_with(with, sizeof with, "\"bruising\":\"yes\"",
                 "\"outcome.gais\":2,\"outcome.satisfaction\":4");
    json_decref(api_ok(NULL, "POST", with, 200, "/api/v1/checkin/%s", v.tok14));
    json_t *sc =
        api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/sessions/%s/outcomes", v.f.sid);
    json_t *items = json_object_get(sc, "items");
    assert_int_equal(json_array_size(items), 2);
    size_t i;
    json_t *e;
    json_array_foreach(items, i, e)
    {
        assert_string_equal(api_str(e, "rater"), "patient");
        assert_string_equal(api_str(e, "rater_id"), v.ci14);
        if (strcmp(api_str(e, "scale"), "gais") == 0) assert_int_equal(api_int(e, "score"), 2);
    }
    json_decref(sc);
    json_t *one = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/checkins/%s", v.ci14);
    assert_int_equal(api_int(json_object_get(one, "answers"), "outcome.gais"), 2);
    json_decref(one);
    visit_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(completing_a_session_makes_the_links),
        cmocka_unit_test(the_patient_opens_and_answers_once),
        cmocka_unit_test(the_photo_must_be_an_image_and_loses_its_metadata),
        cmocka_unit_test(overdue_expired_reissued_and_cancelled_links),
        cmocka_unit_test(the_token_is_never_logged),
        cmocka_unit_test(a_red_flag_reaches_the_worklist_at_once),
        cmocka_unit_test(the_patient_rates_the_result_on_day_14),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
