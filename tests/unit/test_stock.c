/* The catalogue, lots, stock movements, vials and administrations (stock.h): validation
 * naming the field, the ledgers adding up, refusals of expired and recalled lots, and
 * nothing stored when a write fails. */
#include "unit_db.h"

#include "mesodesk/commit.h"
#include "mesodesk/record.h"
#include "mesodesk/stock.h"
#include "mesodesk/validate.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static json_t *product_body(const char *name, const char *presentation, double volume)
{
    return json_pack("{s:s,s:s,s:s,s:f,s:s,s:[{s:s,s:s},{s:s,s:s}],s:{s:s,s:s}}", "name", name,
                     "manufacturer", "Fillmed", "presentation", presentation, "volume_ml", volume,
                     "base", "aqueous", "ingredients", "ingredient", "hyaluronic_acid",
                     "concentration", "1.5%", "ingredient", "vitamin_c", "concentration",
                     "20 mg/ml", "regulatory", "EU", "ce_marked", "US", "fda_cleared");
}

static void new_product(unit_db *u, const char *presentation, double volume, char id[MD_ID_STR])
{
    md_err err;
    json_t *in = product_body("NCTF 135HA", presentation, volume), *p = NULL;
    md_code rc = md_record_create(&u->ctx, &md_kind_product, NULL, in, &p, &err);
    if (rc != MD_OK) fprintf(stderr, "product: %s %s\n", err.field, err.message);
    assert_int_equal(rc, MD_OK);
    md_strlcpy(id, json_string_value(json_object_get(p, "id")), MD_ID_STR);
    json_decref(in);
    json_decref(p);
}

static md_code new_lot(unit_db *u, const char *product, const char *number, const char *expiry,
                       long quantity, char id[MD_ID_STR], md_err *err)
{
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i}", "product_id", product, "lot_number", number,
                           "expiry", expiry, "received_on", "2026-01-10", "supplier",
                           "Medical Supplies Ltd", "quantity", (int)quantity),
           *l = NULL;
    md_code rc = md_lot_create(&u->ctx, in, &l, err);
    if (rc == MD_OK) md_strlcpy(id, json_string_value(json_object_get(l, "id")), MD_ID_STR);
    json_decref(in);
    json_decref(l);
    return rc;
}

static void new_patient(unit_db *u, char pid[MD_ID_STR])
{
    md_err err;
    json_t *in = json_pack("{s:s,s:s,s:s,s:s}", "given_name", "Ivy", "family_name", "Hale",
                           "birth_date", "1990-04-04", "sex", "female"),
           *p = NULL;
    assert_int_equal(md_record_create(&u->ctx, &md_kind_patient, NULL, in, &p, &err), MD_OK);
    md_strlcpy(pid, json_string_value(json_object_get(p, "id")), MD_ID_STR);
    json_decref(in);
    json_decref(p);
}

static int64_t count(unit_db *u, const char *sql)
{
    int64_t n = -1;
    md_err err;
    md_val v[] = {md_text(u->ctx.who.clinic_id)};
    assert_int_equal(md_store_scalar_int(u->db, sql, v, 1, &n, &err), MD_OK);
    return n;
}

/* What is on hand, checked against the ledger: the balance is the sum of the movements. */
static int64_t on_hand(unit_db *u, const char *lot)
{
    int64_t n = -1, sum = -1;
    md_err err;
    assert_int_equal(md_lot_on_hand(&u->ctx, lot, &n, &err), MD_OK);
    md_val v[] = {md_text(u->ctx.who.clinic_id), md_text(lot)};
    assert_int_equal(md_store_scalar_int(u->ctx.db,
                                         "SELECT coalesce(sum(quantity), 0) FROM stock_movements "
                                         "WHERE clinic_id = $1 AND lot_id = $2",
                                         v, 2, &sum, &err),
                     MD_OK);
    assert_int_equal(n, sum);
    return n;
}

static md_code dose(unit_db *u, const char *pid, const char *lot, const char *vial, long ul,
                    json_t **out, md_err *err)
{
    md_dose d = {.patient_id = pid,
                 .lot_id = lot,
                 .vial_id = vial,
                 .volume_ul = ul,
                 .route = "intradermal",
                 .context = "session"};
    json_t *ignored = NULL;
    md_code rc = md_administration_record(&u->ctx, &d, out ? out : &ignored, err);
    json_decref(ignored);
    return rc;
}

/* ---- products ---- */

