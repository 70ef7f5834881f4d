/*
 * gen_stock.c - the generator's products, lots, vials and administrations (gen_stock.h).
 *
 * Rates (5 sessions and about 10 doses per patient: 5,000,000 sessions and 10,000,000 doses
 * at 1,000,000 patients):
 *   - each patient has 1 to 9 sessions (5 on average) between the intake and the latest
 *     visit, each of 1 to 3 doses (2 on average) of a product drawn from the clinic's
 *     catalogue (PRODUCTS products, MULTI of them multi-dose vials), each dose in a zone of
 *     a face map (gen_chart.c: the administration's area is the zone's);
 *   - each session is charted (gen_chart.c: a treatment session row whose entries are its
 *     doses) with a needle lot of the clinic's needle (one consumable, a lot per lot
 *     period, received only: the generator does not count needles used);
 *   - time from as_of - SPAN days to as_of is cut into lot periods of L days (the same for
 *     every product), L chosen so that a lot serves about LOT_DOSES doses (1 to 364 days):
 *     a dose of product j on day d is from lot (j, (d - first day) / L);
 *   - a multi-dose lot's period is cut into vial buckets of W days (W <= 14 and divides L,
 *     within the kb's beyond-use time), each with V vials opened on its first morning, V
 *     sized so a vial serves about VIAL_DOSES doses; a dose draws from one of them.
 * Ledgers as stock.c keeps them: a lot's "received" movement (quantity about three times its
 * expected use, so that no lot runs short), a "used" container per single dose and per vial
 * opened, a vial draw per multi-dose dose.  A vial whose beyond-use time is past as_of is
 * version 1 open and version 2 discarded.
 * Ids: the catalogue's from (seed, clinic, product, lot, bucket, vial); a dose's sort in
 * generation order like the patients' (clinic, patient, dose number, then random digits).
 * Regulatory statuses and product bases are the kb's (checked against it at start); the
 * names, concentrations and volumes of the catalogue are label text, not clinical rules.
 */
#include "gen_chart.h"
#include "gen_rng.h"
#include "gen_stock.h"
#include "mesodesk/kb.h"
#include "mesodesk/record.h"
#include "mesodesk/stock.h"

#include <stdio.h>
#include <string.h>

#define PRODUCTS 10
#define MULTI 3 /* the last MULTI products are multi-dose */
#define SPAN 1800
#define LOT_DOSES 200
#define VIAL_DOSES 10
#define DOSES_PER_PATIENT 10

const char *const md__gen_stock_tables[] = {"products",   "consumables",        "lots",
                                            "vials",      "administrations",    "stock_movements",
                                            "vial_draws", "treatment_sessions", NULL};

/* ---- randomness (gen_rng.h) ---- */

/* A stream for (seed, a, b, c): one per catalogue item or patient. */
static md__rng stream(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
    return md__rng_stream(seed, 0x5DEECE66Dull, a, b, c);
}

static void hex_id(md__rng *r, char out[MD_ID_STR])
{
    unsigned long long a = md__rng_next(r), b = md__rng_next(r);
    snprintf(out, MD_ID_STR, "%016llx%016llx", a, b);
}

/* Catalogue ids: kind 1 product, 2 lot, 3 vial, 4 the needle, 5 a needle lot, 6 a patient's
 * course (its id only: the generator writes no course records). */
static void cat_id(uint64_t seed, int clinic, unsigned kind, long a, long b, long c,
                   char out[MD_ID_STR])
{
    md__rng r = stream(seed ^ ((uint64_t)kind << 56), (uint64_t)clinic, (uint64_t)a,
                       ((uint64_t)b << 24) ^ (uint64_t)c);
    hex_id(&r, out);
}

/* ---- the clinic's plan ---- */

typedef struct plan {
    md_day first;    /* as_of - SPAN */
    long days;       /* SPAN + 1 */
    long lot_days;   /* L */
    long lots;       /* per product */
    long vial_days;  /* W */
    long vials;      /* V per bucket */
    long beyond_use; /* hours */
    const char *rule;
    long single_qty, multi_qty; /* containers received per lot */
} plan;

