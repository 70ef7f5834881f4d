/*
 * kb_rules.c - rule parsing (shipped and clinic) and rule-set compilation.
 *
 * A rule is {"id", "kind", "class", "when": {...}, "message", "sources"}.  The
 * C engine knows only the generic kinds below; which codes trigger what, with
 * which class and sources, is kb data.  "when" members by kind:
 *   status_flag                 flag (pregnant|breastfeeding|weight_stable), value
 *   min_age                     age_of_majority: true (jurisdiction table) | years
 *   allergy_planned_ingredient  -
 *   allergy_any                 patch_test_covers_plan (optional: satisfied when valid
 *                               negative patch tests cover every planned ingredient)
 *   condition_active_at_site    codes (conditions)
 *   condition_present           codes, active_only
 *   medication_washout          codes (medications), days
 *   medication_present          codes
 *   fitzpatrick_range           min, max (1..6)
 * and, for every kind, optional planned_ingredients / planned_classes: the rule
 * applies only when the plan includes one of them.
 * Messages may use placeholders ({input}, {code}, {term}...), checked per kind at load.
 *
 * Clinic rules use the same shape (new findings only add restrictions), or
 * {"id", "raises": <shipped id>, "class", "sources"[, "message"]} to make a
 * shipped rule stricter.  Invariant of every compiled ruleset: each shipped
 * rule is present, in kb order, with a class >= its shipped class.
 */
#include <stdlib.h>
#include <string.h>

#include "kb/kb_int.h"

typedef struct kind_def {
    const char *name;
    const char *const *when;  /* allowed "when" keys besides the planned_* ones */
    const char *placeholders; /* allowed {names}, space-separated */
    int when_optional;        /* its "when" members are all optional */
} kind_def;

static const char *const w_none[] = {NULL};
static const char *const w_flag[] = {"flag", "value", NULL};
static const char *const w_age[] = {"age_of_majority", "years", NULL};
static const char *const w_codes[] = {"codes", NULL};
static const char *const w_present[] = {"codes", "active_only", NULL};
static const char *const w_washout[] = {"codes", "days", NULL};
static const char *const w_range[] = {"min", "max", NULL};
static const char *const w_allergy_any[] = {"patch_test_covers_plan", NULL};

static const kind_def kinds[KB_RULE_KIND_COUNT] = {
    {"status_flag", w_flag, "value", 0},
    {"min_age", w_age, "age years jurisdiction", 0},
    {"allergy_planned_ingredient", w_none, "input code term ingredient", 0},
    {"allergy_any", w_allergy_any, "input code term uncovered", 1},
    {"condition_active_at_site", w_codes, "input code term site", 0},
    {"condition_present", w_present, "input code term", 0},
    {"medication_washout", w_washout, "input code term days last_dose earliest_date", 0},
    {"medication_present", w_codes, "input code term", 0},
    {"fitzpatrick_range", w_range, "value", 0},
};

static const char *const flag_names[KB_FLAG_COUNT + 1] = {"pregnant", "breastfeeding",
                                                          "weight_stable", NULL};
static const char *const fact_names[KB_FACT_COUNT + 1] = {"pregnant", "breastfeeding",
                                                          "weight_stable", "allergies", NULL};
static const char *const sex_names[KB_SEX_COUNT + 1] = {"female", "male", "other", "unknown", NULL};

const char *kb_rule_kind_name(kb_rule_kind k)
{
    return (unsigned)k < KB_RULE_KIND_COUNT ? kinds[k].name : "unknown";
}

const char *kb_flag_name(int flag)
{
    return (unsigned)flag < KB_FACT_COUNT ? fact_names[flag] : "unknown";
}

int kb_sex_index(const char *sex)
{
    for (int i = 0; sex && i < KB_SEX_COUNT; i++)
        if (strcmp(sex_names[i], sex) == 0) return i;
    return -1;
}