static md_code create_with(unit_db *u, const char *key, json_t *value, md_err *err)
{
    json_t *in = product_body("P", "single_dose", 2.0), *p = NULL;
    json_object_set_new(in, key, value);
    md_code rc = md_record_create(&u->ctx, &md_kind_product, NULL, in, &p, err);
    json_decref(in);
    json_decref(p);
    return rc;
}

static void a_product_names_its_bad_field(void **state)
{
    unit_db *u = *state;
    md_err err;
    assert_int_equal(create_with(u, "ingredients",
                                 json_pack("[{s:s},{s:s}]", "ingredient", "hyaluronic_acid",
                                           "ingredient", "snake_oil"),
                                 &err),
                     MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "ingredients[1].ingredient");
    assert_int_equal(create_with(u, "regulatory", json_pack("{s:s}", "EU", "approved_by_me"), &err),
                     MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "regulatory.EU");
    assert_int_equal(create_with(u, "regulatory", json_pack("{s:s}", "Mars", "ce_marked"), &err),
                     MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "regulatory.Mars");
    assert_int_equal(create_with(u, "base", json_string("plasma"), &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "base");
    assert_int_equal(create_with(u, "volume_ml", json_integer(0), &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "volume_ml");
    assert_int_equal(create_with(u, "volume_ml", json_real(-2.5), &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "volume_ml");
    assert_int_equal(create_with(u, "volume_ml", json_real(1.0005), &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "volume_ml");
    assert_int_equal(create_with(u, "ingredients", json_array(), &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "ingredients");
    assert_int_equal(count(u, "SELECT count(*) FROM products WHERE clinic_id = $1"), 0);
    /* A synonym is kept in its canonical form, a volume exactly. */
    json_t *p = NULL, *in = product_body("Vit C", "single_dose", 0.3);
    json_object_set_new(in, "regulatory", json_pack("{s:s}", "GB", "approved_drug_off_label"));
    assert_int_equal(md_record_create(&u->ctx, &md_kind_product, NULL, in, &p, &err), MD_OK);
    assert_string_equal(json_string_value(json_object_get(json_object_get(p, "regulatory"), "UK")),
                        "approved_drug_off_label");
    json_t *got = NULL;
    assert_int_equal(
        md_product_get(&u->ctx, json_string_value(json_object_get(p, "id")), &got, &err), MD_OK);
    assert_true(json_real_value(json_object_get(got, "volume_ml")) == 0.3);
    md_reg_info info;
    assert_int_equal(md_product_regulatory(u->kb, got, "UK", &info, &err), MD_OK);
    assert_int_equal(info.policy, MD_REG_CAUTION);
    assert_int_equal(md_product_regulatory(u->kb, got, "US", &info, &err), MD_OK);
    assert_int_equal(info.policy, MD_REG_UNKNOWN); /* stated for none: never read as allowed */
    json_decref(got);
    json_decref(p);
    json_decref(in);
}

static void the_kb_gives_each_status_its_policy(void **state)
{
    unit_db *u = *state;
    md_reg_info info;
    md_err err;
    static const struct {
        const char *status;
        md_reg_policy policy;
    } cases[] = {{"ce_marked", MD_REG_ALLOWED},
                 {"fda_cleared", MD_REG_ALLOWED},
                 {"approved_drug_off_label", MD_REG_CAUTION},
                 {"compounded", MD_REG_BLOCKED},
                 {"unapproved", MD_REG_BLOCKED}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(md_kb_regulatory_policy(u->kb, cases[i].status, "s", &info, &err), MD_OK);
        assert_int_equal(info.policy, cases[i].policy);
        assert_true(info.n_sources > 0);
    }
    assert_int_equal(md_kb_regulatory_policy(u->kb, "grey_market", "s", &info, &err),
                     MD_EUNPROCESSABLE);
    md_beyond_use b;
    assert_int_equal(md_kb_beyond_use(u->kb, &b, &err), MD_OK);
    assert_int_equal(b.hours, 28 * 24);
    assert_true(b.n_sources >= 1);
}

/* ---- lots ---- */

static void a_lot_refuses_bad_input_and_stores_nothing(void **state)
{
    unit_db *u = *state;
    md_err err;
    char prod[MD_ID_STR], other[MD_ID_STR], lot[MD_ID_STR];
    new_product(u, "single_dose", 2.0, prod);
    new_product(u, "single_dose", 1.0, other);
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:i}", "product_id", prod, "lot_number", "A1",
                           "expiry", "2026-01-01", "received_on", "2026-02-01", "quantity", 3),
           *l = NULL;
    assert_int_equal(md_lot_create(&u->ctx, in, &l, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "expiry");
    json_object_set_new(in, "expiry", json_string("2027-01-01"));
    json_object_set_new(in, "quantity", json_integer(0));
    assert_int_equal(md_lot_create(&u->ctx, in, &l, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "quantity");
    json_object_set_new(in, "quantity", json_integer(-4));
    assert_int_equal(md_lot_create(&u->ctx, in, &l, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "quantity");
    json_object_set_new(in, "quantity", json_integer(3));
    json_object_set_new(in, "product_id", json_string("0123456789abcdef0123456789abcdef"));
    assert_int_equal(md_lot_create(&u->ctx, in, &l, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "product_id");
    json_decref(in);
    assert_int_equal(count(u, "SELECT count(*) FROM lots WHERE clinic_id = $1"), 0);
    assert_int_equal(count(u, "SELECT count(*) FROM stock_movements WHERE clinic_id = $1"), 0);

    assert_int_equal(new_lot(u, prod, "A1", "2027-01-01", 3, lot, &err), MD_OK);
    assert_int_equal(on_hand(u, lot), 3);
    char again[MD_ID_STR];
    assert_int_equal(new_lot(u, other, "A1", "2027-01-01", 3, again, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "lot_number");
    assert_int_equal(new_lot(u, prod, "A1", "2027-01-01", 3, again, &err), MD_ECONFLICT);
    assert_string_equal(err.field, "lot_number");
    assert_int_equal(count(u, "SELECT count(*) FROM lots WHERE clinic_id = $1"), 1);
    assert_int_equal(count(u, "SELECT count(*) FROM stock_movements WHERE clinic_id = $1"), 1);
}

/* ---- single-dose administrations ---- */

static void a_single_dose_takes_one_container(void **state)
{
    unit_db *u = *state;
    md_err err;
    char prod[MD_ID_STR], lot[MD_ID_STR], pid[MD_ID_STR];
    new_product(u, "single_dose", 2.0, prod);
    new_patient(u, pid);
    assert_int_equal(new_lot(u, prod, "L-2", "2099-12-31", 2, lot, &err), MD_OK);
    json_t *a = NULL;
    assert_int_equal(dose(u, pid, lot, NULL, 1500, &a, &err), MD_OK);
    assert_string_equal(json_string_value(json_object_get(a, "product_id")), prod);
    assert_true(json_real_value(json_object_get(a, "volume_ml")) == 1.5);
    assert_string_equal(json_string_value(json_object_get(a, "status")), "given");
    json_decref(a);
    assert_int_equal(on_hand(u, lot), 1);
    /* More than a container holds, a vial for a single-dose lot: named, nothing stored. */
    assert_int_equal(dose(u, pid, lot, NULL, 2001, NULL, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "volume_ml");
    assert_int_equal(dose(u, pid, lot, NULL, 0, NULL, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "volume_ml");
    assert_int_equal(dose(u, pid, lot, "0123456789abcdef0123456789abcdef", 100, NULL, &err),
                     MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "vial_id");
    assert_int_equal(dose(u, "0123456789abcdef0123456789abcdee", lot, NULL, 100, NULL, &err),
                     MD_ENOTFOUND);
    assert_int_equal(on_hand(u, lot), 1);
    assert_int_equal(dose(u, pid, lot, NULL, 2000, NULL, &err), MD_OK);
    assert_int_equal(on_hand(u, lot), 0);
    assert_int_equal(dose(u, pid, lot, NULL, 100, NULL, &err), MD_ECONFLICT);
    assert_string_equal(err.field, "lot_id");
    assert_int_equal(count(u, "SELECT count(*) FROM administrations WHERE clinic_id = $1"), 2);
    assert_int_equal(
        count(u, "SELECT count(*) FROM stock_movements WHERE clinic_id = $1 AND kind = 'used'"), 2);
}

static void an_expired_or_recalled_lot_is_refused(void **state)
{
    unit_db *u = *state;
    md_err err;
    char prod[MD_ID_STR], old[MD_ID_STR], lot[MD_ID_STR], pid[MD_ID_STR];
    new_product(u, "single_dose", 2.0, prod);
    new_patient(u, pid);
    assert_int_equal(new_lot(u, prod, "OLD", "2026-01-31", 5, old, &err), MD_OK);
    assert_int_equal(dose(u, pid, old, NULL, 100, NULL, &err), MD_ECONFLICT);
    assert_string_equal(err.field, "lot_id");
    assert_non_null(strstr(err.message, "expired on 2026-01-31"));
    assert_int_equal(new_lot(u, prod, "NEW", "2099-01-31", 5, lot, &err), MD_OK);
    assert_int_equal(dose(u, pid, lot, NULL, 100, NULL, &err), MD_OK);
    json_t *in =
               json_pack("{s:s,s:s}", "reason", "supplier notice: sterility", "date", "2026-03-01"),
           *r = NULL;
    assert_int_equal(md_lot_recall(&u->ctx, lot, in, &r, &err), MD_OK);
    assert_string_equal(json_string_value(json_object_get(r, "status")), "recalled");
    assert_int_equal(json_integer_value(json_object_get(r, "on_hand")), 0);
    assert_false(json_is_true(json_object_get(r, "usable")));
    json_decref(r);
    assert_int_equal(on_hand(u, lot), 0);
    assert_int_equal(dose(u, pid, lot, NULL, 100, NULL, &err), MD_ECONFLICT);
    assert_string_equal(err.field, "lot_id");
    assert_non_null(strstr(err.message, "supplier notice: sterility"));
    assert_int_equal(md_lot_recall(&u->ctx, lot, in, &r, &err), MD_ECONFLICT);
    json_decref(in);
    in = json_pack("{s:s}", "reason", "x");
    assert_int_equal(md_lot_recall(&u->ctx, old, in, &r, &err), MD_EINVAL);
    assert_string_equal(err.field, "date");
    json_decref(in);
    assert_int_equal(count(u, "SELECT count(*) FROM administrations WHERE clinic_id = $1"), 1);
}

/* Inside a caller's write the dose is a savepoint of it: rolled back with it, entirely. */
static void a_dose_inside_a_failed_write_leaves_nothing(void **state)
{
    unit_db *u = *state;
    md_err err;
    char prod[MD_ID_STR], lot[MD_ID_STR], pid[MD_ID_STR];
    new_product(u, "single_dose", 2.0, prod);
    new_patient(u, pid);
    assert_int_equal(new_lot(u, prod, "N1", "2099-01-31", 5, lot, &err), MD_OK);
    int64_t audits = count(u, "SELECT count(*) FROM audit_log WHERE clinic_id = $1");
    assert_int_equal(md_write_begin(&u->ctx, &err), MD_OK);
    assert_true(md_store_in_tx(u->ctx.db) > 0);
    assert_int_equal(dose(u, pid, lot, NULL, 100, NULL, &err), MD_OK);
    assert_int_equal(on_hand(u, lot), 4); /* seen inside the caller's write */
    assert_int_not_equal(md_write_finish(&u->ctx, MD_EUNPROCESSABLE, &err), MD_OK);
    assert_int_equal(on_hand(u, lot), 5);
    assert_int_equal(count(u, "SELECT count(*) FROM administrations WHERE clinic_id = $1"), 0);
    assert_int_equal(count(u, "SELECT count(*) FROM audit_log WHERE clinic_id = $1"), audits);
}

static void available_lists_usable_lots_only(void **state)
{
    unit_db *u = *state;
    md_err err;
    char a[MD_ID_STR], b[MD_ID_STR], l1[MD_ID_STR], l2[MD_ID_STR], l3[MD_ID_STR], l4[MD_ID_STR];
    char pid[MD_ID_STR];
    new_patient(u, pid);
    new_product(u, "single_dose", 2.0, a);
    new_product(u, "single_dose", 2.0, b);
    assert_int_equal(new_lot(u, a, "A-LATE", "2099-06-30", 2, l1, &err), MD_OK);
    assert_int_equal(new_lot(u, a, "A-SOON", "2099-01-31", 1, l2, &err), MD_OK);
    assert_int_equal(new_lot(u, a, "A-OLD", "2026-01-31", 4, l3, &err), MD_OK);
    assert_int_equal(new_lot(u, b, "B-ONE", "2099-01-31", 1, l4, &err), MD_OK);
    assert_int_equal(dose(u, pid, l4, NULL, 100, NULL, &err), MD_OK); /* b: none left */
    json_t *av = NULL;
    assert_int_equal(md_stock_available(&u->ctx, md_date_from_ymd(2026, 6, 1), &av, &err), MD_OK);
    json_t *items = json_object_get(av, "items");
    assert_int_equal(json_array_size(items), 1);
    json_t *it = json_array_get(items, 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(it, "product"), "id")),
                        a);
    json_t *lots = json_object_get(it, "lots");
    assert_int_equal(json_array_size(lots), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(lots, 0), "lot_number")),
                        "A-SOON");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(lots, 1), "remaining")), 2);
    json_decref(av);
    /* On a day past A-SOON's expiry only A-LATE is left. */
    assert_int_equal(md_stock_available(&u->ctx, md_date_from_ymd(2099, 2, 1), &av, &err), MD_OK);
    lots = json_object_get(json_array_get(json_object_get(av, "items"), 0), "lots");
    assert_int_equal(json_array_size(lots), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(lots, 0), "id")), l1);
    json_decref(av);
}

/* A dose given before the recall was marked is still charted (its patient is exposed);
 * one given after it is refused.  The ledger still adds up. */
static void a_dose_given_before_the_recall_is_charted(void **state)
{
    unit_db *u = *state;
    md_err err;
    char prod[MD_ID_STR], lot[MD_ID_STR], pid[MD_ID_STR], before[MD_TIME_STR];
    new_product(u, "single_dose", 2.0, prod);
    new_patient(u, pid);
    assert_int_equal(new_lot(u, prod, "R1", "2099-01-31", 3, lot, &err), MD_OK);
    md_time_format(md_now() - 3600, before);
    json_t *in = json_pack("{s:s,s:s}", "reason", "endotoxin", "date", "2026-03-01"), *r = NULL;
    assert_int_equal(md_lot_recall(&u->ctx, lot, in, &r, &err), MD_OK);
    json_decref(in);
    json_decref(r);
    assert_int_equal(on_hand(u, lot), 0);
    md_dose d = {.patient_id = pid,
                 .lot_id = lot,
                 .volume_ul = 1000,
                 .route = "intradermal",
                 .context = "session",
                 .given_at = before};
    json_t *a = NULL;
    assert_int_equal(md_administration_record(&u->ctx, &d, &a, &err), MD_OK);
    json_decref(a);
    assert_int_equal(on_hand(u, lot), 0);
    assert_int_equal(count(u, "SELECT count(*) FROM stock_movements WHERE clinic_id = $1 AND "
                              "kind = 'recalled'"),
                     2); /* -3 at the recall, +1 for the dose charted late */
    d.given_at = NULL;
    assert_int_equal(md_administration_record(&u->ctx, &d, &a, &err), MD_ECONFLICT);
    assert_string_equal(err.field, "lot_id");
    assert_non_null(strstr(err.message, "endotoxin"));
}

static void open_vial(unit_db *u, const char *lot, char vial[MD_ID_STR], json_t **out)
{
    md_err err;
    json_t *v = NULL;
    md_code rc = md_vial_open(&u->ctx, lot, NULL, &v, &err);
    if (rc != MD_OK) fprintf(stderr, "vial: %s %s\n", err.field, err.message);
    assert_int_equal(rc, MD_OK);
    md_strlcpy(vial, json_string_value(json_object_get(v, "id")), MD_ID_STR);
    if (out)
        *out = v;
    else
        json_decref(v);
}

static void a_vial_knows_its_beyond_use_time_and_what_remains(void **state)
{
    unit_db *u = *state;
    md_err err;
    char prod[MD_ID_STR], lot[MD_ID_STR], pid[MD_ID_STR], vial[MD_ID_STR];
    new_product(u, "multi_dose", 5.0, prod);
    new_patient(u, pid);
    assert_int_equal(new_lot(u, prod, "M1", "2099-01-31", 1, lot, &err), MD_OK);
    json_t *v = NULL;
    open_vial(u, lot, vial, &v);
    int64_t opened = 0, bud = 0;
    md_time_parse(json_string_value(json_object_get(v, "opened_at")), &opened);
    md_time_parse(json_string_value(json_object_get(v, "beyond_use_at")), &bud);
    assert_int_equal(bud - opened, 28 * 86400); /* the kb's rule, named */
    assert_string_equal(json_string_value(json_object_get(v, "beyond_use_rule")),
                        "multi_dose_after_first_puncture");
    json_t *src = json_object_get(json_object_get(v, "beyond_use"), "sources");
    assert_string_equal(json_string_value(json_array_get(src, 0)), "CDC multi-dose vials");
    json_decref(v);
    assert_int_equal(on_hand(u, lot), 0);
    /* No second vial: the lot has none left. */
    assert_int_equal(md_vial_open(&u->ctx, lot, NULL, &v, &err), MD_ECONFLICT);
    assert_string_equal(err.field, "lot_id");
    /* A multi-dose lot needs its vial; draws until the vial cannot give the dose. */
    assert_int_equal(dose(u, pid, lot, NULL, 1000, NULL, &err), MD_EINVAL);
    assert_string_equal(err.field, "vial_id");
    json_t *a = NULL;
    assert_int_equal(dose(u, pid, lot, vial, 2000, &a, &err), MD_OK);
    assert_string_equal(json_string_value(json_object_get(a, "vial_id")), vial);
    assert_int_equal(dose(u, pid, lot, vial, 2500, NULL, &err), MD_OK);
    assert_int_equal(dose(u, pid, lot, vial, 501, NULL, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "volume_ml");
    assert_int_equal(md_vial_get(&u->ctx, vial, &v, &err), MD_OK);
    assert_true(json_real_value(json_object_get(v, "remaining_ml")) == 0.5);
    json_decref(v);
    /* Entered in error, the dose's volume goes back to the vial. */
    json_t *why = json_pack("{s:s}", "reason", "wrong patient"), *e = NULL;
    assert_int_equal(md_administration_entered_in_error(
                         &u->ctx, pid, json_string_value(json_object_get(a, "id")), why, &e, &err),
                     MD_OK);
    assert_string_equal(json_string_value(json_object_get(e, "status")), "entered_in_error");
    assert_int_equal(md_administration_entered_in_error(
                         &u->ctx, pid, json_string_value(json_object_get(a, "id")), why, &e, &err),
                     MD_ECONFLICT); /* not twice */
    json_decref(why);
    json_decref(e);
    json_decref(a);
    assert_int_equal(md_vial_get(&u->ctx, vial, &v, &err), MD_OK);
    assert_true(json_real_value(json_object_get(v, "remaining_ml")) == 2.5);
    json_decref(v);
    /* Past its beyond-use time: refused with the reason, whatever remains. */
    md_val set[] = {md_text("2026-01-01T00:00:00Z"), md_text(vial)};
    assert_int_equal(md_store_exec(u->db, "UPDATE vials SET beyond_use_at = $1 WHERE id = $2", set,
                                   2, NULL, NULL, &err),
                     MD_OK);
    assert_int_equal(dose(u, pid, lot, vial, 100, NULL, &err), MD_ECONFLICT);
    assert_string_equal(err.field, "vial_id");
    assert_non_null(strstr(err.message, "beyond-use"));
    json_t *aging = NULL;
    assert_int_equal(md_stock_vials_aging(&u->ctx, md_now(), &aging, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(aging, "items")), 1);
    json_decref(aging);
}

/* The manufacturer's hours win over the kb's; a vial of an expired lot gives nothing. */
static void the_manufacturer_sets_the_beyond_use_time(void **state)
{
    unit_db *u = *state;
    md_err err;
    char prod[MD_ID_STR], lot[MD_ID_STR], pid[MD_ID_STR], vial[MD_ID_STR];
    json_t *in = product_body("Procaine 2%", "multi_dose", 10.0), *p = NULL;
    json_object_set_new(in, "beyond_use_hours", json_integer(24));
    assert_int_equal(md_record_create(&u->ctx, &md_kind_product, NULL, in, &p, &err), MD_OK);
    md_strlcpy(prod, json_string_value(json_object_get(p, "id")), MD_ID_STR);
    json_decref(in);
    json_decref(p);
    new_patient(u, pid);
    char today[MD_DATE_STR];
    md_date_format(md_today_utc(), today);
    assert_int_equal(new_lot(u, prod, "P1", today, 2, lot, &err), MD_OK);
    json_t *v = NULL;
    open_vial(u, lot, vial, &v);
    assert_string_equal(json_string_value(json_object_get(v, "beyond_use_rule")), "manufacturer");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "beyond_use"), "hours")),
                     24);
    json_decref(v);
    assert_int_equal(dose(u, pid, lot, vial, 500, NULL, &err), MD_OK);
    /* The lot expires: its open vial is past use too. */
    md_val set[] = {md_text("2026-01-01"), md_text(lot)};
    assert_int_equal(
        md_store_exec(u->db, "UPDATE lots SET expiry = $1 WHERE id = $2", set, 2, NULL, NULL, &err),
        MD_OK);
    assert_int_equal(dose(u, pid, lot, vial, 500, NULL, &err), MD_ECONFLICT);
    assert_string_equal(err.field, "lot_id");
    assert_non_null(strstr(err.message, "expired"));
    assert_int_equal(md_vial_get(&u->ctx, vial, &v, &err), MD_OK);
    assert_false(json_is_true(json_object_get(v, "usable")));
    json_decref(v);
}

