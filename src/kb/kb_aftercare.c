/*
 * kb_aftercare.c - kb/aftercare.json: aftercare items by time window, the items that
 * depend on ingredients, areas or the Fitzpatrick type, the red flags, and the wording of
 * the next appointment and contact blocks, per language (aftercare.h); loaded and checked
 * with the rest of the kb (kb_load.c calls kb_aftercare_parse), and composed into the
 * instructions for one session's facts (md_aftercare_compose).
 *
 * Checks, reported as "kb/aftercare.json:<path>": known keys only; "languages" lists 1..8
 * two-letter codes including "en"; every text has every language; section and item ids are
 * [a-z0-9_] and unique; an item names a known section and has sources from sources.json;
 * "when" may hold "ingredients" (kb ingredient codes), "areas" (kb area codes) and
 * "fitzpatrick" {"min","max"} (1..6), all of which must hold for the item to apply; an item
 * on the Fitzpatrick type must say in "unknown" what is given when the type is not
 * recorded; every red flag has sources.
 *
 * Matching: an item's ingredient applies when the session gave it; an item's area applies
 * when a treated area is that area or lies within it (vocabulary "part_of").
 * State: everything lives in the kb's arena; composing allocates only its JSON result.
 */
#include <stdlib.h>
#include <string.h>

#include "kb/kb_int.h"
#include "mesodesk/aftercare.h"
#include "mesodesk/chart.h"
#include "mesodesk/sbuf.h"

#define L_MAX MD_AFTERCARE_LANGUAGES_MAX
#define WHEN_MAX 16
#define SECTIONS_MAX 16
#define ITEMS_MAX 64
#define FLAGS_MAX 32

typedef struct ac_text {
    const char *t[L_MAX]; /* per language, in the file's language order */
} ac_text;

typedef struct ac_item {
    const char *id;
    int section;
    ac_text text, unknown; /* unknown.t[0] NULL: no note */
    const char **sources;
    size_t n_sources;
    const char *ingredients[WHEN_MAX];
    size_t n_ingredients;
    const char *areas[WHEN_MAX]; /* kb area codes */
    size_t n_areas;
    int has_fitz, fitz_min, fitz_max;
} ac_item;

typedef struct ac_flag {
    const char *id;
    ac_text text;
    const char **sources;
    size_t n_sources;
} ac_flag;

struct kb_aftercare {
    const char *lang[L_MAX];
    size_t n_lang;
    ac_text title;
    const char *section_id[SECTIONS_MAX];
    ac_text section[SECTIONS_MAX];
    size_t n_sections;
    ac_item items[ITEMS_MAX];
    size_t n_items;
    ac_text flags_heading;
    ac_flag flags[FLAGS_MAX];
    size_t n_flags;
    ac_text next_heading, next_none, contact_heading, contact_phone, contact_no_phone;
};

static int id_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

/* A text in every language: the object o (at path p) holds exactly the languages, plus
 * the extra keys allowed (NULL-terminated, may be NULL). */
static md_code text_in(md_kb *kb, const struct kb_aftercare *A, const json_t *o, const char *p,
                       const char *const *extra, ac_text *out, md_err *err)
{
    const char *keys[L_MAX + 12];
    size_t k = 0;
    for (size_t i = 0; i < A->n_lang; i++)
        keys[k++] = A->lang[i];
    for (size_t i = 0; extra && extra[i] && k < sizeof keys / sizeof keys[0] - 1; i++)
        keys[k++] = extra[i];
    keys[k] = NULL;
    if (!json_is_object(o)) return md_err_set(err, MD_EINVAL, p, "%s: an object", p);
    md_code rc = kj_object(o, p, keys, err);
    for (size_t i = 0; rc == MD_OK && i < A->n_lang; i++)
        rc = kj_string_copy(kb->arena, o, A->lang[i], p, 1, &out->t[i], err);
    return rc;
}

/* Member key of o as a text in every language. */
static md_code text_member(md_kb *kb, const struct kb_aftercare *A, const json_t *o,
                           const char *key, const char *path, ac_text *out, md_err *err)
{
    char p[KB_PATH_MAX];
    kj_key(p, path, key);
    return text_in(kb, A, json_object_get(o, key), p, NULL, out, err);
}

/* id at field: [a-z0-9_], 1 to 63 characters, and none of prev[0..n). */
static md_code new_id(const char *id, const char *field, const char *what, const char *const *prev,
                      size_t n, md_err *err)
{
    if (!id_valid(id))
        return md_err_set(err, MD_EINVAL, field, "%s: [a-z0-9_], 1 to 63 characters", field);
    for (size_t k = 0; k < n; k++)
        if (strcmp(prev[k], id) == 0)
            return md_err_set(err, MD_EINVAL, field, "%s: duplicate %s '%s'", field, what, id);
    return MD_OK;
}

