/*
 * kb_stock.c - the stock part of the knowledge base (kb/stock.json): regulatory statuses
 * and their policy, product bases, beyond-use times of opened multi-dose vials, consumable
 * kinds, the default low-stock threshold.  Loaded and checked with the rest of the kb
 * (kb_load.c calls kb_stock_parse); read through stock.h (md_kb_regulatory_policy,
 * md_kb_beyond_use, md_kb_product_base_known, md_kb_low_stock_default).
 *
 * Checks: only known keys; every entry has sources; codes [a-z0-9_] and unique; a policy
 * is allowed | caution | blocked; every base the rest of the kb names (an ingredient's
 * base, a never_inject rule's bases) is a product base here; hours 1..8760.
 * All memory is the kb's arena; nothing is kept of the parsed document.
 */
#include "kb/kb_int.h"
#include "mesodesk/stock.h"

#include <string.h>

#define KB_STOCK_MAX 64

typedef struct kb_reg {
    const char *code, *label, *message;
    md_reg_policy policy;
    const char **sources;
    size_t n_sources;
} kb_reg;

typedef struct kb_base {
    const char *code, *label;
} kb_base;

struct kb_stock {
    kb_reg reg[KB_STOCK_MAX];
    size_t n_reg;
    kb_base base[KB_STOCK_MAX];
    size_t n_base;
    md_beyond_use bud; /* the multi-dose rule */
    int has_bud;
    const char *consumable[KB_STOCK_MAX];
    size_t n_consumable;
    long low_stock_default;
};

static const char *const policies[] = {"allowed", "caution", "blocked", NULL};

static int valid_code(const char *s)
{
    if (!*s || strlen(s) > 63) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

/* The entries of array key of doc, each an object with only keys, a code (or id) that is
 * valid and unique in the section, and sources; fn reads the rest. */
typedef md_code (*entry_fn)(md_kb *kb, struct kb_stock *st, const json_t *e, const char *ep,
                            const char *code, const char **src, size_t n_src, md_err *err);

static md_code section(md_kb *kb, struct kb_stock *st, const json_t *doc, const char *fp,
                       const char *key, const char *code_key, const char *const *keys, entry_fn fn,
                       md_err *err)
{
    const json_t *arr = NULL;
    char sp[KB_PATH_MAX], ep[KB_PATH_MAX], cp[KB_PATH_MAX];
    const char *seen[KB_STOCK_MAX];
    md_code rc = kj_array(doc, key, fp, 1, KB_STOCK_MAX, &arr, err);
    if (rc) return rc;
    kj_key(sp, fp, key);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *e = json_array_get(arr, i);
        const char *code, **src;
        size_t n_src;
        kj_index(ep, sp, i);
        kj_key(cp, ep, code_key);
        if ((rc = kj_object(e, ep, keys, err))) return rc;
        if ((rc = kj_string_copy(kb->arena, e, code_key, ep, 1, &code, err))) return rc;
        if (!valid_code(code))
            return md_err_set(err, MD_EINVAL, cp, "%s: not a [a-z0-9_] code", cp);
        for (size_t s = 0; s < i; s++)
            if (strcmp(seen[s], code) == 0)
                return md_err_set(err, MD_EINVAL, cp, "%s: duplicate '%s'", cp, code);
        seen[i] = code;
        if ((rc = kb_sources_parse(kb, kb->arena, e, ep, 0, &src, &n_src, err))) return rc;
        if ((rc = fn(kb, st, e, ep, code, src, n_src, err))) return rc;
    }
    return MD_OK;
}