static void a_correction_keeps_the_stock_of_the_dose(void **state)
{
    unit_db *u = *state;
    md_err err;
    char prod[MD_ID_STR], lot[MD_ID_STR], pid[MD_ID_STR];
    new_product(u, "single_dose", 2.0, prod);
    new_patient(u, pid);
    assert_int_equal(new_lot(u, prod, "C1", "2099-01-31", 3, lot, &err), MD_OK);
    json_t *a = NULL;
    assert_int_equal(dose(u, pid, lot, NULL, 1000, &a, &err), MD_OK);
    const char *id = json_string_value(json_object_get(a, "id"));
    json_t *in = json_pack("{s:f,s:s}", "volume_ml", 0.5, "reason", "less"), *out = NULL;
    assert_int_equal(md_administration_update(&u->ctx, pid, id, in, &out, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "volume_ml");
    json_decref(in);
    in = json_pack("{s:s,s:s,s:s}", "route", "subcutaneous", "area", "cheeks", "reason",
                   "charted the wrong route");
    assert_int_equal(md_administration_update(&u->ctx, pid, id, in, &out, &err), MD_OK);
    assert_int_equal(json_integer_value(json_object_get(out, "version")), 2);
    assert_string_equal(json_string_value(json_object_get(out, "route")), "subcutaneous");
    json_decref(out);
    json_decref(in);
    assert_int_equal(on_hand(u, lot), 2);
    /* Entered in error: the container comes back. */
    in = json_pack("{s:s}", "reason", "never given");
    assert_int_equal(md_administration_entered_in_error(&u->ctx, pid, id, in, &out, &err), MD_OK);
    json_decref(out);
    json_decref(in);
    json_decref(a);
    assert_int_equal(on_hand(u, lot), 3);
    assert_int_equal(count(u, "SELECT count(*) FROM stock_movements WHERE clinic_id = $1 AND "
                              "kind = 'adjusted'"),
                     1);
}

static void worklists_find_what_needs_doing(void **state)
{
    unit_db *u = *state;
    md_err err;
    char prod[MD_ID_STR], soon[MD_ID_STR], late[MD_ID_STR];
    new_product(u, "single_dose", 2.0, prod); /* no threshold: the kb's default */
    md_day today = md_today_utc();
    char in20[MD_DATE_STR], in40[MD_DATE_STR];
    md_date_format(today + 20, in20);
    md_date_format(today + 40, in40);
    assert_int_equal(new_lot(u, prod, "S", in20, 2, soon, &err), MD_OK);
    assert_int_equal(new_lot(u, prod, "L", in40, 2, late, &err), MD_OK);
    json_t *w = NULL;
    assert_int_equal(md_stock_expiring(&u->ctx, today, 30, &w, &err), MD_OK);
    json_t *items = json_object_get(w, "items");
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "id")), soon);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "days_left")),
                     20);
    json_decref(w);
    assert_int_equal(md_stock_low(&u->ctx, today, &w, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(w, "items")), 1); /* 4 <= 5 */
    json_decref(w);
    json_t *mv = json_pack("{s:s,s:i}", "kind", "received", "quantity", 10), *out = NULL;
    assert_int_equal(md_lot_movement(&u->ctx, late, mv, &out, &err), MD_OK);
    json_decref(out);
    json_decref(mv);
    assert_int_equal(md_stock_low(&u->ctx, today, &w, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(w, "items")), 0); /* 14 > 5 */
    json_decref(w);
}

