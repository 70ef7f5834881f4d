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
#include "mesodesk/validate.h"

#include <jansson.h>

typedef enum md_ftype {
    MD_F_TEXT,
    MD_F_ENUM,
    MD_F_DATE,
    MD_F_INT,
    MD_F_BOOL,
    MD_F_CODE,
    MD_F_JSON, /* an object (an array with .array), checked by json_check, stored as text */
    MD_F_MILLI /* a decimal with up to 3 places ("volume_ml": 1.5), stored exactly as an
                * integer of thousandths (1500); min/max in thousandths */
} md_ftype;

/*
 * One typed field of a kind, declared with designated initialisers:
 *   {.name = "reaction", .type = MD_F_TEXT, .max_len = 500, .doc = "..."}
 * Members left out are zero: optional, no default, no check.
 */
typedef struct md_field {
    const char *name; /* JSON key and column name; NULL ends the list */
    md_ftype type;
    int required;
    long min, max;             /* INT: the allowed range */
    size_t max_len;            /* TEXT: the longest value accepted, in bytes */
    const char *const *values; /* ENUM: allowed values, NULL-terminated */
    const char *dflt;          /* ENUM/BOOL default on create ("true"/"false" for BOOL) */
    const char *keep_typed;    /* CODE: a later TEXT field that keeps the term as typed when it
                                * was a synonym and that field is not given ("ibuprofen") */
    md_vocab_kind vocab;       /* CODE: the vocabulary */
    md_code (*json_check)(const md_ctx *ctx, json_t *value, const char *field, md_err *err);
    int array;       /* JSON: the value is an array, not an object */
    const char *doc; /* one line for the API document and the forms; may be NULL */
} md_field;

/* Flags of a kind. */
#define MD_KIND_IS_PATIENT 0x1 /* the record is the patient (audit entries carry its id) */
#define MD_KIND_ONE_CURRENT                                                                        \
    0x2                    /* one current record per parent: a create when one exists              \
                            * records a new version of it (reason "<name> updated") */
#define MD_KIND_ROUTES 0x4 /* served by the generic routes under its parent's path */

struct md_record_kind;
/* Hooks run by the engine, each may be NULL.  They return MD_OK or an md_code set in err.
 * check: cross-field checks on the complete (merged) record, before anything is written;
 * before_write: may refuse a write before its input is validated: on create (id NULL,
 * update 0) once the parent is checked, on update (update 1) once the current version is
 * read (a patient merged into another takes no new version: 409);
 * after_write: inside the write transaction, after the new version;
 * decorate: on a record read for an answer (get, update), adds what is not a column. */
typedef struct md_kind_hooks {
    md_code (*check)(md_ctx *ctx, json_t *rec, md_err *err);
    md_code (*before_write)(md_ctx *ctx, const struct md_record_kind *k, const char *id, int update,
                            md_err *err);
    md_code (*after_write)(md_ctx *ctx, const struct md_record_kind *k, const char *id,
                           md_err *err);
    md_code (*decorate)(md_ctx *ctx, json_t *rec, md_err *err);
} md_kind_hooks;

/*
 * A record kind, declared once with designated initialisers (see kinds.c and
 * docs/ARCHITECTURE.md); its table is created by a migration.  The registry (md_kinds)
 * lists every kind; md_kinds_check() verifies the declarations at start-up.
 */
typedef struct md_record_kind {
    const char *name;       /* "allergy": audit object type and error wording */
    const char *table;      /* SQL table with the versioned columns + the fields */
    const char *collection; /* URL segment under the parent ("allergies"); NULL: none */
    const char *schema;     /* API document schema name ("Allergy") */
    const char *title;      /* plural, for people ("allergies") */
    const struct md_record_kind *parent; /* the kind it belongs to (patient_id), or NULL */
    int has_parent;                      /* parent != NULL (kept for the SQL builders) */
    unsigned flags;                      /* MD_KIND_* */
    unsigned read_perm, write_perm;
    const md_field *fields;
    /* ENUM field whose value "entered_in_error" hides a record from lists; NULL if none. */
    const char *status_field;
    md_kind_hooks hooks;
} md_record_kind;

extern const md_record_kind md_kind_patient, md_kind_allergy, md_kind_condition, md_kind_medication,
    md_kind_status, md_kind_clearance, md_kind_clinic_rule, md_kind_allergy_statement,
    md_kind_product, md_kind_consumable, md_kind_lot, md_kind_vial,
    md_kind_administration /* stock.h */, md_kind_recall_case,
    md_kind_recall_contact /* recall.h */;
extern const md_record_kind md_kind_formulation; /* formulation.h */
extern const md_record_kind md_kind_room, md_kind_clinic_hours, md_kind_availability,
    md_kind_appointment; /* booking.h */
