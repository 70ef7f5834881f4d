/*
 * test_patients.c - patient demographics: create, read, versioned update,
 * history, search (names in any order, phone, e-mail, folded names) and paging, the
 * duplicate check on create, merges, and the isolation of clinics.
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
    json_t *v3 = api_ok(api.reception, "PATCH",
                        "{\"email\":\"nora@example.org\",\"version\":2,\"reason\":\"new email\"}",
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
    json_t *v2 =
        api_ok(api.admin, "PUT", "{\"given_name\":\"Helena\",\"version\":1,\"reason\":\"typo\"}",
               200, "/api/v1/patients/%s", id);
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
         422, "unprocessable", "birth_date", "YYYY-MM-DD"},
        {"half a birth date", api.admin, "GET", "/api/v1/patients?q=hart&birth_date=1986-03", NULL,
         422, "unprocessable", "birth_date", NULL},
        {"seven words", api.admin, "GET", "/api/v1/patients?q=a+b+c+d+e+f+g", NULL, 422,
         "unprocessable", "q", "at most 6"},
        {"impossible birth date", api.admin, "GET", "/api/v1/patients?birth_date=1986-02-30", NULL,
         422, "unprocessable", "birth_date", NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], NULL, 0);
}

/* The one demo patient a query finds (fails unless exactly one, with that family name). */
static void finds_only(const char *query, const char *family)
{
    json_t *l = api_ok(api.reception, "GET", NULL, 200, "/api/v1/patients?q=%s", query);
    if (api_int(l, "total") != 1 ||
        strcmp(api_str(json_array_get(json_object_get(l, "items"), 0), "family_name"), family))
        fail_msg("q=%s: %lld found, want only %s", query, (long long)api_int(l, "total"), family);
    json_decref(l);
}

static void search_by_full_name_phone_email_and_folded_names(void **state)
{
    (void)state;
    /* Full names in either order, each word a prefix. */
    finds_only("hart+amelia", "Hart");
    finds_only("amelia+hart", "Hart");
    finds_only("Amel+HA", "Hart");
    /* Phone in any formatting: the digits, or the end of them. */
    finds_only("%2B44%207700%20900101", "Hart");
    finds_only("07700%20900101", "Hart");
    finds_only("(0)7700-900-101", "Hart");
    finds_only("900101", "Hart");
    /* E-mail, any case, a prefix. */
    finds_only("amelia.hart@example.org", "Hart");
    finds_only("AMELIA.HART@", "Hart");
    /* Punctuation: the demo's Lucy O'Brien. */
    finds_only("OBrien", "O'Brien");
    finds_only("o%27brien", "O'Brien");
    finds_only("o%E2%80%99brien", "O'Brien"); /* a typographic apostrophe */
    finds_only("lucy+o+brien", "O'Brien");
    /* Accents both ways: a stored "José Ströhm-<tag>" is found without them, and a query
     * with accents finds a name stored without. */
    char tag[16], family[64];
    api_unique(tag);
    snprintf(family, sizeof family, "Str\xc3\xb6hm-%s", tag);
    json_t *p = api_patient_new(api.admin, "Jos\xc3\xa9", family, "1979-01-02");
    char q[96];
    snprintf(q, sizeof q, "jose+strohm%s", tag);
    finds_only(q, family);
    snprintf(q, sizeof q, "%s+JOSE", tag);
    finds_only(q, family);
    snprintf(q, sizeof q, "str%%C3%%B6hm+%s", tag);
    finds_only(q, family);
    json_decref(p);
    json_t *d = api_patient_new(api.admin, "Zoe", tag, "1979-01-02");
    snprintf(q, sizeof q, "Zo%%C3%%AB+%s", tag);
    finds_only(q, tag);
    json_decref(d);
    /* "name" is the older spelling of q. */
    json_t *l = api_ok(api.reception, "GET", NULL, 200, "/api/v1/patients?name=amelia+hart");
    assert_int_equal(api_int(l, "total"), 1);
    json_decref(l);
    /* Words must all match: a word that matches nobody finds nobody. */
    l = api_ok(api.reception, "GET", NULL, 200, "/api/v1/patients?q=amelia+zzzz");
    assert_int_equal(api_int(l, "total"), 0);
    json_decref(l);
}

static const char *first_candidate_reason(const json_t *err, const char *id)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(err, "error"), "candidates"), i, c)
    {
        if (strcmp(api_str(c, "id"), id) == 0)
            return json_string_value(json_array_get(json_object_get(c, "matched_on"), 0));
    }
    return NULL;
}

