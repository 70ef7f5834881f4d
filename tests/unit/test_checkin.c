/*
 * test_checkin.c - kb/checkins.json and the matching of a patient's answers (checkin.h):
 * the days per protocol (and the default's for a protocol without its own), the link's
 * validity, every red-flag question firing and not firing, the common effects, the answers
 * refused naming "answers.<code>", and the red flags checked against the complication
 * catalogue once it is loaded.
 */
#include <unistd.h>

#include "test_kb_support.h"

#include "mesodesk/checkin.h"
#include "mesodesk/complication.h"

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

/* Every required question answered with nothing to worry about. */
static json_t *calm(void)
{
    static const char *const no[] = {"skin_pale",
                                     "skin_mottled",
                                     "skin_darkening",
                                     "vision_change",
                                     "spreading_redness",
                                     "pus_discharge",
                                     "expanding_swelling",
                                     "fever",
                                     "draining_lump",
                                     "breathing",
                                     "face_lip_swelling",
                                     "fainting",
                                     NULL};
    json_t *a = json_pack("{s:i,s:s}", "pain_now", 2, "pain_trend", "getting_better");
    for (const char *const *k = no; *k; k++)
        json_object_set_new(a, *k, json_string("no"));
    return a;
}

static md_code match(json_t *answers, json_t **flags, json_t **effects, md_err *e)
{
    json_t *clean = NULL;
    md_code rc = md_kb_checkin_match(kb, answers, &clean, flags, effects, e);
    json_decref(clean);
    return rc;
}

static int has(const json_t *arr, const char *code)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (strcmp(json_string_value(v), code) == 0) return 1;
    return 0;
}

static void days_per_protocol(void **state)
{
    (void)state;
    int days[MD_CHECKIN_DAYS_MAX];
    const char *const *src = NULL;
    size_t ns = 0;
    assert_int_equal(md_kb_checkin_days(kb, "facial_rejuvenation", days, &src, &ns), 2);
    assert_int_equal(days[0], 2);
    assert_int_equal(days[1], 14);
    assert_true(ns >= 1);
    assert_int_equal(md_kb_checkin_days(kb, "body_fat_cellulite", days, NULL, NULL), 3);
    assert_int_equal(days[2], 28);
    /* a protocol without a schedule of its own gets the default's, with its source */
    assert_int_equal(md_kb_checkin_days(kb, "no_such_protocol", days, &src, &ns), 2);
    assert_int_equal(days[0], 2);
    assert_int_equal(days[1], 14);
    int pv = 0;
    for (size_t i = 0; i < ns; i++)
        pv |= strcmp(src[i], "Mesodesk pv 2026") == 0;
    assert_true(pv);
    assert_int_equal(md_kb_checkin_valid_days(kb), 7);
}

static void calm_answers_raise_nothing(void **state)
{
    (void)state;
    json_t *a = calm(), *flags = NULL, *fx = NULL, *clean = NULL;
    md_err e;
    json_object_set_new(a, "bruising", json_false()); /* a boolean reads as yes / no */
    assert_int_equal(md_kb_checkin_match(kb, a, &clean, &flags, &fx, &e), MD_OK);
    assert_int_equal(json_array_size(flags), 0);
    assert_int_equal(json_array_size(fx), 0);
    assert_string_equal(json_string_value(json_object_get(clean, "bruising")), "no");
    json_decref(clean);
    json_decref(flags);
    json_decref(fx);
    json_decref(a);
}