/* ---- facts a rule needs ------------------------------------------------------
 * {"fact": "pregnant", "field": "patient.pregnant", "question": "...",
 *  "applies_to": {"sex": ["female", ...], "min_age": 10, "max_age": 55},
 *  "sources": [...], "note": "..."} */

static md_code parse_applies_to(const json_t *j, const char *path, kb_fact_def *d, md_err *err)
{
    static const char *const keys[] = {"sex", "min_age", "max_age", NULL};
    const json_t *sexes = NULL, *a = json_object_get(j, "applies_to");
    char ap[KB_PATH_MAX], sp[KB_PATH_MAX], ip[KB_PATH_MAX];
    long v;
    int present;
    md_code rc;
    d->sexes = (1u << KB_SEX_COUNT) - 1;
    d->min_age = 0;
    d->max_age = 200;
    if (!a) return MD_OK;
    kj_key(ap, path, "applies_to");
    if ((rc = kj_object(a, ap, keys, err))) return rc;
    if ((rc = kj_array(a, "sex", ap, 0, KB_SEX_COUNT, &sexes, err))) return rc;
    kj_key(sp, ap, "sex");
    if (sexes) d->sexes = 0;
    for (size_t i = 0; sexes && i < json_array_size(sexes); i++) {
        kj_index(ip, sp, i);
        int x = kb_sex_index(json_string_value(json_array_get(sexes, i)));
        if (x < 0)
            return md_err_set(err, MD_EINVAL, ip, "%s: expected female, male, other or unknown",
                              ip);
        d->sexes |= 1u << x;
    }
    if (sexes && !d->sexes) return md_err_set(err, MD_EINVAL, sp, "%s: empty", sp);
    if ((rc = kj_int(a, "min_age", ap, 0, 0, 200, &v, &present, err))) return rc;
    if (present) d->min_age = (int)v;
    if ((rc = kj_int(a, "max_age", ap, 0, 0, 200, &v, &present, err))) return rc;
    if (present) d->max_age = (int)v;
    if (d->min_age > d->max_age)
        return md_err_set(err, MD_EINVAL, ap, "%s: min_age above max_age", ap);
    return MD_OK;
}

md_code kb_facts_parse(md_kb *kb, const json_t *arr, const char *path, md_err *err)
{
    static const char *const keys[] = {"fact",    "field", "question", "applies_to",
                                       "sources", "note",  NULL};
    char ep[KB_PATH_MAX], f[KB_PATH_MAX];
    md_code rc;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *j = json_array_get(arr, i);
        const char *name;
        kj_index(ep, path, i);
        if ((rc = kj_object(j, ep, keys, err)) || (rc = kj_string(j, "fact", ep, 1, &name, err)))
            return rc;
        kj_key(f, ep, "fact");
        if ((rc = kj_enum(name, f, fact_names, err))) return rc;
        int x = 0;
        while (strcmp(fact_names[x], name) != 0)
            x++;
        kb_fact_def *d = &kb->facts[x];
        if (d->defined)
            return md_err_set(err, MD_EINVAL, f, "%s: '%s' is described twice", f, name);
        d->defined = 1;
        if ((rc = kj_string_copy(kb->arena, j, "field", ep, 1, &d->field, err)) ||
            (rc = kj_string_copy(kb->arena, j, "question", ep, 1, &d->question, err)) ||
            (rc = kj_string(j, "note", ep, 0, &(const char *){NULL}, err)) ||
            (rc = parse_applies_to(j, ep, d, err)) ||
            (rc = kb_sources_parse(kb, kb->arena, j, ep, 0, &d->sources, &d->n_sources, err)))
            return rc;
    }
    return MD_OK;
}

