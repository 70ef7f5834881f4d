/*
 * stock.h - the catalogue (products, consumables), lots, stock movements, multi-dose vials,
 * administrations (one record per dose given) and the lot recall mark.
 *
 * Products, consumables, lots and vials are clinic-level versioned kinds (record.h: no
 * patient parent); administrations are versioned patient records.  Stock is a ledger:
 *   - a lot's quantity on hand (containers: ampoules, vials, syringes...) is always the sum
 *     of its stock movements (received +, used -, wasted -, returned -, recalled -,
 *     adjusted +/- with a reason); it never goes below zero;
 *   - a vial's remaining volume (integer microlitres) is its volume at opening less the sum
 *     of its draws.
 * Volumes are integer microlitres inside (exact sums); the API speaks volume_ml with up to
 * three decimals (MD_F_MILLI fields of record.h).
 *
 * Every write goes through the record engine or md_write_begin/finish, so a dose, its
 * stock movement (or vial draw) and its audit entry commit together or not at all; inside
 * a caller's write (md_store_in_tx(ctx->db) > 0) they are one savepoint of it.
 *
 * The lot and vial state machines are written at the top of src/domain/stock.c; the routes
 * and their errors in docs/STOCK.md.
 *
 * Ownership: every json_t ** out is a new reference for the caller (json_decref), set only
 * on MD_OK.  Strings of md_dose are borrowed for the call.  Errors: MD_EINVAL / MD_EUNPROCESSABLE
 * naming the field (bad input, nothing stored), MD_ENOTFOUND (no such patient, product, lot,
 * vial in the clinic), MD_ECONFLICT with the reason (expired or recalled lot, vial past its
 * beyond-use time, no stock left), MD_EFORBIDDEN (role), storage errors as the store gives.
 */
#ifndef MESODESK_STOCK_H
#define MESODESK_STOCK_H

#include "mesodesk/context.h"
#include "mesodesk/record.h"

#include <jansson.h>

/* The kinds (clinic-level unless said otherwise). */
extern const md_record_kind md_kind_product, md_kind_consumable, md_kind_lot, md_kind_vial,
    md_kind_administration /* a patient record */;

/* ---- the kb's stock data (kb/stock.json) ---- */

/* What the clinic's jurisdiction makes of a product's regulatory status. */
typedef enum md_reg_policy {
    MD_REG_ALLOWED = 0,
    MD_REG_CAUTION,
    MD_REG_BLOCKED,
    MD_REG_UNKNOWN /* the product states no status for the jurisdiction: never read as allowed */
} md_reg_policy;

typedef struct md_reg_info {
    md_reg_policy policy;
    const char *status;  /* "ce_marked"...; NULL when the product states none */
    const char *message; /* the kb's wording */
    const char *const *sources;
    size_t n_sources;
} md_reg_info;

/* "allowed", "caution", "blocked", "unknown". */
const char *md_reg_policy_name(md_reg_policy p);

/* The policy of a regulatory status code ("ce_marked", "compounded"...) from the kb.
 * MD_EUNPROCESSABLE naming field (may be NULL) for a status the kb does not know. */
md_code md_kb_regulatory_policy(const md_kb *kb, const char *status, const char *field,
                                md_reg_info *out, md_err *err);

/* The policy of a product (its record as md_record_get answers it) in a jurisdiction
 * ("EU", "US"...; the kb's default when NULL): the status it states for that jurisdiction,
 * or for "default" when it states none; none at all is MD_REG_UNKNOWN (message says so). */
md_code md_product_regulatory(const md_kb *kb, json_t *product, const char *jurisdiction,
                              md_reg_info *out, md_err *err);

/* Beyond-use time of a multi-dose vial after first puncture, from the kb: hours and the
 * sources (manufacturer's own hours, when the product states them, win). */
typedef struct md_beyond_use {
    long hours;
    const char *rule; /* kb id, or "manufacturer" */
    const char *message;
    const char *const *sources;
    size_t n_sources;
} md_beyond_use;
md_code md_kb_beyond_use(const md_kb *kb, md_beyond_use *out, md_err *err);

