/*
 * screen.h - pre-treatment screening: (patient facts, planned treatment, date)
 * -> decision, evaluated against a compiled rule set (kb.h).
 *
 * Flow:
 *   JSON:  md_screen_input_from_json()  parses and resolves in one step.
 *   C:     fill an md_screen_input (strings and arrays from your arena), then
 *          md_screen_resolve() maps codes and synonyms to kb ids and reports
 *          unknown codes with the field ("patient.medications[0].code").
 *   Then:  md_screen_evaluate() -> md_screen_result, and
 *          md_screen_result_to_json() / md_screen_result_to_text().
 *
 * Evaluation does no I/O and allocates only from the arena passed in (the
 * findings array); with a warm arena that has been reset it allocates nothing
 * from the heap.  It is deterministic: same input, same result, and the JSON
 * output is byte-identical (fixed key order; findings in rule order, then
 * input order).
 *
 * Decision: the worst uncleared finding among contraindicated > incomplete >
 * deferred > clearance_required, else eligible.  "incomplete": a fact that a
 * rule "requires" (kb) is unknown for a patient it applies to (pregnancy for a
 * woman of 10-55, allergies never asked...): each is listed in the result's
 * missing facts with the question to ask; a known contraindication still wins.
 * Cautions never block.  "deferred" carries earliest_date (the latest washout end) when every
 * deferring finding has a date; a deferral until healed has none.  A clearance_required finding
 * whose rule has a clearance valid on the screening date (valid_until >= date)
 * is reported as cleared and does not count.  A rule with when.patch_test_covers_plan
 * (patch_test_required) is satisfied, and does not count, when every planned ingredient is
 * covered by a patch test whose result is negative and valid on the date
 * (valid_until >= date); otherwise it names the planned ingredients not yet covered.
 *
 * Ownership: the input's strings and arrays belong to the caller (typically an
 * arena); md_screen_resolve and md_screen_input_from_json allocate from the
 * arena given.  A result points into its input and ruleset: keep both alive
 * (and the arena unreset) while using it.  Returned json_t is owned by the
 * caller (json_decref).
 */
#ifndef MESODESK_SCREEN_H
#define MESODESK_SCREEN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "mesodesk/arena.h"
#include "mesodesk/error.h"
#include "mesodesk/kb.h"
#include "mesodesk/util.h"

#define MD_TRI_NOT_SURE (-2) /* asked, and the answer was "not sure": still unknown */
#define MD_TRI_UNKNOWN (-1)  /* fact not recorded */
#define MD_TRI_NO 0
#define MD_TRI_YES 1

/* Caps on one screening input (larger inputs are MD_ETOOBIG). */
#define MD_SCREEN_MAX_ITEMS 64

typedef struct md_screen_condition {
    const char *code;   /* code or synonym as recorded */
    signed char active; /* MD_TRI_*: unknown counts as active */
    const char *site;   /* area code or synonym; NULL = not given (any site) */
    int id, site_id;    /* set by md_screen_resolve (-1 for no site) */
} md_screen_condition;

typedef struct md_screen_medication {
    const char *code;  /* code or synonym, e.g. "ibuprofen" */
    const char *name;  /* product or drug name as recorded ("Nurofen 200 mg"), or NULL */
    md_day last_dose;  /* valid when has_last_dose */
    int has_last_dose; /* 0: currently taking (washout counts from the screening date) */
    int id;            /* set by md_screen_resolve */
} md_screen_medication;

typedef struct md_screen_allergy {
    const char *substance; /* ingredient or allergen class, code or synonym */
    int id;                /* set by md_screen_resolve */
} md_screen_allergy;

typedef struct md_screen_clearance {
    const char *rule;      /* rule id with class clearance_required */
    md_day valid_until;    /* inclusive */
    const char *id;        /* opaque, echoed (may be NULL) */
    const char *reason;    /* echoed (may be NULL) */
    const char *physician; /* who cleared, echoed (may be NULL) */
    int rule_index;        /* set by md_screen_resolve */
} md_screen_clearance;

/* A patch test on record (patch_test.h computes result and valid_until from its readings). */
typedef struct md_screen_patch_test {
    const char *id;           /* opaque, echoed (may be NULL) */
    const char **ingredients; /* tested ingredients, codes or synonyms */
    size_t n_ingredients;
    const char *result;  /* "negative", "positive", "doubtful", "irritant", "pending", ... */
    md_day valid_until;  /* inclusive; required when result is "negative" */
    int *ingredient_ids; /* set by md_screen_resolve */
    int negative;        /* set by md_screen_resolve: result is "negative" */
} md_screen_patch_test;

