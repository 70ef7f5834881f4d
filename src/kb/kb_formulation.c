/*
 * kb_formulation.c - kb/concerns.json (concerns and the ingredients that address them) and the
 * compiled mixing rules of kb/incompatibilities.json, for the formulation builder (formulation.h,
 * part 1).
 *
 * Loaded by md_kb_load() after the vocabulary (every ingredient and area a concern names
 * must be a kb code) and after incompatibilities.json was validated there.  Checks, each
 * reported as "kb/concerns.json:<path>": known keys only, codes [a-z0-9_] and unique,
 * every concern and link with sources from sources.json, ingredients and areas that
 * resolve, a link's areas inside its concern's (and the source that says where a concern
 * applies).  The regulatory policy per status is kb/stock.json's (stock.h).
 *
 * Memory: everything lives in the kb's arena; the JSON documents are the loader's.
 */
#include <stdio.h>
#include <string.h>

#include "kb/kb_int.h"
#include "mesodesk/formulation.h"
#include "mesodesk/sbuf.h"
#include "mesodesk/util.h"

#define FM_MAX_CONCERNS 64
#define FM_MAX_LINKS 32

typedef struct fm_link {
    md_concern_link pub;
    kb_bits areas; /* listed areas (has_areas) */
} fm_link;

typedef struct fm_concern {
    const char *code, *label;
    const char **sources;
    size_t n_sources;
    int has_areas;
    kb_bits areas;
    const char *areas_text;
    fm_link *links;
    size_t n_links;
} fm_concern;

typedef struct fm_mix {
    md_mix_rule pub;
    kb_bits ingredients; /* same_syringe: the list; unmixed_only: the one */
    const char *bases[8];
    size_t n_bases;
} fm_mix;

struct kb_formulation {
    fm_concern *concerns;
    size_t n_concerns;
    fm_mix *mix;
    size_t n_mix;
};

static int valid_code(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

/* areas: a list of area codes -> bits and "a,b" text; at least one. */
static md_code parse_areas(md_kb *kb, const json_t *j, const char *ep, kb_bits *bits,
                           const char **text, md_err *err)
{
    const json_t *arr = NULL;
    char ap[KB_PATH_MAX], ip[KB_PATH_MAX], buf[512];
    md_code rc = kj_array(j, "areas", ep, 1, 32, &arr, err);
    if (rc) return rc;
    kj_key(ap, ep, "areas");
    if (json_array_size(arr) == 0)
        return md_err_set(err, MD_EINVAL, ap, "%s: at least one area", ap);
    md_sbuf b;
    md_sbuf_init(&b, buf, sizeof buf);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *t = json_array_get(arr, i);
        int id;
        kj_index(ip, ap, i);
        if (!json_is_string(t)) return md_err_set(err, MD_EINVAL, ip, "%s: expected a string", ip);
        if ((rc = kb_vocab_resolve(kb, MD_VOCAB_AREA, json_string_value(t), ip, MD_EINVAL, &id,
                                   err)))
            return rc;
        kb_bits_set(bits, id);
        md_sbuf_appendf(&b, "%s%s", i ? "," : "", kb->vocab[MD_VOCAB_AREA].e[id].code);
    }
    if (!md_sbuf_ok(&b)) return md_err_set(err, MD_EINVAL, ap, "%s: too many areas", ap);
    *text = md_arena_strdup(kb->arena, buf);
    return *text ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
}

static md_code parse_link(md_kb *kb, const fm_concern *c, const json_t *j, const char *ep,
                          fm_link *l, md_err *err)
{
    static const char *const keys[] = {"ingredient", "sources", "areas", "note", NULL};
    const char *ing;
    char f[KB_PATH_MAX];
    md_code rc = kj_object(j, ep, keys, err);
    if (rc) return rc;
    if ((rc = kj_string(j, "ingredient", ep, 1, &ing, err))) return rc;
    kj_key(f, ep, "ingredient");
    if ((rc = kb_vocab_resolve(kb, MD_VOCAB_INGREDIENT, ing, f, MD_EINVAL, &l->pub.ingredient_id,
                               err)))
        return rc;
    l->pub.ingredient = kb->vocab[MD_VOCAB_INGREDIENT].e[l->pub.ingredient_id].code;
    if ((rc = kb_sources_parse(kb, kb->arena, j, ep, 0, (const char ***)&l->pub.sources,
                               &l->pub.n_sources, err)))
        return rc;
    if ((rc = kj_string_copy(kb->arena, j, "note", ep, 0, &l->pub.note, err))) return rc;
    if (json_object_get(j, "areas")) {
        l->pub.has_areas = 1;
        if ((rc = parse_areas(kb, j, ep, &l->areas, &l->pub.areas_text, err))) return rc;
        /* A link narrows its concern's areas; it never widens them. */
        const kb_vocab *av = &kb->vocab[MD_VOCAB_AREA];
        for (size_t a = 0; c->has_areas && a < av->n; a++)
            if (kb_bits_has(&l->areas, (int)a) && !kb_bits_any(&av->e[a].related, &c->areas)) {
                kj_key(f, ep, "areas");
                return md_err_set(err, MD_EINVAL, f, "%s: %s is outside the concern's areas", f,
                                  av->e[a].code);
            }
    }
    return MD_OK;
}

