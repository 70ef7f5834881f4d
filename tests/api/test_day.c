/*
 * test_day.c - staff credentials over HTTP (record, read one's own, correct, enter in error,
 * the expiring worklist, who may do what, bad input naming the field) and the clinic's day.
 */
#include "support.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void day_offset(int days, char out[MD_DATE_STR])
{
    md_date_format(md_today_utc() + days, out);
}

/* A licence of the demo practitioner expiring in `days`; its id in id. */
static void licence_for(const char *staff, const char *number, int issued, int expires,
                        char id[MD_ID_STR])
{
    char body[512], a[MD_DATE_STR], b[MD_DATE_STR];
    day_offset(issued, a);
    day_offset(expires, b);
    snprintf(body, sizeof body,
             "{\"type\":\"licence\",\"number\":\"%s\",\"issuing_body\":\"General Medical "
             "Council\",\"issued_on\":\"%s\",\"expires_on\":\"%s\",\"scopes\":[\"injectables\"]}",
             number, a, b);
    json_t *c = api_ok(api.admin, "POST", body, 201, "/api/v1/staff/%s/credentials", staff);
    assert_string_equal(str(c, "staff_id"), staff);
    assert_string_equal(str(c, "status"), "active");
    md_strlcpy(id, str(c, "id"), MD_ID_STR);
    json_decref(c);
}

static int listed(json_t *out, const char *id)
{
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(out, "items"), i,
                       it) if (strcmp(str(it, "id"), id) == 0) return 1;
    return 0;
}

static void credentials_are_recorded_read_and_corrected(void **state)
{
    (void)state;
    char id[MD_ID_STR], number[32], tag[16];
    api_unique(tag);
    snprintf(number, sizeof number, "GMC-%s", tag);
    licence_for(api.practitioner_id, number, -100, 30, id);

    /* the practitioner reads their own; the admin everyone's; reception neither */
    json_t *l = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/staff/%s/credentials",
                       api.practitioner_id);
    assert_true(listed(l, id));
    json_decref(l);
    json_decref(api_ok(api.admin, "GET", NULL, 200, "/api/v1/staff/%s/credentials/%s",
                       api.practitioner_id, id));
    api_err(api.reception, "GET", NULL, 403, "forbidden", NULL, "/api/v1/staff/%s/credentials",
            api.practitioner_id);
    api_err(api.practitioner, "GET", NULL, 403, "forbidden", NULL, "/api/v1/staff/%s/credentials",
            api.admin_id);
    /* another clinic sees nothing of it */
    api_err(api.other_admin, "GET", NULL, 404, "not_found", "staff_id",
            "/api/v1/staff/%s/credentials", api.practitioner_id);
    api_err(api.other_admin, "GET", NULL, 404, "not_found", "id", "/api/v1/staff/%s/credentials/%s",
            api.other_admin_id, id);
    /* only an admin writes */
    api_err(api.practitioner, "PATCH", "{\"number\":\"X\",\"reason\":\"r\"}", 403, "forbidden",
            NULL, "/api/v1/staff/%s/credentials/%s", api.practitioner_id, id);

    /* a correction is a new version with why */
    json_t *c = api_ok(api.admin, "PATCH", "{\"issuing_body\":\"GMC\",\"reason\":\"short name\"}",
                       200, "/api/v1/staff/%s/credentials/%s", api.practitioner_id, id);
    assert_int_equal(json_integer_value(json_object_get(c, "version")), 2);
    json_decref(c);
    api_err(api.admin, "PATCH", "{\"note\":\"x\",\"reason\":\"r\",\"version\":1}", 409, "conflict",
            "version", "/api/v1/staff/%s/credentials/%s", api.practitioner_id, id);
    json_t *h = api_ok(api.practitioner, "GET", NULL, 200,
                       "/api/v1/staff/%s/credentials/%s/history", api.practitioner_id, id);
    assert_int_equal(json_array_size(json_object_get(h, "versions")), 2);
    json_decref(h);

    /* the worklist (admin only) lists it: 30 days left */
    json_t *w = api_ok(api.admin, "GET", NULL, 200, "/api/v1/credentials/expiring");
    assert_int_equal(json_integer_value(json_object_get(w, "within")), 60);
    assert_true(listed(w, id));
    json_decref(w);
    w = api_ok(api.admin, "GET", NULL, 200, "/api/v1/credentials/expiring?within=10");
    assert_false(listed(w, id));
    json_decref(w);
    api_err(api.reception, "GET", NULL, 403, "forbidden", NULL, "/api/v1/credentials/expiring");
    api_err(api.admin, "GET", NULL, 400, "invalid", "within",
            "/api/v1/credentials/expiring?within=soon");

    /* entered in error: gone from the list and the worklist, kept in history */
    json_decref(api_ok(api.admin, "POST", "{\"reason\":\"wrong person\"}", 200,
                       "/api/v1/staff/%s/credentials/%s/entered-in-error", api.practitioner_id,
                       id));
    l = api_ok(api.admin, "GET", NULL, 200, "/api/v1/staff/%s/credentials", api.practitioner_id);
    assert_false(listed(l, id));
    json_decref(l);
    l = api_ok(api.admin, "GET", NULL, 200, "/api/v1/staff/%s/credentials?include=all",
               api.practitioner_id);
    assert_true(listed(l, id));
    json_decref(l);
    w = api_ok(api.admin, "GET", NULL, 200, "/api/v1/credentials/expiring");
    assert_false(listed(w, id));
    json_decref(w);
}

