/* Unit tests: the data generator (gen.h).  The same seed gives the same patient and fact rows
 * on two databases and another seed does not; the generated clinics' audit chains verify,
 * with a "generate" entry per batch; search finds generated patients by name, phone and
 * birth date; and every stored fact, read back through the record engine, validates. */
#include "unit_db.h"

#include "mesodesk/gen.h"
#include "mesodesk/record.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>

#define CLINICS 2
#define PATIENTS 500

static const md_record_kind *const stored[] = {
    &md_kind_patient,    &md_kind_allergy, &md_kind_condition,
    &md_kind_medication, &md_kind_status,  &md_kind_allergy_statement,
};

static md_day as_of(void)
{
    return md_date_from_ymd(2026, 6, 1);
}

/* Generate into u as the system principal; fails the test on an error. */
static void generate(unit_db *u, uint64_t seed, md_gen_result *res)
{
    md_err err;
    md_gen_options o = {CLINICS, PATIENTS, seed, as_of(), 200, 1, "gen-test-password-1",
                        NULL,    NULL,     1};
    u->ctx.who.role = MD_ROLE_SYSTEM;
    u->ctx.who.staff_id[0] = '\0';
    if (md_gen_run(&u->ctx, &o, res, &err) != MD_OK) fail_msg("gen: %s %s", err.field, err.message);
    assert_int_equal(res->clinics, CLINICS);
    assert_int_equal(res->patients, CLINICS * PATIENTS);
    assert_int_equal(res->staff, CLINICS * 6);
}

typedef struct digest {
    crypto_generichash_state h;
    const char *clinic_id;
    long rows;
} digest;

/* Every column but the clinic id (which the core makes at random), length-prefixed. */
static int digest_row(void *vctx, const md_row *r)
{
    digest *d = vctx;
    for (int i = 0; i < md_row_columns(r); i++) {
        const char *t = md_row_is_null(r, i) ? "\x01null" : md_row_text(r, i);
        if (strcmp(t, d->clinic_id) == 0) continue;
        uint32_t n = (uint32_t)strlen(t);
        crypto_generichash_update(&d->h, (const unsigned char *)&n, sizeof n);
        crypto_generichash_update(&d->h, (const unsigned char *)t, n);
    }
    d->rows++;
    return 0;
}

/* A hash of every patient and fact row of the generated clinics, in clinic order. */
static long export_rows(unit_db *u, const md_gen_result *res, unsigned char out[32])
{
    digest d;
    md_err err;
    char sql[256];
    crypto_generichash_init(&d.h, NULL, 0, 32);
    d.rows = 0;
    for (int c = 0; c < res->clinics; c++)
        for (size_t k = 0; k < sizeof stored / sizeof stored[0]; k++) {
            snprintf(sql, sizeof sql, "SELECT * FROM %s WHERE clinic_id = $1 ORDER BY id, version",
                     stored[k]->table);
            md_val v[] = {md_text(res->clinic_ids[c])};
            d.clinic_id = res->clinic_ids[c];
            assert_int_equal(md_store_exec(u->db, sql, v, 1, digest_row, &d, &err), MD_OK);
        }
    crypto_generichash_final(&d.h, out, 32);
    return d.rows;
}

static void same_seed_same_rows_other_seed_differs(void **state)
{
    (void)state;
    unit_db a, b, c;
    md_gen_result *ra = malloc(sizeof *ra), *rb = malloc(sizeof *rb), *rc = malloc(sizeof *rc);
    unsigned char ha[32], hb[32], hc[32];
    unit_db_open(&a, 1);
    unit_db_open(&b, 1);
    unit_db_open(&c, 1);
    generate(&a, 11, ra);
    generate(&b, 11, rb);
    generate(&c, 12, rc);
    long na = export_rows(&a, ra, ha), nb = export_rows(&b, rb, hb), nc = export_rows(&c, rc, hc);
    assert_true(na > CLINICS * PATIENTS * 2); /* patients and at least as many facts */
    assert_int_equal(na, nb);
    assert_memory_equal(ha, hb, 32);
    assert_memory_not_equal(ha, hc, 32);
    (void)nc;
    /* The clinic ids differ (the core makes them), the rows do not. */
    assert_string_not_equal(ra->clinic_ids[0], rb->clinic_ids[0]);
    /* The same seed again on the same database is refused, naming the seed. */
    md_err err;
    md_gen_options o = {1, 1, 11, as_of(), 0, 0, NULL, NULL, NULL, 0};
    assert_int_equal(md_gen_run(&a.ctx, &o, ra, &err), MD_ECONFLICT);
    assert_string_equal(err.field, "seed");
    unit_db_close(&a);
    unit_db_close(&b);
    unit_db_close(&c);
    free(ra);
    free(rb);
    free(rc);
}

