/*
 * validate.c - the one JSON validator (validate.h): request bodies and records
 * (md_json_*), and the documents loaded at start-up, the kb files, clinic rules and
 * screening input (md_json_doc_*, spelled kj_* inside src/kb).
 *
 * One implementation of each check (member fetch, type, NUL characters, range, date,
 * enum, allowed keys) and one way of naming the failing value (md_json_path: members
 * joined by '.', array items as [i], after a file prefix ending in ':'), in two
 * wordings: a request's ("given_name is required", "fitzpatrick must be between 1 and 6")
 * and a document's ("kb/rules.json:rules[3].id: required", "...: expected a string").
 * No allocation; strings returned point into the JSON and live as long as it does.
 */
#include "mesodesk/validate.h"
#include "mesodesk/sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum style { BODY, DOC } style;

void md_json_path(char out[MD_JSON_PATH_MAX], const char *path, const char *key)
{
    size_t n = path ? strlen(path) : 0;
    if (n == 0 || path[n - 1] == ':' || path[n - 1] == '.')
        snprintf(out, MD_JSON_PATH_MAX, "%s%s", n ? path : "", key);
    else
        snprintf(out, MD_JSON_PATH_MAX, "%s.%s", path, key);
}

void md_json_path_index(char out[MD_JSON_PATH_MAX], const char *path, size_t i)
{
    snprintf(out, MD_JSON_PATH_MAX, "%s[%zu]", path, i);
}

/* The path of the object itself: path without a trailing '.'; dflt when empty. */
static void object_path(char out[MD_JSON_PATH_MAX], const char *path, const char *dflt)
{
    size_t n = strlen(path);
    if (n && path[n - 1] == '.') n--;
    if (n)
        snprintf(out, MD_JSON_PATH_MAX, "%.*s", (int)n, path);
    else
        snprintf(out, MD_JSON_PATH_MAX, "%s", dflt);
}

/* What a value must be, in each wording: [BODY] "x must be %s", [DOC] "x: expected %s". */
typedef struct kind_words {
    const char *body, *doc;
} kind_words;
static const kind_words W_STRING = {"a string", "a string"};
static const kind_words W_BOOL = {"true or false", "true or false"};
static const kind_words W_INT = {"a whole number", "an integer"};
static const kind_words W_ARRAY = {"an array", "an array"};

static md_code wrong_type(style st, const char *f, kind_words w, md_err *err)
{
    return st == BODY ? md_err_set(err, MD_EINVAL, f, "%s must be %s", f, w.body)
                      : md_err_set(err, MD_EINVAL, f, "%s: expected %s", f, w.doc);
}

/* Fetch member key of o into *v (NULL when absent or null) and its path into f. */
static md_code member(style st, const json_t *o, const char *key, const char *path, int required,
                      const json_t **v, char f[MD_JSON_PATH_MAX], md_err *err)
{
    md_json_path(f, path, key);
    *v = json_object_get(o, key);
    if (*v && json_is_null(*v)) *v = NULL;
    if (*v || !required) return MD_OK;
    return st == BODY ? md_err_set(err, MD_EINVAL, f, "%s is required", f)
                      : md_err_set(err, MD_EINVAL, f, "%s: required", f);
}

static md_code string_value(style st, const json_t *v, const char *f, const char **out, md_err *err)
{
    if (!json_is_string(v)) return wrong_type(st, f, W_STRING, err);
    if (json_string_length(v) != strlen(json_string_value(v)))
        return st == BODY ? md_err_set(err, MD_EINVAL, f, "%s must not contain NUL characters", f)
                          : md_err_set(err, MD_EINVAL, f, "%s: contains a NUL character", f);
    *out = json_string_value(v);
    return MD_OK;
}

static md_code check_keys(style st, const json_t *obj, const char *path, const char *const *allowed,
                          md_err *err)
{
    char f[MD_JSON_PATH_MAX];
    if (!json_is_object(obj)) {
        object_path(f, path, "body");
        return st == BODY ? md_err_set(err, MD_EINVAL, f, "must be a JSON object")
                          : md_err_set(err, MD_EINVAL, f, "%s: expected an object", f);
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        int ok = 0;
        for (int i = 0; allowed[i] && !ok; i++)
            ok = strcmp(allowed[i], key) == 0;
        if (ok) continue;
        if (!*key) { /* nothing to name but the object holding it */
            object_path(f, path, "body");
            return md_err_set(err, MD_EINVAL, f, "a field name must not be empty");
        }
        md_json_path(f, path, key);
        return st == BODY ? md_err_set(err, MD_EINVAL, f, "unknown field '%s'", key)
                          : md_err_set(err, MD_EINVAL, f, "%s: unknown key", f);
    }
    return MD_OK;
}

