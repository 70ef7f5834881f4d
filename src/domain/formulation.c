/*
 * formulation.c - the formulation builder and custom mixtures (formulation.h, parts 2
 * and 3).
 *
 * The engine (md_fm_evaluate, md_fm_check_mixture) is pure: it reads the kb, the
 * patient's screening input and the candidate products given, and builds JSON.  Every
 * clinical judgement in it is kb data: what addresses a concern (kb/concerns.json), the
 * regulatory policy per status (same file), the mixing rules (kb/incompatibilities.json),
 * and allergy and screening findings (md_screen_evaluate with the candidate's ingredients
 * as the planned ingredients: the clinic's compiled rule set, as screening uses it).
 *
 * One candidate's checks, in order (every reason is kept, none stops the others):
 *   ingredients known to the kb ("unknown_ingredient")
 *   regulatory status for the jurisdiction: blocked -> reason, caution -> caution,
 *     not recorded / jurisdiction unknown -> reason with "missing"
 *   base: never_inject -> reason; not recorded -> reason with "missing"
 *   same_syringe over the candidate's ingredients -> reason "incompatibility"
 *   unmixed_only ingredient in a candidate of two or more products -> reason
 *   screening: each blocking finding not cleared -> "allergy" (a planned ingredient
 *     covered by a recorded allergy) or "screening"; each fact it needs that is unknown ->
 *     "screening" with "missing"; cautions -> cautions
 * A candidate with a reason is excluded; the others are ranked (formulation.h top).
 *
 * Mixtures in the builder: pairs of the best MD_FM_MAX_PAIRS single products that pass on
 * their own, where the pair covers more of the requested concerns than either product;
 * each pair is checked as a whole (so mixing rules apply to it).
 */
#include "mesodesk/formulation.h"
#include "mesodesk/audit.h"
#include "mesodesk/commit.h"
#include "mesodesk/record.h"
#include "mesodesk/sbuf.h"
#include "mesodesk/screening.h"
#include "mesodesk/validate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FM_MAX_INGREDIENTS 64

/* ---- the candidate ---------------------------------------------------------------- */

typedef struct cand {
    const json_t *prod[MD_FM_MAX_COMPONENTS]; /* product records (borrowed) */
    const json_t *lots[MD_FM_MAX_COMPONENTS]; /* their usable lots, or NULL */
    size_t n;
    int ing[FM_MAX_INGREDIENTS];    /* union of the ingredient ids, kb order of appearance */
    int ing_of[FM_MAX_INGREDIENTS]; /* the component holding it first */
    size_t n_ing;
    unsigned covers; /* bit per requested concern */
    int n_covers, n_links;
    const char *expiry; /* earliest usable lot's expiry, or NULL */
    json_t *cautions, *reasons;
    int single; /* index of the single candidate (pairs: -1) */
} cand;

/* Screening findings of a plan of one kb ingredient (slot = its id), as reasons and
 * cautions. */
typedef struct fm_screened {
    int done;
    json_t *reasons, *cautions;
} fm_screened;

#define FM_SLOTS 256 /* KB_MAX_IDS ingredients */

#define FM_LINKS 32 /* links of one concern (kb_formulation.c FM_MAX_LINKS) */

/* What one request builds once and shares (jansson references): the screening of each
 * ingredient, the ingredient codes as JSON strings, each link's sources. */
typedef struct fm_cache {
    fm_screened slot[FM_SLOTS];
    json_t *ingredient[FM_SLOTS];
    json_t *link_sources[MD_FM_MAX_CONCERNS][FM_LINKS];
} fm_cache;

typedef struct fm_env {
    const md_fm_request *req;
    const md_kb *kb;
    md_arena *a;
    fm_cache *cache; /* calloc'd per request (fm_cache_free) */
    int concern_ids[MD_FM_MAX_CONCERNS];
    int *area_ids;
    size_t n_areas;
    const char *jurisdiction;
} fm_env;

static const char *prod_text(const json_t *p, const char *key)
{
    return json_string_value(json_object_get(p, key));
}

static json_t *sources_json(const char *const *s, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(s[i]));
    return a;
}

/* A reason or caution: {"reason","rule","message","sources"[,"missing"][,"product"]}. */
static void add_item(json_t *list, const char *reason, const char *rule, const char *message,
                     json_t *sources, const char *missing, const char *product)
{
    json_array_append_new(list,
                          json_pack("{s:s,s:s,s:s,s:o,s:s?,s:s?}", "reason", reason, "rule", rule,
                                    "message", message, "sources", sources ? sources : json_array(),
                                    "missing", missing, "product", product));
}

static void add_mix_item(json_t *list, const char *reason, const md_mix_rule *m,
                         const char *product)
{
    add_item(list, reason, m->id, m->message, sources_json(m->sources, m->n_sources), NULL,
             product);
}

/* Ingredients of a product record: [{"ingredient","concentration"}] (or plain codes). */
static const json_t *prod_ingredients(const json_t *p)
{
    const json_t *i = json_object_get(p, "ingredients");
    return json_is_array(i) ? i : NULL;
}

static const char *ingredient_code(const json_t *item)
{
    return json_is_string(item) ? json_string_value(item)
                                : json_string_value(json_object_get(item, "ingredient"));
}

/* Add product k's ingredients to the union; an unknown code is a reason. */
static void add_ingredients(const fm_env *e, cand *c, size_t k)
{
    const json_t *list = prod_ingredients(c->prod[k]), *it;
    const char *pid = prod_text(c->prod[k], "id");
    size_t i;
    if (!list || json_array_size(list) == 0)
        add_item(c->reasons, "unknown_ingredient", "product_ingredients",
                 "the product's ingredients are not recorded: nothing can be checked", NULL,
                 "product.ingredients", pid);
    json_array_foreach(list, i, it)
    {
        const char *code = ingredient_code(it);
        int id = code ? md_kb_lookup(e->kb, MD_VOCAB_INGREDIENT, code) : -1;
        if (id < 0) {
            char msg[200];
            snprintf(msg, sizeof msg,
                     "ingredient '%s' is not a kb ingredient: it cannot be checked",
                     code ? code : "?");
            add_item(c->reasons, "unknown_ingredient", "product_ingredients", msg, NULL,
                     "product.ingredients", pid);
            continue;
        }
        size_t j = 0;
        while (j < c->n_ing && c->ing[j] != id)
            j++;
        if (j == c->n_ing && c->n_ing < FM_MAX_INGREDIENTS) {
            c->ing_of[c->n_ing] = (int)k;
            c->ing[c->n_ing++] = id;
        }
    }
}

