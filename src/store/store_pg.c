/*
 * store_pg.c - the PostgreSQL 15 backend of md_store (libpq), selected by a
 * postgres:// or postgresql:// URI.
 *
 * One md_store is one libpq connection; md_pool (store.c) keeps a fixed set of
 * them for the request threads.  Statements are prepared once per connection
 * (PQprepare, named "md<slot>") and run with PQexecPrepared; the cache is keyed
 * by the portable SQL text, whose $n placeholders are PostgreSQL's own.  All
 * parameters travel as text with their type left to the server to infer from
 * the statement (store.h: a parameter needs a context or a cast); integers are
 * formatted in C.  Results come back as text; column_int parses them.
 * Statements that are not queries or data changes (transaction control, DDL)
 * run unprepared and uncached.
 *
 * Transactions (store.c keeps the depth):
 *
 *     idle --begin--> BEGIN; pg_advisory_xact_lock(WRITE_LOCK)  --commit--> idle
 *       |                                   |--rollback / failed COMMIT--> idle
 *       +--snapshot_begin--> BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY
 *                                           --snapshot_end (COMMIT)--> idle
 *
 * The write lock makes write transactions one at a time per database, as
 * SQLite's BEGIN IMMEDIATE does, so code written for SQLite (read the maximum,
 * insert the next) keeps its meaning.  lock(key) is a transaction-scoped
 * advisory lock on the key, for the finer locking that will replace it.  A
 * lock wait longer than LOCK_TIMEOUT fails with SQLSTATE 55P03, which maps to
 * MD_EUNAVAILABLE like SQLite's busy timeout.  A COMMIT of a transaction that
 * an error aborted answers "ROLLBACK": that is reported as a failure.
 *
 * Errors map to the codes SQLite's backend gives: 23505 (unique) ->
 * MD_ECONFLICT, other class 23 (not null, foreign key, check) -> MD_EINVAL,
 * 40001/40P01/55P03/57014 and a lost connection -> MD_EUNAVAILABLE, anything
 * else MD_EIO.  A connection found broken outside a transaction is reset before
 * the next statement (its prepared statements are gone with it); a statement
 * that failed is never retried, as it may have run.
 * Notices (CREATE ... IF NOT EXISTS) are dropped: library code never prints.
 * No message carries the password of the URI; a lost connection says only
 * that the database is unavailable (a client may see it).
 */
#include "store_int.h"

#include "mesodesk/util.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PARAMS MD_STORE_PARAMS_MAX
#define WRITE_LOCK 0x6d65736f /* "meso": the database-wide write lock's key */
#define LOCK_TIMEOUT "10s"

typedef struct pg_store {
    md_store base;
    PGconn *conn;
    int64_t changes;
    char shown_uri[256];  /* the URI without its password, for messages */
    md__stmt_cache cache; /* slot i is the prepared statement "md<i>" (store_int.h) */
} pg_store;

typedef struct pg_row {
    const md_store_ops *ops;
    PGresult *res;
    int row;
} pg_row;

/* libpq's messages end in a newline and may span lines: one line, no trailing space. */
static void one_line(const char *in, char *out, size_t outsz)
{
    md_strlcpy(out, in ? in : "", outsz);
    for (char *p = out; *p; p++)
        if (*p == '\n' || *p == '\t') *p = ' ';
    size_t n = strlen(out);
    while (n && out[n - 1] == ' ')
        out[--n] = '\0';
}

static void no_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static int conn_lost(const pg_store *s)
{
    return PQstatus(s->conn) != CONNECTION_OK;
}

/* The md_code for a failed result (res may be NULL: no answer at all). */
static md_code result_error(pg_store *s, PGresult *res, md_err *err, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *msg = primary ? primary : PQerrorMessage(s->conn);
    char clean[MD_ERR_MESSAGE_MAX];
    one_line(msg, clean, sizeof clean);
    /* A client may see this message: no address of the database, no libpq detail. */
    if (!state || conn_lost(s))
        return md_err_set(err, MD_EUNAVAILABLE, NULL, "the database is unavailable");
    if (strcmp(state, "23505") == 0)
        return md_err_set(err, MD_ECONFLICT, NULL, "already exists (%s)", clean);
    if (strncmp(state, "23", 2) == 0)
        return md_err_set(err, MD_EINVAL, NULL, "constraint failed (%s)", clean);
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0 ||
        strcmp(state, "57014") == 0 || strncmp(state, "08", 2) == 0 ||
        strncmp(state, "53", 2) == 0 || strncmp(state, "57P", 3) == 0)
        return md_err_set(err, MD_EUNAVAILABLE, NULL, "database busy: %s (%s)", what, clean);
    return md_err_set(err, MD_EIO, NULL, "%s: %s (SQLSTATE %s)", what, clean, state);
}

