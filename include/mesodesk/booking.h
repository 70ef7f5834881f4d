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

/* The appointments of one civil day in the clinic's zone (local midnight to midnight), every
 * status, ordered by start then room; practitioner_id NULL for all.  *out {"items":[...]}.
 * Not audited: the caller audits what it shows. */
md_code md_appointments_of_day(md_ctx *ctx, md_day day, const char *practitioner_id, json_t **out,
                               md_err *err);

/* Every appointment of a course (every status), ordered by start; *out {"items":[...]}.  Not
 * audited: the caller audits what it shows. */
md_code md_appointments_of_course(md_ctx *ctx, const char *course_id, json_t **out, md_err *err);

#endif
