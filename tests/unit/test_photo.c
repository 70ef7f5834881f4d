/*
 * test_photo.c - the photo kind and md_photo_views (what the before-photo gate and the
 * completion check count): distinct views of a session's active photos of one phase,
 * sorted; a photo entered in error no longer counts; a direct kind write is held to the
 * kind's checks (a known view, hashes that can name files).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "mesodesk/photo.h"
#include "unit_db.h"

static const char SHA[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void patient(unit_db *u, char pid[MD_ID_STR])
{
    md_err err;
    json_t *out = NULL, *in = json_pack("{s:s,s:s,s:s,s:s}", "given_name", "Ana", "family_name",
                                        "Photo", "birth_date", "1980-02-02", "sex", "female");
    assert_int_equal(md_record_create(&u->ctx, &md_kind_patient, NULL, in, &out, &err), MD_OK);
    md_strlcpy(pid, json_string_value(json_object_get(out, "id")), MD_ID_STR);
    json_decref(in);
    json_decref(out);
}

/* A photo record written straight through the record engine. */
static md_code photo(unit_db *u, const char *pid, const char *session, const char *phase,
                     const char *view, const char *sha, json_t **out, md_err *err)
{
    json_t *in =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:i,s:{s:b,s:b},s:s}", "session_id", session,
                  "phase", phase, "view", view, "sha256", sha, "thumb_sha256", SHA, "media_type",
                  "image/jpeg", "width", 640, "height", 480, "bytes", 1000, "consent", "clinical",
                  1, "marketing", 0, "taken_at", "2026-12-01T09:00:00Z");
    json_t *o = NULL;
    md_err_clear(err);
    md_code rc = md_record_create(&u->ctx, &md_kind_photo, pid, in, &o, err);
    json_decref(in);
    if (out)
        *out = o;
    else
        json_decref(o);
    return rc;
}

static const char *views_of(unit_db *u, const char *session, const char *phase, char *buf, size_t n)
{
    md_err err;
    json_t *out = NULL;
    assert_int_equal(md_photo_views(&u->ctx, session, phase, &out, &err), MD_OK);
    char *s = json_dumps(json_object_get(out, "views"), JSON_COMPACT);
    md_strlcpy(buf, s, n);
    free(s);
    json_decref(out);
    return buf;
}

static void views_are_the_distinct_active_views_of_a_phase(void **state)
{
    unit_db *u = *state;
    md_err err;
    char pid[MD_ID_STR], s1[MD_ID_STR], s2[MD_ID_STR], buf[256];
    json_t *left = NULL;
    patient(u, pid);
    md_id_new(s1);
    md_id_new(s2);
    assert_string_equal(views_of(u, s1, "before", buf, sizeof buf), "[]");
    assert_int_equal(photo(u, pid, s1, "before", "right", SHA, NULL, &err), MD_OK);
    assert_int_equal(photo(u, pid, s1, "before", "front", SHA, NULL, &err), MD_OK);
    assert_int_equal(photo(u, pid, s1, "before", "front", SHA, NULL, &err), MD_OK);
    assert_int_equal(photo(u, pid, s1, "before", "left", SHA, &left, &err), MD_OK);
    assert_int_equal(photo(u, pid, s1, "after", "cheek_left", SHA, NULL, &err), MD_OK);
    assert_int_equal(photo(u, pid, s2, "before", "forehead", SHA, NULL, &err), MD_OK);
    assert_string_equal(views_of(u, s1, "before", buf, sizeof buf),
                        "[\"front\",\"left\",\"right\"]");
    assert_string_equal(views_of(u, s1, "after", buf, sizeof buf), "[\"cheek_left\"]");
    assert_string_equal(views_of(u, s2, "before", buf, sizeof buf), "[\"forehead\"]");
    /* Entered in error: it no longer counts for the gate. */
    json_t *in = json_pack("{s:s}", "reason", "wrong side"), *out = NULL;
    assert_int_equal(md_photo_entered_in_error(
                         &u->ctx, json_string_value(json_object_get(left, "id")), in, &out, &err),
                     MD_OK);
    assert_string_equal(json_string_value(json_object_get(out, "status")), "entered_in_error");
    assert_string_equal(views_of(u, s1, "before", buf, sizeof buf), "[\"front\",\"right\"]");
    assert_int_equal(md_photo_views(&u->ctx, s1, "during", &out, &err), MD_EINVAL);
    json_decref(in);
    json_decref(out);
    json_decref(left);
}

/* No interface skips the kind's checks: a direct write with an unknown view or a hash that
 * cannot name a file is refused naming the field. */
static void a_direct_write_is_held_to_the_kind(void **state)
{
    unit_db *u = *state;
    md_err err;
    char pid[MD_ID_STR], s1[MD_ID_STR];
    patient(u, pid);
    md_id_new(s1);
    assert_int_equal(photo(u, pid, s1, "before", "elbow", SHA, NULL, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "view");
    assert_int_equal(photo(u, pid, s1, "before", "front", "../../etc/passwd", NULL, &err),
                     MD_EINVAL);
    assert_string_equal(err.field, "sha256");
    assert_int_equal(photo(u, pid, s1, "sideways", "front", SHA, NULL, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "phase");
    /* Reception may not write one. */
    u->ctx.who.role = MD_ROLE_RECEPTION;
    assert_int_equal(photo(u, pid, s1, "before", "front", SHA, NULL, &err), MD_EFORBIDDEN);
    u->ctx.who.role = MD_ROLE_ADMIN;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(views_are_the_distinct_active_views_of_a_phase,
                                        unit_db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_direct_write_is_held_to_the_kind, unit_db_setup,
                                        unit_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
