/*
 * audit.h - the append-only, tamper-evident audit trail.
 *
 * Every write and every read of a patient record appends an entry (who,
 * clinic, action, object, time, request id).  md_audit() returns only once the
 * entry is durable or, for a write, part of the write's own transaction, so a
 * response is never sent for an unrecorded access.
 *
 * Writes: when the caller has a transaction open on ctx->db, md_audit()
 * appends the entry inside it.  The change and its entry then commit together
 * or not at all; a crash can never leave a change without its entry.  A write
 * therefore calls md_audit() between md_store_begin() and md_store_finish().
 *
 * Reads (no transaction open): group commit.  Entries from concurrent requests
 * are queued to one writer thread that owns its own connection; it takes
 * everything queued, writes it in ONE transaction (one disk flush), then wakes
 * all the waiters of that batch.  Under load a batch holds many entries, so
 * the cost of the flush is shared.
 *
 * Tamper evidence: entries of a clinic form a hash chain: hash =
 * BLAKE2b(prev_hash || canonical entry text).  md_audit_verify() recomputes
 * it.  Each appending transaction reads the clinic's chain head from the table
 * under its write lock, so writers in other threads or processes (the CLI
 * beside a running server) extend the same chain.  A backend without a
 * database-wide write lock (PostgreSQL) must take a per-clinic lock before
 * reading the head.
 *
 * States of the writer: RUNNING (accepting) -> STOPPING (md_auditor_stop:
 * drains what is queued, refuses new entries with MD_EUNAVAILABLE) -> STOPPED.
 */
#ifndef MESODESK_AUDIT_H
#define MESODESK_AUDIT_H

#include "mesodesk/context.h"

#include <jansson.h>

typedef struct md_audit_entry {
    const char *action;      /* "read", "create", "update", "login", ... */
    const char *object_type; /* "patient", "allergy", ... */
    const char *object_id;
    const char *patient_id; /* NULL when not about a patient */
    const char *detail;     /* optional short text (never clinical content) */
} md_audit_entry;

md_code md_auditor_start(const char *db_uri, md_auditor **out, md_err *err);
void md_auditor_stop(md_auditor *a);
/* Entries committed and batches (transactions) used so far: the group-commit ratio. */
void md_auditor_stats(md_auditor *a, uint64_t *entries, uint64_t *batches);

/* Append an entry for ctx's principal and request; blocks until durable. */
md_code md_audit(md_ctx *ctx, const md_audit_entry *e, md_err *err);
/* Append n entries that are committed in the same batch; one wait. */
md_code md_audit_many(md_ctx *ctx, const md_audit_entry *entries, size_t n, md_err *err);

/* Listing with filters: audit_query.h. */
/* Recompute the clinic's chain; MD_OK when intact, MD_ECONFLICT naming the first bad seq. */
md_code md_audit_verify(md_store *db, const char *clinic_id, int64_t *checked, md_err *err);

#endif
