/*
 * screen_input.c - the screening input: JSON contract -> md_screen_input, and
 * the resolve step that maps codes and synonyms to kb ids.
 *
 * Contract: after md_screen_resolve() returns MD_OK every id field is valid
 * for the ruleset's kb, every date is consistent (birth and last doses not
 * after the screening date, clearance rules exist and are clearable) and
 * in->resolved_for == rs; evaluation relies on this and checks nothing else.
 * Errors carry the JSON path of the input contract as the field.
 */
#include <string.h>

#include "kb/kb_int.h"

static const char *const sexes[] = {"female", "male", "other", "unknown", NULL};

void md_screen_input_init(md_screen_input *in)
{
    memset(in, 0, sizeof *in);
    in->pregnant = in->breastfeeding = in->weight_stable = MD_TRI_UNKNOWN;
    in->no_known_allergies = MD_TRI_UNKNOWN;
    in->jurisdiction_id = -1;
}

static md_code resolve_term(const md_kb *kb, md_vocab_kind kind, const char *term,
                            const char *field, int *id, md_err *err)
{
    if (!term) return md_err_set(err, MD_EINVAL, field, "%s: required", field);
    return kb_vocab_resolve(kb, kind, term, field, MD_EUNPROCESSABLE, id, err);
}

static md_code check_count(size_t n, const char *field, md_err *err)
{
    if (n > MD_SCREEN_MAX_ITEMS)
        return md_err_set(err, MD_ETOOBIG, field, "%s: more than %d items", field,
                          MD_SCREEN_MAX_ITEMS);
    return MD_OK;
}

/* Resolve a planned list (areas or ingredients) into ids allocated from a. */
static md_code resolve_list(const md_kb *kb, md_vocab_kind kind, const char **terms, size_t n,
                            const char *field, md_arena *a, int **ids, md_err *err)
{
    char f[KB_PATH_MAX];
    md_code rc = check_count(n, field, err);
    if (rc) return rc;
    if (n == 0)
        return md_err_set(err, MD_EUNPROCESSABLE, field, "%s: at least one %s must be planned",
                          field, kind == MD_VOCAB_AREA ? "area" : "ingredient");
    *ids = md_arena_alloc(a, (n + 1) * sizeof **ids);
    if (!*ids) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        kj_index(f, field, i);
        if ((rc = resolve_term(kb, kind, terms[i], f, &(*ids)[i], err))) return rc;
    }
    return MD_OK;
}

static md_code resolve_patient(const md_kb *kb, md_screen_input *in, md_err *err)
{
    char f[KB_PATH_MAX];
    md_code rc;
    if (in->birth_date > in->date)
        return md_err_set(err, MD_EUNPROCESSABLE, "patient.birth_date",
                          "patient.birth_date: after the screening date");
    if (in->sex && kj_enum(in->sex, "patient.sex", sexes, err)) return MD_EINVAL;
    if (in->fitzpatrick < 0 || in->fitzpatrick > 6)
        return md_err_set(err, MD_EUNPROCESSABLE, "patient.fitzpatrick",
                          "patient.fitzpatrick: %d is outside 1..6", in->fitzpatrick);
    if ((rc = check_count(in->n_conditions, "patient.conditions", err)) ||
        (rc = check_count(in->n_medications, "patient.medications", err)) ||
        (rc = check_count(in->n_allergies, "patient.allergies", err)))
        return rc;
    for (size_t i = 0; i < in->n_conditions; i++) {
        md_screen_condition *c = &in->conditions[i];
        snprintf(f, sizeof f, "patient.conditions[%zu].code", i);
        if ((rc = resolve_term(kb, MD_VOCAB_CONDITION, c->code, f, &c->id, err))) return rc;
        c->site_id = -1;
        snprintf(f, sizeof f, "patient.conditions[%zu].site", i);
        if (c->site && (rc = resolve_term(kb, MD_VOCAB_AREA, c->site, f, &c->site_id, err)))
            return rc;
    }
    for (size_t i = 0; i < in->n_medications; i++) {
        md_screen_medication *m = &in->medications[i];
        snprintf(f, sizeof f, "patient.medications[%zu].code", i);
        if ((rc = resolve_term(kb, MD_VOCAB_MEDICATION, m->code, f, &m->id, err))) return rc;
        snprintf(f, sizeof f, "patient.medications[%zu].last_dose", i);
        if (m->has_last_dose && m->last_dose > in->date)
            return md_err_set(err, MD_EUNPROCESSABLE, f, "%s: after the screening date", f);
    }
    for (size_t i = 0; i < in->n_allergies; i++) {
        snprintf(f, sizeof f, "patient.allergies[%zu].substance", i);
        if ((rc = resolve_term(kb, MD_VOCAB_SUBSTANCE, in->allergies[i].substance, f,
                               &in->allergies[i].id, err)))
            return rc;
    }
    return MD_OK;
}

