/*
 * audit_anchor.c - anchoring the audit chain outside the database: the signing
 * key, signed checkpoints (stored and logged), and verification against them.
 * See audit.h for when checkpoints are written and what stays undetectable.
 *
 * Key file: one line, the 32-byte Ed25519 seed in hex (64 characters).  The
 * file (a symlink's target: mounted secrets often are links) must be a regular
 * file of mode 0600 or stricter; anything looser is refused.  Created by the
 * server when missing (O_EXCL: two processes starting at once keep one key).
 * The public key (its hex is the "key_id") is derived from the seed.
 *
 * Signed message (v1): "mesodesk-audit-checkpoint-v1\n" clinic "\n" seq "\n"
 * head hash "\n" time "\n".
 *
 * Checkpoint log: one line per checkpoint, appended with O_APPEND and flushed:
 *   checkpoint v1 clinic=ID seq=N head=HEX at=TIME key=HEX sig=HEX
 * Lines that do not start "checkpoint v1 " or do not end in a newline (a torn
 * last line after a crash, or one being appended) are ignored by verification.  The stored row is
 * committed before its line is written, so a crash can leave a stored checkpoint that the log lacks
 * (harmless), never the reverse: a logged checkpoint missing from the
 * database means it was deleted.
 *
 * Verification of a clinic, in one read snapshot (writers may go on meanwhile), in order:
 *   1. the chain from seq 1: the first missing seq or altered entry, each entry
 *      recomputed in its own hash format (audit_int.h), which never goes down;
 *   2. the clinic's head row (audit_heads): it names the last entry (beyond it:
 *      the tail was cut; short of it or another hash: "head_mismatch");
 *   3. each stored checkpoint: signature, then the stored entry at its seq
 *      (missing beyond the end: the tail was cut; different: rewritten);
 *   4. each log line of the clinic: the same, unless it is identical to the
 *      stored checkpoint already checked; missing from the database: deleted.
 *
 * Several processes may checkpoint one chain: a checkpoint already stored at the same
 * seq by another writer is not written twice (md_audit_cp_write).
 */
#include "audit_int.h"

#include "mesodesk/log.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_ID_HEX (crypto_sign_PUBLICKEYBYTES * 2 + 1)
#define SEED_HEX (crypto_sign_SEEDBYTES * 2)
#define MAX_PROBLEMS 20

struct md_audit_anchor {
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    char key_id[KEY_ID_HEX];
    char log_path[MD_AUDIT_PATH_MAX]; /* "" none */
    int log_fd;                       /* open for appending (writer), else -1 */
};

/* ---- the key ---- */

static md_code create_key(const char *path, md_err *err)
{
    unsigned char seed[crypto_sign_SEEDBYTES];
    char hex[SEED_HEX + 2];
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST ? MD_OK /* another process won the race: use its key */
                               : md_err_set(err, MD_EIO, "audit_key", "cannot create %s: %s", path,
                                            strerror(errno));
    randombytes_buf(seed, sizeof seed);
    sodium_bin2hex(hex, sizeof hex, seed, sizeof seed);
    sodium_memzero(seed, sizeof seed);
    size_t n = strlen(hex);
    hex[n++] = '\n';
    int ok = fchmod(fd, 0600) == 0 && write(fd, hex, n) == (ssize_t)n && fsync(fd) == 0;
    sodium_memzero(hex, sizeof hex);
    close(fd);
    if (!ok) {
        unlink(path);
        return md_err_set(err, MD_EIO, "audit_key", "cannot write %s", path);
    }
    md_log(MD_LOG_INFO, "audit.key_created", "new audit signing key in %s", path);
    return MD_OK;
}

