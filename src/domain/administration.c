/*
 * administration.c - one record per dose given (stock.h): a versioned patient record
 * whose write also takes the dose out of stock, in the same transaction.
 *
 *   md_administration_record: GIVEN (v1) --correction (route, area, given_at, context_id,
 *   with a reason)--> GIVEN (vN) --entered in error (reason)--> ENTERED_IN_ERROR (final)
 *
 * Stock: a single-dose lot loses one container (movement "used"); a multi-dose lot's vial
 * gets a draw of the volume.  Entered in error, the dose was never given: its container
 * comes back (movement "adjusted" +1 naming the administration) or its volume goes back to
 * the vial (a negative draw), whatever the lot's state now, so that the ledgers keep saying
 * what was really taken.  A correction never touches stock: the lot, vial, volume and
 * product of a dose are not corrected (enter it in error and record the right one).
 */
#include "mesodesk/stock.h"
#include "mesodesk/commit.h"
#include "mesodesk/validate.h"
#include "record_int.h"
#include "stock_int.h"

#include <stdio.h>
#include <string.h>

#define FUTURE_SLACK 300 /* seconds a given_at may be ahead of the clock */

static const char *const routes[] = {"intradermal",  "subcutaneous", "intraepidermal",
                                     "epicutaneous", "topical",      NULL};
static const char *const contexts[] = {"patch_test", "session", NULL};
static const char *const admin_status[] = {"given", "entered_in_error", NULL};

static md_code check_administration(md_ctx *ctx, json_t *rec, md_err *err)
{
    (void)ctx;
    const char *s = json_string_value(json_object_get(rec, "given_at"));
    int64_t t;
    if (s && md_time_parse(s, &t) != 0)
        return md_err_set(err, MD_EUNPROCESSABLE, "given_at",
                          "given_at must be a UTC time YYYY-MM-DDTHH:MM:SSZ");
    if (s && t > md_now() + FUTURE_SLACK)
        return md_err_set(err, MD_EUNPROCESSABLE, "given_at", "given_at is in the future");
    return MD_OK;
}

static const md_field administration_fields[] = {
    {.name = "product_id", .type = MD_F_TEXT, .required = 1, .max_len = 32},
    {.name = "lot_id", .type = MD_F_TEXT, .required = 1, .max_len = 32},
    {.name = "vial_id", .type = MD_F_TEXT, .max_len = 32, .doc = "the vial, for a multi-dose lot"},
    {.name = "volume_ml", .type = MD_F_MILLI, .required = 1, .min = 1, .max = 1000000},
    {.name = "route", .type = MD_F_ENUM, .required = 1, .values = routes},
    {.name = "area", .type = MD_F_CODE, .vocab = MD_VOCAB_AREA},
    {.name = "context", .type = MD_F_ENUM, .required = 1, .values = contexts},
    {.name = "context_id",
     .type = MD_F_TEXT,
     .max_len = 64,
     .doc = "the patch test or session the dose belongs to"},
    {.name = "given_at", .type = MD_F_TEXT, .required = 1, .max_len = 20, .doc = "UTC"},
    {.name = "given_by", .type = MD_F_TEXT, .required = 1, .max_len = 64},
    {.name = "status", .type = MD_F_ENUM, .required = 1, .values = admin_status, .dflt = "given"},
    {0},
};

const md_record_kind md_kind_administration = {
    .name = "administration",
    .table = "administrations",
    .collection = "administrations",
    .schema = "Administration",
    .title = "administrations",
    .parent = &md_kind_patient,
    .has_parent = 1,
    .read_perm = MD_PERM_CLINICAL_READ,
    .write_perm = MD_PERM_CLINICAL_WRITE,
    .fields = administration_fields,
    .status_field = "status",
    .hooks = {.check = check_administration},
};

/* Input checks that need no database: each names its field. */
static md_code dose_check(const md_dose *d, int64_t *t, md_err *err)
{
    if (!d->lot_id || !*d->lot_id)
        return md_err_set(err, MD_EINVAL, "lot_id", "lot_id is required");
    if (d->volume_ul <= 0)
        return md_err_set(err, MD_EUNPROCESSABLE, "volume_ml", "volume_ml must be more than 0");
    if (d->volume_ul > 1000000000L)
        return md_err_set(err, MD_EUNPROCESSABLE, "volume_ml", "volume_ml is too large");
    *t = md_now();
    if (d->given_at && md_time_parse(d->given_at, t) != 0)
        return md_err_set(err, MD_EUNPROCESSABLE, "given_at",
                          "given_at must be a UTC time YYYY-MM-DDTHH:MM:SSZ");
    return MD_OK;
}

