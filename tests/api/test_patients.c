/*
 * test_patients.c - patient demographics: create, read, versioned update,
 * history, search and paging, and the isolation of clinics.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every field of want is equal in got. */
static void assert_fields_equal(const json_t *want, const json_t *got)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)want, key, v)
    {
        if (!json_equal(v, json_object_get(got, key))) {
            char *a = json_dumps(want, JSON_COMPACT), *b = json_dumps(got, JSON_COMPACT);
            print_error("field %s differs:\n want %s\n got  %s\n", key, a, b);
            free(a);
            free(b);
            fail();
        }
    }
}

static void create_and_read_back(void **state)
{
    (void)state;
    static const char body[] =
        "{\"given_name\":\"Maren\",\"family_name\":\"Sol\\u00e9r\",\"birth_date\":\"1991-02-28\","
        "\"sex\":\"other\",\"fitzpatrick\":4,\"email\":\"maren.soler@example.org\","
        "\"phone\":\"+33 6 12 34 56 78\"}";
    json_t *in = json_loads(body, 0, NULL);
    json_t *made = api_ok(api.admin, "POST", body, 201, "/api/v1/patients");
    const char *id = api_str(made, "id");
    assert_true(md_id_valid(id));
    assert_int_equal(api_int(made, "version"), 1);
    assert_fields_equal(in, made);
    assert_string_equal(api_str(made, "recorded_by"), api.admin_id);

    json_t *got = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients/%s", id);
    assert_true(json_equal(made, got));
    /* Demographics are the front desk's work too. */
    json_t *desk = api_ok(api.reception, "GET", NULL, 200, "/api/v1/patients/%s", id);
    assert_true(json_equal(made, desk));
    json_decref(desk);
    json_decref(got);
    json_decref(made);
    json_decref(in);
}

static void optional_fields_may_be_left_out(void **state)
{
    (void)state;
    json_t *p = api_ok(api.reception, "POST",
                       "{\"given_name\":\"Ines\",\"family_name\":\"Quarto\","
                       "\"birth_date\":\"2001-12-31\",\"sex\":\"unknown\"}",
                       201, "/api/v1/patients");
    assert_true(json_is_null(json_object_get(p, "fitzpatrick")));
    assert_true(json_is_null(json_object_get(p, "email")));
    assert_true(json_is_null(json_object_get(p, "phone")));
    assert_string_equal(api_str(p, "recorded_by"), api.reception_id);
    json_decref(p);
}

static void ids_are_opaque_and_distinct(void **state)
{
    (void)state;
    json_t *a = api_patient_new(api.admin, "Twin", "Same", "1990-01-01");
    json_t *b = api_patient_new(api.admin, "Twin", "Same", "1990-01-01");
    assert_true(md_id_valid(api_str(a, "id")));
    assert_true(md_id_valid(api_str(b, "id")));
    assert_string_not_equal(api_str(a, "id"), api_str(b, "id"));
    json_decref(a);
    json_decref(b);
}

static void update_merges_and_versions(void **state)
{
    (void)state;
    json_t *v1 = api_patient_new(api.admin, "Nora", NULL, "1980-06-15");
    const char *id = api_str(v1, "id");
    json_t *v2 = api_ok(api.practitioner, "PUT",
                        "{\"phone\":\"+44 7700 900555\",\"fitzpatrick\":5,"
                        "\"reason\":\"new phone number\"}",
                        200, "/api/v1/patients/%s", id);
    assert_int_equal(api_int(v2, "version"), 2);
    assert_string_equal(api_str(v2, "phone"), "+44 7700 900555");
    assert_int_equal(api_int(v2, "fitzpatrick"), 5);
    /* Fields not given are kept. */
    assert_string_equal(api_str(v2, "given_name"), "Nora");
    assert_string_equal(api_str(v2, "family_name"), api_str(v1, "family_name"));
    assert_string_equal(api_str(v2, "birth_date"), "1980-06-15");
    assert_string_equal(api_str(v2, "email"), api_str(v1, "email"));
    assert_string_equal(api_str(v2, "reason"), "new phone number");
    assert_string_equal(api_str(v2, "recorded_by"), api.practitioner_id);

    json_t *now = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients/%s", id);
    assert_true(json_equal(now, v2));

    json_t *h = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients/%s/history", id);
    json_t *versions = json_object_get(h, "versions");
    assert_int_equal(json_array_size(versions), 2);
    assert_true(json_equal(json_array_get(versions, 0), v1));
    assert_true(json_equal(json_array_get(versions, 1), v2));

    /* PATCH is the same merge. */
    json_t *v3 = api_ok(api.reception, "PATCH", "{\"email\":\"nora@example.org\",\"version\":2,\"reason\":\"new email\"}",
                        200, "/api/v1/patients/%s", id);
    assert_int_equal(api_int(v3, "version"), 3);
    assert_string_equal(api_str(v3, "phone"), "+44 7700 900555");
    assert_string_equal(api_str(v3, "email"), "nora@example.org");
    json_decref(v3);
    json_decref(h);
    json_decref(now);
    json_decref(v2);
    json_decref(v1);
}

