/*
 * test_two_servers.c - two Mesodesk processes on one database: the same SQLite file, or
 * (under tests/pg_harness.sh) the same PostgreSQL database.  Threads drive patient
 * creates, updates and reads at both servers at once, for two clinics; afterwards each
 * clinic's audit chain is one chain (intact by the API of either server and by `mesodesk
 * audit verify`, seqs contiguous from 1 up to its head) holding exactly one set of
 * entries per audited request, under that request's id.
 */
#include "support.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define THREADS 8 /* half at each server */
#define ROUNDS 12 /* per thread: create at its server, update at the other, read at its own */
#define STEPS 3

static api_server second;

typedef struct step {
    long status;
    char request_id[MD_ID_STR];
} step;

typedef struct worker {
    pthread_t thread;
    int index;
    const char *token;
    char family[16];
    char patient[ROUNDS][MD_ID_STR];
    step steps[ROUNDS][STEPS]; /* create, update, read */
} worker;

/* Entries one request of each kind leaves in the trail, measured before the load. */
static json_int_t per_step[STEPS];

static int setup(void **state)
{
    api_setup(state);
    api_server_start_sharing(&second, &api.srv, "second");
    return 0;
}

static int teardown(void **state)
{
    int st = api_server_stop(&second);
    api_teardown(state);
    if (st != 0) fail_msg("the second server exited with status %d after SIGTERM", st);
    return 0;
}

static void send_to(CURL *h, const api_server *srv, const char *method, const char *path,
                    const char *token, const char *body, step *out, json_t **json)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", srv->url, path);
    api_req q = {method, url, token, body, 0, 0, NULL};
    api_res r;
    api_send(h, &q, &r);
    out->status = r.status;
    md_strlcpy(out->request_id, r.request_id, sizeof out->request_id);
    if (json) *json = r.json ? json_incref(r.json) : NULL;
    api_res_free(&r);
}

static void *work(void *arg)
{
    worker *w = arg;
    const api_server *mine = w->index % 2 ? &second : &api.srv;
    const api_server *other = mine == &api.srv ? &second : &api.srv;
    CURL *hm = curl_easy_init(), *ho = curl_easy_init();
    for (int i = 0; i < ROUNDS; i++) {
        char body[256], path[96];
        snprintf(body, sizeof body,
                 "{\"given_name\":\"Twin\",\"family_name\":\"%s%c\",\"birth_date\":\"1981-02-03\","
                 "\"sex\":\"female\"}",
                 w->family, 'a' + i); /* one name each: a create reads its namesakes */
        json_t *p = NULL;
        send_to(hm, mine, "POST", "/api/v1/patients", w->token, body, &w->steps[i][0], &p);
        const char *id = p ? json_string_value(json_object_get(p, "id")) : NULL;
        md_strlcpy(w->patient[i], id ? id : "", MD_ID_STR);
        json_decref(p);
        if (!w->patient[i][0]) continue;
        snprintf(path, sizeof path, "/api/v1/patients/%s", w->patient[i]);
        snprintf(body, sizeof body, "{\"phone\":\"+44 20 7946 %04d\",\"reason\":\"round %d\"}",
                 w->index * 100 + i, i);
        send_to(ho, other, "PUT", path, w->token, body, &w->steps[i][1], NULL);
        send_to(hm, mine, "GET", path, w->token, NULL, &w->steps[i][2], NULL);
    }
    curl_easy_cleanup(hm);
    curl_easy_cleanup(ho);
    return NULL;
}

/* How many entries of the patient's trail carry request_id. */
static json_int_t entries_of(const json_t *audit, const char *request_id)
{
    json_int_t n = 0;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(audit, "items"), i, e)
    {
        n += strcmp(api_str(e, "request_id"), request_id) == 0;
    }
    return n;
}

static json_t *verify_at(const api_server *srv, const char *token)
{
    char url[256];
    snprintf(url, sizeof url, "%s/api/v1/audit/verify", srv->url);
    api_req q = {"GET", url, token, NULL, 0, 0, NULL};
    api_res r;
    api_send(NULL, &q, &r);
    if (r.status != 200 || !r.json)
        fail_msg("verify at %s: status %ld: %s", srv->url, r.status, r.text);
    json_t *v = json_incref(r.json);
    api_res_free(&r);
    if (!json_is_true(json_object_get(v, "intact")))
        fail_msg("the chain is broken (at %s): %s", srv->url, api_str(v, "message"));
    /* Intact means contiguous from seq 1; its last entry is the head. */
    assert_int_equal(api_int(v, "entries"), api_int(v, "head_seq"));
    return v;
}

/* Fail when the server's log reports a failed audit write or checkpoint. */
static void no_audit_errors_in_log(const api_server *srv)
{
    char path[320], line[1024];
    snprintf(path, sizeof path, "%s/server.log", srv->dir);
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("no %s", path);
    while (fgets(line, sizeof line, f))
        if (strstr(line, " ERROR audit.")) fail_msg("%s: %s", path, line);
    fclose(f);
}

