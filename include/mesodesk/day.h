/*
 * day.h - the clinic's day (issue 9 item 5): the appointments of one civil day in the
 * clinic's zone, per practitioner and per room, each with what is missing before the
 * treatment, and the day's lists (course windows closing and maintenance due in the next
 * days, no-shows to follow up).  src/domain/day.c implements it.
 *
 * What is missing, per appointment that is still to happen (booked or arrived), each item
 * {"code","severity" ("blocking" | "info"),"message","satisfy"} and, for callers who hold
 * MD_PERM_CLINICAL_READ only, "detail" (the decision, rule ids, findings):
 *   screening_missing     no screening of the patient on record
 *   screening_outdated    the patient's facts changed after the latest screening
 *   screening_stale       the latest screening is older than the kb's limit (kb/day.json)
 *   screening_blocking    the latest screening's decision is contraindicated or deferred
 *   screening_incomplete  the latest screening lacks answers a rule needs
 *   patch_test_needed     the latest screening's patch_test_required is not satisfied
 *   clearance_due         a clearance_required finding of it is not cleared
 *   consent_treatment     the treatment consent of the course is not signed
 *   consent_photo         photo consent is not signed (severity info)
 *   licence               the practitioner may not treat on the day (md_credential_check)
 * Reception (no MD_PERM_CLINICAL_READ) gets the codes, messages and what would satisfy
 * them, never a finding, rule id, condition, medication or allergy.
 */
#ifndef MESODESK_DAY_H
#define MESODESK_DAY_H

#include "mesodesk/context.h"
#include "mesodesk/util.h"

#include <jansson.h>

/* The kb's numbers for the day (kb/day.json; without a kb 30, 7 and 14). */
typedef struct md_day_kb {
    long screening_valid_days, due_ahead_days, no_show_follow_up_days;
} md_day_kb;
void md_kb_day(const md_kb *kb, md_day_kb *out);

/* What is missing for each appointment of appts (a JSON array of appointments as
 * booking.h shows them), added to each as "missing":[...] and "ready" (no blocking item),
 * with "patient":{"id","given_name","family_name","birth_date"}.  Gathered in a few
 * statements over all of them (IN-lists), not per appointment.  Not audited (the caller
 * audits the patients it shows). */
md_code md_day_missing(md_ctx *ctx, md_day day, json_t *appts, md_err *err);

#endif
