/*
 * kb_int.h - private structures of the knowledge base and rule engine.
 *
 * Every vocabulary namespace is an array of entries (the id is the index)
 * plus an open-addressing hash table from normalised term (code or synonym)
 * to id, built at load.  Sets of ids (a rule's codes, the planned
 * ingredients, what an allergen covers) are fixed 256-bit sets, so the
 * engine tests membership with one shift and mask; namespaces are capped at
 * KB_MAX_IDS entries and the loader refuses a kb above the cap.
 *
 * All kb memory lives in one arena owned by the md_kb; a ruleset has its own
 * arena for clinic rules and borrows the shipped strings from the kb.
 */
#ifndef MESODESK_KB_INT_H
#define MESODESK_KB_INT_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdint.h>

#include "mesodesk/arena.h"
#include "mesodesk/kb.h"
#include "mesodesk/validate.h"
#include "mesodesk/screen.h"

#define KB_MAX_IDS 256
#define KB_TERM_MAX 64 /* normalised term length cap, including NUL */
#define KB_PATH_MAX MD_ERR_FIELD_MAX

typedef struct kb_bits {
    uint64_t w[KB_MAX_IDS / 64];
} kb_bits;

static inline void kb_bits_set(kb_bits *b, int i)
{
    b->w[i >> 6] |= (uint64_t)1 << (i & 63);
}
static inline int kb_bits_has(const kb_bits *b, int i)
{
    return i >= 0 && (int)((b->w[i >> 6] >> (i & 63)) & 1u);
}
static inline int kb_bits_any(const kb_bits *a, const kb_bits *b)
{
    uint64_t x = 0;
    for (int i = 0; i < KB_MAX_IDS / 64; i++)
        x |= a->w[i] & b->w[i];
    return x != 0;
}

typedef struct kb_entry {
    const char *code;
    const char *label;
    int parent;      /* area: part_of id, else -1 */
    int cls;         /* ingredient: class id, else -1 */
    int age;         /* jurisdiction: age of majority */
    kb_bits covers;  /* substance: ingredient ids it covers */
    kb_bits related; /* area: itself, its ancestors and descendants */
} kb_entry;

typedef struct kb_term {
    const char *norm;    /* normalised form (hash key) */
    const char *display; /* as written in the kb */
    int id;
} kb_term;

typedef struct kb_vocab {
    kb_entry *e;
    size_t n;
    kb_term *terms;
    size_t n_terms, terms_cap;
    int *table; /* term index + 1, 0 = empty; size table_size (power of two) */
    size_t table_size;
} kb_vocab;

typedef enum kb_rule_kind {
    KB_RULE_STATUS_FLAG = 0,
    KB_RULE_MIN_AGE,
    KB_RULE_ALLERGY_PLANNED_INGREDIENT,
    KB_RULE_ALLERGY_ANY,
    KB_RULE_CONDITION_ACTIVE_AT_SITE,
    KB_RULE_CONDITION_PRESENT,
    KB_RULE_MEDICATION_WASHOUT,
    KB_RULE_MEDICATION_PRESENT,
    KB_RULE_FITZPATRICK_RANGE,
    KB_RULE_KIND_COUNT
} kb_rule_kind;

typedef enum kb_flag {
    KB_FLAG_PREGNANT = 0,
    KB_FLAG_BREASTFEEDING,
    KB_FLAG_WEIGHT_STABLE,
    KB_FLAG_COUNT
} kb_flag;

/* Facts a rule may need known ("requires"): the three status flags (same numbers as
 * kb_flag) and the allergy list.  Which rule needs which, the question to ask and for
 * whom it applies are kb data (rules.json "facts"). */
typedef enum kb_fact { KB_FACT_ALLERGIES = KB_FLAG_COUNT, KB_FACT_COUNT } kb_fact;

#define KB_SEX_COUNT 4 /* female, male, other, unknown (a sex not recorded is unknown) */

typedef struct kb_fact_def {
    int defined;
    const char *field;    /* input field to fill: "patient.pregnant" */
    const char *question; /* a plain question to ask */
    const char **sources;
    size_t n_sources;
    unsigned sexes;       /* bit per sex it applies to; all when the kb gives none */
    int min_age, max_age; /* inclusive age range it applies to (0..200 when not given) */
} kb_fact_def;

