/*
 * availability.c - the clinic's hours and closures, rooms, and each practitioner's weekly
 * availability with its exceptions (booking.h, docs/BOOKINGS.md).
 *
 * All three are clinic-level versioned kinds (nothing deleted; a change is a new version
 * with who, when and why):
 *   rooms         {name, note, status active|retired|entered_in_error}, many per clinic;
 *   clinic_hours  {weekly, closures}: one current record per clinic (a unique index);
 *   availability  {staff_id, weekly, exceptions}: one current record per practitioner.
 * weekly is {"mon":[{"from":"09:00","to":"13:00"},...], ..., "sun":[...]} in the clinic's
 * local time (a day left out, or [], is closed / not available); closures are
 * [{"date":"YYYY-MM-DD","reason"}]; exceptions are [{"kind":"absent"|"extra",
 * "from":"YYYY-MM-DDTHH:MM","to":"YYYY-MM-DDTHH:MM","reason"}] in local time.
 *
 * An appointment [start, end) fits when (md__schedule_check):
 *   - the clinic has recorded hours: its local day is no closure and one interval of that
 *     weekday holds it whole (field "start", or "end" when it starts inside but runs past);
 *   - the practitioner is absent in no exception overlapping it (field "practitioner_id");
 *   - the practitioner has recorded a weekly pattern: one interval of that weekday, or an
 *     "extra" exception, holds it whole (field "practitioner_id").
 * Until a clinic records its hours, or a practitioner a pattern, they do not restrict.
 */
#include "booking_int.h"
#include "mesodesk/commit.h"
#include "mesodesk/tz.h"
#include "mesodesk/validate.h"
#include "record_int.h"

#include <stdio.h>
#include <string.h>

static const char *const weekdays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL};

#define INTERVALS_MAX 8
#define CLOSURES_MAX 400
#define EXCEPTIONS_MAX 400

/* "HH:MM" (00:00..24:00) to minutes; -1 otherwise. */
static int hhmm(const char *s)
{
    if (!s || strlen(s) != 5 || s[2] != ':') return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9')) return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m)) return -1;
    return h * 60 + m;
}

static md_code check_weekly(const md_ctx *ctx, json_t *v, const char *field, md_err *err)
{
    (void)ctx;
    const char *key;
    json_t *day;
    if (!json_is_object(v))
        return md_err_set(err, MD_EINVAL, field, "%s must be an object of weekdays", field);
    json_object_foreach(v, key, day)
    {
        int known = 0;
        for (int i = 0; weekdays[i]; i++)
            known |= strcmp(key, weekdays[i]) == 0;
        if (!known)
            return md_err_set(err, MD_EINVAL, field,
                              "%s.%.8s: the days are mon, tue, wed, thu, "
                              "fri, sat and sun",
                              field, key);
        if (!json_is_array(day) || json_array_size(day) > INTERVALS_MAX)
            return md_err_set(err, MD_EINVAL, field,
                              "%s.%s must be an array of at most %d {from, to} intervals", field,
                              key, INTERVALS_MAX);
        int last_to = -1;
        for (size_t i = 0; i < json_array_size(day); i++) {
            json_t *iv = json_array_get(day, i);
            int from = hhmm(json_string_value(json_object_get(iv, "from")));
            int to = hhmm(json_string_value(json_object_get(iv, "to")));
            if (!json_is_object(iv) || json_object_size(iv) != 2 || from < 0 || to < 0)
                return md_err_set(err, MD_EINVAL, field,
                                  "%s.%s[%zu] must be {\"from\":\"HH:MM\",\"to\":\"HH:MM\"}", field,
                                  key, i);
            if (to <= from || from < last_to)
                return md_err_set(err, MD_EUNPROCESSABLE, field,
                                  "%s.%s[%zu]: each interval ends after it starts, and after "
                                  "the one before it",
                                  field, key, i);
            last_to = to;
        }
    }
    return MD_OK;
}

