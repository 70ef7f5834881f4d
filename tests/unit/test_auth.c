/*
 * Unit tests: the sign-in throttle, in the store (reserve, then settle; a driven clock;
 * many connections at once; per address; a reopened database; old rows cleaned) and the
 * gate that caps concurrent password hashing.  Under tests/pg_harness.sh the throttle's
 * database is a PostgreSQL one.
 */
#include "mesodesk/auth.h"
#include "mesodesk/util.h"
#include "unit_db.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>

#define THREADS 30

static unit_db U; /* the group's database */

/* Reserve (begin) and settle (end) an attempt for email from addr (NULL: no address). */
static md_code from(const char *email, const char *addr, int64_t t, int64_t *wait, md_err *err)
{
    md_login_who w = {email, addr, NULL};
    return md_login_throttle_begin(U.db, &w, t, wait, err);
}

static void settle(const char *email, const char *addr, md_attempt outcome, int64_t t)
{
    md_err err;
    md_login_who w = {email, addr, NULL};
    assert_int_equal(md_login_throttle_end(U.db, &w, outcome, t, &err), MD_OK);
}

static md_code tb(const char *email, int64_t t, int64_t *wait, md_err *err)
{
    return from(email, NULL, t, wait, err);
}

static void te(const char *email, md_attempt outcome, int64_t t)
{
    settle(email, NULL, outcome, t);
}

static void treset(void)
{
    md_err err;
    assert_int_equal(md_login_throttle_reset(U.db, &err), MD_OK);
    md_login_throttle_set_address_limit(MD_LOGIN_ADDRESS_FAILURES);
}

/* One checked failure at t: the attempt must be allowed. */
static void fail_at(const char *email, int64_t t)
{
    md_err err;
    assert_int_equal(tb(email, t, NULL, &err), MD_OK);
    te(email, MD_ATTEMPT_FAILED, t);
}

/* Whether an attempt at t would be allowed (the reservation is given back unchecked). */
static md_code allowed_at(const char *email, int64_t t, int64_t *wait)
{
    md_err err;
    md_code rc = tb(email, t, wait, &err);
    if (rc == MD_OK) te(email, MD_ATTEMPT_UNCHECKED, t);
    return rc;
}

static void the_lock_grows_lapses_and_is_forgotten(void **state)
{
    (void)state;
    treset();
    int64_t t = 1000000, wait = 0;
    for (int i = 0; i < 4; i++)
        fail_at("x@y.z", t);
    assert_int_equal(allowed_at("x@y.z", t, &wait), MD_OK);
    assert_int_equal(wait, 0);
    fail_at("x@y.z", t);
    assert_int_equal(allowed_at("x@y.z", t, &wait), MD_ELIMIT);
    assert_int_equal(wait, 30);
    /* Case does not matter. */
    assert_int_equal(allowed_at("X@Y.Z", t + 29, &wait), MD_ELIMIT);
    assert_int_equal(wait, 1);
    /* The lock lapses; the next failure locks for twice as long, up to 15 minutes. */
    assert_int_equal(allowed_at("x@y.z", t + 30, &wait), MD_OK);
    fail_at("x@y.z", t + 30);
    assert_int_equal(allowed_at("x@y.z", t + 30, &wait), MD_ELIMIT);
    assert_int_equal(wait, 60);
    t += 90;
    for (int i = 0; i < 10; i++) {
        fail_at("x@y.z", t);
        allowed_at("x@y.z", t, &wait);
        t += wait;
    }
    assert_int_equal(wait, 15 * 60);
    /* A success forgets the count: four failures are free again. */
    md_err err;
    assert_int_equal(tb("x@y.z", t, NULL, &err), MD_OK);
    te("x@y.z", MD_ATTEMPT_SUCCEEDED, t);
    for (int i = 0; i < 4; i++)
        fail_at("x@y.z", t);
    assert_int_equal(allowed_at("x@y.z", t, &wait), MD_OK);
    /* Forgotten after a day idle. */
    fail_at("x@y.z", t);
    assert_int_equal(allowed_at("x@y.z", t, &wait), MD_ELIMIT);
    t += 24 * 3600 + 1;
    fail_at("x@y.z", t);
    assert_int_equal(allowed_at("x@y.z", t, &wait), MD_OK);
    treset();
}

