/*
 * test_case_reports.c - the MedWatch 3500 and Yellow Card case reports through the real
 * server (docs/CASE_REPORTS.md): a complication recorded from a charted session gives a
 * report with nothing required missing on both forms, linked to the session's lot; the PDF's
 * text (pdftotext) holds the lot number and the patient identifier and not the patient's
 * name; what nobody recorded is listed as missing, never read as no; a bad form is 400
 * naming "form"; who may read it; the export and the print are audited.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct case_fix {
    api_session_fix s;
    char lot_number[80];
} case_fix;

/* A completed session of a patient named Sigrid Ravensworth, whose product now states its
 * manufacturer and concentration (a new version of the product). */
static void completed_session(case_fix *f)
{
    char body[1024];
    char *text;
    api_chart_policy_no_photos();
    api_session_completed(&f->s);
    json_t *p = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s", f->s.pid);
    snprintf(body, sizeof body,
             "{\"given_name\":\"Sigrid\",\"family_name\":\"Ravensworth\",\"version\":%lld,"
             "\"reason\":\"name as on her passport\"}",
             (long long)api_int(p, "version"));
    json_decref(api_ok(api.practitioner, "PATCH", body, 200, "/api/v1/patients/%s", f->s.pid));
    json_decref(p);
    json_t *lot = api_ok(api.admin, "GET", NULL, 200, "/api/v1/lots/%s", f->s.lot);
    snprintf(f->lot_number, sizeof f->lot_number, "%s", api_str(lot, "lot_number"));
    json_t *prod =
        api_ok(api.admin, "GET", NULL, 200, "/api/v1/products/%s", api_str(lot, "product_id"));
    json_t *put = json_pack(
        "{s:O,s:s,s:O,s:O,s:O,s:[{s:s,s:s}],s:O,s:O,s:s}", "name", json_object_get(prod, "name"),
        "manufacturer", "Meso Labs Ltd", "presentation", json_object_get(prod, "presentation"),
        "volume_ml", json_object_get(prod, "volume_ml"), "base", json_object_get(prod, "base"),
        "ingredients", "ingredient", "hyaluronic_acid", "concentration", "1.5%", "regulatory",
        json_object_get(prod, "regulatory"), "version", json_object_get(prod, "version"), "reason",
        "the label states the concentration");
    assert_non_null(put);
    text = json_dumps(put, 0);
    json_decref(put);
    json_decref(api_ok(api.admin, "PUT", text, 200, "/api/v1/products/%s", api_str(prod, "id")));
    free(text);
    json_decref(prod);
    json_decref(lot);
}

/* Record a complication from the session; seriousness and details as JSON text. */
static json_t *record_from_session(const case_fix *f, const char *seriousness, const char *details)
{
    char today[MD_DATE_STR], body[2048];
    md_date_format(md_today_utc(), today);
    snprintf(body, sizeof body,
             "{\"code\":\"nodule_granuloma\",\"onset_on\":\"%s\",\"grade\":2,"
             "\"description\":\"A firm tender nodule at an injection point of the left cheek.\","
             "\"seriousness\":%s,\"outcome\":\"recovering\","
             "\"actions\":[{\"action\":\"Warm compresses advised\",\"note\":\"review in a "
             "week\"}],\"details\":%s}",
             today, seriousness, details);
    return api_ok(api.practitioner, "POST", body, 201, "/api/v1/sessions/%s/complications",
                  f->s.sid);
}

static const char all_answered[] =
    "{\"death\":false,\"life_threatening\":false,\"hospitalisation\":false,\"disability\":false,"
    "\"congenital_anomaly\":false,\"required_intervention\":true,\"other_serious\":false}";
static const char full_details[] =
    "{\"weight_kg\":61.5,\"tests\":\"none so far\",\"dechallenge\":\"does not apply: one session\","
    "\"rechallenge\":\"not done\",\"relevant_history\":\"no earlier injectable treatment\","
    "\"other_medicines\":\"none\"}";

