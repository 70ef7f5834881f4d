/*
 * validate.h - typed access to JSON input, with errors that name the field.
 *
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

#include "mesodesk/error.h"
#include "mesodesk/util.h"

#include <jansson.h>

/* Every key of obj must be in allowed (NULL-terminated); else MD_EINVAL naming it. */
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

/* Parse a request body; MD_EJSON with "line L, column C: ..." on failure. */
md_code md_json_parse(const char *text, size_t len, json_t **out, md_err *err);

#endif
