/*
 * kb_load.c - load, validate and hash the knowledge base directory.
 *
 * Contract: md_kb_load() either returns a complete, validated kb or nothing.
 * Checks, each reported as "kb/<file>:<path>" in md_err.field:
 *   - every object has only known keys; required keys present, right types;
 *   - every entry has a non-empty "sources" list of keys from sources.json;
 *   - codes are [a-z0-9_] (jurisdictions may use capitals); codes and synonyms
 *     are unique within their namespace; standard codes (snomed, icd10, atc)
 *     are well-formed and unique within their namespace;
 *   - references resolve: area part_of, ingredient class, allergen covers,
 *     rule codes, incompatibility ingredients, the default jurisdiction;
 *   - kb/patch_tests.json: the ICDRG scale, reading windows, validity (kb_patch_tests.c);
 *   - kb/consent_texts.json: consent texts, versions, languages, sources (kb_consent.c);
 *   - kb/credentials.json: credential types and scopes (kb_credentials.c);
 *   - kb/protocols.json: treatment protocols, ranges with defaults, areas (kb_protocols.c);
 *   - kb/day.json: the clinic's day: screening validity, look-ahead (kb_day.c);
 *   - kb/body_maps.json: body maps, zones, the facial depth limit (kb_maps.c);
 *   - kb/prechecks.json: the session gates' rules and wording, chart policy (kb_prechecks.c);
 *   - kb/aftercare.json: aftercare items, red flags, per language (kb_aftercare.c);
 *   - kb/complications.json: the complication catalogue and CTCAE grades (kb_complications.c);
 *   - kb/outcome_scales.json: outcome scales, points, raters, check-in days (kb_outcomes.c);
 *   - kb/checkins.json: check-in days per protocol, questions and what they map to
 *     (kb_checkins.c);
 *   - manifest "files" lists exactly the kb files, each once.
 * The content hash is BLAKE2b-256 over, for the manifest then each listed file
 * in manifest order: name, NUL, 8-byte little-endian length, bytes.  It does
 * not depend on the directory's path, so two copies hash the same.
 *
 * State: all memory comes from the kb's arena; the parsed JSON documents are
 * released before returning.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kb/kb_int.h"
#include "kb/kb_patch_int.h"
#include "kb/kb_consent_int.h"
#include "kb/kb_protocols_int.h"
#include "mesodesk/util.h"

#define KB_FILE_MAX ((size_t)4 << 20)

enum { F_SOURCES, F_VOCABULARY, F_RULES, F_INCOMPAT, F_STOCK, F_CONCERNS, F_PATCH, F_CONSENT,
       F_CREDENTIALS, F_PROTOCOLS, F_DAY, F_MAPS, F_PRECHECKS, F_AFTERCARE,
       F_COMPLICATIONS, F_OUTCOMES, F_CHECKINS, F_COUNT };
static const char *const bases[] = {"aqueous", "oil", "alcohol", "cream", NULL};
static const char *const kb_files[F_COUNT] = {
    "sources.json", "vocabulary.json", "rules.json", "incompatibilities.json", "stock.json",
    "concerns.json", /* kb_formulation.c */
    "patch_tests.json", /* kb_patch_tests.c */
    "consent_texts.json", /* kb_consent.c */
    "credentials.json",   /* kb_credentials.c */
    "protocols.json",     /* kb_protocols.c */
    "day.json",           /* kb_day.c */
    "body_maps.json",     /* kb_maps.c */
    "prechecks.json",     /* kb_prechecks.c */
    "aftercare.json",     /* kb_aftercare.c */
    "complications.json", /* kb_complications.c */
    "outcome_scales.json", /* kb_outcomes.c */
    "checkins.json",      /* kb_checkins.c */
};

typedef struct loader {
    md_kb *kb;
    const char *dir;
    json_t *doc[F_COUNT];
    char path[F_COUNT][32]; /* "kb/<file>:" */
    crypto_generichash_state hs;
} loader;

