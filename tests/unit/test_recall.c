/* Exposures of a lot and of a vial (recall.h): exactly the patients dosed, with their doses
 * and contact details, audited per patient; the recall worklist's state machine; bad input
 * naming the field with nothing stored. */
#include "unit_db.h"

#include "mesodesk/recall.h"
#include "mesodesk/record.h"
#include "mesodesk/stock.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* What every test starts from: a single-dose lot A (and a second lot B of the same product),
 * a multi-dose lot M with two open vials, and four patients. */
typedef struct fixture {
    unit_db *u;
    char single[MD_ID_STR], multi[MD_ID_STR];
    char lot_a[MD_ID_STR], lot_b[MD_ID_STR], lot_m[MD_ID_STR];
    char vial1[MD_ID_STR], vial2[MD_ID_STR];
    char pat[4][MD_ID_STR];
} fixture;

static const char *id_of(json_t *o)
{
    return json_string_value(json_object_get(o, "id"));
}

static void make_product(fixture *f, const char *presentation, double volume, char *id)
{
    md_err err;
    json_t *in = json_pack("{s:s,s:s,s:f,s:s,s:[{s:s,s:s}],s:{s:s}}", "name",
                           strcmp(presentation, "multi_dose") == 0 ? "Dermaheal MV" : "Vit C amp",
                           "presentation", presentation, "volume_ml", volume, "base", "aqueous",
                           "ingredients", "ingredient", "hyaluronic_acid", "concentration", "1%",
                           "regulatory", "EU", "ce_marked"),
           *out = NULL;
    md_code rc = md_record_create(&f->u->ctx, &md_kind_product, NULL, in, &out, &err);
    if (rc != MD_OK) fprintf(stderr, "product: %s %s\n", err.field, err.message);
    assert_int_equal(rc, MD_OK);
    md_strlcpy(id, id_of(out), MD_ID_STR);
    json_decref(in);
    json_decref(out);
}

static void make_lot(fixture *f, const char *product, const char *number, char *id)
{
    md_err err;
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:i}", "product_id", product, "lot_number", number,
                           "expiry", "2099-12-31", "received_on", "2026-01-02", "quantity", 20),
           *out = NULL;
    md_code rc = md_lot_create(&f->u->ctx, in, &out, &err);
    if (rc != MD_OK) fprintf(stderr, "lot: %s %s\n", err.field, err.message);
    assert_int_equal(rc, MD_OK);
    md_strlcpy(id, id_of(out), MD_ID_STR);
    json_decref(in);
    json_decref(out);
}

static void open_vial(fixture *f, char *id)
{
    md_err err;
    json_t *in = json_object(), *out = NULL;
    md_code rc = md_vial_open(&f->u->ctx, f->lot_m, in, &out, &err);
    if (rc != MD_OK) fprintf(stderr, "vial: %s %s\n", err.field, err.message);
    assert_int_equal(rc, MD_OK);
    md_strlcpy(id, id_of(out), MD_ID_STR);
    json_decref(in);
    json_decref(out);
}

static void make_patient(fixture *f, const char *given, const char *family, char *id)
{
    md_err err;
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "given_name", given, "family_name", family,
                           "birth_date", "1985-02-03", "sex", "female", "email", "ivy@example.org",
                           "phone", "+44 7700 900123"),
           *out = NULL;
    assert_int_equal(md_record_create(&f->u->ctx, &md_kind_patient, NULL, in, &out, &err), MD_OK);
    md_strlcpy(id, id_of(out), MD_ID_STR);
    json_decref(in);
    json_decref(out);
}

/* A dose of lot (and vial); returns the administration id in id (may be NULL). */
static void give(fixture *f, const char *patient, const char *lot, const char *vial, long ul,
                 char *id)
{
    md_err err;
    json_t *out = NULL;
    md_dose d = {.patient_id = patient,
                 .lot_id = lot,
                 .vial_id = vial,
                 .volume_ul = ul,
                 .route = "intradermal",
                 .context = "session"};
    md_code rc = md_administration_record(&f->u->ctx, &d, &out, &err);
    if (rc != MD_OK) fprintf(stderr, "dose: %s %s\n", err.field, err.message);
    assert_int_equal(rc, MD_OK);
    if (id) md_strlcpy(id, id_of(out), MD_ID_STR);
    json_decref(out);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || unit_db_setup((void **)&f->u) != 0) return -1;
    make_product(f, "single_dose", 2.0, f->single);
    make_product(f, "multi_dose", 10.0, f->multi);
    make_lot(f, f->single, "A-100", f->lot_a);
    make_lot(f, f->single, "B-200", f->lot_b);
    make_lot(f, f->multi, "M-300", f->lot_m);
    open_vial(f, f->vial1);
    open_vial(f, f->vial2);
    make_patient(f, "Ivy", "Hale", f->pat[0]);
    make_patient(f, "Ana", "Burke", f->pat[1]);
    make_patient(f, "Zoe", "Carr", f->pat[2]);
    make_patient(f, "Mia", "Dunn", f->pat[3]);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    unit_db_teardown((void **)&f->u);
    free(f);
    return 0;
}

