/*
 * commit.c - group commit on one writer connection.  See commit.h for the contract.
 *
 * The writer connection has one holder at a time: a borrower (a request thread
 * between md_write_begin and md_write_finish) or the writer thread (running queued
 * jobs, or committing).  Whoever holds it first in a batch opens the batch's
 * transaction; every piece of work is a savepoint inside it.  Only the writer thread
 * commits.
 *
 *   borrower                                  writer thread
 *   --------                                  -------------
 *   lock; wait while held or writer_turn      wait until: jobs queued, or a batch open
 *   hold; unlock                                with nobody waiting for the connection
 *   BEGIN if no batch is open; SAVEPOINT        (or its turn: batch full, old, broken),
 *   ... the caller's statements ...             or a hook's time due, or stopping
 *   RELEASE (or ROLLBACK TO) the savepoint    hold; run each job in a savepoint
 *   lock; join the batch (when MD_OK);        waiters left? hand over, wait again
 *   hand over: the next borrower, or the      before_commit hook; COMMIT (written,
 *   writer's turn; unlock                       not yet flushed); unhold; hand over
 *   wait on my own semaphore                  flush (md_store_sync) while the next
 *                                               batch is being written on db
 *                                             each member's slot gets the outcome,
 *                                               its semaphore posted; after_commit
 *
 * Queued jobs run one savepoint each, except a run of jobs queued one after another with
 * the same group function (md_commit_job.group): one savepoint for the run; should it fail
 * with an input error, it is rolled back and each job of the run gets a savepoint of its
 * own, so a job's failure stays its own.
 *
 * Invariants (under mu): holder != 0 while anyone runs statements on db; open says a
 * batch transaction is open on db; the batch list holds exactly the members whose
 * savepoint was released in the open transaction, and each is posted exactly once,
 * after the COMMIT (or rollback) of that transaction.  A member never reads anything
 * but its own slot.  writer_turn stops borrowers from taking the connection so that
 * the writer gets it next.
 *
 * Lock order: mu, then whatever next_due_us takes.  The other hooks run without mu.
 */
#include "mesodesk/commit.h"
#include "mesodesk/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH_MAX 1024     /* members before the writer commits regardless */
#define BATCH_OPEN_US 5000 /* microseconds a batch may stay open while borrowers queue */
#define LINGER_US 300      /* wait this long after a batch's latest member for another */

typedef enum { C_RUNNING, C_STOPPING, C_STOPPED } c_state;

struct md_committer {
    md_store *db; /* the writer connection */
    md_commit_hooks hooks;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t work;   /* the writer waits here */
    pthread_cond_t handed; /* borrowers wait here for the connection */
    c_state state;
    int holder;                   /* someone uses db */
    const md_ctx *holder_ctx;     /* the borrower's context (NULL: the writer thread) */
    md_store *home;               /* the borrower's own connection, given back at finish */
    int nwait;                    /* borrowers waiting for db */
    int writer_turn;              /* the writer takes db next */
    md_commit_job *qhead, *qtail; /* jobs not yet run */
    int open;                     /* a batch transaction is open on db */
    int broken;                   /* a storage failure in it: it is rolled back */
    int64_t opened_us;
    int64_t joined_us;           /* when the latest member joined */
    int linger;                  /* the last batch had company: wait LINGER_US for more */
    const atomic_int *in_flight; /* requests being served (md_committer_watch_load) */
    md_commit_job *members;      /* released savepoints of the open batch, waiting */
    size_t nmembers;
    int fail_commits; /* fault injection */
    int delay_flush_ms;
    uint64_t writes, batches;
    uint64_t groups, grouped; /* runs of jobs in one savepoint, and their jobs */
};

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A failure that may have cost the whole transaction, not only the savepoint. */
static int storage_failure(md_code rc)
{
    return rc == MD_EIO || rc == MD_EUNAVAILABLE || rc == MD_ENOMEM || rc == MD_EINTERNAL;
}

static int batch_full(const md_committer *c)
{
    return c->broken || c->nmembers >= BATCH_MAX ||
           (c->open && mono_us() - c->opened_us >= BATCH_OPEN_US);
}