static md_code read_key(md_audit_anchor *k, const char *path, md_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return md_err_set(err, errno == ENOENT ? MD_ENOTFOUND : MD_EIO, "audit_key",
                          "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    char buf[128];
    unsigned char seed[crypto_sign_SEEDBYTES];
    size_t seed_len = 0;
    md_code rc = MD_OK;
    ssize_t n = 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = md_err_set(err, MD_EINVAL, "audit_key", "%s is not a regular file", path);
    else if (st.st_mode & 077)
        rc = md_err_set(err, MD_EINVAL, "audit_key",
                        "%s has mode %04o, which lets others read it; it must be 0600 "
                        "(chmod 600 %s)",
                        path, (unsigned)(st.st_mode & 0777), path);
    else if ((n = read(fd, buf, sizeof buf - 1)) < 0)
        rc = md_err_set(err, MD_EIO, "audit_key", "cannot read %s", path);
    close(fd);
    if (rc != MD_OK) return rc;
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    if (strlen(buf) != SEED_HEX ||
        sodium_hex2bin(seed, sizeof seed, buf, SEED_HEX, NULL, &seed_len, NULL) != 0 ||
        seed_len != sizeof seed)
        rc = md_err_set(err, MD_EINVAL, "audit_key", "%s is not a Mesodesk audit key", path);
    else
        crypto_sign_seed_keypair(k->pk, k->sk, seed);
    sodium_memzero(buf, sizeof buf);
    sodium_memzero(seed, sizeof seed);
    if (rc == MD_OK) sodium_bin2hex(k->key_id, sizeof k->key_id, k->pk, sizeof k->pk);
    return rc;
}

md_code md_audit_anchor_open(const char *key_path, const char *log_path, int writer,
                             md_audit_anchor **out, md_err *err)
{
    *out = NULL;
    md_audit_anchor *k = calloc(1, sizeof *k);
    if (!k) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    k->log_fd = -1;
    md_code rc = writer ? create_key(key_path, err) : MD_OK;
    if (rc == MD_OK) rc = read_key(k, key_path, err);
    if (rc == MD_OK && log_path && *log_path) {
        md_strlcpy(k->log_path, log_path, sizeof k->log_path);
        if (writer) {
            k->log_fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
            if (k->log_fd < 0)
                rc = md_err_set(err, MD_EIO, "audit_log", "cannot open %s: %s", log_path,
                                strerror(errno));
        }
    }
    if (rc != MD_OK) {
        md_audit_anchor_free(k);
        return rc;
    }
    *out = k;
    return MD_OK;
}

void md_audit_anchor_free(md_audit_anchor *k)
{
    if (!k) return;
    if (k->log_fd >= 0) close(k->log_fd);
    sodium_memzero(k, sizeof *k);
    free(k);
}

const char *md_audit_anchor_key_id(const md_audit_anchor *k)
{
    return k->key_id;
}

/* The directory part of path with its slash ("" when none); "var/" for a URI. */
static void dir_of(const char *path, char *out, size_t size)
{
    const char *slash = strstr(path, "://") ? NULL : strrchr(path, '/');
    if (strstr(path, "://")) {
        md_strlcpy(out, "var/", size);
        return;
    }
    size_t n = slash ? (size_t)(slash - path) + 1 : 0;
    if (n >= size) n = size - 1;
    memcpy(out, path, n);
    out[n] = '\0';
}

void md_audit_default_paths(const char *db_path, const char *key_path, const char *log_path,
                            char *key_out, char *log_out, size_t size)
{
    char dir[MD_AUDIT_PATH_MAX];
    if (key_path && *key_path) {
        md_strlcpy(key_out, key_path, size);
    } else {
        dir_of(db_path, dir, sizeof dir);
        snprintf(key_out, size, "%saudit.key", dir);
    }
    if (log_path && *log_path) {
        md_strlcpy(log_out, log_path, size);
    } else {
        dir_of(key_out, dir, sizeof dir);
        snprintf(log_out, size, "%saudit-checkpoints.log", dir);
    }
}

/* ---- writing checkpoints ---- */

static void cp_message(const char *clinic, int64_t seq, const char *head, const char *at, char *out,
                       size_t size)
{
    snprintf(out, size, "mesodesk-audit-checkpoint-v1\n%s\n%lld\n%s\n%s\n", clinic, (long long)seq,
             head, at);
}

md_code md_audit_cp_last_seq(md_store *db, const char *clinic_id, int64_t *seq, md_err *err)
{
    md_val v[] = {md_text(clinic_id)};
    return md_store_scalar_int(db,
                               "SELECT coalesce(max(seq), 0) FROM audit_checkpoints "
                               "WHERE clinic_id = $1",
                               v, 1, seq, err);
}

md_code md_audit_cp_write(md_store *db, const md_audit_anchor *k, const char *clinic_id,
                          int64_t seq, const char *head, md_audit_cp *out, md_err *err)
{
    char at[MD_TIME_STR], msg[256], sig_hex[AUDIT_SIG_HEX];
    unsigned char sig[crypto_sign_BYTES];
    md_time_format(md_now(), at);
    cp_message(clinic_id, seq, head, at, msg, sizeof msg);
    crypto_sign_detached(sig, NULL, (const unsigned char *)msg, strlen(msg), k->sk);
    sodium_bin2hex(sig_hex, sizeof sig_hex, sig, sizeof sig);
    md_val v[] = {md_text(clinic_id), md_int(seq),        md_text(head),
                  md_text(at),        md_text(k->key_id), md_text(sig_hex)};
    int64_t have = 0;
    md_code rc = md_store_scalar_int(db,
                                     "SELECT count(*) FROM audit_checkpoints WHERE clinic_id = $1 "
                                     "AND seq = $2",
                                     v, 2, &have, err);
    if (rc != MD_OK) return rc;
    md_strlcpy(out->clinic_id, clinic_id, sizeof out->clinic_id);
    out->seq = seq;
    out->line[0] = '\0';
    if (have) return MD_OK; /* another process checkpointed this head: nothing to log */
    rc = md_store_begin(db, err);
    if (rc == MD_OK)
        rc = md_store_finish(db,
                             md_store_exec(db,
                                           "INSERT INTO audit_checkpoints (clinic_id, seq, "
                                           "head_hash, at, key_id, signature) VALUES ($1, $2, "
                                           "$3, $4, $5, $6)",
                                           v, 6, NULL, NULL, err),
                             err);
    if (rc != MD_OK) return rc;
    snprintf(out->line, sizeof out->line,
             "checkpoint v1 clinic=%s seq=%lld head=%s at=%s key=%s sig=%s\n", clinic_id,
             (long long)seq, head, at, k->key_id, sig_hex);
    return MD_OK;
}

void md_audit_cp_log(md_audit_anchor *k, const md_audit_cp *cps, size_t n)
{
    if (!k || k->log_fd < 0 || n == 0) return;
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        size_t len = strlen(cps[i].line);
        ok = write(k->log_fd, cps[i].line, len) == (ssize_t)len;
    }
    if (ok) ok = fdatasync(k->log_fd) == 0;
    if (!ok)
        md_log(MD_LOG_ERROR, "audit.checkpoint_log_failed", "cannot append to %s: %s", k->log_path,
               strerror(errno));
}

