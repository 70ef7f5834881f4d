/*
 * test_case_report.c - the MedWatch 3500 and Yellow Card case reports filled from plain JSON
 * (pv.h md_case_report_build, pure): a full case gives a complete report on each form; a
 * case without a weight, a seriousness criterion or a lot lists each in "missing" with why;
 * seriousness not assessed is never read as no; the patient is named by initials and record
 * number, never by name; the death date is required only when death is yes; other medicines
 * keep only the last 3 months; a bad form names "form"; the PDF is made from the report.
 */
#include "test_kb_support.h"

#include "mesodesk/pv.h"

static md_kb *kb;

static int setup(void **state)
{
    (void)state;
    kb = kbt_load();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    md_kb_free(kb);
    return 0;
}

static const char full_case[] =
    "{\"generated_at\":\"2026-11-01T12:00:00Z\","
    "\"complication\":{\"id\":\"c1\",\"patient_id\":\"p1\",\"code\":\"infection_mycobacterial\","
    " \"onset_on\":\"2026-10-20\",\"grade\":2,"
    " \"description\":\"Tender red nodules at two injection points on the left cheek.\","
    " \"seriousness\":{\"death\":false,\"life_threatening\":false,\"hospitalisation\":false,"
    "  \"disability\":false,\"congenital_anomaly\":false,\"required_intervention\":true,"
    "  \"other_serious\":false},"
    " \"suspects\":{\"sessions\":[\"s1\"],\"administrations\":[\"a1\",\"a2\"],\"lots\":[\"l1\"],"
    "  \"vials\":[],\"products\":[\"pr1\"],\"ingredients\":[\"hyaluronic_acid\"]},"
    " \"actions\":[{\"action\":\"Swab taken for culture\",\"at\":\"2026-10-21T10:00:00Z\","
    "  \"by\":\"st1\",\"note\":\"AFB stain\"}],"
    " \"outcome\":\"recovering\",\"outcome_on\":null,"
    " \"details\":{\"weight_kg\":64.5,\"tests\":\"Culture 2026-10-28: M. chelonae\","
    "  \"dechallenge\":\"does not apply: one session\",\"rechallenge\":false,"
    "  \"relevant_history\":\"No earlier injectable treatment\"},"
    " \"recorded_by\":\"st1\"},"
    "\"patient\":{\"id\":\"p1\",\"given_name\":\"Ada\",\"family_name\":\"Lovelace\","
    " \"birth_date\":\"1990-05-17\",\"sex\":\"female\"},"
    "\"conditions\":[{\"code\":\"eczema\",\"active\":false,\"site\":\"cheeks\"}],"
    "\"allergies\":[{\"substance\":\"lidocaine\",\"reaction\":\"hives\",\"status\":\"active\"}],"
    "\"allergy_statements\":[],"
    "\"medications\":[{\"code\":\"nsaid\",\"name\":\"ibuprofen\",\"last_dose\":\"2026-10-01\","
    "  \"status\":\"stopped\"},"
    " {\"code\":\"anticoagulant\",\"name\":\"warfarin\",\"last_dose\":\"2026-01-02\","
    "  \"status\":\"stopped\"}],"
    "\"administrations\":["
    " {\"id\":\"a1\",\"product_id\":\"pr1\",\"lot_id\":\"l1\",\"volume_ml\":0.5,"
    "  \"route\":\"intradermal\",\"context\":\"session\",\"context_id\":\"s1\","
    "  \"given_at\":\"2026-10-06T09:30:00Z\"},"
    " {\"id\":\"a2\",\"product_id\":\"pr1\",\"lot_id\":\"l1\",\"volume_ml\":0.25,"
    "  \"route\":\"intradermal\",\"context\":\"session\",\"context_id\":\"s1\","
    "  \"given_at\":\"2026-10-06T09:40:00Z\"}],"
    "\"lots\":[{\"id\":\"l1\",\"product_id\":\"pr1\",\"lot_number\":\"HA-2026-0042\","
    " \"expiry\":\"2027-06-30\"}],"
    "\"vials\":[],"
    "\"products\":[{\"id\":\"pr1\",\"name\":\"Hydra Meso 1.5\",\"manufacturer\":\"Meso Labs\","
    " \"ingredients\":[{\"ingredient\":\"hyaluronic_acid\",\"concentration\":\"1.5%\"}]}],"
    "\"sessions\":[{\"id\":\"s1\",\"course_id\":\"co1\"}],"
    "\"courses\":[{\"id\":\"co1\",\"protocol\":\"facial_rejuvenation\",\"formulation_id\":\"f1\"}],"
    "\"formulations\":[{\"id\":\"f1\",\"mixture\":{\"concerns\":[\"fine_lines\",\"dryness\"]}}],"
    "\"reporter\":{\"display_name\":\"Dr Grace Hopper\",\"role\":\"medical_director\","
    " \"email\":\"grace@clinic.test\"},"
    "\"clinic\":{\"name\":\"Harbour Clinic\",\"phone\":\"+44 20 7946 0000\"}}";