/* The holder lets go of db: to the next borrower, or to the writer.  Borrowers and
 * queued jobs take turns (from_writer: the writer had its turn), so neither starves the
 * other; a full batch goes to the writer for its commit.  Under mu. */
static void hand_over(md_committer *c, int from_writer)
{
    c->holder = 0;
    c->holder_ctx = NULL;
    c->home = NULL;
    if (c->nwait > 0 && (from_writer || !c->qhead) && !batch_full(c)) {
        pthread_cond_signal(&c->handed);
        return;
    }
    if (c->nwait > 0) c->writer_turn = 1;
    pthread_cond_signal(&c->work);
}

static void post(md_commit_job *m, md_code rc, const md_err *err)
{
    m->rc = rc;
    if (rc != MD_OK && err) m->err = *err;
    sem_post(&m->done);
}

/* Open the batch's transaction if none is open.  The holder only. */
static md_code ensure_open(md_committer *c, md_err *err)
{
    pthread_mutex_lock(&c->mu);
    int open = c->open;
    pthread_mutex_unlock(&c->mu);
    if (open) return MD_OK;
    md_code rc = md_store_begin(c->db, err);
    if (rc != MD_OK) return rc;
    pthread_mutex_lock(&c->mu);
    c->open = 1;
    c->broken = 0;
    c->opened_us = mono_us();
    pthread_mutex_unlock(&c->mu);
    return MD_OK;
}

/* A savepoint's outcome, under mu: join the batch (MD_OK), or mark it broken. */
static void settle(md_committer *c, md_commit_job *m, md_code rc)
{
    if (rc == MD_OK) {
        m->next = c->members;
        c->members = m;
        c->nmembers++;
        c->joined_us = mono_us();
    } else if (storage_failure(rc)) {
        c->broken = 1;
    }
}

/* Run one job in a savepoint of its own and settle it.  The writer thread, holding db. */
static void run_one(md_committer *c, md_commit_job *j)
{
    md_err_clear(&j->err);
    md_code rc = ensure_open(c, &j->err);
    if (rc == MD_OK && (rc = md_store_begin(c->db, &j->err)) == MD_OK) {
        j->ctx.db = c->db;
        rc = md_store_finish(c->db, j->fn(&j->ctx, j->arg, &j->err), &j->err);
    }
    pthread_mutex_lock(&c->mu);
    settle(c, j, rc);
    pthread_mutex_unlock(&c->mu);
    if (rc != MD_OK) post(j, rc, &j->err); /* rolled back: its answer now */
}

/* Run group[0..n-1] (n >= 2, one group function) in one savepoint; MD_OK when they all
 * joined the batch.  An input error rolls the savepoint back and returns it: the caller
 * runs them one by one.  A storage failure breaks the batch and fails them all. */
static md_code run_group(md_committer *c, md_commit_job **group, size_t n)
{
    md_commit_job *first = group[0];
    md_err err;
    md_err_clear(&err);
    md_code rc = ensure_open(c, &err);
    if (rc == MD_OK && (rc = md_store_begin(c->db, &err)) == MD_OK) {
        for (size_t i = 0; i < n; i++) {
            md_err_clear(&group[i]->err);
            group[i]->ctx.db = c->db;
        }
        rc = md_store_finish(c->db, first->group(&first->ctx, group, n, &err), &err);
    }
    if (rc != MD_OK && !storage_failure(rc)) return rc;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < n; i++)
        settle(c, group[i], rc);
    if (rc == MD_OK) {
        c->groups++;
        c->grouped += n;
    }
    pthread_mutex_unlock(&c->mu);
    for (size_t i = 0; rc != MD_OK && i < n; i++)
        post(group[i], rc, &err);
    return MD_OK;
}

/* Run the queued jobs, each in a savepoint, or a run of jobs with one group function in
 * one savepoint.  The writer thread, holding db. */
static void run_jobs(md_committer *c, md_commit_job *jobs)
{
    md_commit_job *group[MD_COMMIT_GROUP_MAX];
    while (jobs) {
        size_t n = 0;
        md_write_group_fn fn = jobs->group;
        while (jobs && n < MD_COMMIT_GROUP_MAX && (n == 0 || (fn && jobs->group == fn))) {
            group[n++] = jobs;
            jobs = jobs->next;
        }
        if (n > 1 && run_group(c, group, n) == MD_OK) continue;
        for (size_t i = 0; i < n; i++)
            run_one(c, group[i]);
    }
}