static void reservations_in_flight_count_against_the_allowance(void **state)
{
    (void)state;
    treset();
    md_err err;
    int64_t t = 2000000, wait = 0;
    /* Five may be checked at once; a sixth waits for their outcome. */
    for (int i = 0; i < 5; i++)
        assert_int_equal(tb("p@q.r", t, &wait, &err), MD_OK);
    assert_int_equal(tb("p@q.r", t, &wait, &err), MD_ELIMIT);
    assert_string_equal(err.field, "email");
    assert_int_equal(wait, MD_THROTTLE_BUSY_WAIT);
    /* An attempt that was never checked gives its place back. */
    te("p@q.r", MD_ATTEMPT_UNCHECKED, t);
    assert_int_equal(tb("p@q.r", t, &wait, &err), MD_OK);
    /* A success while others are in flight clears the count, not their reservations. */
    te("p@q.r", MD_ATTEMPT_SUCCEEDED, t);
    assert_int_equal(tb("p@q.r", t, &wait, &err), MD_OK);
    assert_int_equal(tb("p@q.r", t, &wait, &err), MD_ELIMIT);
    /* Four of the five fail: the one still in flight is all the allowance left. */
    for (int i = 0; i < 4; i++)
        te("p@q.r", MD_ATTEMPT_FAILED, t);
    assert_int_equal(tb("p@q.r", t, &wait, &err), MD_ELIMIT);
    assert_int_equal(wait, MD_THROTTLE_BUSY_WAIT);
    te("p@q.r", MD_ATTEMPT_FAILED, t);
    assert_int_equal(tb("p@q.r", t, &wait, &err), MD_ELIMIT);
    assert_int_equal(wait, 30);
    /* After a lapsed lock the next failure locks again: one attempt at a time. */
    t += 30;
    assert_int_equal(tb("p@q.r", t, &wait, &err), MD_OK);
    assert_int_equal(tb("p@q.r", t, &wait, &err), MD_ELIMIT);
    assert_int_equal(wait, MD_THROTTLE_BUSY_WAIT);
    te("p@q.r", MD_ATTEMPT_FAILED, t);
    assert_int_equal(tb("p@q.r", t, &wait, &err), MD_ELIMIT);
    assert_int_equal(wait, 60);
    treset();
}

/* --- many threads released at once --- */

typedef struct race {
    pthread_barrier_t go;
    pthread_t th[THREADS];
    md_code rc[THREADS];
    md_err err[THREADS];
    int n;
    int index[THREADS];
} race;

static race the_race;
static md_store *conns[THREADS]; /* one connection per racer: as many request threads */

static void *throttle_racer(void *p)
{
    int i = *(int *)p;
    pthread_barrier_wait(&the_race.go);
    md_login_who w = {"race@y.z", "198.51.100.1", NULL};
    the_race.rc[i] = md_login_throttle_begin(conns[i], &w, 3000000, NULL, &the_race.err[i]);
    return NULL;
}

static void *hash_racer(void *p)
{
    int i = *(int *)p;
    char out[128];
    pthread_barrier_wait(&the_race.go);
    the_race.rc[i] = md_password_hash("a-long-password", out, sizeof out, &the_race.err[i]);
    return NULL;
}

/* Run n threads of fn released together; count the MD_OK and the MD_ELIMIT answers. */
static void run_race(int n, void *(*fn)(void *), int *ok, int *limited)
{
    race *r = &the_race;
    memset(r, 0, sizeof *r);
    r->n = n;
    assert_int_equal(pthread_barrier_init(&r->go, NULL, (unsigned)n), 0);
    for (int i = 0; i < n; i++) {
        r->index[i] = i;
        assert_int_equal(pthread_create(&r->th[i], NULL, fn, &r->index[i]), 0);
    }
    for (int i = 0; i < n; i++)
        pthread_join(r->th[i], NULL);
    pthread_barrier_destroy(&r->go);
    *ok = *limited = 0;
    for (int i = 0; i < n; i++) {
        if (r->rc[i] == MD_OK)
            (*ok)++;
        else if (r->rc[i] == MD_ELIMIT)
            (*limited)++;
        else
            fail_msg("racer %d: code %d: %s", i, r->rc[i], r->err[i].message);
    }
}

