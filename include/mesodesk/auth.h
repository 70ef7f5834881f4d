/*
 * auth.h - staff accounts, passwords and sessions.
 *
 * Passwords: argon2id (libsodium crypto_pwhash_str, interactive limits), at most a
 * few at once (the hash gate below).
 * Tokens: 256 random bits, base64url, shown to the client once; the store
 * keeps only BLAKE2b(token).  A session expires after MD_SESSION_IDLE seconds
 * without use; last_seen is written at most once a minute per session so a
 * busy client does not turn every read into a write.
 *
 * Session states: ACTIVE --(idle > 12 h)--> EXPIRED
 *                 ACTIVE --(logout)-------> REVOKED
 */
#ifndef MESODESK_AUTH_H
#define MESODESK_AUTH_H

#include "mesodesk/context.h"

#include <jansson.h>

#define MD_SESSION_IDLE (12 * 3600)
#define MD_TOKEN_STR 64
#define MD_PASSWORD_MIN 10
#define MD_PASSWORD_MAX 256

/* A new bearer token (256 random bits, base64url), and the hash the store keeps of one
 * (BLAKE2b-256, 64 hex characters + NUL).  Also used for the questionnaire links. */
void md_token_new(char out[MD_TOKEN_STR]);
void md_token_hash(const char *token, char out[65]);

/* Failed sign-ins in a row that one email may make before it is locked (login_throttle.c). */
#define MD_LOGIN_FREE_FAILURES 5

/* Password hashing is capped (auth.c, "the hash gate"): each argon2id computation holds
 * crypto_pwhash_MEMLIMIT_INTERACTIVE (64 MiB) while it runs, so at most `slots` run at once,
 * at most `queue` callers wait for a slot, each for at most `wait_ms`; any other caller is
 * refused at once with MD_ELIMIT (field NULL; retry in MD_HASH_RETRY_AFTER s).  Every
 * argon2id call in Mesodesk goes through the gate: sign-in, staff creation, password set. */
typedef struct md_hash_limits {
    int slots;   /* hashes at once, >= 1 */
    int queue;   /* callers that may wait for a slot, >= 0 */
    int wait_ms; /* the longest a caller waits before it is refused, >= 0 */
} md_hash_limits;

#define MD_HASH_MEMORY_DEFAULT ((size_t)128 << 20) /* two hashes at once */
#define MD_HASH_WAIT_MS 5000
#define MD_HASH_RETRY_AFTER 1 /* seconds */

/* Limits from a memory budget in bytes and the number of request threads: slots = budget /
 * 64 MiB (at least 1, at most half the threads), and slots + queue = the throttle's
 * MD_LOGIN_FREE_FAILURES (so that the checks it allows one email all happen), at most half
 * the threads (so that the other half always serves other requests).  Before any call to
 * md_hash_limits_set, the limits are md_hash_limits_for(MD_HASH_MEMORY_DEFAULT, 16):
 * 2 slots, 3 waiting. */
md_hash_limits md_hash_limits_for(size_t memory, int threads);
/* Replace the limits (values out of range are clamped); callers already waiting see them. */
void md_hash_limits_set(const md_hash_limits *l);
md_hash_limits md_hash_limits_get(void);
/* The most hashes that ran at once since the last call with reset set (tests, metrics). */
int md_hash_peak(int reset);

/* Hash a password (argon2id), under the gate.  out must hold crypto_pwhash_STRBYTES (128).
 * MD_EINVAL (field "password") for a too short or too long password, MD_ELIMIT when the
 * gate refuses, MD_ENOMEM when argon2id cannot get its memory. */
md_code md_password_hash(const char *password, char *out, size_t outsz, md_err *err);
/* Check a password against a stored hash, under the gate: MD_OK when it matches, MD_EUNAUTH
 * (field "password") when not, MD_ELIMIT when the gate refuses.  hash NULL (no account)
 * checks against a fixed hash of the same cost and answers MD_EUNAUTH, so that the time
 * taken does not tell whether the account exists. */
