/*
 * test_commit.c - group commit (commit.h): each waiter gets its own batch's outcome, a
 * failed savepoint rolls back only its own work, a failed commit fails exactly the
 * members of that batch, and concurrent writes share batches.
 */
#include "mesodesk/commit.h"
#include "unit_db.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

#include <cmocka.h>

typedef struct job_arg {
    const char *object_id;
    md_code fail_with; /* MD_OK: the job succeeds */
    atomic_int ran;
} job_arg;

/* A write: one audit entry in the savepoint, then the job's chosen outcome. */
static md_code write_entry(md_ctx *ctx, void *arg, md_err *err)
{
    job_arg *j = arg;
    md_audit_entry e = {"update", "patient", j->object_id, j->object_id, NULL};
    md_code rc = md_audit(ctx, &e, err);
    atomic_store(&j->ran, 1);
    if (rc == MD_OK && j->fail_with != MD_OK)
        rc = md_err_set(err, j->fail_with, "version", "refused by the test");
    return rc;
}

static int count_row(void *ctx, const md_row *r)
{
    *(int64_t *)ctx = md_row_int(r, 0);
    return 1;
}

static int64_t entries_for(unit_db *u, const char *object_id)
{
    md_err err;
    int64_t n = 0;
    md_val v[] = {md_text(object_id)};
    assert_int_equal(md_store_exec(u->db, "SELECT count(*) FROM audit_log WHERE object_id = $1", v,
                                   1, count_row, &n, &err),
                     MD_OK);
    return n;
}

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* A waiter that is slow to wake (it has not even looked at its result yet) still reads
 * its own batch's failure after 100 later batches succeeded. */
static void a_slow_waiter_gets_its_own_batch_result(void **state)
{
    unit_db *u = *state;
    md_err err;
    md_committer *c = md_auditor_committer(u->auditor);
    md_ctx ctx = u->ctx;
    ctx.committer = c;
    job_arg slow = {.object_id = "slow"};
    md_commit_job job = {.fn = write_entry, .arg = &slow};
    md_committer_fail_commits(c, 1);
    assert_int_equal(md_commit_submit(c, &ctx, &job, &err), MD_OK);
    /* Its batch is over (its slot posted) before anything else is written; the waiter
     * only peeks and does not take its result yet. */
    int posted = 0;
    while (!posted && sem_getvalue(&job.done, &posted) == 0)
        sleep_us(1000);
    assert_true(atomic_load(&slow.ran));
    uint64_t w0, b0, w1, b1;
    md_committer_stats(c, &w0, &b0);
    for (int i = 0; i < 100; i++) {
        job_arg quick = {.object_id = "quick"};
        assert_int_equal(md_write(&ctx, write_entry, &quick, &err), MD_OK);
    }
    md_committer_stats(c, &w1, &b1);
    assert_int_equal(b1 - b0, 100);
    assert_int_equal(md_commit_wait(&job, &err), MD_EUNAVAILABLE);
    assert_int_equal(err.code, MD_EUNAVAILABLE);
    assert_int_equal(entries_for(u, "slow"), 0);
    assert_int_equal(entries_for(u, "quick"), 100);
}

typedef struct writer {
    unit_db *u;
    const char *object_id;
    md_code fail_with;
    int each;
    md_code rc[64];
    pthread_barrier_t *go;
} writer;

/* Each writer thread has a connection of its own, as a request thread has from the pool. */
static void *write_many(void *arg)
{
    writer *w = arg;
    md_err err;
    md_ctx ctx = w->u->ctx;
    ctx.committer = md_auditor_committer(w->u->auditor);
    if (md_store_open(w->u->path, &ctx.db, &err) != MD_OK) return NULL;
    pthread_barrier_wait(w->go);
    for (int i = 0; i < w->each; i++) {
        job_arg j = {.object_id = w->object_id, .fail_with = w->fail_with};
        /* The begin/finish form, as the domain's write functions use it. */
        md_store *home = ctx.db;
        md_code rc = md_write_begin(&ctx, &err);
        if (rc == MD_OK) rc = md_write_finish(&ctx, write_entry(&ctx, &j, &err), &err);
        w->rc[i] = ctx.db == home ? rc : MD_EINTERNAL; /* the own connection given back */
    }
    md_store_close(ctx.db);
    return NULL;
}

