/*
 * audit.c - group-committed, hash-chained audit trail.  See audit.h for the
 * contract and the writer's states.
 *
 * Two ways in:
 *  - A write: the caller has a transaction open on ctx->db; the entry is
 *    appended inside it, so the change and its entry commit (or vanish)
 *    together.
 *  - A read (no transaction open): the entry is queued to the writer thread,
 *    which group-commits everything queued in one transaction:
 *
 *   request thread                     writer thread
 *   --------------                     -------------
 *   lock; enqueue; my_batch = gen+1    wait for queue non-empty
 *   wait until committed >= my_batch   take whole queue; gen++ (the batch number)
 *                                      BEGIN; INSERT each; COMMIT
 *                                      committed = gen; result; broadcast
 *
 * Either way the chain head of a clinic is read from the table inside the
 * appending transaction, never cached: the write lock that transaction holds
 * (SQLite's BEGIN IMMEDIATE) orders appenders across threads and processes.
 */
#include "mesodesk/audit.h"
#include "mesodesk/log.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HASH_HEX (crypto_generichash_BYTES * 2 + 1)
#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

typedef struct pending {
    struct pending *next;
    char clinic_id[MD_ID_STR];
    char actor_id[MD_ID_STR];
    char actor_role[16];
    char request_id[MD_ID_STR];
    char action[32];
    char object_type[32];
    char object_id[MD_ID_STR + 8];
    char patient_id[MD_ID_STR];
    char detail[256];
    int64_t at;
} pending;

typedef struct chain {
    char clinic_id[MD_ID_STR];
    int64_t seq;
    char hash[HASH_HEX];
} chain;

typedef enum { WRITER_RUNNING, WRITER_STOPPING, WRITER_STOPPED } writer_state;

struct md_auditor {
    md_store *db;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t work;      /* writer waits here */
    pthread_cond_t committed; /* requesters wait here */
    pending *head, *tail;
    uint64_t queued_batch; /* batch number the next taken queue will get */
    uint64_t done_batch;   /* last batch finished */
    md_code last_rc;       /* result of the last finished batch */
    md_code batch_rc[64];  /* results of recent batches, by batch % 64 */
    writer_state state;
    uint64_t entries, batches;
};

static int head_row(void *vctx, const md_row *r)
{
    chain *c = vctx;
    c->seq = md_row_int(r, 0);
    const char *h = md_row_text(r, 1);
    md_strlcpy(c->hash, h ? h : "", sizeof c->hash);
    return 1;
}

/* The chain head of a clinic as the open transaction on db sees it. */
static md_code load_head(md_store *db, const char *clinic_id, chain *c, md_err *err)
{
    md_strlcpy(c->clinic_id, clinic_id, sizeof c->clinic_id);
    c->seq = 0;
    md_strlcpy(c->hash, GENESIS, sizeof c->hash);
    md_val v[] = {md_text(clinic_id)};
    return md_store_exec(db,
                         "SELECT seq, hash FROM audit_log WHERE clinic_id = $1 "
                         "ORDER BY seq DESC LIMIT 1",
                         v, 1, head_row, c, err);
}

/* The canonical text that is hashed: every field, in a fixed order, separated by '\n'. */
static void entry_hash(const char *prev, int64_t seq, const char *at, const char *clinic,
                       const char *actor, const char *role, const char *action, const char *otype,
                       const char *oid, const char *pid, const char *rid, const char *detail,
                       char out[HASH_HEX])
{
    crypto_generichash_state st;
    unsigned char h[crypto_generichash_BYTES];
    char seqs[24];
    snprintf(seqs, sizeof seqs, "%lld", (long long)seq);
    const char *parts[] = {prev,   seqs,  at,  clinic, actor, role,
                           action, otype, oid, pid,    rid,   detail};
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        const char *p = parts[i] ? parts[i] : "";
        crypto_generichash_update(&st, (const unsigned char *)p, strlen(p));
        crypto_generichash_update(&st, (const unsigned char *)"\n", 1);
    }
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(out, HASH_HEX, h, sizeof h);
}

