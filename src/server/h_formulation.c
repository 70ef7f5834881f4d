/*
 * h_formulation.c - the formulation builder, custom mixtures and the concerns of the kb.
 * Thin: the checks and the ranking are the core library's (formulation.h).
 *
 *   POST /api/v1/patients/{}/formulations/build   rank what is in stock for concerns
 *   GET  /api/v1/kb/concerns                       concerns, their ingredients, sources
 *   /api/v1/patients/{}/formulations[...]         a patient's mixtures: the generic
 *        record reads (list, read, history, entered in error); create and update check
 *        the mixture first and answer 409 "mixture_blocked" with every reason.
 */
#include "server.h"

#include "mesodesk/formulation.h"
#include "mesodesk/record.h"

static md_code build(md_req *r, json_t *body, md_err *err)
{
    return md_formulation_build(&r->ctx, r->params[0], body, &r->resp, err);
}

static md_code h_build(md_req *r, md_err *err)
{
    return md_req_with_body(r, build, err);
}

/* A blocked mixture: 409 with the reasons (and what else the checks found). */
static md_code answer(md_req *r, md_code rc, json_t *details, int created, md_err *err)
{
    if (rc == MD_ECONFLICT && details) {
        r->status = 409;
        r->resp = json_pack("{s:{s:s,s:s,s:s,s:O,s:O}}", "error", "code", "mixture_blocked",
                            "message", err->message, "field", "mixture", "reasons",
                            json_object_get(details, "reasons"), "cautions",
                            json_object_get(details, "cautions"));
        json_decref(details);
        return r->resp ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    }
    json_decref(details);
    if (rc == MD_OK && created) r->status = 201;
    return rc;
}

static md_code create(md_req *r, json_t *body, md_err *err)
{
    json_t *details = NULL;
    md_code rc = md_formulation_create(&r->ctx, r->params[0], body, &r->resp, &details, err);
    return answer(r, rc, details, 1, err);
}

static md_code h_create(md_req *r, md_err *err)
{
    return md_req_with_body(r, create, err);
}

static md_code update(md_req *r, json_t *body, md_err *err)
{
    json_t *details = NULL;
    md_code rc =
        md_formulation_update(&r->ctx, r->params[0], r->params[1], body, &r->resp, &details, err);
    return answer(r, rc, details, 0, err);
}

static md_code h_update(md_req *r, md_err *err)
{
    return md_req_with_body(r, update, err);
}

static md_code h_concerns(md_req *r, md_err *err)
{
    md_code rc = md_require(&r->ctx, MD_PERM_CLINICAL_READ, err);
    if (rc != MD_OK) return rc;
    r->resp = json_pack("{s:o}", "concerns", md_kb_concerns_json(r->ctx.kb));
    return r->resp ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
}

#define FM &md_kind_formulation
#define BASE "/api/v1/patients/{}/formulations"

static const md_route routes[] = {
    {"POST", BASE "/build", h_build, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/kb/concerns", h_concerns, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", BASE, md_h_record_list, MD_ROUTE_AUTHED, FM, MD_OP_LIST},
    {"POST", BASE, h_create, MD_ROUTE_AUTHED, FM, MD_OP_CREATE},
    {"GET", BASE "/{}", md_h_record_get, MD_ROUTE_AUTHED, FM, MD_OP_GET},
    {"PUT", BASE "/{}", h_update, MD_ROUTE_AUTHED, FM, MD_OP_UPDATE},
    {"PATCH", BASE "/{}", h_update, MD_ROUTE_AUTHED, FM, MD_OP_UPDATE},
    {"GET", BASE "/{}/history", md_h_record_history, MD_ROUTE_AUTHED, FM, MD_OP_HISTORY},
    {"POST", BASE "/{}/entered-in-error", md_h_record_entered_in_error, MD_ROUTE_AUTHED, FM,
     MD_OP_ENTERED_IN_ERROR},
};

const md_route_table md_routes_formulation = MD_ROUTE_TABLE("formulation", routes);