/* The PDF's text (pdftotext); caller frees. */
static char *report_pdf_text(const char *cid, const char *form)
{
    char path[160], name[96];
    snprintf(path, sizeof path, "/api/v1/complications/%s/report.pdf?form=%s", cid, form);
    snprintf(name, sizeof name, "report-%s-%s.pdf", form, cid);
    return api_pdf_text(api.practitioner, path, name);
}

static void print_missing(const json_t *rep)
{
    const json_t *m;
    size_t i;
    json_array_foreach(json_object_get(rep, "missing"), i, m)
        fprintf(stderr, "missing %s: %s\n", api_str(m, "field"), api_str(m, "why"));
}

/* The "done when": a complication recorded from a session comes out with nothing
 * required missing, on both forms, as JSON and as a PDF. */
static void a_complication_from_a_charted_session_reports_with_nothing_missing(void **state)
{
    (void)state;
    case_fix f;
    completed_session(&f);
    json_t *c = record_from_session(&f, all_answered, full_details);
    const char *cid = api_str(c, "id");
    char ident[64];
    snprintf(ident, sizeof ident, "S.R., record %s", f.s.pid);
    static const char *const forms[] = {"medwatch", "yellow_card"};
    static const char *const repeat[] = {"suspect_products", "suspect_medicines"};
    static const char *const lot_field[] = {"lot_number", "batch"};
    for (int i = 0; i < 2; i++) {
        json_t *rep = api_ok(api.practitioner, "GET", NULL, 200,
                             "/api/v1/complications/%s/report?form=%s", cid, forms[i]);
        print_missing(rep);
        assert_true(json_is_true(json_object_get(rep, "complete")));
        assert_int_equal(json_array_size(json_object_get(rep, "missing")), 0);
        assert_string_equal(api_str(rep, "form"), forms[i]);
        json_t *sec = json_object_get(rep, "sections");
        assert_string_equal(api_str(json_object_get(sec, "patient"), "identifier"), ident);
        json_t *sus = json_array_get(json_object_get(sec, repeat[i]), 0);
        assert_string_equal(api_str(sus, lot_field[i]), f.lot_number);
        assert_non_null(strstr(api_str(sus, "dose"), "0.5 ml"));
        assert_string_equal(api_str(sus, "route"), "intradermal");
        char *dump = json_dumps(rep, 0);
        assert_null(strstr(dump, "Ravensworth"));
        assert_null(strstr(dump, "Sigrid"));
        free(dump);
        json_decref(rep);
        char *pdf = report_pdf_text(cid, forms[i]);
        assert_non_null(strstr(pdf, f.lot_number));
        assert_non_null(strstr(pdf, "S.R., record"));
        assert_non_null(strstr(pdf, "Every required field is filled."));
        assert_null(strstr(pdf, "Ravensworth"));
        assert_null(strstr(pdf, "Sigrid"));
        free(pdf);
    }
    json_t *rep = api_ok(api.practitioner, "GET", NULL, 200,
                         "/api/v1/complications/%s/report?form=medwatch", cid);
    json_t *sec = json_object_get(rep, "sections");
    assert_string_equal(api_str(json_object_get(sec, "reporter"), "facility"), "Demo Clinic");
    assert_non_null(
        strstr(api_str(json_object_get(sec, "event"), "history"), "No known allergies"));
    json_decref(rep);
    /* the export and the print are audited */
    json_t *au = api_ok(api.admin, "GET", NULL, 200,
                        "/api/v1/audit?object_type=complication&action=export&object_id=%s", cid);
    assert_true(json_array_size(json_object_get(au, "items")) >= 5);
    json_decref(au);
    au = api_ok(api.admin, "GET", NULL, 200,
                "/api/v1/audit?object_type=complication&action=print&object_id=%s", cid);
    assert_int_equal(json_array_size(json_object_get(au, "items")), 2);
    json_decref(au);
    json_decref(c);
}