typedef struct md_screen_input {
    md_day date;                                        /* planned treatment date */
    const char *jurisdiction;                           /* NULL: kb default */
    md_day birth_date;                                  /* required */
    const char *sex;                                    /* "female", "male", "other" or NULL */
    signed char pregnant, breastfeeding, weight_stable; /* MD_TRI_* */
    signed char no_known_allergies; /* MD_TRI_YES: "no known allergies" was recorded */
    int fitzpatrick;                /* 1..6, or 0 when not recorded */
    md_screen_condition *conditions;
    size_t n_conditions;
    md_screen_medication *medications;
    size_t n_medications;
    md_screen_allergy *allergies;
    size_t n_allergies;
    const char **areas; /* planned areas */
    size_t n_areas;
    const char **ingredients; /* planned ingredients */
    size_t n_ingredients;
    md_screen_clearance *clearances;
    size_t n_clearances;
    md_screen_patch_test *patch_tests;
    size_t n_patch_tests;
    /* When the clinic's own rules could not be compiled and the shipped ones are used
     * instead: why (borrowed).  The result then carries a blocking finding saying so. */
    const char *ruleset_error;
    /* Set by md_screen_resolve; evaluation refuses an input not resolved for its ruleset. */
    int jurisdiction_id;
    int *area_ids;
    int *ingredient_ids;
    const md_ruleset *resolved_for;
} md_screen_input;

/* A zeroed input with every tri-state at MD_TRI_UNKNOWN. */
void md_screen_input_init(md_screen_input *in);

/* Map codes to ids against rs; checks dates (birth and last doses not after the
 * date), Fitzpatrick 1..6, clearance rule ids.  MD_EUNPROCESSABLE for unknown
 * codes (with suggestions) and impossible values, MD_EINVAL for missing ones,
 * MD_ETOOBIG over the caps; field is the JSON path of the input contract. */
md_code md_screen_resolve(const md_ruleset *rs, md_screen_input *in, md_arena *a, md_err *err);

/* Parse the JSON contract (docs/SCREENING.md) and resolve.  j is borrowed; strings
 * are copied into a.  Unknown keys, wrong types and missing fields are MD_EINVAL
 * naming the field; impossible dates MD_EUNPROCESSABLE. */
md_code md_screen_input_from_json(const md_ruleset *rs, const json_t *j, md_arena *a,
                                  md_screen_input **out, md_err *err);

typedef enum md_fact_kind {
    MD_FACT_STATUS = 0, /* pregnant, breastfeeding, weight_stable */
    MD_FACT_AGE,
    MD_FACT_ALLERGY,
    MD_FACT_CONDITION,
    MD_FACT_MEDICATION,
    MD_FACT_FITZPATRICK
} md_fact_kind;

typedef struct md_finding {
    int rule;     /* index in the ruleset */
    md_class cls; /* class of the rule */
    md_fact_kind fact;
    int fact_index; /* index in conditions/medications/allergies, else -1 */
    int ingredient; /* index in the planned ingredients (allergy), else -1 */
    int value;      /* age, Fitzpatrick type or flag value */
    md_day until;   /* washout end, valid when has_until */
    int has_until;
    int clearance; /* index in input clearances when cleared, else -1 */
    /* A rule satisfied by negative patch tests (kb when.patch_test_covers_plan): bit k set
     * for each planned ingredient k that no valid negative test covers; the finding is
     * satisfied (and counts for nothing) when none is left. */
    uint64_t uncovered;
    int satisfied;
} md_finding;

/* A fact a rule needs that is not known (screen.h top). */
typedef struct md_missing {
    int rule;     /* index in the ruleset */
    int fact;     /* 0 pregnant, 1 breastfeeding, 2 weight_stable, 3 allergies */
    int not_sure; /* 1: asked and answered "not sure"; 0: never recorded */
} md_missing;

typedef struct md_screen_result {
    const md_ruleset *rs;
    const md_screen_input *in;
    md_class decision;
    int has_earliest;
    md_day earliest_date;
    md_finding *findings; /* blocking, cleared and caution findings, in order */
    size_t n_findings;
    md_missing *missing; /* in rule order */
    size_t n_missing;
} md_screen_result;

/* Evaluate.  Allocates only from a.  MD_EINVAL if in was not resolved for rs,
 * MD_ENOMEM when the arena is full. */
md_code md_screen_evaluate(const md_ruleset *rs, const md_screen_input *in, md_arena *a,
                           md_screen_result *out, md_err *err);

/* {"decision", ["earliest_date"], "date", "kb":{"version","hash"}, "findings":[...],
 *  "cautions":[...], "missing":[{"rule","fact","field","answer","question","sources"}]};
 *  NULL when out of memory.  Caller owns the result. */
json_t *md_screen_result_to_json(const md_screen_result *r);
/* A short explanation for a practitioner, allocated from a (at most 1 MiB); NULL when out of
 * memory or longer. */
char *md_screen_result_to_text(const md_screen_result *r, md_arena *a);

#endif