/* The product's status in the jurisdiction, by kb/stock.json's policy (stock.h). */
static md_code check_regulatory(const fm_env *e, cand *c, size_t k, md_err *err)
{
    const char *pid = prod_text(c->prod[k], "id");
    md_reg_info ri;
    char msg[400], missing[96];
    md_err one;
    if (md_product_regulatory(e->kb, (json_t *)c->prod[k], e->jurisdiction, &ri, &one) != MD_OK) {
        if (one.code == MD_ENOMEM) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        /* a status the kb does not know is never read as allowed */
        snprintf(missing, sizeof missing, "product.regulatory.%s",
                 e->jurisdiction ? e->jurisdiction : "default");
        add_item(c->reasons, "regulatory", "regulatory_status", one.message, NULL, missing, pid);
        return MD_OK;
    }
    if (ri.policy == MD_REG_ALLOWED) return MD_OK;
    if (ri.policy == MD_REG_UNKNOWN) {
        snprintf(missing, sizeof missing, "product.regulatory.%s",
                 e->jurisdiction ? e->jurisdiction : "default");
        snprintf(msg, sizeof msg, "%s (%s): not recorded is not allowed", ri.message,
                 e->jurisdiction ? e->jurisdiction : "no jurisdiction");
        add_item(c->reasons, "regulatory", "regulatory_status", msg, NULL, missing, pid);
        return MD_OK;
    }
    snprintf(msg, sizeof msg, "%s (%s in %s)", ri.message, ri.status,
             e->jurisdiction ? e->jurisdiction : "default");
    add_item(ri.policy == MD_REG_BLOCKED ? c->reasons : c->cautions, "regulatory", ri.status, msg,
             sources_json(ri.sources, ri.n_sources), NULL, pid);
    return MD_OK;
}

static void check_base(const fm_env *e, cand *c, size_t k)
{
    const char *pid = prod_text(c->prod[k], "id");
    const char *base = prod_text(c->prod[k], "base");
    md_mix_rule m;
    if (!base) {
        add_item(c->reasons, "never_inject", "product_base",
                 "the product's base is not recorded: it cannot be checked against the bases "
                 "never to inject",
                 NULL, "product.base", pid);
        return;
    }
    if (md_kb_never_inject(e->kb, base, &m)) add_mix_item(c->reasons, "never_inject", &m, pid);
}

static void check_mixing(const fm_env *e, cand *c)
{
    md_mix_rule m;
    for (size_t i = 0; i < md_kb_same_syringe_count(e->kb); i++)
        if (md_kb_same_syringe(e->kb, i, c->ing, c->n_ing, &m))
            add_mix_item(c->reasons, "incompatibility", &m, NULL);
    if (c->n < 2) return;
    for (size_t i = 0; i < c->n_ing; i++)
        if (md_kb_unmixed_only(e->kb, c->ing[i], &m))
            add_mix_item(c->reasons, "unmixed_only", &m, prod_text(c->prod[c->ing_of[i]], "id"));
}

/* Screen the patient with a plan of one ingredient; keep its findings in slot. */
static md_code screen_slot(const fm_env *e, const char *plan, fm_screened *slot, md_err *err)
{
    md_screen_input *in = e->req->patient;
    md_screen_result result, *res = &result;
    in->ingredients = &plan;
    in->n_ingredients = 1;
    md_code rc = md_screen_resolve(e->req->rs, in, e->a, err);
    if (rc == MD_OK) rc = md_screen_evaluate(e->req->rs, in, e->a, res, err);
    if (rc != MD_OK) return rc;
    json_t *rj = md_screen_result_to_json(res);
    slot->reasons = json_array();
    slot->cautions = json_array();
    if (!rj || !slot->reasons || !slot->cautions) {
        json_decref(rj);
        return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    }
    json_t *blocking = json_object_get(rj, "findings"), *cautions = json_object_get(rj, "cautions");
    size_t bi = in->ruleset_error ? 1 : 0, ci = 0;
    if (in->ruleset_error) {
        json_t *f = json_array_get(blocking, 0);
        add_item(slot->reasons, "screening", "clinic_rules", prod_text(f, "message"),
                 json_incref(json_object_get(f, "sources")), NULL, NULL);
    }
    for (size_t i = 0; i < res->n_findings; i++) {
        const md_finding *f = &res->findings[i];
        json_t *fj = json_array_get(f->cls == MD_CLASS_CAUTION ? cautions : blocking,
                                    f->cls == MD_CLASS_CAUTION ? ci++ : bi++);
        if (f->clearance >= 0) continue; /* cleared: does not count */
        int allergy = f->fact == MD_FACT_ALLERGY && f->ingredient >= 0;
        json_t *list = f->cls == MD_CLASS_CAUTION ? slot->cautions : slot->reasons;
        json_t *item =
            json_pack("{s:s,s:O*,s:s,s:O*,s:O*,s:O*}", "reason",
                      allergy && f->cls != MD_CLASS_CAUTION ? "allergy" : "screening", "rule",
                      json_object_get(fj, "rule"), "class", md_class_name(f->cls), "message",
                      json_object_get(fj, "message"), "sources", json_object_get(fj, "sources"),
                      "fact", json_object_get(fj, "fact"));
        if (item) json_array_append_new(list, item);
    }
    for (size_t i = 0; i < res->n_missing; i++) {
        json_t *m = json_array_get(json_object_get(rj, "missing"), i);
        json_t *item =
            json_pack("{s:s,s:O*,s:s?,s:O*,s:O*,s:O*}", "reason", "screening", "rule",
                      json_object_get(m, "rule"), "message",
                      json_string_value(json_object_get(m, "question")), "sources",
                      json_object_get(m, "sources"), "missing", json_object_get(m, "field"),
                      "answer", json_object_get(m, "answer"));
        if (item) json_array_append_new(slot->reasons, item);
    }
    json_decref(rj);
    in->ingredients = NULL; /* plan was ours */
    in->n_ingredients = 0;
    slot->done = 1;
    return MD_OK;
}

/*
 * Screening with the candidate's ingredients as the plan.  Every screening rule kind
 * depends on the plan through one planned ingredient at a time (an allergy covering it,
 * a condition with a planned ingredient or class), or not at all, so the findings of a
 * plan are the union of the findings of its one-ingredient plans: the patient is screened
 * once per distinct ingredient of the request (at most the kb's ingredients), not once per
 * candidate, and the findings merged without repeats.  test_formulation
 * (test_screening_merge) checks the merged result against a screening of the whole plan.
 */
/* json_equal, with two absent members equal. */
static int same(const json_t *a, const json_t *b)
{
    return (!a && !b) || json_equal((json_t *)a, (json_t *)b);
}

