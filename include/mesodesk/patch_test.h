/*
 * patch_test.h - patch tests: an application (a product lot, or kb ingredients, on one
 * site, at one time, by one person), its ICDRG readings inside their reading windows,
 * the allergies a positive reading adds, and what screening learns from them.
 *
 * Knowledge (kb/patch_tests.json, loaded and checked at start-up with the rest of the kb):
 * the ICDRG scale (each grade counts as positive, negative or inconclusive), the reading
 * windows in hours after the application (which one is final), and how long a negative
 * test counts (months; a clinic may set its own: clinic setting
 * patch_test_validity_months).
 *
 * Life of one test (its outcome is computed from its readings, never stored):
 *
 *   applied --reading in a window--> read (one reading per window; a correction is a
 *      |                               new version of that reading, with a reason)
 *      |   outcome:  positive      a reading that counts as positive (+, ++, +++): the
 *      |                           tested ingredients become allergies, in the same
 *      |                           transaction as the reading
 *      |             doubtful / irritant   a reading that counts as inconclusive and no
 *      |                           positive one
 *      |             negative      the final window's reading is negative and no reading
 *      |                           is anything else: valid until applied day + validity
 *      |             pending       none of the above while the final window is still open
 *      |             not_read      none of the above once the final window has closed
 *      +--entered in error (a new version, with a reason): ignored by screening
 *
 * Ownership: every json_t ** filled is a new reference the caller decrefs, untouched on
 * failure.  Functions return MD_OK or the md_code set in err, whose field names the input
 * member at fault ("read_at", "ingredients[1]", "lot_id").  Every read and write is
 * audited; every write runs in one write transaction (md_write_begin/finish), nested as a
 * savepoint in the caller's when there is one.
 */
#ifndef MESODESK_PATCH_TEST_H
#define MESODESK_PATCH_TEST_H

#include "mesodesk/context.h"
#include "mesodesk/record.h"
#include "mesodesk/screen.h"

#include <jansson.h>

/* ---- the kb part (kb/patch_tests.json) ---- */

typedef enum md_patch_counts {
    MD_PATCH_NEGATIVE = 0,
    MD_PATCH_POSITIVE,
    MD_PATCH_INCONCLUSIVE
} md_patch_counts;

#define MD_PATCH_GRADES_MAX 12
#define MD_PATCH_WINDOWS_MAX 6

typedef struct md_patch_grade {
    const char *code;    /* "negative", "doubtful", "+", "++", "+++", "irritant" */
    const char *label;   /* "?+ doubtful" */
    const char *meaning; /* what the reader sees */
    md_patch_counts counts_as;
    const char *note; /* may be NULL */
    const char **sources;
    size_t n_sources;
} md_patch_grade;

typedef struct md_patch_window {
    const char *code, *label; /* "day_2", "day 2" */
    int from_hours, to_hours; /* inclusive, after the application */
    int final;                /* a negative test needs a negative reading in this window */
    const char *note;         /* may be NULL */
    const char **sources;
    size_t n_sources;
} md_patch_window;

typedef struct md_patch_kb {
    md_patch_grade grades[MD_PATCH_GRADES_MAX];
    size_t n_grades;
    md_patch_window windows[MD_PATCH_WINDOWS_MAX]; /* in time order, not overlapping */
    size_t n_windows;
    int validity_months; /* of a negative test, by default */
    const char *validity_note;
    const char **validity_sources;
    size_t n_validity_sources;
} md_patch_kb;

/* The kb's patch-test knowledge (borrowed from kb; lives as long as it). */
const md_patch_kb *md_kb_patch_tests(const md_kb *kb);
/* The grade with this code, or NULL. */
const md_patch_grade *md_patch_grade_find(const md_patch_kb *pk, const char *code);
/* The window holding `hours` after the application, or NULL. */
const md_patch_window *md_patch_window_at(const md_patch_kb *pk, double hours);
/* The scale, the windows and the validity as JSON, for forms and GET /patch-tests/kb. */
json_t *md_patch_kb_json(const md_patch_kb *pk);

/* ---- records ---- */

