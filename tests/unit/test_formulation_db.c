/*
 * test_formulation_db.c - the formulation service (formulation.h part 3) on a real
 * database: the builder reads the patient's stored facts and the clinic's usable stock
 * (expired and recalled lots are not in stock), is audited as a read of the patient;
 * custom mixtures are checked before each version is saved and refused with every reason.
 */
#include "unit_db.h"

#include "mesodesk/formulation.h"
#include "mesodesk/record.h"
#include "mesodesk/stock.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* A product; ings "a,b"; returns its id in id. */
static void new_product(unit_db *u, const char *name, const char *ings, const char *reg,
                        char id[MD_ID_STR])
{
    md_err err;
    json_t *ing = json_array();
    char buf[200];
    snprintf(buf, sizeof buf, "%s", ings);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        json_array_append_new(ing, json_pack("{s:s,s:s}", "ingredient", t, "concentration", "1%"));
    json_t *in = json_pack("{s:s,s:s,s:f,s:s,s:o,s:{s:s}}", "name", name, "presentation",
                           "single_dose", "volume_ml", 2.0, "base", "aqueous", "ingredients", ing,
                           "regulatory", "UK", reg),
           *p = NULL;
    md_code rc = md_record_create(&u->ctx, &md_kind_product, NULL, in, &p, &err);
    if (rc != MD_OK) fprintf(stderr, "product: %s %s\n", err.field, err.message);
    assert_int_equal(rc, MD_OK);
    md_strlcpy(id, json_string_value(json_object_get(p, "id")), MD_ID_STR);
    json_decref(in);
    json_decref(p);
}

static void new_lot(unit_db *u, const char *product, const char *number, const char *expiry,
                    char id[MD_ID_STR])
{
    md_err err;
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i}", "product_id", product, "lot_number", number,
                           "expiry", expiry, "received_on", "2026-01-10", "supplier", "Supplier",
                           "quantity", 5),
           *l = NULL;
    md_code rc = md_lot_create(&u->ctx, in, &l, &err);
    if (rc != MD_OK) fprintf(stderr, "lot: %s %s\n", err.field, err.message);
    assert_int_equal(rc, MD_OK);
    md_strlcpy(id, json_string_value(json_object_get(l, "id")), MD_ID_STR);
    json_decref(in);
    json_decref(l);
}

static void record(unit_db *u, const md_record_kind *k, const char *pid, json_t *in)
{
    md_err err;
    json_t *out = NULL;
    md_code rc = md_record_create(&u->ctx, k, pid, in, &out, &err);
    if (rc != MD_OK) fprintf(stderr, "%s: %s %s\n", k->name, err.field, err.message);
    assert_int_equal(rc, MD_OK);
    json_decref(in);
    json_decref(out);
}

/* A man of 40; allergy: a substance, or NULL for "no known allergies". */
static void new_patient(unit_db *u, const char *allergy, char pid[MD_ID_STR])
{
    md_err err;
    json_t *in = json_pack("{s:s,s:s,s:s,s:s}", "given_name", "Ivo", "family_name", "Hale",
                           "birth_date", "1986-04-04", "sex", "male"),
           *p = NULL;
    assert_int_equal(md_record_create(&u->ctx, &md_kind_patient, NULL, in, &p, &err), MD_OK);
    md_strlcpy(pid, json_string_value(json_object_get(p, "id")), MD_ID_STR);
    json_decref(in);
    json_decref(p);
    if (allergy)
        record(u, &md_kind_allergy, pid, json_pack("{s:s}", "substance", allergy));
    else
        record(u, &md_kind_allergy_statement, pid, json_pack("{s:s}", "asked_on", "2026-11-01"));
}

static int64_t count(unit_db *u, const char *sql)
{
    int64_t n = -1;
    md_err err;
    md_val v[] = {md_text(u->ctx.who.clinic_id)};
    assert_int_equal(md_store_scalar_int(u->db, sql, v, 1, &n, &err), MD_OK);
    return n;
}

static json_t *find_by_product(json_t *list, const char *id)
{
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        json_t *ps = json_object_get(c, "products");
        if (json_array_size(ps) == 1 &&
            strcmp(json_string_value(json_object_get(json_array_get(ps, 0), "id")), id) == 0)
            return c;
    }
    return NULL;
}