enum { WRITERS = 8, EACH = 25 };

static void run_writers(unit_db *u, writer *w, int n)
{
    pthread_t th[WRITERS];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, (unsigned)n);
    for (int i = 0; i < n; i++) {
        w[i].u = u;
        w[i].go = &go;
        pthread_create(&th[i], NULL, write_many, &w[i]);
    }
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&go);
}

/* Concurrent writes share batches; one writer's refused savepoints roll back its own
 * entries only, and it hears its own error at once. */
static void a_failed_savepoint_rolls_back_only_its_own_work(void **state)
{
    unit_db *u = *state;
    md_err err;
    uint64_t w0, b0, w1, b1;
    md_committer *c = md_auditor_committer(u->auditor);
    md_committer_stats(c, &w0, &b0);
    writer w[WRITERS];
    memset(w, 0, sizeof w);
    for (int i = 0; i < WRITERS; i++) {
        w[i].object_id = i == 0 ? "refused" : "kept";
        w[i].fail_with = i == 0 ? MD_ECONFLICT : MD_OK;
        w[i].each = EACH;
    }
    run_writers(u, w, WRITERS);
    for (int i = 0; i < WRITERS; i++)
        for (int k = 0; k < EACH; k++)
            assert_int_equal(w[i].rc[k], i == 0 ? MD_ECONFLICT : MD_OK);
    assert_int_equal(entries_for(u, "refused"), 0);
    assert_int_equal(entries_for(u, "kept"), (WRITERS - 1) * EACH);
    md_committer_stats(c, &w1, &b1);
    assert_int_equal(w1 - w0, (WRITERS - 1) * EACH);
    assert_true(b1 - b0 < (WRITERS - 1) * EACH); /* shared flushes */
    int64_t checked = 0;
    assert_int_equal(md_audit_verify(u->db, u->ctx.who.clinic_id, &checked, &err), MD_OK);
}

/* A failed COMMIT fails every member of its batch and no other: what was acknowledged
 * is exactly what is stored. */
static void a_failed_commit_fails_exactly_its_members(void **state)
{
    unit_db *u = *state;
    md_committer *c = md_auditor_committer(u->auditor);
    writer w[WRITERS];
    memset(w, 0, sizeof w);
    for (int i = 0; i < WRITERS; i++) {
        w[i].object_id = "maybe";
        w[i].each = EACH;
    }
    md_committer_fail_commits(c, 3);
    run_writers(u, w, WRITERS);
    int64_t ok = 0, failed = 0;
    for (int i = 0; i < WRITERS; i++)
        for (int k = 0; k < EACH; k++) {
            assert_true(w[i].rc[k] == MD_OK || w[i].rc[k] == MD_EUNAVAILABLE);
            ok += w[i].rc[k] == MD_OK;
            failed += w[i].rc[k] == MD_EUNAVAILABLE;
        }
    assert_true(failed >= 3);
    assert_int_equal(entries_for(u, "maybe"), ok);
}

/* Without a committer (the CLI), a write is a transaction of its own on ctx->db; a job's
 * nested begin is a savepoint on the writer connection. */
static void without_a_committer_a_write_is_its_own_transaction(void **state)
{
    unit_db *u = *state;
    md_err err;
    md_ctx ctx = u->ctx; /* committer NULL */
    job_arg j = {.object_id = "direct"};
    assert_int_equal(md_write(&ctx, write_entry, &j, &err), MD_OK);
    assert_int_equal(md_store_in_tx(ctx.db), 0);
    assert_int_equal(entries_for(u, "direct"), 1);
    job_arg bad = {.object_id = "direct", .fail_with = MD_EINVAL};
    assert_int_equal(md_write(&ctx, write_entry, &bad, &err), MD_EINVAL);
    assert_int_equal(entries_for(u, "direct"), 1);
}

