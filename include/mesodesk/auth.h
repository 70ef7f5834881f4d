/*
 * auth.h - signing in (auth.c) and the sign-in throttle (login_throttle.c).
 *
 * Sign-in uses the parts it is made of, whose headers this one includes for its callers:
 * passwords (password.h, passwords.c), sessions and tokens (session.h, sessions.c) and
 * staff accounts (staff.h, staff.c).  Who is acting: principal.h.
 */
#ifndef MESODESK_AUTH_H
#define MESODESK_AUTH_H

#include "mesodesk/context.h"
#include "mesodesk/password.h"
#include "mesodesk/session.h"
#include "mesodesk/staff.h"

#include <jansson.h>

/* Failed sign-ins in a row that one email may make before it is locked (login_throttle.c). */
#define MD_LOGIN_FREE_FAILURES 5

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

#endif
