/*
 * kb_credentials.c - kb/credentials.json: the credential types a staff member may hold
 * (whether a type needs an expiry date, whether it authorises treatments), the scopes a
 * credential covers ("injectables"), and the default window of the expiring-licence
 * worklist.  Loaded and checked with the rest of the kb (kb_load.c calls
 * kb_credentials_parse); read through credential.h (md_kb_credential_type, ...).
 *
 * Checks, reported as "kb/credentials.json:<path>" like every kb error: known keys only;
 * every entry with sources from sources.json; codes [a-z0-9_], 1 to 32 characters, unique
 * in their list; at least one type that authorises treatments and one scope; the window
 * default 1..max, max 1..3650.
 * State: everything lives in the kb's arena; nothing is kept of the parsed document.
 */
#include <string.h>

#include "kb/kb_int.h"
#include "mesodesk/credential.h"

#define KB_CRED_MAX 32

struct kb_credentials {
    md_cred_type types[KB_CRED_MAX];
    size_t n_types;
    md_cred_scope scopes[KB_CRED_MAX];
    size_t n_scopes;
    long window_default, window_max;
};

static int code_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 32) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

/* The code of entry j at ep: present, well formed and not among the n codes before it. */
static md_code entry_code(md_kb *kb, const json_t *j, const char *ep, const char *const *seen,
                          size_t stride, size_t n, const char **out, md_err *err)
{
    char f[KB_PATH_MAX];
    md_code rc = kj_string_copy(kb->arena, j, "code", ep, 1, out, err);
    if (rc) return rc;
    kj_key(f, ep, "code");
    if (!code_ok(*out))
        return md_err_set(err, MD_EINVAL, f, "%s: a code is [a-z0-9_], 1 to 32 characters", f);
    for (size_t i = 0; i < n; i++) {
        const char *other = *(const char *const *)((const char *)seen + i * stride);
        if (strcmp(other, *out) == 0)
            return md_err_set(err, MD_EINVAL, f, "%s: duplicate code '%s'", f, *out);
    }
    return MD_OK;
}

static md_code parse_types(md_kb *kb, struct kb_credentials *kc, const json_t *doc, const char *fp,
                           md_err *err)
{
    static const char *const keys[] = {"code",    "label", "requires_expiry", "authorises", "note",
                                       "sources", NULL};
    const json_t *arr;
    char sp[KB_PATH_MAX], ep[KB_PATH_MAX];
    int authorising = 0;
    md_code rc = kj_array(doc, "types", fp, 1, KB_CRED_MAX, &arr, err);
    if (rc) return rc;
    kj_key(sp, fp, "types");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *j = json_array_get(arr, i);
        md_cred_type *t = &kc->types[i];
        const char **src = NULL;
        size_t n_src = 0;
        kj_index(ep, sp, i);
        if ((rc = kj_object(j, ep, keys, err)) ||
            (rc = entry_code(kb, j, ep, &kc->types[0].code, sizeof *t, i, &t->code, err)) ||
            (rc = kj_string_copy(kb->arena, j, "label", ep, 1, &t->label, err)) ||
            (rc = kj_bool(j, "requires_expiry", ep, 1, &t->requires_expiry, NULL, err)) ||
            (rc = kj_bool(j, "authorises", ep, 1, &t->authorises, NULL, err)) ||
            (rc = kb_sources_parse(kb, kb->arena, j, ep, 0, &src, &n_src, err)))
            return rc;
        authorising |= t->authorises;
        kc->n_types = i + 1;
    }
    if (!authorising)
        return md_err_set(err, MD_EINVAL, sp, "%s: at least one type authorises treatments", sp);
    return MD_OK;
}

