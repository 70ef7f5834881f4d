#include "mesodesk/clinic.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *const jurisdictions[] = {"US", "EU", "UK", NULL};

int md_time_zone_valid(const char *tz)
{
    if (!tz || !*tz || strlen(tz) > 64 || strstr(tz, "..") || tz[0] == '/') return 0;
    for (const char *p = tz; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              strchr("/_+-", *p)))
            return 0;
    if (strcmp(tz, "UTC") == 0) return 1;
    char path[128];
    struct stat st;
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

md_code md_clinic_create(md_store *db, const char *name, const char *time_zone,
                         const char *jurisdiction, char id_out[MD_ID_STR], md_err *err)
{
    if (!name || !*name || strlen(name) > 200)
        return md_err_set(err, MD_EINVAL, "name", "a clinic needs a name of 1 to 200 characters");
    if (!md_time_zone_valid(time_zone))
        return md_err_set(err, MD_EINVAL, "time_zone", "unknown time zone '%s'",
                          time_zone ? time_zone : "");
    int ok = 0;
    for (int i = 0; jurisdiction && jurisdictions[i]; i++)
        if (strcmp(jurisdictions[i], jurisdiction) == 0) ok = 1;
    if (!ok)
        return md_err_set(err, MD_EINVAL, "jurisdiction", "jurisdiction must be US, EU or UK");
    char now[MD_TIME_STR];
    md_time_format(md_now(), now);
    md_id_new(id_out);
    md_val v[] = {md_text(id_out), md_text(name), md_text(time_zone), md_text(jurisdiction),
                  md_text(now)};
    return md_store_exec(db,
                         "INSERT INTO clinics (clinic_id, name, time_zone, jurisdiction, "
                         "created_at) VALUES ($1, $2, $3, $4, $5)",
                         v, 5, NULL, NULL, err);
}

static int clinic_row(void *ctx, const md_row *r)
{
    json_t **out = ctx;
    *out = json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", md_row_text(r, 0), "name", md_row_text(r, 1),
                     "time_zone", md_row_text(r, 2), "jurisdiction", md_row_text(r, 3),
                     "created_at", md_row_text(r, 4));
    return 1;
}

md_code md_clinic_get(md_store *db, const char *clinic_id, json_t **out, md_err *err)
{
    json_t *o = NULL;
    md_val v[] = {md_text(clinic_id)};
    md_code rc = md_store_exec(db,
                               "SELECT clinic_id, name, time_zone, jurisdiction, created_at FROM "
                               "clinics WHERE clinic_id = $1",
                               v, 1, clinic_row, &o, err);
    if (rc != MD_OK) return rc;
    if (!o) return md_err_set(err, MD_ENOTFOUND, "clinic_id", "no such clinic");
    *out = o;
    return MD_OK;
}

md_code md_clinic_find(md_store *db, const char *name, char id_out[MD_ID_STR], md_err *err)
{
    md_val v[] = {md_text(name)};
    return md_store_scalar_text(db, "SELECT clinic_id FROM clinics WHERE name = $1 ORDER BY "
                                    "created_at LIMIT 1",
                                v, 1, id_out, MD_ID_STR, err);
}