/* One create, update and read, one after another: what each leaves in the trail. */
static void measure_one_of_each(void)
{
    char rid[STEPS][MD_ID_STR];
    json_t *p = api_ok_rid(api.admin, "POST",
                           "{\"given_name\":\"Solo\",\"family_name\":\"Baseline\","
                           "\"birth_date\":\"1980-01-01\",\"sex\":\"male\"}",
                           201, rid[0], "/api/v1/patients");
    const char *pid = api_str(p, "id");
    json_decref(api_ok_rid(api.admin, "PUT", "{\"phone\":\"+44 20 7946 0000\",\"reason\":\"x\"}",
                           200, rid[1], "/api/v1/patients/%s", pid));
    json_decref(api_ok_rid(api.admin, "GET", NULL, 200, rid[2], "/api/v1/patients/%s", pid));
    json_t *audit =
        api_ok(api.admin, "GET", NULL, 200, "/api/v1/audit?patient_id=%s&limit=1000", pid);
    for (int s = 0; s < STEPS; s++) {
        per_step[s] = entries_of(audit, rid[s]);
        assert_true(per_step[s] >= 1);
    }
    json_decref(audit);
    json_decref(p);
}

static void one_chain_per_clinic_under_two_servers(void **state)
{
    (void)state;
    measure_one_of_each();
    /* The other server sees the same database and the same sessions. */
    json_t *demo0 = verify_at(&second, api.auditor);
    json_t *other0 = verify_at(&second, api.other_admin);

    static worker w[THREADS];
    for (int t = 0; t < THREADS; t++) {
        memset(&w[t], 0, sizeof w[t]);
        w[t].index = t;
        w[t].token = t % 4 == 3 ? api.other_admin : api.admin; /* a quarter for the other clinic */
        api_unique(w[t].family);
        assert_int_equal(pthread_create(&w[t].thread, NULL, work, &w[t]), 0);
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(w[t].thread, NULL);

    /* Every request succeeded, and left its entries under its own request id. */
    json_int_t expect_demo = 0, expect_other = 0;
    for (int t = 0; t < THREADS; t++)
        for (int i = 0; i < ROUNDS; i++) {
            static const long want[STEPS] = {201, 200, 200};
            for (int s = 0; s < STEPS; s++)
                if (w[t].steps[i][s].status != want[s])
                    fail_msg("thread %d round %d step %d: status %ld", t, i, s,
                             w[t].steps[i][s].status);
            json_t *audit = api_ok(w[t].token, "GET", NULL, 200,
                                   "/api/v1/audit?patient_id=%s&limit=1000", w[t].patient[i]);
            json_int_t all = (json_int_t)json_array_size(json_object_get(audit, "items"));
            for (int s = 0; s < STEPS; s++)
                if (entries_of(audit, w[t].steps[i][s].request_id) != per_step[s])
                    fail_msg("thread %d round %d step %d: %lld entries, expected %lld", t, i, s,
                             (long long)entries_of(audit, w[t].steps[i][s].request_id),
                             (long long)per_step[s]);
            assert_int_equal(all, per_step[0] + per_step[1] + per_step[2]);
            if (w[t].token == api.admin)
                expect_demo += all;
            else
                expect_other += all;
            json_decref(audit);
        }

    /* One chain per clinic, by either server, holding exactly those entries more. */
    json_t *demo = verify_at(&api.srv, api.auditor), *demo_b = verify_at(&second, api.auditor);
    json_t *other = verify_at(&api.srv, api.other_admin);
    assert_int_equal(api_int(demo, "entries") - api_int(demo0, "entries"), expect_demo);
    assert_int_equal(api_int(other, "entries") - api_int(other0, "entries"), expect_other);
    assert_int_equal(api_int(demo_b, "entries"), api_int(demo, "entries"));

    /* And offline, with the key: every clinic, while both servers run. */
    char db[320], cmd[1024];
    static char out[1 << 16];
    api_server_db_uri(&api.srv, db, sizeof db);
    snprintf(cmd, sizeof cmd, "timeout 60 '%s' audit verify --db '%s' 2>&1", getenv("MESODESK_BIN"),
             db);
    FILE *p = popen(cmd, "r");
    size_t n = p ? fread(out, 1, sizeof out - 1, p) : 0;
    out[n] = '\0';
    int st = p ? pclose(p) : -1;
    if (!(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0))
        fail_msg("mesodesk audit verify: %s", out);
    json_error_t je;
    json_t *all = json_loads(out, 0, &je);
    if (!all) fail_msg("not JSON: %s", out);
    assert_true(json_is_true(json_object_get(all, "intact")));
    json_decref(all);
    no_audit_errors_in_log(&api.srv);
    no_audit_errors_in_log(&second);
    json_decref(demo0);
    json_decref(other0);
    json_decref(demo);
    json_decref(demo_b);
    json_decref(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_chain_per_clinic_under_two_servers),
    };
    return cmocka_run_group_tests_name("api.two_servers", tests, setup, teardown);
}
