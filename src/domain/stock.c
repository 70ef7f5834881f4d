/*
 * stock.c - lots, stock movements, multi-dose vials, the recall mark, what is available
 * and the worklists (stock.h).
 *
 * A lot (clinic-level versioned record):
 *
 *   (received) --create--> ACTIVE --recall {reason, date}--> RECALLED  (final: never used)
 *                           |  \--entered in error--> ENTERED_IN_ERROR (final)
 *                           |  corrections (lot number, dates, supplier): new versions
 *   usable on day D  <=>  ACTIVE, expiry >= D, product active, and something left: a
 *   container on hand (single dose) or an open vial still usable (multi dose).
 *   A lot may be of a consumable instead of a product (product_id names it: a box of
 *   needles, whose lot number a session records): it is received, moved, recalled and
 *   checked like any lot (presentation "consumable"), and no dose is ever drawn from it.
 *
 * Its quantity on hand (containers) is always the sum of its movements: received +q at
 * creation, used -1 per single-dose administration or vial opened, wasted / returned -q,
 * adjusted +/-q (reason), recalled -(on hand) at the recall, adjusted +1 when a single-dose
 * administration is entered in error.  It never goes below zero.
 *
 * A vial (clinic-level versioned record, under its lot):
 *
 *   --open--> OPEN --discard {reason}--> DISCARDED (final)
 *   drawable at time T  <=>  OPEN, T < beyond_use_at, the lot not recalled and T's day not
 *   past its expiry, and the dose <= what remains (volume less the sum of its draws).
 *   beyond_use_at = opened_at + the product's own hours, or the kb's (kb/stock.json
 *   beyond_use: 28 days after first puncture, CDC / USP <797>), named in every answer.
 *
 * Concurrency: every change happens inside one write transaction (md_write_begin, or the
 * record engine's), and write transactions are serialised per database on both backends
 * (store.h), so the sum read before a movement is the sum the movement extends: concurrent
 * doses never oversell.
 */
#include "mesodesk/stock.h"
#include "mesodesk/audit.h"
#include "mesodesk/commit.h"
#include "mesodesk/validate.h"
#include "record_int.h"
#include "stock_int.h"

#include <stdio.h>
#include <string.h>

/*
 * What is on hand and what a vial gave, in SQL: the balance row when the lot (vial) has one,
 * else the sum of its ledger.  md__movement_insert / md__draw_insert move the balance with
 * each row they write, and make it from the ledger's sum the first time; a bulk load that
 * writes the ledger of new lots directly (mesodesk gen) is read through the sum until then.
 */
#define ON_HAND_OF(l)                                                                              \
    "coalesce((SELECT b.on_hand FROM lot_balances b WHERE b.clinic_id = " l ".clinic_id AND "      \
    "b.lot_id = " l ".id), (SELECT sum(m.quantity) FROM stock_movements m WHERE m.clinic_id = " l  \
    ".clinic_id AND m.lot_id = " l ".id), 0)"
#define DRAWN_OF(v)                                                                                \
    "coalesce((SELECT d.drawn_ul FROM vial_drawn d WHERE d.clinic_id = " v ".clinic_id AND "       \
    "d.vial_id = " v ".id), (SELECT sum(w.volume_ul) FROM vial_draws w WHERE w.clinic_id = " v     \
    ".clinic_id AND w.vial_id = " v ".id), 0)"

/* ---- loading ---- */

static void copy_col(char *dst, size_t sz, const md_row *r, int i)
{
    md_strlcpy(dst, md_row_is_null(r, i) ? "" : md_row_text(r, i), sz);
}

static int lot_row(void *vl, const md_row *r)
{
    md__lot *l = vl;
    copy_col(l->id, sizeof l->id, r, 0);
    copy_col(l->product_id, sizeof l->product_id, r, 1);
    copy_col(l->lot_number, sizeof l->lot_number, r, 2);
    copy_col(l->expiry, sizeof l->expiry, r, 3);
    copy_col(l->status, sizeof l->status, r, 4);
    copy_col(l->recall_reason, sizeof l->recall_reason, r, 5);
    copy_col(l->recalled_on, sizeof l->recalled_on, r, 6);
    copy_col(l->recalled_at, sizeof l->recalled_at, r, 12);
    copy_col(l->presentation, sizeof l->presentation, r, 7);
    copy_col(l->product_status, sizeof l->product_status, r, 8);
    l->volume_ul = md_row_int(r, 9);
    l->beyond_use_hours = md_row_is_null(r, 10) ? 0 : md_row_int(r, 10);
    l->low_stock = md_row_is_null(r, 11) ? -1 : md_row_int(r, 11);
    return 1;
}

md_code md__lot_load(md_ctx *ctx, const char *id, const char *field, md__lot *lot, md_err *err)
{
    memset(lot, 0, sizeof *lot);
    if (!id || !md_id_valid(id)) return md_err_set(err, MD_ENOTFOUND, field, "no such lot");
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    md_code rc = md_store_exec(
        ctx->db,
        "SELECT l.id, l.product_id, l.lot_number, l.expiry, l.status, l.recall_reason, "
        "l.recalled_on, coalesce(p.presentation, 'consumable'), coalesce(p.status, c.status), "
        "coalesce(p.volume_ml, 0), p.beyond_use_hours, p.low_stock, l.recalled_at "
        "FROM lots l LEFT JOIN products p ON p.clinic_id = l.clinic_id AND p.id = l.product_id "
        "AND p.current = 1 LEFT JOIN consumables c ON c.clinic_id = l.clinic_id AND "
        "c.id = l.product_id AND c.current = 1 WHERE l.clinic_id = $1 AND l.id = $2 AND "
        "l.current = 1 AND (p.id IS NOT NULL OR c.id IS NOT NULL)",
        v, 2, lot_row, lot, err);
    if (rc == MD_OK && !lot->id[0]) rc = md_err_set(err, MD_ENOTFOUND, field, "no such lot");
    return rc;
}

md_code md__lot_usable(const md__lot *lot, int64_t t, const char *field, md_err *err)
{
    md_day exp;
    int64_t recalled = 0;
    if (strcmp(lot->status, "recalled") == 0 &&
        (md_time_parse(lot->recalled_at, &recalled) != 0 || t >= recalled))
        return md_err_set(err, MD_ECONFLICT, field, "lot %s was recalled on %s: %s",
                          lot->lot_number, lot->recalled_on, lot->recall_reason);
    if (strcmp(lot->status, "active") != 0 && strcmp(lot->status, "recalled") != 0)
        return md_err_set(err, MD_ECONFLICT, field, "lot %s was entered in error", lot->lot_number);
    if (md_date_parse(lot->expiry, &exp) != 0 || exp < (md_day)(t / 86400))
        return md_err_set(err, MD_ECONFLICT, field, "lot %s expired on %s", lot->lot_number,
                          lot->expiry);
    if (strcmp(lot->product_status, "active") != 0)
        return md_err_set(err, MD_ECONFLICT, field, "the product of lot %s is %s", lot->lot_number,
                          lot->product_status);
    return MD_OK;
}

