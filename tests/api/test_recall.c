/*
 * Recalls over HTTP and the CLI: GET /lots/{id}/exposures and /vials/{id}/exposures list
 * exactly the patients dosed (not others, not another clinic's), the recall worklist moves
 * open -> contacted -> closed, bad input is a 4xx naming the field, and `mesodesk recall
 * exposures LOT --format csv` is parseable CSV (python3's csv module) with the same rows.
 *
 * The stock (products, lots, vials, doses) is made through the core library on the group
 * server's database (the stock routes are another module's), as the system user.
 */
#include "support.h"

#include "mesodesk/clinic.h"
#include "mesodesk/kb.h"
#include "mesodesk/record.h"
#include "mesodesk/stock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

typedef struct stock_fix {
    char lot_a[MD_ID_STR], lot_b[MD_ID_STR], lot_m[MD_ID_STR], vial1[MD_ID_STR], vial2[MD_ID_STR];
    char number_a[32];
    char pat[4][MD_ID_STR]; /* 0,1: lot A; 2: lot B; 0 and 3: vials 1 and 2 of lot M */
} stock_fix;

static stock_fix fx;

typedef struct core {
    md_store *db;
    md_arena *arena;
    md_kb *kb;
    md_ctx ctx;
} core;

static void core_open(core *c)
{
    char uri[320];
    md_err err = {0};
    memset(c, 0, sizeof *c);
    api_server_db(&api.srv, uri, sizeof uri);
    if (md_store_open(uri, &c->db, &err) != MD_OK) fail_msg("open: %s", err.message);
    const char *kb = getenv("MESODESK_KB");
    if (md_kb_load(kb ? kb : "kb", &c->kb, &err) != MD_OK) fail_msg("kb: %s", err.message);
    c->ctx.kb = c->kb;
    c->arena = md_arena_new(16384, 0);
    c->ctx.db = c->db;
    c->ctx.arena = c->arena;
    c->ctx.who.role = MD_ROLE_SYSTEM;
    md_id_new(c->ctx.request_id);
    if (md_clinic_find(c->db, "Demo Clinic", c->ctx.who.clinic_id, &err) != MD_OK)
        fail_msg("demo clinic: %s", err.message);
}

static void core_close(core *c)
{
    md_store_close(c->db);
    md_arena_free(c->arena);
    md_kb_free(c->kb);
}

static void must(md_code rc, const md_err *err, const char *what)
{
    if (rc != MD_OK) fail_msg("%s: %s %s", what, err->field, err->message);
}

static void core_product(core *c, const char *presentation, char *id)
{
    md_err err;
    json_t *in = json_pack("{s:s,s:s,s:f,s:s,s:[{s:s,s:s}],s:{s:s}}", "name", "Recall test product",
                           "presentation", presentation, "volume_ml", 5.0, "base", "aqueous",
                           "ingredients", "ingredient", "hyaluronic_acid", "concentration", "1%",
                           "regulatory", "EU", "ce_marked"),
           *out = NULL;
    must(md_record_create(&c->ctx, &md_kind_product, NULL, in, &out, &err), &err, "product");
    md_strlcpy(id, api_str(out, "id"), MD_ID_STR);
    json_decref(in);
    json_decref(out);
}

static void core_lot(core *c, const char *product, const char *number, char *id)
{
    md_err err;
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:i}", "product_id", product, "lot_number", number,
                           "expiry", "2099-12-31", "received_on", "2026-01-02", "quantity", 10),
           *out = NULL;
    must(md_lot_create(&c->ctx, in, &out, &err), &err, "lot");
    md_strlcpy(id, api_str(out, "id"), MD_ID_STR);
    json_decref(in);
    json_decref(out);
}

static void core_vial(core *c, const char *lot, char *id)
{
    md_err err;
    json_t *in = json_object(), *out = NULL;
    must(md_vial_open(&c->ctx, lot, in, &out, &err), &err, "vial");
    md_strlcpy(id, api_str(out, "id"), MD_ID_STR);
    json_decref(in);
    json_decref(out);
}

