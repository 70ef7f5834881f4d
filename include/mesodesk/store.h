/*
 * store.h - the storage interface.
 *
 * Like SQLite's VFS, a backend is a versioned table of functions, private to
 * src/store (store_int.h); one file per backend: store_sqlite.c (a file path,
 * the default) and store_pg.c (PostgreSQL 15 through libpq, a postgres:// URI).
 * Domain code sees only the functions below, speaks portable SQL through
 * md_store_exec() with $1..$n placeholders and never includes a database
 * header; each backend prepares (and caches) statements, binds the typed
 * parameters and hands each result row to a callback.  There is no string
 * interpolation of values anywhere: prepared statements only.
 *
 * Portable SQL rules (what both SQLite and PostgreSQL accept and agree on):
 *  - types: TEXT for strings, ids and timestamps ("YYYY-MM-DDTHH:MM:SSZ", UTC)
 *    and dates ("YYYY-MM-DD"); BIGINT for integers; INTEGER 0/1 for booleans,
 *    compared as "= 1", never used bare as a condition; no AUTOINCREMENT, no
 *    SERIAL; every table carries clinic_id (see migrations.c).
 *  - functions: lower(), count(), sum(), max(), min(), coalesce() only; no || (but
 *    "|| ''" on an ORDER BY term, the one planner hint both accept: it keeps
 *    SQLite from choosing that term's index for the order), no
 *    LIKE (case rules differ: compare lower() of both sides, or use prefix
 *    ranges), no date functions (times are TEXT computed in C), no rowid, no
 *    INSERT OR ..., no upsert.
 *  - parameters: PostgreSQL infers a parameter's type from its context, so a
 *    parameter must sit where a column fixes its type (col = $1, VALUES ($1))
 *    or carry a cast: "$2 IS NULL" alone fails to prepare on PostgreSQL ("could
 *    not determine data type"); write "CAST($2 AS TEXT) IS NULL" (SQLite
 *    accepts the cast too).  The same for a parameter in a select list, in
 *    coalesce() with no column, or compared with another parameter.  Integers
 *    are bound as integers: don't compare a TEXT column with an md_int().
 *    At most MD_STORE_PARAMS_MAX parameters a statement (more is MD_EINTERNAL).
 *  - results: a column is read as text or as an integer; a boolean expression
 *    in a select list comes back as 1/0 on SQLite and t/f on PostgreSQL, so
 *    select "CASE WHEN ... THEN 1 ELSE 0 END" instead.  Order explicitly
 *    (ORDER BY ..., id): without it the two backends return rows in
 *    different orders.
 *  - errors: a unique or primary-key violation is MD_ECONFLICT, any other
 *    constraint (NOT NULL, foreign key, check) MD_EINVAL, on both backends
 *    (SQLSTATE 23505 and 23xxx on PostgreSQL).  A busy database or a lock wait
 *    that times out is MD_EUNAVAILABLE; a lost PostgreSQL connection too.  On
 *    PostgreSQL a failed statement inside a transaction poisons it until the
 *    transaction (or the savepoint of an inner md_store_begin()) rolls back,
 *    so never carry on inside a transaction after an error: roll back.
 *  - DDL (migrations only) follows the same types; where the backends need
 *    different SQL, migrations.c holds a variant per backend.
 *
 * Write transactions are serialised per database on both backends (SQLite's
 * BEGIN IMMEDIATE; on PostgreSQL an advisory lock taken by the outermost
 * begin), so the two behave alike: a transaction that read a maximum can
 * insert the next number without a race.
 *
 * Ownership: an md_store is one connection, used by one thread at a time.
 * md_pool hands connections to request threads.  Strings a row callback sees
 * are valid only during the callback: copy what you keep.
 */
#ifndef MESODESK_STORE_H
#define MESODESK_STORE_H

#include "mesodesk/error.h"

#include <stddef.h>
#include <stdint.h>

typedef struct md_store md_store;
typedef struct md_row md_row;

typedef enum md_val_type { MD_VAL_NULL, MD_VAL_TEXT, MD_VAL_INT } md_val_type;
typedef struct md_val {
    md_val_type type;
    const char *text;
    int64_t i;
} md_val;