/* ---- verification ---- */

typedef struct verify {
    md_store *db;
    const md_audit_anchor *k;
    const char *clinic;
    md_err *err;
    /* the chain walk */
    char prev[AUDIT_HASH_HEX];
    int64_t expect_seq, checked, head_seq;
    int format; /* hash format of the last entry checked (0 before the first) */
    /* checkpoints */
    int64_t db_cps, log_cps;
    /* Bytes of the log written before the snapshot began: only those lines are checked,
     * since a line is appended after its checkpoint committed, and one appended later may
     * name a checkpoint the snapshot cannot see yet.  -1: the log did not exist. */
    long long log_bytes;
    int64_t latest_seq;
    char latest_at[MD_TIME_STR], latest_hash[AUDIT_HASH_HEX];
    int64_t first_bad;       /* 0: none */
    int64_t truncated_after; /* -1: not truncated */
    int64_t rewritten_seq;   /* lowest checkpoint seq whose head differs; 0 none */
    int64_t matched_below;   /* highest matching checkpoint seq below rewritten_seq */
    json_t *problems;
    size_t nproblems;
    char headline[320]; /* the report's message: the truncation, else the first problem */
} verify;

static void problem(verify *v, const char *kind, int64_t seq, const char *source, int64_t first_bad,
                    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void problem(verify *v, const char *kind, int64_t seq, const char *source, int64_t first_bad,
                    const char *fmt, ...)
{
    if (first_bad > 0 && (v->first_bad == 0 || first_bad < v->first_bad)) v->first_bad = first_bad;
    char msg[sizeof v->headline];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!v->nproblems || strcmp(kind, "truncated") == 0)
        md_strlcpy(v->headline, msg, sizeof v->headline);
    if (v->nproblems++ >= MAX_PROBLEMS) return;
    json_array_append_new(v->problems,
                          json_pack("{s:s,s:I,s:s?,s:s}", "kind", kind, "seq", (json_int_t)seq,
                                    "source", source, "message", msg));
}