static md_code make_plan(const md_gen_options *o, const md_kb *kb, plan *pl, md_err *err)
{
    md_beyond_use b;
    md_code rc = md_kb_beyond_use(kb, &b, err);
    if (rc != MD_OK) return rc;
    memset(pl, 0, sizeof *pl);
    pl->first = o->as_of - SPAN;
    pl->days = SPAN + 1;
    pl->beyond_use = b.hours;
    pl->rule = b.rule;
    /* doses of one product on one day, on average */
    double rate = (double)o->patients * DOSES_PER_PATIENT / PRODUCTS / (double)pl->days;
    long l = rate > 0 ? (long)(LOT_DOSES / rate + 0.5) : 364;
    pl->lot_days = l < 1 ? 1 : l > 364 ? 364 : l;
    long w = pl->beyond_use / 24 - 1;
    if (w > 14) w = 14;
    if (w < 1) return md_err_set(err, MD_EINVAL, "kb", "the kb's beyond-use time is under 2 days");
    if (pl->lot_days <= w)
        w = pl->lot_days;
    else
        pl->lot_days = pl->lot_days / w * w;
    pl->vial_days = w;
    pl->lots = (pl->days + pl->lot_days - 1) / pl->lot_days;
    /* 1.5 times the expected doses of a bucket, VIAL_DOSES a vial (about 2 ml of 10) */
    pl->vials = (long)(rate * (double)w * 1.5 / VIAL_DOSES) + 1;
    pl->single_qty = (long)(rate * (double)pl->lot_days * 3) + 10;
    pl->multi_qty = pl->vials * (pl->lot_days / w) + 2;
    return MD_OK;
}

/* ---- the catalogue ---- */

static const char *const product_names[PRODUCTS] = {
    "Revitalising complex ampoule", "Vitamin C 20 mg/ml ampoule", "Hyaluronic 1.5% ampoule",
    "Organic silicon ampoule",      "Lipolytic blend ampoule",    "Peptide hair ampoule",
    "Procaine 2% ampoule",          "Polynucleotide vial",        "Multivitamin vial",
    "Hyaluronic gel vial"};
static const char *const concentrations[] = {"0.5%", "1%", "1.5%", "2%", "20 mg/ml", "5 mg/ml"};
/* Regulatory statuses and bases: kb codes (checked in check_catalogue). */
static const char *const reg_status = "ce_marked";
static const char *const bases[] = {"aqueous", "aqueous", "gel"};

static md_code check_catalogue(const md_kb *kb, md_err *err)
{
    md_reg_info info;
    md_code rc = md_kb_regulatory_policy(kb, reg_status, "regulatory", &info, err);
    for (size_t i = 0; rc == MD_OK && i < sizeof bases / sizeof bases[0]; i++)
        if (!md_kb_product_base_known(kb, bases[i]))
            rc = md_err_set(err, MD_EINVAL, "kb", "the kb has no product base %s", bases[i]);
    if (rc == MD_OK && md_kb_vocab_count(kb, MD_VOCAB_INGREDIENT) == 0)
        rc = md_err_set(err, MD_EINVAL, "kb", "the kb has no ingredient vocabulary");
    return rc;
}

static md_code exec(md_ctx *ctx, const char *sql, const md_val *v, int n, long *rows, md_err *err)
{
    if (rows) (*rows)++;
    return md_store_exec(ctx->db, sql, v, n, NULL, NULL, err);
}

