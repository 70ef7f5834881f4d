/*
 * staff.h - staff accounts: creating, listing and reading them, and managing them
 * (staff.c; signing in is auth.h).
 *
 * An account's states:  ACTIVE --(deactivate)--> INACTIVE --(reactivate)--> ACTIVE
 * Deactivating revokes every session of the account in the same transaction, and
 * md_session_check() refuses any session of an inactive account, so its sessions stop at
 * once.  Reactivating does not revive old sessions: the person signs in again.  Staff
 * accounts are not clinical data: a change updates the row (updated_at) and is audited
 * ("update", "staff", detail: the fields changed, and the reason when given) in the same
 * transaction.
 *
 * Creating and changing need MD_PERM_STAFF_WRITE (admin; the CLI's system principal),
 * listing and reading MD_PERM_STAFF_READ; every function works within ctx's clinic only (another
 * clinic's id is MD_ENOTFOUND).  Errors name the field; *out (when given) receives the staff record
 * as md_staff_get() gives it, a new reference the caller decrefs.
 */
#ifndef MESODESK_STAFF_H
#define MESODESK_STAFF_H

#include "mesodesk/context.h"

#include <jansson.h>

/* Create a staff account in ctx's clinic from JSON {email, display_name, role,
 * licence_number?, licence_expiry?, qualifications?[]} and a password.  *out: the
 * staff record as JSON (no hash).  Practitioners must carry a licence number and expiry. */
md_code md_staff_create(md_ctx *ctx, json_t *in, const char *password, json_t **out, md_err *err);
md_code md_staff_list(md_ctx *ctx, json_t **out, md_err *err);
md_code md_staff_get(md_ctx *ctx, const char *id, json_t **out, md_err *err);

/* Change an account from JSON {role?, display_name?, active?, licence_number?,
 * licence_expiry?, qualifications?, reason?}; a licence member given as null clears it.
 * Refused: changing one's own role or deactivating oneself (MD_ECONFLICT, field role /
 * active), leaving the clinic without an active admin (MD_ECONFLICT), a practitioner
 * without licence number and expiry (MD_EINVAL naming the missing one), an unknown
 * role (MD_EUNPROCESSABLE). */
md_code md_staff_update(md_ctx *ctx, const char *id, json_t *in, json_t **out, md_err *err);

/* Set an account's password (password given) or generate one (password NULL: the new one
 * is written to generated[21], to be shown once).  Every session of the account is
 * revoked in the same transaction.  One's own password cannot be reset here
 * (MD_ECONFLICT). */
md_code md_staff_set_password(md_ctx *ctx, const char *id, const char *password, char generated[21],
                              md_err *err);

/* Qualifications: NULL, JSON null or an array of 1..200-character strings; else MD_EINVAL
 * naming "qualifications". */
md_code md_staff_check_qualifications(const json_t *quals, md_err *err);

#endif