static int chain_row(void *vctx, const md_row *r)
{
    verify *v = vctx;
    int64_t seq = md_row_int(r, 0);
    const char *t[12];
    for (int i = 0; i < 12; i++)
        t[i] = md_row_text(r, i + 1);
    /* t: at clinic actor role action otype oid pid rid detail prev_hash hash; then format */
    int64_t format = md_row_int(r, 13);
    char h[AUDIT_HASH_HEX];
    if (seq != v->expect_seq) {
        problem(v, "missing", v->expect_seq, NULL, v->expect_seq,
                "entry %lld is missing (the next stored entry is %lld)", (long long)v->expect_seq,
                (long long)seq);
        return 1;
    }
    if (format < v->format ||
        md_audit_entry_hash(format > 0 && format < 100 ? (int)format : -1, v->prev, seq, t[0], t[1],
                            t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], h) != 0) {
        problem(v, "altered", seq, NULL, seq, "entry %lld was altered: hash format %lld %s",
                (long long)seq, (long long)format,
                format < v->format ? "follows a newer one" : "is unknown");
        return 1;
    }
    v->format = (int)format;
    if (strcmp(t[10] ? t[10] : "", v->prev) != 0 || strcmp(t[11] ? t[11] : "", h) != 0) {
        problem(v, "altered", seq, NULL, seq,
                "entry %lld was altered: its hash does not match its content or its "
                "predecessor",
                (long long)seq);
        return 1;
    }
    md_strlcpy(v->prev, h, sizeof v->prev);
    v->expect_seq++;
    v->checked++;
    return 0;
}

static int signature_ok(const verify *v, int64_t seq, const char *head, const char *at,
                        const char *sig_hex)
{
    unsigned char sig[crypto_sign_BYTES];
    size_t len = 0;
    char msg[256];
    if (!sig_hex || sodium_hex2bin(sig, sizeof sig, sig_hex, strlen(sig_hex), NULL, &len, NULL) ||
        len != sizeof sig)
        return 0;
    cp_message(v->clinic, seq, head ? head : "", at ? at : "", msg, sizeof msg);
    return crypto_sign_verify_detached(sig, (const unsigned char *)msg, strlen(msg), v->k->pk) == 0;
}

/* One checkpoint against the stored entry at its seq (stored: its hash, NULL if none). */
static void check_cp(verify *v, const char *source, int64_t seq, const char *head, const char *at,
                     const char *sig, const char *stored)
{
    if (v->k && !signature_ok(v, seq, head, at, sig)) {
        problem(v, "bad_signature", seq, source, 0,
                "the %s checkpoint at seq %lld does not carry a valid signature by key %.16s...",
                source, (long long)seq, v->k->key_id);
        return;
    }
    head = head ? head : "";
    if (!stored) {
        if (seq > v->head_seq) {
            if (v->truncated_after < 0) {
                v->truncated_after = v->head_seq;
                problem(v, "truncated", seq, source, v->head_seq + 1,
                        "truncated after seq %lld: the %s checkpoint at seq %lld names entries "
                        "that are gone",
                        (long long)v->head_seq, source, (long long)seq);
            }
        } else {
            problem(v, "missing", seq, source, seq,
                    "entry %lld, named by the %s checkpoint at seq %lld, is missing",
                    (long long)seq, source, (long long)seq);
        }
    } else if (strcmp(stored, head) != 0) {
        if (v->rewritten_seq == 0 || seq < v->rewritten_seq) {
            v->rewritten_seq = seq;
            if (v->matched_below >= seq) v->matched_below = 0; /* unknown: from seq 1 */
            problem(v, "rewritten", seq, source, v->matched_below + 1,
                    "entries after seq %lld up to seq %lld were rewritten: the %s checkpoint at "
                    "seq %lld names another head hash",
                    (long long)v->matched_below, (long long)seq, source, (long long)seq);
        }
    } else {
        if (seq > v->matched_below && (v->rewritten_seq == 0 || seq < v->rewritten_seq))
            v->matched_below = seq;
    }
    if (seq > v->latest_seq) {
        v->latest_seq = seq;
        md_strlcpy(v->latest_at, at ? at : "", sizeof v->latest_at);
        md_strlcpy(v->latest_hash, head, sizeof v->latest_hash);
    }
}

