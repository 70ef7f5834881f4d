/*
 * auth.c - signing in: the throttle's reservation (login_throttle.c), the password check
 * (passwords.c), then a new session (session.h) audited in the same transaction.
 */
#include "mesodesk/auth.h"
#include "mesodesk/audit.h"
#include "mesodesk/commit.h"
#include "mesodesk/log.h"

#include <sodium.h>
#include <string.h>

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

/* The throttle's two steps run as writes of the group commit (md_write_begin), as every
 * write of the server does: on the writer connection, not as transactions of their own
 * that would queue for the database's write lock behind the open batch.  A refusal
 * (MD_ELIMIT) still commits what it recorded. */
static md_code throttle_begin(md_ctx *ctx, const md_login_who *w, int64_t t, int64_t *retry_after,
                              md_err *err)
{
    md_code rc = md_write_begin(ctx, err);
    if (rc != MD_OK) return rc;
    md_err mine;
    md_err_clear(&mine);
    md_code verdict = md_login_throttle_begin(ctx->db, w, t, retry_after, &mine);
    rc = md_write_finish(ctx, verdict == MD_ELIMIT ? MD_OK : verdict, err);
    if (verdict == MD_OK || (verdict == MD_ELIMIT && rc != MD_OK)) return rc;
    if (err) *err = mine; /* the throttle's own refusal or failure */
    return verdict;
}

static md_code throttle_end(md_ctx *ctx, const md_login_who *w, md_attempt outcome, md_err *err)
{
    md_code rc = md_write_begin(ctx, err);
    if (rc != MD_OK) return rc;
    rc = md_login_throttle_end(ctx->db, w, outcome, md_now(), err);
    return md_write_finish(ctx, rc, err);
}

md_code md_login(md_ctx *ctx, const char *email, const char *password, md_login_result *out,
                 md_err *err)
{
    out->retry_after = 0;
    int64_t t = md_now();
    login_row l = {0};
    md_val v[] = {md_text(email)};
    md_code rc = md_store_exec(ctx->db,
                               "SELECT clinic_id, id, role, password_hash, active FROM staff "
                               "WHERE email = lower($1)",
                               v, 1, login_collect, &l, err);
    if (rc != MD_OK) return rc;
    /* Reserve the attempt before the password is checked, so that concurrent guesses cannot
     * all pass a count taken before any of them failed. */
    md_login_who w = {email, ctx->client_addr, l.found ? l.clinic_id : NULL};
    rc = throttle_begin(ctx, &w, t, &out->retry_after, err);
    if (rc != MD_OK) return rc;
    md_code check = md_password_check(l.found ? l.hash : NULL, password, err);
    int ok = check == MD_OK && l.active;
    md_attempt outcome = ok                                      ? MD_ATTEMPT_SUCCEEDED
                         : check == MD_OK || check == MD_EUNAUTH ? MD_ATTEMPT_FAILED
                                                                 : MD_ATTEMPT_UNCHECKED;
    md_err settle;
    if (throttle_end(ctx, &w, outcome, &settle) != MD_OK)
        md_log(MD_LOG_ERROR, "login.throttle", "%s", settle.message);
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
