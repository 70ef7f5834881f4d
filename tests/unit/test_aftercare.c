/*
 * test_aftercare.c - aftercare composed from kb/aftercare.json (each item that depends on
 * the session fires and does not; the Fitzpatrick type not recorded), the completion check
 * on plain session JSON (each item fails, then passes), and the review sample (near the
 * share over 1,000 ids, 0% and 100%, reproducible, acknowledged warnings).
 */
#include "test_kb_support.h"

#include "mesodesk/aftercare.h"
#include "mesodesk/completion.h"
#include "mesodesk/content.h"
#include "mesodesk/stock.h"
#include "unit_db.h"

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

static md_aftercare_facts base_facts(void)
{
    md_aftercare_facts f = {0};
    f.language = "en";
    f.ingredients[f.n_ingredients++] = "hyaluronic_acid";
    f.areas[f.n_areas++] = "cheeks";
    f.fitzpatrick = 2;
    f.session_day = "2026-12-01";
    f.next_appointment = "2026-12-15 10:00 (Europe/London)";
    f.clinic_name = "Demo Clinic";
    f.clinic_phone = "+44 20 7946 0000";
    return f;
}

static json_t *compose(const md_aftercare_facts *f)
{
    json_t *o = NULL;
    md_err e;
    md_code rc = md_aftercare_compose(kb, f, &o, &e);
    if (rc) fprintf(stderr, "compose: %s\n", e.message);
    assert_int_equal(rc, MD_OK);
    return o;
}

/* The item with that rule, or NULL. */
static json_t *item(json_t *o, const char *rule)
{
    json_t *secs = json_object_get(o, "sections");
    for (size_t s = 0; s < json_array_size(secs); s++) {
        json_t *items = json_object_get(json_array_get(secs, s), "items");
        for (size_t i = 0; i < json_array_size(items); i++)
            if (strcmp(json_string_value(json_object_get(json_array_get(items, i), "rule")),
                       rule) == 0)
                return json_array_get(items, i);
    }
    return NULL;
}

static const char *text(json_t *o)
{
    return json_string_value(json_object_get(o, "text"));
}

static void the_time_windows_spf_and_red_flags_are_always_given(void **state)
{
    (void)state;
    md_aftercare_facts f = base_facts();
    json_t *o = compose(&f);
    assert_non_null(item(o, "aftercare.no_sun_48h"));
    assert_non_null(item(o, "aftercare.no_heat_48h"));
    assert_non_null(item(o, "aftercare.no_exfoliants_week"));
    assert_non_null(item(o, "aftercare.spf_daily"));
    const char *t = text(o);
    assert_non_null(strstr(t, "For the first 24 to 48 hours"));
    assert_non_null(strstr(t, "For the first week"));
    assert_non_null(strstr(t, "SPF 30+ every day"));
    /* every red flag the issue names, each with its sources */
    static const char *const flags[] = {"blanching",  "mottled", "dusky",   "severe pain",
                                        "gets worse", "vision",  "spreads", "fever",
                                        "pus",        NULL};
    for (const char *const *p = flags; *p; p++)
        assert_non_null(strstr(t, *p));
    json_t *rf = json_object_get(json_object_get(o, "red_flags"), "items");
    assert_true(json_array_size(rf) >= 7);
    for (size_t i = 0; i < json_array_size(rf); i++)
        assert_true(json_array_size(json_object_get(json_array_get(rf, i), "sources")) >= 1);
    /* the number to call, the next appointment and the clinic */
    assert_non_null(strstr(t, "Call the clinic at once if you notice (Phone +44 20 7946 0000):"));
    assert_non_null(strstr(t, "Your next appointment\n2026-12-15 10:00 (Europe/London)"));
    assert_non_null(strstr(t, "Your clinic\nDemo Clinic\nPhone: +44 20 7946 0000"));
    /* nothing about the session's own treatment applies */
    assert_null(strstr(t, "About your treatment today"));
    assert_int_equal(json_array_size(json_object_get(o, "unknown")), 0);
    json_decref(o);
}