/* Patch tests: ingredients to ids; only a "negative" result can cover an ingredient. */
static md_code resolve_patch_tests(const md_kb *kb, md_screen_input *in, md_arena *a, md_err *err)
{
    char f[KB_PATH_MAX];
    md_code rc = check_count(in->n_patch_tests, "patch_tests", err);
    for (size_t i = 0; rc == MD_OK && i < in->n_patch_tests; i++) {
        md_screen_patch_test *p = &in->patch_tests[i];
        snprintf(f, sizeof f, "patch_tests[%zu].ingredients", i);
        if ((rc = check_count(p->n_ingredients, f, err))) break;
        if (p->n_ingredients == 0) {
            rc = md_err_set(err, MD_EUNPROCESSABLE, f, "%s: at least one ingredient", f);
            break;
        }
        p->ingredient_ids = md_arena_alloc(a, p->n_ingredients * sizeof *p->ingredient_ids);
        if (!p->ingredient_ids) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        for (size_t k = 0; rc == MD_OK && k < p->n_ingredients; k++) {
            char ip[KB_PATH_MAX];
            kj_index(ip, f, k);
            rc = resolve_term(kb, MD_VOCAB_INGREDIENT, p->ingredients[k], ip, &p->ingredient_ids[k],
                              err);
        }
        snprintf(f, sizeof f, "patch_tests[%zu].result", i);
        if (rc == MD_OK && !p->result) rc = md_err_set(err, MD_EINVAL, f, "%s: required", f);
        p->negative = rc == MD_OK && strcmp(p->result, "negative") == 0;
    }
    return rc;
}

md_code md_screen_resolve(const md_ruleset *rs, md_screen_input *in, md_arena *a, md_err *err)
{
    const md_kb *kb = rs->kb;
    char f[KB_PATH_MAX];
    md_code rc;
    in->resolved_for = NULL;
    in->jurisdiction_id = kb->default_jurisdiction;
    if (in->jurisdiction && (rc = resolve_term(kb, MD_VOCAB_JURISDICTION, in->jurisdiction,
                                               "jurisdiction", &in->jurisdiction_id, err)))
        return rc;
    if ((rc = resolve_patient(kb, in, err))) return rc;
    if ((rc = resolve_list(kb, MD_VOCAB_AREA, in->areas, in->n_areas, "plan.areas", a,
                           &in->area_ids, err)))
        return rc;
    if ((rc = resolve_list(kb, MD_VOCAB_INGREDIENT, in->ingredients, in->n_ingredients,
                           "plan.ingredients", a, &in->ingredient_ids, err)))
        return rc;
    if ((rc = check_count(in->n_clearances, "clearances", err))) return rc;
    for (size_t i = 0; i < in->n_clearances; i++) {
        md_screen_clearance *c = &in->clearances[i];
        snprintf(f, sizeof f, "clearances[%zu].rule", i);
        if (!c->rule) return md_err_set(err, MD_EINVAL, f, "%s: required", f);
        c->rule_index = md_ruleset_find(rs, c->rule);
        if (c->rule_index < 0)
            return md_err_set(err, MD_EUNPROCESSABLE, f, "%s: no rule '%.64s'", f, c->rule);
        if (rs->rules[c->rule_index].cls != MD_CLASS_CLEARANCE_REQUIRED)
            return md_err_set(err, MD_EUNPROCESSABLE, f,
                              "%s: rule '%.64s' is %s and cannot be cleared", f, c->rule,
                              md_class_name(rs->rules[c->rule_index].cls));
    }
    if ((rc = resolve_patch_tests(kb, in, a, err))) return rc;
    in->resolved_for = rs;
    return MD_OK;
}

