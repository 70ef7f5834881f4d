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
#include "mesodesk/util.h"

/* May staff_id do work that needs scope (a kb scope code such as "injectables") on day?
 * MD_OK when the staff member is active, a practitioner (or admin), and holds a current
 * licence with that scope that is valid on day (issued on or before it, expiring on or after
 * it).  Otherwise MD_ECONFLICT, field "practitioner_id", the message naming what fails
 * ("the licence GMC-123 expired on 2026-11-30", "no current licence with scope injectables");
 * MD_ENOTFOUND (field "practitioner_id") for no such staff member in the clinic.  Not
 * audited. */
md_code md_credential_check(md_ctx *ctx, const char *staff_id, const char *scope, md_day day,
                            md_err *err);

#endif
