/*
 * auth.h - staff accounts, passwords and sessions.
 *
 * Passwords: argon2id (libsodium crypto_pwhash_str, interactive limits).
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

/* Hash a password (argon2id). out must hold crypto_pwhash_STRBYTES (128). */
md_code md_password_hash(const char *password, char *out, size_t outsz, md_err *err);
int md_password_verify(const char *hash, const char *password);
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
 * (a failure on a real account is audited); too many failures in a row for one
 * email is MD_ELIMIT with out->retry_after (see login_throttle.c). */
md_code md_login(md_ctx *ctx, const char *email, const char *password, md_login_result *out,
                 md_err *err);

/* The sign-in throttle, per email; now in seconds (md_now()). */
md_code md_login_throttle_check(const char *email, int64_t now, int64_t *retry_after, md_err *err);
void md_login_throttle_record(const char *email, int ok, int64_t now);
void md_login_throttle_reset(void); /* forget everything (tests) */
/* Resolve a bearer token to a principal; MD_EUNAUTH when unknown, expired or revoked. */
md_code md_session_check(md_store *db, const char *token, md_principal *who, int64_t *expires_at,
                         md_err *err);
/* End the session of token (ctx->who is its staff member); audited with the change. */
md_code md_logout(md_ctx *ctx, const char *token, md_err *err);

#endif
