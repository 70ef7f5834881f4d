/*
 * clinic.h - clinics (the tenants).  A clinic has a name, an IANA time zone
 * (times are stored in UTC and shown in it) and a jurisdiction (US, EU, UK),
 * which sets defaults such as the age of majority.
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
/* A time zone name that exists under /usr/share/zoneinfo. */
int md_time_zone_valid(const char *tz);

#endif
