/*
 * test_stock.c - products, lots, movements, vials, the recall mark, administrations and
 * the stock worklists through the API (docs/STOCK.md): bad input named by field, nothing
 * partial stored, concurrent doses never overselling a lot, refusals with their reason.
 */
#include "support.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static void new_patient(char id[MD_ID_STR])
{
    json_t *p = api_patient_new(api.reception, "Stock", NULL, "1985-05-05");
    md_strlcpy(id, api_str(p, "id"), MD_ID_STR);
    json_decref(p);
}

/* A product; presentation single_dose or multi_dose, volume in ml. */
static void new_product(const char *presentation, const char *volume, char id[MD_ID_STR])
{
    char body[1024];
    snprintf(body, sizeof body,
             "{\"name\":\"HA 1.5%% %s\",\"manufacturer\":\"Fillmed\",\"form\":\"solution\","
             "\"presentation\":\"%s\",\"volume_ml\":%s,\"base\":\"aqueous\","
             "\"ingredients\":[{\"ingredient\":\"hyaluronic_acid\",\"concentration\":\"1.5%%\"}],"
             "\"regulatory\":{\"EU\":\"ce_marked\"},\"low_stock\":2}",
             presentation, presentation, volume);
    json_t *p = api_ok(api.practitioner, "POST", body, 201, "/api/v1/products");
    md_strlcpy(id, api_str(p, "id"), MD_ID_STR);
    json_decref(p);
}

static void new_lot(const char *product, const char *expiry, int quantity, char id[MD_ID_STR])
{
    char body[512], number[16];
    api_unique(number);
    snprintf(body, sizeof body,
             "{\"product_id\":\"%s\",\"lot_number\":\"LOT-%s\",\"expiry\":\"%s\","
             "\"received_on\":\"2026-01-05\",\"supplier\":\"Meso Supplies\",\"quantity\":%d,"
             "\"unit\":\"ampoule\"}",
             product, number, expiry, quantity);
    json_t *l = api_ok(api.practitioner, "POST", body, 201, "/api/v1/lots");
    assert_int_equal(api_int(l, "on_hand"), quantity);
    md_strlcpy(id, api_str(l, "id"), MD_ID_STR);
    json_decref(l);
}

static json_int_t on_hand(const char *lot)
{
    json_t *m = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/lots/%s/movements", lot);
    json_int_t sum = 0, said = api_int(m, "on_hand");
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(m, "items"), i, it) sum += api_int(it, "quantity");
    assert_int_equal(sum, said); /* the answer's sum is the sum of the movements */
    json_t *l = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/lots/%s", lot);
    assert_int_equal(api_int(l, "on_hand"), sum);
    json_decref(l);
    json_decref(m);
    return sum;
}

static size_t administrations(const char *pid)
{
    json_t *l =
        api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/administrations", pid);
    size_t n = json_array_size(json_object_get(l, "items"));
    json_decref(l);
    return n;
}