/* Append the items of from that list does not hold yet (same rule, fact and missing). */
static void append_new(json_t *list, json_t *from)
{
    size_t i, k;
    json_t *it, *have;
    json_array_foreach(from, i, it)
    {
        int dup = 0;
        json_array_foreach(list, k, have)
        {
            if (have == it ||
                (same(json_object_get(have, "rule"), json_object_get(it, "rule")) &&
                 same(json_object_get(have, "fact"), json_object_get(it, "fact")) &&
                 same(json_object_get(have, "missing"), json_object_get(it, "missing")))) {
                dup = 1;
                break;
            }
        }
        if (!dup) json_array_append(list, it);
    }
}

static md_code check_screening(const fm_env *e, cand *c, md_err *err)
{
    fm_cache *cc = e->cache;
    md_code rc = MD_OK;
    for (size_t i = 0; rc == MD_OK && i < c->n_ing; i++) {
        fm_screened *slot = &cc->slot[c->ing[i]];
        if (!slot->done)
            rc = screen_slot(e, md_kb_vocab_code(e->kb, MD_VOCAB_INGREDIENT, (size_t)c->ing[i]),
                             slot, err);
    }
    for (size_t i = 0; rc == MD_OK && i < c->n_ing; i++) {
        append_new(c->reasons, cc->slot[c->ing[i]].reasons);
        append_new(c->cautions, cc->slot[c->ing[i]].cautions);
    }
    return rc;
}

static fm_cache *fm_cache_new(md_err *err)
{
    fm_cache *c = calloc(1, sizeof *c);
    if (!c) md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    return c;
}

static void fm_cache_free(fm_cache *c)
{
    for (size_t i = 0; c && i < FM_SLOTS; i++) {
        json_decref(c->slot[i].reasons);
        json_decref(c->slot[i].cautions);
        json_decref(c->ingredient[i]);
    }
    for (size_t k = 0; c && k < MD_FM_MAX_CONCERNS; k++)
        for (size_t l = 0; l < FM_LINKS; l++)
            json_decref(c->link_sources[k][l]);
    free(c);
}

/* Which requested concerns the candidate addresses, and why. */
/* Which requested concerns the candidate addresses (covers, n_covers, n_links); with
 * out, also the rationale: [{"concern","ingredient","product","sources","note"}]. */
static void rationale(const fm_env *e, cand *c, json_t *out)
{
    c->covers = 0;
    c->n_covers = c->n_links = 0;
    for (size_t k = 0; k < e->req->n_concerns; k++) {
        int cid = e->concern_ids[k];
        for (size_t l = 0; l < md_kb_concern_link_count(e->kb, cid); l++) {
            md_concern_link link;
            if (md_kb_concern_link(e->kb, cid, l, &link) != 0 ||
                !md_kb_concern_applies(e->kb, cid, (int)l, e->area_ids, e->n_areas))
                continue;
            for (size_t i = 0; i < c->n_ing; i++) {
                if (c->ing[i] != link.ingredient_id) continue;
                if (!(c->covers & (1u << k))) c->n_covers++;
                c->covers |= 1u << k;
                c->n_links++;
                if (!out) continue;
                json_t **src = l < FM_LINKS ? &e->cache->link_sources[k][l] : NULL;
                if (src && !*src) *src = sources_json(link.sources, link.n_sources);
                json_array_append_new(
                    out,
                    json_pack("{s:s,s:s,s:s?,s:o,s:s?}", "concern", md_kb_concern_code(e->kb, cid),
                              "ingredient", link.ingredient, "product",
                              prod_text(c->prod[c->ing_of[i]], "id"), "sources",
                              src ? json_incref(*src) : sources_json(link.sources, link.n_sources),
                              "note", link.note));
            }
        }
    }
}

static json_t *rationale_json(const fm_env *e, const cand *c)
{
    cand copy = *c;
    json_t *out = json_array();
    if (out) rationale(e, &copy, out);
    return out;
}

static void earliest_expiry(cand *c)
{
    for (size_t k = 0; k < c->n; k++) {
        size_t i;
        const json_t *lot;
        json_array_foreach(c->lots[k], i, lot)
        {
            const char *x = prod_text(lot, "expiry");
            if (x && (!c->expiry || strcmp(x, c->expiry) < 0)) c->expiry = x;
        }
    }
}

static md_code cand_check(const fm_env *e, cand *c, md_err *err)
{
    c->cautions = json_array();
    c->reasons = json_array();
    if (!c->cautions || !c->reasons) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (size_t k = 0; k < c->n; k++) {
        add_ingredients(e, c, k);
        md_code rc = check_regulatory(e, c, k, err);
        if (rc != MD_OK) return rc;
        check_base(e, c, k);
    }
    check_mixing(e, c);
    rationale(e, c, NULL);
    earliest_expiry(c);
    return check_screening(e, c, err);
}

/* A pair of two single candidates that passed on their own: what each found stands (the
 * screening of a plan is the union of its ingredients', check_screening), so only the
 * mixing rules are new; cautions are both singles', without repeats. */
static md_code pair_check(const fm_env *e, cand *p, const cand *x, const cand *y, md_err *err)
{
    p->cautions = json_array();
    p->reasons = json_array();
    if (!p->cautions || !p->reasons) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    const cand *from[2] = {x, y};
    for (size_t k = 0; k < 2; k++) {
        p->prod[k] = from[k]->prod[0];
        p->lots[k] = from[k]->lots[0];
        for (size_t i = 0; i < from[k]->n_ing; i++) {
            size_t j = 0;
            while (j < p->n_ing && p->ing[j] != from[k]->ing[i])
                j++;
            if (j == p->n_ing && p->n_ing < FM_MAX_INGREDIENTS) {
                p->ing_of[p->n_ing] = (int)k;
                p->ing[p->n_ing++] = from[k]->ing[i];
            }
        }
        append_new(p->cautions, from[k]->cautions);
    }
    p->n = 2;
    p->single = -1;
    check_mixing(e, p);
    rationale(e, p, NULL);
    earliest_expiry(p);
    return MD_OK;
}

static void cand_free(cand *c)
{
    json_decref(c->cautions);
    json_decref(c->reasons);
    c->cautions = c->reasons = NULL;
}