/* Append p after head c (inside db's open transaction) and advance c. */
static md_code append_one(md_store *db, chain *c, const pending *p, md_err *err)
{
    char at[MD_TIME_STR], hash[HASH_HEX];
    md_time_format(p->at, at);
    int64_t seq = c->seq + 1;
    const char *pid = p->patient_id[0] ? p->patient_id : NULL;
    entry_hash(c->hash, seq, at, p->clinic_id, p->actor_id, p->actor_role, p->action,
               p->object_type, p->object_id, pid, p->request_id, p->detail, hash);
    md_val v[] = {md_text(p->clinic_id),
                  md_int(seq),
                  md_text(at),
                  md_text(p->actor_id),
                  md_text(p->actor_role),
                  md_text(p->action),
                  md_text(p->object_type),
                  md_text(p->object_id),
                  md_text(pid),
                  md_text(p->request_id),
                  md_text(p->detail[0] ? p->detail : NULL),
                  md_text(c->hash),
                  md_text(hash)};
    md_code rc = md_store_exec(db,
                               "INSERT INTO audit_log (clinic_id, seq, at, actor_id, actor_role, "
                               "action, object_type, object_id, patient_id, request_id, detail, "
                               "prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                               "$11, $12, $13)",
                               v, 13, NULL, NULL, err);
    if (rc != MD_OK) return rc;
    c->seq = seq;
    md_strlcpy(c->hash, hash, sizeof c->hash);
    return MD_OK;
}

/*
 * Append a list of entries inside db's open transaction.  heads (room for one
 * per entry) holds the chain heads of the clinics met so far; a batch usually
 * has one or a few clinics, so a linear search is enough.
 */
static md_code append_list(md_store *db, const pending *list, chain *heads, md_err *err)
{
    int nheads = 0;
    md_code rc = MD_OK;
    for (const pending *p = list; rc == MD_OK && p; p = p->next) {
        chain *c = NULL;
        for (int i = nheads - 1; i >= 0 && !c; i--)
            if (strcmp(heads[i].clinic_id, p->clinic_id) == 0) c = &heads[i];
        if (!c) {
            c = &heads[nheads++];
            rc = load_head(db, p->clinic_id, c, err);
        }
        if (rc == MD_OK) rc = append_one(db, c, p, err);
    }
    return rc;
}

static md_code write_batch(md_auditor *a, pending *list, uint64_t n)
{
    md_err err;
    md_err_clear(&err);
    chain *heads = calloc(n ? n : 1, sizeof *heads);
    md_code rc = heads ? md_store_begin(a->db, &err) : MD_ENOMEM;
    if (rc == MD_OK) rc = md_store_finish(a->db, append_list(a->db, list, heads, &err), &err);
    if (rc != MD_OK) md_log(MD_LOG_ERROR, "audit.write_failed", "%s", err.message);
    free(heads);
    return rc;
}

static void free_pending(pending *p)
{
    while (p) {
        pending *next = p->next;
        free(p);
        p = next;
    }
}

static void *writer_main(void *arg)
{
    md_auditor *a = arg;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (!a->head && a->state == WRITER_RUNNING)
            pthread_cond_wait(&a->work, &a->mu);
        if (!a->head) break; /* stopping and drained */
        pending *list = a->head;
        a->head = a->tail = NULL;
        uint64_t batch = ++a->queued_batch;
        pthread_mutex_unlock(&a->mu);

        uint64_t n = 0;
        for (pending *p = list; p; p = p->next)
            n++;
        md_code rc = write_batch(a, list, n);
        free_pending(list);

        pthread_mutex_lock(&a->mu);
        a->batch_rc[batch % 64] = rc;
        a->done_batch = batch;
        if (rc == MD_OK) {
            a->entries += n;
            a->batches++;
        }
        pthread_cond_broadcast(&a->committed);
    }
    a->state = WRITER_STOPPED;
    pthread_cond_broadcast(&a->committed);
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

md_code md_auditor_start(const char *db_uri, md_auditor **out, md_err *err)
{
    md_auditor *a = calloc(1, sizeof *a);
    if (!a) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_code rc = md_store_open(db_uri, &a->db, err);
    if (rc != MD_OK) {
        free(a);
        return rc;
    }
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->work, NULL);
    pthread_cond_init(&a->committed, NULL);
    a->state = WRITER_RUNNING;
    if (pthread_create(&a->thread, NULL, writer_main, a) != 0) {
        md_store_close(a->db);
        free(a);
        return md_err_set(err, MD_EIO, NULL, "cannot start the audit writer");
    }
    *out = a;
    return MD_OK;
}

void md_auditor_stop(md_auditor *a)
{
    if (!a) return;
    pthread_mutex_lock(&a->mu);
    a->state = WRITER_STOPPING;
    pthread_cond_signal(&a->work);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->work);
    pthread_cond_destroy(&a->committed);
    md_store_close(a->db);
    free(a);
}

void md_auditor_stats(md_auditor *a, uint64_t *entries, uint64_t *batches)
{
    pthread_mutex_lock(&a->mu);
    *entries = a->entries;
    *batches = a->batches;
    pthread_mutex_unlock(&a->mu);
}

