/*
 * h_case_report.c - the case report of a complication on a MedWatch 3500 or Yellow Card
 * form, as JSON and as a PDF (pv.h md_case_report, md_case_report_pdf).  Thin: the forms are
 * kb data and the filling is case_report.c's; docs/CASE_REPORTS.md describes both.
 * ?form= is required: medwatch or yellow_card (the kb's forms), else 400 naming "form".
 */
#include "mesodesk/pv.h"
#include "server/server.h"

static md_code h_report(md_req *r, md_err *err)
{
    return md_case_report(&r->ctx, r->params[0], md_req_query(r, "form"), &r->resp, err);
}

static md_code h_report_pdf(md_req *r, md_err *err)
{
    unsigned char *pdf = NULL;
    size_t len = 0;
    md_code rc =
        md_case_report_pdf(&r->ctx, r->params[0], md_req_query(r, "form"), &pdf, &len, err);
    if (rc != MD_OK) return rc;
    return md_req_raw(r, pdf, len, "application/pdf", "inline; filename=\"case-report.pdf\"", err);
}

static const md_route routes[] = {
    {"GET", "/api/v1/complications/{}/report", h_report, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/complications/{}/report.pdf", h_report_pdf, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
};

const md_route_table md_routes_case_report = MD_ROUTE_TABLE("case_report", routes);