static int cmp_text(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* Ranking (formulation.h top). */
static int cand_cmp(const void *va, const void *vb)
{
    const cand *a = *(const cand *const *)va, *b = *(const cand *const *)vb;
    if (a->n_covers != b->n_covers) return b->n_covers - a->n_covers;
    size_t ca = json_array_size(a->cautions), cb = json_array_size(b->cautions);
    if (ca != cb) return ca < cb ? -1 : 1;
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    if (a->n_links != b->n_links) return b->n_links - a->n_links;
    if (!a->expiry != !b->expiry) return a->expiry ? -1 : 1;
    int r = a->expiry ? strcmp(a->expiry, b->expiry) : 0;
    for (size_t k = 0; !r && k < a->n; k++)
        r = cmp_text(prod_text(a->prod[k], "name"), prod_text(b->prod[k], "name"));
    for (size_t k = 0; !r && k < a->n; k++)
        r = cmp_text(prod_text(a->prod[k], "id"), prod_text(b->prod[k], "id"));
    return r;
}

static json_t *components_json(const cand *c, int with_lots)
{
    json_t *a = json_array();
    for (size_t k = 0; a && k < c->n; k++) {
        json_t *o = json_pack("{s:s?,s:s?}", "id", prod_text(c->prod[k], "id"), "name",
                              prod_text(c->prod[k], "name"));
        if (o && with_lots && c->lots[k]) json_object_set(o, "lots", (json_t *)c->lots[k]);
        json_array_append_new(a, o);
    }
    return a;
}

/* The ingredient's code as a JSON string, shared within the request (new reference). */
static json_t *ingredient_string(const fm_env *e, int id)
{
    json_t **s = &e->cache->ingredient[id];
    if (!*s) *s = json_string(md_kb_vocab_code(e->kb, MD_VOCAB_INGREDIENT, (size_t)id));
    return json_incref(*s);
}

static json_t *ingredients_json(const fm_env *e, const cand *c)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < c->n_ing; i++)
        json_array_append_new(a, ingredient_string(e, c->ing[i]));
    return a;
}

static json_t *covers_json(const fm_env *e, const cand *c)
{
    json_t *a = json_array();
    for (size_t k = 0; a && k < e->req->n_concerns; k++)
        if (c->covers & (1u << k))
            json_array_append_new(a, json_string(md_kb_concern_code(e->kb, e->concern_ids[k])));
    return a;
}

static json_t *candidate_json(const fm_env *e, const cand *c, int rank)
{
    return json_pack("{s:i,s:s,s:o,s:o,s:o,s:o,s:O,s:s?}", "rank", rank, "type",
                     c->n > 1 ? "mixture" : "product", "products", components_json(c, 1),
                     "ingredients", ingredients_json(e, c), "covers", covers_json(e, c),
                     "rationale", rationale_json(e, c), "cautions", c->cautions, "earliest_expiry",
                     c->expiry);
}

static json_t *excluded_json(const fm_env *e, const cand *c)
{
    return json_pack("{s:s,s:o,s:o,s:o,s:O,s:O}", "type", c->n > 1 ? "mixture" : "product",
                     "products", components_json(c, 0), "ingredients", ingredients_json(e, c),
                     "covers", covers_json(e, c), "reasons", c->reasons, "cautions", c->cautions);
}

/* ---- request resolution --------------------------------------------------------- */

static md_code resolve_request(fm_env *e, int need_concerns, md_err *err)
{
    const md_fm_request *q = e->req;
    char field[32];
    if (!q->rs || !q->patient) return md_err_set(err, MD_EINTERNAL, NULL, "no rule set or patient");
    e->kb = md_ruleset_kb(q->rs);
    if (need_concerns && q->n_concerns == 0)
        return md_err_set(err, MD_EINVAL, "concerns", "concerns: at least one concern");
    if (q->n_concerns > MD_FM_MAX_CONCERNS)
        return md_err_set(err, MD_ETOOBIG, "concerns", "concerns: at most %d", MD_FM_MAX_CONCERNS);
    if (q->n_areas == 0) return md_err_set(err, MD_EINVAL, "areas", "areas: at least one area");
    if (q->n_areas > MD_FM_MAX_AREAS)
        return md_err_set(err, MD_ETOOBIG, "areas", "areas: at most %d", MD_FM_MAX_AREAS);
    e->n_areas = q->n_areas;
    e->area_ids = md_arena_calloc(e->a, q->n_areas * sizeof *e->area_ids);
    if (!e->area_ids) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < q->n_areas; i++) {
        const char *canon;
        snprintf(field, sizeof field, "areas[%zu]", i);
        md_code rc = md_kb_resolve(e->kb, MD_VOCAB_AREA, q->areas[i], field, &canon, err);
        if (rc != MD_OK) return rc;
        e->area_ids[i] = md_kb_lookup(e->kb, MD_VOCAB_AREA, canon);
    }
    for (size_t i = 0; i < q->n_concerns; i++) {
        int id = md_kb_concern_find(e->kb, q->concerns[i]);
        snprintf(field, sizeof field, "concerns[%zu]", i);
        if (id < 0) {
            char known[400];
            md_sbuf b;
            md_sbuf_init(&b, known, sizeof known);
            for (size_t k = 0; k < md_kb_concern_count(e->kb); k++)
                md_sbuf_appendf(&b, "%s%s", k ? ", " : "", md_kb_concern_code(e->kb, (int)k));
            return md_err_set(err, MD_EUNPROCESSABLE, field, "unknown concern '%s'; known: %s",
                              q->concerns[i] ? q->concerns[i] : "", md_sbuf_ok(&b) ? known : "");
        }
        for (size_t k = 0; k < i; k++)
            if (e->concern_ids[k] == id)
                return md_err_set(err, MD_EUNPROCESSABLE, field, "concern '%s' listed twice",
                                  md_kb_concern_code(e->kb, id));
        if (!md_kb_concern_applies(e->kb, id, -1, e->area_ids, e->n_areas))
            return md_err_set(err, MD_EUNPROCESSABLE, field,
                              "%s applies to %s (kb/concerns.json); none of the planned areas",
                              md_kb_concern_code(e->kb, id), md_kb_concern_areas(e->kb, id));
        e->concern_ids[i] = id;
    }
    e->jurisdiction = q->jurisdiction;
    q->patient->areas = (const char **)q->areas;
    q->patient->n_areas = q->n_areas;
    return MD_OK;
}

static json_t *request_echo(const fm_env *e)
{
    json_t *c = json_array(), *ar = json_array();
    for (size_t i = 0; i < e->req->n_concerns; i++)
        json_array_append_new(c, json_string(md_kb_concern_code(e->kb, e->concern_ids[i])));
    for (size_t i = 0; i < e->n_areas; i++)
        json_array_append_new(
            ar, json_string(md_kb_vocab_code(e->kb, MD_VOCAB_AREA, (size_t)e->area_ids[i])));
    char date[MD_DATE_STR];
    md_date_format(e->req->patient->date, date);
    return json_pack("{s:s?,s:s,s:o,s:o,s:{s:s,s:s}}", "jurisdiction", e->jurisdiction, "date",
                     date, "concerns", c, "areas", ar, "kb", "version", md_kb_version(e->kb),
                     "hash", md_kb_hash(e->kb));
}

/* ---- the builder ------------------------------------------------------------------ */

