/*
 * test_signals.c - GET /api/v1/pv/signals (JSON and ?format=csv), GET /api/v1/pv/dashboard
 * and `mesodesk pv signals` against a real server: a seeded cluster of infections on one lot
 * is flagged (issue 11's "done when"), the CSV parses (python3's csv module), the CLI prints
 * the same report from the server's database, reception is refused, another clinic sees
 * nothing of this one, bad input names the parameter.
 *
 * The product and lot are created through the API; the completed sessions, their doses and
 * the complications with their suspects are written behind the server's back as chart.c,
 * stock.c and complication.c write them (tests/api/support_fixtures.c does the same for
 * sessions), so that the seeded cluster is exactly two infections on the lot.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static struct {
    char product[MD_ID_STR], lot[MD_ID_STR], number[32];
    char pat[3][MD_ID_STR], ses[3][MD_ID_STR], comp[3][MD_ID_STR];
} fx;

/* A completed session of patient p on day with one given dose of the fixture's lot. */
static void seed_session(const char *sid, const char *p, const char *day)
{
    char sql[2048], aid[MD_ID_STR];
    snprintf(sql, sizeof sql,
             "INSERT INTO treatment_sessions (clinic_id, id, version, current, recorded_by, "
             "recorded_at, reason, patient_id, course_id, course_session, practitioner_id, day, "
             "state, events) SELECT clinic_id, '%s', 1, 1, id, '%sT12:00:00Z', 'completed', "
             "'%s', 'seeded-course', 1, id, '%s', 'completed', '[]' FROM staff WHERE id = '%s'",
             sid, day, p, day, api.practitioner_id);
    api_db_exec(sql);
    md_id_new(aid);
    snprintf(sql, sizeof sql,
             "INSERT INTO administrations (clinic_id, id, version, current, recorded_by, "
             "recorded_at, reason, patient_id, product_id, lot_id, vial_id, volume_ml, route, "
             "context, context_id, given_at, given_by, status) SELECT clinic_id, '%s', 1, 1, id, "
             "'%sT10:00:00Z', 'given', '%s', '%s', '%s', NULL, 500, 'intradermal', 'session', "
             "'%s', '%sT10:00:00Z', id, 'given' FROM staff WHERE id = '%s'",
             aid, day, p, fx.product, fx.lot, sid, day, api.practitioner_id);
    api_db_exec(sql);
}

/* A complication of patient p (code, onset) naming the lot and session sid. */
static void seed_complication(const char *cid, const char *p, const char *sid, const char *code,
                              const char *onset)
{
    char sql[2048];
    snprintf(sql, sizeof sql,
             "INSERT INTO complications (clinic_id, id, version, current, recorded_by, "
             "recorded_at, reason, patient_id, code, onset_on, source, status) SELECT clinic_id, "
             "'%s', 1, 1, id, '%sT12:00:00Z', 'recorded', '%s', '%s', '%s', 'staff', 'open' "
             "FROM staff WHERE id = '%s'",
             cid, onset, p, code, onset, api.practitioner_id);
    api_db_exec(sql);
    const char *kinds[2] = {"lot", "session"}, *refs[2] = {fx.lot, sid};
    for (int i = 0; i < 2; i++) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO complication_suspects (clinic_id, complication_id, version, "
                 "patient_id, kind, ref_id, onset_on, code, current) SELECT clinic_id, '%s', 1, "
                 "'%s', '%s', '%s', '%s', '%s', 1 FROM staff WHERE id = '%s'",
                 cid, p, kinds[i], refs[i], onset, code, api.practitioner_id);
        api_db_exec(sql);
    }
}

