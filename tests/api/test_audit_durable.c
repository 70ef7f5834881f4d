/*
 * test_audit_durable.c - a read whose audit entry cannot be made durable answers 503
 * (with Retry-After) and never the data.  The test makes the database refuse audit
 * entries behind the server's back (a trigger that raises on insert into audit_log)
 * and reads a patient, a search and a fact list; then removes the trigger and the same
 * reads answer 200 again, each with its entry.  Also: a create answers from what it
 * wrote, with its one "create" entry and no read of its own record.
 */
#include "support.h"

#include <stdio.h>
#include <string.h>

/* Whether the group runs on PostgreSQL (the harness's URI). */
static int on_pg(void)
{
    char uri[320];
    api_server_db(&api.srv, uri, sizeof uri);
    return strncmp(uri, "postgres", 8) == 0;
}

/* Make the database refuse (on != 0) or accept again inserts into audit_log. */
static void refuse_audit(int on)
{
    if (!on_pg()) {
        api_db_exec(on ? "CREATE TRIGGER audit_refused BEFORE INSERT ON audit_log "
                         "BEGIN SELECT RAISE(ABORT, 'the disk refuses audit entries'); END"
                       : "DROP TRIGGER audit_refused");
        return;
    }
    if (on) {
        api_db_exec("CREATE OR REPLACE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql "
                    "AS 'BEGIN RAISE EXCEPTION ''the disk refuses audit entries''; END'");
        api_db_exec("CREATE TRIGGER audit_refused BEFORE INSERT ON audit_log FOR EACH ROW "
                    "EXECUTE FUNCTION audit_refuse()");
    } else {
        api_db_exec("DROP TRIGGER audit_refused ON audit_log");
    }
}

/* GET path as the practitioner: 503 unavailable with Retry-After, and nothing of the
 * patient in the body. */
static void refused(const char *path, const char *family)
{
    api_req q = {.method = "GET", .path = path, .token = api.practitioner};
    api_res r;
    api_send(NULL, &q, &r);
    const char *bad = api_error_mismatch(&r, 503, "unavailable", NULL);
    if (bad) fail_msg("GET %s: %s: %s", path, bad, r.text);
    if (!r.retry_after[0]) fail_msg("GET %s: a 503 without Retry-After", path);
    if (strstr(r.text, family)) fail_msg("GET %s: the data went out: %s", path, r.text);
    api_res_free(&r);
}

/* The patient's read entries; *mine counts those of request rid. */
static size_t reads_of(const char *id, const char *rid, size_t *mine)
{
    json_t *audit =
        api_ok(api.admin, "GET", NULL, 200, "/api/v1/audit?patient_id=%s&limit=1000", id);
    size_t i, reads = 0;
    json_t *e;
    *mine = 0;
    json_array_foreach(json_object_get(audit, "items"), i, e)
    {
        if (strcmp(api_str(e, "action"), "read") != 0) continue;
        reads++;
        *mine += strcmp(api_str(e, "request_id"), rid) == 0;
    }
    json_decref(audit);
    return reads;
}

static void an_unrecorded_read_answers_503_without_the_data(void **state)
{
    (void)state;
    char tag[16], path[256], search[256], facts[256], rid[MD_ID_STR];
    api_unique(tag);
    json_t *p = api_patient_new(api.practitioner, "Durable", tag, "1980-03-04");
    const char *id = api_str(p, "id");
    snprintf(path, sizeof path, "/api/v1/patients/%s", id);
    snprintf(search, sizeof search, "/api/v1/patients?q=%s", tag);
    snprintf(facts, sizeof facts, "/api/v1/patients/%s/allergies", id);
    json_decref(api_ok_rid(api.practitioner, "GET", NULL, 200, rid, "%s", path));
    size_t mine, before = reads_of(id, rid, &mine);
    assert_int_equal(mine, 1);

    refuse_audit(1);
    refused(path, tag);
    refused(search, tag);
    refused(facts, tag);
    refuse_audit(0);

    /* Back to normal: the same read answers, recorded once; the refused ones left no
     * entry (the admin's audit listing does not read the patient). */
    json_t *got = api_ok_rid(api.practitioner, "GET", NULL, 200, rid, "%s", path);
    assert_string_equal(api_str(got, "family_name"), tag);
    json_decref(got);
    assert_int_equal(reads_of(id, rid, &mine), before + 1);
    assert_int_equal(mine, 1);
    json_decref(p);
    api_assert_alive();
}

/* The entries that request rid left (about any object), as admin. */
static size_t entries_of_request(const char *patient_id, const char *rid, const char **action)
{
    json_t *audit =
        api_ok(api.admin, "GET", NULL, 200, "/api/v1/audit?patient_id=%s&limit=1000", patient_id);
    size_t i, n = 0;
    json_t *e;
    static char last[32];
    json_array_foreach(json_object_get(audit, "items"), i, e)
    {
        if (strcmp(api_str(e, "request_id"), rid) != 0) continue;
        n++;
        snprintf(last, sizeof last, "%s", api_str(e, "action"));
    }
    json_decref(audit);
    *action = last;
    return n;
}

static void a_create_answers_from_what_it_wrote(void **state)
{
    (void)state;
    char tag[16], rid[MD_ID_STR], body[512];
    const char *action = NULL;
    /* When the test before failed, its trigger may still be there. */
    api_db_exec(on_pg() ? "DROP TRIGGER IF EXISTS audit_refused ON audit_log"
                        : "DROP TRIGGER IF EXISTS audit_refused");
    api_unique(tag);
    snprintf(body, sizeof body,
             "{\"given_name\":\"Wrote\",\"family_name\":\"%s\",\"birth_date\":\"1975-06-07\","
             "\"sex\":\"female\",\"fitzpatrick\":3,\"email\":\"%s@example.org\"}",
             tag, tag);
    json_t *made = api_ok_rid(api.practitioner, "POST", body, 201, rid, "/api/v1/patients");
    const char *id = api_str(made, "id");
    assert_int_equal(entries_of_request(id, rid, &action), 1);
    assert_string_equal(action, "create");
    /* The answer is the record as stored. */
    json_t *got = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s", id);
    assert_true(json_equal(made, got));
    json_decref(got);

    /* The same for a fact under the patient. */
    json_t *fact = api_ok_rid(api.practitioner, "POST", "{\"substance\":\"latex\"}", 201, rid,
                              "/api/v1/patients/%s/allergies", id);
    assert_int_equal(entries_of_request(id, rid, &action), 1);
    assert_string_equal(action, "create");
    json_t *facts = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/allergies", id);
    assert_true(json_equal(fact, json_array_get(json_object_get(facts, "items"), 0)));
    json_decref(facts);
    json_decref(fact);
    json_decref(made);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_unrecorded_read_answers_503_without_the_data),
        cmocka_unit_test(a_create_answers_from_what_it_wrote),
    };
    return cmocka_run_group_tests_name("api.audit_durable", tests, api_setup, api_teardown);
}
