/*
 * h_pv.c - the signal report (GET /api/v1/pv/signals, ?format=csv for text/csv) and the
 * dashboard's figures (GET /api/v1/pv/dashboard) (pv.h).  Thin: the counting, checks
 * (MD_PERM_PV_READ) and audit are the core library's.
 */
#include "server.h"

#include "mesodesk/pv.h"

#include <string.h>

/* ?from=&to=&min_cases= as the core's input object (members absent when not given; the
 * core validates them and names the one at fault). */
static md_code signals_input(md_req *r, json_t **in, md_err *err)
{
    long min_cases = 0;
    md_code rc = md_req_query_int(r, "min_cases", 0, 1, 1000000, &min_cases, err);
    if (rc != MD_OK) return rc;
    *in = json_object();
    const char *from = md_req_query(r, "from"), *to = md_req_query(r, "to");
    if (from) json_object_set_new(*in, "from", json_string(from));
    if (to) json_object_set_new(*in, "to", json_string(to));
    if (min_cases) json_object_set_new(*in, "min_cases", json_integer(min_cases));
    return MD_OK;
}

static md_code h_signals(md_req *r, md_err *err)
{
    const char *format = md_req_query(r, "format");
    if (format && strcmp(format, "json") && strcmp(format, "csv"))
        return md_err_set(err, MD_EINVAL, "format", "format must be json or csv");
    json_t *in = NULL;
    md_code rc = signals_input(r, &in, err);
    if (rc == MD_OK && format && strcmp(format, "csv") == 0) {
        char *csv = NULL;
        size_t len = 0;
        rc = md_pv_signals_csv(&r->ctx, in, &csv, &len, err);
        if (rc == MD_OK)
            rc = md_req_raw(r, csv, len, "text/csv; charset=utf-8",
                            "attachment; filename=\"signals.csv\"", err);
    } else if (rc == MD_OK) {
        rc = md_pv_signals(&r->ctx, in, &r->resp, err);
    }
    json_decref(in);
    return rc;
}

static md_code h_dashboard(md_req *r, md_err *err)
{
    long weeks = 26;
    md_code rc = md_req_query_int(r, "weeks", 26, 1, 520, &weeks, err);
    if (rc != MD_OK) return rc;
    json_t *in = json_pack("{s:i}", "weeks", (int)weeks);
    rc = md_pv_dashboard(&r->ctx, in, &r->resp, err);
    json_decref(in);
    return rc;
}

static const md_route routes[] = {
    {"GET", "/api/v1/pv/signals", h_signals, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/pv/dashboard", h_dashboard, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
};

const md_route_table md_routes_pv = MD_ROUTE_TABLE("pv", routes);