static md_code parse_concern(md_kb *kb, const json_t *j, const char *ep, fm_concern *c, md_err *err)
{
    static const char *const keys[] = {"code",         "label",       "sources", "areas",
                                       "area_sources", "ingredients", "note",    NULL};
    const json_t *links = NULL;
    char lp[KB_PATH_MAX], ip[KB_PATH_MAX], f[KB_PATH_MAX];
    md_code rc = kj_object(j, ep, keys, err);
    if (rc) return rc;
    if ((rc = kj_string_copy(kb->arena, j, "code", ep, 1, &c->code, err))) return rc;
    kj_key(f, ep, "code");
    if (!valid_code(c->code)) return md_err_set(err, MD_EINVAL, f, "%s: not [a-z0-9_]", f);
    if ((rc = kj_string_copy(kb->arena, j, "label", ep, 1, &c->label, err))) return rc;
    if ((rc = kj_string(j, "note", ep, 0, &(const char *){NULL}, err))) return rc;
    if ((rc = kb_sources_parse(kb, kb->arena, j, ep, 0, &c->sources, &c->n_sources, err)))
        return rc;
    if (json_object_get(j, "areas")) {
        const char **as;
        size_t n_as;
        c->has_areas = 1;
        if ((rc = parse_areas(kb, j, ep, &c->areas, &c->areas_text, err))) return rc;
        /* Which source says where the concern applies: required with areas. */
        json_t *tmp = json_pack("{s:O}", "sources", json_object_get(j, "area_sources"));
        kj_key(f, ep, "area_sources");
        if (!json_object_get(j, "area_sources"))
            rc = md_err_set(err, MD_EINVAL, f, "%s: required with areas", f);
        else if (!tmp)
            rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        else
            rc = kb_sources_parse(kb, kb->arena, tmp, ep, 0, &as, &n_as, err);
        json_decref(tmp);
        if (rc) return rc;
    } else if (json_object_get(j, "area_sources")) {
        kj_key(f, ep, "area_sources");
        return md_err_set(err, MD_EINVAL, f, "%s: only with areas", f);
    }
    if ((rc = kj_array(j, "ingredients", ep, 1, FM_MAX_LINKS, &links, err))) return rc;
    kj_key(lp, ep, "ingredients");
    if (json_array_size(links) == 0)
        return md_err_set(err, MD_EINVAL, lp, "%s: at least one ingredient", lp);
    c->links = md_arena_calloc(kb->arena, json_array_size(links) * sizeof *c->links);
    if (!c->links) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < json_array_size(links); i++) {
        kj_index(ip, lp, i);
        if ((rc = parse_link(kb, c, json_array_get(links, i), ip, &c->links[i], err))) return rc;
        for (size_t k = 0; k < i; k++)
            if (c->links[k].pub.ingredient_id == c->links[i].pub.ingredient_id)
                return md_err_set(err, MD_EINVAL, ip, "%s: ingredient %s listed twice", ip,
                                  c->links[i].pub.ingredient);
        c->n_links = i + 1;
    }
    return MD_OK;
}