static void deoxycholic_acid_swelling_fires_only_with_the_ingredient(void **state)
{
    (void)state;
    md_aftercare_facts f = base_facts();
    json_t *o = compose(&f);
    assert_null(item(o, "aftercare.deoxycholic_swelling"));
    json_decref(o);
    f.ingredients[f.n_ingredients++] = "sodium deoxycholate"; /* a synonym */
    o = compose(&f);
    json_t *it = item(o, "aftercare.deoxycholic_swelling");
    assert_non_null(it);
    assert_true(json_array_size(json_object_get(it, "sources")) >= 1);
    assert_non_null(strstr(text(o), "About your treatment today\n- Your treatment contained"));
    json_decref(o);
}

static void the_submental_item_needs_the_area_and_the_ingredient(void **state)
{
    (void)state;
    md_aftercare_facts f = base_facts();
    f.ingredients[f.n_ingredients++] = "deoxycholic_acid";
    json_t *o = compose(&f); /* cheeks: not under the chin */
    assert_null(item(o, "aftercare.deoxycholic_submental_call"));
    json_decref(o);
    f.areas[f.n_areas++] = "submental";
    o = compose(&f);
    assert_non_null(item(o, "aftercare.deoxycholic_submental_call"));
    json_decref(o);
    /* the area without the ingredient */
    md_aftercare_facts g = base_facts();
    g.areas[g.n_areas++] = "submental";
    o = compose(&g);
    assert_null(item(o, "aftercare.deoxycholic_submental_call"));
    json_decref(o);
}

static void pigmentation_advice_fires_for_fitzpatrick_iv_to_vi(void **state)
{
    (void)state;
    md_aftercare_facts f = base_facts();
    for (int t = 1; t <= 6; t++) {
        f.fitzpatrick = t;
        json_t *o = compose(&f);
        json_t *it = item(o, "aftercare.pigmentation_fitzpatrick");
        if (t >= 4) {
            assert_non_null(it);
            assert_null(json_object_get(it, "note"));
        } else {
            assert_null(it);
        }
        assert_int_equal(json_array_size(json_object_get(o, "unknown")), 0);
        json_decref(o);
    }
}

static void an_unrecorded_fitzpatrick_type_gives_the_cautious_item_and_says_why(void **state)
{
    (void)state;
    md_aftercare_facts f = base_facts();
    f.fitzpatrick = 0;
    json_t *o = compose(&f);
    json_t *it = item(o, "aftercare.pigmentation_fitzpatrick");
    assert_non_null(it);
    assert_non_null(strstr(json_string_value(json_object_get(it, "note")), "not recorded"));
    assert_non_null(strstr(text(o), "Your skin type was not recorded"));
    json_t *u = json_array_get(json_object_get(o, "unknown"), 0);
    assert_string_equal(json_string_value(json_object_get(u, "fact")), "fitzpatrick");
    json_decref(o);
}

static void spanish_text_and_no_phone_or_appointment(void **state)
{
    (void)state;
    md_aftercare_facts f = base_facts();
    f.language = "es";
    f.clinic_phone = NULL;
    f.next_appointment = NULL;
    json_t *o = compose(&f);
    assert_string_equal(json_string_value(json_object_get(o, "language")), "es");
    const char *t = text(o);
    assert_non_null(strstr(t, "Cuidados después de su sesión de mesoterapia"));
    assert_non_null(strstr(t, "SPF 30+"));
    assert_non_null(strstr(t, "Llame a la clínica de inmediato si nota:"));
    assert_non_null(strstr(t, "Aún no tiene reservada la próxima cita"));
    assert_non_null(strstr(t, "no consta el teléfono de la clínica"));
    json_decref(o);
    f.language = "fr"; /* not in the file: English */
    o = compose(&f);
    assert_string_equal(json_string_value(json_object_get(o, "language")), "en");
    json_decref(o);
    assert_true(md_aftercare_language_known(kb, "es"));
    assert_false(md_aftercare_language_known(kb, "fr"));
}

static void the_same_facts_give_the_same_text(void **state)
{
    (void)state;
    md_aftercare_facts f = base_facts();
    json_t *a = compose(&f), *b = compose(&f);
    assert_string_equal(text(a), text(b));
    json_decref(a);
    json_decref(b);
}

/* ---- completion -------------------------------------------------------------------------- */

