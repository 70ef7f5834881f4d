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

/* The clinic's day: q->day (q->has_day 0: today in the clinic's zone), the appointments of
 * every status (q->practitioner_id, q->room_id: only theirs), each with what is missing
 * (md_day_missing), grouped per practitioner and per room, and the day's lists:
 * "windows_closing" and "maintenance_due" (md_course_due over the next due_ahead_days), and
 * "no_shows" (of the last no_show_follow_up_days, with no later booking of the patient).
 * Needs MD_PERM_SCHEDULE_READ.  Every patient shown is audited as a read (one entry each,
 * one batch) before the answer is built.  *out {"date","time_zone","appointments":[...],
 * "practitioners":[{"id","name","appointments":[ids]}],"rooms":[{"id","appointments"}],
 * "windows_closing":[...],"maintenance_due":[...],"no_shows":[...]}. */
typedef struct md_day_query {
    md_day day;
    int has_day;
    const char *practitioner_id, *room_id; /* NULL: all */
} md_day_query;
md_code md_day_get(md_ctx *ctx, const md_day_query *q, json_t **out, md_err *err);

/* What is missing for each appointment of appts (a JSON array of appointments as
 * booking.h shows them), added to each as "missing":[...] and "ready" (no blocking item),
 * with "patient":{"id","given_name","family_name","birth_date"}.  Gathered in a few
 * statements over all of them (IN-lists), not per appointment.  Not audited (the caller
 * audits the patients it shows). */
md_code md_day_missing(md_ctx *ctx, md_day day, json_t *appts, md_err *err);

/* For benchmarks and diagnostics (EXPLAIN): the gather's statements over n patient ids
 * ($1 the clinic, $2.. the ids): which 0 the patients, 1 their latest screenings, 2 the
 * latest change to their screening facts, 3 their latest appointment booked, arrived or
 * completed (the no-shows' follow-up); built in ctx->arena, NULL when it cannot be.  The
 * day pads its IN-lists to md_day_padded(n) ids (the last id repeated). */
const char *md_day_gather_sql(md_ctx *ctx, int which, size_t n);
size_t md_day_padded(size_t n);
#define MD_DAY_IN_MAX 200 /* ids per IN-list: 1 + 200 parameters of MD_STORE_PARAMS_MAX */

#endif