md_code md__movement_insert(md_ctx *ctx, const char *lot_id, const char *kind, int64_t quantity,
                            const char *reason, const char *administration_id, const char *vial_id,
                            md_err *err)
{
    char id[MD_ID_STR], now[MD_TIME_STR];
    md_id_new(id);
    md_time_format(md_now(), now);
    md_val v[] = {md_text(ctx->who.clinic_id),
                  md_text(id),
                  md_text(lot_id),
                  md_text(kind),
                  md_int(quantity),
                  md_text(reason),
                  md_text(administration_id),
                  md_text(vial_id),
                  md_text(md_actor_id(ctx)),
                  md_text(now)};
    md_code rc =
        md_store_exec(ctx->db,
                      "INSERT INTO stock_movements (clinic_id, id, lot_id, kind, quantity, "
                      "reason, administration_id, vial_id, recorded_by, recorded_at) "
                      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                      v, 10, NULL, NULL, err);
    md_val b[] = {md_text(ctx->who.clinic_id), md_text(lot_id), md_int(quantity)};
    if (rc == MD_OK)
        rc = md_store_exec(ctx->db,
                           "UPDATE lot_balances SET on_hand = on_hand + $3 WHERE clinic_id = $1 "
                           "AND lot_id = $2",
                           b, 3, NULL, NULL, err);
    if (rc == MD_OK && md_store_changes(ctx->db) == 0) /* the ledger's sum, this row included */
        rc = md_store_exec(ctx->db,
                           "INSERT INTO lot_balances (clinic_id, lot_id, on_hand) SELECT "
                           "CAST($1 AS TEXT), CAST($2 AS TEXT), coalesce(sum(quantity), 0) FROM "
                           "stock_movements WHERE clinic_id = $1 AND lot_id = $2",
                           b, 2, NULL, NULL, err);
    return rc;
}

md_code md_lot_on_hand(md_ctx *ctx, const char *lot_id, int64_t *out, md_err *err)
{
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(lot_id)};
    return md_store_scalar_int(ctx->db,
                               "SELECT " ON_HAND_OF("l") " FROM lots l WHERE l.clinic_id = $1 AND "
                                                         "l.id = $2 AND l.current = 1",
                               v, 2, out, err);
}

static int vial_row(void *vv, const md_row *r)
{
    md__vial *v = vv;
    copy_col(v->id, sizeof v->id, r, 0);
    copy_col(v->lot_id, sizeof v->lot_id, r, 1);
    copy_col(v->status, sizeof v->status, r, 2);
    copy_col(v->opened_at, sizeof v->opened_at, r, 3);
    copy_col(v->beyond_use_at, sizeof v->beyond_use_at, r, 4);
    v->volume_ul = md_row_int(r, 5);
    v->remaining_ul = md_row_int(r, 6);
    return 1;
}

#define VIAL_COLS                                                                                  \
    "SELECT v.id, v.lot_id, v.status, v.opened_at, v.beyond_use_at, v.volume_ml, "                 \
    "v.volume_ml - " DRAWN_OF("v") " FROM vials v "

md_code md__vial_load(md_ctx *ctx, const char *id, const char *field, md__vial *vial, md_err *err)
{
    memset(vial, 0, sizeof *vial);
    if (!id || !md_id_valid(id)) return md_err_set(err, MD_ENOTFOUND, field, "no such vial");
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    md_code rc =
        md_store_exec(ctx->db, VIAL_COLS "WHERE v.clinic_id = $1 AND v.id = $2 AND v.current = 1",
                      v, 2, vial_row, vial, err);
    if (rc == MD_OK && !vial->id[0]) rc = md_err_set(err, MD_ENOTFOUND, field, "no such vial");
    return rc;
}

md_code md__vial_usable(const md__vial *v, int64_t t, const char *field, md_err *err)
{
    int64_t bud = 0, opened = 0;
    if (strcmp(v->status, "open") != 0)
        return md_err_set(err, MD_ECONFLICT, field, "the vial is %s", v->status);
    md_time_parse(v->opened_at, &opened);
    if (md_time_parse(v->beyond_use_at, &bud) != 0 || t >= bud)
        return md_err_set(err, MD_ECONFLICT, field, "the vial is past its beyond-use time (%s)",
                          v->beyond_use_at);
    if (t < opened)
        return md_err_set(err, MD_EUNPROCESSABLE, "given_at",
                          "the vial was opened at %s, after that time", v->opened_at);
    return MD_OK;
}

md_code md__draw_insert(md_ctx *ctx, const md__vial *vial, int64_t volume_ul,
                        const char *administration_id, md_err *err)
{
    char id[MD_ID_STR], now[MD_TIME_STR];
    md_id_new(id);
    md_time_format(md_now(), now);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id),       md_text(vial->id),
                  md_text(vial->lot_id),       md_int(volume_ul), md_text(administration_id),
                  md_text(md_actor_id(ctx)),   md_text(now)};
    md_code rc = md_store_exec(ctx->db,
                               "INSERT INTO vial_draws (clinic_id, id, vial_id, lot_id, volume_ul, "
                               "administration_id, recorded_by, recorded_at) VALUES ($1, $2, $3, "
                               "$4, $5, $6, $7, $8)",
                               v, 8, NULL, NULL, err);
    md_val b[] = {md_text(ctx->who.clinic_id), md_text(vial->id), md_int(volume_ul)};
    if (rc == MD_OK)
        rc = md_store_exec(ctx->db,
                           "UPDATE vial_drawn SET drawn_ul = drawn_ul + $3 WHERE clinic_id = $1 "
                           "AND vial_id = $2",
                           b, 3, NULL, NULL, err);
    if (rc == MD_OK && md_store_changes(ctx->db) == 0) /* the ledger's sum, this row included */
        rc = md_store_exec(ctx->db,
                           "INSERT INTO vial_drawn (clinic_id, vial_id, drawn_ul) SELECT "
                           "CAST($1 AS TEXT), CAST($2 AS TEXT), coalesce(sum(volume_ul), 0) FROM "
                           "vial_draws WHERE clinic_id = $1 AND vial_id = $2",
                           b, 2, NULL, NULL, err);
    return rc;
}

