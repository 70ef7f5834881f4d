/*
 * kb.h - the clinical knowledge base (kb/ JSON) and compiled rule sets.
 *
 * The knowledge base is data: vocabulary (conditions, medications and
 * supplements, ingredients and their classes, allergen classes, treatment
 * areas, jurisdictions), screening rules and incompatibilities, every entry
 * with its sources.  md_kb_load() reads kb/manifest.json and the files it
 * lists, validates everything (unknown keys, missing or unknown sources,
 * dangling references, duplicate ids, codes and synonyms) and compiles the
 * shipped rules so that evaluation works on integer ids.  A kb that fails any
 * check is not loaded: the error names the file and entry, e.g. field
 * "kb/rules.json:rules[3].when.codes[0]".
 *
 * Version and content hash: md_kb_version() is the manifest's "version";
 * md_kb_hash() is a BLAKE2b-256 (libsodium crypto_generichash) over the
 * manifest and every listed file, in manifest order, as hex.  Both appear in
 * every screening decision.
 *
 * Clinic rules: a clinic may add rules in the same JSON shape as kb/rules.json
 * entries (new findings), or raise the class of a shipped rule
 * ({"id","raises","class","sources"[,"message"]}); a clinic rule can never
 * lower or remove a shipped rule.  md_ruleset_compile() builds a rule set of
 * the shipped rules plus the clinic's; callers cache it per clinic and rebuild
 * it when the clinic's rules change.  Storing and auditing clinic rules is the
 * API's job, not this module's.
 *
 * Ownership: md_kb and md_ruleset own all their memory.  A ruleset borrows
 * from its kb: free every ruleset of a kb before the kb.  Both are immutable
 * after construction and safe to share between threads.  All strings returned
 * by accessors belong to the kb/ruleset.
 *
 * Errors: functions return md_code (0 = MD_OK) and fill md_err when given one.
 * Nothing here prints or exits.
 */
#ifndef MESODESK_KB_H
#define MESODESK_KB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "mesodesk/error.h"

typedef struct md_kb md_kb;
typedef struct md_ruleset md_ruleset;

/* Finding classes in increasing severity.  A decision is never MD_CLASS_CAUTION:
 * cautions are listed but do not block (the decision is then "eligible").
 * MD_CLASS_INCOMPLETE is a decision, never a rule's class: a fact that a rule
 * needs was not recorded (or the clinic's rules could not be applied), so the
 * patient cannot be called eligible; a known contraindication still wins. */
typedef enum md_class {
    MD_CLASS_ELIGIBLE = 0,
    MD_CLASS_CAUTION,
    MD_CLASS_CLEARANCE_REQUIRED,
    MD_CLASS_DEFERRED,
    MD_CLASS_INCOMPLETE,
    MD_CLASS_CONTRAINDICATED,
    MD_CLASS_COUNT
} md_class;

/* "eligible", "caution", "clearance_required", "deferred", "incomplete", "contraindicated". */
const char *md_class_name(md_class c);
/* Parse a class name; 0 on success, -1 if unknown. */
int md_class_parse(const char *s, md_class *out);

/* Vocabulary namespaces.  SUBSTANCE is what a patient can be allergic to:
 * every ingredient plus the allergen classes (amide_anaesthetics, latex...). */
typedef enum md_vocab_kind {
    MD_VOCAB_CONDITION = 0,
    MD_VOCAB_MEDICATION,
    MD_VOCAB_SUBSTANCE,
    MD_VOCAB_INGREDIENT,
    MD_VOCAB_INGREDIENT_CLASS,
    MD_VOCAB_AREA,
    MD_VOCAB_JURISDICTION,
    MD_VOCAB_KIND_COUNT
} md_vocab_kind;

/* "condition", "medication", "substance", "ingredient", "ingredient_class", "area",
 * "jurisdiction". */
const char *md_vocab_kind_name(md_vocab_kind kind);

/* Find the kb directory: explicit if non-NULL, else $MESODESK_KB, else ./kb when
 * it holds a manifest.json, else fallback (may be NULL).  Copies into out.
 * Returns MD_ENOTFOUND when none applies, MD_ETOOBIG when out is too small. */
md_code md_kb_locate(const char *explicit_dir, const char *fallback, char *out, size_t out_size,
                     md_err *err);

/* Load and validate the kb in dir.  On success *out owns the kb (md_kb_free).
 * MD_EINVAL/MD_EJSON with file and entry in err->field when the kb is invalid,
 * MD_EIO when a file cannot be read, MD_ENOMEM. */
md_code md_kb_load(const char *dir, md_kb **out, md_err *err);
void md_kb_free(md_kb *kb);

const char *md_kb_version(const md_kb *kb);
const char *md_kb_hash(const md_kb *kb); /* 64 hex chars */
/* The shipped rules, compiled at load; owned by the kb. */
const md_ruleset *md_kb_ruleset(const md_kb *kb);

/* Vocabulary.  Terms are matched case-insensitively with spaces and hyphens
 * read as underscores ("St John's wort" = "st_john's_wort").
 * md_kb_resolve: canonical code of a code or synonym of the given kind.  When
 * unknown returns MD_EUNPROCESSABLE with field (may be NULL) and a message
 * "unknown medication 'ibuprofn'; did you mean: ibuprofen, ...". */
md_code md_kb_resolve(const md_kb *kb, md_vocab_kind kind, const char *term, const char *field,
                      const char **canonical, md_err *err);
