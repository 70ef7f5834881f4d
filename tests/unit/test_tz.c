/* Unit tests: civil time in IANA zones (src/domain/tz.c, libical over the system zoneinfo). */
#include "mesodesk/tz.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <string.h>

static int64_t utc_of(const char *z)
{
    int64_t t = 0;
    assert_int_equal(md_time_parse(z, &t), 0);
    return t;
}

static void local_is(const char *zone, const char *local, const char *want_utc)
{
    int64_t t = 0;
    md_err err = {0};
    assert_int_equal(md_tz_local_to_utc(zone, local, &t, "start_local", &err), MD_OK);
    char out[MD_TIME_STR];
    md_time_format(t, out);
    assert_string_equal(out, want_utc);
}

static void shown_is(const char *zone, const char *utc, const char *want, int want_off)
{
    char out[MD_LOCAL_STR];
    int off = 12345;
    assert_int_equal(md_tz_from_utc(zone, utc_of(utc), out, &off), 0);
    assert_string_equal(out, want);
    assert_int_equal(off, want_off);
}

static md_day day_of(const char *s)
{
    md_day d;
    assert_int_equal(md_date_parse(s, &d), 0);
    return d;
}

static void london_spring_2027_skips_an_hour(void **state)
{
    (void)state;
    /* 28 March 2027: 01:00 GMT -> 02:00 BST. */
    local_is("Europe/London", "2027-03-28T00:59", "2027-03-28T00:59:00Z");
    local_is("Europe/London", "2027-03-28T02:00", "2027-03-28T01:00:00Z");
    local_is("Europe/London", "2027-03-28T10:00", "2027-03-28T09:00:00Z");
    local_is("Europe/London", "2027-03-21T10:00", "2027-03-21T10:00:00Z");
    int64_t t = -1;
    md_err err = {0};
    assert_int_equal(
        md_tz_local_to_utc("Europe/London", "2027-03-28T01:30", &t, "start_local", &err),
        MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "start_local");
    assert_non_null(strstr(err.message, "does not exist"));
    assert_non_null(strstr(err.message, "60 minutes"));
    assert_int_equal(t, -1);
    shown_is("Europe/London", "2027-03-28T00:59:59Z", "2027-03-28T00:59:59+00:00", 0);
    shown_is("Europe/London", "2027-03-28T01:00:00Z", "2027-03-28T02:00:00+01:00", 3600);
}

static void london_autumn_2027_repeats_an_hour_and_takes_the_first(void **state)
{
    (void)state;
    /* 31 October 2027: 02:00 BST -> 01:00 GMT; 01:30 happens at 00:30Z and at 01:30Z. */
    local_is("Europe/London", "2027-10-31T01:30", "2027-10-31T00:30:00Z");
    local_is("Europe/London", "2027-10-31T00:59:59", "2027-10-30T23:59:59Z");
    local_is("Europe/London", "2027-10-31T02:00", "2027-10-31T02:00:00Z");
    local_is("Europe/London", "2027-10-30T10:00", "2027-10-30T09:00:00Z");
    local_is("Europe/London", "2027-11-01T10:00", "2027-11-01T10:00:00Z");
    shown_is("Europe/London", "2027-10-31T00:30:00Z", "2027-10-31T01:30:00+01:00", 3600);
    shown_is("Europe/London", "2027-10-31T01:30:00Z", "2027-10-31T01:30:00+00:00", 0);
    /* October 2026 too. */
    local_is("Europe/London", "2026-10-24T10:00", "2026-10-24T09:00:00Z");
    local_is("Europe/London", "2026-10-25T10:00", "2026-10-25T10:00:00Z");
}

static void new_york_and_utc(void **state)
{
    (void)state;
    local_is("America/New_York", "2027-01-15T09:00", "2027-01-15T14:00:00Z");
    local_is("America/New_York", "2027-07-15T09:00", "2027-07-15T13:00:00Z");
    shown_is("America/New_York", "2027-01-15T14:00:00Z", "2027-01-15T09:00:00-05:00", -18000);
    /* 14 March 2027: 02:00 EST -> 03:00 EDT. */
    int64_t t;
    md_err err = {0};
    assert_int_equal(
        md_tz_local_to_utc("America/New_York", "2027-03-14T02:30", &t, "start_local", &err),
        MD_EUNPROCESSABLE);
    local_is("UTC", "2027-03-28T01:30", "2027-03-28T01:30:00Z");
    shown_is("UTC", "2027-03-28T01:30:00Z", "2027-03-28T01:30:00+00:00", 0);
    md_day d;
    assert_int_equal(md_tz_day("America/New_York", utc_of("2027-01-16T03:00:00Z"), &d), 0);
    assert_int_equal(d, day_of("2027-01-15"));
    assert_int_equal(md_tz_day("UTC", utc_of("2027-01-16T03:00:00Z"), &d), 0);
    assert_int_equal(d, day_of("2027-01-16"));
}

static void lord_howe_shifts_by_half_an_hour(void **state)
{
    (void)state;
    /* Lord Howe: +10:30 in winter, +11:00 in summer; 3 October 2027 at 02:00 -> 02:30. */
    shown_is("Australia/Lord_Howe", "2027-06-01T00:00:00Z", "2027-06-01T10:30:00+10:30", 37800);
    shown_is("Australia/Lord_Howe", "2027-12-01T00:00:00Z", "2027-12-01T11:00:00+11:00", 39600);
    int64_t t;
    md_err err = {0};
    assert_int_equal(
        md_tz_local_to_utc("Australia/Lord_Howe", "2027-10-03T02:15", &t, "start_local", &err),
        MD_EUNPROCESSABLE);
    assert_non_null(strstr(err.message, "30 minutes"));
    local_is("Australia/Lord_Howe", "2027-10-03T02:30", "2027-10-02T15:30:00Z");
    /* 4 April 2027 at 02:00 back to 01:30: 01:45 happens twice, the first is +11:00. */
    local_is("Australia/Lord_Howe", "2027-04-04T01:45", "2027-04-03T14:45:00Z");
}