json_t *md_kb_facts_json(const md_kb *kb)
{
    json_t *out = json_array();
    for (int x = 0; out && x < KB_FACT_COUNT; x++) {
        const kb_fact_def *d = &kb->facts[x];
        if (!d->defined) continue;
        json_t *sexes = json_array(), *src = json_array();
        for (int i = 0; i < KB_SEX_COUNT; i++)
            if (d->sexes >> i & 1u) json_array_append_new(sexes, json_string(sex_names[i]));
        for (size_t i = 0; i < d->n_sources; i++)
            json_array_append_new(src, json_string(d->sources[i]));
        json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:{s:o,s:i,s:i},s:o}", "fact",
                                             fact_names[x], "field", d->field, "question",
                                             d->question, "applies_to", "sex", sexes, "min_age",
                                             d->min_age, "max_age", d->max_age, "sources", src));
    }
    return out;
}

/* "requires": facts this rule needs known; each must be described in "facts" and be what
 * the rule's kind reads (a status flag rule its flag, an allergy rule the allergy list). */
static md_code parse_requires(const md_kb *kb, const json_t *j, const char *path, kb_rule *r,
                              md_err *err)
{
    const json_t *arr = NULL;
    char f[KB_PATH_MAX], ip[KB_PATH_MAX];
    md_code rc = kj_array(j, "requires", path, 0, KB_FACT_COUNT, &arr, err);
    if (rc || !arr) return rc;
    kj_key(f, path, "requires");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const char *name = json_string_value(json_array_get(arr, i));
        int x = -1;
        kj_index(ip, f, i);
        for (int k = 0; name && k < KB_FACT_COUNT; k++)
            if (strcmp(fact_names[k], name) == 0) x = k;
        if (x < 0 || !kb->facts[x].defined)
            return md_err_set(err, MD_EINVAL, ip, "%s: not a fact described in rules.json facts",
                              ip);
        int reads =
            r->kind == KB_RULE_STATUS_FLAG ? x == r->flag
            : r->kind == KB_RULE_ALLERGY_ANY || r->kind == KB_RULE_ALLERGY_PLANNED_INGREDIENT
                ? x == KB_FACT_ALLERGIES
                : 0;
        if (!reads)
            return md_err_set(err, MD_EINVAL, ip, "%s: a %s rule does not read '%s'", ip,
                              kinds[r->kind].name, name);
        r->requires |= 1u << x;
    }
    return MD_OK;
}

md_code kb_sources_parse(const md_kb *kb, md_arena *a, const json_t *o, const char *path,
                         int allow_clinic, const char ***out, size_t *n, md_err *err)
{
    const json_t *arr = NULL;
    char f[KB_PATH_MAX], ip[KB_PATH_MAX];
    md_code rc = kj_array(o, "sources", path, 1, 32, &arr, err);
    if (rc) return rc;
    kj_key(f, path, "sources");
    if (json_array_size(arr) == 0)
        return md_err_set(err, MD_EINVAL, f, "%s: at least one source required", f);
    *n = json_array_size(arr);
    *out = md_arena_alloc(a, *n * sizeof **out);
    if (!*out) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < *n; i++) {
        const json_t *t = json_array_get(arr, i);
        const char *s = json_string_value(t), *found = NULL;
        kj_index(ip, f, i);
        if (!s) return md_err_set(err, MD_EINVAL, ip, "%s: expected a source key", ip);
        for (size_t k = 0; k < kb->n_sources && !found; k++)
            if (strcmp(kb->sources[k], s) == 0) found = kb->sources[k];
        if (!found && allow_clinic && strncmp(s, "clinic:", 7) == 0 && s[7] && strlen(s) < 200)
            found = md_arena_strdup(a, s);
        if (!found)
            return md_err_set(err, MD_EINVAL, ip, "%s: unknown source '%.60s'%s", ip, s,
                              allow_clinic ? " (kb source key or \"clinic:...\")" : "");
        (*out)[i] = found;
    }
    return MD_OK;
}

