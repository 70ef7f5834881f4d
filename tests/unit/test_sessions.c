/* Unit tests: sessions (session.h): last_seen is refreshed once per minute per session, by one
 * request at a time however many check the session together, each session on its own. */
#include "mesodesk/auth.h"
#include "unit_db.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>

#define CHECKERS 8

static pthread_mutex_t count_mu = PTHREAD_MUTEX_INITIALIZER;
static int refreshes;

static void count_refreshes(void *ctx, const char *sql)
{
    (void)ctx;
    if (strncmp(sql, "UPDATE sessions SET last_seen", 29) != 0) return;
    pthread_mutex_lock(&count_mu);
    refreshes++;
    pthread_mutex_unlock(&count_mu);
}

typedef struct checker {
    const char *uri, *token;
    pthread_barrier_t *start;
    md_store *db;
    md_code rc;
    int64_t expires_at;
} checker;

static void *check_once(void *arg)
{
    checker *c = arg;
    md_principal who;
    md_err err;
    pthread_barrier_wait(c->start);
    c->rc = md_session_check(c->db, c->token, &who, &c->expires_at, &err);
    return NULL;
}

/* A signed-in session whose last_seen is set to `ago` seconds back; its token in token. */
static void stale_session(unit_db *u, const char *email, int64_t ago, char token[MD_TOKEN_STR])
{
    md_err err;
    json_t *in = json_pack("{s:s,s:s,s:s}", "email", email, "display_name", "Checker", "role",
                           "reception"),
           *staff = NULL;
    assert_int_equal(md_staff_create(&u->ctx, in, "a-long-password", &staff, &err), MD_OK);
    json_decref(staff);
    json_decref(in);
    md_login_result lr;
    md_ctx c = u->ctx;
    assert_int_equal(md_login(&c, email, "a-long-password", &lr, &err), MD_OK);
    memcpy(token, lr.token, MD_TOKEN_STR);
    char th[65];
    md_token_hash(token, th);
    md_val v[] = {md_int(md_now() - ago), md_text(th)};
    assert_int_equal(md_store_exec(u->db,
                                   "UPDATE sessions SET last_seen = $1 WHERE token_hash = $2", v, 2,
                                   NULL, NULL, &err),
                     MD_OK);
}

static int64_t last_seen_of(unit_db *u, const char *token)
{
    char th[65];
    int64_t t = -1;
    md_err err;
    md_token_hash(token, th);
    md_val v[] = {md_text(th)};
    assert_int_equal(md_store_scalar_int(u->db,
                                         "SELECT last_seen FROM sessions WHERE token_hash = $1", v,
                                         1, &t, &err),
                     MD_OK);
    return t;
}

static void concurrent_checks_refresh_last_seen_once(void **state)
{
    unit_db *u = *state;
    char token[MD_TOKEN_STR];
    stale_session(u, "checker@unit.clinic", 120, token);
    checker c[CHECKERS];
    pthread_t th[CHECKERS];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, CHECKERS);
    md_err err;
    for (int i = 0; i < CHECKERS; i++) {
        c[i] = (checker){u->path, token, &start, NULL, MD_EINTERNAL, 0};
        assert_int_equal(md_store_open(u->path, &c[i].db, &err), MD_OK);
    }
    int64_t before = md_now();
    refreshes = 0;
    md_store_set_trace(count_refreshes, NULL);
    for (int i = 0; i < CHECKERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, check_once, &c[i]), 0);
    for (int i = 0; i < CHECKERS; i++)
        pthread_join(th[i], NULL);
    /* Within the minute, further checks write nothing either. */
    md_principal who;
    assert_int_equal(md_session_check(u->db, token, &who, NULL, &err), MD_OK);
    md_store_set_trace(NULL, NULL);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < CHECKERS; i++) {
        assert_int_equal(c[i].rc, MD_OK);
        /* Every check counts the session as seen now, written or not. */
        assert_true(c[i].expires_at >= before + MD_SESSION_IDLE);
        md_store_close(c[i].db);
    }
    assert_int_equal(refreshes, 1);
    assert_true(last_seen_of(u, token) >= before);
}

/* Each session is refreshed on its own: one session's refresh does not stand for another's. */
static void sessions_are_refreshed_each_on_its_own(void **state)
{
    unit_db *u = *state;
    char one[MD_TOKEN_STR], two[MD_TOKEN_STR];
    stale_session(u, "one@unit.clinic", 120, one);
    stale_session(u, "two@unit.clinic", 120, two);
    md_principal who;
    md_err err;
    int64_t before = md_now();
    refreshes = 0;
    md_store_set_trace(count_refreshes, NULL);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(md_session_check(u->db, one, &who, NULL, &err), MD_OK);
        assert_int_equal(md_session_check(u->db, two, &who, NULL, &err), MD_OK);
    }
    md_store_set_trace(NULL, NULL);
    assert_int_equal(refreshes, 2);
    assert_true(last_seen_of(u, one) >= before);
    assert_true(last_seen_of(u, two) >= before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(concurrent_checks_refresh_last_seen_once, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(sessions_are_refreshed_each_on_its_own, unit_db_setup,
                                        unit_db_teardown),
    };
    return cmocka_run_group_tests_name("unit.sessions", tests, NULL, NULL);
}
