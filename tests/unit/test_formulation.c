/*
 * test_formulation.c - the formulation engine (formulation.h part 2), on the shipped kb,
 * with candidate products built here: each exclusion reason fires and does not fire, the
 * ranking, unknown concerns and areas, custom mixtures.
 */
#include "test_kb_support.h"

#include "mesodesk/formulation.h"

#define DATE "2026-12-01"

static md_kb *kb;
static md_arena *arena;

static int setup(void **state)
{
    (void)state;
    kb = kbt_load();
    arena = md_arena_new(64 * 1024, 8 << 20);
    return arena ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    md_arena_free(arena);
    md_kb_free(kb);
    return 0;
}

/* A product entry as md_stock_available gives it.  ings: "a,b"; reg: the EU status or
 * NULL; base NULL: not recorded. */
static json_t *product(const char *id, const char *name, const char *ings, const char *base,
                       const char *reg, const char *expiry)
{
    json_t *ing = json_array();
    char buf[256];
    snprintf(buf, sizeof buf, "%s", ings);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        json_array_append_new(ing, json_pack("{s:s,s:s}", "ingredient", t, "concentration", "1%"));
    json_t *p =
        json_pack("{s:s,s:s,s:o,s:{}}", "id", id, "name", name, "ingredients", ing, "regulatory");
    if (base) json_object_set_new(p, "base", json_string(base));
    if (reg) json_object_set_new(json_object_get(p, "regulatory"), "EU", json_string(reg));
    return json_pack("{s:o,s:[{s:s,s:s,s:s,s:i}]}", "product", p, "lots", "id", "lot-1",
                     "lot_number", "L1", "expiry", expiry ? expiry : "2027-06-30", "remaining", 10);
}

typedef struct patient {
    md_screen_input in;
    md_screen_allergy allergies[4];
    md_screen_condition conditions[4];
} patient;

/* A man of 46 with "no known allergies" recorded: eligible for anything by default. */
static void patient_init(patient *p)
{
    memset(p, 0, sizeof *p);
    md_screen_input_init(&p->in);
    assert_int_equal(md_date_parse(DATE, &p->in.date), 0);
    assert_int_equal(md_date_parse("1980-05-05", &p->in.birth_date), 0);
    p->in.sex = "male";
    p->in.no_known_allergies = MD_TRI_YES;
    p->in.jurisdiction = "EU";
}

static void allergic_to(patient *p, const char *substance)
{
    p->in.no_known_allergies = MD_TRI_UNKNOWN;
    p->allergies[p->in.n_allergies].substance = substance;
    p->in.allergies = p->allergies;
    p->in.n_allergies++;
}

typedef struct run {
    md_code rc;
    md_err err;
    json_t *out;
} run;

static run build(patient *p, const char *const *concerns, size_t nc, const char *const *areas,
                 size_t na, json_t *available)
{
    run r = {0};
    md_fm_request q = {.rs = md_kb_ruleset(kb),
                       .patient = &p->in,
                       .jurisdiction = p->in.jurisdiction,
                       .concerns = concerns,
                       .n_concerns = nc,
                       .areas = areas,
                       .n_areas = na,
                       .available = available};
    md_arena_reset(arena);
    r.rc = md_fm_evaluate(&q, arena, &r.out, &r.err);
    json_decref(available);
    return r;
}

static const char *const DRY[] = {"dryness"};
static const char *const DRY_WRINKLES[] = {"dryness", "wrinkles"};
static const char *const CHEEKS[] = {"cheeks"};

/* The excluded entry whose first product is id, or NULL. */
static json_t *excluded(json_t *out, const char *id, size_t n_products)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(out, "excluded"), i, e)
    {
        json_t *ps = json_object_get(e, "products");
        if (json_array_size(ps) == n_products &&
            strcmp(json_string_value(json_object_get(json_array_get(ps, 0), "id")), id) == 0)
            return e;
    }
    return NULL;
}

