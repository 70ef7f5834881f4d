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

/* The sign-in throttle, per email (see login_throttle.c); now in seconds (md_now()).
 * begin reserves one attempt before the password is checked: MD_OK, or MD_ELIMIT (field
 * "email") with *retry_after (may be NULL) when the email is locked or as many attempts as
 * it may still fail are already in flight.  Each MD_OK from begin is settled by exactly one
 * end, with what came of it. */
typedef enum md_attempt {
    MD_ATTEMPT_FAILED,    /* the password was checked and was wrong (or the account inactive) */
    MD_ATTEMPT_SUCCEEDED, /* signed in: the count is forgotten */
    MD_ATTEMPT_UNCHECKED  /* no password was checked (busy, storage error): not counted */
} md_attempt;

#define MD_THROTTLE_BUSY_WAIT 1 /* seconds: Retry-After while the allowance is in flight */

md_code md_login_throttle_begin(const char *email, int64_t now, int64_t *retry_after, md_err *err);
void md_login_throttle_end(const char *email, md_attempt outcome, int64_t now);
void md_login_throttle_reset(void); /* forget everything (tests) */

#endif