extern const md_record_kind md_kind_credential; /* credential.h */
extern const md_record_kind md_kind_protocol_setting, md_kind_course; /* course.h */
extern const md_record_kind md_kind_consent;     /* consent.h */
extern const md_record_kind md_kind_treatment_session; /* chart.h */
extern const md_record_kind md_kind_chart_policy; /* chart.h */
extern const md_record_kind md_kind_photo;       /* photo.h */
extern const md_record_kind md_kind_outcome;     /* outcome.h */
extern const md_record_kind md_kind_complication, md_kind_complication_followup,
    md_kind_escalation; /* complication.h */
extern const md_record_kind md_kind_checkin;     /* checkin.h */

/* Every kind, NULL-terminated (the registry). */
extern const md_record_kind *const md_kinds[];

/* Limits a declaration must keep (md_kinds_check). */
#define MD_KIND_FIELDS_MAX 16     /* fields of one kind */
#define MD_KIND_NAME_MAX 63       /* a field, table or kind name (a PostgreSQL identifier) */
#define MD_KIND_COLLECTION_MAX 31 /* a collection segment */
#define MD_ENUM_VALUE_MAX MD_JSON_ENUM_VALUE_MAX /* one enum value (md_json_enum reads no more) */
#define MD_ENUM_LIST_MAX MD_JSON_ENUM_LIST_MAX   /* an enum's values joined (its error message) */
#define MD_KIND_SQL_MAX 2048 /* the longest statement the engine builds for a kind */

/* Check the declarations of kinds (NULL-terminated): names, sizes, defaults, enum values,
 * vocabularies, parents, status fields.  MD_EINTERNAL naming the kind and field at the
 * first one that breaks a limit; the server refuses to start with it. */
md_code md_kinds_check(const md_record_kind *const *kinds, md_err *err);

/* The kind served at <parent's path>/<collection>, NULL when none. */
const md_record_kind *md_kind_by_collection(const md_record_kind *parent, const char *collection);

/* Map "allergies" etc. (the URL collection name under a patient) to a kind; NULL when unknown. */
const md_record_kind *md_fact_kind_by_collection(const char *collection);

/* The kind as JSON for forms and the API document: {"name","collection","title","parent",
 * "one_current","status_field","fields":[{"name","type","required","min","max","max_length",
 * "enum","default","vocabulary","doc"}...]} (members that do not apply left out).
 * New reference; NULL when out of memory. */
json_t *md_kind_json(const md_record_kind *k);
/* Every kind of the registry, as md_kind_json, in a new array; NULL when out of memory. */
json_t *md_kinds_json(void);

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
/* Mark a record entered in error: a new version with the kind's status field set to
 * "entered_in_error" and in's "reason" (required) and optional "version" (409 if stale).
 * MD_EUNPROCESSABLE for a kind without such a status. */
md_code md_record_entered_in_error(md_ctx *ctx, const md_record_kind *k, const char *parent_id,
                                   const char *id, json_t *in, json_t **out, md_err *err);

/*
 * Patient search.  Every current, unmerged patient has search keys (the patient_terms
 * table, rebuilt in the same transaction as each patient write): the words of the given
 * and family names folded to lowercase ASCII (accents folded by a small table of Latin-1
 * and Latin Extended-A letters, e.g. e-acute -> e, sharp s -> ss, o-slash -> o; other
 * punctuation dropped, so "O'Brien" gives "o", "brien" and "obrien"), the e-mail in
 * lowercase, and the digits of the phone number (every ending of at least 4 digits, so
 * "7700 900123" finds "+44 7700 900123").  Letters outside those two Unicode blocks are
 * kept as they are, without case folding.  A query is answered by index ranges on the keys
 * (prefix per word), never by a scan of the patients table.
 */
typedef struct md_patient_query {
    /* Free text, NULL or "" = any: name words in any order ("hart amelia"), each a prefix;
     * a word with '@' is an e-mail prefix; a text of digits and + - ( ) . and spaces is a
     * phone number, compared by its digits.  At most MD_SEARCH_MAX_WORDS words, 200 bytes. */
    const char *name;
    const char *birth_date; /* exact YYYY-MM-DD; NULL = any; anything else is 422 */
    int limit, offset;
} md_patient_query;
#define MD_SEARCH_MAX_WORDS 6
/* The count of a search stops this many matches past the offset (a family name can match
 * tens of thousands of patients: counting them all would cost more than the page). */
#define MD_SEARCH_COUNT_MAX 1000
/* {"items":[...],"total":N,"total_is_lower_bound":B,"limit","offset"}: total is exact when
 * B is false; when B is true there are more than N matches, N = offset + MD_SEARCH_COUNT_MAX.
 * Merged records are never listed.  Each patient returned is audited as a read.  MD_EINVAL /
 * MD_EUNPROCESSABLE naming "name" or "birth_date" for a query that cannot be understood. */
md_code md_patient_search(md_ctx *ctx, const md_patient_query *q, json_t **out, md_err *err);

