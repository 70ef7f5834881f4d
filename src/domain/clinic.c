/*
 * clinic.c - clinics (the tenants) and their settings.  A clinic's settings are not
 * clinical data: a change updates the row in place, audited with the fields it changed.
 */
#include "mesodesk/clinic.h"
#include "mesodesk/audit.h"
#include "mesodesk/commit.h"
#include "mesodesk/kb.h"
#include "mesodesk/sbuf.h"
#include "mesodesk/tz.h"
#include "mesodesk/validate.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *const jurisdictions[] = {"US", "EU", "UK", NULL};
static const char *const date_formats[] = {"d_mon_yyyy", "dd/mm/yyyy", "mm/dd/yyyy", "yyyy-mm-dd",
                                           NULL};

int md_date_format_valid(const char *code)
{
    for (int i = 0; code && date_formats[i]; i++)
        if (strcmp(date_formats[i], code) == 0) return 1;
    return 0;
}

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

static int zone_row(void *vctx, const md_row *r)
{
    md_strlcpy(vctx, md_row_text(r, 0), MD_ZONE_STR);
    return 1;
}

md_code md_clinic_zone(md_ctx *ctx, char zone[MD_ZONE_STR], md_day *today, md_err *err)
{
    zone[0] = '\0';
    md_val v[] = {md_text(ctx->who.clinic_id)};
    md_code rc = md_store_exec(ctx->db, "SELECT time_zone FROM clinics WHERE clinic_id = $1", v, 1,
                               zone_row, zone, err);
    if (rc != MD_OK) return rc;
    if (!zone[0]) return md_err_set(err, MD_ENOTFOUND, "clinic", "no such clinic");
    if (today && md_tz_day(zone, md_now(), today) != 0)
        return md_err_set(err, MD_EINTERNAL, "time_zone", "the clinic's zone %s is unknown", zone);
    return MD_OK;
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
    if (!ok) return md_err_set(err, MD_EINVAL, "jurisdiction", "jurisdiction must be US, EU or UK");
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
    *out =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "id", md_row_text(r, 0), "name", md_row_text(r, 1),
                  "time_zone", md_row_text(r, 2), "jurisdiction", md_row_text(r, 3), "created_at",
                  md_row_text(r, 4), "date_format", md_row_text(r, 5));
    /* null: the kb's period (patch_test.h) */
    if (*out)
        json_object_set_new(*out, "patch_test_validity_months",
                            md_row_is_null(r, 6) ? json_null() : json_integer(md_row_int(r, 6)));
    /* null: not recorded (the aftercare says so) */
    if (*out)
        json_object_set_new(*out, "phone",
                            md_row_is_null(r, 7) ? json_null() : json_string(md_row_text(r, 7)));
    return 1;
}

md_code md_clinic_get(md_store *db, const char *clinic_id, json_t **out, md_err *err)
{
    json_t *o = NULL;
    md_val v[] = {md_text(clinic_id)};
    md_code rc = md_store_exec(db,
                               "SELECT clinic_id, name, time_zone, jurisdiction, created_at, "
                               "date_format, patch_test_validity_months, phone FROM clinics "
                               "WHERE clinic_id = $1",
                               v, 1, clinic_row, &o, err);
    if (rc != MD_OK) return rc;
    if (!o) return md_err_set(err, MD_ENOTFOUND, "clinic_id", "no such clinic");
    *out = o;
    return MD_OK;
}

md_code md_clinic_find(md_store *db, const char *name, char id_out[MD_ID_STR], md_err *err)
{
    md_val v[] = {md_text(name)};
    return md_store_scalar_text(db,
                                "SELECT clinic_id FROM clinics WHERE name = $1 ORDER BY "
                                "created_at LIMIT 1",
                                v, 1, id_out, MD_ID_STR, err);
}

/* The jurisdiction's canonical code: from the kb's jurisdictions when one is loaded
 * ("GB" reads as "UK"), else from the fixed list. */
static md_code jurisdiction_code(const md_kb *kb, const char *in, const char **out, md_err *err)
{
    if (kb) return md_kb_resolve(kb, MD_VOCAB_JURISDICTION, in, "jurisdiction", out, err);
    for (int i = 0; jurisdictions[i]; i++)
        if (strcmp(jurisdictions[i], in) == 0) {
            *out = jurisdictions[i];
            return MD_OK;
        }
    return md_err_set(err, MD_EUNPROCESSABLE, "jurisdiction", "jurisdiction must be US, EU or UK");
}

#define PATCH_VALIDITY "patch_test_validity_months"