/* ---- lots ---- */

/* Expiry not before receipt; the product (or consumable: a lot of needles) exists and is not
 * entered in error. */
static md_code check_lot(md_ctx *ctx, json_t *rec, md_err *err)
{
    const char *exp = json_string_value(json_object_get(rec, "expiry"));
    const char *rec_on = json_string_value(json_object_get(rec, "received_on"));
    const char *product = json_string_value(json_object_get(rec, "product_id"));
    md_day e, r;
    if (exp && rec_on && md_date_parse(exp, &e) == 0 && md_date_parse(rec_on, &r) == 0 && e < r)
        return md_err_set(err, MD_EUNPROCESSABLE, "expiry",
                          "expiry %s is before the lot was received (%s)", exp, rec_on);
    if (!product) return MD_OK;
    json_t *p = NULL;
    md_err one;
    md_code rc = md__record_current(ctx, &md_kind_product, NULL, product, &p, &one);
    if (rc == MD_ENOTFOUND) /* a consumable's lot (needles): its lot number is traced too */
        rc = md__record_current(ctx, &md_kind_consumable, NULL, product, &p, &one);
    const char *status = json_string_value(json_object_get(p, "status"));
    if (rc == MD_ENOTFOUND || (rc == MD_OK && strcmp(status, "entered_in_error") == 0))
        rc = md_err_set(err, MD_EUNPROCESSABLE, "product_id", "no such product");
    else if (rc != MD_OK && err)
        *err = one;
    json_decref(p);
    return rc;
}

static const char *const lot_units[] = {"ampoule", "vial",   "syringe", "cartridge",
                                        "bottle",  "sachet", "tube",    NULL};
static const char *const lot_status[] = {"active", "recalled", "entered_in_error", NULL};

static const md_field lot_fields[] = {
    {.name = "product_id", .type = MD_F_TEXT, .required = 1, .max_len = 32},
    {.name = "lot_number", .type = MD_F_TEXT, .required = 1, .max_len = 64},
    {.name = "expiry", .type = MD_F_DATE, .required = 1, .doc = "usable through this day"},
    {.name = "received_on", .type = MD_F_DATE, .required = 1},
    {.name = "supplier", .type = MD_F_TEXT, .max_len = 200},
    {.name = "quantity",
     .type = MD_F_INT,
     .required = 1,
     .min = 1,
     .max = 1000000,
     .doc = "containers received (on hand: the sum of the lot's movements)"},
    {.name = "unit", .type = MD_F_ENUM, .required = 1, .values = lot_units, .dflt = "vial"},
    {.name = "status", .type = MD_F_ENUM, .required = 1, .values = lot_status, .dflt = "active"},
    {.name = "recall_reason", .type = MD_F_TEXT, .max_len = 1000},
    {.name = "recalled_on", .type = MD_F_DATE, .doc = "the date of the recall notice"},
    {.name = "recalled_at",
     .type = MD_F_TEXT,
     .max_len = 20,
     .doc = "when the recall was marked (UTC): doses given before it can still be charted"},
    {0},
};

const md_record_kind md_kind_lot = {
    .name = "lot",
    .table = "lots",
    .schema = "Lot",
    .title = "lots",
    .read_perm = MD_PERM_STOCK_READ,
    .write_perm = MD_PERM_STOCK_WRITE,
    .fields = lot_fields,
    .status_field = "status",
    .hooks = {.check = check_lot},
};

/* Row: a lot (id, product) holding a lot number. */
static int number_row(void *vctx, const md_row *r)
{
    char(*found)[MD_ID_STR] = vctx;
    md_strlcpy(found[0], md_row_text(r, 0), MD_ID_STR);
    md_strlcpy(found[1], md_row_text(r, 1), MD_ID_STR);
    return 1;
}

/* A lot number belongs to one lot: another product's lot -> 422, the same product's
 * (a second delivery of the lot) -> 409. self: the lot being corrected, or NULL. */
static md_code lot_number_free(md_ctx *ctx, const char *number, const char *product,
                               const char *self, md_err *err)
{
    char found[2][MD_ID_STR] = {"", ""};
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(number), md_text(self ? self : "")};
    md_code rc = md_store_exec(ctx->db,
                               "SELECT id, product_id FROM lots WHERE clinic_id = $1 AND "
                               "lot_number = $2 AND current = 1 AND status <> 'entered_in_error' "
                               "AND id <> $3 ORDER BY id",
                               v, 3, number_row, found, err);
    if (rc != MD_OK || !found[0][0]) return rc;
    if (strcmp(found[1], product) != 0)
        return md_err_set(err, MD_EUNPROCESSABLE, "lot_number",
                          "lot number %s is already used for another product (lot %s)", number,
                          found[0]);
    return md_err_set(err, MD_ECONFLICT, "lot_number",
                      "lot %s of this product was already received (lot %s): record a "
                      "received movement on it",
                      number, found[0]);
}

/* The lot's answer: the record with what is on hand and whether it is usable today. */
static md_code lot_decorate(md_ctx *ctx, json_t *lot, md_err *err)
{
    int64_t on_hand = 0;
    md__lot l;
    md_err why;
    const char *id = json_string_value(json_object_get(lot, "id"));
    md_code rc = md_lot_on_hand(ctx, id, &on_hand, err);
    if (rc == MD_OK) rc = md__lot_load(ctx, id, "id", &l, err);
    if (rc != MD_OK) return rc;
    md_err_clear(&why);
    int usable = md__lot_usable(&l, md_now(), "id", &why) == MD_OK;
    json_object_set_new(lot, "on_hand", json_integer(on_hand));
    json_object_set_new(lot, "usable", json_boolean(usable));
    if (!usable) json_object_set_new(lot, "unusable_reason", json_string(why.message));
    return MD_OK;
}