static int db_cp_row(void *vctx, const md_row *r)
{
    verify *v = vctx;
    v->db_cps++;
    check_cp(v, "db", md_row_int(r, 0), md_row_text(r, 1), md_row_text(r, 2), md_row_text(r, 3),
             md_row_text(r, 4));
    return 0;
}

/* A log line split into its key=value words; 0 when it is a v1 checkpoint line. */
typedef struct log_cp {
    const char *clinic, *head, *at, *key, *sig;
    int64_t seq;
} log_cp;

static int parse_line(char *line, log_cp *c)
{
    static const char prefix[] = "checkpoint v1 ";
    memset(c, 0, sizeof *c);
    size_t len = strlen(line);
    if (strncmp(line, prefix, sizeof prefix - 1) != 0 || !len || line[len - 1] != '\n') return -1;
    const char *seq = NULL;
    char *p = line + sizeof prefix - 1;
    while (*p) {
        char *word = p, *end = p + strcspn(p, " \n");
        p = *end ? end + 1 : end;
        *end = '\0';
        char *eq = strchr(word, '=');
        if (!eq) return -1;
        *eq = '\0';
        const char **slot = strcmp(word, "clinic") == 0 ? &c->clinic
                            : strcmp(word, "seq") == 0  ? &seq
                            : strcmp(word, "head") == 0 ? &c->head
                            : strcmp(word, "at") == 0   ? &c->at
                            : strcmp(word, "key") == 0  ? &c->key
                            : strcmp(word, "sig") == 0  ? &c->sig
                                                        : NULL;
        if (slot) *slot = eq + 1;
    }
    long s = 0;
    if (!c->clinic || !c->head || !c->at || !c->sig || !seq || md_parse_long(seq, 1, LONG_MAX, &s))
        return -1;
    c->seq = s;
    return 0;
}

typedef struct log_row {
    int have_entry;
    char stored[AUDIT_HASH_HEX];
    int64_t same, any; /* stored checkpoints at that seq: identical to the line, any */
} log_row;

static int log_lookup_row(void *vctx, const md_row *r)
{
    log_row *l = vctx;
    const char *h = md_row_text(r, 0);
    l->have_entry = h != NULL;
    md_strlcpy(l->stored, h ? h : "", sizeof l->stored);
    l->same = md_row_int(r, 1);
    l->any = md_row_int(r, 2);
    return 1;
}

static md_code check_log(verify *v)
{
    FILE *f = fopen(v->k->log_path, "r");
    if (!f) {
        if (errno == ENOENT) return MD_OK; /* no log yet: no checkpoints in it */
        return md_err_set(v->err, MD_EIO, "audit_log", "cannot read %s: %s", v->k->log_path,
                          strerror(errno));
    }
    char line[AUDIT_CP_LINE * 2];
    md_code rc = MD_OK;
    while (rc == MD_OK && ftell(f) < v->log_bytes && fgets(line, sizeof line, f)) {
        log_cp c;
        if (parse_line(line, &c) != 0 || strcmp(c.clinic, v->clinic) != 0) continue;
        v->log_cps++;
        log_row l = {0};
        md_val p[] = {md_text(v->clinic), md_int(c.seq), md_text(c.head), md_text(c.at),
                      md_text(c.sig)};
        rc = md_store_exec(v->db,
                           "SELECT (SELECT hash FROM audit_log WHERE clinic_id = $1 AND seq = $2), "
                           "(SELECT count(*) FROM audit_checkpoints WHERE clinic_id = $1 AND "
                           "seq = $2 AND head_hash = $3 AND at = $4 AND signature = $5), "
                           "(SELECT count(*) FROM audit_checkpoints WHERE clinic_id = $1 AND "
                           "seq = $2)",
                           p, 5, log_lookup_row, &l, v->err);
        if (rc != MD_OK || l.same) continue; /* identical to a stored one: already checked */
        if (!l.any)
            problem(v, "checkpoint_deleted", c.seq, "log", 0,
                    "the checkpoint at seq %lld is in the log but no longer in the database",
                    (long long)c.seq);
        check_cp(v, "log", c.seq, c.head, c.at, c.sig, l.have_entry ? l.stored : NULL);
    }
    fclose(f);
    return rc;
}

