/*
 * The command line, black-box: `mesodesk screen` gives the same decisions as the API for
 * every screening behaviour, with the documented exit codes, and every subcommand has
 * --help.  (Linked with the API support code but starts no server.)
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *bin(void)
{
    const char *b = getenv("MESODESK_BIN");
    return b ? b : "build/mesodesk";
}

/* Run `mesodesk ARGS` with input on stdin; returns the exit status, output in out. */
static int run(const char *args, const char *input, char *out, size_t outsz)
{
    char dir[] = "/tmp/mesodesk-cli-XXXXXX", in_path[64], cmd[1024];
    if (!mkdtemp(dir)) return -1;
    snprintf(in_path, sizeof in_path, "%s/in.json", dir);
    FILE *f = fopen(in_path, "w");
    if (!f) return -1;
    fputs(input ? input : "", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' %s < '%s' 2>&1; echo \"exit=$?\"", bin(), args, in_path);
    FILE *p = popen(cmd, "r");
    size_t n = p ? fread(out, 1, outsz - 1, p) : 0;
    out[n] = '\0';
    if (p) pclose(p);
    unlink(in_path);
    rmdir(dir);
    char *e = strstr(out, "exit=");
    long status = -1;
    if (e) {
        e[5 + strcspn(e + 5, "\n")] = '\0';
        md_parse_long(e + 5, 0, 255, &status);
        *e = '\0'; /* out keeps only the command's own output */
    }
    return (int)status;
}

typedef struct cli_case {
    const char *what;
    const char *patient; /* JSON members of "patient" */
    const char *plan;    /* JSON of "plan" */
    const char *decision;
    const char *rule;     /* must appear; NULL: none */
    const char *earliest; /* must appear as earliest_date; NULL: must not */
} cli_case;

/* Each case's patient has answered the questions screening needs (a woman: not pregnant, not
 * breastfeeding, no known allergies) unless the case says otherwise. */
#define ASKED                                                                                      \
    "\"sex\":\"female\",\"pregnant\":\"no\",\"breastfeeding\":\"no\",\"no_known_allergies\":true,"

static const cli_case cases[] = {
    {"eligible", ASKED "\"birth_date\":\"1990-01-01\"",
     "{\"areas\":[\"cheeks\"],\"ingredients\":[\"hyaluronic_acid\"]}", "eligible", NULL, NULL},
    {"a woman of 36, nothing asked: incomplete", "\"birth_date\":\"1990-01-01\",\"sex\":\"female\"",
     "{\"areas\":[\"cheeks\"],\"ingredients\":[\"hyaluronic_acid\"]}", "incomplete", NULL, NULL},
    {"pregnancy not sure: incomplete",
     "\"birth_date\":\"1990-01-01\",\"pregnant\":\"not_sure\",\"breastfeeding\":false,\"no_known_"
     "allergies\":true",
     "{\"areas\":[\"cheeks\"],\"ingredients\":[\"hyaluronic_acid\"]}", "incomplete", NULL, NULL},
    {"pregnant",
     "\"birth_date\":\"1990-01-01\",\"pregnant\":true,\"breastfeeding\":false,\"no_known_"
     "allergies\":true",
     "{\"areas\":[\"cheeks\"],\"ingredients\":[\"hyaluronic_acid\"]}", "contraindicated",
     "pregnancy", NULL},
    {"breastfeeding",
     "\"birth_date\":\"1990-01-01\",\"pregnant\":\"no\",\"breastfeeding\":true,\"no_known_"
     "allergies\":true",
     "{\"areas\":[\"cheeks\"],\"ingredients\":[\"hyaluronic_acid\"]}", "contraindicated",
     "breastfeeding", NULL},
    {"under 18", ASKED "\"birth_date\":\"2008-11-22\"",
     "{\"areas\":[\"cheeks\"],\"ingredients\":[\"hyaluronic_acid\"]}", "contraindicated",
     "under_age_of_majority", NULL},
    {"allergen class covers lidocaine",
     "\"birth_date\":\"1990-01-01\",\"sex\":\"male\",\"allergies\":[{\"substance\":\"amide_"
     "anaesthetics\"}]",
     "{\"areas\":[\"cheeks\"],\"ingredients\":[\"lidocaine\"]}", "contraindicated",
     "allergy_to_planned_ingredient", NULL},
    {"any allergy: patch test",
     "\"birth_date\":\"1990-01-01\",\"sex\":\"male\",\"allergies\":[{\"substance\":\"latex\"}]",
     "{\"areas\":[\"cheeks\"],\"ingredients\":[\"hyaluronic_acid\"]}", "eligible",
     "patch_test_required", NULL},
    {"active eczema at site",
     ASKED "\"birth_date\":\"1990-01-01\",\"conditions\":[{\"code\":\"eczema\",\"active\":true,"
           "\"site\":\"neck\"}]",
     "{\"areas\":[\"neck\"],\"ingredients\":[\"hyaluronic_acid\"]}", "deferred",
     "active_skin_condition_at_site", NULL},
    {"nsaid 6 days ago",
     ASKED "\"birth_date\":\"1990-01-01\",\"medications\":[{\"code\":\"ibuprofen\",\"last_dose\":"
           "\"2026-11-15\"}]",
     "{\"areas\":[\"cheeks\"],\"ingredients\":[\"hyaluronic_acid\"]}", "deferred", "nsaid_washout",
     "2026-11-22"},
    {"garlic 14 days ago: no deferral",
     ASKED "\"birth_date\":\"1990-01-01\",\"medications\":[{\"code\":\"garlic_supplement\",\"last_"
           "dose\":\"2026-11-07\"}]",
     "{\"areas\":[\"cheeks\"],\"ingredients\":[\"hyaluronic_acid\"]}", "eligible", NULL, NULL},
    {"antiplatelet",
     ASKED "\"birth_date\":\"1990-01-01\",\"medications\":[{\"code\":\"antiplatelet\"}]",
     "{\"areas\":[\"cheeks\"],\"ingredients\":[\"hyaluronic_acid\"]}", "clearance_required",
     "anticoagulant_clearance", NULL},
    {"cancer",
     ASKED "\"birth_date\":\"1990-01-01\",\"conditions\":[{\"code\":\"cancer\",\"active\":false}]",
     "{\"areas\":[\"cheeks\"],\"ingredients\":[\"hyaluronic_acid\"]}", "clearance_required",
     "systemic_condition_clearance", NULL},
    {"fitzpatrick 6", ASKED "\"birth_date\":\"1990-01-01\",\"fitzpatrick\":6",
     "{\"areas\":[\"cheeks\"],\"ingredients\":[\"hyaluronic_acid\"]}", "eligible",
     "pigmentation_risk", NULL},
};

static void screen_gives_each_decision(void **state)
{
    (void)state;
    char input[1024], out[16384];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(input, sizeof input, "{\"date\":\"2026-11-21\",\"patient\":{%s},\"plan\":%s}",
                 cases[i].patient, cases[i].plan);
        int st = run("screen -", input, out, sizeof out);
        if (st != 0) fail_msg("%s: exit %d: %s", cases[i].what, st, out);
        json_t *j = json_loads(out, 0, NULL);
        if (!j) fail_msg("%s: not JSON: %s", cases[i].what, out);
        if (strcmp(api_str(j, "decision"), cases[i].decision) != 0)
            fail_msg("%s: decision %s: %s", cases[i].what, api_str(j, "decision"), out);
        if (cases[i].rule && !api_find_rule(j, cases[i].rule))
            fail_msg("%s: no finding of %s: %s", cases[i].what, cases[i].rule, out);
        if (cases[i].earliest && strcmp(api_str(j, "earliest_date"), cases[i].earliest) != 0)
            fail_msg("%s: earliest_date: %s", cases[i].what, out);
        if (!cases[i].earliest && json_object_get(j, "earliest_date"))
            fail_msg("%s: unexpected earliest_date: %s", cases[i].what, out);
        json_decref(j);
    }
}

