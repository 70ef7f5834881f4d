/*
 * kb_json.c - checked access to JSON members, shared by the kb loader, the
 * clinic rule parser and the screening input parser.
 *
 * Contract: every failure fills md_err with the dotted path of the offending
 * value as the field and repeats it in the message.  Wrong type or missing
 * member -> MD_EINVAL; a well-formed value out of range or an impossible date
 * -> MD_EUNPROCESSABLE.  No allocation.
 */
#include <stdio.h>
#include <string.h>

#include "kb/kb_int.h"

void kj_key(char out[KB_PATH_MAX], const char *path, const char *key)
{
    size_t n = strlen(path);
    if (n == 0 || path[n - 1] == ':')
        snprintf(out, KB_PATH_MAX, "%s%s", path, key);
    else
        snprintf(out, KB_PATH_MAX, "%s.%s", path, key);
}

void kj_index(char out[KB_PATH_MAX], const char *path, size_t i)
{
    snprintf(out, KB_PATH_MAX, "%s[%zu]", path, i);
}

md_code kj_object(const json_t *v, const char *path, const char *const *allowed, md_err *err)
{
    if (!json_is_object(v))
        return md_err_set(err, MD_EINVAL, path, "%s: expected an object", path);
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)v, key, val) {
        int ok = 0;
        for (const char *const *k = allowed; *k; k++) {
            if (strcmp(*k, key) == 0) {
                ok = 1;
                break;
            }
        }
        if (!ok) {
            char f[KB_PATH_MAX];
            kj_key(f, path, key);
            return md_err_set(err, MD_EINVAL, f, "%s: unknown key", f);
        }
    }
    return MD_OK;
}

/* Fetch a member; MD_EINVAL when required and absent (or null). */
static md_code member(const json_t *o, const char *key, const char *path, int required,
                      const json_t **out, char f[KB_PATH_MAX], md_err *err)
{
    kj_key(f, path, key);
    *out = json_object_get(o, key);
    if (*out && json_is_null(*out)) *out = NULL;
    if (!*out && required) return md_err_set(err, MD_EINVAL, f, "%s: required", f);
    return MD_OK;
}

md_code kj_string(const json_t *o, const char *key, const char *path, int required,
                  const char **out, md_err *err)
{
    char f[KB_PATH_MAX];
    const json_t *v;
    md_code rc = member(o, key, path, required, &v, f, err);
    if (rc || !v) return rc;
    if (!json_is_string(v)) return md_err_set(err, MD_EINVAL, f, "%s: expected a string", f);
    if (json_string_length(v) != strlen(json_string_value(v)))
        return md_err_set(err, MD_EINVAL, f, "%s: contains a NUL character", f);
    *out = json_string_value(v);
    return MD_OK;
}

md_code kj_string_copy(md_arena *a, const json_t *o, const char *key, const char *path,
                       int required, const char **out, md_err *err)
{
    const char *s = NULL;
    md_code rc = kj_string(o, key, path, required, &s, err);
    if (rc || !s) return rc;
    if (!(*out = md_arena_strdup(a, s))) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    return MD_OK;
}

md_code kj_enum(const char *s, const char *field, const char *const *values, md_err *err)
{
    for (const char *const *v = values; *v; v++)
        if (strcmp(*v, s) == 0) return MD_OK;
    return md_err_set(err, MD_EINVAL, field, "%s: unknown value '%.40s'", field, s);
}

md_code kj_bool(const json_t *o, const char *key, const char *path, int required, int *out,
                int *present, md_err *err)
{
    char f[KB_PATH_MAX];
    const json_t *v;
    if (present) *present = 0;
    md_code rc = member(o, key, path, required, &v, f, err);
    if (rc || !v) return rc;
    if (!json_is_boolean(v)) return md_err_set(err, MD_EINVAL, f, "%s: expected true or false", f);
    *out = json_is_true(v);
    if (present) *present = 1;
    return MD_OK;
}

md_code kj_int(const json_t *o, const char *key, const char *path, int required, long min,
               long max, long *out, int *present, md_err *err)
{
    char f[KB_PATH_MAX];
    const json_t *v;
    if (present) *present = 0;
    md_code rc = member(o, key, path, required, &v, f, err);
    if (rc || !v) return rc;
    if (!json_is_integer(v)) return md_err_set(err, MD_EINVAL, f, "%s: expected an integer", f);
    json_int_t x = json_integer_value(v);
    if (x < min || x > max)
        return md_err_set(err, MD_EUNPROCESSABLE, f, "%s: %lld is outside %ld..%ld", f,
                          (long long)x, min, max);
    *out = (long)x;
    if (present) *present = 1;
    return MD_OK;
}

md_code kj_array(const json_t *o, const char *key, const char *path, int required,
                 size_t max, const json_t **out, md_err *err)
{
    char f[KB_PATH_MAX];
    const json_t *v;
    md_code rc = member(o, key, path, required, &v, f, err);
    if (rc || !v) return rc;
    if (!json_is_array(v)) return md_err_set(err, MD_EINVAL, f, "%s: expected an array", f);
    if (json_array_size(v) > max)
        return md_err_set(err, MD_ETOOBIG, f, "%s: more than %zu items", f, max);
    *out = v;
    return MD_OK;
}

md_code kj_date(const json_t *o, const char *key, const char *path, int required, md_day *out,
                int *present, md_err *err)
{
    const char *s = NULL;
    char f[KB_PATH_MAX];
    if (present) *present = 0;
    md_code rc = kj_string(o, key, path, required, &s, err);
    if (rc || !s) return rc;
    kj_key(f, path, key);
    int r = md_date_parse(s, out);
    if (r == -1) return md_err_set(err, MD_EINVAL, f, "%s: '%.20s' is not a date (YYYY-MM-DD)", f, s);
    if (r != 0) return md_err_set(err, MD_EUNPROCESSABLE, f, "%s: %.20s is not a real date", f, s);
    if (present) *present = 1;
    return MD_OK;
}