/* Decimals in thousandths, exactly: numbers and strings, at most 3 places, in range. */
static void volumes_are_exact_thousandths(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        md_code rc;
        int64_t milli;
    } cases[] = {{"{\"v\":1.5}", MD_OK, 1500},
                 {"{\"v\":0.1}", MD_OK, 100},
                 {"{\"v\":2}", MD_OK, 2000},
                 {"{\"v\":\"0.125\"}", MD_OK, 125},
                 {"{\"v\":\"3\"}", MD_OK, 3000},
                 {"{\"v\":\".5\"}", MD_OK, 500},
                 {"{\"v\":1.0005}", MD_EUNPROCESSABLE, 0},
                 {"{\"v\":\"1.2345\"}", MD_EINVAL, 0},
                 {"{\"v\":\"abc\"}", MD_EINVAL, 0},
                 {"{\"v\":\"-\"}", MD_EINVAL, 0},
                 {"{\"v\":\".\"}", MD_EINVAL, 0},
                 {"{\"v\":\"99999999999999999999\"}", MD_EINVAL, 0},
                 {"{\"v\":1e300}", MD_EUNPROCESSABLE, 0},
                 {"{\"v\":-1e300}", MD_EUNPROCESSABLE, 0},
                 {"{\"v\":9223372036854775807}", MD_EUNPROCESSABLE, 0},
                 {"{\"v\":0}", MD_EUNPROCESSABLE, 0},
                 {"{\"v\":true}", MD_EINVAL, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *j = json_loads(cases[i].json, 0, NULL);
        int64_t m = -1;
        int present = 0;
        md_err err;
        md_code rc = md_json_milli(j, "v", 1, 1, 1000000, &m, &present, &err);
        if (rc != cases[i].rc)
            fail_msg("%s: %s (%s)", cases[i].json, md_code_name(rc), err.message);
        if (rc == MD_OK)
            assert_int_equal(m, cases[i].milli);
        else
            assert_string_equal(err.field, "v");
        json_decref(j);
    }
}