static void core_dose(core *c, const char *patient, const char *lot, const char *vial)
{
    md_err err;
    json_t *out = NULL;
    md_dose d = {.patient_id = patient,
                 .lot_id = lot,
                 .vial_id = vial,
                 .volume_ul = 200,
                 .route = "intradermal",
                 .context = "session"};
    must(md_administration_record(&c->ctx, &d, &out, &err), &err, "dose");
    json_decref(out);
}

static void new_patient(int i, const char *given)
{
    json_t *p = api_patient_new(api.admin, given, NULL, "1979-11-30");
    md_strlcpy(fx.pat[i], api_str(p, "id"), MD_ID_STR);
    json_decref(p);
}

static int setup(void **state)
{
    int rc = api_setup(state);
    if (rc) return rc;
    core c;
    char single[MD_ID_STR], multi[MD_ID_STR], tag[16];
    core_open(&c);
    core_product(&c, "single_dose", single);
    core_product(&c, "multi_dose", multi);
    api_unique(tag);
    snprintf(fx.number_a, sizeof fx.number_a, "A-%s", tag);
    core_lot(&c, single, fx.number_a, fx.lot_a);
    char nb[32], nm[32];
    snprintf(nb, sizeof nb, "B-%s", tag);
    snprintf(nm, sizeof nm, "M-%s", tag);
    core_lot(&c, single, nb, fx.lot_b);
    core_lot(&c, multi, nm, fx.lot_m);
    core_vial(&c, fx.lot_m, fx.vial1);
    core_vial(&c, fx.lot_m, fx.vial2);
    new_patient(0, "Anne, \"Nan\""); /* a comma and quotes: CSV must quote them */
    new_patient(1, "Bea");
    new_patient(2, "Cleo");
    new_patient(3, "Dora");
    core_dose(&c, fx.pat[0], fx.lot_a, NULL);
    core_dose(&c, fx.pat[0], fx.lot_a, NULL);
    core_dose(&c, fx.pat[1], fx.lot_a, NULL);
    core_dose(&c, fx.pat[2], fx.lot_b, NULL);
    core_dose(&c, fx.pat[0], fx.lot_m, fx.vial1);
    core_dose(&c, fx.pat[3], fx.lot_m, fx.vial2);
    core_close(&c);
    return 0;
}

/* The patient ids of an exposures answer, sorted, joined by ','. */
static void ids_of(json_t *ex, char *out, size_t sz)
{
    char ids[8][MD_ID_STR];
    size_t n = 0, i;
    json_t *it;
    json_array_foreach(json_object_get(ex, "items"), i, it)
    {
        if (n < 8) md_strlcpy(ids[n++], api_str(json_object_get(it, "patient"), "id"), MD_ID_STR);
    }
    qsort(ids, n, MD_ID_STR, (int (*)(const void *, const void *))strcmp);
    out[0] = '\0';
    for (i = 0; i < n; i++) {
        if (i) strncat(out, ",", sz - strlen(out) - 1);
        strncat(out, ids[i], sz - strlen(out) - 1);
    }
}

static void expect_ids(json_t *ex, const char *a, const char *b)
{
    char got[512], want[512];
    ids_of(ex, got, sizeof got);
    if (!b)
        snprintf(want, sizeof want, "%s", a);
    else if (strcmp(a, b) < 0)
        snprintf(want, sizeof want, "%s,%s", a, b);
    else
        snprintf(want, sizeof want, "%s,%s", b, a);
    assert_string_equal(got, want);
}

