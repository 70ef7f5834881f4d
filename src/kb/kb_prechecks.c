/*
 * kb_prechecks.c - kb/prechecks.json: the session gates' rule ids, sources and wording, the
 * needle kinds, the photo views and the chart policy's defaults (precheck.h).  Loaded and
 * checked with the rest of the kb (kb_load.c calls kb_prechecks_parse, after kb/stock.json
 * whose consumable kinds it names).
 *
 * The schema below is what precheck.c renders: every gate, each once, in this order, and
 * for each gate every reason it can give, no more and no fewer; a passing reason has a
 * null "satisfy", every other a text.  A template names only values of `values` below.
 * Checks, reported as "kb/prechecks.json:<path>": known keys only; sources from
 * sources.json on every gate and list; needle kinds known to kb/stock.json; views
 * [a-z0-9_] and unique; the policy's defaults inside the ranges of md_kind_chart_policy.
 * State: everything lives in the kb's arena.
 */
#include <string.h>

#include "kb/kb_int.h"
#include "mesodesk/precheck.h"
#include "mesodesk/stock.h"

#define KB_REASONS_MAX 14
#define KB_CODES_MAX 8

static const struct {
    const char *gate;
    const char *reasons[KB_REASONS_MAX]; /* NULL-terminated */
} schema[MD_PRECHECK_GATES] = {
    {"screening",
     {"pass", "none", "stale", "contraindicated", "deferred", "deferred_healed", "incomplete",
      "clearance", "plan", "no_plan", NULL}},
    {"consent", {"pass", "missing", "sent", "opened", "expired", "withdrawn", "other", NULL}},
    {"patch_tests", {"pass", "not_needed", "unknown", "missing", NULL}},
    {"practitioner",
     {"pass", "none", "scope", "not_found", "inactive", "role", "expired", "not_yet_valid",
      "suspended", "no_expiry", "no_licence", "other", NULL}},
    {"materials",
     {"pass", "no_lots", "lot_unknown", "lot_unusable", "lot_expires", "vial_needed", "vial_single",
      "vial_unknown", "vial_unusable", "needle_missing", "needle_unknown", "needle_unusable",
      NULL}},
    {"photos_before", {"pass", "not_required", "missing", "unknown", NULL}},
};

/* Reasons that pass the gate: no "satisfy". */
static const char *const passing[] = {"pass", "not_needed", "not_required", NULL};

/* The values a template may name. */
static const char *const values[] = {
    "day",     "decision",    "screened_at", "what",   "changed_at", "rules",  "earliest",
    "missing", "ingredients", "areas",       "signed", "sent",       "opened", "withdrawn",
    "status",  "scope",       "message",     "lot",    "vial",       "expiry", "needle",
    "lots",    "views",       "s",           NULL};

typedef struct kb_reason {
    const char *message, *satisfy;
} kb_reason;

typedef struct kb_gate {
    md_precheck_gate g;
    kb_reason reasons[KB_REASONS_MAX];
} kb_gate;

struct kb_prechecks {
    kb_gate gates[MD_PRECHECK_GATES];
    const char *needle[KB_CODES_MAX];
    size_t n_needle;
    const char *views[KB_CODES_MAX];
    size_t n_views;
    md_chart_policy policy;
};

static int in_list(const char *const *list, const char *s)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], s) == 0) return 1;
    return 0;
}

/* Every "{name}" of t is a known value; an unclosed brace is an error too. */
static md_code check_template(const char *t, const char *path, md_err *err)
{
    for (const char *p = strchr(t, '{'); p; p = strchr(p + 1, '{')) {
        const char *e = strchr(p, '}');
        char name[32];
        size_t n = e ? (size_t)(e - p - 1) : 0;
        if (!e || n == 0 || n >= sizeof name)
            return md_err_set(err, MD_EINVAL, path, "%s: a value is written {name}", path);
        memcpy(name, p + 1, n);
        name[n] = '\0';
        if (!in_list(values, name))
            return md_err_set(err, MD_EINVAL, path, "%s: unknown value {%s}", path, name);
    }
    return MD_OK;
}