static json_t *facts(void)
{
    json_error_t je;
    json_t *f = json_loads(full_case, 0, &je);
    if (!f) fprintf(stderr, "bad test JSON: %s at %d\n", je.text, je.position);
    assert_non_null(f);
    return f;
}

static json_t *build(const char *form, const json_t *f)
{
    json_t *r = NULL;
    md_err e;
    md_code rc = md_case_report_build(kb, form, f, &r, &e);
    if (rc) fprintf(stderr, "build: %s\n", e.message);
    assert_int_equal(rc, MD_OK);
    return r;
}

static json_t *section(json_t *r, const char *id)
{
    json_t *s = json_object_get(json_object_get(r, "sections"), id);
    assert_non_null(s);
    return s;
}

static const char *text(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    if (!s) fprintf(stderr, "no text at %s\n", key);
    assert_non_null(s);
    return s;
}

/* The fields listed missing, joined by spaces ("patient.weight_kg seriousness.death "). */
static void missing_fields(json_t *r, char *out, size_t n)
{
    json_t *m;
    size_t i;
    out[0] = 0;
    json_array_foreach(json_object_get(r, "missing"), i, m)
    {
        assert_non_null(json_string_value(json_object_get(m, "why")));
        size_t len = strlen(out);
        snprintf(out + len, n - len, "%s ", json_string_value(json_object_get(m, "field")));
    }
}

static void assert_complete(json_t *r)
{
    char got[2048];
    missing_fields(r, got, sizeof got);
    if (!json_is_true(json_object_get(r, "complete"))) fprintf(stderr, "missing: %s\n", got);
    assert_true(json_is_true(json_object_get(r, "complete")));
    assert_int_equal(json_array_size(json_object_get(r, "missing")), 0);
}

static void a_full_case_fills_every_medwatch_field(void **state)
{
    (void)state;
    json_t *f = facts(), *r = build("medwatch", f);
    assert_complete(r);
    assert_string_equal(text(r, "form"), "medwatch");
    json_t *p = section(r, "patient");
    assert_string_equal(text(p, "identifier"), "A.L., record p1");
    assert_int_equal(json_integer_value(json_object_get(p, "age_years")), 36);
    assert_string_equal(text(p, "sex"), "female");
    assert_true(json_real_value(json_object_get(p, "weight_kg")) == 64.5);
    json_t *s = section(r, "seriousness");
    assert_true(json_is_false(json_object_get(s, "hospitalisation")));
    assert_true(json_is_true(json_object_get(s, "required_intervention")));
    assert_true(json_is_null(json_object_get(s, "death_date")));
    json_t *ev = section(r, "event");
    assert_string_equal(text(ev, "onset_on"), "2026-10-20");
    assert_string_equal(text(ev, "reaction"), "Atypical (non-tuberculous) mycobacterial infection");
    assert_string_equal(text(ev, "report_date"), "2026-11-01");
    assert_non_null(strstr(text(ev, "narrative"), "Tender red nodules"));
    assert_non_null(strstr(text(ev, "narrative"), "2026-10-21 Swab taken for culture (AFB stain)"));
    assert_non_null(strstr(text(ev, "narrative"), "Outcome: recovering"));
    assert_non_null(strstr(text(ev, "history"), "Allergy: "));
    assert_non_null(strstr(text(ev, "history"), "hives"));
    assert_non_null(strstr(text(ev, "history"), "No earlier injectable treatment"));
    assert_string_equal(text(ev, "tests"), "Culture 2026-10-28: M. chelonae");
    json_t *sp = section(r, "suspect_products");
    assert_int_equal(json_array_size(sp), 1);
    json_t *one = json_array_get(sp, 0);
    assert_string_equal(text(one, "name"), "Hydra Meso 1.5");
    assert_string_equal(text(one, "lot_number"), "HA-2026-0042");
    assert_string_equal(text(one, "expiry"), "2027-06-30");
    assert_string_equal(text(one, "dose"), "0.75 ml in 2 administrations (0.5, 0.25 ml)");
    assert_string_equal(text(one, "route"), "intradermal");
    assert_string_equal(text(one, "dates"), "2026-10-06");
    assert_string_equal(text(one, "manufacturer"), "Meso Labs");
    assert_non_null(strstr(text(one, "strength"), "1.5%"));
    assert_non_null(strstr(text(one, "indication"), "(concerns: "));
    assert_string_equal(text(one, "dechallenge"), "does not apply: one session");
    assert_string_equal(text(one, "rechallenge"), "No");
    json_t *rep = section(r, "reporter");
    assert_string_equal(text(rep, "name"), "Dr Grace Hopper");
    assert_string_equal(text(rep, "occupation"), "medical director");
    assert_string_equal(text(rep, "facility"), "Harbour Clinic");
    assert_string_equal(text(rep, "phone"), "+44 20 7946 0000");
    assert_true(json_is_null(json_object_get(rep, "address"))); /* optional: not missing */
    /* The patient's name is nowhere in the report. */
    char *dump = json_dumps(r, 0);
    assert_null(strstr(dump, "Lovelace"));
    assert_null(strstr(dump, "Ada"));
    free(dump);
    json_decref(r);
    json_decref(f);
}

