/*
 * clinic.h - clinics (the tenants).  A clinic has a name, an IANA time zone
 * (times are stored in UTC and shown in it) and a jurisdiction (US, EU, UK),
 * which sets defaults such as the age of majority, and a date format for display
 * (date_format: "d_mon_yyyy" = "2 Nov 1979", the default; "dd/mm/yyyy"; "mm/dd/yyyy";
 * "yyyy-mm-dd"), and how long a negative patch test counts for screening
 * (patch_test_validity_months, 1 to 60; null: the kb's period, patch_test.h), and the
 * phone number patients are given to call (phone, up to 40 of digits, spaces and + - ( ) .;
 * null: not recorded; the aftercare says so).
 */
#ifndef MESODESK_CLINIC_H
#define MESODESK_CLINIC_H

#include "mesodesk/context.h"

#include <jansson.h>

/* Create a clinic; id_out receives its id.  Validates the time zone against the system's
 * zoneinfo and the jurisdiction against the known list. */
md_code md_clinic_create(md_store *db, const char *name, const char *time_zone,
                         const char *jurisdiction, char id_out[MD_ID_STR], md_err *err);
md_code md_clinic_get(md_store *db, const char *clinic_id, json_t **out, md_err *err);
/* Find a clinic by exact name; MD_ENOTFOUND when none. */
md_code md_clinic_find(md_store *db, const char *name, char id_out[MD_ID_STR], md_err *err);
/* ctx's clinic's IANA time zone into zone (MD_ZONE_STR bytes) and, when today is not NULL,
 * today's civil date in that zone.  MD_ENOTFOUND for no such clinic, MD_EINTERNAL for a
 * stored zone the system no longer knows. */
#define MD_ZONE_STR 65
md_code md_clinic_zone(md_ctx *ctx, char zone[MD_ZONE_STR], md_day *today, md_err *err);
/* A time zone name that exists under /usr/share/zoneinfo. */
int md_time_zone_valid(const char *tz);
/* One of the date_format codes above. */
int md_date_format_valid(const char *code);

/* Changing a clinic's settings is for its admin only. */
#define MD_PERM_CLINIC_ADMIN (MD_PERM_STAFF_WRITE | MD_PERM_KB_WRITE)

/* Change ctx's clinic from JSON {name?, time_zone?, jurisdiction?, date_format?,
 * patch_test_validity_months? (an integer 1..60, or null for the kb's period), phone? (null or
 * "" clears it), reason?}
 * (every member optional; PUT and PATCH alike).  The time zone must exist (IANA), the
 * jurisdiction be one of ctx->kb's (canonicalised: "GB" is stored as "UK"; the fixed list
 * without a kb).  Audited ("update", "clinic", detail: the fields changed and the reason) in the
 * same transaction; nothing is written when nothing differs.  *out: the clinic as md_clinic_get
 * gives it (caller decrefs).  MD_EFORBIDDEN unless admin; MD_EINVAL / MD_EUNPROCESSABLE naming the
 * field. */
md_code md_clinic_update(md_ctx *ctx, json_t *in, json_t **out, md_err *err);

#endif
