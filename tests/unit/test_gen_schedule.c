/* Unit tests: the generator's schedule (gen_schedule.c).  Fifty practitioners each with a
 * licence (one lapsed, a few expiring), twenty rooms, hours and availability; appointments
 * over the history asked and the weeks ahead that never double-book a practitioner or a
 * room, with completed, no-show and cancelled ones in the past and booked ones ahead; the
 * lapsed licence booked no more; the patients booked in the next days screened; the same
 * seed gives the same appointments on two databases; the clinic's day reads it. */
#include "unit_db.h"

#include "mesodesk/credential.h"
#include "mesodesk/day.h"
#include "mesodesk/gen.h"
#include "mesodesk/record.h"

#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define PATIENTS 300
#define HISTORY 40

static md_day AS_OF; /* 2026-06-01, a Monday */

static void generate(unit_db *u, uint64_t seed, md_gen_result *res)
{
    md_err err;
    md_gen_options o = {1, PATIENTS, seed, AS_OF, 100, 0, "a-long-password", NULL, NULL, 1};
    if (pg_harness_active()) {
        json_t *in = json_pack("{s:s,s:s,s:s,s:s}", "given_name", "Ivy", "family_name", "Hale",
                               "birth_date", "1990-04-04", "sex", "female"),
               *p = NULL;
        assert_int_equal(md_record_create(&u->ctx, &md_kind_patient, NULL, in, &p, &err), MD_OK);
        json_decref(in);
        json_decref(p);
    }
    u->ctx.who.role = MD_ROLE_SYSTEM;
    u->ctx.who.staff_id[0] = '\0';
    long rows = 0;
    if (md_gen_run(&u->ctx, &o, res, &err) != MD_OK ||
        md_gen_schedule(&u->ctx, &o, res, HISTORY, &rows, &err) != MD_OK)
        fail_msg("gen: %s %s", err.field, err.message);
    assert_true(rows > 1000);
    md_strlcpy(u->ctx.who.clinic_id, res->clinic_ids[0], sizeof u->ctx.who.clinic_id);
}

static int64_t scalar(unit_db *u, const char *sql)
{
    int64_t n = -1;
    md_err err;
    md_val v[] = {md_text(u->ctx.who.clinic_id)};
    if (md_store_scalar_int(u->db, sql, v, 1, &n, &err) != MD_OK)
        fail_msg("%s: %s", sql, err.message);
    return n;
}

static int text_row(void *va, const md_row *r)
{
    json_array_append_new(va, json_string(md_row_text(r, 0)));
    return 0;
}

static void practitioners_rooms_and_licences(void **state)
{
    (void)state;
    unit_db u;
    md_gen_result *res = malloc(sizeof *res);
    md_err err;
    md_date_parse("2026-06-01", &AS_OF);
    unit_db_open(&u, 1);
    generate(&u, 11, res);
    /* the generator's two practitioners and the schedule's fifty */
    assert_int_equal(scalar(&u, "SELECT count(*) FROM staff WHERE clinic_id = $1 AND role = "
                                "'practitioner'"),
                     52);
    assert_int_equal(scalar(&u, "SELECT count(*) FROM rooms WHERE clinic_id = $1 AND current = 1"),
                     20);
    assert_int_equal(
        scalar(&u, "SELECT count(*) FROM availability WHERE clinic_id = $1 AND current = 1"), 50);
    assert_int_equal(
        scalar(&u, "SELECT count(*) FROM clinic_hours WHERE clinic_id = $1 AND current = 1"), 1);
    /* every scheduled practitioner has a licence with scope injectables; one has lapsed, a
     * few expire within 60 days of the as-of day */
    json_t *ids = json_array();
    md_val v[] = {md_text(u.ctx.who.clinic_id)};
    assert_int_equal(md_store_exec(u.db,
                                   "SELECT staff_id FROM staff_credentials WHERE clinic_id = $1 "
                                   "AND current = 1 ORDER BY staff_id",
                                   v, 1, text_row, ids, &err),
                     MD_OK);
    int ok = 0, refused = 0;
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id)
    {
        md_code rc = md_credential_check(&u.ctx, json_string_value(id), "injectables", AS_OF, &err);
        if (rc == MD_OK)
            ok++;
        else {
            refused++;
            assert_int_equal(rc, MD_ECONFLICT);
            assert_non_null(strstr(err.message, "expired on"));
        }
    }
    assert_int_equal(ok, 49);
    assert_int_equal(refused, 1);
    char lo[MD_DATE_STR], hi[MD_DATE_STR], sql[300];
    md_date_format(AS_OF, lo);
    md_date_format(AS_OF + 60, hi);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM staff_credentials WHERE clinic_id = $1 AND current = 1 AND "
             "expires_on >= '%s' AND expires_on <= '%s'",
             lo, hi);
    int64_t soon = scalar(&u, sql);
    assert_in_range(soon, 3, 10);
    json_decref(ids);
    unit_db_close(&u);
    free(res);
}