static md_code parse_scopes(md_kb *kb, struct kb_credentials *kc, const json_t *doc, const char *fp,
                            md_err *err)
{
    static const char *const keys[] = {"code", "label", "sources", NULL};
    const json_t *arr;
    char sp[KB_PATH_MAX], ep[KB_PATH_MAX];
    md_code rc = kj_array(doc, "scopes", fp, 1, KB_CRED_MAX, &arr, err);
    if (rc) return rc;
    kj_key(sp, fp, "scopes");
    if (json_array_size(arr) == 0)
        return md_err_set(err, MD_EINVAL, sp, "%s: at least one scope", sp);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *j = json_array_get(arr, i);
        md_cred_scope *s = &kc->scopes[i];
        const char **src = NULL;
        size_t n_src = 0;
        kj_index(ep, sp, i);
        if ((rc = kj_object(j, ep, keys, err)) ||
            (rc = entry_code(kb, j, ep, &kc->scopes[0].code, sizeof *s, i, &s->code, err)) ||
            (rc = kj_string_copy(kb->arena, j, "label", ep, 1, &s->label, err)) ||
            (rc = kb_sources_parse(kb, kb->arena, j, ep, 0, &src, &n_src, err)))
            return rc;
        kc->n_scopes = i + 1;
    }
    return MD_OK;
}

md_code kb_credentials_parse(md_kb *kb, const json_t *doc, const char *fp, md_err *err)
{
    static const char *const top[] = {"types", "scopes", "expiring_window_days", NULL};
    static const char *const k_win[] = {"default", "max", "sources", NULL};
    char wp[KB_PATH_MAX];
    const char **src = NULL;
    size_t n_src = 0;
    struct kb_credentials *kc = md_arena_calloc(kb->arena, sizeof *kc);
    if (!kc) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_code rc = kj_object(doc, "kb/credentials.json", top, err);
    if (rc || (rc = parse_types(kb, kc, doc, fp, err)) || (rc = parse_scopes(kb, kc, doc, fp, err)))
        return rc;
    const json_t *w = json_object_get(doc, "expiring_window_days");
    kj_key(wp, fp, "expiring_window_days");
    if (!w) return md_err_set(err, MD_EINVAL, wp, "%s: required", wp);
    if ((rc = kj_object(w, wp, k_win, err)) ||
        (rc = kj_int(w, "max", wp, 1, 1, 3650, &kc->window_max, NULL, err)) ||
        (rc = kj_int(w, "default", wp, 1, 1, kc->window_max, &kc->window_default, NULL, err)) ||
        (rc = kb_sources_parse(kb, kb->arena, w, wp, 0, &src, &n_src, err)))
        return rc;
    kb->credentials = kc;
    return MD_OK;
}

const md_cred_type *md_kb_credential_type(const md_kb *kb, const char *code)
{
    const struct kb_credentials *kc = kb ? kb->credentials : NULL;
    for (size_t i = 0; kc && code && i < kc->n_types; i++)
        if (strcmp(kc->types[i].code, code) == 0) return &kc->types[i];
    return NULL;
}

const md_cred_scope *md_kb_credential_scope(const md_kb *kb, const char *code)
{
    const struct kb_credentials *kc = kb ? kb->credentials : NULL;
    for (size_t i = 0; kc && code && i < kc->n_scopes; i++)
        if (strcmp(kc->scopes[i].code, code) == 0) return &kc->scopes[i];
    return NULL;
}

void md_kb_credential_window(const md_kb *kb, long *dflt, long *max)
{
    const struct kb_credentials *kc = kb ? kb->credentials : NULL;
    *dflt = kc ? kc->window_default : 60;
    *max = kc ? kc->window_max : 730;
}

json_t *md_kb_credentials_json(const md_kb *kb)
{
    const struct kb_credentials *kc = kb ? kb->credentials : NULL;
    json_t *types = json_array(), *scopes = json_array();
    for (size_t i = 0; kc && types && i < kc->n_types; i++) {
        const md_cred_type *t = &kc->types[i];
        json_array_append_new(types, json_pack("{s:s,s:s,s:b,s:b}", "code", t->code, "label",
                                               t->label, "requires_expiry", t->requires_expiry,
                                               "authorises", t->authorises));
    }
    for (size_t i = 0; kc && scopes && i < kc->n_scopes; i++)
        json_array_append_new(scopes, json_pack("{s:s,s:s}", "code", kc->scopes[i].code, "label",
                                                kc->scopes[i].label));
    return json_pack("{s:o,s:o,s:I}", "types", types, "scopes", scopes, "expiring_window_days",
                     (json_int_t)(kc ? kc->window_default : 60));
}
