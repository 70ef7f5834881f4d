/*
 * store_sqlite.c - the SQLite backend of md_store (the embedded default).
 *
 * Each connection: WAL journal, foreign keys on, synchronous=FULL, a busy
 * timeout, and a cache of prepared statements keyed by SQL text (store_int.h; portable
 * "$n" placeholders are rewritten to SQLite's "?n" once, at prepare time).
 * begin() takes the write lock up front (BEGIN IMMEDIATE) so a transaction
 * never fails half-way on a lock upgrade.  That lock is database-wide, so
 * lock(key) has nothing left to do: every key is already held.  A read
 * snapshot is a deferred read transaction (BEGIN): in WAL mode it sees the
 * state of its first read until it ends, while writers go on.
 */
#include "store_int.h"

#include "mesodesk/util.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUSY_TIMEOUT_MS 10000
/* Page cache in bulk mode, KiB (a negative cache_size): 1 GiB holds every page a 20,000-
 * patient transaction dirties (SQLite's default, 2 MiB, spills them to the WAL and reads
 * them back).  Only dirty pages must stay; clean ones are evicted as the cache fills.
 * Statement journals (a statement of several rows inside a transaction keeps one) stay in
 * memory too (temp_store), not in a temporary file written for every statement. */
#define BULK_CACHE_KIB 1048576
#define DEFAULT_CACHE_KIB 2000
/* Indexes one connection may hold deferred (md_store_defer_indexes). */
#define MAX_DEFERRED 64

typedef struct sqlite_store {
    md_store base;
    sqlite3 *db;
    int64_t changes;                    /* of the last statement */
    md__stmt_cache cache;               /* the keys of stmts (store_int.h) */
    sqlite3_stmt *stmts[MD_STMT_SLOTS]; /* prepared, by cache slot */
    char *deferred[MAX_DEFERRED];       /* CREATE INDEX texts of dropped indexes, owned */
    int ndeferred;
    /* md_store_defer_sync: commits are synchronous=NORMAL and sqlite_sync flushes the WAL
     * through a descriptor of its own (the WAL file holds no POSIX lock of SQLite's, so
     * opening and closing it cannot drop one).  Used by the syncing thread only. */
    char *wal_path; /* NULL: commits are synchronous (FULL) */
    int wal_fd;     /* -1 until the first sync */
} sqlite_store;

typedef struct sqlite_row {
    const md_store_ops *ops;
    sqlite3_stmt *stmt;
} sqlite_row;

static md_code db_error(sqlite3 *db, int rc, md_err *err, const char *what)
{
    int ext = sqlite3_extended_errcode(db);
    rc &= 0xff; /* primary code; extended result codes are on */
    if (rc == SQLITE_CONSTRAINT) {
        if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
            return md_err_set(err, MD_ECONFLICT, NULL, "already exists (%s)", sqlite3_errmsg(db));
        return md_err_set(err, MD_EINVAL, NULL, "constraint failed (%s)", sqlite3_errmsg(db));
    }
    if (rc == SQLITE_NOMEM) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return md_err_set(err, MD_EUNAVAILABLE, NULL, "database busy: %s", what);
    return md_err_set(err, MD_EIO, NULL, "%s: %s", what, sqlite3_errmsg(db));
}

static void sqlite_close(md_store *base)
{
    sqlite_store *s = (sqlite_store *)base;
    for (int i = 0; i < MD_STMT_SLOTS; i++) {
        if (s->stmts[i]) sqlite3_finalize(s->stmts[i]);
        md__stmt_clear(&s->cache, i);
    }
    for (int i = 0; i < s->ndeferred; i++)
        free(s->deferred[i]);
    if (s->wal_fd >= 0) close(s->wal_fd);
    free(s->wal_path);
    sqlite3_close(s->db);
    free(s);
}

static md_code pragma(sqlite_store *s, const char *sql, md_err *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        md_err_set(err, MD_EIO, "db", "%s: %s", sql, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return MD_EIO;
    }
    return MD_OK;
}

/* Switch a connection to WAL.  While another connection opens the same new file and makes
 * that switch, SQLite can answer SQLITE_BUSY at once, without its busy handler (four
 * servers starting on one new database): so the switch is retried, up to the busy
 * timeout. */
