/*
 * h_course.c - treatment protocols, the clinic's choices of their values, and courses.
 * Thin: the ranges, the plan and the state machine are the core library's (course.h).
 *
 *   GET  /api/v1/protocols                         the effective protocols (kb + clinic)
 *   GET  /api/v1/protocols/{code}                  one
 *   PUT  /api/v1/protocols/{code}/setting          the clinic's choices (admin)
 *   GET  /api/v1/protocols/{code}/setting/history  every version of them
 *   GET  /api/v1/patients/{id}/courses             a patient's courses
 *   POST /api/v1/patients/{id}/courses             plan a course
 *   GET  /api/v1/courses/{id}                      one course, missed windows marked
 *   GET  /api/v1/courses/{id}/history              every version
 *   POST /api/v1/courses/{id}/abandon              planned|active -> abandoned {reason}
 *   POST /api/v1/courses/{id}/replan               re-plan from today after a missed window
 *   GET  /api/v1/courses/{id}/timeline             windows, bookings, sessions done (no
 *                                                   clinical detail: schedule_read)
 */
#include "server.h"

#include "mesodesk/course.h"

static md_code h_protocols(md_req *r, md_err *err)
{
    return md_protocols_list(&r->ctx, &r->resp, err);
}

static md_code h_protocol(md_req *r, md_err *err)
{
    return md_protocol_get(&r->ctx, r->params[0], &r->resp, err);
}

static md_code setting_set(md_req *r, json_t *body, md_err *err)
{
    return md_protocol_setting_set(&r->ctx, r->params[0], body, &r->resp, err);
}

static md_code h_setting_set(md_req *r, md_err *err)
{
    return md_req_with_body(r, setting_set, err);
}

static md_code h_setting_history(md_req *r, md_err *err)
{
    return md_protocol_setting_history(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_list(md_req *r, md_err *err)
{
    return md_course_list(&r->ctx, r->params[0], &r->resp, err);
}

static md_code create(md_req *r, json_t *body, md_err *err)
{
    md_code rc = md_course_create(&r->ctx, r->params[0], body, &r->resp, err);
    if (rc == MD_OK) r->status = 201;
    return rc;
}

static md_code h_create(md_req *r, md_err *err)
{
    return md_req_with_body(r, create, err);
}

static md_code h_get(md_req *r, md_err *err)
{
    return md_course_get(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_history(md_req *r, md_err *err)
{
    return md_course_history(&r->ctx, r->params[0], &r->resp, err);
}

static md_code abandon(md_req *r, json_t *body, md_err *err)
{
    return md_course_abandon(&r->ctx, r->params[0], body, &r->resp, err);
}

static md_code h_abandon(md_req *r, md_err *err)
{
    return md_req_with_body(r, abandon, err);
}

static md_code h_replan(md_req *r, md_err *err)
{
    json_t *body = NULL;
    md_code rc = MD_OK;
    if (r->body_len) rc = md_req_json_body(r, &body, err);
    if (rc == MD_OK) rc = md_course_replan(&r->ctx, r->params[0], body, &r->resp, err);
    json_decref(body);
    return rc;
}

static md_code h_timeline(md_req *r, md_err *err)
{
    return md_course_timeline(&r->ctx, r->params[0], &r->resp, err);
}

static const md_route routes[] = {
    {"GET", "/api/v1/protocols", h_protocols, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/protocols/{}", h_protocol, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"PUT", "/api/v1/protocols/{}/setting", h_setting_set, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/protocols/{}/setting/history", h_setting_history, MD_ROUTE_AUTHED, NULL,
     MD_OP_NONE},
    {"GET", "/api/v1/patients/{}/courses", h_list, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/patients/{}/courses", h_create, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/courses/{}", h_get, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/courses/{}/history", h_history, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/courses/{}/abandon", h_abandon, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/courses/{}/replan", h_replan, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/courses/{}/timeline", h_timeline, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
};

const md_route_table md_routes_course = MD_ROUTE_TABLE("course", routes);