static md_code product_row(md_ctx *ctx, const md_gen_options *o, int clinic, int j, const char *at,
                           long *rows, md_err *err)
{
    char id[MD_ID_STR], ingredients[512], regulatory[64];
    md__rng r = stream(o->seed, (uint64_t)clinic, 1000 + (uint64_t)j, 0);
    int multi = j >= PRODUCTS - MULTI;
    size_t n = md_kb_vocab_count(ctx->kb, MD_VOCAB_INGREDIENT),
           first = md__rng_below(&r, (uint32_t)n);
    int k = 1 + (int)md__rng_below(&r, 3);
    size_t off = (size_t)snprintf(ingredients, sizeof ingredients, "[");
    for (int i = 0; i < k && (size_t)i < n; i++) /* distinct: consecutive vocabulary entries */
        off += (size_t)snprintf(
            ingredients + off, sizeof ingredients - off,
            "%s{\"ingredient\":\"%s\",\"concentration\":\"%s\"}", i ? "," : "",
            md_kb_vocab_code(ctx->kb, MD_VOCAB_INGREDIENT, (first + (size_t)i) % n),
            concentrations[md__rng_below(&r, sizeof concentrations / sizeof concentrations[0])]);
    snprintf(ingredients + off, sizeof ingredients - off, "]");
    snprintf(regulatory, sizeof regulatory, "{\"EU\":\"%s\"}", reg_status);
    cat_id(o->seed, clinic, 1, j, 0, 0, id);
    md_val v[] = {md_text(ctx->who.clinic_id),  md_text(id),
                  md_text(md_actor_id(ctx)),    md_text(at),
                  md_text(product_names[j]),    md_text("Generated Laboratories"),
                  md_text("solution"),          md_text(multi ? "multi_dose" : "single_dose"),
                  md_int(multi ? 10000 : 2000), md_text(bases[multi ? 2 : md__rng_below(&r, 2)]),
                  md_text(ingredients),         md_text(regulatory)};
    return exec(ctx,
                "INSERT INTO products (clinic_id, id, version, current, recorded_by, recorded_at, "
                "reason, name, manufacturer, form, presentation, volume_ml, base, ingredients, "
                "regulatory, status) VALUES ($1, $2, 1, 1, $3, $4, 'generated', $5, $6, $7, $8, "
                "$9, $10, $11, $12, 'active')",
                v, 12, rows, err);
}

static md_code movement(md_ctx *ctx, md__rng *r, const char *lot, const char *kind, long qty,
                        const char *admin, const char *vial, const char *at, long *rows,
                        md_err *err)
{
    char id[MD_ID_STR];
    hex_id(r, id);
    md_val v[] = {md_text(ctx->who.clinic_id),
                  md_text(id),
                  md_text(lot),
                  md_text(kind),
                  md_int(qty),
                  md_text(admin),
                  md_text(vial),
                  md_text(md_actor_id(ctx)),
                  md_text(at)};
    return exec(ctx,
                "INSERT INTO stock_movements (clinic_id, id, lot_id, kind, quantity, reason, "
                "administration_id, vial_id, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, "
                "$5, 'generated', $6, $7, $8, $9)",
                v, 9, rows, err);
}

static md_code lot_row(md_ctx *ctx, const md_gen_options *o, const plan *pl, int clinic, int j,
                       long k, long *rows, md_err *err)
{
    char id[MD_ID_STR], product[MD_ID_STR], number[32], expiry[MD_DATE_STR], received[MD_DATE_STR],
        at[MD_TIME_STR];
    md_day start = pl->first + (md_day)(k * pl->lot_days);
    long qty = j >= PRODUCTS - MULTI ? pl->multi_qty : pl->single_qty;
    cat_id(o->seed, clinic, 2, j, k, 0, id);
    cat_id(o->seed, clinic, 1, j, 0, 0, product);
    snprintf(number, sizeof number, "G%02d-%02d-%05ld", clinic % 100, j, k);
    md_date_format(start + (md_day)pl->lot_days + 365, expiry);
    md_date_format(start - 3, received);
    md_time_format((int64_t)(start - 3) * 86400 + 9 * 3600, at);
    md_val v[] = {md_text(ctx->who.clinic_id),
                  md_text(id),
                  md_text(md_actor_id(ctx)),
                  md_text(at),
                  md_text(product),
                  md_text(number),
                  md_text(expiry),
                  md_text(received),
                  md_int(qty),
                  md_text(j >= PRODUCTS - MULTI ? "vial" : "ampoule")};
    md_code rc = exec(ctx,
                      "INSERT INTO lots (clinic_id, id, version, current, recorded_by, "
                      "recorded_at, reason, product_id, lot_number, expiry, received_on, "
                      "supplier, quantity, unit, status) VALUES ($1, $2, 1, 1, $3, $4, "
                      "'generated', $5, $6, $7, $8, 'Generated Supplies', $9, $10, 'active')",
                      v, 10, rows, err);
    md__rng r = stream(o->seed, (uint64_t)clinic, 2000 + (uint64_t)j, (uint64_t)k);
    if (rc == MD_OK) rc = movement(ctx, &r, id, "received", qty, NULL, NULL, at, rows, err);
    return rc;
}