/* Read dir/name into a malloc'd buffer (caller frees). */
static md_code read_file(const char *dir, const char *name, char **buf, size_t *len, md_err *err)
{
    char full[4096];
    md_code rc = MD_OK;
    FILE *f = NULL;
    *buf = NULL;
    if ((size_t)snprintf(full, sizeof full, "%s/%s", dir, name) >= sizeof full) {
        rc = md_err_set(err, MD_EIO, NULL, "kb path too long");
        goto cleanup;
    }
    f = fopen(full, "rb");
    if (!f) {
        rc =
            md_err_set(err, MD_EIO, NULL, "kb/%s: cannot open %s: %s", name, full, strerror(errno));
        goto cleanup;
    }
    *buf = malloc(KB_FILE_MAX + 1);
    if (!*buf) {
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        goto cleanup;
    }
    *len = fread(*buf, 1, KB_FILE_MAX + 1, f);
    if (ferror(f)) {
        rc = md_err_set(err, MD_EIO, NULL, "kb/%s: read error", name);
        goto cleanup;
    }
    if (*len > KB_FILE_MAX) {
        rc = md_err_set(err, MD_ETOOBIG, NULL, "kb/%s: larger than %zu bytes", name, KB_FILE_MAX);
        goto cleanup;
    }
cleanup:
    if (f) fclose(f);
    if (rc) {
        free(*buf);
        *buf = NULL;
    }
    return rc;
}

/* Read, hash and parse one file. */
static md_code load_json(loader *L, const char *name, json_t **out, md_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    unsigned char lenle[8];
    json_error_t jerr;
    md_code rc = read_file(L->dir, name, &buf, &len, err);
    if (rc) goto cleanup;
    for (int i = 0; i < 8; i++)
        lenle[i] = (unsigned char)((uint64_t)len >> (8 * i));
    crypto_generichash_update(&L->hs, (const unsigned char *)name, strlen(name) + 1);
    crypto_generichash_update(&L->hs, lenle, sizeof lenle);
    crypto_generichash_update(&L->hs, (const unsigned char *)buf, len);
    *out = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!*out) {
        char f[KB_PATH_MAX];
        snprintf(f, sizeof f, "kb/%s", name);
        rc = md_err_set(err, MD_EJSON, f, "kb/%s:%d:%d: %s", name, jerr.line, jerr.column,
                        jerr.text);
    }
cleanup:
    free(buf);
    return rc;
}

/* ---- validation of standard codes ---------------------------------------- */

static int is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}
static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int valid_snomed(const char *s)
{
    size_t n = strlen(s);
    if (n < 6 || n > 18 || s[0] == '0') return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i])) return 0;
    return 1;
}

static int valid_icd10(const char *s)
{
    size_t n = strlen(s);
    if (n < 3 || !is_upper(s[0]) || !is_digit(s[1]) || !(is_digit(s[2]) || is_upper(s[2])))
        return 0;
    if (n == 3) return 1;
    if (s[3] != '.' || n < 5 || n > 8) return 0;
    for (size_t i = 4; i < n; i++)
        if (!is_digit(s[i]) && !is_upper(s[i])) return 0;
    return 1;
}

static int valid_atc(const char *s)
{
    static const char shape[] = "LNNLLNN"; /* L letter, N digit */
    size_t n = strlen(s);
    if (n != 1 && n != 3 && n != 4 && n != 5 && n != 7) return 0;
    for (size_t i = 0; i < n; i++)
        if (shape[i] == 'L' ? !is_upper(s[i]) : !is_digit(s[i])) return 0;
    return 1;
}

static int valid_code(const char *s, int allow_upper)
{
    if (!*s) return 0;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '_' || (allow_upper && is_upper(c))))
            return 0;
    }
    return 1;
}

typedef struct std_system {
    const char *name;
    int (*valid)(const char *);
} std_system;

static const std_system std_systems[] = {
    {"snomed", valid_snomed},
    {"icd10", valid_icd10},
    {"atc", valid_atc},
    {NULL, NULL},
};

/* "codes": {"snomed": "...", ...}; unique per namespace (seen holds "system:value"). */
static md_code parse_std_codes(loader *L, const json_t *entry, const char *path, const char **seen,
                               size_t *n_seen, md_err *err)
{
    static const char *const allowed[] = {"snomed", "icd10", "atc", NULL};
    char f[KB_PATH_MAX];
    const json_t *codes = json_object_get(entry, "codes");
    if (!codes) return MD_OK;
    kj_key(f, path, "codes");
    md_code rc = kj_object(codes, f, allowed, err);
    if (rc) return rc;
    for (const std_system *s = std_systems; s->name; s++) {
        const char *v = NULL;
        char cf[KB_PATH_MAX];
        if ((rc = kj_string(codes, s->name, f, 0, &v, err))) return rc;
        if (!v) continue;
        kj_key(cf, f, s->name);
        if (!s->valid(v))
            return md_err_set(err, MD_EINVAL, cf, "%s: '%s' is not a well-formed %s code", cf, v,
                              s->name);
        char *key = md_arena_printf(L->kb->arena, "%s:%s", s->name, v);
        if (!key) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        for (size_t i = 0; i < *n_seen; i++)
            if (strcmp(seen[i], key) == 0)
                return md_err_set(err, MD_EINVAL, cf, "%s: duplicate %s code %s", cf, s->name, v);
        seen[(*n_seen)++] = key;
    }
    return MD_OK;
}

