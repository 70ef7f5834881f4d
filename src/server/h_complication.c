/*
 * h_complication.c - the complication catalogue, complications, their follow-up tasks and
 * the escalation worklist (complication.h).  Thin: every check is the core library's.
 *
 *   GET  /api/v1/kb/complications                      the catalogue, CTCAE grades (any staff)
 *   POST /api/v1/complications                         record (patient_id, or session_id)
 *   GET  /api/v1/complications/{}                      read, with its follow-up tasks
 *   PUT  /api/v1/complications/{}                      amend: a new version with a reason
 *   GET  /api/v1/complications/{}/history              every version
 *   GET  /api/v1/patients/{}/complications             the patient's
 *   GET  /api/v1/patients/{}/complications/proposal    suspects in the onset window
 *   POST /api/v1/sessions/{}/complications             record from a session
 *   POST /api/v1/followups/{}                          a task done or cancelled
 *   GET  /api/v1/escalations                           the worklist
 *   POST /api/v1/escalations/{}/act                    act on an entry (key or id)
 */
#include "server.h"

#include "mesodesk/complication.h"

static md_code h_kb(md_req *r, md_err *err)
{
    r->resp = md_kb_complications_json(r->ctx.kb);
    return r->resp ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
}

static md_code created(md_req *r, md_code rc)
{
    if (rc == MD_OK) r->status = 201;
    return rc;
}

static md_code record(md_req *r, json_t *body, md_err *err)
{
    return created(r, md_complication_record(&r->ctx, body, &r->resp, err));
}

static md_code h_record(md_req *r, md_err *err)
{
    return md_req_with_body(r, record, err);
}

static md_code from_session(md_req *r, json_t *body, md_err *err)
{
    if (json_is_object(body)) json_object_set_new(body, "session_id", json_string(r->params[0]));
    return created(r, md_complication_record(&r->ctx, body, &r->resp, err));
}

static md_code h_from_session(md_req *r, md_err *err)
{
    return md_req_with_body(r, from_session, err);
}

static md_code h_get(md_req *r, md_err *err)
{
    return md_complication_get(&r->ctx, r->params[0], &r->resp, err);
}

static md_code amend(md_req *r, json_t *body, md_err *err)
{
    return md_complication_amend(&r->ctx, r->params[0], body, &r->resp, err);
}

static md_code h_amend(md_req *r, md_err *err)
{
    return md_req_with_body(r, amend, err);
}

static md_code h_history(md_req *r, md_err *err)
{
    return md_complication_history(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_list(md_req *r, md_err *err)
{
    return md_complication_list(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_proposal(md_req *r, md_err *err)
{
    return md_complication_propose(&r->ctx, r->params[0], md_req_query(r, "code"),
                                   md_req_query(r, "onset_on"), &r->resp, err);
}

static md_code followup(md_req *r, json_t *body, md_err *err)
{
    return md_followup_update(&r->ctx, r->params[0], body, &r->resp, err);
}

static md_code h_followup(md_req *r, md_err *err)
{
    return md_req_with_body(r, followup, err);
}

static md_code h_worklist(md_req *r, md_err *err)
{
    return md_escalation_worklist(&r->ctx, &r->resp, err);
}

static md_code act(md_req *r, json_t *body, md_err *err)
{
    return md_escalation_act(&r->ctx, r->params[0], body, &r->resp, err);
}

static md_code h_act(md_req *r, md_err *err)
{
    return md_req_with_body(r, act, err);
}

static const md_route routes[] = {
    {"GET", "/api/v1/kb/complications", h_kb, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/complications", h_record, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/complications/{}", h_get, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"PUT", "/api/v1/complications/{}", h_amend, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/complications/{}/history", h_history, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/patients/{}/complications", h_list, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/patients/{}/complications/proposal", h_proposal, MD_ROUTE_AUTHED, NULL,
     MD_OP_NONE},
    {"POST", "/api/v1/sessions/{}/complications", h_from_session, MD_ROUTE_AUTHED, NULL,
     MD_OP_NONE},
    {"POST", "/api/v1/followups/{}", h_followup, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/escalations", h_worklist, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/escalations/{}/act", h_act, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
};

const md_route_table md_routes_complication = MD_ROUTE_TABLE("complication", routes);
