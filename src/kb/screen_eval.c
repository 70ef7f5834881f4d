/*
 * screen_eval.c - the rule engine: (resolved input, ruleset) -> findings.
 *
 * Contract:
 *   - no I/O, no locks, no heap: the findings array comes from the arena given;
 *     the only other memory touched is the stack (bit sets of the plan);
 *   - works on ids only (the input was resolved for this ruleset);
 *   - deterministic order: rules in ruleset order (shipped in kb order, then
 *     clinic rules); within a rule, facts in input order;
 *   - decision = worst uncleared non-caution finding, else eligible;
 *     earliest_date = latest washout end, only when every deferring finding
 *     has one (a deferral "until healed" has no date);
 *   - washout: a dose exactly `days` before the date does not defer
 *     (defers when date < last_dose + days); no last_dose = taking it now;
 *   - a condition with active unknown counts as active; a site matches a
 *     planned area when one contains the other (area part_of), and a missing
 *     site matches any plan;
 *   - a clearance_required finding is cleared by the first clearance for its
 *     rule valid on the date (valid_until >= date);
 *   - a rule with when.patch_test_covers_plan (allergy_any) lists the planned
 *     ingredients that no patch test covers with a negative result valid on the
 *     date (valid_until >= date; doubtful, irritant, positive, pending or
 *     expired tests cover nothing); with none left it is satisfied and counts
 *     for nothing (at most MD_SCREEN_MAX_ITEMS planned: one bit each);
 *   - unknown is not no: a rule that applies to the plan and "requires" a fact
 *     (kb) that is unknown (never recorded, or "not sure") for a patient the
 *     fact applies to (kb facts[].applies_to: sex, age on the date) adds a
 *     missing fact; any missing fact, or a clinic rule set that could not be
 *     compiled (in->ruleset_error), makes the decision at least incomplete.
 */
#include <string.h>

#include "kb/kb_int.h"

typedef struct eval_ctx {
    const md_ruleset *rs;
    const md_screen_input *in;
    md_arena *a;
    md_finding *f;
    size_t n, cap;
    md_missing *m;
    size_t n_missing, cap_missing;
    kb_bits plan_ingredients, plan_classes, plan_areas;
} eval_ctx;

/* A copy of arr (n elements) with room for twice as many, from the arena; NULL when full. */
static void *grow(md_arena *a, void *arr, size_t n, size_t *cap, size_t elem)
{
    size_t c = *cap ? *cap * 2 : 16;
    void *p = md_arena_alloc(a, c * elem);
    if (!p) return NULL;
    if (n) memcpy(p, arr, n * elem);
    *cap = c;
    return p;
}

static md_finding *emit(eval_ctx *E, int rule, md_fact_kind fact, int fact_index)
{
    if (E->n == E->cap && !(E->f = grow(E->a, E->f, E->n, &E->cap, sizeof *E->f))) return NULL;
    md_finding *x = &E->f[E->n++];
    x->rule = rule;
    x->cls = E->rs->rules[rule].cls;
    x->fact = fact;
    x->fact_index = fact_index;
    x->ingredient = -1;
    x->value = 0;
    x->until = 0;
    x->has_until = 0;
    x->clearance = -1;
    x->uncovered = 0;
    x->satisfied = 0;
    if (x->cls == MD_CLASS_CLEARANCE_REQUIRED) {
        for (size_t i = 0; i < E->in->n_clearances; i++) {
            const md_screen_clearance *c = &E->in->clearances[i];
            if (c->rule_index == rule && c->valid_until >= E->in->date) {
                x->clearance = (int)i;
                break;
            }
        }
    }
    return x;
}

/* MD_TRI_* of a fact the kb can require (kb_fact). */
static int fact_value(const md_screen_input *in, int fact)
{
    switch (fact) {
    case KB_FLAG_PREGNANT: return in->pregnant;
    case KB_FLAG_BREASTFEEDING: return in->breastfeeding;
    case KB_FLAG_WEIGHT_STABLE: return in->weight_stable;
    case KB_FACT_ALLERGIES:
        if (in->n_allergies > 0 || in->no_known_allergies == MD_TRI_YES) return MD_TRI_YES;
        return in->no_known_allergies == MD_TRI_NOT_SURE ? MD_TRI_NOT_SURE : MD_TRI_UNKNOWN;
    default: return MD_TRI_UNKNOWN;
    }
}

