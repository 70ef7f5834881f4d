/*
 * passwords.c - argon2id password hashing and checking, behind the gate that caps how many
 * hashes run at once, and generated passwords.  See password.h.
 */
#include "mesodesk/password.h"
#include "mesodesk/auth.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

/*
 * The hash gate.  argon2id (crypto_pwhash, interactive limits) holds 64 MiB for the length
 * of one hash, so unbounded concurrency is unbounded memory: thirty sign-ins at once held
 * about 1 GiB.  Every argon2id call passes the gate.  One caller:
 *
 *   ARRIVE --a slot free and nobody waiting--> HASHING --done--> LEFT (wakes the waiters)
 *   ARRIVE --fewer than queue waiting--> WAITING --a slot frees--> HASHING
 *                                        WAITING --wait_ms pass--> REFUSED (MD_ELIMIT)
 *   ARRIVE --queue full--> REFUSED (MD_ELIMIT)
 *
 * Invariants (under gate.mu): running <= slots and waiting <= queue (until the limits are
 * lowered: then no one enters until running is under the new slots).  A newcomer does not
 * pass the waiters.  The limits may change while callers wait (md_hash_limits_set wakes them).
 */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    md_hash_limits lim;
    int running, waiting, peak;
} gate = {.mu = PTHREAD_MUTEX_INITIALIZER};
static pthread_once_t gate_once = PTHREAD_ONCE_INIT;

static void gate_init(void)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&gate.cv, &a);
    pthread_condattr_destroy(&a);
    gate.lim = md_hash_limits_for(MD_HASH_MEMORY_DEFAULT, 16);
}

md_hash_limits md_hash_limits_for(size_t memory, int threads)
{
    int half = threads / 2 > 1 ? threads / 2 : 1;
    size_t n = memory / crypto_pwhash_MEMLIMIT_INTERACTIVE;
    int slots = n < 1 ? 1 : n > (size_t)half ? half : (int)n;
    /* Room for the checks the throttle allows one email, no more: a caller waiting holds its
     * request thread, and with it the other connections that thread serves. */
    int inside = half < MD_LOGIN_FREE_FAILURES ? half : MD_LOGIN_FREE_FAILURES;
    md_hash_limits l = {slots, inside > slots ? inside - slots : 0, MD_HASH_WAIT_MS};
    return l;
}

void md_hash_limits_set(const md_hash_limits *l)
{
    pthread_once(&gate_once, gate_init);
    pthread_mutex_lock(&gate.mu);
    gate.lim.slots = l->slots > 0 ? l->slots : 1;
    gate.lim.queue = l->queue > 0 ? l->queue : 0;
    gate.lim.wait_ms = l->wait_ms > 0 ? l->wait_ms : 0;
    pthread_cond_broadcast(&gate.cv);
    pthread_mutex_unlock(&gate.mu);
}

md_hash_limits md_hash_limits_get(void)
{
    pthread_once(&gate_once, gate_init);
    pthread_mutex_lock(&gate.mu);
    md_hash_limits l = gate.lim;
    pthread_mutex_unlock(&gate.mu);
    return l;
}

int md_hash_peak(int reset)
{
    pthread_once(&gate_once, gate_init);
    pthread_mutex_lock(&gate.mu);
    int p = gate.peak;
    if (reset) gate.peak = gate.running;
    pthread_mutex_unlock(&gate.mu);
    return p;
}

static md_code gate_enter(md_err *err)
{
    pthread_once(&gate_once, gate_init);
    pthread_mutex_lock(&gate.mu);
    int admitted = gate.running < gate.lim.slots && gate.waiting == 0;
    if (!admitted && gate.waiting < gate.lim.queue) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += gate.lim.wait_ms / 1000;
        until.tv_nsec += (long)(gate.lim.wait_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        gate.waiting++;
        int rc = 0;
        while (gate.running >= gate.lim.slots && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&gate.cv, &gate.mu, &until);
        gate.waiting--;
        admitted = gate.running < gate.lim.slots;
    }
    if (admitted) {
        gate.running++;
        if (gate.running > gate.peak) gate.peak = gate.running;
        /* Another slot is still free: the next waiter need not wait for a leave. */
        if (gate.running < gate.lim.slots && gate.waiting > 0) pthread_cond_broadcast(&gate.cv);
    }
    pthread_mutex_unlock(&gate.mu);
    if (admitted) return MD_OK;
    return md_err_set(err, MD_ELIMIT, NULL,
                      "the server is busy checking passwords; try again in %d s",
                      MD_HASH_RETRY_AFTER);
}

static void gate_leave(void)
{
    pthread_mutex_lock(&gate.mu);
    gate.running--;
    pthread_cond_broadcast(&gate.cv);
    pthread_mutex_unlock(&gate.mu);
}

/* argon2id itself; the caller holds a slot of the gate. */
static int hash_in_slot(const char *password, size_t n, char out[crypto_pwhash_STRBYTES])
{
    return crypto_pwhash_str(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

md_code md_password_hash(const char *password, char *out, size_t outsz, md_err *err)
{
    size_t n = strlen(password);
    if (n < MD_PASSWORD_MIN)
        return md_err_set(err, MD_EINVAL, "password", "a password needs at least %d characters",
                          MD_PASSWORD_MIN);
    if (n > MD_PASSWORD_MAX)
        return md_err_set(err, MD_EINVAL, "password", "a password has at most %d characters",
                          MD_PASSWORD_MAX);
    if (outsz < crypto_pwhash_STRBYTES)
        return md_err_set(err, MD_EINTERNAL, NULL, "hash buffer too small");
    md_code rc = gate_enter(err);
    if (rc != MD_OK) return rc;
    int failed = hash_in_slot(password, n, out) != 0;
    gate_leave();
    if (failed) return md_err_set(err, MD_ENOMEM, NULL, "out of memory hashing the password");
    return MD_OK;
}

/* A fixed hash to check against when there is no account, made once (in the slot of the
 * first caller that needs it); 0 when argon2id could not get its memory. */
static char dummy[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
    static const char pw[] = "not-a-real-password";
    if (hash_in_slot(pw, sizeof pw - 1, dummy) != 0) dummy[0] = '\0';
}

md_code md_password_check(const char *hash, const char *password, md_err *err)
{
    md_code rc = gate_enter(err);
    if (rc != MD_OK) return rc;
    if (!hash) pthread_once(&dummy_once, make_dummy);
    const char *against = hash ? hash : dummy;
    int ok = *against && crypto_pwhash_str_verify(against, password, strlen(password)) == 0;
    gate_leave();
    if (ok && hash) return MD_OK;
    return md_err_set(err, MD_EUNAUTH, "password", "wrong email or password");
}

void md_password_generate(char out[21])
{
    /* No look-alike characters (0/O, 1/l/I). */
    static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    for (int i = 0; i < 20; i++)
        out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
    out[20] = '\0';
}
