/*
 * util.h - calendar dates, UTC timestamps, random identifiers.
 *
 * Dates are civil dates (no time zone) as a day count since 1970-01-01
 * (md_day).  Timestamps are seconds since the epoch, always UTC, formatted as
 * "YYYY-MM-DDTHH:MM:SSZ".  Identifiers are 128 random bits (libsodium), hex,
 * opaque to clients.
 */
#ifndef MESODESK_UTIL_H
#define MESODESK_UTIL_H

#include <stddef.h>
#include <stdint.h>

typedef int32_t md_day; /* days since 1970-01-01 */

#define MD_DATE_STR 11 /* "YYYY-MM-DD" + NUL */
#define MD_TIME_STR 21 /* "YYYY-MM-DDTHH:MM:SSZ" + NUL */
#define MD_ID_STR 33   /* 32 hex chars + NUL */

/* Parse exactly "YYYY-MM-DD" (years 1800..2999), rejecting impossible dates such as
 * 2026-02-30.  Returns 0 on success, -1 when malformed, -2 when well-formed but impossible. */
int md_date_parse(const char *s, md_day *out);
void md_date_format(md_day d, char out[MD_DATE_STR]);
md_day md_date_from_ymd(int y, int m, int d);
void md_date_to_ymd(md_day day, int *y, int *m, int *d);
/* Whole years from birth to on (the age on that date). */
int md_age_years(md_day birth, md_day on);
md_day md_today_utc(void);

int64_t md_now(void);    /* seconds since epoch, UTC */
int64_t md_now_us(void); /* microseconds since epoch, UTC (ordering within a second) */
void md_time_format(int64_t t, char out[MD_TIME_STR]);
/* Parse "YYYY-MM-DDTHH:MM:SSZ"; 0 on success. */
int md_time_parse(const char *s, int64_t *out);

/* Fresh random id (libsodium must be initialised: md_init()). */
void md_id_new(char out[MD_ID_STR]);
/* True when s looks like an id we issue (32 lowercase hex). */
int md_id_valid(const char *s);

/* Initialise process-wide dependencies (libsodium).  0 on success. */
int md_init(void);

/* Copy with truncation, always NUL-terminated; returns strlen(src). */
size_t md_strlcpy(char *dst, const char *src, size_t size);
/* Parse a base-10 integer in [min,max] with nothing after it; 0 on success. */
int md_parse_long(const char *s, long min, long max, long *out);

#endif
