/*
 * audit_int.h - what audit.c (the writer and the chain) and audit_anchor.c (the key,
 * the checkpoints and verification) share.  Not part of the public interface.
 */
#ifndef MESODESK_AUDIT_INT_H
#define MESODESK_AUDIT_INT_H

#include "mesodesk/audit.h"

#include <sodium.h>

#define AUDIT_HASH_HEX (crypto_generichash_BYTES * 2 + 1)
#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"
#define AUDIT_SIG_HEX (crypto_sign_BYTES * 2 + 1)
#define AUDIT_CP_LINE 512 /* one checkpoint log line, with its newline */

/*
 * Hash formats of an entry (audit_log.hash_format; each entry is verified by its own):
 *  1: BLAKE2b over every field, in a fixed order, each followed by '\n' (NULL as "").
 *     Ambiguous when a field holds '\n' ("a\nb"+"c" and "a"+"b\nc" hash alike).  The
 *     entries written before migration 7.
 *  2: BLAKE2b over the tag "mesodesk-audit-entry-v2", then every field in the same
 *     order, each as an 8-byte big-endian length and its bytes; NULL is the length
 *     2^64-1 with no bytes (so NULL and "" differ).  seq is its decimal text.  Written
 *     since migration 7.
 * A chain may hold format 1 entries followed by format 2 ones, never the reverse.
 */
#define AUDIT_HASH_V1 1
#define AUDIT_HASH_V2 2
#define AUDIT_HASH_CURRENT AUDIT_HASH_V2

/* The hash of one entry in format (AUDIT_HASH_V1 or _V2) into out (hex); prev is the
 * previous entry's hash (AUDIT_GENESIS for seq 1).  Returns 0, or -1 for an unknown
 * format (out is then ""). */
int md_audit_entry_hash(int format, const char *prev, int64_t seq, const char *at,
                        const char *clinic, const char *actor, const char *role, const char *action,
                        const char *otype, const char *oid, const char *pid, const char *rid,
                        const char *detail, char out[AUDIT_HASH_HEX]);

/* A checkpoint written in the current transaction, and its log line. */
typedef struct md_audit_cp {
    char clinic_id[MD_ID_STR];
    int64_t seq;
    char line[AUDIT_CP_LINE];
} md_audit_cp;

/* Seq of the clinic's latest stored checkpoint (0 when none), inside db's transaction. */
md_code md_audit_cp_last_seq(md_store *db, const char *clinic_id, int64_t *seq, md_err *err);
/* Sign (clinic, seq, head, now) and insert it inside db's open transaction; out gets the
 * log line.  A failed insert is rolled back alone (a savepoint): the caller's batch stands.
 * When a checkpoint of the clinic at seq is already stored (another process wrote it),
 * nothing is written and out->line is "" (MD_OK). */
md_code md_audit_cp_write(md_store *db, const md_audit_anchor *k, const char *clinic_id,
                          int64_t seq, const char *head, md_audit_cp *out, md_err *err);
/* Append the lines to the checkpoint log and flush it to disk; errors are logged. */
void md_audit_cp_log(md_audit_anchor *k, const md_audit_cp *cps, size_t n);

#endif
