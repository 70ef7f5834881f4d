/*
 * outcome.h - outcome scores of sessions and courses (issue 11 item 5):
 * src/domain/outcome.c and kb/outcome_scales.json (src/kb/kb_outcomes.c).
 *
 * The scales are kb data, each with a version, its points (value, label, meaning), its
 * direction ("higher_is_better" or "lower_is_better") and sources: GAIS (5 points: very much
 * improved .. worse), WSRS (wrinkle severity, 1 absent .. 5 extreme) and a satisfaction item.
 * Sources number GAIS both ways, so every score stores the scale's id, version and its whole
 * definition as it was when scored: a score is never reinterpreted by a later kb.
 *
 * An outcome is a patient-level versioned record (kind "outcome", table outcomes):
 *   {"id","version","patient_id","session_id","course_id","scale","scale_version",
 *    "scale_definition" (the kb entry, copied),"rater": "practitioner" | "patient",
 *    "rater_id" (staff id; the check-in id for a patient),"score","label","area"?,
 *    "rated_at","status": "active" | "entered_in_error","recorded_by","recorded_at","reason"}
 * One active score per (session, scale, rater, area): a second is an amendment (new version,
 * reason required).  A score outside the scale is MD_EINVAL naming "score".
 *
 * Ownership: every json_t **out is a new reference for the caller, set only on MD_OK.
 */
#ifndef MESODESK_OUTCOME_H
#define MESODESK_OUTCOME_H

#include "mesodesk/context.h"
#include "mesodesk/kb.h"
#include "mesodesk/record.h"

#include <jansson.h>

extern const md_record_kind md_kind_outcome;

/* {"version","scales":[{id,version,name,direction,points:[{value,label,meaning}],
 *  raters:[...],sources}]}: the scales as the API and forms show them.  New reference. */
json_t *md_kb_outcome_scales_json(const md_kb *kb);

/* Record a score: in {"session_id","scale","rater","score","area"?,"rated_at"?,"reason"?}.
 * A practitioner's score needs MD_PERM_CHART_WRITE; a patient's score is recorded by staff
 * or, inside a check-in's write, by md_checkin_submit (ctx->who is then the patient's).
 * Only a completed or signed-off session is scored (MD_ECONFLICT naming "session_id"). */
md_code md_outcome_add(md_ctx *ctx, json_t *in, json_t **out, md_err *err);
/* The scales a check-in asks the patient (day_offset given): [{code ("outcome.<scale>"),
 * text, type, options}] or an empty array; the kb says on which check-in day.  *out new.
 * (outcome.c) Each is {"code","text","type":"scale","min","max" (the lowest and highest
 * point values),"required":false,"options":[{"value","label"}],"option_text":[labels, in
 * the order of options],"scale","scale_version"}: the answer is the point's value, an
 * integer, given to md_outcome_add as "score". */
md_code md_outcome_checkin_questions(md_ctx *ctx, int day_offset, json_t **out, md_err *err);
/* Reads (clinical read, audited). */
md_code md_outcome_list(md_ctx *ctx, const char *session_id, const char *patient_id, json_t **out,
                        md_err *err);
/* A course's outcomes over its sessions, beside its photos: {"course_id","sessions":[{id,
 * course_session,day}],"series":[{"scale","rater","points":[{"session_id","score","label",
 * "normalised" (0 worst .. 1 best, from the stored definition)}]}],"photos":[photo.h
 * md_photo_compare per view]}. */
md_code md_outcome_course(md_ctx *ctx, const char *course_id, json_t **out, md_err *err);
/* The distribution of one scale's scores in [from, to) (civil days; NULL: all):
 * {"scale","rater"?,"counts":[{"value","label","n"}],"n"} (aggregate: not a patient read). */
md_code md_outcome_distribution(md_ctx *ctx, const char *scale, const char *rater,
                                const char *from, const char *to, json_t **out, md_err *err);

/* ---- added by the outcome module (outcome.c) --------------------------------------- */

/* 0 (worst) .. 1 (best) for score on a stored definition (its "direction" and its points'
 * values), whatever way the definition numbers its points.  MD_EINVAL naming "score" for a
 * value that is not a point, naming "scale_definition..." for a definition without a
 * direction or with fewer than two distinct values.  Pure. */
md_code md_outcome_normalise(const json_t *definition, long score, double *out, md_err *err);
/* md_outcome_add's input may also hold "checkin_id": the check-in that asked the patient
 * (then the score's rater_id; only for rater "patient").  Reads of one score and every
 * version of it ({"versions":[...]}, oldest first), clinical read, audited. */
md_code md_outcome_get(md_ctx *ctx, const char *id, json_t **out, md_err *err);
md_code md_outcome_history(md_ctx *ctx, const char *id, json_t **out, md_err *err);
/* Amend a score: in {"score"?,"rated_at"?,"reason" (required),"version"?} (a new version,
 * read against the definition it was first scored with), or {"status":"entered_in_error",
 * "reason","version"?}.  MD_PERM_CHART_WRITE; a stale version is MD_ECONFLICT "version". */
md_code md_outcome_amend(md_ctx *ctx, const char *id, json_t *in, json_t **out, md_err *err);

#endif