/* The statements a search runs, for tests and diagnostics (EXPLAIN): the list query, the
 * count query (its parameters are the first ncount of params; it counts at most
 * count_cap + 1 matches), and the bound values.
 * Strings in params point into the struct, or into q. */
typedef struct md_search_sql {
    char list[2048], count[2048];
    md_val params[4 + 3 * MD_SEARCH_MAX_WORDS + 2];
    int nparams, ncount;
    int64_t count_cap;                       /* offset + MD_SEARCH_COUNT_MAX */
    char terms[MD_SEARCH_MAX_WORDS][2][256]; /* lo and hi of each word's key range */
    const char *clinic_id;
} md_search_sql;
md_code md_patient_search_sql(const md_ctx *ctx, const md_patient_query *q, md_search_sql *out,
                              md_err *err);

/*
 * Likely duplicates of a patient about to be created (in: the create body): current,
 * unmerged patients of the clinic with the same folded given and family names (in either
 * order) and the same birth date, or the same e-mail (case-insensitive), or the same phone
 * number (digits compared, leading zeros aside: a stored number that ends with all the
 * digits given, at least 7, counts, e.g. with a country code in front).
 * *out is {"candidates":[{patient...,
 * "matched_on":["name_and_birth_date"|"email"|"phone",...]}...]} (at most 10; each
 * candidate returned is audited as a read).
 */
md_code md_patient_duplicates(md_ctx *ctx, json_t *in, json_t **out, md_err *err);
/* The statement a duplicate check runs once per key ($1 clinic, $2 kind, $3 key), for
 * tests and diagnostics (EXPLAIN). */
void md_patient_duplicates_sql(char *buf, size_t sz);

/* Create a patient (md_record_create) unless, with confirm_not_duplicate 0, likely
 * duplicates exist: then MD_ECONFLICT and *candidates (new reference, as
 * md_patient_duplicates) and nothing is stored.  Input errors come first. */
md_code md_patient_create(md_ctx *ctx, json_t *in, int confirm_not_duplicate, json_t **out,
                          json_t **candidates, md_err *err);

/*
 * Merge the duplicate record into the survivor (admins only: MD_EFORBIDDEN otherwise), in
 * one transaction: a new version of each patient (same values, reason naming the other
 * record and why); every current fact of the duplicate (each kind of
 * md_patient_merge_kind) becomes a new version under the survivor, so its history comes
 * along; the duplicate's screenings stay as recorded and are listed with the survivor's
 * (MD_PATIENT_SCOPE); the duplicate loses its search keys and is marked merged into the
 * survivor (a read says "merged_into"; writes under it are refused with MD_ECONFLICT).
 * Records merged into the duplicate earlier follow it.  Audited ("merge") for both
 * patients and each moved fact.  Refused: the same id twice (MD_EUNPROCESSABLE
 * "duplicate_id"), either not in the clinic (MD_ENOTFOUND), either already merged
 * (MD_ECONFLICT), and both holding a current pregnancy/breastfeeding statement
 * (MD_ECONFLICT "status": one record per patient; mark the outdated one entered in error
 * first).  reason is required.  *out is the survivor as md_record_get returns it.
 */
md_code md_patient_merge(md_ctx *ctx, const char *survivor_id, const char *duplicate_id,
                         const char *reason, json_t **out, md_err *err);
/* The fact kinds a merge moves, i = 0, 1, ...; NULL past the end. */
const md_record_kind *md_patient_merge_kind(size_t i);

/* SQL condition on patient_id matching the patient $2 of clinic $1 and every record merged
 * into it, for lists of immutable per-patient rows (screenings). */
#define MD_PATIENT_SCOPE                                                                           \
    "(patient_id = $2 OR patient_id IN (SELECT merged_id FROM patient_merges WHERE "               \
    "clinic_id = $1 AND survivor_id = $2))"

/* Search keys of every current, unmerged patient of every clinic, built afresh (the
 * migration that introduced them runs it once, inside its transaction). */
md_code md_patient_terms_rebuild(md_store *db, md_err *err);

/* Check that a current patient exists in ctx's clinic; MD_ENOTFOUND otherwise, and
 * MD_ECONFLICT (naming "patient_id" and the survivor) for a record merged into another. */
md_code md_patient_exists(md_ctx *ctx, const char *patient_id, md_err *err);

/* Resolve a code of a vocabulary to its canonical form through ctx->kb (synonyms accepted).
 * Without a kb: any lowercase [a-z0-9_] token is accepted as is.  Unknown codes are
 * MD_EUNPROCESSABLE naming the field, with the nearest known codes suggested. */
md_code md_vocab_resolve(const md_ctx *ctx, md_vocab_kind vocab, const char *field, const char *in,
                         const char **canonical, md_err *err);

/* A vocabulary as [{"code","label"}...] (new reference), for forms. */
json_t *md_vocab_json(const md_kb *kb, md_vocab_kind kind);

#endif