static md_code parse_reason(md_kb *kb, const json_t *r, const char *rp, int pass, kb_reason *out,
                            md_err *err)
{
    static const char *const keys[] = {"message", "satisfy", NULL};
    char f[KB_PATH_MAX];
    md_code rc = kj_object(r, rp, keys, err);
    if (rc == MD_OK) rc = kj_string_copy(kb->arena, r, "message", rp, 1, &out->message, err);
    kj_key(f, rp, "message");
    if (rc == MD_OK) rc = check_template(out->message, f, err);
    if (rc != MD_OK) return rc;
    kj_key(f, rp, "satisfy");
    const json_t *s = json_object_get(r, "satisfy");
    if (pass) {
        if (s && !json_is_null(s))
            return md_err_set(err, MD_EINVAL, f, "%s: a passing reason has satisfy null", f);
        return MD_OK;
    }
    if (!json_is_string(s) || json_string_length(s) == 0)
        return md_err_set(err, MD_EINVAL, f, "%s: required (what satisfies the gate)", f);
    rc = kj_string_copy(kb->arena, r, "satisfy", rp, 1, &out->satisfy, err);
    return rc == MD_OK ? check_template(out->satisfy, f, err) : rc;
}

static md_code parse_gate(md_kb *kb, const json_t *j, const char *ep, size_t i, kb_gate *g,
                          md_err *err)
{
    static const char *const keys[] = {"gate", "rule", "title", "sources", "reasons", NULL};
    char f[KB_PATH_MAX], rp[KB_PATH_MAX];
    const char **src = NULL;
    md_code rc = kj_object(j, ep, keys, err);
    if (rc == MD_OK) rc = kj_string_copy(kb->arena, j, "gate", ep, 1, &g->g.gate, err);
    kj_key(f, ep, "gate");
    if (rc == MD_OK && strcmp(g->g.gate, schema[i].gate) != 0)
        rc = md_err_set(err, MD_EINVAL, f,
                        "%s: gate %zu is '%s' (the gates are, in order: "
                        "screening, consent, patch_tests, practitioner, materials, photos_before)",
                        f, i, schema[i].gate);
    if (rc == MD_OK) rc = kj_string_copy(kb->arena, j, "rule", ep, 1, &g->g.rule, err);
    if (rc == MD_OK) rc = kj_string_copy(kb->arena, j, "title", ep, 1, &g->g.title, err);
    if (rc == MD_OK) rc = kb_sources_parse(kb, kb->arena, j, ep, 0, &src, &g->g.n_sources, err);
    if (rc != MD_OK) return rc;
    g->g.sources = src;
    const json_t *reasons = json_object_get(j, "reasons"), *r;
    const char *key;
    kj_key(f, ep, "reasons");
    if (!json_is_object(reasons)) return md_err_set(err, MD_EINVAL, f, "%s: required", f);
    json_object_foreach((json_t *)reasons, key, r)
    {
        kj_key(rp, f, key);
        if (!in_list(schema[i].reasons, key))
            return md_err_set(err, MD_EINVAL, rp, "%s: gate %s gives no reason '%s'", rp,
                              schema[i].gate, key);
    }
    for (size_t k = 0; schema[i].reasons[k]; k++) {
        const char *name = schema[i].reasons[k];
        kj_key(rp, f, name);
        if (!(r = json_object_get(reasons, name)))
            return md_err_set(err, MD_EINVAL, rp, "%s: required (the gate gives it)", rp);
        if ((rc = parse_reason(kb, r, rp, in_list(passing, name), &g->reasons[k], err))) return rc;
    }
    return MD_OK;
}

/* {"codes":[...],"note"?,"sources"} into out; kind_check: each code must be a consumable
 * kind of kb/stock.json. */
