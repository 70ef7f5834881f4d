/*
 * stock_int.h - what stock.c (lots, movements, vials) shares with administration.c (doses).
 * Not a public header.  Every function runs on ctx->db as it is (inside the caller's write
 * where it writes), checks no permission and audits nothing; MD_OK or the code set in err.
 */
#ifndef MESODESK_STOCK_INT_H
#define MESODESK_STOCK_INT_H
#include "mesodesk/stock.h"

/* The current version of a lot, and of its product, as far as stock needs them. */
typedef struct md__lot {
    char id[MD_ID_STR], product_id[MD_ID_STR];
    char lot_number[65], expiry[MD_DATE_STR], status[24];
    char recall_reason[256], recalled_on[MD_DATE_STR], recalled_at[MD_TIME_STR];
    /* the product; presentation "consumable" for a consumable's lot (needles) */
    char presentation[16], product_status[24];
    int64_t volume_ul;        /* of one container */
    int64_t beyond_use_hours; /* the manufacturer's, 0 when none */
    int64_t low_stock;        /* -1 when none */
} md__lot;

/* Load lot id (MD_ENOTFOUND naming field when the clinic has none current). */
md_code md__lot_load(md_ctx *ctx, const char *id, const char *field, md__lot *lot, md_err *err);
/* Whether a dose given at time t (seconds) may come from the lot: MD_OK, or MD_ECONFLICT
 * naming field with the reason (recalled, with its reason and date, when t is not before the
 * recall was marked; expired before t's day; entered in error; product not active).  A dose
 * given before the recall was marked is still charted (its patient is exposed). */
md_code md__lot_usable(const md__lot *lot, int64_t t, const char *field, md_err *err);
/* Append a movement (quantity signed: received +, used/wasted/returned/recalled -). */
md_code md__movement_insert(md_ctx *ctx, const char *lot_id, const char *kind, int64_t quantity,
                            const char *reason, const char *administration_id, const char *vial_id,
                            md_err *err);

typedef struct md__vial {
    char id[MD_ID_STR], lot_id[MD_ID_STR], status[24];
    char opened_at[MD_TIME_STR], beyond_use_at[MD_TIME_STR];
    int64_t volume_ul, remaining_ul;
} md__vial;
/* Load vial id with its remaining volume (MD_ENOTFOUND naming field). */
md_code md__vial_load(md_ctx *ctx, const char *id, const char *field, md__vial *v, md_err *err);
/* Whether a dose may be drawn at time t (seconds): MD_OK or MD_ECONFLICT naming field. */
md_code md__vial_usable(const md__vial *v, int64_t t, const char *field, md_err *err);
/* Append a draw (volume signed: a dose +, a dose entered in error -). */
md_code md__draw_insert(md_ctx *ctx, const md__vial *v, int64_t volume_ul,
                        const char *administration_id, md_err *err);

/* A volume in thousandths as the API shows it: an integer when whole (2), else 1.5. */
static inline json_t *md__milli_json(int64_t v)
{
    return v % 1000 == 0 ? json_integer(v / 1000) : json_real((double)v / 1000.0);
}

/* End a write begun with md_write_begin: on MD_OK *out = made, else made is dropped. */
md_code md__write_answer(md_ctx *ctx, md_code rc, json_t *made, json_t **out, md_err *err);
#endif
