/*
 * audit.c - group-committed, hash-chained audit trail.  See audit.h for the
 * contract and the writer's states.
 *
 * Two ways in:
 *  - A write: the caller has a transaction open on ctx->db; the entry is
 *    appended inside it, so the change and its entry commit (or vanish)
 *    together.
 *  - A read (no transaction open): the entries are one job for the database's
 *    committer (commit.c): its writer thread appends them in a savepoint of the
 *    next batch, which also holds the writes of other requests, commits the batch
 *    with one flush and then posts this request's own slot.  A read whose entry
 *    could not be made durable gets MD_EUNAVAILABLE, and its caller must not answer
 *    with the data.
 *
 * Either way the chain head of a clinic is its row in audit_heads, locked and
 * read inside the appending transaction, never cached, and moved by the same
 * transaction (see lock_head): appenders in any thread or process extend one
 * chain, and a rolled-back append leaves the head where it was.
 *
 * Checkpoints (an anchored auditor; audit_anchor.c signs and verifies them):
 * the writer keeps, per clinic it has seen, the seq of its last checkpoint,
 * when it was taken, and whether the chain moved since ("dirty").  A batch
 * marks its clinics dirty; a write in a request's transaction marks its
 * clinic dirty and wakes the writer.  A dirty clinic is due when its last
 * checkpoint is MD_AUDIT_CHECKPOINT_MS old (or it has none); the writer
 * checkpoints due clinics inside the next batch's transaction (the committer's
 * before_commit hook), or in a transaction of its own when it wakes for a due
 * clinic with nothing queued.  That own transaction begins with the write lock,
 * so it waits for a write on another connection that woke it and sees its entry.
 * Dirty clinics that are not yet due set the writer's wake-up time (the
 * next_due_us hook).  The log lines are written after the batch's waiters are
 * woken (after_commit).
 *
 *   clinic:  CLEAN --chain moved--> DIRTY --due (period over)--> checkpoint --> CLEAN
 *                                   DIRTY --md_auditor_stop---> checkpoint --> CLEAN
 */
#include "audit_int.h"
#include "mesodesk/commit.h"
#include "mesodesk/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
    char hash[AUDIT_HASH_HEX];
    int64_t row_seq; /* seq of the clinic's audit_heads row as read */
    int stored;      /* the clinic has an audit_heads row */
} chain;

/* Checkpoint state of one clinic (see the top of the file). */
typedef struct cp_clinic {
    char clinic_id[MD_ID_STR];
    int64_t cp_seq; /* seq of its last checkpoint; -1 not read from the table yet */
    int64_t cp_us;  /* monotonic time of its last checkpoint; 0 none by this writer */
    int dirty;      /* its chain moved since */
} cp_clinic;

/* A clinic taken for a checkpoint in this transaction. */
typedef struct cp_due {
    char clinic_id[MD_ID_STR];
    int64_t cp_seq;
} cp_due;

struct md_auditor {
    md_committer *committer; /* owned: the database's one writer */
    pthread_mutex_t mu;      /* the fields below; taken after the committer's lock */
    uint64_t entries;        /* read entries committed */
    md_audit_anchor *anchor; /* owned; NULL: no checkpoints */
    cp_clinic *clinics;
    size_t nclinics, cap_clinics;
};

static int head_row(void *vctx, const md_row *r)
{
    chain *c = vctx;
    c->seq = md_row_int(r, 0);
    const char *h = md_row_text(r, 1);
    md_strlcpy(c->hash, h ? h : "", sizeof c->hash);
    c->stored = 1;
    return 1;
}

/*
 * The chain head of a clinic as the open transaction on db sees it: its audit_heads
 * row.  A clinic without one starts at seq 0, or at its last entry should the trail
 * hold entries (a head row that went missing: the next append inserts it again).
 */