static void catalogue_and_lots_name_bad_fields(void **state)
{
    (void)state;
    char prod[MD_ID_STR], other[MD_ID_STR], lot[MD_ID_STR];
    new_product("single_dose", "2", prod);
    new_product("single_dose", "1.5", other);
    json_t *p = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/products/%s", prod);
    assert_string_equal(api_str(json_array_get(json_object_get(p, "ingredients"), 0), "ingredient"),
                        "hyaluronic_acid");
    json_decref(p);
    char body[1024];
    snprintf(body, sizeof body,
             "{\"product_id\":\"%s\",\"lot_number\":\"DUP-1\",\"expiry\":"
             "\"2099-01-01\",\"received_on\":\"2026-01-01\",\"quantity\":4}",
             prod);
    json_t *l = api_ok(api.practitioner, "POST", body, 201, "/api/v1/lots");
    md_strlcpy(lot, api_str(l, "id"), MD_ID_STR);
    json_decref(l);
    api_var vars[] = {{"prod", prod}, {"other", other}, {"lot", lot}};
    static const api_case cases[] = {
        {"unknown ingredient", NULL, "POST", "/api/v1/products",
         "{\"name\":\"X\",\"presentation\":\"single_dose\",\"volume_ml\":2,\"base\":\"aqueous\","
         "\"ingredients\":[{\"ingredient\":\"hyaluronic_acid\"},{\"ingredient\":\"vitamin_c\"},"
         "{\"ingredient\":\"unicorn_dust\"}],\"regulatory\":{\"EU\":\"ce_marked\"}}",
         422, "unprocessable", "ingredients[2].ingredient", NULL},
        {"zero volume", NULL, "POST", "/api/v1/products",
         "{\"name\":\"X\",\"presentation\":\"single_dose\",\"volume_ml\":0,\"base\":\"aqueous\","
         "\"ingredients\":[{\"ingredient\":\"vitamin_c\"}],\"regulatory\":{\"EU\":\"ce_marked\"}}",
         422, "unprocessable", "volume_ml", NULL},
        {"unknown status", NULL, "POST", "/api/v1/products",
         "{\"name\":\"X\",\"presentation\":\"single_dose\",\"volume_ml\":1,\"base\":\"aqueous\","
         "\"ingredients\":[{\"ingredient\":\"vitamin_c\"}],\"regulatory\":{\"US\":\"approved\"}}",
         422, "unprocessable", "regulatory.US", NULL},
        {"expiry before receipt", NULL, "POST", "/api/v1/lots",
         "{\"product_id\":\"{prod}\",\"lot_number\":\"E-1\",\"expiry\":\"2025-12-31\","
         "\"received_on\":\"2026-01-01\",\"quantity\":4}",
         422, "unprocessable", "expiry", NULL},
        {"zero quantity", NULL, "POST", "/api/v1/lots",
         "{\"product_id\":\"{prod}\",\"lot_number\":\"Q-1\",\"expiry\":\"2099-12-31\","
         "\"received_on\":\"2026-01-01\",\"quantity\":0}",
         422, "unprocessable", "quantity", NULL},
        {"negative quantity", NULL, "POST", "/api/v1/lots",
         "{\"product_id\":\"{prod}\",\"lot_number\":\"Q-2\",\"expiry\":\"2099-12-31\","
         "\"received_on\":\"2026-01-01\",\"quantity\":-3}",
         422, "unprocessable", "quantity", NULL},
        {"lot number of another product", NULL, "POST", "/api/v1/lots",
         "{\"product_id\":\"{other}\",\"lot_number\":\"DUP-1\",\"expiry\":\"2099-12-31\","
         "\"received_on\":\"2026-01-01\",\"quantity\":2}",
         422, "unprocessable", "lot_number", NULL},
        {"unknown product", NULL, "POST", "/api/v1/lots",
         "{\"product_id\":\"0123456789abcdef0123456789abcdef\",\"lot_number\":\"U-1\","
         "\"expiry\":\"2099-12-31\",\"received_on\":\"2026-01-01\",\"quantity\":2}",
         422, "unprocessable", "product_id", NULL},
        {"quantity set by a correction", NULL, "PUT", "/api/v1/lots/{lot}",
         "{\"quantity\":40,\"reason\":\"more\"}", 400, "invalid", "quantity", NULL},
        {"wasting more than on hand", NULL, "POST", "/api/v1/lots/{lot}/movements",
         "{\"kind\":\"wasted\",\"quantity\":5,\"reason\":\"dropped\"}", 422, "unprocessable",
         "quantity", NULL},
        {"a movement without reason", NULL, "POST", "/api/v1/lots/{lot}/movements",
         "{\"kind\":\"wasted\",\"quantity\":1}", 400, "invalid", "reason", NULL},
        {"a used movement by hand", NULL, "POST", "/api/v1/lots/{lot}/movements",
         "{\"kind\":\"used\",\"quantity\":1,\"reason\":\"x\"}", 422, "unprocessable", "kind", NULL},
        {"a vial of a single-dose lot", NULL, "POST", "/api/v1/lots/{lot}/vials", NULL, 422,
         "unprocessable", "lot_id", NULL},
    };
    api_case c[sizeof cases / sizeof cases[0]];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        c[i] = cases[i];
        c[i].token = api.practitioner;
    }
    api_run_cases(c, sizeof c / sizeof c[0], vars, sizeof vars / sizeof vars[0]);
    /* Nothing partial: one lot, its one movement. */
    json_t *lots = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/lots");
    assert_int_equal(api_count_items(lots, "lot_number", "DUP-1"), 1);
    json_decref(lots);
    lots = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/lots?product_id=%s", prod);
    assert_int_equal(json_array_size(json_object_get(lots, "items")), 1);
    assert_int_equal(api_int(json_array_get(json_object_get(lots, "items"), 0), "on_hand"), 4);
    json_decref(lots);
    lots = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/lots?lot_number=DUP-1");
    assert_int_equal(json_array_size(json_object_get(lots, "items")), 1);
    assert_string_equal(api_str(json_array_get(json_object_get(lots, "items"), 0), "id"), lot);
    json_decref(lots);
    lots = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/lots?product_id=%s", other);
    assert_int_equal(json_array_size(json_object_get(lots, "items")), 0);
    json_decref(lots);
    assert_int_equal(on_hand(lot), 4);
    json_t *mv = api_ok(api.practitioner, "POST",
                        "{\"kind\":\"wasted\",\"quantity\":1,\"reason\":\"cracked ampoule\"}", 201,
                        "/api/v1/lots/%s/movements", lot);
    assert_int_equal(api_int(mv, "on_hand"), 3);
    json_decref(mv);
    mv = api_ok(api.practitioner, "POST",
                "{\"kind\":\"adjusted\",\"quantity\":-1,\"reason\":\"count at inventory\"}", 201,
                "/api/v1/lots/%s/movements", lot);
    json_decref(mv);
    assert_int_equal(on_hand(lot), 2);
}

