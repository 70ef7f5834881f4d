/*
 * credential.h - staff licences and qualifications, with evidence stored by content hash
 * (issue 9 item 6).
 *
 * This header is the contract other modules code against; src/domain/credential.c
 * implements it.
 */
#ifndef MESODESK_CREDENTIAL_H
#define MESODESK_CREDENTIAL_H

#include "mesodesk/context.h"
#include "mesodesk/record.h"
#include "mesodesk/util.h"

#include <jansson.h>

/* May staff_id do work that needs scope (a kb scope code such as "injectables") on day?
 * MD_OK when the staff member is active, a practitioner (or admin), and holds a current
 * licence with that scope that is valid on day (issued on or before it, expiring on or after
 * it).  Otherwise MD_ECONFLICT, field "practitioner_id", the message naming what fails
 * ("the licence GMC-123 expired on 2026-11-30", "no current licence with scope injectables");
 * MD_ENOTFOUND (field "practitioner_id") for no such staff member in the clinic.  Not
 * audited. */
md_code md_credential_check(md_ctx *ctx, const char *staff_id, const char *scope, md_day day,
                            md_err *err);

/*
 * A credential is a clinic-level versioned record (kind "credential", table
 * staff_credentials) with a staff_id field: {"id","version","staff_id","type" (a kb type:
 * licence, registration, qualification, insurance), "number","issuing_body","issued_on",
 * "expires_on" (required where the kb type says so: a licence), "scopes" (kb scope codes),
 * "status" (active, suspended, revoked, entered_in_error), "evidence" ([{"hash",
 * "media_type","filename","size","added_at","added_by"}], added only through
 * md_credential_evidence_add), "note", "recorded_by","recorded_at","reason"}.
 * Nothing is deleted: a correction is a new version with who and why.
 *
 * Who: writes need MD_PERM_STAFF_WRITE (admin); a staff member reads their own
 * credentials, an admin (MD_PERM_STAFF_WRITE) everyone's in the clinic; any other read is
 * MD_EFORBIDDEN.  Another clinic's staff member or credential is MD_ENOTFOUND.  Reads and
 * writes are audited (object "credential").  *out is a new reference the caller decrefs.
 */
extern const md_record_kind md_kind_credential;

/* What kb/credentials.json says of a credential type and a scope (kb_credentials.c).
 * The strings live as long as the kb. */
typedef struct md_cred_type {
    const char *code, *label;
    int requires_expiry; /* a record of this type needs expires_on */
    int authorises;      /* this type (a licence) is what md_credential_check reads */
} md_cred_type;
typedef struct md_cred_scope {
    const char *code, *label;
} md_cred_scope;
/* NULL for an unknown code, or kb NULL. */
const md_cred_type *md_kb_credential_type(const md_kb *kb, const char *code);
const md_cred_scope *md_kb_credential_scope(const md_kb *kb, const char *code);
/* The expiring worklist's default and largest window in days (60 and 730 without a kb). */
void md_kb_credential_window(const md_kb *kb, long *dflt, long *max);
/* {"types":[{"code","label","requires_expiry","authorises"}],"scopes":[{"code","label"}],
 * "expiring_window_days"}; new reference, NULL when out of memory. */
json_t *md_kb_credentials_json(const md_kb *kb);

/* The credentials of staff_id, current versions, oldest issued first; include_all also
 * lists those entered in error.  *out {"items":[...]} */
md_code md_credential_list(md_ctx *ctx, const char *staff_id, int include_all, json_t **out,
                           md_err *err);
/* Record a credential for staff_id (the path's: a "staff_id" in the body must agree). */
md_code md_credential_create(md_ctx *ctx, const char *staff_id, json_t *in, json_t **out,
                             md_err *err);
md_code md_credential_get(md_ctx *ctx, const char *staff_id, const char *id, json_t **out,
                          md_err *err);
/* A new version (PATCH semantics: members given replace the current ones; "reason"
 * required, "version" optional and 409 when stale).  "evidence" cannot be set here. */
md_code md_credential_update(md_ctx *ctx, const char *staff_id, const char *id, json_t *in,
                             json_t **out, md_err *err);
md_code md_credential_history(md_ctx *ctx, const char *staff_id, const char *id, json_t **out,
                              md_err *err);
md_code md_credential_entered_in_error(md_ctx *ctx, const char *staff_id, const char *id,
                                       json_t *in, json_t **out, md_err *err);

/* The worklist: credentials of a type that requires an expiry date expiring within
 * [today, today + within_days] (today in the clinic's zone), and those already expired of
 * active staff who hold no other current one of that type valid today; ordered by expiry.
 * within_days < 0: the kb's default.  MD_EUNPROCESSABLE ("within") above the kb's max.
 * Needs MD_PERM_STAFF_WRITE.  *out {"within","today","items":[{credential...,
 * "staff_name","staff_role","staff_active","days_left","expired"}]}. */
md_code md_credential_expiring(md_ctx *ctx, long within_days, json_t **out, md_err *err);

/* Every staff member of the clinic checked as md_credential_check would on day for scope,
 * in two statements: *out {staff_id: {"ok":true} | {"ok":false,"code","message"}} where code
 * is "inactive", "role", "expired", "not_yet_valid", "suspended", "no_expiry" or
 * "no_licence".  Not audited (for the clinic's day). */
md_code md_credential_check_all(md_ctx *ctx, const char *scope, md_day day, json_t **out,
                                md_err *err);

/* Attach evidence to a credential (admin): in {"filename" (1..200 characters), "data"
 * (base64 of the file), "media_type"? (when given, it must be what the bytes are)}.  The
 * file must be a PDF, PNG or JPEG by its magic bytes (MD_EUNPROCESSABLE "data" otherwise),
 * at most MD_CREDENTIAL_EVIDENCE_MAX bytes (MD_ETOOBIG "data"); it is stored by content
 * hash (content.h) and listed on a new version of the credential (reason "evidence added:
 * <filename>") in the same transaction.  The same file twice is MD_ECONFLICT ("data").
 * *out: the credential's new version. */
#define MD_CREDENTIAL_EVIDENCE_MAX (700 * 1024) /* base64 of it fits the 1 MiB request body */
md_code md_credential_evidence_add(md_ctx *ctx, const char *staff_id, const char *id,
                                   json_t *in, json_t **out, md_err *err);
/* The bytes of evidence sha256 listed on the credential (whoever may read it), audited as
 * a read: *data in ctx->arena, media_type as stored.  MD_ENOTFOUND ("sha256") when the
 * credential lists no such file. */
md_code md_credential_evidence_get(md_ctx *ctx, const char *staff_id, const char *id,
                                   const char *sha256, char media_type[128],
                                   unsigned char **data, size_t *len, md_err *err);

#endif