static md_chart_policy policy(void)
{
    md_chart_policy p;
    memset(&p, 0, sizeof p);
    md_strlcpy(p.before_views[0], "front", sizeof p.before_views[0]);
    md_strlcpy(p.before_views[1], "left", sizeof p.before_views[1]);
    md_strlcpy(p.before_views[2], "right", sizeof p.before_views[2]);
    p.n_before = 3;
    p.completion_hours = 72;
    p.review_share_percent = 10;
    return p;
}

typedef struct fixture {
    md_chart_policy policy;
    json_t *session, *before, *after, *consent, *lots;
} fixture;

static void fixture_make(fixture *x)
{
    x->policy = policy();
    x->session = json_loads(
        "{\"id\":\"s1\",\"patient_id\":\"p1\",\"course_id\":\"c1\",\"state\":\"in_progress\","
        "\"prechecks\":{\"passed_at\":\"2026-12-01T09:00:00Z\",\"checks\":[{\"gate\":\"screening\","
        "\"status\":\"pass\"},{\"gate\":\"consent\",\"status\":\"pass\"}]},"
        "\"chart\":{\"technique\":\"papule\",\"needle_lot_id\":\"n1\",\"notes\":\"Tolerated "
        "well.\","
        "\"entries\":[{\"zone\":\"forehead\",\"lot_id\":\"l1\",\"administration_id\":\"a1\"},"
        "{\"zone\":\"cheek_left\",\"lot_id\":\"l2\",\"vial_id\":\"v1\",\"administration_id\":"
        "\"a2\"}]},"
        "\"warnings\":[]}",
        0, NULL);
    x->before = json_loads("{\"views\":[\"front\",\"left\",\"right\"]}", 0, NULL);
    x->after = json_loads("{\"views\":[]}", 0, NULL);
    x->consent = json_loads("{\"treatment\":{\"status\":\"signed\"}}", 0, NULL);
    x->lots = json_loads("{\"l1\":{\"multi_dose\":false},\"l2\":{\"multi_dose\":true}}", 0, NULL);
    assert_non_null(x->session);
}

static void fixture_free(fixture *x)
{
    json_decref(x->session);
    json_decref(x->before);
    json_decref(x->after);
    json_decref(x->consent);
    json_decref(x->lots);
}

static json_t *evaluate(fixture *x)
{
    md_completion_input in = {&x->policy, x->session, x->before, x->after, x->consent, x->lots};
    json_t *r = md_completion_evaluate(&in);
    assert_non_null(r);
    return r;
}

/* The status of gate in the report; asserts the shape of every check. */
static const char *status_of(json_t *r, const char *gate)
{
    json_t *checks = json_object_get(r, "checks");
    const char *found = NULL;
    for (size_t i = 0; i < json_array_size(checks); i++) {
        json_t *c = json_array_get(checks, i);
        const char *st = json_string_value(json_object_get(c, "status"));
        assert_non_null(json_string_value(json_object_get(c, "message")));
        assert_non_null(json_string_value(json_object_get(c, "rule")));
        assert_true(json_array_size(json_object_get(c, "sources")) >= 1);
        if (strcmp(st, "fail") == 0)
            assert_non_null(json_string_value(json_object_get(c, "satisfy")));
        if (strcmp(json_string_value(json_object_get(c, "gate")), gate) == 0) found = st;
    }
    assert_non_null(found);
    return found;
}

/* Break one thing: the report fails on exactly that gate. */
static void expect_only(fixture *x, const char *gate)
{
    json_t *r = evaluate(x);
    static const char *const gates[] = {"photos_before", "traceability", "notes", "consent",
                                        "screening",     "photos_after", NULL};
    assert_false(json_is_true(json_object_get(r, "ok")));
    for (const char *const *g = gates; *g; g++)
        assert_string_equal(status_of(r, *g), strcmp(*g, gate) == 0 ? "fail" : "pass");
    json_decref(r);
}

static void a_complete_chart_passes_every_item(void **state)
{
    (void)state;
    fixture x;
    fixture_make(&x);
    json_t *r = evaluate(&x);
    assert_true(json_is_true(json_object_get(r, "ok")));
    assert_int_equal(json_array_size(json_object_get(r, "checks")), 6);
    assert_string_equal(status_of(r, "photos_after"), "pass");
    json_decref(r);
    fixture_free(&x);
}

