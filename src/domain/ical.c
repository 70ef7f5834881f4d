/*
 * ical.c - iCalendar (RFC 5545) of a patient's course and of a practitioner's day, built
 * with libical (booking.h, docs/BOOKINGS.md).
 *
 * Times are written in UTC (DTSTART:20270325T100000Z), which every client shows in its own
 * zone; X-WR-TIMEZONE names the clinic's zone and each DESCRIPTION gives the clinic's local
 * time, so no VTIMEZONE is needed.  One VEVENT per appointment: UID "<id>@mesodesk",
 * SEQUENCE the version less one (RFC 5545: 0 for the first), STATUS CONFIRMED or CANCELLED
 * (cancelled and no-show appointments), SUMMARY the kind and, for a course, the session;
 * LOCATION the room.  No patient name or clinical detail is written: a calendar travels.
 * A course's calendar also holds each planned session not yet done nor booked as an
 * all-day TENTATIVE event spanning its window (UID "<course>-<seq>@mesodesk").
 * Each appointment written is audited as a read.
 */
#include "booking_int.h"
#include "mesodesk/audit.h"
#include "mesodesk/course.h"
#include "mesodesk/tz.h"

#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COURSE_SESSIONS_MAX 60

static struct icaltimetype utc_time(const char *s)
{
    int64_t t = 0;
    md_time_parse(s, &t);
    return icaltime_from_timet_with_zone((time_t)t, 0, icaltimezone_get_utc_timezone());
}

static struct icaltimetype date_of(md_day d)
{
    struct icaltimetype t = icaltime_null_date();
    md_date_to_ymd(d, &t.year, &t.month, &t.day);
    return t;
}

static int room_row(void *vctx, const md_row *r)
{
    md_strlcpy(vctx, md_row_text(r, 0), 101);
    return 1;
}

static void add_appointment(md_ctx *ctx, icalcomponent *cal, json_t *a, struct icaltimetype now)
{
    char uid[64], summary[160], desc[300], room[101] = "";
    const char *status = json_string_value(json_object_get(a, "status"));
    const char *kind = json_string_value(json_object_get(a, "kind"));
    md_val v[] = {md_text(ctx->who.clinic_id),
                  md_text(json_string_value(json_object_get(a, "room_id")))};
    md_store_exec(ctx->db,
                  "SELECT name FROM rooms WHERE clinic_id = $1 AND id = $2 AND current = 1", v, 2,
                  room_row, room, NULL);
    snprintf(uid, sizeof uid, "%s@mesodesk", json_string_value(json_object_get(a, "id")));
    json_t *seq = json_object_get(a, "course_session");
    if (json_is_integer(seq))
        snprintf(summary, sizeof summary, "%s, course session %lld", kind,
                 (long long)json_integer_value(seq));
    else
        snprintf(summary, sizeof summary, "%s", kind);
    snprintf(desc, sizeof desc, "%s to %s (%s), %s",
             json_string_value(json_object_get(a, "start_local")),
             json_string_value(json_object_get(a, "end_local")),
             json_string_value(json_object_get(a, "time_zone")), status);
    icalcomponent *ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
    icalcomponent_add_property(ev, icalproperty_new_uid(uid));
    icalcomponent_add_property(ev, icalproperty_new_dtstamp(now));
    icalcomponent_add_property(
        ev, icalproperty_new_dtstart(utc_time(json_string_value(json_object_get(a, "start")))));
    icalcomponent_add_property(
        ev, icalproperty_new_dtend(utc_time(json_string_value(json_object_get(a, "end")))));
    icalcomponent_add_property(
        ev, icalproperty_new_sequence((int)json_integer_value(json_object_get(a, "version")) - 1));
    int cancelled = strcmp(status, "cancelled") == 0 || strcmp(status, "no_show") == 0;
    icalcomponent_add_property(
        ev, icalproperty_new_status(cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
    icalcomponent_add_property(ev, icalproperty_new_summary(summary));
    icalcomponent_add_property(ev, icalproperty_new_description(desc));
    if (room[0]) icalcomponent_add_property(ev, icalproperty_new_location(room));
    icalcomponent_add_component(cal, ev);
}

static icalcomponent *calendar_new(const char *tz, const char *name)
{
    icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
    icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
    icalcomponent_add_property(cal, icalproperty_new_prodid("-//Mesodesk//Bookings//EN"));
    icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
    icalproperty *x = icalproperty_new_x(tz);
    icalproperty_set_x_name(x, "X-WR-TIMEZONE");
    icalcomponent_add_property(cal, x);
    x = icalproperty_new_x(name);
    icalproperty_set_x_name(x, "X-WR-CALNAME");
    icalcomponent_add_property(cal, x);
    return cal;
}

/* The text of cal into *out (malloc'd, the caller frees), and cal freed. */
static md_code calendar_text(icalcomponent *cal, char **out, size_t *len, md_err *err)
{
    char *s = icalcomponent_as_ical_string_r(cal);
    icalcomponent_free(cal);
    if (!s) return md_err_set(err, MD_ENOMEM, NULL, "the calendar could not be written");
    *len = strlen(s);
    *out = malloc(*len + 1);
    if (*out) memcpy(*out, s, *len + 1);
    icalmemory_free_buffer(s);
    return *out ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "no memory");
}

static md_code audit_items(md_ctx *ctx, json_t *items, const char *detail, md_err *err)
{
    size_t n = json_array_size(items);
    if (!n) return MD_OK;
    md_audit_entry *e = calloc(n, sizeof *e);
    if (!e) return md_err_set(err, MD_ENOMEM, NULL, "no memory");
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(items, i);
        e[i] = (md_audit_entry){"read", md_kind_appointment.name,
                                json_string_value(json_object_get(it, "id")),
                                json_string_value(json_object_get(it, "patient_id")), detail};
    }
    md_code rc = md_audit_many(ctx, e, n, err);
    free(e);
    return rc;
}