/* Is base a kb product base ("aqueous", "gel"...)?  1 or 0. */
int md_kb_product_base_known(const md_kb *kb, const char *base);
/* Is kind a kb consumable kind ("needle", "cannula", "multi_injector_head")?  1 or 0. */
int md_kb_consumable_kind_known(const md_kb *kb, const char *kind);
/* Low-stock threshold (containers) when a product sets none. */
long md_kb_low_stock_default(const md_kb *kb);

/* ---- catalogue ---- */

/* Create / correct a product or consumable: the record engine with the kind's checks
 * (ingredients from the kb, "ingredients[2].ingredient" named when unknown; regulatory
 * statuses and jurisdictions from the kb; base from the kb). */
md_code md_product_get(md_ctx *ctx, const char *id, json_t **out, md_err *err);

/* ---- lots and stock ---- */

/* Create a lot: validated (expiry before received_on, quantity < 1, a lot number already
 * used for another product, an unknown product: 4xx naming the field) and stored with its
 * "received" movement in one write. */
md_code md_lot_create(md_ctx *ctx, json_t *in, json_t **out, md_err *err);
/* Correct a lot (lot_number, expiry, received_on, supplier, unit; reason required): a new
 * version.  product_id, quantity and the recall fields are refused (MD_EINVAL naming
 * them); a lot number already used is refused as on create. */
md_code md_lot_update(md_ctx *ctx, const char *id, json_t *in, json_t **out, md_err *err);
/* A lot as md_record_get answers it, with "on_hand" (containers) and "usable" and, when
 * not, "unusable_reason". */
md_code md_lot_get(md_ctx *ctx, const char *id, json_t **out, md_err *err);
/* The clinic's current lots (include_all: entered in error too), of one product when
 * product_id is not NULL, with that exact lot number when lot_number is not NULL (a
 * scanned or typed label), each as md_lot_get answers it: {"items":[...]}. */
md_code md_lot_list(md_ctx *ctx, const char *product_id, const char *lot_number, int include_all,
                    json_t **out, md_err *err);
/* Quantity on hand of a lot: the sum of its movements, kept as a balance row moved in the
 * same transaction as each movement (no audit, no permission check; inside a write it sees
 * the write's own movements). */
md_code md_lot_on_hand(md_ctx *ctx, const char *lot_id, int64_t *out, md_err *err);
/* Record a movement {kind: received|wasted|returned|adjusted, quantity, reason}: positive
 * quantities (adjusted: non-zero, signed); reason required for adjusted, wasted, returned.
 * Taking more than is on hand is MD_EUNPROCESSABLE naming "quantity".  "used" comes only
 * from administrations and vial openings, "recalled" from md_lot_recall. */
md_code md_lot_movement(md_ctx *ctx, const char *lot_id, json_t *in, json_t **out, md_err *err);
/* Every movement of a lot, oldest first, and the sum: {"items":[...],"on_hand":N}. */
md_code md_lot_movements(md_ctx *ctx, const char *lot_id, json_t **out, md_err *err);
/* Mark a lot recalled: in {reason, date} (date: the recall notice, YYYY-MM-DD, required);
 * a new version of the lot (who, when, why) and a "recalled" movement of what was on hand,
 * in one write.  Any later use is refused with MD_ECONFLICT naming the reason.  A lot
 * already recalled is MD_ECONFLICT. */
md_code md_lot_recall(md_ctx *ctx, const char *lot_id, json_t *in, json_t **out, md_err *err);

/* Products that have at least one usable lot on that day (in date: expiry >= on, not
 * recalled, quantity on hand > 0): {"items":[{"product": {...record...}, "lots":
 * [{"id","lot_number","expiry","remaining"}]}]} (remaining: containers on hand), products
 * by name, lots by expiry (first to expire first).  Needs clinical read. */
md_code md_stock_available(md_ctx *ctx, md_day on, json_t **out, md_err *err);

/* ---- multi-dose vials ---- */