/* Thirty connections (as thirty request threads, or processes, would hold) at once. */
static void thirty_at_once_reserve_exactly_five(void **state)
{
    (void)state;
    treset();
    md_err err;
    int ok, limited;
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(md_store_open(U.path, &conns[i], &err), MD_OK);
    run_race(THREADS, throttle_racer, &ok, &limited);
    for (int i = 0; i < THREADS; i++)
        md_store_close(conns[i]);
    assert_int_equal(ok, 5);
    assert_int_equal(limited, THREADS - 5);
    for (int i = 0; i < 5; i++)
        te("race@y.z", MD_ATTEMPT_FAILED, 3000000);
    int64_t wait = 0;
    assert_int_equal(allowed_at("race@y.z", 3000000, &wait), MD_ELIMIT);
    assert_int_equal(wait, 30);
    treset();
}

static void hash_limits_follow_the_memory_budget(void **state)
{
    (void)state;
    md_hash_limits l = md_hash_limits_for(MD_HASH_MEMORY_DEFAULT, 16);
    assert_int_equal(l.slots, 2);
    assert_int_equal(l.queue, 3); /* the five checks one email may fail, all at once */
    assert_int_equal(l.wait_ms, MD_HASH_WAIT_MS);
    l = md_hash_limits_for((size_t)1 << 30, 16); /* 16 hashes' worth: still half the threads */
    assert_int_equal(l.slots, 8);
    assert_int_equal(l.queue, 0);
    l = md_hash_limits_for((size_t)64 << 20, 4); /* half of 4 threads: 2 inside the gate */
    assert_int_equal(l.slots, 1);
    assert_int_equal(l.queue, 1);
    l = md_hash_limits_for((size_t)192 << 20, 64);
    assert_int_equal(l.slots, 3);
    assert_int_equal(l.queue, 2);
    l = md_hash_limits_for((size_t)1 << 20, 1); /* less than one hash: one at a time */
    assert_int_equal(l.slots, 1);
    assert_int_equal(l.queue, 0);
    /* Before any setting, the default budget and 16 threads. */
    md_hash_limits now = md_hash_limits_get();
    assert_int_equal(now.slots, 2);
    assert_int_equal(now.queue, 3);
}

static void hashing_is_capped_and_a_full_queue_refuses(void **state)
{
    (void)state;
    md_hash_limits saved = md_hash_limits_get(), l = {2, 3, 10000};
    md_hash_limits_set(&l);
    md_hash_peak(1);
    int ok, limited;
    run_race(12, hash_racer, &ok, &limited);
    /* Never more than two at once; two running and three waiting all got their hash. */
    assert_true(md_hash_peak(0) <= 2);
    assert_true(ok >= 5);
    assert_true(limited >= 1);
    assert_int_equal(ok + limited, 12);
    for (int i = 0; i < 12; i++)
        if (the_race.rc[i] == MD_ELIMIT) assert_string_equal(the_race.err[i].field, "");
    /* A wait that lapses is refused too. */
    md_hash_limits brief = {1, 4, 1};
    md_hash_limits_set(&brief);
    run_race(5, hash_racer, &ok, &limited);
    assert_true(ok >= 1);
    assert_true(limited >= 1);
    assert_true(md_hash_peak(0) <= 2);
    md_hash_limits_set(&saved);
}

static void passwords_check_against_their_hash(void **state)
{
    (void)state;
    char hash[128];
    md_err err;
    assert_int_equal(md_password_hash("short", hash, sizeof hash, &err), MD_EINVAL);
    assert_string_equal(err.field, "password");
    assert_int_equal(md_password_hash("a-long-password", hash, sizeof hash, &err), MD_OK);
    assert_int_equal(md_password_check(hash, "a-long-password", &err), MD_OK);
    assert_int_equal(md_password_check(hash, "a-long-passworD", &err), MD_EUNAUTH);
    assert_string_equal(err.field, "password");
    /* No account: checked against a fixed hash, never a match. */
    assert_int_equal(md_password_check(NULL, "not-a-real-password", &err), MD_EUNAUTH);
    assert_int_equal(md_password_check(NULL, "a-long-password", &err), MD_EUNAUTH);
}