static int count_row(void *vctx, const md_row *r)
{
    *(int64_t *)vctx = md_row_int(r, 0);
    return 0;
}

/* A search that must list patient id. */
static void assert_found(unit_db *u, const char *text, const char *birth, const char *id)
{
    md_err err;
    json_t *out = NULL;
    md_patient_query q = {text, birth, 100, 0};
    if (md_patient_search(&u->ctx, &q, &out, &err) != MD_OK)
        fail_msg("search \"%s\": %s %s", text ? text : "", err.field, err.message);
    json_t *items = json_object_get(out, "items"), *it;
    size_t i;
    int hit = 0;
    json_array_foreach(items, i, it) hit |=
        strcmp(json_string_value(json_object_get(it, "id")), id) == 0;
    if (!hit && json_integer_value(json_object_get(out, "total")) <= 100)
        fail_msg("search \"%s\" %s: %s not found", text ? text : "", birth ? birth : "", id);
    json_decref(out);
}

/* Fields of a stored record: what a create body would hold. */
static json_t *body_of(const md_record_kind *k, json_t *rec)
{
    json_t *in = json_object();
    for (int i = 0; k->fields[i].name; i++) {
        json_t *v = json_object_get(rec, k->fields[i].name);
        if (v && !json_is_null(v)) json_object_set(in, k->fields[i].name, v);
    }
    return in;
}

static void generated_clinics_verify_search_and_validate(void **state)
{
    (void)state;
    unit_db u;
    md_err err;
    md_gen_result *res = malloc(sizeof *res);
    unit_db_open(&u, 1);
    generate(&u, 5, res);
    for (int c = 0; c < res->clinics; c++) {
        int64_t checked = 0, generates = 0;
        if (md_audit_verify(u.db, res->clinic_ids[c], &checked, &err) != MD_OK)
            fail_msg("verify clinic %d: %s", c, err.message);
        md_val v[] = {md_text(res->clinic_ids[c])};
        assert_int_equal(md_store_exec(u.db,
                                       "SELECT count(*) FROM audit_log WHERE clinic_id = $1 AND "
                                       "action = 'generate'",
                                       v, 1, count_row, &generates, &err),
                         MD_OK);
        assert_int_equal(generates, PATIENTS / 200 + 1); /* batches of 200: 200, 200, 100 */
        assert_true(checked > generates);                /* and the staff's entries */
    }
    u.ctx.who.role = MD_ROLE_ADMIN;
    for (int c = 0; c < res->clinics; c++) {
        md_strlcpy(u.ctx.who.clinic_id, res->clinic_ids[c], sizeof u.ctx.who.clinic_id);
        for (long i = 0; i < PATIENTS; i += 37) {
            md_gen_patient p;
            char words[200];
            assert_int_equal(md_gen_patient_make(u.kb, 5, c, i, as_of(), &p, &err), MD_OK);
            snprintf(words, sizeof words, "%s %s", p.family, p.given);
            assert_found(&u, words, NULL, p.id);
            assert_found(&u, NULL, p.birth_date, p.id);
            if (p.phone[0]) assert_found(&u, p.phone, NULL, p.id);
            /* Every stored record of the patient validates through the engine. */
            json_t *rec = NULL;
            assert_int_equal(md_record_get(&u.ctx, &md_kind_patient, NULL, p.id, &rec, &err),
                             MD_OK);
            json_t *in = body_of(&md_kind_patient, rec);
            if (md_record_validate(&u.ctx, &md_kind_patient, in, &err) != MD_OK)
                fail_msg("patient %ld: %s %s", i, err.field, err.message);
            json_decref(in);
            json_decref(rec);
            for (size_t k = 1; k < sizeof stored / sizeof stored[0]; k++) {
                json_t *list = NULL, *f;
                size_t j;
                assert_int_equal(md_record_list(&u.ctx, stored[k], p.id, 1, &list, &err), MD_OK);
                json_array_foreach(json_object_get(list, "items"), j, f)
                {
                    in = body_of(stored[k], f);
                    if (md_record_validate(&u.ctx, stored[k], in, &err) != MD_OK)
                        fail_msg("%s of patient %ld: %s %s", stored[k]->name, i, err.field,
                                 err.message);
                    json_decref(in);
                }
                json_decref(list);
            }
        }
    }
    /* The data is what the issue asks for: every kind of fact and answer occurs. */
    static const char *const occurs[] = {
        "SELECT count(*) FROM allergies",
        "SELECT count(*) FROM conditions WHERE site IS NOT NULL",
        "SELECT count(*) FROM medications WHERE name IS NOT NULL AND last_dose IS NOT NULL",
        "SELECT count(*) FROM patient_status WHERE pregnant = 'yes'",
        "SELECT count(*) FROM patient_status WHERE pregnant = 'not_sure'",
        "SELECT count(*) FROM patient_status WHERE breastfeeding = 'yes'",
        "SELECT count(*) FROM allergy_statements",
        "SELECT count(*) FROM patients WHERE family_name LIKE '%''%'",
        "SELECT count(*) FROM patients WHERE sex = 'male'",
        "SELECT count(*) FROM staff WHERE role = 'practitioner' AND licence_number IS NOT NULL",
    };
    for (size_t i = 0; i < sizeof occurs / sizeof occurs[0]; i++) {
        int64_t n = 0;
        assert_int_equal(md_store_exec(u.db, occurs[i], NULL, 0, count_row, &n, &err), MD_OK);
        if (n == 0) fail_msg("none: %s", occurs[i]);
    }
    unit_db_close(&u);
    free(res);
}

