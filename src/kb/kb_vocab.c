/*
 * kb_vocab.c - vocabulary namespaces: normalised terms, hash lookup, "did you
 * mean" suggestions, and the public vocabulary accessors.
 *
 * Invariants: within one namespace every normalised term (codes and synonyms)
 * maps to exactly one id; the loader rejects a duplicate with the file and
 * entry.  Lookups never allocate.
 */
#include <string.h>

#include "kb/kb_int.h"
#include "mesodesk/sbuf.h"

static const char *const kind_names[MD_VOCAB_KIND_COUNT] = {
    "condition",        "medication", "substance",    "ingredient",
    "ingredient_class", "area",       "jurisdiction",
};
static const char *const class_names[MD_CLASS_COUNT] = {
    "eligible", "caution", "clearance_required", "deferred", "incomplete", "contraindicated",
};

const char *md_vocab_kind_name(md_vocab_kind kind)
{
    return (unsigned)kind < MD_VOCAB_KIND_COUNT ? kind_names[kind] : "unknown";
}

const char *md_class_name(md_class c)
{
    return (unsigned)c < MD_CLASS_COUNT ? class_names[c] : "unknown";
}

int md_class_parse(const char *s, md_class *out)
{
    for (int i = 0; i < MD_CLASS_COUNT; i++) {
        if (strcmp(s, class_names[i]) == 0) {
            *out = (md_class)i;
            return 0;
        }
    }
    return -1;
}

int kb_normalise(const char *in, char out[KB_TERM_MAX])
{
    while (*in == ' ')
        in++;
    size_t n = strlen(in);
    while (n > 0 && in[n - 1] == ' ')
        n--;
    if (n == 0 || n >= KB_TERM_MAX) return -1;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c == ' ' || c == '-') c = '_';
        out[i] = c;
    }
    out[n] = '\0';
    return 0;
}

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

int kb_vocab_find(const kb_vocab *v, const char *term)
{
    char norm[KB_TERM_MAX];
    if (!v->table || kb_normalise(term, norm) != 0) return -1;
    size_t mask = v->table_size - 1;
    for (size_t i = hash_str(norm) & mask;; i = (i + 1) & mask) {
        int t = v->table[i];
        if (t == 0) return -1;
        if (strcmp(v->terms[t - 1].norm, norm) == 0) return v->terms[t - 1].id;
    }
}

md_code kb_vocab_add_term(md_arena *a, kb_vocab *v, const char *term, int id, const char *field,
                          md_err *err)
{
    char norm[KB_TERM_MAX];
    if (kb_normalise(term, norm) != 0)
        return md_err_set(err, MD_EINVAL, field, "%s: empty or longer than %d characters", field,
                          KB_TERM_MAX - 1);
    for (size_t i = 0; i < v->n_terms; i++) {
        if (strcmp(v->terms[i].norm, norm) == 0)
            return md_err_set(err, MD_EINVAL, field, "%s: '%s' duplicates '%s' of %s", field, term,
                              v->terms[i].display, v->e[v->terms[i].id].code);
    }
    if (v->n_terms == v->terms_cap) {
        size_t cap = v->terms_cap ? v->terms_cap * 2 : 64;
        kb_term *t = md_arena_alloc(a, cap * sizeof *t);
        if (!t) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        if (v->n_terms) memcpy(t, v->terms, v->n_terms * sizeof *t);
        v->terms = t;
        v->terms_cap = cap;
    }
    kb_term *t = &v->terms[v->n_terms];
    t->norm = md_arena_strdup(a, norm);
    t->display = md_arena_strdup(a, term);
    t->id = id;
    if (!t->norm || !t->display) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    v->n_terms++;
    return MD_OK;
}

md_code kb_vocab_index(md_arena *a, kb_vocab *v, md_err *err)
{
    size_t size = 16;
    while (size < v->n_terms * 2)
        size *= 2;
    v->table = md_arena_calloc(a, size * sizeof *v->table);
    if (!v->table) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    v->table_size = size;
    for (size_t t = 0; t < v->n_terms; t++) {
        size_t i = hash_str(v->terms[t].norm) & (size - 1);
        while (v->table[i])
            i = (i + 1) & (size - 1);
        v->table[i] = (int)t + 1;
    }
    return MD_OK;
}