static int setup(void **state)
{
    int rc = api_setup(state);
    if (rc) return rc;
    char tag[16], body[512];
    api_unique(tag);
    snprintf(body, sizeof body,
             "{\"name\":\"Signal HA %s\",\"presentation\":\"single_dose\",\"volume_ml\":2,"
             "\"base\":\"aqueous\",\"ingredients\":[{\"ingredient\":\"hyaluronic_acid\"}],"
             "\"regulatory\":{\"UK\":\"ce_marked\"}}",
             tag);
    json_t *p = api_ok(api.admin, "POST", body, 201, "/api/v1/products");
    md_strlcpy(fx.product, api_str(p, "id"), sizeof fx.product);
    snprintf(fx.number, sizeof fx.number, "SIG-%s", tag);
    snprintf(body, sizeof body,
             "{\"product_id\":\"%s\",\"lot_number\":\"%s\",\"expiry\":\"2099-01-31\","
             "\"received_on\":\"2026-01-10\",\"quantity\":50}",
             fx.product, fx.number);
    json_t *l = api_ok(api.admin, "POST", body, 201, "/api/v1/lots");
    md_strlcpy(fx.lot, api_str(l, "id"), sizeof fx.lot);
    json_decref(l);
    json_decref(p);
    static const char *const days[3] = {"2026-03-02", "2026-03-09", "2026-03-10"};
    /* Two mycobacterial infections 3 and 5 weeks after their sessions (inside 7..203 days);
     * a bruise on the same lot is of another category. */
    static const char *const codes[3] = {"infection_mycobacterial", "infection_mycobacterial",
                                         "bruising"};
    static const char *const onsets[3] = {"2026-03-23", "2026-04-13", "2026-03-10"};
    for (int i = 0; i < 3; i++) {
        json_t *pt = api_patient_new(api.practitioner, "Signal", tag, "1980-05-06");
        md_strlcpy(fx.pat[i], api_str(pt, "id"), sizeof fx.pat[i]);
        json_decref(pt);
        md_id_new(fx.ses[i]);
        md_id_new(fx.comp[i]);
        seed_session(fx.ses[i], fx.pat[i], days[i]);
        seed_complication(fx.comp[i], fx.pat[i], fx.ses[i], codes[i], onsets[i]);
    }
    return 0;
}

static json_t *lot_cluster(json_t *rep)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(rep, "clusters"), i, c)
    {
        if (strcmp(api_str(c, "shared"), "lot") == 0 && strcmp(api_str(c, "id"), fx.lot) == 0)
            return c;
    }
    return NULL;
}

static int has_id(json_t *ids, const char *id)
{
    size_t i;
    json_t *e;
    json_array_foreach(ids, i, e) if (strcmp(json_string_value(e), id) == 0) return 1;
    return 0;
}

static void a_seeded_cluster_on_one_lot_is_flagged(void **state)
{
    (void)state;
    json_t *rep = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/pv/signals");
    json_t *c = lot_cluster(rep);
    assert_non_null(c);
    assert_string_equal(api_str(c, "rule"), "infection_cluster");
    json_t *ids = json_object_get(c, "complications");
    assert_int_equal(json_array_size(ids), 2);
    assert_true(has_id(ids, fx.comp[0]) && has_id(ids, fx.comp[1]));
    assert_false(has_id(ids, fx.comp[2]));
    assert_int_equal(api_int(c, "patients"), 2);
    assert_non_null(strstr(api_str(c, "label"), fx.number));
    /* The lot's rate: 3 complications over 3 sessions. */
    size_t i;
    json_t *l, *rate = NULL;
    json_array_foreach(json_object_get(rep, "rates"), i, l)
    {
        if (strcmp(api_str(l, "dimension"), "lot") == 0 && strcmp(api_str(l, "id"), fx.lot) == 0)
            rate = l;
    }
    assert_non_null(rate);
    assert_int_equal(api_int(rate, "sessions"), 3);
    assert_int_equal(api_int(rate, "events"), 3);
    assert_true(json_array_size(json_object_get(rep, "rules")) >= 4);
    json_decref(rep);
    /* The auditor reads it too; a period before the sessions has no cluster. */
    rep = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/pv/signals");
    assert_non_null(lot_cluster(rep));
    json_decref(rep);
    rep = api_ok(api.practitioner, "GET", NULL, 200,
                 "/api/v1/pv/signals?from=2025-01-01&to=2025-12-31");
    assert_null(lot_cluster(rep));
    json_decref(rep);
    /* The other clinic sees nothing of this one. */
    rep = api_ok(api.other_admin, "GET", NULL, 200, "/api/v1/pv/signals");
    assert_null(lot_cluster(rep));
    assert_int_equal(api_int(rep, "complications"), 0);
    json_decref(rep);
}

