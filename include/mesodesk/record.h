/*
 * record.h - versioned clinical records, described as data.
 *
 * A record kind (patient, allergy, condition, medication, pregnancy/
 * breastfeeding status) is a table of typed fields; one generic engine
 * validates JSON input against it, stores it, and answers reads.  Nothing is
 * overwritten: an update inserts version n+1 (who, when, why) and marks
 * version n no longer current, in one transaction; the history of a record is
 * every version, oldest first.  "Removing" a fact is an update of its status
 * to entered_in_error, which hides it from lists but keeps it in history.
 *
 * Version lifecycle of one record:
 *   create -> v1 (current) --update--> v2 (current), v1 (superseded) --> ...
 *   A stale update (client sent version != current) is MD_ECONFLICT.
 *
 * JSON shape of a record: {"id","version", ["patient_id",] <fields>,
 * "recorded_by","recorded_at","reason"}.  Reads and writes are audited by the
 * engine; permissions are checked by the engine from the kind.
 */
#ifndef MESODESK_RECORD_H
#define MESODESK_RECORD_H

#include "mesodesk/context.h"
#include "mesodesk/kb.h"

#include <jansson.h>

typedef enum md_ftype {
    MD_F_TEXT,
    MD_F_ENUM,
    MD_F_DATE,
    MD_F_INT,
    MD_F_BOOL,
    MD_F_CODE,
    MD_F_JSON /* an object, checked by json_check, stored as canonical text */
} md_ftype;

typedef struct md_field {
    const char *name; /* JSON key and column name; NULL ends the list */
    md_ftype type;
    int required;
    long min, max;             /* INT: range; TEXT: max length in max */
    const char *const *values; /* ENUM: allowed values */
    const char *dflt;          /* ENUM/BOOL default on create ("true"/"false" for BOOL);
                                * CODE: a later TEXT field that keeps the term as typed when it
                                * was a synonym and that field is not given ("ibuprofen") */
    md_vocab_kind vocab;       /* CODE: the vocabulary (ignored for other types) */
    md_code (*json_check)(const md_ctx *ctx, json_t *value, const char *field, md_err *err);
} md_field;

typedef struct md_record_kind {
    const char *name; /* "allergy": audit object type and error wording */
    const char *table;
    int has_parent; /* belongs to a patient (patient_id column) */
    unsigned read_perm, write_perm;
    const md_field *fields;
    /* Cross-field checks on the complete (merged) record; may be NULL. */
    md_code (*check)(md_ctx *ctx, json_t *rec, md_err *err);
    /* Field whose value "entered_in_error" hides a record from lists; NULL if none. */
    const char *status_field;
    int is_patient; /* the record is the patient (audit entries carry its id as patient) */
} md_record_kind;

extern const md_record_kind md_kind_patient, md_kind_allergy, md_kind_condition, md_kind_medication,
    md_kind_status, md_kind_clearance, md_kind_clinic_rule, md_kind_allergy_statement;

/* Map "allergies" etc. (the URL collection name) to a kind; NULL when unknown. */
const md_record_kind *md_fact_kind_by_collection(const char *collection);

/* Check in as the body of a create, without storing anything. */
md_code md_record_validate(md_ctx *ctx, const md_record_kind *k, json_t *in, md_err *err);

/* parent_id: the patient for facts, NULL for patients. *out is a new reference. */
md_code md_record_create(md_ctx *ctx, const md_record_kind *k, const char *parent_id, json_t *in,
                         json_t **out, md_err *err);
md_code md_record_update(md_ctx *ctx, const md_record_kind *k, const char *parent_id,
                         const char *id, json_t *in, json_t **out, md_err *err);
md_code md_record_get(md_ctx *ctx, const md_record_kind *k, const char *parent_id, const char *id,
                      json_t **out, md_err *err);
/* Current records of a patient (facts), or of the clinic for kinds without a parent
 * (parent_id NULL); include_all also lists entered_in_error / retired ones. */
md_code md_record_list(md_ctx *ctx, const md_record_kind *k, const char *parent_id, int include_all,
                       json_t **out, md_err *err);
/* Every version of one record, oldest first. */
md_code md_record_history(md_ctx *ctx, const md_record_kind *k, const char *parent_id,
                          const char *id, json_t **out, md_err *err);

typedef struct md_patient_query {
    const char *name;       /* prefix of given or family name, case-insensitive; NULL = any */
    const char *birth_date; /* exact; NULL = any */
    int limit, offset;
} md_patient_query;
/* {"items":[...],"total":N,"limit","offset"} */
md_code md_patient_search(md_ctx *ctx, const md_patient_query *q, json_t **out, md_err *err);

/* Check that a current patient exists in ctx's clinic; MD_ENOTFOUND otherwise. */
md_code md_patient_exists(md_ctx *ctx, const char *patient_id, md_err *err);

/* Resolve a code of a vocabulary to its canonical form through ctx->kb (synonyms accepted).
 * Without a kb: any lowercase [a-z0-9_] token is accepted as is.  Unknown codes are
 * MD_EUNPROCESSABLE naming the field, with the nearest known codes suggested. */
md_code md_vocab_resolve(const md_ctx *ctx, md_vocab_kind vocab, const char *field, const char *in,
                         const char **canonical, md_err *err);

/* A vocabulary as [{"code","label"}...] (new reference), for forms. */
json_t *md_vocab_json(const md_kb *kb, md_vocab_kind kind);

#endif