/* Every {name} in msg must be allowed for the kind. */
static md_code check_placeholders(const char *msg, const char *allowed, const char *f, md_err *err)
{
    for (const char *p = strchr(msg, '{'); p; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        size_t len = end ? (size_t)(end - p - 1) : 0;
        int ok = 0;
        for (const char *w = allowed; end && len && *w;) {
            size_t wl = strcspn(w, " ");
            if (wl == len && strncmp(w, p + 1, len) == 0) ok = 1;
            w += wl;
            while (*w == ' ')
                w++;
        }
        if (!ok)
            return md_err_set(err, MD_EINVAL, f,
                              "%s: placeholder '%.*s' not available for this kind", f,
                              (int)(end ? len + 2 : strlen(p)), p);
    }
    return MD_OK;
}

/* A list of codes of one namespace into a bit set; at least one. */
static md_code parse_codes(const md_kb *kb, const json_t *when, const char *key, const char *wp,
                           md_vocab_kind kind, int required, kb_bits *out, int *present,
                           md_err *err)
{
    const json_t *arr = NULL;
    char f[KB_PATH_MAX], ip[KB_PATH_MAX];
    md_code rc = kj_array(when, key, wp, required, KB_MAX_IDS, &arr, err);
    if (present) *present = arr != NULL;
    if (rc || !arr) return rc;
    kj_key(f, wp, key);
    if (json_array_size(arr) == 0) return md_err_set(err, MD_EINVAL, f, "%s: empty", f);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *t = json_array_get(arr, i);
        int id;
        kj_index(ip, f, i);
        if (!json_is_string(t)) return md_err_set(err, MD_EINVAL, ip, "%s: expected a string", ip);
        if ((rc = kb_vocab_resolve(kb, kind, json_string_value(t), ip, MD_EINVAL, &id, err)))
            return rc;
        if (strcmp(kb->vocab[kind].e[id].code, json_string_value(t)) != 0)
            return md_err_set(err, MD_EINVAL, ip, "%s: use the code '%s', not a synonym", ip,
                              kb->vocab[kind].e[id].code);
        if (kb_bits_has(out, id)) return md_err_set(err, MD_EINVAL, ip, "%s: listed twice", ip);
        kb_bits_set(out, id);
    }
    return MD_OK;
}

