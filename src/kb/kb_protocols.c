/*
 * kb_protocols.c - kb/protocols.json: treatment protocols (course.h), loaded and checked with
 * the rest of the kb.
 *
 * Checks, reported as "kb/protocols.json:<path>" like every kb error: known keys only; every
 * value with sources from sources.json (a protocol, each technique, concern list, scope,
 * range, range default, area depth and angle, needle); protocol and technique codes
 * [a-z0-9_] and unique; a range's min <= max and its default inside it, with the default's
 * own sources, each among the range's; techniques from the file's "techniques" list;
 * concerns from kb/concerns.json; areas from the vocabulary, each once per protocol; depth
 * 0 < min <= max <= 10 mm, angle 0 <= min <= max <= 90 degrees, needles 20..34 G and
 * 1..50 mm.
 * State: everything lives in the kb's arena; the loader calls kb_protocols_parse after
 * kb/concerns.json is loaded (its concerns are referenced here).
 */
#include <string.h>

#include "kb/kb_int.h"
#include "kb/kb_protocols_int.h"
#include "mesodesk/chart.h"
#include "mesodesk/course.h"
#include "mesodesk/formulation.h"

#define PROTOCOLS_MAX 64
#define TECHNIQUES_MAX 32
#define AREAS_MAX 32
#define NEEDLES_MAX 8
#define CODES_MAX 32

typedef struct kb_sources {
    const char **s;
    size_t n;
} kb_sources;

typedef struct kb_codes {
    const char **codes;
    size_t n;
    kb_sources src;
} kb_codes;

typedef struct kb_needle {
    int gauge, length_mm;
    kb_sources src;
} kb_needle;

typedef struct kb_span {
    double min, max;
    kb_sources src;
} kb_span;

typedef struct kb_protocol_area {
    const char *area;
    kb_span depth, angle;
    kb_needle needles[NEEDLES_MAX];
    size_t n_needles;
} kb_protocol_area;

struct md_protocol {
    const char *code, *label;
    kb_sources src;
    kb_codes concerns, techniques;
    const char *scope, *scope_note;
    kb_sources scope_src;
    md_protocol_range range[MD_PP_COUNT];
    kb_protocol_area areas[AREAS_MAX];
    size_t n_areas;
};

typedef struct kb_technique {
    const char *code, *label;
    kb_sources src;
} kb_technique;

struct md_protocol_kb {
    md_protocol *p;
    size_t n;
    kb_technique tech[TECHNIQUES_MAX];
    size_t n_tech;
};

static const char *const param_names[MD_PP_COUNT] = {"session_count", "spacing_days",
                                                     "maintenance_months", "session_minutes"};
/* The bounds a range may take at all: a series, days, months, minutes. */
static const int param_lo[MD_PP_COUNT] = {1, 1, 1, 5};
static const int param_hi[MD_PP_COUNT] = {20, 365, 36, 480};

static md_code sources(md_kb *kb, const json_t *j, const char *path, kb_sources *out, md_err *err)
{
    return kb_sources_parse(kb, kb->arena, j, path, 0, &out->s, &out->n, err);
}

static int code_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 63) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

md_code kb_code_field(md_kb *kb, const json_t *j, const char *key, const char *ep, const char **out,
                      md_err *err)
{
    char f[KB_PATH_MAX];
    md_code rc = kj_string_copy(kb->arena, j, key, ep, 1, out, err);
    if (rc) return rc;
    kj_key(f, ep, key);
    if (!code_ok(*out))
        return md_err_set(err, MD_EINVAL, f, "%s: a code is 1 to 63 of [a-z0-9_]", f);
    return MD_OK;
}

static md_code parse_techniques(md_kb *kb, struct md_protocol_kb *pk, const json_t *doc,
                                const char *fp, md_err *err)
{
    static const char *const keys[] = {"code", "label", "sources", NULL};
    const json_t *arr;
    char sp[KB_PATH_MAX], ep[KB_PATH_MAX];
    md_code rc = kj_array(doc, "techniques", fp, 1, TECHNIQUES_MAX, &arr, err);
    if (rc) return rc;
    kj_key(sp, fp, "techniques");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        kb_technique *t = &pk->tech[i];
        const json_t *j = json_array_get(arr, i);
        kj_index(ep, sp, i);
        if ((rc = kj_object(j, ep, keys, err)) ||
            (rc = kb_code_field(kb, j, "code", ep, &t->code, err)) ||
            (rc = kj_string_copy(kb->arena, j, "label", ep, 1, &t->label, err)) ||
            (rc = sources(kb, j, ep, &t->src, err)))
            return rc;
        for (size_t k = 0; k < i; k++)
            if (strcmp(pk->tech[k].code, t->code) == 0)
                return md_err_set(err, MD_EINVAL, ep, "%s: duplicate technique '%s'", ep, t->code);
        pk->n_tech = i + 1;
    }
    return MD_OK;
}

