/* Unit tests of what makes reads and bulk loads fast without changing what they return:
 * the SQLite bulk mode (a large page cache), the plans of patient search, and the cache of
 * compiled clinic rule sets, a create without a read of its own.  SQLite only (the settings and
 * plans are that backend's). */
#include "unit_db.h"

#include "mesodesk/record.h"
#include "mesodesk/screening.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* "Another process": a connection, a kb and an audit writer of its own on u's database,
 * acting as u's clinic admin. */
typedef struct unit_db_another_process {
    md_store *db;
    md_kb *kb;
    md_auditor *auditor;
    md_arena *arena;
    md_ctx ctx;
} unit_db_another_process;

static void unit_db_process_open(unit_db *u, unit_db_another_process *p)
{
    md_err err;
    memset(p, 0, sizeof *p);
    assert_int_equal(md_store_open(u->path, &p->db, &err), MD_OK);
    assert_int_equal(md_auditor_start(u->path, &p->auditor, &err), MD_OK);
    const char *dir = getenv("MESODESK_KB") ? getenv("MESODESK_KB") : MESODESK_SOURCE_DIR "/kb";
    assert_int_equal(md_kb_load(dir, &p->kb, &err), MD_OK);
    p->arena = md_arena_new(16384, 0);
    p->ctx = u->ctx;
    p->ctx.db = p->db;
    p->ctx.kb = p->kb;
    p->ctx.auditor = p->auditor;
    p->ctx.arena = p->arena;
}

static void unit_db_process_close(unit_db_another_process *p)
{
    md_auditor_stop(p->auditor);
    md_store_close(p->db);
    md_kb_free(p->kb);
    md_arena_free(p->arena);
}