/* The candidate whose first product is id, or NULL. */
static json_t *candidate(json_t *out, const char *id)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(out, "candidates"), i, c)
    {
        json_t *p0 = json_array_get(json_object_get(c, "products"), 0);
        if (json_array_size(json_object_get(c, "products")) == 1 &&
            strcmp(json_string_value(json_object_get(p0, "id")), id) == 0)
            return c;
    }
    return NULL;
}

/* Does list hold an item with this reason (and rule, when given)? */
static int has_reason(json_t *list, const char *reason, const char *rule)
{
    size_t i;
    json_t *r;
    json_array_foreach(list, i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "reason")), reason) != 0) continue;
        if (!rule || strcmp(json_string_value(json_object_get(r, "rule")), rule) == 0) return 1;
    }
    return 0;
}

static const char *missing_of(json_t *list, const char *reason)
{
    size_t i;
    json_t *r;
    json_array_foreach(list, i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "reason")), reason) == 0)
            return json_string_value(json_object_get(r, "missing"));
    }
    return NULL;
}

static json_t *list_of(json_t *products[], size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, products[i]);
    return a;
}

static int strcmp_ptr(const char **a, const char **b)
{
    return strcmp(*a, *b);
}

/* ---- the kb ------------------------------------------------------------------------ */

static void test_kb_concerns(void **state)
{
    (void)state;
    static const char *const want[] = {"dryness",       "dullness",       "fine_lines",
                                       "wrinkles",      "sagging",        "hyperpigmentation",
                                       "acne_scars",    "enlarged_pores", "uneven_tone",
                                       "localized_fat", "cellulite",      "hair_loss"};
    assert_int_equal(md_kb_concern_count(kb), 12);
    for (size_t i = 0; i < 12; i++) {
        int id = md_kb_concern_find(kb, want[i]);
        assert_true(id >= 0);
        assert_true(md_kb_concern_link_count(kb, id) > 0);
        md_concern_link l;
        for (size_t k = 0; k < md_kb_concern_link_count(kb, id); k++) {
            assert_int_equal(md_kb_concern_link(kb, id, k, &l), 0);
            assert_true(l.n_sources > 0);
        }
    }
    assert_int_equal(md_kb_concern_find(kb, "dry_skin"), -1);
    int hair = md_kb_concern_find(kb, "hair_loss");
    int scalp = md_kb_lookup(kb, MD_VOCAB_AREA, "scalp"),
        cheeks = md_kb_lookup(kb, MD_VOCAB_AREA, "cheeks");
    assert_true(md_kb_concern_applies(kb, hair, -1, &scalp, 1));
    assert_false(md_kb_concern_applies(kb, hair, -1, &cheeks, 1));
}

/* ---- request errors ---------------------------------------------------------------- */

static void test_unknown_concern(void **state)
{
    (void)state;
    patient p;
    patient_init(&p);
    static const char *const bad[] = {"dryness", "dry_skin"};
    run r = build(&p, bad, 2, CHEEKS, 1, json_array());
    assert_int_equal(r.rc, MD_EUNPROCESSABLE);
    assert_string_equal(r.err.field, "concerns[1]");
    assert_non_null(strstr(r.err.message, "unknown concern 'dry_skin'"));

    static const char *const twice[] = {"dryness", "Dryness"};
    r = build(&p, twice, 2, CHEEKS, 1, json_array());
    assert_int_equal(r.rc, MD_EUNPROCESSABLE);
    assert_string_equal(r.err.field, "concerns[1]");

    static const char *const hair[] = {"hair_loss"};
    r = build(&p, hair, 1, CHEEKS, 1, json_array());
    assert_int_equal(r.rc, MD_EUNPROCESSABLE);
    assert_string_equal(r.err.field, "concerns[0]");
    assert_non_null(strstr(r.err.message, "scalp"));

    static const char *const badarea[] = {"cheeks", "elbow"};
    r = build(&p, DRY, 1, badarea, 2, json_array());
    assert_int_equal(r.rc, MD_EUNPROCESSABLE);
    assert_string_equal(r.err.field, "areas[1]");

    r = build(&p, DRY, 0, CHEEKS, 1, json_array());
    assert_int_equal(r.rc, MD_EINVAL);
    assert_string_equal(r.err.field, "concerns");

    static const char *const scalp[] = {"scalp"};
    r = build(&p, hair, 1, scalp, 1, json_array());
    assert_int_equal(r.rc, MD_OK);
    json_decref(r.out);
}