static md_code parse_sections(md_kb *kb, struct kb_aftercare *A, const json_t *doc, const char *fp,
                              md_err *err)
{
    static const char *const extra[] = {"id", NULL};
    const json_t *arr;
    char p[KB_PATH_MAX], ep[KB_PATH_MAX], xp[KB_PATH_MAX];
    md_code rc = kj_array(doc, "sections", fp, 1, SECTIONS_MAX, &arr, err);
    if (rc) return rc;
    kj_key(p, fp, "sections");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *s = json_array_get(arr, i);
        kj_index(ep, p, i);
        if ((rc = text_in(kb, A, s, ep, extra, &A->section[i], err)) ||
            (rc = kj_string_copy(kb->arena, s, "id", ep, 1, &A->section_id[i], err)))
            return rc;
        kj_key(xp, ep, "id");
        if ((rc = new_id(A->section_id[i], xp, "section", A->section_id, i, err))) return rc;
        A->n_sections = i + 1;
    }
    return MD_OK;
}

static md_code parse_when(md_kb *kb, ac_item *it, const json_t *w, const char *ip, md_err *err)
{
    static const char *const keys[] = {"ingredients", "areas", "fitzpatrick", NULL};
    static const char *const fkeys[] = {"min", "max", NULL};
    char p[KB_PATH_MAX], ep[KB_PATH_MAX], xp[KB_PATH_MAX];
    const json_t *arr;
    md_code rc;
    kj_key(p, ip, "when");
    if ((rc = kj_object(w, p, keys, err))) return rc;
    if (json_object_size(w) == 0)
        return md_err_set(err, MD_EINVAL, p, "%s: give a condition, or leave \"when\" out", p);
    arr = NULL;
    if ((rc = kj_array(w, "ingredients", p, 0, WHEN_MAX, &arr, err))) return rc;
    kj_key(ep, p, "ingredients");
    for (size_t i = 0; arr && i < json_array_size(arr); i++) {
        const char *c = json_string_value(json_array_get(arr, i));
        kj_index(xp, ep, i);
        if (!c) return md_err_set(err, MD_EINVAL, xp, "%s: a kb ingredient code", xp);
        if ((rc = kb_vocab_resolve(kb, MD_VOCAB_INGREDIENT, c, xp, MD_EINVAL, &(int){0}, err)))
            return rc;
        int id = kb_vocab_find(&kb->vocab[MD_VOCAB_INGREDIENT], c);
        it->ingredients[it->n_ingredients++] = kb->vocab[MD_VOCAB_INGREDIENT].e[id].code;
    }
    arr = NULL;
    if ((rc = kj_array(w, "areas", p, 0, WHEN_MAX, &arr, err))) return rc;
    kj_key(ep, p, "areas");
    for (size_t i = 0; arr && i < json_array_size(arr); i++) {
        const char *c = json_string_value(json_array_get(arr, i));
        int id = -1;
        kj_index(xp, ep, i);
        if (!c) return md_err_set(err, MD_EINVAL, xp, "%s: a kb area code", xp);
        if ((rc = kb_vocab_resolve(kb, MD_VOCAB_AREA, c, xp, MD_EINVAL, &id, err))) return rc;
        it->areas[it->n_areas++] = kb->vocab[MD_VOCAB_AREA].e[id].code;
    }
    const json_t *fz = json_object_get(w, "fitzpatrick");
    if (fz) {
        long lo = 0, hi = 0;
        kj_key(ep, p, "fitzpatrick");
        if (!json_is_object(fz)) return md_err_set(err, MD_EINVAL, ep, "%s: an object", ep);
        if ((rc = kj_object(fz, ep, fkeys, err)) ||
            (rc = kj_int(fz, "min", ep, 1, 1, 6, &lo, NULL, err)) ||
            (rc = kj_int(fz, "max", ep, 1, 1, 6, &hi, NULL, err)))
            return rc;
        if (hi < lo) return md_err_set(err, MD_EINVAL, ep, "%s: max is below min", ep);
        it->has_fitz = 1;
        it->fitz_min = (int)lo;
        it->fitz_max = (int)hi;
    }
    return MD_OK;
}