static void likely_duplicates_are_refused_until_confirmed(void **state)
{
    (void)state;
    char fam[16], body[512];
    api_unique(fam);
    snprintf(body, sizeof body,
             "{\"given_name\":\"Dora\",\"family_name\":\"%s\",\"birth_date\":\"1980-08-08\","
             "\"sex\":\"female\",\"email\":\"%s@example.net\",\"phone\":\"+44 7700 123456\"}",
             fam, fam);
    json_t *first = api_ok(api.reception, "POST", body, 201, "/api/v1/patients");
    const char *id = api_str(first, "id");
    static const struct {
        const char *what, *fmt, *why;
    } same[] = {
        {"same everything",
         "{\"given_name\":\"Dora\",\"family_name\":\"%s\",\"birth_date\":\"1980-08-08\","
         "\"sex\":\"female\"}",
         "name_and_birth_date"},
        {"names swapped, other case and accents",
         "{\"given_name\":\"%s\",\"family_name\":\"D\\u00d3RA\",\"birth_date\":\"1980-08-08\","
         "\"sex\":\"female\"}",
         "name_and_birth_date"},
        {"same e-mail",
         "{\"given_name\":\"Ann\",\"family_name\":\"Other%s\",\"birth_date\":\"1990-01-01\","
         "\"sex\":\"female\",\"email\":\"%s@EXAMPLE.net\"}",
         "email"},
        {"same phone digits",
         "{\"given_name\":\"Ann\",\"family_name\":\"Else%s\",\"birth_date\":\"1990-01-01\","
         "\"sex\":\"female\",\"phone\":\"07700-123456\"}",
         "phone"},
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        char b[512];
        snprintf(b, sizeof b, same[i].fmt, fam, fam);
        api_res r;
        api_req q = {"POST", "/api/v1/patients", api.reception, b, 0, 0, NULL};
        assert_int_equal(api_send(NULL, &q, &r), CURLE_OK);
        const char *bad = api_error_mismatch(&r, 409, "duplicate_suspected", NULL);
        if (bad) fail_msg("%s: %s; got %s", same[i].what, bad, r.text);
        const char *why = first_candidate_reason(r.json, id);
        if (!why || strcmp(why, same[i].why) != 0)
            fail_msg("%s: candidate %s matched on %s; got %s", same[i].what, id,
                     why ? why : "(not listed)", r.text);
        api_res_free(&r);
    }
    /* Nothing was stored meanwhile. */
    json_t *l = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients?q=%s", fam);
    assert_int_equal(api_int(l, "total"), 1);
    json_decref(l);
    /* Confirmed: created. */
    char b[600];
    snprintf(b, sizeof b, "%.*s,\"confirm_not_duplicate\":true}", (int)strlen(body) - 1, body);
    json_t *twin = api_ok(api.reception, "POST", b, 201, "/api/v1/patients");
    assert_string_not_equal(api_str(twin, "id"), id);
    assert_null(json_object_get(twin, "confirm_not_duplicate"));
    snprintf(b, sizeof b, "%.*s,\"confirm_not_duplicate\":\"yes\"}", (int)strlen(body) - 1, body);
    api_err(api.reception, "POST", b, 400, "invalid", "confirm_not_duplicate", "/api/v1/patients");
    /* Input errors come before the duplicate check. */
    snprintf(b, sizeof b, "%.*s,\"fitzpatrick\":9}", (int)strlen(body) - 1, body);
    api_err(api.reception, "POST", b, 422, "unprocessable", "fitzpatrick", "/api/v1/patients");
    json_decref(twin);
    json_decref(first);
}

/* Two records of one person, born on birth: *keep and *dupe (new references). */
static void twins(const char *birth, char fam[16], json_t **keep, json_t **dupe)
{
    api_unique(fam);
    *keep = api_patient_new(api.admin, "Keep", fam, birth);
    *dupe = api_patient_new(api.admin, "Dupe", fam, birth);
}

