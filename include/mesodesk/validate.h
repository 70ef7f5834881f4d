/*
 * validate.h - the one JSON validator: typed access to JSON, with errors that name
 * the failing value by its path.  Used by the records (request bodies) and by the kb
 * loader, clinic rules and screening input (documents, md_json_doc_*; kj_* in src/kb).
 *
 * Paths (md_json_path): members joined by '.', array items as [i], after a prefix that
 * ends in ':' (a file) or '.' taken as is: "plan.areas[2]", "patient.conditions[0].code",
 * "kb/rules.json:rules[3].id", "reason".  Every error's field is such a path.
 *
 * Request bodies (md_json_*):
 * Each getter reads key `name` of object `obj`.  When the key is absent or
 * null: with required=1 it is an MD_EINVAL "is required"; otherwise *out is
 * set to NULL / left unchanged and MD_OK returned.  A wrong type is
 * MD_EINVAL; a well-typed but impossible value (2026-02-30, a Fitzpatrick of
 * 9) is MD_EUNPROCESSABLE.  The field in the error is prefix + name (prefix
 * such as "patient." or "").  Returned strings point into obj and live as long
 * as it does.
 */
#ifndef MESODESK_VALIDATE_H
#define MESODESK_VALIDATE_H

#include "mesodesk/arena.h"
#include "mesodesk/error.h"
#include "mesodesk/util.h"

#include <jansson.h>

#define MD_JSON_PATH_MAX MD_ERR_FIELD_MAX
#define MD_JSON_ENUM_VALUE_MAX 64 /* md_json_enum reads at most this */
#define MD_JSON_ENUM_LIST_MAX 255 /* an enum's values joined by ", " in its error message */
/* json_dumps flag for every JSON Mesodesk prints: 15 significant digits, so a volume of 0.2
 * (MD_F_MILLI) prints as 0.2, not 0.20000000000000001. */
#define MD_JSON_NUMBERS JSON_REAL_PRECISION(15)

/* Sort the members of a JSON array in place with qsort's cmp, which compares two
 * `json_t *const *`.  MD_ENOMEM (arr unchanged) when the work array cannot be had. */
md_code md_json_array_sort(json_t *arr, int (*cmp)(const void *, const void *), md_err *err);

/* path + key ("a" + "b" -> "a.b"; "" + "b" -> "b"; "f.json:" + "b" -> "f.json:b"), cut to
 * MD_JSON_PATH_MAX - 1 bytes; path + "[i]". */
void md_json_path(char out[MD_JSON_PATH_MAX], const char *path, const char *key);
void md_json_path_index(char out[MD_JSON_PATH_MAX], const char *path, size_t i);

/* Every key of obj must be in allowed (NULL-terminated); else MD_EINVAL naming its path
 * (prefix: the object's path, "" for the body; an empty key names the object). */
md_code md_json_check_keys(json_t *obj, const char *const *allowed, const char *prefix,
                           md_err *err);
md_code md_json_text(json_t *obj, const char *name, int required, size_t maxlen, const char **out,
                     md_err *err);
md_code md_json_email(json_t *obj, const char *name, int required, const char **out, md_err *err);
md_code md_json_enum(json_t *obj, const char *name, int required, const char *const *values,
                     const char **out, md_err *err);
/* A civil date "YYYY-MM-DD"; *day (optional) receives it. */
md_code md_json_date(json_t *obj, const char *name, int required, const char **out, md_day *day,
                     md_err *err);
/* *present is 0 when absent/null (and not required). */
md_code md_json_int(json_t *obj, const char *name, int required, long min, long max, long *out,
                    int *present, md_err *err);
md_code md_json_bool(json_t *obj, const char *name, int required, int *out, int *present,
                     md_err *err);
/* A decimal with at most 3 places (a JSON number, or a string "1.25") as exact thousandths
 * in [min, max] (thousandths): "volume_ml": 1.5 -> 1500.  More places is MD_EUNPROCESSABLE,
 * another type MD_EINVAL. */
md_code md_json_milli(json_t *obj, const char *name, int required, long min, long max, int64_t *out,
                      int *present, md_err *err);

/* Parse a request body; MD_EJSON with "line L, column C: ..." on failure. */
md_code md_json_parse(const char *text, size_t len, json_t **out, md_err *err);

/*
 * Documents loaded or compiled (kb files, clinic rules, screening input): member key of
 * object o at path.  Absent (or null) and not required: *out untouched, *present = 0.
 * The message repeats the path ("kb/rules.json:rules[3].id: required"); wrong type or
 * missing -> MD_EINVAL, out of range or an impossible date -> MD_EUNPROCESSABLE, an array
 * over max items -> MD_ETOOBIG.
 */
md_code md_json_doc_object(const json_t *v, const char *path, const char *const *allowed,
                           md_err *err);
md_code md_json_doc_string(const json_t *o, const char *key, const char *path, int required,
                           const char **out, md_err *err);
/* md_json_doc_string, copying the value into a (documents do not outlive parsing). */
md_code md_json_doc_string_copy(md_arena *a, const json_t *o, const char *key, const char *path,
                                int required, const char **out, md_err *err);
/* s must be one of values (NULL-terminated); MD_EINVAL naming field otherwise. */
md_code md_json_doc_enum(const char *s, const char *field, const char *const *values, md_err *err);
md_code md_json_doc_bool(const json_t *o, const char *key, const char *path, int required, int *out,
                         int *present, md_err *err);
md_code md_json_doc_int(const json_t *o, const char *key, const char *path, int required, long min,
                        long max, long *out, int *present, md_err *err);
md_code md_json_doc_array(const json_t *o, const char *key, const char *path, int required,
                          size_t max, const json_t **out, md_err *err);
md_code md_json_doc_date(const json_t *o, const char *key, const char *path, int required,
                         md_day *out, int *present, md_err *err);

#endif