/* Does the kb's question about fact apply to this patient (sex, age on the date)? */
static int fact_applies(const md_kb *kb, const md_screen_input *in, int fact)
{
    const kb_fact_def *d = &kb->facts[fact];
    int sex = kb_sex_index(in->sex ? in->sex : "unknown");
    int age = md_age_years(in->birth_date, in->date);
    if (sex < 0) sex = kb_sex_index("unknown");
    return d->defined && (d->sexes >> sex & 1u) && age >= d->min_age && age <= d->max_age;
}

/* The rule's required facts that are unknown; 0, or -1 when the arena is full. */
static int check_required(eval_ctx *E, int ri)
{
    const kb_rule *r = &E->rs->rules[ri];
    for (int fact = 0; fact < KB_FACT_COUNT; fact++) {
        int v = fact_value(E->in, fact);
        if (!(r->requires >> fact & 1u) || v >= 0 || !fact_applies(E->rs->kb, E->in, fact))
            continue;
        if (E->n_missing == E->cap_missing &&
            !(E->m = grow(E->a, E->m, E->n_missing, &E->cap_missing, sizeof *E->m)))
            return -1;
        E->m[E->n_missing++] = (md_missing){ri, fact, v == MD_TRI_NOT_SURE};
    }
    return 0;
}

/* Bit k for each planned ingredient k that no negative patch test valid on the date covers. */
static uint64_t uncovered_ingredients(const md_screen_input *in)
{
    uint64_t bits = 0;
    for (size_t k = 0; k < in->n_ingredients; k++) {
        int covered = 0;
        for (size_t t = 0; !covered && t < in->n_patch_tests; t++) {
            const md_screen_patch_test *p = &in->patch_tests[t];
            if (!p->negative || p->valid_until < in->date) continue;
            for (size_t i = 0; !covered && i < p->n_ingredients; i++)
                covered = p->ingredient_ids[i] == in->ingredient_ids[k];
        }
        if (!covered) bits |= (uint64_t)1 << k;
    }
    return bits;
}

/* One rule against the input; 0, or -1 when the arena is full. */
static int eval_rule(eval_ctx *E, int ri)
{
    const kb_rule *r = &E->rs->rules[ri];
    const md_screen_input *in = E->in;
    const md_kb *kb = E->rs->kb;
    md_finding *x;
    if (r->has_planned && !kb_bits_any(&r->planned_ingredients, &E->plan_ingredients) &&
        !kb_bits_any(&r->planned_classes, &E->plan_classes))
        return 0;
    if (r->requires && check_required(E, ri) != 0) return -1;
    switch (r->kind) {
    case KB_RULE_STATUS_FLAG:
        if (fact_value(in, r->flag) == r->flag_value) {
            if (!(x = emit(E, ri, MD_FACT_STATUS, r->flag))) return -1;
            x->value = r->flag_value;
        }
        break;
    case KB_RULE_MIN_AGE: {
        int age = md_age_years(in->birth_date, in->date);
        int min = r->use_majority ? kb->vocab[MD_VOCAB_JURISDICTION].e[in->jurisdiction_id].age
                                  : r->years;
        if (age < min) {
            if (!(x = emit(E, ri, MD_FACT_AGE, -1))) return -1;
            x->value = age;
        }
        break;
    }
    case KB_RULE_ALLERGY_PLANNED_INGREDIENT:
        for (size_t i = 0; i < in->n_allergies; i++) {
            const kb_bits *covers = &kb->vocab[MD_VOCAB_SUBSTANCE].e[in->allergies[i].id].covers;
            for (size_t k = 0; k < in->n_ingredients; k++) {
                if (!kb_bits_has(covers, in->ingredient_ids[k])) continue;
                if (!(x = emit(E, ri, MD_FACT_ALLERGY, (int)i))) return -1;
                x->ingredient = (int)k;
            }
        }
        break;
    case KB_RULE_ALLERGY_ANY:
        if (in->n_allergies == 0) break;
        if (!(x = emit(E, ri, MD_FACT_ALLERGY, 0))) return -1;
        if (r->patch_test_covers) {
            x->uncovered = uncovered_ingredients(in);
            x->satisfied = x->uncovered == 0;
        }
        break;
    case KB_RULE_CONDITION_ACTIVE_AT_SITE:
        for (size_t i = 0; i < in->n_conditions; i++) {
            const md_screen_condition *c = &in->conditions[i];
            if (!kb_bits_has(&r->codes, c->id) || c->active == MD_TRI_NO) continue;
            if (c->site_id >= 0 &&
                !kb_bits_any(&kb->vocab[MD_VOCAB_AREA].e[c->site_id].related, &E->plan_areas))
                continue;
            if (!emit(E, ri, MD_FACT_CONDITION, (int)i)) return -1;
        }
        break;
    case KB_RULE_CONDITION_PRESENT:
        for (size_t i = 0; i < in->n_conditions; i++) {
            const md_screen_condition *c = &in->conditions[i];
            if (!kb_bits_has(&r->codes, c->id) || (r->active_only && c->active == MD_TRI_NO))
                continue;
            if (!emit(E, ri, MD_FACT_CONDITION, (int)i)) return -1;
        }
        break;
    case KB_RULE_MEDICATION_WASHOUT:
        for (size_t i = 0; i < in->n_medications; i++) {
            const md_screen_medication *m = &in->medications[i];
            md_day end = (m->has_last_dose ? m->last_dose : in->date) + r->days;
            if (!kb_bits_has(&r->codes, m->id) || in->date >= end) continue;
            if (!(x = emit(E, ri, MD_FACT_MEDICATION, (int)i))) return -1;
            x->until = end;
            x->has_until = 1;
            x->value = r->days;
        }
        break;
    case KB_RULE_MEDICATION_PRESENT:
        for (size_t i = 0; i < in->n_medications; i++)
            if (kb_bits_has(&r->codes, in->medications[i].id) &&
                !emit(E, ri, MD_FACT_MEDICATION, (int)i))
                return -1;
        break;
    case KB_RULE_FITZPATRICK_RANGE:
        if (in->fitzpatrick >= r->min && in->fitzpatrick <= r->max) {
            if (!(x = emit(E, ri, MD_FACT_FITZPATRICK, -1))) return -1;
            x->value = in->fitzpatrick;
        }
        break;
    default: break;
    }
    return 0;
}