md_code md_fm_evaluate(const md_fm_request *req, md_arena *a, json_t **out, md_err *err)
{
    fm_env e = {.req = req, .a = a};
    cand *singles = NULL, *pairs = NULL;
    cand **ranked = NULL, **order = NULL;
    size_t n_single = 0, n_pairs = 0, n_ranked = 0, n_irrelevant = 0;
    json_t *o = NULL, *cands = NULL, *excl = NULL;
    md_code rc = resolve_request(&e, 1, err);
    if (rc != MD_OK) return rc;
    if (!(e.cache = fm_cache_new(err))) return MD_ENOMEM;
    size_t n_avail = json_array_size(req->available);
    if (n_avail > MD_FM_MAX_CANDIDATES) {
        fm_cache_free(e.cache);
        return md_err_set(err, MD_ETOOBIG, NULL, "more than %d products in stock",
                          MD_FM_MAX_CANDIDATES);
    }
    singles = calloc(n_avail + 1, sizeof *singles);
    pairs = calloc(MD_FM_MAX_PAIRS * MD_FM_MAX_PAIRS / 2 + 1, sizeof *pairs);
    ranked = calloc(n_avail + MD_FM_MAX_PAIRS * MD_FM_MAX_PAIRS / 2 + 1, sizeof *ranked);
    order = calloc(n_avail + 1, sizeof *order);
    cands = json_array();
    excl = json_array();
    if (!singles || !pairs || !ranked || !order || !cands || !excl) {
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        goto done;
    }
    /* Single products that address at least one requested concern. */
    for (size_t i = 0; i < n_avail; i++) {
        const json_t *entry = json_array_get(req->available, i);
        cand *c = &singles[n_single];
        memset(c, 0, sizeof *c);
        c->prod[0] = json_object_get(entry, "product");
        c->lots[0] = json_object_get(entry, "lots");
        c->n = 1;
        c->single = (int)n_single;
        if (!json_is_object(c->prod[0])) continue;
        if ((rc = cand_check(&e, c, err)) != MD_OK) {
            cand_free(c);
            goto done;
        }
        if (!c->n_covers) {
            cand_free(c);
            n_irrelevant++;
            continue;
        }
        n_single++;
    }
    /* The best passing singles, for pairing. */
    size_t n_pass = 0;
    for (size_t i = 0; i < n_single; i++)
        if (json_array_size(singles[i].reasons) == 0) order[n_pass++] = &singles[i];
    qsort(order, n_pass, sizeof *order, cand_cmp);
    if (n_pass > MD_FM_MAX_PAIRS) n_pass = MD_FM_MAX_PAIRS;
    unsigned all = req->n_concerns >= 32 ? ~0u : (1u << req->n_concerns) - 1;
    for (size_t i = 0; i < n_pass; i++) {
        if (order[i]->covers == all) continue; /* nothing to add */
        for (size_t j = i + 1; j < n_pass; j++) {
            unsigned u = order[i]->covers | order[j]->covers;
            if (u == order[i]->covers || u == order[j]->covers) continue;
            cand *p = &pairs[n_pairs];
            memset(p, 0, sizeof *p);
            /* Components in a stable order: by name, then id. */
            int swap = cmp_text(prod_text(order[j]->prod[0], "name"),
                                prod_text(order[i]->prod[0], "name")) < 0;
            const cand *x = swap ? order[j] : order[i], *y = swap ? order[i] : order[j];
            if ((rc = pair_check(&e, p, x, y, err)) != MD_OK) {
                cand_free(p);
                goto done;
            }
            n_pairs++;
        }
    }
    /* Rank the passing candidates; list the others. */
    for (size_t i = 0; i < n_single + n_pairs; i++) {
        cand *c = i < n_single ? &singles[i] : &pairs[i - n_single];
        if (json_array_size(c->reasons) == 0) ranked[n_ranked++] = c;
    }
    qsort(ranked, n_ranked, sizeof *ranked, cand_cmp);
    size_t n_passing = n_ranked;
    unsigned covered = 0;
    for (size_t i = 0; i < n_ranked; i++) {
        covered |= ranked[i]->covers;
        if (i < MD_FM_MAX_RESULTS)
            json_array_append_new(cands, candidate_json(&e, ranked[i], (int)i + 1));
    }
    /* Excluded, in a stable order: singles, then pairs, each by name and id. */
    n_ranked = 0;
    for (size_t i = 0; i < n_single + n_pairs; i++) {
        cand *c = i < n_single ? &singles[i] : &pairs[i - n_single];
        if (json_array_size(c->reasons) > 0) ranked[n_ranked++] = c;
    }
    qsort(ranked, n_ranked, sizeof *ranked, cand_cmp);
    for (size_t i = 0; i < n_ranked; i++)
        json_array_append_new(excl, excluded_json(&e, ranked[i]));
    json_t *not_addressed = json_array();
    for (size_t k = 0; k < req->n_concerns; k++)
        if (!(covered & (1u << k)))
            json_array_append_new(not_addressed,
                                  json_string(md_kb_concern_code(e.kb, e.concern_ids[k])));
    o = request_echo(&e);
    if (!o || !not_addressed) {
        json_decref(not_addressed);
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        goto done;
    }
    json_object_set(o, "candidates", cands);
    json_object_set(o, "excluded", excl);
    json_object_set_new(o, "not_addressed", not_addressed);
    json_object_set_new(o, "truncated", json_boolean(n_passing > MD_FM_MAX_RESULTS));
    json_object_set_new(o, "not_relevant", json_integer((json_int_t)n_irrelevant));
    *out = o;
    o = NULL;
done:
    for (size_t i = 0; singles && i < n_single; i++)
        cand_free(&singles[i]);
    for (size_t i = 0; pairs && i < n_pairs; i++)
        cand_free(&pairs[i]);
    free(singles);
    free(pairs);
    free(ranked);
    free(order);
    fm_cache_free(e.cache);
    json_decref(cands);
    json_decref(excl);
    json_decref(o);
    return rc;
}

md_code md_fm_check_mixture(const md_fm_request *req, const json_t *components, md_arena *a,
                            json_t **out, md_err *err)
{
    fm_env e = {.req = req, .a = a};
    cand c;
    memset(&c, 0, sizeof c);
    md_code rc = resolve_request(&e, 0, err);
    if (rc != MD_OK) return rc;
    size_t n = json_array_size(components);
    if (n == 0 || n > MD_FM_MAX_COMPONENTS)
        return md_err_set(err, MD_EUNPROCESSABLE, "mixture.components",
                          "a mixture has 1 to %d components", MD_FM_MAX_COMPONENTS);
    for (size_t k = 0; k < n; k++) {
        c.prod[k] = json_object_get(json_array_get(components, k), "product");
        c.lots[k] = json_object_get(json_array_get(components, k), "lots");
    }
    c.n = n;
    if (!(e.cache = fm_cache_new(err))) return MD_ENOMEM;
    if ((rc = cand_check(&e, &c, err)) == MD_OK) {
        *out = json_pack(
            "{s:b,s:O,s:O,s:o,s:o,s:o,s:s?}", "blocked", json_array_size(c.reasons) > 0, "reasons",
            c.reasons, "cautions", c.cautions, "rationale", rationale_json(&e, &c), "ingredients",
            ingredients_json(&e, &c), "covers", covers_json(&e, &c), "earliest_expiry", c.expiry);
        if (!*out) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    }
    cand_free(&c);
    fm_cache_free(e.cache);
    return rc;
}