static md_code parse_when(const md_kb *kb, const json_t *j, const char *path, kb_rule *r,
                          md_err *err)
{
    const char *allowed[8];
    size_t n = 0;
    char wp[KB_PATH_MAX], f[KB_PATH_MAX];
    long v;
    int present, pi = 0, pc = 0;
    md_code rc;
    const json_t *when = json_object_get(j, "when");
    kj_key(wp, path, "when");
    for (const char *const *k = kinds[r->kind].when; *k; k++)
        allowed[n++] = *k;
    allowed[n++] = "planned_ingredients";
    allowed[n++] = "planned_classes";
    allowed[n] = NULL;
    if (!when) {
        if (kinds[r->kind].when[0] && !kinds[r->kind].when_optional)
            return md_err_set(err, MD_EINVAL, wp, "%s: required", wp);
        return MD_OK;
    }
    if ((rc = kj_object(when, wp, allowed, err))) return rc;
    if ((rc = parse_codes(kb, when, "planned_ingredients", wp, MD_VOCAB_INGREDIENT, 0,
                          &r->planned_ingredients, &pi, err)))
        return rc;
    if ((rc = parse_codes(kb, when, "planned_classes", wp, MD_VOCAB_INGREDIENT_CLASS, 0,
                          &r->planned_classes, &pc, err)))
        return rc;
    r->has_planned = pi || pc;
    switch (r->kind) {
    case KB_RULE_STATUS_FLAG: {
        const char *flag;
        if ((rc = kj_string(when, "flag", wp, 1, &flag, err))) return rc;
        kj_key(f, wp, "flag");
        if ((rc = kj_enum(flag, f, flag_names, err))) return rc;
        for (r->flag = 0; strcmp(flag_names[r->flag], flag) != 0; r->flag++) {
        }
        return kj_bool(when, "value", wp, 1, &r->flag_value, NULL, err);
    }
    case KB_RULE_MIN_AGE:
        if ((rc = kj_bool(when, "age_of_majority", wp, 0, &r->use_majority, &present, err)))
            return rc;
        if ((rc = kj_int(when, "years", wp, 0, 1, 150, &v, &pi, err))) return rc;
        r->years = pi ? (int)v : 0;
        if ((present && r->use_majority) == pi)
            return md_err_set(err, MD_EINVAL, wp, "%s: give either age_of_majority: true or years",
                              wp);
        return MD_OK;
    case KB_RULE_CONDITION_ACTIVE_AT_SITE:
        return parse_codes(kb, when, "codes", wp, MD_VOCAB_CONDITION, 1, &r->codes, NULL, err);
    case KB_RULE_CONDITION_PRESENT:
        if ((rc = parse_codes(kb, when, "codes", wp, MD_VOCAB_CONDITION, 1, &r->codes, NULL, err)))
            return rc;
        return kj_bool(when, "active_only", wp, 1, &r->active_only, NULL, err);
    case KB_RULE_MEDICATION_WASHOUT:
        if ((rc = kj_int(when, "days", wp, 1, 1, 3650, &v, NULL, err))) return rc;
        r->days = (int)v;
        __attribute__((fallthrough)); /* codes are medications */
    case KB_RULE_MEDICATION_PRESENT:
        return parse_codes(kb, when, "codes", wp, MD_VOCAB_MEDICATION, 1, &r->codes, NULL, err);
    case KB_RULE_ALLERGY_ANY:
        return kj_bool(when, "patch_test_covers_plan", wp, 0, &r->patch_test_covers, NULL, err);
    case KB_RULE_FITZPATRICK_RANGE:
        if ((rc = kj_int(when, "min", wp, 1, 1, 6, &v, NULL, err))) return rc;
        r->min = (int)v;
        if ((rc = kj_int(when, "max", wp, 1, 1, 6, &v, NULL, err))) return rc;
        r->max = (int)v;
        if (r->min > r->max) return md_err_set(err, MD_EINVAL, wp, "%s: min above max", wp);
        return MD_OK;
    default: return MD_OK;
    }
}

static int valid_rule_id(const char *s)
{
    if (!*s || strlen(s) > 64) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' ||
              *s == '-'))
            return 0;
    return 1;
}

md_code kb_rule_parse(md_kb *kb, md_arena *a, const md_ruleset *shipped, const json_t *j,
                      const char *path, int clinic, kb_rule *r, md_err *err)
{
    static const char *const keys[] = {"id",      "kind",    "class", "title",    "when",
                                       "message", "sources", "note",  "requires", NULL};
    const char *kind, *cls;
    char f[KB_PATH_MAX];
    md_code rc;
    memset(r, 0, sizeof *r);
    if ((rc = kj_object(j, path, keys, err))) return rc;
    if ((rc = kj_string_copy(a, j, "id", path, 1, &r->id, err))) return rc;
    kj_key(f, path, "id");
    if (!valid_rule_id(r->id))
        return md_err_set(err, MD_EINVAL, f, "%s: rule ids are lower-case letters, digits, _ . -",
                          f);
    if (md_ruleset_find(shipped, r->id) >= 0)
        return md_err_set(err, MD_EINVAL, f, "%s: '%s' is already a %s rule id", f, r->id,
                          clinic ? "shipped" : "kb");
    if ((rc = kj_string(j, "kind", path, 1, &kind, err))) return rc;
    kj_key(f, path, "kind");
    for (r->kind = 0; r->kind < KB_RULE_KIND_COUNT && strcmp(kinds[r->kind].name, kind) != 0;
         r->kind++) {
    }
    if (r->kind == KB_RULE_KIND_COUNT)
        return md_err_set(err, MD_EINVAL, f, "%s: unknown rule kind '%.40s'", f, kind);
    if ((rc = kj_string(j, "class", path, 1, &cls, err))) return rc;
    kj_key(f, path, "class");
    if (md_class_parse(cls, &r->cls) != 0 || r->cls == MD_CLASS_ELIGIBLE ||
        r->cls == MD_CLASS_INCOMPLETE)
        return md_err_set(
            err, MD_EINVAL, f,
            "%s: class must be caution, clearance_required, deferred or contraindicated", f);
    r->shipped_cls = r->cls;
    r->clinic = clinic;
    if ((rc = kj_string_copy(a, j, "message", path, 1, &r->message, err))) return rc;
    kj_key(f, path, "message");
    if ((rc = check_placeholders(r->message, kinds[r->kind].placeholders, f, err))) return rc;
    if ((rc = kj_string(j, "note", path, 0, &cls, err))) return rc;
    if ((rc = kj_string_copy(a, j, "title", path, 0, &r->title, err))) return rc;
    if ((rc = kb_sources_parse(kb, a, j, path, clinic, &r->sources, &r->n_sources, err))) return rc;
    if ((rc = parse_when(kb, j, path, r, err))) return rc;
    return parse_requires(kb, j, path, r, err);
}

