/*
 * test_escalation.c - the escalation worklist over the API (complication.h): entries raised
 * by grade >= 3 and red flags, the time-based ones (a complication unresolved past its
 * expected resolution, an overdue follow-up task), the order (grade, red flags, oldest),
 * acting (a practitioner; a receptionist is refused) removes an entry and a raise never
 * brings it back, and the patient each entry names.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char today[MD_DATE_STR];

static json_t *record(const char *pid, const char *fields_fmt, ...)
    __attribute__((format(printf, 2, 3)));
static json_t *record(const char *pid, const char *fields_fmt, ...)
{
    char fields[1024], body[1200];
    va_list ap;
    va_start(ap, fields_fmt);
    vsnprintf(fields, sizeof fields, fields_fmt, ap);
    va_end(ap);
    snprintf(body, sizeof body, "{\"patient_id\":\"%s\",%s}", pid, fields);
    return api_ok(api.practitioner, "POST", body, 201, "/api/v1/complications");
}

/* The worklist items of one patient, in the worklist's order (new reference). */
static json_t *items_of(const char *pid)
{
    json_t *w = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/escalations");
    json_t *mine = json_array(), *items = json_object_get(w, "items");
    assert_int_equal(api_int(w, "count") >= (json_int_t)json_array_size(items), 1);
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        if (strcmp(api_str(json_object_get(it, "patient"), "id"), pid) == 0)
            json_array_append(mine, it);
    }
    json_decref(w);
    return mine;
}

static const char *key_at(json_t *items, size_t i)
{
    return api_str(json_array_get(items, i), "key");
}

static void new_patient(const char *given, char pid[MD_ID_STR])
{
    json_t *p = api_patient_new(api.practitioner, given, "Worklist", "1980-04-02");
    md_strlcpy(pid, api_str(p, "id"), MD_ID_STR);
    json_decref(p);
}

static void test_order_and_acting(void **state)
{
    (void)state;
    char pid[MD_ID_STR], key[200], path[256];
    new_patient("Order", pid);
    json_t *d = record(pid, "\"code\":\"bruising\",\"onset_on\":\"2026-01-05\"");
    json_t *c = record(pid,
                       "\"code\":\"vascular_occlusion\",\"onset_on\":\"%s\",\"grade\":1,"
                       "\"red_flags\":[\"mottling\"]",
                       today);
    json_t *b = record(pid,
                       "\"code\":\"ulceration\",\"onset_on\":\"%s\",\"grade\":3,"
                       "\"red_flags\":[\"skin_darkening\"]",
                       today);
    json_t *a = record(pid, "\"code\":\"anaphylaxis\",\"onset_on\":\"%s\",\"grade\":4", today);
    json_t *items = items_of(pid);
    assert_int_equal(json_array_size(items), 5);
    snprintf(key, sizeof key, "complication:%s:grade_3_plus", api_str(a, "id"));
    assert_string_equal(key_at(items, 0), key);
    /* grade 3: both of b's entries, before the grade 1 red flag and the ungraded one */
    assert_string_equal(api_str(json_array_get(items, 1), "source_id"), api_str(b, "id"));
    assert_string_equal(api_str(json_array_get(items, 2), "source_id"), api_str(b, "id"));
    snprintf(key, sizeof key, "complication:%s:red_flag", api_str(c, "id"));
    assert_string_equal(key_at(items, 3), key);
    /* bruising from January: past its expected resolution (7 days), not resolved */
    snprintf(key, sizeof key, "complication:%s:unresolved_past_window", api_str(d, "id"));
    assert_string_equal(key_at(items, 4), key);
    json_t *last = json_array_get(items, 4);
    assert_true(json_is_null(json_object_get(last, "id")));
    assert_string_equal(api_str(json_object_get(last, "detail"), "due_on"), "2026-01-12");
    assert_string_equal(api_str(json_object_get(last, "patient"), "given_name"), "Order");
    json_decref(items);

    /* acting: a receptionist is refused; a practitioner's act removes it */
    snprintf(path, sizeof path, "/api/v1/escalations/%s/act", key);
    api_err(api.reception, "POST", "{\"what\":\"called_patient\"}", 403, "forbidden", NULL, "%s",
            path);
    api_err(api.practitioner, "POST", "{\"what\":\"shrugged\"}", 422, "unprocessable", "what", "%s",
            path);
    api_err(api.practitioner, "POST", "{\"what\":\"other\"}", 400, "invalid", "note", "%s", path);
    json_t *e = api_ok(api.practitioner, "POST",
                       "{\"what\":\"called_patient\",\"note\":\"fading, review in a week\"}", 200,
                       "%s", path);
    assert_string_equal(api_str(e, "status"), "acted");
    assert_string_equal(api_str(e, "reason"), "unresolved_past_window");
    assert_string_equal(api_str(json_object_get(e, "action"), "what"), "called_patient");
    assert_string_equal(api_str(json_object_get(e, "action"), "by"), api.practitioner_id);
    json_decref(e);
    api_err(api.practitioner, "POST", "{\"what\":\"called_patient\"}", 409, "conflict", "key", "%s",
            path);
    /* by id: the grade 4 entry */
    items = items_of(pid);
    assert_int_equal(json_array_size(items), 4);
    const char *aid = api_str(json_array_get(items, 0), "id");
    json_decref(api_ok(api.practitioner, "POST", "{\"what\":\"emergency_referral\"}", 200,
                       "/api/v1/escalations/%s/act", aid));
    json_decref(items);
    /* an amendment keeping grade 4 raises nothing again */
    json_decref(api_ok(api.practitioner, "PUT",
                       "{\"description\":\"seen in A&E\",\"reason\":\"follow-up note\"}", 200,
                       "/api/v1/complications/%s", api_str(a, "id")));
    items = items_of(pid);
    assert_int_equal(json_array_size(items), 3);
    json_decref(items);
    /* resolved: off the time-based list (an outcome with its date) */
    api_err(api.practitioner, "POST", "{\"what\":\"saw_patient\"}", 404, "not_found", "key",
            "/api/v1/escalations/complication:%s:unresolved_past_window/act", api_str(c, "id"));
    api_err(api.practitioner, "POST", "{\"what\":\"saw_patient\"}", 404, "not_found", "key",
            "/api/v1/escalations/nonsense/act");
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(d);
}