static void screen_text_explains(void **state)
{
    (void)state;
    char out[8192];
    int st = run("screen - --format text",
                 "{\"date\":\"2026-11-21\",\"patient\":{" ASKED "\"birth_date\":\"1990-01-01\","
                 "\"medications\":[{\"code\":\"aspirin\",\"last_dose\":\"2026-11-20\"}]},"
                 "\"plan\":{\"areas\":[\"cheeks\"],\"ingredients\":[\"hyaluronic_acid\"]}}",
                 out, sizeof out);
    assert_int_equal(st, 0);
    assert_non_null(strstr(out, "deferred"));
    assert_non_null(strstr(out, "nsaid_washout"));
    assert_non_null(strstr(out, "2026-11-27"));
    /* What was never asked is named, with the question. */
    st = run("screen - --format text",
             "{\"date\":\"2026-11-21\",\"patient\":{\"birth_date\":\"1990-01-01\"},"
             "\"plan\":{\"areas\":[\"cheeks\"],\"ingredients\":[\"hyaluronic_acid\"]}}",
             out, sizeof out);
    assert_int_equal(st, 0);
    assert_non_null(strstr(out, "Decision for 2026-11-21: incomplete"));
    assert_non_null(strstr(out, "Missing (ask before treating):"));
    assert_non_null(strstr(out, "patient.pregnant: not recorded"));
    assert_non_null(strstr(out, "patient.allergies: not recorded"));
}

