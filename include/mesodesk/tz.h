/*
 * tz.h - civil time in a clinic's IANA time zone (issue 9).
 *
 * Times are stored in UTC ("YYYY-MM-DDTHH:MM:SSZ", md_time_format) and shown in the clinic's
 * zone, labelled.  These functions convert between the two through the system zoneinfo
 * (libical), so a booking at 10:00 in Europe/London is 10:00 BST in summer and 10:00 GMT in
 * winter, and the day of a clinic runs from its local midnight to the next.
 *
 * Thread-safe.  A zone is valid when md_time_zone_valid() (clinic.h) accepts it.
 * Implemented in src/domain/tz.c.
 */
#ifndef MESODESK_TZ_H
#define MESODESK_TZ_H

#include "mesodesk/error.h"
#include "mesodesk/util.h"

#include <stdint.h>

#define MD_LOCAL_STR 26 /* "YYYY-MM-DDTHH:MM:SS+HH:MM" + NUL */

/* Local wall-clock time in zone, "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS" (no offset), to
 * UTC.  A time that does not exist (the hour skipped when clocks go forward) is
 * MD_EUNPROCESSABLE naming field, with the gap in the message; a time that happens twice (the
 * hour repeated when clocks go back) is the first of the two.  Malformed text or an unknown
 * zone: MD_EINVAL naming field. */
md_code md_tz_local_to_utc(const char *zone, const char *local, int64_t *utc, const char *field,
                           md_err *err);

/* utc in zone: out "YYYY-MM-DDTHH:MM:SS+HH:MM" (ISO 8601 with the offset in force), *offset_s
 * the offset east of UTC in seconds (may be NULL).  0 on success, -1 for an unknown zone. */
int md_tz_from_utc(const char *zone, int64_t utc, char out[MD_LOCAL_STR], int *offset_s);

/* The local civil day of utc in zone; -1 for an unknown zone (*day untouched). */
int md_tz_day(const char *zone, int64_t utc, md_day *day);

/* The UTC instant of the local midnight that starts day in zone (the first instant of the day
 * when midnight itself is skipped).  0 on success, -1 for an unknown zone. */
int md_tz_day_start(const char *zone, md_day day, int64_t *utc);

#endif