static void the_builder_reads_stock_and_facts(void **state)
{
    unit_db *u = *state;
    char ha[MD_ID_STR], old[MD_ID_STR], rec[MD_ID_STR], lido[MD_ID_STR], lot[MD_ID_STR];
    char pid[MD_ID_STR];
    md_err err;
    new_product(u, "Hydra", "hyaluronic_acid", "ce_marked", ha);
    new_lot(u, ha, "HA-1", "2099-01-31", lot);
    new_product(u, "Old Hydra", "hyaluronic_acid", "ce_marked", old);
    new_lot(u, old, "OLD-1", "2026-01-31", lot); /* expired: not in stock */
    new_product(u, "Recalled Hydra", "hyaluronic_acid", "ce_marked", rec);
    new_lot(u, rec, "REC-1", "2099-01-31", lot);
    json_t *r = NULL, *in = json_pack("{s:s,s:s}", "reason", "sterility", "date", "2026-03-01");
    assert_int_equal(md_lot_recall(&u->ctx, lot, in, &r, &err), MD_OK);
    json_decref(in);
    json_decref(r);
    new_product(u, "Hydra Lido", "hyaluronic_acid,lidocaine", "ce_marked", lido);
    new_lot(u, lido, "HL-1", "2099-01-31", lot);
    new_patient(u, "amide_anaesthetics", pid);

    int64_t audits = count(u, "SELECT count(*) FROM audit_log WHERE clinic_id = $1 AND "
                              "object_type = 'formulation_build'");
    json_t *out = NULL;
    in = json_pack("{s:[s],s:[s],s:s}", "concerns", "dryness", "areas", "cheeks", "date",
                   "2026-12-01");
    md_code rc = md_formulation_build(&u->ctx, pid, in, &out, &err);
    if (rc != MD_OK) fprintf(stderr, "build: %s %s\n", err.field, err.message);
    assert_int_equal(rc, MD_OK);
    json_decref(in);
    json_t *cands = json_object_get(out, "candidates"), *excl = json_object_get(out, "excluded");
    assert_non_null(find_by_product(cands, ha));
    assert_null(find_by_product(cands, old));
    assert_null(find_by_product(excl, old));
    assert_null(find_by_product(cands, rec));
    assert_null(find_by_product(excl, rec));
    json_t *e = find_by_product(excl, lido);
    assert_non_null(e);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(e, "reasons"), 0), "reason")),
                        "allergy");
    assert_string_equal(json_string_value(json_object_get(out, "jurisdiction")), "UK");
    json_decref(out);
    assert_int_equal(count(u, "SELECT count(*) FROM audit_log WHERE clinic_id = $1 AND "
                              "object_type = 'formulation_build'"),
                     audits + 1);

    /* A patient of another clinic, or none: 404. */
    in = json_pack("{s:[s],s:[s]}", "concerns", "dryness", "areas", "cheeks");
    assert_int_equal(
        md_formulation_build(&u->ctx, "00000000000000000000000000000000", in, &out, &err),
        MD_ENOTFOUND);
    json_decref(in);
}

static md_code save(unit_db *u, const char *pid, const char *p1, const char *p2, json_t **out,
                    json_t **details, md_err *err)
{
    json_t *comps = json_pack("[{s:s,s:s}]", "product_id", p1, "volume_ml", "1.5");
    if (p2)
        json_array_append_new(comps, json_pack("{s:s,s:f}", "product_id", p2, "volume_ml", 0.5));
    json_t *in =
        json_pack("{s:s,s:{s:o,s:[s],s:[s]},s:s}", "name", "Glow", "mixture", "components", comps,
                  "areas", "cheeks", "concerns", "dryness", "planned_date", "2026-12-01");
    *details = NULL;
    md_code rc = md_formulation_create(&u->ctx, pid, in, out, details, err);
    json_decref(in);
    return rc;
}

