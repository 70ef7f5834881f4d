/*
 * test_aftercare.c - a session's aftercare through the real server (docs/AFTERCARE.md): the
 * preview before completion, the exact text stored at completion (with the clinic's phone,
 * the next appointment, the Fitzpatrick note), the PDF read back with pdftotext, Spanish
 * from the consent's language, who may read it, and the stored text unchanged after the kb
 * changes (it is stored, never rebuilt).
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void policy_without_photos(void)
{
    json_t *p = api_ok(api.admin, "GET", NULL, 200, "/api/v1/clinic/chart-policy");
    if (json_is_true(json_object_get(p, "defaults")))
        json_decref(api_ok(api.admin, "PUT", "{\"before_views\":[],\"after_views\":[]}", 200,
                           "/api/v1/clinic/chart-policy"));
    json_decref(p);
}

static void charted(api_session_fix *f, int fitz, const char *language)
{
    char now[MD_TIME_STR];
    policy_without_photos();
    md_time_format(md_now() - 3600, now);
    api_session_in_progress(f, fitz, now);
    json_t *b = api_chart_body(f, "Tolerated well.", 1);
    char *text = json_dumps(b, 0);
    json_decref(api_ok(api.practitioner, "PUT", text, 200, "/api/v1/sessions/%s/chart", f->sid));
    free(text);
    json_decref(b);
    api_consent_signed(f->pid, f->cid, language);
}

static char *aftercare_text(const char *sid, int want_stored)
{
    json_t *a = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/sessions/%s/aftercare", sid);
    assert_int_equal(json_is_true(json_object_get(a, "stored")), want_stored);
    char *t = strdup(api_str(a, "text"));
    json_decref(a);
    return t;
}

/* The PDF's text (pdftotext); caller frees. */
static char *pdf_text(const char *sid, const char *token)
{
    char path[128], name[64];
    snprintf(path, sizeof path, "/api/v1/sessions/%s/aftercare.pdf", sid);
    snprintf(name, sizeof name, "aftercare-%s.pdf", sid);
    return api_pdf_text(token, path, name);
}

static void the_preview_then_the_text_stored_at_completion(void **state)
{
    (void)state;
    json_decref(
        api_ok(api.admin, "PATCH", "{\"phone\":\"+44 20 7946 0123\"}", 200, "/api/v1/clinic"));
    api_session_fix f;
    charted(&f, 0, "en");
    /* before completion: a preview, with its parts and why the cautious item is there */
    json_t *a = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/sessions/%s/aftercare", f.sid);
    assert_true(json_is_false(json_object_get(a, "stored")));
    assert_string_equal(api_str(json_array_get(json_object_get(a, "unknown"), 0), "fact"),
                        "fitzpatrick");
    assert_true(json_array_size(json_object_get(json_object_get(a, "red_flags"), "items")) >= 7);
    assert_string_equal(api_str(json_object_get(a, "clinic"), "phone"), "+44 20 7946 0123");
    json_decref(a);
    /* a second course session booked in three weeks is the next appointment: the
     * practitioner's licence and the clinic's hours first */
    char start[MD_DATE_STR], body[512];
    json_decref(api_ok(api.admin, "POST",
                       "{\"type\":\"licence\",\"number\":\"NMC-8\",\"issuing_body\":\"NMC\","
                       "\"issued_on\":\"2020-01-01\",\"expires_on\":\"2099-12-31\","
                       "\"scopes\":[\"injectables\"]}",
                       201, "/api/v1/staff/%s/credentials", api.practitioner_id));
    json_decref(api_ok(api.admin, "PUT",
                       "{\"weekly\":{\"mon\":[{\"from\":\"08:00\",\"to\":\"20:00\"}],"
                       "\"tue\":[{\"from\":\"08:00\",\"to\":\"20:00\"}],\"wed\":[{\"from\":"
                       "\"08:00\",\"to\":\"20:00\"}],\"thu\":[{\"from\":\"08:00\",\"to\":"
                       "\"20:00\"}],\"fri\":[{\"from\":\"08:00\",\"to\":\"20:00\"}],\"sat\":"
                       "[{\"from\":\"08:00\",\"to\":\"20:00\"}],\"sun\":[{\"from\":\"08:00\","
                       "\"to\":\"20:00\"}]}}",
                       200, "/api/v1/schedule/hours"));
    md_date_format(md_today_utc() + 21, start);
    json_t *room = api_ok(api.admin, "POST", "{\"name\":\"Aftercare room\"}", 201, "/api/v1/rooms");
    snprintf(body, sizeof body,
             "{\"patient_id\":\"%s\",\"practitioner_id\":\"%s\",\"room_id\":\"%s\","
             "\"kind\":\"treatment\",\"start_local\":\"%sT10:00\",\"course_id\":\"%s\","
             "\"course_session\":2,\"window_override_reason\":\"aftercare test\"}",
             f.pid, api.practitioner_id, api_str(room, "id"), start, f.cid);
    api_req q = {
        .method = "POST", .path = "/api/v1/appointments", .token = api.reception, .body = body};
    api_res r;
    assert_int_equal(api_send(NULL, &q, &r), 0);
    if (r.status != 201) fprintf(stderr, "no second appointment (%ld): %s\n", r.status, r.text);
    assert_int_equal(r.status, 201);
    api_res_free(&r);
    json_decref(room);
    json_t *s = api_ok(api.practitioner, "POST", "{}", 200, "/api/v1/sessions/%s/complete", f.sid);
    const char *sha = api_str(json_object_get(s, "aftercare"), "sha256");
    a = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/sessions/%s/aftercare", f.sid);
    assert_true(json_is_true(json_object_get(a, "stored")));
    assert_string_equal(api_str(a, "sha256"), sha);
    const char *t = api_str(a, "text");
    assert_non_null(strstr(t, "For the first 24 to 48 hours"));
    assert_non_null(strstr(t, "SPF 30+ every day"));
    assert_non_null(strstr(t, "Your skin type was not recorded"));
    assert_non_null(strstr(t, "Call the clinic at once if you notice (Phone +44 20 7946 0123):"));
    assert_non_null(strstr(t, "Your next appointment\n"));
    assert_non_null(strstr(t, start)); /* the local start, in the clinic's zone */
    json_decref(a);
    json_decref(s);
    /* the PDF has the same text: the red flags and the SPF line */
    char *pdf = pdf_text(f.sid, api.practitioner);
    assert_non_null(strstr(pdf, "Aftercare after your mesotherapy session"));
    assert_non_null(strstr(pdf, "SPF 30+"));
    assert_non_null(strstr(pdf, "blanching"));
    assert_non_null(strstr(pdf, "any change in your vision"));
    assert_non_null(strstr(pdf, "fever or feeling unwell"));
    assert_null(strstr(pdf, "PREVIEW"));
    free(pdf);
    /* printing is audited */
    json_t *au =
        api_ok(api.admin, "GET", NULL, 200,
               "/api/v1/audit?object_type=treatment_session&action=print&object_id=%s", f.sid);
    assert_int_equal(json_array_size(json_object_get(au, "items")), 1);
    json_decref(au);
}

