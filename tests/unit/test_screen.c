/*
 * test_screen.c - the screening rules, case by case.
 *
 * The case table holds, for every rule of the shipped kb, inputs on which it
 * fires and inputs on which it does not (with the boundary dates).
 * test_every_rule_has_cases fails when a kb rule is missing either kind, so a
 * rule cannot be added to kb/rules.json without cases here.
 */
#include "test_kb_support.h"

#define DATE "2026-11-21"
#define PLAN_DEFAULT "{\"areas\":[\"cheeks\"],\"ingredients\":[\"hyaluronic_acid\"]}"
#define PLAN_TWO "{\"areas\":[\"cheeks\"],\"ingredients\":[\"hyaluronic_acid\",\"vitamin_c\"]}"
/* One patch test on record: its ingredient, result and last valid day. */
#define PT(ing, result, until)                                                                     \
    ",\"patch_tests\":[{\"id\":\"pt-1\",\"ingredients\":[\"" ing "\"],\"result\":\"" result       \
    "\",\"valid_until\":\"" until "\"}]"

typedef struct screen_case {
    const char *rule;     /* rule under test */
    int fires;            /* 1: a finding of this rule is expected, 0: none */
    const char *patient;  /* members after birth_date, each with a leading comma */
    const char *plan;     /* NULL: PLAN_DEFAULT */
    const char *birth;    /* NULL: 1990-01-01 */
    const char *extra;    /* top-level members with a leading comma, or NULL */
    const char *decision; /* expected decision, or NULL */
    const char *earliest; /* expected earliest_date, "-" for none, or NULL (not checked) */
} screen_case;