/* ---- JSON -------------------------------------------------------------------- */

typedef struct parse_ctx {
    md_arena *a;
    md_err *err;
} parse_ctx;

/* Allocate n zeroed items of size sz for the array member key; *arr gets the JSON. */
static md_code json_items(parse_ctx *P, const json_t *o, const char *key, const char *path,
                          int required, size_t sz, void **items, size_t *n, const json_t **arr)
{
    *arr = NULL;
    *n = 0;
    md_code rc = kj_array(o, key, path, required, MD_SCREEN_MAX_ITEMS, arr, P->err);
    if (rc || !*arr) return rc;
    *n = json_array_size(*arr);
    *items = md_arena_calloc(P->a, (*n + 1) * sz);
    if (!*items) return md_err_set(P->err, MD_ENOMEM, NULL, "out of memory");
    return MD_OK;
}

static md_code json_strings(parse_ctx *P, const json_t *o, const char *key, const char *path,
                            const char ***out, size_t *n)
{
    const json_t *arr;
    char f[KB_PATH_MAX], ip[KB_PATH_MAX];
    md_code rc = json_items(P, o, key, path, 1, sizeof **out, (void **)out, n, &arr);
    if (rc) return rc;
    kj_key(f, path, key);
    for (size_t i = 0; i < *n; i++) {
        const json_t *t = json_array_get(arr, i);
        kj_index(ip, f, i);
        if (!json_is_string(t))
            return md_err_set(P->err, MD_EINVAL, ip, "%s: expected a string", ip);
        if (!((*out)[i] = md_arena_strdup(P->a, json_string_value(t))))
            return md_err_set(P->err, MD_ENOMEM, NULL, "out of memory");
    }
    return MD_OK;
}

/* true/false, or the answer as asked: "yes", "no", "not_sure" (which stays unknown). */
static md_code json_tri(parse_ctx *P, const json_t *o, const char *key, const char *path,
                        signed char *out)
{
    static const char *const answers[] = {"no", "yes", "not_sure", NULL};
    const char *s = json_string_value(json_object_get(o, key));
    int v = 0, present = 0;
    char f[KB_PATH_MAX];
    if (s) {
        kj_key(f, path, key);
        for (int i = 0; answers[i]; i++)
            if (strcmp(s, answers[i]) == 0) {
                *out = i == 2 ? MD_TRI_NOT_SURE : (signed char)i;
                return MD_OK;
            }
        return md_err_set(P->err, MD_EINVAL, f,
                          "%s: expected true, false, \"yes\", \"no\" or \"not_sure\"", f);
    }
    md_code rc = kj_bool(o, key, path, 0, &v, &present, P->err);
    *out = present ? (signed char)v : MD_TRI_UNKNOWN;
    return rc;
}

