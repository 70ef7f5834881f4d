/*
 * h_stock.c - the catalogue (products, consumables), lots and their movements, vials,
 * the recall mark, administrations and the stock worklists (docs/STOCK.md).  Thin: the
 * decisions are the core library's (stock.h); clinic-level records use the generic
 * record handlers with their kind in the route.
 */
#include "server.h"

#include "mesodesk/stock.h"

#include <string.h>

/* ?on=YYYY-MM-DD (default today, UTC) */
static md_code day_param(md_req *r, md_day *on, md_err *err)
{
    const char *s = md_req_query(r, "on");
    *on = md_today_utc();
    if (s && md_date_parse(s, on) != 0)
        return md_err_set(err, MD_EUNPROCESSABLE, "on", "on must be a date YYYY-MM-DD");
    return MD_OK;
}

static md_code h_available(md_req *r, md_err *err)
{
    md_day on;
    md_code rc = day_param(r, &on, err);
    return rc == MD_OK ? md_stock_available(&r->ctx, on, &r->resp, err) : rc;
}

static md_code h_low(md_req *r, md_err *err)
{
    md_day on;
    md_code rc = day_param(r, &on, err);
    return rc == MD_OK ? md_stock_low(&r->ctx, on, &r->resp, err) : rc;
}

static md_code h_expiring(md_req *r, md_err *err)
{
    md_day on;
    long days = 30;
    md_code rc = day_param(r, &on, err);
    if (rc == MD_OK) rc = md_req_query_int(r, "days", 30, 0, 3650, &days, err);
    return rc == MD_OK ? md_stock_expiring(&r->ctx, on, (int)days, &r->resp, err) : rc;
}

static md_code h_vials_aging(md_req *r, md_err *err)
{
    return md_stock_vials_aging(&r->ctx, md_now(), &r->resp, err);
}