/* ---- rule sets ------------------------------------------------------------- */

/* A "raises" clinic rule: stricter class for a shipped rule in rs. */
static md_code apply_raise(md_ruleset *rs, const json_t *j, const char *path, md_err *err)
{
    static const char *const keys[] = {"id", "raises", "class", "message", "sources", "note", NULL};
    const char *id, *target, *cls_s, **src;
    size_t n_src;
    md_class cls;
    char f[KB_PATH_MAX];
    md_code rc;
    if ((rc = kj_object(j, path, keys, err))) return rc;
    if ((rc = kj_string_copy(rs->arena, j, "id", path, 1, &id, err))) return rc;
    kj_key(f, path, "id");
    if (!valid_rule_id(id) || md_ruleset_find(rs, id) >= 0)
        return md_err_set(err, MD_EINVAL, f, "%s: '%.64s' is not a valid new rule id", f, id);
    if ((rc = kj_string(j, "raises", path, 1, &target, err))) return rc;
    kj_key(f, path, "raises");
    int t = md_ruleset_find(&rs->kb->shipped, target);
    if (t < 0) return md_err_set(err, MD_EINVAL, f, "%s: no shipped rule '%.64s'", f, target);
    if ((rc = kj_string(j, "class", path, 1, &cls_s, err))) return rc;
    kj_key(f, path, "class");
    if (md_class_parse(cls_s, &cls) != 0 || cls <= rs->rules[t].shipped_cls ||
        cls == MD_CLASS_INCOMPLETE)
        return md_err_set(err, MD_EINVAL, f, "%s: a clinic rule may only raise '%s' above %s", f,
                          target, md_class_name(rs->rules[t].shipped_cls));
    if ((rc = kb_sources_parse(rs->kb, rs->arena, j, path, 1, &src, &n_src, err))) return rc;
    if ((rc = kj_string(j, "note", path, 0, &cls_s, err))) return rc;
    kb_rule *r = &rs->rules[t];
    if ((rc = kj_string_copy(rs->arena, j, "message", path, 0, &r->message, err))) return rc;
    kj_key(f, path, "message");
    if ((rc = check_placeholders(r->message, kinds[r->kind].placeholders, f, err))) return rc;
    if (cls > r->cls) {
        r->cls = cls;
        r->raised_by = id;
    }
    return MD_OK;
}

static md_code add_clinic_rule(md_ruleset *rs, const json_t *j, const char *path, md_err *err)
{
    if (json_is_object(j) && json_object_get(j, "raises")) return apply_raise(rs, j, path, err);
    kb_rule *r = &rs->rules[rs->n];
    md_code rc = kb_rule_parse((md_kb *)rs->kb, rs->arena, rs, j, path, 1, r, err);
    if (rc == MD_OK) rs->n++;
    return rc;
}

