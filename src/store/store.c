/*
 * store.c - backend selection, convenience queries, the connection pool.
 * Backend-specific code lives in store_<backend>.c only.
 */
#include "store_int.h"

#include "mesodesk/util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

md_code md__store_open_with(const md_store_ops *ops, const char *uri, md_store **out, md_err *err)
{
    if (!ops || ops->version != MD_STORE_OPS_VERSION)
        return md_err_set(err, MD_EINTERNAL, "db",
                          "storage backend %s has interface version %d, this build needs %d",
                          ops && ops->name ? ops->name : "?", ops ? ops->version : 0,
                          MD_STORE_OPS_VERSION);
    md_code rc = ops->open(uri, out, err);
    if (rc == MD_OK) {
        (*out)->in_tx = 0;
        (*out)->in_snapshot = 0;
        (*out)->prepares = 0;
    }
    return rc;
}

md_code md_store_open(const char *uri, md_store **out, md_err *err)
{
    if (!uri || !*uri) return md_err_set(err, MD_EINVAL, "db", "no database given");
    if (strncmp(uri, "postgres://", 11) == 0 || strncmp(uri, "postgresql://", 13) == 0)
        return md__store_open_with(&md_store_pg_ops, uri, out, err);
    return md__store_open_with(&md_store_sqlite_ops, uri, out, err);
}