static void bad_options_name_their_field(void **state)
{
    (void)state;
    unit_db u;
    md_err err;
    md_gen_result *res = malloc(sizeof *res);
    unit_db_open(&u, 0);
    md_gen_options o = {0, 10, 1, as_of(), 0, 0, NULL, NULL, NULL, 0};
    assert_int_equal(md_gen_run(&u.ctx, &o, res, &err), MD_EINVAL);
    assert_string_equal(err.field, "clinics");
    o.clinics = 1;
    o.patients = -1;
    assert_int_equal(md_gen_run(&u.ctx, &o, res, &err), MD_EINVAL);
    assert_string_equal(err.field, "patients");
    o.patients = 1; /* no kb loaded */
    assert_int_equal(md_gen_run(&u.ctx, &o, res, &err), MD_EINVAL);
    assert_string_equal(err.field, "kb");
    unit_db_close(&u);
    free(res);
}

/* Ids sort in generation order (patient i, then its facts, then patient i + 1, across
 * clinics too), so a batch's rows go to the ends of the id indexes; they stay 32 hex digits
 * and distinct. */
static void generated_ids_sort_in_generation_order(void **state)
{
    (void)state;
    unit_db u;
    md_err err;
    md_gen_patient *p = malloc(2 * sizeof *p);
    unit_db_open(&u, 1);
    char last[MD_ID_STR] = "";
    for (int c = 0; c < 2; c++)
        for (long i = 0; i < 300; i += 7) {
            md_gen_patient *cur = &p[i % 2];
            assert_int_equal(md_gen_patient_make(u.kb, 9, c, i * 4099, as_of(), cur, &err), MD_OK);
            assert_int_equal(strlen(cur->id), 32);
            assert_int_equal(strspn(cur->id, "0123456789abcdef"), 32);
            assert_true(strcmp(last, cur->id) < 0);
            md_strlcpy(last, cur->id, sizeof last);
            for (size_t k = 0; k < sizeof cur->fact_ids / sizeof cur->fact_ids[0]; k++) {
                assert_true(strcmp(last, cur->fact_ids[k]) < 0);
                md_strlcpy(last, cur->fact_ids[k], sizeof last);
            }
        }
    unit_db_close(&u);
    free(p);
}

static int hash_rows(void *vctx, const md_row *r)
{
    crypto_generichash_state *h = vctx;
    for (int i = 0; i < md_row_columns(r); i++) {
        const char *t = md_row_is_null(r, i) ? "\x01null" : md_row_text(r, i);
        uint32_t n = (uint32_t)strlen(t);
        crypto_generichash_update(h, (const unsigned char *)&n, sizeof n);
        crypto_generichash_update(h, (const unsigned char *)t, n);
    }
    return 0;
}

/* A hash of the rows sql returns. */
static void hash_query(unit_db *u, const char *sql, unsigned char out[32])
{
    crypto_generichash_state h;
    md_err err;
    crypto_generichash_init(&h, NULL, 0, 32);
    assert_int_equal(md_store_exec(u->db, sql, NULL, 0, hash_rows, &h, &err), MD_OK);
    crypto_generichash_final(&h, out, 32);
}