static md_code reg_entry(md_kb *kb, struct kb_stock *st, const json_t *e, const char *ep,
                         const char *code, const char **src, size_t n_src, md_err *err)
{
    kb_reg *r = &st->reg[st->n_reg];
    const char *policy;
    char pp[KB_PATH_MAX];
    md_code rc;
    kj_key(pp, ep, "policy");
    if ((rc = kj_string_copy(kb->arena, e, "label", ep, 1, &r->label, err)) ||
        (rc = kj_string_copy(kb->arena, e, "message", ep, 1, &r->message, err)) ||
        (rc = kj_string(e, "policy", ep, 1, &policy, err)) ||
        (rc = kj_enum(policy, pp, policies, err)))
        return rc;
    r->code = code;
    r->policy = strcmp(policy, "allowed") == 0   ? MD_REG_ALLOWED
                : strcmp(policy, "caution") == 0 ? MD_REG_CAUTION
                                                 : MD_REG_BLOCKED;
    r->sources = src;
    r->n_sources = n_src;
    st->n_reg++;
    return MD_OK;
}

static md_code base_entry(md_kb *kb, struct kb_stock *st, const json_t *e, const char *ep,
                          const char *code, const char **src, size_t n_src, md_err *err)
{
    (void)src, (void)n_src;
    kb_base *b = &st->base[st->n_base];
    md_code rc = kj_string_copy(kb->arena, e, "label", ep, 1, &b->label, err);
    if (rc) return rc;
    b->code = code;
    st->n_base++;
    return MD_OK;
}

static md_code bud_entry(md_kb *kb, struct kb_stock *st, const json_t *e, const char *ep,
                         const char *code, const char **src, size_t n_src, md_err *err)
{
    static const char *const presentations[] = {"multi_dose", NULL};
    const char *pres;
    long hours = 0;
    char pp[KB_PATH_MAX];
    md_code rc;
    kj_key(pp, ep, "presentation");
    if ((rc = kj_string(e, "presentation", ep, 1, &pres, err)) ||
        (rc = kj_enum(pres, pp, presentations, err)) ||
        (rc = kj_int(e, "hours", ep, 1, 1, 8760, &hours, NULL, err)) ||
        (rc = kj_string_copy(kb->arena, e, "message", ep, 1, &st->bud.message, err)))
        return rc;
    if (st->has_bud++) return md_err_set(err, MD_EINVAL, ep, "%s: a second multi_dose rule", ep);
    st->bud.hours = hours;
    st->bud.rule = code;
    st->bud.sources = src;
    st->bud.n_sources = n_src;
    return MD_OK;
}

static md_code consumable_entry(md_kb *kb, struct kb_stock *st, const json_t *e, const char *ep,
                                const char *code, const char **src, size_t n_src, md_err *err)
{
    static const char *const measures[] = {"gauge", "length_mm", "pins", NULL};
    const json_t *m = NULL;
    const char *label;
    int single = 0;
    char mp[KB_PATH_MAX], ip[KB_PATH_MAX], sp[KB_PATH_MAX];
    (void)src, (void)n_src;
    md_code rc = kj_string(e, "label", ep, 1, &label, err);
    if (!rc) rc = kj_array(e, "measures", ep, 1, 3, &m, err);
    if (!rc) rc = kj_bool(e, "single_use", ep, 1, &single, NULL, err);
    if (rc) return rc;
    kj_key(mp, ep, "measures");
    for (size_t i = 0; i < json_array_size(m); i++) {
        kj_index(ip, mp, i);
        const char *s = json_string_value(json_array_get(m, i));
        if (!s) return md_err_set(err, MD_EINVAL, ip, "%s: expected a string", ip);
        if ((rc = kj_enum(s, ip, measures, err))) return rc;
    }
    kj_key(sp, ep, "single_use");
    if (!single) return md_err_set(err, MD_EINVAL, sp, "%s: consumables are single use (true)", sp);
    (void)kb;
    st->consumable[st->n_consumable++] = code;
    return MD_OK;
}

