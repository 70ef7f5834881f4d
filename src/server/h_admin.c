/*
 * h_admin.c - the clinic's administration over HTTP: clinic settings, staff
 * changes and password resets, the filtered audit listing, and the public
 * address that patients' links carry.  Thin: the rules are in clinic.c,
 * staff.c and audit_query.c.
 */
#include "server.h"

#include "mesodesk/audit_query.h"
#include "mesodesk/auth.h"
#include "mesodesk/clinic.h"
#include "mesodesk/staff.h"
#include "mesodesk/validate.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

int md_public_url_normalize(const char *in, char *out, size_t outsz)
{
    size_t n = in ? strlen(in) : 0;
    const char *host = NULL;
    if (strncmp(in ? in : "", "https://", 8) == 0)
        host = in + 8;
    else if (strncmp(in ? in : "", "http://", 7) == 0)
        host = in + 7;
    if (!host || !*host || *host == '/' || n >= outsz || n > MD_PUBLIC_URL_MAX) return -1;
    for (const char *p = in; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || strchr("\"'<>\\`?#", *p))
            return -1;
    while (n > 0 && in[n - 1] == '/')
        n--;
    memcpy(out, in, n);
    out[n] = '\0';
    return 0;
}

int md_listen_host_is_local(const char *host)
{
    return strncmp(host, "127.", 4) == 0 || strcmp(host, "0.0.0.0") == 0 ||
           strcmp(host, "localhost") == 0;
}

const char *md_req_public_link(md_req *r, const char *path)
{
    return md_arena_printf(r->ctx.arena, "%s%s", md_server_public_url(r->srv), path);
}

static md_code update_clinic(md_req *r, json_t *body, md_err *err)
{
    return md_clinic_update(&r->ctx, body, &r->resp, err);
}

static md_code h_clinic_update(md_req *r, md_err *err)
{
    /* The role is refused before the body is looked at. */
    md_code rc = md_require(&r->ctx, MD_PERM_CLINIC_ADMIN, err);
    return rc == MD_OK ? md_req_with_body(r, update_clinic, err) : rc;
}

static md_code update_staff(md_req *r, json_t *body, md_err *err)
{
    return md_staff_update(&r->ctx, r->params[0], body, &r->resp, err);
}

static md_code h_staff_update(md_req *r, md_err *err)
{
    md_code rc = md_require(&r->ctx, MD_PERM_STAFF_WRITE, err);
    return rc == MD_OK ? md_req_with_body(r, update_staff, err) : rc;
}

/* Body {} or absent: generate a password and return it once; {"password": P}: set P. */
static md_code h_staff_password(md_req *r, md_err *err)
{
    static const char *const allowed[] = {"password", NULL};
    json_t *body = NULL;
    const char *password = NULL;
    char generated[21] = "";
    md_code rc = md_require(&r->ctx, MD_PERM_STAFF_WRITE, err);
    if (rc == MD_OK && r->body_len) rc = md_req_json_body(r, &body, err);
    if (rc == MD_OK && body) rc = md_json_check_keys(body, allowed, "", err);
    if (rc == MD_OK && body)
        rc = md_json_text(body, "password", 0, MD_PASSWORD_MAX, &password, err);
    if (rc == MD_OK) rc = md_staff_set_password(&r->ctx, r->params[0], password, generated, err);
    if (rc == MD_OK)
        r->resp = password ? json_pack("{s:b}", "ok", 1)
                           : json_pack("{s:b,s:s}", "ok", 1, "password", generated);
    sodium_memzero(generated, sizeof generated);
    json_decref(body);
    return rc;
}

static md_code h_audit_list(md_req *r, md_err *err)
{
    long limit, offset;
    md_audit_filter f = {md_req_query(r, "patient_id"), md_req_query(r, "actor_id"),
                         md_req_query(r, "action"),     md_req_query(r, "object_type"),
                         md_req_query(r, "from"),       md_req_query(r, "to")};
    md_code rc = md_require(&r->ctx, MD_PERM_AUDIT_READ, err);
    if (rc == MD_OK) rc = md_req_query_int(r, "limit", 100, 1, MD_AUDIT_PAGE_MAX, &limit, err);
    if (rc == MD_OK) rc = md_req_query_int(r, "offset", 0, 0, 1000000000, &offset, err);
    if (rc == MD_OK) rc = md_audit_query(&r->ctx, &f, (int)limit, (int)offset, &r->resp, err);
    if (rc != MD_OK) return rc;
    json_object_set_new(r->resp, "limit", json_integer(limit));
    json_object_set_new(r->resp, "offset", json_integer(offset));
    return MD_OK;
}

static const md_route routes[] = {
    {"GET", "/api/v1/audit", h_audit_list, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"PUT", "/api/v1/clinic", h_clinic_update, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"PATCH", "/api/v1/clinic", h_clinic_update, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"PATCH", "/api/v1/staff/{}", h_staff_update, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/staff/{}/password", h_staff_password, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
};

const md_route_table md_routes_admin = MD_ROUTE_TABLE("admin", routes);
