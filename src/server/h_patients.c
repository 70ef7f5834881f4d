/*
 * h_patients.c - /api/v1/patients: search, create with the duplicate check, merge;
 * reads, updates and history through the generic record handlers (h_records.c), which
 * also serve the clinical facts under a patient.  Thin: parse, call the core, shape
 * the response.
 */
#include "server.h"

#include "mesodesk/record.h"
#include "mesodesk/validate.h"

#include <string.h>

/* q (free text: names, phone, e-mail); name is its older spelling. */
static md_code h_patients_list(md_req *r, md_err *err)
{
    long limit, offset;
    const char *text = md_req_query(r, "q");
    const char *param = "q";
    if (!text) text = md_req_query(r, "name"), param = "name";
    md_patient_query q = {text, md_req_query(r, "birth_date"), 0, 0};
    md_code rc = md_req_query_int(r, "limit", 50, 1, 200, &limit, err);
    if (rc == MD_OK) rc = md_req_query_int(r, "offset", 0, 0, 1000000000, &offset, err);
    if (rc != MD_OK) return rc;
    q.limit = (int)limit;
    q.offset = (int)offset;
    rc = md_patient_search(&r->ctx, &q, &r->resp, err);
    if (rc != MD_OK && strcmp(err->field, "name") == 0)
        md_strlcpy(err->field, param, sizeof err->field);
    return rc;
}

/* A likely duplicate is answered 409 duplicate_suspected with the candidates, unless the
 * body says "confirm_not_duplicate": true. */
static md_code create_patient(md_req *r, json_t *body, md_err *err)
{
    int confirm = 0;
    json_t *c = json_is_object(body) ? json_object_get(body, "confirm_not_duplicate") : NULL;
    if (c && !json_is_boolean(c))
        return md_err_set(err, MD_EINVAL, "confirm_not_duplicate",
                          "confirm_not_duplicate must be true or false");
    if (c) {
        confirm = json_is_true(c);
        json_object_del(body, "confirm_not_duplicate");
    }
    json_t *cands = NULL;
    md_code rc = md_patient_create(&r->ctx, body, confirm, &r->resp, &cands, err);
    if (rc == MD_ECONFLICT && cands) {
        r->status = 409;
        r->resp = json_pack("{s:{s:s,s:s,s:n,s:o}}", "error", "code", "duplicate_suspected",
                            "message", err->message, "field", "candidates",
                            json_incref(json_object_get(cands, "candidates")));
        json_decref(cands);
        return MD_OK;
    }
    if (rc == MD_OK) r->status = 201;
    return rc;
}

static md_code h_patients_create(md_req *r, md_err *err)
{
    return md_req_with_body(r, create_patient, err);
}

/* POST /patients/{id}/merge {"duplicate_id","reason"}: the record in the path survives. */
static md_code merge_patient(md_req *r, json_t *body, md_err *err)
{
    static const char *const keys[] = {"duplicate_id", "reason", NULL};
    const char *dup = NULL, *reason = NULL;
    md_code rc = md_json_check_keys(body, keys, "", err);
    if (rc == MD_OK) rc = md_json_text(body, "duplicate_id", 1, 64, &dup, err);
    if (rc == MD_OK) rc = md_json_text(body, "reason", 1, 500, &reason, err);
    if (rc == MD_OK) rc = md_patient_merge(&r->ctx, r->params[0], dup, reason, &r->resp, err);
    return rc;
}

static md_code h_patient_merge(md_req *r, md_err *err)
{
    return md_req_with_body(r, merge_patient, err);
}

#define PATIENT &md_kind_patient

static const md_route routes[] = {
    {"GET", "/api/v1/patients", h_patients_list, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/patients", h_patients_create, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/patients/{}", md_h_record_get, MD_ROUTE_AUTHED, PATIENT, MD_OP_NONE},
    {"PUT", "/api/v1/patients/{}", md_h_record_update, MD_ROUTE_AUTHED, PATIENT, MD_OP_NONE},
    {"PATCH", "/api/v1/patients/{}", md_h_record_update, MD_ROUTE_AUTHED, PATIENT, MD_OP_NONE},
    {"GET", "/api/v1/patients/{}/history", md_h_record_history, MD_ROUTE_AUTHED, PATIENT,
     MD_OP_NONE},
    {"POST", "/api/v1/patients/{}/merge", h_patient_merge, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
};

const md_route_table md_routes_patients = MD_ROUTE_TABLE("patients", routes);