/* ---- ranking ------------------------------------------------------------------------ */

/* Six products for the ranking test (a new list each time). */
static json_t *ranking_products(void)
{
    json_t *ps[] = {
        product("a", "Hydra", "hyaluronic_acid", "aqueous", "ce_marked", "2027-06-30"),
        product("b", "Hydra Peptide", "hyaluronic_acid,peptides", "aqueous", "ce_marked", NULL),
        product("c", "Bright C", "vitamin_c", "aqueous", "ce_marked", NULL),
        product("d", "Hydra Early", "hyaluronic_acid", "aqueous", "ce_marked", "2027-01-31"),
        product("e", "Peptide Only", "peptides", "aqueous", "ce_marked", NULL),
        product("f", "Hydra Off", "hyaluronic_acid", "aqueous", "approved_drug_off_label", NULL),
    };
    return list_of(ps, 6);
}

static void test_ranking(void **state)
{
    (void)state;
    patient p;
    patient_init(&p);
    run r = build(&p, DRY_WRINKLES, 2, CHEEKS, 1, ranking_products());
    assert_int_equal(r.rc, MD_OK);
    json_t *c = json_object_get(r.out, "candidates");
    /* b covers both; then the pairs that cover both (HA product + e), by the same keys;
     * then singles covering one: fewer cautions first, then earliest expiry (d before a). */
    const char *first = json_string_value(json_object_get(
        json_array_get(json_object_get(json_array_get(c, 0), "products"), 0), "id"));
    assert_string_equal(first, "b");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(c, 0), "rank")), 1);
    size_t i;
    json_t *x;
    int pos_a = -1, pos_d = -1, pos_f = -1, pos_pair = -1;
    json_array_foreach(c, i, x)
    {
        json_t *prods = json_object_get(x, "products");
        const char *id = json_string_value(json_object_get(json_array_get(prods, 0), "id"));
        if (json_array_size(prods) == 2 && pos_pair < 0) pos_pair = (int)i;
        if (json_array_size(prods) != 1) continue;
        if (strcmp(id, "a") == 0) pos_a = (int)i;
        if (strcmp(id, "d") == 0) pos_d = (int)i;
        if (strcmp(id, "f") == 0) pos_f = (int)i;
    }
    assert_true(pos_pair > 0 && pos_pair < pos_d);
    assert_true(pos_d >= 0 && pos_d < pos_a);
    assert_true(pos_a < pos_f); /* the off-label caution ranks it lower */
    /* c addresses neither concern: not a candidate, not excluded. */
    assert_null(candidate(r.out, "c"));
    assert_null(excluded(r.out, "c", 1));
    assert_int_equal(json_integer_value(json_object_get(r.out, "not_relevant")), 1);
    /* the rationale: concern -> ingredient -> source */
    json_t *rat = json_object_get(json_array_get(c, 0), "rationale");
    assert_true(json_array_size(rat) >= 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rat, 0), "concern")),
                        "dryness");
    assert_string_equal(json_string_value(json_object_get(json_array_get(rat, 0), "ingredient")),
                        "hyaluronic_acid");
    assert_true(json_array_size(json_object_get(json_array_get(rat, 0), "sources")) > 0);
    assert_int_equal(json_array_size(json_object_get(r.out, "not_addressed")), 0);

    /* Deterministic: the same input gives byte-identical output. */
    char *s1 = json_dumps(r.out, JSON_COMPACT);
    json_decref(r.out);
    r = build(&p, DRY_WRINKLES, 2, CHEEKS, 1, ranking_products());
    char *s2 = json_dumps(r.out, JSON_COMPACT);
    assert_string_equal(s1, s2);
    free(s1);
    free(s2);
    json_decref(r.out);

    /* Nothing in stock addresses hair loss. */
    static const char *const hair[] = {"hair_loss"};
    static const char *const scalp[] = {"scalp"};
    json_t *one[] = {product("a", "Hydra", "hyaluronic_acid", "aqueous", "ce_marked", NULL)};
    r = build(&p, hair, 1, scalp, 1, list_of(one, 1));
    assert_int_equal(json_array_size(json_object_get(r.out, "candidates")), 0);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(r.out, "not_addressed"), 0)), "hair_loss");
    json_decref(r.out);
}

