#include "mesodesk/error.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int http;
    int exit_status;
} code_table[MD_CODE_COUNT] = {
    [MD_OK] = {"ok", 200, 0},
    [MD_EINVAL] = {"invalid", 400, 2},
    [MD_EJSON] = {"invalid_json", 400, 2},
    [MD_EUNPROCESSABLE] = {"unprocessable", 422, 2},
    [MD_ENOTFOUND] = {"not_found", 404, 1},
    [MD_EMETHOD] = {"method_not_allowed", 405, 2},
    [MD_ECONFLICT] = {"conflict", 409, 1},
    [MD_EUNAUTH] = {"unauthorized", 401, 1},
    [MD_EFORBIDDEN] = {"forbidden", 403, 1},
    [MD_ETOOBIG] = {"payload_too_large", 413, 2},
    [MD_EIO] = {"io_error", 500, 1},
    [MD_ENOMEM] = {"out_of_memory", 500, 1},
    [MD_EINTERNAL] = {"internal", 500, 1},
    [MD_EUNAVAILABLE] = {"unavailable", 503, 1},
    [MD_ELIMIT] = {"rate_limited", 429, 1},
};

md_code md_err_vset(md_err *e, md_code code, const char *field, const char *fmt, va_list ap)
{
    if (!e) return code;
    e->code = code;
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    e->nfields = 0;
    e->nfields_dropped = 0;
    return code;
}

md_code md_err_set(md_err *e, md_code code, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    md_err_vset(e, code, field, fmt, ap);
    va_end(ap);
    return code;
}

void md_err_clear(md_err *e)
{
    if (!e) return;
    e->code = MD_OK;
    e->field[0] = '\0';
    e->message[0] = '\0';
    e->nfields = 0;
    e->nfields_dropped = 0;
}

int md_err_is_field(const md_err *one)
{
    return one && (one->code == MD_EINVAL || one->code == MD_EUNPROCESSABLE) && one->field[0];
}

/* Append one field error to e's list, unless its field is listed already. */
static void collect_one(md_err *e, md_code code, const char *field, const char *message)
{
    for (int i = 0; i < e->nfields; i++)
        if (strcmp(e->fields[i].field, field) == 0) return;
    if (e->code == MD_OK) {
        e->code = code;
        snprintf(e->field, sizeof e->field, "%s", field);
        snprintf(e->message, sizeof e->message, "%s", message);
    }
    if (e->nfields >= MD_ERR_FIELDS_MAX) {
        e->nfields_dropped++;
        return;
    }
    md_field_err *f = &e->fields[e->nfields++];
    f->code = code;
    snprintf(f->field, sizeof f->field, "%s", field);
    snprintf(f->message, sizeof f->message, "%s", message);
}

md_code md_err_collect(md_err *e, const md_err *one)
{
    if (!one || one->code == MD_OK) return e ? e->code : MD_OK;
    if (!e) return one->code;
    if (!md_err_is_field(one)) {
        *e = *one; /* not a field error: it stands alone */
        return e->code;
    }
    if (e->code != MD_OK && !md_err_is_field(e)) return e->code; /* a graver error stands */
    if (e->code != MD_OK && e->nfields == 0) {
        /* A single error set with md_err_set(): it becomes the first entry of the list. */
        md_err first = *e;
        md_err_clear(e);
        collect_one(e, first.code, first.field, first.message);
    }
    if (one->nfields == 0) {
        collect_one(e, one->code, one->field, one->message);
    } else {
        for (int i = 0; i < one->nfields; i++)
            collect_one(e, one->fields[i].code, one->fields[i].field, one->fields[i].message);
        e->nfields_dropped += one->nfields_dropped;
    }
    return e->code;
}

const char *md_code_name(md_code code)
{
    if ((unsigned)code >= MD_CODE_COUNT) return "internal";
    return code_table[code].name;
}

int md_code_http_status(md_code code)
{
    if ((unsigned)code >= MD_CODE_COUNT) return 500;
    return code_table[code].http;
}

int md_code_exit_status(md_code code)
{
    if ((unsigned)code >= MD_CODE_COUNT) return 1;
    return code_table[code].exit_status;
}