static const screen_case cases[] = {
    /* status flags */
    {"pregnancy", 1, ",\"pregnant\":true", NULL, NULL, NULL, "contraindicated", "-"},
    {"pregnancy", 0, ",\"pregnant\":false", NULL, NULL, NULL, "eligible", "-"},
    {"pregnancy", 0, "", NULL, NULL, NULL, "eligible", NULL},
    {"breastfeeding", 1, ",\"breastfeeding\":true", NULL, NULL, NULL, "contraindicated", NULL},
    {"breastfeeding", 0, ",\"breastfeeding\":false", NULL, NULL, NULL, "eligible", NULL},
    /* age of majority: 18th birthday on the date is old enough */
    {"under_age_of_majority", 1, "", NULL, "2008-11-22", NULL, "contraindicated", NULL},
    {"under_age_of_majority", 0, "", NULL, "2008-11-21", NULL, "eligible", NULL},
    {"under_age_of_majority", 1, "", NULL, "2010-01-01", ",\"jurisdiction\":\"US\"", "contraindicated", NULL},
    {"under_age_of_majority", 0, "", NULL, "1950-01-01", ",\"jurisdiction\":\"UK\"", "eligible", NULL},
    /* allergy to a planned ingredient, directly or through an allergen class */
    {"allergy_to_planned_ingredient", 1, ",\"allergies\":[{\"substance\":\"lidocaine\"}]",
     "{\"areas\":[\"cheeks\"],\"ingredients\":[\"hyaluronic_acid\",\"lidocaine\"]}", NULL, NULL, "contraindicated", NULL},
    {"allergy_to_planned_ingredient", 1, ",\"allergies\":[{\"substance\":\"amide_anaesthetics\"}]",
     "{\"areas\":[\"cheeks\"],\"ingredients\":[\"lignocaine\"]}", NULL, NULL, "contraindicated", NULL},
    {"allergy_to_planned_ingredient", 0, ",\"allergies\":[{\"substance\":\"procaine\"}]",
     "{\"areas\":[\"cheeks\"],\"ingredients\":[\"lidocaine\"]}", NULL, NULL, "eligible", NULL},
    {"allergy_to_planned_ingredient", 0, ",\"allergies\":[{\"substance\":\"latex\"}]", NULL, NULL, NULL, "eligible", NULL},
    {"patch_test_required", 1, ",\"allergies\":[{\"substance\":\"latex\"}]", NULL, NULL, NULL, "eligible", NULL},
    {"patch_test_required", 0, ",\"no_known_allergies\":true", NULL, NULL, NULL, "eligible", NULL},
    /* satisfied only by negative patch tests valid on the date covering every planned
     * ingredient (a satisfied finding does not fire: it is no longer a caution) */
    {"patch_test_required", 0, ",\"allergies\":[{\"substance\":\"latex\"}]", NULL, NULL,
     PT("hyaluronic_acid", "negative", "2027-05-21"), "eligible", NULL},
    {"patch_test_required", 0, ",\"allergies\":[{\"substance\":\"latex\"}]", NULL, NULL,
     PT("hyaluronic_acid", "negative", DATE), "eligible", NULL},
    {"patch_test_required", 1, ",\"allergies\":[{\"substance\":\"latex\"}]", NULL, NULL,
     PT("hyaluronic_acid", "negative", "2026-11-20"), "eligible", NULL},
    {"patch_test_required", 1, ",\"allergies\":[{\"substance\":\"latex\"}]", PLAN_TWO, NULL,
     PT("hyaluronic_acid", "negative", "2027-05-21"), "eligible", NULL},
    {"patch_test_required", 0, ",\"allergies\":[{\"substance\":\"latex\"}]", PLAN_TWO, NULL,
     ",\"patch_tests\":[{\"ingredients\":[\"hyaluronic_acid\"],\"result\":\"negative\",\"valid_until\":\"2027-01-01\"},"
     "{\"ingredients\":[\"vitamin_c\"],\"result\":\"negative\",\"valid_until\":\"2027-01-01\"}]", "eligible", NULL},
    {"patch_test_required", 1, ",\"allergies\":[{\"substance\":\"latex\"}]", NULL, NULL,
     PT("hyaluronic_acid", "positive", "2027-05-21"), "eligible", NULL},
    {"patch_test_required", 1, ",\"allergies\":[{\"substance\":\"latex\"}]", NULL, NULL,
     PT("hyaluronic_acid", "doubtful", "2027-05-21"), "eligible", NULL},
    {"patch_test_required", 1, ",\"allergies\":[{\"substance\":\"latex\"}]", NULL, NULL,
     PT("hyaluronic_acid", "irritant", "2027-05-21"), "eligible", NULL},
    {"patch_test_required", 1, ",\"allergies\":[{\"substance\":\"latex\"}]", NULL, NULL,
     PT("vitamin_c", "negative", "2027-05-21"), "eligible", NULL},
    /* active skin condition at a planned site (area hierarchy: face contains cheeks) */
    {"active_skin_condition_at_site", 1, ",\"conditions\":[{\"code\":\"eczema\",\"active\":true,\"site\":\"cheeks\"}]",
     NULL, NULL, NULL, "deferred", "-"},
    {"active_skin_condition_at_site", 1, ",\"conditions\":[{\"code\":\"skin_infection\",\"active\":true}]",
     NULL, NULL, NULL, "deferred", "-"},
    {"active_skin_condition_at_site", 1, ",\"conditions\":[{\"code\":\"psoriasis\",\"site\":\"face\"}]",
     NULL, NULL, NULL, "deferred", "-"},
    {"active_skin_condition_at_site", 1, ",\"conditions\":[{\"code\":\"active acne\",\"active\":true,\"site\":\"cheeks\"}]",
     NULL, NULL, NULL, "deferred", "-"},
    {"active_skin_condition_at_site", 0, ",\"conditions\":[{\"code\":\"eczema\",\"active\":false,\"site\":\"cheeks\"}]",
     NULL, NULL, NULL, "eligible", NULL},
    {"active_skin_condition_at_site", 0, ",\"conditions\":[{\"code\":\"eczema\",\"active\":true,\"site\":\"hands\"}]",
     NULL, NULL, NULL, "eligible", NULL},
    /* NSAID / aspirin washout: 7 days; exactly 7 days before does not defer */
    {"nsaid_washout", 1, ",\"medications\":[{\"code\":\"ibuprofen\",\"last_dose\":\"2026-11-18\"}]",
     NULL, NULL, NULL, "deferred", "2026-11-25"},
    {"nsaid_washout", 1, ",\"medications\":[{\"code\":\"aspirin\",\"last_dose\":\"2026-11-15\"}]",
     NULL, NULL, NULL, "deferred", "2026-11-22"},
    {"nsaid_washout", 0, ",\"medications\":[{\"code\":\"aspirin\",\"last_dose\":\"2026-11-14\"}]",
     NULL, NULL, NULL, "eligible", "-"},
    {"nsaid_washout", 1, ",\"medications\":[{\"code\":\"naproxen\"}]", NULL, NULL, NULL, "deferred", "2026-11-28"},
    {"nsaid_washout", 0, ",\"medications\":[{\"code\":\"fish_oil\",\"last_dose\":\"2026-11-20\"}]",
     NULL, NULL, NULL, "deferred", NULL},
    /* supplements: 14 days */
    {"supplement_washout", 1, ",\"medications\":[{\"code\":\"fish oil\",\"last_dose\":\"2026-11-08\"}]",
     NULL, NULL, NULL, "deferred", "2026-11-22"},
    {"supplement_washout", 0, ",\"medications\":[{\"code\":\"ginkgo\",\"last_dose\":\"2026-11-07\"}]",
     NULL, NULL, NULL, "eligible", "-"},
    {"supplement_washout", 1,
     ",\"medications\":[{\"code\":\"St John's wort\",\"last_dose\":\"2026-11-20\"},{\"code\":\"ibuprofen\",\"last_dose\":\"2026-11-20\"}]",
     NULL, NULL, NULL, "deferred", "2026-12-04"},
    /* prescribed anticoagulant / antiplatelet: clearance */
    {"anticoagulant_clearance", 1, ",\"medications\":[{\"code\":\"warfarin\"}]", NULL, NULL, NULL, "clearance_required", NULL},
    {"anticoagulant_clearance", 1, ",\"medications\":[{\"code\":\"clopidogrel\"}]", NULL, NULL, NULL, "clearance_required", NULL},
    {"anticoagulant_clearance", 0, ",\"medications\":[{\"code\":\"ibuprofen\",\"last_dose\":\"2026-01-01\"}]",
     NULL, NULL, NULL, "eligible", NULL},
    {"bleeding_disorder_clearance", 1, ",\"conditions\":[{\"code\":\"clotting disorder\"}]", NULL, NULL, NULL, "clearance_required", NULL},
    {"bleeding_disorder_clearance", 0, ",\"conditions\":[{\"code\":\"eczema\",\"active\":false}]", NULL, NULL, NULL, "eligible", NULL},
    {"diabetes_cardiac_clearance", 1, ",\"conditions\":[{\"code\":\"diabetes\",\"active\":true}]", NULL, NULL, NULL, "clearance_required", NULL},
    {"diabetes_cardiac_clearance", 1, ",\"conditions\":[{\"code\":\"heart disease\"}]", NULL, NULL, NULL, "clearance_required", NULL},
    {"diabetes_cardiac_clearance", 0, ",\"conditions\":[{\"code\":\"keloid\"}]", NULL, NULL, NULL, "clearance_required", NULL},
    {"systemic_condition_clearance", 1, ",\"conditions\":[{\"code\":\"cancer\",\"active\":false}]", NULL, NULL, NULL, "clearance_required", NULL},
    {"systemic_condition_clearance", 1, ",\"conditions\":[{\"code\":\"hives\"}]", NULL, NULL, NULL, "clearance_required", NULL},
    {"systemic_condition_clearance", 0, ",\"conditions\":[{\"code\":\"diabetes\"}]", NULL, NULL, NULL, "clearance_required", NULL},
    {"keloid_clearance", 1, ",\"conditions\":[{\"code\":\"keloid scarring\"}]", NULL, NULL, NULL, "clearance_required", NULL},
    {"keloid_clearance", 0, "", NULL, NULL, NULL, "eligible", NULL},
    /* Fitzpatrick IV-VI */
    {"pigmentation_risk", 1, ",\"fitzpatrick\":4", NULL, NULL, NULL, "eligible", NULL},
    {"pigmentation_risk", 1, ",\"fitzpatrick\":6", NULL, NULL, NULL, "eligible", NULL},
    {"pigmentation_risk", 0, ",\"fitzpatrick\":3", NULL, NULL, NULL, "eligible", NULL},
    /* combinations with the plan */
    {"g6pd_vitamin_c", 1, ",\"conditions\":[{\"code\":\"g6pd\"}]",
     "{\"areas\":[\"cheeks\"],\"ingredients\":[\"vitamin_c\"]}", NULL, NULL, "eligible", NULL},
    {"g6pd_vitamin_c", 0, ",\"conditions\":[{\"code\":\"g6pd\"}]", NULL, NULL, NULL, "eligible", NULL},
    {"methaemoglobinaemia_topical_anaesthetic", 1, ",\"conditions\":[{\"code\":\"methemoglobinemia\"}]",
     "{\"areas\":[\"cheeks\"],\"ingredients\":[\"emla\",\"hyaluronic_acid\"]}", NULL, NULL, "eligible", NULL},
    {"methaemoglobinaemia_topical_anaesthetic", 0, ",\"conditions\":[{\"code\":\"methaemoglobinaemia\"}]",
     "{\"areas\":[\"cheeks\"],\"ingredients\":[\"lidocaine\"]}", NULL, NULL, "eligible", NULL},
    {"weight_unstable_lipolysis", 1, ",\"weight_stable\":false",
     "{\"areas\":[\"abdomen\"],\"ingredients\":[\"phosphatidylcholine\"]}", NULL, NULL, "eligible", NULL},
    {"weight_unstable_lipolysis", 0, ",\"weight_stable\":true",
     "{\"areas\":[\"abdomen\"],\"ingredients\":[\"deoxycholic_acid\"]}", NULL, NULL, "eligible", NULL},
    {"weight_unstable_lipolysis", 0, ",\"weight_stable\":false", NULL, NULL, NULL, "eligible", NULL},
};
#define N_CASES (sizeof cases / sizeof cases[0])