static void vial_times(const plan *pl, long bucket, char opened[MD_TIME_STR], char bud[MD_TIME_STR],
                       int64_t *bud_t)
{
    int64_t t = (int64_t)(pl->first + (md_day)(bucket * pl->vial_days)) * 86400 + 7 * 3600 + 1800;
    *bud_t = t + (int64_t)pl->beyond_use * 3600;
    md_time_format(t, opened);
    md_time_format(*bud_t, bud);
}

static md_code vial_rows(md_ctx *ctx, const md_gen_options *o, const plan *pl, int clinic, int j,
                         long bucket, long *rows, md_err *err)
{
    char lot[MD_ID_STR], id[MD_ID_STR], opened[MD_TIME_STR], bud[MD_TIME_STR];
    int64_t bud_t;
    md_code rc = MD_OK;
    vial_times(pl, bucket, opened, bud, &bud_t);
    int discarded = bud_t < (int64_t)o->as_of * 86400;
    cat_id(o->seed, clinic, 2, j, bucket * pl->vial_days / pl->lot_days, 0, lot);
    md__rng r = stream(o->seed, (uint64_t)clinic, 3000 + (uint64_t)j, (uint64_t)bucket);
    for (long v = 0; rc == MD_OK && v < pl->vials; v++) {
        cat_id(o->seed, clinic, 3, j, bucket, v, id);
        md_val p[] = {md_text(ctx->who.clinic_id),
                      md_text(id),
                      md_int(1),
                      md_int(!discarded),
                      md_text(md_actor_id(ctx)),
                      md_text(opened),
                      md_text("opened"),
                      md_text(lot),
                      md_text(opened),
                      md_int(10000),
                      md_text(bud),
                      md_text(pl->rule),
                      md_text("open")};
        static const char *const sql =
            "INSERT INTO vials (clinic_id, id, version, current, recorded_by, recorded_at, "
            "reason, lot_id, opened_at, volume_ml, beyond_use_at, beyond_use_rule, status) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
        rc = exec(ctx, sql, p, 13, rows, err);
        if (rc == MD_OK && discarded) {
            p[2] = md_int(2);
            p[3] = md_int(1);
            p[5] = md_text(bud);
            p[6] = md_text("past its beyond-use time");
            p[12] = md_text("discarded");
            rc = exec(ctx, sql, p, 13, rows, err);
        }
        if (rc == MD_OK) rc = movement(ctx, &r, lot, "used", -1, NULL, id, opened, rows, err);
    }
    return rc;
}

/* The clinic's needle (27G 4 mm) and a lot of it for every lot period, received once. */
static md_code needle_rows(md_ctx *ctx, const md_gen_options *o, const plan *pl, int clinic,
                           const char *at, long *rows, md_err *err)
{
    char id[MD_ID_STR], lot[MD_ID_STR], number[32], expiry[MD_DATE_STR], received[MD_DATE_STR],
        rat[MD_TIME_STR];
    if (!md_kb_consumable_kind_known(ctx->kb, "needle"))
        return md_err_set(err, MD_EINVAL, "kb", "the kb has no consumable kind needle");
    cat_id(o->seed, clinic, 4, 0, 0, 0, id);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id), md_text(md_actor_id(ctx)), md_text(at)};
    md_code rc = exec(ctx,
                      "INSERT INTO consumables (clinic_id, id, version, current, recorded_by, "
                      "recorded_at, reason, kind, name, manufacturer, gauge, length_mm, status) "
                      "VALUES ($1, $2, 1, 1, $3, $4, 'generated', 'needle', 'Mesotherapy needle "
                      "27G 4 mm', 'Generated Laboratories', 27, 4, 'active')",
                      v, 4, rows, err);
    md__rng r = stream(o->seed, (uint64_t)clinic, 5000, 0);
    for (long k = 0; rc == MD_OK && k < pl->lots; k++) {
        md_day start = pl->first + (md_day)(k * pl->lot_days);
        cat_id(o->seed, clinic, 5, 0, k, 0, lot);
        snprintf(number, sizeof number, "N%02d-%05ld", clinic % 100, k);
        md_date_format(start + (md_day)pl->lot_days + 3 * 365, expiry);
        md_date_format(start - 3, received);
        md_time_format((int64_t)(start - 3) * 86400 + 9 * 3600, rat);
        md_val l[] = {md_text(ctx->who.clinic_id),
                      md_text(lot),
                      md_text(md_actor_id(ctx)),
                      md_text(rat),
                      md_text(id),
                      md_text(number),
                      md_text(expiry),
                      md_text(received),
                      md_int(pl->single_qty)};
        rc = exec(ctx,
                  "INSERT INTO lots (clinic_id, id, version, current, recorded_by, recorded_at, "
                  "reason, product_id, lot_number, expiry, received_on, supplier, quantity, unit, "
                  "status) VALUES ($1, $2, 1, 1, $3, $4, 'generated', $5, $6, $7, $8, "
                  "'Generated Supplies', $9, 'needle', 'active')",
                  l, 9, rows, err);
        if (rc == MD_OK)
            rc = movement(ctx, &r, lot, "received", pl->single_qty, NULL, NULL, rat, rows, err);
    }
    return rc;
}