md_code md_ical_day(md_ctx *ctx, const char *staff_id, md_day day, char **out, size_t *len,
                    md_err *err)
{
    char tz[MD__TZ_NAME], name[64], date[MD_DATE_STR];
    json_t *list = NULL;
    int64_t n = 0;
    md_code rc = md_require(ctx, MD_PERM_SCHEDULE_READ, err);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(staff_id)};
    if (rc == MD_OK)
        rc = md_store_scalar_int(
            ctx->db, "SELECT count(*) FROM staff WHERE clinic_id = $1 AND id = $2", v, 2, &n, err);
    if (rc == MD_OK && n == 0) rc = md_err_set(err, MD_ENOTFOUND, "id", "no such staff member");
    if (rc == MD_OK) rc = md_clinic_zone(ctx, tz, NULL, err);
    if (rc == MD_OK) rc = md_appointments_of_day(ctx, day, staff_id, &list, err);
    if (rc == MD_OK) rc = audit_items(ctx, json_object_get(list, "items"), "day calendar", err);
    if (rc != MD_OK) {
        json_decref(list);
        return rc;
    }
    md_date_format(day, date);
    snprintf(name, sizeof name, "Appointments %s", date);
    icalcomponent *cal = calendar_new(tz, name);
    struct icaltimetype now =
        icaltime_from_timet_with_zone(time(NULL), 0, icaltimezone_get_utc_timezone());
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(list, "items"), i, a) add_appointment(ctx, cal, a, now);
    json_decref(list);
    return calendar_text(cal, out, len, err);
}

md_code md_ical_course(md_ctx *ctx, const char *course_id, char **out, size_t *len, md_err *err)
{
    char tz[MD__TZ_NAME];
    json_t *list = NULL;
    md_course_slot slot;
    md_code rc = md_require(ctx, MD_PERM_SCHEDULE_READ, err);
    if (rc == MD_OK) rc = md_course_slot_get(ctx, course_id, 1, &slot, err);
    if (rc == MD_ENOTFOUND) md_err_set(err, MD_ENOTFOUND, "id", "no such course");
    if (rc == MD_OK) rc = md_clinic_zone(ctx, tz, NULL, err);
    if (rc == MD_OK) rc = md_appointments_of_course(ctx, course_id, &list, err);
    if (rc == MD_OK) rc = audit_items(ctx, json_object_get(list, "items"), "course calendar", err);
    if (rc == MD_OK) {
        md_audit_entry e = {"read", "course", course_id, slot.patient_id, "course calendar"};
        rc = md_audit(ctx, &e, err);
    }
    if (rc != MD_OK) {
        json_decref(list);
        return rc;
    }
    icalcomponent *cal = calendar_new(tz, "Treatment course");
    struct icaltimetype now =
        icaltime_from_timet_with_zone(time(NULL), 0, icaltimezone_get_utc_timezone());
    json_t *items = json_object_get(list, "items");
    size_t i;
    json_t *a;
    json_array_foreach(items, i, a) add_appointment(ctx, cal, a, now);
    /* The planned sessions neither done nor booked (a live appointment holds its session). */
    for (int seq = 1; seq <= COURSE_SESSIONS_MAX; seq++) {
        md_err ignored;
        if (md_course_slot_get(ctx, course_id, seq, &slot, &ignored) != MD_OK) break;
        int held = slot.done;
        json_array_foreach(items, i, a)
        {
            const char *st = json_string_value(json_object_get(a, "status"));
            if (json_integer_value(json_object_get(a, "course_session")) == seq &&
                strcmp(st, "cancelled") != 0 && strcmp(st, "no_show") != 0)
                held = 1;
        }
        if (held) continue;
        char uid[80], summary[96], desc[120], t[MD_DATE_STR];
        md_date_format(slot.window.target, t);
        snprintf(uid, sizeof uid, "%s-%d@mesodesk", course_id, seq);
        snprintf(summary, sizeof summary, "course session %d: to be booked", seq);
        snprintf(desc, sizeof desc, "window for session %d, target %s", seq, t);
        icalcomponent *ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
        icalcomponent_add_property(ev, icalproperty_new_uid(uid));
        icalcomponent_add_property(ev, icalproperty_new_dtstamp(now));
        icalcomponent_add_property(ev, icalproperty_new_dtstart(date_of(slot.window.earliest)));
        icalcomponent_add_property(ev, icalproperty_new_dtend(date_of(slot.window.latest + 1)));
        icalcomponent_add_property(ev, icalproperty_new_sequence(0));
        icalcomponent_add_property(ev, icalproperty_new_status(ICAL_STATUS_TENTATIVE));
        icalcomponent_add_property(ev, icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT));
        icalcomponent_add_property(ev, icalproperty_new_summary(summary));
        icalcomponent_add_property(ev, icalproperty_new_description(desc));
        icalcomponent_add_component(cal, ev);
    }
    json_decref(list);
    return calendar_text(cal, out, len, err);
}