static md_kb *kb;
static md_arena *arena;

static int setup(void **state)
{
    (void)state;
    kb = kbt_load();
    arena = md_arena_new(64 * 1024, 0);
    return arena ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    md_arena_free(arena);
    md_kb_free(kb);
    return 0;
}

/* A case's patient has the facts screening needs recorded (a woman who answered no to
 * pregnancy and breastfeeding, no known allergies) unless the case sets them itself. */
static void case_json(const screen_case *c, char *out, size_t n)
{
    const char *p = c->patient;
    snprintf(out, n, "{\"date\":\"" DATE "\"%s,\"patient\":{\"birth_date\":\"%s\"%s%s%s%s%s},\"plan\":%s}",
             c->extra ? c->extra : "", c->birth ? c->birth : "1990-01-01",
             strstr(p, "\"sex\"") ? "" : ",\"sex\":\"female\"",
             strstr(p, "\"pregnant\"") ? "" : ",\"pregnant\":false",
             strstr(p, "\"breastfeeding\"") ? "" : ",\"breastfeeding\":false",
             strstr(p, "allergies\"") ? "" : ",\"no_known_allergies\":true", p,
             c->plan ? c->plan : PLAN_DEFAULT);
}

static int result_has_rule(const md_screen_result *r, const char *rule)
{
    md_rule_info info;
    for (size_t i = 0; i < r->n_findings; i++) {
        assert_int_equal(md_ruleset_rule(r->rs, (size_t)r->findings[i].rule, &info), 0);
        if (strcmp(info.id, rule) == 0 && !r->findings[i].satisfied) return 1;
    }
    return 0;
}

/* Messages are for clinicians: no raw codes (underscores), no doubled words ("Active acne
 * active"), no jurisdiction code ("in default"), no ISO-less "value 4". */
static void check_wording(const md_screen_result *r, const char *json)
{
    json_t *o = md_screen_result_to_json(r);
    const char *lists[] = {"findings", "cautions"};
    for (int l = 0; l < 2; l++) {
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(o, lists[l]), i, f)
        {
            const char *m = json_string_value(json_object_get(f, "message"));
            char prev[64] = "", word[64];
            int bad = strchr(m, '_') || strstr(m, " in default") || strstr(m, "value ");
            for (const char *p = m; *p && !bad;) {
                size_t n = 0;
                while (*p && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) p++;
                while (((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) && n < sizeof word - 1)
                    word[n++] = (char)(*p++ | 0x20);
                word[n] = '\0';
                if (n && strcmp(word, prev) == 0) bad = 1;
                memcpy(prev, word, n + 1);
            }
            if (bad) {
                fprintf(stderr, "wording: \"%s\"\n%s\n", m, json);
                fail();
            }
        }
    }
    json_decref(o);
}

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_CASES; i++) {
        const screen_case *c = &cases[i];
        char json[2048], date[MD_DATE_STR];
        md_screen_result r;
        md_err e;
        md_arena_reset(arena);
        case_json(c, json, sizeof json);
        md_code rc = kbt_screen(md_kb_ruleset(kb), json, arena, &r, &e);
        if (rc) fprintf(stderr, "case %zu (%s): %s\n", i, c->rule, e.message);
        assert_int_equal(rc, MD_OK);
        if (result_has_rule(&r, c->rule) != c->fires) {
            fprintf(stderr, "case %zu: rule %s expected %s\n%s\n", i, c->rule,
                    c->fires ? "to fire" : "not to fire", json);
            fail();
        }
        if (c->decision) assert_string_equal(md_class_name(r.decision), c->decision);
        check_wording(&r, json);
        if (c->earliest && strcmp(c->earliest, "-") == 0) assert_false(r.has_earliest);
        else if (c->earliest) {
            assert_true(r.has_earliest);
            md_date_format(r.earliest_date, date);
            assert_string_equal(date, c->earliest);
        }
    }
}

/* Every shipped rule must appear in the table both firing and not firing. */
static void test_every_rule_has_cases(void **state)
{
    (void)state;
    const md_ruleset *rs = md_kb_ruleset(kb);
    assert_true(md_ruleset_count(rs) > 0);
    for (size_t r = 0; r < md_ruleset_count(rs); r++) {
        md_rule_info info;
        int fires = 0, silent = 0;
        assert_int_equal(md_ruleset_rule(rs, r, &info), 0);
        for (size_t i = 0; i < N_CASES; i++) {
            if (strcmp(cases[i].rule, info.id) != 0) continue;
            if (cases[i].fires) fires++;
            else silent++;
        }
        if (!fires || !silent) {
            fprintf(stderr, "kb rule '%s' needs a firing and a non-firing case in test_screen.c\n", info.id);
            fail();
        }
    }
    for (size_t i = 0; i < N_CASES; i++) assert_true(md_ruleset_find(rs, cases[i].rule) >= 0);
}