static md_code parse_items(md_kb *kb, struct kb_aftercare *A, const json_t *doc, const char *fp,
                           md_err *err)
{
    static const char *const extra[] = {"id", "section", "when", "sources", "unknown", NULL};
    const char *ids[ITEMS_MAX];
    const json_t *arr;
    char p[KB_PATH_MAX], ip[KB_PATH_MAX];
    md_code rc = kj_array(doc, "items", fp, 1, ITEMS_MAX, &arr, err);
    if (rc) return rc;
    kj_key(p, fp, "items");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *j = json_array_get(arr, i);
        ac_item *it = &A->items[i];
        const char *section = NULL;
        char fp2[KB_PATH_MAX];
        kj_index(ip, p, i);
        it->section = -1;
        if ((rc = text_in(kb, A, j, ip, extra, &it->text, err)) ||
            (rc = kj_string_copy(kb->arena, j, "id", ip, 1, &it->id, err)) ||
            (rc = kj_string(j, "section", ip, 1, &section, err)) ||
            (rc = kb_sources_parse(kb, kb->arena, j, ip, 0, &it->sources, &it->n_sources, err)))
            return rc;
        kj_key(fp2, ip, "id");
        if ((rc = new_id(it->id, fp2, "item", ids, i, err))) return rc;
        ids[i] = it->id;
        for (size_t k = 0; k < A->n_sections; k++)
            if (strcmp(A->section_id[k], section) == 0) it->section = (int)k;
        kj_key(fp2, ip, "section");
        if (it->section < 0)
            return md_err_set(err, MD_EINVAL, fp2, "%s: unknown section '%s'", fp2, section);
        const json_t *w = json_object_get(j, "when");
        if (w && (rc = parse_when(kb, it, w, ip, err))) return rc;
        kj_key(fp2, ip, "unknown");
        if (json_object_get(j, "unknown")) {
            if ((rc = text_member(kb, A, j, "unknown", ip, &it->unknown, err))) return rc;
            if (!it->has_fitz)
                return md_err_set(err, MD_EINVAL, fp2,
                                  "%s: only an item on a patient fact (fitzpatrick) can be "
                                  "unknown",
                                  fp2);
        } else if (it->has_fitz) {
            return md_err_set(err, MD_EINVAL, fp2,
                              "%s: required: say what is given when the Fitzpatrick type is not "
                              "recorded",
                              fp2);
        }
        A->n_items = i + 1;
    }
    return MD_OK;
}

static md_code parse_flags(md_kb *kb, struct kb_aftercare *A, const json_t *doc, const char *fp,
                           md_err *err)
{
    static const char *const keys[] = {"heading", "items", NULL};
    static const char *const extra[] = {"id", "sources", NULL};
    const char *ids[FLAGS_MAX];
    const json_t *rf = json_object_get(doc, "red_flags"), *arr;
    char p[KB_PATH_MAX], ip[KB_PATH_MAX], ep[KB_PATH_MAX], xp[KB_PATH_MAX];
    md_code rc;
    kj_key(p, fp, "red_flags");
    if (!json_is_object(rf)) return md_err_set(err, MD_EINVAL, p, "%s: required, an object", p);
    if ((rc = kj_object(rf, p, keys, err)) ||
        (rc = text_member(kb, A, rf, "heading", p, &A->flags_heading, err)) ||
        (rc = kj_array(rf, "items", p, 1, FLAGS_MAX, &arr, err)))
        return rc;
    kj_key(ip, p, "items");
    if (json_array_size(arr) == 0) return md_err_set(err, MD_EINVAL, ip, "%s: at least one", ip);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *j = json_array_get(arr, i);
        ac_flag *f = &A->flags[i];
        kj_index(ep, ip, i);
        if ((rc = text_in(kb, A, j, ep, extra, &f->text, err)) ||
            (rc = kj_string_copy(kb->arena, j, "id", ep, 1, &f->id, err)) ||
            (rc = kb_sources_parse(kb, kb->arena, j, ep, 0, &f->sources, &f->n_sources, err)))
            return rc;
        kj_key(xp, ep, "id");
        if ((rc = new_id(f->id, xp, "red flag", ids, i, err))) return rc;
        ids[i] = f->id;
        A->n_flags = i + 1;
    }
    return MD_OK;
}