/* ---- vocabulary ------------------------------------------------------------ */

/* Parse one section of vocabulary.json into v, appending after its first `offset`
 * entries (used to put allergens after the ingredients in the substance namespace).
 * Checks the keys common to every entry; *arr receives the section for the
 * kind-specific second pass. */
static md_code parse_section(loader *L, const char *section, kb_vocab *v, size_t offset,
                             const char *const *allowed, int allow_upper, const json_t **arr,
                             md_err *err)
{
    md_kb *kb = L->kb;
    const char *fp = L->path[F_VOCABULARY];
    char sp[KB_PATH_MAX], ep[KB_PATH_MAX], f[KB_PATH_MAX];
    const char **seen = NULL;
    size_t n_seen = 0;
    md_code rc = kj_array(L->doc[F_VOCABULARY], section, fp, 1, KB_MAX_IDS, arr, err);
    if (rc) return rc;
    kj_key(sp, fp, section);
    size_t n = json_array_size(*arr);
    if (offset + n > KB_MAX_IDS)
        return md_err_set(err, MD_ETOOBIG, sp, "%s: more than %d entries", sp, KB_MAX_IDS);
    kb_entry *e = md_arena_calloc(kb->arena, (offset + n + 1) * sizeof *e);
    seen = md_arena_alloc(kb->arena, (n * 3 + 1) * sizeof *seen);
    if (!e || !seen) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (offset) memcpy(e, v->e, offset * sizeof *e);
    v->e = e;
    v->n = offset + n;
    for (size_t i = 0; i < n; i++) {
        const json_t *j = json_array_get(*arr, i);
        kb_entry *en = &e[offset + i];
        const json_t *syn = NULL;
        const char **src;
        size_t n_src;
        en->parent = en->cls = -1;
        kj_index(ep, sp, i);
        if ((rc = kj_object(j, ep, allowed, err))) return rc;
        if ((rc = kj_string_copy(kb->arena, j, "code", ep, 1, &en->code, err))) return rc;
        kj_key(f, ep, "code");
        if (!valid_code(en->code, allow_upper))
            return md_err_set(err, MD_EINVAL, f,
                              "%s: '%s' must be lower-case letters, digits and _", f, en->code);
        if ((rc = kb_vocab_add_term(kb->arena, v, en->code, (int)(offset + i), f, err))) return rc;
        if ((rc = kj_string_copy(kb->arena, j, "label", ep, 1, &en->label, err))) return rc;
        if ((rc = kj_string(j, "note", ep, 0, &(const char *){NULL}, err))) return rc;
        if ((rc = kb_sources_parse(kb, kb->arena, j, ep, 0, &src, &n_src, err))) return rc;
        if ((rc = kj_array(j, "synonyms", ep, 0, KB_MAX_IDS, &syn, err))) return rc;
        for (size_t s = 0; syn && s < json_array_size(syn); s++) {
            const json_t *t = json_array_get(syn, s);
            char sf[KB_PATH_MAX];
            kj_key(f, ep, "synonyms");
            kj_index(sf, f, s);
            if (!json_is_string(t))
                return md_err_set(err, MD_EINVAL, sf, "%s: expected a string", sf);
            if ((rc = kb_vocab_add_term(kb->arena, v, json_string_value(t), (int)(offset + i), sf,
                                        err)))
                return rc;
        }
        if ((rc = parse_std_codes(L, j, ep, seen, &n_seen, err))) return rc;
    }
    return MD_OK;
}

/* Resolve a reference string member of entry i of section to an id of kind. */
static md_code parse_ref(loader *L, const json_t *j, const char *key, const char *ep,
                         md_vocab_kind kind, int required, int *id, md_err *err)
{
    const char *s = NULL;
    char f[KB_PATH_MAX];
    md_code rc = kj_string(j, key, ep, required, &s, err);
    if (rc || !s) return rc;
    kj_key(f, ep, key);
    return kb_vocab_resolve(L->kb, kind, s, f, MD_EINVAL, id, err);
}

static md_code check_enum(const json_t *j, const char *key, const char *ep, int required,
                          const char *const *values, md_err *err)
{
    const char *s = NULL;
    char f[KB_PATH_MAX];
    md_code rc = kj_string(j, key, ep, required, &s, err);
    if (rc || !s) return rc;
    kj_key(f, ep, key);
    return kj_enum(s, f, values, err);
}

