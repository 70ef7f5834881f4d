/*
 * booking_int.h - internals shared by availability.c (clinic hours, rooms, practitioner
 * availability), booking.c (appointments) and ical.c (iCalendar).  Not a public header.
 *
 * Functions return MD_OK or the md_code set in err.  Nothing here audits.
 */
#ifndef MESODESK_BOOKING_INT_H
#define MESODESK_BOOKING_INT_H

#include "mesodesk/booking.h"
#include "mesodesk/record.h"

#include "mesodesk/clinic.h"

#define MD__TZ_NAME MD_ZONE_STR

/* May an appointment of practitioner_id run from start to end (UTC) in zone tz?  Checks
 * the clinic's hours and closures (field "start" or "end", the day's hours in the message)
 * and the practitioner's weekly availability and exceptions (field "practitioner_id").
 * What nobody recorded (no hours, no availability) does not restrict. */
md_code md__schedule_check(md_ctx *ctx, const char *tz, const char *practitioner_id, int64_t start,
                           int64_t end, md_err *err);

/* A current room of the clinic that is active: MD_ENOTFOUND "room_id" otherwise. */
md_code md__room_check(md_ctx *ctx, const char *room_id, md_err *err);

/* An appointment record as the engine keeps it (start_at, end_at, override_*) turned into
 * the shape of booking.h, in place. */
void md__appointment_shape(json_t *rec, const char *tz);

#endif