static md_code check_closures(const md_ctx *ctx, json_t *v, const char *field, md_err *err)
{
    (void)ctx;
    if (!json_is_array(v) || json_array_size(v) > CLOSURES_MAX)
        return md_err_set(err, MD_EINVAL, field, "%s must be an array of at most %d closures",
                          field, CLOSURES_MAX);
    for (size_t i = 0; i < json_array_size(v); i++) {
        json_t *c = json_array_get(v, i);
        md_day d;
        json_t *reason = json_object_get(c, "reason");
        if (!json_is_object(c) ||
            md_date_parse(json_string_value(json_object_get(c, "date")), &d) != 0 ||
            (reason && (!json_is_string(reason) || json_string_length(reason) > 200)) ||
            json_object_size(c) != (size_t)(reason ? 2 : 1))
            return md_err_set(err, MD_EINVAL, field,
                              "%s[%zu] must be {\"date\":\"YYYY-MM-DD\",\"reason\"?: text of at "
                              "most 200 characters}",
                              field, i);
    }
    return MD_OK;
}

static md_code check_exceptions(const md_ctx *ctx, json_t *v, const char *field, md_err *err)
{
    (void)ctx;
    if (!json_is_array(v) || json_array_size(v) > EXCEPTIONS_MAX)
        return md_err_set(err, MD_EINVAL, field, "%s must be an array of at most %d exceptions",
                          field, EXCEPTIONS_MAX);
    for (size_t i = 0; i < json_array_size(v); i++) {
        json_t *e = json_array_get(v, i);
        const char *kind = json_string_value(json_object_get(e, "kind"));
        const char *from = json_string_value(json_object_get(e, "from"));
        const char *to = json_string_value(json_object_get(e, "to"));
        json_t *reason = json_object_get(e, "reason");
        int64_t a, b;
        md_err ignored;
        if (!json_is_object(e) || !kind || (strcmp(kind, "absent") && strcmp(kind, "extra")) ||
            md_tz_local_to_utc("UTC", from, &a, field, &ignored) != MD_OK ||
            md_tz_local_to_utc("UTC", to, &b, field, &ignored) != MD_OK ||
            (reason && (!json_is_string(reason) || json_string_length(reason) > 200)) ||
            json_object_size(e) != (size_t)(reason ? 4 : 3))
            return md_err_set(err, MD_EINVAL, field,
                              "%s[%zu] must be {\"kind\":\"absent\"|\"extra\",\"from\":"
                              "\"YYYY-MM-DDTHH:MM\",\"to\":\"YYYY-MM-DDTHH:MM\",\"reason\"?}",
                              field, i);
        if (b <= a)
            return md_err_set(err, MD_EUNPROCESSABLE, field, "%s[%zu]: to is not after from", field,
                              i);
    }
    return MD_OK;
}

static const char *const room_status[] = {"active", "retired", "entered_in_error", NULL};

static const md_field room_fields[] = {
    {.name = "name", .type = MD_F_TEXT, .required = 1, .max_len = 100},
    {.name = "note", .type = MD_F_TEXT, .max_len = 500},
    {.name = "status",
     .type = MD_F_ENUM,
     .required = 1,
     .values = room_status,
     .dflt = "active",
     .doc = "a retired room takes no new bookings"},
    {0},
};

const md_record_kind md_kind_room = {
    .name = "room",
    .table = "rooms",
    .schema = "Room",
    .title = "rooms",
    .read_perm = MD_PERM_SCHEDULE_READ,
    .write_perm = MD_PERM_STAFF_WRITE,
    .fields = room_fields,
    .status_field = "status",
};

static const md_field hours_fields[] = {
    {.name = "weekly",
     .type = MD_F_JSON,
     .required = 1,
     .json_check = check_weekly,
     .doc = "{\"mon\":[{\"from\":\"09:00\",\"to\":\"17:00\"}],...}, the clinic's local time"},
    {.name = "closures",
     .type = MD_F_JSON,
     .array = 1,
     .json_check = check_closures,
     .doc = "[{\"date\":\"YYYY-MM-DD\",\"reason\"}]: days the clinic is closed"},
    {0},
};

