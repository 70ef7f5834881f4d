/*
 * auth.c - roles and permissions, passwords (and the gate that caps argon2id),
 * staff accounts, sessions.  See auth.h for the session state machine.
 */
#include "mesodesk/auth.h"
#include "mesodesk/audit.h"
#include "mesodesk/commit.h"
#include "mesodesk/log.h"
#include "mesodesk/staff.h"
#include "mesodesk/validate.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define LAST_SEEN_GRANULARITY 60

static const struct {
    const char *name;
    unsigned perms;
} roles[] = {
    [MD_ROLE_NONE] = {"none", 0},
    [MD_ROLE_ADMIN] = {"admin", MD_PERM_DEMOGRAPHICS_READ | MD_PERM_DEMOGRAPHICS_WRITE |
                                    MD_PERM_CLINICAL_READ | MD_PERM_CLINICAL_WRITE |
                                    MD_PERM_STAFF_READ | MD_PERM_STAFF_WRITE | MD_PERM_AUDIT_READ |
                                    MD_PERM_CLEARANCE_WRITE | MD_PERM_KB_WRITE},
    [MD_ROLE_PRACTITIONER] = {"practitioner", MD_PERM_DEMOGRAPHICS_READ |
                                                  MD_PERM_DEMOGRAPHICS_WRITE |
                                                  MD_PERM_CLINICAL_READ | MD_PERM_CLINICAL_WRITE |
                                                  MD_PERM_STAFF_READ | MD_PERM_CLEARANCE_WRITE},
    [MD_ROLE_RECEPTION] = {"reception", MD_PERM_DEMOGRAPHICS_READ | MD_PERM_DEMOGRAPHICS_WRITE |
                                            MD_PERM_STAFF_READ},
    [MD_ROLE_AUDITOR] = {"auditor", MD_PERM_DEMOGRAPHICS_READ | MD_PERM_CLINICAL_READ |
                                        MD_PERM_STAFF_READ | MD_PERM_AUDIT_READ},
    [MD_ROLE_SYSTEM] = {"system", ~0u},
};

static const char *const staff_roles[] = {"admin", "practitioner", "reception", "auditor", NULL};

const char *md_actor_id(const md_ctx *ctx)
{
    return ctx->who.staff_id[0] ? ctx->who.staff_id : "system";
}

const char *md_role_name(md_role r)
{
    return (unsigned)r <= MD_ROLE_SYSTEM ? roles[r].name : "none";
}

md_role md_role_parse(const char *s)
{
    for (int r = MD_ROLE_ADMIN; s && r <= MD_ROLE_AUDITOR; r++)
        if (strcmp(roles[r].name, s) == 0) return (md_role)r;
    return MD_ROLE_NONE;
}

unsigned md_role_perms(md_role r)
{
    return (unsigned)r <= MD_ROLE_SYSTEM ? roles[r].perms : 0;
}

md_code md_require(const md_ctx *ctx, unsigned perm, md_err *err)
{
    if ((md_role_perms(ctx->who.role) & perm) == perm) return MD_OK;
    return md_err_set(err, MD_EFORBIDDEN, NULL, "the %s role may not do this",
                      md_role_name(ctx->who.role));
}

/*
 * The hash gate.  argon2id (crypto_pwhash, interactive limits) holds 64 MiB for the length
 * of one hash, so unbounded concurrency is unbounded memory: thirty sign-ins at once held
 * about 1 GiB.  Every argon2id call passes the gate.  One caller:
 *
 *   ARRIVE --a slot free and nobody waiting--> HASHING --done--> LEFT (wakes the waiters)
 *   ARRIVE --fewer than queue waiting--> WAITING --a slot frees--> HASHING
 *                                        WAITING --wait_ms pass--> REFUSED (MD_ELIMIT)
 *   ARRIVE --queue full--> REFUSED (MD_ELIMIT)
 *
 * Invariants (under gate.mu): running <= slots and waiting <= queue (until the limits are
 * lowered: then no one enters until running is under the new slots).  A newcomer does not
 * pass the waiters.  The limits may change while callers wait (md_hash_limits_set wakes them).
 */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    md_hash_limits lim;
    int running, waiting, peak;
} gate = {.mu = PTHREAD_MUTEX_INITIALIZER};
static pthread_once_t gate_once = PTHREAD_ONCE_INIT;

static void gate_init(void)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&gate.cv, &a);
    pthread_condattr_destroy(&a);
    gate.lim = md_hash_limits_for(MD_HASH_MEMORY_DEFAULT, 16);
}