/* Commit the open batch (or, with hooks and final or a due time, an empty one) and
 * tell every member.  The writer thread, holding db; called and returns with mu held. */
static void commit_batch(md_committer *c, int final)
{
    md_commit_job *members = c->members;
    size_t n = c->nmembers;
    int broken = c->broken, fail = 0, delay_ms = c->delay_flush_ms;
    c->delay_flush_ms = 0;
    c->members = NULL;
    c->nmembers = 0;
    if (!broken && c->fail_commits > 0) {
        c->fail_commits--;
        fail = 1;
    }
    pthread_mutex_unlock(&c->mu);

    md_err err;
    md_err_clear(&err);
    md_code rc = MD_OK;
    void *state = NULL;
    if (!broken && c->hooks.before_commit) {
        rc = ensure_open(c, &err);
        if (rc == MD_OK) state = c->hooks.before_commit(c->hooks.arg, c->db, final);
    }
    int flush = 0;
    if (broken || fail) {
        if (md_store_in_tx(c->db) > 0) md_store_rollback(c->db);
        rc = broken ? MD_EIO : md_err_set(&err, MD_EIO, NULL, "injected commit failure");
    } else if (md_store_in_tx(c->db) > 0) {
        rc = md_store_commit(c->db, &err);
        flush = rc == MD_OK;
    }
    if (rc != MD_OK)
        md_log(MD_LOG_ERROR, "commit.failed", "a batch of %zu writes: %s", n,
               err.message[0] ? err.message : "a write failed in storage");
    md_err out;
    md_err_set(&out, MD_EUNAVAILABLE, NULL, "the write could not be made durable: try again");

    /* The connection goes on to the next batch at once; its statements run while this
     * batch's flush is under way, and nobody of this batch hears before the flush. */
    pthread_mutex_lock(&c->mu);
    c->open = 0;
    c->broken = 0;
    c->linger = n > 1;
    hand_over(c, 1);
    pthread_mutex_unlock(&c->mu);
    if (flush && delay_ms)
        nanosleep(&(struct timespec){delay_ms / 1000, (delay_ms % 1000) * 1000000L}, NULL);
    if (flush && (rc = md_store_sync(c->db, &err)) != MD_OK)
        md_log(MD_LOG_ERROR, "commit.failed", "a batch of %zu writes: %s", n, err.message);
    pthread_mutex_lock(&c->mu);
    if (rc == MD_OK && n) {
        c->writes += n;
        c->batches++;
    }
    pthread_mutex_unlock(&c->mu);
    while (members) {
        md_commit_job *m = members;
        members = m->next; /* read before the post: the member may be gone after it */
        post(m, rc == MD_OK ? MD_OK : MD_EUNAVAILABLE, &out);
    }
    if (c->hooks.after_commit) c->hooks.after_commit(c->hooks.arg, state, rc == MD_OK);
    pthread_mutex_lock(&c->mu);
}

/* Wait (mu held) until the writer has something to do; returns 1 when it should
 * stop (after the final batch). */
static int writer_wait(md_committer *c, int *timer)
{
    *timer = 0;
    for (;;) {
        int64_t due = c->hooks.next_due_us ? c->hooks.next_due_us(c->hooks.arg) : INT64_MAX;
        if (!c->holder) {
            if (c->qhead) return 0;
            /* Under concurrency (more requests in flight than the batch has members; without
             * that count, the last batch had company) a batch waits a little after its
             * latest member for the next one: one flush for more writes. */
            int company =
                c->in_flight ? atomic_load(c->in_flight) > (int)c->nmembers + c->nwait : c->linger;
            int64_t until = company ? c->joined_us + LINGER_US : 0;
            if (c->open && (c->nwait == 0 || c->writer_turn)) {
                if (c->writer_turn || c->state != C_RUNNING || batch_full(c) || mono_us() >= until)
                    return 0;
                if (until < due) due = until;
            }
            if (c->state != C_RUNNING && !c->open && c->nwait == 0) return 1;
        }
        if (due == INT64_MAX) {
            pthread_cond_wait(&c->work, &c->mu);
            continue;
        }
        int64_t wait = due - mono_us();
        if (wait <= 0 && !c->holder) {
            *timer = !c->open; /* an open batch commits anyway, with the hooks */
            return 0;
        }
        if (wait <= 0) wait = 1000; /* due, but the connection is held */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += wait / 1000000;
        ts.tv_nsec += (wait % 1000000) * 1000;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&c->work, &c->mu, &ts);
    }
}