static void stale_version_is_a_conflict(void **state)
{
    (void)state;
    json_t *v1 = api_patient_new(api.admin, "Lena", NULL, NULL);
    const char *id = api_str(v1, "id");
    json_t *v2 = api_ok(api.admin, "PUT", "{\"given_name\":\"Helena\",\"version\":1,\"reason\":\"typo\"}", 200,
                        "/api/v1/patients/%s", id);
    assert_int_equal(api_int(v2, "version"), 2);
    /* A second client still holding version 1. */
    const char *msg = api_err(api.reception, "PUT", "{\"given_name\":\"Lenka\",\"version\":1}", 409,
                              "conflict", "version", "/api/v1/patients/%s", id);
    assert_non_null(strstr(msg, "2"));
    json_t *now = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients/%s", id);
    assert_string_equal(api_str(now, "given_name"), "Helena");
    assert_int_equal(api_int(now, "version"), 2);
    /* A version from the future is stale too. */
    api_err(api.admin, "PUT", "{\"given_name\":\"Lenka\",\"version\":7}", 409, "conflict",
            "version", "/api/v1/patients/%s", id);
    json_decref(now);
    json_decref(v2);
    json_decref(v1);
}

static void update_errors(void **state)
{
    (void)state;
    json_t *p = api_patient_new(api.admin, "Edda", NULL, NULL);
    api_var vars[] = {{"id", api_str(p, "id")}};
    static const api_case cases[] = {
        {"impossible date", api.admin, "PUT", "/api/v1/patients/{id}",
         "{\"birth_date\":\"2023-02-29\"}", 422, "unprocessable", "birth_date", NULL},
        {"empty given name", api.admin, "PUT", "/api/v1/patients/{id}", "{\"given_name\":\"  \"}",
         400, "invalid", "given_name", NULL},
        {"required field set to null", api.admin, "PUT", "/api/v1/patients/{id}",
         "{\"family_name\":null}", 400, "invalid", "family_name", NULL},
        {"version not a number", api.admin, "PUT", "/api/v1/patients/{id}", "{\"version\":\"1\"}",
         400, "invalid", "version", NULL},
        {"unknown field", api.admin, "PUT", "/api/v1/patients/{id}", "{\"nickname\":\"E\"}", 400,
         "invalid", "nickname", "nickname"},
        {"id is not writable", api.admin, "PUT", "/api/v1/patients/{id}",
         "{\"id\":\"00000000000000000000000000000000\"}", 400, "invalid", "id", NULL},
        {"a correction without a reason", api.admin, "PUT", "/api/v1/patients/{id}",
         "{\"given_name\":\"Eda\"}", 400, "invalid", "reason", NULL},
        {"auditor may not write", api.auditor, "PUT", "/api/v1/patients/{id}",
         "{\"given_name\":\"X\"}", 403, "forbidden", NULL, NULL},
        {"unknown patient", api.admin, "PUT", "/api/v1/patients/00000000000000000000000000000000",
         "{\"given_name\":\"X\"}", 404, "not_found", "id", NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], vars, 1);
    /* None of the refused updates made a version. */
    json_t *h = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients/%s/history", vars[0].value);
    assert_int_equal(json_array_size(json_object_get(h, "versions")), 1);
    json_decref(h);
    json_decref(p);
}