static void day_start_on_a_dst_day(void **state)
{
    (void)state;
    int64_t t;
    char out[MD_TIME_STR];
    assert_int_equal(md_tz_day_start("Europe/London", day_of("2027-03-28"), &t), 0);
    md_time_format(t, out);
    assert_string_equal(out, "2027-03-28T00:00:00Z");
    assert_int_equal(md_tz_day_start("Europe/London", day_of("2027-03-29"), &t), 0);
    md_time_format(t, out);
    assert_string_equal(out, "2027-03-28T23:00:00Z"); /* the 28th lasted 23 hours */
    assert_int_equal(md_tz_day_start("Europe/London", day_of("2027-10-31"), &t), 0);
    md_time_format(t, out);
    assert_string_equal(out, "2027-10-30T23:00:00Z");
    assert_int_equal(md_tz_day_start("Europe/London", day_of("2027-11-01"), &t), 0);
    md_time_format(t, out);
    assert_string_equal(out, "2027-11-01T00:00:00Z"); /* the 31st lasted 25 hours */
    /* America/Santiago skips midnight (6 September 2026, 00:00 -> 01:00): the day starts at
     * the change. */
    assert_int_equal(md_tz_day_start("America/Santiago", day_of("2026-09-06"), &t), 0);
    md_time_format(t, out);
    assert_string_equal(out, "2026-09-06T04:00:00Z");
    md_day d;
    assert_int_equal(md_tz_day("America/Santiago", t, &d), 0);
    assert_int_equal(d, day_of("2026-09-06"));
    assert_int_equal(md_tz_day("America/Santiago", t - 1, &d), 0);
    assert_int_equal(d, day_of("2026-09-05"));
    /* The local day of an instant across the London change. */
    assert_int_equal(md_tz_day("Europe/London", utc_of("2027-06-30T23:30:00Z"), &d), 0);
    assert_int_equal(d, day_of("2027-07-01"));
    assert_int_equal(md_tz_day("Europe/London", utc_of("2027-12-31T23:30:00Z"), &d), 0);
    assert_int_equal(d, day_of("2027-12-31"));
}

static void an_unknown_zone_or_bad_text_is_refused(void **state)
{
    (void)state;
    int64_t t = 7;
    md_err err = {0};
    assert_int_equal(
        md_tz_local_to_utc("Mars/Olympus", "2027-01-01T10:00", &t, "start_local", &err), MD_EINVAL);
    assert_string_equal(err.field, "start_local");
    assert_int_equal(t, 7);
    char out[MD_LOCAL_STR];
    md_day d = 5;
    assert_int_equal(md_tz_from_utc("Mars/Olympus", 0, out, NULL), -1);
    assert_int_equal(md_tz_from_utc("../etc/passwd", 0, out, NULL), -1);
    assert_int_equal(md_tz_day("Mars/Olympus", 0, &d), -1);
    assert_int_equal(d, 5);
    assert_int_equal(md_tz_day_start("", 0, &t), -1);
    const char *bad[] = {"2027-01-01 10:00",
                         "2027-01-01T10:00Z",
                         "2027-02-30T10:00",
                         "2027-01-01T24:00",
                         "2027-01-01T10:60",
                         "2027-01-01T10",
                         "2027-01-01T10:00:0",
                         "",
                         NULL};
    for (int i = 0; bad[i]; i++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(md_tz_local_to_utc("Europe/London", bad[i], &t, "start_local", &err),
                         MD_EINVAL);
        assert_string_equal(err.field, "start_local");
    }
    assert_int_equal(md_tz_local_to_utc("Europe/London", NULL, &t, "start_local", &err), MD_EINVAL);
}

static void *convert_many(void *arg)
{
    const char *zone = arg;
    for (int i = 0; i < 2000; i++) {
        char out[MD_LOCAL_STR];
        int64_t u = utc_of("2027-01-01T00:00:00Z") + (int64_t)i * 3600 * 7;
        if (md_tz_from_utc(zone, u, out, NULL) != 0) return (void *)1;
        int64_t back;
        md_err err = {0};
        out[19] = '\0';
        if (md_tz_local_to_utc(zone, out, &back, "t", &err) != MD_OK) return (void *)1;
        /* A repeated hour maps back to its first instant, one hour earlier. */
        if (back != u && back != u - 3600) return (void *)1;
    }
    return NULL;
}

static void threads_convert_at_once(void **state)
{
    (void)state;
    const char *zones[] = {"Europe/London", "America/New_York", "Australia/Lord_Howe",
                           "Europe/Paris"};
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, convert_many, (void *)zones[i]), 0);
    for (int i = 0; i < 4; i++) {
        void *rv = (void *)1;
        pthread_join(th[i], &rv);
        assert_null(rv);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(london_spring_2027_skips_an_hour),
        cmocka_unit_test(london_autumn_2027_repeats_an_hour_and_takes_the_first),
        cmocka_unit_test(new_york_and_utc),
        cmocka_unit_test(lord_howe_shifts_by_half_an_hour),
        cmocka_unit_test(day_start_on_a_dst_day),
        cmocka_unit_test(an_unknown_zone_or_bad_text_is_refused),
        cmocka_unit_test(threads_convert_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