const md_record_kind md_kind_clinic_hours = {
    .name = "clinic_hours",
    .table = "clinic_hours",
    .schema = "ClinicHours",
    .title = "clinic hours",
    .read_perm = MD_PERM_SCHEDULE_READ,
    .write_perm = MD_PERM_STAFF_WRITE,
    .fields = hours_fields,
};

static const md_field availability_fields[] = {
    {.name = "staff_id", .type = MD_F_TEXT, .required = 1, .max_len = 32},
    {.name = "weekly",
     .type = MD_F_JSON,
     .json_check = check_weekly,
     .doc = "the practitioner's weekly pattern, as the clinic's hours; null: the clinic's hours"},
    {.name = "exceptions",
     .type = MD_F_JSON,
     .array = 1,
     .json_check = check_exceptions,
     .doc = "[{\"kind\":\"absent\"|\"extra\",\"from\",\"to\" (local YYYY-MM-DDTHH:MM),"
            "\"reason\"}]"},
    {0},
};

const md_record_kind md_kind_availability = {
    .name = "availability",
    .table = "availability",
    .schema = "Availability",
    .title = "practitioner availability",
    .read_perm = MD_PERM_SCHEDULE_READ,
    .write_perm = MD_PERM_SCHEDULE_WRITE,
    .fields = availability_fields,
};

/* ---- reading and writing the one current record ---- */

static int text_row(void *vctx, const md_row *r)
{
    md_strlcpy(vctx, md_row_text(r, 0), MD__TZ_NAME);
    return 1;
}

/* The current record of k in the clinic (where: its extra condition on $2), or NULL. */
static md_code current_one(md_ctx *ctx, const md_record_kind *k, const char *where, const char *arg,
                           json_t **out, md_err *err)
{
    json_t *rows = NULL;
    char sql[256];
    snprintf(sql, sizeof sql, "clinic_id = $1 AND current = 1%s ORDER BY id", where);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(arg)};
    md_code rc = md__record_query(ctx, k, sql, v, arg ? 2 : 1, &rows, err);
    *out = rc == MD_OK && json_array_size(rows) ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    return rc;
}

/* Create or update the one current record, in one write. */
static md_code put_one(md_ctx *ctx, const md_record_kind *k, const char *where, const char *arg,
                       json_t *in, const char *dflt_reason, json_t **out, md_err *err)
{
    json_t *cur = NULL, *body = NULL;
    if (!json_is_object(in)) return md_err_set(err, MD_EINVAL, NULL, "the body must be an object");
    md_code rc = md_require(ctx, k->write_perm, err);
    if (rc != MD_OK) return rc;
    if ((rc = md_write_begin(ctx, err)) != MD_OK) return rc;
    rc = current_one(ctx, k, where, arg, &cur, err);
    if (rc == MD_OK) {
        body = json_deep_copy(in);
        if (arg) json_object_set_new(body, "staff_id", json_string(arg));
        if (cur && !json_object_get(body, "reason"))
            json_object_set_new(body, "reason", json_string(dflt_reason));
        rc = cur ? md_record_update(ctx, k, NULL, json_string_value(json_object_get(cur, "id")),
                                    body, out, err)
                 : md_record_create(ctx, k, NULL, body, out, err);
    }
    json_decref(cur);
    json_decref(body);
    return md_write_finish(ctx, rc, err);
}

static md_code get_one(md_ctx *ctx, const md_record_kind *k, const char *where, const char *arg,
                       json_t **out, md_err *err)
{
    md_code rc = md_require(ctx, k->read_perm, err);
    if (rc == MD_OK) rc = current_one(ctx, k, where, arg, out, err);
    if (rc == MD_OK && !*out)
        rc = md_err_set(err, MD_ENOTFOUND, arg ? "staff_id" : NULL, "no %s recorded yet", k->title);
    return rc;
}

md_code md_hours_get(md_ctx *ctx, json_t **out, md_err *err)
{
    return get_one(ctx, &md_kind_clinic_hours, "", NULL, out, err);
}

md_code md_hours_put(md_ctx *ctx, json_t *in, json_t **out, md_err *err)
{
    return put_one(ctx, &md_kind_clinic_hours, "", NULL, in, "hours changed", out, err);
}