/* A POST whose success is 201 Created. */
#define CREATED(name, call)                                                                        \
    static md_code name##_body(md_req *r, json_t *body, md_err *err)                               \
    {                                                                                              \
        md_code rc = (call);                                                                       \
        if (rc == MD_OK) r->status = 201;                                                          \
        return rc;                                                                                 \
    }                                                                                              \
    static md_code name(md_req *r, md_err *err)                                                    \
    {                                                                                              \
        return md_req_with_body(r, name##_body, err);                                              \
    }

/* A POST or PUT answering 200. */
#define WITH_BODY(name, call)                                                                      \
    static md_code name##_body(md_req *r, json_t *body, md_err *err)                               \
    {                                                                                              \
        return (call);                                                                             \
    }                                                                                              \
    static md_code name(md_req *r, md_err *err)                                                    \
    {                                                                                              \
        return md_req_with_body(r, name##_body, err);                                              \
    }

CREATED(h_lot_create, md_lot_create(&r->ctx, body, &r->resp, err))
WITH_BODY(h_lot_update, md_lot_update(&r->ctx, r->params[0], body, &r->resp, err))
WITH_BODY(h_lot_recall, md_lot_recall(&r->ctx, r->params[0], body, &r->resp, err))
CREATED(h_movement_create, md_lot_movement(&r->ctx, r->params[0], body, &r->resp, err))
WITH_BODY(h_vial_discard, md_vial_discard(&r->ctx, r->params[0], body, &r->resp, err))
CREATED(h_admin_create, md_administration_create(&r->ctx, r->params[0], body, &r->resp, err))
WITH_BODY(h_admin_update,
          md_administration_update(&r->ctx, r->params[0], r->params[1], body, &r->resp, err))
WITH_BODY(h_admin_eie, md_administration_entered_in_error(&r->ctx, r->params[0], r->params[1], body,
                                                          &r->resp, err))

/* ?product_id=ID&lot_number=TEXT&include=all */
static md_code h_lots(md_req *r, md_err *err)
{
    const char *inc = md_req_query(r, "include");
    return md_lot_list(&r->ctx, md_req_query(r, "product_id"), md_req_query(r, "lot_number"),
                       inc && strcmp(inc, "all") == 0, &r->resp, err);
}

static md_code h_lot_get(md_req *r, md_err *err)
{
    return md_lot_get(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_movements(md_req *r, md_err *err)
{
    return md_lot_movements(&r->ctx, r->params[0], &r->resp, err);
}

static md_code open_vial(md_req *r, json_t *body, md_err *err)
{
    md_code rc = md_vial_open(&r->ctx, r->params[0], body, &r->resp, err);
    if (rc == MD_OK) r->status = 201;
    return rc;
}

/* The body is optional: {} or none opens the vial now. */
static md_code h_vial_open(md_req *r, md_err *err)
{
    if (r->body_len == 0) return open_vial(r, NULL, err);
    return md_req_with_body(r, open_vial, err);
}

static md_code h_vial_get(md_req *r, md_err *err)
{
    return md_vial_get(&r->ctx, r->params[0], &r->resp, err);
}

#define PRODUCT &md_kind_product
#define CONSUMABLE &md_kind_consumable
#define LOT &md_kind_lot
#define VIAL &md_kind_vial
#define ADMIN &md_kind_administration
#define A MD_ROUTE_AUTHED

static const md_route routes[] = {
    {"GET", "/api/v1/products", md_h_record_list, A, PRODUCT, MD_OP_NONE},
    {"POST", "/api/v1/products", md_h_record_create, A, PRODUCT, MD_OP_NONE},
    {"GET", "/api/v1/products/{}", md_h_record_get, A, PRODUCT, MD_OP_NONE},
    {"PUT", "/api/v1/products/{}", md_h_record_update, A, PRODUCT, MD_OP_NONE},
    {"GET", "/api/v1/products/{}/history", md_h_record_history, A, PRODUCT, MD_OP_NONE},
    {"POST", "/api/v1/products/{}/entered-in-error", md_h_record_entered_in_error, A, PRODUCT,
     MD_OP_NONE},
    {"GET", "/api/v1/consumables", md_h_record_list, A, CONSUMABLE, MD_OP_NONE},
    {"POST", "/api/v1/consumables", md_h_record_create, A, CONSUMABLE, MD_OP_NONE},
    {"GET", "/api/v1/consumables/{}", md_h_record_get, A, CONSUMABLE, MD_OP_NONE},
    {"PUT", "/api/v1/consumables/{}", md_h_record_update, A, CONSUMABLE, MD_OP_NONE},
    {"GET", "/api/v1/consumables/{}/history", md_h_record_history, A, CONSUMABLE, MD_OP_NONE},
    {"GET", "/api/v1/lots", h_lots, A, NULL, MD_OP_NONE},
    {"POST", "/api/v1/lots", h_lot_create, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/lots/{}", h_lot_get, A, NULL, MD_OP_NONE},
    {"PUT", "/api/v1/lots/{}", h_lot_update, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/lots/{}/history", md_h_record_history, A, LOT, MD_OP_NONE},
    {"POST", "/api/v1/lots/{}/entered-in-error", md_h_record_entered_in_error, A, LOT, MD_OP_NONE},
    {"POST", "/api/v1/lots/{}/recall", h_lot_recall, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/lots/{}/movements", h_movements, A, NULL, MD_OP_NONE},
    {"POST", "/api/v1/lots/{}/movements", h_movement_create, A, NULL, MD_OP_NONE},
    {"POST", "/api/v1/lots/{}/vials", h_vial_open, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/vials/{}", h_vial_get, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/vials/{}/history", md_h_record_history, A, VIAL, MD_OP_NONE},
    {"POST", "/api/v1/vials/{}/discard", h_vial_discard, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/stock/available", h_available, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/stock/low", h_low, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/stock/expiring", h_expiring, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/stock/vials-aging", h_vials_aging, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/patients/{}/administrations", md_h_record_list, A, ADMIN, MD_OP_LIST},
    {"POST", "/api/v1/patients/{}/administrations", h_admin_create, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/patients/{}/administrations/{}", md_h_record_get, A, ADMIN, MD_OP_GET},
    {"PUT", "/api/v1/patients/{}/administrations/{}", h_admin_update, A, NULL, MD_OP_NONE},
    {"PATCH", "/api/v1/patients/{}/administrations/{}", h_admin_update, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/patients/{}/administrations/{}/history", md_h_record_history, A, ADMIN,
     MD_OP_HISTORY},
    {"POST", "/api/v1/patients/{}/administrations/{}/entered-in-error", h_admin_eie, A, NULL,
     MD_OP_NONE},
};

const md_route_table md_routes_stock = MD_ROUTE_TABLE("stock", routes);