/* --- per client address --- */

/* n failures from addr, one for each of n fresh emails (tag + index). */
static void fail_emails(const char *tag, int n, const char *addr, int64_t t)
{
    md_err err;
    char email[64];
    for (int i = 0; i < n; i++) {
        snprintf(email, sizeof email, "%s-%d@y.z", tag, i);
        assert_int_equal(from(email, addr, t, NULL, &err), MD_OK);
        settle(email, addr, MD_ATTEMPT_FAILED, t);
    }
}

static void an_address_that_tries_many_emails_waits(void **state)
{
    (void)state;
    treset();
    md_login_throttle_set_address_limit(6);
    md_err err;
    int64_t t = 4000000, wait = 0;
    const char *addr = "203.0.113.9";
    /* Five failures, each for another email, and a success: the address may still try. */
    fail_emails("a", 5, addr, t);
    assert_int_equal(from("ok@y.z", addr, t, &wait, &err), MD_OK);
    settle("ok@y.z", addr, MD_ATTEMPT_SUCCEEDED, t);
    assert_int_equal(from("fresh@y.z", addr, t, &wait, &err), MD_OK);
    settle("fresh@y.z", addr, MD_ATTEMPT_UNCHECKED, t);
    /* The sixth failure locks the address, whatever email it tries next: the success did
     * not forgive it. */
    fail_emails("b", 1, addr, t);
    assert_int_equal(from("fresh@y.z", addr, t, &wait, &err), MD_ELIMIT);
    assert_string_equal(err.field, "");
    assert_non_null(strstr(err.message, "this address"));
    assert_int_equal(wait, 30);
    /* Another address, or none, is not held up; nor is the email itself. */
    assert_int_equal(from("fresh@y.z", "203.0.113.10", t, &wait, &err), MD_OK);
    settle("fresh@y.z", "203.0.113.10", MD_ATTEMPT_UNCHECKED, t);
    assert_int_equal(from("fresh@y.z", NULL, t, &wait, &err), MD_OK);
    settle("fresh@y.z", NULL, MD_ATTEMPT_UNCHECKED, t);
    /* The lock lapses: one attempt at a time, and the next failure locks for twice as long. */
    t += 30;
    assert_int_equal(from("c@y.z", addr, t, &wait, &err), MD_OK);
    assert_int_equal(from("d@y.z", addr, t, &wait, &err), MD_ELIMIT);
    assert_int_equal(wait, MD_THROTTLE_BUSY_WAIT);
    settle("c@y.z", addr, MD_ATTEMPT_FAILED, t);
    assert_int_equal(from("d@y.z", addr, t, &wait, &err), MD_ELIMIT);
    assert_int_equal(wait, 60);
    /* An hour without an attempt forgets the address. */
    t += 60 + 3601;
    fail_emails("e", 5, addr, t);
    assert_int_equal(from("fresh@y.z", addr, t, &wait, &err), MD_OK);
    settle("fresh@y.z", addr, MD_ATTEMPT_UNCHECKED, t);
    treset();
}

/* The email's limit and the address's are both reserved: an address with attempts in
 * flight for many emails waits for their outcome. */
static void an_address_reserves_its_allowance_too(void **state)
{
    (void)state;
    treset();
    md_login_throttle_set_address_limit(3);
    md_err err;
    int64_t t = 5000000, wait = 0;
    assert_int_equal(from("a@y.z", "192.0.2.1", t, &wait, &err), MD_OK);
    assert_int_equal(from("b@y.z", "192.0.2.1", t, &wait, &err), MD_OK);
    assert_int_equal(from("c@y.z", "192.0.2.1", t, &wait, &err), MD_OK);
    assert_int_equal(from("d@y.z", "192.0.2.1", t, &wait, &err), MD_ELIMIT);
    assert_int_equal(wait, MD_THROTTLE_BUSY_WAIT);
    /* The refused attempt reserved nothing for d@y.z: from elsewhere it has its five. */
    for (int i = 0; i < 5; i++)
        assert_int_equal(from("d@y.z", i < 3 ? "192.0.2.2" : "192.0.2.3", t, &wait, &err), MD_OK);
    assert_int_equal(from("d@y.z", "192.0.2.4", t, &wait, &err), MD_ELIMIT);
    assert_string_equal(err.field, "email");
    treset();
}