static void each_missing_item_fails_completion_alone(void **state)
{
    (void)state;
    fixture x;
    /* before photos: one view missing */
    fixture_make(&x);
    json_array_remove(json_object_get(x.before, "views"), 1);
    expect_only(&x, "photos_before");
    json_t *r = evaluate(&x);
    assert_non_null(strstr(json_string_value(json_object_get(
                               json_array_get(json_object_get(r, "checks"), 0), "satisfy")),
                           "left"));
    json_decref(r);
    fixture_free(&x);
    /* traceability: a multi-dose lot without its vial */
    fixture_make(&x);
    json_object_del(
        json_array_get(json_object_get(json_object_get(x.session, "chart"), "entries"), 1),
        "vial_id");
    expect_only(&x, "traceability");
    fixture_free(&x);
    /* traceability: a single-dose lot needs no vial, but an administration */
    fixture_make(&x);
    json_object_del(
        json_array_get(json_object_get(json_object_get(x.session, "chart"), "entries"), 0),
        "administration_id");
    expect_only(&x, "traceability");
    fixture_free(&x);
    /* traceability: no needle lot */
    fixture_make(&x);
    json_object_del(json_object_get(x.session, "chart"), "needle_lot_id");
    expect_only(&x, "traceability");
    fixture_free(&x);
    /* traceability: a lot that is not the clinic's */
    fixture_make(&x);
    json_object_del(x.lots, "l1");
    expect_only(&x, "traceability");
    fixture_free(&x);
    /* traceability: nothing charted */
    fixture_make(&x);
    json_array_clear(json_object_get(json_object_get(x.session, "chart"), "entries"));
    expect_only(&x, "traceability");
    fixture_free(&x);
    /* notes: blank */
    fixture_make(&x);
    json_object_set_new(json_object_get(x.session, "chart"), "notes", json_string("  \n"));
    expect_only(&x, "notes");
    fixture_free(&x);
    /* consent: withdrawn */
    fixture_make(&x);
    json_object_set_new(json_object_get(x.consent, "treatment"), "status",
                        json_string("withdrawn"));
    expect_only(&x, "consent");
    fixture_free(&x);
    /* screening: the screening gate did not pass */
    fixture_make(&x);
    json_object_set_new(
        json_array_get(json_object_get(json_object_get(x.session, "prechecks"), "checks"), 0),
        "status", json_string("unknown"));
    expect_only(&x, "screening");
    fixture_free(&x);
    /* screening: never prechecked */
    fixture_make(&x);
    json_object_del(x.session, "prechecks");
    expect_only(&x, "screening");
    fixture_free(&x);
    /* after photos where the policy requires them */
    fixture_make(&x);
    md_strlcpy(x.policy.after_views[0], "front", sizeof x.policy.after_views[0]);
    x.policy.n_after = 1;
    expect_only(&x, "photos_after");
    json_array_append_new(json_object_get(x.after, "views"), json_string("front"));
    r = evaluate(&x);
    assert_true(json_is_true(json_object_get(r, "ok")));
    json_decref(r);
    fixture_free(&x);
}

/* ---- the review sample -------------------------------------------------------------------- */

static void the_sample_is_near_the_share_over_1000_ids(void **state)
{
    (void)state;
    int n10 = 0, n0 = 0, n100 = 0, n50 = 0;
    for (int i = 0; i < 1000; i++) {
        char id[40];
        snprintf(id, sizeof id, "%032x", (unsigned)(i * 2654435761u));
        n10 += md_review_sampled("clinic-1", id, 10);
        n50 += md_review_sampled("clinic-1", id, 50);
        n0 += md_review_sampled("clinic-1", id, 0);
        n100 += md_review_sampled("clinic-1", id, 100);
        /* reproducible */
        assert_int_equal(md_review_sampled("clinic-1", id, 10),
                         md_review_sampled("clinic-1", id, 10));
        /* a session in the 10% share is in any larger share */
        if (md_review_sampled("clinic-1", id, 10))
            assert_true(md_review_sampled("clinic-1", id, 50));
    }
    /* binomial(1000, 0.1): mean 100, sd 9.5; 4 sd either side */
    assert_in_range(n10, 62, 138);
    assert_in_range(n50, 437, 563);
    assert_int_equal(n0, 0);
    assert_int_equal(n100, 1000);
}