/* ---- each exclusion reason ----------------------------------------------------------- */

static void test_allergy(void **state)
{
    (void)state;
    patient p;
    patient_init(&p);
    allergic_to(&p, "amide_anaesthetics"); /* covers lidocaine through its class */
    json_t *ps[] = {
        product("lido", "Hydra Lido", "hyaluronic_acid,lidocaine", "aqueous", "ce_marked", NULL),
        product("proc", "Hydra Procaine", "hyaluronic_acid,procaine", "aqueous", "ce_marked", NULL),
    };
    run r = build(&p, DRY, 1, CHEEKS, 1, list_of(ps, 2));
    assert_int_equal(r.rc, MD_OK);
    json_t *e = excluded(r.out, "lido", 1);
    assert_non_null(e);
    assert_true(
        has_reason(json_object_get(e, "reasons"), "allergy", "allergy_to_planned_ingredient"));
    /* procaine is an ester: not covered by the amide class; the allergy still asks for a
     * patch test (a caution) */
    json_t *c = candidate(r.out, "proc");
    assert_non_null(c);
    assert_true(has_reason(json_object_get(c, "cautions"), "screening", "patch_test_required"));
    assert_null(excluded(r.out, "proc", 1));
    json_decref(r.out);
}

static void test_screening_finding(void **state)
{
    (void)state;
    patient p;
    patient_init(&p);
    p.in.sex = "female";
    p.in.pregnant = MD_TRI_YES;
    p.in.breastfeeding = MD_TRI_NO;
    json_t *ps[] = {product("a", "Hydra", "hyaluronic_acid", "aqueous", "ce_marked", NULL)};
    run r = build(&p, DRY, 1, CHEEKS, 1, list_of(ps, 1));
    json_t *e = excluded(r.out, "a", 1);
    assert_non_null(e);
    assert_true(has_reason(json_object_get(e, "reasons"), "screening", "pregnancy"));
    json_decref(r.out);

    /* not pregnant: eligible */
    p.in.pregnant = MD_TRI_NO;
    json_t *ps2[] = {product("a", "Hydra", "hyaluronic_acid", "aqueous", "ce_marked", NULL)};
    r = build(&p, DRY, 1, CHEEKS, 1, list_of(ps2, 1));
    assert_non_null(candidate(r.out, "a"));
    json_decref(r.out);

    /* pregnancy never asked: unknown is not no */
    p.in.pregnant = MD_TRI_UNKNOWN;
    json_t *ps3[] = {product("a", "Hydra", "hyaluronic_acid", "aqueous", "ce_marked", NULL)};
    r = build(&p, DRY, 1, CHEEKS, 1, list_of(ps3, 1));
    e = excluded(r.out, "a", 1);
    assert_non_null(e);
    assert_string_equal(missing_of(json_object_get(e, "reasons"), "screening"), "patient.pregnant");
    json_decref(r.out);

    /* active eczema at a planned area defers; at another area it does not */
    patient_init(&p);
    p.conditions[0] =
        (md_screen_condition){.code = "eczema", .active = MD_TRI_YES, .site = "cheeks"};
    p.in.conditions = p.conditions;
    p.in.n_conditions = 1;
    json_t *ps4[] = {product("a", "Hydra", "hyaluronic_acid", "aqueous", "ce_marked", NULL)};
    r = build(&p, DRY, 1, CHEEKS, 1, list_of(ps4, 1));
    e = excluded(r.out, "a", 1);
    assert_non_null(e);
    assert_true(
        has_reason(json_object_get(e, "reasons"), "screening", "active_skin_condition_at_site"));
    json_decref(r.out);
    static const char *const neck[] = {"neck"};
    json_t *ps5[] = {product("a", "Hydra", "hyaluronic_acid", "aqueous", "ce_marked", NULL)};
    r = build(&p, DRY, 1, neck, 1, list_of(ps5, 1));
    assert_non_null(candidate(r.out, "a"));
    json_decref(r.out);
}