static void a_mixture_is_checked_and_versioned(void **state)
{
    unit_db *u = *state;
    char ha[MD_ID_STR], pc[MD_ID_STR], lido[MD_ID_STR], lot[MD_ID_STR], pid[MD_ID_STR];
    md_err err;
    json_t *out = NULL, *details = NULL;
    new_product(u, "Hydra", "hyaluronic_acid", "ce_marked", ha);
    new_lot(u, ha, "HA-1", "2099-01-31", lot);
    new_product(u, "PC", "phosphatidylcholine", "ce_marked", pc);
    new_lot(u, pc, "PC-1", "2099-01-31", lot);
    new_product(u, "Lido", "lidocaine", "approved_drug_off_label", lido); /* no lot: not in stock */
    new_patient(u, NULL, pid);

    /* phosphatidylcholine with lidocaine in one syringe: refused, nothing stored */
    int64_t before = count(u, "SELECT count(*) FROM formulations WHERE clinic_id = $1");
    assert_int_equal(save(u, pid, pc, lido, &out, &details, &err), MD_ECONFLICT);
    assert_string_equal(err.field, "mixture");
    assert_non_null(details);
    json_t *r0 = json_array_get(json_object_get(details, "reasons"), 0);
    assert_string_equal(json_string_value(json_object_get(r0, "reason")), "incompatibility");
    json_decref(details);
    assert_int_equal(count(u, "SELECT count(*) FROM formulations WHERE clinic_id = $1"), before);

    /* HA + lidocaine: saved, with its cautions (off label; not in stock) */
    assert_int_equal(save(u, pid, ha, lido, &out, &details, &err), MD_OK);
    json_t *checks = json_object_get(out, "checks");
    assert_false(json_is_true(json_object_get(checks, "blocked")));
    assert_int_equal(json_array_size(json_object_get(checks, "cautions")), 2);
    json_t *c0 = json_array_get(json_object_get(json_object_get(out, "mixture"), "components"), 0);
    assert_int_equal(json_integer_value(json_object_get(c0, "volume_ul")), 1500);
    char id[MD_ID_STR];
    md_strlcpy(id, json_string_value(json_object_get(out, "id")), MD_ID_STR);
    json_decref(out);

    /* An update to PC + lidocaine is refused; to HA alone it is version 2 */
    json_t *in = json_pack("{s:{s:[{s:s,s:s},{s:s,s:s}],s:[s]},s:s}", "mixture", "components",
                           "product_id", pc, "volume_ml", "1", "product_id", lido, "volume_ml", "1",
                           "areas", "cheeks", "reason", "try PC");
    assert_int_equal(md_formulation_update(&u->ctx, pid, id, in, &out, &details, &err),
                     MD_ECONFLICT);
    json_decref(details);
    json_decref(in);
    in = json_pack("{s:{s:[{s:s,s:s}],s:[s]},s:s}", "mixture", "components", "product_id", ha,
                   "volume_ml", "2", "areas", "cheeks", "reason", "no anaesthetic");
    assert_int_equal(md_formulation_update(&u->ctx, pid, id, in, &out, &details, &err), MD_OK);
    assert_int_equal(json_integer_value(json_object_get(out, "version")), 2);
    assert_int_equal(json_array_size(json_object_get(json_object_get(out, "checks"), "cautions")),
                     0);
    json_decref(out);
    json_decref(in);
    /* a product discontinued in the catalogue is no component */
    in = json_pack("{s:s,s:s}", "status", "discontinued", "reason", "withdrawn");
    assert_int_equal(md_record_update(&u->ctx, &md_kind_product, NULL, lido, in, &out, &err),
                     MD_OK);
    json_decref(out);
    json_decref(in);
    assert_int_equal(save(u, pid, ha, lido, &out, &details, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "mixture.components[1].product_id");
    assert_non_null(strstr(err.message, "discontinued"));
    /* the checks are the server's */
    in = json_pack("{s:{},s:s}", "checks", "reason", "x");
    assert_int_equal(md_formulation_update(&u->ctx, pid, id, in, &out, &details, &err), MD_EINVAL);
    assert_string_equal(err.field, "checks");
    json_decref(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(the_builder_reads_stock_and_facts, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_mixture_is_checked_and_versioned, unit_db_setup,
                                        unit_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