/* A process killed between begin and end leaves its reservations: they lapse. */
static void reservations_of_a_dead_process_lapse(void **state)
{
    (void)state;
    treset();
    md_err err;
    int64_t t = 6000000, wait = 0;
    for (int i = 0; i < 5; i++)
        assert_int_equal(tb("dead@y.z", t, &wait, &err), MD_OK);
    assert_int_equal(tb("dead@y.z", t + 60, &wait, &err), MD_ELIMIT);
    assert_int_equal(wait, MD_THROTTLE_BUSY_WAIT);
    assert_int_equal(tb("dead@y.z", t + 60 + 121, &wait, &err), MD_OK);
    treset();
}

/* The count is in the database: another connection sees it, and so does a database
 * opened afresh (a restarted server). */
static void the_count_survives_a_reopen(void **state)
{
    (void)state;
    treset();
    md_err err;
    md_store *other = NULL;
    int64_t t = 7000000, wait = 0;
    for (int i = 0; i < 5; i++)
        fail_at("kept@y.z", t);
    assert_int_equal(md_store_open(U.path, &other, &err), MD_OK);
    md_login_who w = {"kept@y.z", NULL, NULL};
    assert_int_equal(md_login_throttle_begin(other, &w, t + 10, &wait, &err), MD_ELIMIT);
    assert_int_equal(wait, 20);
    md_store_close(other);
    md_store_close(U.db);
    assert_int_equal(md_store_open(U.path, &U.db, &err), MD_OK);
    assert_int_equal(allowed_at("kept@y.z", t + 20, &wait), MD_ELIMIT);
    assert_int_equal(wait, 10);
    treset();
}

/* Rows idle for a day go, a bounded number per attempt. */
static void old_rows_are_cleaned_a_few_at_a_time(void **state)
{
    (void)state;
    treset();
    int64_t t = 8000000, n = 0;
    md_err err;
    char tag[16];
    for (int i = 0; i < 40; i++) {
        snprintf(tag, sizeof tag, "old%d", i);
        fail_emails(tag, 1, NULL, t);
    }
    assert_int_equal(
        md_store_scalar_int(U.db, "SELECT count(*) FROM login_throttle", NULL, 0, &n, &err), MD_OK);
    assert_int_equal(n, 40);
    t += 24 * 3600 + 1;
    assert_int_equal(allowed_at("new@y.z", t, NULL), MD_OK);
    assert_int_equal(
        md_store_scalar_int(U.db, "SELECT count(*) FROM login_throttle", NULL, 0, &n, &err), MD_OK);
    assert_int_equal(n, 40 - 16);
    /* An unknown email's row carries the sentinel clinic; the address's too. */
    fail_emails("s", 1, "192.0.2.7", t);
    assert_int_equal(md_store_scalar_int(U.db,
                                         "SELECT count(*) FROM login_throttle WHERE "
                                         "clinic_id = '*' AND last_at = $1",
                                         (md_val[]){md_int(t)}, 1, &n, &err),
                     MD_OK);
    assert_int_equal(n, 2);
    treset();
}

static int setup(void **state)
{
    (void)state;
    if (md_init() != 0) return -1;
    unit_db_open(&U, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unit_db_close(&U);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hash_limits_follow_the_memory_budget),
        cmocka_unit_test(the_lock_grows_lapses_and_is_forgotten),
        cmocka_unit_test(reservations_in_flight_count_against_the_allowance),
        cmocka_unit_test(thirty_at_once_reserve_exactly_five),
        cmocka_unit_test(an_address_that_tries_many_emails_waits),
        cmocka_unit_test(an_address_reserves_its_allowance_too),
        cmocka_unit_test(reservations_of_a_dead_process_lapse),
        cmocka_unit_test(the_count_survives_a_reopen),
        cmocka_unit_test(old_rows_are_cleaned_a_few_at_a_time),
        cmocka_unit_test(hashing_is_capped_and_a_full_queue_refuses),
        cmocka_unit_test(passwords_check_against_their_hash),
    };
    return cmocka_run_group_tests_name("unit.auth", tests, setup, teardown);
}