static md_code load_head(md_store *db, const char *clinic_id, chain *c, md_err *err)
{
    md_strlcpy(c->clinic_id, clinic_id, sizeof c->clinic_id);
    c->seq = 0;
    c->stored = 0;
    md_strlcpy(c->hash, AUDIT_GENESIS, sizeof c->hash);
    md_val v[] = {md_text(clinic_id)};
    md_code rc = md_store_exec(db, "SELECT seq, hash FROM audit_heads WHERE clinic_id = $1", v, 1,
                               head_row, c, err);
    if (rc == MD_OK && !c->stored) {
        rc = md_store_exec(db,
                           "SELECT seq, hash FROM audit_log WHERE clinic_id = $1 "
                           "ORDER BY seq DESC LIMIT 1",
                           v, 1, head_row, c, err);
        c->stored = 0;
    }
    c->row_seq = c->seq;
    return rc;
}

/* The lock key of a clinic's chain (md_store_lock): FNV-1a of its id, in a range of its
 * own ("au" in the top bytes).  Two clinics sharing a key only wait for each other. */
static int64_t chain_lock_key(const char *clinic_id)
{
    uint64_t h = 14695981039346656037ull;
    for (const unsigned char *p = (const unsigned char *)clinic_id; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return (int64_t)((h & 0x0000ffffffffffffull) | 0x6175000000000000ull);
}

/*
 * Lock the chain of c->clinic_id until db's transaction ends, then load its head.  On
 * SQLite the transaction's write lock already covers every chain; on PostgreSQL this is
 * an advisory lock keyed by the clinic, taken before the head is read, so that the
 * head read is the latest committed and no other transaction can move it until this
 * one ends.  A clinic's first entry inserts its head row under that same lock, so two
 * processes creating it are ordered (the second then finds the row), never both
 * winning.  store_head() moves the row only from the seq read here, which catches any
 * appender that did not lock (MD_ECONFLICT: the transaction rolls back).
 */
static md_code lock_head(md_store *db, chain *c, md_err *err)
{
    char clinic_id[MD_ID_STR];
    md_strlcpy(clinic_id, c->clinic_id, sizeof clinic_id);
    md_code rc = md_store_lock(db, chain_lock_key(clinic_id), err);
    return rc == MD_OK ? load_head(db, clinic_id, c, err) : rc;
}

/* Write a head that moved back to its audit_heads row, in the transaction that moved it. */
static md_code store_head(md_store *db, chain *c, md_err *err)
{
    if (c->stored && c->seq == c->row_seq) return MD_OK;
    md_val v[] = {md_text(c->clinic_id), md_int(c->seq), md_text(c->hash), md_int(c->row_seq)};
    md_code rc = c->stored
                     ? md_store_exec(db,
                                     "UPDATE audit_heads SET seq = $2, hash = $3 "
                                     "WHERE clinic_id = $1 AND seq = $4",
                                     v, 4, NULL, NULL, err)
                     : md_store_exec(
                           db, "INSERT INTO audit_heads (clinic_id, seq, hash) VALUES ($1, $2, $3)",
                           v, 3, NULL, NULL, err);
    if (rc == MD_OK && c->stored && md_store_changes(db) != 1)
        rc = md_err_set(err, MD_ECONFLICT, NULL,
                        "the audit chain head of clinic %s moved during the append", c->clinic_id);
    if (rc != MD_OK) return rc;
    c->stored = 1;
    c->row_seq = c->seq;
    return MD_OK;
}

/* One field of format 2: its length (8 bytes, big-endian; 2^64-1 for NULL), its bytes. */
static void hash_field(crypto_generichash_state *st, const char *p)
{
    unsigned char len[8];
    uint64_t n = p ? (uint64_t)strlen(p) : UINT64_MAX;
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(n >> (56 - 8 * i));
    crypto_generichash_update(st, len, sizeof len);
    if (p) crypto_generichash_update(st, (const unsigned char *)p, strlen(p));
}

int md_audit_entry_hash(int format, const char *prev, int64_t seq, const char *at,
                        const char *clinic, const char *actor, const char *role, const char *action,
                        const char *otype, const char *oid, const char *pid, const char *rid,
                        const char *detail, char out[AUDIT_HASH_HEX])
{
    crypto_generichash_state st;
    unsigned char h[crypto_generichash_BYTES];
    char seqs[24];
    out[0] = '\0';
    if (format != AUDIT_HASH_V1 && format != AUDIT_HASH_V2) return -1;
    snprintf(seqs, sizeof seqs, "%lld", (long long)seq);
    const char *parts[] = {prev,   seqs,  at,  clinic, actor, role,
                           action, otype, oid, pid,    rid,   detail};
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    if (format == AUDIT_HASH_V2) hash_field(&st, "mesodesk-audit-entry-v2");
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (format == AUDIT_HASH_V2) {
            hash_field(&st, parts[i]);
            continue;
        }
        const char *p = parts[i] ? parts[i] : "";
        crypto_generichash_update(&st, (const unsigned char *)p, strlen(p));
        crypto_generichash_update(&st, (const unsigned char *)"\n", 1);
    }
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(out, AUDIT_HASH_HEX, h, sizeof h);
    return 0;
}

