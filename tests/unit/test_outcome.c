/*
 * test_outcome.c - the outcome scales of the kb and the scores' arithmetic (outcome.h): the
 * shipped scales as kb/outcome_scales.json defines them, normalisation in both directions
 * (a GAIS numbered the other way plots the same), a score that is not a point of its
 * scale, a definition that cannot be read, and the questions a check-in day asks.
 * (The loader's refusals of a broken file are in test_kb.c's breakages.)
 */
#include "test_kb_support.h"

#include "mesodesk/context.h"
#include "mesodesk/outcome.h"

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

static json_t *scale(json_t *all, const char *id)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(all, "scales"), i, s)
    {
        if (strcmp(json_string_value(json_object_get(s, "id")), id) == 0) return s;
    }
    fail_msg("no scale %s", id);
    return NULL;
}

static const char *point_label(json_t *s, size_t i)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(s, "points"), i), "label"));
}

static int rated_by(json_t *s, const char *who)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(s, "raters"), i, r)
    {
        if (strcmp(json_string_value(r), who) == 0) return 1;
    }
    return 0;
}

static void the_shipped_scales_with_their_numbering_raters_and_sources(void **state)
{
    (void)state;
    json_t *all = md_kb_outcome_scales_json(kb);
    assert_non_null(all);
    json_t *g = scale(all, "gais"), *w = scale(all, "wsrs"), *s = scale(all, "satisfaction");
    assert_int_equal(json_array_size(json_object_get(g, "points")), 5);
    assert_string_equal(point_label(g, 0), "very much improved");
    assert_string_equal(point_label(g, 4), "worse");
    assert_string_equal(json_string_value(json_object_get(g, "direction")), "lower_is_better");
    assert_non_null(strstr(json_string_value(json_object_get(g, "numbering")), "both ways"));
    assert_true(rated_by(g, "practitioner") && rated_by(g, "patient"));
    assert_string_equal(point_label(w, 0), "absent");
    assert_string_equal(point_label(w, 4), "extreme");
    assert_false(rated_by(w, "patient"));
    assert_true(rated_by(s, "patient"));
    assert_false(rated_by(s, "practitioner"));
    assert_string_equal(json_string_value(json_array_get(json_object_get(s, "sources"), 0)),
                        "FACE-Q");
    assert_non_null(strstr(json_string_value(json_object_get(s, "numbering")), "not a FACE-Q"));
    assert_non_null(json_object_get(g, "version"));
    json_decref(all);
}

static double norm(const json_t *def, long score)
{
    double x = -1;
    md_err e;
    md_code rc = md_outcome_normalise(def, score, &x, &e);
    if (rc != MD_OK) fail_msg("normalise %ld: %s", score, e.message);
    return x;
}

static void normalised_runs_from_worst_to_best_in_both_directions(void **state)
{
    (void)state;
    json_t *all = md_kb_outcome_scales_json(kb);
    json_t *g = scale(all, "gais"), *s = scale(all, "satisfaction");
    /* GAIS as shipped: 1 very much improved (best) .. 5 worse (worst) */
    assert_true(norm(g, 1) == 1.0);
    assert_true(norm(g, 5) == 0.0);
    assert_true(norm(g, 3) == 0.5);
    /* satisfaction: 1 very dissatisfied (worst) .. 5 very satisfied (best) */
    assert_true(norm(s, 5) == 1.0);
    assert_true(norm(s, 1) == 0.0);
    assert_true(norm(s, 4) == 0.75);
    json_decref(all);
}

static void a_gais_numbered_the_other_way_plots_the_same(void **state)
{
    (void)state;
    json_t *all = md_kb_outcome_scales_json(kb);
    json_t *g = scale(all, "gais");
    /* As other sources number it: -1 worse .. 3 very much improved, higher is better. */
    json_t *other = json_pack("{s:s,s:s,s:s,s:[{s:i,s:s},{s:i,s:s},{s:i,s:s},{s:i,s:s},{s:i,s:s}]}",
                              "id", "gais", "version", "other", "direction", "higher_is_better",
                              "points", "value", 3, "label", "very much improved", "value", 2,
                              "label", "much improved", "value", 1, "label", "improved", "value", 0,
                              "label", "no change", "value", -1, "label", "worse");
    assert_true(norm(other, 3) == norm(g, 1));
    assert_true(norm(other, 2) == norm(g, 2));
    assert_true(norm(other, 0) == norm(g, 4));
    assert_true(norm(other, -1) == norm(g, 5));
    json_decref(other);
    json_decref(all);
}

static void a_score_outside_the_scale_names_score(void **state)
{
    (void)state;
    json_t *all = md_kb_outcome_scales_json(kb);
    json_t *g = scale(all, "gais");
    double x = 7;
    md_err e;
    assert_int_equal(md_outcome_normalise(g, 6, &x, &e), MD_EINVAL);
    assert_string_equal(e.field, "score");
    assert_int_equal(md_outcome_normalise(g, 0, &x, &e), MD_EINVAL);
    assert_string_equal(e.field, "score");
    assert_true(x == 7); /* untouched */
    /* a definition without a direction, or with one point, is not read */
    json_t *bad = json_deep_copy(g);
    json_object_del(bad, "direction");
    assert_int_equal(md_outcome_normalise(bad, 1, &x, &e), MD_EINVAL);
    assert_string_equal(e.field, "scale_definition.direction");
    json_decref(bad);
    bad = json_pack("{s:s,s:[{s:i}]}", "direction", "higher_is_better", "points", "value", 1);
    assert_int_equal(md_outcome_normalise(bad, 1, &x, &e), MD_EINVAL);
    assert_string_equal(e.field, "scale_definition.points");
    json_decref(bad);
    json_decref(all);
}

static void day_14_asks_gais_and_satisfaction_and_day_2_asks_nothing(void **state)
{
    (void)state;
    md_ctx ctx;
    md_err e;
    json_t *q = NULL;
    memset(&ctx, 0, sizeof ctx);
    ctx.kb = kb;
    assert_int_equal(md_outcome_checkin_questions(&ctx, 14, &q, &e), MD_OK);
    assert_int_equal(json_array_size(q), 2);
    json_t *g = json_array_get(q, 0), *s = json_array_get(q, 1);
    assert_string_equal(json_string_value(json_object_get(g, "code")), "outcome.gais");
    assert_string_equal(json_string_value(json_object_get(s, "code")), "outcome.satisfaction");
    assert_string_equal(json_string_value(json_object_get(g, "type")), "choice");
    assert_int_equal(json_array_size(json_object_get(g, "options")), 5);
    assert_non_null(strstr(json_string_value(json_object_get(g, "text")), "treated area"));
    json_decref(q);
    q = NULL;
    assert_int_equal(md_outcome_checkin_questions(&ctx, 2, &q, &e), MD_OK);
    assert_int_equal(json_array_size(q), 0);
    json_decref(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_shipped_scales_with_their_numbering_raters_and_sources),
        cmocka_unit_test(normalised_runs_from_worst_to_best_in_both_directions),
        cmocka_unit_test(a_gais_numbered_the_other_way_plots_the_same),
        cmocka_unit_test(a_score_outside_the_scale_names_score),
        cmocka_unit_test(day_14_asks_gais_and_satisfaction_and_day_2_asks_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