/* {"codes":[...],"sources":[...]}; known(code) says whether a code is allowed. */
static md_code parse_codes(md_kb *kb, const struct md_protocol_kb *pk, const json_t *j,
                           const char *key, const char *ep, kb_codes *out, md_err *err)
{
    static const char *const keys[] = {"codes", "sources", NULL};
    const json_t *o = json_object_get(j, key), *arr;
    char op[KB_PATH_MAX], cp[KB_PATH_MAX], ip[KB_PATH_MAX];
    kj_key(op, ep, key);
    if (!o) return md_err_set(err, MD_EINVAL, op, "%s: required", op);
    md_code rc = kj_object(o, op, keys, err);
    if (rc || (rc = kj_array(o, "codes", op, 1, CODES_MAX, &arr, err)) ||
        (rc = sources(kb, o, op, &out->src, err)))
        return rc;
    kj_key(cp, op, "codes");
    if (json_array_size(arr) == 0) return md_err_set(err, MD_EINVAL, cp, "%s: at least one", cp);
    out->n = json_array_size(arr);
    out->codes = md_arena_alloc(kb->arena, out->n * sizeof *out->codes);
    if (!out->codes) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < out->n; i++) {
        const char *s = json_string_value(json_array_get(arr, i)), *found = NULL;
        kj_index(ip, cp, i);
        if (!s) return md_err_set(err, MD_EINVAL, ip, "%s: expected a code", ip);
        if (strcmp(key, "techniques") == 0) {
            for (size_t k = 0; k < pk->n_tech && !found; k++)
                if (strcmp(pk->tech[k].code, s) == 0) found = pk->tech[k].code;
            if (!found)
                return md_err_set(err, MD_EINVAL, ip, "%s: unknown technique '%.60s'", ip, s);
        } else {
            int id = md_kb_concern_find(kb, s);
            if (id < 0) return md_err_set(err, MD_EINVAL, ip, "%s: unknown concern '%.60s'", ip, s);
            found = md_kb_concern_code(kb, id);
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(out->codes[k], found) == 0)
                return md_err_set(err, MD_EINVAL, ip, "%s: '%s' listed twice", ip, found);
        out->codes[i] = found;
    }
    return MD_OK;
}

static md_code parse_range(md_kb *kb, const json_t *j, md_protocol_param which, const char *ep,
                           md_protocol_range *r, md_err *err)
{
    static const char *const keys[] = {"min", "max", "sources", "default", "note", NULL};
    static const char *const dkeys[] = {"value", "sources", NULL};
    const char *key = param_names[which];
    const json_t *o = json_object_get(j, key), *d;
    char rp[KB_PATH_MAX], dp[KB_PATH_MAX];
    long lo = 0, hi = 0, v = 0;
    kj_key(rp, ep, key);
    if (!o) return md_err_set(err, MD_EINVAL, rp, "%s: required", rp);
    md_code rc = kj_object(o, rp, keys, err);
    if (rc || (rc = kj_int(o, "min", rp, 1, param_lo[which], param_hi[which], &lo, NULL, err)) ||
        (rc = kj_int(o, "max", rp, 1, param_lo[which], param_hi[which], &hi, NULL, err)) ||
        (rc = kj_string_copy(kb->arena, o, "note", rp, 0, &r->note, err)) ||
        (rc = kb_sources_parse(kb, kb->arena, o, rp, 0, &r->sources, &r->n_sources, err)))
        return rc;
    if (lo > hi) return md_err_set(err, MD_EINVAL, rp, "%s: min above max", rp);
    kj_key(dp, rp, "default");
    if (!(d = json_object_get(o, "default")))
        return md_err_set(err, MD_EINVAL, dp, "%s: required (the shipped default)", dp);
    if ((rc = kj_object(d, dp, dkeys, err)) ||
        (rc = kj_int(d, "value", dp, 1, param_lo[which], param_hi[which], &v, NULL, err)) ||
        (rc = kb_sources_parse(kb, kb->arena, d, dp, 0, &r->dflt_sources, &r->n_dflt_sources, err)))
        return rc;
    if (v < lo || v > hi) {
        char vp[KB_PATH_MAX];
        kj_key(vp, dp, "value");
        return md_err_set(err, MD_EINVAL, vp, "%s: the default %ld is outside the range %ld-%ld",
                          vp, v, lo, hi);
    }
    for (size_t i = 0; i < r->n_dflt_sources; i++) {
        int cited = 0;
        for (size_t k = 0; k < r->n_sources; k++)
            cited |= strcmp(r->sources[k], r->dflt_sources[i]) == 0;
        if (!cited) {
            char sp[KB_PATH_MAX], ip[KB_PATH_MAX];
            kj_key(sp, dp, "sources");
            kj_index(ip, sp, i);
            return md_err_set(err, MD_EINVAL, ip,
                              "%s: the default's source '%s' is not among the range's", ip,
                              r->dflt_sources[i]);
        }
    }
    r->min = (int)lo, r->max = (int)hi, r->dflt = (int)v;
    return MD_OK;
}