/* Append p after head c (inside db's open transaction) and advance c. */
static md_code append_one(md_store *db, chain *c, const pending *p, md_err *err)
{
    char at[MD_TIME_STR], hash[AUDIT_HASH_HEX];
    md_time_format(p->at, at);
    int64_t seq = c->seq + 1;
    const char *pid = p->patient_id[0] ? p->patient_id : NULL;
    const char *detail = p->detail[0] ? p->detail : NULL;
    md_audit_entry_hash(AUDIT_HASH_CURRENT, c->hash, seq, at, p->clinic_id, p->actor_id,
                        p->actor_role, p->action, p->object_type, p->object_id, pid, p->request_id,
                        detail, hash);
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
                  md_text(detail),
                  md_text(c->hash),
                  md_text(hash),
                  md_int(AUDIT_HASH_CURRENT)};
    md_code rc = md_store_exec(db,
                               "INSERT INTO audit_log (clinic_id, seq, at, actor_id, actor_role, "
                               "action, object_type, object_id, patient_id, request_id, detail, "
                               "prev_hash, hash, hash_format) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                               "$8, $9, $10, $11, $12, $13, $14)",
                               v, 14, NULL, NULL, err);
    if (rc != MD_OK) return rc;
    c->seq = seq;
    md_strlcpy(c->hash, hash, sizeof c->hash);
    return MD_OK;
}

static chain *head_of(chain *heads, int nheads, const char *clinic_id)
{
    for (int i = 0; i < nheads; i++)
        if (strcmp(heads[i].clinic_id, clinic_id) == 0) return &heads[i];
    return NULL;
}

static int chain_cmp(const void *a, const void *b)
{
    return strcmp(((const chain *)a)->clinic_id, ((const chain *)b)->clinic_id);
}

/*
 * Append a list of entries inside db's open transaction.  heads (room for one
 * per entry) gets the chain heads of its clinics; a batch usually has one or a
 * few clinics, so a linear search is enough.  The clinics' chains are locked in
 * the order of their ids (two writers whose batches share clinics cannot
 * deadlock), every entry is appended, then each head row is moved once.
 */
