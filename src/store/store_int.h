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
    /* Optional (NULL: indexes stay and are kept row by row): md_store_defer_indexes() and
     * md_store_restore_indexes(), called inside a transaction. */
    md_code (*defer_indexes)(md_store *s, const char *const *tables, md_err *err);
    md_code (*restore_indexes)(md_store *s, md_err *err);
    /* Optional (NULL: every commit is durable when it returns): md_store_defer_sync() and
     * md_store_sync(); sync may run while another thread runs statements on s. */
    md_code (*defer_sync)(md_store *s, md_err *err);
    md_code (*sync)(md_store *s, md_err *err);
} md_store_ops;

/* Every backend's connection struct begins with this. */
struct md_store {
    const md_store_ops *ops;
    int in_tx;       /* transaction depth: 0 none, 1 a transaction, >1 savepoints inside it */
    int in_snapshot; /* read snapshot depth (outside any transaction) */
    uint64_t prepares; /* statements the backend compiled (md_store_prepares) */
};

/*
 * The statement cache's keys, shared by the backends (each keeps its own prepared handle
 * per slot): MD_STMT_SETS sets of MD_STMT_WAYS slots, a text's set chosen by FNV-1a of the
 * text.  A set holds its MD_STMT_WAYS most recently used texts, so texts whose hashes meet
 * do not evict each other (a direct-mapped cache thrashed on such pairs).
 */
#define MD_STMT_SETS 128
#define MD_STMT_WAYS 4
#define MD_STMT_SLOTS (MD_STMT_SETS * MD_STMT_WAYS)

typedef struct md__stmt_key {
    char *sql;     /* the portable text (owned), NULL: an empty slot */
    uint32_t hash; /* FNV-1a of sql */
    uint64_t used; /* the cache's tick at its latest use */
} md__stmt_key;

typedef struct md__stmt_cache {
    md__stmt_key key[MD_STMT_SLOTS];
    uint64_t tick;
} md__stmt_cache;

/* The slot for sql.  *hit = 1: the slot holds sql (its statement is ready).  *hit = 0: the
 * slot to fill, an empty one of its set or its least recently used; the caller finalises
 * whatever statement the slot had, then calls md__stmt_fill (or leaves the slot empty when
 * the prepare failed: md__stmt_clear). */
int md__stmt_slot(md__stmt_cache *c, const char *sql, int *hit);
/* Make slot i the key of sql (copied; MD_ENOMEM when it cannot be). */
md_code md__stmt_fill(md__stmt_cache *c, int i, const char *sql, md_err *err);
void md__stmt_clear(md__stmt_cache *c, int i);

/* Every backend's row struct begins with its ops pointer. */
struct md_row {
    const md_store_ops *ops;
};

extern const md_store_ops md_store_sqlite_ops;
extern const md_store_ops md_store_pg_ops;

/* Open with an explicit backend table (checks its version). */
md_code md__store_open_with(const md_store_ops *ops, const char *uri, md_store **out, md_err *err);

#endif
