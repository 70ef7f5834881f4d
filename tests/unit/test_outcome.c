/*
 * test_outcome.c - the outcome scales of the kb and the scores' arithmetic (outcome.h): the
 * shipped scales as kb/outcome_scales.json defines them, normalisation in both directions
 * (a GAIS numbered the other way plots the same), a score that is not a point of its
 * scale, a definition that cannot be read, and the questions a check-in day asks.
 * On a database: the patient's own score through a check-in (no role, actor "patient"),
 * limited to patient scores, and the score's audit entry naming the patient.
 * (The loader's refusals of a broken file are in test_kb.c's breakages.)
 */
#include "test_kb_support.h"

#include "mesodesk/context.h"
#include "mesodesk/outcome.h"
#include "mesodesk/record.h"
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
    assert_string_equal(json_string_value(json_object_get(g, "type")), "scale");
    assert_int_equal(json_integer_value(json_object_get(g, "min")), 1);
    assert_int_equal(json_integer_value(json_object_get(g, "max")), 5);
    assert_string_equal(json_string_value(json_array_get(json_object_get(g, "option_text"), 4)),
                        "worse");
    assert_int_equal(json_array_size(json_object_get(g, "options")), 5);
    assert_non_null(strstr(json_string_value(json_object_get(g, "text")), "treated area"));
    json_decref(q);
    q = NULL;
    assert_int_equal(md_outcome_checkin_questions(&ctx, 2, &q, &e), MD_OK);
    assert_int_equal(json_array_size(q), 0);
    json_decref(q);
}

/* ---- on a database ---- */

/* A patient and a session of theirs in state, written as chart.c writes it (the chart's
 * own tests cover how a session gets there). */
static void session_in(unit_db *u, const char *state, char pid[MD_ID_STR], char sid[MD_ID_STR])
{
    md_err err;
    json_t *p = json_pack("{s:s,s:s,s:s,s:s}", "given_name", "Ida", "family_name", "Score",
                          "birth_date", "1980-02-02", "sex", "female"),
           *out = NULL;
    assert_int_equal(md_record_create(&u->ctx, &md_kind_patient, NULL, p, &out, &err), MD_OK);
    md_strlcpy(pid, json_string_value(json_object_get(out, "id")), MD_ID_STR);
    json_decref(out);
    json_decref(p);
    char course[MD_ID_STR]; /* one open session per course session: a course each */
    md_id_new(sid);
    md_id_new(course);
    md_val v[] = {md_text(u->ctx.who.clinic_id),
                  md_text(sid),
                  md_text(u->ctx.who.staff_id),
                  md_text(pid),
                  md_text(state),
                  md_text(course)};
    assert_int_equal(
        md_store_exec(u->db,
                      "INSERT INTO treatment_sessions (clinic_id, id, version, current, "
                      "recorded_by, recorded_at, reason, patient_id, course_id, course_session, "
                      "practitioner_id, day, state, events) VALUES ($1, $2, 1, 1, $3, "
                      "'2026-12-01T09:00:00Z', 'test', $4, $6, 1, "
                      "$3, '2026-12-01', $5, '[]')",
                      v, 6, NULL, NULL, &err),
        MD_OK);
}

static json_t *body(const char *sid, const char *scale, const char *rater, int score)
{
    return json_pack("{s:s,s:s,s:s,s:i}", "session_id", sid, "scale", scale, "rater", rater,
                     "score", score);
}