static void *stop_thread(void *c)
{
    md_committer_stop(c);
    return NULL;
}

/* Jobs still queued when the committer stops are committed, not dropped. */
static void stop_commits_what_is_queued(void **state)
{
    unit_db *u = *state;
    md_err err;
    md_committer *c = NULL;
    assert_int_equal(md_committer_start(u->path, NULL, &c, &err), MD_OK);
    md_ctx ctx = u->ctx;
    enum { N = 20 };
    job_arg a[N];
    md_commit_job jobs[N];
    for (int i = 0; i < N; i++) {
        a[i] = (job_arg){.object_id = "drained"};
        jobs[i] = (md_commit_job){.fn = write_entry, .arg = &a[i]};
        assert_int_equal(md_commit_submit(c, &ctx, &jobs[i], &err), MD_OK);
    }
    pthread_t th;
    /* Stop from another thread while the results are not yet read. */
    pthread_create(&th, NULL, stop_thread, c);
    for (int i = 0; i < N; i++)
        assert_int_equal(md_commit_wait(&jobs[i], &err), MD_OK);
    pthread_join(th, NULL);
    assert_int_equal(entries_for(u, "drained"), N);
}

static atomic_int group_calls, group_jobs;

/* The group form of write_entry: every job's entry in the one savepoint, failing as the
 * first failing job does. */
static md_code write_entries(md_ctx *ctx, md_commit_job *const *jobs, size_t n, md_err *err)
{
    atomic_fetch_add(&group_calls, 1);
    atomic_fetch_add(&group_jobs, (int)n);
    md_code rc = MD_OK;
    for (size_t i = 0; rc == MD_OK && i < n; i++)
        rc = write_entry(ctx, jobs[i]->arg, err);
    return rc;
}

/* Queue n grouped jobs while a borrower holds the writer connection, so that the writer
 * finds them all queued at once; returns each job's outcome in rcs. */
static void run_queued_group(unit_db *u, job_arg *a, int n, md_code *rcs)
{
    md_err err;
    md_committer *c = md_auditor_committer(u->auditor);
    md_ctx ctx = u->ctx;
    ctx.committer = c;
    md_commit_job jobs[16];
    assert_true(n <= 16);
    atomic_store(&group_calls, 0);
    atomic_store(&group_jobs, 0);
    assert_int_equal(md_write_begin(&ctx, &err), MD_OK);
    for (int i = 0; i < n; i++) {
        jobs[i] = (md_commit_job){.fn = write_entry, .group = write_entries, .arg = &a[i]};
        assert_int_equal(md_commit_submit(c, &ctx, &jobs[i], &err), MD_OK);
    }
    job_arg held = {.object_id = "holder"};
    assert_int_equal(md_write_finish(&ctx, write_entry(&ctx, &held, &err), &err), MD_OK);
    for (int i = 0; i < n; i++)
        rcs[i] = md_commit_wait(&jobs[i], &err);
}

/* Jobs of one group queued together run in one savepoint, each still told its own
 * outcome. */
static void queued_jobs_of_one_group_share_a_savepoint(void **state)
{
    unit_db *u = *state;
    enum { N = 12 };
    job_arg a[N];
    md_code rcs[N];
    for (int i = 0; i < N; i++)
        a[i] = (job_arg){.object_id = "grouped"};
    uint64_t g0, j0, g1, j1;
    md_committer_group_stats(md_auditor_committer(u->auditor), &g0, &j0);
    run_queued_group(u, a, N, rcs);
    md_committer_group_stats(md_auditor_committer(u->auditor), &g1, &j1);
    for (int i = 0; i < N; i++)
        assert_int_equal(rcs[i], MD_OK);
    assert_int_equal(atomic_load(&group_calls), 1);
    assert_int_equal(atomic_load(&group_jobs), N);
    assert_int_equal(g1 - g0, 1);
    assert_int_equal(j1 - j0, N);
    assert_int_equal(entries_for(u, "grouped"), N);
    assert_int_equal(entries_for(u, "holder"), 1);
}