static const char typical[] =
    "{\"date\":\"2026-11-21\",\"jurisdiction\":\"EU\",\"patient\":{\"birth_date\":\"1988-04-02\","
    "\"sex\":\"female\",\"pregnant\":false,\"breastfeeding\":false,\"fitzpatrick\":5,"
    "\"conditions\":[{\"code\":\"eczema\",\"active\":true,\"site\":\"hands\"},"
    "{\"code\":\"acne\",\"active\":false,\"site\":\"cheeks\"}],"
    "\"medications\":[{\"code\":\"ibuprofen\",\"last_dose\":\"2026-11-18\"},{\"code\":\"warfarin\"}],"
    "\"allergies\":[{\"substance\":\"lidocaine\"}]},"
    "\"plan\":{\"areas\":[\"cheeks\",\"forehead\"],\"ingredients\":[\"hyaluronic_acid\",\"vitamin_c\",\"lidocaine\"]}}";

/* Same input, same bytes: across arenas, resets and a reloaded kb. */
static void test_determinism(void **state)
{
    (void)state;
    md_screen_result r;
    md_err e;
    md_kb *kb2 = kbt_load();
    md_arena *a2 = md_arena_new(1024, 0);
    md_arena_reset(arena);
    assert_int_equal(kbt_screen(md_kb_ruleset(kb), typical, arena, &r, &e), MD_OK);
    char *first = kbt_dump(&r);
    for (int i = 0; i < 3; i++) {
        md_arena_reset(a2);
        assert_int_equal(kbt_screen(md_kb_ruleset(kb2), typical, a2, &r, &e), MD_OK);
        char *again = kbt_dump(&r);
        assert_string_equal(first, again);
        free(again);
    }
    assert_string_equal(md_kb_hash(kb), md_kb_hash(kb2));
    /* the decision contract: worst class, findings in rule order, the kb named */
    assert_non_null(strstr(first, "{\"decision\":\"contraindicated\",\"date\":\"2026-11-21\",\"kb\":{\"version\":"));
    assert_non_null(strstr(first, "\"fact\":{\"kind\":\"medication\",\"code\":\"nsaid\",\"input\":\"ibuprofen\","
                                  "\"last_dose\":\"2026-11-18\"}"));
    assert_true(strstr(first, "allergy_to_planned_ingredient") < strstr(first, "nsaid_washout"));
    assert_null(strstr(first, "eczema"));
    free(first);
    md_arena_free(a2);
    md_kb_free(kb2);
}

static void screen_with_clearance(const char *clearances, md_screen_result *r, md_code expect,
                                  md_err *e)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"date\":\"" DATE "\",\"patient\":{\"birth_date\":\"1980-05-05\",\"sex\":\"male\","
             "\"no_known_allergies\":true,\"medications\":[{\"code\":\"warfarin\"}],\"conditions\":[{\"code\":\"keloid\"}]},"
             "\"plan\":" PLAN_DEFAULT ",\"clearances\":%s}", clearances);
    md_arena_reset(arena);
    assert_int_equal(kbt_screen(md_kb_ruleset(kb), json, arena, r, e), expect);
}

static void test_clearances(void **state)
{
    (void)state;
    md_screen_result r;
    md_err e;
    /* valid through the date: both cleared -> eligible, echoed */
    screen_with_clearance("[{\"rule\":\"anticoagulant_clearance\",\"valid_until\":\"" DATE "\","
                          "\"id\":\"c1\",\"reason\":\"letter from Dr A\"},"
                          "{\"rule\":\"keloid_clearance\",\"valid_until\":\"2027-01-01\"}]", &r, MD_OK, &e);
    assert_int_equal(r.decision, MD_CLASS_ELIGIBLE);
    char *s = kbt_dump(&r);
    assert_non_null(strstr(s, "\"cleared\":{\"id\":\"c1\",\"reason\":\"letter from Dr A\",\"valid_until\":\"2026-11-21\"}"));
    free(s);
    /* expired the day before: still required */
    screen_with_clearance("[{\"rule\":\"anticoagulant_clearance\",\"valid_until\":\"2026-11-20\"},"
                          "{\"rule\":\"keloid_clearance\",\"valid_until\":\"2027-01-01\"}]", &r, MD_OK, &e);
    assert_int_equal(r.decision, MD_CLASS_CLEARANCE_REQUIRED);
    /* one cleared, one not */
    screen_with_clearance("[{\"rule\":\"keloid_clearance\",\"valid_until\":\"2027-01-01\"}]", &r, MD_OK, &e);
    assert_int_equal(r.decision, MD_CLASS_CLEARANCE_REQUIRED);
    /* a contraindication cannot be cleared; unknown rules are errors */
    screen_with_clearance("[{\"rule\":\"pregnancy\",\"valid_until\":\"2027-01-01\"}]", &r, MD_EUNPROCESSABLE, &e);
    assert_string_equal(e.field, "clearances[0].rule");
    screen_with_clearance("[{\"rule\":\"nope\",\"valid_until\":\"2027-01-01\"}]", &r, MD_EUNPROCESSABLE, &e);
    assert_string_equal(e.field, "clearances[0].rule");
    screen_with_clearance("[{\"rule\":\"keloid_clearance\"}]", &r, MD_EINVAL, &e);
    assert_string_equal(e.field, "clearances[0].valid_until");
}

typedef struct bad_case {
    const char *json;
    md_code code;
    const char *field;
    const char *message_part;
} bad_case;

#define P(x) "{\"date\":\"2026-11-21\",\"patient\":{\"birth_date\":\"1990-01-01\"" x "},\"plan\":" PLAN_DEFAULT "}"