/* Inside the write: the lot, the vial, what remains; then the record and its stock. */
static md_code dose_write(md_ctx *ctx, const md_dose *d, int64_t t, json_t **out, md_err *err)
{
    md__lot lot;
    md__vial vial;
    int64_t on_hand = 0;
    char given[MD_TIME_STR];
    md_code rc = md__lot_load(ctx, d->lot_id, "lot_id", &lot, err);
    if (rc == MD_OK) rc = md__lot_usable(&lot, t, "lot_id", err);
    if (rc == MD_OK && strcmp(lot.presentation, "consumable") == 0)
        rc = md_err_set(err, MD_EUNPROCESSABLE, "lot_id",
                        "lot %s is a consumable's (needles): no dose is drawn from it",
                        lot.lot_number);
    if (rc != MD_OK) return rc;
    int multi = strcmp(lot.presentation, "multi_dose") == 0;
    /* Given before the recall was marked: the recall counted its container as recalled. */
    int recalled = strcmp(lot.status, "recalled") == 0;
    if (!multi && d->vial_id && *d->vial_id)
        return md_err_set(err, MD_EUNPROCESSABLE, "vial_id",
                          "lot %s is of a single-dose product: no vial", lot.lot_number);
    if (multi && (!d->vial_id || !*d->vial_id))
        return md_err_set(err, MD_EINVAL, "vial_id",
                          "vial_id is required: lot %s is of a multi-dose product (open a vial)",
                          lot.lot_number);
    if (multi) {
        if ((rc = md__vial_load(ctx, d->vial_id, "vial_id", &vial, err)) != MD_OK) return rc;
        if (strcmp(vial.lot_id, lot.id) != 0)
            return md_err_set(err, MD_EUNPROCESSABLE, "vial_id", "the vial is not of lot %s",
                              lot.lot_number);
        if ((rc = md__vial_usable(&vial, t, "vial_id", err)) != MD_OK) return rc;
        if (d->volume_ul > vial.remaining_ul)
            return md_err_set(err, MD_EUNPROCESSABLE, "volume_ml",
                              "a dose of %.3f ml is more than the %.3f ml left in the vial",
                              (double)d->volume_ul / 1000.0, (double)vial.remaining_ul / 1000.0);
    } else {
        if (d->volume_ul > lot.volume_ul)
            return md_err_set(err, MD_EUNPROCESSABLE, "volume_ml",
                              "a dose of %.3f ml is more than one container holds (%.3f ml)",
                              (double)d->volume_ul / 1000.0, (double)lot.volume_ul / 1000.0);
        if ((rc = md_lot_on_hand(ctx, lot.id, &on_hand, err)) != MD_OK) return rc;
        if (on_hand < 1 && !recalled)
            return md_err_set(err, MD_ECONFLICT, "lot_id", "no container of lot %s is left",
                              lot.lot_number);
    }
    md_time_format(t, given);
    json_t *body = json_pack("{s:s,s:s,s:o,s:s,s:s,s:s,s:s}", "product_id", lot.product_id,
                             "lot_id", lot.id, "volume_ml", md__milli_json(d->volume_ul), "route",
                             d->route ? d->route : "", "context", d->context ? d->context : "",
                             "given_at", given, "given_by", md_actor_id(ctx));
    if (!body) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (multi) json_object_set_new(body, "vial_id", json_string(vial.id));
    if (d->context_id) json_object_set_new(body, "context_id", json_string(d->context_id));
    if (d->area) json_object_set_new(body, "area", json_string(d->area));
    rc = md_record_create(ctx, &md_kind_administration, d->patient_id, body, out, err);
    json_decref(body);
    const char *id = rc == MD_OK ? json_string_value(json_object_get(*out, "id")) : NULL;
    if (rc == MD_OK)
        rc = multi ? md__draw_insert(ctx, &vial, d->volume_ul, id, err)
                   : md__movement_insert(ctx, lot.id, "used", -1, "administered", id, NULL, err);
    if (rc == MD_OK && recalled && !multi && on_hand < 1)
        rc = md__movement_insert(ctx, lot.id, "recalled", 1,
                                 "given before the recall, charted after it: not recalled", id,
                                 NULL, err);
    if (rc != MD_OK && *out) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

md_code md_administration_record(md_ctx *ctx, const md_dose *d, json_t **out, md_err *err)
{
    int64_t t = 0;
    json_t *made = NULL;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_WRITE, err);
    if (rc == MD_OK) rc = dose_check(d, &t, err);
    if (rc != MD_OK) return rc;
    if ((rc = md_write_begin(ctx, err)) != MD_OK) return rc;
    rc = md_patient_exists(ctx, d->patient_id, err);
    if (rc == MD_OK) rc = dose_write(ctx, d, t, &made, err);
    return md__write_answer(ctx, rc, made, out, err);
}