static md_code wal_mode(sqlite_store *s, md_err *err)
{
    for (int waited = 0;; waited += 10) {
        int rc = sqlite3_exec(s->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
        int busy = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
        if (rc == SQLITE_OK) return MD_OK;
        if (!busy || waited >= BUSY_TIMEOUT_MS) return pragma(s, "PRAGMA journal_mode=WAL", err);
        sqlite3_sleep(10);
    }
}

static md_code sqlite_open(const char *uri, md_store **out, md_err *err)
{
    sqlite_store *s = calloc(1, sizeof *s);
    if (!s) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    s->base.ops = &md_store_sqlite_ops;
    s->wal_fd = -1;
    int rc = sqlite3_open_v2(
        uri, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        md_err_set(err, MD_EIO, "db", "cannot open %s: %s", uri,
                   s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        sqlite_close(&s->base);
        return MD_EIO;
    }
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(s->db, 1);
    if (wal_mode(s, err) || pragma(s, "PRAGMA foreign_keys=ON", err) ||
        pragma(s, "PRAGMA synchronous=FULL", err) ||
        /* Savepoint journals in memory: the group-committed batch is one savepoint per
         * write, and a temp file would cost a pwrite per page (commit.c). */
        pragma(s, "PRAGMA temp_store=MEMORY", err)) {
        sqlite_close(&s->base);
        return MD_EIO;
    }
    *out = &s->base;
    return MD_OK;
}

/* "$12" -> "?12": SQLite's numbered parameter form. */
static char *rewrite_placeholders(const char *sql)
{
    char *out = strdup(sql);
    if (!out) return NULL;
    for (char *p = out; *p; p++)
        if (*p == '$' && p[1] >= '1' && p[1] <= '9') *p = '?';
    return out;
}

static md_code prepare(sqlite_store *s, const char *sql, sqlite3_stmt **out, md_err *err)
{
    int hit = 0, slot = md__stmt_slot(&s->cache, sql, &hit);
    if (hit) {
        *out = s->stmts[slot];
        return MD_OK;
    }
    if (s->stmts[slot]) sqlite3_finalize(s->stmts[slot]);
    s->stmts[slot] = NULL;
    md__stmt_clear(&s->cache, slot);
    char *native = rewrite_placeholders(sql);
    if (!native) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v3(s->db, native, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
    free(native);
    s->base.prepares++;
    if (rc != SQLITE_OK) return db_error(s->db, rc, err, "prepare");
    md_code code = md__stmt_fill(&s->cache, slot, sql, err);
    if (code != MD_OK) {
        sqlite3_finalize(stmt);
        return code;
    }
    s->stmts[slot] = stmt;
    *out = stmt;
    return MD_OK;
}

static md_code sqlite_exec(md_store *base, const char *sql, const md_val *params, int nparams,
                           md_row_fn fn, void *ctx, md_err *err)
{
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_stmt *stmt = NULL;
    md_code code = prepare(s, sql, &stmt, err);
    if (code != MD_OK) return code;
    int rc = SQLITE_OK;
    for (int i = 0; i < nparams && rc == SQLITE_OK; i++) {
        switch (params[i].type) {
        case MD_VAL_NULL: rc = sqlite3_bind_null(stmt, i + 1); break;
        case MD_VAL_INT: rc = sqlite3_bind_int64(stmt, i + 1, params[i].i); break;
        case MD_VAL_TEXT:
            rc = sqlite3_bind_text(stmt, i + 1, params[i].text, -1, SQLITE_TRANSIENT);
            break;
        }
    }
    if (rc != SQLITE_OK) {
        code = db_error(s->db, rc, err, "bind");
        goto done;
    }
    sqlite_row row = {&md_store_sqlite_ops, stmt};
    for (;;) {
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            if (fn && fn(ctx, (const md_row *)&row)) break;
            continue;
        }
        if (rc == SQLITE_DONE) break;
        code = db_error(s->db, rc, err, "step");
        goto done;
    }
    code = MD_OK;
    s->changes = sqlite3_stmt_readonly(stmt) ? 0 : sqlite3_changes64(s->db);
done:
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return code;
}

static md_code sqlite_begin(md_store *base, md_err *err)
{
    return sqlite_exec(base, "BEGIN IMMEDIATE", NULL, 0, NULL, NULL, err);
}

static md_code sqlite_commit(md_store *base, md_err *err)
{
    md_code rc = sqlite_exec(base, "COMMIT", NULL, 0, NULL, NULL, err);
    if (rc != MD_OK) sqlite_exec(base, "ROLLBACK", NULL, 0, NULL, NULL, NULL);
    return rc;
}

static void sqlite_rollback(md_store *base)
{
    sqlite_exec(base, "ROLLBACK", NULL, 0, NULL, NULL, NULL);
}

static md_code sqlite_prepare_only(md_store *base, const char *sql, md_err *err)
{
    sqlite3_stmt *stmt = NULL;
    return prepare((sqlite_store *)base, sql, &stmt, err);
}

static int64_t sqlite_changes(md_store *base)
{
    return ((sqlite_store *)base)->changes;
}

static md_code sqlite_snapshot_begin(md_store *base, md_err *err)
{
    return sqlite_exec(base, "BEGIN", NULL, 0, NULL, NULL, err);
}

static void sqlite_snapshot_end(md_store *base)
{
    sqlite_exec(base, "COMMIT", NULL, 0, NULL, NULL, NULL);
}

/* BEGIN IMMEDIATE already holds the database's one write lock. */
static md_code sqlite_lock(md_store *base, int64_t key, md_err *err)
{
    (void)base;
    (void)key;
    (void)err;
    return MD_OK;
}

static int sqlite_column_count(const md_row *r)
{
    return sqlite3_column_count(((const sqlite_row *)r)->stmt);
}

static const char *sqlite_column_text(const md_row *r, int i)
{
    return (const char *)sqlite3_column_text(((const sqlite_row *)r)->stmt, i);
}

static int64_t sqlite_column_int(const md_row *r, int i)
{
    return sqlite3_column_int64(((const sqlite_row *)r)->stmt, i);
}

static int sqlite_column_is_null(const md_row *r, int i)
{
    return sqlite3_column_type(((const sqlite_row *)r)->stmt, i) == SQLITE_NULL;
}

static md_code sqlite_bulk(md_store *base, int on, md_err *err)
{
    /* temp_store stays MEMORY (set at open): changing it would drop the temp tables. */
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d", on ? BULK_CACHE_KIB : DEFAULT_CACHE_KIB);
    return pragma((sqlite_store *)base, sql, err);
}

/* Every index of the tables with a definition of its own (sql IS NOT NULL: the automatic
 * indexes of primary keys and UNIQUE constraints have none and cannot be dropped) is
 * dropped, its CREATE INDEX text kept to be run again, unchanged, by restore. */
static md_code sqlite_defer_indexes(md_store *base, const char *const *tables, md_err *err)
{
    sqlite_store *s = (sqlite_store *)base;
    char names[MAX_DEFERRED][128];
    int n = s->ndeferred, first = s->ndeferred, rc = SQLITE_OK;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                           "tbl_name = ?1 AND sql IS NOT NULL ORDER BY name",
                           -1, &q, NULL) != SQLITE_OK)
        return db_error(s->db, sqlite3_errcode(s->db), err, "reading the indexes");
    for (int t = 0; tables[t] && rc == SQLITE_OK; t++) {
        sqlite3_reset(q);
        sqlite3_bind_text(q, 1, tables[t], -1, SQLITE_TRANSIENT);
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(q, 0);
            if (n == MAX_DEFERRED || strlen(name) >= sizeof names[0]) {
                sqlite3_finalize(q);
                for (int i = first; i < n; i++)
                    free(s->deferred[i]);
                return md_err_set(err, MD_EINTERNAL, NULL, "too many indexes to defer");
            }
            md_strlcpy(names[n], name, sizeof names[0]);
            s->deferred[n++] = strdup((const char *)sqlite3_column_text(q, 1));
            if (!s->deferred[n - 1]) rc = SQLITE_NOMEM;
        }
        if (rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    sqlite3_finalize(q);
    for (int i = first; rc == SQLITE_OK && i < n; i++) {
        char drop[160];
        snprintf(drop, sizeof drop, "DROP INDEX \"%s\"", names[i]);
        rc = sqlite3_exec(s->db, drop, NULL, NULL, NULL);
    }
    if (rc != SQLITE_OK) {
        md_code code = db_error(s->db, rc, err, "deferring the indexes");
        for (int i = first; i < n; i++)
            free(s->deferred[i]);
        return code;
    }
    s->ndeferred = n;
    return MD_OK;
}

static md_code sqlite_restore_indexes(md_store *base, md_err *err)
{
    sqlite_store *s = (sqlite_store *)base;
    for (int i = 0; i < s->ndeferred; i++) {
        int rc = sqlite3_exec(s->db, s->deferred[i], NULL, NULL, NULL);
        if (rc != SQLITE_OK) return db_error(s->db, rc, err, "rebuilding a deferred index");
    }
    for (int i = 0; i < s->ndeferred; i++)
        free(s->deferred[i]);
    s->ndeferred = 0;
    return MD_OK;
}

static md_code sqlite_defer_sync(md_store *base, md_err *err)
{
    sqlite_store *s = (sqlite_store *)base;
    const char *main_db = sqlite3_db_filename(s->db, "main");
    const char *wal = main_db && *main_db ? sqlite3_filename_wal(main_db) : NULL;
    if (!wal || !*wal || s->wal_path) return MD_OK; /* a memory database: nothing to flush */
    if (!(s->wal_path = strdup(wal))) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_code rc = pragma(s, "PRAGMA synchronous=NORMAL", err);
    if (rc != MD_OK) {
        free(s->wal_path);
        s->wal_path = NULL;
    }
    return rc;
}

/* The directory of path made durable (a WAL file created since the last checkpoint is
 * lost with its commits if its directory entry is not). */
static int sync_dir(const char *path)
{
    char dir[4096];
    md_strlcpy(dir, path, sizeof dir);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        md_strlcpy(dir, ".", sizeof dir);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* fdatasync of the WAL: every frame written before it (every transaction committed on this
 * or another connection of the file) is then on disk.  A WAL file replaced since the
 * descriptor was opened (the last connection of another process closed it after a full
 * checkpoint, which synced the database) is opened again. */
static md_code sqlite_sync(md_store *base, md_err *err)
{
    sqlite_store *s = (sqlite_store *)base;
    if (!s->wal_path) return MD_OK;
    struct stat now, had;
    int gone = stat(s->wal_path, &now) != 0;
    if (gone && errno != ENOENT)
        return md_err_set(err, MD_EIO, NULL, "flushing the database journal: %s", strerror(errno));
    if (s->wal_fd >= 0 && (gone || fstat(s->wal_fd, &had) != 0 || had.st_ino != now.st_ino ||
                           had.st_dev != now.st_dev)) {
        close(s->wal_fd);
        s->wal_fd = -1;
    }
    if (gone) return MD_OK; /* no journal: every commit is in the (synced) database file */
    if (s->wal_fd < 0) {
        s->wal_fd = open(s->wal_path, O_RDWR | O_CLOEXEC);
        if (s->wal_fd < 0 || sync_dir(s->wal_path) != 0) {
            int e = errno;
            if (s->wal_fd >= 0) close(s->wal_fd);
            s->wal_fd = -1;
            return md_err_set(err, MD_EIO, NULL, "flushing the database journal: %s", strerror(e));
        }
    }
    if (fdatasync(s->wal_fd) != 0)
        return md_err_set(err, MD_EIO, NULL, "flushing the database journal: %s", strerror(errno));
    return MD_OK;
}

const md_store_ops md_store_sqlite_ops = {
    .version = MD_STORE_OPS_VERSION,
    .name = "sqlite",
    .supports = MD_STORE_SUPPORTS_CONCURRENT_SNAPSHOTS,
    .open = sqlite_open,
    .close = sqlite_close,
    .exec = sqlite_exec,
    .prepare = sqlite_prepare_only,
    .changes = sqlite_changes,
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .snapshot_begin = sqlite_snapshot_begin,
    .snapshot_end = sqlite_snapshot_end,
    .lock = sqlite_lock,
    .column_count = sqlite_column_count,
    .column_text = sqlite_column_text,
    .column_int = sqlite_column_int,
    .column_is_null = sqlite_column_is_null,
    .bulk = sqlite_bulk,
    .defer_indexes = sqlite_defer_indexes,
    .restore_indexes = sqlite_restore_indexes,
    .defer_sync = sqlite_defer_sync,
    .sync = sqlite_sync,
};