/* ---- the service ------------------------------------------------------------------ */

/* The usable stock on a day: md_stock_available's items (stock.h). */
static md_code stock_available(md_ctx *ctx, md_day on, json_t **out, md_err *err)
{
    json_t *all = NULL;
    md_code rc = md_stock_available(ctx, on, &all, err);
    if (rc != MD_OK) return rc;
    *out = json_incref(json_object_get(all, "items"));
    json_decref(all);
    return *out ? MD_OK : md_err_set(err, MD_EINTERNAL, NULL, "stock answered no items");
}

/* A JSON array of strings -> a list from the arena.  field: "concerns". */
static md_code string_list(md_ctx *ctx, json_t *arr, const char *field, size_t max,
                           const char ***out, size_t *n, md_err *err)
{
    if (!json_is_array(arr))
        return md_err_set(err, MD_EINVAL, field, "%s must be an array of codes", field);
    *n = json_array_size(arr);
    if (*n > max) return md_err_set(err, MD_ETOOBIG, field, "%s: at most %zu", field, max);
    *out = md_arena_calloc(ctx->arena, (*n ? *n : 1) * sizeof **out);
    if (!*out) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < *n; i++) {
        json_t *s = json_array_get(arr, i);
        if (!json_is_string(s)) {
            char f[64];
            snprintf(f, sizeof f, "%s[%zu]", field, i);
            return md_err_set(err, MD_EINVAL, f, "%s must be a string", f);
        }
        (*out)[i] = json_string_value(s);
    }
    return MD_OK;
}

/* The request's patient facts and rule set.  *owned: md_ruleset_free() it. */
static md_code patient_input(md_ctx *ctx, const char *pid, md_day date, md_fm_request *q,
                             md_screen_input *in, md_ruleset **owned, md_err *err)
{
    md_clinic_ruleset_error broken;
    md_screen_input_init(in);
    in->date = date;
    md_code rc = md_clinic_ruleset(ctx, &q->rs, owned, &broken, err);
    if (rc == MD_OK && broken.broken)
        in->ruleset_error = md_arena_strdup(ctx->arena, broken.message);
    if (rc == MD_OK) rc = md_screening_gather(ctx, pid, q->rs, in, err);
    q->patient = in;
    q->jurisdiction = in->jurisdiction;
    return rc;
}

md_code md_formulation_build(md_ctx *ctx, const char *patient_id, json_t *in, json_t **out,
                             md_err *err)
{
    static const char *const keys[] = {"concerns", "areas", "date", NULL};
    md_fm_request q = {0};
    md_screen_input input;
    md_ruleset *owned = NULL;
    json_t *avail = NULL, *res = NULL;
    const char *date_text = NULL;
    md_day date = md_today_utc();
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK && !json_is_object(in))
        rc = md_err_set(err, MD_EINVAL, NULL, "the body must be an object");
    if (rc == MD_OK) rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK)
        rc = string_list(ctx, json_object_get(in, "concerns"), "concerns", MD_FM_MAX_CONCERNS,
                         (const char ***)&q.concerns, &q.n_concerns, err);
    if (rc == MD_OK)
        rc = string_list(ctx, json_object_get(in, "areas"), "areas", MD_FM_MAX_AREAS,
                         (const char ***)&q.areas, &q.n_areas, err);
    if (rc == MD_OK) rc = md_json_date(in, "date", 0, &date_text, &date, err);
    if (rc == MD_OK) rc = md_patient_exists(ctx, patient_id, err);
    if (rc == MD_OK) rc = patient_input(ctx, patient_id, date, &q, &input, &owned, err);
    if (rc == MD_OK) rc = stock_available(ctx, date, &avail, err);
    q.available = avail;
    if (rc == MD_OK) rc = md_fm_evaluate(&q, ctx->arena, &res, err);
    if (rc == MD_OK) {
        md_audit_entry a = {"read", "formulation_build", "*", patient_id, NULL};
        rc = md_audit(ctx, &a, err);
    }
    if (rc == MD_OK) {
        json_object_set_new(res, "patient_id", json_string(patient_id));
        *out = res;
        res = NULL;
    }
    json_decref(res);
    json_decref(avail);
    md_ruleset_free(owned);
    return rc;
}

/* ---- custom mixtures -------------------------------------------------------------- */

#define FM_VOLUME_MAX_UL 100000 /* 100 ml */

/* "1.5" or 1.5 (ml) -> microlitres, exactly (at most three decimals); -1 when not. */
static long volume_ul(const json_t *v)
{
    char buf[32];
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        return i > 0 && i <= FM_VOLUME_MAX_UL / 1000 ? (long)i * 1000 : -1;
    }
    if (json_is_real(v)) {
        double x = json_real_value(v) * 1000.0, r = floor(x + 0.5);
        if (fabs(x - r) > 1e-6) return -1;
        snprintf(buf, sizeof buf, "%.0f", r);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        long whole = 0, frac = 0;
        int digits = 0, nf = 0;
        for (; *s >= '0' && *s <= '9' && digits < 7; s++, digits++)
            whole = whole * 10 + (*s - '0');
        if (*s == '.')
            for (s++; *s >= '0' && *s <= '9' && nf < 3; s++, nf++)
                frac = frac * 10 + (*s - '0');
        if (*s || (!digits && !nf)) return -1;
        while (nf++ < 3)
            frac *= 10;
        snprintf(buf, sizeof buf, "%ld", whole * 1000 + frac);
    } else {
        return -1;
    }
    char *end;
    long ul = strtol(buf, &end, 10);
    return *end || ul <= 0 || ul > FM_VOLUME_MAX_UL ? -1 : ul;
}

