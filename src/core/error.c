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