typedef struct head_check {
    int found;
    int64_t seq;
    char hash[AUDIT_HASH_HEX];
    char stored[AUDIT_HASH_HEX]; /* the entry's hash at that seq; "" none */
} head_check;

static int head_check_row(void *vctx, const md_row *r)
{
    head_check *h = vctx;
    const char *hash = md_row_text(r, 1), *stored = md_row_text(r, 2);
    h->found = 1;
    h->seq = md_row_int(r, 0);
    md_strlcpy(h->hash, hash ? hash : "", sizeof h->hash);
    md_strlcpy(h->stored, stored ? stored : "", sizeof h->stored);
    return 1;
}

/* Step 2: the clinic's head row against the last stored entry. */
static md_code check_head(verify *v)
{
    head_check h = {0};
    md_val p[] = {md_text(v->clinic)};
    md_code rc = md_store_exec(v->db,
                               "SELECT h.seq, h.hash, a.hash FROM audit_heads h LEFT JOIN "
                               "audit_log a ON a.clinic_id = h.clinic_id AND a.seq = h.seq "
                               "WHERE h.clinic_id = $1",
                               p, 1, head_check_row, &h, v->err);
    if (rc != MD_OK) return rc;
    if (!h.found && v->head_seq > 0) {
        problem(v, "head_mismatch", v->head_seq, "head", 0,
                "the chain has %lld entries but no head row", (long long)v->head_seq);
    } else if (h.found && h.seq > v->head_seq) {
        if (v->truncated_after < 0) {
            v->truncated_after = v->head_seq;
            problem(v, "truncated", h.seq, "head", v->head_seq + 1,
                    "truncated after seq %lld: the chain head names seq %lld",
                    (long long)v->head_seq, (long long)h.seq);
        }
    } else if (h.found && (h.seq < v->head_seq || strcmp(h.hash, h.stored) != 0)) {
        problem(v, "head_mismatch", h.seq, "head", h.seq < v->head_seq ? h.seq + 1 : h.seq,
                h.seq < v->head_seq ? "entries after seq %lld were added behind the chain head"
                                    : "entry %lld is not the one the chain head names",
                (long long)h.seq);
    }
    return MD_OK;
}

static json_t *report_json(const verify *v)
{
    int intact = v->nproblems == 0;
    char msg[400];
    if (intact)
        snprintf(msg, sizeof msg, "intact: %lld entries; %s", (long long)v->checked,
                 v->latest_seq ? "the chain reaches its latest checkpoint" : "no checkpoint yet");
    else
        md_strlcpy(msg, v->headline, sizeof msg);
    json_t *latest = v->latest_seq ? json_pack("{s:I,s:s,s:s}", "seq", (json_int_t)v->latest_seq,
                                               "at", v->latest_at, "hash", v->latest_hash)
                                   : json_null();
    int64_t unanchored = v->head_seq > v->latest_seq ? v->head_seq - v->latest_seq : 0;
    json_t *o = json_pack(
        "{s:b,s:I,s:s,s:I,s:s?,s:I,s:o,s:o,s:I,s:o,s:o,s:O,s:I,s:s}", "intact", intact, "entries",
        (json_int_t)v->checked, "clinic_id", v->clinic, "head_seq", (json_int_t)v->head_seq,
        "key_id", v->k ? v->k->key_id : NULL, "checkpoints", (json_int_t)v->db_cps,
        "log_checkpoints", v->k && v->k->log_path[0] ? json_integer(v->log_cps) : json_null(),
        "latest_checkpoint", latest, "unanchored_entries", (json_int_t)unanchored, "first_bad_seq",
        v->first_bad ? json_integer(v->first_bad) : json_null(), "truncated_after",
        v->truncated_after >= 0 ? json_integer(v->truncated_after) : json_null(), "problems",
        v->problems, "problems_total", (json_int_t)v->nproblems, "message", msg);
    return o;
}