/* Check one list of codes of a mixture and write them canonical. */
static md_code mixture_codes(const md_ctx *ctx, json_t *mix, const char *key, int required,
                             md_err *err)
{
    char field[64];
    json_t *arr = json_object_get(mix, key), *s;
    size_t i;
    snprintf(field, sizeof field, "mixture.%s", key);
    if (!arr && !required) return MD_OK;
    if (!json_is_array(arr) || (required && json_array_size(arr) == 0))
        return md_err_set(err, MD_EINVAL, field, "%s must be a non-empty array of codes", field);
    if (json_array_size(arr) > MD_FM_MAX_AREAS)
        return md_err_set(err, MD_ETOOBIG, field, "%s: at most %d", field, MD_FM_MAX_AREAS);
    json_array_foreach(arr, i, s)
    {
        char f[MD_ERR_FIELD_MAX + 24];
        snprintf(f, sizeof f, "%s[%zu]", field, i);
        const char *canon = NULL;
        if (!json_is_string(s)) return md_err_set(err, MD_EINVAL, f, "%s must be a string", f);
        if (strcmp(key, "areas") == 0) {
            md_code rc = md_vocab_resolve(ctx, MD_VOCAB_AREA, f, json_string_value(s), &canon, err);
            if (rc != MD_OK) return rc;
        } else {
            int id = ctx->kb ? md_kb_concern_find(ctx->kb, json_string_value(s)) : -1;
            if (id < 0)
                return md_err_set(err, MD_EUNPROCESSABLE, f, "unknown concern '%s'",
                                  json_string_value(s));
            canon = md_kb_concern_code(ctx->kb, id);
        }
        json_array_set_new(arr, i, json_string(canon));
    }
    return MD_OK;
}

/* The "mixture" field: {"components":[{"product_id","volume_ml"}],"areas","concerns"?};
 * each volume is kept as given and as exact microlitres ("volume_ul"). */
static md_code check_mixture_json(const md_ctx *ctx, json_t *mix, const char *field, md_err *err)
{
    static const char *const keys[] = {"components", "areas", "concerns", NULL};
    static const char *const ckeys[] = {"product_id", "volume_ml", "volume_ul", NULL};
    json_t *comps = json_object_get(mix, "components"), *c;
    size_t i;
    (void)field;
    md_code rc = md_json_check_keys(mix, keys, "mixture.", err);
    if (rc != MD_OK) return rc;
    if (!json_is_array(comps) || json_array_size(comps) == 0)
        return md_err_set(err, MD_EINVAL, "mixture.components",
                          "mixture.components must be a non-empty array");
    if (json_array_size(comps) > MD_FM_MAX_COMPONENTS)
        return md_err_set(err, MD_ETOOBIG, "mixture.components", "at most %d components",
                          MD_FM_MAX_COMPONENTS);
    json_array_foreach(comps, i, c)
    {
        char prefix[48], f[80];
        const char *pid;
        snprintf(prefix, sizeof prefix, "mixture.components[%zu]", i);
        if (!json_is_object(c)) return md_err_set(err, MD_EINVAL, prefix, "%s: an object", prefix);
        snprintf(f, sizeof f, "%s.", prefix);
        if ((rc = md_json_check_keys(c, ckeys, f, err)) != MD_OK) return rc;
        snprintf(f, sizeof f, "%s.product_id", prefix);
        pid = json_string_value(json_object_get(c, "product_id"));
        if (!pid || !md_id_valid(pid))
            return md_err_set(err, pid ? MD_EUNPROCESSABLE : MD_EINVAL, f,
                              "%s must be a product id", f);
        for (size_t k = 0; k < i; k++)
            if (strcmp(json_string_value(json_object_get(json_array_get(comps, k), "product_id")),
                       pid) == 0)
                return md_err_set(err, MD_EUNPROCESSABLE, f, "%s: product listed twice", f);
        snprintf(f, sizeof f, "%s.volume_ml", prefix);
        json_t *v = json_object_get(c, "volume_ml");
        long ul = volume_ul(v);
        if (!v) return md_err_set(err, MD_EINVAL, f, "%s is required", f);
        if (ul < 0)
            return md_err_set(err, MD_EUNPROCESSABLE, f,
                              "%s must be a volume in ml above 0 and at most %d, with at most "
                              "three decimals",
                              f, FM_VOLUME_MAX_UL / 1000);
        json_object_set_new(c, "volume_ul", json_integer(ul));
    }
    if ((rc = mixture_codes(ctx, mix, "areas", 1, err)) != MD_OK) return rc;
    return mixture_codes(ctx, mix, "concerns", 0, err);
}

static md_code check_checks_json(const md_ctx *ctx, json_t *v, const char *field, md_err *err)
{
    (void)ctx;
    (void)v;
    (void)field;
    (void)err;
    return MD_OK; /* written by the server (md_formulation_create/update) */
}

static const char *const formulation_status[] = {"active", "retired", "entered_in_error", NULL};

static const md_field formulation_fields[] = {
    {.name = "name", .type = MD_F_TEXT, .max_len = 200, .doc = "what the practitioner calls it"},
    {.name = "mixture",
     .type = MD_F_JSON,
     .required = 1,
     .json_check = check_mixture_json,
     .doc = "{components: [{product_id, volume_ml}], areas: [...], concerns: [...]}"},
    {.name = "planned_date", .type = MD_F_DATE, .doc = "the date the checks are for (today)"},
    {.name = "checks",
     .type = MD_F_JSON,
     .json_check = check_checks_json,
     .doc = "written by the server: what the checks found when this version was saved"},
    {.name = "notes", .type = MD_F_TEXT, .max_len = 2000},
    {.name = "status",
     .type = MD_F_ENUM,
     .required = 1,
     .values = formulation_status,
     .dflt = "active"},
    {0},
};

const md_record_kind md_kind_formulation = {
    .name = "formulation",
    .table = "formulations",
    .collection = "formulations",
    .schema = "Formulation",
    .title = "formulations",
    .parent = &md_kind_patient,
    .has_parent = 1,
    .read_perm = MD_PERM_CLINICAL_READ,
    .write_perm = MD_PERM_CLINICAL_WRITE,
    .fields = formulation_fields,
    .status_field = "status",
};

/* The components as the engine takes them: the product record and its usable lots on the
 * date; a product with no usable lot is checked from its record, with a caution. */