static void test_regulatory(void **state)
{
    (void)state;
    patient p;
    patient_init(&p);
    json_t *ps[] = {
        product("comp", "Compounded HA", "hyaluronic_acid", "aqueous", "compounded", NULL),
        product("unap", "Unapproved HA", "hyaluronic_acid", "aqueous", "unapproved", NULL),
        product("none", "US only HA", "hyaluronic_acid", "aqueous", NULL, NULL),
        product("off", "Off-label HA", "hyaluronic_acid", "aqueous", "approved_drug_off_label",
                NULL),
        product("ce", "CE HA", "hyaluronic_acid", "aqueous", "ce_marked", NULL),
    };
    json_object_set_new(json_object_get(json_object_get(ps[2], "product"), "regulatory"), "US",
                        json_string("fda_cleared"));
    run r = build(&p, DRY, 1, CHEEKS, 1, list_of(ps, 5));
    assert_true(has_reason(json_object_get(excluded(r.out, "comp", 1), "reasons"), "regulatory",
                           "compounded"));
    assert_true(has_reason(json_object_get(excluded(r.out, "unap", 1), "reasons"), "regulatory",
                           "unapproved"));
    assert_string_equal(
        missing_of(json_object_get(excluded(r.out, "none", 1), "reasons"), "regulatory"),
        "product.regulatory.EU");
    assert_true(has_reason(json_object_get(candidate(r.out, "off"), "cautions"), "regulatory",
                           "approved_drug_off_label"));
    assert_int_equal(json_array_size(json_object_get(candidate(r.out, "ce"), "cautions")), 0);
    json_decref(r.out);

    /* In the US the same product is allowed. */
    p.in.jurisdiction = "US";
    json_t *us[] = {product("none", "US only HA", "hyaluronic_acid", "aqueous", NULL, NULL)};
    json_object_set_new(json_object_get(json_object_get(us[0], "product"), "regulatory"), "US",
                        json_string("fda_cleared"));
    r = build(&p, DRY, 1, CHEEKS, 1, list_of(us, 1));
    assert_non_null(candidate(r.out, "none"));
    json_decref(r.out);

    /* No jurisdiction: the product's "default" status, and none is not allowed. */
    p.in.jurisdiction = NULL;
    json_t *nj[] = {product("ce", "CE HA", "hyaluronic_acid", "aqueous", "ce_marked", NULL)};
    r = build(&p, DRY, 1, CHEEKS, 1, list_of(nj, 1));
    assert_string_equal(
        missing_of(json_object_get(excluded(r.out, "ce", 1), "reasons"), "regulatory"),
        "product.regulatory.default");
    json_decref(r.out);
}

static void test_never_inject(void **state)
{
    (void)state;
    patient p;
    patient_init(&p);
    json_t *ps[] = {
        product("oil", "Oily HA", "hyaluronic_acid", "oil", "ce_marked", NULL),
        product("alc", "Alcohol HA", "hyaluronic_acid", "alcohol", "ce_marked", NULL),
        product("nob", "No base HA", "hyaluronic_acid", NULL, "ce_marked", NULL),
        product("aq", "Aqueous HA", "hyaluronic_acid", "aqueous", "ce_marked", NULL),
    };
    run r = build(&p, DRY, 1, CHEEKS, 1, list_of(ps, 4));
    assert_true(has_reason(json_object_get(excluded(r.out, "oil", 1), "reasons"), "never_inject",
                           "oil_or_alcohol_base"));
    assert_true(has_reason(json_object_get(excluded(r.out, "alc", 1), "reasons"), "never_inject",
                           "oil_or_alcohol_base"));
    assert_string_equal(
        missing_of(json_object_get(excluded(r.out, "nob", 1), "reasons"), "never_inject"),
        "product.base");
    assert_non_null(candidate(r.out, "aq"));
    json_decref(r.out);
}

