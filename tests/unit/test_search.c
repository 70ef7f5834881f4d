/* Unit tests: patient search keys (folding), the query plans of every kind of search and of
 * the duplicate check, the migration's backfill of existing patients, and what a merge
 * covers. */
#include "unit_db.h"

#include "mesodesk/record.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static json_t *add_patient(unit_db *u, const char *given, const char *family, const char *birth,
                           const char *email, const char *phone)
{
    md_err err;
    json_t *in =
        json_pack("{s:s,s:s,s:s,s:s,s:s?,s:s?}", "given_name", given, "family_name", family,
                  "birth_date", birth, "sex", "female", "email", email, "phone", phone);
    json_t *out = NULL;
    if (md_record_create(&u->ctx, &md_kind_patient, NULL, in, &out, &err) != MD_OK)
        fail_msg("create %s %s: %s %s", given, family, err.field, err.message);
    json_decref(in);
    return out;
}

static json_int_t found(unit_db *u, const char *text, const char *birth)
{
    md_err err;
    json_t *out = NULL;
    md_patient_query q = {text, birth, 50, 0};
    if (md_patient_search(&u->ctx, &q, &out, &err) != MD_OK)
        fail_msg("search \"%s\": %s %s", text, err.field, err.message);
    json_int_t n = json_integer_value(json_object_get(out, "total"));
    if (n != (json_int_t)json_array_size(json_object_get(out, "items")))
        fail_msg("search \"%s\": total %lld but %zu items", text, (long long)n,
                 json_array_size(json_object_get(out, "items")));
    json_decref(out);
    return n;
}

/* Accents, punctuation and word order, and the documented limit (no case folding outside
 * Latin-1 and Latin Extended-A). */
