/*
 * The kind registry: every declaration passes the start-up check; a declaration that
 * breaks a limit is refused with a message naming the kind and the field; and a new
 * kind is one declaration plus its table: a test-only kind runs through the generic
 * engine (create, read, list, update with reason, history, entered in error, one
 * current record per parent) against a table made here.
 */
#include "mesodesk/record.h"
#include "unit_db.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

static void the_registry_passes_its_check(void **state)
{
    (void)state;
    md_err err;
    md_err_clear(&err);
    md_code rc = md_kinds_check(md_kinds, &err);
    if (rc != MD_OK) fail_msg("%s", err.message);
    assert_ptr_equal(md_fact_kind_by_collection("status"), &md_kind_status);
    assert_ptr_equal(md_kind_by_collection(&md_kind_patient, "clearances"), &md_kind_clearance);
    assert_null(md_fact_kind_by_collection("patients"));
}

static const char *const good_status[] = {"active", "entered_in_error", NULL};

/* Check one kind alone; the message must name the kind and contain want. */
static void refused(const md_record_kind *k, const char *field, const char *want)
{
    const md_record_kind *const list[] = {k, NULL};
    md_err err;
    md_err_clear(&err);
    assert_int_equal(md_kinds_check(list, &err), MD_EINTERNAL);
    if (!strstr(err.message, k->name) || !strstr(err.message, want))
        fail_msg("kind %s: message '%s' lacks '%s'", k->name, err.message, want);
    assert_string_equal(err.field, field ? field : "");
}

#define KIND(n, flds)                                                                              \
    {                                                                                              \
        .name = n, .table = n, .read_perm = MD_PERM_CLINICAL_READ,                                 \
        .write_perm = MD_PERM_CLINICAL_WRITE, .fields = flds                                       \
    }

static void a_field_name_longer_than_a_column_is_refused(void **state)
{
    (void)state;
    static const md_field f[] = {
        {.name = "a_field_name_that_is_much_longer_than_any_column_identifier_can_be",
         .type = MD_F_DATE},
        {0}};
    static const md_record_kind k = KIND("long_name", f);
    refused(&k, f[0].name, "1 to 63 characters");
}

static void an_enum_value_longer_than_its_buffer_is_refused(void **state)
{
    (void)state;
    static const char *const vals[] = {
        "ok", "a_value_of_sixty_five_characters_is_longer_than_the_validator_reads", NULL};
    static const md_field f[] = {{.name = "grade", .type = MD_F_ENUM, .values = vals}, {0}};
    static const md_record_kind k = KIND("long_enum", f);
    refused(&k, "grade", "is not 1 to 64 characters");
}

static void an_enum_whose_list_outgrows_its_message_is_refused(void **state)
{
    (void)state;
    static const char *const vals[] = {
        "v01_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "v02_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "v03_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "v04_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "v05_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "v06_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "v07_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", NULL};
    static const md_field f[] = {{.name = "grade", .type = MD_F_ENUM, .values = vals}, {0}};
    static const md_record_kind k = KIND("wide_enum", f);
    refused(&k, "grade", "over 255");
}

static void too_many_fields_are_refused(void **state)
{
    (void)state;
    static const md_field f[] = {
        {.name = "f01", .type = MD_F_DATE}, {.name = "f02", .type = MD_F_DATE},
        {.name = "f03", .type = MD_F_DATE}, {.name = "f04", .type = MD_F_DATE},
        {.name = "f05", .type = MD_F_DATE}, {.name = "f06", .type = MD_F_DATE},
        {.name = "f07", .type = MD_F_DATE}, {.name = "f08", .type = MD_F_DATE},
        {.name = "f09", .type = MD_F_DATE}, {.name = "f10", .type = MD_F_DATE},
        {.name = "f11", .type = MD_F_DATE}, {.name = "f12", .type = MD_F_DATE},
        {.name = "f13", .type = MD_F_DATE}, {.name = "f14", .type = MD_F_DATE},
        {.name = "f15", .type = MD_F_DATE}, {.name = "f16", .type = MD_F_DATE},
        {.name = "f17", .type = MD_F_DATE}, {0}};
    static const md_record_kind k = KIND("wide_kind", f);
    refused(&k, NULL, "more than 16 fields");
}