md_code md_ruleset_compile(const md_kb *kb, const json_t *clinic_rules, md_ruleset **out,
                           md_err *err)
{
    md_ruleset *rs = NULL;
    md_code rc = MD_OK;
    size_t extra = clinic_rules ? json_array_size(clinic_rules) : 0;
    *out = NULL;
    if (clinic_rules && !json_is_array(clinic_rules)) {
        rc = md_err_set(err, MD_EINVAL, "clinic_rules", "clinic_rules: expected an array");
        goto cleanup;
    }
    if (kb->shipped.n + extra > KB_MAX_IDS) {
        rc = md_err_set(err, MD_ETOOBIG, "clinic_rules", "clinic_rules: too many rules");
        goto cleanup;
    }
    rs = calloc(1, sizeof *rs);
    if (!rs || !(rs->arena = md_arena_new(16 * 1024, 0))) {
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        goto cleanup;
    }
    rs->kb = kb;
    atomic_init(&rs->refs, 1);
    rs->rules = md_arena_alloc(rs->arena, (kb->shipped.n + extra + 1) * sizeof *rs->rules);
    if (!rs->rules) {
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        goto cleanup;
    }
    memcpy(rs->rules, kb->shipped.rules, kb->shipped.n * sizeof *rs->rules);
    rs->n = kb->shipped.n;
    for (size_t i = 0; i < extra; i++) {
        char p[KB_PATH_MAX];
        kj_index(p, "clinic_rules", i);
        if ((rc = add_clinic_rule(rs, json_array_get(clinic_rules, i), p, err))) goto cleanup;
    }
    *out = rs;
    rs = NULL;
cleanup:
    md_ruleset_free(rs);
    return rc;
}

md_code md_kb_validate_clinic_rule(const md_kb *kb, const json_t *rule, md_err *err)
{
    md_ruleset *rs = NULL;
    json_t *arr = json_array();
    md_code rc;
    if (!arr || json_array_append(arr, (json_t *)rule) != 0) {
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        goto cleanup;
    }
    rc = md_ruleset_compile(kb, arr, &rs, err);
    if (rc && err && strncmp(err->field, "clinic_rules[0]", 15) == 0) {
        /* report the path relative to the single rule: "rule.when.codes[0]" */
        char f[KB_PATH_MAX];
        snprintf(f, sizeof f, "rule%s", err->field + 15);
        md_strlcpy(err->field, f, sizeof err->field);
    }
cleanup:
    md_ruleset_free(rs);
    json_decref(arr);
    return rc;
}

void md_ruleset_free(md_ruleset *rs)
{
    if (!rs || !rs->arena) return; /* the kb's own ruleset has no arena and is not freed here */
    if (atomic_fetch_sub(&rs->refs, 1) > 1) return;
    md_arena_free(rs->arena);
    free(rs);
}

md_ruleset *md_ruleset_ref(md_ruleset *rs)
{
    if (!rs || !rs->arena) return NULL;
    atomic_fetch_add(&rs->refs, 1);
    return rs;
}

const md_kb *md_ruleset_kb(const md_ruleset *rs)
{
    return rs->kb;
}
size_t md_ruleset_count(const md_ruleset *rs)
{
    return rs->n;
}

int md_ruleset_find(const md_ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->n; i++)
        if (strcmp(rs->rules[i].id, id) == 0) return (int)i;
    return -1;
}

int md_ruleset_rule(const md_ruleset *rs, size_t i, md_rule_info *out)
{
    if (i >= rs->n) return -1;
    const kb_rule *r = &rs->rules[i];
    out->id = r->id;
    out->kind = kinds[r->kind].name;
    out->cls = r->cls;
    out->shipped_cls = r->shipped_cls;
    out->message = r->message;
    out->sources = r->sources;
    out->n_sources = r->n_sources;
    out->clinic = r->clinic;
    out->raised_by = r->raised_by;
    out->title = r->title ? r->title : r->id;
    return 0;
}
