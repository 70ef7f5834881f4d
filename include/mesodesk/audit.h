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
 * are jobs of the database's committer (commit.h), whose one writer thread and
 * connection run them, and the writes of the requests that share the committer,
 * in ONE transaction (one disk flush), each in its own savepoint, then post each
 * waiter's own slot.  A read whose entry could not be made durable gets
 * MD_EUNAVAILABLE: the caller answers 503 and never sends the data.
 *
 * Tamper evidence: entries of a clinic form a hash chain: hash =
 * BLAKE2b(prev_hash, the entry's fields), in the hash format each entry records
 * (audit_int.h: 1 before migration 7, 2 length-prefixed since).
 * md_audit_verify() recomputes it.  Each appending transaction locks the
 * clinic's chain (md_store_lock keyed by the clinic), reads its head row
 * (audit_heads) and moves it, so writers in other threads or processes (the CLI
 * beside a running server, several servers on one database) extend the same
 * chain.
 *
 * Anchoring (src/domain/audit_anchor.c): a hash chain alone proves nothing
 * against someone who can write the database: cutting the tail, deleting a
 * clinic's whole chain, or rewriting an entry and recomputing every later hash
 * all leave a chain that recomputes.  So the writer of an anchored auditor
 * signs checkpoints: an Ed25519 signature, with a key kept in a file apart
 * from the database, over (clinic, seq, head hash, time).  Each checkpoint is
 * stored in audit_checkpoints AND appended as a text line to a checkpoint log
 * that the operator ships elsewhere.  A clinic gets a checkpoint after a batch
 * or a write that moved its chain, at most once per MD_AUDIT_CHECKPOINT_MS
 * (a clinic left waiting gets its checkpoint when that time is up, without
 * new activity), and at md_auditor_stop().  Checkpoints ride in the batch's
 * own transaction, so the hot read path pays no extra disk flush; the log
 * line is written after the batch's waiters are woken.  What stays
 * undetectable: entries after the latest checkpoint (at most about
 * MD_AUDIT_CHECKPOINT_MS of activity, the entries since the last checkpoint
 * when the server was killed, or what an unanchored writer such as the CLI's
 * appended, until the server next moves that chain), and anything, once both
 * the database and every copy of the log are rewritten by someone holding the
 * key.
 *
 * States of the writer (the committer's): RUNNING (accepting; checkpoints due
 * clinics in each batch, or when a clinic's wait is over) -> STOPPING
 * (md_auditor_stop: commits what is queued, refuses new entries with
 * MD_EUNAVAILABLE, then checkpoints every clinic whose chain moved since its last
 * checkpoint) -> STOPPED.
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

/* The signing key and checkpoint log; opaque.  See audit_anchor.c for the file formats. */
typedef struct md_audit_anchor md_audit_anchor;

#define MD_AUDIT_CHECKPOINT_MS 1000 /* at most one checkpoint per clinic per this period */
#define MD_AUDIT_PATH_MAX 1024

/*
 * Open the key file at key_path and remember log_path (NULL: no checkpoint log).
 * writer != 0 (the server): create the key (mode 0600) when the file is missing, and
 * open the log for appending, creating it.  writer == 0 (verification): the key must
 * exist; the log is only read, and a missing log holds no checkpoints.
 * Refuses a key file whose mode gives group or others any access (MD_EINVAL, field
 * "audit_key"), or that is not a regular file; MD_ENOTFOUND when it is missing and
 * writer == 0; MD_EIO on a read or create failure.  The caller frees *out.
 */
md_code md_audit_anchor_open(const char *key_path, const char *log_path, int writer,
                             md_audit_anchor **out, md_err *err);
void md_audit_anchor_free(md_audit_anchor *k);
/* The public key, 64 hex characters: what an auditor compares with the published one. */
const char *md_audit_anchor_key_id(const md_audit_anchor *k);
/* The default places: key_out = key_path, else "audit.key" beside the database file
 * (var/audit.key for a URI); log_out = log_path, else "audit-checkpoints.log" beside
 * the key.  Outputs are truncated at size. */
void md_audit_default_paths(const char *db_path, const char *key_path, const char *log_path,
                            char *key_out, char *log_out, size_t size);

md_code md_auditor_start(const char *db_uri, md_auditor **out, md_err *err);
/* Like md_auditor_start, and the writer signs checkpoints with the key at key_path, which
 * it opens (writer mode, see md_audit_anchor_open) and owns until md_auditor_stop().
 * key_path NULL: no checkpoints, as md_auditor_start. */
md_code md_auditor_start_anchored(const char *db_uri, const char *key_path, const char *log_path,
                                  md_auditor **out, md_err *err);
/* The auditor's key and log (NULL when not anchored); valid until md_auditor_stop(). */
const md_audit_anchor *md_auditor_anchor(const md_auditor *a);
/* The database's writer (commit.h), which the auditor owns and its read entries and
 * checkpoints use: give it to md_ctx.committer so that writes share its batches.  Valid
 * until md_auditor_stop(). */
md_committer *md_auditor_committer(md_auditor *a);
void md_auditor_stop(md_auditor *a);
/* Entries committed and batches (transactions) used so far: the group-commit ratio. */
void md_auditor_stats(md_auditor *a, uint64_t *entries, uint64_t *batches);

/* Append an entry for ctx's principal and request; blocks until durable. */
md_code md_audit(md_ctx *ctx, const md_audit_entry *e, md_err *err);
/* Append n entries that are committed in the same batch; one wait. */
md_code md_audit_many(md_ctx *ctx, const md_audit_entry *entries, size_t n, md_err *err);

/* Listing with filters: audit_query.h. */
/*
 * Verify the clinic's trail: recompute its chain from seq 1, check each checkpoint (in
 * the database and, when the anchor has one, in the log) for a valid signature by the
 * anchor's key and for a head hash equal to the stored entry at its seq, and that the
 * chain reaches the latest one.  anchor NULL: the chain and the stored checkpoints' head
 * hashes only, signatures unchecked.  *out (new reference) is the report documented in
 * docs/API.md ("intact", "entries", "first_bad_seq", "truncated_after", "problems",
 * ...).  The check runs in one read snapshot (md_store_snapshot_begin), so appenders may
 * go on meanwhile.  Returns MD_OK whenever the check ran, intact or not; MD_EIO / MD_ENOMEM
 * when it could not run.
 */
md_code md_audit_verify_report(md_store *db, const char *clinic_id, const md_audit_anchor *anchor,
                               json_t **out, md_err *err);
/* The same for every clinic that the clinics table, the trail, the stored checkpoints or
 * the log names (so a clinic deleted with its chain is still checked):
 * {"intact": all intact, "clinics": [report, ...]}. */
md_code md_audit_verify_all(md_store *db, const md_audit_anchor *anchor, json_t **out, md_err *err);
/* Verify without a key (md_audit_verify_report with anchor NULL): MD_OK when intact,
 * MD_ECONFLICT with the report's message otherwise; *checked = entries verified. */
md_code md_audit_verify(md_store *db, const char *clinic_id, int64_t *checked, md_err *err);

#endif