static md_code parse_codes(md_kb *kb, const json_t *doc, const char *fp, const char *key,
                           int kind_check, const char **out, size_t *n, md_err *err)
{
    static const char *const keys[] = {"codes", "note", "sources", NULL};
    char p[KB_PATH_MAX], cp[KB_PATH_MAX], ip[KB_PATH_MAX];
    const json_t *e = json_object_get(doc, key), *arr = NULL;
    const char **src = NULL;
    size_t n_src = 0;
    kj_key(p, fp, key);
    if (!e) return md_err_set(err, MD_EINVAL, p, "%s: required", p);
    md_code rc = kj_object(e, p, keys, err);
    if (rc == MD_OK) rc = kj_array(e, "codes", p, 1, KB_CODES_MAX, &arr, err);
    if (rc == MD_OK) rc = kb_sources_parse(kb, kb->arena, e, p, 0, &src, &n_src, err);
    if (rc != MD_OK) return rc;
    kj_key(cp, p, "codes");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const char *c = json_string_value(json_array_get(arr, i));
        kj_index(ip, cp, i);
        int ok = c && strlen(c) > 0 && strlen(c) < sizeof((md_chart_policy *)0)->before_views[0];
        for (const char *s = c; ok && *s; s++)
            ok = (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_';
        if (!ok) return md_err_set(err, MD_EINVAL, ip, "%s: a code is [a-z0-9_], 1 to 23", ip);
        if (kind_check && !md_kb_consumable_kind_known(kb, c))
            return md_err_set(err, MD_EINVAL, ip,
                              "%s: '%s' is no consumable kind of "
                              "kb/stock.json",
                              ip, c);
        for (size_t k = 0; k < i; k++)
            if (strcmp(out[k], c) == 0)
                return md_err_set(err, MD_EINVAL, ip, "%s: '%s' given twice", ip, c);
        if (!(out[i] = md_arena_strdup(kb->arena, c)))
            return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    }
    *n = json_array_size(arr);
    return MD_OK;
}

static md_code parse_views_default(struct kb_prechecks *pc, const json_t *e, const char *p,
                                   char views[8][24], int *n, md_err *err)
{
    char dp[KB_PATH_MAX], ip[KB_PATH_MAX];
    const json_t *arr = NULL;
    md_code rc = kj_array(e, "default", p, 1, 8, &arr, err);
    if (rc != MD_OK) return rc;
    kj_key(dp, p, "default");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const char *v = json_string_value(json_array_get(arr, i));
        int known = 0;
        kj_index(ip, dp, i);
        for (size_t k = 0; v && k < pc->n_views; k++)
            known |= strcmp(pc->views[k], v) == 0;
        if (!known)
            return md_err_set(err, MD_EINVAL, ip, "%s: a default view is one of photo_views", ip);
        for (int k = 0; k < (int)i; k++)
            if (strcmp(views[k], v) == 0)
                return md_err_set(err, MD_EINVAL, ip, "%s: '%s' given twice", ip, v);
        md_strlcpy(views[i], v, 24);
    }
    *n = (int)json_array_size(arr);
    return MD_OK;
}

