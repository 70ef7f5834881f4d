/*
 * course.h - treatment protocols (kb/protocols.json, with the clinic's choices inside their
 * cited ranges) and treatment courses with their planned session windows (issue 9 item 1, 3).
 *
 * A course is a patient-level versioned record: patient, protocol, formulation, start date,
 * and its plan (sessions, each with a window earliest/target/latest, then the maintenance
 * after the course).  Its state machine is written at the top of src/domain/course.c.
 * This header is the contract other modules code against; src/domain/course.c implements it.
 */
#ifndef MESODESK_COURSE_H
#define MESODESK_COURSE_H

#include "mesodesk/context.h"
#include "mesodesk/record.h"
#include "mesodesk/util.h"

#include <jansson.h>

extern const md_record_kind md_kind_course;

/* A planned session's window, civil days in the clinic's zone (inclusive). */
typedef struct md_window {
    md_day earliest, target, latest;
} md_window;

/* What a booking needs to know of one planned session of a course. */
typedef struct md_course_slot {
    md_window window;
    char patient_id[MD_ID_STR];
    char protocol[64];       /* kb protocol code */
    char required_scope[64]; /* the credential scope a practitioner needs ("injectables") */
    int session_minutes;     /* the protocol's (or clinic's) default session length */
    int done;                /* the session is already done */
    char state[16];          /* the course's state: planned, active, completed, abandoned */
} md_course_slot;

/* Planned session seq (1-based; seq == count + 1.. are maintenance visits) of a course, as
 * currently planned.  MD_ENOTFOUND (field "course_id") for no such course in the clinic,
 * MD_EUNPROCESSABLE (field "course_session") for no such session.  Not audited: the caller
 * audits its own read or write. */
md_code md_course_slot_get(md_ctx *ctx, const char *course_id, int seq, md_course_slot *out,
                           md_err *err);

/* Session seq of a course was done on day (an appointment completed, or, later, a charted
 * session signed).  Inside the caller's write transaction (nests).  Moves the course
 * planned -> active, and active -> completed after the last session of the series; when day
 * is past the session's window, or the next windows no longer fit, re-plans the rest from day
 * as a new version of the course whose reason says which window was missed. */
md_code md_course_session_done(md_ctx *ctx, const char *course_id, int seq, md_day day,
                               const char *appointment_id, md_err *err);

/* For the clinic's day: courses with a session window that closes within [from, to] and no
 * session done for it, and maintenance visits due in [from, to].  *out {"items":[{"course_id",
 * "patient_id","protocol","seq","kind":"window_closing"|"maintenance_due","window":{...}}]}.
 * Not audited (the caller audits what it shows). */
md_code md_course_due(md_ctx *ctx, md_day from, md_day to, json_t **out, md_err *err);

/* ---- protocols (kb/protocols.json, src/kb/kb_protocols.c) -------------------------------
 *
 * A protocol (facial_rejuvenation, scalp_hair_loss, body_fat_cellulite) has four ranges with
 * a shipped default, each with its sources and the sources of its default: the session count
 * of the initial series, the spacing between sessions in days, the maintenance interval in
 * months and the session length in minutes; the techniques it allows, the concerns it serves
 * (kb/concerns.json), the credential scope a practitioner needs, and per area (kb area codes)
 * a depth range (mm), an angle range (degrees) and the needles (gauge, length mm).  The
 * loader refuses a default outside its range, an unknown area, concern or technique and a
 * value without a source (MD_EINVAL naming "kb/protocols.json:<path>").  All strings belong
 * to the kb.
 */
typedef enum md_protocol_param {
    MD_PP_SESSION_COUNT = 0,
    MD_PP_SPACING_DAYS,
    MD_PP_MAINTENANCE_MONTHS,
    MD_PP_SESSION_MINUTES,
    MD_PP_COUNT
} md_protocol_param;

typedef struct md_protocol_range {
    int min, max, dflt;
    const char **sources, **dflt_sources; /* the range's, and the default's */
    size_t n_sources, n_dflt_sources;
    const char *note; /* may be NULL */
} md_protocol_range;

typedef struct md_protocol md_protocol; /* opaque: kb data (kb_protocols.c) */

/* The protocol with that code, or NULL. */
const md_protocol *md_kb_protocol_find(const md_kb *kb, const char *code);
size_t md_kb_protocol_count(const md_kb *kb);
const md_protocol *md_kb_protocol_at(const md_kb *kb, size_t i); /* NULL past the end */
const char *md_protocol_code(const md_protocol *p);
const char *md_protocol_required_scope(const md_protocol *p);
const md_protocol_range *md_protocol_range_of(const md_protocol *p, md_protocol_param which);
/* "session_count", "spacing_days", "maintenance_months", "session_minutes". */
const char *md_protocol_param_name(md_protocol_param which);
/* The kb's protocol as JSON (new reference; NULL when out of memory): {"code","label",
 * "sources","concerns":{"codes","sources"},"techniques":{"codes","sources"},
 * "required_scope":{"code","sources"},"areas":[{"area","depth_mm":{"min","max","sources"},
 * "angle_deg":{...},"needles":[{"gauge","length_mm","sources"}]}], and per range
 * "<param>":{"min","max","sources","default":{"value","sources"},"note"}}. */
json_t *md_protocol_kb_json(const md_protocol *p);

/* value inside the cited range of which?  MD_OK, else MD_EUNPROCESSABLE naming field (the
 * parameter's name when NULL) with the range and its sources in the message. */
md_code md_protocol_value_check(const md_protocol *p, md_protocol_param which, long value,
                                const char *field, md_err *err);