static inline md_val md_text(const char *s)
{
    md_val v = {s ? MD_VAL_TEXT : MD_VAL_NULL, s, 0};
    return v;
}
static inline md_val md_int(int64_t i)
{
    md_val v = {MD_VAL_INT, 0, i};
    return v;
}
static inline md_val md_null(void)
{
    md_val v = {MD_VAL_NULL, 0, 0};
    return v;
}

/* Called once per result row; return 0 to continue, non-zero to stop early. */
typedef int (*md_row_fn)(void *ctx, const md_row *row);

/* What a backend can do (md_store_supports). */
enum {
    /* Several processes on several hosts may share the database (PostgreSQL). */
    MD_STORE_SUPPORTS_NETWORK = 1u << 0,
    /* md_store_lock() takes a lock per key; without it the lock is the transaction's
     * database-wide write lock (SQLite), which covers every key. */
    MD_STORE_SUPPORTS_KEYED_LOCKS = 1u << 1,
    /* Read snapshots run concurrently with a writer (SQLite WAL, PostgreSQL MVCC). */
    MD_STORE_SUPPORTS_CONCURRENT_SNAPSHOTS = 1u << 2,
};

/* Open by URI: "postgresql://..." or "postgres://..." selects PostgreSQL (libpq connection
 * URI), anything else is a SQLite file path.  Fails with MD_EINVAL (no URI), MD_EIO or
 * MD_EUNAVAILABLE (cannot open or connect: the message names the URI without its
 * password), MD_EINTERNAL (a backend table of another version). */
md_code md_store_open(const char *uri, md_store **out, md_err *err);
void md_store_close(md_store *s);
/* The URI as it may be shown (logs, messages): a postgres:// URI without its password
 * (user:password@ and a password= parameter); a file path as it is.  Truncates to outsz. */
void md_store_uri_shown(const char *uri, char *out, size_t outsz);

#define MD_STORE_PARAMS_MAX 256

/* sql NULL (a bounded builder whose text did not fit, sbuf.h) is MD_EINTERNAL, run nowhere;
 * so is it for md_store_prepare. */
md_code md_store_exec(md_store *s, const char *sql, const md_val *params, int nparams, md_row_fn fn,
                      void *ctx, md_err *err);
/* Transactions nest (savepoints inside the outermost one).  A failed commit has
 * already rolled its level back.  md_store_finish() commits when rc is MD_OK,
 * otherwise rolls back, and returns the outcome: the usual ending of a write. */
md_code md_store_begin(md_store *s, md_err *err);
md_code md_store_commit(md_store *s, md_err *err);
void md_store_rollback(md_store *s);
md_code md_store_finish(md_store *s, md_code rc, md_err *err);
/* Transaction depth: 0 outside a transaction, 1 in one, more inside savepoints. */
int md_store_in_tx(const md_store *s);

/* A read snapshot: every statement until md_store_snapshot_end() sees one consistent
 * state of the database, for a screening or a page that gathers several tables.
 * Read-only.  Nests; inside a write transaction it is a no-op (the transaction is
 * already consistent).  A write transaction may not begin inside a snapshot
 * (MD_EINTERNAL): end the snapshot first. */
md_code md_store_snapshot_begin(md_store *s, md_err *err);
void md_store_snapshot_end(md_store *s);

/* An exclusive advisory lock on key, held until the outermost transaction ends
 * (commit or rollback).  Only inside a transaction (MD_EINTERNAL otherwise).  Two
 * connections locking the same key serialise; MD_EUNAVAILABLE when the wait times out. */
md_code md_store_lock(md_store *s, int64_t key, md_err *err);

/* Bulk loading (the generator writing many rows into a database): on != 0 lets the
 * backend use more memory for the connection's writes (SQLite: a page cache large enough
 * that a transaction of tens of thousands of rows is not spilled to the WAL before its
 * commit); on == 0 returns to the defaults.  Durability and checks are unchanged: every
 * commit is as durable as without it.  MD_EIO when the backend refuses the setting. */
md_code md_store_bulk(md_store *s, int on, md_err *err);