md_code md_administration_create(md_ctx *ctx, const char *patient_id, json_t *in, json_t **out,
                                 md_err *err)
{
    static const char *const keys[] = {"lot_id",  "vial_id",    "volume_ml", "route", "area",
                                       "context", "context_id", "given_at",  NULL};
    md_dose d = {.patient_id = patient_id};
    int64_t milli = 0;
    const char *area = NULL;
    md_err all, one;
    md_err_clear(&all);
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_WRITE, err);
    if (rc == MD_OK) rc = md_json_check_keys(in, keys, "", err);
    if (rc != MD_OK) return rc;
        /* Every field's error at once, as the engine answers. */
#define COLLECT(call)                                                                              \
    do {                                                                                           \
        md_err_clear(&one);                                                                        \
        if ((call) != MD_OK) md_err_collect(&all, &one);                                           \
    } while (0)
    COLLECT(md_json_text(in, "lot_id", 1, 32, &d.lot_id, &one));
    COLLECT(md_json_text(in, "vial_id", 0, 32, &d.vial_id, &one));
    COLLECT(md_json_milli(in, "volume_ml", 1, 1, 1000000, &milli, NULL, &one));
    COLLECT(md_json_enum(in, "route", 1, routes, &d.route, &one));
    COLLECT(md_json_enum(in, "context", 1, contexts, &d.context, &one));
    COLLECT(md_json_text(in, "context_id", 0, 64, &d.context_id, &one));
    COLLECT(md_json_text(in, "given_at", 0, 20, &d.given_at, &one));
    COLLECT(md_json_text(in, "area", 0, 128, &area, &one));
#undef COLLECT
    if (all.code != MD_OK) {
        if (err) *err = all;
        return all.code;
    }
    d.volume_ul = (long)milli;
    d.area = area;
    return md_administration_record(ctx, &d, out, err);
}

md_code md_administration_update(md_ctx *ctx, const char *patient_id, const char *id, json_t *in,
                                 json_t **out, md_err *err)
{
    static const char *const fixed[] = {"product_id", "lot_id", "vial_id", "volume_ml",
                                        "given_by",   "status", NULL};
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_WRITE, err);
    for (int i = 0; rc == MD_OK && json_is_object(in) && fixed[i]; i++)
        if (json_object_get(in, fixed[i]))
            rc = md_err_set(err, MD_EUNPROCESSABLE, fixed[i],
                            "%s of a dose is not corrected: mark the administration entered in "
                            "error and record the right one",
                            fixed[i]);
    if (rc != MD_OK) return rc;
    return md_record_update(ctx, &md_kind_administration, patient_id, id, in, out, err);
}

md_code md_administration_entered_in_error(md_ctx *ctx, const char *patient_id, const char *id,
                                           json_t *in, json_t **out, md_err *err)
{
    json_t *cur = NULL, *made = NULL;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_WRITE, err);
    if (rc != MD_OK) return rc;
    if ((rc = md_write_begin(ctx, err)) != MD_OK) return rc;
    rc = md_patient_exists(ctx, patient_id, err);
    if (rc == MD_OK)
        rc = md__record_current(ctx, &md_kind_administration, patient_id, id, &cur, err);
    const char *status = json_string_value(json_object_get(cur, "status"));
    if (rc == MD_OK && strcmp(status, "entered_in_error") == 0)
        rc = md_err_set(err, MD_ECONFLICT, "id", "the administration is entered in error already");
    if (rc == MD_OK)
        rc = md_record_entered_in_error(ctx, &md_kind_administration, patient_id, id, in, &made,
                                        err);
    if (rc == MD_OK) {
        const char *vial_id = json_string_value(json_object_get(cur, "vial_id"));
        const char *lot_id = json_string_value(json_object_get(cur, "lot_id"));
        md__vial vial;
        if (vial_id) {
            /* md_json_milli's thousandths are the stored value: volume_ml as read back */
            json_t *vol = json_object_get(cur, "volume_ml");
            int64_t ul = json_is_integer(vol) ? json_integer_value(vol) * 1000
                                              : (int64_t)(json_real_value(vol) * 1000.0 + 0.5);
            rc = md__vial_load(ctx, vial_id, "vial_id", &vial, err);
            if (rc == MD_OK) rc = md__draw_insert(ctx, &vial, -ul, id, err);
        } else {
            rc = md__movement_insert(ctx, lot_id, "adjusted", 1, "administration entered in error",
                                     id, NULL, err);
        }
    }
    json_decref(cur);
    return md__write_answer(ctx, rc, made, out, err);
}