static void exposures_list_exactly_the_patients_dosed(void **state)
{
    (void)state;
    json_t *ex = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/lots/%s/exposures", fx.lot_a);
    expect_ids(ex, fx.pat[0], fx.pat[1]);
    assert_int_equal(api_int(ex, "administrations"), 3);
    assert_string_equal(api_str(json_object_get(ex, "lot"), "lot_number"), fx.number_a);
    json_t *first = NULL;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(ex, "items"), i, it)
    {
        if (strcmp(api_str(json_object_get(it, "patient"), "id"), fx.pat[0]) == 0) first = it;
    }
    assert_non_null(first);
    assert_int_equal(json_array_size(json_object_get(first, "administrations")), 2);
    assert_string_equal(api_str(json_object_get(first, "patient"), "birth_date"), "1979-11-30");
    json_decref(ex);
    ex = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/lots/%s/exposures", fx.lot_b);
    expect_ids(ex, fx.pat[2], NULL);
    json_decref(ex);
    ex = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/lots/%s/exposures", fx.lot_m);
    expect_ids(ex, fx.pat[0], fx.pat[3]);
    json_decref(ex);
    ex = api_ok(api.admin, "GET", NULL, 200, "/api/v1/vials/%s/exposures", fx.vial1);
    expect_ids(ex, fx.pat[0], NULL);
    assert_string_equal(api_str(json_object_get(ex, "vial"), "id"), fx.vial1);
    json_decref(ex);
    ex = api_ok(api.admin, "GET", NULL, 200, "/api/v1/vials/%s/exposures", fx.vial2);
    expect_ids(ex, fx.pat[3], NULL);
    json_decref(ex);
    /* Each patient listed is audited as read. */
    json_t *log = api_ok(api.admin, "GET", NULL, 200,
                         "/api/v1/audit?patient_id=%s&action=read&limit=100", fx.pat[1]);
    int found = 0;
    json_array_foreach(json_object_get(log, "items"), i, it)
    {
        if (strstr(api_str(it, "detail"), fx.lot_a)) found++;
    }
    assert_true(found >= 1);
    json_decref(log);
}

static void exposures_refuse_unknown_lots_and_other_roles(void **state)
{
    (void)state;
    const api_var vars[] = {{"lot", fx.lot_a}, {"vial", fx.vial1}, {"pat", fx.pat[0]}};
    const api_case cases[] = {
        {"unknown lot", api.practitioner, "GET",
         "/api/v1/lots/0123456789abcdef0123456789abcdef/exposures", NULL, 404, "not_found",
         "lot_id", NULL},
        {"a lot id that is no id", api.practitioner, "GET", "/api/v1/lots/zz/exposures", NULL, 404,
         "not_found", "lot_id", NULL},
        {"a lot as a vial", api.practitioner, "GET", "/api/v1/vials/{lot}/exposures", NULL, 404,
         "not_found", "vial_id", NULL},
        {"another clinic's lot", api.other_admin, "GET", "/api/v1/lots/{lot}/exposures", NULL, 404,
         "not_found", "lot_id", NULL},
        {"reception reads no clinical records", api.reception, "GET",
         "/api/v1/lots/{lot}/exposures", NULL, 403, "forbidden", NULL, NULL},
        {"no session", NULL, "GET", "/api/v1/lots/{lot}/exposures", NULL, 401, "unauthorized", NULL,
         NULL},
        {"a worklist of a lot not recalled", api.practitioner, "GET",
         "/api/v1/lots/{lot}/recall-worklist", NULL, 409, "conflict", "lot_id", "not recalled"},
        {"a contact on a lot not recalled", api.practitioner, "POST",
         "/api/v1/lots/{lot}/recall-worklist/{pat}/contacts",
         "{\"method\":\"phone\",\"outcome\":\"reached\"}", 409, "conflict", "lot_id", NULL},
    };
    api_run_cases(cases, sizeof cases / sizeof cases[0], vars, sizeof vars / sizeof vars[0]);
}

