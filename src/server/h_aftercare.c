/*
 * h_aftercare.c - the routes of a session's completion check, its aftercare (the web page's
 * JSON and the PDF) and the charting worklists (overdue charts, the sign-off queue).  Thin:
 * the decisions are completion.c's and aftercare.c's; docs/AFTERCARE.md and
 * docs/SIGNOFF.md describe them.
 */
#include "mesodesk/aftercare.h"
#include "mesodesk/chart.h"
#include "server/server.h"

static md_code h_aftercare(md_req *r, md_err *err)
{
    return md_aftercare_read(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_aftercare_pdf(md_req *r, md_err *err)
{
    unsigned char *pdf = NULL;
    size_t len = 0;
    md_code rc = md_aftercare_pdf(&r->ctx, r->params[0], &pdf, &len, err);
    if (rc != MD_OK) return rc;
    return md_req_raw(r, pdf, len, "application/pdf", "inline; filename=\"aftercare.pdf\"", err);
}

/* The completion checklist and the review of a session, as they stand now. */
static md_code h_completion(md_req *r, md_err *err)
{
    json_t *s = NULL, *report = NULL, *review = NULL;
    md_code rc = md_chart_get(&r->ctx, r->params[0], &s, err);
    if (rc == MD_OK) rc = md_chart_completion(&r->ctx, s, &report, err);
    if (rc == MD_OK) rc = md_chart_review(&r->ctx, s, &review, err);
    if (rc == MD_OK) {
        json_object_set(report, "session_id", json_object_get(s, "id"));
        json_object_set(report, "state", json_object_get(s, "state"));
        json_object_set_new(report, "review", review);
        review = NULL;
        r->resp = report;
        report = NULL;
    }
    json_decref(s);
    json_decref(report);
    json_decref(review);
    return rc;
}

static md_code h_overdue(md_req *r, md_err *err)
{
    return md_chart_overdue(&r->ctx, md_now(), &r->resp, err);
}

static md_code h_signoff_queue(md_req *r, md_err *err)
{
    return md_chart_signoff_queue(&r->ctx, &r->resp, err);
}

static const md_route routes[] = {
    {"GET", "/api/v1/charting/overdue", h_overdue, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/charting/signoff-queue", h_signoff_queue, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/sessions/{}/completion", h_completion, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/sessions/{}/aftercare", h_aftercare, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/sessions/{}/aftercare.pdf", h_aftercare_pdf, MD_ROUTE_AUTHED, NULL,
     MD_OP_NONE},
};

const md_route_table md_routes_aftercare = MD_ROUTE_TABLE("aftercare", routes);
