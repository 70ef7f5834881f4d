/*
 * sessions.c - bearer tokens and the sessions they open: checking a token (and the
 * last_seen it refreshes), ending a session.  See session.h for the session states.
 */
#include "mesodesk/session.h"
#include "mesodesk/audit.h"

#include <sodium.h>
#include <string.h>

#define LAST_SEEN_GRANULARITY 60

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
    md_code rc = md_store_begin(ctx->db, err);
    if (rc != MD_OK) return rc;
    rc = md_store_exec(ctx->db, "UPDATE sessions SET revoked = 1 WHERE token_hash = $1", v, 1, NULL,
                       NULL, err);
    if (rc == MD_OK) rc = md_audit(ctx, &a, err);
    return md_store_finish(ctx->db, rc, err);
}