/* Compile the already validated mixing rules. */
static md_code compile_mixing(md_kb *kb, const json_t *doc, md_err *err)
{
    static const char *const kinds[] = {"same_syringe", "never_inject", "unmixed_only"};
    struct kb_formulation *F = kb->formulation;
    size_t n = 0;
    for (int s = 0; s < 3; s++)
        n += json_array_size(json_object_get(doc, kinds[s]));
    F->mix = md_arena_calloc(kb->arena, (n ? n : 1) * sizeof *F->mix);
    if (!F->mix) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (int s = 0; s < 3; s++) {
        const json_t *arr = json_object_get(doc, kinds[s]), *j;
        size_t i;
        json_array_foreach(arr, i, j)
        {
            fm_mix *m = &F->mix[F->n_mix];
            char ep[KB_PATH_MAX];
            md_code rc;
            snprintf(ep, sizeof ep, "kb/incompatibilities.json:%s[%zu]", kinds[s], i);
            m->pub.kind = kinds[s];
            if ((rc = kj_string_copy(kb->arena, j, "id", ep, 1, &m->pub.id, err)) ||
                (rc = kj_string_copy(kb->arena, j, "message", ep, 1, &m->pub.message, err)) ||
                (rc = kb_sources_parse(kb, kb->arena, j, ep, 0, (const char ***)&m->pub.sources,
                                       &m->pub.n_sources, err)))
                return rc;
            const json_t *list = json_object_get(j, s == 0 ? "ingredients" : "bases"), *t;
            size_t k;
            if (s == 2) {
                int id = kb_vocab_find(&kb->vocab[MD_VOCAB_INGREDIENT],
                                       json_string_value(json_object_get(j, "ingredient")));
                kb_bits_set(&m->ingredients, id);
            }
            json_array_foreach(s == 2 ? NULL : list, k, t)
            {
                if (s == 0)
                    kb_bits_set(&m->ingredients, kb_vocab_find(&kb->vocab[MD_VOCAB_INGREDIENT],
                                                               json_string_value(t)));
                else if (m->n_bases < 8 && !(m->bases[m->n_bases++] =
                                                 md_arena_strdup(kb->arena, json_string_value(t))))
                    return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
            }
            F->n_mix++;
        }
    }
    return MD_OK;
}

md_code kb_formulation_load(md_kb *kb, const json_t *concerns, const json_t *incompat, md_err *err)
{
    static const char *const top[] = {"concerns", NULL};
    const char *fp = "kb/concerns.json:";
    const json_t *arr = NULL;
    char sp[KB_PATH_MAX], ep[KB_PATH_MAX], f[KB_PATH_MAX];
    md_code rc = kj_object(concerns, "kb/concerns.json", top, err);
    if (rc) return rc;
    if (!(kb->formulation = md_arena_calloc(kb->arena, sizeof *kb->formulation)))
        return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    struct kb_formulation *F = kb->formulation;
    if ((rc = kj_array(concerns, "concerns", fp, 1, FM_MAX_CONCERNS, &arr, err))) return rc;
    kj_key(sp, fp, "concerns");
    F->concerns = md_arena_calloc(kb->arena, (json_array_size(arr) + 1) * sizeof *F->concerns);
    if (!F->concerns) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        kj_index(ep, sp, i);
        if ((rc = parse_concern(kb, json_array_get(arr, i), ep, &F->concerns[i], err))) return rc;
        for (size_t k = 0; k < i; k++)
            if (strcmp(F->concerns[k].code, F->concerns[i].code) == 0) {
                kj_key(f, ep, "code");
                return md_err_set(err, MD_EINVAL, f, "%s: duplicate concern '%s'", f,
                                  F->concerns[i].code);
            }
        F->n_concerns = i + 1;
    }
    return compile_mixing(kb, incompat, err);
}

/* ---- accessors ------------------------------------------------------------------- */

static const fm_concern *concern_at(const md_kb *kb, int id)
{
    const struct kb_formulation *F = kb->formulation;
    return F && id >= 0 && (size_t)id < F->n_concerns ? &F->concerns[id] : NULL;
}

size_t md_kb_concern_count(const md_kb *kb)
{
    return kb->formulation ? kb->formulation->n_concerns : 0;
}

int md_kb_concern_find(const md_kb *kb, const char *code)
{
    char norm[KB_TERM_MAX];
    if (!code || kb_normalise(code, norm) != 0) return -1;
    for (size_t i = 0; i < md_kb_concern_count(kb); i++)
        if (strcmp(kb->formulation->concerns[i].code, norm) == 0) return (int)i;
    return -1;
}

const char *md_kb_concern_code(const md_kb *kb, int id)
{
    const fm_concern *c = concern_at(kb, id);
    return c ? c->code : NULL;
}

const char *md_kb_concern_label(const md_kb *kb, int id)
{
    const fm_concern *c = concern_at(kb, id);
    return c ? c->label : NULL;
}

const char *md_kb_concern_areas(const md_kb *kb, int id)
{
    const fm_concern *c = concern_at(kb, id);
    return c && c->has_areas ? c->areas_text : NULL;
}

size_t md_kb_concern_link_count(const md_kb *kb, int id)
{
    const fm_concern *c = concern_at(kb, id);
    return c ? c->n_links : 0;
}