typedef struct doser {
    pthread_t thread;
    const char *pid, *lot;
    int n, created, refused, other;
} doser;

static void *give_doses(void *arg)
{
    doser *d = arg;
    char path[128];
    snprintf(path, sizeof path, "/api/v1/patients/%s/administrations", d->pid);
    char body[256];
    snprintf(body, sizeof body,
             "{\"lot_id\":\"%s\",\"volume_ml\":0.5,\"route\":\"intradermal\","
             "\"context\":\"session\"}",
             d->lot);
    CURL *h = curl_easy_init();
    for (int i = 0; i < d->n; i++) {
        api_req q = {"POST", path, api.practitioner, body, 0, 0, NULL};
        api_res r;
        api_send(h, &q, &r);
        if (r.status == 201)
            d->created++;
        else if (r.status == 409)
            d->refused++;
        else
            d->other++;
        api_res_free(&r);
    }
    curl_easy_cleanup(h);
    return NULL;
}

/* 8 clients give 48 doses from a lot of 30: exactly 30 are recorded, the rest refused,
 * and the ledger sums to zero. */
static void concurrent_doses_never_oversell(void **state)
{
    (void)state;
    char prod[MD_ID_STR], lot[MD_ID_STR], pid[MD_ID_STR];
    new_product("single_dose", "1", prod);
    new_lot(prod, "2099-12-31", 30, lot);
    new_patient(pid);
    doser d[8];
    for (int t = 0; t < 8; t++) {
        d[t] = (doser){.pid = pid, .lot = lot, .n = 6};
        assert_int_equal(pthread_create(&d[t].thread, NULL, give_doses, &d[t]), 0);
    }
    int created = 0, refused = 0, other = 0;
    for (int t = 0; t < 8; t++) {
        pthread_join(d[t].thread, NULL);
        created += d[t].created, refused += d[t].refused, other += d[t].other;
    }
    assert_int_equal(other, 0);
    assert_int_equal(created, 30);
    assert_int_equal(refused, 18);
    assert_int_equal(on_hand(lot), 0);
    assert_int_equal(administrations(pid), 30);
    json_t *m = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/lots/%s/movements", lot);
    assert_int_equal(api_count_items(m, "kind", "used"), 30);
    json_decref(m);
}