/* The record kinds (versioned; parent: the patient).  Not served by the generic routes:
 * an application and a reading do more than store a row (patch_test.c). */
extern const md_record_kind md_kind_patch_test, md_kind_patch_test_reading;

/* Apply a test to a patient: in {"lot_id" (with "volume_ml", optional "vial_id"), or
 * "ingredients": [kb codes], "site": kb area, "applied_at"?: UTC time (default now; not in
 * the future), "applied_by"?: staff id (default the caller), "note"?}.  With a lot, the
 * tested ingredients are its product's and an administration (context patch_test) is
 * recorded through md_administration_record in the same transaction (stock decremented;
 * an expired or recalled lot, or a dose larger than what remains, refuses the whole
 * application with its 409).  *out: the test as md_patch_test_get gives it. */
md_code md_patch_test_apply(md_ctx *ctx, const char *patient_id, json_t *in, json_t **out,
                            md_err *err);

/* Record a reading: in {"value": ICDRG code, "read_at"?: UTC time (default now), "note"?}.
 * The time must fall inside a kb window (else 422, field "read_at", naming the windows in
 * hours and how many hours after the application the reading is); one reading per window
 * (409, field "read_at"; correct it with md_patch_test_reading_correct).  A positive value
 * adds each tested ingredient to the patient's allergies (a new allergy, or a new version
 * of the active one, with patch_test_id naming the test), all in one transaction.  *out:
 * the test as md_patch_test_get gives it. */
md_code md_patch_test_read(md_ctx *ctx, const char *patient_id, const char *test_id, json_t *in,
                           json_t **out, md_err *err);

/* Correct a reading (a new version of it): in {"value"?, "note"?, "reason" (required),
 * "version"?}.  A corrected value that counts as positive adds the allergies as above; an
 * allergy added earlier stays (remove it through the allergy's own entered-in-error). */
md_code md_patch_test_reading_correct(md_ctx *ctx, const char *patient_id, const char *test_id,
                                      const char *reading_id, json_t *in, json_t **out,
                                      md_err *err);

/* One test with "ingredients" (array), "readings", "outcome" {"result", "valid_until"?,
 * "windows": [{"code","label","opens_at","closes_at","reading"?}]}. */
md_code md_patch_test_get(md_ctx *ctx, const char *patient_id, const char *test_id, json_t **out,
                          md_err *err);
/* {"items": [test...]} of a patient (entered_in_error ones left out), newest first. */
md_code md_patch_test_list(md_ctx *ctx, const char *patient_id, json_t **out, md_err *err);
/* {"versions": [...], "readings": [every version of every reading]}. */
md_code md_patch_test_history(md_ctx *ctx, const char *patient_id, const char *test_id,
                              json_t **out, md_err *err);
/* Mark a test entered in error: in {"reason", "version"?}. */
md_code md_patch_test_entered_in_error(md_ctx *ctx, const char *patient_id, const char *test_id,
                                       json_t *in, json_t **out, md_err *err);

/* For screening: the patient's tests (not entered in error) into in->patch_tests, each
 * with its ingredients, outcome and valid_until (the clinic's validity, else the kb's).
 * Strings come from ctx->arena.  Run inside the caller's read snapshot. */
md_code md_patch_tests_for_screening(md_ctx *ctx, const char *patient_id, md_screen_input *in,
                                     md_err *err);

/* The outcome of a test applied at `applied` (epoch s) with these readings, at `now`. */
typedef struct md_patch_reading_in {
    const char *window; /* window code */
    const char *value;  /* grade code */
} md_patch_reading_in;
typedef struct md_patch_outcome {
    const char *result; /* "positive", "doubtful", "irritant", "negative", "pending", "not_read" */
    int negative;       /* result is "negative" */
    md_day valid_until; /* when negative: applied day + validity months (inclusive) */
} md_patch_outcome;
void md_patch_outcome_of(const md_patch_kb *pk, int64_t applied, const md_patch_reading_in *r,
                         size_t n, int validity_months, int64_t now, md_patch_outcome *out);

/* day + months, the day of month kept where it exists (31 Aug + 6 = 28/29 Feb). */
md_day md_day_add_months(md_day day, int months);

#endif
