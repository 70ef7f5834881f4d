/*
 * kb_consent.c - kb/consent_texts.json: the consent texts, versioned, per language
 * (consent.h), loaded and checked with the rest of the kb.
 *
 * Checks, reported as "kb/consent_texts.json:<path>" like every kb error: known keys only;
 * "languages" lists 1..8 two-letter codes and includes "en"; text ids are [a-z0-9_] and
 * unique; purpose is treatment, photo or marketing; a treatment text names a protocol code
 * and the others none; one text per purpose (and protocol); versions 1, 2, ... in order,
 * each with an effective date; every version has a title and 1..16 sections, each section
 * with sources from sources.json and a heading and text in every language the version's
 * title has; the title has English.  The body of each version and language (what the
 * patient signs) is rendered here once and hashed (SHA-256).
 * State: everything lives in the kb's arena.
 */
#include <sodium.h>
#include <string.h>

#include "kb/kb_consent_int.h"
#include "kb/kb_int.h"
#include "mesodesk/consent.h"
#include "mesodesk/course.h"
#include "mesodesk/sbuf.h"

static const char *const purposes[] = {"treatment", "photo", "marketing", NULL};

static int code_valid(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

typedef struct langs {
    const char *code[MD_CONSENT_LANGUAGES_MAX];
    size_t n;
} langs;

/* Shared with kb_aftercare.c (kb_int.h). */
md_code kb_languages_parse(md_kb *kb, const json_t *doc, const char *fp, size_t max,
                           const char **out, size_t *n, md_err *err)
{
    const json_t *arr;
    char p[KB_PATH_MAX], ip[KB_PATH_MAX];
    int english = 0;
    md_code rc = kj_array(doc, "languages", fp, 1, max, &arr, err);
    if (rc) return rc;
    kj_key(p, fp, "languages");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const char *c = json_string_value(json_array_get(arr, i));
        kj_index(ip, p, i);
        if (!c || strlen(c) != 2 || !code_valid(c, 2))
            return md_err_set(err, MD_EINVAL, ip, "%s: a two-letter language code", ip);
        for (size_t k = 0; k < i; k++)
            if (strcmp(out[k], c) == 0)
                return md_err_set(err, MD_EINVAL, ip, "%s: duplicate language '%s'", ip, c);
        if (!(out[(*n)++] = md_arena_strdup(kb->arena, c)))
            return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        english |= strcmp(c, "en") == 0;
    }
    if (!english) return md_err_set(err, MD_EINVAL, p, "%s: must include \"en\"", p);
    return MD_OK;
}

/* The exact text signed: title, then each heading and its text, blank lines between. */
static md_code render(md_kb *kb, md_consent_text *t, const char *ep, md_err *err)
{
    md_sbuf b;
    md_sbuf_init_arena(&b, kb->arena, 64 * 1024);
    md_sbuf_append(&b, t->title);
    for (size_t i = 0; i < t->n_sections; i++) {
        md_sbuf_append(&b, "\n\n");
        md_sbuf_append(&b, t->sections[i].heading);
        md_sbuf_append(&b, "\n");
        md_sbuf_append(&b, t->sections[i].text);
    }
    if (!md_sbuf_ok(&b))
        return md_err_set(err, MD_EINVAL, ep, "%s: the text is longer than 64 KiB", ep);
    t->body = b.p;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)t->body, strlen(t->body));
    sodium_bin2hex(t->sha256, sizeof t->sha256, h, sizeof h);
    return MD_OK;
}

