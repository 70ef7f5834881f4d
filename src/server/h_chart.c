/*
 * h_chart.c - treatment sessions (chart.h) under /api/v1/sessions and
 * /api/v1/patients/{id}/sessions, and the charting kb (maps, techniques) under
 * /api/v1/charting.  Thin: every state check, gate, protocol check and audit is chart.c's.
 */
#include "server.h"

#include "mesodesk/chart.h"

static md_code kb_answer(md_req *r, json_t *(*build)(const md_kb *), md_err *err)
{
    if (!r->ctx.kb) return md_err_set(err, MD_EUNAVAILABLE, NULL, "the kb is not loaded");
    if (!(r->resp = build(r->ctx.kb))) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    return MD_OK;
}

/* Any signed-in staff: kb data, no patient's record. */
static md_code h_maps(md_req *r, md_err *err)
{
    return kb_answer(r, md_kb_maps_json, err);
}

static md_code h_techniques(md_req *r, md_err *err)
{
    return kb_answer(r, md_kb_techniques_json, err);
}

/* ---- sessions ---- */

/* A failed check's report joins the error: {"checks":[...]} or {"warnings":[...]}. */
static md_code with_detail(md_req *r, md_code rc, json_t *report, const char *member)
{
    if (rc != MD_OK && report && json_object_get(report, member))
        r->err_detail = json_pack("{s:O}", member, json_object_get(report, member));
    json_decref(report);
    return rc;
}

static md_code checkin(md_req *r, json_t *body, md_err *err)
{
    md_code rc = md_chart_checkin(&r->ctx, body, &r->resp, err);
    if (rc == MD_OK) r->status = 201;
    return rc;
}

static md_code h_checkin(md_req *r, md_err *err)
{
    return md_req_with_body(r, checkin, err);
}

static md_code h_get(md_req *r, md_err *err)
{
    return md_chart_get(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_history(md_req *r, md_err *err)
{
    return md_chart_history(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_list(md_req *r, md_err *err)
{
    return md_chart_list(&r->ctx, r->params[0], &r->resp, err);
}

static md_code precheck(md_req *r, json_t *body, md_err *err)
{
    json_t *report = NULL;
    md_code rc = md_chart_precheck(&r->ctx, r->params[0], body, &r->resp, &report, err);
    return with_detail(r, rc, report, "checks");
}

static md_code h_precheck(md_req *r, md_err *err)
{
    return md_req_with_body(r, precheck, err);
}

/* A body is optional for start and complete: an empty one is {}. */
static md_code optional_body(md_req *r, md_code (*fn)(md_req *, json_t *, md_err *), md_err *err)
{
    if (r->body_len == 0) {
        json_t *empty = json_object();
        md_code rc = fn(r, empty, err);
        json_decref(empty);
        return rc;
    }
    return md_req_with_body(r, fn, err);
}

static md_code start(md_req *r, json_t *body, md_err *err)
{
    json_t *report = NULL;
    md_code rc = md_chart_start(&r->ctx, r->params[0], body, &r->resp, &report, err);
    return with_detail(r, rc, report, "checks");
}

static md_code h_start(md_req *r, md_err *err)
{
    return optional_body(r, start, err);
}

static md_code record(md_req *r, json_t *body, md_err *err)
{
    json_t *report = NULL;
    md_code rc = md_chart_record_report(&r->ctx, r->params[0], body, &r->resp, &report, err);
    return with_detail(r, rc, report, "warnings");
}

static md_code h_record(md_req *r, md_err *err)
{
    return md_req_with_body(r, record, err);
}

static md_code complete(md_req *r, json_t *body, md_err *err)
{
    json_t *report = NULL;
    md_code rc = md_chart_complete(&r->ctx, r->params[0], body, &r->resp, &report, err);
    return with_detail(r, rc, report, "checks");
}

static md_code h_complete(md_req *r, md_err *err)
{
    return optional_body(r, complete, err);
}

static md_code signoff(md_req *r, json_t *body, md_err *err)
{
    return md_chart_signoff(&r->ctx, r->params[0], body, &r->resp, err);
}

static md_code h_signoff(md_req *r, md_err *err)
{
    return optional_body(r, signoff, err);
}

static md_code addendum(md_req *r, json_t *body, md_err *err)
{
    md_code rc = md_chart_addendum(&r->ctx, r->params[0], body, &r->resp, err);
    if (rc == MD_OK) r->status = 201;
    return rc;
}

static md_code h_addendum(md_req *r, md_err *err)
{
    return md_req_with_body(r, addendum, err);
}

static md_code cancel(md_req *r, json_t *body, md_err *err)
{
    return md_chart_cancel(&r->ctx, r->params[0], body, &r->resp, err);
}

static md_code h_cancel(md_req *r, md_err *err)
{
    return md_req_with_body(r, cancel, err);
}

static const md_route routes[] = {
    {"POST", "/api/v1/sessions", h_checkin, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/sessions/{}", h_get, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/sessions/{}/history", h_history, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/patients/{}/sessions", h_list, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/sessions/{}/precheck", h_precheck, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/sessions/{}/start", h_start, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"PUT", "/api/v1/sessions/{}/chart", h_record, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/sessions/{}/chart", h_record, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/sessions/{}/complete", h_complete, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/sessions/{}/signoff", h_signoff, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/sessions/{}/addenda", h_addendum, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/sessions/{}/cancel", h_cancel, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/charting/maps", h_maps, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/charting/techniques", h_techniques, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
};

const md_route_table md_routes_chart = MD_ROUTE_TABLE("chart", routes);