/* Loading a fresh database: md_store_defer_indexes drops the secondary indexes of tables
 * (NULL-terminated names; primary keys and UNIQUE constraints stay), and the connection
 * keeps their definitions; md_store_restore_indexes builds each again from its own
 * definition (a sorted build, far cheaper than keeping it row by row), so that the schema
 * is exactly what it was.  Both inside a transaction (MD_EINTERNAL otherwise); a unique
 * index whose rows now collide fails the restore (MD_ECONFLICT) and the transaction
 * rolls back.  Only for a database no other connection reads meanwhile: its queries lose
 * the indexes until the restore.  Backends without it keep every index (MD_OK). */
md_code md_store_defer_indexes(md_store *s, const char *const *tables, md_err *err);
md_code md_store_restore_indexes(md_store *s, md_err *err);

/* Commits whose flush is the caller's (the group committer's writer connection): after
 * md_store_defer_sync(s), a COMMIT on s returns once its transaction is written and
 * visible but before it is on disk (SQLite: synchronous=NORMAL in WAL mode, which keeps the
 * database consistent through a crash but may lose the latest commits), and
 * md_store_sync(s) makes every transaction committed on s before the call durable (SQLite:
 * one fdatasync of the WAL).  md_store_sync may run on another thread while the next
 * transaction runs statements on s, so that writing the next batch overlaps the flush of
 * the last.  Nothing committed on s may be acknowledged as durable before md_store_sync
 * returned MD_OK (MD_EIO: the disk refused; it is not known to be durable).  Backends
 * whose commit is always durable (PostgreSQL here) do nothing in either (MD_OK). */
md_code md_store_defer_sync(md_store *s, md_err *err);
md_code md_store_sync(md_store *s, md_err *err);

/* Rows inserted, updated or deleted by the last statement run on s (0 after a query). */
int64_t md_store_changes(md_store *s);
/* MD_STORE_SUPPORTS_* bits of the backend; its name ("sqlite", "postgres"). */
unsigned md_store_supports(const md_store *s);
const char *md_store_backend(const md_store *s);
/* Prepare (and cache) sql without running it: MD_OK when the backend accepts it, else
 * the error the statement would fail with. */
md_code md_store_prepare(md_store *s, const char *sql, md_err *err);
/* How many statements the connection has compiled since it opened (a cached statement run
 * again is not compiled again): what the statement cache saves, for tests and benches. */
uint64_t md_store_prepares(const md_store *s);

const char *md_row_text(const md_row *r, int i);
int64_t md_row_int(const md_row *r, int i);
int md_row_is_null(const md_row *r, int i);
int md_row_columns(const md_row *r);

/* A process-wide observer of every statement text md_store_exec() and md_store_prepare()
 * are given (tests collect the SQL the core runs, to prepare it on every backend).  Set it
 * before any connection is in use; fn may be called from several threads at once; NULL
 * turns it off. */
typedef void (*md_store_trace_fn)(void *ctx, const char *sql);
void md_store_set_trace(md_store_trace_fn fn, void *ctx);

/* Run one query expected to return at most one row with one column: copies the text
 * (or "" for NULL) into out; returns MD_ENOTFOUND when there is no row. */
md_code md_store_scalar_text(md_store *s, const char *sql, const md_val *params, int nparams,
                             char *out, size_t outsz, md_err *err);
md_code md_store_scalar_int(md_store *s, const char *sql, const md_val *params, int nparams,
                            int64_t *out, md_err *err);

/* Schema: apply forward-only migrations not yet recorded in schema_migrations. */
md_code md_store_migrate(md_store *s, md_err *err);
/* Highest applied migration version (0 if none). */
int md_store_schema_version(md_store *s);
/* Highest migration version this build knows (numbers may have gaps). */
int md_store_migrations_known(void);

/* A fixed-size pool of connections for request threads. */
typedef struct md_pool md_pool;
md_code md_pool_open(const char *uri, int size, md_pool **out, md_err *err);
/* Blocks until a connection is free. */
md_store *md_pool_acquire(md_pool *p);
void md_pool_release(md_pool *p, md_store *s);
void md_pool_close(md_pool *p);

#endif
