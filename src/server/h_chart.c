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

static const md_route routes[] = {
    {"GET", "/api/v1/charting/maps", h_maps, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/charting/techniques", h_techniques, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
};

const md_route_table md_routes_chart = MD_ROUTE_TABLE("chart", routes);
