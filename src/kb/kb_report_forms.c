/*
 * kb_report_forms.c - kb/case_report_forms.json: the MedWatch 3500 and Yellow Card forms as
 * data (pv.h md_crf_*): sections, fields, which are required, where each is filled from and
 * why it is missing when nothing is recorded, the sources of each form, and the words the
 * PDF prints.  Loaded and checked with the rest of the kb (kb_load.c calls
 * kb_report_forms_parse); case_report.c fills a form from a complication.
 *
 * Checks, reported as "kb/case_report_forms.json:<path>": known keys only; form, section
 * and field ids are [a-z0-9_], unique in their form (sections) or section (fields); a form
 * has sources from sources.json; a field's "from" is a source case_report.c knows
 * (md_case_report_from_scope), of a suspect product inside a repeat section and of the
 * case outside one; "required_when" names a yes/no source of the case; a required field
 * (or one required when) says in "missing" why it is missing, an optional one does not;
 * "repeat" is "suspects" and a repeat section says in "missing" why it is missing; every
 * wording is given.
 * State: everything lives in the kb's arena.
 */
#include <string.h>

#include "kb/kb_int.h"
#include "mesodesk/pv.h"

#define FORMS_MAX 8
#define SECTIONS_MAX 16
#define FIELDS_MAX 32

struct kb_report_forms {
    md_crf_form forms[FORMS_MAX];
    size_t n;
    md_crf_wording wording;
};

/* The member "id" of o at ep: a valid id, none of prev[0..n) (as of what). */
static md_code id_member(md_kb *kb, const json_t *o, const char *ep, const char *what,
                         const char *const *prev, size_t n, const char **out, md_err *err)
{
    char f[KB_PATH_MAX];
    const char *key = strcmp(what, "form") == 0 ? "code" : "id";
    md_code rc = kb_code_field(kb, o, key, ep, out, err);
    if (rc) return rc;
    kj_key(f, ep, key);
    for (size_t k = 0; k < n; k++)
        if (strcmp(prev[k], *out) == 0)
            return md_err_set(err, MD_EINVAL, f, "%s: duplicate %s '%s'", f, what, *out);
    return MD_OK;
}

static md_code parse_field(md_kb *kb, const json_t *j, const char *ep, int repeat, md_crf_field *fd,
                           const char *const *ids, size_t n, md_err *err)
{
    static const char *const keys[] = {"id",      "label", "from", "required", "required_when",
                                       "missing", NULL};
    char f[KB_PATH_MAX];
    int yes_no = 0;
    md_code rc;
    if (!json_is_object(j)) return md_err_set(err, MD_EINVAL, ep, "%s: an object", ep);
    if ((rc = kj_object(j, ep, keys, err)) ||
        (rc = id_member(kb, j, ep, "field", ids, n, &fd->id, err)) ||
        (rc = kj_string_copy(kb->arena, j, "label", ep, 1, &fd->label, err)) ||
        (rc = kj_string_copy(kb->arena, j, "from", ep, 1, &fd->from, err)) ||
        (rc = kj_bool(j, "required", ep, 1, &fd->required, NULL, err)) ||
        (rc = kj_string_copy(kb->arena, j, "required_when", ep, 0, &fd->required_when, err)) ||
        (rc = kj_string_copy(kb->arena, j, "missing", ep, 0, &fd->missing, err)))
        return rc;
    kj_key(f, ep, "from");
    int scope = md_case_report_from_scope(fd->from, NULL);
    if (scope < 0) return md_err_set(err, MD_EINVAL, f, "%s: unknown source '%s'", f, fd->from);
    if (scope != repeat)
        return md_err_set(err, MD_EINVAL, f,
                          repeat ? "%s: '%s' is a fact of the case, not of one suspect product"
                                 : "%s: '%s' is a fact of one suspect product: only in a repeat "
                                   "section",
                          f, fd->from);
    if (fd->required_when) {
        kj_key(f, ep, "required_when");
        if (md_case_report_from_scope(fd->required_when, &yes_no) != 0 || !yes_no)
            return md_err_set(err, MD_EINVAL, f, "%s: '%s' is not a yes/no fact of the case", f,
                              fd->required_when);
        if (fd->required)
            return md_err_set(err, MD_EINVAL, f, "%s: the field is required anyway", f);
    }
    kj_key(f, ep, "missing");
    if ((fd->required || fd->required_when) && !fd->missing)
        return md_err_set(err, MD_EINVAL, f, "%s: required: say why a required field is missing",
                          f);
    if (!fd->required && !fd->required_when && fd->missing)
        return md_err_set(err, MD_EINVAL, f, "%s: only a required field is ever missing", f);
    return MD_OK;
}