static void *writer_main(void *arg)
{
    md_committer *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        int timer = 0;
        if (writer_wait(c, &timer)) {
            c->holder = 1;
            commit_batch(c, 1); /* the hooks' final batch */
            break;
        }
        c->holder = 1;
        c->holder_ctx = NULL;
        c->writer_turn = 0;
        md_commit_job *jobs = c->qhead;
        c->qhead = c->qtail = NULL;
        pthread_mutex_unlock(&c->mu);
        run_jobs(c, jobs);
        pthread_mutex_lock(&c->mu);
        /* Borrowers waiting join this batch first, unless it is full. */
        if (!timer && c->open && c->nwait > 0 && !batch_full(c) && c->state == C_RUNNING) {
            hand_over(c, 1);
            continue;
        }
        if (c->open || timer)
            commit_batch(c, 0);
        else
            hand_over(c, 1);
    }
    c->state = C_STOPPED;
    c->holder = 0;
    pthread_cond_broadcast(&c->handed); /* stop: nobody may be left waiting */
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

md_code md_committer_start(const char *db_uri, const md_commit_hooks *hooks, md_committer **out,
                           md_err *err)
{
    md_committer *c = calloc(1, sizeof *c);
    if (!c) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_code rc = md_store_open(db_uri, &c->db, err);
    if (rc == MD_OK && (rc = md_store_defer_sync(c->db, err)) != MD_OK) md_store_close(c->db);
    if (rc != MD_OK) {
        free(c);
        return rc;
    }
    if (hooks) c->hooks = *hooks;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* the writer's timed waits */
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->work, &ca);
    pthread_cond_init(&c->handed, NULL);
    pthread_condattr_destroy(&ca);
    c->state = C_RUNNING;
    if (pthread_create(&c->thread, NULL, writer_main, c) != 0) {
        pthread_mutex_destroy(&c->mu);
        pthread_cond_destroy(&c->work);
        pthread_cond_destroy(&c->handed);
        md_store_close(c->db);
        free(c);
        return md_err_set(err, MD_EIO, NULL, "cannot start the database writer");
    }
    *out = c;
    return MD_OK;
}

void md_committer_stop(md_committer *c)
{
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    c->state = C_STOPPING;
    pthread_cond_signal(&c->work);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    if (c->batches)
        md_log(MD_LOG_INFO, "commit.stopped", "writes=%llu batches=%llu (%.1f a batch)",
               (unsigned long long)c->writes, (unsigned long long)c->batches,
               (double)c->writes / (double)c->batches);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->work);
    pthread_cond_destroy(&c->handed);
    md_store_close(c->db);
    free(c);
}

void md_committer_poke(md_committer *c)
{
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    pthread_cond_signal(&c->work);
    pthread_mutex_unlock(&c->mu);
}

void md_committer_stats(md_committer *c, uint64_t *writes, uint64_t *batches)
{
    pthread_mutex_lock(&c->mu);
    *writes = c->writes;
    *batches = c->batches;
    pthread_mutex_unlock(&c->mu);
}

void md_committer_group_stats(md_committer *c, uint64_t *groups, uint64_t *grouped)
{
    pthread_mutex_lock(&c->mu);
    if (groups) *groups = c->groups;
    if (grouped) *grouped = c->grouped;
    pthread_mutex_unlock(&c->mu);
}

void md_committer_watch_load(md_committer *c, const atomic_int *in_flight)
{
    pthread_mutex_lock(&c->mu);
    c->in_flight = in_flight;
    pthread_mutex_unlock(&c->mu);
}