static md_code parse_policy(md_kb *kb, struct kb_prechecks *pc, const json_t *doc, const char *fp,
                            md_err *err)
{
    static const char *const top[] = {"before_views", "after_views", "completion_hours",
                                      "review_share_percent", NULL};
    static const char *const keys[] = {"default", "sources", NULL};
    char p[KB_PATH_MAX], ep[KB_PATH_MAX];
    const json_t *pol = json_object_get(doc, "chart_policy");
    kj_key(p, fp, "chart_policy");
    if (!pol) return md_err_set(err, MD_EINVAL, p, "%s: required", p);
    md_code rc = kj_object(pol, p, top, err);
    for (size_t i = 0; rc == MD_OK && top[i]; i++) {
        const json_t *e = json_object_get(pol, top[i]);
        const char **src = NULL;
        size_t n_src = 0;
        long v = 0;
        kj_key(ep, p, top[i]);
        if (!e) return md_err_set(err, MD_EINVAL, ep, "%s: required", ep);
        if ((rc = kj_object(e, ep, keys, err)) ||
            (rc = kb_sources_parse(kb, kb->arena, e, ep, 0, &src, &n_src, err)))
            return rc;
        if (i == 0)
            rc = parse_views_default(pc, e, ep, pc->policy.before_views, &pc->policy.n_before, err);
        if (i == 1)
            rc = parse_views_default(pc, e, ep, pc->policy.after_views, &pc->policy.n_after, err);
        if (i == 2 && (rc = kj_int(e, "default", ep, 1, 1, 720, &v, NULL, err)) == MD_OK)
            pc->policy.completion_hours = (int)v;
        if (i == 3 && (rc = kj_int(e, "default", ep, 1, 0, 100, &v, NULL, err)) == MD_OK)
            pc->policy.review_share_percent = (int)v;
    }
    return rc;
}

md_code kb_prechecks_parse(md_kb *kb, const json_t *doc, const char *fp, md_err *err)
{
    static const char *const top[] = {"note",        "gates",        "needle_kinds",
                                      "photo_views", "chart_policy", NULL};
    char sp[KB_PATH_MAX], ep[KB_PATH_MAX];
    const json_t *arr = NULL;
    struct kb_prechecks *pc = md_arena_calloc(kb->arena, sizeof *pc);
    if (!pc) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_code rc = kj_object(doc, "kb/prechecks.json", top, err);
    if (rc == MD_OK) rc = kj_array(doc, "gates", fp, 1, MD_PRECHECK_GATES, &arr, err);
    kj_key(sp, fp, "gates");
    if (rc == MD_OK && json_array_size(arr) != MD_PRECHECK_GATES)
        rc = md_err_set(err, MD_EINVAL, sp, "%s: the %d gates, each once", sp, MD_PRECHECK_GATES);
    for (size_t i = 0; rc == MD_OK && i < MD_PRECHECK_GATES; i++) {
        kj_index(ep, sp, i);
        rc = parse_gate(kb, json_array_get(arr, i), ep, i, &pc->gates[i], err);
    }
    if (rc == MD_OK)
        rc = parse_codes(kb, doc, fp, "needle_kinds", 1, pc->needle, &pc->n_needle, err);
    if (rc == MD_OK) rc = parse_codes(kb, doc, fp, "photo_views", 0, pc->views, &pc->n_views, err);
    if (rc == MD_OK) rc = parse_policy(kb, pc, doc, fp, err);
    if (rc == MD_OK) kb->prechecks = pc;
    return rc;
}

/* ---- reading ---- */

static const struct kb_prechecks *pc_of(const md_kb *kb)
{
    return kb ? kb->prechecks : NULL;
}

const md_precheck_gate *md_kb_precheck_at(const md_kb *kb, size_t i)
{
    const struct kb_prechecks *pc = pc_of(kb);
    return pc && i < MD_PRECHECK_GATES ? &pc->gates[i].g : NULL;
}

static int gate_index(const struct kb_prechecks *pc, const char *gate)
{
    for (int i = 0; pc && gate && i < MD_PRECHECK_GATES; i++)
        if (strcmp(pc->gates[i].g.gate, gate) == 0) return i;
    return -1;
}

const md_precheck_gate *md_kb_precheck_find(const md_kb *kb, const char *gate)
{
    int i = gate_index(pc_of(kb), gate);
    return i < 0 ? NULL : &pc_of(kb)->gates[i].g;
}

int md_kb_precheck_wording(const md_kb *kb, const char *gate, const char *reason,
                           const char **message, const char **satisfy)
{
    const struct kb_prechecks *pc = pc_of(kb);
    int i = gate_index(pc, gate);
    for (size_t k = 0; i >= 0 && reason && schema[i].reasons[k]; k++) {
        if (strcmp(schema[i].reasons[k], reason) != 0) continue;
        *message = pc->gates[i].reasons[k].message;
        *satisfy = pc->gates[i].reasons[k].satisfy;
        return 0;
    }
    return -1;
}

