/*
 * commit.h - group commit: one writer per database, one disk flush for many writes.
 *
 * A committer owns one connection to the database (the writer connection) and one
 * thread.  Every write transaction of the server and every read's audit entry runs on
 * that connection inside one open transaction (the batch), each in a savepoint of its
 * own; the thread then commits the batch with one flush and only then tells each
 * waiter its own result.  So 30 concurrent creates cost one fsync, not 30, and a
 * write that fails rolls back its own savepoint (its change and its audit entry)
 * while the others of the batch stand.
 *
 * Two ways in, one batch:
 *  - md_write_begin(ctx) / md_write_finish(ctx, rc): the caller's own code runs, on
 *    its own thread, between the two.  begin waits for the writer connection (one
 *    caller at a time), opens a savepoint on it and points ctx->db at it; finish
 *    releases or rolls back the savepoint, points ctx->db back at the caller's own
 *    connection, hands the connection on, and (rc MD_OK) waits for the batch's
 *    commit.  Nested (ctx->db already in a transaction): a plain savepoint, nothing
 *    else.  Without a committer (ctx->committer NULL: the CLI, unit tests) they are
 *    md_store_begin() / md_store_finish() on ctx->db: a transaction of its own.
 *  - md_commit_submit() / md_commit_wait(): a job (a function and its argument) that
 *    the writer thread runs in a savepoint of the next batch; the audit writer queues
 *    read entries this way (no connection hand-over for them).
 *
 * Every waiter has its own slot (rc, error, semaphore): no shared ring of results and
 * no broadcast, so a waiter that wakes late still reads its own batch's outcome.
 *
 * Failures: a savepoint that fails with an input error (MD_EINVAL, MD_ECONFLICT,
 * MD_ENOTFOUND, MD_EFORBIDDEN, MD_EUNPROCESSABLE, ...) is rolled back alone and its
 * caller gets its error at once.  A storage failure inside a savepoint (MD_EIO,
 * MD_EUNAVAILABLE, MD_ENOMEM, MD_EINTERNAL) may have cost the whole transaction (SQLite
 * rolls back on I/O errors), so the batch is rolled back and every member gets
 * MD_EUNAVAILABLE.  A failed COMMIT: every member gets MD_EUNAVAILABLE.  Nothing is
 * acknowledged before its commit returned.
 *
 * Deadlock rule: code between md_write_begin() and md_write_finish(), and a job, must
 * not wait for anything that needs the writer (another md_write_begin on a different
 * context, a commit, a pooled connection held by a waiter).  Nested begins on the same
 * context are fine (they are savepoints).
 *
 * States of a committer: RUNNING -> STOPPING (md_committer_stop: new writes refused
 * with MD_EUNAVAILABLE; what is queued or open is committed; the hooks' final batch)
 * -> STOPPED.
 *
 * Durability: the batch commits on the writer connection, whose flush is the writer's
 * (md_store_defer_sync): after the COMMIT the connection goes to the next batch at once,
 * and the writer flushes (md_store_sync: one fdatasync of SQLite's WAL) before it posts
 * any member.  So the next batch's statements run during the last one's flush, and no
 * member hears MD_OK before its batch is on disk; a failed flush answers every member
 * MD_EUNAVAILABLE.  (PostgreSQL: each COMMIT is durable when it returns.)
 */
#ifndef MESODESK_COMMIT_H
#define MESODESK_COMMIT_H

#include "mesodesk/context.h"

#include <semaphore.h>
#include <stdatomic.h>

/* Work for the writer: runs with ctx->db the writer connection, inside a savepoint. */
typedef md_code (*md_write_fn)(md_ctx *ctx, void *arg, md_err *err);

/* What a module adds to every batch (the audit writer's checkpoints).  All optional. */
typedef struct md_commit_hooks {
    void *arg;
    /* In the batch's transaction on db, before COMMIT; final != 0 for the last batch at
     * stop.  Its return is handed to after_commit.  Must not fail the batch. */
    void *(*before_commit)(void *arg, md_store *db, int final);
    /* After the batch's waiters were told; committed != 0 when the COMMIT succeeded. */
    void (*after_commit)(void *arg, void *state, int committed);
    /* Monotonic time (microseconds, CLOCK_MONOTONIC) at which the writer must run a
     * batch even with nothing queued; INT64_MAX for never.  Called under the
     * committer's lock: must not call back into the committer. */
    int64_t (*next_due_us)(void *arg);
} md_commit_hooks;