static void names_are_found_without_accents_or_punctuation(void **state)
{
    unit_db *u = *state;
    static const struct {
        const char *given, *family;
        const char *finds[4];
    } cases[] = {
        {"Jos\xc3\xa9", "Alpha", {"jose alpha", "alpha JOSE", "JOS\xc3\x89", "jos\xc3\xa9"}},
        {"Anna", "M\xc3\xbcller", {"muller", "M\xc3\x9cLLER anna", "mull", NULL}},
        {"Hans", "Strau\xc3\x9f", {"strauss", "STRAUSS hans", NULL, NULL}},
        {"S\xc3\xb8ren", "Beta", {"soren", "s\xc3\x98ren beta", NULL, NULL}},
        {"\xc5\x81ukasz", "Gamma", {"lukasz", "\xc5\x82ukasz", NULL, NULL}},
        {"\xc3\x86sa", "\xc5\x92uvre", {"aesa", "oeuvre", NULL, NULL}},
        {"Jose\xcc\x81", "Delta", {"jose delta", "jos\xc3\xa9 delta", NULL, NULL}}, /* decomposed */
        {"Ines", "Smith-Jones", {"smithjones", "jones", "smith-jo", "smith jones"}},
        {"Rosa", "de la Cruz", {"delacruz", "cruz rosa", "de la", NULL}},
        {"Lucy",
         "O\xe2\x80\x99"
         "Brien",
         {"obrien", "o'brien", "O BRIEN", "lucy o"}},
        {"\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd", "Epsilon", {"\xd0\x98\xd0\xb2", NULL, NULL, NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        json_decref(add_patient(u, cases[i].given, cases[i].family, "1980-01-01", NULL, NULL));
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int j = 0; j < 4 && cases[i].finds[j]; j++)
            if (found(u, cases[i].finds[j], NULL) < 1)
                fail_msg("\"%s\" does not find %s %s", cases[i].finds[j], cases[i].given,
                         cases[i].family);
    /* A prefix per word, from the start of a word only. */
    assert_int_equal(found(u, "uller", NULL), 0);
    assert_int_equal(found(u, "jose zeta", NULL), 0);
    /* Cyrillic keeps its case: documented. */
    assert_int_equal(found(u, "\xd0\xb8\xd0\xb2", NULL), 0);
    /* Punctuation alone is no condition: everyone. */
    assert_int_equal(found(u, "' -", NULL), (json_int_t)(sizeof cases / sizeof cases[0]));
}

static void phone_and_email_are_found(void **state)
{
    unit_db *u = *state;
    json_decref(add_patient(u, "Amelia", "Hart", "1986-03-14", "Amelia.Hart@Example.org",
                            "+44 (0)7700 900-101"));
    json_decref(add_patient(u, "Bea", "Hart", "1990-01-01", NULL, "0161 496 0000"));
    static const char *const amelia[] = {
        "+44 7700 900101",         "07700900101", "900101", "7700 900 101", "amelia.hart@",
        "AMELIA.HART@EXAMPLE.ORG", "hart 900101"};
    for (size_t i = 0; i < sizeof amelia / sizeof amelia[0]; i++)
        if (found(u, amelia[i], NULL) != 1) fail_msg("\"%s\" does not find only Amelia", amelia[i]);
    assert_int_equal(found(u, "0161 496", NULL), 1);
    assert_int_equal(found(u, "hart", NULL), 2);
    assert_int_equal(found(u, "bea@", NULL), 0);
    assert_int_equal(found(u, "12345678", NULL), 0);
}

static void bad_queries_name_the_field(void **state)
{
    unit_db *u = *state;
    md_err err;
    json_t *out = NULL;
    static const struct {
        const char *text, *birth, *field;
        md_code code;
    } cases[] = {
        {NULL, "14/03/1986", "birth_date", MD_EUNPROCESSABLE},
        {NULL, "1986-02-30", "birth_date", MD_EUNPROCESSABLE},
        {NULL, "", "birth_date", MD_EUNPROCESSABLE},
        {"a b c d e f g", NULL, "name", MD_EUNPROCESSABLE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        md_patient_query q = {cases[i].text, cases[i].birth, 50, 0};
        assert_int_equal(md_patient_search(&u->ctx, &q, &out, &err), cases[i].code);
        assert_string_equal(err.field, cases[i].field);
    }
    char longq[260];
    memset(longq, 'a', sizeof longq - 1);
    longq[sizeof longq - 1] = '\0';
    md_patient_query q = {longq, NULL, 50, 0};
    assert_int_equal(md_patient_search(&u->ctx, &q, &out, &err), MD_EINVAL);
    assert_string_equal(err.field, "name");
}

typedef struct plan {
    char text[4096];
    size_t len;
} plan;

static int plan_row(void *vctx, const md_row *r)
{
    plan *p = vctx;
    const char *d = md_row_text(r, md_row_columns(r) - 1);
    p->len += (size_t)snprintf(p->text + p->len, sizeof p->text - p->len, "%s\n", d ? d : "");
    if (p->len >= sizeof p->text) p->len = sizeof p->text - 1;
    return 0;
}

static void explain(unit_db *u, const char *sql, const md_val *params, int n, plan *p)
{
    char q[2200];
    md_err err;
    snprintf(q, sizeof q, "EXPLAIN QUERY PLAN %s", sql);
    memset(p, 0, sizeof *p);
    if (md_store_exec(u->db, q, params, n, plan_row, p, &err) != MD_OK)
        fail_msg("explain %s: %s", sql, err.message);
}

/* No kind of search walks the patients table (or the keys): every step is an index
 * search, and the patients are fetched by id when a word is given. */
static void no_search_scans_the_patients_table(void **state)
{
    unit_db *u = *state;
    md_err err;
    char given[16], family[16];
    /* Enough rows that the planner has a choice to make. */
    for (int i = 0; i < 300; i++) {
        snprintf(given, sizeof given, "G%03d", i);
        snprintf(family, sizeof family, "F%03d", i % 37);
        json_decref(add_patient(u, given, family, i % 2 ? "1980-01-01" : "1990-02-02", NULL,
                                i % 3 ? "+44 7700 900100" : NULL));
    }
    assert_int_equal(md_store_exec(u->db, "ANALYZE", NULL, 0, NULL, NULL, &err), MD_OK);
    static const struct {
        const char *text, *birth;
        int by_id; /* a word or a birth date is given: patients are looked up by id */
    } queries[] = {
        {NULL, NULL, 0},
        {NULL, "1980-01-01", 1},
        {"f001", NULL, 1},
        {"g001 f001", NULL, 1},
        {"f001", "1980-01-01", 1},
        {"+44 7700 900100", NULL, 1},
        {"someone@example.org", NULL, 1},
        {"o'brien jos\xc3\xa9 a@b 0161 x y", "1990-02-02", 1},
    };
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        md_patient_query q = {queries[i].text, queries[i].birth, 25, 0};
        md_search_sql s;
        assert_int_equal(md_patient_search_sql(&u->ctx, &q, &s, &err), MD_OK);
        plan lp, cp;
        explain(u, s.list, s.params, s.nparams, &lp);
        explain(u, s.count, s.params, s.ncount, &cp);
        const plan *plans[] = {&lp, &cp};
        for (int k = 0; k < 2; k++) {
            const char *t = plans[k]->text;
            if (strstr(t, "SCAN patients") || strstr(t, "SCAN patient_terms") ||
                strstr(t, "SCAN patient_merges") || !strstr(t, "SEARCH patients"))
                fail_msg("search \"%s\" / %s scans:\n%s", queries[i].text ? queries[i].text : "",
                         queries[i].birth ? queries[i].birth : "-", t);
            if (queries[i].by_id && !strstr(t, "id=?"))
                fail_msg("search \"%s\" does not fetch patients by id:\n%s", queries[i].text, t);
            if (queries[i].birth && !strstr(t, "birth_date=?"))
                fail_msg("search born %s does not use the birth date index:\n%s", queries[i].birth,
                         t);
        }
    }
}

/* The duplicate check's lookups are index searches too. */
static void duplicate_checks_do_not_scan(void **state)
{
    unit_db *u = *state;
    md_err err;
    for (int i = 0; i < 300; i++) {
        char given[16];
        snprintf(given, sizeof given, "G%03d", i);
        json_decref(add_patient(u, given, "Same", "1980-01-01", NULL, "+44 7700 900100"));
    }
    assert_int_equal(md_store_exec(u->db, "ANALYZE", NULL, 0, NULL, NULL, &err), MD_OK);
    char sql[2048];
    md_patient_duplicates_sql(sql, sizeof sql);
    md_val v[] = {md_text(u->ctx.who.clinic_id), md_text("k"), md_text("1980-01-01|same|g001")};
    plan p;
    explain(u, sql, v, 3, &p);
    if (strstr(p.text, "SCAN ") || !strstr(p.text, "id=?") || !strstr(p.text, "kind=? AND term=?"))
        fail_msg("the duplicate check scans:\n%s", p.text);
    /* And it finds what it looks for. */
    json_t *in = json_pack("{s:s,s:s,s:s,s:s}", "given_name", "g001", "family_name", "SAME",
                           "birth_date", "1980-01-01", "sex", "female");
    json_t *out = NULL;
    assert_int_equal(md_patient_duplicates(&u->ctx, in, &out, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(out, "candidates")), 1);
    json_decref(out);
    json_object_set_new(in, "phone", json_string("07700 900100"));
    assert_int_equal(md_patient_duplicates(&u->ctx, in, &out, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(out, "candidates")), 10); /* capped */
    json_decref(out);
    json_decref(in);
    /* Names at their length limit (keys are cut at 200 characters) are compared too. */
    char given[101], family[101];
    memset(given, 'a', 100);
    memset(family, 'b', 100);
    given[100] = family[100] = '\0';
    json_decref(add_patient(u, given, family, "1970-01-01", NULL, NULL));
    in = json_pack("{s:s,s:s,s:s,s:s}", "given_name", given, "family_name", family, "birth_date",
                   "1970-01-01", "sex", "female");
    assert_int_equal(md_patient_duplicates(&u->ctx, in, &out, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(out, "candidates")), 1);
    json_decref(out);
    json_decref(in);
}

/* A database migrated before search keys existed: the migration builds them. */
static void the_migration_backfills_existing_patients(void **state)
{
    unit_db *u = *state;
    md_err err;
    static const char *const undo[] = {
        "DROP TABLE patient_terms",
        "DROP TABLE patient_merges",
        "DELETE FROM schema_migrations WHERE version = 4",
        /* A patient written by the old code: no keys. */
        "INSERT INTO patients (clinic_id, id, version, current, recorded_by, recorded_at, reason, "
        "given_name, family_name, birth_date, sex, email, phone) VALUES ($1, "
        "'0123456789abcdef0123456789abcdef', 1, 1, 'system', '2026-01-01T00:00:00Z', 'recorded', "
        "'Ren\xc3\xa9', 'O''Hara', '1970-01-01', 'male', 'rene@example.org', '+33 6 12 34 56 78')",
    };
    json_decref(add_patient(u, "Older", "Record", "1960-01-01", NULL, NULL));
    for (size_t i = 0; i < sizeof undo / sizeof undo[0]; i++) {
        md_val v[] = {md_text(u->ctx.who.clinic_id)};
        if (md_store_exec(u->db, undo[i], v, i == 3 ? 1 : 0, NULL, NULL, &err) != MD_OK)
            fail_msg("%s: %s", undo[i], err.message);
    }
    assert_int_equal(md_store_migrate(u->db, &err), MD_OK);
    assert_int_equal(found(u, "rene ohara", NULL), 1);
    assert_int_equal(found(u, "06 12 34 56 78", NULL), 1);
    assert_int_equal(found(u, "rene@", NULL), 1);
    assert_int_equal(found(u, "older record", NULL), 1);
}

/* Every versioned table of facts under a patient is moved by a merge: a new fact kind
 * that the merge would leave behind fails here. */
static void merge_moves_every_kind_of_fact(void **state)
{
    unit_db *u = *state;
    md_err err;
    json_t *tables = json_array();
    assert_int_equal(
        md_store_exec(u->db,
                      "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' AND EXISTS "
                      "(SELECT 1 FROM pragma_table_info(m.name) c WHERE c.name = 'patient_id') "
                      "AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) c WHERE c.name = "
                      "'current')",
                      NULL, 0, unit_collect_text, tables, &err),
        MD_OK);
    assert_true(json_array_size(tables) >= 5);
    size_t i;
    json_t *t;
    json_array_foreach(tables, i, t)
    {
        /* complication_suspects: rows derived from each complication version, rewritten
         * by the kind's after_write, which the merge runs for each moved record */
        int covered = strcmp(json_string_value(t), "complication_suspects") == 0;
        for (size_t k = 0; md_patient_merge_kind(k); k++)
            covered |= strcmp(md_patient_merge_kind(k)->table, json_string_value(t)) == 0;
        if (!covered) fail_msg("a merge leaves the facts of table %s behind", json_string_value(t));
    }
    json_decref(tables);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(names_are_found_without_accents_or_punctuation,
                                        unit_db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(phone_and_email_are_found, unit_db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(bad_queries_name_the_field, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(no_search_scans_the_patients_table, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(duplicate_checks_do_not_scan, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(the_migration_backfills_existing_patients, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(merge_moves_every_kind_of_fact, unit_db_setup,
                                        unit_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
