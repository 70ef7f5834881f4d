/*
 * h_patch_test.c - patch tests (patch_test.h) over HTTP.  Thin: the application, the
 * reading windows, the allergies of a positive reading and the outcome are the core's.
 *
 *   GET  /api/v1/patch-tests/kb                                      the ICDRG scale, the
 *                                                                    windows, the validity
 *   GET  /api/v1/patients/{}/patch-tests                             list, newest first
 *   POST /api/v1/patients/{}/patch-tests                             apply (201)
 *   GET  /api/v1/patients/{}/patch-tests/{}                          one, with its outcome
 *   GET  /api/v1/patients/{}/patch-tests/{}/history                  every version
 *   POST /api/v1/patients/{}/patch-tests/{}/entered-in-error         mark entered in error
 *   POST /api/v1/patients/{}/patch-tests/{}/readings                 record a reading (201)
 *   PUT  /api/v1/patients/{}/patch-tests/{}/readings/{}              correct a reading
 */
#include "server.h"

#include "mesodesk/patch_test.h"

static md_code h_kb(md_req *r, md_err *err)
{
    const md_patch_kb *pk = md_kb_patch_tests(r->ctx.kb);
    md_code rc = md_require(&r->ctx, MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK && !pk) rc = md_err_set(err, MD_EINTERNAL, NULL, "no kb loaded");
    if (rc == MD_OK && !(r->resp = md_patch_kb_json(pk)))
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    return rc;
}

static md_code h_list(md_req *r, md_err *err)
{
    return md_patch_test_list(&r->ctx, r->params[0], &r->resp, err);
}

static md_code apply(md_req *r, json_t *body, md_err *err)
{
    md_code rc = md_patch_test_apply(&r->ctx, r->params[0], body, &r->resp, err);
    if (rc == MD_OK) r->status = 201;
    return rc;
}

static md_code h_apply(md_req *r, md_err *err)
{
    return md_req_with_body(r, apply, err);
}

static md_code h_get(md_req *r, md_err *err)
{
    return md_patch_test_get(&r->ctx, r->params[0], r->params[1], &r->resp, err);
}

static md_code h_history(md_req *r, md_err *err)
{
    return md_patch_test_history(&r->ctx, r->params[0], r->params[1], &r->resp, err);
}

static md_code eie(md_req *r, json_t *body, md_err *err)
{
    return md_patch_test_entered_in_error(&r->ctx, r->params[0], r->params[1], body, &r->resp, err);
}

static md_code h_eie(md_req *r, md_err *err)
{
    return md_req_with_body(r, eie, err);
}

static md_code read_test(md_req *r, json_t *body, md_err *err)
{
    md_code rc = md_patch_test_read(&r->ctx, r->params[0], r->params[1], body, &r->resp, err);
    if (rc == MD_OK) r->status = 201;
    return rc;
}

static md_code h_read(md_req *r, md_err *err)
{
    return md_req_with_body(r, read_test, err);
}

static md_code correct(md_req *r, json_t *body, md_err *err)
{
    return md_patch_test_reading_correct(&r->ctx, r->params[0], r->params[1], r->params[2], body,
                                         &r->resp, err);
}

static md_code h_correct(md_req *r, md_err *err)
{
    return md_req_with_body(r, correct, err);
}

#define PT "/api/v1/patients/{}/patch-tests"

static const md_route routes[] = {
    {"GET", "/api/v1/patch-tests/kb", h_kb, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", PT, h_list, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", PT, h_apply, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", PT "/{}", h_get, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", PT "/{}/history", h_history, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", PT "/{}/entered-in-error", h_eie, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", PT "/{}/readings", h_read, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"PUT", PT "/{}/readings/{}", h_correct, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
};

const md_route_table md_routes_patch_tests = MD_ROUTE_TABLE("patch_tests", routes);
