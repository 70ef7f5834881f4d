/*
 * formulation.h - the formulation builder and custom mixtures (issue 8 item 4).
 *
 * Three layers, each usable alone:
 *
 *  1. Knowledge (kb/concerns.json and kb/incompatibilities.json, compiled by the kb loader
 *     into the md_kb): the treatment concerns and the ingredients that address each one,
 *     with the source of every concern -> ingredient link and, where the sources say so,
 *     the areas a concern or a link applies to; the mixing rules (same_syringe,
 *     never_inject, unmixed_only).  The regulatory policy per status is kb/stock.json's
 *     (md_product_regulatory, stock.h).  All strings belong to the kb.
 *
 *  2. The engine (md_fm_evaluate): pure, no I/O.  Given the patient's screening input as
 *     screening gathers it (screen.h), the clinic's compiled rule set, the jurisdiction,
 *     the requested concerns and areas and a list of candidate products (JSON, as
 *     md_stock_available returns its items: [{"product": {record}, "lots": [...]}]), it ranks
 *     the candidates (single products, and pairs of products that together cover more of
 *     the concerns) and lists every excluded one with each reason, rule and sources.
 *     Allergy and screening findings come from md_screen_evaluate with the candidate's
 *     ingredients as the planned ingredients: the same compiled rules as screening.
 *
 *  3. The service (md_formulation_build, md_formulation_create/update): gathers the
 *     patient's facts and the stock, runs the engine, audits the read of the patient;
 *     custom mixtures are a versioned patient-level kind (md_kind_formulation).
 *
 * Ranking (deterministic): more requested concerns covered first; then fewer cautions;
 * then fewer components (a single product before a mixture); then more concern ->
 * ingredient links; then the earliest expiring usable lot (use what expires first); then
 * product names and ids, compared as bytes.
 *
 * Exclusion reasons (each with "rule" and "sources", and "missing" when a needed fact was
 * not recorded): "allergy" (rule allergy_planned_ingredient, through allergen classes),
 * "screening" (a blocking screening finding for the patient or the areas, or a fact it
 * needs that is unknown), "incompatibility" (same_syringe), "never_inject" (the product's
 * base; a base not recorded is "missing"), "unmixed_only" (an unmixed-only product in a
 * mixture), "regulatory" (blocked status, or no status recorded for the clinic's
 * jurisdiction: "missing").
 *
 * Errors: md_code (0 = MD_OK) with md_err naming the field ("concerns[1]",
 * "mixture.components[0].volume_ml").  Nothing here prints or exits.  Returned json_t
 * are new references owned by the caller.
 */
#ifndef MESODESK_FORMULATION_H
#define MESODESK_FORMULATION_H

#include <jansson.h>
#include <stddef.h>

#include "mesodesk/context.h"
#include "mesodesk/kb.h"
#include "mesodesk/record.h"
#include "mesodesk/screen.h"
#include "mesodesk/stock.h"

/* ---- 1. knowledge --------------------------------------------------------------- */

typedef struct md_concern_link {
    const char *ingredient; /* kb ingredient code */
    int ingredient_id;      /* its id in MD_VOCAB_INGREDIENT */
    const char *const *sources;
    size_t n_sources;
    const char *note;       /* may be NULL */
    int has_areas;          /* 1: the link applies only to some areas (areas_text) */
    const char *areas_text; /* "submental", comma separated, or NULL */
} md_concern_link;

/* Concerns: ids 0..count-1.  find: id of a code (case-insensitive as vocabulary), or -1. */
size_t md_kb_concern_count(const md_kb *kb);
int md_kb_concern_find(const md_kb *kb, const char *code);
const char *md_kb_concern_code(const md_kb *kb, int id);
const char *md_kb_concern_label(const md_kb *kb, int id);
/* Areas the concern applies to, comma separated ("submental,body"), or NULL for any. */
const char *md_kb_concern_areas(const md_kb *kb, int id);
size_t md_kb_concern_link_count(const md_kb *kb, int id);
int md_kb_concern_link(const md_kb *kb, int id, size_t i, md_concern_link *out); /* 0 or -1 */
/* 1 when the concern (link -1) or its link i applies to one of the planned areas (area ids
 * of MD_VOCAB_AREA; an area counts when it is, contains or is part of a listed one); a
 * concern or link without areas applies everywhere. */