static const bad_case bad[] = {
    {P(",\"medications\":[{\"code\":\"ibuprofn\"}]"), MD_EUNPROCESSABLE, "patient.medications[0].code",
     "unknown medication 'ibuprofn'; did you mean: ibuprofen"},
    {P(",\"medications\":[{\"code\":\"nsaid\",\"last_dose\":\"2026-11-22\"}]"), MD_EUNPROCESSABLE,
     "patient.medications[0].last_dose", "after the screening date"},
    {P(",\"medications\":[{\"code\":\"nsaid\",\"last_dose\":\"2026-02-30\"}]"), MD_EUNPROCESSABLE,
     "patient.medications[0].last_dose", "not a real date"},
    {P(",\"fitzpatrick\":7"), MD_EUNPROCESSABLE, "patient.fitzpatrick", "outside 1..6"},
    {P(",\"fitzpatrick\":0"), MD_EUNPROCESSABLE, "patient.fitzpatrick", "outside 1..6"},
    {P(",\"fitzpatrick\":\"4\""), MD_EINVAL, "patient.fitzpatrick", "integer"},
    {P(",\"pregnant\":\"perhaps\""), MD_EINVAL, "patient.pregnant", "\"not_sure\""},
    {P(",\"pregnant\":1"), MD_EINVAL, "patient.pregnant", "true or false"},
    {P(",\"medications\":[{\"code\":\"nsaid\",\"name\":7}]"), MD_EINVAL, "patient.medications[0].name", "string"},
    {P(",\"conditions\":[{\"code\":\"eczema\",\"severity\":2}]"), MD_EINVAL, "patient.conditions[0].severity", "unknown key"},
    {P(",\"conditions\":[{\"code\":\"eczema\",\"site\":\"elbow\"}]"), MD_EUNPROCESSABLE, "patient.conditions[0].site", "unknown area"},
    {P(",\"conditions\":[{\"active\":true}]"), MD_EINVAL, "patient.conditions[0].code", "required"},
    {P(",\"allergies\":[{\"substance\":\"lidocane\"}]"), MD_EUNPROCESSABLE, "patient.allergies[0].substance", "did you mean: lidocaine"},
    {P(",\"allergies\":{}"), MD_EINVAL, "patient.allergies", "array"},
    {P(",\"sex\":\"x\""), MD_EINVAL, "patient.sex", "unknown value"},
    {P(",\"colour\":1"), MD_EINVAL, "patient.colour", "unknown key"},
    {"{\"date\":\"2026-02-30\",\"patient\":{\"birth_date\":\"1990-01-01\"},\"plan\":" PLAN_DEFAULT "}",
     MD_EUNPROCESSABLE, "date", "not a real date"},
    {"{\"date\":\"21/11/2026\",\"patient\":{\"birth_date\":\"1990-01-01\"},\"plan\":" PLAN_DEFAULT "}",
     MD_EINVAL, "date", "not a date"},
    {"{\"patient\":{\"birth_date\":\"1990-01-01\"},\"plan\":" PLAN_DEFAULT "}", MD_EINVAL, "date", "required"},
    {"{\"date\":\"2026-11-21\",\"patient\":{},\"plan\":" PLAN_DEFAULT "}", MD_EINVAL, "patient.birth_date", "required"},
    {"{\"date\":\"2026-11-21\",\"patient\":{\"birth_date\":\"2027-01-01\"},\"plan\":" PLAN_DEFAULT "}",
     MD_EUNPROCESSABLE, "patient.birth_date", "after"},
    {"{\"date\":\"2026-11-21\",\"patient\":{\"birth_date\":\"1990-01-01\"}}", MD_EINVAL, "plan", "required"},
    {"{\"date\":\"2026-11-21\",\"patient\":{\"birth_date\":\"1990-01-01\"},\"plan\":{\"areas\":\"cheeks\",\"ingredients\":[]}}",
     MD_EINVAL, "plan.areas", "array"},
    {"{\"date\":\"2026-11-21\",\"patient\":{\"birth_date\":\"1990-01-01\"},\"plan\":{\"areas\":[\"cheks\"],\"ingredients\":[]}}",
     MD_EUNPROCESSABLE, "plan.areas[0]", "did you mean: cheeks"},
    {"{\"date\":\"2026-11-21\",\"patient\":{\"birth_date\":\"1990-01-01\"},\"plan\":{\"areas\":[],\"ingredients\":[1]}}",
     MD_EINVAL, "plan.ingredients[0]", "string"},
    /* an empty plan is refused, naming the empty list */
    {"{\"date\":\"2026-11-21\",\"patient\":{\"birth_date\":\"1990-01-01\"},\"plan\":{\"areas\":[],\"ingredients\":[]}}",
     MD_EUNPROCESSABLE, "plan.areas", "at least one area"},
    {"{\"date\":\"2026-11-21\",\"patient\":{\"birth_date\":\"1990-01-01\"},\"plan\":{\"areas\":[\"face\"],\"ingredients\":[]}}",
     MD_EUNPROCESSABLE, "plan.ingredients", "at least one ingredient"},
    /* patch tests on record: a negative needs its last valid day; ingredients are kb codes */
    {"{\"date\":\"2026-11-21\",\"patient\":{\"birth_date\":\"1990-01-01\"},\"plan\":" PLAN_DEFAULT
     ",\"patch_tests\":[{\"ingredients\":[\"hyaluronic_acid\"],\"result\":\"negative\"}]}",
     MD_EINVAL, "patch_tests[0].valid_until", "required"},
    {"{\"date\":\"2026-11-21\",\"patient\":{\"birth_date\":\"1990-01-01\"},\"plan\":" PLAN_DEFAULT
     ",\"patch_tests\":[{\"ingredients\":[\"hyaluronic_acd\"],\"result\":\"positive\"}]}",
     MD_EUNPROCESSABLE, "patch_tests[0].ingredients[0]", "did you mean"},
    {"{\"date\":\"2026-11-21\",\"patient\":{\"birth_date\":\"1990-01-01\"},\"plan\":" PLAN_DEFAULT
     ",\"patch_tests\":[{\"ingredients\":[],\"result\":\"positive\"}]}",
     MD_EUNPROCESSABLE, "patch_tests[0].ingredients", "at least one"},
    {"{\"date\":\"2026-11-21\",\"jurisdiction\":\"FR\",\"patient\":{\"birth_date\":\"1990-01-01\"},\"plan\":" PLAN_DEFAULT "}",
     MD_EUNPROCESSABLE, "jurisdiction", "unknown jurisdiction"},
    {"{\"date\":\"2026-11-21\",\"extra\":1,\"patient\":{\"birth_date\":\"1990-01-01\"},\"plan\":" PLAN_DEFAULT "}",
     MD_EINVAL, "extra", "unknown key"},
    {"[]", MD_EINVAL, "", "object"},
};