/* Each red-flag question fires on its answer and only then. */
static void each_red_flag_fires(void **state)
{
    (void)state;
    static const struct {
        const char *code, *flag;
        const char *yes; /* NULL: the integer below */
        int n, calm_n;
    } cases[] = {
        {"skin_pale", "blanching", "yes", 0, 0},
        {"skin_pale", "blanching", "not_sure", 0, 0}, /* unsure about colour: call */
        {"skin_mottled", "mottling", "yes", 0, 0},
        {"skin_darkening", "skin_darkening", "yes", 0, 0},
        {"vision_change", "vision_change", "yes", 0, 0},
        {"vision_change", "vision_change", "not_sure", 0, 0},
        {"pain_now", "severe_pain", NULL, 7, 6},
        {"pain_trend", "severe_pain", "getting_worse", 0, 0},
        {"spreading_redness", "spreading_redness", "yes", 0, 0},
        {"pus_discharge", "pus_discharge", "yes", 0, 0},
        {"expanding_swelling", "expanding_swelling", "yes", 0, 0},
        {"fever", "fever", "yes", 0, 0},
        {"draining_lump", "draining_nodule", "yes", 0, 0},
        {"breathing", "breathing_difficulty", "yes", 0, 0},
        {"face_lip_swelling", "face_lip_swelling", "yes", 0, 0},
        {"fainting", "fainting", "yes", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *a = calm(), *flags = NULL, *fx = NULL;
        md_err e;
        json_object_set_new(a, cases[i].code,
                            cases[i].yes ? json_string(cases[i].yes) : json_integer(cases[i].n));
        assert_int_equal(match(a, &flags, &fx, &e), MD_OK);
        if (json_array_size(flags) != 1 || !has(flags, cases[i].flag))
            fail_msg("%s: %s did not fire alone", cases[i].code, cases[i].flag);
        json_decref(flags);
        json_decref(fx);
        if (!cases[i].yes) { /* just below the threshold: no flag */
            json_object_set_new(a, cases[i].code, json_integer(cases[i].calm_n));
            assert_int_equal(match(a, &flags, &fx, &e), MD_OK);
            assert_int_equal(json_array_size(flags), 0);
            json_decref(flags);
            json_decref(fx);
        }
        json_decref(a);
    }
}

static void common_effects_are_not_red_flags(void **state)
{
    (void)state;
    json_t *a = calm(), *flags = NULL, *fx = NULL;
    md_err e;
    json_object_set_new(a, "bruising", json_string("yes"));
    json_object_set_new(a, "swelling", json_true());
    json_object_set_new(a, "redness", json_string("yes")); /* the same effect: listed once */
    json_object_set_new(a, "lump", json_string("no"));
    json_object_set_new(a, "anything_else", json_string("a little sore"));
    assert_int_equal(match(a, &flags, &fx, &e), MD_OK);
    assert_int_equal(json_array_size(flags), 0);
    assert_int_equal(json_array_size(fx), 2);
    assert_true(has(fx, "bruising"));
    assert_true(has(fx, "local_reaction"));
    json_decref(flags);
    json_decref(fx);
    json_decref(a);
}

static void bad_answers_name_the_question(void **state)
{
    (void)state;
    static const struct {
        const char *key, *value; /* JSON */
        md_code rc;
        const char *field;
    } cases[] = {
        {"no_such_question", "\"yes\"", MD_EINVAL, "answers.no_such_question"},
        {"vision_change", "\"maybe\"", MD_EUNPROCESSABLE, "answers.vision_change"},
        {"vision_change", "3", MD_EINVAL, "answers.vision_change"},
        {"pain_now", "11", MD_EUNPROCESSABLE, "answers.pain_now"},
        {"pain_now", "\"7\"", MD_EINVAL, "answers.pain_now"},
        {"pain_now", "6.5", MD_EINVAL, "answers.pain_now"},
        {"pain_trend", "\"awful\"", MD_EUNPROCESSABLE, "answers.pain_trend"},
        {"fever", "null", MD_EUNPROCESSABLE, "answers.fever"}, /* unknown is not no */
        {"anything_else", "42", MD_EINVAL, "answers.anything_else"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *a = calm(), *flags = NULL, *fx = NULL;
        md_err e;
        json_object_set_new(a, cases[i].key, json_loads(cases[i].value, JSON_DECODE_ANY, NULL));
        md_code rc = match(a, &flags, &fx, &e);
        if (rc != cases[i].rc || strcmp(e.field, cases[i].field) != 0)
            fail_msg("%s=%s: %s '%s' (%s)", cases[i].key, cases[i].value, md_code_name(rc), e.field,
                     e.message);
        json_decref(a);
    }
    /* a required question left out is asked for, never read as "no" */
    json_t *a = calm(), *flags = NULL, *fx = NULL;
    md_err e;
    json_object_del(a, "breathing");
    assert_int_equal(match(a, &flags, &fx, &e), MD_EUNPROCESSABLE);
    assert_string_equal(e.field, "answers.breathing");
    json_decref(a);
    /* a text too long */
    char big[1100];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    a = calm();
    json_object_set_new(a, "anything_else", json_string(big));
    assert_int_equal(match(a, &flags, &fx, &e), MD_EUNPROCESSABLE);
    assert_string_equal(e.field, "answers.anything_else");
    json_decref(a);
    a = json_string("yes");
    assert_int_equal(match(a, &flags, &fx, &e), MD_EINVAL);
    assert_string_equal(e.field, "answers");
    json_decref(a);
}

static void the_form_shows_no_mapping(void **state)
{
    (void)state;
    json_t *q = md_kb_checkin_questions_json(kb);
    assert_true(json_array_size(q) >= 10);
    size_t i;
    json_t *e;
    json_array_foreach(q, i, e)
    {
        assert_non_null(json_object_get(e, "text"));
        assert_null(json_object_get(e, "maps_to"));
        assert_null(json_object_get(e, "sources"));
    }
    json_decref(q);
    json_t *all = md_kb_checkins_json(kb);
    json_t *q0 = json_array_get(json_object_get(all, "questions"), 0);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(q0, "maps_to"), "red_flag")),
        "blanching");
    assert_true(json_array_size(json_object_get(q0, "sources")) >= 1);
    json_decref(all);
    assert_non_null(strstr(md_kb_checkin_message(kb, "call_now"), "{phone}"));
    assert_null(md_kb_checkin_message(kb, "shout"));
}

