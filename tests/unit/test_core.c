/* Unit tests: dates, timestamps, ids, integer parsing, the arena, JSON validation. */
#include "mesodesk/arena.h"
#include "mesodesk/util.h"
#include "mesodesk/validate.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <string.h>

static void dates_parse_and_reject_impossible(void **state)
{
    (void)state;
    md_day d;
    char out[MD_DATE_STR];
    assert_int_equal(md_date_parse("2024-02-29", &d), 0);
    md_date_format(d, out);
    assert_string_equal(out, "2024-02-29");
    assert_int_equal(md_date_parse("2026-02-30", &d), -2);
    assert_int_equal(md_date_parse("2025-02-29", &d), -2);
    assert_int_equal(md_date_parse("2026-13-01", &d), -2);
    assert_int_equal(md_date_parse("2026-04-31", &d), -2);
    assert_int_equal(md_date_parse("2026-1-01", &d), -1);
    assert_int_equal(md_date_parse("26-01-01", &d), -1);
    assert_int_equal(md_date_parse("2026-01-01x", &d), -1);
    assert_int_equal(md_date_parse("", &d), -1);
    assert_int_equal(md_date_parse(NULL, &d), -1);
    assert_int_equal(md_date_parse("1970-01-01", &d), 0);
    assert_int_equal(d, 0);
    /* Round trip over many years. */
    for (md_day x = -50000; x < 50000; x += 37) {
        md_day back;
        md_date_format(x, out);
        assert_int_equal(md_date_parse(out, &back), 0);
        assert_int_equal(back, x);
    }
}

static void age_in_whole_years(void **state)
{
    (void)state;
    md_day birth, on;
    md_date_parse("2008-11-21", &birth);
    md_date_parse("2026-11-20", &on);
    assert_int_equal(md_age_years(birth, on), 17);
    md_date_parse("2026-11-21", &on);
    assert_int_equal(md_age_years(birth, on), 18);
    md_date_parse("2008-02-29", &birth);
    md_date_parse("2026-02-28", &on);
    assert_int_equal(md_age_years(birth, on), 17);
    md_date_parse("2026-03-01", &on);
    assert_int_equal(md_age_years(birth, on), 18);
}

static void timestamps_round_trip(void **state)
{
    (void)state;
    char s[MD_TIME_STR];
    int64_t t;
    md_time_format(0, s);
    assert_string_equal(s, "1970-01-01T00:00:00Z");
    md_time_format(1795000000, s);
    assert_int_equal(md_time_parse(s, &t), 0);
    assert_int_equal(t, 1795000000);
    assert_int_not_equal(md_time_parse("2026-11-21 10:00:00Z", &t), 0);
    assert_int_not_equal(md_time_parse("2026-11-21T25:00:00Z", &t), 0);
}

static void ids_are_random_and_opaque(void **state)
{
    (void)state;
    char a[MD_ID_STR], b[MD_ID_STR];
    md_id_new(a);
    md_id_new(b);
    assert_int_equal(strlen(a), 32);
    assert_true(md_id_valid(a));
    assert_string_not_equal(a, b);
    assert_false(md_id_valid("0123"));
    assert_false(md_id_valid("0123456789ABCDEF0123456789abcdef"));
    assert_false(md_id_valid("0123456789abcdef0123456789abcdef0"));
    assert_false(md_id_valid(NULL));
}