#define COMMON_KEYS "code", "label", "synonyms", "codes", "sources", "note"

static md_code parse_vocabulary(loader *L, md_err *err)
{
    static const char *const top[] = {
        "jurisdictions",      "areas",       "conditions", "medications",
        "ingredient_classes", "ingredients", "allergens",  NULL};
    static const char *const k_plain[] = {COMMON_KEYS, NULL};
    static const char *const k_jur[] = {COMMON_KEYS, "age_of_majority", NULL};
    static const char *const k_area[] = {COMMON_KEYS, "part_of", NULL};
    static const char *const k_ing[] = {COMMON_KEYS, "class", "route", "base", NULL};
    static const char *const k_all[] = {COMMON_KEYS, "covers", NULL};
    static const char *const routes[] = {"intradermal", "topical", NULL};
    md_kb *kb = L->kb;
    const char *fp = L->path[F_VOCABULARY];
    const json_t *arr;
    char sp[KB_PATH_MAX], ep[KB_PATH_MAX];
    kb_vocab *voc = kb->vocab;
    md_code rc = kj_object(L->doc[F_VOCABULARY], "kb/vocabulary.json", top, err);
    if (rc) return rc;

    if ((rc = parse_section(L, "jurisdictions", &voc[MD_VOCAB_JURISDICTION], 0, k_jur, 1, &arr,
                            err)))
        return rc;
    kj_key(sp, fp, "jurisdictions");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        long age;
        kj_index(ep, sp, i);
        if ((rc =
                 kj_int(json_array_get(arr, i), "age_of_majority", ep, 1, 1, 120, &age, NULL, err)))
            return rc;
        voc[MD_VOCAB_JURISDICTION].e[i].age = (int)age;
    }

    if ((rc = parse_section(L, "areas", &voc[MD_VOCAB_AREA], 0, k_area, 0, &arr, err))) return rc;
    if ((rc = kb_vocab_index(kb->arena, &voc[MD_VOCAB_AREA], err))) return rc;
    kj_key(sp, fp, "areas");
    kb_vocab *areas = &voc[MD_VOCAB_AREA];
    for (size_t i = 0; i < areas->n; i++) {
        kj_index(ep, sp, i);
        if ((rc = parse_ref(L, json_array_get(arr, i), "part_of", ep, MD_VOCAB_AREA, 0,
                            &areas->e[i].parent, err)))
            return rc;
    }
    /* related = self + ancestors + descendants; a cycle is an error */
    for (size_t i = 0; i < areas->n; i++) {
        size_t depth = 0;
        for (int p = (int)i; p >= 0; p = areas->e[p].parent) {
            if (++depth > areas->n) {
                kj_index(ep, sp, i);
                return md_err_set(err, MD_EINVAL, ep, "%s: part_of forms a cycle", ep);
            }
            kb_bits_set(&areas->e[i].related, p);
            kb_bits_set(&areas->e[p].related, (int)i);
        }
    }

    if ((rc = parse_section(L, "conditions", &voc[MD_VOCAB_CONDITION], 0, k_plain, 0, &arr, err)))
        return rc;
    if ((rc = parse_section(L, "medications", &voc[MD_VOCAB_MEDICATION], 0, k_plain, 0, &arr, err)))
        return rc;
    if ((rc = parse_section(L, "ingredient_classes", &voc[MD_VOCAB_INGREDIENT_CLASS], 0, k_plain, 0,
                            &arr, err)))
        return rc;
    if ((rc = kb_vocab_index(kb->arena, &voc[MD_VOCAB_INGREDIENT_CLASS], err))) return rc;

    if ((rc = parse_section(L, "ingredients", &voc[MD_VOCAB_INGREDIENT], 0, k_ing, 0, &arr, err)))
        return rc;
    kj_key(sp, fp, "ingredients");
    kb_vocab *ing = &voc[MD_VOCAB_INGREDIENT];
    for (size_t i = 0; i < ing->n; i++) {
        const json_t *j = json_array_get(arr, i);
        kj_index(ep, sp, i);
        if ((rc = parse_ref(L, j, "class", ep, MD_VOCAB_INGREDIENT_CLASS, 1, &ing->e[i].cls, err)))
            return rc;
        if ((rc = check_enum(j, "route", ep, 1, routes, err))) return rc;
        if ((rc = check_enum(j, "base", ep, 0, bases, err))) return rc;
        kb_bits_set(&ing->e[i].covers, (int)i);
    }
    if ((rc = kb_vocab_index(kb->arena, ing, err))) return rc;

    /* substances: the ingredients (same ids) followed by the allergen classes */
    kb_vocab *sub = &voc[MD_VOCAB_SUBSTANCE];
    sub->e = ing->e;
    sub->n = ing->n;
    kb->n_ingredients_in_substances = ing->n;
    for (size_t t = 0; t < ing->n_terms; t++)
        if ((rc = kb_vocab_add_term(kb->arena, sub, ing->terms[t].display, ing->terms[t].id, sp,
                                    err)))
            return rc;
    if ((rc = parse_section(L, "allergens", sub, ing->n, k_all, 0, &arr, err))) return rc;
    kj_key(sp, fp, "allergens");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *cov = NULL;
        char cp[KB_PATH_MAX], ip[KB_PATH_MAX];
        kj_index(ep, sp, i);
        if ((rc = kj_array(json_array_get(arr, i), "covers", ep, 1, KB_MAX_IDS, &cov, err)))
            return rc;
        kj_key(cp, ep, "covers");
        for (size_t c = 0; c < json_array_size(cov); c++) {
            const json_t *t = json_array_get(cov, c);
            int id;
            kj_index(ip, cp, c);
            if (!json_is_string(t))
                return md_err_set(err, MD_EINVAL, ip, "%s: expected a string", ip);
            if ((rc = kb_vocab_resolve(kb, MD_VOCAB_INGREDIENT, json_string_value(t), ip, MD_EINVAL,
                                       &id, err)))
                return rc;
            kb_bits_set(&sub->e[ing->n + i].covers, id);
        }
    }
    static const md_vocab_kind rest[] = {MD_VOCAB_JURISDICTION, MD_VOCAB_CONDITION,
                                         MD_VOCAB_MEDICATION, MD_VOCAB_SUBSTANCE};
    for (size_t k = 0; k < sizeof rest / sizeof rest[0]; k++)
        if ((rc = kb_vocab_index(kb->arena, &voc[rest[k]], err))) return rc;
    return MD_OK;
}