static void the_worklist_moves_open_contacted_closed(void **state)
{
    (void)state;
    core c;
    md_err err;
    core_open(&c);
    json_t *in = json_pack("{s:s,s:s}", "reason", "manufacturer notice", "date", "2026-03-01"),
           *out = NULL;
    must(md_lot_recall(&c.ctx, fx.lot_a, in, &out, &err), &err, "recall");
    json_decref(in);
    json_decref(out);
    core_close(&c);

    json_t *wl =
        api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/lots/%s/recall-worklist", fx.lot_a);
    expect_ids(wl, fx.pat[0], fx.pat[1]);
    assert_int_equal(api_int(json_object_get(wl, "counts"), "open"), 2);
    json_decref(wl);

    const api_var vars[] = {{"lot", fx.lot_a}, {"p0", fx.pat[0]}, {"p2", fx.pat[2]}};
    const api_case before[] = {
        {"close before any contact", api.practitioner, "POST",
         "/api/v1/lots/{lot}/recall-worklist/{p0}/close", "{\"outcome\":\"referred\"}", 409,
         "conflict", "patient_id", "no contact"},
        {"an unknown method", api.practitioner, "POST",
         "/api/v1/lots/{lot}/recall-worklist/{p0}/contacts",
         "{\"method\":\"fax\",\"outcome\":\"reached\"}", 422, "unprocessable", "method", NULL},
        {"no outcome", api.practitioner, "POST", "/api/v1/lots/{lot}/recall-worklist/{p0}/contacts",
         "{\"method\":\"phone\"}", 400, "invalid", "outcome", NULL},
        {"an unknown key", api.practitioner, "POST",
         "/api/v1/lots/{lot}/recall-worklist/{p0}/contacts",
         "{\"method\":\"phone\",\"outcome\":\"reached\",\"mood\":\"good\"}", 400, "invalid", "mood",
         NULL},
        {"a patient not exposed", api.practitioner, "POST",
         "/api/v1/lots/{lot}/recall-worklist/{p2}/contacts",
         "{\"method\":\"phone\",\"outcome\":\"reached\"}", 422, "unprocessable", "patient_id",
         NULL},
        {"reception records no clinical contact", api.reception, "POST",
         "/api/v1/lots/{lot}/recall-worklist/{p0}/contacts",
         "{\"method\":\"phone\",\"outcome\":\"reached\"}", 403, "forbidden", NULL, NULL},
    };
    api_run_cases(before, sizeof before / sizeof before[0], vars, sizeof vars / sizeof vars[0]);

    char body[160];
    snprintf(body, sizeof body,
             "{\"method\":\"phone\",\"outcome\":\"left_message\",\"note\":\"voicemail\"}");
    json_t *r = api_ok(api.practitioner, "POST", body, 201,
                       "/api/v1/lots/%s/recall-worklist/%s/contacts", fx.lot_a, fx.pat[0]);
    assert_string_equal(api_str(json_object_get(r, "case"), "status"), "contacted");
    assert_string_equal(api_str(json_object_get(r, "contact"), "outcome"), "left_message");
    json_decref(r);
    r = api_ok(api.practitioner, "POST", "{\"outcome\":\"reviewed_no_symptoms\"}", 200,
               "/api/v1/lots/%s/recall-worklist/%s/close", fx.lot_a, fx.pat[0]);
    assert_string_equal(api_str(r, "status"), "closed");
    assert_string_equal(api_str(r, "outcome"), "reviewed_no_symptoms");
    json_decref(r);
    const api_case after[] = {
        {"a closed case takes no contact", api.practitioner, "POST",
         "/api/v1/lots/{lot}/recall-worklist/{p0}/contacts",
         "{\"method\":\"phone\",\"outcome\":\"reached\"}", 409, "conflict", "patient_id", "closed"},
        {"a closed case does not close again", api.practitioner, "POST",
         "/api/v1/lots/{lot}/recall-worklist/{p0}/close", "{\"outcome\":\"referred\"}", 409,
         "conflict", "patient_id", NULL},
    };
    api_run_cases(after, sizeof after / sizeof after[0], vars, sizeof vars / sizeof vars[0]);
    wl = api_ok(api.admin, "GET", NULL, 200, "/api/v1/lots/%s/recall-worklist", fx.lot_a);
    json_t *counts = json_object_get(wl, "counts");
    assert_int_equal(api_int(counts, "open"), 1);
    assert_int_equal(api_int(counts, "contacted"), 0);
    assert_int_equal(api_int(counts, "closed"), 1);
    json_decref(wl);
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

static void the_cli_exports_parseable_csv(void **state)
{
    (void)state;
    const char *bin = getenv("MESODESK_BIN") ? getenv("MESODESK_BIN") : "build/mesodesk";
    char uri[320], cmd[2048], out[16384];
    api_server_db(&api.srv, uri, sizeof uri);
    /* python3's csv module reads it back: one row per dose, the quoted name intact. */
    snprintf(cmd, sizeof cmd,
             "'%s' recall exposures '%s' --format csv --db '%s' --clinic 'Demo Clinic' | "
             "python3 -c 'import csv,sys,json; r=list(csv.DictReader(sys.stdin)); "
             "print(json.dumps([[x[\"patient_id\"], x[\"patient_given_name\"], "
             "x[\"lot_number\"], x[\"volume_ml\"]] for x in r]))'",
             bin, fx.number_a, uri);
    assert_int_equal(sh(cmd, out, sizeof out), 0);
    json_error_t je;
    json_t *rows = json_loads(out, 0, &je);
    if (!rows) fail_msg("csv: %s (%s)", je.text, out);
    assert_int_equal(json_array_size(rows), 3);
    int anne = 0, bea = 0;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *pid = json_string_value(json_array_get(row, 0));
        const char *given = json_string_value(json_array_get(row, 1));
        assert_string_equal(json_string_value(json_array_get(row, 2)), fx.number_a);
        assert_string_equal(json_string_value(json_array_get(row, 3)), "0.2");
        if (strcmp(pid, fx.pat[0]) == 0 && strcmp(given, "Anne, \"Nan\"") == 0) anne++;
        if (strcmp(pid, fx.pat[1]) == 0) bea++;
    }
    assert_int_equal(anne, 2);
    assert_int_equal(bea, 1);
    json_decref(rows);
    /* JSON by lot id, the same patients. */
    snprintf(cmd, sizeof cmd, "'%s' recall exposures %s --db '%s' --clinic 'Demo Clinic'", bin,
             fx.lot_b, uri);
    assert_int_equal(sh(cmd, out, sizeof out), 0);
    json_t *ex = json_loads(out, 0, &je);
    assert_non_null(ex);
    expect_ids(ex, fx.pat[2], NULL);
    json_decref(ex);
    /* An unknown lot: exit 1 naming it; bad usage: 2; help: 0. */
    snprintf(cmd, sizeof cmd,
             "'%s' recall exposures NO-SUCH-LOT --db '%s' --clinic 'Demo Clinic' 2>&1", bin, uri);
    assert_int_equal(sh(cmd, out, sizeof out), 1);
    assert_non_null(strstr(out, "lot_id"));
    snprintf(cmd, sizeof cmd, "'%s' recall exposures X --format xml --db '%s' 2>&1", bin, uri);
    assert_int_equal(sh(cmd, out, sizeof out), 2);
    snprintf(cmd, sizeof cmd, "'%s' recall exposures --help", bin);
    assert_int_equal(sh(cmd, out, sizeof out), 0);
    assert_non_null(strstr(out, "usage"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exposures_list_exactly_the_patients_dosed),
        cmocka_unit_test(exposures_refuse_unknown_lots_and_other_roles),
        cmocka_unit_test(the_cli_exports_parseable_csv),
        cmocka_unit_test(the_worklist_moves_open_contacted_closed),
    };
    return cmocka_run_group_tests(tests, setup, api_teardown);
}