/* Same, returning the integer id (index in the namespace) or -1. */
int md_kb_lookup(const md_kb *kb, md_vocab_kind kind, const char *term);
/* Up to max nearest known terms (codes or synonyms, by edit distance, then kb
 * order) for an unknown term; returns how many were written. */
size_t md_kb_suggest(const md_kb *kb, md_vocab_kind kind, const char *term, const char **out,
                     size_t max);
/* Iterate a namespace (ids 0..count-1): canonical code and label. */
size_t md_kb_vocab_count(const md_kb *kb, md_vocab_kind kind);
const char *md_kb_vocab_code(const md_kb *kb, md_vocab_kind kind, size_t id);
const char *md_kb_vocab_label(const md_kb *kb, md_vocab_kind kind, size_t id);
/* The synonyms of entry id as written in the kb (not its code), in kb order: up to max
 * into out; returns how many there are in all. */
size_t md_kb_vocab_synonyms(const md_kb *kb, md_vocab_kind kind, size_t id, const char **out,
                            size_t max);

/* Sources (kb/sources.json), i in 0..md_kb_source_count-1: the key rules cite, its title,
 * and its url, ref (PMC id, NBK id...) and doi when the kb has them (else NULL). */
typedef struct md_source_info {
    const char *key, *title, *url, *ref, *doi;
} md_source_info;
/* The facts rules may need known (kb rules.json "facts"): [{"fact", "field", "question",
 * "applies_to": {"sex": [...], "min_age", "max_age"}, "sources"}], for the people they apply
 * to.  New reference; NULL when out of memory. */
json_t *md_kb_facts_json(const md_kb *kb);
size_t md_kb_source_count(const md_kb *kb);
int md_kb_source(const md_kb *kb, size_t i, md_source_info *out); /* 0, or -1 out of range */

/* Clinic rules.  Validate one rule object (json_t is borrowed).  MD_EINVAL with
 * field "rule.<path>" when it is malformed, refers to unknown codes, reuses a
 * shipped rule id, or would lower a shipped rule. */
md_code md_kb_validate_clinic_rule(const md_kb *kb, const json_t *rule, md_err *err);
/* Compile the shipped rules plus clinic_rules (a JSON array, or NULL for none;
 * borrowed, not kept).  Errors name "clinic_rules[i].<path>".  On success *out
 * owns a ruleset (md_ruleset_free) that borrows from kb. */
md_code md_ruleset_compile(const md_kb *kb, const json_t *clinic_rules, md_ruleset **out,
                           md_err *err);
/* Release one reference to a compiled set (freed at the last; the shipped set and NULL are
 * ignored).  md_ruleset_ref() takes another: it returns rs, or NULL for the shipped set or
 * NULL (which need none).  Safe from several threads. */
void md_ruleset_free(md_ruleset *rs);
md_ruleset *md_ruleset_ref(md_ruleset *rs);

/* Compiled rule sets kept by the kb (a clinic's: its rules compile when they change, not for
 * every screening).  key (a clinic id) and version (a digest of what the set was compiled
 * from) are strings under 72 bytes.  md_kb_ruleset_cached(): on an exact (key, version)
 * match returns 1 with *rs the kept set (the shipped set when NULL was kept), *ref a new
 * reference to it for the caller to md_ruleset_free() (NULL for the shipped set), and the
 * note kept with it copied into note (note_size must be the size kept); else 0, *ref
 * NULL.  md_kb_ruleset_keep() keeps rs (its own reference; NULL = the shipped set) with a
 * note of at most MD_KB_RULESET_NOTE_MAX bytes, replacing key's older version; when the
 * cache is full the least recently used key goes.  Thread-safe; failures are misses. */
#define MD_KB_RULESET_NOTE_MAX 512
int md_kb_ruleset_cached(const md_kb *kb, const char *key, const char *version,
                         const md_ruleset **rs, md_ruleset **ref, void *note, size_t note_size);
void md_kb_ruleset_keep(const md_kb *kb, const char *key, const char *version, md_ruleset *rs,
                        const void *note, size_t note_size);
/* Lookups that found their set, and those that did not, since the kb was loaded. */
void md_kb_ruleset_cache_stats(const md_kb *kb, uint64_t *hits, uint64_t *misses);

/* Read-only description of rule i of a ruleset (0..md_ruleset_count-1), in
 * evaluation order: shipped rules in kb order, then clinic rules. */
typedef struct md_rule_info {
    const char *id;
    const char *kind;     /* "status_flag", "medication_washout", ... */
    md_class cls;         /* effective class (after any clinic raise) */
    md_class shipped_cls; /* class in kb (== cls for clinic rules) */
    const char *message;  /* template; {input}, {code}... filled at output */
    const char *const *sources;
    size_t n_sources;
    int clinic;            /* 1 when added by the clinic */
    const char *raised_by; /* clinic rule id that raised the class, or NULL */
    const char *title;     /* short heading for people ("Pregnancy"); the id when none */
} md_rule_info;

const md_kb *md_ruleset_kb(const md_ruleset *rs);
size_t md_ruleset_count(const md_ruleset *rs);
int md_ruleset_rule(const md_ruleset *rs, size_t i, md_rule_info *out); /* 0, or -1 out of range */
/* Index of a rule id, or -1. */
int md_ruleset_find(const md_ruleset *rs, const char *id);

#endif