static md_code parse_span(md_kb *kb, const json_t *j, const char *key, const char *ep, double lo,
                          double hi, kb_span *s, md_err *err)
{
    static const char *const keys[] = {"min", "max", "sources", NULL};
    const json_t *o = json_object_get(j, key);
    char sp[KB_PATH_MAX];
    kj_key(sp, ep, key);
    if (!o) return md_err_set(err, MD_EINVAL, sp, "%s: required", sp);
    md_code rc = kj_object(o, sp, keys, err);
    if (rc) return rc;
    const json_t *mn = json_object_get(o, "min"), *mx = json_object_get(o, "max");
    if (!json_is_number(mn) || !json_is_number(mx))
        return md_err_set(err, MD_EINVAL, sp, "%s: min and max are required numbers", sp);
    s->min = json_number_value(mn), s->max = json_number_value(mx);
    if (s->min < lo || s->max > hi || s->min > s->max)
        return md_err_set(err, MD_EINVAL, sp, "%s: needs %g <= min <= max <= %g", sp, lo, hi);
    return sources(kb, o, sp, &s->src, err);
}

static md_code parse_area(md_kb *kb, const json_t *j, const char *ep, kb_protocol_area *a,
                          md_err *err)
{
    static const char *const keys[] = {"area", "depth_mm", "angle_deg", "needles", NULL};
    static const char *const nkeys[] = {"gauge", "length_mm", "sources", NULL};
    const json_t *arr;
    const char *typed = NULL;
    char f[KB_PATH_MAX], np[KB_PATH_MAX], ip[KB_PATH_MAX];
    int id = -1;
    md_code rc = kj_object(j, ep, keys, err);
    if (rc || (rc = kj_string(j, "area", ep, 1, &typed, err))) return rc;
    kj_key(f, ep, "area");
    if ((rc = kb_vocab_resolve(kb, MD_VOCAB_AREA, typed, f, MD_EINVAL, &id, err))) return rc;
    a->area = kb->vocab[MD_VOCAB_AREA].e[id].code;
    if ((rc = parse_span(kb, j, "depth_mm", ep, 0.1, 10, &a->depth, err)) ||
        (rc = parse_span(kb, j, "angle_deg", ep, 0, 90, &a->angle, err)) ||
        (rc = kj_array(j, "needles", ep, 1, NEEDLES_MAX, &arr, err)))
        return rc;
    kj_key(np, ep, "needles");
    if (json_array_size(arr) == 0) return md_err_set(err, MD_EINVAL, np, "%s: at least one", np);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *n = json_array_get(arr, i);
        kb_needle *nd = &a->needles[i];
        long g = 0, len = 0;
        kj_index(ip, np, i);
        if ((rc = kj_object(n, ip, nkeys, err)) ||
            (rc = kj_int(n, "gauge", ip, 1, 20, 34, &g, NULL, err)) ||
            (rc = kj_int(n, "length_mm", ip, 1, 1, 50, &len, NULL, err)) ||
            (rc = sources(kb, n, ip, &nd->src, err)))
            return rc;
        nd->gauge = (int)g, nd->length_mm = (int)len;
        a->n_needles = i + 1;
    }
    return MD_OK;
}

