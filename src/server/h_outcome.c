/*
 * h_outcome.c - the outcome routes (outcome.h, docs/OUTCOMES.md): scoring a session,
 * amending a score, a session's, a patient's and a course's outcomes, the distribution of
 * one scale for the dashboard, and the kb's scales.  Thin: every decision is in outcome.c.
 */
#include "mesodesk/outcome.h"
#include "server/server.h"

static md_code add(md_req *r, json_t *body, md_err *err)
{
    md_code rc = md_outcome_add(&r->ctx, body, &r->resp, err);
    if (rc == MD_OK)
        r->status = json_integer_value(json_object_get(r->resp, "version")) > 1 ? 200 : 201;
    return rc;
}

static md_code h_add(md_req *r, md_err *err)
{
    return md_req_with_body(r, add, err);
}

static md_code amend(md_req *r, json_t *body, md_err *err)
{
    return md_outcome_amend(&r->ctx, r->params[0], body, &r->resp, err);
}

static md_code h_amend(md_req *r, md_err *err)
{
    return md_req_with_body(r, amend, err);
}

static md_code h_get(md_req *r, md_err *err)
{
    return md_outcome_get(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_history(md_req *r, md_err *err)
{
    return md_outcome_history(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_session(md_req *r, md_err *err)
{
    return md_outcome_list(&r->ctx, r->params[0], NULL, &r->resp, err);
}

static md_code h_patient(md_req *r, md_err *err)
{
    return md_outcome_list(&r->ctx, NULL, r->params[0], &r->resp, err);
}

static md_code h_course(md_req *r, md_err *err)
{
    return md_outcome_course(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_distribution(md_req *r, md_err *err)
{
    const char *scale = md_req_query(r, "scale");
    return md_outcome_distribution(&r->ctx, scale ? scale : "gais", md_req_query(r, "rater"),
                                   md_req_query(r, "from"), md_req_query(r, "to"), &r->resp, err);
}

static md_code h_scales(md_req *r, md_err *err)
{
    md_code rc = md_require(&r->ctx, MD_PERM_CLINICAL_READ, err);
    if (rc != MD_OK) return rc;
    r->resp = md_kb_outcome_scales_json(r->ctx.kb);
    return r->resp ? MD_OK : md_err_set(err, MD_EUNAVAILABLE, NULL, "no outcome scales loaded");
}

#define A MD_ROUTE_AUTHED
static const md_route routes[] = {
    {"POST", "/api/v1/outcomes", h_add, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/outcomes/distribution", h_distribution, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/outcomes/{}", h_get, A, NULL, MD_OP_NONE},
    {"POST", "/api/v1/outcomes/{}", h_amend, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/outcomes/{}/history", h_history, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/sessions/{}/outcomes", h_session, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/patients/{}/outcomes", h_patient, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/courses/{}/outcomes", h_course, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/kb/outcome-scales", h_scales, A, NULL, MD_OP_NONE},
};
#undef A

const md_route_table md_routes_outcome = MD_ROUTE_TABLE("outcome", routes);