static md_code catalogue(md_ctx *ctx, const md_gen_options *o, const plan *pl, int clinic,
                         long *rows, md_err *err)
{
    char at[MD_TIME_STR];
    md_time_format((int64_t)(pl->first - 10) * 86400 + 9 * 3600, at);
    md_code rc = check_catalogue(ctx->kb, err);
    if (rc == MD_OK) rc = needle_rows(ctx, o, pl, clinic, at, rows, err);
    for (int j = 0; rc == MD_OK && j < PRODUCTS; j++) {
        rc = product_row(ctx, o, clinic, j, at, rows, err);
        for (long k = 0; rc == MD_OK && k < pl->lots; k++)
            rc = lot_row(ctx, o, pl, clinic, j, k, rows, err);
        long buckets = pl->lots * (pl->lot_days / pl->vial_days);
        for (long b = 0; rc == MD_OK && j >= PRODUCTS - MULTI && b < buckets; b++)
            rc = vial_rows(ctx, o, pl, clinic, j, b, rows, err);
    }
    return rc;
}

/* ---- doses ---- */

static int staff_row(void *vids, const md_row *r)
{
    char(*ids)[MD_ID_STR] = vids;
    for (int i = 0; i < 4; i++)
        if (!ids[i][0]) {
            md_strlcpy(ids[i], md_row_text(r, 0), MD_ID_STR);
            return i == 3;
        }
    return 1;
}

static const char *const routes[] = {"intradermal", "intradermal",    "intradermal",
                                     "intradermal", "intraepidermal", "subcutaneous"};