static void search_by_name_prefix(void **state)
{
    (void)state;
    char fam[16], given[16], upper[16];
    api_unique(fam);
    api_unique(given);
    fam[0] = 'Q';
    given[0] = 'Q';
    json_t *a = api_patient_new(api.admin, given, fam, "1970-01-01");
    json_t *b = api_patient_new(api.admin, "Zed", fam, "1985-05-05");
    json_t *c = api_patient_new(api.admin, given, "Other", "1985-05-05");

    /* Family name prefix, any case. */
    char prefix[10];
    snprintf(prefix, sizeof prefix, "%.8s", fam);
    for (size_t i = 0; i <= strlen(prefix); i++)
        upper[i] = (char)(prefix[i] >= 'a' && prefix[i] <= 'z' ? prefix[i] - 'a' + 'A' : prefix[i]);
    json_t *l = api_ok(api.reception, "GET", NULL, 200, "/api/v1/patients?name=%s", upper);
    assert_int_equal(api_int(l, "total"), 2);
    assert_true(api_count_items(l, "id", api_str(a, "id")));
    assert_true(api_count_items(l, "id", api_str(b, "id")));
    json_decref(l);

    /* Given name prefix, lower case. */
    given[0] = 'q';
    l = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients?name=%.8s", given);
    assert_int_equal(api_int(l, "total"), 2);
    assert_true(api_count_items(l, "id", api_str(a, "id")));
    assert_true(api_count_items(l, "id", api_str(c, "id")));
    json_decref(l);

    /* Name and birth date together. */
    l = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients?name=%s&birth_date=1985-05-05", fam);
    assert_int_equal(api_int(l, "total"), 1);
    assert_true(api_count_items(l, "id", api_str(b, "id")));
    json_decref(l);

    /* A prefix is a prefix: the middle of a name does not match. */
    l = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients?name=%s", fam + 3);
    assert_false(api_count_items(l, "id", api_str(a, "id")));
    json_decref(l);

    /* Birth date alone: the demo's Amelia Hart. */
    l = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients?birth_date=1986-03-14");
    assert_int_equal(api_int(l, "total"), 1);
    assert_string_equal(api_str(json_array_get(json_object_get(l, "items"), 0), "family_name"),
                        "Hart");
    json_decref(l);

    /* The latest version is what is found: a renamed patient is found by the new name only. */
    char renamed[16], body[128];
    api_unique(renamed);
    snprintf(body, sizeof body, "{\"family_name\":\"%s\",\"reason\":\"married\"}", renamed);
    json_decref(api_ok(api.admin, "PUT", body, 200, "/api/v1/patients/%s", api_str(c, "id")));
    l = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients?name=%s", renamed);
    assert_int_equal(api_int(l, "total"), 1);
    assert_int_equal(api_int(json_array_get(json_object_get(l, "items"), 0), "version"), 2);
    json_decref(l);
    l = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients?name=Other");
    assert_false(api_count_items(l, "id", api_str(c, "id")));
    json_decref(l);

    json_decref(a);
    json_decref(b);
    json_decref(c);
}

