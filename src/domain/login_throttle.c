/*
 * login_throttle.c - slows down password guessing, per email address.
 *
 * States of one email (kept in memory, per process):
 *
 *   FREE --failure (5th in a row)--> LOCKED(30 s)
 *   LOCKED --lock lapses--> FREE, the count kept: the next failure locks again,
 *                           for twice as long (60 s, 120 s, ... at most 15 min)
 *   any --success--> forgotten
 *   any --idle 24 h--> forgotten
 *
 * While LOCKED, sign-in is refused (MD_ELIMIT) without checking the password,
 * so guesses made then are not counted and cannot extend the lock.  Unknown
 * emails are tracked exactly like known ones, so the answers (401, then 429)
 * do not tell which emails have accounts.
 *
 * Count and check are one step: a sign-in first reserves an attempt
 * (md_login_throttle_begin), under the lock, before its password is hashed,
 * and settles it afterwards (md_login_throttle_end: failed, succeeded, or not
 * checked at all).  Reservations in flight count against the allowance:
 *
 *   allowance = 5 - failures   while failures < 5
 *             = 1              after a lock has lapsed (the next failure locks again)
 *   begin:  LOCKED                       -> refused, wait = the rest of the lock
 *           pending >= allowance         -> refused, wait = MD_THROTTLE_BUSY_WAIT
 *           otherwise                    -> pending + 1, the password may be checked
 *   end:    pending - 1, then FAILED counts (and may lock), SUCCEEDED forgets the
 *           count, UNCHECKED changes nothing
 *
 * so however many sign-ins arrive at once, at most 5 passwords are checked before
 * the first lock, and one at a time after it.
 *
 * The table is fixed-size: slots are found by a keyed hash of the lowercased
 * email (SipHash, key random per process) with a short linear probe; when the
 * probe window is full the least recently used slot without a reservation in
 * flight is reused.
 */
#include "mesodesk/auth.h"

#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#define SLOTS 4096
#define PROBE 8
#define FREE_FAILURES MD_LOGIN_FREE_FAILURES
#define LOCK_BASE 30
#define LOCK_MAX (15 * 60)
#define FORGET_AFTER (24 * 3600)

typedef struct slot {
    uint64_t key; /* 0: empty */
    int failures;
    int pending; /* attempts reserved and not yet settled */
    int64_t locked_until;
    int64_t last;
} slot;

static slot slots[SLOTS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned char hkey[crypto_shorthash_KEYBYTES];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_key(void)
{
    randombytes_buf(hkey, sizeof hkey);
}

static uint64_t email_key(const char *email)
{
    char low[256];
    size_t n = 0;
    for (; email[n] && n < sizeof low - 1; n++)
        low[n] = (char)tolower((unsigned char)email[n]);
    unsigned char h[crypto_shorthash_BYTES];
    pthread_once(&once, init_key);
    crypto_shorthash(h, (const unsigned char *)low, n, hkey);
    uint64_t k;
    memcpy(&k, h, sizeof k);
    return k ? k : 1;
}

/* Whether victim v is a worse choice to reuse than s: empty first, then slots without
 * a reservation in flight, then the least recently used. */
static int better_victim(const slot *s, const slot *v)
{
    if (!v) return 1;
    if (!v->key) return 0;
    if (!s->key) return 1;
    if ((s->pending == 0) != (v->pending == 0)) return s->pending == 0;
    return s->last < v->last;
}

/* The slot for key, or NULL; with create, a fresh or reused one. Caller holds mu. */
static slot *find(uint64_t key, int64_t now, int create)
{
    size_t start = (size_t)(key % SLOTS);
    slot *victim = NULL;
    for (size_t i = 0; i < PROBE; i++) {
        slot *s = &slots[(start + i) % SLOTS];
        if (s->key && !s->pending && now - s->last > FORGET_AFTER) memset(s, 0, sizeof *s);
        if (s->key == key) return s;
        if (better_victim(s, victim)) victim = s;
    }
    if (!create) return NULL;
    memset(victim, 0, sizeof *victim);
    victim->key = key;
    victim->last = now;
    return victim;
}

md_code md_login_throttle_begin(const char *email, int64_t now, int64_t *retry_after, md_err *err)
{
    uint64_t key = email_key(email);
    int64_t wait = 0;
    pthread_mutex_lock(&mu);
    slot *s = find(key, now, 1);
    int allowance = s->failures < FREE_FAILURES ? FREE_FAILURES - s->failures : 1;
    int locked = s->locked_until > now;
    if (locked)
        wait = s->locked_until - now;
    else if (s->pending >= allowance)
        wait = MD_THROTTLE_BUSY_WAIT;
    else
        s->pending++;
    s->last = now;
    pthread_mutex_unlock(&mu);
    if (retry_after) *retry_after = wait;
    if (!wait) return MD_OK;
    return md_err_set(err, MD_ELIMIT, "email", "too many %s for this email; try again in %lld s",
                      locked ? "failed sign-ins" : "sign-ins at once", (long long)wait);
}

void md_login_throttle_end(const char *email, md_attempt outcome, int64_t now)
{
    uint64_t key = email_key(email);
    pthread_mutex_lock(&mu);
    /* A slot reused while the check ran has lost its reservation; a failure still counts. */
    slot *s = find(key, now, outcome == MD_ATTEMPT_FAILED);
    if (s && s->pending > 0) s->pending--;
    if (s && outcome == MD_ATTEMPT_SUCCEEDED) {
        s->failures = 0;
        s->locked_until = 0;
    } else if (s && outcome == MD_ATTEMPT_FAILED) {
        s->failures++;
        s->last = now;
        if (s->failures >= FREE_FAILURES) {
            int shift = s->failures - FREE_FAILURES;
            int64_t lock = shift >= 5 ? LOCK_MAX : (int64_t)LOCK_BASE << shift;
            s->locked_until = now + (lock > LOCK_MAX ? LOCK_MAX : lock);
        }
    }
    if (s && !s->failures && !s->pending && s->locked_until <= now) memset(s, 0, sizeof *s);
    pthread_mutex_unlock(&mu);
}

void md_login_throttle_reset(void)
{
    pthread_mutex_lock(&mu);
    memset(slots, 0, sizeof slots);
    pthread_mutex_unlock(&mu);
}