md_code md_lot_create(md_ctx *ctx, json_t *in, json_t **out, md_err *err)
{
    json_t *made = NULL;
    md_code rc = md_require(ctx, MD_PERM_STOCK_WRITE, err);
    if (rc == MD_OK && json_is_object(in)) {
        static const char *const managed[] = {"status", "recall_reason", "recalled_on",
                                              "recalled_at", NULL};
        for (int i = 0; managed[i] && rc == MD_OK; i++)
            if (json_object_get(in, managed[i]))
                rc = md_err_set(err, MD_EINVAL, managed[i],
                                "%s is set by a recall (POST /lots/{id}/recall)", managed[i]);
    }
    if (rc == MD_OK) rc = md_record_validate(ctx, &md_kind_lot, in, err);
    if (rc != MD_OK) return rc;
    if ((rc = md_write_begin(ctx, err)) != MD_OK) return rc;
    rc = lot_number_free(ctx, json_string_value(json_object_get(in, "lot_number")),
                         json_string_value(json_object_get(in, "product_id")), NULL, err);
    if (rc == MD_OK) rc = md_record_create(ctx, &md_kind_lot, NULL, in, &made, err);
    const char *id = json_string_value(json_object_get(made, "id"));
    if (rc == MD_OK)
        rc = md__movement_insert(ctx, id, "received",
                                 json_integer_value(json_object_get(made, "quantity")), "received",
                                 NULL, NULL, err);
    if (rc == MD_OK) rc = lot_decorate(ctx, made, err);
    return md__write_answer(ctx, rc, made, out, err);
}

/* The current version of a clinic-level record, decorated: no audit (not a patient's). */
static md_code get_decorated(md_ctx *ctx, const md_record_kind *k, const char *id,
                             md_code (*decorate)(md_ctx *, json_t *, md_err *), json_t **out,
                             md_err *err)
{
    json_t *rec = NULL;
    md_code rc = md_require(ctx, k->read_perm, err);
    if (rc == MD_OK) rc = md__record_current(ctx, k, NULL, id, &rec, err);
    if (rc == MD_OK) rc = decorate(ctx, rec, err);
    if (rc == MD_OK)
        *out = rec;
    else
        json_decref(rec);
    return rc;
}

md_code md_lot_get(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    return get_decorated(ctx, &md_kind_lot, id, lot_decorate, out, err);
}

md_code md_lot_list(md_ctx *ctx, const char *product_id, const char *lot_number, int include_all,
                    json_t **out, md_err *err)
{
    json_t *list = NULL;
    md_code rc = md_record_list(ctx, &md_kind_lot, NULL, include_all, &list, err);
    if (rc != MD_OK) return rc;
    json_t *items = json_object_get(list, "items"), *kept = json_array();
    size_t i;
    json_t *lot;
    json_array_foreach(items, i, lot)
    {
        const char *pid = json_string_value(json_object_get(lot, "product_id"));
        const char *number = json_string_value(json_object_get(lot, "lot_number"));
        if (product_id && strcmp(pid, product_id) != 0) continue;
        if (lot_number && strcmp(number, lot_number) != 0) continue;
        if ((rc = lot_decorate(ctx, lot, err)) != MD_OK) break;
        json_array_append(kept, lot);
    }
    json_object_set_new(list, "items", kept);
    if (rc == MD_OK)
        *out = list;
    else
        json_decref(list);
    return rc;
}

md_code md_lot_update(md_ctx *ctx, const char *id, json_t *in, json_t **out, md_err *err)
{
    static const char *const managed[] = {"product_id",  "quantity",    "status", "recall_reason",
                                          "recalled_on", "recalled_at", NULL};
    json_t *cur = NULL;
    md_code rc = md_require(ctx, MD_PERM_STOCK_WRITE, err);
    for (int i = 0; rc == MD_OK && json_is_object(in) && managed[i]; i++)
        if (json_object_get(in, managed[i]))
            rc = md_err_set(err, MD_EINVAL, managed[i],
                            "%s is not corrected here: stock changes are movements, a recall is "
                            "POST /lots/{id}/recall, a lot of the wrong product is entered in "
                            "error",
                            managed[i]);
    if (rc != MD_OK) return rc;
    if ((rc = md_write_begin(ctx, err)) != MD_OK) return rc;
    rc = md__record_current(ctx, &md_kind_lot, NULL, id, &cur, err);
    const char *number = json_string_value(json_object_get(in, "lot_number"));
    if (rc == MD_OK && number)
        rc = lot_number_free(ctx, number, json_string_value(json_object_get(cur, "product_id")), id,
                             err);
    if (rc == MD_OK) rc = md_record_update(ctx, &md_kind_lot, NULL, id, in, out, err);
    json_decref(cur);
    return md_write_finish(ctx, rc, err);
}

md_code md_lot_recall(md_ctx *ctx, const char *lot_id, json_t *in, json_t **out, md_err *err)
{
    static const char *const keys[] = {"reason", "date", "version", NULL};
    const char *reason = NULL, *date = NULL;
    json_t *body = NULL, *made = NULL;
    md__lot lot;
    int64_t on_hand = 0;
    md_code rc = md_require(ctx, MD_PERM_STOCK_WRITE, err);
    if (rc == MD_OK) rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK) rc = md_json_text(in, "reason", 1, 1000, &reason, err);
    if (rc == MD_OK) rc = md_json_date(in, "date", 1, &date, NULL, err);
    if (rc != MD_OK) return rc;
    if ((rc = md_write_begin(ctx, err)) != MD_OK) return rc;
    rc = md__lot_load(ctx, lot_id, "id", &lot, err);
    if (rc == MD_OK && strcmp(lot.status, "recalled") == 0)
        rc = md_err_set(err, MD_ECONFLICT, "id", "lot %s was already recalled on %s",
                        lot.lot_number, lot.recalled_on);
    if (rc == MD_OK && strcmp(lot.status, "active") != 0)
        rc = md_err_set(err, MD_ECONFLICT, "id", "lot %s was entered in error", lot.lot_number);
    if (rc == MD_OK) {
        char why[1100];
        snprintf(why, sizeof why, "recalled: %s", reason);
        char now[MD_TIME_STR];
        md_time_format(md_now(), now);
        body = json_pack("{s:s,s:s,s:s,s:s,s:s}", "status", "recalled", "recall_reason", reason,
                         "recalled_on", date, "recalled_at", now, "reason", why);
        if (!body) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        json_t *version = json_object_get(in, "version");
        if (body && version) json_object_set(body, "version", version);
    }
    if (rc == MD_OK) rc = md_record_update(ctx, &md_kind_lot, NULL, lot_id, body, &made, err);
    if (rc == MD_OK) rc = md_lot_on_hand(ctx, lot_id, &on_hand, err);
    if (rc == MD_OK && on_hand > 0)
        rc = md__movement_insert(ctx, lot_id, "recalled", -on_hand, reason, NULL, NULL, err);
    if (rc == MD_OK) rc = lot_decorate(ctx, made, err);
    json_decref(body);
    return md__write_answer(ctx, rc, made, out, err);
}