/* A follow-up task past its due day and not done is an entry until done or acted on; a
 * complication resolved leaves the time-based list. */
static void test_overdue_followup(void **state)
{
    (void)state;
    char pid[MD_ID_STR], sql[512], key[200];
    new_patient("Overdue", pid);
    json_t *c =
        record(pid, "\"code\":\"infection_bacterial\",\"onset_on\":\"%s\",\"grade\":2", today);
    json_t *tasks = json_object_get(c, "followups");
    assert_int_equal(json_array_size(tasks), 4);
    const char *t0 = api_str(json_array_get(tasks, 0), "id");
    const char *t1 = api_str(json_array_get(tasks, 1), "id");
    json_t *items = items_of(pid);
    assert_int_equal(json_array_size(items), 0); /* nothing due yet */
    json_decref(items);
    snprintf(sql, sizeof sql,
             "UPDATE complication_followups SET due_on = '2026-01-02' WHERE id IN ('%s', '%s')", t0,
             t1);
    api_db_exec(sql);
    items = items_of(pid);
    assert_int_equal(json_array_size(items), 2);
    snprintf(key, sizeof key, "followup:%s:followup_overdue", t0);
    assert_true(strcmp(key_at(items, 0), key) == 0 || strcmp(key_at(items, 1), key) == 0);
    snprintf(key, sizeof key, "followup:%s:followup_overdue", t1);
    assert_true(strcmp(key_at(items, 0), key) == 0 || strcmp(key_at(items, 1), key) == 0);
    assert_string_equal(api_str(json_array_get(items, 0), "code"), "infection_bacterial");
    assert_int_equal(api_int(json_array_get(items, 0), "grade"), 2);
    json_decref(items);
    /* one done, the other acted on */
    json_decref(
        api_ok(api.practitioner, "POST", "{\"status\":\"done\"}", 200, "/api/v1/followups/%s", t0));
    json_decref(api_ok(api.practitioner, "POST", "{\"what\":\"called_patient\"}", 200,
                       "/api/v1/escalations/followup:%s:followup_overdue/act", t1));
    items = items_of(pid);
    assert_int_equal(json_array_size(items), 0);
    json_decref(items);
    /* a resolved complication is not "unresolved past its window" */
    json_t *old = record(pid, "\"code\":\"pain\",\"onset_on\":\"2026-01-05\"");
    items = items_of(pid);
    assert_int_equal(json_array_size(items), 1);
    json_decref(items);
    json_decref(api_ok(api.practitioner, "PUT",
                       "{\"outcome\":\"resolved\",\"outcome_on\":\"2026-01-06\",\"reason\":"
                       "\"resolved by phone\"}",
                       200, "/api/v1/complications/%s", api_str(old, "id")));
    items = items_of(pid);
    assert_int_equal(json_array_size(items), 0);
    json_decref(items);
    json_decref(old);
    json_decref(c);
    /* the worklist needs clinical reads; another clinic sees none of these */
    api_err(api.reception, "GET", NULL, 403, "forbidden", NULL, "/api/v1/escalations");
    json_t *w = api_ok(api.other_admin, "GET", NULL, 200, "/api/v1/escalations");
    assert_int_equal(api_int(w, "count"), 0);
    json_decref(w);
}

static int setup(void **state)
{
    return api_setup(state);
}

int main(void)
{
    md_date_format(md_today_utc(), today);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_acting),
        cmocka_unit_test(test_overdue_followup),
    };
    return cmocka_run_group_tests(tests, setup, api_teardown);
}