static void merge_keeps_everything_under_the_survivor(void **state)
{
    (void)state;
    char fam[16], body[512], today[MD_DATE_STR];
    json_t *s, *d;
    md_date_format(md_today_utc(), today);
    twins("1975-05-05", fam, &s, &d);
    json_t *o = api_patient_new(api.other_admin, "Far", fam, "1975-05-05");
    char sid[MD_ID_STR], did[MD_ID_STR], oid[MD_ID_STR];
    md_strlcpy(sid, api_str(s, "id"), sizeof sid);
    md_strlcpy(did, api_str(d, "id"), sizeof did);
    md_strlcpy(oid, api_str(o, "id"), sizeof oid);
    json_t *allergy = api_ok(api.practitioner, "POST", "{\"substance\":\"lidocaine\"}", 201,
                             "/api/v1/patients/%s/allergies", did);
    json_decref(api_ok(api.practitioner, "POST", "{\"substance\":\"latex\"}", 201,
                       "/api/v1/patients/%s/allergies", sid));
    snprintf(body, sizeof body,
             "{\"patient_id\":\"%s\",\"date\":\"%s\",\"plan\":{\"areas\":[\"cheeks\"],"
             "\"ingredients\":[\"hyaluronic_acid\"]}}",
             did, today);
    json_t *scr = api_ok(api.practitioner, "POST", body, 201, "/api/v1/screenings");

    snprintf(body, sizeof body, "{\"duplicate_id\":\"%s\",\"reason\":\"same person\"}", did);
    /* Admins only. */
    api_err(api.practitioner, "POST", body, 403, "forbidden", NULL, "/api/v1/patients/%s/merge",
            sid);
    api_err(api.reception, "POST", body, 403, "forbidden", NULL, "/api/v1/patients/%s/merge", sid);
    /* Not into itself, not across clinics, not without a reason. */
    char b[256];
    snprintf(b, sizeof b, "{\"duplicate_id\":\"%s\",\"reason\":\"x\"}", sid);
    api_err(api.admin, "POST", b, 422, "unprocessable", "duplicate_id", "/api/v1/patients/%s/merge",
            sid);
    snprintf(b, sizeof b, "{\"duplicate_id\":\"%s\",\"reason\":\"x\"}", oid);
    api_err(api.admin, "POST", b, 404, "not_found", "duplicate_id", "/api/v1/patients/%s/merge",
            sid);
    api_err(api.other_admin, "POST", body, 404, "not_found", "duplicate_id",
            "/api/v1/patients/%s/merge", oid);
    api_err(api.admin, "POST", body, 404, "not_found", "id", "/api/v1/patients/%s/merge", oid);
    snprintf(b, sizeof b, "{\"duplicate_id\":\"%s\"}", did);
    api_err(api.admin, "POST", b, 400, "invalid", "reason", "/api/v1/patients/%s/merge", sid);

    char rid[MD_ID_STR];
    json_t *m = api_ok_rid(api.admin, "POST", body, 200, rid, "/api/v1/patients/%s/merge", sid);
    assert_string_equal(api_str(m, "id"), sid);
    assert_int_equal(api_int(m, "version"), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(m, "merged_from"), 0)),
                        did);
    assert_non_null(strstr(api_str(m, "reason"), "same person"));
    /* The duplicate: a new version that says where it went. */
    json_t *g = api_ok(api.reception, "GET", NULL, 200, "/api/v1/patients/%s", did);
    assert_string_equal(api_str(g, "merged_into"), sid);
    assert_int_equal(api_int(g, "version"), 2);
    assert_non_null(strstr(api_str(g, "reason"), sid));
    json_decref(g);
    json_t *h = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients/%s/history", did);
    assert_int_equal(json_array_size(json_object_get(h, "versions")), 2);
    json_decref(h);
    /* Search lists the survivor only. */
    json_t *l = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients?q=%s", fam);
    assert_int_equal(api_int(l, "total"), 1);
    assert_true(api_count_items(l, "id", sid));
    json_decref(l);
    l = api_ok(api.admin, "GET", NULL, 200, "/api/v1/patients?birth_date=1975-05-05&limit=200");
    assert_false(api_count_items(l, "id", did));
    json_decref(l);
    /* Both allergies are the survivor's; the moved one keeps its history. */
    l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/allergies", sid);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 2);
    assert_true(api_count_items(l, "id", api_str(allergy, "id")));
    json_decref(l);
    h = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/allergies/%s/history", sid,
               api_str(allergy, "id"));
    json_t *versions = json_object_get(h, "versions");
    assert_int_equal(json_array_size(versions), 2);
    assert_string_equal(api_str(json_array_get(versions, 0), "patient_id"), did);
    assert_string_equal(api_str(json_array_get(versions, 1), "patient_id"), sid);
    json_decref(h);
    /* Screening the survivor reads the moved facts: the duplicate's lidocaine allergy. */
    snprintf(body, sizeof body,
             "{\"patient_id\":\"%s\",\"date\":\"%s\",\"plan\":{\"areas\":[\"cheeks\"],"
             "\"ingredients\":[\"hyaluronic_acid\",\"lidocaine\"]}}",
             sid, today);
    json_t *after = api_ok(api.practitioner, "POST", body, 201, "/api/v1/screenings");
    assert_string_equal(api_str(after, "decision"), "contraindicated");
    json_decref(after);
    snprintf(body, sizeof body, "{\"duplicate_id\":\"%s\",\"reason\":\"same person\"}", did);
    /* The duplicate's screening is listed with the survivor's record, unchanged. */
    l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/screenings", sid);
    assert_true(api_count_items(l, "id", api_str(scr, "id")));
    json_decref(l);
    g = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/screenings/%s", api_str(scr, "id"));
    assert_string_equal(api_str(g, "patient_id"), did);
    json_decref(g);
    /* The merge is in the audit trail for both records. */
    json_t *a = api_ok(api.admin, "GET", NULL, 200, "/api/v1/audit?patient_id=%s", did);
    assert_true(api_count_items(a, "action", "merge"));
    json_decref(a);
    a = api_ok(api.admin, "GET", NULL, 200, "/api/v1/audit?patient_id=%s", sid);
    assert_true(api_count_items(a, "action", "merge"));
    assert_true(api_count_items(a, "request_id", rid) >= 3); /* both patients and the allergy */
    json_decref(a);
    /* Already merged: refused both ways; writes under the duplicate are refused. */
    api_err(api.admin, "POST", body, 409, "conflict", "duplicate_id", "/api/v1/patients/%s/merge",
            sid);
    snprintf(b, sizeof b, "{\"duplicate_id\":\"%s\",\"reason\":\"x\"}", sid);
    api_err(api.admin, "POST", b, 409, "conflict", "id", "/api/v1/patients/%s/merge", did);
    api_err(api.admin, "PUT", "{\"phone\":\"123\",\"reason\":\"x\"}", 409, "conflict", "id",
            "/api/v1/patients/%s", did);
    api_err(api.practitioner, "POST", "{\"substance\":\"latex\"}", 409, "conflict", "patient_id",
            "/api/v1/patients/%s/allergies", did);

    /* A record merged into one that is merged later follows it. */
    json_t *t = api_patient_new(api.admin, "Third", fam, "1975-05-05");
    snprintf(b, sizeof b, "{\"duplicate_id\":\"%s\",\"reason\":\"same again\"}", sid);
    json_decref(api_ok(api.admin, "POST", b, 200, "/api/v1/patients/%s/merge", api_str(t, "id")));
    l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/screenings",
               api_str(t, "id"));
    assert_true(api_count_items(l, "id", api_str(scr, "id")));
    json_decref(l);
    l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/allergies",
               api_str(t, "id"));
    assert_int_equal(json_array_size(json_object_get(l, "items")), 2);
    json_decref(l);

    json_decref(t);
    json_decref(m);
    json_decref(scr);
    json_decref(allergy);
    json_decref(o);
    json_decref(d);
    json_decref(s);
}

