/*
 * error.h - the one error type of Mesodesk.
 *
 * Every library function that can fail returns an md_code (0 = MD_OK) and,
 * when given a non-NULL md_err *, fills it with a human message and, where the
 * failure concerns one input value, the name of that field (dotted path, e.g.
 * "patient.birth_date").  Library code never prints and never exits: the
 * caller decides how to show the error (HTTP status + JSON, CLI exit code).
 *
 * The struct owns its strings (fixed-size, truncated), so it can live on the
 * stack and be copied freely.
 *
 * All field errors at once: a validator that checks several fields adds each
 * failure with md_err_collect().  The first one added stays in code, field and
 * message (exactly as a single error would read); every one, the first
 * included, is also listed in fields[0..nfields-1], one per field, at most
 * MD_ERR_FIELDS_MAX (the rest are counted in nfields_dropped).  md_err_set()
 * and md_err_clear() replace the whole error, list included.
 */
#ifndef MESODESK_ERROR_H
#define MESODESK_ERROR_H

#include <stdarg.h>

typedef enum md_code {
    MD_OK = 0,
    MD_EINVAL,         /* malformed or wrong-typed input; HTTP 400, exit 2 */
    MD_EJSON,          /* unparseable JSON; HTTP 400, exit 2 */
    MD_EUNPROCESSABLE, /* well-formed but impossible value (2026-02-30); HTTP 422, exit 2 */
    MD_ENOTFOUND,      /* no such object (or not in the caller's clinic); HTTP 404 */
    MD_EMETHOD,        /* route exists, method does not; HTTP 405 */
    MD_ECONFLICT,      /* unique constraint, stale version; HTTP 409 */
    MD_EUNAUTH,        /* no or bad credentials; HTTP 401 */
    MD_EFORBIDDEN,     /* authenticated but the role may not; HTTP 403 */
    MD_ETOOBIG,        /* body or value over its cap; HTTP 413 */
    MD_EIO,            /* storage or system failure; HTTP 500, exit 1 */
    MD_ENOMEM,         /* allocation failed or arena cap reached; HTTP 500, exit 1 */
    MD_EINTERNAL,      /* a bug; HTTP 500, exit 1 */
    MD_EUNAVAILABLE,   /* shutting down / overloaded; HTTP 503, exit 1 */
    MD_ELIMIT,         /* too many attempts (sign-in throttle); HTTP 429, exit 1 */
    MD_CODE_COUNT
} md_code;

#define MD_ERR_FIELD_MAX 96
#define MD_ERR_MESSAGE_MAX 384

#define MD_ERR_FIELDS_MAX 12

typedef struct md_field_err {
    md_code code;
    char field[MD_ERR_FIELD_MAX];
    char message[MD_ERR_MESSAGE_MAX];
} md_field_err;

typedef struct md_err {
    md_code code;
    char field[MD_ERR_FIELD_MAX];     /* "" when the error is not about one field */
    char message[MD_ERR_MESSAGE_MAX]; /* "" when code == MD_OK */
    int nfields;                      /* entries in fields[]: 0 unless collected */
    int nfields_dropped;              /* field errors beyond MD_ERR_FIELDS_MAX */
    md_field_err fields[MD_ERR_FIELDS_MAX];
} md_err;

/* Fill *e (if non-NULL) and return code.  field may be NULL. */
md_code md_err_set(md_err *e, md_code code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
md_code md_err_vset(md_err *e, md_code code, const char *field, const char *fmt, va_list ap);
void md_err_clear(md_err *e);

/* Is one a field error that a form can show beside others (400 or 422 naming a
 * field)?  Anything else (403, 500, ...) ends validation on its own. */
int md_err_is_field(const md_err *one);
/* Add the field error(s) in *one to *e (see above): one's own error, or every
 * entry of its list when it has one.  A field already listed in *e keeps its
 * first error.  If *one is not a field error it replaces *e entirely.  e may
 * be NULL.  Returns e's code after the addition (one's code when e is NULL). */
md_code md_err_collect(md_err *e, const md_err *one);

/* Stable machine-readable name ("invalid", "not_found", ...), used as the API's error.code. */
const char *md_code_name(md_code code);
/* HTTP status for a code (400, 404, ...). */
int md_code_http_status(md_code code);
/* CLI exit status for a code: 0 ok, 2 bad usage or input, 1 anything else. */
int md_code_exit_status(md_code code);

#endif