md_hash_limits md_hash_limits_for(size_t memory, int threads)
{
    int half = threads / 2 > 1 ? threads / 2 : 1;
    size_t n = memory / crypto_pwhash_MEMLIMIT_INTERACTIVE;
    int slots = n < 1 ? 1 : n > (size_t)half ? half : (int)n;
    /* Room for the checks the throttle allows one email, no more: a caller waiting holds its
     * request thread, and with it the other connections that thread serves. */
    int inside = half < MD_LOGIN_FREE_FAILURES ? half : MD_LOGIN_FREE_FAILURES;
    md_hash_limits l = {slots, inside > slots ? inside - slots : 0, MD_HASH_WAIT_MS};
    return l;
}

void md_hash_limits_set(const md_hash_limits *l)
{
    pthread_once(&gate_once, gate_init);
    pthread_mutex_lock(&gate.mu);
    gate.lim.slots = l->slots > 0 ? l->slots : 1;
    gate.lim.queue = l->queue > 0 ? l->queue : 0;
    gate.lim.wait_ms = l->wait_ms > 0 ? l->wait_ms : 0;
    pthread_cond_broadcast(&gate.cv);
    pthread_mutex_unlock(&gate.mu);
}

md_hash_limits md_hash_limits_get(void)
{
    pthread_once(&gate_once, gate_init);
    pthread_mutex_lock(&gate.mu);
    md_hash_limits l = gate.lim;
    pthread_mutex_unlock(&gate.mu);
    return l;
}

int md_hash_peak(int reset)
{
    pthread_once(&gate_once, gate_init);
    pthread_mutex_lock(&gate.mu);
    int p = gate.peak;
    if (reset) gate.peak = gate.running;
    pthread_mutex_unlock(&gate.mu);
    return p;
}

static md_code gate_enter(md_err *err)
{
    pthread_once(&gate_once, gate_init);
    pthread_mutex_lock(&gate.mu);
    int admitted = gate.running < gate.lim.slots && gate.waiting == 0;
    if (!admitted && gate.waiting < gate.lim.queue) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += gate.lim.wait_ms / 1000;
        until.tv_nsec += (long)(gate.lim.wait_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        gate.waiting++;
        int rc = 0;
        while (gate.running >= gate.lim.slots && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&gate.cv, &gate.mu, &until);
        gate.waiting--;
        admitted = gate.running < gate.lim.slots;
    }
    if (admitted) {
        gate.running++;
        if (gate.running > gate.peak) gate.peak = gate.running;
        /* Another slot is still free: the next waiter need not wait for a leave. */
        if (gate.running < gate.lim.slots && gate.waiting > 0) pthread_cond_broadcast(&gate.cv);
    }
    pthread_mutex_unlock(&gate.mu);
    if (admitted) return MD_OK;
    return md_err_set(err, MD_ELIMIT, NULL,
                      "the server is busy checking passwords; try again in %d s",
                      MD_HASH_RETRY_AFTER);
}

static void gate_leave(void)
{
    pthread_mutex_lock(&gate.mu);
    gate.running--;
    pthread_cond_broadcast(&gate.cv);
    pthread_mutex_unlock(&gate.mu);
}