static md_code components_of(md_ctx *ctx, json_t *mix, const json_t *avail, json_t **out,
                             json_t *cautions, md_err *err)
{
    json_t *comps = json_object_get(mix, "components"), *c;
    size_t i;
    *out = json_array();
    json_array_foreach(comps, i, c)
    {
        const char *pid = json_string_value(json_object_get(c, "product_id"));
        const json_t *entry = NULL, *e;
        size_t k;
        json_array_foreach(avail, k, e)
        {
            if (strcmp(prod_text(json_object_get(e, "product"), "id"), pid) == 0) entry = e;
        }
        json_t *prod = entry ? json_incref(json_object_get(entry, "product")) : NULL;
        if (!entry) {
            md_code rc = md_product_get(ctx, pid, &prod, err);
            const char *st = rc == MD_OK ? prod_text(prod, "status") : NULL;
            if (rc == MD_ENOTFOUND || (st && strcmp(st, "active") != 0)) {
                char f[64];
                snprintf(f, sizeof f, "mixture.components[%zu].product_id", i);
                rc = md_err_set(err, MD_EUNPROCESSABLE, f,
                                st ? "product '%s' is %s in the catalogue" : "no such product '%s'",
                                pid, st);
                json_decref(prod);
            }
            if (rc != MD_OK) {
                json_decref(*out);
                *out = NULL;
                return rc;
            }
            add_item(cautions, "not_in_stock", "stock_available",
                     "no usable lot of this product on the planned date (in date, not recalled, "
                     "quantity left)",
                     NULL, NULL, pid);
        }
        json_array_append_new(*out, json_pack("{s:o,s:O*,s:O}", "product", prod, "lots",
                                              entry ? json_object_get(entry, "lots") : NULL,
                                              "volume_ul", json_object_get(c, "volume_ul")));
    }
    return MD_OK;
}

/* Check a validated mixture for the patient: *checks (the stored "checks") or, when a
 * check blocks, MD_ECONFLICT with every reason in *details. */
static md_code check_for_patient(md_ctx *ctx, const char *pid, json_t *mix, md_day date,
                                 json_t **checks, json_t **details, md_err *err)
{
    md_fm_request q = {0};
    md_screen_input input;
    md_ruleset *owned = NULL;
    json_t *avail = NULL, *comps = NULL, *res = NULL, *stock_cautions = json_array();
    md_code rc = string_list(ctx, json_object_get(mix, "areas"), "mixture.areas", MD_FM_MAX_AREAS,
                             (const char ***)&q.areas, &q.n_areas, err);
    if (rc == MD_OK && json_object_get(mix, "concerns"))
        rc = string_list(ctx, json_object_get(mix, "concerns"), "mixture.concerns",
                         MD_FM_MAX_CONCERNS, (const char ***)&q.concerns, &q.n_concerns, err);
    if (rc == MD_OK) rc = patient_input(ctx, pid, date, &q, &input, &owned, err);
    if (rc == MD_OK) rc = stock_available(ctx, date, &avail, err);
    if (rc == MD_OK) rc = components_of(ctx, mix, avail, &comps, stock_cautions, err);
    if (rc == MD_OK) rc = md_fm_check_mixture(&q, comps, ctx->arena, &res, err);
    if (rc == MD_OK) {
        json_array_extend(json_object_get(res, "cautions"), stock_cautions);
        char date_s[MD_DATE_STR], now[MD_TIME_STR];
        md_date_format(date, date_s);
        md_time_format(md_now(), now);
        json_object_set_new(res, "date", json_string(date_s));
        json_object_set_new(res, "checked_at", json_string(now));
        json_object_set_new(res, "jurisdiction",
                            q.jurisdiction ? json_string(q.jurisdiction) : json_null());
        json_object_set_new(
            res, "kb",
            json_pack("{s:s,s:s}", "version", md_kb_version(ctx->kb), "hash", md_kb_hash(ctx->kb)));
        if (json_is_true(json_object_get(res, "blocked"))) {
            json_t *first = json_array_get(json_object_get(res, "reasons"), 0);
            size_t n = json_array_size(json_object_get(res, "reasons"));
            rc = md_err_set(err, MD_ECONFLICT, "mixture",
                            "the mixture is refused (%zu reason%s): %s", n, n == 1 ? "" : "s",
                            json_string_value(json_object_get(first, "message")));
            if (details) *details = json_incref(res);
        } else {
            *checks = json_incref(res);
        }
    }
    json_decref(res);
    json_decref(comps);
    json_decref(avail);
    json_decref(stock_cautions);
    md_ruleset_free(owned);
    return rc;
}

static md_code refuse_checks(json_t *in, md_err *err)
{
    if (!json_is_object(in)) return md_err_set(err, MD_EINVAL, NULL, "the body must be an object");
    if (json_object_get(in, "checks"))
        return md_err_set(err, MD_EINVAL, "checks", "checks are written by the server");
    return MD_OK;
}

static md_code planned_day(json_t *rec, md_day *day, md_err *err)
{
    const char *s = NULL;
    *day = md_today_utc();
    return md_json_date(rec, "planned_date", 0, &s, day, err);
}

md_code md_formulation_create(md_ctx *ctx, const char *patient_id, json_t *in, json_t **out,
                              json_t **details, md_err *err)
{
    json_t *checks = NULL;
    md_day day;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_WRITE | MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK) rc = refuse_checks(in, err);
    if (rc == MD_OK) rc = md_patient_exists(ctx, patient_id, err);
    if (rc == MD_OK) rc = md_record_validate(ctx, &md_kind_formulation, in, err);
    if (rc == MD_OK) rc = planned_day(in, &day, err);
    if (rc == MD_OK)
        rc = check_for_patient(ctx, patient_id, json_object_get(in, "mixture"), day, &checks,
                               details, err);
    if (rc == MD_OK) json_object_set_new(in, "checks", checks);
    if (rc == MD_OK) rc = md_record_create(ctx, &md_kind_formulation, patient_id, in, out, err);
    return rc;
}

md_code md_formulation_update(md_ctx *ctx, const char *patient_id, const char *id, json_t *in,
                              json_t **out, json_t **details, md_err *err)
{
    json_t *cur = NULL, *checks = NULL;
    md_day day;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_WRITE | MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK) rc = refuse_checks(in, err);
    if (rc == MD_OK) rc = md_record_get(ctx, &md_kind_formulation, patient_id, id, &cur, err);
    if (rc != MD_OK) return rc;
    /* The version the update makes: what is given, over the current one. */
    json_t *mix = json_object_get(in, "mixture");
    const char *status = json_string_value(json_object_get(in, "status"));
    if (!status) status = json_string_value(json_object_get(cur, "status"));
    if (mix && !json_is_object(mix))
        rc = md_err_set(err, MD_EINVAL, "mixture", "mixture must be an object");
    if (rc == MD_OK && mix) rc = check_mixture_json(ctx, mix, "mixture", err);
    if (!mix) mix = json_object_get(cur, "mixture");
    if (rc == MD_OK) rc = planned_day(json_object_get(in, "planned_date") ? in : cur, &day, err);
    /* Retiring a mixture, or marking it in error, needs no new checks. */
    if (rc == MD_OK && status && strcmp(status, "active") == 0) {
        rc = check_for_patient(ctx, patient_id, mix, day, &checks, details, err);
        if (rc == MD_OK) json_object_set_new(in, "checks", checks);
    }
    if (rc == MD_OK) rc = md_record_update(ctx, &md_kind_formulation, patient_id, id, in, out, err);
    json_decref(cur);
    return rc;
}