/* One version: a text entry per language of its title. */
static md_code parse_version(md_kb *kb, const langs *L, const json_t *v, const char *vp,
                             const md_consent_text *proto, md_consent_text *out, size_t *n_out,
                             md_err *err)
{
    static const char *const keys[] = {"version", "effective", "title", "sections", "note", NULL};
    const char *skeys[MD_CONSENT_LANGUAGES_MAX + 2] = {"sources"};
    static const char *const lkeys[] = {"heading", "text", NULL};
    char p[KB_PATH_MAX], sp[KB_PATH_MAX], ep[KB_PATH_MAX], lp[KB_PATH_MAX];
    const json_t *title, *secs;
    long version = 0;
    md_day eff;
    size_t n = 0;
    md_code rc;
    for (size_t i = 0; i < L->n; i++)
        skeys[i + 1] = L->code[i];
    if ((rc = kj_object(v, vp, keys, err)) ||
        (rc = kj_int(v, "version", vp, 1, 1, 1000000, &version, NULL, err)) ||
        (rc = kj_date(v, "effective", vp, 1, &eff, NULL, err)) ||
        (rc = kj_array(v, "sections", vp, 1, MD_CONSENT_SECTIONS_MAX, &secs, err)))
        return rc;
    kj_key(p, vp, "title");
    title = json_object_get(v, "title");
    if (!json_is_object(title)) return md_err_set(err, MD_EINVAL, p, "%s: an object", p);
    if ((rc = kj_object(title, p, skeys + 1, err))) return rc;
    if (!json_object_get(title, "en"))
        return md_err_set(err, MD_EINVAL, p, "%s: needs the English title (\"en\")", p);
    kj_key(sp, vp, "sections");
    if (json_array_size(secs) == 0) return md_err_set(err, MD_EINVAL, sp, "%s: at least one", sp);
    for (size_t l = 0; l < L->n; l++) {
        const char *lang = L->code[l];
        if (!json_object_get(title, lang)) continue;
        md_consent_text *t = &out[n];
        *t = *proto;
        t->version = (int)version;
        t->language = lang;
        if ((rc = kj_string_copy(kb->arena, v, "effective", vp, 1, &t->effective, err)) ||
            (rc = kj_string_copy(kb->arena, title, lang, p, 1, &t->title, err)))
            return rc;
        for (size_t i = 0; i < json_array_size(secs); i++) {
            const json_t *s = json_array_get(secs, i), *tr;
            md_consent_section *sec = &t->sections[i];
            kj_index(ep, sp, i);
            if ((rc = kj_object(s, ep, skeys, err)) ||
                (rc = kb_sources_parse(kb, kb->arena, s, ep, 0, &sec->sources, &sec->n_sources,
                                       err)))
                return rc;
            kj_key(lp, ep, lang);
            if (!(tr = json_object_get(s, lang)))
                return md_err_set(err, MD_EINVAL, lp,
                                  "%s: missing: the title has this language, so every section "
                                  "needs it",
                                  lp);
            if ((rc = kj_object(tr, lp, lkeys, err)) ||
                (rc = kj_string_copy(kb->arena, tr, "heading", lp, 1, &sec->heading, err)) ||
                (rc = kj_string_copy(kb->arena, tr, "text", lp, 1, &sec->text, err)))
                return rc;
            t->n_sections = i + 1;
        }
        /* A section in a language the title lacks would be text nobody is shown. */
        for (size_t i = 0; i < json_array_size(secs); i++)
            for (size_t m = 0; m < L->n; m++)
                if (!json_object_get(title, L->code[m]) &&
                    json_object_get(json_array_get(secs, i), L->code[m])) {
                    kj_index(ep, sp, i);
                    kj_key(lp, ep, L->code[m]);
                    return md_err_set(err, MD_EINVAL, lp, "%s: the title has no such language", lp);
                }
        if ((rc = render(kb, t, vp, err))) return rc;
        n++;
    }
    *n_out = n;
    return MD_OK;
}

static md_code parse_text(md_kb *kb, const langs *L, const json_t *j, const char *ep,
                          kb_consent *kc, md_err *err)
{
    static const char *const keys[] = {"id", "purpose", "protocol", "versions", "note", NULL};
    md_consent_text proto = {0};
    const json_t *vers;
    char f[KB_PATH_MAX], vp[KB_PATH_MAX], vsp[KB_PATH_MAX];
    md_code rc;
    if ((rc = kj_object(j, ep, keys, err)) ||
        (rc = kj_string_copy(kb->arena, j, "id", ep, 1, &proto.id, err)) ||
        (rc = kj_string_copy(kb->arena, j, "purpose", ep, 1, &proto.purpose, err)) ||
        (rc = kj_string_copy(kb->arena, j, "protocol", ep, 0, &proto.protocol, err)) ||
        (rc = kj_array(j, "versions", ep, 1, 64, &vers, err)))
        return rc;
    kj_key(f, ep, "id");
    if (!code_valid(proto.id, 63))
        return md_err_set(err, MD_EINVAL, f, "%s: 1 to 63 of [a-z0-9_]", f);
    kj_key(f, ep, "purpose");
    if ((rc = kj_enum(proto.purpose, f, purposes, err))) return rc;
    kj_key(f, ep, "protocol");
    int treatment = strcmp(proto.purpose, "treatment") == 0;
    if (treatment != (proto.protocol != NULL))
        return md_err_set(err, MD_EINVAL, f,
                          "%s: a treatment text names its protocol, no other does", f);
    if (proto.protocol && !code_valid(proto.protocol, 63))
        return md_err_set(err, MD_EINVAL, f, "%s: a protocol code, [a-z0-9_]", f);
    if (proto.protocol && !md_kb_protocol_find(kb, proto.protocol))
        return md_err_set(err, MD_EINVAL, f, "%s: unknown protocol '%s' (kb/protocols.json)", f,
                          proto.protocol);
    for (size_t k = 0; k < kc->n; k++) {
        const md_consent_text *o = &kc->texts[k];
        if (strcmp(o->id, proto.id) == 0)
            return md_err_set(err, MD_EINVAL, ep, "%s: duplicate text id '%s'", ep, proto.id);
        if (strcmp(o->purpose, proto.purpose) == 0 &&
            (!treatment || strcmp(o->protocol, proto.protocol) == 0))
            return md_err_set(err, MD_EINVAL, ep,
                              "%s: a second text for %s%s%s (a new wording is a new version)", ep,
                              proto.purpose, treatment ? " " : "", treatment ? proto.protocol : "");
    }
    kj_key(vsp, ep, "versions");
    if (json_array_size(vers) == 0) return md_err_set(err, MD_EINVAL, vsp, "%s: at least one", vsp);
    size_t start = kc->n;
    for (size_t i = 0; i < json_array_size(vers); i++) {
        size_t added = 0;
        kj_index(vp, vsp, i);
        if ((rc = parse_version(kb, L, json_array_get(vers, i), vp, &proto, &kc->texts[kc->n],
                                &added, err)))
            return rc;
        if (kc->texts[kc->n].version != (int)i + 1)
            return md_err_set(err, MD_EINVAL, vp, "%s: versions are numbered 1, 2, ... in order",
                              vp);
        kc->n += added;
    }
    int last = kc->texts[kc->n - 1].version;
    for (size_t k = start; k < kc->n; k++)
        kc->texts[k].latest = kc->texts[k].version == last;
    return MD_OK;
}