static void paging_is_consistent(void **state)
{
    (void)state;
    enum { N = 7, LIMIT = 3 };
    char fam[16], ids[N][MD_ID_STR], seen[N + LIMIT][MD_ID_STR];
    api_unique(fam);
    for (int i = 0; i < N; i++) {
        char given[16];
        api_unique(given);
        json_t *p = api_patient_new(api.reception, given, fam, NULL);
        md_strlcpy(ids[i], api_str(p, "id"), sizeof ids[i]);
        json_decref(p);
    }
    int nseen = 0;
    for (int offset = 0; offset < N + LIMIT; offset += LIMIT) {
        json_t *page = api_ok(api.admin, "GET", NULL, 200,
                              "/api/v1/patients?name=%s&limit=%d&offset=%d", fam, LIMIT, offset);
        json_t *items = json_object_get(page, "items");
        assert_int_equal(api_int(page, "total"), N);
        assert_int_equal(api_int(page, "limit"), LIMIT);
        assert_int_equal(api_int(page, "offset"), offset);
        size_t want = offset >= N ? 0 : (N - offset < LIMIT ? N - offset : LIMIT);
        assert_int_equal(json_array_size(items), want);
        size_t i;
        json_t *p;
        json_array_foreach(items, i, p)
        {
            for (int s = 0; s < nseen; s++)
                if (strcmp(seen[s], api_str(p, "id")) == 0)
                    fail_msg("patient %s is on two pages", seen[s]);
            md_strlcpy(seen[nseen++], api_str(p, "id"), MD_ID_STR);
        }
        json_decref(page);
    }
    assert_int_equal(nseen, N);
    for (int i = 0; i < N; i++) {
        int found = 0;
        for (int s = 0; s < nseen; s++)
            found |= strcmp(ids[i], seen[s]) == 0;
        if (!found) fail_msg("patient %s is on no page", ids[i]);
    }

    /* The whole clinic: the 20 demo patients at least, 50 to a page by default. */
    json_t *all = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients");
    assert_true(api_int(all, "total") >= 20 + N);
    assert_int_equal(api_int(all, "limit"), 50);
    assert_int_equal(api_int(all, "offset"), 0);
    json_decref(all);
}

static void search_errors(void **state)
{
    (void)state;
    static const api_case cases[] = {
        {"limit 0", api.admin, "GET", "/api/v1/patients?limit=0", NULL, 400, "invalid", "limit",
         NULL},
        {"limit over 200", api.admin, "GET", "/api/v1/patients?limit=201", NULL, 400, "invalid",
         "limit", NULL},
        {"limit not a number", api.admin, "GET", "/api/v1/patients?limit=ten", NULL, 400, "invalid",
         "limit", NULL},
        {"negative offset", api.admin, "GET", "/api/v1/patients?offset=-1", NULL, 400, "invalid",
         "offset", NULL},
        {"malformed birth date", api.admin, "GET", "/api/v1/patients?birth_date=14/03/1986", NULL,
         400, "invalid", "birth_date", NULL},
        {"impossible birth date", api.admin, "GET", "/api/v1/patients?birth_date=1986-02-30", NULL,
         422, "unprocessable", "birth_date", NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], NULL, 0);
}

static void clinics_do_not_see_each_other(void **state)
{
    (void)state;
    char hart[MD_ID_STR];
    api_demo_patient("Hart", hart);
    json_t *l = api_ok(api.other_admin, "GET", NULL, 200, "/api/v1/patients?name=Hart");
    assert_int_equal(api_int(l, "total"), 0);
    json_decref(l);
    l = api_ok(api.other_admin, "GET", NULL, 200, "/api/v1/patients?birth_date=1986-03-14");
    assert_int_equal(api_int(l, "total"), 0);
    json_decref(l);

    /* The other clinic's own patient is listed for it, and not for the demo clinic. */
    char fam[16];
    api_unique(fam);
    json_t *mine = api_patient_new(api.other_admin, "Elise", fam, NULL);
    l = api_ok(api.other_admin, "GET", NULL, 200, "/api/v1/patients?limit=200");
    assert_true(api_count_items(l, "id", api_str(mine, "id")));
    assert_false(api_count_items(l, "id", hart));
    json_decref(l);
    l = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients?name=%s", fam);
    assert_int_equal(api_int(l, "total"), 0);
    json_decref(l);
    api_err(api.admin, "GET", NULL, 404, "not_found", "id", "/api/v1/patients/%s",
            api_str(mine, "id"));
    json_decref(mine);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_and_read_back),
        cmocka_unit_test(optional_fields_may_be_left_out),
        cmocka_unit_test(ids_are_opaque_and_distinct),
        cmocka_unit_test(update_merges_and_versions),
        cmocka_unit_test(stale_version_is_a_conflict),
        cmocka_unit_test(update_errors),
        cmocka_unit_test(search_by_name_prefix),
        cmocka_unit_test(paging_is_consistent),
        cmocka_unit_test(search_errors),
        cmocka_unit_test(clinics_do_not_see_each_other),
    };
    return cmocka_run_group_tests_name("api.patients", tests, api_setup, api_teardown);
}