static void spanish_from_the_consent_and_who_may_read_it(void **state)
{
    (void)state;
    api_session_fix f;
    charted(&f, 5, "es");
    char *t = aftercare_text(f.sid, 0);
    assert_non_null(strstr(t, "Cuidados después de su sesión de mesoterapia"));
    assert_non_null(strstr(t, "pueden aparecer manchas")); /* Fitzpatrick V */
    free(t);
    char *pdf = pdf_text(f.sid, api.practitioner);
    assert_non_null(strstr(pdf, "PREVIEW"));
    free(pdf);
    /* clinical read: not for reception; not another clinic's */
    api_err(api.reception, "GET", NULL, 403, "forbidden", NULL, "/api/v1/sessions/%s/aftercare",
            f.sid);
    api_err(api.reception, "GET", NULL, 403, "forbidden", NULL, "/api/v1/sessions/%s/aftercare.pdf",
            f.sid);
    api_err(api.other_admin, "GET", NULL, 404, "not_found", "id", "/api/v1/sessions/%s/aftercare",
            f.sid);
    api_err(api.practitioner, "GET", NULL, 404, "not_found", "id",
            "/api/v1/sessions/0123456789abcdef0123456789abcdef/aftercare");
}

static void the_stored_text_does_not_change_with_the_kb(void **state)
{
    (void)state;
    api_session_fix done, later;
    charted(&done, 2, "en");
    json_decref(
        api_ok(api.practitioner, "POST", "{}", 200, "/api/v1/sessions/%s/complete", done.sid));
    char *before = aftercare_text(done.sid, 1);
    charted(&later, 2, "en");
    /* the same server on a kb whose SPF line now says SPF 50+ */
    char dir[300], cmd[1200];
    snprintf(dir, sizeof dir, "%s/kb-changed", api.srv.dir);
    const char *kb = getenv("MESODESK_KB"); /* set by ctest */
    assert_non_null(kb);
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s' && cp '%s'/*.json '%s'/ && sed -i 's/SPF 30+ every day/SPF 50+ every "
             "day/' '%s/aftercare.json'",
             dir, kb, dir, dir);
    assert_int_equal(system(cmd), 0);
    char saved[300];
    snprintf(saved, sizeof saved, "%s", kb ? kb : "");
    assert_int_equal(api_server_stop(&api.srv), 0);
    setenv("MESODESK_KB", dir, 1);
    api_server_start(&api.srv);
    char *after = aftercare_text(done.sid, 1);
    assert_string_equal(after, before);
    char *pdf = pdf_text(done.sid, api.practitioner);
    assert_non_null(strstr(pdf, "SPF 30+"));
    free(pdf);
    /* while a session not completed yet gets the new text */
    char *preview = aftercare_text(later.sid, 0);
    assert_non_null(strstr(preview, "SPF 50+ every day"));
    json_decref(
        api_ok(api.practitioner, "POST", "{}", 200, "/api/v1/sessions/%s/complete", later.sid));
    char *stored = aftercare_text(later.sid, 1);
    assert_non_null(strstr(stored, "SPF 50+ every day"));
    free(stored);
    free(preview);
    free(after);
    free(before);
    assert_int_equal(api_server_stop(&api.srv), 0);
    if (*saved) setenv("MESODESK_KB", saved, 1);
    api_server_start(&api.srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_preview_then_the_text_stored_at_completion),
        cmocka_unit_test(spanish_from_the_consent_and_who_may_read_it),
        cmocka_unit_test(the_stored_text_does_not_change_with_the_kb),
    };
    return cmocka_run_group_tests(tests, api_setup, api_teardown);
}