static md_code parse_facts(parse_ctx *P, const json_t *p, md_screen_input *in)
{
    static const char *const k_cond[] = {"code", "active", "site", NULL};
    static const char *const k_med[] = {"code", "name", "last_dose", NULL};
    static const char *const k_all[] = {"substance", NULL};
    const json_t *arr;
    char ep[KB_PATH_MAX];
    md_code rc;
    if ((rc = json_items(P, p, "conditions", "patient", 0, sizeof *in->conditions,
                         (void **)&in->conditions, &in->n_conditions, &arr)))
        return rc;
    for (size_t i = 0; i < in->n_conditions; i++) {
        const json_t *j = json_array_get(arr, i);
        md_screen_condition *c = &in->conditions[i];
        kj_index(ep, "patient.conditions", i);
        if ((rc = kj_object(j, ep, k_cond, P->err)) ||
            (rc = kj_string_copy(P->a, j, "code", ep, 1, &c->code, P->err)) ||
            (rc = json_tri(P, j, "active", ep, &c->active)) ||
            (rc = kj_string_copy(P->a, j, "site", ep, 0, &c->site, P->err)))
            return rc;
    }
    if ((rc = json_items(P, p, "medications", "patient", 0, sizeof *in->medications,
                         (void **)&in->medications, &in->n_medications, &arr)))
        return rc;
    for (size_t i = 0; i < in->n_medications; i++) {
        const json_t *j = json_array_get(arr, i);
        md_screen_medication *m = &in->medications[i];
        kj_index(ep, "patient.medications", i);
        if ((rc = kj_object(j, ep, k_med, P->err)) ||
            (rc = kj_string_copy(P->a, j, "code", ep, 1, &m->code, P->err)) ||
            (rc = kj_string_copy(P->a, j, "name", ep, 0, &m->name, P->err)) ||
            (rc = kj_date(j, "last_dose", ep, 0, &m->last_dose, &m->has_last_dose, P->err)))
            return rc;
    }
    if ((rc = json_items(P, p, "allergies", "patient", 0, sizeof *in->allergies,
                         (void **)&in->allergies, &in->n_allergies, &arr)))
        return rc;
    for (size_t i = 0; i < in->n_allergies; i++) {
        const json_t *j = json_array_get(arr, i);
        kj_index(ep, "patient.allergies", i);
        if ((rc = kj_object(j, ep, k_all, P->err)) ||
            (rc = kj_string_copy(P->a, j, "substance", ep, 1, &in->allergies[i].substance, P->err)))
            return rc;
    }
    return MD_OK;
}

static md_code parse_patient(parse_ctx *P, const json_t *root, md_screen_input *in)
{
    static const char *const keys[] = {
        "birth_date",  "sex",        "pregnant",    "breastfeeding", "weight_stable",
        "fitzpatrick", "conditions", "medications", "allergies",     "no_known_allergies",
        NULL};
    const json_t *p = json_object_get(root, "patient");
    long fitz = 0;
    md_code rc;
    if (!p) return md_err_set(P->err, MD_EINVAL, "patient", "patient: required");
    if ((rc = kj_object(p, "patient", keys, P->err)) ||
        (rc = kj_date(p, "birth_date", "patient", 1, &in->birth_date, NULL, P->err)) ||
        (rc = kj_string_copy(P->a, p, "sex", "patient", 0, &in->sex, P->err)) ||
        (rc = json_tri(P, p, "pregnant", "patient", &in->pregnant)) ||
        (rc = json_tri(P, p, "breastfeeding", "patient", &in->breastfeeding)) ||
        (rc = json_tri(P, p, "weight_stable", "patient", &in->weight_stable)) ||
        (rc = json_tri(P, p, "no_known_allergies", "patient", &in->no_known_allergies)) ||
        (rc = kj_int(p, "fitzpatrick", "patient", 0, 1, 6, &fitz, NULL, P->err)))
        return rc;
    in->fitzpatrick = (int)fitz;
    return parse_facts(P, p, in);
}