static void forget_statements(pg_store *s)
{
    for (int i = 0; i < MD_STMT_SLOTS; i++)
        md__stmt_clear(&s->cache, i);
}

static void pg_close(md_store *base)
{
    pg_store *s = (pg_store *)base;
    forget_statements(s);
    if (s->conn) PQfinish(s->conn);
    free(s);
}

/* Run a statement with no parameters and no rows wanted (session setup, transaction control). */
static md_code simple(pg_store *s, const char *sql, md_err *err)
{
    PGresult *res = PQexec(s->conn, sql);
    md_code rc = MD_OK;
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) rc = result_error(s, res, err, sql);
    PQclear(res);
    return rc;
}

static md_code session_setup(pg_store *s, md_err *err)
{
    PQsetNoticeProcessor(s->conn, no_notices, NULL);
    return simple(s,
                  "SET lock_timeout = '" LOCK_TIMEOUT "'; SET client_min_messages = warning; "
                  "SET TIME ZONE 'UTC'",
                  err);
}

static md_code pg_open(const char *uri, md_store **out, md_err *err)
{
    pg_store *s = calloc(1, sizeof *s);
    if (!s) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    s->base.ops = &md_store_pg_ops;
    md_store_uri_shown(uri, s->shown_uri, sizeof s->shown_uri);
    s->conn = PQconnectdb(uri);
    if (!s->conn) {
        pg_close(&s->base);
        return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    }
    if (PQstatus(s->conn) != CONNECTION_OK) {
        char msg[MD_ERR_MESSAGE_MAX];
        one_line(PQerrorMessage(s->conn), msg, sizeof msg);
        md_err_set(err, MD_EUNAVAILABLE, "db", "cannot connect to %s: %s", s->shown_uri, msg);
        pg_close(&s->base);
        return MD_EUNAVAILABLE;
    }
    md_code rc = session_setup(s, err);
    if (rc != MD_OK) {
        pg_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return MD_OK;
}

/* Outside a transaction, a broken connection is reset once; inside, the transaction is lost. */
static int revive(pg_store *s)
{
    if (!conn_lost(s) || s->base.in_tx > 0 || s->base.in_snapshot > 0) return 0;
    PQreset(s->conn);
    forget_statements(s);
    return !conn_lost(s) && session_setup(s, NULL) == MD_OK;
}

/* Queries and data changes are prepared and cached; anything else runs as it is. */
static int cacheable(const char *sql)
{
    static const char *const verbs[] = {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"};
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        size_t n = strlen(verbs[i]);
        if (strncasecmp(sql, verbs[i], n) == 0 && (sql[n] == ' ' || sql[n] == '\n')) return 1;
    }
    return 0;
}

static md_code prepare(pg_store *s, const char *sql, char name[16], md_err *err)
{
    int hit = 0, slot = md__stmt_slot(&s->cache, sql, &hit);
    snprintf(name, 16, "md%d", slot);
    if (hit) return MD_OK;
    if (s->cache.key[slot].sql) {
        char dealloc[32];
        snprintf(dealloc, sizeof dealloc, "DEALLOCATE %s", name);
        md__stmt_clear(&s->cache, slot);
        md_code rc = simple(s, dealloc, err);
        if (rc != MD_OK) return rc;
    }
    PGresult *res = PQprepare(s->conn, name, sql, 0, NULL);
    s->base.prepares++;
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        md_code rc = result_error(s, res, err, "prepare");
        PQclear(res);
        return rc;
    }
    PQclear(res);
    return md__stmt_fill(&s->cache, slot, sql, err);
}

static md_code run(pg_store *s, const char *sql, const md_val *params, int nparams, md_row_fn fn,
                   void *ctx, md_err *err)
{
    if (nparams < 0 || nparams > MAX_PARAMS)
        return md_err_set(err, MD_EINTERNAL, NULL, "too many parameters (%d)", nparams);
    char ints[MAX_PARAMS][24];
    const char *values[MAX_PARAMS];
    for (int i = 0; i < nparams; i++) {
        switch (params[i].type) {
        case MD_VAL_NULL: values[i] = NULL; break;
        case MD_VAL_TEXT: values[i] = params[i].text; break;
        case MD_VAL_INT:
            snprintf(ints[i], sizeof ints[i], "%lld", (long long)params[i].i);
            values[i] = ints[i];
            break;
        }
    }
    PGresult *res;
    if (cacheable(sql)) {
        char name[16];
        md_code rc = prepare(s, sql, name, err);
        if (rc != MD_OK) return rc;
        res = PQexecPrepared(s->conn, name, nparams, values, NULL, NULL, 0);
    } else {
        res = PQexecParams(s->conn, sql, nparams, NULL, values, NULL, NULL, 0);
    }
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        md_code rc = result_error(s, res, err, "step");
        PQclear(res);
        return rc;
    }
    const char *tuples = PQcmdTuples(res);
    s->changes = st == PGRES_COMMAND_OK && tuples && *tuples ? strtoll(tuples, NULL, 10) : 0;
    if (st == PGRES_TUPLES_OK && fn) {
        pg_row row = {&md_store_pg_ops, res, 0};
        int n = PQntuples(res);
        for (row.row = 0; row.row < n; row.row++)
            if (fn(ctx, (const md_row *)&row)) break;
    }
    PQclear(res);
    return MD_OK;
}