static md_code int_member(style st, const json_t *o, const char *key, const char *path,
                          int required, long min, long max, long *out, int *present, md_err *err)
{
    char f[MD_JSON_PATH_MAX];
    const json_t *v;
    if (present) *present = 0;
    md_code rc = member(st, o, key, path, required, &v, f, err);
    if (rc != MD_OK || !v) return rc;
    if (!json_is_integer(v)) return wrong_type(st, f, W_INT, err);
    json_int_t x = json_integer_value(v);
    if (x < min || x > max)
        return st == BODY ? md_err_set(err, MD_EUNPROCESSABLE, f, "%s must be between %ld and %ld",
                                       f, min, max)
                          : md_err_set(err, MD_EUNPROCESSABLE, f, "%s: %lld is outside %ld..%ld", f,
                                       (long long)x, min, max);
    *out = (long)x;
    if (present) *present = 1;
    return MD_OK;
}

static md_code bool_member(style st, const json_t *o, const char *key, const char *path,
                           int required, int *out, int *present, md_err *err)
{
    char f[MD_JSON_PATH_MAX];
    const json_t *v;
    if (present) *present = 0;
    md_code rc = member(st, o, key, path, required, &v, f, err);
    if (rc != MD_OK || !v) return rc;
    if (!json_is_boolean(v)) return wrong_type(st, f, W_BOOL, err);
    *out = json_is_true(v);
    if (present) *present = 1;
    return MD_OK;
}

/* A date string s of field f: -1 not YYYY-MM-DD, -2 not a calendar date. */
static md_code date_value(style st, const char *s, const char *f, md_day *day, md_err *err)
{
    md_day ignored;
    int r = md_date_parse(s, day ? day : &ignored);
    if (r == -1)
        return st == BODY
                   ? md_err_set(err, MD_EINVAL, f, "%s must be a date YYYY-MM-DD", f)
                   : md_err_set(err, MD_EINVAL, f, "%s: '%.20s' is not a date (YYYY-MM-DD)", f, s);
    if (r != 0)
        return st == BODY
                   ? md_err_set(err, MD_EUNPROCESSABLE, f, "%s: %s is not a calendar date", f, s)
                   : md_err_set(err, MD_EUNPROCESSABLE, f, "%s: %.20s is not a real date", f, s);
    return MD_OK;
}

/* ---- request bodies and records ---- */

md_code md_json_check_keys(json_t *obj, const char *const *allowed, const char *prefix, md_err *err)
{
    return check_keys(BODY, obj, prefix, allowed, err);
}

md_code md_json_text(json_t *obj, const char *name, int required, size_t maxlen, const char **out,
                     md_err *err)
{
    char f[MD_JSON_PATH_MAX];
    const json_t *v;
    const char *s = NULL;
    md_code rc = member(BODY, obj, name, "", required, &v, f, err);
    if (rc != MD_OK) return rc;
    if (!v) {
        *out = NULL;
        return MD_OK;
    }
    if ((rc = string_value(BODY, v, f, &s, err)) != MD_OK) return rc;
    size_t n = json_string_length(v), start = 0;
    while (start < n && (s[start] == ' ' || s[start] == '\t'))
        start++;
    if (required && start == n) return md_err_set(err, MD_EINVAL, f, "%s must not be empty", f);
    if (n > maxlen)
        return md_err_set(err, MD_EINVAL, f, "%s is longer than %zu characters", f, maxlen);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20)
            return md_err_set(err, MD_EINVAL, f, "%s must not contain control characters", f);
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
    md_code rc = md_json_text(obj, name, required, MD_JSON_ENUM_VALUE_MAX, out, err);
    if (rc != MD_OK || !*out) return rc;
    for (int i = 0; values[i]; i++)
        if (strcmp(values[i], *out) == 0) return MD_OK;
    char list[MD_JSON_ENUM_LIST_MAX + 1];
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
    return date_value(BODY, *out, name, day, err);
}

md_code md_json_int(json_t *obj, const char *name, int required, long min, long max, long *out,
                    int *present, md_err *err)
{
    return int_member(BODY, obj, name, "", required, min, max, out, present, err);
}

/* A decimal of up to three places, from a JSON number or a string such as "1.25", as an
 * exact count of thousandths: the text of a string is read digit by digit; a real is
 * accepted when it is within 1e-6 of a thousandth (what a client's 0.1 + 0.2 gives). */
static int milli_text(const char *s, int64_t *out)
{
    int64_t whole = 0, frac = 0;
    int places = 0, digits = 0, neg = 0;
    if (*s == '-') neg = 1, s++;
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        if (whole > INT64_MAX / 100000) return -1; /* whole * 1000 stays in range */
        whole = whole * 10 + (*s - '0');
    }
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++, places++) {
            if (places >= 3) return -1;
            frac = frac * 10 + (*s - '0');
        }
    if (*s || (!digits && !places)) return -1;
    for (; places < 3; places++)
        frac *= 10;
    *out = (whole * 1000 + frac) * (neg ? -1 : 1);
    return 0;
}