static void bad_credentials_name_the_field(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "/api/v1/staff/%s/credentials", api.practitioner_id);
    json_t *l = api_ok(api.admin, "GET", NULL, 200, "%s?include=all", path);
    size_t n = json_array_size(json_object_get(l, "items"));
    json_decref(l);
    api_err(api.admin, "POST",
            "{\"type\":\"licence\",\"issuing_body\":\"GMC\",\"issued_on\":\"2026-01-01\","
            "\"scopes\":[\"injectables\"]}",
            400, "invalid", "expires_on", "%s", path);
    api_err(api.admin, "POST",
            "{\"type\":\"permit\",\"issuing_body\":\"GMC\",\"issued_on\":\"2026-01-01\"}", 422,
            "unprocessable", "type", "%s", path);
    api_err(api.admin, "POST",
            "{\"type\":\"licence\",\"issuing_body\":\"GMC\",\"issued_on\":\"2026-01-01\","
            "\"expires_on\":\"2027-01-01\",\"scopes\":[\"lasers\"]}",
            422, "unprocessable", "scopes", "%s", path);
    api_err(api.admin, "POST",
            "{\"type\":\"licence\",\"issuing_body\":\"GMC\",\"issued_on\":\"2026-01-01\","
            "\"expires_on\":\"2025-01-01\"}",
            422, "unprocessable", "expires_on", "%s", path);
    api_err(api.admin, "POST",
            "{\"type\":\"licence\",\"issuing_body\":\"GMC\",\"issued_on\":\"2026-02-30\","
            "\"expires_on\":\"2027-01-01\"}",
            422, "unprocessable", "issued_on", "%s", path);
    api_err(api.admin, "POST",
            "{\"type\":\"licence\",\"issuing_body\":\"GMC\",\"issued_on\":\"2026-01-01\","
            "\"expires_on\":\"2027-01-01\",\"colour\":\"red\"}",
            400, "invalid", "colour", "%s", path);
    api_err(api.admin, "POST",
            "{\"type\":\"qualification\",\"issuing_body\":\"X\",\"issued_on\":\"2026-01-01\","
            "\"evidence\":[]}",
            422, "unprocessable", "evidence", "%s", path);
    api_err(api.admin, "POST",
            "{\"type\":\"qualification\",\"issuing_body\":\"X\",\"issued_on\":\"2026-01-01\"}", 404,
            "not_found", "staff_id", "/api/v1/staff/%s/credentials",
            "0123456789abcdef0123456789abcdef");
    /* nothing of the above was stored */
    l = api_ok(api.admin, "GET", NULL, 200, "%s?include=all", path);
    assert_int_equal(json_array_size(json_object_get(l, "items")), n);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(l, "items"), i, it)
        assert_string_not_equal(str(it, "issuing_body"), "X");
    json_decref(l);
}

static void the_kb_lists_types_and_scopes(void **state)
{
    (void)state;
    json_t *k = api_ok(api.reception, "GET", NULL, 200, "/api/v1/credentials/kb");
    json_t *t = json_array_get(json_object_get(k, "types"), 0);
    assert_string_equal(str(t, "code"), "licence");
    assert_true(json_is_true(json_object_get(t, "requires_expiry")));
    json_decref(k);
}