/* argon2id itself; the caller holds a slot of the gate. */
static int hash_in_slot(const char *password, size_t n, char out[crypto_pwhash_STRBYTES])
{
    return crypto_pwhash_str(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

md_code md_password_hash(const char *password, char *out, size_t outsz, md_err *err)
{
    size_t n = strlen(password);
    if (n < MD_PASSWORD_MIN)
        return md_err_set(err, MD_EINVAL, "password", "a password needs at least %d characters",
                          MD_PASSWORD_MIN);
    if (n > MD_PASSWORD_MAX)
        return md_err_set(err, MD_EINVAL, "password", "a password has at most %d characters",
                          MD_PASSWORD_MAX);
    if (outsz < crypto_pwhash_STRBYTES)
        return md_err_set(err, MD_EINTERNAL, NULL, "hash buffer too small");
    md_code rc = gate_enter(err);
    if (rc != MD_OK) return rc;
    int failed = hash_in_slot(password, n, out) != 0;
    gate_leave();
    if (failed) return md_err_set(err, MD_ENOMEM, NULL, "out of memory hashing the password");
    return MD_OK;
}

/* A fixed hash to check against when there is no account, made once (in the slot of the
 * first caller that needs it); 0 when argon2id could not get its memory. */
static char dummy[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
    static const char pw[] = "not-a-real-password";
    if (hash_in_slot(pw, sizeof pw - 1, dummy) != 0) dummy[0] = '\0';
}

md_code md_password_check(const char *hash, const char *password, md_err *err)
{
    md_code rc = gate_enter(err);
    if (rc != MD_OK) return rc;
    if (!hash) pthread_once(&dummy_once, make_dummy);
    const char *against = hash ? hash : dummy;
    int ok = *against && crypto_pwhash_str_verify(against, password, strlen(password)) == 0;
    gate_leave();
    if (ok && hash) return MD_OK;
    return md_err_set(err, MD_EUNAUTH, "password", "wrong email or password");
}

void md_password_generate(char out[21])
{
    /* No look-alike characters (0/O, 1/l/I). */
    static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    for (int i = 0; i < 20; i++)
        out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
    out[20] = '\0';
}

void md_token_new(char out[MD_TOKEN_STR])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, MD_TOKEN_STR, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void md_token_hash(const char *token, char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
}

static json_t *staff_json_from_row(const md_row *r)
{
    /* columns: id, email, display_name, role, licence_number, licence_expiry,
     * qualifications, active, created_at, updated_at */
    json_t *o = json_object();
    static const char *names[] = {"id",   "email",          "display_name",
                                  "role", "licence_number", "licence_expiry"};
    for (int i = 0; i < 6; i++) {
        const char *t = md_row_text(r, i);
        json_object_set_new(o, names[i], t ? json_string(t) : json_null());
    }
    json_t *q = json_loads(md_row_text(r, 6), 0, NULL);
    json_object_set_new(o, "qualifications", q ? q : json_array());
    json_object_set_new(o, "active", json_boolean(md_row_int(r, 7)));
    json_object_set_new(o, "created_at", json_string(md_row_text(r, 8)));
    json_object_set_new(o, "updated_at", json_string(md_row_text(r, 9)));
    return o;
}

#define STAFF_COLUMNS                                                                              \
    "id, email, display_name, role, licence_number, licence_expiry, qualifications, active, "      \
    "created_at, updated_at"

static int staff_collect(void *ctx, const md_row *r)
{
    json_array_append_new((json_t *)ctx, staff_json_from_row(r));
    return 0;
}

md_code md_staff_create(md_ctx *ctx, json_t *in, const char *password, json_t **out, md_err *err)
{
    static const char *const allowed[] = {
        "email",          "display_name",   "role",     "licence_number",
        "licence_expiry", "qualifications", "password", NULL};
    md_code rc = md_require(ctx, MD_PERM_STAFF_WRITE, err);
    if (rc != MD_OK) return rc;
    if ((rc = md_json_check_keys(in, allowed, "", err)) != MD_OK) return rc;
    const char *email, *name, *role, *lic = NULL, *expiry = NULL;
    if ((rc = md_json_email(in, "email", 1, &email, err)) != MD_OK) return rc;
    if ((rc = md_json_text(in, "display_name", 1, 200, &name, err)) != MD_OK) return rc;
    if ((rc = md_json_enum(in, "role", 1, staff_roles, &role, err)) != MD_OK) return rc;
    if ((rc = md_json_text(in, "licence_number", 0, 64, &lic, err)) != MD_OK) return rc;
    if ((rc = md_json_date(in, "licence_expiry", 0, &expiry, NULL, err)) != MD_OK) return rc;
    json_t *quals = json_object_get(in, "qualifications");
    if ((rc = md_staff_check_qualifications(quals, err)) != MD_OK) return rc;
    if (strcmp(role, "practitioner") == 0 && (!lic || !expiry))
        return md_err_set(err, MD_EINVAL, lic ? "licence_expiry" : "licence_number",
                          "a practitioner needs a licence number and its expiry date");
    char hash[crypto_pwhash_STRBYTES];
    if ((rc = md_password_hash(password, hash, sizeof hash, err)) != MD_OK) return rc;
    char id[MD_ID_STR], now[MD_TIME_STR];
    md_id_new(id);
    md_time_format(md_now(), now);
    char *qtext = quals && json_is_array(quals) ? json_dumps(quals, JSON_COMPACT) : strdup("[]");
    if (!qtext) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_val v[] = {md_text(ctx->who.clinic_id),
                  md_text(id),
                  md_text(email),
                  md_text(name),
                  md_text(role),
                  md_text(hash),
                  md_text(lic),
                  md_text(expiry),
                  md_text(qtext),
                  md_text(now)};
    md_audit_entry a = {"create", "staff", id, NULL, role};
    rc = md_write_begin(ctx, err);
    if (rc == MD_OK) {
        rc = md_store_exec(ctx->db,
                           "INSERT INTO staff (clinic_id, id, email, display_name, role, "
                           "password_hash, licence_number, licence_expiry, qualifications, "
                           "active, created_at, updated_at) VALUES ($1, $2, lower($3), $4, $5, "
                           "$6, $7, $8, $9, 1, $10, $10)",
                           v, 10, NULL, NULL, err);
        if (rc == MD_ECONFLICT)
            md_err_set(err, MD_ECONFLICT, "email", "a staff account with this email exists");
        if (rc == MD_OK) rc = md_audit(ctx, &a, err);
        rc = md_write_finish(ctx, rc, err);
    }
    free(qtext);
    if (rc != MD_OK) return rc;
    return md_staff_get(ctx, id, out, err);
}

md_code md_staff_list(md_ctx *ctx, json_t **out, md_err *err)
{
    md_code rc = md_require(ctx, MD_PERM_STAFF_READ, err);
    if (rc != MD_OK) return rc;
    json_t *items = json_array();
    md_val v[] = {md_text(ctx->who.clinic_id)};
    rc = md_store_exec(ctx->db,
                       "SELECT " STAFF_COLUMNS " FROM staff WHERE clinic_id = $1 "
                       "ORDER BY display_name, id",
                       v, 1, staff_collect, items, err);
    if (rc != MD_OK) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return MD_OK;
}

md_code md_staff_get(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    md_code rc = md_require(ctx, MD_PERM_STAFF_READ, err);
    if (rc != MD_OK) return rc;
    json_t *items = json_array();
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    rc = md_store_exec(ctx->db,
                       "SELECT " STAFF_COLUMNS " FROM staff WHERE clinic_id = $1 AND id = $2", v, 2,
                       staff_collect, items, err);
    if (rc == MD_OK && json_array_size(items) == 0)
        rc = md_err_set(err, MD_ENOTFOUND, "id", "no such staff member");
    if (rc == MD_OK) *out = json_incref(json_array_get(items, 0));
    json_decref(items);
    return rc;
}

typedef struct login_row {
    int found;
    char clinic_id[MD_ID_STR];
    char staff_id[MD_ID_STR];
    char role[16];
    char hash[crypto_pwhash_STRBYTES];
    int active;
} login_row;

static int login_collect(void *ctx, const md_row *r)
{
    login_row *l = ctx;
    l->found = 1;
    md_strlcpy(l->clinic_id, md_row_text(r, 0), sizeof l->clinic_id);
    md_strlcpy(l->staff_id, md_row_text(r, 1), sizeof l->staff_id);
    md_strlcpy(l->role, md_row_text(r, 2), sizeof l->role);
    md_strlcpy(l->hash, md_row_text(r, 3), sizeof l->hash);
    l->active = (int)md_row_int(r, 4);
    return 1;
}

md_code md_login(md_ctx *ctx, const char *email, const char *password, md_login_result *out,
                 md_err *err)
{
    out->retry_after = 0;
    int64_t t = md_now();
    /* Reserve the attempt before the password is checked, so that concurrent guesses cannot
     * all pass a count taken before any of them failed. */
    md_code rc = md_login_throttle_begin(email, t, &out->retry_after, err);
    if (rc != MD_OK) return rc;
    login_row l = {0};
    md_val v[] = {md_text(email)};
    rc = md_store_exec(ctx->db,
                       "SELECT clinic_id, id, role, password_hash, active FROM staff "
                       "WHERE email = lower($1)",
                       v, 1, login_collect, &l, err);
    md_code check = rc == MD_OK ? md_password_check(l.found ? l.hash : NULL, password, err) : rc;
    int ok = check == MD_OK && l.active;
    md_attempt outcome = ok                                      ? MD_ATTEMPT_SUCCEEDED
                         : check == MD_OK || check == MD_EUNAUTH ? MD_ATTEMPT_FAILED
                                                                 : MD_ATTEMPT_UNCHECKED;
    md_login_throttle_end(email, outcome, md_now());
    if (outcome == MD_ATTEMPT_UNCHECKED) {
        if (check == MD_ELIMIT) out->retry_after = MD_HASH_RETRY_AFTER;
        return check;
    }
    if (l.found) {
        md_strlcpy(ctx->who.clinic_id, l.clinic_id, sizeof ctx->who.clinic_id);
        md_strlcpy(ctx->who.staff_id, l.staff_id, sizeof ctx->who.staff_id);
        ctx->who.role = md_role_parse(l.role);
    }
    if (!ok) {
        if (l.found) {
            /* Recorded against the account; the caller is not signed in. */
            md_audit_entry a = {"login_failed", "staff", l.staff_id, NULL,
                                !l.active ? "account inactive" : "wrong password"};
            md_err ignored;
            if (md_audit(ctx, &a, &ignored) != MD_OK)
                md_log(MD_LOG_ERROR, "audit.login_failed", "%s", ignored.message);
        }
        memset(&ctx->who, 0, sizeof ctx->who);
        return md_err_set(err, MD_EUNAUTH, "password", "wrong email or password");
    }

    char th[65], now[MD_TIME_STR];
    md_token_new(out->token);
    md_token_hash(out->token, th);
    md_time_format(t, now);
    md_val s[] = {md_text(l.clinic_id), md_text(th), md_text(l.staff_id), md_text(now), md_int(t)};
    md_audit_entry a = {"login", "session", l.staff_id, NULL, NULL};
    if ((rc = md_write_begin(ctx, err)) != MD_OK) return rc;
    rc = md_store_exec(ctx->db,
                       "INSERT INTO sessions (clinic_id, token_hash, staff_id, created_at, "
                       "last_seen, revoked) VALUES ($1, $2, $3, $4, $5, 0)",
                       s, 5, NULL, NULL, err);
    if (rc == MD_OK) rc = md_audit(ctx, &a, err);
    if ((rc = md_write_finish(ctx, rc, err)) != MD_OK) {
        sodium_memzero(out->token, sizeof out->token);
        return rc;
    }
    out->expires_at = t + MD_SESSION_IDLE;
    return MD_OK;
}

typedef struct session_row {
    int found;
    md_principal who;
    int64_t last_seen;
    int revoked;
    int active;
} session_row;

static int session_collect(void *ctx, const md_row *r)
{
    session_row *s = ctx;
    s->found = 1;
    md_strlcpy(s->who.clinic_id, md_row_text(r, 0), sizeof s->who.clinic_id);
    md_strlcpy(s->who.staff_id, md_row_text(r, 1), sizeof s->who.staff_id);
    s->who.role = md_role_parse(md_row_text(r, 2));
    s->last_seen = md_row_int(r, 3);
    s->revoked = (int)md_row_int(r, 4);
    s->active = (int)md_row_int(r, 5);
    return 1;
}

md_code md_session_check(md_store *db, const char *token, md_principal *who, int64_t *expires_at,
                         md_err *err)
{
    if (!token || !*token || strlen(token) >= MD_TOKEN_STR)
        return md_err_set(err, MD_EUNAUTH, NULL, "a valid bearer token is required");
    char th[65];
    md_token_hash(token, th);
    session_row s = {0};
    md_val v[] = {md_text(th)};
    md_code rc = md_store_exec(db,
                               "SELECT s.clinic_id, s.staff_id, st.role, s.last_seen, s.revoked, "
                               "st.active FROM sessions s JOIN staff st ON st.clinic_id = "
                               "s.clinic_id AND st.id = s.staff_id WHERE s.token_hash = $1",
                               v, 1, session_collect, &s, err);
    if (rc != MD_OK) return rc;
    int64_t now = md_now();
    if (!s.found || s.revoked || !s.active || now - s.last_seen > MD_SESSION_IDLE)
        return md_err_set(err, MD_EUNAUTH, NULL, "the session is unknown, expired or ended");
    if (now - s.last_seen >= LAST_SEEN_GRANULARITY) {
        md_val u[] = {md_int(now), md_text(th)};
        rc = md_store_exec(db, "UPDATE sessions SET last_seen = $1 WHERE token_hash = $2", u, 2,
                           NULL, NULL, err);
        if (rc != MD_OK) return rc;
        s.last_seen = now;
    }
    *who = s.who;
    if (expires_at) *expires_at = s.last_seen + MD_SESSION_IDLE;
    return MD_OK;
}

md_code md_logout(md_ctx *ctx, const char *token, md_err *err)
{
    char th[65];
    md_token_hash(token, th);
    md_val v[] = {md_text(th)};
    md_audit_entry a = {"logout", "session", ctx->who.staff_id, NULL, NULL};
    md_code rc = md_write_begin(ctx, err);
    if (rc != MD_OK) return rc;
    rc = md_store_exec(ctx->db, "UPDATE sessions SET revoked = 1 WHERE token_hash = $1", v, 1, NULL,
                       NULL, err);
    if (rc == MD_OK) rc = md_audit(ctx, &a, err);
    return md_write_finish(ctx, rc, err);
}