int md_kb_concern_link(const md_kb *kb, int id, size_t i, md_concern_link *out)
{
    const fm_concern *c = concern_at(kb, id);
    if (!c || i >= c->n_links) return -1;
    *out = c->links[i].pub;
    return 0;
}

static int areas_fit(const md_kb *kb, const kb_bits *listed, const int *area_ids, size_t n)
{
    const kb_vocab *av = &kb->vocab[MD_VOCAB_AREA];
    for (size_t i = 0; i < n; i++)
        if (area_ids[i] >= 0 && (size_t)area_ids[i] < av->n &&
            kb_bits_any(&av->e[area_ids[i]].related, listed))
            return 1;
    return 0;
}

int md_kb_concern_applies(const md_kb *kb, int id, int link, const int *area_ids, size_t n)
{
    const fm_concern *c = concern_at(kb, id);
    if (!c) return 0;
    if (link < 0) return !c->has_areas || areas_fit(kb, &c->areas, area_ids, n);
    if ((size_t)link >= c->n_links) return 0;
    const fm_link *l = &c->links[link];
    return !l->pub.has_areas || areas_fit(kb, &l->areas, area_ids, n);
}

static json_t *strings_json(const char *const *s, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(s[i]));
    return a;
}

/* "a,b" -> ["a","b"] */
static json_t *csv_json(const char *s)
{
    json_t *a = json_array();
    while (a && s && *s) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        json_array_append_new(a, json_stringn(s, len));
        s = e ? e + 1 : NULL;
    }
    return a;
}

json_t *md_kb_concerns_json(const md_kb *kb)
{
    json_t *out = json_array();
    for (size_t i = 0; out && i < md_kb_concern_count(kb); i++) {
        const fm_concern *c = &kb->formulation->concerns[i];
        json_t *links = json_array();
        for (size_t k = 0; links && k < c->n_links; k++) {
            const md_concern_link *l = &c->links[k].pub;
            json_array_append_new(
                links, json_pack("{s:s,s:o,s:s?,s:o?}", "ingredient", l->ingredient, "sources",
                                 strings_json(l->sources, l->n_sources), "note", l->note, "areas",
                                 l->has_areas ? csv_json(l->areas_text) : NULL));
        }
        json_array_append_new(
            out, json_pack("{s:s,s:s,s:o?,s:o,s:o}", "code", c->code, "label", c->label, "areas",
                           c->has_areas ? csv_json(c->areas_text) : NULL, "ingredients", links,
                           "sources", strings_json(c->sources, c->n_sources)));
    }
    return out;
}

/* The i-th mixing rule of a kind, or NULL. */
static const fm_mix *mix_rule(const md_kb *kb, const char *kind, size_t i)
{
    const struct kb_formulation *F = kb->formulation;
    for (size_t k = 0; F && k < F->n_mix; k++)
        if (strcmp(F->mix[k].pub.kind, kind) == 0 && i-- == 0) return &F->mix[k];
    return NULL;
}

size_t md_kb_same_syringe_count(const md_kb *kb)
{
    size_t n = 0;
    while (mix_rule(kb, "same_syringe", n))
        n++;
    return n;
}

int md_kb_same_syringe(const md_kb *kb, size_t i, const int *ingredient_ids, size_t n,
                       md_mix_rule *out)
{
    const fm_mix *m = mix_rule(kb, "same_syringe", i);
    int first = -1;
    for (size_t k = 0; m && k < n; k++) {
        if (!kb_bits_has(&m->ingredients, ingredient_ids[k])) continue;
        if (first < 0) {
            first = ingredient_ids[k];
        } else if (ingredient_ids[k] != first) {
            *out = m->pub;
            return 1;
        }
    }
    return 0;
}

int md_kb_never_inject(const md_kb *kb, const char *base, md_mix_rule *out)
{
    const fm_mix *m;
    for (size_t i = 0; base && (m = mix_rule(kb, "never_inject", i)); i++)
        for (size_t b = 0; b < m->n_bases; b++)
            if (strcmp(m->bases[b], base) == 0) {
                *out = m->pub;
                return 1;
            }
    return 0;
}

int md_kb_unmixed_only(const md_kb *kb, int ingredient_id, md_mix_rule *out)
{
    const fm_mix *m;
    for (size_t i = 0; (m = mix_rule(kb, "unmixed_only", i)); i++)
        if (kb_bits_has(&m->ingredients, ingredient_id)) {
            *out = m->pub;
            return 1;
        }
    return 0;
}