md_code md_lot_movement(md_ctx *ctx, const char *lot_id, json_t *in, json_t **out, md_err *err)
{
    static const char *const keys[] = {"kind", "quantity", "reason", NULL};
    static const char *const kinds[] = {"received", "wasted", "returned", "adjusted", NULL};
    const char *kind = NULL, *reason = NULL;
    long q = 0;
    int64_t on_hand = 0;
    md__lot lot;
    md_code rc = md_require(ctx, MD_PERM_STOCK_WRITE, err);
    if (rc == MD_OK) rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK) rc = md_json_enum(in, "kind", 1, kinds, &kind, err);
    if (rc == MD_OK) rc = md_json_int(in, "quantity", 1, -1000000, 1000000, &q, NULL, err);
    int adjusted = rc == MD_OK && strcmp(kind, "adjusted") == 0;
    if (rc == MD_OK && (adjusted ? q == 0 : q <= 0))
        rc = md_err_set(err, MD_EUNPROCESSABLE, "quantity",
                        adjusted ? "an adjustment is a non-zero number of containers"
                                 : "quantity must be a positive number of containers");
    if (rc == MD_OK)
        rc = md_json_text(in, "reason", strcmp(kind, "received") != 0, 500, &reason, err);
    if (rc != MD_OK) return rc;
    int64_t signed_q = strcmp(kind, "received") == 0 || adjusted ? q : -q;
    if ((rc = md_write_begin(ctx, err)) != MD_OK) return rc;
    rc = md__lot_load(ctx, lot_id, "id", &lot, err);
    if (rc == MD_OK && strcmp(lot.status, "active") != 0)
        rc = md_err_set(err, MD_ECONFLICT, "id", "lot %s is %s: its stock does not move",
                        lot.lot_number, lot.status);
    if (rc == MD_OK) rc = md_lot_on_hand(ctx, lot_id, &on_hand, err);
    if (rc == MD_OK && on_hand + signed_q < 0)
        rc = md_err_set(err, MD_EUNPROCESSABLE, "quantity",
                        "lot %s has %lld on hand: %lld cannot be taken", lot.lot_number,
                        (long long)on_hand, (long long)-signed_q);
    if (rc == MD_OK)
        rc = md__movement_insert(ctx, lot_id, kind, signed_q, reason ? reason : kind, NULL, NULL,
                                 err);
    md_audit_entry a = {"create", "stock_movement", lot_id, NULL, kind};
    if (rc == MD_OK) rc = md_audit(ctx, &a, err);
    if ((rc = md_write_finish(ctx, rc, err)) != MD_OK) return rc;
    *out = json_pack("{s:s,s:s,s:I,s:I}", "lot_id", lot_id, "kind", kind, "quantity",
                     (json_int_t)signed_q, "on_hand", (json_int_t)(on_hand + signed_q));
    return MD_OK;
}

static int movement_row(void *vitems, const md_row *r)
{
    json_array_append_new(
        vitems, json_pack("{s:s,s:s,s:I,s:s?,s:s?,s:s?,s:s,s:s}", "id", md_row_text(r, 0), "kind",
                          md_row_text(r, 1), "quantity", (json_int_t)md_row_int(r, 2), "reason",
                          md_row_text(r, 3), "administration_id", md_row_text(r, 4), "vial_id",
                          md_row_text(r, 5), "recorded_by", md_row_text(r, 6), "recorded_at",
                          md_row_text(r, 7)));
    return 0;
}

md_code md_lot_movements(md_ctx *ctx, const char *lot_id, json_t **out, md_err *err)
{
    md__lot lot;
    md_code rc = md_require(ctx, MD_PERM_STOCK_READ, err);
    if (rc == MD_OK) rc = md__lot_load(ctx, lot_id, "id", &lot, err);
    if (rc != MD_OK) return rc;
    json_t *items = json_array();
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(lot_id)};
    rc = md_store_exec(ctx->db,
                       "SELECT id, kind, quantity, reason, administration_id, vial_id, "
                       "recorded_by, recorded_at FROM stock_movements WHERE clinic_id = $1 AND "
                       "lot_id = $2 ORDER BY recorded_at, id",
                       v, 2, movement_row, items, err);
    int64_t sum = 0;
    size_t i;
    json_t *m;
    json_array_foreach(items, i, m) sum += json_integer_value(json_object_get(m, "quantity"));
    if (rc == MD_OK)
        *out = json_pack("{s:o,s:I}", "items", items, "on_hand", (json_int_t)sum);
    else
        json_decref(items);
    return rc;
}

/* ---- vials ---- */

static md_code check_time_field(json_t *rec, const char *name, md_err *err)
{
    const char *s = json_string_value(json_object_get(rec, name));
    int64_t t;
    if (s && md_time_parse(s, &t) != 0)
        return md_err_set(err, MD_EUNPROCESSABLE, name,
                          "%s must be a UTC time YYYY-MM-DDTHH:MM:SSZ", name);
    return MD_OK;
}

static md_code check_vial(md_ctx *ctx, json_t *rec, md_err *err)
{
    (void)ctx;
    md_code rc = check_time_field(rec, "opened_at", err);
    if (rc == MD_OK) rc = check_time_field(rec, "beyond_use_at", err);
    return rc;
}

static const char *const vial_status[] = {"open", "discarded", "entered_in_error", NULL};

static const md_field vial_fields[] = {
    {.name = "lot_id", .type = MD_F_TEXT, .required = 1, .max_len = 32},
    {.name = "opened_at",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 20,
     .doc = "first puncture, UTC"},
    {.name = "volume_ml", .type = MD_F_MILLI, .required = 1, .min = 1, .max = 1000000},
    {.name = "beyond_use_at", .type = MD_F_TEXT, .required = 1, .max_len = 20},
    {.name = "beyond_use_rule",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 64,
     .doc = "the kb rule (kb/stock.json beyond_use) or \"manufacturer\""},
    {.name = "status", .type = MD_F_ENUM, .required = 1, .values = vial_status, .dflt = "open"},
    {.name = "opened_by", .type = MD_F_TEXT, .max_len = 64, .doc = "who opened it (staff id)"},
    {0},
};

const md_record_kind md_kind_vial = {
    .name = "vial",
    .table = "vials",
    .schema = "Vial",
    .title = "vials",
    .read_perm = MD_PERM_STOCK_READ,
    .write_perm = MD_PERM_STOCK_WRITE,
    .fields = vial_fields,
    .status_field = "status",
    .hooks = {.check = check_vial},
};