static void a_full_case_fills_every_yellow_card_field(void **state)
{
    (void)state;
    json_t *f = facts(), *r = build("yellow_card", f);
    assert_complete(r);
    json_t *s = section(r, "seriousness");
    assert_true(json_is_true(json_object_get(s, "serious")));
    assert_true(json_is_true(json_object_get(s, "medically_significant")));
    json_t *m = section(r, "suspect_medicines");
    assert_string_equal(text(json_array_get(m, 0), "batch"), "HA-2026-0042");
    /* Other medicines: the last 3 months only (ibuprofen, not January's warfarin). */
    const char *meds = text(section(r, "other_medicines"), "medicines");
    assert_non_null(strstr(meds, "ibuprofen"));
    assert_null(strstr(meds, "warfarin"));
    assert_string_equal(text(section(r, "patient"), "identifier"), "A.L., record p1");
    json_decref(r);
    json_decref(f);
}

/* No weight, hospitalisation not assessed, no lot: each listed on each form. */
static void a_case_without_weight_seriousness_or_lot_lists_each(void **state)
{
    (void)state;
    json_t *f = facts();
    json_t *c = json_object_get(f, "complication");
    json_object_del(json_object_get(c, "details"), "weight_kg");
    json_object_set_new(json_object_get(c, "seriousness"), "hospitalisation", json_null());
    json_array_clear(json_object_get(f, "lots"));
    json_array_clear(json_object_get(json_object_get(c, "suspects"), "lots"));
    char got[2048];
    json_t *r = build("medwatch", f);
    missing_fields(r, got, sizeof got);
    assert_false(json_is_true(json_object_get(r, "complete")));
    assert_string_equal(got, "patient.weight_kg seriousness.hospitalisation "
                             "suspect_products[0].lot_number suspect_products[0].expiry ");
    json_t *m = json_array_get(json_object_get(r, "missing"), 1);
    assert_string_equal(text(m, "section"), "seriousness");
    assert_non_null(strstr(text(m, "why"), "hospitalisation not assessed"));
    assert_true(json_is_null(json_object_get(section(r, "seriousness"), "hospitalisation")));
    json_decref(r);
    r = build("yellow_card", f);
    missing_fields(r, got, sizeof got);
    /* "serious" is still yes: required intervention is yes. */
    assert_string_equal(got, "patient.weight_kg suspect_medicines[0].batch "
                             "seriousness.hospitalisation ");
    json_decref(r);
    json_decref(f);
}