static md_code parse_clearances(parse_ctx *P, const json_t *root, md_screen_input *in)
{
    static const char *const keys[] = {"rule", "valid_until", "id", "reason", "physician", NULL};
    const json_t *arr;
    char ep[KB_PATH_MAX];
    md_code rc = json_items(P, root, "clearances", "", 0, sizeof *in->clearances,
                            (void **)&in->clearances, &in->n_clearances, &arr);
    for (size_t i = 0; !rc && i < in->n_clearances; i++) {
        const json_t *j = json_array_get(arr, i);
        md_screen_clearance *c = &in->clearances[i];
        kj_index(ep, "clearances", i);
        if ((rc = kj_object(j, ep, keys, P->err)) ||
            (rc = kj_string_copy(P->a, j, "rule", ep, 1, &c->rule, P->err)) ||
            (rc = kj_date(j, "valid_until", ep, 1, &c->valid_until, NULL, P->err)) ||
            (rc = kj_string_copy(P->a, j, "id", ep, 0, &c->id, P->err)))
            break;
        if ((rc = kj_string_copy(P->a, j, "reason", ep, 0, &c->reason, P->err))) break;
        rc = kj_string_copy(P->a, j, "physician", ep, 0, &c->physician, P->err);
    }
    return rc;
}

/* "patch_tests": [{"id"?, "ingredients": [...], "result", "valid_until" (required when
 * the result is "negative")}]. */
static md_code parse_patch_tests(parse_ctx *P, const json_t *root, md_screen_input *in)
{
    static const char *const keys[] = {"id", "ingredients", "result", "valid_until", NULL};
    const json_t *arr;
    char ep[KB_PATH_MAX];
    md_code rc = json_items(P, root, "patch_tests", "", 0, sizeof *in->patch_tests,
                            (void **)&in->patch_tests, &in->n_patch_tests, &arr);
    for (size_t i = 0; !rc && i < in->n_patch_tests; i++) {
        const json_t *j = json_array_get(arr, i);
        md_screen_patch_test *p = &in->patch_tests[i];
        kj_index(ep, "patch_tests", i);
        if ((rc = kj_object(j, ep, keys, P->err)) ||
            (rc = kj_string_copy(P->a, j, "id", ep, 0, &p->id, P->err)) ||
            (rc = kj_string_copy(P->a, j, "result", ep, 1, &p->result, P->err)) ||
            (rc = json_strings(P, j, "ingredients", ep, &p->ingredients, &p->n_ingredients)))
            break;
        rc = kj_date(j, "valid_until", ep, strcmp(p->result, "negative") == 0, &p->valid_until,
                     NULL, P->err);
    }
    return rc;
}

md_code md_screen_input_from_json(const md_ruleset *rs, const json_t *j, md_arena *a,
                                  md_screen_input **out, md_err *err)
{
    static const char *const keys[] = {"date",       "jurisdiction", "patient", "plan",
                                       "clearances", "patch_tests",  NULL};
    static const char *const k_plan[] = {"areas", "ingredients", NULL};
    parse_ctx P = {a, err};
    md_screen_input *in = md_arena_alloc(a, sizeof *in);
    const json_t *plan;
    md_code rc;
    *out = NULL;
    if (!in) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_screen_input_init(in);
    if (!json_is_object(j)) return md_err_set(err, MD_EINVAL, "", "input: expected a JSON object");
    if ((rc = kj_object(j, "", keys, err)) ||
        (rc = kj_date(j, "date", "", 1, &in->date, NULL, err)) ||
        (rc = kj_string_copy(a, j, "jurisdiction", "", 0, &in->jurisdiction, err)) ||
        (rc = parse_patient(&P, j, in)))
        return rc;
    if (!(plan = json_object_get(j, "plan")))
        return md_err_set(err, MD_EINVAL, "plan", "plan: required");
    if ((rc = kj_object(plan, "plan", k_plan, err)) ||
        (rc = json_strings(&P, plan, "areas", "plan", &in->areas, &in->n_areas)) ||
        (rc =
             json_strings(&P, plan, "ingredients", "plan", &in->ingredients, &in->n_ingredients)) ||
        (rc = parse_clearances(&P, j, in)) || (rc = parse_patch_tests(&P, j, in)) ||
        (rc = md_screen_resolve(rs, in, a, err)))
        return rc;
    *out = in;
    return MD_OK;
}