md_code md__write_answer(md_ctx *ctx, md_code rc, json_t *made, json_t **out, md_err *err)
{
    if ((rc = md_write_finish(ctx, rc, err)) == MD_OK)
        *out = made;
    else
        json_decref(made);
    return rc;
}

/* The beyond-use rule of a product: its own hours, or the kb's. */
static md_code beyond_use_of(md_ctx *ctx, const md__lot *lot, md_beyond_use *b, md_err *err)
{
    md_code rc = md_kb_beyond_use(ctx->kb, b, err);
    if (rc == MD_OK && lot->beyond_use_hours > 0) {
        b->hours = (long)lot->beyond_use_hours;
        b->rule = "manufacturer";
        b->message = "the manufacturer's beyond-use time for the opened vial";
        b->n_sources = 0;
        b->sources = NULL;
    }
    return rc;
}

static json_t *beyond_use_json(const md_beyond_use *b)
{
    json_t *src = json_array();
    for (size_t i = 0; i < b->n_sources; i++)
        json_array_append_new(src, json_string(b->sources[i]));
    return json_pack("{s:I,s:s,s:s,s:o}", "hours", (json_int_t)b->hours, "rule", b->rule, "message",
                     b->message, "sources", src);
}

static md_code vial_decorate(md_ctx *ctx, json_t *rec, md_err *err)
{
    md__vial v;
    md__lot lot;
    md_beyond_use b;
    md_err why;
    const char *id = json_string_value(json_object_get(rec, "id"));
    md_code rc = md__vial_load(ctx, id, "id", &v, err);
    if (rc == MD_OK) rc = md__lot_load(ctx, v.lot_id, "lot_id", &lot, err);
    if (rc == MD_OK) rc = beyond_use_of(ctx, &lot, &b, err);
    if (rc != MD_OK) return rc;
    md_err_clear(&why);
    int64_t now = md_now();
    int usable = md__vial_usable(&v, now, "id", &why) == MD_OK &&
                 md__lot_usable(&lot, now, "lot_id", &why) == MD_OK;
    if (usable && v.remaining_ul <= 0)
        usable = 0, md_err_set(&why, MD_ECONFLICT, "id", "the vial is empty");
    json_object_set_new(rec, "remaining_ml", md__milli_json(v.remaining_ul));
    json_object_set_new(rec, "lot_number", json_string(lot.lot_number));
    json_object_set_new(rec, "product_id", json_string(lot.product_id));
    json_object_set_new(rec, "usable", json_boolean(usable));
    if (!usable) json_object_set_new(rec, "unusable_reason", json_string(why.message));
    if (strcmp(json_string_value(json_object_get(rec, "beyond_use_rule")), b.rule) == 0)
        json_object_set_new(rec, "beyond_use", beyond_use_json(&b));
    return MD_OK;
}

md_code md_vial_open(md_ctx *ctx, const char *lot_id, json_t *in, json_t **out, md_err *err)
{
    static const char *const keys[] = {"opened_at", NULL};
    const char *opened = NULL;
    int64_t t = md_now(), on_hand = 0;
    char opened_s[MD_TIME_STR], bud_s[MD_TIME_STR];
    md__lot lot;
    md_beyond_use b;
    json_t *made = NULL, *body = NULL;
    md_code rc = md_require(ctx, MD_PERM_STOCK_WRITE, err);
    if (rc == MD_OK && in) rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK && in) rc = md_json_text(in, "opened_at", 0, 20, &opened, err);
    if (rc == MD_OK && opened && md_time_parse(opened, &t) != 0)
        rc = md_err_set(err, MD_EUNPROCESSABLE, "opened_at",
                        "opened_at must be a UTC time YYYY-MM-DDTHH:MM:SSZ");
    if (rc == MD_OK && t > md_now() + 300)
        rc = md_err_set(err, MD_EUNPROCESSABLE, "opened_at", "opened_at is in the future");
    if (rc != MD_OK) return rc;
    if ((rc = md_write_begin(ctx, err)) != MD_OK) return rc;
    rc = md__lot_load(ctx, lot_id, "lot_id", &lot, err);
    if (rc == MD_OK && strcmp(lot.presentation, "multi_dose") != 0)
        rc = md_err_set(err, MD_EUNPROCESSABLE, "lot_id",
                        "lot %s is of a single-dose product: its containers are not opened as "
                        "vials",
                        lot.lot_number);
    if (rc == MD_OK && strcmp(lot.status, "recalled") == 0)
        rc = md_err_set(err, MD_ECONFLICT, "lot_id", "lot %s was recalled on %s: %s",
                        lot.lot_number, lot.recalled_on, lot.recall_reason);
    if (rc == MD_OK) rc = md__lot_usable(&lot, t, "lot_id", err);
    if (rc == MD_OK) rc = md_lot_on_hand(ctx, lot_id, &on_hand, err);
    if (rc == MD_OK && on_hand < 1)
        rc = md_err_set(err, MD_ECONFLICT, "lot_id", "no vial of lot %s is left on hand",
                        lot.lot_number);
    if (rc == MD_OK) rc = beyond_use_of(ctx, &lot, &b, err);
    if (rc == MD_OK) {
        md_time_format(t, opened_s);
        md_time_format(t + (int64_t)b.hours * 3600, bud_s);
        body = json_pack("{s:s,s:s,s:o,s:s,s:s,s:s}", "lot_id", lot_id, "opened_at", opened_s,
                         "volume_ml", md__milli_json(lot.volume_ul), "beyond_use_at", bud_s,
                         "beyond_use_rule", b.rule, "opened_by", md_actor_id(ctx));
        if (!body) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    }
    if (rc == MD_OK) rc = md_record_create(ctx, &md_kind_vial, NULL, body, &made, err);
    const char *vid = json_string_value(json_object_get(made, "id"));
    if (rc == MD_OK)
        rc = md__movement_insert(ctx, lot_id, "used", -1, "vial opened", NULL, vid, err);
    if (rc == MD_OK) rc = vial_decorate(ctx, made, err);
    json_decref(body);
    return md__write_answer(ctx, rc, made, out, err);
}

md_code md_vial_get(md_ctx *ctx, const char *vial_id, json_t **out, md_err *err)
{
    return get_decorated(ctx, &md_kind_vial, vial_id, vial_decorate, out, err);
}

