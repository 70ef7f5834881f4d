/*
 * chart.h - treatment sessions (the charted visit): check-in, prechecks as hard gates, the
 * injection record on body maps, completion, medical-director sign-off, amendments and
 * addenda, and the aftercare given (issue 10).
 *
 * This header is the contract the issue 10 modules code against:
 *   - src/domain/chart.c        the kind, its state machine, check-in, the injection record,
 *                               every transition, amendments and addenda (md_chart_*);
 *   - src/kb/kb_maps.c          the body maps (kb/body_maps.json: maps, zones, coordinates);
 *   - src/domain/precheck.c     the gates (md_chart_gates) and the clinic's chart policy;
 *   - src/domain/completion.c   the completion check, the overdue worklist, the review
 *                               sample and the sign-off queue;
 *   - src/domain/aftercare.c    aftercare from kb/aftercare.json (+ aftercare_pdf.c);
 *   - src/domain/photo.c        photos (photo.h).
 *
 * The session's state machine (written out at the top of chart.c):
 *
 *   checked_in --precheck: every gate passes--> prechecked --start--> in_progress
 *   in_progress --complete: the completion check passes--> completed
 *   completed --sign-off (MD_PERM_CHART_SIGNOFF)--> signed_off
 *   checked_in | prechecked --cancel {reason}--> cancelled   (nothing was injected)
 *
 * Every step is a new version of the record with who, when and why; nothing is overwritten.
 * Before sign-off a correction of the chart is an amendment (a new version with a reason);
 * after sign-off only an addendum can be added (a new version that appends to "addenda" and
 * changes nothing else).  The state, the gates and the completion check are enforced by the
 * kind's own check hook, which the record engine runs for every write whatever its caller
 * (API, CLI, import, a direct md_record_create/update): no interface can skip a gate.
 *
 * Ownership: every json_t ** out is a new reference for the caller (json_decref), set only
 * on MD_OK unless said otherwise.  Errors name the input member at fault.
 */
#ifndef MESODESK_CHART_H
#define MESODESK_CHART_H

#include "mesodesk/context.h"
#include "mesodesk/record.h"
#include "mesodesk/util.h"

#include <jansson.h>

/* The kind (patient-level, versioned; table treatment_sessions).  Not served by the
 * generic routes: every write goes through md_chart_* (and its check hook refuses what
 * they would refuse). */
extern const md_record_kind md_kind_treatment_session;

/*
 * A session's record (the JSON every read answers):
 * {"id","version","patient_id","course_id","course_session" (seq in the course plan),
 *  "appointment_id" (or null),"practitioner_id","day" (civil day, clinic zone),
 *  "state", "events":[{"state","at","by"}],
 *  "materials": {"lots":[{"lot_id","vial_id"?}], "needle_lot_id"}   (what will be used),
 *  "prechecks": {"passed_at","checks":[check...]}  (the last evaluation that passed),
 *  "chart": {"technique","numbing":{"agent","minutes"} | null,"started_at","ended_at",
 *            "needle_lot_id","entries":[entry...],"notes"},
 *  "warnings":[{"code","field","message","rule","sources","acknowledged_by","acknowledged_at"}],
 *  "completion": {"completed_at","checks":[...]},
 *  "review": {"selected","reasons":[...]} , "signed_off_by","signed_off_at",
 *  "aftercare": {"sha256","language","kb_version","generated_at"} | null,
 *  "addenda":[{"text","by","at"}],
 *  "recorded_by","recorded_at","reason"}
 * An entry: {"map" (kb map id, e.g. "face_front"),"x","y" (the map's own coordinates),
 *  "zone" (kb zone of that map),"points","volume_ml","depth_mm","angle_deg",
 *  "needle_gauge","needle_length_mm","lot_id","vial_id"?,"administration_id"}.
 * Times are UTC "YYYY-MM-DDTHH:MM:SSZ"; reads add "local" renderings with the zone.
 */

/* A check of a gate, a completion item: {"gate" (e.g. "screening", "consent",
 * "patch_tests", "practitioner", "materials", "photos_before"), "status": "pass" | "fail"
 * | "unknown" (a fact the gate needs was never recorded: never read as a pass),
 * "message" (what is wrong), "satisfy" (what would satisfy it), "rule","sources"}. */