static void the_patient_scores_through_a_check_in_and_only_their_own(void **state)
{
    unit_db *u = *state;
    char pid[MD_ID_STR], sid[MD_ID_STR], checkin[MD_ID_STR];
    md_err err;
    json_t *in, *out = NULL;
    session_in(u, "completed", pid, sid);
    md_id_new(checkin);
    md_ctx link = u->ctx; /* as checkin.c fills it from the check-in */
    link.who.role = MD_ROLE_NONE;
    md_strlcpy(link.who.staff_id, "patient", sizeof link.who.staff_id);
    /* a practitioner's score through the link: refused, nothing stored */
    in = body(sid, "gais", "practitioner", 2);
    assert_int_equal(md_outcome_add(&link, in, &out, &err), MD_EFORBIDDEN);
    assert_string_equal(err.field, "rater");
    json_decref(in);
    /* the patient's GAIS with the check-in: stored, rater_id the check-in */
    in = body(sid, "gais", "patient", 1);
    json_object_set_new(in, "checkin_id", json_string(checkin));
    assert_int_equal(md_outcome_add(&link, in, &out, &err), MD_OK);
    assert_string_equal(json_string_value(json_object_get(out, "rater_id")), checkin);
    assert_string_equal(json_string_value(json_object_get(out, "recorded_by")), "patient");
    assert_string_equal(json_string_value(json_object_get(out, "patient_id")), pid);
    assert_true(json_real_value(json_object_get(out, "normalised")) == 1.0);
    assert_int_equal(link.who.role, MD_ROLE_NONE); /* the role is given back */
    json_decref(out);
    json_decref(in);
    /* answered again (another check-in): an amendment, with the check-in's reason */
    in = body(sid, "gais", "patient", 2);
    assert_int_equal(md_outcome_add(&link, in, &out, &err), MD_OK);
    assert_int_equal(json_integer_value(json_object_get(out, "version")), 2);
    assert_non_null(strstr(json_string_value(json_object_get(out, "reason")), "check-in"));
    json_decref(out);
    json_decref(in);
    /* its audit entry names the patient as the actor */
    int64_t n = 0;
    md_val v[] = {md_text(u->ctx.who.clinic_id)};
    assert_int_equal(md_store_scalar_int(u->db,
                                         "SELECT count(*) FROM audit_log WHERE clinic_id = $1 AND "
                                         "object_type = 'outcome' AND action = 'create' AND "
                                         "actor_id = 'patient'",
                                         v, 1, &n, &err),
                     MD_OK);
    assert_int_equal(n, 1);
    /* a context without a role that is not a patient's link gets nothing */
    md_ctx nobody = u->ctx;
    nobody.who.role = MD_ROLE_NONE;
    in = body(sid, "satisfaction", "patient", 5);
    assert_int_equal(md_outcome_add(&nobody, in, &out, &err), MD_EFORBIDDEN);
    json_decref(in);
}

static void only_completed_or_signed_off_sessions_are_scored(void **state)
{
    unit_db *u = *state;
    static const char *const refused[] = {"checked_in", "prechecked", "in_progress", "cancelled"};
    static const char *const scored[] = {"completed", "signed_off"};
    char pid[MD_ID_STR], sid[MD_ID_STR];
    md_err err;
    json_t *in, *out = NULL;
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        session_in(u, refused[i], pid, sid);
        in = body(sid, "gais", "practitioner", 2);
        assert_int_equal(md_outcome_add(&u->ctx, in, &out, &err), MD_ECONFLICT);
        assert_string_equal(err.field, "session_id");
        json_decref(in);
    }
    for (size_t i = 0; i < sizeof scored / sizeof scored[0]; i++) {
        session_in(u, scored[i], pid, sid);
        in = body(sid, "gais", "practitioner", 2);
        assert_int_equal(md_outcome_add(&u->ctx, in, &out, &err), MD_OK);
        assert_string_equal(json_string_value(json_object_get(out, "rater_id")),
                            u->ctx.who.staff_id);
        json_decref(out);
        json_decref(in);
    }
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
    const struct CMUnitTest db_tests[] = {
        cmocka_unit_test(the_patient_scores_through_a_check_in_and_only_their_own),
        cmocka_unit_test(only_completed_or_signed_off_sessions_are_scored),
    };
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    return failed + cmocka_run_group_tests(db_tests, unit_db_setup, unit_db_teardown);
}
