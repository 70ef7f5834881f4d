#include "mesodesk/validate.h"
#include "mesodesk/sbuf.h"

#include <stdio.h>
#include <string.h>

static md_code missing(md_err *err, const char *name)
{
    return md_err_set(err, MD_EINVAL, name, "%s is required", name);
}

md_code md_json_check_keys(json_t *obj, const char *const *allowed, const char *prefix,
                           md_err *err)
{
    if (!json_is_object(obj))
        return md_err_set(err, MD_EINVAL, *prefix ? prefix : "body", "must be a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        int ok = 0;
        for (int i = 0; allowed[i]; i++)
            if (strcmp(allowed[i], key) == 0) ok = 1;
        if (!ok && !*key) {
            /* Nothing to name but the object holding it (prefix ends with '.'). */
            char field[MD_ERR_FIELD_MAX];
            size_t n = strlen(prefix);
            snprintf(field, sizeof field, "%.*s", (int)(n ? n - 1 : 0), prefix);
            return md_err_set(err, MD_EINVAL, *field ? field : "body",
                              "a field name must not be empty");
        }
        if (!ok) {
            char field[MD_ERR_FIELD_MAX];
            snprintf(field, sizeof field, "%s%s", prefix, key);
            return md_err_set(err, MD_EINVAL, field, "unknown field '%s'", key);
        }
    }
    return MD_OK;
}

md_code md_json_text(json_t *obj, const char *name, int required, size_t maxlen, const char **out,
                     md_err *err)
{
    json_t *v = json_object_get(obj, name);
    if (!v || json_is_null(v)) {
        if (required) return missing(err, name);
        *out = NULL;
        return MD_OK;
    }
    if (!json_is_string(v)) return md_err_set(err, MD_EINVAL, name, "%s must be a string", name);
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (strlen(s) != n)
        return md_err_set(err, MD_EINVAL, name, "%s must not contain NUL characters", name);
    size_t start = 0;
    while (start < n && (s[start] == ' ' || s[start] == '\t')) start++;
    if (required && start == n) return md_err_set(err, MD_EINVAL, name, "%s must not be empty", name);
    if (n > maxlen)
        return md_err_set(err, MD_EINVAL, name, "%s is longer than %zu characters", name, maxlen);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20)
            return md_err_set(err, MD_EINVAL, name, "%s must not contain control characters",
                              name);
    *out = s;
    return MD_OK;
}

md_code md_json_email(json_t *obj, const char *name, int required, const char **out, md_err *err)
{
    md_code rc = md_json_text(obj, name, required, 254, out, err);
    if (rc != MD_OK || !*out) return rc;
    const char *at = strchr(*out, '@');
    if (!at || at == *out || !strchr(at, '.') || strchr(*out, ' ') || strchr(at + 1, '@') ||
        at[strlen(at) - 1] == '.')
        return md_err_set(err, MD_EUNPROCESSABLE, name, "%s is not an email address", name);
    return MD_OK;
}

md_code md_json_enum(json_t *obj, const char *name, int required, const char *const *values,
                     const char **out, md_err *err)
{
    md_code rc = md_json_text(obj, name, required, 64, out, err);
    if (rc != MD_OK || !*out) return rc;
    for (int i = 0; values[i]; i++)
        if (strcmp(values[i], *out) == 0) return MD_OK;
    char list[256];
    md_sbuf b;
    md_sbuf_init(&b, list, sizeof list);
    for (int i = 0; values[i]; i++)
        md_sbuf_appendf(&b, "%s%s", i ? ", " : "", values[i]); /* a long list is cut short */
    return md_err_set(err, MD_EUNPROCESSABLE, name, "%s must be one of: %s", name, list);
}

md_code md_json_date(json_t *obj, const char *name, int required, const char **out, md_day *day,
                     md_err *err)
{
    md_code rc = md_json_text(obj, name, required, 10, out, err);
    if (rc == MD_EINVAL && json_is_string(json_object_get(obj, name)))
        return md_err_set(err, MD_EINVAL, name, "%s must be a date YYYY-MM-DD", name);
    if (rc != MD_OK || !*out) return rc;
    int p = md_date_parse(*out, day);
    if (p == -1) return md_err_set(err, MD_EINVAL, name, "%s must be a date YYYY-MM-DD", name);
    if (p == -2)
        return md_err_set(err, MD_EUNPROCESSABLE, name, "%s: %s is not a calendar date", name,
                          *out);
    return MD_OK;
}

md_code md_json_int(json_t *obj, const char *name, int required, long min, long max, long *out,
                    int *present, md_err *err)
{
    json_t *v = json_object_get(obj, name);
    if (present) *present = 0;
    if (!v || json_is_null(v)) return required ? missing(err, name) : MD_OK;
    if (!json_is_integer(v))
        return md_err_set(err, MD_EINVAL, name, "%s must be a whole number", name);
    json_int_t i = json_integer_value(v);
    if (i < min || i > max)
        return md_err_set(err, MD_EUNPROCESSABLE, name, "%s must be between %ld and %ld", name,
                          min, max);
    *out = (long)i;
    if (present) *present = 1;
    return MD_OK;
}

md_code md_json_bool(json_t *obj, const char *name, int required, int *out, int *present,
                     md_err *err)
{
    json_t *v = json_object_get(obj, name);
    if (present) *present = 0;
    if (!v || json_is_null(v)) return required ? missing(err, name) : MD_OK;
    if (!json_is_boolean(v)) return md_err_set(err, MD_EINVAL, name, "%s must be true or false", name);
    *out = json_is_true(v);
    if (present) *present = 1;
    return MD_OK;
}

md_code md_json_parse(const char *text, size_t len, json_t **out, md_err *err)
{
    json_error_t je;
    if (len == 0) return md_err_set(err, MD_EJSON, "body", "the request body is empty");
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return md_err_set(err, MD_EJSON, "body", "invalid JSON at line %d, column %d (byte %d): %s",
                          je.line, je.column, je.position, je.text);
    *out = j;
    return MD_OK;
}