/* A job that fails inside a group fails alone: the group is rolled back and each job runs
 * in a savepoint of its own. */
static void a_failing_job_in_a_group_fails_alone(void **state)
{
    unit_db *u = *state;
    enum { N = 6 };
    job_arg a[N];
    md_code rcs[N];
    for (int i = 0; i < N; i++)
        a[i] = (job_arg){.object_id = i == 3 ? "refused" : "kept"};
    a[3].fail_with = MD_EINVAL;
    run_queued_group(u, a, N, rcs);
    for (int i = 0; i < N; i++)
        assert_int_equal(rcs[i], i == 3 ? MD_EINVAL : MD_OK);
    assert_int_equal(atomic_load(&group_calls), 1);
    assert_int_equal(entries_for(u, "kept"), N - 1);
    assert_int_equal(entries_for(u, "refused"), 0);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct timed_write {
    unit_db *u;
    const char *object_id;
    int64_t began_ms, acked_ms;
    md_code rc;
} timed_write;

/* One write on a connection of its own: when its savepoint was open (began_ms) and when
 * its commit was acknowledged (acked_ms). */
static void *timed_write_main(void *arg)
{
    timed_write *t = arg;
    md_err err;
    md_ctx ctx = t->u->ctx;
    ctx.committer = md_auditor_committer(t->u->auditor);
    if (md_store_open(t->u->path, &ctx.db, &err) != MD_OK) return NULL;
    job_arg j = {.object_id = t->object_id};
    t->rc = md_write_begin(&ctx, &err);
    t->began_ms = now_ms();
    if (t->rc == MD_OK) t->rc = md_write_finish(&ctx, write_entry(&ctx, &j, &err), &err);
    t->acked_ms = now_ms();
    md_store_close(ctx.db);
    return NULL;
}

/* While a batch's flush is under way, the next write runs its statements (into the next
 * batch) instead of waiting for the flush; neither is acknowledged before its own flush,
 * and the later write not before the earlier one. */
static void the_next_batch_is_written_while_the_last_one_is_flushed(void **state)
{
    unit_db *u = *state;
    md_committer *c = md_auditor_committer(u->auditor);
    timed_write a = {.u = u, .object_id = "flushed"}, b = {.u = u, .object_id = "next"};
    pthread_t ta, tb;
    md_committer_delay_flush(c, 600);
    int64_t t0 = now_ms();
    pthread_create(&ta, NULL, timed_write_main, &a);
    sleep_us(150000); /* a's batch is in its (slow) flush now */
    pthread_create(&tb, NULL, timed_write_main, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(a.rc, MD_OK);
    assert_int_equal(b.rc, MD_OK);
    assert_true(a.acked_ms - t0 >= 600);        /* not before its flush */
    assert_true(b.began_ms < a.acked_ms - 200); /* b wrote during a's flush */
    assert_true(b.acked_ms >= a.acked_ms);
    assert_int_equal(entries_for(u, "flushed"), 1);
    assert_int_equal(entries_for(u, "next"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_slow_waiter_gets_its_own_batch_result, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_failed_savepoint_rolls_back_only_its_own_work,
                                        unit_db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_failed_commit_fails_exactly_its_members, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(without_a_committer_a_write_is_its_own_transaction,
                                        unit_db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(stop_commits_what_is_queued, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(queued_jobs_of_one_group_share_a_savepoint, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(the_next_batch_is_written_while_the_last_one_is_flushed,
                                        unit_db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_failing_job_in_a_group_fails_alone, unit_db_setup,
                                        unit_db_teardown),
    };
    return cmocka_run_group_tests_name("unit.commit", tests, NULL, NULL);
}