struct md_commit_job;
/* The most jobs run together in one group (md_commit_job.group). */
#define MD_COMMIT_GROUP_MAX 256
/* Several queued jobs at once, in one savepoint: jobs[0..n-1] in their queue order, all
 * with this same group function.  ctx is jobs[0]'s (ctx->db the writer connection). */
typedef md_code (*md_write_group_fn)(md_ctx *ctx, struct md_commit_job *const *jobs, size_t n,
                                     md_err *err);

/* A job and its result slot.  Owned by the submitter, which keeps it alive until
 * md_commit_wait() returned.  ctx is copied at submit; the job's ctx->db is the writer
 * connection.  group (optional): jobs queued one after another with the same group
 * function run together, in one savepoint of the batch instead of one each (the audit
 * writer's read entries: one chain-head read and move for all of them).  When the
 * group's savepoint fails with an input error, it is rolled back and each of its jobs
 * runs alone with fn, so one job's failure is still its own; a storage failure fails the
 * batch as usual. */
typedef struct md_commit_job {
    struct md_commit_job *next; /* the committer's */
    md_write_fn fn;
    md_write_group_fn group;
    void *arg;
    md_ctx ctx;
    md_code rc; /* the outcome, valid after md_commit_wait() */
    md_err err;
    sem_t done;
} md_commit_job;

/* Open the writer connection to db_uri and start the thread.  hooks (may be NULL) is
 * copied.  MD_EIO / MD_EUNAVAILABLE from the store, MD_EIO when no thread. */
md_code md_committer_start(const char *db_uri, const md_commit_hooks *hooks, md_committer **out,
                           md_err *err);
/* Commit what is queued and open, run the final batch, stop and free.  NULL: nothing. */
void md_committer_stop(md_committer *c);
/* Wake the writer to look at next_due_us() again (a hook's state changed). */
void md_committer_poke(md_committer *c);
/* in_flight counts the requests being served (the server's own count; it outlives c).
 * With it, a batch waits up to 300 us after its latest member while more requests are in
 * flight than it has members, so that concurrent writes share one flush; without it, only
 * after a batch that had more than one member. */
void md_committer_watch_load(md_committer *c, const atomic_int *in_flight);
/* Writes committed and batches (transactions) used so far. */
void md_committer_stats(md_committer *c, uint64_t *writes, uint64_t *batches);
/* Groups of jobs run together in one savepoint (see md_commit_job.group), and the jobs
 * in them, so far; either may be NULL. */
void md_committer_group_stats(md_committer *c, uint64_t *groups, uint64_t *grouped);

md_code md_write_begin(md_ctx *ctx, md_err *err);
/* rc is the outcome of the work since md_write_begin(); returns the write's outcome. */
md_code md_write_finish(md_ctx *ctx, md_code rc, md_err *err);
/* md_write_begin(); fn(ctx, arg, err); md_write_finish(). */
md_code md_write(md_ctx *ctx, md_write_fn fn, void *arg, md_err *err);

/* Queue job (fn and arg set by the caller; ctx copied from ctx) for c's next batch.
 * MD_EUNAVAILABLE when c is stopping; the job is then not queued. */
md_code md_commit_submit(md_committer *c, const md_ctx *ctx, md_commit_job *job, md_err *err);
/* Wait until job's batch is over (once per submit); returns job->rc and copies job->err
 * to err. */
md_code md_commit_wait(md_commit_job *job, md_err *err);

/* Fault injection (tests): the next n batch COMMITs fail as an I/O error would. */
void md_committer_fail_commits(md_committer *c, int n);
/* Fault injection (tests): the next batch's flush takes ms milliseconds longer, as a slow
 * disk's would. */
void md_committer_delay_flush(md_committer *c, int ms);

#endif