md_code md_clinic_update(md_ctx *ctx, json_t *in, json_t **out, md_err *err)
{
    static const char *const allowed[] = {"name",   "time_zone",    "jurisdiction", "date_format",
                                          "reason", PATCH_VALIDITY, "phone",        NULL};
    static const char *const fields[] = {"name", "time_zone", "jurisdiction", "date_format"};
    const char *v[4] = {NULL, NULL, NULL, NULL}, *reason = NULL;
    json_t *cur = NULL;
    md_code rc = md_require(ctx, MD_PERM_CLINIC_ADMIN, err);
    if (rc == MD_OK) rc = md_json_check_keys(in, allowed, "", err);
    /* Given, a name must not be blank (required=1 refuses that). */
    if (rc == MD_OK)
        rc = md_json_text(in, "name", json_is_string(json_object_get(in, "name")), 200, &v[0], err);
    if (rc == MD_OK) rc = md_json_text(in, "time_zone", 0, 64, &v[1], err);
    if (rc == MD_OK && v[1] && !md_time_zone_valid(v[1]))
        rc = md_err_set(err, MD_EUNPROCESSABLE, "time_zone",
                        "unknown time zone '%s': use an IANA name such as Europe/London", v[1]);
    if (rc == MD_OK) rc = md_json_text(in, "jurisdiction", 0, 32, &v[2], err);
    if (rc == MD_OK && v[2]) rc = jurisdiction_code(ctx->kb, v[2], &v[2], err);
    if (rc == MD_OK) rc = md_json_text(in, "date_format", 0, 16, &v[3], err);
    if (rc == MD_OK && v[3] && !md_date_format_valid(v[3]))
        rc = md_err_set(err, MD_EUNPROCESSABLE, "date_format",
                        "date_format must be d_mon_yyyy, dd/mm/yyyy, mm/dd/yyyy or yyyy-mm-dd");
    if (rc == MD_OK) rc = md_json_text(in, "reason", 0, 500, &reason, err);
    /* How long a negative patch test counts, 1 to 60 months; null: the kb's period. */
    long months = 0;
    int has_months = 0, months_given = json_object_get(in, PATCH_VALIDITY) != NULL;
    if (rc == MD_OK) rc = md_json_int(in, PATCH_VALIDITY, 0, 1, 60, &months, &has_months, err);
    /* The number patients are given to call (aftercare); null or "" clears it. */
    const char *phone = NULL;
    int phone_given = json_object_get(in, "phone") != NULL;
    if (rc == MD_OK) rc = md_json_text(in, "phone", 0, 40, &phone, err);
    for (const char *q = phone; rc == MD_OK && q && *q; q++)
        if (!strchr("0123456789+-() .", *q))
            rc = md_err_set(err, MD_EUNPROCESSABLE, "phone",
                            "phone may hold only digits, spaces and + - ( ) .");
    if (rc == MD_OK) rc = md_clinic_get(ctx->db, ctx->who.clinic_id, &cur, err);
    if (rc != MD_OK) goto done;
    const char *was_phone = json_string_value(json_object_get(cur, "phone"));
    if (phone && !*phone) phone = NULL;
    int phone_changed =
        phone_given && (phone ? !was_phone || strcmp(was_phone, phone) != 0 : was_phone != NULL);
    json_t *was = json_object_get(cur, PATCH_VALIDITY);
    int months_changed =
        months_given && (has_months ? json_integer_value(was) != months : !json_is_null(was));

    /* Only what differs is written and named in the audit entry. */
    char changed[256];
    md_sbuf b;
    md_sbuf_init(&b, changed, sizeof changed);
    for (int i = 0; i < 4; i++) {
        if (!v[i] || strcmp(v[i], json_string_value(json_object_get(cur, fields[i]))) == 0)
            v[i] = NULL;
        else
            md_sbuf_appendf(&b, "%s%s", changed[0] ? "," : "", fields[i]);
    }
    if (months_changed) md_sbuf_appendf(&b, "%s" PATCH_VALIDITY, changed[0] ? "," : "");
    if (phone_changed) md_sbuf_appendf(&b, "%sphone", changed[0] ? "," : "");
    if (changed[0]) {
        md_val p[] = {md_text(ctx->who.clinic_id), md_text(v[0]), md_text(v[1]), md_text(v[2]),
                      md_text(v[3])};
        if (reason && *reason) /* cut to fit */
            md_sbuf_appendf(&b, ",reason: %.*s", (int)(b.cap - b.len - sizeof ",reason: "), reason);
        md_audit_entry a = {"update", "clinic", ctx->who.clinic_id, NULL, changed};
        if ((rc = md_write_begin(ctx, err)) != MD_OK) goto done;
        rc = md_store_exec(ctx->db,
                           "UPDATE clinics SET name = coalesce($2, name), time_zone = "
                           "coalesce($3, time_zone), jurisdiction = coalesce($4, jurisdiction), "
                           "date_format = coalesce($5, date_format) WHERE clinic_id = $1",
                           p, 5, NULL, NULL, err);
        md_val pm[] = {md_text(ctx->who.clinic_id), has_months ? md_int(months) : md_null()};
        if (rc == MD_OK && months_changed)
            rc = md_store_exec(ctx->db,
                               "UPDATE clinics SET patch_test_validity_months = $2 WHERE "
                               "clinic_id = $1",
                               pm, 2, NULL, NULL, err);
        md_val pp[] = {md_text(ctx->who.clinic_id), md_text(phone)};
        if (rc == MD_OK && phone_changed)
            rc = md_store_exec(ctx->db, "UPDATE clinics SET phone = $2 WHERE clinic_id = $1", pp, 2,
                               NULL, NULL, err);
        if (rc == MD_OK) rc = md_audit(ctx, &a, err);
        if ((rc = md_write_finish(ctx, rc, err)) != MD_OK) goto done;
    }
    json_decref(cur);
    cur = NULL;
    rc = md_clinic_get(ctx->db, ctx->who.clinic_id, out, err);
done:
    json_decref(cur);
    return rc;
}