/* Unknown is not no: every criterion null leaves "serious" missing; every one false is no. */
static void seriousness_not_assessed_is_never_no(void **state)
{
    (void)state;
    static const char *const crit[] = {
        "death",        "life_threatening",   "hospitalisation",
        "disability",   "congenital_anomaly", "required_intervention",
        "other_serious"};
    json_t *f = facts();
    json_t *s = json_object_get(json_object_get(f, "complication"), "seriousness");
    for (size_t i = 0; i < 7; i++)
        json_object_set_new(s, crit[i], json_null());
    json_t *r = build("yellow_card", f);
    char got[2048];
    missing_fields(r, got, sizeof got);
    assert_non_null(strstr(got, "seriousness.serious "));
    assert_non_null(strstr(got, "seriousness.medically_significant "));
    assert_true(json_is_null(json_object_get(section(r, "seriousness"), "serious")));
    json_decref(r);
    for (size_t i = 0; i < 7; i++)
        json_object_set_new(s, crit[i], json_false());
    r = build("yellow_card", f);
    assert_complete(r);
    assert_true(json_is_false(json_object_get(section(r, "seriousness"), "serious")));
    json_decref(r);
    json_decref(f);
}

/* The date of death is required when death is yes, and only then. */
static void death_needs_its_date(void **state)
{
    (void)state;
    json_t *f = facts();
    json_t *c = json_object_get(f, "complication");
    json_object_set_new(json_object_get(c, "seriousness"), "death", json_true());
    json_t *r = build("medwatch", f);
    char got[2048];
    missing_fields(r, got, sizeof got);
    assert_string_equal(got, "seriousness.death_date ");
    json_decref(r);
    json_object_set_new(c, "outcome", json_string("fatal"));
    json_object_set_new(c, "outcome_on", json_string("2026-10-30"));
    r = build("medwatch", f);
    assert_complete(r);
    assert_string_equal(text(section(r, "seriousness"), "death_date"), "2026-10-30");
    json_decref(r);
    json_decref(f);
}

/* No suspect at all: the repeat section itself is missing; a suspect product alone (no
 * lot, no administration) lists what only those give. */
static void suspects_not_recorded_are_listed(void **state)
{
    (void)state;
    json_t *f = facts();
    json_t *sus = json_object_get(json_object_get(f, "complication"), "suspects");
    const char *const keys[] = {"administrations", "lots", "products"};
    for (size_t i = 0; i < 3; i++)
        json_array_clear(json_object_get(sus, keys[i]));
    json_t *r = build("medwatch", f);
    char got[2048];
    missing_fields(r, got, sizeof got);
    assert_string_equal(got, "suspect_products ");
    assert_int_equal(json_array_size(section(r, "suspect_products")), 0);
    json_decref(r);
    json_array_append_new(json_object_get(sus, "products"), json_string("pr1"));
    r = build("medwatch", f);
    missing_fields(r, got, sizeof got);
    assert_string_equal(got, "suspect_products[0].lot_number suspect_products[0].expiry "
                             "suspect_products[0].dose suspect_products[0].route "
                             "suspect_products[0].dates suspect_products[0].indication ");
    json_decref(r);
    json_decref(f);
}

/* Nothing recorded about history or medicines: listed, never read as "none". */
static void history_and_medicines_not_recorded_are_listed(void **state)
{
    (void)state;
    json_t *f = facts();
    json_array_clear(json_object_get(f, "conditions"));
    json_array_clear(json_object_get(f, "allergies"));
    json_array_clear(json_object_get(f, "medications"));
    json_t *d = json_object_get(json_object_get(f, "complication"), "details");
    json_object_del(d, "relevant_history");
    char got[2048];
    json_t *r = build("medwatch", f);
    missing_fields(r, got, sizeof got);
    assert_string_equal(got, "event.history ");
    json_decref(r);
    r = build("yellow_card", f);
    missing_fields(r, got, sizeof got);
    assert_string_equal(got, "other_medicines.medicines ");
    json_decref(r);
    /* A "no known allergies" statement is history; "none" said with the case is an answer. */
    json_array_append_new(
        json_object_get(f, "allergy_statements"),
        json_pack("{s:s,s:s}", "statement", "no_known_allergies", "asked_on", "2026-10-06"));
    json_object_set_new(d, "other_medicines", json_string("none"));
    r = build("medwatch", f);
    assert_complete(r);
    assert_string_equal(text(section(r, "event"), "history"),
                        "No known allergies, asked on 2026-10-06");
    json_decref(r);
    r = build("yellow_card", f);
    assert_complete(r);
    json_decref(r);
    json_decref(f);
}

