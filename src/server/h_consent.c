/*
 * h_consent.c - consent routes: texts, starting a consent (tablet or link), the tablet's
 * open and sign, withdrawal, cancelling, reads, the printable PDF, and the patient's public
 * link.  Thin: the decisions are consent.c's.  The link's token is in the path of the
 * public routes; server.c keeps it out of every log line (without_link_token).
 */
#include "mesodesk/audit.h"
#include "mesodesk/consent.h"
#include "server/server.h"

#include <stdlib.h>
#include <string.h>

static const char *user_agent(md_req *r)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT);
}

static md_code h_texts(md_req *r, md_err *err)
{
    md_code rc = md_require(&r->ctx, MD_PERM_DEMOGRAPHICS_READ, err);
    if (rc != MD_OK) return rc;
    json_t *items = json_array();
    const md_consent_text *t;
    for (size_t i = 0; (t = md_consent_text_at(r->ctx.kb, i)); i++)
        json_array_append_new(items, md_consent_text_json(t));
    r->resp = json_pack("{s:o}", "items", items);
    return r->resp ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
}

static md_code start(md_req *r, json_t *body, md_err *err)
{
    md_code rc = md_consent_start(&r->ctx, r->params[0], body, user_agent(r), &r->resp, err);
    if (rc != MD_OK) return rc;
    r->status = 201;
    const char *path = json_string_value(json_object_get(r->resp, "path"));
    if (path) json_object_set_new(r->resp, "url", json_string(md_req_public_link(r, path)));
    return MD_OK;
}

static md_code h_start(md_req *r, md_err *err)
{
    return md_req_with_body(r, start, err);
}

static md_code h_list(md_req *r, md_err *err)
{
    return md_consent_list(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_status(md_req *r, md_err *err)
{
    const char *course = md_req_query(r, "course_id");
    md_code rc = md_require(&r->ctx, MD_PERM_DEMOGRAPHICS_READ, err);
    if (rc == MD_OK) rc = md_patient_exists(&r->ctx, r->params[0], err);
    if (rc == MD_OK) rc = md_consent_status(&r->ctx, r->params[0], course, &r->resp, err);
    md_audit_entry a = {"read", "consent", "*", r->params[0], "status"};
    if (rc == MD_OK) rc = md_audit(&r->ctx, &a, err);
    return rc;
}

static md_code h_get(md_req *r, md_err *err)
{
    return md_consent_get(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_history(md_req *r, md_err *err)
{
    return md_consent_history(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_open_tablet(md_req *r, md_err *err)
{
    return md_consent_open_tablet(&r->ctx, r->params[0], user_agent(r), &r->resp, err);
}

static md_code sign_tablet(md_req *r, json_t *body, md_err *err)
{
    return md_consent_sign_tablet(&r->ctx, r->params[0], body, user_agent(r), &r->resp, err);
}

static md_code h_sign_tablet(md_req *r, md_err *err)
{
    return md_req_with_body(r, sign_tablet, err);
}

static md_code withdraw(md_req *r, json_t *body, md_err *err)
{
    return md_consent_withdraw(&r->ctx, r->params[0], body, user_agent(r), &r->resp, err);
}

static md_code h_withdraw(md_req *r, md_err *err)
{
    return md_req_with_body(r, withdraw, err);
}

static md_code cancel(md_req *r, json_t *body, md_err *err)
{
    return md_consent_cancel(&r->ctx, r->params[0], body, user_agent(r), &r->resp, err);
}

static md_code h_cancel(md_req *r, md_err *err)
{
    return md_req_with_body(r, cancel, err);
}

static md_code h_pdf(md_req *r, md_err *err)
{
    unsigned char *pdf = NULL;
    size_t len = 0;
    md_code rc = md_consent_pdf(&r->ctx, r->params[0], &pdf, &len, err);
    if (rc != MD_OK) return rc;
    return md_req_raw(r, pdf, len, "application/pdf", "inline; filename=\"consent.pdf\"", err);
}

static md_code h_link_open(md_req *r, md_err *err)
{
    return md_consent_open_link(&r->ctx, r->params[0], user_agent(r), &r->resp, err);
}

static md_code link_sign(md_req *r, json_t *body, md_err *err)
{
    return md_consent_sign_link(&r->ctx, r->params[0], body, user_agent(r), &r->resp, err);
}

static md_code h_link_sign(md_req *r, md_err *err)
{
    return md_req_with_body(r, link_sign, err);
}

static const md_route routes[] = {
    {"GET", "/api/v1/consent_texts", h_texts, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/patients/{}/consents", h_start, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/patients/{}/consents", h_list, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/patients/{}/consent_status", h_status, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/consents/{}", h_get, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/consents/{}/history", h_history, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/consents/{}/open", h_open_tablet, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/consents/{}/sign", h_sign_tablet, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/consents/{}/withdraw", h_withdraw, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/consents/{}/cancel", h_cancel, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/consents/{}/pdf", h_pdf, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/consent/{}", h_link_open, MD_ROUTE_PUBLIC, NULL, MD_OP_NONE},
    {"POST", "/api/v1/consent/{}", h_link_sign, MD_ROUTE_PUBLIC, NULL, MD_OP_NONE},
};

const md_route_table md_routes_consent = MD_ROUTE_TABLE("consent", routes);