/* {"filename","data"} of len bytes of d, base64. */
static char *upload_body(const char *filename, const void *d, size_t len, const char *type)
{
    size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(n), *body = malloc(n + 256);
    sodium_bin2base64(b64, n, d, len, sodium_base64_VARIANT_ORIGINAL);
    snprintf(body, n + 256, "{\"filename\":\"%s\",\"data\":\"%s\"%s%s%s}", filename, b64,
             type ? ",\"media_type\":\"" : "", type ? type : "", type ? "\"" : "");
    free(b64);
    return body;
}

static void evidence_is_stored_by_hash_and_downloaded_with_its_type(void **state)
{
    (void)state;
    char id[MD_ID_STR], tag[16], number[32], path[256];
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
                                        0,    0,   0,   13,  'I',  'H',  'D',  'R'};
    api_unique(tag);
    snprintf(number, sizeof number, "EV-%s", tag);
    licence_for(api.practitioner_id, number, -10, 300, id);
    snprintf(path, sizeof path, "/api/v1/staff/%s/credentials/%s/evidence", api.practitioner_id,
             id);

    char *body = upload_body("licence.png", png, sizeof png, NULL);
    api_err(api.reception, "POST", body, 403, "forbidden", NULL, "%s", path);
    json_t *c = api_ok(api.admin, "POST", body, 201, "%s", path);
    json_t *ev = json_array_get(json_object_get(c, "evidence"), 0);
    char hash[65];
    md_strlcpy(hash, str(ev, "hash"), sizeof hash);
    assert_int_equal(strlen(hash), 64);
    assert_string_equal(str(ev, "media_type"), "image/png");
    assert_string_equal(str(ev, "filename"), "licence.png");
    assert_int_equal(json_integer_value(json_object_get(ev, "size")), sizeof png);
    assert_int_equal(json_integer_value(json_object_get(c, "version")), 2);
    json_decref(c);
    api_err(api.admin, "POST", body, 409, "conflict", "data", "%s", path);
    free(body);

    /* not a PDF, PNG or JPEG by its bytes, whatever it claims */
    body = upload_body("licence.pdf", "hello, I am text", 16, NULL);
    api_err(api.admin, "POST", body, 422, "unprocessable", "data", "%s", path);
    free(body);
    body = upload_body("licence.pdf", png, sizeof png, "application/pdf");
    api_err(api.admin, "POST", body, 422, "unprocessable", "media_type", "%s", path);
    free(body);
    api_err(api.admin, "POST", "{\"filename\":\"x.pdf\",\"data\":\"@@@\"}", 400, "invalid", "data",
            "%s", path);

    /* the holder downloads it with its media type; nobody else but an admin */
    CURL *h = curl_easy_init();
    char url[400];
    snprintf(url, sizeof url, "%s/%s", path, hash);
    api_req q = {.method = "GET", .path = url, .token = api.practitioner};
    api_res r;
    api_send(h, &q, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, sizeof png);
    assert_memory_equal(r.text, png, sizeof png);
    char *ct = NULL;
    curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
    assert_non_null(ct);
    assert_string_equal(ct, "image/png");
    api_res_free(&r);
    curl_easy_cleanup(h);
    api_err(api.reception, "GET", NULL, 403, "forbidden", NULL, "%s", url);
    api_err(api.other_admin, "GET", NULL, 404, "not_found", "id", "%s", url);
    api_err(api.admin, "GET", NULL, 404, "not_found", "sha256", "%s/%064d", path, 0);
}

/* ---- the clinic's day ---- */

