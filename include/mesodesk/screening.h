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

/* The patient's current facts as screening gathers them (one read snapshot), into in
 * (initialised by the caller with md_screen_input_init; strings from ctx->arena), with the
 * clinic's jurisdiction; clearances whose rule in rs no longer asks for one are left out.
 * The date, planned areas and ingredients are the caller's.  Not audited: the caller audits
 * its read.  MD_ENOTFOUND for no such patient. */
struct md_screen_input;
md_code md_screening_gather(md_ctx *ctx, const char *patient_id, const md_ruleset *rs,
                            struct md_screen_input *in, md_err *err);

/* The record kinds of the facts screening reads (allergies, "no known allergies",
 * conditions, medications, pregnancy/breastfeeding status, clearances, patch tests and their
 * readings), NULL-terminated: one recorded after a screening outdates it (day.c,
 * precheck.c). */
struct md_record_kind;
extern const struct md_record_kind *const md_screening_fact_kinds[];

/* Why a clinic's stored rules could not be compiled (broken == 0 when they could). */
typedef struct md_clinic_ruleset_error {
    int broken;
    char message[MD_ERR_MESSAGE_MAX]; /* the compiler's message */
    char rule_id[MD_ID_STR];          /* the clinic rule record it names, or "" */
} md_clinic_ruleset_error;

/* The clinic's rule set: shipped rules plus its active clinic rules.  *owned is set when the
 * caller must md_ruleset_free() it (NULL when it is the kb's shipped rule set).  A stored set
 * that does not compile never fails this call: *rs is then the shipped rule set, the failure
 * is logged (event clinic_rules.broken) and described in *broken (may be NULL).  Errors:
 * storage failures only. */
md_code md_clinic_ruleset(md_ctx *ctx, const md_ruleset **rs, md_ruleset **owned,
                          md_clinic_ruleset_error *broken, md_err *err);
/* {"status":"ok"} or {"status":"broken","message","rule_id"?} (new reference). */
json_t *md_clinic_ruleset_error_json(const md_clinic_ruleset_error *b);

/* Clinic rules (admin).  Create and update refuse a rule id that another active rule of the
 * clinic already has (MD_ECONFLICT, field "rule.id").  The list is md_record_list's
 * {"items"} plus "rule_set" (md_clinic_ruleset_error_json). */
md_code md_clinic_rule_create(md_ctx *ctx, json_t *in, json_t **out, md_err *err);
md_code md_clinic_rule_update(md_ctx *ctx, const char *id, json_t *in, json_t **out, md_err *err);
md_code md_clinic_rules_list(md_ctx *ctx, json_t **out, md_err *err);

#endif