char *md_precheck_render(const char *tmpl, const md_tmpl_value *vals, char *out, size_t n)
{
    size_t o = 0;
    if (n == 0) return out;
    for (const char *p = tmpl ? tmpl : ""; *p && o + 1 < n;) {
        const char *e = *p == '{' ? strchr(p, '}') : NULL;
        if (!e) {
            out[o++] = *p++;
            continue;
        }
        const char *v = "";
        for (size_t i = 0; vals && vals[i].name; i++)
            if (strlen(vals[i].name) == (size_t)(e - p - 1) &&
                strncmp(vals[i].name, p + 1, (size_t)(e - p - 1)) == 0)
                v = vals[i].value ? vals[i].value : "";
        for (; *v && o + 1 < n; v++)
            out[o++] = *v;
        p = e + 1;
    }
    out[o] = '\0';
    return out;
}

int md_kb_needle_kind(const md_kb *kb, const char *kind)
{
    const struct kb_prechecks *pc = pc_of(kb);
    for (size_t i = 0; pc && kind && i < pc->n_needle; i++)
        if (strcmp(pc->needle[i], kind) == 0) return 1;
    return 0;
}

int md_kb_photo_view(const md_kb *kb, const char *view)
{
    const struct kb_prechecks *pc = pc_of(kb);
    for (size_t i = 0; pc && view && i < pc->n_views; i++)
        if (strcmp(pc->views[i], view) == 0) return 1;
    return 0;
}

void md_kb_chart_policy(const md_kb *kb, md_chart_policy *out)
{
    const struct kb_prechecks *pc = pc_of(kb);
    if (pc) {
        *out = pc->policy;
        return;
    }
    memset(out, 0, sizeof *out);
    static const char *const dflt[] = {"front", "left", "right"};
    for (int i = 0; i < 3; i++)
        md_strlcpy(out->before_views[i], dflt[i], sizeof out->before_views[i]);
    out->n_before = 3;
    out->completion_hours = 72;
    out->review_share_percent = 10;
}

static json_t *codes_json(const char *const *codes, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(codes[i]));
    return a;
}

json_t *md_chart_policy_json(const md_chart_policy *p)
{
    json_t *b = json_array(), *a = json_array();
    for (int i = 0; b && i < p->n_before; i++)
        json_array_append_new(b, json_string(p->before_views[i]));
    for (int i = 0; a && i < p->n_after; i++)
        json_array_append_new(a, json_string(p->after_views[i]));
    return json_pack("{s:o*,s:o*,s:i,s:i}", "before_views", b, "after_views", a, "completion_hours",
                     p->completion_hours, "review_share_percent", p->review_share_percent);
}

json_t *md_kb_prechecks_json(const md_kb *kb)
{
    const struct kb_prechecks *pc = pc_of(kb);
    md_chart_policy pol;
    json_t *gates = json_array();
    for (size_t i = 0; pc && gates && i < MD_PRECHECK_GATES; i++) {
        const md_precheck_gate *g = &pc->gates[i].g;
        json_array_append_new(gates, json_pack("{s:s,s:s,s:s,s:o*}", "gate", g->gate, "rule",
                                               g->rule, "title", g->title, "sources",
                                               codes_json(g->sources, g->n_sources)));
    }
    md_kb_chart_policy(kb, &pol);
    return json_pack("{s:o*,s:o*,s:o*,s:o*}", "gates", gates, "needle_kinds",
                     codes_json(pc ? pc->needle : NULL, pc ? pc->n_needle : 0), "photo_views",
                     codes_json(pc ? pc->views : NULL, pc ? pc->n_views : 0), "chart_policy",
                     md_chart_policy_json(&pol));
}