/* An ingredient the kb does not know cannot be checked: never a candidate. */
static void test_unknown_ingredient(void **state)
{
    (void)state;
    patient p;
    patient_init(&p);
    json_t *ps[] = {
        product("odd", "Odd HA", "hyaluronic_acid,snake_oil", "aqueous", "ce_marked", NULL),
        product("ha", "Plain HA", "hyaluronic_acid", "aqueous", "ce_marked", NULL),
    };
    run r = build(&p, DRY, 1, CHEEKS, 1, list_of(ps, 2));
    assert_true(has_reason(json_object_get(excluded(r.out, "odd", 1), "reasons"),
                           "unknown_ingredient", "product_ingredients"));
    assert_non_null(candidate(r.out, "ha"));
    json_decref(r.out);
}

static void test_incompatibility_and_unmixed(void **state)
{
    (void)state;
    patient p;
    patient_init(&p);
    static const char *const fat_dry[] = {"localized_fat", "dryness"};
    static const char *const submental[] = {"submental"};
    json_t *ps[] = {
        product("pcl", "PC Lido", "phosphatidylcholine,lidocaine", "aqueous", "ce_marked", NULL),
        product("dca", "Deoxycholic", "deoxycholic_acid", "aqueous", "fda_cleared", NULL),
        product("ha", "Hydra", "hyaluronic_acid", "aqueous", "ce_marked", NULL),
        product("pc", "PC", "phosphatidylcholine", "aqueous", "ce_marked", NULL),
    };
    run r = build(&p, fat_dry, 2, submental, 1, list_of(ps, 4));
    assert_int_equal(r.rc, MD_OK);
    /* phosphatidylcholine with lidocaine in one syringe */
    assert_true(has_reason(json_object_get(excluded(r.out, "pcl", 1), "reasons"), "incompatibility",
                           "phosphatidylcholine_lidocaine"));
    /* deoxycholic acid alone passes; mixed with hyaluronic acid it is excluded */
    assert_non_null(candidate(r.out, "dca"));
    json_t *mix = excluded(r.out, "dca", 2);
    assert_non_null(mix);
    assert_true(
        has_reason(json_object_get(mix, "reasons"), "unmixed_only", "deoxycholic_acid_unmixed"));
    /* phosphatidylcholine without lidocaine, mixed with hyaluronic acid: a candidate */
    size_t i;
    json_t *c;
    int found = 0;
    json_array_foreach(json_object_get(r.out, "candidates"), i, c)
    {
        json_t *prods = json_object_get(c, "products");
        if (json_array_size(prods) != 2) continue;
        const char *a = json_string_value(json_object_get(json_array_get(prods, 0), "id"));
        const char *b = json_string_value(json_object_get(json_array_get(prods, 1), "id"));
        if (strcmp(a, "ha") == 0 && strcmp(b, "pc") == 0) found = 1;
        assert_int_equal(json_array_size(json_object_get(c, "covers")), 2);
    }
    assert_true(found);
    json_decref(r.out);
}

/* ---- custom mixtures ----------------------------------------------------------------- */

static json_t *component(json_t *entry)
{
    json_t *c = json_pack("{s:O,s:O,s:i}", "product", json_object_get(entry, "product"), "lots",
                          json_object_get(entry, "lots"), "volume_ul", 1000);
    json_decref(entry);
    return c;
}