static void a_dose_is_refused_with_its_reason(void **state)
{
    (void)state;
    char prod[MD_ID_STR], lot[MD_ID_STR], old[MD_ID_STR], pid[MD_ID_STR];
    new_product("single_dose", "2", prod);
    new_lot(prod, "2099-12-31", 5, lot);
    new_lot(prod, "2026-01-31", 5, old);
    new_patient(pid);
    const char *msg =
        api_err(api.practitioner, "POST", "{\"lot_id\":\"0123456789abcdef0123456789abcdef\"}", 400,
                "invalid", "volume_ml", "/api/v1/patients/%s/administrations", pid);
    (void)msg;
    char body[512];
    snprintf(body, sizeof body,
             "{\"lot_id\":\"%s\",\"volume_ml\":2.5,\"route\":\"intradermal\","
             "\"context\":\"session\"}",
             lot);
    api_err(api.practitioner, "POST", body, 422, "unprocessable", "volume_ml",
            "/api/v1/patients/%s/administrations", pid);
    snprintf(body, sizeof body,
             "{\"lot_id\":\"%s\",\"volume_ml\":-1,\"route\":\"intradermal\","
             "\"context\":\"session\"}",
             lot);
    api_err(api.practitioner, "POST", body, 422, "unprocessable", "volume_ml",
            "/api/v1/patients/%s/administrations", pid);
    snprintf(body, sizeof body,
             "{\"lot_id\":\"%s\",\"volume_ml\":1,\"route\":\"intradermal\","
             "\"context\":\"session\"}",
             old);
    msg = api_err(api.practitioner, "POST", body, 409, "conflict", "lot_id",
                  "/api/v1/patients/%s/administrations", pid);
    assert_non_null(strstr(msg, "expired on 2026-01-31"));
    snprintf(body, sizeof body,
             "{\"lot_id\":\"%s\",\"volume_ml\":1,\"route\":\"intradermal\","
             "\"context\":\"patch_test\",\"area\":\"arm\"}",
             lot);
    json_t *a =
        api_ok(api.practitioner, "POST", body, 201, "/api/v1/patients/%s/administrations", pid);
    assert_string_equal(api_str(a, "given_by"), api.practitioner_id);
    assert_string_equal(api_str(a, "product_id"), prod);
    char aid[MD_ID_STR];
    md_strlcpy(aid, api_str(a, "id"), MD_ID_STR);
    json_decref(a);
    assert_int_equal(on_hand(lot), 4);
    /* The recall: who, when, why; then any use is refused with the reason. */
    api_err(api.practitioner, "POST", "{\"reason\":\"sterility\"}", 400, "invalid", "date",
            "/api/v1/lots/%s/recall", lot);
    api_err(api.reception, "POST", "{\"reason\":\"x\",\"date\":\"2026-03-01\"}", 403, "forbidden",
            NULL, "/api/v1/lots/%s/recall", lot);
    json_t *r = api_ok(api.practitioner, "POST",
                       "{\"reason\":\"manufacturer notice 26-114: endotoxin\",\"date\":"
                       "\"2026-03-01\"}",
                       200, "/api/v1/lots/%s/recall", lot);
    assert_string_equal(api_str(r, "status"), "recalled");
    assert_string_equal(api_str(r, "recorded_by"), api.practitioner_id);
    assert_string_equal(api_str(r, "recalled_on"), "2026-03-01");
    json_decref(r);
    assert_int_equal(on_hand(lot), 0);
    msg = api_err(api.practitioner, "POST", body, 409, "conflict", "lot_id",
                  "/api/v1/patients/%s/administrations", pid);
    assert_non_null(strstr(msg, "endotoxin"));
    api_err(api.practitioner, "POST", "{\"reason\":\"again\",\"date\":\"2026-03-02\"}", 409,
            "conflict", "id", "/api/v1/lots/%s/recall", lot);
    assert_int_equal(administrations(pid), 1);
    /* The entered-in-error dose came back before the recall took what was on hand: the
     * container returns to the ledger, the lot stays unusable. */
    json_t *e = api_ok(api.practitioner, "POST", "{\"reason\":\"charted on the wrong patient\"}",
                       200, "/api/v1/patients/%s/administrations/%s/entered-in-error", pid, aid);
    assert_string_equal(api_str(e, "status"), "entered_in_error");
    json_decref(e);
    assert_int_equal(on_hand(lot), 1);
    assert_int_equal(administrations(pid), 0);
}

