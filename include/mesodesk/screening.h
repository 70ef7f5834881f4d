/*
 * screening.h - screening a stored patient, clearances and clinic rules.
 *
 * md_screening_create() reads the patient's current facts (demographics,
 * pregnancy/breastfeeding status, conditions, medications, allergies and
 * clearances), screens them with the clinic's rule set (the shipped kb rules
 * plus the clinic's active stricter rules) and stores the result, immutable,
 * with the kb version and hash.  The decision itself is the rule engine's
 * (screen.h); this module only gathers facts and keeps the record.
 *
 * Clearances and clinic rules are versioned records (record.h):
 * md_kind_clearance (under a patient) and md_kind_clinic_rule (per clinic).
 */
#ifndef MESODESK_SCREENING_H
#define MESODESK_SCREENING_H

#include "mesodesk/context.h"
#include "mesodesk/kb.h"

#include <jansson.h>

/* in: {"patient_id","date","plan":{"areas":[...],"ingredients":[...]}}.  *out: the stored
 * screening {"id","patient_id","date","plan","screened_by","screened_at", "result":{...}}. */
md_code md_screening_create(md_ctx *ctx, json_t *in, json_t **out, md_err *err);
md_code md_screening_list(md_ctx *ctx, const char *patient_id, json_t **out, md_err *err);
md_code md_screening_get(md_ctx *ctx, const char *id, json_t **out, md_err *err);

/* The clinic's rule set: shipped rules plus its active clinic rules.  *owned is set when the
 * caller must md_ruleset_free() it (NULL when it is the kb's shipped rule set). */
md_code md_clinic_ruleset(md_ctx *ctx, const md_ruleset **rs, md_ruleset **owned, md_err *err);

#endif