static md_code dose_row(md_ctx *ctx, const md_gen_options *o, const plan *pl,
                        const md__gen_chart *gc, md__rng *r, int clinic, long index, int n,
                        const md_gen_patient *p, md_day day, int64_t t, const char *session,
                        const char *by, md__gen_dose *dose, long *rows, md_err *err)
{
    char *id = dose->id, *lot = dose->lot_id, *vial = dose->vial_id, *product = dose->product_id,
         at[MD_TIME_STR];
    int j = (int)md__rng_below(r, PRODUCTS), multi = j >= PRODUCTS - MULTI;
    long off = (long)(day - pl->first), bucket = off / pl->vial_days;
    unsigned long long lo = md__rng_next(r), hi = md__rng_next(r);
    snprintf(id, MD_ID_STR, "%03x%09lx%02x%02llx%016llx", (unsigned)clinic & 0xfff,
             (unsigned long)index & 0xfffffffffUL, 0x80u | ((unsigned)n & 0x7f), lo & 0xff, hi);
    cat_id(o->seed, clinic, 1, j, 0, 0, product);
    cat_id(o->seed, clinic, 2, j, off / pl->lot_days, 0, lot);
    vial[0] = '\0';
    if (multi)
        cat_id(o->seed, clinic, 3, j, bucket, (long)md__rng_below(r, (uint32_t)pl->vials), vial);
    long ul = multi ? 50 + 10 * (long)md__rng_below(r, 31) : 500 + 100 * (long)md__rng_below(r, 16);
    dose->volume_ul = ul;
    dose->zone = &gc->zones[md__rng_below(r, (uint32_t)gc->nzones)];
    md_time_format(t, at);
    md_val v[] = {md_text(ctx->who.clinic_id),
                  md_text(id),
                  md_text(md_actor_id(ctx)),
                  md_text(at),
                  md_text(p->id),
                  md_text(product),
                  md_text(lot),
                  md_text(multi ? vial : NULL),
                  md_int(ul),
                  md_text(routes[md__rng_below(r, sizeof routes / sizeof routes[0])]),
                  md_text(dose->zone->area),
                  md_text(session),
                  md_text(at),
                  md_text(by)};
    if (o->validate_every > 0 && index % o->validate_every == 0 && n == 0) {
        json_t *body = json_pack("{s:s,s:s,s:s?,s:f,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "product_id",
                                 product, "lot_id", lot, "vial_id", multi ? vial : NULL,
                                 "volume_ml", (double)ul / 1000.0, "route", v[9].text, "area",
                                 v[10].text, "context", "session", "context_id", session,
                                 "given_at", at, "given_by", by, "status", "given");
        md_code vrc = md_record_validate(ctx, &md_kind_administration, body, err);
        json_decref(body);
        if (vrc != MD_OK) return vrc;
    }
    md_code rc = exec(ctx,
                      "INSERT INTO administrations (clinic_id, id, version, current, recorded_by, "
                      "recorded_at, reason, patient_id, product_id, lot_id, vial_id, volume_ml, "
                      "route, area, context, context_id, given_at, given_by, status) VALUES ($1, "
                      "$2, 1, 1, $3, $4, 'generated', $5, $6, $7, $8, $9, $10, $11, 'session', "
                      "$12, $13, $14, 'given')",
                      v, 14, rows, err);
    if (rc != MD_OK) return rc;
    if (!multi) return movement(ctx, r, lot, "used", -1, id, NULL, at, rows, err);
    char draw[MD_ID_STR];
    hex_id(r, draw);
    md_val d[] = {md_text(ctx->who.clinic_id),
                  md_text(draw),
                  md_text(vial),
                  md_text(lot),
                  md_int(ul),
                  md_text(id),
                  md_text(md_actor_id(ctx)),
                  md_text(at)};
    return exec(ctx,
                "INSERT INTO vial_draws (clinic_id, id, vial_id, lot_id, volume_ul, "
                "administration_id, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, "
                "$7, $8)",
                d, 8, rows, err);
}