md_code kb_aftercare_parse(md_kb *kb, const json_t *doc, const char *fp, md_err *err)
{
    static const char *const top[] = {"languages", "title",     "sections",
                                      "items",     "red_flags", "next_appointment",
                                      "contact",   NULL};
    static const char *const nkeys[] = {"heading", "none", NULL};
    static const char *const ckeys[] = {"heading", "phone", "no_phone", NULL};
    char p[KB_PATH_MAX];
    struct kb_aftercare *A = md_arena_calloc(kb->arena, sizeof *A);
    if (!A) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_code rc = kj_object(doc, "kb/aftercare.json", top, err);
    if (rc == MD_OK) rc = kb_languages_parse(kb, doc, fp, L_MAX, A->lang, &A->n_lang, err);
    if (rc == MD_OK) rc = text_member(kb, A, doc, "title", fp, &A->title, err);
    if (rc == MD_OK) rc = parse_sections(kb, A, doc, fp, err);
    if (rc == MD_OK) rc = parse_items(kb, A, doc, fp, err);
    if (rc == MD_OK) rc = parse_flags(kb, A, doc, fp, err);
    const json_t *n = json_object_get(doc, "next_appointment");
    kj_key(p, fp, "next_appointment");
    if (rc == MD_OK && !json_is_object(n))
        rc = md_err_set(err, MD_EINVAL, p, "%s: required, an object", p);
    if (rc == MD_OK) rc = kj_object(n, p, nkeys, err);
    if (rc == MD_OK) rc = text_member(kb, A, n, "heading", p, &A->next_heading, err);
    if (rc == MD_OK) rc = text_member(kb, A, n, "none", p, &A->next_none, err);
    const json_t *c = json_object_get(doc, "contact");
    kj_key(p, fp, "contact");
    if (rc == MD_OK && !json_is_object(c))
        rc = md_err_set(err, MD_EINVAL, p, "%s: required, an object", p);
    if (rc == MD_OK) rc = kj_object(c, p, ckeys, err);
    if (rc == MD_OK) rc = text_member(kb, A, c, "heading", p, &A->contact_heading, err);
    if (rc == MD_OK) rc = text_member(kb, A, c, "phone", p, &A->contact_phone, err);
    if (rc == MD_OK) rc = text_member(kb, A, c, "no_phone", p, &A->contact_no_phone, err);
    if (rc == MD_OK) kb->aftercare = A;
    return rc;
}

/* ---- composing ------------------------------------------------------------------------ */

static int lang_index(const struct kb_aftercare *A, const char *lang)
{
    for (size_t i = 0; lang && i < A->n_lang; i++)
        if (strcmp(A->lang[i], lang) == 0) return (int)i;
    return -1;
}

int md_aftercare_language_known(const md_kb *kb, const char *lang)
{
    return kb && kb->aftercare && lang_index(kb->aftercare, lang) >= 0;
}

/* 1: applies, 0: does not, -1: depends on a fact not recorded (given, with its note). */
static int applies(const md_kb *kb, const ac_item *it, const md_aftercare_facts *f)
{
    if (it->n_ingredients) {
        int any = 0;
        for (size_t i = 0; i < it->n_ingredients && !any; i++)
            for (size_t k = 0; k < f->n_ingredients && !any; k++) {
                int id = md_kb_lookup(kb, MD_VOCAB_INGREDIENT, f->ingredients[k]);
                any = id >= 0 &&
                      strcmp(kb->vocab[MD_VOCAB_INGREDIENT].e[id].code, it->ingredients[i]) == 0;
            }
        if (!any) return 0;
    }
    if (it->n_areas) {
        int any = 0;
        for (size_t i = 0; i < it->n_areas && !any; i++)
            for (size_t k = 0; k < f->n_areas && !any; k++)
                any = md_kb_area_within(kb, f->areas[k], it->areas[i]);
        if (!any) return 0;
    }
    if (it->has_fitz) {
        if (f->fitzpatrick < 1 || f->fitzpatrick > 6) return -1;
        if (f->fitzpatrick < it->fitz_min || f->fitzpatrick > it->fitz_max) return 0;
    }
    return 1;
}

static json_t *sources_json(const char **s, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(s[i]));
    return a;
}

static const char *rule_name(char buf[96], const char *kind, const char *id)
{
    snprintf(buf, 96, "aftercare.%s%s", kind, id);
    return buf;
}