static void test_bad_input(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        md_screen_result r;
        md_err e;
        md_err_clear(&e);
        md_arena_reset(arena);
        md_code rc = kbt_screen(md_kb_ruleset(kb), bad[i].json, arena, &r, &e);
        if (rc != bad[i].code || strcmp(e.field, bad[i].field) != 0 || !strstr(e.message, bad[i].message_part)) {
            fprintf(stderr, "bad case %zu: got %s field '%s' message '%s'\n", i, md_code_name(rc), e.field, e.message);
            fail();
        }
    }
}

/* The C path: a caller fills the struct, resolve maps synonyms, evaluation agrees with JSON. */
static void test_struct_input(void **state)
{
    (void)state;
    md_screen_input in;
    md_screen_medication meds[1] = {{.code = "Ibuprofen", .has_last_dose = 1}};
    const char *areas[] = {"Forehead"}, *ings[] = {"HA"};
    md_screen_result r;
    md_err e;
    md_arena_reset(arena);
    md_screen_input_init(&in);
    assert_int_equal(md_date_parse("2026-11-21", &in.date), 0);
    assert_int_equal(md_date_parse("1990-01-01", &in.birth_date), 0);
    assert_int_equal(md_date_parse("2026-11-20", &meds[0].last_dose), 0);
    in.medications = meds;
    in.n_medications = 1;
    in.areas = areas;
    in.n_areas = 1;
    in.ingredients = ings;
    in.n_ingredients = 1;
    in.sex = "male";
    in.no_known_allergies = MD_TRI_YES;
    /* not resolved yet: refused */
    assert_int_equal(md_screen_evaluate(md_kb_ruleset(kb), &in, arena, &r, &e), MD_EINVAL);
    assert_int_equal(md_screen_resolve(md_kb_ruleset(kb), &in, arena, &e), MD_OK);
    assert_int_equal(md_screen_evaluate(md_kb_ruleset(kb), &in, arena, &r, &e), MD_OK);
    assert_int_equal(r.decision, MD_CLASS_DEFERRED);
    char *text = md_screen_result_to_text(&r, arena);
    assert_non_null(text);
    assert_non_null(strstr(text, "Decision for 2026-11-21: deferred (earliest date 2026-11-27)"));
    assert_non_null(strstr(text, "NSAID (over the counter) (Ibuprofen) last taken 2026-11-20"));
    /* unknown code through the C path */
    meds[0].code = "ibuprofn";
    assert_int_equal(md_screen_resolve(md_kb_ruleset(kb), &in, arena, &e), MD_EUNPROCESSABLE);
    assert_string_equal(e.field, "patient.medications[0].code");
}

/* Unknown is not no: a fact a rule needs, not recorded for a patient it applies to, keeps the
 * decision from eligible and is listed with the field and the question to ask. */
typedef struct unknown_case {
    const char *patient; /* members after birth_date */
    const char *birth;
    const char *plan; /* NULL: PLAN_DEFAULT */
    const char *decision;
    const char *missing; /* rule:fact:answer, comma-separated, in order; "" for none */
} unknown_case;

static const unknown_case unknowns[] = {
    /* a 36-year-old woman whose status was never recorded: asked, not eligible */
    {",\"sex\":\"female\",\"no_known_allergies\":true", "1990-01-01", NULL, "incomplete",
     "pregnancy:pregnant:not_recorded,breastfeeding:breastfeeding:not_recorded"},
    /* "not sure" is not "no" */
    {",\"sex\":\"female\",\"pregnant\":\"not_sure\",\"breastfeeding\":\"no\",\"no_known_allergies\":true",
     "1990-01-01", NULL, "incomplete", "pregnancy:pregnant:not_sure"},
    {",\"sex\":\"female\",\"pregnant\":\"no\",\"breastfeeding\":false,\"no_known_allergies\":true",
     "1990-01-01", NULL, "eligible", ""},
    /* the questions apply by sex and age, as the kb says */
    {",\"sex\":\"male\",\"no_known_allergies\":true", "1990-01-01", NULL, "eligible", ""},
    {",\"sex\":\"female\",\"no_known_allergies\":true", "1960-01-01", NULL, "eligible", ""},
    {",\"no_known_allergies\":true", "1990-01-01", NULL, "incomplete",
     "pregnancy:pregnant:not_recorded,breastfeeding:breastfeeding:not_recorded"},
    /* allergies never asked are not an empty list */
    {",\"sex\":\"male\"", "1990-01-01", NULL, "incomplete",
     "allergy_to_planned_ingredient:allergies:not_recorded"},
    {",\"sex\":\"male\",\"allergies\":[]", "1990-01-01", NULL, "incomplete",
     "allergy_to_planned_ingredient:allergies:not_recorded"},
    {",\"sex\":\"male\",\"allergies\":[{\"substance\":\"latex\"}]", "1990-01-01", NULL, "eligible", ""},
    /* a known contraindication still wins, and the missing fact is still asked */
    {",\"sex\":\"female\",\"pregnant\":true,\"breastfeeding\":false", "1990-01-01", NULL,
     "contraindicated", "allergy_to_planned_ingredient:allergies:not_recorded"},
    /* incomplete ranks above deferred (and then no earliest date is promised) */
    {",\"sex\":\"female\",\"no_known_allergies\":true,\"breastfeeding\":false,"
     "\"medications\":[{\"code\":\"ibuprofen\",\"last_dose\":\"2026-11-20\"}]",
     "1990-01-01", NULL, "incomplete", "pregnancy:pregnant:not_recorded"},
};