static void merge_refuses_two_pregnancy_statements(void **state)
{
    (void)state;
    char fam[16], body[256], today[MD_DATE_STR];
    json_t *s, *d;
    md_date_format(md_today_utc(), today);
    twins("1985-05-05", fam, &s, &d);
    snprintf(body, sizeof body,
             "{\"pregnant\":\"no\",\"breastfeeding\":\"no\",\"recorded_on\":\"%s\"}", today);
    json_decref(api_ok(api.practitioner, "POST", body, 201, "/api/v1/patients/%s/status",
                       api_str(s, "id")));
    json_t *st =
        api_ok(api.practitioner, "POST", body, 201, "/api/v1/patients/%s/status", api_str(d, "id"));
    snprintf(body, sizeof body, "{\"duplicate_id\":\"%s\",\"reason\":\"same person\"}",
             api_str(d, "id"));
    api_err(api.admin, "POST", body, 409, "conflict", "status", "/api/v1/patients/%s/merge",
            api_str(s, "id"));
    /* Once the outdated statement is marked entered in error, the merge goes ahead. */
    json_decref(
        api_ok(api.practitioner, "PUT",
               "{\"status\":\"entered_in_error\",\"reason\":\"outdated, see the other record\"}",
               200, "/api/v1/patients/%s/status/%s", api_str(d, "id"), api_str(st, "id")));
    json_decref(
        api_ok(api.admin, "POST", body, 200, "/api/v1/patients/%s/merge", api_str(s, "id")));
    json_decref(st);
    json_decref(d);
    json_decref(s);
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
        cmocka_unit_test(search_by_full_name_phone_email_and_folded_names),
        cmocka_unit_test(likely_duplicates_are_refused_until_confirmed),
        cmocka_unit_test(merge_keeps_everything_under_the_survivor),
        cmocka_unit_test(merge_refuses_two_pregnancy_statements),
    };
    return cmocka_run_group_tests_name("api.patients", tests, api_setup, api_teardown);
}