static void acknowledged_warnings_set_a_chart_for_review(void **state)
{
    (void)state;
    /* an id outside the 10% share under this key */
    char id[40] = "";
    for (int i = 0; i < 1000 && !*id; i++) {
        char c[40];
        snprintf(c, sizeof c, "s%d", i);
        if (!md_review_sampled("clinic-1", c, 10)) md_strlcpy(id, c, sizeof id);
    }
    json_t *s = json_pack("{s:s,s:[{s:s,s:s}]}", "id", id, "warnings", "code", "depth_out_of_range",
                          "field", "entries[0].depth_mm");
    json_t *r = md_review_evaluate("clinic-1", s, 10);
    assert_false(json_is_true(json_object_get(r, "selected"))); /* not acknowledged yet */
    json_decref(r);
    json_object_set_new(json_array_get(json_object_get(s, "warnings"), 0), "acknowledged_by",
                        json_string("staff-1"));
    r = md_review_evaluate("clinic-1", s, 10);
    assert_true(json_is_true(json_object_get(r, "selected")));
    json_t *why = json_array_get(json_object_get(r, "reasons"), 0);
    assert_string_equal(json_string_value(json_object_get(why, "code")), "warning_acknowledged");
    assert_string_equal(json_string_value(json_object_get(why, "warning")), "depth_out_of_range");
    json_decref(r);
    /* and the sample names itself */
    r = md_review_evaluate("clinic-1", s, 100);
    assert_int_equal(json_array_size(json_object_get(r, "reasons")), 2);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r, "reasons"), 0), "code")),
                        "sample");
    json_decref(r);
    json_decref(s);
}

/* ---- md_aftercare_build and md_aftercare_store on a database ------------------------------ */

static void new_record(unit_db *u, const md_record_kind *k, json_t *in, char id[MD_ID_STR])
{
    md_err err;
    json_t *o = NULL;
    md_code rc = md_record_create(&u->ctx, k, NULL, in, &o, &err);
    if (rc != MD_OK) fprintf(stderr, "%s: %s %s\n", k->name, err.field, err.message);
    assert_int_equal(rc, MD_OK);
    md_strlcpy(id, json_string_value(json_object_get(o, "id")), MD_ID_STR);
    json_decref(in);
    json_decref(o);
}

static void new_lot_of(unit_db *u, const char *ingredient, char lot[MD_ID_STR])
{
    char product[MD_ID_STR];
    md_err err;
    json_t *l = NULL;
    new_record(u, &md_kind_product,
               json_pack("{s:s,s:s,s:i,s:s,s:[{s:s}],s:{s:s}}", "name", ingredient, "presentation",
                         "single_dose", "volume_ml", 2, "base", "aqueous", "ingredients",
                         "ingredient", ingredient, "regulatory", "UK", "ce_marked"),
               product);
    static int n;
    char number[64];
    snprintf(number, sizeof number, "%s-%d", ingredient, ++n);
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:i}", "product_id", product, "lot_number", number,
                           "expiry", "2099-01-31", "received_on", "2026-01-10", "quantity", 5);
    md_code rc = md_lot_create(&u->ctx, in, &l, &err);
    if (rc != MD_OK) fprintf(stderr, "lot: %s %s\n", err.field, err.message);
    assert_int_equal(rc, MD_OK);
    md_strlcpy(lot, json_string_value(json_object_get(l, "id")), MD_ID_STR);
    json_decref(in);
    json_decref(l);
}

/* A session charted with deoxycholic acid under the chin (neck map) and hyaluronic acid on
 * the left cheek, for a patient whose Fitzpatrick type is fitz (0: not recorded). */
static json_t *charted_session(unit_db *u, int fitz)
{
    char pid[MD_ID_STR], dca[MD_ID_STR], ha[MD_ID_STR];
    json_t *p = json_pack("{s:s,s:s,s:s,s:s}", "given_name", "Ada", "family_name", "Moss",
                          "birth_date", "1985-05-05", "sex", "female");
    if (fitz) json_object_set_new(p, "fitzpatrick", json_integer(fitz));
    new_record(u, &md_kind_patient, p, pid);
    new_lot_of(u, "deoxycholic_acid", dca);
    new_lot_of(u, "hyaluronic_acid", ha);
    return json_pack("{s:s,s:s,s:s,s:{s:[{s:s,s:s,s:i,s:i,s:s},{s:s,s:s,s:i,s:i,s:s}]}}", "id",
                     "0123456789abcdef0123456789abcdee", "patient_id", pid, "day", "2026-12-01",
                     "chart", "entries", "map", "neck", "zone", "submental", "x", 200, "y", 40,
                     "lot_id", dca, "map", "face_left", "zone", "cheek_left", "x", 180, "y", 300,
                     "lot_id", ha);
}