static void screen_bad_input_exits_2_naming_the_field(void **state)
{
    (void)state;
    static const struct {
        const char *input, *field;
    } bad[] = {
        {"{\"date\":\"2026-02-30\",\"patient\":{\"birth_date\":\"1990-01-01\"},\"plan\":{"
         "\"areas\":[],\"ingredients\":[]}}",
         "date"},
        {"{\"date\":\"2026-11-21\",\"patient\":{\"birth_date\":\"1990-01-01\",\"fitzpatrick\":7},"
         "\"plan\":{\"areas\":[],\"ingredients\":[]}}",
         "patient.fitzpatrick"},
        {"{\"date\":\"2026-11-21\",\"patient\":{\"birth_date\":\"1990-01-01\",\"medications\":[{"
         "\"code\":\"ibuprofn\"}]},\"plan\":{\"areas\":[],\"ingredients\":[]}}",
         "patient.medications[0].code"},
        {"{\"date\":\"2026-11-21\",\"patient\":{\"birth_date\":\"1990-01-01\",\"medications\":[{"
         "\"code\":\"aspirin\",\"last_dose\":\"2026-11-22\"}]},\"plan\":{\"areas\":[],"
         "\"ingredients\":[]}}",
         "patient.medications[0].last_dose"},
        {"{\"date\":\"2026-11-21\",\"patient\":{\"birth_date\":\"1990-01-01\"},\"plan\":{"
         "\"areas\":[],\"ingredients\":[]}}",
         "plan.areas"},
        {"{\"date\":", "date"},
    };
    char out[4096];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int st = run("screen -", bad[i].input, out, sizeof out);
        if (st != 2) fail_msg("case %zu: exit %d, want 2: %s", i, st, out);
        if (i < 5 && !strstr(out, bad[i].field))
            fail_msg("case %zu: no field %s: %s", i, bad[i].field, out);
    }
    /* The suggestion for a misspelt code. */
    run("screen -", bad[2].input, out, sizeof out);
    assert_non_null(strstr(out, "ibuprofen"));
}

static void every_command_has_help(void **state)
{
    (void)state;
    static const char *const cmds[] = {
        "--help",           "init --help",        "serve --help",        "user add --help",
        "user list --help", "patient add --help", "patient list --help", "patient show --help",
        "demo --help",      "screen --help",      "audit verify --help", "openapi --help"};
    char out[8192];
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        int st = run(cmds[i], "", out, sizeof out);
        if (st != 0 || !strstr(out, "usage")) fail_msg("%s: exit %d: %s", cmds[i], st, out);
    }
    assert_int_equal(run("no-such-command", "", out, sizeof out), 2);
    assert_int_equal(run("patient add --clinic", "", out, sizeof out), 2);
    assert_int_equal(run("serve --threads 0", "", out, sizeof out), 2);
}

/* `patient add` runs the API's duplicate check: the same names and birth date again are
 * refused (exit 1, the candidate named, nothing stored) until --confirm-not-duplicate. */
static void patient_add_checks_for_duplicates(void **state)
{
    (void)state;
    char dir[] = "/tmp/mesodesk-cli-dup-XXXXXX", args[1024], out[8192];
    assert_non_null(mkdtemp(dir));
    snprintf(args, sizeof args,
             "init --db '%s/m.db' --clinic-name 'Dup Clinic' --time-zone Europe/London "
             "--jurisdiction UK",
             dir);
    assert_int_equal(run(args, "", out, sizeof out), 0);
    const char *who = "--given Ana --family Lopez --birth-date 1988-04-02 --sex female";
    snprintf(args, sizeof args, "patient add --db '%s/m.db' --clinic 'Dup Clinic' %s", dir, who);
    assert_int_equal(run(args, "", out, sizeof out), 0);
    char first[64];
    snprintf(first, sizeof first, "%.32s", out);
    assert_int_equal(strlen(first), 32);
    int st = run(args, "", out, sizeof out);
    if (st != 1 || !strstr(out, "likely duplicate") || !strstr(out, first))
        fail_msg("second add: exit %d: %s", st, out);
    snprintf(args, sizeof args, "patient list --db '%s/m.db' --clinic 'Dup Clinic'", dir);
    assert_int_equal(run(args, "", out, sizeof out), 0);
    assert_null(strstr(strstr(out, "Lopez") + 1, "Lopez")); /* still one */
    snprintf(args, sizeof args,
             "patient add --db '%s/m.db' --clinic 'Dup Clinic' %s --confirm-not-duplicate", dir,
             who);
    assert_int_equal(run(args, "", out, sizeof out), 0);
    snprintf(args, sizeof args, "rm -rf '%s'", dir);
    assert_int_equal(system(args), 0);
}

