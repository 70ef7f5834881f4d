/*
 * h_day.c - staff credentials under /api/v1/staff/{id}/credentials, the expiring-licence
 * worklist, and the clinic's day (credential.h, day.h).  Thin: the checks, queries and
 * audit are the core library's.
 */
#include "server.h"

#include "mesodesk/credential.h"
#include "mesodesk/day.h"

#include <stdlib.h>
#include <string.h>

static md_code h_cred_list(md_req *r, md_err *err)
{
    const char *inc = md_req_query(r, "include");
    return md_credential_list(&r->ctx, r->params[0], inc && strcmp(inc, "all") == 0, &r->resp, err);
}

static md_code cred_create(md_req *r, json_t *body, md_err *err)
{
    md_code rc = md_credential_create(&r->ctx, r->params[0], body, &r->resp, err);
    if (rc == MD_OK) r->status = 201;
    return rc;
}

static md_code h_cred_create(md_req *r, md_err *err)
{
    return md_req_with_body(r, cred_create, err);
}

static md_code h_cred_get(md_req *r, md_err *err)
{
    return md_credential_get(&r->ctx, r->params[0], r->params[1], &r->resp, err);
}

static md_code cred_update(md_req *r, json_t *body, md_err *err)
{
    return md_credential_update(&r->ctx, r->params[0], r->params[1], body, &r->resp, err);
}

static md_code h_cred_update(md_req *r, md_err *err)
{
    return md_req_with_body(r, cred_update, err);
}

static md_code h_cred_history(md_req *r, md_err *err)
{
    return md_credential_history(&r->ctx, r->params[0], r->params[1], &r->resp, err);
}

static md_code cred_eie(md_req *r, json_t *body, md_err *err)
{
    return md_credential_entered_in_error(&r->ctx, r->params[0], r->params[1], body, &r->resp, err);
}

static md_code h_cred_eie(md_req *r, md_err *err)
{
    return md_req_with_body(r, cred_eie, err);
}

static md_code evidence_add(md_req *r, json_t *body, md_err *err)
{
    md_code rc =
        md_credential_evidence_add(&r->ctx, r->params[0], r->params[1], body, &r->resp, err);
    if (rc == MD_OK) r->status = 201;
    return rc;
}

static md_code h_evidence_add(md_req *r, md_err *err)
{
    return md_req_with_body(r, evidence_add, err);
}

static md_code h_evidence_get(md_req *r, md_err *err)
{
    char *type = md_arena_alloc(r->ctx.arena, 128);
    unsigned char *data = NULL;
    size_t len = 0;
    if (!type) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_code rc = md_credential_evidence_get(&r->ctx, r->params[0], r->params[1], r->params[2], type,
                                            &data, &len, err);
    return rc == MD_OK ? md_req_raw(r, data, len, type, "attachment", err) : rc;
}

static md_code h_expiring(md_req *r, md_err *err)
{
    long within = -1, dflt, max;
    md_kb_credential_window(r->ctx.kb, &dflt, &max);
    md_code rc = md_req_query_int(r, "within", dflt, 0, max, &within, err);
    return rc == MD_OK ? md_credential_expiring(&r->ctx, within, &r->resp, err) : rc;
}

static md_code h_cred_kb(md_req *r, md_err *err)
{
    md_code rc = md_require(&r->ctx, MD_PERM_SCHEDULE_READ, err);
    if (rc == MD_OK && !(r->resp = md_kb_credentials_json(r->ctx.kb)))
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    return rc;
}

static md_code h_day(md_req *r, md_err *err)
{
    md_day_query q = {.practitioner_id = md_req_query(r, "practitioner_id"),
                      .room_id = md_req_query(r, "room_id")};
    const char *date = md_req_query(r, "date");
    if (date && md_date_parse(date, &q.day) != 0)
        return md_err_set(err, MD_EINVAL, "date", "date must be a calendar day YYYY-MM-DD");
    q.has_day = date != NULL;
    return md_day_get(&r->ctx, &q, &r->resp, err);
}

static const md_route routes[] = {
    {"GET", "/api/v1/day", h_day, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/staff/{}/credentials", h_cred_list, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/staff/{}/credentials", h_cred_create, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/staff/{}/credentials/{}", h_cred_get, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"PATCH", "/api/v1/staff/{}/credentials/{}", h_cred_update, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/staff/{}/credentials/{}/history", h_cred_history, MD_ROUTE_AUTHED, NULL,
     MD_OP_NONE},
    {"POST", "/api/v1/staff/{}/credentials/{}/entered-in-error", h_cred_eie, MD_ROUTE_AUTHED, NULL,
     MD_OP_NONE},
    {"POST", "/api/v1/staff/{}/credentials/{}/evidence", h_evidence_add, MD_ROUTE_AUTHED, NULL,
     MD_OP_NONE},
    {"GET", "/api/v1/staff/{}/credentials/{}/evidence/{}", h_evidence_get, MD_ROUTE_AUTHED, NULL,
     MD_OP_NONE},
    {"GET", "/api/v1/credentials/expiring", h_expiring, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/credentials/kb", h_cred_kb, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
};

const md_route_table md_routes_day = MD_ROUTE_TABLE("day", routes);