md_code md_aftercare_compose(const md_kb *kb, const md_aftercare_facts *f, json_t **out,
                             md_err *err)
{
    const struct kb_aftercare *A = kb ? kb->aftercare : NULL;
    if (!A) return md_err_set(err, MD_EINTERNAL, NULL, "the kb has no aftercare");
    int L = lang_index(A, f->language);
    if (L < 0) L = lang_index(A, "en");
    char rule[96];
    md_sbuf b;
    char *buf = malloc(MD_AFTERCARE_TEXT_MAX);
    if (!buf) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_sbuf_init(&b, buf, MD_AFTERCARE_TEXT_MAX);
    json_t *o = json_pack("{s:s,s:s,s:s,s:[],s:[]}", "language", A->lang[L], "kb_version",
                          md_kb_version(kb), "title", A->title.t[L], "sections", "unknown");
    if (!o) goto nomem;
    json_t *secs = json_object_get(o, "sections"), *unknown = json_object_get(o, "unknown");
    md_sbuf_append(&b, A->title.t[L]);
    if (f->clinic_name || f->session_day)
        md_sbuf_appendf(&b, "\n%s%s%s", f->clinic_name ? f->clinic_name : "",
                        f->clinic_name && f->session_day ? ", " : "",
                        f->session_day ? f->session_day : "");
    for (size_t s = 0; s < A->n_sections; s++) {
        json_t *items = NULL;
        for (size_t i = 0; i < A->n_items; i++) {
            const ac_item *it = &A->items[i];
            if (it->section != (int)s) continue;
            int a = applies(kb, it, f);
            if (a == 0) continue;
            if (!items) {
                json_t *sec = json_pack("{s:s,s:s,s:[]}", "id", A->section_id[s], "heading",
                                        A->section[s].t[L], "items");
                if (!sec || json_array_append_new(secs, sec)) goto nomem;
                items = json_object_get(sec, "items");
                md_sbuf_appendf(&b, "\n\n%s", A->section[s].t[L]);
            }
            rule_name(rule, "", it->id);
            json_t *ij = json_pack("{s:s,s:s,s:o}", "rule", rule, "text", it->text.t[L], "sources",
                                   sources_json(it->sources, it->n_sources));
            if (!ij || json_array_append_new(items, ij)) goto nomem;
            md_sbuf_appendf(&b, "\n- %s", it->text.t[L]);
            if (a < 0) {
                json_object_set_new(ij, "note", json_string(it->unknown.t[L]));
                md_sbuf_appendf(&b, " %s", it->unknown.t[L]);
                json_t *u =
                    json_pack("{s:s,s:s,s:s}", "fact", "fitzpatrick", "rule", rule, "message",
                              "the patient's Fitzpatrick type is not recorded: the "
                              "cautious item is given");
                if (!u || json_array_append_new(unknown, u)) goto nomem;
            }
        }
    }
    /* The red flags, with the number to call. */
    const char *phone = f->clinic_phone && *f->clinic_phone ? f->clinic_phone : NULL;
    json_t *flags = json_pack("{s:s,s:[]}", "heading", A->flags_heading.t[L], "items");
    if (!flags || json_object_set_new(o, "red_flags", flags)) goto nomem;
    md_sbuf_appendf(&b, "\n\n%s", A->flags_heading.t[L]);
    if (phone)
        md_sbuf_appendf(&b, " (%s %s):", A->contact_phone.t[L], phone);
    else
        md_sbuf_append(&b, ":");
    for (size_t i = 0; i < A->n_flags; i++) {
        rule_name(rule, "red_flag.", A->flags[i].id);
        json_t *fj = json_pack("{s:s,s:s,s:o}", "rule", rule, "text", A->flags[i].text.t[L],
                               "sources", sources_json(A->flags[i].sources, A->flags[i].n_sources));
        if (!fj || json_array_append_new(json_object_get(flags, "items"), fj)) goto nomem;
        md_sbuf_appendf(&b, "\n- %s", A->flags[i].text.t[L]);
    }
    const char *next = f->next_appointment ? f->next_appointment : A->next_none.t[L];
    if (json_object_set_new(o, "next_appointment",
                            json_pack("{s:s,s:s}", "heading", A->next_heading.t[L], "text", next)))
        goto nomem;
    md_sbuf_appendf(&b, "\n\n%s\n%s", A->next_heading.t[L], next);
    const char *name = f->clinic_name ? f->clinic_name : "";
    if (json_object_set_new(o, "clinic",
                            json_pack("{s:s,s:s,s:s?}", "heading", A->contact_heading.t[L], "name",
                                      name, "phone", phone)))
        goto nomem;
    md_sbuf_appendf(&b, "\n\n%s\n%s\n", A->contact_heading.t[L], name);
    if (phone)
        md_sbuf_appendf(&b, "%s: %s", A->contact_phone.t[L], phone);
    else
        md_sbuf_append(&b, A->contact_no_phone.t[L]);
    if (!md_sbuf_ok(&b)) {
        free(buf);
        json_decref(o);
        return md_err_set(err, MD_ETOOBIG, NULL, "the aftercare text is longer than 64 KiB");
    }
    if (json_object_set_new(o, "text", json_string(b.p))) goto nomem;
    free(buf);
    *out = o;
    return MD_OK;
nomem:
    free(buf);
    json_decref(o);
    return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
}