/* Open a vial of a multi-dose lot: in {"opened_at"?} (default now); one container "used"
 * from the lot; beyond_use_at computed from the kb (or the product's own hours) with the
 * rule and sources named in the answer.  MD_ECONFLICT for an expired or recalled lot or
 * none on hand; MD_EUNPROCESSABLE naming "lot_id" for a single-dose product. */
md_code md_vial_open(md_ctx *ctx, const char *lot_id, json_t *in, json_t **out, md_err *err);
/* Discard an open vial ({reason}): a new version, status discarded; what is left is not
 * drawn from again.  MD_ECONFLICT when it is not open. */
md_code md_vial_discard(md_ctx *ctx, const char *vial_id, json_t *in, json_t **out, md_err *err);
/* A vial with "remaining_ml", "usable" and, when not, "unusable_reason". */
md_code md_vial_get(md_ctx *ctx, const char *vial_id, json_t **out, md_err *err);

/* ---- administrations ---- */

/* One dose given.  Required: patient_id, lot_id, volume_ul > 0, route (intradermal,
 * subcutaneous, intraepidermal, epicutaneous, topical) and context (patch_test | session),
 * each refused naming its field when missing or unknown; vial_id required for a multi-dose
 * lot (refused for a single-dose one); context_id (the patch test or session) optional;
 * given_at "YYYY-MM-DDTHH:MM:SSZ" (NULL: now), which decides expiry, beyond-use and the
 * recall cut-off. */
typedef struct md_dose {
    const char *patient_id, *lot_id, *vial_id;
    long volume_ul;
    const char *route, *context, *context_id, *given_at;
    const char *area; /* optional: a kb treatment area (synonyms accepted) */
} md_dose;

/* Record one dose given and decrement stock in the same write transaction (nested as a
 * savepoint inside a caller's write): a single-dose lot loses one container ("used"
 * movement), a vial gets a draw of volume_ul.  Refused: an expired or recalled lot, a vial
 * past its beyond-use time or of an expired or recalled lot (MD_ECONFLICT, reason named);
 * a dose larger than what remains in the vial, or than a single-dose container holds
 * (MD_EUNPROCESSABLE naming "volume_ml"); no container left (MD_ECONFLICT naming
 * "lot_id").  Audited as a patient record write.  *out: the administration record. */
md_code md_administration_record(md_ctx *ctx, const md_dose *d, json_t **out, md_err *err);
/* The same from a JSON body {lot_id, vial_id?, volume_ml, route, context, context_id?,
 * given_at?} for patient_id (the API). */
md_code md_administration_create(md_ctx *ctx, const char *patient_id, json_t *in, json_t **out,
                                 md_err *err);
/* Mark an administration entered in error ({reason, version?}): its stock comes back (an
 * "adjusted" +1 movement for a single-dose container, a negative draw for a vial), in the
 * same write.  A correction of route, given_at, context_id or area is md_record_update. */
/* A correction (route, area, given_at, context_id; reason required): a new version; the lot,
 * vial, volume, product, given_by and status are refused (MD_EUNPROCESSABLE naming them). */
md_code md_administration_update(md_ctx *ctx, const char *patient_id, const char *id, json_t *in,
                                 json_t **out, md_err *err);
md_code md_administration_entered_in_error(md_ctx *ctx, const char *patient_id, const char *id,
                                           json_t *in, json_t **out, md_err *err);

/* ---- worklists ---- */

/* Products whose usable stock (containers on hand in usable lots) is at or under their
 * low_stock threshold (or the kb's default): {"items":[{"product","on_hand","threshold"}]}. */
md_code md_stock_low(md_ctx *ctx, md_day on, json_t **out, md_err *err);
/* Lots not recalled, with stock, whose expiry is within days of on (expired ones too). */
md_code md_stock_expiring(md_ctx *ctx, md_day on, int days, json_t **out, md_err *err);
/* Open vials past half their beyond-use time at now (seconds since the epoch). */
md_code md_stock_vials_aging(md_ctx *ctx, int64_t now, json_t **out, md_err *err);

#endif