/* A practitioner (or admin) of the clinic. */
static md_code practitioner_check(md_ctx *ctx, const char *staff_id, md_err *err)
{
    char role[MD__TZ_NAME] = "";
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(staff_id)};
    md_code rc = md_store_exec(ctx->db,
                               "SELECT role FROM staff WHERE clinic_id = $1 AND id = $2 AND "
                               "active = 1",
                               v, 2, text_row, role, err);
    if (rc == MD_OK && !role[0])
        rc = md_err_set(err, MD_ENOTFOUND, "practitioner_id", "no active staff member %.40s",
                        staff_id ? staff_id : "");
    if (rc == MD_OK && !md_role_name_treats(role))
        rc = md_err_set(err, MD_EUNPROCESSABLE, "practitioner_id",
                        "staff member %s is %s, not a practitioner", staff_id, role);
    return rc;
}

md_code md_availability_get(md_ctx *ctx, const char *staff_id, json_t **out, md_err *err)
{
    return get_one(ctx, &md_kind_availability, " AND staff_id = $2", staff_id, out, err);
}

md_code md_availability_put(md_ctx *ctx, const char *staff_id, json_t *in, json_t **out,
                            md_err *err)
{
    md_code rc = md_require(ctx, MD_PERM_SCHEDULE_WRITE, err);
    if (rc == MD_OK) rc = practitioner_check(ctx, staff_id, err);
    if (rc == MD_OK && json_is_object(in) && json_object_get(in, "staff_id"))
        rc = md_err_set(err, MD_EINVAL, "staff_id", "staff_id is the path's");
    if (rc != MD_OK) return rc;
    return put_one(ctx, &md_kind_availability, " AND staff_id = $2", staff_id, in,
                   "availability changed", out, err);
}

md_code md__room_check(md_ctx *ctx, const char *room_id, md_err *err)
{
    char status[MD__TZ_NAME] = "";
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(room_id)};
    md_code rc = md_store_exec(ctx->db,
                               "SELECT status FROM rooms WHERE clinic_id = $1 AND id = $2 AND "
                               "current = 1",
                               v, 2, text_row, status, err);
    if (rc == MD_OK && strcmp(status, "active") != 0)
        rc = md_err_set(err, MD_ENOTFOUND, "room_id", "no active room %.40s",
                        room_id ? room_id : "");
    return rc;
}

/* ---- the checks of a booking ---- */

/* The local day and minute of the day of utc in tz. */
static void local_parts(const char *tz, int64_t utc, md_day *day, int *minute)
{
    char s[MD_LOCAL_STR];
    int off = 0;
    md_tz_from_utc(tz, utc, s, &off);
    int64_t l = utc + off;
    int64_t d = l >= 0 ? l / 86400 : (l - 86399) / 86400;
    *day = (md_day)d;
    *minute = (int)((l - d * 86400) / 60);
}