/* ---- sources, manifest, incompatibilities ---------------------------------- */

static md_code parse_sources(loader *L, md_err *err)
{
    static const char *const top[] = {"sources", NULL};
    static const char *const keys[] = {"key", "seed", "ref", "title", "url", "doi", "note", NULL};
    const char *fp = L->path[F_SOURCES];
    const json_t *arr;
    char sp[KB_PATH_MAX], ep[KB_PATH_MAX];
    md_kb *kb = L->kb;
    md_code rc = kj_object(L->doc[F_SOURCES], "kb/sources.json", top, err);
    if (rc) return rc;
    if ((rc = kj_array(L->doc[F_SOURCES], "sources", fp, 1, 1024, &arr, err))) return rc;
    kj_key(sp, fp, "sources");
    kb->sources = md_arena_calloc(kb->arena, (json_array_size(arr) + 1) * sizeof *kb->sources);
    kb->source_info =
        md_arena_calloc(kb->arena, (json_array_size(arr) + 1) * sizeof *kb->source_info);
    if (!kb->sources || !kb->source_info) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *j = json_array_get(arr, i);
        const char *key, *title;
        kj_index(ep, sp, i);
        if ((rc = kj_object(j, ep, keys, err))) return rc;
        if ((rc = kj_string(j, "key", ep, 1, &key, err))) return rc;
        if ((rc = kj_string(j, "title", ep, 1, &title, err))) return rc;
        for (const char *const *k = keys + 1; *k; k++)
            if ((rc = kj_string(j, *k, ep, 0, &(const char *){NULL}, err))) return rc;
        for (size_t s = 0; s < kb->n_sources; s++)
            if (strcmp(kb->sources[s], key) == 0)
                return md_err_set(err, MD_EINVAL, ep, "%s: duplicate source key '%s'", ep, key);
        kb_source *si = &kb->source_info[kb->n_sources];
        const char *url = json_string_value(json_object_get(j, "url"));
        char uf[KB_PATH_MAX];
        kj_key(uf, ep, "url");
        if (url && strncmp(url, "https://", 8) != 0)
            return md_err_set(err, MD_EINVAL, uf, "%s: a url must start with https://", uf);
        if ((rc = kj_string_copy(kb->arena, j, "key", ep, 1, &si->key, err)) ||
            (rc = kj_string_copy(kb->arena, j, "title", ep, 1, &si->title, err)) ||
            (rc = kj_string_copy(kb->arena, j, "url", ep, 0, &si->url, err)) ||
            (rc = kj_string_copy(kb->arena, j, "ref", ep, 0, &si->ref, err)) ||
            (rc = kj_string_copy(kb->arena, j, "doi", ep, 0, &si->doi, err)))
            return rc;
        kb->sources[kb->n_sources++] = si->key;
    }
    return MD_OK;
}