int md_kb_concern_applies(const md_kb *kb, int id, int link, const int *area_ids, size_t n);
/* The concerns as JSON for forms: [{"code","label","areas"?,"ingredients":[{"ingredient",
 * "sources","note"?,"areas"?}],"sources"}] (new reference; NULL out of memory). */
json_t *md_kb_concerns_json(const md_kb *kb);

/* A mixing rule of kb/incompatibilities.json. */
typedef struct md_mix_rule {
    const char *id;
    const char *kind; /* "same_syringe", "never_inject", "unmixed_only" */
    const char *message;
    const char *const *sources;
    size_t n_sources;
} md_mix_rule;
/* same_syringe rules: count, and whether rule i matches a set of ingredient ids (two
 * different ingredients of its list are present): 1 with *out filled, else 0. */
size_t md_kb_same_syringe_count(const md_kb *kb);
int md_kb_same_syringe(const md_kb *kb, size_t i, const int *ingredient_ids, size_t n,
                       md_mix_rule *out);
/* 1 with *out when a base ("oil") is one never to inject, else 0. */
int md_kb_never_inject(const md_kb *kb, const char *base, md_mix_rule *out);
/* 1 with *out when the ingredient must be injected unmixed, else 0. */
int md_kb_unmixed_only(const md_kb *kb, int ingredient_id, md_mix_rule *out);

/* ---- 2. the engine ---------------------------------------------------------------- */

#define MD_FM_MAX_CONCERNS 12
#define MD_FM_MAX_AREAS 16
#define MD_FM_MAX_COMPONENTS 8
#define MD_FM_MAX_CANDIDATES 512 /* single products considered (more are 413) */
#define MD_FM_MAX_PAIRS 16       /* the best passing single products paired into mixtures */
#define MD_FM_MAX_RESULTS 50     /* ranked candidates returned ("truncated" says more) */

typedef struct md_fm_request {
    const md_ruleset *rs;
    md_screen_input *patient; /* facts as gathered (screening.h); date, areas set here */
    const char *jurisdiction; /* the clinic's, or NULL: the kb default */
    const char *const *concerns;
    size_t n_concerns;
    const char *const *areas;
    size_t n_areas;
    const json_t *available; /* [{"product": {...}, "lots": [...]}] (borrowed) */
} md_fm_request;

/* Resolve and evaluate.  *out: {"jurisdiction","concerns","areas","candidates":[...],
 * "excluded":[...],"not_addressed":[...],"truncated"}.  MD_EUNPROCESSABLE naming
 * "concerns[i]" / "areas[i]" for unknown codes or a concern that does not apply to any
 * planned area; MD_EINVAL for an empty list; MD_ETOOBIG over the caps. */
md_code md_fm_evaluate(const md_fm_request *req, md_arena *a, json_t **out, md_err *err);

/* One mixture: components [{"product": {record}, "volume_ul": n}] (borrowed) checked like a
 * candidate.  *out: {"blocked": bool, "reasons":[...], "cautions":[...], "rationale":[...]}.
 * concerns may be empty (no rationale then). */
md_code md_fm_check_mixture(const md_fm_request *req, const json_t *components, md_arena *a,
                            json_t **out, md_err *err);

/* ---- 3. the service --------------------------------------------------------------- */

/* A custom mixture of a patient (versioned, generic reads under
 * /api/v1/patients/{id}/formulations).  Fields: name, mixture {"components":[{"product_id",
 * "volume_ml"}], "concerns":[...], "areas":[...]}, planned_date, notes, checks (written by
 * the server: what the checks found), status. */
extern const md_record_kind md_kind_formulation;

/* in: {"concerns":[...],"areas":[...],"date"?}.  Audited as a read of the patient. */
md_code md_formulation_build(md_ctx *ctx, const char *patient_id, json_t *in, json_t **out,
                             md_err *err);
/* Check and save a mixture: refused with every blocking reason (MD_ECONFLICT, reasons in
 * *details, a new reference) or saved with its cautions in "checks". */
md_code md_formulation_create(md_ctx *ctx, const char *patient_id, json_t *in, json_t **out,
                              json_t **details, md_err *err);
md_code md_formulation_update(md_ctx *ctx, const char *patient_id, const char *id, json_t *in,
                              json_t **out, json_t **details, md_err *err);

#endif