md_code md_vial_discard(md_ctx *ctx, const char *vial_id, json_t *in, json_t **out, md_err *err)
{
    static const char *const keys[] = {"reason", "version", NULL};
    const char *reason = NULL;
    md__vial v;
    json_t *made = NULL;
    md_code rc = md_require(ctx, MD_PERM_STOCK_WRITE, err);
    if (rc == MD_OK) rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK) rc = md_json_text(in, "reason", 1, 500, &reason, err);
    if (rc != MD_OK) return rc;
    if ((rc = md_write_begin(ctx, err)) != MD_OK) return rc;
    rc = md__vial_load(ctx, vial_id, "id", &v, err);
    if (rc == MD_OK && strcmp(v.status, "open") != 0)
        rc = md_err_set(err, MD_ECONFLICT, "id", "the vial is %s already", v.status);
    json_t *body = json_pack("{s:s,s:s}", "status", "discarded", "reason", reason);
    if (body && json_object_get(in, "version"))
        json_object_set(body, "version", json_object_get(in, "version"));
    if (rc == MD_OK) rc = md_record_update(ctx, &md_kind_vial, NULL, vial_id, body, &made, err);
    if (rc == MD_OK) rc = vial_decorate(ctx, made, err);
    json_decref(body);
    return md__write_answer(ctx, rc, made, out, err);
}

/* ---- what is available, worklists ---- */

typedef struct lot_item {
    json_t *lot; /* {"id","lot_number","expiry","remaining"} */
    char product_id[MD_ID_STR];
    int64_t on_hand;
} lot_item;

typedef struct lots_acc {
    json_t *lots; /* array of {"product_id", "lot": {...}} */
} lots_acc;

static int avail_lot_row(void *vacc, const md_row *r)
{
    lots_acc *a = vacc;
    json_array_append_new(
        a->lots, json_pack("{s:s,s:{s:s,s:s,s:s,s:I}}", "product_id", md_row_text(r, 1), "lot",
                           "id", md_row_text(r, 0), "lot_number", md_row_text(r, 2), "expiry",
                           md_row_text(r, 3), "remaining", (json_int_t)md_row_int(r, 4)));
    return 0;
}

/* Lots ACTIVE, in date on day on (expiry >= on), with their containers on hand, by
 * product then expiry. */
static md_code usable_lots(md_ctx *ctx, const char *on_s, json_t **lots, md_err *err)
{
    lots_acc a = {json_array()};
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(on_s)};
    md_code rc = md_store_exec(ctx->db,
                               "SELECT l.id, l.product_id, l.lot_number, l.expiry, " ON_HAND_OF(
                                   "l") " FROM lots l "
                                        "WHERE l.clinic_id = $1 AND l.current = 1 AND l.status = "
                                        "'active' AND l.expiry >= $2 "
                                        "ORDER BY l.product_id, l.expiry, l.id",
                               v, 2, avail_lot_row, &a, err);
    if (rc == MD_OK)
        *lots = a.lots;
    else
        json_decref(a.lots);
    return rc;
}

static int open_vial_row(void *vvials, const md_row *r)
{
    json_t *vials = vvials;
    int64_t remaining = md_row_int(r, 2);
    if (remaining > 0)
        json_array_append_new(vials, json_pack("{s:s,s:s,s:o,s:s}", "id", md_row_text(r, 0),
                                               "lot_id", md_row_text(r, 1), "remaining_ml",
                                               md__milli_json(remaining), "beyond_use_at",
                                               md_row_text(r, 3)));
    return 0;
}

/* Open vials still usable at now, with something left. */
static md_code open_vials(md_ctx *ctx, const char *now_s, json_t **vials, md_err *err)
{
    json_t *arr = json_array();
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(now_s)};
    md_code rc = md_store_exec(ctx->db,
                               "SELECT v.id, v.lot_id, v.volume_ml - " DRAWN_OF(
                                   "v") ", v.beyond_use_at FROM vials "
                                        "v WHERE v.clinic_id = $1 AND v.current = 1 AND v.status = "
                                        "'open' AND v.beyond_use_at > "
                                        "$2 ORDER BY v.beyond_use_at, v.id",
                               v, 2, open_vial_row, arr, err);
    if (rc == MD_OK)
        *vials = arr;
    else
        json_decref(arr);
    return rc;
}

static md_code active_products(md_ctx *ctx, json_t **out, md_err *err)
{
    md_val v[] = {md_text(ctx->who.clinic_id)};
    return md__record_query(
        ctx, &md_kind_product,
        "clinic_id = $1 AND current = 1 AND status = 'active' ORDER BY name, id", v, 1, out, err);
}

md_code md_stock_available(md_ctx *ctx, md_day on, json_t **out, md_err *err)
{
    char on_s[MD_DATE_STR], now_s[MD_TIME_STR];
    json_t *products = NULL, *lots = NULL, *vials = NULL;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ, err);
    if (rc != MD_OK) return rc;
    md_date_format(on, on_s);
    int64_t now = md_now();
    /* The vials usable at the end of that day's now-time: today's now, or that day's start
     * for another day. */
    md_time_format(on == md_today_utc() ? now : (int64_t)on * 86400, now_s);
    if ((rc = md_store_snapshot_begin(ctx->db, err)) != MD_OK) return rc;
    rc = active_products(ctx, &products, err);
    if (rc == MD_OK) rc = usable_lots(ctx, on_s, &lots, err);
    if (rc == MD_OK) rc = open_vials(ctx, now_s, &vials, err);
    md_store_snapshot_end(ctx->db);
    /* Grouped through two hash objects (lot id -> its open vials, product id -> its usable
     * lots), each list kept in the order its statement gave: linear in lots + vials. */
    json_t *items = json_array(), *by_lot = json_object(), *by_product = json_object();
    size_t i;
    json_t *p, *l, *v;
    json_array_foreach(rc == MD_OK ? vials : NULL, i, v)
    {
        const char *lid = json_string_value(json_object_get(v, "lot_id"));
        json_t *lv = json_object_get(by_lot, lid);
        if (!lv) json_object_set_new(by_lot, lid, lv = json_array());
        json_array_append(lv, v);
    }
    json_array_foreach(rc == MD_OK ? lots : NULL, i, l)
    {
        json_t *lot = json_object_get(l, "lot");
        json_t *lv = json_object_get(by_lot, json_string_value(json_object_get(lot, "id")));
        if (lv) json_object_set(lot, "open_vials", lv);
        if (json_integer_value(json_object_get(lot, "remaining")) <= 0 && !lv) continue;
        const char *pid = json_string_value(json_object_get(l, "product_id"));
        json_t *plots = json_object_get(by_product, pid);
        if (!plots) json_object_set_new(by_product, pid, plots = json_array());
        json_array_append(plots, lot);
    }
    json_array_foreach(rc == MD_OK ? products : NULL, i, p)
    {
        json_t *plots = json_object_get(by_product, json_string_value(json_object_get(p, "id")));
        if (plots)
            json_array_append_new(items, json_pack("{s:O,s:O}", "product", p, "lots", plots));
    }
    json_decref(by_lot);
    json_decref(by_product);
    json_decref(products);
    json_decref(lots);
    json_decref(vials);
    if (rc == MD_OK)
        *out = json_pack("{s:o,s:s}", "items", items, "on", on_s);
    else
        json_decref(items);
    return rc;
}