/* Manifest: version, default jurisdiction (checked after the vocabulary), files. */
static md_code parse_manifest(loader *L, const json_t *m, const char **default_jur, md_err *err)
{
    static const char *const keys[] = {"name",  "version", "description", "default_jurisdiction",
                                       "files", NULL};
    const char *mp = "kb/manifest.json:";
    const json_t *files;
    const char *s;
    char fp[KB_PATH_MAX], ep[KB_PATH_MAX];
    int seen[F_COUNT] = {0};
    md_code rc = kj_object(m, "kb/manifest.json", keys, err);
    if (rc) return rc;
    if ((rc = kj_string(m, "name", mp, 1, &s, err))) return rc;
    if ((rc = kj_string(m, "description", mp, 0, &s, err))) return rc;
    if ((rc = kj_string_copy(L->kb->arena, m, "version", mp, 1, &L->kb->version, err))) return rc;
    if ((rc = kj_string(m, "default_jurisdiction", mp, 1, default_jur, err))) return rc;
    if ((rc = kj_array(m, "files", mp, 1, 2 * F_COUNT, &files, err))) return rc;
    kj_key(fp, mp, "files");
    for (size_t i = 0; i < json_array_size(files); i++) {
        const json_t *t = json_array_get(files, i);
        int which = -1;
        kj_index(ep, fp, i);
        for (int f = 0; f < F_COUNT && json_is_string(t); f++)
            if (strcmp(kb_files[f], json_string_value(t)) == 0) which = f;
        if (which < 0) return md_err_set(err, MD_EINVAL, ep, "%s: not a kb file name", ep);
        if (seen[which]++) return md_err_set(err, MD_EINVAL, ep, "%s: listed twice", ep);
        if ((rc = load_json(L, kb_files[which], &L->doc[which], err))) return rc;
    }
    for (int f = 0; f < F_COUNT; f++)
        if (!seen[f]) return md_err_set(err, MD_EINVAL, fp, "%s: %s missing", fp, kb_files[f]);
    return MD_OK;
}

static md_code parse_ingredient_list(loader *L, const json_t *j, const char *key, const char *ep,
                                     md_err *err)
{
    const json_t *arr = NULL;
    char f[KB_PATH_MAX], ip[KB_PATH_MAX];
    int id;
    md_code rc = kj_array(j, key, ep, 1, KB_MAX_IDS, &arr, err);
    if (rc) return rc;
    kj_key(f, ep, key);
    if (json_array_size(arr) < 2)
        return md_err_set(err, MD_EINVAL, f, "%s: needs two ingredients", f);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *t = json_array_get(arr, i);
        kj_index(ip, f, i);
        if (!json_is_string(t)) return md_err_set(err, MD_EINVAL, ip, "%s: expected a string", ip);
        if ((rc = kb_vocab_resolve(L->kb, MD_VOCAB_INGREDIENT, json_string_value(t), ip, MD_EINVAL,
                                   &id, err)))
            return rc;
    }
    return MD_OK;
}