static void the_day_shows_what_is_missing_and_hides_clinical_detail_from_reception(void **state)
{
    (void)state;
    char tag[16], body[512], date[MD_DATE_STR], pid[MD_ID_STR], room[MD_ID_STR], aid[MD_ID_STR];
    api_unique(tag);
    md_day wed = md_today_utc() + 8;
    while ((wed + 3) % 7 != 2) /* 1970-01-01 was a Thursday: 2 is a Wednesday */
        wed++;
    md_date_format(wed, date);
    snprintf(body, sizeof body, "{\"name\":\"Day room %s\"}", tag);
    json_t *r = api_ok(api.admin, "POST", body, 201, "/api/v1/rooms");
    md_strlcpy(room, api_str(r, "id"), sizeof room);
    json_decref(r);
    json_t *p = api_patient_new(api.reception, "Dee", tag, "1966-05-05");
    md_strlcpy(pid, api_str(p, "id"), sizeof pid);
    json_decref(p);
    json_decref(api_ok(api.practitioner, "POST", "{\"substance\":\"latex\"}", 201,
                       "/api/v1/patients/%s/allergies", pid));
    json_decref(api_ok(api.practitioner, "POST",
                       "{\"code\":\"anticoagulant\",\"name\":\"warfarin\"}", 201,
                       "/api/v1/patients/%s/medications", pid));
    snprintf(body, sizeof body,
             "{\"patient_id\":\"%s\",\"practitioner_id\":\"%s\",\"room_id\":\"%s\",\"kind\":"
             "\"treatment\",\"start_local\":\"%sT11:00\",\"duration_minutes\":30}",
             pid, api.practitioner_id, room, date);
    json_t *a = api_ok(api.reception, "POST", body, 201, "/api/v1/appointments");
    md_strlcpy(aid, api_str(a, "id"), sizeof aid);
    json_decref(a);

    /* before any screening */
    json_t *d =
        api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/day?date=%s&room_id=%s", date, room);
    assert_string_equal(api_str(d, "date"), date);
    json_t *appts = json_object_get(d, "appointments");
    assert_int_equal(json_array_size(appts), 1);
    json_t *mine = json_array_get(appts, 0);
    assert_string_equal(api_str(mine, "id"), aid);
    assert_string_equal(api_str(json_object_get(mine, "patient"), "family_name"), tag);
    char *text = json_dumps(mine, 0);
    assert_non_null(strstr(text, "screening_missing"));
    assert_non_null(strstr(text, "consent_treatment"));
    free(text);
    json_decref(d);

    /* screened: a patch test and a clearance are due */
    snprintf(body, sizeof body,
             "{\"patient_id\":\"%s\",\"date\":\"%s\",\"plan\":{\"areas\":[\"face\"],"
             "\"ingredients\":[\"hyaluronic_acid\"]}}",
             pid, date);
    json_decref(api_ok(api.practitioner, "POST", body, 201, "/api/v1/screenings"));
    d = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/day?date=%s&room_id=%s", date, room);
    text = json_dumps(json_object_get(d, "appointments"), 0);
    assert_null(strstr(text, "screening_missing"));
    assert_non_null(strstr(text, "patch_test_needed"));
    assert_non_null(strstr(text, "clearance_due"));
    assert_non_null(strstr(text, "anticoagulant_clearance")); /* the detail, for clinicians */
    free(text);
    json_decref(d);

    /* reception: the same codes, no clinical detail */
    d = api_ok(api.reception, "GET", NULL, 200, "/api/v1/day?date=%s&room_id=%s", date, room);
    text = json_dumps(d, 0);
    assert_non_null(strstr(text, "patch_test_needed"));
    assert_non_null(strstr(text, "clearance_due"));
    static const char *const never[] = {"\"detail\"", "anticoagulant", "warfarin", "latex",
                                        "hyaluronic", "\"rule",        "finding",  NULL};
    for (int i = 0; never[i]; i++)
        if (strstr(text, never[i])) fail_msg("reception sees %s: %s", never[i], text);
    free(text);
    json_decref(d);

    /* each patient shown is audited as a read */
    json_t *au = api_ok(api.admin, "GET", NULL, 200,
                        "/api/v1/audit?patient_id=%s&action=read&object_type=patient", pid);
    char want[64];
    snprintf(want, sizeof want, "the clinic's day %s", date);
    assert_true(api_count_items(au, "detail", want) >= 3);
    json_decref(au);

    api_err(api.reception, "GET", NULL, 400, "invalid", "date", "/api/v1/day?date=tomorrow");
    /* another clinic's day shows none of it */
    d = api_ok(api.other_admin, "GET", NULL, 200, "/api/v1/day?date=%s", date);
    text = json_dumps(d, 0);
    assert_null(strstr(text, aid));
    free(text);
    json_decref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(credentials_are_recorded_read_and_corrected),
        cmocka_unit_test(bad_credentials_name_the_field),
        cmocka_unit_test(the_kb_lists_types_and_scopes),
        cmocka_unit_test(evidence_is_stored_by_hash_and_downloaded_with_its_type),
        cmocka_unit_test(the_day_shows_what_is_missing_and_hides_clinical_detail_from_reception),
    };
    return cmocka_run_group_tests(tests, api_setup, api_teardown);
}