md_code md__gen_stock_patient(md_ctx *ctx, const md_gen_options *o, const md__gen_chart *gc,
                              int clinic, long index, const md_gen_patient *p, long *rows,
                              md_err *err)
{
    plan pl;
    int64_t intake = 0, visit = 0;
    char by[4][MD_ID_STR] = {{0}};
    md_code rc = make_plan(o, ctx->kb, &pl, err);
    if (rc == MD_OK && index == 0) rc = catalogue(ctx, o, &pl, clinic, rows, err);
    if (rc != MD_OK) return rc;
    md_val cv[] = {md_text(ctx->who.clinic_id)};
    rc = md_store_exec(ctx->db,
                       "SELECT id FROM staff WHERE clinic_id = $1 AND role = 'practitioner' "
                       "ORDER BY id",
                       cv, 1, staff_row, by, err);
    if (rc != MD_OK) return rc;
    int nby = 0;
    while (nby < 4 && by[nby][0])
        nby++;
    char director[MD_ID_STR] = "";
    rc = md_store_scalar_text(ctx->db,
                              "SELECT min(id) FROM staff WHERE clinic_id = $1 AND role = "
                              "'medical_director'",
                              cv, 1, director, sizeof director, err);
    if (rc == MD_ENOTFOUND) rc = MD_OK;
    if (rc != MD_OK) return rc;
    if (md_time_parse(p->recorded_at, &intake) || md_time_parse(p->reviewed_at, &visit))
        return md_err_set(err, MD_EINTERNAL, NULL, "a generated patient without visit times");
    /* The seeded cluster (gen_care.c): the lot of product 0 that was in use about 300 days
     * before as_of (or the first), so that its infections' onsets all lie before as_of. */
    char cluster[MD_ID_STR];
    long cluster_lot = (SPAN - 300) / pl.lot_days;
    cat_id(o->seed, clinic, 2, 0, cluster_lot < pl.lots ? cluster_lot : 0, 0, cluster);
    md__rng r = stream(o->seed, (uint64_t)clinic, (uint64_t)index, 4000);
    md_day d0 = (md_day)(intake / 86400), d1 = (md_day)(visit / 86400);
    int sessions = 1 + (int)md__rng_below(&r, 9), n = 0;
    for (int s = 0; rc == MD_OK && s < sessions; s++) {
        md_day day = s == 0 ? d0 : d0 + (md_day)md__rng_below(&r, (uint32_t)(d1 - d0 + 1));
        int64_t t = (int64_t)day * 86400 + 9 * 3600 + (int64_t)md__rng_below(&r, 9 * 3600);
        if (t < intake) t = intake; /* within the patient's own visits */
        if (t > visit) t = visit;
        if (t > (int64_t)o->as_of * 86400 - 600) /* every time lies before the as-of day */
            t = (int64_t)o->as_of * 86400 - 600;
        char session[MD_ID_STR];
        hex_id(&r, session);
        const char *who = nby ? by[md__rng_below(&r, (uint32_t)nby)] : md_actor_id(ctx);
        int doses = 1 + (int)md__rng_below(&r, 3);
        md__gen_dose d[3];
        for (int k = 0; rc == MD_OK && k < doses; k++, n++)
            rc = dose_row(ctx, o, &pl, gc, &r, clinic, index, n, p, (md_day)(t / 86400), t + 60 * k,
                          session, who, &d[k], rows, err);
        char needle[MD_ID_STR];
        cat_id(o->seed, clinic, 5, 0, (long)((md_day)(t / 86400) - pl.first) / pl.lot_days, 0,
               needle);
        char course[MD_ID_STR];
        cat_id(o->seed, clinic, 6, index, 0, 0, course);
        md__gen_visit sv = {session, course, s + 1, t, who, director[0] ? director : NULL, needle};
        md__rng sr = stream(o->seed, (uint64_t)clinic, (uint64_t)index, 6000 + (uint64_t)s);
        if (rc == MD_OK)
            rc = md__gen_session_write(ctx, gc, &sr, p, &sv, o->as_of, d, doses, rows, err);
        int on_cluster = 0;
        for (int k = 0; k < doses; k++)
            on_cluster |= strcmp(d[k].lot_id, cluster) == 0;
        if (rc == MD_OK && gc->kind)
            rc = md__gen_care_session(ctx, &gc->care, o->seed, clinic, index, s, p, &sv, d, doses,
                                      on_cluster, o->as_of, rows, err);
    }
    return rc;
}

md_code md__gen_stock_balances(md_ctx *ctx, md_err *err)
{
    md_code rc = md_store_begin(ctx->db, err);
    if (rc != MD_OK) return rc;
    rc = md_store_exec(ctx->db,
                       "INSERT INTO lot_balances (clinic_id, lot_id, on_hand) SELECT m.clinic_id, "
                       "m.lot_id, sum(m.quantity) FROM stock_movements m WHERE NOT EXISTS (SELECT "
                       "1 FROM lot_balances b WHERE b.clinic_id = m.clinic_id AND b.lot_id = "
                       "m.lot_id) GROUP BY m.clinic_id, m.lot_id",
                       NULL, 0, NULL, NULL, err);
    if (rc == MD_OK)
        rc = md_store_exec(ctx->db,
                           "INSERT INTO vial_drawn (clinic_id, vial_id, drawn_ul) SELECT "
                           "d.clinic_id, d.vial_id, sum(d.volume_ul) FROM vial_draws d WHERE NOT "
                           "EXISTS (SELECT 1 FROM vial_drawn w WHERE w.clinic_id = d.clinic_id "
                           "AND w.vial_id = d.vial_id) GROUP BY d.clinic_id, d.vial_id",
                           NULL, 0, NULL, NULL, err);
    return md_store_finish(ctx->db, rc, err);
}