static void reception_is_refused_and_bad_input_names_the_parameter(void **state)
{
    (void)state;
    api_err(api.reception, "GET", NULL, 403, "forbidden", NULL, "/api/v1/pv/signals");
    api_err(api.reception, "GET", NULL, 403, "forbidden", NULL, "/api/v1/pv/signals?format=csv");
    api_err(api.reception, "GET", NULL, 403, "forbidden", NULL, "/api/v1/pv/dashboard");
    api_err(api.practitioner, "GET", NULL, 400, "invalid", "format",
            "/api/v1/pv/signals?format=xml");
    api_err(api.practitioner, "GET", NULL, 400, "invalid", "from", "/api/v1/pv/signals?from=soon");
    api_err(api.practitioner, "GET", NULL, 400, "invalid", "min_cases",
            "/api/v1/pv/signals?min_cases=0");
    api_err(api.practitioner, "GET", NULL, 400, "invalid", "weeks", "/api/v1/pv/dashboard?weeks=0");
    api_err(API_BAD_TOKEN, "GET", NULL, 401, "unauthorized", NULL, "/api/v1/pv/signals");
}

/* Run a shell command; its stdout into out.  Returns the exit status. */
static int sh(const char *cmd, char *out, size_t sz)
{
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t n = fread(out, 1, sz - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* python3's csv module reads the CSV back: the cluster row names the lot and both
 * complications. */
static const char csv_check[] =
    "python3 -c 'import csv,sys; r=list(csv.DictReader(sys.stdin)); "
    "c=[x for x in r if x[\"section\"]==\"clusters\" and x[\"id\"]==sys.argv[1]]; "
    "assert len(c)==1, c; ids=c[0][\"complications\"].split(); "
    "assert sorted(ids)==sorted(sys.argv[2:4]), ids; "
    "assert any(x[\"section\"]==\"rates\" and x[\"id\"]==sys.argv[1] for x in r); print(len(r))' "
    "%s %s %s";

static void the_csv_parses_with_the_cluster_row(void **state)
{
    (void)state;
    api_req q = {
        .method = "GET", .path = "/api/v1/pv/signals?format=csv", .token = api.practitioner};
    api_res res;
    api_send(NULL, &q, &res);
    assert_int_equal(res.status, 200);
    assert_null(res.json);
    assert_true(strncmp(res.text, "section,dimension,id,", 21) == 0);
    char path[320], cmd[2048], out[256];
    snprintf(path, sizeof path, "%s/signals.csv", api.srv.dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fwrite(res.text, 1, res.len, f);
    fclose(f);
    api_res_free(&res);
    char check[768];
    snprintf(check, sizeof check, csv_check, fx.lot, fx.comp[0], fx.comp[1]);
    snprintf(cmd, sizeof cmd, "%s < '%s'", check, path);
    assert_int_equal(sh(cmd, out, sizeof out), 0);
    long rows = 0;
    char *nl = strchr(out, '\n');
    if (nl) *nl = '\0';
    assert_int_equal(md_parse_long(out, 0, 1000000, &rows), 0);
    assert_true(rows > 3);
}

static void the_cli_prints_the_same_report(void **state)
{
    (void)state;
    const char *bin = getenv("MESODESK_BIN") ? getenv("MESODESK_BIN") : "build/mesodesk";
    char uri[320], cmd[2048], check[768];
    static char out[1 << 20];
    api_server_db(&api.srv, uri, sizeof uri);
    snprintf(cmd, sizeof cmd, "'%s' pv signals --db '%s' --clinic 'Demo Clinic'", bin, uri);
    assert_int_equal(sh(cmd, out, sizeof out), 0);
    json_error_t je;
    json_t *rep = json_loads(out, 0, &je);
    if (!rep) fail_msg("json: %s", je.text);
    json_t *c = lot_cluster(rep);
    assert_non_null(c);
    assert_int_equal(json_array_size(json_object_get(c, "complications")), 2);
    json_decref(rep);
    snprintf(check, sizeof check, csv_check, fx.lot, fx.comp[0], fx.comp[1]);
    snprintf(cmd, sizeof cmd, "'%s' pv signals --format csv --db '%s' --clinic 'Demo Clinic' | %s",
             bin, uri, check);
    assert_int_equal(sh(cmd, out, sizeof out), 0);
    /* Bad usage: 2; help: 0. */
    snprintf(cmd, sizeof cmd, "'%s' pv signals --format xml --db '%s' 2>&1", bin, uri);
    assert_int_equal(sh(cmd, out, sizeof out), 2);
    snprintf(cmd, sizeof cmd, "'%s' pv --help", bin);
    assert_int_equal(sh(cmd, out, sizeof out), 0);
    assert_non_null(strstr(out, "usage"));
}

/* The dashboard over 520 weeks (ten years, so the seeded March 2026 stays inside): every
 * ISO week listed, the seeded sessions in theirs
 * (2026-03-02 one, the week of 2026-03-09 two), the lot's cluster among the signals. */
static void the_dashboard_has_the_weeks_rates_and_signals(void **state)
{
    (void)state;
    /* One course with a maintenance visit due in 10 days. */
    char sql[2048], course[MD_ID_STR], due[MD_DATE_STR];
    md_id_new(course);
    md_date_format(md_today_utc() + 10, due);
    snprintf(sql, sizeof sql,
             "INSERT INTO courses (clinic_id, id, version, current, recorded_by, recorded_at, "
             "reason, patient_id, protocol, formulation_id, start, session_count, spacing_days, "
             "maintenance_months, session_minutes, state, plan) SELECT clinic_id, '%s', 1, 1, id, "
             "'2026-01-05T10:00:00Z', 'planned', '%s', 'facial_rejuvenation', 'f', '2026-01-05', "
             "3, 14, 3, 45, 'active', '{}' FROM staff WHERE id = '%s'",
             course, fx.pat[0], api.practitioner_id);
    api_db_exec(sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO course_windows (clinic_id, course_id, seq, patient_id, protocol, kind, "
             "earliest, target, latest) SELECT clinic_id, '%s', 4, '%s', 'facial_rejuvenation', "
             "'maintenance', '%s', '%s', '%s' FROM staff WHERE id = '%s'",
             course, fx.pat[0], due, due, due, api.practitioner_id);
    api_db_exec(sql);
    json_t *d = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/pv/dashboard?weeks=520");
    json_t *weeks = json_object_get(d, "sessions_per_week");
    assert_int_equal(json_array_size(weeks), 520);
    json_int_t w1 = -1, w2 = -1;
    size_t i;
    json_t *w;
    json_array_foreach(weeks, i, w)
    {
        if (strcmp(api_str(w, "week"), "2026-03-02") == 0) w1 = api_int(w, "sessions");
        if (strcmp(api_str(w, "week"), "2026-03-09") == 0) w2 = api_int(w, "sessions");
    }
    assert_int_equal(w1, 1);
    assert_int_equal(w2, 2);
    json_t *m = json_object_get(d, "maintenance_due");
    assert_int_equal(json_array_size(m), 520);
    json_int_t courses = 0;
    json_array_foreach(m, i, w) courses += api_int(w, "courses");
    assert_int_equal(courses, 1);
    assert_true(json_is_object(json_object_get(d, "gais")));
    assert_non_null(lot_cluster(json_object_get(d, "signals")));
    json_t *l;
    int lot_rate = 0;
    json_array_foreach(json_object_get(d, "rates"), i, l)
    {
        assert_true(strcmp(api_str(l, "dimension"), "product") == 0 ||
                    strcmp(api_str(l, "dimension"), "lot") == 0);
        if (strcmp(api_str(l, "id"), fx.lot) == 0) lot_rate = 1;
    }
    assert_true(lot_rate);
    json_decref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_seeded_cluster_on_one_lot_is_flagged),
        cmocka_unit_test(reception_is_refused_and_bad_input_names_the_parameter),
        cmocka_unit_test(the_csv_parses_with_the_cluster_row),
        cmocka_unit_test(the_cli_prints_the_same_report),
        cmocka_unit_test(the_dashboard_has_the_weeks_rates_and_signals),
    };
    return cmocka_run_group_tests(tests, setup, api_teardown);
}