/* Incompatibilities are validated now and used by the formulation checks. */
static md_code parse_incompatibilities(loader *L, md_err *err)
{
    static const char *const top[] = {"same_syringe", "never_inject", "unmixed_only", NULL};
    static const char *const k_pair[] = {"id", "ingredients", "message", "sources", "note", NULL};
    static const char *const k_base[] = {"id", "bases", "message", "sources", "note", NULL};
    static const char *const k_unmixed[] = {"id", "ingredient", "message", "sources", "note", NULL};
    static const char *const *const keys[] = {k_pair, k_base, k_unmixed};
    const json_t *doc = L->doc[F_INCOMPAT];
    const char *fp = L->path[F_INCOMPAT];
    const char *ids[3 * KB_MAX_IDS];
    size_t n_ids = 0;
    md_code rc = kj_object(doc, "kb/incompatibilities.json", top, err);
    if (rc) return rc;
    for (int s = 0; s < 3; s++) {
        const json_t *arr = NULL;
        char sp[KB_PATH_MAX], ep[KB_PATH_MAX];
        if ((rc = kj_array(doc, top[s], fp, 1, KB_MAX_IDS, &arr, err))) return rc;
        kj_key(sp, fp, top[s]);
        for (size_t i = 0; i < json_array_size(arr); i++) {
            const json_t *j = json_array_get(arr, i);
            const char *id, *msg, **src;
            size_t n_src;
            int ing;
            kj_index(ep, sp, i);
            if ((rc = kj_object(j, ep, keys[s], err))) return rc;
            if ((rc = kj_string(j, "id", ep, 1, &id, err))) return rc;
            if ((rc = kj_string(j, "message", ep, 1, &msg, err))) return rc;
            if ((rc = kj_string(j, "note", ep, 0, &msg, err))) return rc;
            if ((rc = kb_sources_parse(L->kb, L->kb->arena, j, ep, 0, &src, &n_src, err)))
                return rc;
            for (size_t k = 0; k < n_ids; k++)
                if (strcmp(ids[k], id) == 0)
                    return md_err_set(err, MD_EINVAL, ep, "%s: duplicate id '%s'", ep, id);
            ids[n_ids++] = id;
            if (s == 0) rc = parse_ingredient_list(L, j, "ingredients", ep, err);
            if (s == 2) rc = parse_ref(L, j, "ingredient", ep, MD_VOCAB_INGREDIENT, 1, &ing, err);
            if (s == 1) {
                const json_t *b = NULL;
                char bp[KB_PATH_MAX];
                if ((rc = kj_array(j, "bases", ep, 1, 8, &b, err))) return rc;
                kj_key(bp, ep, "bases");
                for (size_t k = 0; k < json_array_size(b) && !rc; k++) {
                    char ip[KB_PATH_MAX];
                    const json_t *t = json_array_get(b, k);
                    kj_index(ip, bp, k);
                    rc = json_is_string(t)
                             ? kj_enum(json_string_value(t), ip, bases, err)
                             : md_err_set(err, MD_EINVAL, ip, "%s: expected a string", ip);
                }
            }
            if (rc) return rc;
        }
    }
    return MD_OK;
}

static md_code parse_rules(loader *L, md_err *err)
{
    static const char *const top[] = {"facts", "rules", NULL};
    const json_t *arr, *facts;
    char sp[KB_PATH_MAX], ep[KB_PATH_MAX];
    md_kb *kb = L->kb;
    md_code rc = kj_object(L->doc[F_RULES], "kb/rules.json", top, err);
    if (rc) return rc;
    if ((rc = kj_array(L->doc[F_RULES], "facts", L->path[F_RULES], 0, KB_FACT_COUNT, &facts, err)))
        return rc;
    kj_key(sp, L->path[F_RULES], "facts");
    if (facts && (rc = kb_facts_parse(kb, facts, sp, err))) return rc;
    if ((rc = kj_array(L->doc[F_RULES], "rules", L->path[F_RULES], 1, KB_MAX_IDS, &arr, err)))
        return rc;
    kj_key(sp, L->path[F_RULES], "rules");
    kb->shipped.kb = kb;
    kb->shipped.rules = md_arena_calloc(kb->arena, (json_array_size(arr) + 1) * sizeof(kb_rule));
    if (!kb->shipped.rules) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        kj_index(ep, sp, i);
        if ((rc = kb_rule_parse(kb, kb->arena, &kb->shipped, json_array_get(arr, i), ep, 0,
                                &kb->shipped.rules[i], err)))
            return rc;
        kb->shipped.n = i + 1;
    }
    return MD_OK;
}