static void a_vial_is_drawn_until_it_cannot_be(void **state)
{
    (void)state;
    char prod[MD_ID_STR], lot[MD_ID_STR], pid[MD_ID_STR], vial[MD_ID_STR];
    new_product("multi_dose", "10", prod);
    new_lot(prod, "2099-12-31", 2, lot);
    new_patient(pid);
    json_t *v = api_ok(api.practitioner, "POST", NULL, 201, "/api/v1/lots/%s/vials", lot);
    md_strlcpy(vial, api_str(v, "id"), MD_ID_STR);
    json_t *bu = json_object_get(v, "beyond_use");
    assert_int_equal(api_int(bu, "hours"), 672);
    assert_true(json_array_size(json_object_get(bu, "sources")) >= 1);
    assert_int_equal(api_int(v, "remaining_ml"), 10);
    assert_string_equal(api_str(v, "opened_by"), api.practitioner_id);
    assert_true(json_is_true(json_object_get(v, "usable")));
    json_decref(v);
    assert_int_equal(on_hand(lot), 1); /* the vial's container left the lot */
    char body[512];
    snprintf(body, sizeof body,
             "{\"lot_id\":\"%s\",\"volume_ml\":1,\"route\":\"intradermal\",\"context\":"
             "\"session\"}",
             lot);
    api_err(api.practitioner, "POST", body, 400, "invalid", "vial_id",
            "/api/v1/patients/%s/administrations", pid);
    for (int i = 0; i < 3; i++) {
        snprintf(body, sizeof body,
                 "{\"lot_id\":\"%s\",\"vial_id\":\"%s\",\"volume_ml\":2.75,\"route\":"
                 "\"intradermal\",\"context\":\"session\"}",
                 lot, vial);
        json_decref(api_ok(api.practitioner, "POST", body, 201,
                           "/api/v1/patients/%s/administrations", pid));
    }
    v = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/vials/%s", vial);
    assert_true(json_real_value(json_object_get(v, "remaining_ml")) == 1.75);
    json_decref(v);
    const char *msg = api_err(api.practitioner, "POST", body, 422, "unprocessable", "volume_ml",
                              "/api/v1/patients/%s/administrations", pid);
    assert_non_null(strstr(msg, "1.750 ml left"));
    assert_int_equal(administrations(pid), 3);
    /* Past its beyond-use time the vial cannot be drawn from. */
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE vials SET beyond_use_at = '2026-01-01T00:00:00Z' WHERE id = '%s'", vial);
    api_db_exec(sql);
    snprintf(body, sizeof body,
             "{\"lot_id\":\"%s\",\"vial_id\":\"%s\",\"volume_ml\":0.5,\"route\":"
             "\"intradermal\",\"context\":\"session\"}",
             lot, vial);
    msg = api_err(api.practitioner, "POST", body, 409, "conflict", "vial_id",
                  "/api/v1/patients/%s/administrations", pid);
    assert_non_null(strstr(msg, "beyond-use"));
    assert_int_equal(administrations(pid), 3);
    /* ... and the worklist of aging vials shows it. */
    json_t *w = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/stock/vials-aging");
    assert_int_equal(api_count_items(w, "id", vial), 1);
    json_decref(w);
    json_t *d = api_ok(api.practitioner, "POST", "{\"reason\":\"past its beyond-use time\"}", 200,
                       "/api/v1/vials/%s/discard", vial);
    assert_string_equal(api_str(d, "status"), "discarded");
    json_decref(d);
    w = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/stock/vials-aging");
    assert_int_equal(api_count_items(w, "id", vial), 0);
    json_decref(w);
}

