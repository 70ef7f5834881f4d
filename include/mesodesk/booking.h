/*
 * booking.h - the clinic's hours and rooms, practitioner availability with exceptions,
 * appointments with conflict and course-window checks, iCalendar export (issue 9 item 4).
 *
 * The appointment state machine is written at the top of src/domain/booking.c.  This header
 * is the contract other modules code against; src/domain/booking.c implements it.
 *
 * An appointment as JSON: {"id","version","patient_id","practitioner_id","room_id","kind",
 * "start","end" (UTC "Z"), "start_local","end_local" (clinic zone, with offset), "time_zone",
 * "status" (booked, arrived, completed, cancelled, no_show), "course_id","course_session",
 * "window_override" {"reason","by","at"} or null, ...}.
 */
#ifndef MESODESK_BOOKING_H
#define MESODESK_BOOKING_H

#include "mesodesk/context.h"
#include "mesodesk/util.h"

#include <jansson.h>

/* No appointment is longer: the conflict probe is an index range from start minus this. */
#define MD_APPT_MAX_MINUTES 480

/* The appointments of one civil day in the clinic's zone (local midnight to midnight), every
 * status, ordered by start then room; practitioner_id NULL for all.  *out {"items":[...]}.
 * Not audited: the caller audits what it shows. */
md_code md_appointments_of_day(md_ctx *ctx, md_day day, const char *practitioner_id, json_t **out,
                               md_err *err);

/* Every appointment of a course (every status), ordered by start; *out {"items":[...]}.  Not
 * audited: the caller audits what it shows. */
md_code md_appointments_of_course(md_ctx *ctx, const char *course_id, json_t **out, md_err *err);

/* ---- clinic hours, rooms, availability (availability.c) ----
 * Kinds: md_kind_room, md_kind_clinic_hours, md_kind_availability (record.h).  Shapes and
 * rules at the top of src/domain/availability.c.  *out is a new reference. */

/* The clinic's hours {weekly, closures}: MD_ENOTFOUND while none are recorded. */
md_code md_hours_get(md_ctx *ctx, json_t **out, md_err *err);
/* Record the clinic's hours (the first time v1, then a new version; reason optional). */
md_code md_hours_put(md_ctx *ctx, json_t *in, json_t **out, md_err *err);
/* A practitioner's {staff_id, weekly, exceptions}: MD_ENOTFOUND while none is recorded. */
md_code md_availability_get(md_ctx *ctx, const char *staff_id, json_t **out, md_err *err);
md_code md_availability_put(md_ctx *ctx, const char *staff_id, json_t *in, json_t **out,
                            md_err *err);

/* ---- appointments (booking.c) ---- */

/* Book: in {patient_id, practitioner_id, room_id, kind, start | start_local, end | end_local |
 * duration_minutes, course_id + course_session, window_override_reason, note}.  Every check
 * at the top of booking.c, conflicts inside the write.  *out the appointment. */
md_code md_appointment_create(md_ctx *ctx, json_t *in, json_t **out, md_err *err);
/* One appointment (audited read) / all its versions {"versions":[...]} (audited). */
md_code md_appointment_get(md_ctx *ctx, const char *id, json_t **out, md_err *err);
md_code md_appointment_history(md_ctx *ctx, const char *id, json_t **out, md_err *err);
/* action: "arrive", "complete", "cancel" (in {reason} required), "no_show", "reschedule"
 * (in as a booking's start/end/practitioner_id/room_id/window_override_reason/note, plus
 * reason).  in may hold "version" (409 when stale).  MD_ENOTFOUND for another action;
 * MD_ECONFLICT "status" for a move the state machine does not allow. */
md_code md_appointment_move(md_ctx *ctx, const char *id, const char *action, json_t *in,
                            json_t **out, md_err *err);
/* md_appointments_of_day for a reader: permission checked, each appointment audited. */
md_code md_appointments_day_read(md_ctx *ctx, md_day day, const char *practitioner_id, json_t **out,
                                 md_err *err);
/* ---- iCalendar (ical.c), the shape at the top of src/domain/ical.c ----
 * *out (malloc'd, the caller frees) is the text/calendar body, *len its length.  Every
 * appointment written is audited as a read.  MD_ENOTFOUND "id" for no such course / staff. */
md_code md_ical_course(md_ctx *ctx, const char *course_id, char **out, size_t *len, md_err *err);
md_code md_ical_day(md_ctx *ctx, const char *staff_id, md_day day, char **out, size_t *len,
                    md_err *err);

/* The conflict probe (EXPLAIN in tests): room 0 the practitioner's, 1 the room's. */
const char *md_appointment_conflict_sql(int room);

#endif