static pending *pending_new(md_ctx *ctx, const md_audit_entry *e, int64_t at)
{
    pending *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    md_strlcpy(p->clinic_id, ctx->who.clinic_id, sizeof p->clinic_id);
    md_strlcpy(p->actor_id, md_actor_id(ctx), sizeof p->actor_id);
    md_strlcpy(p->actor_role, md_role_name(ctx->who.role), sizeof p->actor_role);
    md_strlcpy(p->request_id, ctx->request_id, sizeof p->request_id);
    md_strlcpy(p->action, e->action, sizeof p->action);
    md_strlcpy(p->object_type, e->object_type, sizeof p->object_type);
    md_strlcpy(p->object_id, e->object_id ? e->object_id : "", sizeof p->object_id);
    md_strlcpy(p->patient_id, e->patient_id ? e->patient_id : "", sizeof p->patient_id);
    md_strlcpy(p->detail, e->detail ? e->detail : "", sizeof p->detail);
    p->at = at;
    return p;
}

md_code md_audit_many(md_ctx *ctx, const md_audit_entry *entries, size_t n, md_err *err)
{
    md_auditor *a = ctx->auditor;
    if (!a && !(ctx->db && ctx->db->in_tx))
        return md_err_set(err, MD_EINTERNAL, NULL, "no audit writer");
    pending *first = NULL, *last = NULL;
    int64_t at = md_now();
    for (size_t i = 0; i < n; i++) {
        pending *p = pending_new(ctx, &entries[i], at);
        if (!p) {
            free_pending(first);
            return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        }
        if (last)
            last->next = p;
        else
            first = p;
        last = p;
    }
    if (!first) return MD_OK;

    if (ctx->db && ctx->db->in_tx) {
        /* Part of the caller's write: commits or rolls back with it. */
        chain *heads = calloc(n, sizeof *heads);
        md_code rc = heads ? append_list(ctx->db, first, heads, err)
                           : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        free(heads);
        free_pending(first);
        return rc;
    }

    pthread_mutex_lock(&a->mu);
    if (a->state != WRITER_RUNNING) {
        pthread_mutex_unlock(&a->mu);
        free_pending(first);
        return md_err_set(err, MD_EUNAVAILABLE, NULL, "shutting down");
    }
    if (a->tail)
        a->tail->next = first;
    else
        a->head = first;
    a->tail = last;
    uint64_t mine = a->queued_batch + 1; /* the batch that will take this queue */
    pthread_cond_signal(&a->work);
    while (a->done_batch < mine && a->state != WRITER_STOPPED)
        pthread_cond_wait(&a->committed, &a->mu);
    md_code rc = a->done_batch >= mine ? a->batch_rc[mine % 64] : MD_EUNAVAILABLE;
    pthread_mutex_unlock(&a->mu);
    if (rc != MD_OK) return md_err_set(err, rc, NULL, "the audit entry could not be written");
    return MD_OK;
}

md_code md_audit(md_ctx *ctx, const md_audit_entry *e, md_err *err)
{
    return md_audit_many(ctx, e, 1, err);
}

typedef struct verify_ctx {
    char prev[HASH_HEX];
    int64_t expect_seq;
    int64_t bad_seq;
    int64_t checked;
} verify_ctx;

static int verify_row(void *vctx, const md_row *r)
{
    verify_ctx *c = vctx;
    int64_t seq = md_row_int(r, 0);
    const char *t[12];
    for (int i = 0; i < 12; i++)
        t[i] = md_row_text(r, i + 1);
    /* t: at clinic actor role action otype oid pid rid detail prev_hash hash */
    char h[HASH_HEX];
    entry_hash(c->prev, seq, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], h);
    if (seq != c->expect_seq || strcmp(t[10] ? t[10] : "", c->prev) != 0 ||
        strcmp(t[11] ? t[11] : "", h) != 0) {
        c->bad_seq = seq;
        return 1;
    }
    md_strlcpy(c->prev, h, sizeof c->prev);
    c->expect_seq++;
    c->checked++;
    return 0;
}

md_code md_audit_verify(md_store *db, const char *clinic_id, int64_t *checked, md_err *err)
{
    verify_ctx c = {GENESIS, 1, 0, 0};
    md_val v[] = {md_text(clinic_id)};
    md_code rc = md_store_exec(db,
                               "SELECT seq, at, clinic_id, actor_id, actor_role, action, "
                               "object_type, object_id, patient_id, request_id, detail, "
                               "prev_hash, hash FROM audit_log WHERE clinic_id = $1 ORDER BY seq",
                               v, 1, verify_row, &c, err);
    if (rc != MD_OK) return rc;
    if (checked) *checked = c.checked;
    if (c.bad_seq)
        return md_err_set(err, MD_ECONFLICT, NULL, "audit chain broken at entry %lld",
                          (long long)c.bad_seq);
    return MD_OK;
}