static md_code parse_protocol(md_kb *kb, const struct md_protocol_kb *pk, const json_t *j,
                              const char *ep, md_protocol *p, md_err *err)
{
    static const char *const keys[] = {"code",
                                       "label",
                                       "sources",
                                       "concerns",
                                       "techniques",
                                       "required_scope",
                                       "areas",
                                       "session_count",
                                       "spacing_days",
                                       "maintenance_months",
                                       "session_minutes",
                                       NULL};
    static const char *const skeys[] = {"code", "sources", "note", NULL};
    const json_t *scope, *arr;
    char f[KB_PATH_MAX], ap[KB_PATH_MAX], ip[KB_PATH_MAX];
    md_code rc = kj_object(j, ep, keys, err);
    if (rc || (rc = kb_code_field(kb, j, "code", ep, &p->code, err)) ||
        (rc = kj_string_copy(kb->arena, j, "label", ep, 1, &p->label, err)) ||
        (rc = sources(kb, j, ep, &p->src, err)) ||
        (rc = parse_codes(kb, pk, j, "concerns", ep, &p->concerns, err)) ||
        (rc = parse_codes(kb, pk, j, "techniques", ep, &p->techniques, err)))
        return rc;
    kj_key(f, ep, "required_scope");
    if (!(scope = json_object_get(j, "required_scope")))
        return md_err_set(err, MD_EINVAL, f, "%s: required", f);
    if ((rc = kj_object(scope, f, skeys, err)) ||
        (rc = kb_code_field(kb, scope, "code", f, &p->scope, err)) ||
        (rc = kj_string_copy(kb->arena, scope, "note", f, 0, &p->scope_note, err)) ||
        (rc = sources(kb, scope, f, &p->scope_src, err)))
        return rc;
    for (int w = 0; w < MD_PP_COUNT; w++)
        if ((rc = parse_range(kb, j, (md_protocol_param)w, ep, &p->range[w], err))) return rc;
    if ((rc = kj_array(j, "areas", ep, 1, AREAS_MAX, &arr, err))) return rc;
    kj_key(ap, ep, "areas");
    if (json_array_size(arr) == 0) return md_err_set(err, MD_EINVAL, ap, "%s: at least one", ap);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        kj_index(ip, ap, i);
        if ((rc = parse_area(kb, json_array_get(arr, i), ip, &p->areas[i], err))) return rc;
        for (size_t k = 0; k < i; k++)
            if (strcmp(p->areas[k].area, p->areas[i].area) == 0)
                return md_err_set(err, MD_EINVAL, ip, "%s: area '%s' listed twice", ip,
                                  p->areas[i].area);
        p->n_areas = i + 1;
    }
    return MD_OK;
}

md_code kb_protocols_parse(md_kb *kb, const json_t *doc, const char *fp, md_err *err)
{
    static const char *const top[] = {"techniques", "protocols", NULL};
    const json_t *arr;
    char sp[KB_PATH_MAX], ep[KB_PATH_MAX];
    struct md_protocol_kb *pk = md_arena_calloc(kb->arena, sizeof *pk);
    if (!pk) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_code rc = kj_object(doc, "kb/protocols.json", top, err);
    if (rc || (rc = parse_techniques(kb, pk, doc, fp, err)) ||
        (rc = kj_array(doc, "protocols", fp, 1, PROTOCOLS_MAX, &arr, err)))
        return rc;
    kj_key(sp, fp, "protocols");
    pk->n = json_array_size(arr);
    pk->p = md_arena_calloc(kb->arena, (pk->n ? pk->n : 1) * sizeof *pk->p);
    if (!pk->p) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < pk->n; i++) {
        kj_index(ep, sp, i);
        if ((rc = parse_protocol(kb, pk, json_array_get(arr, i), ep, &pk->p[i], err))) return rc;
        for (size_t k = 0; k < i; k++)
            if (strcmp(pk->p[k].code, pk->p[i].code) == 0)
                return md_err_set(err, MD_EINVAL, ep, "%s: duplicate protocol '%s'", ep,
                                  pk->p[i].code);
    }
    kb->protocols = pk;
    return MD_OK;
}

/* ---- access ---------------------------------------------------------------------------- */

const md_protocol *md_kb_protocol_find(const md_kb *kb, const char *code)
{
    for (size_t i = 0; kb && kb->protocols && code && i < kb->protocols->n; i++)
        if (strcmp(kb->protocols->p[i].code, code) == 0) return &kb->protocols->p[i];
    return NULL;
}

