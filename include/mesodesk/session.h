/*
 * session.h - bearer tokens and the sessions they open (sessions.c; sign-in, which opens
 * them, is auth.h).
 *
 * Tokens: 256 random bits, base64url, shown to the client once; the store
 * keeps only BLAKE2b(token).  A session expires after MD_SESSION_IDLE seconds
 * without use; last_seen is written at most once a minute per session, by one request of
 * a process at a time (sessions.c, "Refreshing last_seen"), so a busy client does not turn
 * every read into a write.
 *
 * Session states: ACTIVE --(idle > 12 h)--> EXPIRED
 *                 ACTIVE --(logout)-------> REVOKED
 */
#ifndef MESODESK_SESSION_H
#define MESODESK_SESSION_H

#include "mesodesk/context.h"

#define MD_SESSION_IDLE (12 * 3600)
#define MD_TOKEN_STR 64

/* A new bearer token (256 random bits, base64url), and the hash the store keeps of one
 * (BLAKE2b-256, 64 hex characters + NUL).  Also used for the questionnaire links. */
void md_token_new(char out[MD_TOKEN_STR]);
void md_token_hash(const char *token, char out[65]);

/* Resolve a bearer token to a principal; MD_EUNAUTH when unknown, expired or revoked. */
md_code md_session_check(md_store *db, const char *token, md_principal *who, int64_t *expires_at,
                         md_err *err);
/* End the session of token (ctx->who is its staff member); audited with the change. */
md_code md_logout(md_ctx *ctx, const char *token, md_err *err);

#endif