/* postgres://user:secret@host/db?password=x&sslmode=y -> postgres://user@host/db?sslmode=y */
void md_store_uri_shown(const char *uri, char *out, size_t outsz)
{
    const char *scheme = strstr(uri, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *colon = at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
    if (!colon)
        md_strlcpy(out, uri, outsz);
    else
        snprintf(out, outsz, "%.*s%s", (int)(colon - uri), uri, at);
    char *pw = scheme ? strstr(out, "password=") : NULL;
    if (pw && pw > out && (pw[-1] == '?' || pw[-1] == '&')) {
        char *end = strchr(pw, '&');
        if (end)
            memmove(pw, end + 1, strlen(end + 1) + 1);
        else
            pw[-1] = '\0';
    }
}

void md_store_close(md_store *s)
{
    if (s) s->ops->close(s);
}

static md_store_trace_fn trace_fn;
static void *trace_ctx;

void md_store_set_trace(md_store_trace_fn fn, void *ctx)
{
    trace_ctx = ctx;
    trace_fn = fn;
}

/* A NULL statement: what a bounded builder (sbuf.h) gives when the text did not fit. */
static md_code no_statement(md_err *err)
{
    return md_err_set(err, MD_EINTERNAL, NULL, "a statement was too long to build");
}

md_code md_store_exec(md_store *s, const char *sql, const md_val *params, int nparams, md_row_fn fn,
                      void *ctx, md_err *err)
{
    if (!sql) return no_statement(err);
    if (nparams < 0 || nparams > MD_STORE_PARAMS_MAX)
        return md_err_set(err, MD_EINTERNAL, NULL, "a statement with %d parameters (at most %d)",
                          nparams, MD_STORE_PARAMS_MAX);
    if (trace_fn) trace_fn(trace_ctx, sql);
    return s->ops->exec(s, sql, params, nparams, fn, ctx, err);
}

/*
 * Transactions nest: the outermost md_store_begin() opens a write transaction
 * (the backend's begin), an inner one a SAVEPOINT named by its depth.  An inner
 * commit releases its savepoint; an inner rollback undoes only its own work.
 * So a domain function that makes one atomic change can be called on its own
 * or as part of a larger change (a questionnaire confirmed into several facts).
 */
static md_code savepoint(md_store *s, const char *verb, int depth, md_err *err)
{
    char sql[48];
    snprintf(sql, sizeof sql, "%s md_sp%d", verb, depth);
    return s->ops->exec(s, sql, NULL, 0, NULL, NULL, err);
}

md_code md_store_begin(md_store *s, md_err *err)
{
    if (s->in_snapshot > 0)
        return md_err_set(err, MD_EINTERNAL, NULL, "a write transaction inside a read snapshot");
    md_code rc = s->in_tx > 0 ? savepoint(s, "SAVEPOINT", s->in_tx, err) : s->ops->begin(s, err);
    if (rc == MD_OK) s->in_tx++;
    return rc;
}

md_code md_store_commit(md_store *s, md_err *err)
{
    if (s->in_tx <= 0) return md_err_set(err, MD_EINTERNAL, NULL, "commit without a transaction");
    if (s->in_tx == 1) {
        md_code rc = s->ops->commit(s, err); /* rolls back itself on failure */
        s->in_tx = 0;
        return rc;
    }
    md_code rc = savepoint(s, "RELEASE", s->in_tx - 1, err);
    if (rc != MD_OK) {
        md_store_rollback(s);
        return rc;
    }
    s->in_tx--;
    return MD_OK;
}

void md_store_rollback(md_store *s)
{
    if (s->in_tx == 1) s->ops->rollback(s);
    if (s->in_tx > 1) {
        savepoint(s, "ROLLBACK TO", s->in_tx - 1, NULL);
        savepoint(s, "RELEASE", s->in_tx - 1, NULL);
    }
    if (s->in_tx > 0) s->in_tx--;
}

md_code md_store_finish(md_store *s, md_code rc, md_err *err)
{
    if (rc == MD_OK) return md_store_commit(s, err);
    md_store_rollback(s);
    return rc;
}

int md_store_in_tx(const md_store *s)
{
    return s->in_tx;
}

/* A snapshot inside a write transaction is the transaction itself. */
md_code md_store_snapshot_begin(md_store *s, md_err *err)
{
    if (s->in_tx > 0) return MD_OK;
    if (s->in_snapshot == 0) {
        md_code rc = s->ops->snapshot_begin(s, err);
        if (rc != MD_OK) return rc;
    }
    s->in_snapshot++;
    return MD_OK;
}

void md_store_snapshot_end(md_store *s)
{
    if (s->in_tx > 0 || s->in_snapshot <= 0) return;
    if (--s->in_snapshot == 0) s->ops->snapshot_end(s);
}

md_code md_store_lock(md_store *s, int64_t key, md_err *err)
{
    if (s->in_tx <= 0)
        return md_err_set(err, MD_EINTERNAL, NULL, "an advisory lock outside a transaction");
    return s->ops->lock(s, key, err);
}

md_code md_store_bulk(md_store *s, int on, md_err *err)
{
    return s->ops->bulk ? s->ops->bulk(s, on, err) : MD_OK;
}

md_code md_store_defer_indexes(md_store *s, const char *const *tables, md_err *err)
{
    if (s->in_tx <= 0)
        return md_err_set(err, MD_EINTERNAL, NULL, "deferring indexes outside a transaction");
    return s->ops->defer_indexes ? s->ops->defer_indexes(s, tables, err) : MD_OK;
}

md_code md_store_restore_indexes(md_store *s, md_err *err)
{
    if (s->in_tx <= 0)
        return md_err_set(err, MD_EINTERNAL, NULL, "restoring indexes outside a transaction");
    return s->ops->restore_indexes ? s->ops->restore_indexes(s, err) : MD_OK;
}

md_code md_store_defer_sync(md_store *s, md_err *err)
{
    return s->ops->defer_sync ? s->ops->defer_sync(s, err) : MD_OK;
}

md_code md_store_sync(md_store *s, md_err *err)
{
    return s->ops->sync ? s->ops->sync(s, err) : MD_OK;
}

int64_t md_store_changes(md_store *s)
{
    return s->ops->changes(s);
}

unsigned md_store_supports(const md_store *s)
{
    return s->ops->supports;
}

const char *md_store_backend(const md_store *s)
{
    return s->ops->name;
}

md_code md_store_prepare(md_store *s, const char *sql, md_err *err)
{
    if (!sql) return no_statement(err);
    if (trace_fn) trace_fn(trace_ctx, sql);
    return s->ops->prepare(s, sql, err);
}

static uint32_t fnv1a(const char *p)
{
    uint32_t h = 2166136261u;
    for (; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return h;
}

int md__stmt_slot(md__stmt_cache *c, const char *sql, int *hit)
{
    uint32_t h = fnv1a(sql);
    int first = (int)(h % MD_STMT_SETS) * MD_STMT_WAYS, victim = first;
    c->tick++;
    for (int i = first; i < first + MD_STMT_WAYS; i++) {
        md__stmt_key *k = &c->key[i];
        if (k->sql && k->hash == h && strcmp(k->sql, sql) == 0) {
            k->used = c->tick;
            *hit = 1;
            return i;
        }
        const md__stmt_key *v = &c->key[victim];
        if (!v->sql) continue; /* an empty slot is the best victim */
        if (!k->sql || k->used < v->used) victim = i;
    }
    *hit = 0;
    return victim;
}

md_code md__stmt_fill(md__stmt_cache *c, int i, const char *sql, md_err *err)
{
    char *copy = strdup(sql);
    if (!copy) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    free(c->key[i].sql);
    c->key[i].sql = copy;
    c->key[i].hash = fnv1a(sql);
    c->key[i].used = c->tick;
    return MD_OK;
}

void md__stmt_clear(md__stmt_cache *c, int i)
{
    free(c->key[i].sql);
    c->key[i].sql = NULL;
}

uint64_t md_store_prepares(const md_store *s)
{
    return s->prepares;
}

const char *md_row_text(const md_row *r, int i)
{
    return r->ops->column_text(r, i);
}

int64_t md_row_int(const md_row *r, int i)
{
    return r->ops->column_int(r, i);
}

int md_row_is_null(const md_row *r, int i)
{
    return r->ops->column_is_null(r, i);
}

int md_row_columns(const md_row *r)
{
    return r->ops->column_count(r);
}

typedef struct scalar_ctx {
    int found;
    char *text;
    size_t textsz;
    int64_t i;
} scalar_ctx;

static int scalar_row(void *vctx, const md_row *row)
{
    scalar_ctx *c = vctx;
    c->found = 1;
    if (c->text) {
        const char *t = md_row_text(row, 0);
        md_strlcpy(c->text, t ? t : "", c->textsz);
    } else {
        c->i = md_row_int(row, 0);
    }
    return 1;
}

md_code md_store_scalar_text(md_store *s, const char *sql, const md_val *params, int nparams,
                             char *out, size_t outsz, md_err *err)
{
    scalar_ctx c = {0, out, outsz, 0};
    md_code rc = md_store_exec(s, sql, params, nparams, scalar_row, &c, err);
    if (rc != MD_OK) return rc;
    return c.found ? MD_OK : md_err_set(err, MD_ENOTFOUND, NULL, "not found");
}

md_code md_store_scalar_int(md_store *s, const char *sql, const md_val *params, int nparams,
                            int64_t *out, md_err *err)
{
    scalar_ctx c = {0, NULL, 0, 0};
    md_code rc = md_store_exec(s, sql, params, nparams, scalar_row, &c, err);
    if (rc != MD_OK) return rc;
    if (!c.found) return md_err_set(err, MD_ENOTFOUND, NULL, "not found");
    *out = c.i;
    return MD_OK;
}

struct md_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int size;
    int nfree;
    md_store **conns; /* all connections */
    md_store **free_list;
};

md_code md_pool_open(const char *uri, int size, md_pool **out, md_err *err)
{
    md_pool *p = calloc(1, sizeof *p);
    if (!p) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->conns = calloc((size_t)size, sizeof *p->conns);
    p->free_list = calloc((size_t)size, sizeof *p->free_list);
    if (!p->conns || !p->free_list) {
        md_pool_close(p);
        return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    }
    for (int i = 0; i < size; i++) {
        md_code rc = md_store_open(uri, &p->conns[i], err);
        if (rc != MD_OK) {
            md_pool_close(p);
            return rc;
        }
        p->size++;
        p->free_list[p->nfree++] = p->conns[i];
    }
    *out = p;
    return MD_OK;
}

md_store *md_pool_acquire(md_pool *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->nfree == 0)
        pthread_cond_wait(&p->cv, &p->mu);
    md_store *s = p->free_list[--p->nfree];
    pthread_mutex_unlock(&p->mu);
    return s;
}

void md_pool_release(md_pool *p, md_store *s)
{
    while (s->in_tx > 0)
        md_store_rollback(s); /* a handler that bailed out mid-transaction */
    while (s->in_snapshot > 0)
        md_store_snapshot_end(s);
    pthread_mutex_lock(&p->mu);
    p->free_list[p->nfree++] = s;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void md_pool_close(md_pool *p)
{
    if (!p) return;
    for (int i = 0; i < p->size; i++)
        md_store_close(p->conns[i]);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->conns);
    free(p->free_list);
    free(p);
}
