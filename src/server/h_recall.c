/*
 * h_recall.c - exposures of a lot or a vial and the recall worklist of a recalled lot
 * (recall.h).  Thin: the queries, checks and audit are the core library's.
 */
#include "server.h"

#include "mesodesk/recall.h"

static md_code h_lot_exposures(md_req *r, md_err *err)
{
    return md_recall_exposures_lot(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_vial_exposures(md_req *r, md_err *err)
{
    return md_recall_exposures_vial(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_worklist(md_req *r, md_err *err)
{
    return md_recall_worklist(&r->ctx, r->params[0], &r->resp, err);
}

static md_code add_contact(md_req *r, json_t *body, md_err *err)
{
    md_code rc = md_recall_contact_add(&r->ctx, r->params[0], r->params[1], body, &r->resp, err);
    if (rc == MD_OK) r->status = 201;
    return rc;
}

static md_code h_contact_add(md_req *r, md_err *err)
{
    return md_req_with_body(r, add_contact, err);
}

static md_code close_case(md_req *r, json_t *body, md_err *err)
{
    return md_recall_close(&r->ctx, r->params[0], r->params[1], body, &r->resp, err);
}

static md_code h_close(md_req *r, md_err *err)
{
    return md_req_with_body(r, close_case, err);
}

static const md_route routes[] = {
    {"GET", "/api/v1/lots/{}/exposures", h_lot_exposures, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/vials/{}/exposures", h_vial_exposures, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/lots/{}/recall-worklist", h_worklist, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/lots/{}/recall-worklist/{}/contacts", h_contact_add, MD_ROUTE_AUTHED, NULL,
     MD_OP_NONE},
    {"POST", "/api/v1/lots/{}/recall-worklist/{}/close", h_close, MD_ROUTE_AUTHED, NULL,
     MD_OP_NONE},
};

const md_route_table md_routes_recall = MD_ROUTE_TABLE("recall", routes);
