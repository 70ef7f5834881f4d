/*
 * h_checkin.c - the check-in routes (checkin.h, docs/CHECKINS.md): staff read a session's
 * check-ins, one check-in, the overdue worklist, and reissue or cancel a link; the patient
 * opens and answers a link and attaches a photo without logging in (public routes, like the
 * questionnaire's; server.c keeps their token out of every log line).
 *
 * The photo's body is the image itself, as for a session photo (h_photo.c): its route takes
 * up to MD_PHOTO_MAX bytes instead of MD_BODY_MAX, and what is not an image is 422 "data".
 */
#include "mesodesk/checkin.h"
#include "mesodesk/photo.h"
#include "server/server.h"

static const char *user_agent(md_req *r)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT);
}

static md_code h_session_checkins(md_req *r, md_err *err)
{
    return md_checkin_list(&r->ctx, r->params[0], NULL, &r->resp, err);
}

static md_code h_patient_checkins(md_req *r, md_err *err)
{
    return md_checkin_list(&r->ctx, NULL, r->params[0], &r->resp, err);
}

static md_code h_get(md_req *r, md_err *err)
{
    return md_checkin_get(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_overdue(md_req *r, md_err *err)
{
    return md_checkin_overdue(&r->ctx, &r->resp, err);
}

static md_code h_reissue(md_req *r, md_err *err)
{
    return md_checkin_reissue(&r->ctx, r->params[0], &r->resp, err);
}

static md_code cancel(md_req *r, json_t *body, md_err *err)
{
    return md_checkin_cancel(&r->ctx, r->params[0], body, &r->resp, err);
}

static md_code h_cancel(md_req *r, md_err *err)
{
    return md_req_with_body(r, cancel, err);
}

static md_code h_kb(md_req *r, md_err *err)
{
    md_code rc = md_require(&r->ctx, MD_PERM_CLINICAL_READ, err);
    if (rc != MD_OK) return rc;
    r->resp = md_kb_checkins_json(r->ctx.kb);
    return r->resp ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
}

static md_code h_open(md_req *r, md_err *err)
{
    return md_checkin_open_ua(&r->ctx, r->params[0], user_agent(r), &r->resp, err);
}

static md_code submit(md_req *r, json_t *body, md_err *err)
{
    return md_checkin_submit_ua(&r->ctx, r->params[0], body, user_agent(r), &r->resp, err);
}

static md_code h_submit(md_req *r, md_err *err)
{
    return md_req_with_body(r, submit, err);
}

static md_code h_photo(md_req *r, md_err *err)
{
    md_code rc = md_checkin_photo(&r->ctx, r->params[0], r->body, r->body_len, &r->resp, err);
    if (rc == MD_OK) r->status = 201;
    return rc;
}

#define A MD_ROUTE_AUTHED
#define P MD_ROUTE_PUBLIC
static const md_route routes[] = {
    {"GET", "/api/v1/sessions/{}/checkins", h_session_checkins, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/patients/{}/checkins", h_patient_checkins, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/checkins/overdue", h_overdue, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/checkins/{}", h_get, A, NULL, MD_OP_NONE},
    {"POST", "/api/v1/checkins/{}/reissue", h_reissue, A, NULL, MD_OP_NONE},
    {"POST", "/api/v1/checkins/{}/cancel", h_cancel, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/kb/checkins", h_kb, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/checkin/{}", h_open, P, NULL, MD_OP_NONE},
    {"POST", "/api/v1/checkin/{}", h_submit, P, NULL, MD_OP_NONE},
    {"POST", "/api/v1/checkin/{}/photo", h_photo, P, NULL, MD_OP_NONE},
};
#undef A
#undef P

const md_body_limit md_body_limit_checkin_photo = {"POST", "/api/v1/checkin/{}/photo", MD_PHOTO_MAX,
                                                   "data"};

const md_route_table md_routes_checkin = MD_ROUTE_TABLE("checkin", routes);