static int64_t pragma_int(md_store *db, const char *sql)
{
    md_err err;
    int64_t v = 0;
    assert_int_equal(md_store_scalar_int(db, sql, NULL, 0, &v, &err), MD_OK);
    return v;
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
    /* As the connection was opened (MEMORY, for savepoint journals): never reset, which
     * would also drop the connection's temporary tables. */
    assert_int_equal(pragma_int(u->db, "PRAGMA temp_store"), 2);
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

#define AGE_RULE(id, cls)                                                                          \
    "{\"rule\":{\"id\":\"" id "\",\"kind\":\"min_age\",\"class\":\"" cls                           \
    "\",\"when\":{\"years\":16},\"message\":\"Clinic policy: aged {age}, under {years}.\","        \
    "\"sources\":[\"clinic:policy-3\"]}%s}"

static json_t *rule_body(const char *fmt, const char *tail)
{
    char text[512];
    snprintf(text, sizeof text, fmt, tail);
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    return j;
}

static void create_rule(md_ctx *ctx, const char *fmt, char id[MD_ID_STR])
{
    md_err err;
    json_t *in = rule_body(fmt, ""), *out = NULL;
    assert_int_equal(md_clinic_rule_create(ctx, in, &out, &err), MD_OK);
    md_strlcpy(id, json_string_value(json_object_get(out, "id")), MD_ID_STR);
    json_decref(in);
    json_decref(out);
}

/* The class of rule id in the clinic's current rule set (-1: not in it). */
static int class_now(md_ctx *ctx, const char *rule)
{
    md_err err;
    const md_ruleset *rs;
    md_ruleset *owned = NULL;
    md_rule_info info;
    assert_int_equal(md_clinic_ruleset(ctx, &rs, &owned, NULL, &err), MD_OK);
    int i = md_ruleset_find(rs, rule);
    int cls = i >= 0 && md_ruleset_rule(rs, (size_t)i, &info) == 0 ? (int)info.cls : -1;
    md_ruleset_free(owned);
    return cls;
}

/* A clinic's rules are compiled once and the compiled set handed out again while they stay
 * the same (the two sets below are alive at once, so they are one set, not an address
 * reused). */
static void a_clinic_rule_set_is_compiled_once(void **state)
{
    unit_db *u = *state;
    md_err err;
    char id[MD_ID_STR];
    const md_ruleset *a, *b;
    md_ruleset *oa = NULL, *ob = NULL;
    create_rule(&u->ctx, AGE_RULE("clinic.age16", "deferred"), id);
    uint64_t hits0, misses0, hits, misses;
    md_kb_ruleset_cache_stats(u->kb, &hits0, &misses0);
    assert_int_equal(md_clinic_ruleset(&u->ctx, &a, &oa, NULL, &err), MD_OK);
    assert_int_equal(md_clinic_ruleset(&u->ctx, &b, &ob, NULL, &err), MD_OK);
    assert_non_null(oa);
    assert_ptr_equal(a, b);
    assert_true(md_ruleset_find(a, "clinic.age16") >= 0);
    md_kb_ruleset_cache_stats(u->kb, &hits, &misses);
    assert_true(hits >= hits0 + 1);
    md_ruleset_free(oa);
    md_ruleset_free(ob);
    /* Still kept after both callers let go. */
    assert_int_equal(md_clinic_ruleset(&u->ctx, &a, &oa, NULL, &err), MD_OK);
    assert_ptr_equal(a, b);
    md_ruleset_free(oa);
}

/* A change is seen by the next screening: through the API, from another process (its own
 * connection and kb), and a row edited behind the API's back. */
static void a_rule_change_is_seen_by_the_next_screening(void **state)
{
    unit_db *u = *state;
    md_err err;
    char id[MD_ID_STR], other[MD_ID_STR];
    create_rule(&u->ctx, AGE_RULE("clinic.age16", "deferred"), id);
    assert_int_equal(class_now(&u->ctx, "clinic.age16"), MD_CLASS_DEFERRED);
    json_t *in = rule_body(AGE_RULE("clinic.age16", "contraindicated"), ",\"reason\":\"stricter\""),
           *out = NULL;
    assert_int_equal(md_clinic_rule_update(&u->ctx, id, in, &out, &err), MD_OK);
    json_decref(in);
    json_decref(out);
    assert_int_equal(class_now(&u->ctx, "clinic.age16"), MD_CLASS_CONTRAINDICATED);

    /* Another process: its own connection and its own kb (and so its own cache). */
    unit_db_another_process p;
    unit_db_process_open(u, &p);
    assert_int_equal(class_now(&p.ctx, "clinic.age16"), MD_CLASS_CONTRAINDICATED);
    create_rule(&p.ctx, AGE_RULE("clinic.age17", "deferred"), other);
    assert_int_equal(class_now(&u->ctx, "clinic.age17"), MD_CLASS_DEFERRED);
    /* Behind the API's back. */
    md_val v[] = {md_text(other)};
    assert_int_equal(md_store_exec(u->db,
                                   "UPDATE clinic_rules SET rule = replace(rule, 'clinic.age17', "
                                   "'clinic.age18') WHERE id = $1 AND current = 1",
                                   v, 1, NULL, NULL, &err),
                     MD_OK);
    assert_int_equal(class_now(&p.ctx, "clinic.age17"), -1);
    assert_int_equal(class_now(&p.ctx, "clinic.age18"), MD_CLASS_DEFERRED);
    unit_db_process_close(&p);
}

/* A create answers with the record it wrote and audits it once, as "create": it neither
 * reads the record back after its commit nor audits that read. */
static void a_create_audits_its_record_once(void **state)
{
    unit_db *u = *state;
    md_err err;
    json_t *in = json_loads("{\"given_name\":\"Ada\",\"family_name\":\"Byron\","
                            "\"birth_date\":\"1980-12-10\",\"sex\":\"female\"}",
                            0, NULL),
           *out = NULL, *actions = json_array();
    assert_int_equal(md_record_create(&u->ctx, &md_kind_patient, NULL, in, &out, &err), MD_OK);
    const char *id = json_string_value(json_object_get(out, "id"));
    assert_non_null(id);
    assert_string_equal(json_string_value(json_object_get(out, "family_name")), "Byron");
    assert_int_equal(json_integer_value(json_object_get(out, "version")), 1);
    md_val v[] = {md_text(u->ctx.who.clinic_id), md_text(id)};
    assert_int_equal(md_store_exec(u->db,
                                   "SELECT action FROM audit_log WHERE clinic_id = $1 AND "
                                   "object_id = $2 ORDER BY seq",
                                   v, 2, unit_collect_text, actions, &err),
                     MD_OK);
    assert_int_equal(json_array_size(actions), 1);
    assert_string_equal(json_string_value(json_array_get(actions, 0)), "create");
    json_decref(actions);
    json_decref(in);
    json_decref(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(bulk_mode_raises_the_page_cache_and_restores_it,
                                        unit_db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_search_starts_from_its_matches, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_clinic_rule_set_is_compiled_once, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_rule_change_is_seen_by_the_next_screening, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_create_audits_its_record_once, unit_db_setup,
                                        unit_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
