/*
 * h_complication.c - the complication catalogue, complications, their follow-up tasks and
 * the escalation worklist (complication.h).  Thin: every check is the core library's.
 *
 *   GET  /api/v1/kb/complications     the catalogue and the CTCAE grade wording (any staff)
 */
#include "server.h"

#include "mesodesk/complication.h"

static md_code h_kb(md_req *r, md_err *err)
{
    r->resp = md_kb_complications_json(r->ctx.kb);
    return r->resp ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
}

static const md_route routes[] = {
    {"GET", "/api/v1/kb/complications", h_kb, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
};

const md_route_table md_routes_complication = MD_ROUTE_TABLE("complication", routes);