static void declarations_that_cannot_work_are_refused(void **state)
{
    (void)state;
    static const char *const vals[] = {"a", "b", NULL};
    static const md_field no_len[] = {{.name = "note", .type = MD_F_TEXT}, {0}};
    static const md_record_kind k1 = KIND("no_len", no_len);
    refused(&k1, "note", "max_len");
    static const md_field bad_dflt[] = {
        {.name = "grade", .type = MD_F_ENUM, .values = vals, .dflt = "c"}, {0}};
    static const md_record_kind k2 = KIND("bad_default", bad_dflt);
    refused(&k2, "grade", "the default is not one of the values");
    static const md_field kept[] = {
        {.name = "code", .type = MD_F_CODE, .vocab = MD_VOCAB_AREA, .keep_typed = "typed"}, {0}};
    static const md_record_kind k3 = KIND("bad_keep", kept);
    refused(&k3, "code", "keep_typed");
    static const md_field twice[] = {
        {.name = "day", .type = MD_F_DATE}, {.name = "day", .type = MD_F_DATE}, {0}};
    static const md_record_kind k4 = KIND("twice", twice);
    refused(&k4, "day", "declared twice");
    static const md_field base[] = {{.name = "version", .type = MD_F_INT, .max = 9}, {0}};
    static const md_record_kind k5 = KIND("base_col", base);
    refused(&k5, "version", "base column");
    static const md_field status[] = {{.name = "status", .type = MD_F_ENUM, .values = vals}, {0}};
    static const md_record_kind k6 = {.name = "no_eie",
                                      .table = "no_eie",
                                      .read_perm = 1,
                                      .write_perm = 1,
                                      .fields = status,
                                      .status_field = "status"};
    refused(&k6, NULL, "entered_in_error");
    static const md_field ok[] = {{.name = "status", .type = MD_F_ENUM, .values = good_status},
                                  {0}};
    static const md_record_kind k7 = {.name = "orphan",
                                      .table = "orphan",
                                      .collection = "orphans",
                                      .flags = MD_KIND_ROUTES,
                                      .read_perm = 1,
                                      .write_perm = 1,
                                      .fields = ok};
    refused(&k7, NULL, "generic routes need a parent");
    static const md_record_kind k8 = {.name = "half_parent",
                                      .table = "half_parent",
                                      .has_parent = 1,
                                      .read_perm = 1,
                                      .write_perm = 1,
                                      .fields = ok};
    refused(&k8, NULL, "has_parent and parent disagree");
}

/* ---- a test-only kind on the generic engine ---- */

static const char *const note_status[] = {"current", "superseded", "entered_in_error", NULL};

/* The worked example of docs/ARCHITECTURE.md: one declaration... */
static const md_field skin_note_fields[] = {
    {.name = "area", .type = MD_F_CODE, .required = 1, .vocab = MD_VOCAB_AREA},
    {.name = "severity", .type = MD_F_INT, .min = 0, .max = 4},
    {.name = "note", .type = MD_F_TEXT, .max_len = 200},
    {.name = "status", .type = MD_F_ENUM, .required = 1, .values = note_status, .dflt = "current"},
    {0},
};

static const md_record_kind test_skin_note = {
    .name = "test_skin_note",
    .table = "test_skin_notes",
    .collection = "test_skin_notes",
    .schema = "TestSkinNote",
    .title = "skin notes",
    .parent = &md_kind_patient,
    .has_parent = 1,
    .flags = MD_KIND_ROUTES | MD_KIND_ONE_CURRENT,
    .read_perm = MD_PERM_CLINICAL_READ,
    .write_perm = MD_PERM_CLINICAL_WRITE,
    .fields = skin_note_fields,
    .status_field = "status",
};

/* ... plus its table (a migration, in the product). */
static void make_table(unit_db *u)
{
    md_err err;
    const char *sql = "CREATE TABLE test_skin_notes (clinic_id TEXT NOT NULL, id TEXT NOT NULL, "
                      "version BIGINT NOT NULL, current INTEGER NOT NULL, recorded_by TEXT NOT "
                      "NULL, recorded_at TEXT NOT NULL, reason TEXT NOT NULL, patient_id TEXT NOT "
                      "NULL, area TEXT NOT NULL, severity BIGINT, note TEXT, status TEXT NOT NULL, "
                      "PRIMARY KEY (clinic_id, id, version))";
    if (md_store_exec(u->db, sql, NULL, 0, NULL, NULL, &err) != MD_OK)
        fail_msg("create table: %s", err.message);
}

static json_t *patient(unit_db *u)
{
    md_err err;
    json_t *in = json_pack("{s:s,s:s,s:s,s:s}", "given_name", "Ines", "family_name", "Okafor",
                           "birth_date", "1988-04-02", "sex", "female");
    json_t *out = NULL;
    if (md_record_create(&u->ctx, &md_kind_patient, NULL, in, &out, &err) != MD_OK)
        fail_msg("patient: %s", err.message);
    json_decref(in);
    return out;
}

