/*
 * h_patients.c - /api/v1/patients and the clinical facts under a patient.
 * Thin: parse, call the record engine, shape the response.
 */
#include "server.h"

#include "mesodesk/record.h"
#include "mesodesk/validate.h"

#include <string.h>

/* The fact collection is the segment after the patient id: /api/v1/patients/{id}/<c>... */
static const md_record_kind *fact_kind(md_req *r, md_err *err)
{
    const char *p = r->path + strlen("/api/v1/patients/");
    p = strchr(p, '/');
    char coll[32] = "";
    if (p) {
        const char *end = strchr(p + 1, '/');
        size_t n = end ? (size_t)(end - p - 1) : strlen(p + 1);
        if (n < sizeof coll) {
            memcpy(coll, p + 1, n);
            coll[n] = '\0';
        }
    }
    const md_record_kind *k = md_fact_kind_by_collection(coll);
    if (!k) md_err_set(err, MD_ENOTFOUND, NULL, "no such collection");
    return k;
}

/* q (free text: names, phone, e-mail); name is its older spelling. */
md_code h_patients_list(md_req *r, md_err *err)
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

md_code h_patients_create(md_req *r, md_err *err)
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

md_code h_patient_merge(md_req *r, md_err *err)
{
    return md_req_with_body(r, merge_patient, err);
}

md_code h_patient_get(md_req *r, md_err *err)
{
    return md_record_get(&r->ctx, &md_kind_patient, NULL, r->params[0], &r->resp, err);
}

static md_code update_patient(md_req *r, json_t *body, md_err *err)
{
    return md_record_update(&r->ctx, &md_kind_patient, NULL, r->params[0], body, &r->resp, err);
}

md_code h_patient_update(md_req *r, md_err *err)
{
    return md_req_with_body(r, update_patient, err);
}

md_code h_patient_history(md_req *r, md_err *err)
{
    return md_record_history(&r->ctx, &md_kind_patient, NULL, r->params[0], &r->resp, err);
}

md_code h_facts_list(md_req *r, md_err *err)
{
    const md_record_kind *k = fact_kind(r, err);
    if (!k) return MD_ENOTFOUND;
    const char *inc = md_req_query(r, "include");
    int all = inc && strcmp(inc, "all") == 0;
    return md_record_list(&r->ctx, k, r->params[0], all, &r->resp, err);
}

/* Pregnancy and breastfeeding status is one record per patient: a POST when it
 * exists records a new version of it. */
static md_code create_fact(md_req *r, json_t *body, md_err *err)
{
    const md_record_kind *k = fact_kind(r, err);
    if (!k) return MD_ENOTFOUND;
    if (k == &md_kind_status) {
        json_t *cur = NULL;
        md_code rc = md_record_list(&r->ctx, k, r->params[0], 0, &cur, err);
        if (rc != MD_OK) return rc;
        json_t *first = json_array_get(json_object_get(cur, "items"), 0);
        /* A new statement of status, complete in itself: nothing merges from the old one. */
        if (first && (rc = md_record_validate(&r->ctx, k, body, err)) != MD_OK) {
            json_decref(cur);
            return rc;
        }
        if (first) {
            const char *id = json_string_value(json_object_get(first, "id"));
            if (!json_object_get(body, "reason") && json_is_object(body))
                json_object_set_new(body, "reason", json_string("status updated"));
            rc = md_record_update(&r->ctx, k, r->params[0], id, body, &r->resp, err);
            json_decref(cur);
            if (rc == MD_OK) r->status = 201;
            return rc;
        }
        json_decref(cur);
    }
    md_code rc = md_record_create(&r->ctx, k, r->params[0], body, &r->resp, err);
    if (rc == MD_OK) r->status = 201;
    return rc;
}

md_code h_facts_create(md_req *r, md_err *err)
{
    return md_req_with_body(r, create_fact, err);
}

md_code h_fact_get(md_req *r, md_err *err)
{
    const md_record_kind *k = fact_kind(r, err);
    if (!k) return MD_ENOTFOUND;
    return md_record_get(&r->ctx, k, r->params[0], r->params[1], &r->resp, err);
}

static md_code update_fact(md_req *r, json_t *body, md_err *err)
{
    const md_record_kind *k = fact_kind(r, err);
    if (!k) return MD_ENOTFOUND;
    return md_record_update(&r->ctx, k, r->params[0], r->params[1], body, &r->resp, err);
}

md_code h_fact_update(md_req *r, md_err *err)
{
    return md_req_with_body(r, update_fact, err);
}

md_code h_fact_history(md_req *r, md_err *err)
{
    const md_record_kind *k = fact_kind(r, err);
    if (!k) return MD_ENOTFOUND;
    return md_record_history(&r->ctx, k, r->params[0], r->params[1], &r->resp, err);
}