void md_committer_delay_flush(md_committer *c, int ms)
{
    pthread_mutex_lock(&c->mu);
    c->delay_flush_ms = ms;
    pthread_mutex_unlock(&c->mu);
}

void md_committer_fail_commits(md_committer *c, int n)
{
    pthread_mutex_lock(&c->mu);
    c->fail_commits = n;
    pthread_mutex_unlock(&c->mu);
}

/* ctx is the borrower that holds c's connection at depth 1 + its own savepoint. */
static int outermost_borrow(const md_committer *c, const md_ctx *ctx)
{
    return c && ctx->db == c->db && c->holder_ctx == ctx && md_store_in_tx(c->db) == 2;
}

md_code md_write_begin(md_ctx *ctx, md_err *err)
{
    md_committer *c = ctx->committer;
    /* No writer, or already inside a transaction (nested, or a job): a savepoint. */
    if (!c || ctx->db == c->db || md_store_in_tx(ctx->db) > 0) return md_store_begin(ctx->db, err);
    pthread_mutex_lock(&c->mu);
    if (c->state != C_RUNNING) {
        pthread_mutex_unlock(&c->mu);
        return md_err_set(err, MD_EUNAVAILABLE, NULL, "shutting down");
    }
    c->nwait++;
    while (c->holder || c->writer_turn)
        pthread_cond_wait(&c->handed, &c->mu);
    c->nwait--;
    c->holder = 1;
    c->holder_ctx = ctx;
    c->home = ctx->db;
    pthread_mutex_unlock(&c->mu);
    md_code rc = ensure_open(c, err);
    if (rc == MD_OK) rc = md_store_begin(c->db, err);
    if (rc != MD_OK) {
        pthread_mutex_lock(&c->mu);
        if (storage_failure(rc)) c->broken = 1;
        hand_over(c, 0);
        pthread_mutex_unlock(&c->mu);
        return rc;
    }
    ctx->db = c->db;
    return MD_OK;
}

md_code md_write_finish(md_ctx *ctx, md_code rc, md_err *err)
{
    md_committer *c = ctx->committer;
    if (!outermost_borrow(c, ctx)) return md_store_finish(ctx->db, rc, err);
    rc = md_store_finish(c->db, rc, err);
    md_commit_job me; /* this waiter's own slot */
    memset(&me, 0, sizeof me);
    sem_init(&me.done, 0, 0);
    pthread_mutex_lock(&c->mu);
    ctx->db = c->home;
    settle(c, &me, rc);
    hand_over(c, 0);
    pthread_mutex_unlock(&c->mu);
    if (rc == MD_OK) return md_commit_wait(&me, err);
    sem_destroy(&me.done); /* not a member: nobody posts it */
    return rc;
}

md_code md_write(md_ctx *ctx, md_write_fn fn, void *arg, md_err *err)
{
    md_code rc = md_write_begin(ctx, err);
    if (rc != MD_OK) return rc;
    return md_write_finish(ctx, fn(ctx, arg, err), err);
}

md_code md_commit_submit(md_committer *c, const md_ctx *ctx, md_commit_job *job, md_err *err)
{
    job->next = NULL;
    job->ctx = *ctx;
    job->rc = MD_OK;
    md_err_clear(&job->err);
    sem_init(&job->done, 0, 0);
    pthread_mutex_lock(&c->mu);
    if (c->state != C_RUNNING) {
        pthread_mutex_unlock(&c->mu);
        sem_destroy(&job->done);
        return md_err_set(err, MD_EUNAVAILABLE, NULL, "shutting down");
    }
    if (c->qtail)
        c->qtail->next = job;
    else
        c->qhead = job;
    c->qtail = job;
    if (!c->holder) pthread_cond_signal(&c->work);
    pthread_mutex_unlock(&c->mu);
    return MD_OK;
}

md_code md_commit_wait(md_commit_job *job, md_err *err)
{
    while (sem_wait(&job->done) != 0 && errno == EINTR)
        ;
    sem_destroy(&job->done);
    if (job->rc != MD_OK && err) *err = job->err;
    return job->rc;
}
