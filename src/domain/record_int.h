/*
 * record_int.h - internals of the record engine shared by record.c (the generic
 * versioned-record engine) and patient_index.c (patient search keys, duplicate
 * checks and merges).  Not a public header: nothing outside src/domain includes it.
 *
 * Ownership: every json_t ** filled here is a new reference the caller decrefs; on
 * failure it is left untouched.  Functions return MD_OK or the md_code set in err.
 */
#ifndef MESODESK_RECORD_INT_H
#define MESODESK_RECORD_INT_H

#include "mesodesk/record.h"

/* "SELECT <the kind's columns> FROM <table> WHERE <where>" into buf; returns buf, or NULL
 * when it does not fit in sz bytes (md_store_exec refuses a NULL statement, MD_EINTERNAL). */
const char *md__record_select_sql(const md_record_kind *k, const char *where, char *buf, size_t sz);
/* Run a statement made by md__record_select_sql; *out is the JSON array of records. */
md_code md__record_run(md_ctx *ctx, const md_record_kind *k, const char *sql, const md_val *params,
                       int np, json_t **out, md_err *err);
/* Rows of kind k matching `where` (SQL after WHERE, with $n placeholders) as a JSON
 * array of records.  No permission check, no audit. */
md_code md__record_query(md_ctx *ctx, const md_record_kind *k, const char *where,
                         const md_val *params, int np, json_t **out, md_err *err);

/* The current version of one record (parent_id NULL for kinds without a parent).
 * MD_ENOTFOUND naming "id" when there is none in ctx's clinic.  No audit. */
md_code md__record_current(md_ctx *ctx, const md_record_kind *k, const char *parent_id,
                           const char *id, json_t **out, md_err *err);

/* --- kinds.c / record.c: declaration checks --- */

/* Whether k's status field is an ENUM that holds "entered_in_error". */
int md__kind_has_entered_in_error(const md_record_kind *k);
/* The length of the select list and of the insert statement the engine builds for k. */
size_t md__record_cols_len(const md_record_kind *k);
size_t md__record_insert_len(const md_record_kind *k);
#define MD__RECORD_COLS_MAX 1024

/* --- patient_index.c --- */

/* Rebuild the search keys of one patient from its current version, inside the caller's
 * write transaction (every patient write calls it).  A merged patient keeps no keys. */
md_code md__patient_terms_refresh(md_ctx *ctx, const char *patient_id, md_err *err);
/* The search keys of a patient that has none yet and is merged into none (the generator's
 * new patients): made from the values given, without reading anything back. */
md_code md__patient_terms_insert(md_ctx *ctx, const char *patient_id, const char *given,
                                 const char *family, const char *birth, const char *email,
                                 const char *phone, md_err *err);
/* A loader's search keys, kept in memory and written in key order (each key B-tree then
 * grows at its end, instead of taking a random page per key).  add takes the same values
 * as md__patient_terms_insert and copies what it needs; flush sorts what was added and
 * inserts it into patient_terms for ctx's clinic inside the caller's transaction, then
 * empties the stage.  Every patient_id added must have MD_ID_STR - 1 characters.  new
 * returns NULL when out of memory; add and flush MD_ENOMEM, flush a store error. */
typedef struct md__term_stage md__term_stage;
md__term_stage *md__term_stage_new(void);
void md__term_stage_free(md__term_stage *st);
md_code md__term_stage_add(md__term_stage *st, const char *patient_id, const char *given,
                           const char *family, const char *birth, const char *email,
                           const char *phone, md_err *err);
md_code md__term_stage_flush(md_ctx *ctx, md__term_stage *st, md_err *err);
/* How many keys st holds; truncate forgets those added after count n (a batch rolled back). */
size_t md__term_stage_count(const md__term_stage *st);
void md__term_stage_truncate(md__term_stage *st, size_t n);

/* Whether patient_id was merged into another record: *merged 1 and survivor filled (the
 * record it was merged into directly), or *merged 0. */
md_code md__patient_merged_into(md_ctx *ctx, const char *patient_id, int *merged,
                                char survivor[MD_ID_STR], md_err *err);

/* Add "merged_into" (when the record was merged) and "merged_from" (when records were
 * merged into it) to a patient record read from the store. */
md_code md__patient_decorate(md_ctx *ctx, json_t *patient, md_err *err);

#endif
