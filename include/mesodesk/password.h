/*
 * password.h - staff passwords: argon2id hashing and checking (libsodium crypto_pwhash_str,
 * interactive limits), capped by the hash gate, and generated passwords (passwords.c).
 */
#ifndef MESODESK_PASSWORD_H
#define MESODESK_PASSWORD_H

#include "mesodesk/error.h"

#include <stddef.h>

#define MD_PASSWORD_MIN 10
#define MD_PASSWORD_MAX 256

/* Password hashing is capped (passwords.c, "the hash gate"): each argon2id computation holds
 * crypto_pwhash_MEMLIMIT_INTERACTIVE (64 MiB) while it runs, so at most `slots` run at once,
 * at most `queue` callers wait for a slot, each for at most `wait_ms`; any other caller is
 * refused at once with MD_ELIMIT (field NULL; retry in MD_HASH_RETRY_AFTER s).  Every
 * argon2id call in Mesodesk goes through the gate: sign-in, staff creation, password set. */
typedef struct md_hash_limits {
    int slots;   /* hashes at once, >= 1 */
    int queue;   /* callers that may wait for a slot, >= 0 */
    int wait_ms; /* the longest a caller waits before it is refused, >= 0 */
} md_hash_limits;

#define MD_HASH_MEMORY_DEFAULT ((size_t)128 << 20) /* two hashes at once */
#define MD_HASH_WAIT_MS 5000
#define MD_HASH_RETRY_AFTER 1 /* seconds */

/* Limits from a memory budget in bytes and the number of request threads: slots = budget /
 * 64 MiB (at least 1, at most half the threads), and slots + queue = the throttle's
 * MD_LOGIN_FREE_FAILURES (so that the checks it allows one email all happen), at most half
 * the threads (so that the other half always serves other requests).  Before any call to
 * md_hash_limits_set, the limits are md_hash_limits_for(MD_HASH_MEMORY_DEFAULT, 16):
 * 2 slots, 3 waiting. */
md_hash_limits md_hash_limits_for(size_t memory, int threads);
/* Replace the limits (values out of range are clamped); callers already waiting see them. */
void md_hash_limits_set(const md_hash_limits *l);
md_hash_limits md_hash_limits_get(void);
/* The most hashes that ran at once since the last call with reset set (tests, metrics). */
int md_hash_peak(int reset);

/* Hash a password (argon2id), under the gate.  out must hold crypto_pwhash_STRBYTES (128).
 * MD_EINVAL (field "password") for a too short or too long password, MD_ELIMIT when the
 * gate refuses, MD_ENOMEM when argon2id cannot get its memory. */
md_code md_password_hash(const char *password, char *out, size_t outsz, md_err *err);
/* Check a password against a stored hash, under the gate: MD_OK when it matches, MD_EUNAUTH
 * (field "password") when not, MD_ELIMIT when the gate refuses.  hash NULL (no account)
 * checks against a fixed hash of the same cost and answers MD_EUNAUTH, so that the time
 * taken does not tell whether the account exists. */
md_code md_password_check(const char *hash, const char *password, md_err *err);
/* A random password of 20 characters that is easy to type. */
void md_password_generate(char out[21]);

#endif