md_code md_json_milli(json_t *obj, const char *name, int required, long min, long max, int64_t *out,
                      int *present, md_err *err)
{
    char f[MD_JSON_PATH_MAX];
    const json_t *v;
    int64_t m = 0;
    if (present) *present = 0;
    md_code rc = member(BODY, obj, name, "", required, &v, f, err);
    if (rc != MD_OK || !v) return rc;
    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        if (x > INT64_MAX / 1000 || x < -(INT64_MAX / 1000))
            m = x > 0 ? INT64_MAX : INT64_MIN;
        else
            m = (int64_t)x * 1000;
    } else if (json_is_real(v)) {
        double x = json_real_value(v) * 1000.0;
        if (!(x < 9e15 && x > -9e15)) { /* out of range: refused below, never cast */
            m = x > 0 ? INT64_MAX : INT64_MIN;
        } else {
            double r = x < 0 ? -(double)(int64_t)(-x + 0.5) : (double)(int64_t)(x + 0.5);
            if (x - r > 1e-6 || r - x > 1e-6)
                return md_err_set(err, MD_EUNPROCESSABLE, f, "%s takes at most 3 decimal places",
                                  f);
            m = (int64_t)r;
        }
    } else if (!json_is_string(v) || milli_text(json_string_value(v), &m) != 0) {
        return md_err_set(err, MD_EINVAL, f, "%s must be a number with at most 3 decimal places",
                          f);
    }
    if (m < min || m > max)
        return md_err_set(err, MD_EUNPROCESSABLE, f, "%s must be between %ld.%03ld and %ld.%03ld",
                          f, min / 1000, labs(min % 1000), max / 1000, labs(max % 1000));
    *out = m;
    if (present) *present = 1;
    return MD_OK;
}

md_code md_json_bool(json_t *obj, const char *name, int required, int *out, int *present,
                     md_err *err)
{
    return bool_member(BODY, obj, name, "", required, out, present, err);
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

/* ---- documents (the kb, clinic rules, screening input) ---- */

md_code md_json_doc_object(const json_t *v, const char *path, const char *const *allowed,
                           md_err *err)
{
    return check_keys(DOC, v, path, allowed, err);
}

md_code md_json_doc_string(const json_t *o, const char *key, const char *path, int required,
                           const char **out, md_err *err)
{
    char f[MD_JSON_PATH_MAX];
    const json_t *v;
    md_code rc = member(DOC, o, key, path, required, &v, f, err);
    if (rc != MD_OK || !v) return rc;
    return string_value(DOC, v, f, out, err);
}

md_code md_json_doc_string_copy(md_arena *a, const json_t *o, const char *key, const char *path,
                                int required, const char **out, md_err *err)
{
    const char *s = NULL;
    md_code rc = md_json_doc_string(o, key, path, required, &s, err);
    if (rc != MD_OK || !s) return rc;
    if (!(*out = md_arena_strdup(a, s))) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    return MD_OK;
}

md_code md_json_doc_enum(const char *s, const char *field, const char *const *values, md_err *err)
{
    for (const char *const *v = values; *v; v++)
        if (strcmp(*v, s) == 0) return MD_OK;
    return md_err_set(err, MD_EINVAL, field, "%s: unknown value '%.40s'", field, s);
}

md_code md_json_doc_bool(const json_t *o, const char *key, const char *path, int required, int *out,
                         int *present, md_err *err)
{
    return bool_member(DOC, o, key, path, required, out, present, err);
}

md_code md_json_doc_int(const json_t *o, const char *key, const char *path, int required, long min,
                        long max, long *out, int *present, md_err *err)
{
    return int_member(DOC, o, key, path, required, min, max, out, present, err);
}

md_code md_json_doc_array(const json_t *o, const char *key, const char *path, int required,
                          size_t max, const json_t **out, md_err *err)
{
    char f[MD_JSON_PATH_MAX];
    const json_t *v;
    md_code rc = member(DOC, o, key, path, required, &v, f, err);
    if (rc != MD_OK || !v) return rc;
    if (!json_is_array(v)) return wrong_type(DOC, f, W_ARRAY, err);
    if (json_array_size(v) > max)
        return md_err_set(err, MD_ETOOBIG, f, "%s: more than %zu items", f, max);
    *out = v;
    return MD_OK;
}

md_code md_json_doc_date(const json_t *o, const char *key, const char *path, int required,
                         md_day *out, int *present, md_err *err)
{
    const char *s = NULL;
    char f[MD_JSON_PATH_MAX];
    if (present) *present = 0;
    md_code rc = md_json_doc_string(o, key, path, required, &s, err);
    if (rc != MD_OK || !s) return rc;
    md_json_path(f, path, key);
    if ((rc = date_value(DOC, s, f, out, err)) != MD_OK) return rc;
    if (present) *present = 1;
    return MD_OK;
}

md_code md_json_array_sort(json_t *arr, int (*cmp)(const void *, const void *), md_err *err)
{
    size_t n = json_array_size(arr);
    if (n < 2) return MD_OK;
    json_t **v = malloc(n * sizeof *v);
    if (!v) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(arr, i));
    qsort(v, n, sizeof *v, cmp);
    json_array_clear(arr);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, v[i]);
    free(v);
    return MD_OK;
}