md_code md_audit_verify_report(md_store *db, const char *clinic_id, const md_audit_anchor *anchor,
                               json_t **out, md_err *err)
{
    verify v;
    memset(&v, 0, sizeof v);
    v.db = db;
    v.k = anchor;
    v.clinic = clinic_id;
    v.err = err;
    v.expect_seq = 1;
    v.truncated_after = -1;
    md_strlcpy(v.prev, AUDIT_GENESIS, sizeof v.prev);
    v.problems = json_array();
    if (!v.problems) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_val p[] = {md_text(clinic_id)};
    struct stat st;
    v.log_bytes = anchor && anchor->log_path[0] && stat(anchor->log_path, &st) == 0
                      ? (long long)st.st_size
                      : -1;
    md_code rc = md_store_snapshot_begin(db, err);
    if (rc != MD_OK) {
        json_decref(v.problems);
        return rc;
    }
    rc = md_store_exec(db,
                       "SELECT seq, at, clinic_id, actor_id, actor_role, action, "
                       "object_type, object_id, patient_id, request_id, detail, "
                       "prev_hash, hash, hash_format FROM audit_log WHERE clinic_id = $1 "
                       "ORDER BY seq",
                       p, 1, chain_row, &v, err);
    if (rc == MD_OK)
        rc = md_store_scalar_int(db,
                                 "SELECT coalesce(max(seq), 0) FROM audit_log WHERE clinic_id = $1",
                                 p, 1, &v.head_seq, err);
    if (rc == MD_OK) rc = check_head(&v);
    if (rc == MD_OK)
        rc = md_store_exec(db,
                           "SELECT c.seq, c.head_hash, c.at, c.signature, a.hash "
                           "FROM audit_checkpoints c LEFT JOIN audit_log a "
                           "ON a.clinic_id = c.clinic_id AND a.seq = c.seq "
                           "WHERE c.clinic_id = $1 ORDER BY c.seq",
                           p, 1, db_cp_row, &v, err);
    if (rc == MD_OK && anchor && anchor->log_path[0]) rc = check_log(&v);
    md_store_snapshot_end(db);
    if (rc != MD_OK) {
        json_decref(v.problems);
        return rc;
    }
    *out = report_json(&v);
    json_decref(v.problems);
    return *out ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
}

static int add_clinic(void *vctx, const md_row *r)
{
    json_t *set = vctx;
    const char *id = md_row_text(r, 0);
    if (id) json_object_set_new(set, id, json_true());
    return 0;
}

md_code md_audit_verify_all(md_store *db, const md_audit_anchor *anchor, json_t **out, md_err *err)
{
    json_t *set = json_object(), *list = json_array();
    md_code rc = md_store_exec(db,
                               "SELECT clinic_id FROM clinics UNION SELECT clinic_id FROM "
                               "audit_log UNION SELECT clinic_id FROM audit_checkpoints",
                               NULL, 0, add_clinic, set, err);
    FILE *f = rc == MD_OK && anchor && anchor->log_path[0] ? fopen(anchor->log_path, "r") : NULL;
    if (f) {
        char line[AUDIT_CP_LINE * 2];
        log_cp c;
        while (fgets(line, sizeof line, f))
            if (parse_line(line, &c) == 0 && md_id_valid(c.clinic))
                json_object_set_new(set, c.clinic, json_true());
        fclose(f);
    }
    int intact = 1;
    const char *id;
    json_t *val;
    json_object_foreach(set, id, val)
    {
        json_t *r = NULL;
        if (rc == MD_OK) rc = md_audit_verify_report(db, id, anchor, &r, err);
        if (rc != MD_OK) break;
        intact &= json_is_true(json_object_get(r, "intact"));
        json_array_append_new(list, r);
    }
    json_decref(set);
    if (rc != MD_OK) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:b,s:o}", "intact", intact, "clinics", list);
    return MD_OK;
}

md_code md_audit_verify(md_store *db, const char *clinic_id, int64_t *checked, md_err *err)
{
    json_t *r = NULL;
    md_code rc = md_audit_verify_report(db, clinic_id, NULL, &r, err);
    if (rc != MD_OK) return rc;
    if (checked) *checked = json_integer_value(json_object_get(r, "entries"));
    if (!json_is_true(json_object_get(r, "intact")))
        rc = md_err_set(err, MD_ECONFLICT, NULL, "audit chain broken: %s",
                        json_string_value(json_object_get(r, "message")));
    json_decref(r);
    return rc;
}