/* ---- chart.c ---------------------------------------------------------------------- */

/* Check a patient in: in {"appointment_id"} (an arrived or booked appointment of a course
 * session: it gives patient, course, seq and practitioner; the appointment is moved to
 * arrived in the same write when it is booked) or {"patient_id","course_id","course_session",
 * "practitioner_id"?} (walk-in; default practitioner: the caller).  MD_PERM_CHART_WRITE.
 * One open session (not completed, signed_off or cancelled) per course session:
 * MD_ECONFLICT naming "course_session" for a second.  *out the session. */
md_code md_chart_checkin(md_ctx *ctx, json_t *in, json_t **out, md_err *err);

/* checked_in -> prechecked: in {"materials": {"lots":[{"lot_id","vial_id"?}],
 * "needle_lot_id"}, "version"?}.  Runs md_chart_gates; when a gate fails or is unknown,
 * MD_ECONFLICT (field "prechecks") and *report (set on that failure too, and on MD_OK) is
 * {"ok":false,"checks":[every check, passing and failing]}; nothing is written.  A session
 * already prechecked may be prechecked again (new materials): the gates run again. */
md_code md_chart_precheck(md_ctx *ctx, const char *id, json_t *in, json_t **out, json_t **report,
                          md_err *err);

/* prechecked -> in_progress ("start"): the gates run once more (facts may have changed
 * since the precheck); MD_ECONFLICT "prechecks" with *report as above. */
md_code md_chart_start(md_ctx *ctx, const char *id, json_t *in, json_t **out, json_t **report,
                       md_err *err);

/* The injection record of an in_progress session: in {"technique","numbing"?,
 * "started_at","ended_at"?,"needle_lot_id","entries":[...],"notes"?,"acknowledge":[warning
 * codes]?,"version"?}.  Each entry's dose becomes an administration (stock.h,
 * md_administration_record, context "session", context_id the session) in the same write;
 * a re-charting (an amendment, "reason" required) marks the earlier administrations entered
 * in error and records the new ones, in the same write.  Refused (4xx naming the field,
 * e.g. "entries[2].depth_mm"; nothing stored, no stock moved): an end before the start, zero
 * points with a volume, a negative depth, an unknown map, zone or technique, a point outside
 * the map or its zone, a lot of another clinic, a facial depth over the kb's maximum (4 mm),
 * a volume beyond what the vial (or the formulation) holds, a technique the course's
 * protocol does not allow.  A depth or angle outside the protocol's range for the zone's
 * area is a warning: MD_ECONFLICT (field "acknowledge") listing the warnings until each is
 * acknowledged by code in "acknowledge"; acknowledged warnings are stored with who and when.
 * *out the session. */
md_code md_chart_record(md_ctx *ctx, const char *id, json_t *in, json_t **out, md_err *err);

/* in_progress -> completed: runs md_chart_completion; any failing item: MD_ECONFLICT (field
 * "completion") with *report {"ok":false,"checks":[...]}.  On success the aftercare is
 * generated and its exact text stored with the session (md_aftercare_store), and the course
 * session is marked done (md_course_session_done), all in the same write. */
md_code md_chart_complete(md_ctx *ctx, const char *id, json_t *in, json_t **out, json_t **report,
                          md_err *err);

/* completed -> signed_off: in {"note"?,"version"?}; MD_PERM_CHART_SIGNOFF.  A medical
 * director does not sign off their own chart (MD_EFORBIDDEN). */
md_code md_chart_signoff(md_ctx *ctx, const char *id, json_t *in, json_t **out, md_err *err);

/* An addendum to a signed-off (or completed) chart: in {"text" (1..4000),"version"?}: a new
 * version that appends to "addenda" and changes nothing else. */
md_code md_chart_addendum(md_ctx *ctx, const char *id, json_t *in, json_t **out, md_err *err);

/* checked_in | prechecked -> cancelled: in {"reason"}. */
md_code md_chart_cancel(md_ctx *ctx, const char *id, json_t *in, json_t **out, md_err *err);