static md_code pg_exec(md_store *base, const char *sql, const md_val *params, int nparams,
                       md_row_fn fn, void *ctx, md_err *err)
{
    pg_store *s = (pg_store *)base;
    if (conn_lost(s) && !revive(s))
        return md_err_set(err, MD_EUNAVAILABLE, NULL, "the database is unavailable");
    /* A statement that failed is never retried here: it may have run.  The next one on
     * this connection reconnects (revive) when the server is back. */
    return run(s, sql, params, nparams, fn, ctx, err);
}

static md_code pg_prepare_only(md_store *base, const char *sql, md_err *err)
{
    pg_store *s = (pg_store *)base;
    char name[16];
    if (cacheable(sql)) return prepare(s, sql, name, err);
    /* Not cached: an unnamed statement, parsed and dropped. */
    PGresult *res = PQprepare(s->conn, "", sql, 0, NULL);
    md_code rc = MD_OK;
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) rc = result_error(s, res, err, "prepare");
    PQclear(res);
    return rc;
}

static int64_t pg_changes(md_store *base)
{
    return ((pg_store *)base)->changes;
}

static md_code pg_lock(md_store *base, int64_t key, md_err *err)
{
    md_val v[] = {md_int(key)};
    return pg_exec(base, "SELECT pg_advisory_xact_lock(CAST($1 AS BIGINT))", v, 1, NULL, NULL, err);
}

static md_code pg_begin(md_store *base, md_err *err)
{
    pg_store *s = (pg_store *)base;
    md_code rc = pg_exec(base, "BEGIN", NULL, 0, NULL, NULL, err);
    if (rc == MD_OK) rc = pg_lock(base, WRITE_LOCK, err);
    if (rc != MD_OK) simple(s, "ROLLBACK", NULL);
    return rc;
}

/* COMMIT of an aborted transaction "succeeds" with the tag ROLLBACK. */
static md_code finish(pg_store *s, md_err *err)
{
    PGresult *res = PQexec(s->conn, "COMMIT");
    md_code rc = MD_OK;
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = result_error(s, res, err, "commit");
    else if (strcmp(PQcmdStatus(res), "COMMIT") != 0)
        rc =
            md_err_set(err, MD_EIO, NULL, "commit: the transaction was rolled back after an error");
    PQclear(res);
    if (rc != MD_OK && !conn_lost(s)) simple(s, "ROLLBACK", NULL);
    return rc;
}

static md_code pg_commit(md_store *base, md_err *err)
{
    return finish((pg_store *)base, err);
}

static void pg_rollback(md_store *base)
{
    simple((pg_store *)base, "ROLLBACK", NULL);
}

static md_code pg_snapshot_begin(md_store *base, md_err *err)
{
    return pg_exec(base, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", NULL, 0, NULL, NULL,
                   err);
}

static void pg_snapshot_end(md_store *base)
{
    finish((pg_store *)base, NULL);
}

static int pg_column_count(const md_row *r)
{
    return PQnfields(((const pg_row *)r)->res);
}

static const char *pg_column_text(const md_row *r, int i)
{
    const pg_row *p = (const pg_row *)r;
    if (i < 0 || i >= PQnfields(p->res) || PQgetisnull(p->res, p->row, i)) return NULL;
    return PQgetvalue(p->res, p->row, i);
}

static int64_t pg_column_int(const md_row *r, int i)
{
    const char *t = pg_column_text(r, i);
    if (!t) return 0;
    if (strcmp(t, "t") == 0) return 1; /* a boolean, should one slip through */
    return strtoll(t, NULL, 10);
}

static int pg_column_is_null(const md_row *r, int i)
{
    return pg_column_text(r, i) == NULL;
}

const md_store_ops md_store_pg_ops = {
    .version = MD_STORE_OPS_VERSION,
    .name = "postgres",
    .supports = MD_STORE_SUPPORTS_NETWORK | MD_STORE_SUPPORTS_KEYED_LOCKS |
                MD_STORE_SUPPORTS_CONCURRENT_SNAPSHOTS,
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .prepare = pg_prepare_only,
    .changes = pg_changes,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .snapshot_begin = pg_snapshot_begin,
    .snapshot_end = pg_snapshot_end,
    .lock = pg_lock,
    .column_count = pg_column_count,
    .column_text = pg_column_text,
    .column_int = pg_column_int,
    .column_is_null = pg_column_is_null,
};