md_code md_password_check(const char *hash, const char *password, md_err *err);
/* A random password of 20 characters that is easy to type. */
void md_password_generate(char out[21]);

/* Create a staff account in ctx's clinic from JSON {email, display_name, role,
 * licence_number?, licence_expiry?, qualifications?[]} and a password.  *out: the
 * staff record as JSON (no hash).  Practitioners must carry a licence number and expiry. */
md_code md_staff_create(md_ctx *ctx, json_t *in, const char *password, json_t **out, md_err *err);
md_code md_staff_list(md_ctx *ctx, json_t **out, md_err *err);
md_code md_staff_get(md_ctx *ctx, const char *id, json_t **out, md_err *err);

typedef struct md_login_result {
    char token[MD_TOKEN_STR];
    int64_t expires_at;  /* when the session ends if left idle from now */
    int64_t retry_after; /* seconds, when refused with MD_ELIMIT */
} md_login_result;

/* Sign in.  On success ctx->who is the staff member, a session is stored and the
 * sign-in audited in one transaction.  A wrong email or password is MD_EUNAUTH
 * (a failure on a real account is audited).  MD_ELIMIT with out->retry_after: too
 * many failures in a row for one email, or its allowance already being checked
 * (field "email", see login_throttle.c), or the hash gate full (field NULL). */
md_code md_login(md_ctx *ctx, const char *email, const char *password, md_login_result *out,
                 md_err *err);

/* The sign-in throttle, per email and per client address, kept in the store (table
 * login_throttle, see login_throttle.c), so that it survives a restart and holds across
 * every process on one database; now in seconds (md_now()).  begin reserves one attempt
 * before the password is checked, in one transaction: MD_OK, or MD_ELIMIT with
 * *retry_after (may be NULL) when the email (field "email") or the address (field NULL)
 * is locked or as many attempts as it may still fail are already in flight; a storage
 * error (MD_EUNAVAILABLE...) reserves nothing.  Each MD_OK from begin is settled by
 * exactly one end, with what came of it; end fails only on a storage error. */
typedef enum md_attempt {
    MD_ATTEMPT_FAILED,    /* the password was checked and was wrong (or the account inactive) */
    MD_ATTEMPT_SUCCEEDED, /* signed in: the email's count is forgotten (not the address's) */
    MD_ATTEMPT_UNCHECKED  /* no password was checked (busy, storage error): not counted */
} md_attempt;

/* Who an attempt is charged to.  email is required; addr (the client address, see
 * md_ctx.client_addr) may be NULL or "" (the CLI, unit tests): no address limit then;
 * clinic_id is the clinic of the account with that email, or NULL when there is none. */
typedef struct md_login_who {
    const char *email;
    const char *addr;
    const char *clinic_id;
} md_login_who;

#define MD_THROTTLE_BUSY_WAIT 1 /* seconds: Retry-After while the allowance is in flight */
/* Failed sign-ins from one client address (any emails) before it is locked: the default
 * of md_login_throttle_set_address_limit. */
#define MD_LOGIN_ADDRESS_FAILURES 100

md_code md_login_throttle_begin(md_store *db, const md_login_who *w, int64_t now,
                                int64_t *retry_after, md_err *err);
md_code md_login_throttle_end(md_store *db, const md_login_who *w, md_attempt outcome, int64_t now,
                              md_err *err);
/* Forget everything (tests). */
md_code md_login_throttle_reset(md_store *db, md_err *err);
/* The per-address limit of this process (1..100000; values out of range are clamped);
 * set once at start-up, before requests are served. */
void md_login_throttle_set_address_limit(int failures);
int md_login_throttle_address_limit(void);
/* Resolve a bearer token to a principal; MD_EUNAUTH when unknown, expired or revoked. */
md_code md_session_check(md_store *db, const char *token, md_principal *who, int64_t *expires_at,
                         md_err *err);
/* End the session of token (ctx->who is its staff member); audited with the change. */
md_code md_logout(md_ctx *ctx, const char *token, md_err *err);

#endif