/* Added by chart.c.  md_chart_record with, on the MD_ECONFLICT "acknowledge", *report
 * {"warnings":[the warnings not acknowledged]} (NULL otherwise; new reference). */
md_code md_chart_record_report(md_ctx *ctx, const char *id, json_t *in, json_t **out,
                               json_t **report, md_err *err);
/* The state machine as data (pure): may step ("checkin", "precheck", "start", "chart",
 * "amend", "complete", "signoff", "addendum", "cancel") go from state from (NULL: a new
 * record) to state to?  1 or 0. */
int md_chart_step_allowed(const char *step, const char *from, const char *to);
/* Is next (a version as stored) a valid step after prev (the version before; NULL for a
 * create)?  One event appended naming the step and the state it enters, the step allowed
 * from prev's state, only what the step may change changed (chart.c's table), earlier
 * events and addenda untouched.  MD_OK or MD_EUNPROCESSABLE naming the member. */
md_code md_chart_step_check(const json_t *prev, const json_t *next, md_err *err);
/* The kb and protocol checks of one chart entry (protocol as md_protocol_kb_json gives
 * it), path its name ("entries[2]"): refusals as MD_EINVAL / MD_EUNPROCESSABLE naming the
 * member, warnings appended to warnings.  Pure (no database). */
md_code md_chart_entry_check(const md_kb *kb, const json_t *protocol, json_t *entry,
                             const char *path, json_t *warnings, md_err *err);
/* A kb technique that the protocol allows; MD_EUNPROCESSABLE naming field otherwise. */
md_code md_chart_technique_check(const md_kb *kb, const json_t *protocol, const char *technique,
                                 const char *field, md_err *err);

/* Reads (clinical read, audited). */
md_code md_chart_get(md_ctx *ctx, const char *id, json_t **out, md_err *err);
md_code md_chart_history(md_ctx *ctx, const char *id, json_t **out, md_err *err);
/* {"items":[...]} newest first. */
md_code md_chart_list(md_ctx *ctx, const char *patient_id, json_t **out, md_err *err);

/* ---- kb_maps.c: kb/body_maps.json ---------------------------------------------------
 * Maps "face_front", "face_left", "face_right", "neck", "scalp", "body_front", "body_back":
 * each a width and height (its own coordinates, origin top left) and zones; a zone has a
 * code, a label, the kb area it belongs to (vocabulary areas: "forehead", "cheeks"...), a
 * polygon in the map's coordinates (what the web draws and what a point is checked
 * against) and its sources.  Also the facial depth limit (mm) with its sources. */
typedef struct md_body_map md_body_map; /* opaque, kb data */
const md_body_map *md_kb_map_find(const md_kb *kb, const char *id);
/* The zone's area code when zone is a zone of map and (x, y) lies inside its polygon;
 * NULL otherwise (*why: "outside the map", "outside the zone", "unknown zone"). */
const char *md_body_map_zone_area(const md_body_map *m, const char *zone, double x, double y,
                                  const char **why);
/* Every map as JSON for GET /api/v1/charting/maps (new reference). */
json_t *md_kb_maps_json(const md_kb *kb);

/* Added by kb_maps.c for chart.c.  The facial depth limit (kb/body_maps.json
 * "facial_depth_max_mm"): the kb owns the sources; NULL when the kb has no maps. */
typedef struct md_depth_limit {
    double max_mm;
    const char **sources;
    size_t n_sources;
} md_depth_limit;
const md_depth_limit *md_kb_facial_depth_limit(const md_kb *kb);
/* 1 when the facial depth limit applies to zone of m (its area is part of the face). */
int md_body_map_zone_facial(const md_body_map *m, const char *zone);
const char *md_body_map_id(const md_body_map *m);
/* 1 when area is ancestor or part of it (vocabulary part_of followed up), e.g. abdomen
 * within body; 0 otherwise or for an unknown code. */
int md_kb_area_within(const md_kb *kb, const char *area, const char *ancestor);
/* (x, y) inside or on the edge of the polygon of n points (x then y), even-odd rule. */
int md_polygon_contains(const double *xy, size_t n, double x, double y);
/* The kb's injection techniques (kb/protocols.json "techniques", kb_protocols.c) for GET
 * /api/v1/charting/techniques: {"items":[{"code","label","sources"}]} (new reference). */