/* Unknown is not no: no weight and hospitalisation not assessed are each listed, on the
 * JSON and at the top of the PDF. */
static void what_nobody_recorded_is_listed_as_missing(void **state)
{
    (void)state;
    case_fix f;
    completed_session(&f);
    json_t *c = record_from_session(
        &f,
        "{\"death\":false,\"life_threatening\":false,\"hospitalisation\":null,"
        "\"disability\":false,\"congenital_anomaly\":false,\"required_intervention\":false,"
        "\"other_serious\":false}",
        "{\"dechallenge\":\"does not apply\",\"rechallenge\":\"not done\"}");
    const char *cid = api_str(c, "id");
    json_t *rep = api_ok(api.practitioner, "GET", NULL, 200,
                         "/api/v1/complications/%s/report?form=yellow_card", cid);
    assert_true(json_is_false(json_object_get(rep, "complete")));
    char got[1024] = "";
    const json_t *m;
    size_t i;
    json_array_foreach(json_object_get(rep, "missing"), i, m)
    {
        size_t n = strlen(got);
        snprintf(got + n, sizeof got - n, "%s ", api_str(m, "field"));
    }
    /* "serious" cannot be no while hospitalisation is not assessed; no medicines recorded is
     * not "took none" */
    assert_string_equal(got, "patient.weight_kg seriousness.serious seriousness.hospitalisation "
                             "other_medicines.medicines ");
    json_t *ser = json_object_get(json_object_get(rep, "sections"), "seriousness");
    assert_true(json_is_null(json_object_get(ser, "hospitalisation")));
    assert_true(json_is_null(json_object_get(ser, "serious")));
    json_decref(rep);
    char *pdf = report_pdf_text(cid, "yellow_card");
    assert_non_null(strstr(pdf, "Required, with nothing recorded (4)"));
    assert_non_null(strstr(pdf, "hospitalisation not assessed"));
    assert_non_null(strstr(pdf, "Not recorded"));
    free(pdf);
    json_decref(c);
}

static void a_bad_form_and_who_may_read_it(void **state)
{
    (void)state;
    case_fix f;
    completed_session(&f);
    json_t *c = record_from_session(&f, all_answered, full_details);
    const char *cid = api_str(c, "id");
    api_err(api.practitioner, "GET", NULL, 400, "invalid", "form",
            "/api/v1/complications/%s/report?form=cioms", cid);
    api_err(api.practitioner, "GET", NULL, 400, "invalid", "form",
            "/api/v1/complications/%s/report", cid);
    api_err(api.practitioner, "GET", NULL, 400, "invalid", "form",
            "/api/v1/complications/%s/report.pdf?form=", cid);
    api_err(api.reception, "GET", NULL, 403, "forbidden", NULL,
            "/api/v1/complications/%s/report?form=medwatch", cid);
    api_err(api.reception, "GET", NULL, 403, "forbidden", NULL,
            "/api/v1/complications/%s/report.pdf?form=medwatch", cid);
    api_err(api.practitioner, "GET", NULL, 404, "not_found", "id",
            "/api/v1/complications/0123456789abcdef0123456789abcdef/report?form=medwatch");
    api_err(api.other_admin, "GET", NULL, 404, "not_found", "id",
            "/api/v1/complications/%s/report?form=medwatch", cid);
    /* the auditor reads it (pv_read and clinical read) */
    json_decref(api_ok(api.auditor, "GET", NULL, 200,
                       "/api/v1/complications/%s/report?form=yellow_card", cid));
    json_decref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_complication_from_a_charted_session_reports_with_nothing_missing),
        cmocka_unit_test(what_nobody_recorded_is_listed_as_missing),
        cmocka_unit_test(a_bad_form_and_who_may_read_it),
    };
    return cmocka_run_group_tests(tests, api_setup, api_teardown);
}