md_code md_kb_load(const char *dir, md_kb **out, md_err *err)
{
    loader L;
    json_t *manifest = NULL;
    const char *default_jur = NULL;
    unsigned char digest[32];
    md_code rc = MD_OK;
    memset(&L, 0, sizeof L);
    *out = NULL;
    if (md_init() != 0)
        return md_err_set(err, MD_EINTERNAL, NULL, "libsodium failed to initialise");
    L.dir = dir;
    for (int f = 0; f < F_COUNT; f++)
        snprintf(L.path[f], sizeof L.path[f], "kb/%s:", kb_files[f]);
    L.kb = calloc(1, sizeof *L.kb);
    if (!L.kb || !(L.kb->arena = md_arena_new(64 * 1024, 0)) || !(L.kb->cache = kb_cache_new())) {
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        goto cleanup;
    }
    crypto_generichash_init(&L.hs, NULL, 0, sizeof digest);
    if ((rc = load_json(&L, "manifest.json", &manifest, err))) goto cleanup;
    if ((rc = parse_manifest(&L, manifest, &default_jur, err))) goto cleanup;
    if ((rc = parse_sources(&L, err))) goto cleanup;
    if ((rc = parse_vocabulary(&L, err))) goto cleanup;
    L.kb->default_jurisdiction = kb_vocab_find(&L.kb->vocab[MD_VOCAB_JURISDICTION], default_jur);
    if (L.kb->default_jurisdiction < 0) {
        rc = md_err_set(err, MD_EINVAL, "kb/manifest.json:default_jurisdiction",
                        "kb/manifest.json:default_jurisdiction: unknown jurisdiction '%s'",
                        default_jur);
        goto cleanup;
    }
    if ((rc = parse_rules(&L, err))) goto cleanup;
    if ((rc = parse_incompatibilities(&L, err))) goto cleanup;
    if ((rc = kb_stock_parse(L.kb, L.doc[F_STOCK], L.path[F_STOCK], bases, err))) goto cleanup;
    if ((rc = kb_formulation_load(L.kb, L.doc[F_CONCERNS], L.doc[F_INCOMPAT], err))) goto cleanup;
    if ((rc = kb_patch_tests_parse(L.kb, L.doc[F_PATCH], L.path[F_PATCH], err))) goto cleanup;
    if ((rc = kb_protocols_parse(L.kb, L.doc[F_PROTOCOLS], L.path[F_PROTOCOLS], err)))
        goto cleanup;
    if ((rc = kb_consent_parse(L.kb, L.doc[F_CONSENT], L.path[F_CONSENT], err))) goto cleanup;
    if ((rc = kb_credentials_parse(L.kb, L.doc[F_CREDENTIALS], L.path[F_CREDENTIALS], err)))
        goto cleanup;
    if ((rc = kb_day_parse(L.kb, L.doc[F_DAY], L.path[F_DAY], err))) goto cleanup;
    if ((rc = kb_maps_parse(L.kb, L.doc[F_MAPS], L.path[F_MAPS], err))) goto cleanup;
    if ((rc = kb_prechecks_parse(L.kb, L.doc[F_PRECHECKS], L.path[F_PRECHECKS], err)))
        goto cleanup;
    if ((rc = kb_aftercare_parse(L.kb, L.doc[F_AFTERCARE], L.path[F_AFTERCARE], err)))
        goto cleanup;
    if ((rc = kb_complications_parse(L.kb, L.doc[F_COMPLICATIONS], L.path[F_COMPLICATIONS], err)))
        goto cleanup;
    if ((rc = kb_outcomes_parse(L.kb, L.doc[F_OUTCOMES], L.path[F_OUTCOMES], err)))
        goto cleanup;
    if ((rc = kb_checkins_parse(L.kb, L.doc[F_CHECKINS], L.path[F_CHECKINS], err)))
        goto cleanup;
    crypto_generichash_final(&L.hs, digest, sizeof digest);
    sodium_bin2hex(L.kb->hash, sizeof L.kb->hash, digest, sizeof digest);
    *out = L.kb;
    L.kb = NULL;
cleanup:
    json_decref(manifest);
    for (int f = 0; f < F_COUNT; f++)
        json_decref(L.doc[f]);
    md_kb_free(L.kb);
    return rc;
}

void md_kb_free(md_kb *kb)
{
    if (!kb) return;
    kb_cache_free(kb->cache);
    md_arena_free(kb->arena);
    free(kb);
}

const char *md_kb_version(const md_kb *kb)
{
    return kb->version;
}
const char *md_kb_hash(const md_kb *kb)
{
    return kb->hash;
}
const md_ruleset *md_kb_ruleset(const md_kb *kb)
{
    return &kb->shipped;
}
size_t md_kb_source_count(const md_kb *kb)
{
    return kb->n_sources;
}

int md_kb_source(const md_kb *kb, size_t i, md_source_info *out)
{
    if (i >= kb->n_sources) return -1;
    const kb_source *s = &kb->source_info[i];
    *out = (md_source_info){s->key, s->title, s->url, s->ref, s->doi};
    return 0;
}

static int has_manifest(const char *dir)
{
    char p[4096];
    struct stat st;
    if ((size_t)snprintf(p, sizeof p, "%s/manifest.json", dir) >= sizeof p) return 0;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

md_code md_kb_locate(const char *explicit_dir, const char *fallback, char *out, size_t out_size,
                     md_err *err)
{
    const char *env = getenv("MESODESK_KB");
    const char *dir = explicit_dir;
    if (!dir && env && *env) dir = env;
    if (!dir && has_manifest("kb")) dir = "kb";
    if (!dir) dir = fallback;
    if (!dir)
        return md_err_set(err, MD_ENOTFOUND, NULL, "no kb directory: set MESODESK_KB or use --kb");
    if (md_strlcpy(out, dir, out_size) >= out_size)
        return md_err_set(err, MD_ETOOBIG, NULL, "kb directory path too long");
    return MD_OK;
}
