/*
 * recall.h - who was exposed to a lot or a vial, and the recall worklist of a recalled lot.
 *
 * Exposures: every patient who received a dose of the lot (or of the vial), with those
 * administrations (when, what, volume, route, area, by whom, context) and the patient's
 * contact details (name, birth date, e-mail, phone), one item per patient.  Doses entered
 * in error were never given and are not listed.  Reading exposures reads patient records:
 * it appends one audit entry naming the lot (or vial) with the counts, and one "read" entry
 * per patient listed, all in one batch, before anything is answered.
 *
 * The recall worklist (a lot marked recalled: stock.h md_lot_recall): one item per exposed
 * patient with its recall case and contact attempts.  A case is a versioned patient record
 * (kind recall_case), a contact attempt another (kind recall_contact); nothing is deleted.
 * The state machine of a case is written at the top of src/domain/recall.c.
 *
 * Ownership: every json_t **out is a new reference for the caller, set only on MD_OK.
 * Errors: MD_ENOTFOUND naming "lot_id" / "vial_id" / "patient_id" (none in the clinic),
 * MD_ECONFLICT with the reason (a worklist of a lot not recalled, a case already closed or
 * not yet contacted), MD_EINVAL / MD_EUNPROCESSABLE naming the field (bad input, nothing
 * stored), MD_EFORBIDDEN (role), MD_EUNPROCESSABLE naming "lot_id" when a lot has more than
 * MD_EXPOSURES_MAX administrations (nothing answered), storage errors as the store gives.
 */
#ifndef MESODESK_RECALL_H
#define MESODESK_RECALL_H

#include "mesodesk/context.h"
#include "mesodesk/record.h"

#include <jansson.h>

/* The most administrations one exposures answer holds (a hard maximum of its memory). */
#define MD_EXPOSURES_MAX 100000

extern const md_record_kind md_kind_recall_case, md_kind_recall_contact;

/* The id of the lot that ref names: a lot id, or else a lot number of the clinic
 * (MD_ENOTFOUND naming "lot_id" when neither). */
md_code md_recall_lot_find(md_ctx *ctx, const char *ref, char id[MD_ID_STR], md_err *err);

/* The clinic of a database that holds exactly one (the CLI's default for --clinic):
 * MD_EINVAL naming "clinic" when it holds none or several. */
md_code md_recall_sole_clinic(md_store *db, char id[MD_ID_STR], md_err *err);

/* {"lot":{id,lot_number,expiry,status,recalled_on,recall_reason,product_id,product_name},
 *  "patients":N,"administrations":M,
 *  "items":[{"patient":{id,given_name,family_name,birth_date,email,phone,merged_into?},
 *            "administrations":[{id,given_at,volume_ml,route,area,context,context_id,
 *                                vial_id,given_by,given_by_name}]}]}
 * patients by family name, given name, id; doses oldest first.  Needs clinical and
 * demographics read. */
md_code md_recall_exposures_lot(md_ctx *ctx, const char *lot_id, json_t **out, md_err *err);
/* The statement an exposures read runs ($1 clinic, $2 lot or vial), for benchmarks and
 * diagnostics (EXPLAIN).  Static text. */
const char *md_recall_exposures_sql(int vial);
/* The same for one vial, with "vial":{id,lot_id,opened_at,status} beside "lot". */
md_code md_recall_exposures_vial(md_ctx *ctx, const char *vial_id, json_t **out, md_err *err);

/* The worklist of a recalled lot: the exposures answer, each item with "case" (the current
 * recall_case, or {"status":"open"} when none was written yet) and "contacts" (attempts,
 * oldest first), and "counts":{"open","contacted","closed"}.  MD_ECONFLICT naming "lot_id"
 * when the lot is not recalled. */
md_code md_recall_worklist(md_ctx *ctx, const char *lot_id, json_t **out, md_err *err);

/* Record a contact attempt for patient_id on the recall of lot_id: in {method: phone |
 * email | letter | in_person, outcome: no_answer | left_message | reached | declined |
 * unreachable, attempted_at? (UTC, default now), note?}.  The case is created (open) when
 * none exists and moves to contacted, in the same write.  Refused: a lot not recalled,
 * a patient who received none of it (MD_EUNPROCESSABLE naming "patient_id"), a closed
 * case (MD_ECONFLICT).  *out {"case","contact"}.  Needs clinical write. */
md_code md_recall_contact_add(md_ctx *ctx, const char *lot_id, const char *patient_id, json_t *in,
                              json_t **out, md_err *err);

/* Close the case: in {outcome: reviewed_no_symptoms | referred | complication_reported |
 * declined_review | unreachable, note?, version?}.  Only a contacted case closes
 * (MD_ECONFLICT otherwise); *out the case's new version.  Needs clinical write. */
md_code md_recall_close(md_ctx *ctx, const char *lot_id, const char *patient_id, json_t *in,
                        json_t **out, md_err *err);

#endif