/* ---- the clinic's choices (clinic-level versioned kind "protocol_setting") ------------- */

extern const md_record_kind md_kind_protocol_setting;

/* The protocol as the clinic uses it: each value the clinic's choice when it made one
 * (inside the cited range), else the shipped default. */
typedef struct md_protocol_values {
    const md_protocol *protocol;
    int value[MD_PP_COUNT];
    int chosen[MD_PP_COUNT]; /* 1: the clinic chose value[i] */
} md_protocol_values;

/* The effective values of protocol code for ctx's clinic.  MD_EUNPROCESSABLE naming field
 * (e.g. "protocol") for an unknown protocol.  Not audited, no permission check (kb data
 * and a clinic setting, not a patient's record). */
md_code md_protocol_effective(md_ctx *ctx, const char *code, const char *field,
                              md_protocol_values *out, md_err *err);

/* GET /protocols: {"items":[effective protocol...]}; GET /protocols/{code}: one, as
 * md_protocol_kb_json with each range's "value" and "chosen_by_clinic" added and
 * "setting" (the clinic's current record, or null).  Any signed-in staff (schedule_read or
 * clinical_read).  MD_ENOTFOUND naming "protocol" for an unknown code. */
md_code md_protocols_list(md_ctx *ctx, json_t **out, md_err *err);
md_code md_protocol_get(md_ctx *ctx, const char *code, json_t **out, md_err *err);

/* Set the clinic's choices for protocol code from in {session_count?, spacing_days?,
 * maintenance_months?, session_minutes? (an integer inside the cited range, or null for
 * the shipped default), reason?}: a new version of the clinic's setting (the first one
 * creates it), stored and audited by the record engine.  Admin only (MD_PERM_KB_WRITE).
 * A value outside its range is MD_EUNPROCESSABLE naming the field, with the range and its
 * sources in the message.  *out as md_protocol_get. */
md_code md_protocol_setting_set(md_ctx *ctx, const char *code, json_t *in, json_t **out,
                                md_err *err);
/* Every version of the clinic's setting for code, oldest first: {"versions":[...]}
 * (empty when the clinic never chose). */
md_code md_protocol_setting_history(md_ctx *ctx, const char *code, json_t **out, md_err *err);

/* ---- courses ---------------------------------------------------------------------------
 *
 * A course's record: {"id","version","patient_id","protocol","formulation_id","start",
 * "session_count","spacing_days","maintenance_months","session_minutes","state","plan",
 * ...}; plan {"sessions":[{"seq","kind":"series"|"maintenance","earliest","target",
 * "latest","done_on","appointment_id"}]}.  A read adds "missed": true to a window whose
 * latest day is before today in the clinic's zone while its session is not done.
 */

/* Create a course for patient_id from in {protocol, formulation_id (a current formulation
 * of this patient), start (YYYY-MM-DD), session_count?, spacing_days? (inside the cited
 * range)}; plans the windows.  MD_PERM_CLINICAL_WRITE.  Input errors name the field:
 * "protocol" (unknown), "formulation_id", "session_count", "spacing_days", "start". */
md_code md_course_create(md_ctx *ctx, const char *patient_id, json_t *in, json_t **out,
                         md_err *err);
/* The patient's courses (clinical read, audited), each with its missed windows marked:
 * {"items":[...]}. */
md_code md_course_list(md_ctx *ctx, const char *patient_id, json_t **out, md_err *err);
/* Read a course by id (clinical read, audited), with the missed windows marked. */
md_code md_course_get(md_ctx *ctx, const char *course_id, json_t **out, md_err *err);
/* Every version of a course, oldest first (clinical read, audited). */
md_code md_course_history(md_ctx *ctx, const char *course_id, json_t **out, md_err *err);
/* planned|active -> abandoned, in {reason}.  MD_ECONFLICT naming "state" otherwise. */
md_code md_course_abandon(md_ctx *ctx, const char *course_id, json_t *in, json_t **out,
                          md_err *err);
/* Re-plan the sessions not done from today (clinic zone), when a window was missed: a new
 * version whose reason says which window was missed and what moved.  MD_ECONFLICT naming
 * "state" for a completed or abandoned course, naming "plan" when no window is missed. */
md_code md_course_replan(md_ctx *ctx, const char *course_id, json_t *in, json_t **out, md_err *err);
/* The timeline for booking: {"course_id","patient_id","protocol","state","time_zone",
 * "today","windows":[{"seq","kind","earliest","target","latest","done_on",
 * "appointment_id","missed"}],"bookings":[...],"sessions_done":[{"seq","done_on"}]}.
 * No formulation or other clinical detail, so schedule_read is enough.  Audited. */
md_code md_course_timeline(md_ctx *ctx, const char *course_id, json_t **out, md_err *err);

/* ---- the plan, as pure functions (unit-tested) ----------------------------------------- */

/* Months are added with md_day_add_months (patch_test.h): the day of month clamped to the
 * month's length (Jan 31 + 1 month = Feb 28/29). */
/* The window of the first session of a (re)plan anchored at day: [day, day, day + (spacing
 * max - spacing min)]. */
md_window md_course_first_window(md_day day, const md_protocol_range *spacing);
/* The window of the session after one on day, with the chosen spacing:
 * [day + min, day + spacing, day + max]. */
md_window md_course_next_window(md_day day, int spacing, const md_protocol_range *spacing_range);
/* The maintenance window after a last session on day: [day + min months, day + chosen
 * months, day + max months]. */
md_window md_course_maintenance_window(md_day day, int months, const md_protocol_range *range);

#endif
