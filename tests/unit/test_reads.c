/* Unit tests of what makes reads and bulk loads fast without changing what they return:
 * the SQLite connection settings (a memory map for reads, a large page cache in bulk
 * mode), and the plans of patient search.  SQLite only (the settings and plans are that
 * backend's). */
#include "unit_db.h"

#include "mesodesk/record.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static int64_t pragma_int(md_store *db, const char *sql)
{
    md_err err;
    int64_t v = 0;
    assert_int_equal(md_store_scalar_int(db, sql, NULL, 0, &v, &err), MD_OK);
    return v;
}

/* A connection reads the database file through a memory map (no pread copy per page). */
static void reads_go_through_a_memory_map(void **state)
{
    unit_db *u = *state;
    assert_true(pragma_int(u->db, "PRAGMA mmap_size") >= 1024 * 1024 * 1024);
}

/* Bulk mode holds a whole generator batch in the page cache, and ends back at the default. */
static void bulk_mode_raises_the_page_cache_and_restores_it(void **state)
{
    unit_db *u = *state;
    md_err err;
    int64_t before = pragma_int(u->db, "PRAGMA cache_size");
    assert_int_equal(md_store_bulk(u->db, 1, &err), MD_OK);
    int64_t bulk = pragma_int(u->db, "PRAGMA cache_size");
    assert_true(bulk <= -512 * 1024); /* negative: KiB, at least 512 MiB */
    assert_int_equal(pragma_int(u->db, "PRAGMA temp_store"), 2); /* statement journals in memory */
    assert_int_equal(md_store_bulk(u->db, 0, &err), MD_OK);
    assert_int_equal(pragma_int(u->db, "PRAGMA cache_size"), before);
    assert_int_equal(pragma_int(u->db, "PRAGMA temp_store"), 0);
}

static int append_plan(void *ctx, const md_row *r)
{
    char *plan = ctx;
    size_t n = strlen(plan);
    snprintf(plan + n, 4096 - n, "%s\n", md_row_text(r, 3));
    return 0;
}

/* EXPLAIN QUERY PLAN of the search's list statement for q, into plan (4096 bytes). */
static void list_plan(unit_db *u, const md_patient_query *q, char *plan)
{
    md_err err;
    md_search_sql *o = malloc(sizeof *o);
    char sql[2200];
    assert_non_null(o);
    assert_int_equal(md_patient_search_sql(&u->ctx, q, o, &err), MD_OK);
    snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", o->list);
    plan[0] = '\0';
    assert_int_equal(md_store_exec(u->db, sql, o->params, o->nparams, append_plan, plan, &err),
                     MD_OK);
    free(o);
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* A search with a word or a birth date starts from the matches' key ranges, never by
 * walking the clinic in name order (at 1,000,000 patients that walk took seconds for a
 * rare name); several words are intersected inside the key index, in one list. */
static void a_search_starts_from_its_matches(void **state)
{
    unit_db *u = *state;
    char plan[4096];
    md_patient_query one = {"smi", NULL, 20, 0}, two = {"smith ada", NULL, 20, 0},
                     birth = {NULL, "1980-02-03", 20, 0}, all = {NULL, NULL, 20, 0};
    list_plan(u, &one, plan);
    assert_null(strstr(plan, "patients_family"));
    list_plan(u, &two, plan);
    assert_null(strstr(plan, "patients_family"));
    assert_int_equal(count_of(plan, "LIST SUBQUERY"), 1);
    list_plan(u, &birth, plan);
    assert_null(strstr(plan, "patients_family"));
    /* Without a word or a date, name order is the index's: the walk stops at the limit. */
    list_plan(u, &all, plan);
    assert_non_null(strstr(plan, "patients_family"));
    assert_null(strstr(plan, "TEMP B-TREE FOR ORDER BY")); /* at most its right part */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(reads_go_through_a_memory_map, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(bulk_mode_raises_the_page_cache_and_restores_it,
                                        unit_db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_search_starts_from_its_matches, unit_db_setup,
                                        unit_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