static int64_t audit_count(fixture *f, const char *action, const char *type, const char *object)
{
    int64_t n = -1;
    md_err err;
    md_val v[] = {md_text(f->u->ctx.who.clinic_id), md_text(action), md_text(type),
                  md_text(object)};
    assert_int_equal(md_store_scalar_int(f->u->db,
                                         "SELECT count(*) FROM audit_log WHERE clinic_id = $1 AND "
                                         "action = $2 AND object_type = $3 AND object_id = $4",
                                         v, 4, &n, &err),
                     MD_OK);
    return n;
}

static json_t *item_of(json_t *answer, size_t i)
{
    return json_array_get(json_object_get(answer, "items"), i);
}

static const char *patient_of(json_t *answer, size_t i)
{
    return id_of(json_object_get(item_of(answer, i), "patient"));
}

static void exposures_of_a_lot_list_exactly_the_patients_dosed(void **state)
{
    fixture *f = *state;
    md_err err;
    char wrong[MD_ID_STR];
    /* Hale twice and Burke once from A; Carr from B only; Dunn from A, entered in error. */
    give(f, f->pat[0], f->lot_a, NULL, 500, NULL);
    give(f, f->pat[0], f->lot_a, NULL, 1000, NULL);
    give(f, f->pat[1], f->lot_a, NULL, 250, NULL);
    give(f, f->pat[2], f->lot_b, NULL, 500, NULL);
    give(f, f->pat[3], f->lot_a, NULL, 500, wrong);
    json_t *why = json_pack("{s:s}", "reason", "wrong patient chart"), *gone = NULL;
    assert_int_equal(
        md_administration_entered_in_error(&f->u->ctx, f->pat[3], wrong, why, &gone, &err), MD_OK);
    json_decref(why);
    json_decref(gone);

    json_t *ex = NULL;
    assert_int_equal(md_recall_exposures_lot(&f->u->ctx, f->lot_a, &ex, &err), MD_OK);
    assert_int_equal(json_integer_value(json_object_get(ex, "patients")), 2);
    assert_int_equal(json_integer_value(json_object_get(ex, "administrations")), 3);
    assert_int_equal(json_array_size(json_object_get(ex, "items")), 2);
    /* By family name: Burke, then Hale. */
    assert_string_equal(patient_of(ex, 0), f->pat[1]);
    assert_string_equal(patient_of(ex, 1), f->pat[0]);
    json_t *hale = item_of(ex, 1), *p = json_object_get(hale, "patient");
    assert_string_equal(json_string_value(json_object_get(p, "family_name")), "Hale");
    assert_string_equal(json_string_value(json_object_get(p, "birth_date")), "1985-02-03");
    assert_string_equal(json_string_value(json_object_get(p, "email")), "ivy@example.org");
    assert_string_equal(json_string_value(json_object_get(p, "phone")), "+44 7700 900123");
    json_t *doses = json_object_get(hale, "administrations");
    assert_int_equal(json_array_size(doses), 2);
    json_t *d0 = json_array_get(doses, 0);
    double ml = 0; /* 0.5 ml and 1 ml, exactly (given in the same second: either order) */
    for (size_t i = 0; i < 2; i++)
        ml += json_number_value(json_object_get(json_array_get(doses, i), "volume_ml"));
    assert_true(ml == 1.5);
    assert_string_equal(json_string_value(json_object_get(d0, "route")), "intradermal");
    assert_string_equal(json_string_value(json_object_get(d0, "context")), "session");
    assert_string_equal(json_string_value(json_object_get(d0, "given_by")), f->u->ctx.who.staff_id);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(ex, "lot"), "lot_number")), "A-100");
    json_decref(ex);

    /* Lot B: Carr only. */
    assert_int_equal(md_recall_exposures_lot(&f->u->ctx, f->lot_b, &ex, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(ex, "items")), 1);
    assert_string_equal(patient_of(ex, 0), f->pat[2]);
    json_decref(ex);

    /* Audited: one entry for the lot, one read per patient listed (Burke, Hale), none for
     * the patients not listed. */
    assert_int_equal(audit_count(f, "read", "lot", f->lot_a), 1);
    assert_int_equal(audit_count(f, "read", "patient", f->pat[0]), 1);
    assert_int_equal(audit_count(f, "read", "patient", f->pat[1]), 1);
    assert_int_equal(audit_count(f, "read", "patient", f->pat[2]), 1); /* lot B's read */
    assert_int_equal(audit_count(f, "read", "patient", f->pat[3]), 0);
}

