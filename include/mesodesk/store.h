/*
 * store.h - the storage interface.
 *
 * Like SQLite's VFS, a backend is a versioned table of functions
 * (md_store_ops); one file per backend (src/store/store_sqlite.c, later
 * store_pg.c).  Domain code speaks portable SQL through md_store_exec() with
 * $1..$n placeholders and never includes a database header; each backend
 * prepares (and caches) statements, binds the typed parameters and hands each
 * result row to a callback.  There is no string interpolation of values
 * anywhere: prepared statements only.
 *
 * Portable SQL rules: TEXT for strings, ids and timestamps ("YYYY-MM-DDTHH:MM:SSZ",
 * UTC) and dates ("YYYY-MM-DD"); BIGINT for integers; INTEGER 0/1 for
 * booleans; no AUTOINCREMENT, no backend functions beyond lower(), count(),
 * max(), coalesce().  Every table carries clinic_id (see migrations.c).
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

typedef struct md_store_ops {
    int version; /* of this table: 1 */
    const char *name;
    /* Open a connection; uri is backend-specific (a file path for SQLite). */
    md_code (*open)(const char *uri, md_store **out, md_err *err);
    void (*close)(md_store *s);
    md_code (*exec)(md_store *s, const char *sql, const md_val *params, int nparams, md_row_fn fn,
                    void *ctx, md_err *err);
    md_code (*begin)(md_store *s, md_err *err); /* a write transaction */
    md_code (*commit)(md_store *s, md_err *err);
    void (*rollback)(md_store *s);
    /* Row access, valid inside a row callback. */
    int (*column_count)(const md_row *r);
    const char *(*column_text)(const md_row *r, int i); /* NULL for SQL NULL */
    int64_t (*column_int)(const md_row *r, int i);
    int (*column_is_null)(const md_row *r, int i);
} md_store_ops;

/* Every backend's connection struct begins with this. */
struct md_store {
    const md_store_ops *ops;
    int in_tx; /* transaction depth: 0 none, 1 a transaction, >1 savepoints inside it */
};

extern const md_store_ops md_store_sqlite_ops;

/* Open by URI: "postgresql://..." or "postgres://..." selects PostgreSQL (a later issue);
 * anything else is a SQLite file path. */
md_code md_store_open(const char *uri, md_store **out, md_err *err);
void md_store_close(md_store *s);

md_code md_store_exec(md_store *s, const char *sql, const md_val *params, int nparams, md_row_fn fn,
                      void *ctx, md_err *err);
/* Transactions nest (savepoints inside the outermost one).  A failed commit has
 * already rolled its level back.  md_store_finish() commits when rc is MD_OK,
 * otherwise rolls back, and returns the outcome: the usual ending of a write. */
md_code md_store_begin(md_store *s, md_err *err);
md_code md_store_commit(md_store *s, md_err *err);
void md_store_rollback(md_store *s);
md_code md_store_finish(md_store *s, md_code rc, md_err *err);

const char *md_row_text(const md_row *r, int i);
int64_t md_row_int(const md_row *r, int i);
int md_row_is_null(const md_row *r, int i);
int md_row_columns(const md_row *r);

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
