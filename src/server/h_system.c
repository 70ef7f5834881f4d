/*
 * h_system.c - health, the OpenAPI document, sessions, the clinic, staff and
 * the audit trail.
 */
#include "server.h"

#include "mesodesk/audit.h"
#include "mesodesk/auth.h"
#include "mesodesk/clinic.h"
#include "mesodesk/kb.h"
#include "mesodesk/validate.h"

#include <sodium.h>
#include <string.h>

static md_code h_healthz(md_req *r, md_err *err)
{
    (void)err;
    const md_kb *kb = md_server_kb(r->srv);
    r->resp = json_pack("{s:s,s:s,s:s}", "status", "ok", "version", MESODESK_VERSION_STRING, "kb",
                        kb ? md_kb_version(kb) : "none");
    return MD_OK;
}

static md_code h_openapi(md_req *r, md_err *err)
{
    return md_openapi_build(&r->resp, err);
}

static md_code h_login(md_req *r, md_err *err)
{
    static const char *const allowed[] = {"email", "password", NULL};
    json_t *body = NULL;
    const char *email, *password;
    char exp[MD_TIME_STR];
    md_login_result lr = {{0}, 0, 0};
    md_code rc = md_req_json_body(r, &body, err);
    if (rc == MD_OK) rc = md_json_check_keys(body, allowed, "", err);
    if (rc == MD_OK) rc = md_json_text(body, "email", 1, 254, &email, err);
    if (rc == MD_OK) rc = md_json_text(body, "password", 1, MD_PASSWORD_MAX, &password, err);
    if (rc == MD_OK) rc = md_login(&r->ctx, email, password, &lr, err);
    json_decref(body);
    if (rc == MD_ELIMIT) r->retry_after = lr.retry_after;
    if (rc != MD_OK) return rc;
    md_time_format(lr.expires_at, exp);
    r->resp = json_pack("{s:s,s:s,s:s,s:s}", "token", lr.token, "expires_at", exp, "role",
                        md_role_name(r->ctx.who.role), "staff_id", r->ctx.who.staff_id);
    sodium_memzero(lr.token, sizeof lr.token);
    return MD_OK;
}

static md_code h_logout(md_req *r, md_err *err)
{
    md_code rc = md_logout(&r->ctx, r->token, err);
    if (rc == MD_OK) r->resp = json_pack("{s:b}", "ok", 1);
    return rc;
}

static md_code h_me(md_req *r, md_err *err)
{
    json_t *staff = NULL, *clinic = NULL;
    md_code rc = md_staff_get(&r->ctx, r->ctx.who.staff_id, &staff, err);
    if (rc == MD_OK) rc = md_clinic_get(r->ctx.db, r->ctx.who.clinic_id, &clinic, err);
    if (rc != MD_OK) {
        json_decref(staff);
        return rc;
    }
    json_t *perms = json_array();
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{MD_PERM_DEMOGRAPHICS_READ, "demographics_read"},
                 {MD_PERM_DEMOGRAPHICS_WRITE, "demographics_write"},
                 {MD_PERM_CLINICAL_READ, "clinical_read"},
                 {MD_PERM_CLINICAL_WRITE, "clinical_write"},
                 {MD_PERM_STAFF_READ, "staff_read"},
                 {MD_PERM_STAFF_WRITE, "staff_write"},
                 {MD_PERM_AUDIT_READ, "audit_read"},
                 {MD_PERM_CLEARANCE_WRITE, "clearance_write"},
                 {MD_PERM_KB_WRITE, "kb_write"},
                 {MD_PERM_STOCK_READ, "stock_read"},
                 {MD_PERM_STOCK_WRITE, "stock_write"},
                 {MD_PERM_SCHEDULE_READ, "schedule_read"},
                 {MD_PERM_SCHEDULE_WRITE, "schedule_write"},
                 {MD_PERM_CONSENT_WRITE, "consent_write"},
                 {MD_PERM_CHART_WRITE, "chart_write"},
                 {MD_PERM_CHART_SIGNOFF, "chart_signoff"},
                 {MD_PERM_PV_READ, "pv_read"}};
    unsigned mine = md_role_perms(r->ctx.who.role);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (mine & names[i].bit) json_array_append_new(perms, json_string(names[i].name));
    r->resp = json_pack("{s:o,s:o,s:o}", "staff", staff, "clinic", clinic, "permissions", perms);
    return MD_OK;
}

static md_code h_clinic(md_req *r, md_err *err)
{
    return md_clinic_get(r->ctx.db, r->ctx.who.clinic_id, &r->resp, err);
}

static md_code h_staff_list(md_req *r, md_err *err)
{
    return md_staff_list(&r->ctx, &r->resp, err);
}

static md_code h_staff_create(md_req *r, md_err *err)
{
    json_t *body = NULL;
    const char *password = NULL;
    char generated[21] = "";
    md_code rc = md_require(&r->ctx, MD_PERM_STAFF_WRITE, err);
    if (rc == MD_OK) rc = md_req_json_body(r, &body, err);
    if (rc == MD_OK) rc = md_json_text(body, "password", 0, MD_PASSWORD_MAX, &password, err);
    if (rc == MD_OK && !password) md_password_generate(generated); /* shown once, below */
    if (rc == MD_OK)
        rc = md_staff_create(&r->ctx, body, password ? password : generated, &r->resp, err);
    json_decref(body);
    if (rc == MD_OK && generated[0])
        json_object_set_new(r->resp, "password", json_string(generated));
    sodium_memzero(generated, sizeof generated);
    if (rc == MD_OK) r->status = 201;
    return rc;
}

static md_code h_staff_get(md_req *r, md_err *err)
{
    return md_staff_get(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_audit_verify(md_req *r, md_err *err)
{
    md_code rc = md_require(&r->ctx, MD_PERM_AUDIT_READ, err);
    if (rc == MD_OK)
        rc = md_audit_verify_report(r->ctx.db, r->ctx.who.clinic_id,
                                    md_auditor_anchor(r->ctx.auditor), &r->resp, err);
    return rc;
}

static const md_route routes[] = {
    {"GET", "/healthz", h_healthz, MD_ROUTE_PUBLIC, NULL, MD_OP_NONE},
    {"GET", "/api/openapi.json", h_openapi, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/login", h_login, MD_ROUTE_PUBLIC, NULL, MD_OP_NONE},
    {"POST", "/api/v1/logout", h_logout, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/me", h_me, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/clinic", h_clinic, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/staff", h_staff_list, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/staff", h_staff_create, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/staff/{}", h_staff_get, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/audit/verify", h_audit_verify, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
};

const md_route_table md_routes_system = MD_ROUTE_TABLE("system", routes);