/* Levenshtein distance of two short strings (both < KB_TERM_MAX). */
static size_t edit_distance(const char *s, const char *t)
{
    size_t n = strlen(s), m = strlen(t), row[KB_TERM_MAX];
    for (size_t j = 0; j <= m; j++)
        row[j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t up = row[j];
            size_t best = diag + (s[i - 1] != t[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[m];
}

size_t md_kb_suggest(const md_kb *kb, md_vocab_kind kind, const char *term, const char **out,
                     size_t max)
{
    char norm[KB_TERM_MAX];
    size_t dist[8], n = 0;
    if ((unsigned)kind >= MD_VOCAB_KIND_COUNT || max == 0) return 0;
    if (max > 8) max = 8;
    if (kb_normalise(term, norm) != 0) return 0;
    size_t limit = 2 + strlen(norm) / 3;
    const kb_vocab *v = &kb->vocab[kind];
    for (size_t i = 0; i < v->n_terms; i++) {
        size_t d = edit_distance(norm, v->terms[i].norm);
        if (d > limit) continue;
        /* insertion into the sorted top list; ties keep kb order */
        size_t pos = n;
        while (pos > 0 && dist[pos - 1] > d)
            pos--;
        if (pos >= max) continue;
        size_t last = n < max ? n : max - 1;
        for (size_t k = last; k > pos; k--) {
            dist[k] = dist[k - 1];
            out[k] = out[k - 1];
        }
        dist[pos] = d;
        out[pos] = v->terms[i].display;
        if (n < max) n++;
    }
    return n;
}

md_code kb_vocab_resolve(const md_kb *kb, md_vocab_kind kind, const char *term, const char *field,
                         md_code unknown_code, int *id, md_err *err)
{
    *id = kb_vocab_find(&kb->vocab[kind], term);
    if (*id >= 0) return MD_OK;
    const char *near[3];
    size_t n = md_kb_suggest(kb, kind, term, near, 3);
    char hint[160];
    md_sbuf b;
    md_sbuf_init(&b, hint, sizeof hint);
    for (size_t i = 0; i < n; i++) /* suggestions that do not fit are left out */
        md_sbuf_appendf(&b, "%s%s", i ? ", " : "; did you mean: ", near[i]);
    return md_err_set(err, unknown_code, field, "%s%sunknown %s '%.64s'%s", field ? field : "",
                      field ? ": " : "", md_vocab_kind_name(kind), term, hint);
}

md_code md_kb_resolve(const md_kb *kb, md_vocab_kind kind, const char *term, const char *field,
                      const char **canonical, md_err *err)
{
    int id;
    if ((unsigned)kind >= MD_VOCAB_KIND_COUNT || !term)
        return md_err_set(err, MD_EINVAL, field, "bad vocabulary kind or term");
    md_code rc = kb_vocab_resolve(kb, kind, term, field, MD_EUNPROCESSABLE, &id, err);
    if (rc == MD_OK) *canonical = kb->vocab[kind].e[id].code;
    return rc;
}

int md_kb_lookup(const md_kb *kb, md_vocab_kind kind, const char *term)
{
    if ((unsigned)kind >= MD_VOCAB_KIND_COUNT || !term) return -1;
    return kb_vocab_find(&kb->vocab[kind], term);
}

size_t md_kb_vocab_count(const md_kb *kb, md_vocab_kind kind)
{
    return (unsigned)kind < MD_VOCAB_KIND_COUNT ? kb->vocab[kind].n : 0;
}

const char *md_kb_vocab_code(const md_kb *kb, md_vocab_kind kind, size_t id)
{
    if ((unsigned)kind >= MD_VOCAB_KIND_COUNT || id >= kb->vocab[kind].n) return NULL;
    return kb->vocab[kind].e[id].code;
}

const char *md_kb_vocab_label(const md_kb *kb, md_vocab_kind kind, size_t id)
{
    if ((unsigned)kind >= MD_VOCAB_KIND_COUNT || id >= kb->vocab[kind].n) return NULL;
    return kb->vocab[kind].e[id].label;
}

size_t md_kb_vocab_synonyms(const md_kb *kb, md_vocab_kind kind, size_t id, const char **out,
                            size_t max)
{
    if ((unsigned)kind >= MD_VOCAB_KIND_COUNT || id >= kb->vocab[kind].n) return 0;
    const kb_vocab *v = &kb->vocab[kind];
    size_t n = 0;
    for (size_t t = 0; t < v->n_terms; t++) {
        const kb_term *term = &v->terms[t];
        if (term->id != (int)id || strcmp(term->display, v->e[id].code) == 0) continue;
        if (n < max) out[n] = term->display;
        n++;
    }
    return n;
}