typedef struct kb_source {
    const char *key, *title, *url, *ref, *doi;
} kb_source;

typedef struct kb_rule {
    const char *id;
    kb_rule_kind kind;
    md_class cls;
    md_class shipped_cls;
    const char *message;
    const char **sources;
    size_t n_sources;
    int clinic;
    const char *raised_by;
    const char *title; /* "title" for people, or NULL */
    unsigned requires; /* bit per kb_fact that must be known for the rule to be decided */
    /* parameters ("when"); unused ones are zero */
    int flag, flag_value;
    int use_majority, years;
    int days;
    int min, max;
    int active_only;
    int patch_test_covers; /* allergy_any: satisfied by valid negative patch tests */
    kb_bits codes;
    int has_planned;
    kb_bits planned_ingredients;
    kb_bits planned_classes;
} kb_rule;

struct md_ruleset {
    const md_kb *kb;
    kb_rule *rules;
    size_t n;
    md_arena *arena; /* owned, NULL for the kb's shipped ruleset */
    atomic_int refs; /* of a compiled set: md_ruleset_free() frees it at the last one */
};

/* --- kb_cache.c: compiled clinic rule sets kept by the kb ------------------ */

#define KB_CACHE_KEY_MAX 72
typedef struct kb_cache kb_cache;
kb_cache *kb_cache_new(void); /* NULL when out of memory */
void kb_cache_free(kb_cache *c);

struct md_kb {
    md_arena *arena;
    const char *version;
    char hash[65];
    kb_vocab vocab[MD_VOCAB_KIND_COUNT];
    size_t n_ingredients_in_substances; /* substance ids below this are ingredients */
    int default_jurisdiction;
    const char **sources; /* known source keys */
    size_t n_sources;
    kb_source *source_info; /* n_sources entries, same order */
    kb_fact_def facts[KB_FACT_COUNT];
    md_ruleset shipped;
    kb_cache *cache;              /* owned; mutable behind the const md_kb * callers hold */
    const struct kb_stock *stock; /* kb/stock.json (kb_stock.c) */
    struct kb_formulation *formulation; /* kb/concerns.json and mixing rules (kb_formulation.c) */
    struct md_patch_kb *patch;    /* kb/patch_tests.json (kb_patch_tests.c), in the arena */
    struct kb_consent *consent;   /* kb/consent_texts.json (kb_consent.c), in the arena */
    struct kb_credentials *credentials; /* kb/credentials.json (kb_credentials.c) */
    struct md_protocol_kb *protocols; /* kb/protocols.json (kb_protocols.c), in the arena */
    struct kb_day *day;                 /* kb/day.json (kb_day.c) */
    struct kb_maps *maps;               /* kb/body_maps.json (kb_maps.c) */
    struct kb_prechecks *prechecks;     /* kb/prechecks.json (kb_prechecks.c) */
    struct kb_aftercare *aftercare;     /* kb/aftercare.json (kb_aftercare.c) */
    struct kb_complications *complications; /* kb/complications.json (kb_complications.c) */
    struct kb_outcomes *outcomes;       /* kb/outcome_scales.json (kb_outcomes.c) */
    struct kb_checkins *checkins;       /* kb/checkins.json (kb_checkins.c) */
};

/* --- checked access to JSON with error paths: the one validator (validate.h) --- */

/* The kb's short names for the document API of validate.h (md_json_doc_*). */
#define kj_key md_json_path
#define kj_index md_json_path_index
#define kj_object md_json_doc_object
#define kj_string md_json_doc_string
#define kj_enum md_json_doc_enum
#define kj_bool md_json_doc_bool
#define kj_int md_json_doc_int
#define kj_array md_json_doc_array
#define kj_date md_json_doc_date
#define kj_string_copy md_json_doc_string_copy

/* --- kb_vocab.c ------------------------------------------------------------ */

/* Normalise a term: ASCII lower case, ' ' and '-' to '_', trimmed.  -1 if empty or too long. */
int kb_normalise(const char *in, char out[KB_TERM_MAX]);
/* Add a term for id; MD_EINVAL naming field if it duplicates another term. */
md_code kb_vocab_add_term(md_arena *a, kb_vocab *v, const char *term, int id, const char *field,
                          md_err *err);
