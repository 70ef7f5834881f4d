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
 * The table is fixed-size: slots are found by a keyed hash of the lowercased
 * email (SipHash, key random per process) with a short linear probe; when the
 * probe window is full the least recently used slot is reused.
 */
#include "mesodesk/auth.h"

#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#define SLOTS 4096
#define PROBE 8
#define FREE_FAILURES 5
#define LOCK_BASE 30
#define LOCK_MAX (15 * 60)
#define FORGET_AFTER (24 * 3600)

typedef struct slot {
    uint64_t key; /* 0: empty */
    int failures;
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

/* The slot for key, or NULL; with create, a fresh or reused one. Caller holds mu. */
static slot *find(uint64_t key, int64_t now, int create)
{
    size_t start = (size_t)(key % SLOTS);
    slot *victim = NULL;
    for (size_t i = 0; i < PROBE; i++) {
        slot *s = &slots[(start + i) % SLOTS];
        if (s->key && now - s->last > FORGET_AFTER) memset(s, 0, sizeof *s);
        if (s->key == key) return s;
        if (!victim || !s->key || (victim->key && s->last < victim->last)) victim = s;
    }
    if (!create) return NULL;
    memset(victim, 0, sizeof *victim);
    victim->key = key;
    return victim;
}

md_code md_login_throttle_check(const char *email, int64_t now, int64_t *retry_after, md_err *err)
{
    uint64_t key = email_key(email);
    pthread_mutex_lock(&mu);
    slot *s = find(key, now, 0);
    int64_t wait = s && s->locked_until > now ? s->locked_until - now : 0;
    pthread_mutex_unlock(&mu);
    if (retry_after) *retry_after = wait;
    if (!wait) return MD_OK;
    return md_err_set(err, MD_ELIMIT, "email",
                      "too many failed sign-ins for this email; try again in %lld s",
                      (long long)wait);
}

void md_login_throttle_record(const char *email, int ok, int64_t now)
{
    uint64_t key = email_key(email);
    pthread_mutex_lock(&mu);
    slot *s = find(key, now, !ok);
    if (s && ok) {
        memset(s, 0, sizeof *s);
    } else if (s) {
        s->failures++;
        s->last = now;
        if (s->failures >= FREE_FAILURES) {
            int shift = s->failures - FREE_FAILURES;
            int64_t lock = shift >= 5 ? LOCK_MAX : (int64_t)LOCK_BASE << shift;
            s->locked_until = now + (lock > LOCK_MAX ? LOCK_MAX : lock);
        }
    }
    pthread_mutex_unlock(&mu);
}

void md_login_throttle_reset(void)
{
    pthread_mutex_lock(&mu);
    memset(slots, 0, sizeof slots);
    pthread_mutex_unlock(&mu);
}