static md_code append_list(md_store *db, const pending *list, chain *heads, int *count, md_err *err)
{
    int nheads = 0;
    md_code rc = MD_OK;
    for (const pending *p = list; p; p = p->next)
        if (!head_of(heads, nheads, p->clinic_id))
            md_strlcpy(heads[nheads++].clinic_id, p->clinic_id, sizeof heads[0].clinic_id);
    qsort(heads, (size_t)nheads, sizeof *heads, chain_cmp);
    for (int i = 0; rc == MD_OK && i < nheads; i++)
        rc = lock_head(db, &heads[i], err);
    for (const pending *p = list; rc == MD_OK && p; p = p->next)
        rc = append_one(db, head_of(heads, nheads, p->clinic_id), p, err);
    for (int i = 0; rc == MD_OK && i < nheads; i++)
        rc = store_head(db, &heads[i], err);
    *count = nheads;
    return rc;
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The clinic's checkpoint state, added when new (NULL when out of memory).  Under a->mu. */
static cp_clinic *cp_find(md_auditor *a, const char *clinic_id)
{
    for (size_t i = 0; i < a->nclinics; i++)
        if (strcmp(a->clinics[i].clinic_id, clinic_id) == 0) return &a->clinics[i];
    if (a->nclinics == a->cap_clinics) {
        size_t cap = a->cap_clinics ? a->cap_clinics * 2 : 8;
        cp_clinic *n = realloc(a->clinics, cap * sizeof *n);
        if (!n) return NULL;
        a->clinics = n;
        a->cap_clinics = cap;
    }
    cp_clinic *c = &a->clinics[a->nclinics++];
    memset(c, 0, sizeof *c);
    md_strlcpy(c->clinic_id, clinic_id, sizeof c->clinic_id);
    c->cp_seq = -1;
    return c;
}

static void cp_mark_dirty(md_auditor *a, const char *clinic_id)
{
    cp_clinic *c = cp_find(a, clinic_id);
    if (c) c->dirty = 1;
}

/* When the next dirty clinic falls due (INT64_MAX: none is dirty).  Under a->mu. */
static int64_t cp_next_due(const md_auditor *a)
{
    int64_t due = INT64_MAX;
    for (size_t i = 0; i < a->nclinics; i++) {
        const cp_clinic *c = &a->clinics[i];
        int64_t t = c->cp_us ? c->cp_us + MD_AUDIT_CHECKPOINT_MS * 1000 : 0;
        if (c->dirty && t < due) due = t;
    }
    return due;
}

/* Take the dirty clinics that are due (all of them when all != 0) into a new array of
 * *n, marking them clean and checkpointed now.  Under a->mu. */
static cp_due *cp_take_due(md_auditor *a, int all, size_t *n)
{
    int64_t now = mono_us();
    *n = 0;
    cp_due *due = a->nclinics ? calloc(a->nclinics, sizeof *due) : NULL;
    for (size_t i = 0; due && i < a->nclinics; i++) {
        cp_clinic *c = &a->clinics[i];
        if (!c->dirty || (!all && c->cp_us && now < c->cp_us + MD_AUDIT_CHECKPOINT_MS * 1000))
            continue;
        md_strlcpy(due[*n].clinic_id, c->clinic_id, sizeof due[*n].clinic_id);
        due[(*n)++].cp_seq = c->cp_seq;
        c->dirty = 0;
        c->cp_us = now;
    }
    return due;
}

/*
 * Checkpoint the due clinics inside db's open transaction.  heads (nheads) are the chain
 * heads this transaction already knows; others are read.  A clinic whose chain did not
 * move past its last checkpoint gets none.  Fills cps (room for ndue); returns how many.
 * Failures are logged and never fail the caller's batch.
 */
static size_t cp_write_due(md_auditor *a, md_store *db, cp_due *due, size_t ndue,
                           const chain *heads, int nheads, md_audit_cp *cps)
{
    size_t n = 0;
    for (size_t i = 0; i < ndue; i++) {
        md_err err;
        md_err_clear(&err);
        chain head;
        const chain *c = NULL;
        for (int h = 0; h < nheads && !c; h++)
            if (strcmp(heads[h].clinic_id, due[i].clinic_id) == 0) c = &heads[h];
        md_code rc = c ? MD_OK : load_head(db, due[i].clinic_id, &head, &err);
        if (!c) c = &head;
        if (rc == MD_OK && due[i].cp_seq < 0)
            rc = md_audit_cp_last_seq(db, due[i].clinic_id, &due[i].cp_seq, &err);
        if (rc == MD_OK && c->seq > due[i].cp_seq) {
            rc = md_audit_cp_write(db, a->anchor, c->clinic_id, c->seq, c->hash, &cps[n], &err);
            if (rc == MD_OK) due[i].cp_seq = cps[n++].seq;
        } else if (rc == MD_OK && c->seq < due[i].cp_seq) {
            md_log(MD_LOG_ERROR, "audit.chain_behind_checkpoint",
                   "clinic %s: chain ends at seq %lld, its checkpoint names seq %lld", c->clinic_id,
                   (long long)c->seq, (long long)due[i].cp_seq);
        }
        if (rc != MD_OK) md_log(MD_LOG_ERROR, "audit.checkpoint_failed", "%s", err.message);
    }
    return n;
}

/* Record the checkpointed seqs of a committed transaction.  Under a->mu. */
static void cp_committed(md_auditor *a, const cp_due *due, size_t ndue)
{
    for (size_t i = 0; i < ndue; i++) {
        cp_clinic *c = cp_find(a, due[i].clinic_id);
        if (c) c->cp_seq = due[i].cp_seq;
    }
}

/* Checkpoints of one transaction, to be logged once it has committed. */
typedef struct cp_batch {
    cp_due *due;
    size_t ndue;
    md_audit_cp *cps;
    size_t ncps;
} cp_batch;

static void cp_batch_free(cp_batch *cb)
{
    free(cb->due);
    free(cb->cps);
    free(cb);
}

/* The committer's hooks (commit.h): checkpoint the clinics then due (every dirty one
 * at the final batch) inside the batch's transaction; log them once it committed. */
static void *cp_before_commit(void *arg, md_store *db, int final)
{
    md_auditor *a = arg;
    cp_batch *cb = calloc(1, sizeof *cb);
    if (!cb) return NULL;
    pthread_mutex_lock(&a->mu);
    cb->due = cp_take_due(a, final, &cb->ndue);
    pthread_mutex_unlock(&a->mu);
    cb->cps = cb->ndue ? calloc(cb->ndue, sizeof *cb->cps) : NULL;
    if (cb->cps) cb->ncps = cp_write_due(a, db, cb->due, cb->ndue, NULL, 0, cb->cps);
    return cb;
}

static void cp_after_commit(void *arg, void *state, int committed)
{
    md_auditor *a = arg;
    cp_batch *cb = state;
    if (!cb) return;
    pthread_mutex_lock(&a->mu);
    if (committed) cp_committed(a, cb->due, cb->ndue);
    for (size_t i = 0; !committed && i < cb->ndue; i++)
        cp_mark_dirty(a, cb->due[i].clinic_id); /* rolled back with the batch: again */
    pthread_mutex_unlock(&a->mu);
    if (committed) md_audit_cp_log(a->anchor, cb->cps, cb->ncps);
    cp_batch_free(cb);
}

static int64_t cp_due_us(void *arg)
{
    md_auditor *a = arg;
    pthread_mutex_lock(&a->mu);
    int64_t due = cp_next_due(a);
    pthread_mutex_unlock(&a->mu);
    return due;
}

static void free_pending(pending *p)
{
    while (p) {
        pending *next = p->next;
        free(p);
        p = next;
    }
}

md_code md_auditor_start_anchored(const char *db_uri, const char *key_path, const char *log_path,
                                  md_auditor **out, md_err *err)
{
    md_auditor *a = calloc(1, sizeof *a);
    if (!a) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    pthread_mutex_init(&a->mu, NULL);
    md_code rc = key_path ? md_audit_anchor_open(key_path, log_path, 1, &a->anchor, err) : MD_OK;
    md_commit_hooks hooks = {a, cp_before_commit, cp_after_commit, cp_due_us};
    if (rc == MD_OK) rc = md_committer_start(db_uri, a->anchor ? &hooks : NULL, &a->committer, err);
    if (rc != MD_OK) {
        md_audit_anchor_free(a->anchor);
        pthread_mutex_destroy(&a->mu);
        free(a);
        return rc;
    }
    *out = a;
    return MD_OK;
}

md_code md_auditor_start(const char *db_uri, md_auditor **out, md_err *err)
{
    return md_auditor_start_anchored(db_uri, NULL, NULL, out, err);
}

const md_audit_anchor *md_auditor_anchor(const md_auditor *a)
{
    return a ? a->anchor : NULL;
}

md_committer *md_auditor_committer(md_auditor *a)
{
    return a ? a->committer : NULL;
}

void md_auditor_stop(md_auditor *a)
{
    if (!a) return;
    md_committer_stop(a->committer); /* drains, then the final checkpoints */
    pthread_mutex_destroy(&a->mu);
    md_audit_anchor_free(a->anchor);
    free(a->clinics);
    free(a);
}

void md_auditor_stats(md_auditor *a, uint64_t *entries, uint64_t *batches)
{
    uint64_t writes;
    pthread_mutex_lock(&a->mu);
    *entries = a->entries;
    pthread_mutex_unlock(&a->mu);
    md_committer_stats(a->committer, &writes, batches);
}

/* Append a list of n entries inside db's open transaction, and mark their clinics' chains
 * moved (a is NULL or unanchored: nothing to mark). */
static md_code append_marked(md_auditor *a, md_store *db, const pending *list, size_t n,
                             md_err *err)
{
    int nheads = 0;
    chain *heads = calloc(n, sizeof *heads);
    md_code rc = heads ? append_list(db, list, heads, &nheads, err)
                       : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK && a && a->anchor) {
        pthread_mutex_lock(&a->mu);
        for (int i = 0; i < nheads; i++)
            cp_mark_dirty(a, heads[i].clinic_id);
        pthread_mutex_unlock(&a->mu);
    }
    free(heads);
    return rc;
}

