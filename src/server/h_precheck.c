/*
 * h_precheck.c - the clinic's chart policy under /api/v1/clinic/chart-policy, the gates of
 * a session evaluated without writing (GET /api/v1/sessions/{id}/prechecks) and what the kb
 * says of the gates (GET /api/v1/charting/prechecks).  Thin: the checks, the policy and
 * the audit are the core library's (chart_policy.c, precheck.c).
 */
#include "server.h"

#include "mesodesk/precheck.h"

static md_code h_policy_get(md_req *r, md_err *err)
{
    return md_chart_policy_read(&r->ctx, &r->resp, err);
}

static md_code policy_set(md_req *r, json_t *body, md_err *err)
{
    return md_chart_policy_set(&r->ctx, body, &r->resp, err);
}

static md_code h_policy_set(md_req *r, md_err *err)
{
    return md_req_with_body(r, policy_set, err);
}

static md_code h_policy_history(md_req *r, md_err *err)
{
    return md_chart_policy_history(&r->ctx, &r->resp, err);
}

static md_code h_preview(md_req *r, md_err *err)
{
    return md_chart_gates_preview(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_kb(md_req *r, md_err *err)
{
    md_code rc = md_require(&r->ctx, MD_PERM_STAFF_READ, err);
    if (rc == MD_OK && !(r->resp = md_kb_prechecks_json(r->ctx.kb)))
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    return rc;
}

static const md_route routes[] = {
    {"GET", "/api/v1/clinic/chart-policy", h_policy_get, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"PUT", "/api/v1/clinic/chart-policy", h_policy_set, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/clinic/chart-policy/history", h_policy_history, MD_ROUTE_AUTHED, NULL,
     MD_OP_NONE},
    {"GET", "/api/v1/sessions/{}/prechecks", h_preview, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/charting/prechecks", h_kb, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
};

const md_route_table md_routes_precheck = MD_ROUTE_TABLE("precheck", routes);
