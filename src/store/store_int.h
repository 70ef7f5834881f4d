/*
 * store_int.h - the store's private half: the ops table every backend fills in
 * and the connection and row structs it begins with.  Only the files of src/store (and
 * tests of the store itself) include this; domain code sees store.h alone.
 *
 * Like SQLite's sqlite3_io_methods, the table is versioned: md_store_open()
 * refuses a backend whose table is not MD_STORE_OPS_VERSION, so a backend
 * built against another layout fails at open with MD_EINTERNAL instead of
 * calling through a misplaced pointer.
 *
 * Transaction state lives in the common struct (md_store.in_tx, .in_snapshot)
 * and is kept by store.c; a backend's begin/commit/rollback act on the
 * outermost level only (savepoints are store.c's), and its snapshot_begin /
 * snapshot_end on a read-only snapshot outside any write transaction.
 */
#ifndef MESODESK_STORE_INT_H
#define MESODESK_STORE_INT_H

#include "mesodesk/store.h"

#define MD_STORE_OPS_VERSION 2

typedef struct md_store_ops {
    int version; /* of this table: MD_STORE_OPS_VERSION */
    const char *name;
    unsigned supports; /* MD_STORE_SUPPORTS_* bits */
    /* Open a connection; uri is backend-specific (a file path for SQLite). */
    md_code (*open)(const char *uri, md_store **out, md_err *err);
    void (*close)(md_store *s);
    md_code (*exec)(md_store *s, const char *sql, const md_val *params, int nparams, md_row_fn fn,
                    void *ctx, md_err *err);
    /* Prepare (and cache) without running: MD_OK when the backend accepts the text. */
    md_code (*prepare)(md_store *s, const char *sql, md_err *err);
    /* Rows inserted, updated or deleted by the last statement exec() ran (0 for a query). */
    int64_t (*changes)(md_store *s);
    md_code (*begin)(md_store *s, md_err *err);  /* a write transaction */
    md_code (*commit)(md_store *s, md_err *err); /* rolls back itself on failure */
    void (*rollback)(md_store *s);
    md_code (*snapshot_begin)(md_store *s, md_err *err); /* a read-only consistent view */
    void (*snapshot_end)(md_store *s);
    /* An exclusive lock on key, held until the transaction ends. */
    md_code (*lock)(md_store *s, int64_t key, md_err *err);
    /* Row access, valid inside a row callback. */
    int (*column_count)(const md_row *r);
    const char *(*column_text)(const md_row *r, int i); /* NULL for SQL NULL */
    int64_t (*column_int)(const md_row *r, int i);
    int (*column_is_null)(const md_row *r, int i);
    /* Optional (NULL: nothing to do): the bulk-load hint of md_store_bulk(). */
    md_code (*bulk)(md_store *s, int on, md_err *err);
} md_store_ops;

/* Every backend's connection struct begins with this. */
struct md_store {
    const md_store_ops *ops;
    int in_tx;       /* transaction depth: 0 none, 1 a transaction, >1 savepoints inside it */
    int in_snapshot; /* read snapshot depth (outside any transaction) */
};

/* Every backend's row struct begins with its ops pointer. */
struct md_row {
    const md_store_ops *ops;
};

extern const md_store_ops md_store_sqlite_ops;
extern const md_store_ops md_store_pg_ops;

/* Open with an explicit backend table (checks its version). */
md_code md__store_open_with(const md_store_ops *ops, const char *uri, md_store **out, md_err *err);

#endif