static md_code parse_section(md_kb *kb, const json_t *j, const char *ep, md_crf_section *s,
                             const char *const *ids, size_t n, md_err *err)
{
    static const char *const keys[] = {"id", "title", "repeat", "missing", "fields", NULL};
    static const char *const repeats[] = {"suspects", NULL};
    const char *fids[FIELDS_MAX];
    const json_t *arr;
    char f[KB_PATH_MAX], ip[KB_PATH_MAX];
    md_code rc;
    if (!json_is_object(j)) return md_err_set(err, MD_EINVAL, ep, "%s: an object", ep);
    if ((rc = kj_object(j, ep, keys, err)) ||
        (rc = id_member(kb, j, ep, "section", ids, n, &s->id, err)) ||
        (rc = kj_string_copy(kb->arena, j, "title", ep, 1, &s->title, err)) ||
        (rc = kj_string_copy(kb->arena, j, "repeat", ep, 0, &s->repeat, err)) ||
        (rc = kj_string_copy(kb->arena, j, "missing", ep, 0, &s->missing, err)) ||
        (rc = kj_array(j, "fields", ep, 1, FIELDS_MAX, &arr, err)))
        return rc;
    kj_key(f, ep, "repeat");
    if (s->repeat && (rc = kj_enum(s->repeat, f, repeats, err))) return rc;
    kj_key(f, ep, "missing");
    if (s->repeat && !s->missing)
        return md_err_set(err, MD_EINVAL, f, "%s: required: say why a repeat section is empty", f);
    if (!s->repeat && s->missing)
        return md_err_set(err, MD_EINVAL, f, "%s: only a repeat section is ever missing", f);
    kj_key(f, ep, "fields");
    if (json_array_size(arr) == 0) return md_err_set(err, MD_EINVAL, f, "%s: at least one", f);
    md_crf_field *fields = md_arena_calloc(kb->arena, json_array_size(arr) * sizeof *fields);
    if (!fields) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        kj_index(ip, f, i);
        if ((rc = parse_field(kb, json_array_get(arr, i), ip, s->repeat != NULL, &fields[i], fids,
                              i, err)))
            return rc;
        fids[i] = fields[i].id;
    }
    s->fields = fields;
    s->n_fields = json_array_size(arr);
    return MD_OK;
}

static md_code parse_form(md_kb *kb, const json_t *j, const char *ep, md_crf_form *fm,
                          const char *const *codes, size_t n, md_err *err)
{
    static const char *const keys[] = {"code", "name", "version", "sources", "sections", NULL};
    const char *sids[SECTIONS_MAX];
    const json_t *arr;
    const char **src = NULL;
    char f[KB_PATH_MAX], ip[KB_PATH_MAX];
    md_code rc;
    if (!json_is_object(j)) return md_err_set(err, MD_EINVAL, ep, "%s: an object", ep);
    if ((rc = kj_object(j, ep, keys, err)) ||
        (rc = id_member(kb, j, ep, "form", codes, n, &fm->code, err)) ||
        (rc = kj_string_copy(kb->arena, j, "name", ep, 1, &fm->name, err)) ||
        (rc = kj_string_copy(kb->arena, j, "version", ep, 1, &fm->version, err)) ||
        (rc = kb_sources_parse(kb, kb->arena, j, ep, 0, &src, &fm->n_sources, err)) ||
        (rc = kj_array(j, "sections", ep, 1, SECTIONS_MAX, &arr, err)))
        return rc;
    fm->sources = src;
    kj_key(f, ep, "sections");
    if (json_array_size(arr) == 0) return md_err_set(err, MD_EINVAL, f, "%s: at least one", f);
    md_crf_section *secs = md_arena_calloc(kb->arena, json_array_size(arr) * sizeof *secs);
    if (!secs) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        kj_index(ip, f, i);
        if ((rc = parse_section(kb, json_array_get(arr, i), ip, &secs[i], sids, i, err))) return rc;
        sids[i] = secs[i].id;
    }
    fm->sections = secs;
    fm->n_sections = json_array_size(arr);
    return MD_OK;
}

md_code kb_report_forms_parse(md_kb *kb, const json_t *doc, const char *fp, md_err *err)
{
    static const char *const top[] = {"wording", "forms", NULL};
    static const char *const wkeys[] = {
        "not_recorded", "yes", "no", "missing_heading", "complete", "identifier_note", NULL};
    const char *codes[FORMS_MAX];
    const json_t *arr, *w = json_object_get(doc, "wording");
    char p[KB_PATH_MAX], ip[KB_PATH_MAX];
    struct kb_report_forms *R = md_arena_calloc(kb->arena, sizeof *R);
    if (!R) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_code rc = kj_object(doc, "kb/case_report_forms.json", top, err);
    kj_key(p, fp, "wording");
    if (rc == MD_OK && !json_is_object(w))
        rc = md_err_set(err, MD_EINVAL, p, "%s: required, an object", p);
    if (rc == MD_OK) rc = kj_object(w, p, wkeys, err);
    const char **wd[] = {&R->wording.not_recorded, &R->wording.yes,
                         &R->wording.no,           &R->wording.missing_heading,
                         &R->wording.complete,     &R->wording.identifier_note};
    for (size_t i = 0; rc == MD_OK && wkeys[i]; i++)
        rc = kj_string_copy(kb->arena, w, wkeys[i], p, 1, wd[i], err);
    if (rc == MD_OK) rc = kj_array(doc, "forms", fp, 1, FORMS_MAX, &arr, err);
    kj_key(p, fp, "forms");
    if (rc == MD_OK && json_array_size(arr) == 0)
        rc = md_err_set(err, MD_EINVAL, p, "%s: at least one", p);
    for (size_t i = 0; rc == MD_OK && i < json_array_size(arr); i++) {
        kj_index(ip, p, i);
        rc = parse_form(kb, json_array_get(arr, i), ip, &R->forms[i], codes, i, err);
        codes[i] = R->forms[i].code;
        R->n = i + 1;
    }
    if (rc == MD_OK) kb->report_forms = R;
    return rc;
}

const md_crf_form *md_kb_report_form(const md_kb *kb, const char *code)
{
    const struct kb_report_forms *R = kb ? kb->report_forms : NULL;
    for (size_t i = 0; R && code && i < R->n; i++)
        if (strcmp(R->forms[i].code, code) == 0) return &R->forms[i];
    return NULL;
}

const md_crf_form *md_kb_report_forms(const md_kb *kb, size_t *n)
{
    const struct kb_report_forms *R = kb ? kb->report_forms : NULL;
    *n = R ? R->n : 0;
    return R ? R->forms : NULL;
}

const md_crf_wording *md_kb_report_wording(const md_kb *kb)
{
    return kb && kb->report_forms ? &kb->report_forms->wording : NULL;
}