size_t md_kb_protocol_count(const md_kb *kb)
{
    return kb && kb->protocols ? kb->protocols->n : 0;
}

const md_protocol *md_kb_protocol_at(const md_kb *kb, size_t i)
{
    return i < md_kb_protocol_count(kb) ? &kb->protocols->p[i] : NULL;
}

const char *md_protocol_code(const md_protocol *p)
{
    return p->code;
}

const char *md_protocol_required_scope(const md_protocol *p)
{
    return p->scope;
}

const md_protocol_range *md_protocol_range_of(const md_protocol *p, md_protocol_param which)
{
    return which >= 0 && which < MD_PP_COUNT ? &p->range[which] : NULL;
}

const char *md_protocol_param_name(md_protocol_param which)
{
    return which >= 0 && which < MD_PP_COUNT ? param_names[which] : NULL;
}

json_t *kb_strings_json(const char *const *s, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(s[i]));
    return a;
}

static json_t *codes_json(const kb_codes *c)
{
    return json_pack("{s:o,s:o}", "codes", kb_strings_json(c->codes, c->n), "sources",
                     kb_strings_json(c->src.s, c->src.n));
}

static json_t *span_json(const kb_span *s)
{
    return json_pack("{s:f,s:f,s:o}", "min", s->min, "max", s->max, "sources",
                     kb_strings_json(s->src.s, s->src.n));
}

json_t *md_protocol_kb_json(const md_protocol *p)
{
    json_t *areas = json_array();
    for (size_t i = 0; areas && i < p->n_areas; i++) {
        const kb_protocol_area *a = &p->areas[i];
        json_t *needles = json_array();
        for (size_t k = 0; needles && k < a->n_needles; k++)
            json_array_append_new(
                needles, json_pack("{s:i,s:i,s:o}", "gauge", a->needles[k].gauge, "length_mm",
                                   a->needles[k].length_mm, "sources",
                                   kb_strings_json(a->needles[k].src.s, a->needles[k].src.n)));
        json_array_append_new(areas, json_pack("{s:s,s:o,s:o,s:o}", "area", a->area, "depth_mm",
                                               span_json(&a->depth), "angle_deg",
                                               span_json(&a->angle), "needles", needles));
    }
    json_t *o = json_pack("{s:s,s:s,s:o,s:o,s:o,s:{s:s,s:s?,s:o},s:o}", "code", p->code, "label",
                          p->label, "sources", kb_strings_json(p->src.s, p->src.n), "concerns",
                          codes_json(&p->concerns), "techniques", codes_json(&p->techniques),
                          "required_scope", "code", p->scope, "note", p->scope_note, "sources",
                          kb_strings_json(p->scope_src.s, p->scope_src.n), "areas", areas);
    for (int w = 0; o && w < MD_PP_COUNT; w++) {
        const md_protocol_range *r = &p->range[w];
        json_object_set_new(o, param_names[w],
                            json_pack("{s:i,s:i,s:o,s:{s:i,s:o},s:s?}", "min", r->min, "max",
                                      r->max, "sources", kb_strings_json(r->sources, r->n_sources),
                                      "default", "value", r->dflt, "sources",
                                      kb_strings_json(r->dflt_sources, r->n_dflt_sources), "note",
                                      r->note));
    }
    return o;
}

/* chart.h: the kb's technique list, for the charting screen and the injection record. */
json_t *md_kb_techniques_json(const md_kb *kb)
{
    json_t *items = json_array();
    const struct md_protocol_kb *pk = kb ? kb->protocols : NULL;
    for (size_t i = 0; items && pk && i < pk->n_tech; i++)
        json_array_append_new(
            items, json_pack("{s:s,s:s,s:o}", "code", pk->tech[i].code, "label", pk->tech[i].label,
                             "sources", kb_strings_json(pk->tech[i].src.s, pk->tech[i].src.n)));
    return json_pack("{s:o}", "items", items);
}

int md_kb_technique_known(const md_kb *kb, const char *code)
{
    const struct md_protocol_kb *pk = kb ? kb->protocols : NULL;
    for (size_t i = 0; pk && code && i < pk->n_tech; i++)
        if (strcmp(pk->tech[i].code, code) == 0) return 1;
    return 0;
}