/* A read's entries: a job of the committer, run on its writer connection. */
typedef struct read_job {
    md_commit_job job;
    md_auditor *a;
    pending *list;
    size_t n;
} read_job;

static md_code append_read(md_ctx *ctx, void *arg, md_err *err)
{
    read_job *r = arg;
    return append_marked(r->a, ctx->db, r->list, r->n, err);
}

/* Several reads' entries queued one after another: one list, appended in queue order with
 * one lock and read of each clinic's head and one move of it (commit.h, group).  The
 * lists are joined for the call and split again after it. */
static md_code append_reads(md_ctx *ctx, md_commit_job *const *jobs, size_t n, md_err *err)
{
    read_job *first = jobs[0]->arg;
    pending *tail[MD_COMMIT_GROUP_MAX];
    size_t total = 0;
    if (n > MD_COMMIT_GROUP_MAX) return md_err_set(err, MD_EINVAL, NULL, "too many reads to join");
    for (size_t i = 0; i < n; i++) {
        read_job *r = jobs[i]->arg;
        pending *t = r->list;
        while (t->next)
            t = t->next;
        tail[i] = t;
        if (i + 1 < n) t->next = ((read_job *)jobs[i + 1]->arg)->list;
        total += r->n;
    }
    md_code rc = append_marked(first->a, ctx->db, first->list, total, err);
    for (size_t i = 0; i < n; i++)
        tail[i]->next = NULL;
    return rc;
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
    if (!a && !(ctx->db && md_store_in_tx(ctx->db)))
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

    if (ctx->db && md_store_in_tx(ctx->db)) {
        /* Part of the caller's write: commits or rolls back with it.  The writer
         * checkpoints it once due; a transaction on another connection delays that
         * checkpoint's own transaction until it ends. */
        md_code rc = append_marked(a, ctx->db, first, n, err);
        free_pending(first);
        if (rc == MD_OK && a && a->anchor) md_committer_poke(a->committer);
        return rc;
    }

    read_job job = {.a = a, .list = first, .n = n};
    job.job.fn = append_read;
    job.job.group = append_reads;
    job.job.arg = &job;
    md_code rc = md_commit_submit(a->committer, ctx, &job.job, err);
    if (rc == MD_OK) rc = md_commit_wait(&job.job, err);
    free_pending(first);
    if (rc != MD_OK) {
        md_log(MD_LOG_ERROR, "audit.write_failed", "%s", err->message);
        return md_err_set(err, MD_EUNAVAILABLE, NULL, "the audit entry could not be made durable");
    }
    pthread_mutex_lock(&a->mu);
    a->entries += n;
    pthread_mutex_unlock(&a->mu);
    return MD_OK;
}

md_code md_audit(md_ctx *ctx, const md_audit_entry *e, md_err *err)
{
    return md_audit_many(ctx, e, 1, err);
}