static void test_mixture(void **state)
{
    (void)state;
    patient p;
    patient_init(&p);
    md_fm_request q = {.rs = md_kb_ruleset(kb),
                       .patient = &p.in,
                       .jurisdiction = "EU",
                       .concerns = DRY,
                       .n_concerns = 1,
                       .areas = CHEEKS,
                       .n_areas = 1};
    json_t *out = NULL;
    md_err err;
    /* PC + lidocaine in two products: incompatible in one syringe */
    json_t *bad = json_pack(
        "[o,o]",
        component(product("pc", "PC", "phosphatidylcholine", "aqueous", "ce_marked", NULL)),
        component(
            product("lido", "Lido", "lidocaine", "aqueous", "approved_drug_off_label", NULL)));
    md_arena_reset(arena);
    assert_int_equal(md_fm_check_mixture(&q, bad, arena, &out, &err), MD_OK);
    assert_true(json_is_true(json_object_get(out, "blocked")));
    assert_true(has_reason(json_object_get(out, "reasons"), "incompatibility",
                           "phosphatidylcholine_lidocaine"));
    assert_true(
        has_reason(json_object_get(out, "cautions"), "regulatory", "approved_drug_off_label"));
    json_decref(out);
    json_decref(bad);
    /* HA + lidocaine: passes, with the off-label caution and the rationale */
    json_t *good = json_pack(
        "[o,o]", component(product("ha", "HA", "hyaluronic_acid", "aqueous", "ce_marked", NULL)),
        component(
            product("lido", "Lido", "lidocaine", "aqueous", "approved_drug_off_label", NULL)));
    assert_int_equal(md_fm_check_mixture(&q, good, arena, &out, &err), MD_OK);
    assert_false(json_is_true(json_object_get(out, "blocked")));
    assert_int_equal(json_array_size(json_object_get(out, "reasons")), 0);
    assert_true(
        has_reason(json_object_get(out, "cautions"), "regulatory", "approved_drug_off_label"));
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(out, "rationale"), 0), "ingredient")),
                        "hyaluronic_acid");
    json_decref(out);
    json_decref(good);
    /* every reason at once: oil base, compounded, and an allergy */
    allergic_to(&p, "procaine");
    json_t *worse = json_pack(
        "[o]", component(product("x", "X", "procaine,hyaluronic_acid", "oil", "compounded", NULL)));
    assert_int_equal(md_fm_check_mixture(&q, worse, arena, &out, &err), MD_OK);
    json_t *rs = json_object_get(out, "reasons");
    assert_true(has_reason(rs, "never_inject", NULL));
    assert_true(has_reason(rs, "regulatory", "compounded"));
    assert_true(has_reason(rs, "allergy", "allergy_to_planned_ingredient"));
    json_decref(out);
    json_decref(worse);
}

/* The strings of list sorted and joined with ';' into out; list is released. */
static void sorted_join(json_t *list, char *out, size_t sz)
{
    size_t n_items = json_array_size(list);
    const char **v = calloc(n_items + 1, sizeof *v);
    for (size_t i = 0; i < n_items; i++)
        v[i] = json_string_value(json_array_get(list, i));
    qsort(v, n_items, sizeof *v, (int (*)(const void *, const void *))strcmp_ptr);
    out[0] = '\0';
    for (size_t i = 0; i < n_items; i++)
        snprintf(out + strlen(out), sz - strlen(out), "%s;", v[i]);
    free(v);
    json_decref(list);
}

/* The engine screens one ingredient at a time and merges; a screening of the whole plan
 * must find exactly the same (rule, ingredient) findings and missing facts. */
static void collect_direct(patient *p, const char *const *ings, size_t n, char *out, size_t sz)
{
    md_screen_result res;
    md_err err;
    p->in.ingredients = (const char **)ings;
    p->in.n_ingredients = n;
    assert_int_equal(md_screen_resolve(md_kb_ruleset(kb), &p->in, arena, &err), MD_OK);
    assert_int_equal(md_screen_evaluate(md_kb_ruleset(kb), &p->in, arena, &res, &err), MD_OK);
    json_t *rj = md_screen_result_to_json(&res), *list = json_array(), *f;
    const char *const keys[] = {"findings", "cautions", "missing"};
    for (int k = 0; k < 3; k++) {
        size_t i;
        json_array_foreach(json_object_get(rj, keys[k]), i, f)
        {
            char item[160];
            snprintf(item, sizeof item, "%s|%s", json_string_value(json_object_get(f, "rule")),
                     json_string_value(json_object_get(json_object_get(f, "fact"), "ingredient"))
                         ?: (k == 2 ? json_string_value(json_object_get(f, "field")) : "-"));
            json_array_append_new(list, json_string(item));
        }
    }
    json_decref(rj);
    sorted_join(list, out, sz);
}