json_t *md_kb_techniques_json(const md_kb *kb);
/* 1 when code is one of the kb's techniques. */
int md_kb_technique_known(const md_kb *kb, const char *code);

/* ---- precheck.c --------------------------------------------------------------------- */

/* Evaluate every gate for session (its record as md_chart_get answers it; "materials"
 * taken from it) on day at now: *report {"ok", "checks":[...]}, ok only when every check
 * passes.  MD_OK whatever the outcome (the caller decides); storage errors otherwise.  Not
 * audited (the caller's write or read is).  The gates:
 *   screening     a screening of the patient on the session day, neither contraindicated
 *                 nor deferred, every clearance_required finding cleared, taken after the
 *                 last change to the patient's facts (and planned on the course's
 *                 formulation ingredients and areas);
 *   consent       md_consent_status "treatment" signed for the course, not withdrawn;
 *   patch_tests   where the screening asks for a patch test, a valid negative one for each
 *                 planned ingredient;
 *   practitioner  md_credential_check for the protocol's required scope on the day;
 *   materials     every lot in date and not recalled, every vial within its beyond-use
 *                 time, the needle lot recorded (a consumable lot of a needle);
 *   photos_before the before photos the clinic's policy requires (photo.h).  */
md_code md_chart_gates(md_ctx *ctx, json_t *session, md_day day, int64_t now, json_t **report,
                       md_err *err);

/* The clinic's chart policy (clinic-level versioned kind "chart_policy"; admin):
 * before_views (default ["front","left","right"]), after_views (default []),
 * completion_hours (default 72), review_share_percent (default 10). */
typedef struct md_chart_policy {
    char before_views[8][24];
    int n_before;
    char after_views[8][24];
    int n_after;
    int completion_hours;
    int review_share_percent;
} md_chart_policy;
extern const md_record_kind md_kind_chart_policy;
md_code md_chart_policy_get(md_ctx *ctx, md_chart_policy *out, md_err *err);

/* ---- completion.c ------------------------------------------------------------------- */

/* The completion check of a session: before photos, traceability (lot and vial for every
 * dose, the needle lot), notes, consent, screening, after photos where the policy requires
 * them: *report {"ok","checks":[...]}.  MD_OK whatever the outcome. */
md_code md_chart_completion(md_ctx *ctx, json_t *session, json_t **report, md_err *err);
/* Is this session set for review, and why ("sample": the practitioner's reproducible random
 * share; "warning_acknowledged")?  Deterministic from the session id and the policy. */
md_code md_chart_review(md_ctx *ctx, json_t *session, json_t **review, md_err *err);
/* Worklists: sessions not completed within the policy's hours; the sign-off queue
 * (completed, set for review or not yet signed).  {"items":[...]}. */
md_code md_chart_overdue(md_ctx *ctx, int64_t now, json_t **out, md_err *err);
md_code md_chart_signoff_queue(md_ctx *ctx, json_t **out, md_err *err);

/* ---- aftercare.c -------------------------------------------------------------------- */

/* Aftercare for a session from kb/aftercare.json: its ingredients, areas and the patient's
 * facts (Fitzpatrick type...), the time windows (24-48 h, 1 week, daily SPF 30+), the red
 * flags with their sources, the next appointment and the clinic's contact.  *out
 * {"language","kb_version","sections":[{"heading","items":[{"text","rule","sources"}]}],
 * "red_flags":[...],"next_appointment","clinic":{...},"text" (the exact plain text)}. */
md_code md_aftercare_build(md_ctx *ctx, json_t *session, json_t **out, md_err *err);
/* Store the built text in the content store and give {"sha256","language","kb_version",
 * "generated_at"} for the session's "aftercare" member (inside the caller's write). */
md_code md_aftercare_store(md_ctx *ctx, json_t *aftercare, json_t **ref, md_err *err);
/* The PDF of a session's stored aftercare (cairo/pango, real text), in ctx->arena. */
md_code md_aftercare_pdf(md_ctx *ctx, const char *session_id, unsigned char **pdf, size_t *len,
                         md_err *err);

#endif