md_code md_stock_low(md_ctx *ctx, md_day on, json_t **out, md_err *err)
{
    char on_s[MD_DATE_STR];
    json_t *products = NULL, *lots = NULL;
    md_code rc = md_require(ctx, MD_PERM_STOCK_READ, err);
    if (rc != MD_OK) return rc;
    md_date_format(on, on_s);
    if ((rc = md_store_snapshot_begin(ctx->db, err)) != MD_OK) return rc;
    rc = active_products(ctx, &products, err);
    if (rc == MD_OK) rc = usable_lots(ctx, on_s, &lots, err);
    md_store_snapshot_end(ctx->db);
    json_t *items = json_array();
    size_t i, j;
    json_t *p, *l;
    json_array_foreach(rc == MD_OK ? products : NULL, i, p)
    {
        const char *pid = json_string_value(json_object_get(p, "id"));
        int64_t sum = 0;
        json_array_foreach(
            lots, j, l) if (strcmp(json_string_value(json_object_get(l, "product_id")), pid) == 0)
            sum += json_integer_value(json_object_get(json_object_get(l, "lot"), "remaining"));
        json_t *t = json_object_get(p, "low_stock");
        int64_t threshold =
            json_is_integer(t) ? json_integer_value(t) : md_kb_low_stock_default(ctx->kb);
        if (sum <= threshold)
            json_array_append_new(items,
                                  json_pack("{s:O,s:I,s:I,s:b}", "product", p, "on_hand",
                                            (json_int_t)sum, "threshold", (json_int_t)threshold,
                                            "threshold_is_default", !json_is_integer(t)));
    }
    json_decref(products);
    json_decref(lots);
    if (rc == MD_OK)
        *out = json_pack("{s:o}", "items", items);
    else
        json_decref(items);
    return rc;
}

static int expiring_row(void *vitems, const md_row *r)
{
    int64_t on_hand = md_row_int(r, 4);
    if (on_hand > 0)
        json_array_append_new(vitems,
                              json_pack("{s:s,s:s,s:s,s:s,s:I,s:s}", "id", md_row_text(r, 0),
                                        "product_id", md_row_text(r, 1), "lot_number",
                                        md_row_text(r, 2), "expiry", md_row_text(r, 3), "on_hand",
                                        (json_int_t)on_hand, "product_name", md_row_text(r, 5)));
    return 0;
}

md_code md_stock_expiring(md_ctx *ctx, md_day on, int days, json_t **out, md_err *err)
{
    char until[MD_DATE_STR];
    md_code rc = md_require(ctx, MD_PERM_STOCK_READ, err);
    if (rc != MD_OK) return rc;
    if (days < 0 || days > 3650)
        return md_err_set(err, MD_EUNPROCESSABLE, "days", "days must be between 0 and 3650");
    md_date_format(on + days, until);
    json_t *items = json_array();
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(until)};
    rc = md_store_exec(ctx->db,
                       "SELECT l.id, l.product_id, l.lot_number, l.expiry, " ON_HAND_OF(
                           "l") ", p.name "
                                "FROM lots l JOIN products p ON p.clinic_id = l.clinic_id AND p.id "
                                "= l.product_id AND "
                                "p.current = 1 WHERE l.clinic_id = $1 AND l.current = 1 AND "
                                "l.status = 'active' AND "
                                "l.expiry <= $2 ORDER BY l.expiry, l.id",
                       v, 2, expiring_row, items, err);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        md_day e = 0;
        md_date_parse(json_string_value(json_object_get(it, "expiry")), &e);
        json_object_set_new(it, "days_left", json_integer(e - on));
        json_object_set_new(it, "expired", json_boolean(e < on));
    }
    if (rc == MD_OK)
        *out = json_pack("{s:o,s:i}", "items", items, "days", days);
    else
        json_decref(items);
    return rc;
}

static int aging_row(void *vitems, const md_row *r)
{
    json_array_append_new(vitems, json_pack("{s:s,s:s,s:s,s:s,s:o,s:s}", "id", md_row_text(r, 0),
                                            "lot_id", md_row_text(r, 1), "opened_at",
                                            md_row_text(r, 2), "beyond_use_at", md_row_text(r, 3),
                                            "remaining_ml", md__milli_json(md_row_int(r, 4)),
                                            "lot_number", md_row_text(r, 5)));
    return 0;
}

md_code md_stock_vials_aging(md_ctx *ctx, int64_t now, json_t **out, md_err *err)
{
    md_code rc = md_require(ctx, MD_PERM_STOCK_READ, err);
    if (rc != MD_OK) return rc;
    json_t *all = json_array(), *items = json_array();
    md_val v[] = {md_text(ctx->who.clinic_id)};
    rc = md_store_exec(
        ctx->db,
        "SELECT v.id, v.lot_id, v.opened_at, v.beyond_use_at, v.volume_ml - " DRAWN_OF(
            "v") ", "
                 "l.lot_number FROM vials v JOIN lots l ON l.clinic_id = v.clinic_id AND l.id "
                 "= v.lot_id AND l.current = 1 WHERE v.clinic_id = $1 AND v.current = 1 AND "
                 "v.status = "
                 "'open' ORDER BY v.beyond_use_at, v.id",
        v, 1, aging_row, all, err);
    size_t i;
    json_t *it;
    json_array_foreach(all, i, it)
    {
        int64_t opened = 0, bud = 0;
        md_time_parse(json_string_value(json_object_get(it, "opened_at")), &opened);
        md_time_parse(json_string_value(json_object_get(it, "beyond_use_at")), &bud);
        if (now < opened + (bud - opened) / 2) continue;
        json_object_set_new(it, "past_beyond_use", json_boolean(now >= bud));
        json_object_set_new(it, "hours_left", json_integer(now >= bud ? 0 : (bud - now) / 3600));
        json_array_append(items, it);
    }
    json_decref(all);
    if (rc == MD_OK)
        *out = json_pack("{s:o}", "items", items);
    else
        json_decref(items);
    return rc;
}