static int weekday(md_day d)
{
    return (int)(((d % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday; 0 is Monday */
}

/* Whether the intervals of weekly for day hold [a, b] (minutes; b may be 1440). */
static int weekly_holds(json_t *weekly, md_day day, int a, int b)
{
    json_t *list = json_object_get(weekly, weekdays[weekday(day)]);
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *iv = json_array_get(list, i);
        int from = hhmm(json_string_value(json_object_get(iv, "from")));
        int to = hhmm(json_string_value(json_object_get(iv, "to")));
        if (from <= a && b <= to) return 1;
    }
    return 0;
}

/* The weekday's intervals as text for a message: "09:00-13:00, 14:00-18:00" or "closed". */
static void weekly_text(json_t *weekly, md_day day, char *out, size_t sz)
{
    json_t *list = json_object_get(weekly, weekdays[weekday(day)]);
    size_t off = 0;
    out[0] = '\0';
    for (size_t i = 0; i < json_array_size(list) && off + 16 < sz; i++) {
        json_t *iv = json_array_get(list, i);
        int n = snprintf(out + off, sz - off, "%s%s-%s", i ? ", " : "",
                         json_string_value(json_object_get(iv, "from")),
                         json_string_value(json_object_get(iv, "to")));
        if (n > 0) off += (size_t)n;
    }
    if (!out[0]) md_strlcpy(out, "closed", sz);
}

md_code md__schedule_check(md_ctx *ctx, const char *tz, const char *practitioner_id, int64_t start,
                           int64_t end, md_err *err)
{
    json_t *hours = NULL, *avail = NULL;
    md_day d0, d1;
    int m0, m1;
    local_parts(tz, start, &d0, &m0);
    local_parts(tz, end, &d1, &m1);
    if (d1 == d0 + 1 && m1 == 0) m1 = 1440;
    int one_day = d1 == d0 || m1 == 1440;
    char date[MD_DATE_STR], text[160];
    md_date_format(d0, date);
    md_code rc = practitioner_check(ctx, practitioner_id, err);
    if (rc == MD_OK) rc = current_one(ctx, &md_kind_clinic_hours, "", NULL, &hours, err);
    if (rc == MD_OK && hours) {
        json_t *closures = json_object_get(hours, "closures");
        for (size_t i = 0; rc == MD_OK && i < json_array_size(closures); i++) {
            json_t *c = json_array_get(closures, i);
            if (strcmp(json_string_value(json_object_get(c, "date")), date) == 0)
                rc = md_err_set(err, MD_EUNPROCESSABLE, "start", "the clinic is closed on %s%s%s",
                                date, json_object_get(c, "reason") ? ": " : "",
                                json_object_get(c, "reason")
                                    ? json_string_value(json_object_get(c, "reason"))
                                    : "");
        }
        json_t *weekly = json_object_get(hours, "weekly");
        if (rc == MD_OK && !(one_day && weekly_holds(weekly, d0, m0, m1))) {
            weekly_text(weekly, d0, text, sizeof text);
            int starts_inside = weekly_holds(weekly, d0, m0, m0);
            rc = md_err_set(err, MD_EUNPROCESSABLE, starts_inside ? "end" : "start",
                            "outside the clinic's hours on %s (%s): %s", date,
                            weekdays[weekday(d0)], text);
        }
    }
    if (rc == MD_OK)
        rc = current_one(ctx, &md_kind_availability, " AND staff_id = $2", practitioner_id, &avail,
                         err);
    if (rc == MD_OK && avail) {
        json_t *ex = json_object_get(avail, "exceptions");
        int extra = 0;
        for (size_t i = 0; rc == MD_OK && i < json_array_size(ex); i++) {
            json_t *e = json_array_get(ex, i);
            int64_t a = 0, b = 0;
            md_err ignored;
            const char *from = json_string_value(json_object_get(e, "from"));
            const char *to = json_string_value(json_object_get(e, "to"));
            /* A bound in a skipped hour: the exception starts or ends at the change. */
            if (md_tz_local_to_utc(tz, from, &a, "from", &ignored) != MD_OK) continue;
            if (md_tz_local_to_utc(tz, to, &b, "to", &ignored) != MD_OK) continue;
            int absent = strcmp(json_string_value(json_object_get(e, "kind")), "absent") == 0;
            if (absent && a < end && start < b)
                rc = md_err_set(err, MD_EUNPROCESSABLE, "practitioner_id",
                                "the practitioner is absent from %s to %s%s%s", from, to,
                                json_object_get(e, "reason") ? ": " : "",
                                json_object_get(e, "reason")
                                    ? json_string_value(json_object_get(e, "reason"))
                                    : "");
            if (!absent && a <= start && end <= b) extra = 1;
        }
        json_t *weekly = json_object_get(avail, "weekly");
        if (rc == MD_OK && json_is_object(weekly) && !extra &&
            !(one_day && weekly_holds(weekly, d0, m0, m1))) {
            weekly_text(weekly, d0, text, sizeof text);
            rc = md_err_set(err, MD_EUNPROCESSABLE, "practitioner_id",
                            "outside the practitioner's availability on %s (%s): %s", date,
                            weekdays[weekday(d0)], text);
        }
    }
    json_decref(hours);
    json_decref(avail);
    return rc;
}