static void exposures_of_a_vial_list_the_patients_of_that_vial(void **state)
{
    fixture *f = *state;
    md_err err;
    give(f, f->pat[0], f->lot_m, f->vial1, 100, NULL);
    give(f, f->pat[1], f->lot_m, f->vial2, 100, NULL);
    give(f, f->pat[2], f->lot_m, f->vial1, 150, NULL);
    json_t *ex = NULL;
    assert_int_equal(md_recall_exposures_vial(&f->u->ctx, f->vial1, &ex, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(ex, "items")), 2);
    assert_string_equal(patient_of(ex, 0), f->pat[2]); /* Carr */
    assert_string_equal(patient_of(ex, 1), f->pat[0]); /* Hale */
    assert_string_equal(id_of(json_object_get(ex, "vial")), f->vial1);
    assert_string_equal(id_of(json_object_get(ex, "lot")), f->lot_m);
    json_t *d = json_array_get(json_object_get(item_of(ex, 0), "administrations"), 0);
    assert_string_equal(json_string_value(json_object_get(d, "vial_id")), f->vial1);
    json_decref(ex);
    assert_int_equal(audit_count(f, "read", "vial", f->vial1), 1);
    /* The lot: all three. */
    assert_int_equal(md_recall_exposures_lot(&f->u->ctx, f->lot_m, &ex, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(ex, "items")), 3);
    json_decref(ex);
    /* By lot number as the CLI takes it. */
    char id[MD_ID_STR];
    assert_int_equal(md_recall_lot_find(&f->u->ctx, "M-300", id, &err), MD_OK);
    assert_string_equal(id, f->lot_m);
    assert_int_equal(md_recall_lot_find(&f->u->ctx, f->lot_a, id, &err), MD_OK);
    assert_string_equal(id, f->lot_a);
    assert_int_equal(md_recall_lot_find(&f->u->ctx, "Z-999", id, &err), MD_ENOTFOUND);
    assert_string_equal(err.field, "lot_id");
}

static void unknown_lots_and_vials_are_404_naming_the_field(void **state)
{
    fixture *f = *state;
    md_err err;
    json_t *ex = NULL;
    assert_int_equal(
        md_recall_exposures_lot(&f->u->ctx, "0123456789abcdef0123456789abcdef", &ex, &err),
        MD_ENOTFOUND);
    assert_string_equal(err.field, "lot_id");
    assert_int_equal(md_recall_exposures_lot(&f->u->ctx, "not-an-id", &ex, &err), MD_ENOTFOUND);
    assert_string_equal(err.field, "lot_id");
    assert_int_equal(md_recall_exposures_vial(&f->u->ctx, f->lot_a, &ex, &err), MD_ENOTFOUND);
    assert_string_equal(err.field, "vial_id");
    /* Reception sees no clinical records. */
    f->u->ctx.who.role = MD_ROLE_RECEPTION;
    assert_int_equal(md_recall_exposures_lot(&f->u->ctx, f->lot_a, &ex, &err), MD_EFORBIDDEN);
    f->u->ctx.who.role = MD_ROLE_ADMIN;
    assert_null(ex);
}

static void recall(fixture *f, const char *lot)
{
    md_err err;
    json_t *in = json_pack("{s:s,s:s}", "reason", "supplier notice: particulates", "date",
                           "2026-03-01"),
           *out = NULL;
    assert_int_equal(md_lot_recall(&f->u->ctx, lot, in, &out, &err), MD_OK);
    json_decref(in);
    json_decref(out);
}

static md_code contact_at(fixture *f, const char *patient, const char *method, const char *outcome,
                          const char *at, json_t **out, md_err *err)
{
    json_t *in = json_pack("{s:s,s:s}", "method", method, "outcome", outcome), *o = NULL;
    if (at) json_object_set_new(in, "attempted_at", json_string(at));
    md_code rc = md_recall_contact_add(&f->u->ctx, f->lot_a, patient, in, &o, err);
    json_decref(in);
    if (out)
        *out = o;
    else
        json_decref(o);
    return rc;
}

static md_code contact(fixture *f, const char *patient, const char *method, const char *outcome,
                       json_t **out, md_err *err)
{
    return contact_at(f, patient, method, outcome, NULL, out, err);
}

static md_code close_case(fixture *f, const char *patient, const char *outcome, md_err *err)
{
    json_t *in = json_pack("{s:s}", "outcome", outcome), *o = NULL;
    md_code rc = md_recall_close(&f->u->ctx, f->lot_a, patient, in, &o, err);
    json_decref(in);
    json_decref(o);
    return rc;
}

static int64_t rows(fixture *f, const char *table)
{
    int64_t n = -1;
    md_err err;
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE clinic_id = $1", table);
    md_val v[] = {md_text(f->u->ctx.who.clinic_id)};
    assert_int_equal(md_store_scalar_int(f->u->db, sql, v, 1, &n, &err), MD_OK);
    return n;
}