static void worklists_and_availability(void **state)
{
    (void)state;
    char prod[MD_ID_STR], soon[MD_ID_STR], late[MD_ID_STR];
    new_product("single_dose", "2", prod); /* low_stock 2 */
    char today[MD_DATE_STR], in10[MD_DATE_STR];
    md_date_format(md_today_utc(), today);
    md_date_format(md_today_utc() + 10, in10);
    new_lot(prod, in10, 1, soon);
    new_lot(prod, "2099-12-31", 1, late);
    json_t *e = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/stock/expiring");
    assert_int_equal(api_count_items(e, "id", soon), 1);
    assert_int_equal(api_count_items(e, "id", late), 0);
    json_decref(e);
    json_t *low = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/stock/low");
    size_t i;
    json_t *it;
    int found = 0;
    json_array_foreach(json_object_get(low, "items"), i, it)
    {
        if (strcmp(api_str(json_object_get(it, "product"), "id"), prod) != 0) continue;
        found = 1;
        assert_int_equal(api_int(it, "on_hand"), 2);
        assert_int_equal(api_int(it, "threshold"), 2);
    }
    assert_true(found);
    json_decref(low);
    json_t *av = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/stock/available?on=%s", in10);
    found = 0;
    json_array_foreach(json_object_get(av, "items"), i, it)
    {
        if (strcmp(api_str(json_object_get(it, "product"), "id"), prod) != 0) continue;
        found = 1;
        assert_int_equal(json_array_size(json_object_get(it, "lots")), 2);
    }
    assert_true(found);
    json_decref(av);
    api_err(api.practitioner, "GET", NULL, 422, "unprocessable", "on",
            "/api/v1/stock/available?on=2026-02-30");
    api_err(api.reception, "POST", "{}", 403, "forbidden", NULL, "/api/v1/products");
    api_err(api.reception, "GET", NULL, 403, "forbidden", NULL, "/api/v1/stock/available");
    json_decref(api_ok(api.reception, "GET", NULL, 200, "/api/v1/stock/low"));
    api_err(api.other_admin, "GET", NULL, 404, "not_found", "id", "/api/v1/lots/%s", soon);
    json_t *others = api_ok(api.other_admin, "GET", NULL, 200, "/api/v1/stock/expiring");
    assert_int_equal(api_count_items(others, "id", soon), 0);
    json_decref(others);
}