static void a_test_kind_runs_on_the_generic_engine(void **state)
{
    unit_db *u = *state;
    md_err err;
    const md_record_kind *const list[] = {&test_skin_note, NULL};
    assert_int_equal(md_kinds_check(list, &err), MD_OK);
    make_table(u);
    json_t *p = patient(u);
    const char *pid = json_string_value(json_object_get(p, "id"));

    /* Validation from the declaration: unknown key, range, vocabulary. */
    json_t *in = json_pack("{s:s,s:i}", "area", "cheeks", "severity", 9), *out = NULL;
    assert_int_equal(md_record_create(&u->ctx, &test_skin_note, pid, in, &out, &err),
                     MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "severity");
    json_decref(in);
    in = json_pack("{s:s,s:s}", "area", "cheeks", "colour", "red");
    assert_int_equal(md_record_create(&u->ctx, &test_skin_note, pid, in, &out, &err), MD_EINVAL);
    assert_string_equal(err.field, "colour");
    json_decref(in);

    /* Create: v1 with the default status. */
    in = json_pack("{s:s,s:i,s:s}", "area", "cheeks", "severity", 2, "note", "dry patches");
    assert_int_equal(md_record_create(&u->ctx, &test_skin_note, pid, in, &out, &err), MD_OK);
    json_decref(in);
    char id[MD_ID_STR];
    md_strlcpy(id, json_string_value(json_object_get(out, "id")), sizeof id);
    assert_int_equal(json_integer_value(json_object_get(out, "version")), 1);
    assert_string_equal(json_string_value(json_object_get(out, "status")), "current");
    assert_string_equal(json_string_value(json_object_get(out, "patient_id")), pid);
    json_decref(out);

    /* One current record per patient: a second create is version 2 of the same record. */
    in = json_pack("{s:s,s:i}", "area", "forehead", "severity", 1);
    assert_int_equal(md_record_create(&u->ctx, &test_skin_note, pid, in, &out, &err), MD_OK);
    json_decref(in);
    assert_string_equal(json_string_value(json_object_get(out, "id")), id);
    assert_int_equal(json_integer_value(json_object_get(out, "version")), 2);
    assert_string_equal(json_string_value(json_object_get(out, "reason")),
                        "test_skin_notes updated");
    json_decref(out);

    /* Update needs a reason; a stale version is a conflict. */
    in = json_pack("{s:i}", "severity", 3);
    assert_int_equal(md_record_update(&u->ctx, &test_skin_note, pid, id, in, &out, &err),
                     MD_EINVAL);
    assert_string_equal(err.field, "reason");
    json_decref(in);
    in = json_pack("{s:i,s:s,s:i}", "severity", 3, "reason", "re-examined", "version", 1);
    assert_int_equal(md_record_update(&u->ctx, &test_skin_note, pid, id, in, &out, &err),
                     MD_ECONFLICT);
    json_object_set_new(in, "version", json_integer(2));
    assert_int_equal(md_record_update(&u->ctx, &test_skin_note, pid, id, in, &out, &err), MD_OK);
    json_decref(in);
    assert_int_equal(json_integer_value(json_object_get(out, "severity")), 3);
    assert_string_equal(json_string_value(json_object_get(out, "area")), "forehead");
    json_decref(out);

    /* Entered in error: gone from the list, kept in history. */
    in = json_pack("{s:s}", "reason", "wrong patient");
    assert_int_equal(md_record_entered_in_error(&u->ctx, &test_skin_note, pid, id, in, &out, &err),
                     MD_OK);
    json_decref(in);
    assert_string_equal(json_string_value(json_object_get(out, "status")), "entered_in_error");
    json_decref(out);
    assert_int_equal(md_record_list(&u->ctx, &test_skin_note, pid, 0, &out, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(out, "items")), 0);
    json_decref(out);
    assert_int_equal(md_record_list(&u->ctx, &test_skin_note, pid, 1, &out, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(out, "items")), 1);
    json_decref(out);
    assert_int_equal(md_record_history(&u->ctx, &test_skin_note, pid, id, &out, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(out, "versions")), 4);
    json_decref(out);
    assert_int_equal(md_record_get(&u->ctx, &test_skin_note, pid, id, &out, &err), MD_OK);
    assert_int_equal(json_integer_value(json_object_get(out, "version")), 4);
    json_decref(out);

    /* The kind as the web app and the API document read it. */
    json_t *j = md_kind_json(&test_skin_note);
    assert_string_equal(json_string_value(json_object_get(j, "parent")), "patient");
    json_t *sev = json_array_get(json_object_get(j, "fields"), 1);
    assert_int_equal(json_integer_value(json_object_get(sev, "max")), 4);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(j, "fields"), 0), "vocabulary")),
                        "area");
    json_decref(j);
    json_decref(p);
}

/* A kind without entered_in_error cannot be marked so. */
static void entered_in_error_needs_the_status(void **state)
{
    unit_db *u = *state;
    md_err err;
    json_t *in = json_pack("{s:s}", "reason", "x"), *out = NULL;
    assert_int_equal(md_record_entered_in_error(&u->ctx, &md_kind_patient, NULL,
                                                "0123456789abcdef0123456789abcdef", in, &out, &err),
                     MD_EUNPROCESSABLE);
    json_decref(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_registry_passes_its_check),
        cmocka_unit_test(a_field_name_longer_than_a_column_is_refused),
        cmocka_unit_test(an_enum_value_longer_than_its_buffer_is_refused),
        cmocka_unit_test(an_enum_whose_list_outgrows_its_message_is_refused),
        cmocka_unit_test(too_many_fields_are_refused),
        cmocka_unit_test(declarations_that_cannot_work_are_refused),
        cmocka_unit_test_setup_teardown(a_test_kind_runs_on_the_generic_engine, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(entered_in_error_needs_the_status, unit_db_setup,
                                        unit_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