/* Every red flag a question maps to is one of the complication catalogue's, and a kb whose
 * question names another is refused. */
static void red_flags_exist_in_the_catalogue(void **state)
{
    (void)state;
    size_t n = 0;
    md_kb_complications(kb, &n);
    assert_true(n > 0);
    json_t *all = md_kb_checkins_json(kb);
    size_t i;
    json_t *q;
    json_array_foreach(json_object_get(all, "questions"), i, q)
    {
        const char *rf =
            json_string_value(json_object_get(json_object_get(q, "maps_to"), "red_flag"));
        const char *fx =
            json_string_value(json_object_get(json_object_get(q, "maps_to"), "effect"));
        if (rf && !md_kb_red_flag_known(kb, rf, NULL)) fail_msg("red flag %s unknown", rf);
        if (fx && !md_kb_complication_find(kb, fx)) fail_msg("effect %s unknown", fx);
    }
    json_decref(all);
    /* a copy of the kb whose first question names a red flag nobody defined */
    char dir[64], cmd[256], p[512];
    snprintf(dir, sizeof dir, "%s", "/tmp/mesodesk-kb-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(cmd, sizeof cmd, "cp %s/*.json %s/", kbt_dir(), dir);
    assert_int_equal(system(cmd), 0);
    snprintf(p, sizeof p, "%s/checkins.json", dir);
    json_t *doc = json_load_file(p, 0, NULL);
    assert_non_null(doc);
    json_object_set_new(
        json_object_get(json_array_get(json_object_get(doc, "questions"), 0), "maps_to"),
        "red_flag", json_string("snake_bite"));
    assert_int_equal(json_dump_file(doc, p, JSON_INDENT(1)), 0);
    json_decref(doc);
    md_kb *bad = NULL;
    md_err e;
    assert_int_equal(md_kb_load(dir, &bad, &e), MD_EINVAL);
    assert_string_equal(e.field, "kb/checkins.json:questions[0].maps_to.red_flag");
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(days_per_protocol),
        cmocka_unit_test(calm_answers_raise_nothing),
        cmocka_unit_test(each_red_flag_fires),
        cmocka_unit_test(common_effects_are_not_red_flags),
        cmocka_unit_test(bad_answers_name_the_question),
        cmocka_unit_test(the_form_shows_no_mapping),
        cmocka_unit_test(red_flags_exist_in_the_catalogue),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
