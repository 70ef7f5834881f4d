/*
 * login_throttle.c - slows down password guessing, per email address and per client
 * address, with its state in the store (table login_throttle, migration 8), so that a
 * restart does not forget it and every process on one database shares it.
 *
 * States of one counter (one row; an email's, or a client address's):
 *
 *   FREE --failure (the Nth in a row)--> LOCKED(30 s)
 *   LOCKED --lock lapses--> FREE, the count kept: the next failure locks again,
 *                           for twice as long (60 s, 120 s, ... at most 15 min)
 *   any --success--> forgotten (an email's; an address's count is kept, so that one
 *                    account of its own does not let an address guess at others)
 *   any --idle FORGET--> forgotten (an email after 24 h, an address after 1 h)
 *
 * N is 5 for an email (MD_LOGIN_FREE_FAILURES) and md_login_throttle_address_limit()
 * for an address (default MD_LOGIN_ADDRESS_FAILURES: a client that tries many emails).
 * While LOCKED, sign-in is refused (MD_ELIMIT) without checking the password, so
 * guesses made then are not counted and cannot extend the lock.  Unknown emails are
 * tracked exactly like known ones, so the answers (401, then 429) do not tell which
 * emails have accounts.
 *
 * Count and check are one step: a sign-in first reserves an attempt on both counters
 * (md_login_throttle_begin), in one write transaction, before its password is hashed,
 * and settles it afterwards (md_login_throttle_end: failed, succeeded, or not checked
 * at all), in another.  Write transactions are serialised per database (store.h), so
 * reservations made by any process count against the allowance:
 *
 *   allowance = N - failures   while failures < N
 *             = 1              after a lock has lapsed (the next failure locks again)
 *   begin:  LOCKED                       -> refused, wait = the rest of the lock
 *           pending >= allowance         -> refused, wait = MD_THROTTLE_BUSY_WAIT
 *           otherwise (on both counters) -> pending + 1 on both, the password may be checked
 *   end:    pending - 1, then FAILED counts (and may lock), SUCCEEDED forgets the
 *           email's count, UNCHECKED changes nothing
 *
 * so however many sign-ins arrive at once, on however many processes, at most N
 * passwords are checked before the first lock, and one at a time after it.  A process
 * killed between begin and end leaves its reservation behind: reservations lapse LEASE
 * seconds after the last one was made, so a dead process cannot lock an email for good.
 *
 * Rows: key is "e" + BLAKE2b-128 of the lowercased email, or "a" + BLAKE2b-128 of the
 * address (hex), so the table holds neither in clear.  clinic_id is the clinic of the
 * account with that email; before any clinic is known (an email with no account, and
 * every address row: an address belongs to no clinic) it is the sentinel "*".  Rows idle
 * for a day are deleted, at most CLEAN_BATCH by each begin, in its transaction.
 */
#include "mesodesk/auth.h"

#include <ctype.h>
#include <sodium.h>
#include <stdatomic.h>
#include <string.h>

#define LOCK_BASE 30
#define LOCK_MAX (15 * 60)
#define LEASE 120 /* seconds a reservation lasts without news from its process */
#define CLEAN_AFTER (24 * 3600)
#define CLEAN_BATCH "16" /* rows */
#define NO_CLINIC "*"
#define KEY_STR 34 /* kind letter + 32 hex + NUL */

typedef struct counter_kind {
    char letter;
    int success_forgets;
    int64_t forget_after;
    const char *field; /* of the refusal */
    const char *whose; /* in its message */
} counter_kind;

static const counter_kind email_kind = {'e', 1, 24 * 3600, "email", "this email"};
static const counter_kind addr_kind = {'a', 0, 3600, NULL, "this address"};

static atomic_int address_limit = MD_LOGIN_ADDRESS_FAILURES;

void md_login_throttle_set_address_limit(int failures)
{
    atomic_store(&address_limit, failures < 1 ? 1 : failures > 100000 ? 100000 : failures);
}