static void build_gathers_lots_areas_patient_and_clinic(void **state)
{
    unit_db *u = *state;
    md_err err;
    json_t *o = NULL, *out = NULL;
    /* no phone recorded yet: the text says so */
    json_t *s = charted_session(u, 0);
    assert_int_equal(md_aftercare_build(&u->ctx, s, &o, &err), MD_OK);
    assert_non_null(item(o, "aftercare.deoxycholic_swelling"));       /* from the lot */
    assert_non_null(item(o, "aftercare.deoxycholic_submental_call")); /* from the zone */
    assert_non_null(json_object_get(item(o, "aftercare.pigmentation_fitzpatrick"), "note"));
    assert_non_null(strstr(text(o), "phone number is not recorded"));
    assert_non_null(strstr(text(o), "Unit Clinic, 2026-12-01"));
    json_decref(o);
    json_decref(s);
    /* the clinic's phone, a patient of type II: no pigmentation item */
    json_t *in = json_pack("{s:s}", "phone", "+44 20 7946 0001");
    assert_int_equal(md_clinic_update(&u->ctx, in, &out, &err), MD_OK);
    assert_string_equal(json_string_value(json_object_get(out, "phone")), "+44 20 7946 0001");
    json_decref(in);
    json_decref(out);
    s = charted_session(u, 2);
    assert_int_equal(md_aftercare_build(&u->ctx, s, &o, &err), MD_OK);
    assert_null(item(o, "aftercare.pigmentation_fitzpatrick"));
    assert_non_null(strstr(text(o), "Phone: +44 20 7946 0001"));
    /* stored: the exact text, by its SHA-256, in the content store */
    json_t *ref = NULL;
    assert_int_equal(md_aftercare_store(&u->ctx, o, &ref, &err), MD_OK);
    const char *sha = json_string_value(json_object_get(ref, "sha256"));
    char want[MD_SHA256_STR];
    md_content_hash(text(o), strlen(text(o)), want);
    assert_string_equal(sha, want);
    assert_string_equal(json_string_value(json_object_get(ref, "language")), "en");
    assert_non_null(json_string_value(json_object_get(ref, "generated_at")));
    unsigned char *back = NULL;
    size_t len = 0;
    assert_int_equal(md_content_get(&u->ctx, sha, NULL, &back, &len, &err), MD_OK);
    assert_string_equal((const char *)back, text(o));
    json_decref(ref);
    json_decref(o);
    json_decref(s);
    /* a phone that is not one */
    in = json_pack("{s:s}", "phone", "call us!");
    assert_int_equal(md_clinic_update(&u->ctx, in, &out, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "phone");
    json_decref(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_time_windows_spf_and_red_flags_are_always_given),
        cmocka_unit_test(deoxycholic_acid_swelling_fires_only_with_the_ingredient),
        cmocka_unit_test(the_submental_item_needs_the_area_and_the_ingredient),
        cmocka_unit_test(pigmentation_advice_fires_for_fitzpatrick_iv_to_vi),
        cmocka_unit_test(an_unrecorded_fitzpatrick_type_gives_the_cautious_item_and_says_why),
        cmocka_unit_test(spanish_text_and_no_phone_or_appointment),
        cmocka_unit_test(the_same_facts_give_the_same_text),
        cmocka_unit_test(a_complete_chart_passes_every_item),
        cmocka_unit_test(each_missing_item_fails_completion_alone),
        cmocka_unit_test(the_sample_is_near_the_share_over_1000_ids),
        cmocka_unit_test(acknowledged_warnings_set_a_chart_for_review),
    };
    const struct CMUnitTest db_tests[] = {
        cmocka_unit_test(build_gathers_lots_areas_patient_and_clinic),
    };
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    return failed + cmocka_run_group_tests(db_tests, unit_db_setup, unit_db_teardown);
}