md_code kb_stock_parse(md_kb *kb, const json_t *doc, const char *fp, const char *const *bases,
                       md_err *err)
{
    static const char *const top[] = {"regulatory_statuses", "product_bases",     "beyond_use",
                                      "consumable_kinds",    "low_stock_default", NULL};
    static const char *const k_reg[] = {"code",    "label", "policy", "message",
                                        "sources", "note",  NULL};
    static const char *const k_base[] = {"code", "label", "sources", "note", NULL};
    static const char *const k_bud[] = {"id",      "presentation", "hours", "message",
                                        "sources", "note",         NULL};
    static const char *const k_cons[] = {"code",    "label", "measures", "single_use",
                                         "sources", "note",  NULL};
    struct kb_stock *st = md_arena_calloc(kb->arena, sizeof *st);
    if (!st) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_code rc = kj_object(doc, fp, top, err);
    if (!rc) rc = section(kb, st, doc, fp, "regulatory_statuses", "code", k_reg, reg_entry, err);
    if (!rc) rc = section(kb, st, doc, fp, "product_bases", "code", k_base, base_entry, err);
    if (!rc) rc = section(kb, st, doc, fp, "beyond_use", "id", k_bud, bud_entry, err);
    if (!rc)
        rc = section(kb, st, doc, fp, "consumable_kinds", "code", k_cons, consumable_entry, err);
    if (!rc)
        rc = kj_int(doc, "low_stock_default", fp, 1, 0, 1000000, &st->low_stock_default, NULL, err);
    if (rc) return rc;
    char bp[KB_PATH_MAX];
    kj_key(bp, fp, "product_bases");
    for (size_t i = 0; bases[i]; i++) {
        size_t b = 0;
        while (b < st->n_base && strcmp(st->base[b].code, bases[i]) != 0)
            b++;
        if (b == st->n_base)
            return md_err_set(err, MD_EINVAL, bp, "%s: the base '%s' that the kb names is missing",
                              bp, bases[i]);
    }
    char dp[KB_PATH_MAX];
    kj_key(dp, fp, "beyond_use");
    if (!st->has_bud) return md_err_set(err, MD_EINVAL, dp, "%s: no multi_dose rule", dp);
    kb->stock = st;
    return MD_OK;
}

/* ---- lookups (stock.h) ---- */

const char *md_reg_policy_name(md_reg_policy p)
{
    static const char *const names[] = {"allowed", "caution", "blocked", "unknown"};
    return (unsigned)p <= MD_REG_UNKNOWN ? names[p] : "unknown";
}

md_code md_kb_regulatory_policy(const md_kb *kb, const char *status, const char *field,
                                md_reg_info *out, md_err *err)
{
    const struct kb_stock *st = kb ? kb->stock : NULL;
    for (size_t i = 0; st && status && i < st->n_reg; i++) {
        const kb_reg *r = &st->reg[i];
        if (strcmp(r->code, status) != 0) continue;
        *out = (md_reg_info){r->policy, r->code, r->message, r->sources, r->n_sources};
        return MD_OK;
    }
    char known[256] = "";
    for (size_t i = 0; st && i < st->n_reg; i++) {
        if (i) md_strlcpy(known + strlen(known), ", ", sizeof known - strlen(known));
        md_strlcpy(known + strlen(known), st->reg[i].code, sizeof known - strlen(known));
    }
    return md_err_set(err, MD_EUNPROCESSABLE, field,
                      "unknown regulatory status '%.40s' (known: %s)", status ? status : "", known);
}

md_code md_kb_beyond_use(const md_kb *kb, md_beyond_use *out, md_err *err)
{
    if (!kb || !kb->stock) return md_err_set(err, MD_EINTERNAL, NULL, "no knowledge base loaded");
    *out = kb->stock->bud;
    return MD_OK;
}

int md_kb_product_base_known(const md_kb *kb, const char *base)
{
    for (size_t i = 0; kb && kb->stock && base && i < kb->stock->n_base; i++)
        if (strcmp(kb->stock->base[i].code, base) == 0) return 1;
    return 0;
}

int md_kb_consumable_kind_known(const md_kb *kb, const char *kind)
{
    for (size_t i = 0; kb && kb->stock && kind && i < kb->stock->n_consumable; i++)
        if (strcmp(kb->stock->consumable[i], kind) == 0) return 1;
    return 0;
}

long md_kb_low_stock_default(const md_kb *kb)
{
    return kb && kb->stock ? kb->stock->low_stock_default : 0;
}