int md_login_throttle_address_limit(void)
{
    return atomic_load(&address_limit);
}

/* One counter as loaded, changed and saved within a transaction. */
typedef struct counter {
    const counter_kind *kind;
    int free_failures;
    char key[KEY_STR];
    const char *clinic_id;
    int found; /* a row exists */
    int64_t failures, pending, pending_at, locked_until, last_at;
} counter;

static void counter_key(counter *c, const char *text)
{
    char low[256];
    size_t n = 0;
    for (; text[n] && n < sizeof low - 1; n++)
        low[n] = (char)tolower((unsigned char)text[n]);
    unsigned char h[16];
    crypto_generichash(h, sizeof h, (const unsigned char *)low, n, NULL, 0);
    c->key[0] = c->kind->letter;
    sodium_bin2hex(c->key + 1, sizeof c->key - 1, h, sizeof h);
}

static int counter_collect(void *ctx, const md_row *r)
{
    counter *c = ctx;
    c->found = 1;
    c->failures = md_row_int(r, 0);
    c->pending = md_row_int(r, 1);
    c->pending_at = md_row_int(r, 2);
    c->locked_until = md_row_int(r, 3);
    c->last_at = md_row_int(r, 4);
    return 1;
}

/* Load c's row (inside the caller's transaction) and age it to now: reservations past
 * their lease are gone, and so is a count idle past its kind's forget_after. */
static md_code counter_load(md_store *db, counter *c, int64_t now, md_err *err)
{
    md_val v[] = {md_text(c->key)};
    md_code rc = md_store_exec(db,
                               "SELECT failures, pending, pending_at, locked_until, last_at "
                               "FROM login_throttle WHERE key = $1",
                               v, 1, counter_collect, c, err);
    if (rc != MD_OK) return rc;
    if (c->pending && now - c->pending_at > LEASE) c->pending = 0;
    if (!c->pending && now - c->last_at > c->kind->forget_after) c->failures = c->locked_until = 0;
    return MD_OK;
}

