/*
 * consent.h - consent texts (kb, versioned, per language), consent records signed on the
 * clinic's tablet or through a one-time link, withdrawal, and the printable PDF (issue 9
 * item 2).
 *
 * Three purposes, kept apart: "treatment" (per protocol, covers one course), "photo"
 * (clinical photographs) and "marketing".  The record state machine is written at the top of
 * src/domain/consent.c.  This header is the contract other modules code against.
 */
#ifndef MESODESK_CONSENT_H
#define MESODESK_CONSENT_H

#include "mesodesk/context.h"

#include <jansson.h>

/* Where a patient's consents stand, for the clinic's day and (issue 10) the session gate.
 * course_id may be NULL (then "treatment" is the most recent treatment consent of any
 * course).  *out {"treatment":{"status","consent_id","text_version","signed_at",
 * "withdrawn_at"}, "photo":{...}, "marketing":{...}} where status is one of "missing" (none
 * sent), "sent", "opened", "signed", "withdrawn", "expired" (the link lapsed unsigned); only
 * "signed" allows treatment.  Not audited: the caller audits what it shows. */
md_code md_consent_status(md_ctx *ctx, const char *patient_id, const char *course_id, json_t **out,
                          md_err *err);

#endif