md_code md_screen_evaluate(const md_ruleset *rs, const md_screen_input *in, md_arena *a,
                           md_screen_result *out, md_err *err)
{
    eval_ctx E;
    const md_kb *kb = rs->kb;
    int all_dated = 1, any_deferred = 0;
    memset(out, 0, sizeof *out);
    if (in->resolved_for != rs)
        return md_err_set(err, MD_EINVAL, NULL, "screening input not resolved for this rule set");
    memset(&E, 0, sizeof E);
    E.rs = rs;
    E.in = in;
    E.a = a;
    for (size_t i = 0; i < in->n_ingredients; i++) {
        kb_bits_set(&E.plan_ingredients, in->ingredient_ids[i]);
        kb_bits_set(&E.plan_classes, kb->vocab[MD_VOCAB_INGREDIENT].e[in->ingredient_ids[i]].cls);
    }
    for (size_t i = 0; i < in->n_areas; i++)
        kb_bits_set(&E.plan_areas, in->area_ids[i]);
    for (size_t r = 0; r < rs->n; r++)
        if (eval_rule(&E, (int)r) != 0)
            return md_err_set(err, MD_ENOMEM, NULL, "screening arena full");

    out->rs = rs;
    out->in = in;
    out->findings = E.f;
    out->n_findings = E.n;
    out->missing = E.m;
    out->n_missing = E.n_missing;
    out->decision = MD_CLASS_ELIGIBLE;
    for (size_t i = 0; i < E.n; i++) {
        const md_finding *f = &E.f[i];
        if (f->cls == MD_CLASS_CAUTION || f->clearance >= 0 || f->satisfied) continue;
        if (f->cls > out->decision) out->decision = f->cls;
        if (f->cls != MD_CLASS_DEFERRED) continue;
        any_deferred = 1;
        if (!f->has_until)
            all_dated = 0;
        else if (!out->has_earliest || f->until > out->earliest_date)
            out->earliest_date = f->until;
        out->has_earliest = 1;
    }
    if ((E.n_missing > 0 || in->ruleset_error) && out->decision < MD_CLASS_INCOMPLETE)
        out->decision = MD_CLASS_INCOMPLETE;
    out->has_earliest =
        out->decision == MD_CLASS_DEFERRED && any_deferred && all_dated && out->has_earliest;
    if (!out->has_earliest) out->earliest_date = 0;
    return MD_OK;
}