/* A load into a fresh database builds its indexes after the rows and writes the search
 * keys in key order: at the end the schema is exactly a migrated database's, each clinic's
 * keys are stored in primary-key order, and they are the keys the engine itself makes. */
static void a_fresh_load_ends_with_the_schema_and_keys_of_a_normal_database(void **state)
{
    (void)state;
    unit_db a, b;
    md_err err;
    unsigned char ha[32], hb[32];
    md_gen_result *res = malloc(sizeof *res);
    unit_db_open(&a, 1);
    if (strcmp(md_store_backend(a.db), "sqlite") != 0) {
        unit_db_close(&a);
        free(res);
        skip(); /* sqlite_master and rowid order are SQLite's */
    }
    unit_db_open(&b, 1);
    generate(&a, 21, res);
    const char *schema = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name";
    hash_query(&a, schema, ha);
    hash_query(&b, schema, hb);
    assert_memory_equal(ha, hb, 32);
    /* Stored in key order: the rowid order is the primary key's order, clinic by clinic. */
    int64_t misplaced = -1;
    assert_int_equal(
        md_store_scalar_int(a.db,
                            "SELECT count(*) FROM (SELECT row_number() OVER (PARTITION "
                            "BY clinic_id ORDER BY rowid) AS r, row_number() OVER "
                            "(PARTITION BY clinic_id ORDER BY kind, term, patient_id) "
                            "AS k FROM patient_terms) AS t WHERE r <> k",
                            NULL, 0, &misplaced, &err),
        MD_OK);
    assert_int_equal(misplaced, 0);
    /* The same keys as the engine makes from the stored patients. */
    const char *keys = "SELECT clinic_id, patient_id, kind, term FROM patient_terms ORDER BY "
                       "clinic_id, kind, term, patient_id";
    hash_query(&a, keys, ha);
    int64_t n = 0;
    assert_int_equal(
        md_store_scalar_int(a.db, "SELECT count(*) FROM patient_terms", NULL, 0, &n, &err), MD_OK);
    assert_true(n > CLINICS * PATIENTS * 5);
    assert_int_equal(md_store_begin(a.db, &err), MD_OK);
    assert_int_equal(md_patient_terms_rebuild(a.db, &err), MD_OK);
    assert_int_equal(md_store_commit(a.db, &err), MD_OK);
    hash_query(&a, keys, hb);
    assert_memory_equal(ha, hb, 32);
    unit_db_close(&a);
    unit_db_close(&b);
    free(res);
}

/* A search's count stops MD_SEARCH_COUNT_MAX matches past the offset and says so; below
 * that it is exact. */
static void search_counts_stop_a_thousand_past_the_offset(void **state)
{
    (void)state;
    unit_db u;
    md_err err;
    md_gen_result *res = malloc(sizeof *res);
    md_gen_options o = {1, 1200, 5, as_of(), 0, 0, "gen-test-password-1", NULL, NULL, 1};
    unit_db_open(&u, 1);
    u.ctx.who.role = MD_ROLE_SYSTEM;
    assert_int_equal(md_gen_run(&u.ctx, &o, res, &err), MD_OK);
    md_strlcpy(u.ctx.who.clinic_id, res->clinic_ids[0], sizeof u.ctx.who.clinic_id);
    static const struct {
        int offset;
        json_int_t total;
        int more;
    } cases[] = {{0, MD_SEARCH_COUNT_MAX, 1}, {150, 1150, 1}, {200, 1200, 0}, {1190, 1200, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        md_patient_query q = {NULL, NULL, 20, cases[i].offset};
        json_t *out = NULL;
        assert_int_equal(md_patient_search(&u.ctx, &q, &out, &err), MD_OK);
        assert_int_equal(json_integer_value(json_object_get(out, "total")), cases[i].total);
        assert_int_equal(json_is_true(json_object_get(out, "total_is_lower_bound")), cases[i].more);
        assert_int_equal(json_array_size(json_object_get(out, "items")),
                         cases[i].offset + 20 <= 1200 ? 20 : 1200 - cases[i].offset);
        json_decref(out);
    }
    unit_db_close(&u);
    free(res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_seed_same_rows_other_seed_differs),
        cmocka_unit_test(generated_clinics_verify_search_and_validate),
        cmocka_unit_test(bad_options_name_their_field),
        cmocka_unit_test(generated_ids_sort_in_generation_order),
        cmocka_unit_test(a_fresh_load_ends_with_the_schema_and_keys_of_a_normal_database),
        cmocka_unit_test(search_counts_stop_a_thousand_past_the_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