/* Build the hash table after all terms are added. */
md_code kb_vocab_index(md_arena *a, kb_vocab *v, md_err *err);
int kb_vocab_find(const kb_vocab *v, const char *term);
/* Resolve with an error that names field and suggests near terms. */
/* unknown_code is what an unknown term returns: MD_EUNPROCESSABLE for input,
 * MD_EINVAL for the kb's own references. */
md_code kb_vocab_resolve(const md_kb *kb, md_vocab_kind kind, const char *term, const char *field,
                         md_code unknown_code, int *id, md_err *err);

/* --- kb_rules.c ------------------------------------------------------------ */

/* Parse one rule object into r.  clinic: 0 for kb/rules.json, 1 for clinic rules
 * (ids checked against shipped, "raises" allowed, "clinic:" sources allowed). */
md_code kb_rule_parse(md_kb *kb, md_arena *a, const md_ruleset *shipped, const json_t *j,
                      const char *path, int clinic, kb_rule *r, md_err *err);
const char *kb_rule_kind_name(kb_rule_kind k);
/* Check a "sources" array: non-empty, every key known (or "clinic:..." when allowed). */
md_code kb_sources_parse(const md_kb *kb, md_arena *a, const json_t *o, const char *path,
                         int allow_clinic, const char ***out, size_t *n, md_err *err);

/* kb_stock.c: kb/stock.json, checked against the bases the rest of the kb names. */
md_code kb_stock_parse(md_kb *kb, const json_t *doc, const char *path, const char *const *bases,
                       md_err *err);

/* kb_credentials.c: kb/credentials.json. */
md_code kb_credentials_parse(md_kb *kb, const json_t *doc, const char *path, md_err *err);
/* kb_day.c: kb/day.json. */
md_code kb_day_parse(md_kb *kb, const json_t *doc, const char *path, md_err *err);
/* kb_protocols.c: a code member [a-z0-9_]{1,63} copied into the kb's arena (MD_EINVAL
 * naming ep.key); an array of strings as JSON (new reference). */
md_code kb_code_field(md_kb *kb, const json_t *j, const char *key, const char *ep,
                      const char **out, md_err *err);
json_t *kb_strings_json(const char *const *s, size_t n);
/* kb_maps.c: kb/body_maps.json (after the vocabulary). */
md_code kb_maps_parse(md_kb *kb, const json_t *doc, const char *path, md_err *err);
/* kb_prechecks.c: kb/prechecks.json (after kb/stock.json: it names consumable kinds). */
md_code kb_prechecks_parse(md_kb *kb, const json_t *doc, const char *path, md_err *err);
/* kb_consent.c: a file's "languages" (1..max two-letter codes, unique, with "en") into
 * out[*n...] (arena copies). */
md_code kb_languages_parse(md_kb *kb, const json_t *doc, const char *fp, size_t max,
                           const char **out, size_t *n, md_err *err);
/* kb_aftercare.c: kb/aftercare.json. */
md_code kb_aftercare_parse(md_kb *kb, const json_t *doc, const char *path, md_err *err);
/* kb_complications.c: kb/complications.json (after sources.json). */
md_code kb_complications_parse(md_kb *kb, const json_t *doc, const char *path, md_err *err);
/* kb_outcomes.c: kb/outcome_scales.json (after sources.json). */
md_code kb_outcomes_parse(md_kb *kb, const json_t *doc, const char *path, md_err *err);
/* kb_checkins.c: kb/checkins.json (after the protocols and the complication catalogue). */
md_code kb_checkins_parse(md_kb *kb, const json_t *doc, const char *path, md_err *err);

/* Parse rules.json "facts" (before the rules, which name them in "requires"). */
md_code kb_facts_parse(md_kb *kb, const json_t *arr, const char *path, md_err *err);
/* Index of a sex name in the kb's sex order, or -1. */
int kb_sex_index(const char *sex);

/* --- kb_formulation.c: kb/concerns.json, and incompatibilities.json compiled ----- */
md_code kb_formulation_load(md_kb *kb, const json_t *concerns, const json_t *incompat, md_err *err);

/* --- screen_output.c -------------------------------------------------------- */
const char *kb_flag_name(int flag); /* also names the facts: "allergies" */

#endif