static void test_unknown_is_not_no(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof unknowns / sizeof unknowns[0]; i++) {
        const unknown_case *c = &unknowns[i];
        char json[2048], got[512] = "";
        md_screen_result r;
        md_err e;
        md_arena_reset(arena);
        snprintf(json, sizeof json,
                 "{\"date\":\"" DATE "\",\"patient\":{\"birth_date\":\"%s\"%s},\"plan\":%s}",
                 c->birth, c->patient, c->plan ? c->plan : PLAN_DEFAULT);
        assert_int_equal(kbt_screen(md_kb_ruleset(kb), json, arena, &r, &e), MD_OK);
        for (size_t m = 0; m < r.n_missing; m++) {
            md_rule_info info;
            assert_int_equal(md_ruleset_rule(r.rs, (size_t)r.missing[m].rule, &info), 0);
            static const char *const facts[] = {"pregnant", "breastfeeding", "weight_stable", "allergies"};
            size_t n = strlen(got);
            snprintf(got + n, sizeof got - n, "%s%s:%s:%s", m ? "," : "", info.id,
                     facts[r.missing[m].fact], r.missing[m].not_sure ? "not_sure" : "not_recorded");
        }
        if (strcmp(md_class_name(r.decision), c->decision) != 0 || strcmp(got, c->missing) != 0) {
            fprintf(stderr, "unknown case %zu: decision %s missing '%s'\n%s\n", i,
                    md_class_name(r.decision), got, json);
            fail();
        }
        if (r.decision == MD_CLASS_INCOMPLETE) assert_false(r.has_earliest);
    }
    /* the contract: each missing fact names the rule, the fact, the field, the question */
    md_screen_result r;
    md_err e;
    md_arena_reset(arena);
    assert_int_equal(kbt_screen(md_kb_ruleset(kb),
                                "{\"date\":\"" DATE "\",\"patient\":{\"birth_date\":\"1990-06-01\","
                                "\"sex\":\"female\",\"pregnant\":\"not_sure\",\"breastfeeding\":false},"
                                "\"plan\":" PLAN_DEFAULT "}",
                                arena, &r, &e),
                     MD_OK);
    char *s = kbt_dump(&r);
    assert_non_null(strstr(s, "{\"decision\":\"incomplete\","));
    assert_non_null(strstr(s, "\"missing\":[{\"rule\":\"pregnancy\",\"fact\":\"pregnant\","
                              "\"field\":\"patient.pregnant\",\"answer\":\"not_sure\","
                              "\"question\":\"Is she pregnant, or could she be?"));
    assert_non_null(strstr(s, "\"sources\":[\"S0\",\"S3\",\"S4\",\"WHO 2006\"]}"));
    assert_non_null(strstr(s, "{\"rule\":\"allergy_to_planned_ingredient\",\"fact\":\"allergies\","
                              "\"field\":\"patient.allergies\",\"answer\":\"not_recorded\""));
    free(s);
    char *text = md_screen_result_to_text(&r, arena);
    assert_non_null(strstr(text, "Decision for 2026-11-21: incomplete\n"));
    assert_non_null(strstr(text, "Missing (ask before treating):\n  - Is she pregnant, or could she be?"));
    assert_non_null(strstr(text, "(patient.pregnant: answered not sure; rule pregnancy)"));
}

/* A clinic rule set that could not be compiled: the caller screens with the shipped rules
 * and says why; the decision is never eligible and a blocking finding says so. */
static void test_ruleset_error(void **state)
{
    (void)state;
    md_screen_input in;
    const char *areas[] = {"cheeks"}, *ings[] = {"hyaluronic_acid"};
    md_screen_result r;
    md_err e;
    md_arena_reset(arena);
    md_screen_input_init(&in);
    assert_int_equal(md_date_parse(DATE, &in.date), 0);
    assert_int_equal(md_date_parse("1970-01-01", &in.birth_date), 0);
    in.sex = "male";
    in.no_known_allergies = MD_TRI_YES;
    in.areas = areas;
    in.n_areas = 1;
    in.ingredients = ings;
    in.n_ingredients = 1;
    in.ruleset_error = "clinic_rules[1].id: 'clinic.x' is not a valid new rule id";
    assert_int_equal(md_screen_resolve(md_kb_ruleset(kb), &in, arena, &e), MD_OK);
    assert_int_equal(md_screen_evaluate(md_kb_ruleset(kb), &in, arena, &r, &e), MD_OK);
    assert_int_equal(r.decision, MD_CLASS_INCOMPLETE);
    char *s = kbt_dump(&r);
    assert_non_null(strstr(s, "\"findings\":[{\"rule\":\"clinic_rules\",\"class\":\"incomplete\","
                              "\"message\":\"The clinic's own rules could not be applied (clinic_rules[1].id:"));
    free(s);
    in.ruleset_error = NULL;
    assert_int_equal(md_screen_evaluate(md_kb_ruleset(kb), &in, arena, &r, &e), MD_OK);
    assert_int_equal(r.decision, MD_CLASS_ELIGIBLE);
}

/* The drug name as recorded stays beside its class code. */
static void test_medication_name(void **state)
{
    (void)state;
    md_screen_result r;
    md_err e;
    md_arena_reset(arena);
    assert_int_equal(kbt_screen(md_kb_ruleset(kb),
                                "{\"date\":\"" DATE "\",\"patient\":{\"birth_date\":\"1970-01-01\",\"sex\":\"male\","
                                "\"no_known_allergies\":true,\"medications\":[{\"code\":\"nsaid\",\"name\":\"ibuprofen\","
                                "\"last_dose\":\"2026-11-20\"},{\"code\":\"anticoagulant\",\"name\":\"Eliquis 5 mg\"}]},"
                                "\"plan\":" PLAN_DEFAULT "}",
                                arena, &r, &e),
                     MD_OK);
    char *s = kbt_dump(&r);
    assert_non_null(strstr(s, "\"fact\":{\"kind\":\"medication\",\"code\":\"nsaid\",\"input\":\"nsaid\","
                              "\"name\":\"ibuprofen\",\"last_dose\":\"2026-11-20\"}"));
    assert_non_null(strstr(s, "NSAID (over the counter) (ibuprofen) last taken 2026-11-20"));
    assert_non_null(strstr(s, "Prescribed anticoagulant (Eliquis 5 mg) on record: refer to the prescriber"));
    free(s);
}