md_code kb_consent_parse(md_kb *kb, const json_t *doc, const char *fp, md_err *err)
{
    static const char *const top[] = {"languages", "texts", NULL};
    const json_t *arr;
    char sp[KB_PATH_MAX], ep[KB_PATH_MAX];
    langs L = {0};
    kb_consent *kc = md_arena_calloc(kb->arena, sizeof *kc);
    if (!kc) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_code rc = kj_object(doc, "kb/consent_texts.json", top, err);
    if (rc || (rc = kb_languages_parse(kb, doc, fp, MD_CONSENT_LANGUAGES_MAX, L.code, &L.n, err)) ||
        (rc = kj_array(doc, "texts", fp, 1, 64, &arr, err)))
        return rc;
    /* At most 64 versions of each of 64 texts, in every language. */
    size_t cap = 0;
    for (size_t i = 0; i < json_array_size(arr); i++)
        cap += json_array_size(json_object_get(json_array_get(arr, i), "versions"));
    cap = (cap ? cap : 1) * L.n;
    if (!(kc->texts = md_arena_calloc(kb->arena, cap * sizeof *kc->texts)))
        return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    kj_key(sp, fp, "texts");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        kj_index(ep, sp, i);
        if ((rc = parse_text(kb, &L, json_array_get(arr, i), ep, kc, err))) return rc;
    }
    kb->consent = kc;
    return MD_OK;
}

const md_consent_text *md_consent_text_at(const md_kb *kb, size_t i)
{
    return kb && kb->consent && i < kb->consent->n ? &kb->consent->texts[i] : NULL;
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

const md_consent_text *md_consent_text_find(const md_kb *kb, const char *purpose,
                                            const char *protocol, const char *language)
{
    const md_consent_text *t, *english = NULL;
    if (!purpose || strcmp(purpose, "treatment") != 0) protocol = NULL;
    for (size_t i = 0; (t = md_consent_text_at(kb, i)); i++) {
        if (!t->latest || strcmp(t->purpose, purpose ? purpose : "") != 0 ||
            !same(t->protocol, protocol))
            continue;
        if (language && strcmp(t->language, language) == 0) return t;
        if (strcmp(t->language, "en") == 0) english = t;
    }
    return english;
}

const md_consent_text *md_consent_text_get(const md_kb *kb, const char *id, int version,
                                           const char *language)
{
    const md_consent_text *t;
    for (size_t i = 0; id && language && (t = md_consent_text_at(kb, i)); i++)
        if (t->version == version && strcmp(t->id, id) == 0 && strcmp(t->language, language) == 0)
            return t;
    return NULL;
}

json_t *md_consent_text_json(const md_consent_text *t)
{
    json_t *secs = json_array();
    for (size_t i = 0; secs && i < t->n_sections; i++) {
        json_t *src = json_array();
        for (size_t k = 0; k < t->sections[i].n_sources; k++)
            json_array_append_new(src, json_string(t->sections[i].sources[k]));
        json_array_append_new(secs, json_pack("{s:s,s:s,s:o}", "heading", t->sections[i].heading,
                                              "text", t->sections[i].text, "sources", src));
    }
    return json_pack("{s:s,s:s,s:s?,s:i,s:s,s:s,s:s,s:o,s:s,s:s,s:b}", "id", t->id, "purpose",
                     t->purpose, "protocol", t->protocol, "version", t->version, "effective",
                     t->effective, "language", t->language, "title", t->title, "sections", secs,
                     "body", t->body, "sha256", t->sha256, "latest", t->latest);
}