static void an_unknown_sex_or_a_missing_name_is_listed(void **state)
{
    (void)state;
    json_t *f = facts();
    json_t *p = json_object_get(f, "patient");
    json_object_set_new(p, "sex", json_string("unknown"));
    json_object_del(p, "family_name");
    char got[2048];
    json_t *r = build("medwatch", f);
    missing_fields(r, got, sizeof got);
    assert_string_equal(got, "patient.identifier patient.sex ");
    json_decref(r);
    json_decref(f);
}

/* The reaction is the kb's name, with its SNOMED CT code where the kb knows one. */
static void the_reaction_is_named_from_the_kb(void **state)
{
    (void)state;
    json_t *f = facts();
    json_object_set_new(json_object_get(f, "complication"), "code", json_string("bruising"));
    json_t *r = build("yellow_card", f);
    assert_string_equal(text(section(r, "reaction"), "reaction"),
                        "Bruising at the injection sites (SNOMED CT 125667009)");
    json_decref(r);
    json_decref(f);
}

static void a_bad_form_names_form(void **state)
{
    (void)state;
    json_t *f = facts(), *r = NULL;
    md_err e;
    assert_int_equal(md_case_report_build(kb, "cioms", f, &r, &e), MD_EINVAL);
    assert_string_equal(e.field, "form");
    assert_int_equal(md_case_report_build(kb, NULL, f, &r, &e), MD_EINVAL);
    assert_string_equal(e.field, "form");
    json_t *empty = json_object();
    assert_int_equal(md_case_report_build(kb, "medwatch", empty, &r, &e), MD_EINVAL);
    assert_string_equal(e.field, "complication");
    assert_null(r);
    json_decref(empty);
    json_decref(f);
}

static void the_sources_a_form_may_name(void **state)
{
    (void)state;
    int yn = -1;
    assert_int_equal(md_case_report_from_scope("patient.identifier", &yn), 0);
    assert_int_equal(yn, 0);
    assert_int_equal(md_case_report_from_scope("seriousness.death", &yn), 0);
    assert_int_equal(yn, 1);
    assert_int_equal(md_case_report_from_scope("suspect.lot_number", NULL), 1);
    assert_int_equal(md_case_report_from_scope("patient.name", &yn), -1);
    assert_int_equal(md_case_report_from_scope(NULL, NULL), -1);
    size_t n = 0;
    const md_crf_form *forms = md_kb_report_forms(kb, &n);
    assert_int_equal(n, 2);
    assert_string_equal(forms[0].code, "medwatch");
    assert_string_equal(forms[0].sources[0], "FDA MedWatch 3500");
    assert_string_equal(md_kb_report_form(kb, "yellow_card")->sources[0], "MHRA Yellow Card");
    assert_null(md_kb_report_form(kb, "cioms"));
}

static void the_pdf_is_made_from_the_report(void **state)
{
    (void)state;
    json_t *f = facts();
    json_object_del(json_object_get(json_object_get(f, "complication"), "details"), "weight_kg");
    json_t *r = build("medwatch", f);
    md_arena *a = md_arena_new(1 << 20, 0);
    unsigned char *pdf = NULL;
    size_t len = 0;
    md_err e;
    assert_int_equal(md_case_report_render_pdf(kb, r, a, &pdf, &len, &e), MD_OK);
    assert_true(len > 1000);
    assert_memory_equal(pdf, "%PDF", 4);
    md_arena_free(a);
    json_decref(r);
    json_decref(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_full_case_fills_every_medwatch_field),
        cmocka_unit_test(a_full_case_fills_every_yellow_card_field),
        cmocka_unit_test(a_case_without_weight_seriousness_or_lot_lists_each),
        cmocka_unit_test(seriousness_not_assessed_is_never_no),
        cmocka_unit_test(death_needs_its_date),
        cmocka_unit_test(suspects_not_recorded_are_listed),
        cmocka_unit_test(history_and_medicines_not_recorded_are_listed),
        cmocka_unit_test(an_unknown_sex_or_a_missing_name_is_listed),
        cmocka_unit_test(the_reaction_is_named_from_the_kb),
        cmocka_unit_test(a_bad_form_names_form),
        cmocka_unit_test(the_sources_a_form_may_name),
        cmocka_unit_test(the_pdf_is_made_from_the_report),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