static void collect_merged(json_t *checked, char *out, size_t sz)
{
    json_t *list = json_array(), *f;
    const char *const keys[] = {"reasons", "cautions"};
    for (int k = 0; k < 2; k++) {
        size_t i;
        json_array_foreach(json_object_get(checked, keys[k]), i, f)
        {
            const char *reason = json_string_value(json_object_get(f, "reason"));
            if (strcmp(reason, "screening") != 0 && strcmp(reason, "allergy") != 0) continue;
            char item[160];
            const char *ing =
                json_string_value(json_object_get(json_object_get(f, "fact"), "ingredient"));
            const char *miss = json_string_value(json_object_get(f, "missing"));
            snprintf(item, sizeof item, "%s|%s", json_string_value(json_object_get(f, "rule")),
                     ing    ? ing
                     : miss ? miss
                            : "-");
            json_array_append_new(list, json_string(item));
        }
    }
    sorted_join(list, out, sz);
}

static void test_screening_merge(void **state)
{
    (void)state;
    static const char *const sets[][4] = {
        {"vitamin_c", "lidocaine", "procaine", NULL},
        {"phosphatidylcholine", "deoxycholic_acid", NULL},
        {"lidocaine_prilocaine_cream", "hyaluronic_acid", NULL},
        {"hyaluronic_acid", NULL},
    };
    for (int who = 0; who < 3; who++) {
        for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
            patient p;
            patient_init(&p);
            if (who >= 1) {
                allergic_to(&p, "amide_anaesthetics");
                allergic_to(&p, "procaine");
                p.conditions[0] =
                    (md_screen_condition){.code = "g6pd_deficiency", .active = MD_TRI_YES};
                p.conditions[1] =
                    (md_screen_condition){.code = "methaemoglobinaemia", .active = MD_TRI_YES};
                p.conditions[2] =
                    (md_screen_condition){.code = "eczema", .active = MD_TRI_YES, .site = "cheeks"};
                p.in.conditions = p.conditions;
                p.in.n_conditions = 3;
                p.in.weight_stable = MD_TRI_NO;
                p.in.fitzpatrick = 5;
            }
            if (who == 2) {
                p.in.sex = "female";
                p.in.no_known_allergies = MD_TRI_UNKNOWN;
                p.in.n_allergies = 0; /* allergies never asked; pregnancy unknown */
            }
            size_t n = 0;
            while (n < 4 && sets[s][n])
                n++;
            char ings[160] = "";
            for (size_t i = 0; i < n; i++)
                snprintf(ings + strlen(ings), sizeof ings - strlen(ings), "%s%s", i ? "," : "",
                         sets[s][i]);
            json_t *comps =
                json_pack("[o]", component(product("x", "X", ings, "aqueous", "ce_marked", NULL)));
            md_fm_request q = {.rs = md_kb_ruleset(kb),
                               .patient = &p.in,
                               .jurisdiction = "EU",
                               .areas = CHEEKS,
                               .n_areas = 1};
            json_t *out = NULL;
            md_err err;
            md_arena_reset(arena);
            assert_int_equal(md_fm_check_mixture(&q, comps, arena, &out, &err), MD_OK);
            char merged[2048], direct[2048];
            collect_merged(out, merged, sizeof merged);
            p.in.areas = (const char **)CHEEKS;
            p.in.n_areas = 1;
            collect_direct(&p, sets[s], n, direct, sizeof direct);
            if (strcmp(merged, direct) != 0)
                fail_msg("patient %d, set %zu:\nmerged %s\ndirect %s", who, s, merged, direct);
            json_decref(out);
            json_decref(comps);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kb_concerns),
        cmocka_unit_test(test_unknown_concern),
        cmocka_unit_test(test_ranking),
        cmocka_unit_test(test_allergy),
        cmocka_unit_test(test_screening_finding),
        cmocka_unit_test(test_regulatory),
        cmocka_unit_test(test_never_inject),
        cmocka_unit_test(test_unknown_ingredient),
        cmocka_unit_test(test_incompatibility_and_unmixed),
        cmocka_unit_test(test_mixture),
        cmocka_unit_test(test_screening_merge),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