static void parse_long_is_strict(void **state)
{
    (void)state;
    long v;
    assert_int_equal(md_parse_long("42", 0, 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_not_equal(md_parse_long("42x", 0, 100, &v), 0);
    assert_int_not_equal(md_parse_long("", 0, 100, &v), 0);
    assert_int_not_equal(md_parse_long("101", 0, 100, &v), 0);
    assert_int_not_equal(md_parse_long("99999999999999999999999", 0, 100, &v), 0);
}

static void arena_reuses_blocks_after_reset(void **state)
{
    (void)state;
    md_arena *a = md_arena_new(1024, 1 << 20);
    for (int i = 0; i < 100; i++) assert_non_null(md_arena_alloc(a, 100));
    size_t blocks = md_arena_blocks_allocated(a);
    assert_true(blocks > 1);
    for (int round = 0; round < 10; round++) {
        md_arena_reset(a);
        for (int i = 0; i < 100; i++) assert_non_null(md_arena_alloc(a, 100));
    }
    assert_int_equal(md_arena_blocks_allocated(a), blocks);
    char *s = md_arena_printf(a, "%s-%d", "x", 7);
    assert_string_equal(s, "x-7");
    /* The cap holds. */
    assert_null(md_arena_alloc(a, 2 << 20));
    md_arena_free(a);
}

static void json_fields_named_in_errors(void **state)
{
    (void)state;
    md_err err;
    json_t *o = json_pack("{s:s,s:i,s:s,s:s}", "name", "Ann", "n", 9, "d", "2026-02-30", "e",
                          "not-an-email");
    const char *s;
    long l;
    int present;
    static const char *const allowed[] = {"name", "n", "d", NULL};
    assert_int_equal(md_json_check_keys(o, allowed, "p.", &err), MD_EINVAL);
    assert_string_equal(err.field, "p.e");
    assert_int_equal(md_json_int(o, "n", 1, 1, 6, &l, &present, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "n");
    assert_int_equal(md_json_int(o, "name", 1, 1, 6, &l, &present, &err), MD_EINVAL);
    assert_int_equal(md_json_date(o, "d", 1, &s, NULL, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "d");
    assert_int_equal(md_json_text(o, "missing", 1, 10, &s, &err), MD_EINVAL);
    assert_string_equal(err.field, "missing");
    assert_int_equal(md_json_text(o, "missing", 0, 10, &s, &err), MD_OK);
    assert_null(s);
    assert_int_equal(md_json_email(o, "e", 1, &s, &err), MD_EUNPROCESSABLE);
    json_t *j = NULL;
    assert_int_equal(md_json_parse("{\"a\":", 5, &j, &err), MD_EJSON);
    assert_non_null(strstr(err.message, "line 1"));
    assert_int_equal(md_json_parse("{\"a\":1,\"a\":2}", 13, &j, &err), MD_EJSON);
    json_decref(o);
}

static void field_errors_are_collected(void **state)
{
    (void)state;
    md_err all, one;
    md_err_clear(&all);
    md_err_set(&one, MD_EUNPROCESSABLE, "sex", "sex must be one of: female, male");
    assert_int_equal(md_err_collect(&all, &one), MD_EUNPROCESSABLE);
    md_err_set(&one, MD_EINVAL, "given_name", "given_name is required");
    md_err_collect(&all, &one);
    md_err_set(&one, MD_EINVAL, "sex", "a second error for sex");
    md_err_collect(&all, &one);
    /* The first stays the error; each field once, in order. */
    assert_int_equal(all.code, MD_EUNPROCESSABLE);
    assert_string_equal(all.field, "sex");
    assert_int_equal(all.nfields, 2);
    assert_string_equal(all.fields[1].field, "given_name");
    assert_int_equal(all.fields[1].code, MD_EINVAL);
    /* A list merges into another list. */
    md_err more;
    md_err_clear(&more);
    md_err_set(&one, MD_EUNPROCESSABLE, "email", "not an email");
    md_err_collect(&more, &one);
    md_err_collect(&all, &more);
    assert_int_equal(all.nfields, 3);
    /* A hard maximum: the rest are counted, not listed. */
    for (int i = 0; i < MD_ERR_FIELDS_MAX + 2; i++) {
        char f[16];
        snprintf(f, sizeof f, "f%d", i);
        md_err_set(&one, MD_EINVAL, f, "bad");
        md_err_collect(&all, &one);
    }
    assert_int_equal(all.nfields, MD_ERR_FIELDS_MAX);
    assert_int_equal(all.nfields_dropped, 5);
    /* An error that is not about a field stands alone. */
    md_err_set(&one, MD_EIO, NULL, "disk full");
    assert_int_equal(md_err_collect(&all, &one), MD_EIO);
    assert_int_equal(all.nfields, 0);
    md_err_set(&one, MD_EINVAL, "sex", "ignored after a graver error");
    assert_int_equal(md_err_collect(&all, &one), MD_EIO);
    /* A single error set with md_err_set becomes the first entry. */
    md_err_set(&all, MD_EINVAL, "phone", "bad phone");
    md_err_collect(&all, &one);
    assert_int_equal(all.nfields, 2);
    assert_string_equal(all.fields[0].field, "phone");
    assert_string_equal(all.field, "phone");
    /* md_err_set replaces the whole error, list included. */
    md_err_set(&all, MD_ENOTFOUND, "id", "no such patient");
    assert_int_equal(all.nfields, 0);
}

int main(void)
{
    md_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dates_parse_and_reject_impossible),
        cmocka_unit_test(age_in_whole_years),
        cmocka_unit_test(timestamps_round_trip),
        cmocka_unit_test(ids_are_random_and_opaque),
        cmocka_unit_test(parse_long_is_strict),
        cmocka_unit_test(arena_reuses_blocks_after_reset),
        cmocka_unit_test(json_fields_named_in_errors),
        cmocka_unit_test(field_errors_are_collected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