/* A ledger written directly (a bulk load: mesodesk gen) has no balance rows yet: what is on
 * hand is read from the sum, and the first movement or draw makes the balance from it. */
static void a_ledger_without_balances_is_summed(void **state)
{
    unit_db *u = *state;
    md_err err;
    char prod[MD_ID_STR], lot[MD_ID_STR], mlot[MD_ID_STR], pid[MD_ID_STR], vial[MD_ID_STR];
    new_product(u, "single_dose", 2.0, prod);
    new_patient(u, pid);
    assert_int_equal(new_lot(u, prod, "B1", "2099-01-31", 4, lot, &err), MD_OK);
    char mprod[MD_ID_STR];
    new_product(u, "multi_dose", 5.0, mprod);
    assert_int_equal(new_lot(u, mprod, "B2", "2099-01-31", 2, mlot, &err), MD_OK);
    open_vial(u, mlot, vial, NULL);
    assert_int_equal(dose(u, pid, mlot, vial, 1000, NULL, &err), MD_OK);
    assert_int_equal(md_store_exec(u->db, "DELETE FROM lot_balances", NULL, 0, NULL, NULL, &err),
                     MD_OK);
    assert_int_equal(md_store_exec(u->db, "DELETE FROM vial_drawn", NULL, 0, NULL, NULL, &err),
                     MD_OK);
    assert_int_equal(on_hand(u, lot), 4);
    assert_int_equal(on_hand(u, mlot), 1);
    json_t *v = NULL;
    assert_int_equal(md_vial_get(&u->ctx, vial, &v, &err), MD_OK);
    assert_int_equal(json_integer_value(json_object_get(v, "remaining_ml")), 4);
    json_decref(v);
    assert_int_equal(dose(u, pid, lot, NULL, 1000, NULL, &err), MD_OK);
    assert_int_equal(dose(u, pid, mlot, vial, 1500, NULL, &err), MD_OK);
    assert_int_equal(count(u, "SELECT on_hand FROM lot_balances WHERE clinic_id = $1"), 3);
    assert_int_equal(count(u, "SELECT drawn_ul FROM vial_drawn WHERE clinic_id = $1"), 2500);
    assert_int_equal(on_hand(u, lot), 3);
    assert_int_equal(dose(u, pid, mlot, vial, 2501, NULL, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "volume_ml");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(volumes_are_exact_thousandths),
        cmocka_unit_test_setup_teardown(a_product_names_its_bad_field, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(the_kb_gives_each_status_its_policy, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_lot_refuses_bad_input_and_stores_nothing, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_single_dose_takes_one_container, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(an_expired_or_recalled_lot_is_refused, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_dose_inside_a_failed_write_leaves_nothing, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(available_lists_usable_lots_only, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_dose_given_before_the_recall_is_charted, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_vial_knows_its_beyond_use_time_and_what_remains,
                                        unit_db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(the_manufacturer_sets_the_beyond_use_time, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_correction_keeps_the_stock_of_the_dose, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(worklists_find_what_needs_doing, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_ledger_without_balances_is_summed, unit_db_setup,
                                        unit_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