static void the_worklist_moves_open_contacted_closed(void **state)
{
    fixture *f = *state;
    md_err err;
    json_t *wl = NULL, *out = NULL;
    give(f, f->pat[0], f->lot_a, NULL, 500, NULL);
    give(f, f->pat[1], f->lot_a, NULL, 500, NULL);
    give(f, f->pat[2], f->lot_b, NULL, 500, NULL);
    /* Not recalled yet: no worklist, no contact. */
    assert_int_equal(md_recall_worklist(&f->u->ctx, f->lot_a, &wl, &err), MD_ECONFLICT);
    assert_string_equal(err.field, "lot_id");
    assert_int_equal(contact(f, f->pat[0], "phone", "reached", NULL, &err), MD_ECONFLICT);
    assert_string_equal(err.field, "lot_id");
    recall(f, f->lot_a);

    assert_int_equal(md_recall_worklist(&f->u->ctx, f->lot_a, &wl, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(wl, "items")), 2);
    json_t *counts = json_object_get(wl, "counts");
    assert_int_equal(json_integer_value(json_object_get(counts, "open")), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(item_of(wl, 0), "case"), "status")),
        "open");
    json_decref(wl);

    /* Closing before any contact is refused; bad input names its field, stores nothing. */
    assert_int_equal(close_case(f, f->pat[0], "reviewed_no_symptoms", &err), MD_ECONFLICT);
    assert_int_equal(contact(f, f->pat[0], "pigeon", "reached", NULL, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "method");
    assert_int_equal(contact(f, f->pat[0], "phone", "maybe", NULL, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "outcome");
    assert_int_equal(contact(f, f->pat[2], "phone", "reached", NULL, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "patient_id"); /* Carr had lot B, not A */
    assert_int_equal(contact(f, "0123456789abcdef0123456789abcdef", "phone", "reached", NULL, &err),
                     MD_ENOTFOUND);
    assert_int_equal(rows(f, "recall_cases"), 0);
    assert_int_equal(rows(f, "recall_contacts"), 0);

    /* Two attempts: the case is contacted after the first. */
    assert_int_equal(
        contact_at(f, f->pat[0], "phone", "no_answer", "2026-03-02T09:00:00Z", &out, &err), MD_OK);
    assert_string_equal(json_string_value(json_object_get(json_object_get(out, "case"), "status")),
                        "contacted");
    json_decref(out);
    assert_int_equal(
        contact_at(f, f->pat[0], "email", "reached", "2026-03-02T08:00:00Z", NULL, &err), MD_OK);
    assert_int_equal(close_case(f, f->pat[0], "maybe_later", &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "outcome");
    assert_int_equal(close_case(f, f->pat[0], "reviewed_no_symptoms", &err), MD_OK);
    /* Closed is final. */
    assert_int_equal(close_case(f, f->pat[0], "referred", &err), MD_ECONFLICT);
    assert_int_equal(contact(f, f->pat[0], "phone", "reached", NULL, &err), MD_ECONFLICT);

    assert_int_equal(md_recall_worklist(&f->u->ctx, f->lot_a, &wl, &err), MD_OK);
    counts = json_object_get(wl, "counts");
    assert_int_equal(json_integer_value(json_object_get(counts, "open")), 1);
    assert_int_equal(json_integer_value(json_object_get(counts, "closed")), 1);
    json_t *hale = item_of(wl, 1);
    assert_string_equal(patient_of(wl, 1), f->pat[0]);
    json_t *c = json_object_get(hale, "case");
    assert_string_equal(json_string_value(json_object_get(c, "status")), "closed");
    assert_string_equal(json_string_value(json_object_get(c, "outcome")), "reviewed_no_symptoms");
    assert_int_equal(json_integer_value(json_object_get(c, "version")), 3);
    json_t *attempts = json_object_get(hale, "contacts");
    assert_int_equal(json_array_size(attempts), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(attempts, 0), "outcome")),
                        "reached");
    assert_string_equal(json_string_value(json_object_get(json_array_get(attempts, 1), "method")),
                        "phone"); /* by the time of the attempt, not of its recording */
    json_decref(wl);
    /* Nothing deleted: every version of the case is kept (open, contacted, closed). */
    assert_int_equal(rows(f, "recall_cases"), 3);
    assert_int_equal(rows(f, "recall_contacts"), 2);
    assert_int_equal(audit_count(f, "read", "recall_worklist", f->lot_a), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(exposures_of_a_lot_list_exactly_the_patients_dosed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(exposures_of_a_vial_list_the_patients_of_that_vial, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(unknown_lots_and_vials_are_404_naming_the_field, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_worklist_moves_open_contacted_closed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