/* `mesodesk demo --schedule` (what `make run` makes): rooms, hours, the practitioner's
 * licence, a course and its first session, and two consultations, so the day opens on
 * something. */
static void demo_schedule_books_the_next_open_hours(void **state)
{
    (void)state;
    char dir[] = "/tmp/mesodesk-cli-demo-XXXXXX", args[1024], out[8192], db[128];
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/m.db", dir);
    snprintf(args, sizeof args, "demo --db '%s' --schedule", db);
    int st = run(args, "", out, sizeof out);
    if (st != 0 || !strstr(out, "3 rooms, hours, a course and 3 appointments"))
        fail_msg("demo --schedule: exit %d: %s", st, out);
    md_store *s = NULL;
    md_err err;
    md_err_clear(&err);
    assert_int_equal(md_store_open(db, &s, &err), MD_OK);
    static const struct {
        const char *sql;
        int64_t want;
    } counts[] = {
        {"SELECT count(*) FROM rooms WHERE current = 1", 3},
        {"SELECT count(*) FROM clinic_hours WHERE current = 1", 1},
        {"SELECT count(*) FROM availability WHERE current = 1", 1},
        {"SELECT count(*) FROM staff_credentials WHERE current = 1 AND type = 'licence'", 2},
        {"SELECT count(*) FROM staff WHERE role = 'medical_director'", 1},
        {"SELECT count(*) FROM courses WHERE current = 1 AND state = 'planned'", 1},
        {"SELECT count(*) FROM appointments WHERE current = 1 AND status = 'booked'", 3},
        {"SELECT count(*) FROM appointments WHERE current = 1 AND course_session = 1", 1},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        int64_t n = -1;
        assert_int_equal(md_store_scalar_int(s, counts[i].sql, NULL, 0, &n, &err), MD_OK);
        if (n != counts[i].want)
            fail_msg("%s: %lld, want %lld", counts[i].sql, (long long)n, (long long)counts[i].want);
    }
    md_store_close(s);
    /* Idempotent: a second run adds nothing. */
    assert_int_equal(run(args, "", out, sizeof out), 0);
    assert_non_null(strstr(out, "exists already"));
    snprintf(args, sizeof args, "rm -rf '%s'", dir);
    assert_int_equal(system(args), 0);
}

/* `mesodesk openapi` prints the document checked in as docs/openapi.json. */
static void openapi_prints_the_checked_in_document(void **state)
{
    (void)state;
    size_t sz = 4u << 20;
    char *out = malloc(sz);
    assert_non_null(out);
    assert_int_equal(run("openapi", "", out, sz), 0);
    json_error_t je;
    json_t *printed = json_loads(out, 0, &je);
    if (!printed) fail_msg("mesodesk openapi: %s", je.text);
    char path[1024]; /* beside the kb of the source tree (MESODESK_KB) */
    const char *kb = getenv("MESODESK_KB");
    snprintf(path, sizeof path, "%s%s", kb ? kb : "kb", "/../docs/openapi.json");
    json_t *file = json_load_file(path, 0, &je);
    assert_non_null(file);
    assert_true(json_equal(printed, file));
    json_decref(printed);
    json_decref(file);
    char small[256];
    assert_int_equal(run("openapi extra", "", small, sizeof small), 2);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(screen_gives_each_decision),
        cmocka_unit_test(screen_text_explains),
        cmocka_unit_test(screen_bad_input_exits_2_naming_the_field),
        cmocka_unit_test(every_command_has_help),
        cmocka_unit_test(patient_add_checks_for_duplicates),
        cmocka_unit_test(demo_schedule_books_the_next_open_hours),
        cmocka_unit_test(openapi_prints_the_checked_in_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