static void appointments_never_double_book(void **state)
{
    (void)state;
    unit_db u;
    md_gen_result *res = malloc(sizeof *res);
    md_date_parse("2026-06-01", &AS_OF);
    unit_db_open(&u, 1);
    generate(&u, 12, res);
    int64_t n = scalar(&u, "SELECT count(*) FROM appointments WHERE clinic_id = $1");
    /* about 59 open days of 12 slots in 20 rooms, most of them taken */
    assert_in_range(n, 8000, 14000);
    assert_int_equal(scalar(&u, "SELECT count(*) FROM (SELECT practitioner_id, start_at FROM "
                                "appointments WHERE clinic_id = $1 AND current = 1 GROUP BY "
                                "practitioner_id, start_at HAVING count(*) > 1) AS twice"),
                     0);
    assert_int_equal(scalar(&u, "SELECT count(*) FROM (SELECT room_id, start_at FROM "
                                "appointments WHERE clinic_id = $1 AND current = 1 GROUP BY "
                                "room_id, start_at HAVING count(*) > 1) AS twice"),
                     0);
    /* every patient is one of the clinic's */
    assert_int_equal(scalar(&u, "SELECT count(*) FROM appointments a WHERE a.clinic_id = $1 AND "
                                "NOT EXISTS (SELECT 1 FROM patients p WHERE p.clinic_id = "
                                "a.clinic_id AND p.id = a.patient_id)"),
                     0);
    char sql[400], day[MD_DATE_STR];
    md_date_format(AS_OF, day);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM appointments WHERE clinic_id = $1 AND start_at < '%s' AND "
             "status = '%%s'",
             day);
    static const char *const past[] = {"completed", "no_show", "cancelled"};
    for (int k = 0; k < 3; k++) {
        char q[440];
        snprintf(q, sizeof q, sql, past[k]);
        assert_true(scalar(&u, q) > 0);
    }
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM appointments WHERE clinic_id = $1 AND start_at >= '%s' AND "
             "status <> 'booked'",
             day);
    assert_int_equal(scalar(&u, sql), 0);
    /* the lapsed licence is booked no more after it lapsed */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM appointments a JOIN staff_credentials c ON c.clinic_id = "
             "a.clinic_id AND c.staff_id = a.practitioner_id AND c.current = 1 WHERE a.clinic_id "
             "= $1 AND a.start_at > c.expires_on || 'T23:59:59Z'");
    assert_int_equal(scalar(&u, sql), 0);
    /* the patients booked in the next days were screened */
    assert_true(scalar(&u, "SELECT count(*) FROM screenings WHERE clinic_id = $1") > 100);
    /* and the day reads it */
    md_day_query q = {.day = AS_OF, .has_day = 1};
    json_t *out = NULL;
    md_err err;
    u.ctx.who.role = MD_ROLE_ADMIN;
    assert_int_equal(md_day_get(&u.ctx, &q, &out, &err), MD_OK);
    assert_in_range(json_array_size(json_object_get(out, "appointments")), 150, 240);
    assert_in_range(json_array_size(json_object_get(out, "rooms")), 18,
                    20); /* a lapsed licence leaves one free */
    json_decref(out);
    unit_db_close(&u);
    free(res);
}

static int hash_row(void *va, const md_row *r)
{
    for (int c = 0; c < 6; c++) {
        const char *t = md_row_text(r, c);
        crypto_generichash_update(va, (const unsigned char *)t, strlen(t) + 1);
    }
    return 0;
}

static void digest(unit_db *u, char out[65])
{
    crypto_generichash_state h;
    unsigned char d[32];
    md_err err;
    crypto_generichash_init(&h, NULL, 0, sizeof d);
    md_val v[] = {md_text(u->ctx.who.clinic_id)};
    assert_int_equal(md_store_exec(u->db,
                                   "SELECT a.id, a.patient_id, a.start_at, a.status, a.kind, "
                                   "r.name FROM appointments a JOIN rooms r ON r.clinic_id = "
                                   "a.clinic_id AND r.id = a.room_id WHERE a.clinic_id = $1 ORDER "
                                   "BY a.id",
                                   v, 1, hash_row, &h, &err),
                     MD_OK);
    crypto_generichash_final(&h, d, sizeof d);
    sodium_bin2hex(out, 65, d, sizeof d);
}

static void the_same_seed_gives_the_same_schedule(void **state)
{
    (void)state;
    unit_db a, b;
    md_gen_result *res = malloc(sizeof *res);
    char da[65], db[65];
    md_date_parse("2026-06-01", &AS_OF);
    unit_db_open(&a, 1);
    generate(&a, 5, res);
    digest(&a, da);
    unit_db_close(&a);
    unit_db_open(&b, 1);
    generate(&b, 5, res);
    digest(&b, db);
    unit_db_close(&b);
    assert_string_equal(da, db);
    free(res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(practitioners_rooms_and_licences),
        cmocka_unit_test(appointments_never_double_book),
        cmocka_unit_test(the_same_seed_gives_the_same_schedule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