/* Write c back: its row updated, inserted, or deleted when there is nothing to keep. */
static md_code counter_save(md_store *db, const counter *c, int64_t now, md_err *err)
{
    if (!c->failures && !c->pending && c->locked_until <= now) {
        if (!c->found) return MD_OK;
        md_val k[] = {md_text(c->key)};
        return md_store_exec(db, "DELETE FROM login_throttle WHERE key = $1", k, 1, NULL, NULL,
                             err);
    }
    md_val v[] = {md_text(c->key),    md_text(c->clinic_id), md_int(c->failures),
                  md_int(c->pending), md_int(c->pending_at), md_int(c->locked_until),
                  md_int(c->last_at)};
    if (c->found)
        return md_store_exec(db,
                             "UPDATE login_throttle SET clinic_id = $2, failures = $3, "
                             "pending = $4, pending_at = $5, locked_until = $6, last_at = $7 "
                             "WHERE key = $1",
                             v, 7, NULL, NULL, err);
    return md_store_exec(db,
                         "INSERT INTO login_throttle (key, clinic_id, failures, pending, "
                         "pending_at, locked_until, last_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                         v, 7, NULL, NULL, err);
}

/* The counters an attempt is charged to: the email's, and the address's when known. */
static int counters_for(const md_login_who *w, counter c[2])
{
    memset(c, 0, 2 * sizeof *c);
    c[0].kind = &email_kind;
    c[0].free_failures = MD_LOGIN_FREE_FAILURES;
    c[0].clinic_id = w->clinic_id && *w->clinic_id ? w->clinic_id : NO_CLINIC;
    counter_key(&c[0], w->email);
    if (!w->addr || !*w->addr) return 1;
    c[1].kind = &addr_kind;
    c[1].free_failures = md_login_throttle_address_limit();
    c[1].clinic_id = NO_CLINIC;
    counter_key(&c[1], w->addr);
    return 2;
}

static md_code counters_load(md_store *db, counter *c, int n, int64_t now, md_err *err)
{
    md_code rc = MD_OK;
    for (int i = 0; i < n && rc == MD_OK; i++)
        rc = counter_load(db, &c[i], now, err);
    return rc;
}

static md_code counters_save(md_store *db, const counter *c, int n, int64_t now, md_err *err)
{
    md_code rc = MD_OK;
    for (int i = 0; i < n && rc == MD_OK; i++)
        rc = counter_save(db, &c[i], now, err);
    return rc;
}

/* Seconds before c allows another attempt (0: now); *locked whether it is a lock. */
static int64_t counter_wait(const counter *c, int64_t now, int *locked)
{
    int64_t allowance = c->failures < c->free_failures ? c->free_failures - c->failures : 1;
    *locked = c->locked_until > now;
    if (*locked) return c->locked_until - now;
    return c->pending >= allowance ? MD_THROTTLE_BUSY_WAIT : 0;
}

md_code md_login_throttle_begin(md_store *db, const md_login_who *w, int64_t now,
                                int64_t *retry_after, md_err *err)
{
    counter c[2];
    int n = counters_for(w, c), locked = 0;
    int64_t wait = 0;
    const counter *refused = NULL;
    if (retry_after) *retry_after = 0;
    md_code rc = md_store_begin(db, err);
    if (rc != MD_OK) return rc;
    md_val old[] = {md_int(now - CLEAN_AFTER)};
    rc = md_store_exec(db,
                       "DELETE FROM login_throttle WHERE key IN (SELECT key FROM login_throttle "
                       "WHERE last_at < $1 ORDER BY last_at LIMIT " CLEAN_BATCH ")",
                       old, 1, NULL, NULL, err);
    if (rc == MD_OK) rc = counters_load(db, c, n, now, err);
    for (int i = 0; rc == MD_OK && i < n && !refused; i++)
        if ((wait = counter_wait(&c[i], now, &locked)) > 0) refused = &c[i];
    for (int i = 0; rc == MD_OK && i < n; i++) {
        c[i].last_at = now;
        if (!refused) {
            c[i].pending++;
            c[i].pending_at = now;
        }
    }
    if (rc == MD_OK) rc = counters_save(db, c, n, now, err);
    if ((rc = md_store_finish(db, rc, err)) != MD_OK) return rc;
    if (!refused) return MD_OK;
    if (retry_after) *retry_after = wait;
    return md_err_set(
        err, MD_ELIMIT, refused->kind->field, "too many %s for %s; try again in %lld s",
        locked ? "failed sign-ins" : "sign-ins at once", refused->kind->whose, (long long)wait);
}

md_code md_login_throttle_end(md_store *db, const md_login_who *w, md_attempt outcome, int64_t now,
                              md_err *err)
{
    counter c[2];
    int n = counters_for(w, c);
    md_code rc = md_store_begin(db, err);
    if (rc != MD_OK) return rc;
    rc = counters_load(db, c, n, now, err);
    for (int i = 0; rc == MD_OK && i < n; i++) {
        counter *k = &c[i];
        if (k->pending > 0) k->pending--;
        if (outcome == MD_ATTEMPT_SUCCEEDED && k->kind->success_forgets) {
            k->failures = 0;
            k->locked_until = 0;
        } else if (outcome == MD_ATTEMPT_FAILED) {
            k->failures++;
            k->last_at = now;
            if (k->failures >= k->free_failures) {
                int64_t shift = k->failures - k->free_failures;
                int64_t lock = shift >= 5 ? LOCK_MAX : (int64_t)LOCK_BASE << shift;
                k->locked_until = now + (lock > LOCK_MAX ? LOCK_MAX : lock);
            }
        }
    }
    if (rc == MD_OK) rc = counters_save(db, c, n, now, err);
    return md_store_finish(db, rc, err);
}

md_code md_login_throttle_reset(md_store *db, md_err *err)
{
    return md_store_exec(db, "DELETE FROM login_throttle", NULL, 0, NULL, NULL, err);
}