/* The wording users reported, as the engine now renders it. */
static void test_wording_examples(void **state)
{
    (void)state;
    static const struct {
        const char *patient, *plan, *says, *never;
    } w[] = {
        {",\"conditions\":[{\"code\":\"acne\",\"active\":true,\"site\":\"cheeks\"}]", NULL,
         "Acne at cheeks (active, or not recorded as healed): defer until healed.", "Active acne active"},
        {"", NULL, "Aged 16 on the planned date: under the age of majority, 18 (the default when no jurisdiction is set).",
         "in default"},
        {",\"medications\":[{\"code\":\"warfarin\"}]", NULL,
         "Prescribed anticoagulant (warfarin) on record: refer to the prescriber", "Takes Prescribed"},
        {",\"allergies\":[{\"substance\":\"amide_anaesthetics\"}]",
         "{\"areas\":[\"cheeks\"],\"ingredients\":[\"lidocaine_prilocaine_cream\"]}",
         "covers the planned ingredient Lidocaine/prilocaine numbing cream", "ingredient lidocaine_prilocaine_cream"},
        {",\"medications\":[{\"code\":\"naproxen\"}]", NULL, "(naproxen) last taken today (still taking it)",
         "now (currently taking)"},
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        char json[1024];
        md_screen_result r;
        md_err e;
        md_arena_reset(arena);
        snprintf(json, sizeof json,
                 "{\"date\":\"" DATE "\",\"patient\":{\"birth_date\":\"%s\",\"sex\":\"male\"%s%s},\"plan\":%s}",
                 i == 1 ? "2010-01-01" : "1980-01-01", strstr(w[i].patient, "allergies") ? "" : ",\"no_known_allergies\":true",
                 w[i].patient, w[i].plan ? w[i].plan : PLAN_DEFAULT);
        assert_int_equal(kbt_screen(md_kb_ruleset(kb), json, arena, &r, &e), MD_OK);
        char *s = kbt_dump(&r);
        if (!strstr(s, w[i].says) || strstr(s, w[i].never)) {
            fprintf(stderr, "wording %zu: want \"%s\" in %s\n", i, w[i].says, s);
            fail();
        }
        free(s);
    }
}

/* patch_test_required names the planned ingredients not yet covered; once all are, it leaves
 * the cautions and is listed with the findings as satisfied, naming the tests. */
static void test_patch_test_coverage(void **state)
{
    (void)state;
    md_screen_result r;
    md_err e;
    const char *base =
        "{\"date\":\"" DATE "\",\"patient\":{\"birth_date\":\"1980-01-01\","
        "\"sex\":\"male\",\"allergies\":[{\"substance\":\"latex\"}]},\"plan\":" PLAN_TWO;
    char json[1024];
    snprintf(json, sizeof json, "%s%s}", base, PT("vitamin_c", "negative", "2027-01-01"));
    md_arena_reset(arena);
    assert_int_equal(kbt_screen(md_kb_ruleset(kb), json, arena, &r, &e), MD_OK);
    char *s = kbt_dump(&r);
    if (!strstr(s, "\"cautions\":[{\"rule\":\"patch_test_required\"") ||
        !strstr(s, "without a valid negative patch test: Hyaluronic acid") ||
        !strstr(s, "\"uncovered\":[\"hyaluronic_acid\"]") || strstr(s, "\"satisfied\"")) {
        fprintf(stderr, "partly covered: %s\n", s);
        fail();
    }
    free(s);
    snprintf(
        json, sizeof json, "%s%s}", base,
        ",\"patch_tests\":[{\"id\":\"a\",\"ingredients\":[\"vitamin_c\",\"hyaluronic_acid\"],"
        "\"result\":\"negative\",\"valid_until\":\"2027-01-01\"},{\"id\":\"b\",\"ingredients\":"
        "[\"lidocaine\"],\"result\":\"negative\",\"valid_until\":\"2027-01-01\"}]");
    md_arena_reset(arena);
    assert_int_equal(kbt_screen(md_kb_ruleset(kb), json, arena, &r, &e), MD_OK);
    assert_string_equal(md_class_name(r.decision), "eligible");
    s = kbt_dump(&r);
    if (!strstr(s, "\"cautions\":[]") ||
        !strstr(s, "\"uncovered\":[],\"satisfied\":{\"patch_tests\":[{\"id\":\"a\","
                   "\"ingredients\":[\"vitamin_c\",\"hyaluronic_acid\"],\"valid_until\":\"2027-01-"
                   "01\"}]}")) {
        fprintf(stderr, "covered: %s\n", s);
        fail();
    }
    free(s);
    char *text = md_screen_result_to_text(&r, arena);
    assert_non_null(text);
    assert_non_null(strstr(text, "Satisfied by patch tests:"));
    /* A clinic that raises the rule to contraindicated: blocking until covered, then not. */
    json_t *rules =
        json_loads("[{\"id\":\"clinic.patch_strict\",\"raises\":\"patch_test_required\","
                   "\"class\":\"contraindicated\",\"sources\":[\"clinic:policy\"]}]",
                   0, NULL);
    md_ruleset *rs = NULL;
    assert_int_equal(md_ruleset_compile(kb, rules, &rs, &e), MD_OK);
    md_arena_reset(arena);
    assert_int_equal(kbt_screen(rs, json, arena, &r, &e), MD_OK);
    assert_string_equal(md_class_name(r.decision), "eligible");
    snprintf(json, sizeof json, "%s%s}", base, PT("vitamin_c", "negative", "2027-01-01"));
    md_arena_reset(arena);
    assert_int_equal(kbt_screen(rs, json, arena, &r, &e), MD_OK);
    assert_string_equal(md_class_name(r.decision), "contraindicated");
    md_ruleset_free(rs);
    json_decref(rules);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_every_rule_has_cases),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_clearances),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_struct_input),
        cmocka_unit_test(test_unknown_is_not_no),
        cmocka_unit_test(test_ruleset_error),
        cmocka_unit_test(test_medication_name),
        cmocka_unit_test(test_wording_examples),
        cmocka_unit_test(test_patch_test_coverage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
