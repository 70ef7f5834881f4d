/*
 * h_booking.c - rooms, the clinic's hours, practitioner availability, appointments and
 * their iCalendar exports (booking.h, docs/BOOKINGS.md).  Thin: the checks, the state
 * machine and the audit are the core library's.
 */
#include "server.h"

#include "mesodesk/booking.h"
#include "mesodesk/record.h"

#include <string.h>

static md_code put_hours(md_req *r, json_t *body, md_err *err)
{
    return md_hours_put(&r->ctx, body, &r->resp, err);
}

static md_code h_hours_get(md_req *r, md_err *err)
{
    return md_hours_get(&r->ctx, &r->resp, err);
}

static md_code h_hours_put(md_req *r, md_err *err)
{
    return md_req_with_body(r, put_hours, err);
}

static md_code put_availability(md_req *r, json_t *body, md_err *err)
{
    return md_availability_put(&r->ctx, r->params[0], body, &r->resp, err);
}

static md_code h_availability_get(md_req *r, md_err *err)
{
    return md_availability_get(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_availability_put(md_req *r, md_err *err)
{
    return md_req_with_body(r, put_availability, err);
}

static md_code create_appointment(md_req *r, json_t *body, md_err *err)
{
    md_code rc = md_appointment_create(&r->ctx, body, &r->resp, err);
    if (rc == MD_OK) r->status = 201;
    return rc;
}

static md_code h_appointment_create(md_req *r, md_err *err)
{
    return md_req_with_body(r, create_appointment, err);
}

/* ?date=YYYY-MM-DD (required), the clinic's civil day. */
static md_code date_param(md_req *r, md_day *day, md_err *err)
{
    const char *s = md_req_query(r, "date");
    if (!s) return md_err_set(err, MD_EINVAL, "date", "date=YYYY-MM-DD is required");
    if (md_date_parse(s, day) != 0)
        return md_err_set(err, MD_EUNPROCESSABLE, "date", "date must be a date YYYY-MM-DD");
    return MD_OK;
}

/* ?date=YYYY-MM-DD&practitioner_id=ID */
static md_code h_appointments_day(md_req *r, md_err *err)
{
    md_day day;
    md_code rc = date_param(r, &day, err);
    if (rc != MD_OK) return rc;
    return md_appointments_day_read(&r->ctx, day, md_req_query(r, "practitioner_id"), &r->resp,
                                    err);
}

static md_code h_appointment_get(md_req *r, md_err *err)
{
    return md_appointment_get(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_appointment_history(md_req *r, md_err *err)
{
    return md_appointment_history(&r->ctx, r->params[0], &r->resp, err);
}

/* The move is the last segment of the path ("no-show" is the move no_show). */
static md_code move_appointment(md_req *r, json_t *body, md_err *err)
{
    const char *seg = strrchr(r->route->pattern, '/') + 1;
    const char *action = strcmp(seg, "no-show") == 0 ? "no_show" : seg;
    return md_appointment_move(&r->ctx, r->params[0], action, body, &r->resp, err);
}

static md_code h_appointment_move(md_req *r, md_err *err)
{
    if (r->body_len == 0) return move_appointment(r, NULL, err);
    return md_req_with_body(r, move_appointment, err);
}

static md_code h_course_ics(md_req *r, md_err *err)
{
    md_code rc = md_ical_course(&r->ctx, r->params[0], &r->raw, &r->raw_len, err);
    if (rc == MD_OK) r->raw_type = "text/calendar; charset=utf-8";
    return rc;
}

static md_code h_day_ics(md_req *r, md_err *err)
{
    md_day day;
    md_code rc = date_param(r, &day, err);
    if (rc == MD_OK) rc = md_ical_day(&r->ctx, r->params[0], day, &r->raw, &r->raw_len, err);
    if (rc == MD_OK) r->raw_type = "text/calendar; charset=utf-8";
    return rc;
}

#define ROOM &md_kind_room
#define A MD_ROUTE_AUTHED

static const md_route routes[] = {
    {"GET", "/api/v1/rooms", md_h_record_list, A, ROOM, MD_OP_NONE},
    {"POST", "/api/v1/rooms", md_h_record_create, A, ROOM, MD_OP_NONE},
    {"GET", "/api/v1/rooms/{}", md_h_record_get, A, ROOM, MD_OP_NONE},
    {"PUT", "/api/v1/rooms/{}", md_h_record_update, A, ROOM, MD_OP_NONE},
    {"GET", "/api/v1/rooms/{}/history", md_h_record_history, A, ROOM, MD_OP_NONE},
    {"GET", "/api/v1/schedule/hours", h_hours_get, A, NULL, MD_OP_NONE},
    {"PUT", "/api/v1/schedule/hours", h_hours_put, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/staff/{}/availability", h_availability_get, A, NULL, MD_OP_NONE},
    {"PUT", "/api/v1/staff/{}/availability", h_availability_put, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/staff/{}/day.ics", h_day_ics, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/appointments", h_appointments_day, A, NULL, MD_OP_NONE},
    {"POST", "/api/v1/appointments", h_appointment_create, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/appointments/{}", h_appointment_get, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/appointments/{}/history", h_appointment_history, A, NULL, MD_OP_NONE},
    {"POST", "/api/v1/appointments/{}/reschedule", h_appointment_move, A, NULL, MD_OP_NONE},
    {"POST", "/api/v1/appointments/{}/cancel", h_appointment_move, A, NULL, MD_OP_NONE},
    {"POST", "/api/v1/appointments/{}/arrive", h_appointment_move, A, NULL, MD_OP_NONE},
    {"POST", "/api/v1/appointments/{}/no-show", h_appointment_move, A, NULL, MD_OP_NONE},
    {"POST", "/api/v1/appointments/{}/complete", h_appointment_move, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/courses/{}/calendar.ics", h_course_ics, A, NULL, MD_OP_NONE},
};

const md_route_table md_routes_booking = MD_ROUTE_TABLE("booking", routes);