static void consumables_are_single_use_kinds_of_the_kb(void **state)
{
    (void)state;
    json_t *c = api_ok(api.practitioner, "POST",
                       "{\"kind\":\"needle\",\"name\":\"30G 4 mm\",\"gauge\":30,"
                       "\"length_mm\":4}",
                       201, "/api/v1/consumables");
    assert_int_equal(api_int(c, "gauge"), 30);
    assert_int_equal(api_int(c, "length_mm"), 4);
    json_decref(c);
    c = api_ok(api.practitioner, "POST",
               "{\"kind\":\"multi_injector_head\",\"name\":\"9-pin head\",\"pins\":9,"
               "\"length_mm\":1.5}",
               201, "/api/v1/consumables");
    assert_true(json_real_value(json_object_get(c, "length_mm")) == 1.5);
    json_decref(c);
    api_err(api.practitioner, "POST", "{\"kind\":\"scalpel\",\"name\":\"x\"}", 422, "unprocessable",
            "kind", "/api/v1/consumables");
    api_err(api.practitioner, "POST", "{\"kind\":\"needle\",\"name\":\"x\",\"gauge\":0}", 422,
            "unprocessable", "gauge", "/api/v1/consumables");
    json_t *l = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/consumables");
    assert_int_equal(api_count_items(l, "name", "9-pin head"), 1);
    assert_int_equal(api_count_items(l, "name", "x"), 0);
    json_decref(l);
}

static void administrations_are_clinical_records(void **state)
{
    (void)state;
    char prod[MD_ID_STR], lot[MD_ID_STR], pid[MD_ID_STR];
    new_product("single_dose", "2", prod);
    new_lot(prod, "2099-12-31", 3, lot);
    new_patient(pid);
    char body[512];
    snprintf(body, sizeof body,
             "{\"lot_id\":\"%s\",\"volume_ml\":1,\"route\":\"intradermal\",\"context\":"
             "\"session\"}",
             lot);
    api_err(api.reception, "POST", body, 403, "forbidden", NULL,
            "/api/v1/patients/%s/administrations", pid);
    api_err(api.auditor, "POST", body, 403, "forbidden", NULL,
            "/api/v1/patients/%s/administrations", pid);
    json_t *a =
        api_ok(api.practitioner, "POST", body, 201, "/api/v1/patients/%s/administrations", pid);
    char aid[MD_ID_STR];
    md_strlcpy(aid, api_str(a, "id"), MD_ID_STR);
    json_decref(a);
    api_err(api.reception, "GET", NULL, 403, "forbidden", NULL,
            "/api/v1/patients/%s/administrations", pid);
    json_t *one =
        api_ok(api.auditor, "GET", NULL, 200, "/api/v1/patients/%s/administrations/%s", pid, aid);
    assert_string_equal(api_str(one, "lot_id"), lot);
    json_decref(one);
    api_err(api.practitioner, "PUT", "{\"lot_id\":\"x\",\"reason\":\"y\"}", 422, "unprocessable",
            "lot_id", "/api/v1/patients/%s/administrations/%s", pid, aid);
    json_t *v2 = api_ok(api.practitioner, "PATCH",
                        "{\"route\":\"subcutaneous\",\"reason\":\"charted the wrong route\"}", 200,
                        "/api/v1/patients/%s/administrations/%s", pid, aid);
    assert_int_equal(api_int(v2, "version"), 2);
    json_decref(v2);
    json_t *h = api_ok(api.auditor, "GET", NULL, 200,
                       "/api/v1/patients/%s/administrations/%s/history", pid, aid);
    assert_int_equal(json_array_size(json_object_get(h, "versions")), 2);
    json_decref(h);
    assert_int_equal(on_hand(lot), 2);
    /* The patient's trail has the dose's write and reads. */
    json_t *t = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/audit?patient_id=%s", pid);
    assert_true(api_count_items(t, "object_type", "administration") >= 3);
    json_decref(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(catalogue_and_lots_name_bad_fields),
        cmocka_unit_test(concurrent_doses_never_oversell),
        cmocka_unit_test(a_dose_is_refused_with_its_reason),
        cmocka_unit_test(a_vial_is_drawn_until_it_cannot_be),
        cmocka_unit_test(worklists_and_availability),
        cmocka_unit_test(consumables_are_single_use_kinds_of_the_kb),
        cmocka_unit_test(administrations_are_clinical_records),
    };
    return cmocka_run_group_tests_name("api.stock", tests, api_setup, api_teardown);
}
