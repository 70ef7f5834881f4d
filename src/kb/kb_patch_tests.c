/*
 * kb_patch_tests.c - kb/patch_tests.json: the ICDRG reading scale, the reading windows and
 * the validity of a negative test (patch_test.h), loaded with the rest of the kb.
 *
 * Checks, reported as "kb/patch_tests.json:<path>" like every kb error: known keys only;
 * every entry with sources from sources.json; grade codes unique, each counting as
 * positive, negative or inconclusive, with at least one of each of positive and negative;
 * windows in time order, not overlapping, from_hours <= to_hours within 0..720, exactly
 * one final window and it the last; validity 1..60 months.
 * State: everything lives in the kb's arena.
 */
#include <string.h>

#include "kb/kb_int.h"
#include "kb/kb_patch_int.h"
#include "mesodesk/patch_test.h"

static const char *const counts_names[] = {"negative", "positive", "inconclusive", NULL};

static md_code parse_grade(md_kb *kb, const json_t *j, const char *ep, md_patch_grade *g,
                           md_err *err)
{
    static const char *const keys[] = {"code",    "label", "meaning", "counts_as",
                                       "sources", "note",  NULL};
    const char *counts = NULL;
    char f[KB_PATH_MAX];
    md_code rc;
    if ((rc = kj_object(j, ep, keys, err)) ||
        (rc = kj_string_copy(kb->arena, j, "code", ep, 1, &g->code, err)) ||
        (rc = kj_string_copy(kb->arena, j, "label", ep, 1, &g->label, err)) ||
        (rc = kj_string_copy(kb->arena, j, "meaning", ep, 1, &g->meaning, err)) ||
        (rc = kj_string_copy(kb->arena, j, "note", ep, 0, &g->note, err)) ||
        (rc = kj_string(j, "counts_as", ep, 1, &counts, err)))
        return rc;
    kj_key(f, ep, "counts_as");
    if ((rc = kj_enum(counts, f, counts_names, err))) return rc;
    for (int i = 0; counts_names[i]; i++)
        if (strcmp(counts_names[i], counts) == 0) g->counts_as = (md_patch_counts)i;
    kj_key(f, ep, "code");
    if (!*g->code || strlen(g->code) > 16)
        return md_err_set(err, MD_EINVAL, f, "%s: a grade code is 1 to 16 characters", f);
    return kb_sources_parse(kb, kb->arena, j, ep, 0, &g->sources, &g->n_sources, err);
}

static md_code parse_window(md_kb *kb, const json_t *j, const char *ep, md_patch_window *w,
                            md_err *err)
{
    static const char *const keys[] = {"code",  "label",   "from_hours", "to_hours",
                                       "final", "sources", "note",       NULL};
    long from = 0, to = 0;
    md_code rc;
    if ((rc = kj_object(j, ep, keys, err)) ||
        (rc = kj_string_copy(kb->arena, j, "code", ep, 1, &w->code, err)) ||
        (rc = kj_string_copy(kb->arena, j, "label", ep, 1, &w->label, err)) ||
        (rc = kj_string_copy(kb->arena, j, "note", ep, 0, &w->note, err)) ||
        (rc = kj_int(j, "from_hours", ep, 1, 0, 720, &from, NULL, err)) ||
        (rc = kj_int(j, "to_hours", ep, 1, 0, 720, &to, NULL, err)) ||
        (rc = kj_bool(j, "final", ep, 1, &w->final, NULL, err)))
        return rc;
    if (from > to) return md_err_set(err, MD_EINVAL, ep, "%s: from_hours above to_hours", ep);
    w->from_hours = (int)from;
    w->to_hours = (int)to;
    return kb_sources_parse(kb, kb->arena, j, ep, 0, &w->sources, &w->n_sources, err);
}

static md_code parse_scale(md_kb *kb, md_patch_kb *pk, const json_t *doc, const char *fp,
                           md_err *err)
{
    const json_t *arr;
    char sp[KB_PATH_MAX], ep[KB_PATH_MAX];
    int seen[3] = {0, 0, 0};
    md_code rc = kj_array(doc, "scale", fp, 1, MD_PATCH_GRADES_MAX, &arr, err);
    if (rc) return rc;
    kj_key(sp, fp, "scale");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        md_patch_grade *g = &pk->grades[i];
        kj_index(ep, sp, i);
        if ((rc = parse_grade(kb, json_array_get(arr, i), ep, g, err))) return rc;
        for (size_t k = 0; k < i; k++)
            if (strcmp(pk->grades[k].code, g->code) == 0)
                return md_err_set(err, MD_EINVAL, ep, "%s: duplicate grade '%s'", ep, g->code);
        seen[g->counts_as] = 1;
        pk->n_grades = i + 1;
    }
    if (!seen[MD_PATCH_NEGATIVE] || !seen[MD_PATCH_POSITIVE])
        return md_err_set(err, MD_EINVAL, sp, "%s: needs a negative and a positive grade", sp);
    return MD_OK;
}

static md_code parse_windows(md_kb *kb, md_patch_kb *pk, const json_t *doc, const char *fp,
                             md_err *err)
{
    const json_t *arr;
    char sp[KB_PATH_MAX], ep[KB_PATH_MAX];
    md_code rc = kj_array(doc, "windows", fp, 1, MD_PATCH_WINDOWS_MAX, &arr, err);
    if (rc) return rc;
    kj_key(sp, fp, "windows");
    if (json_array_size(arr) == 0)
        return md_err_set(err, MD_EINVAL, sp, "%s: at least one window", sp);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        md_patch_window *w = &pk->windows[i];
        kj_index(ep, sp, i);
        if ((rc = parse_window(kb, json_array_get(arr, i), ep, w, err))) return rc;
        if (i > 0 && w->from_hours <= pk->windows[i - 1].to_hours)
            return md_err_set(err, MD_EINVAL, ep,
                              "%s: windows must be in time order and must not overlap", ep);
        for (size_t k = 0; k < i; k++)
            if (strcmp(pk->windows[k].code, w->code) == 0)
                return md_err_set(err, MD_EINVAL, ep, "%s: duplicate window '%s'", ep, w->code);
        int last = i + 1 == json_array_size(arr);
        if (w->final != last)
            return md_err_set(err, MD_EINVAL, ep, "%s: the last window, and only it, is final", ep);
        pk->n_windows = i + 1;
    }
    return MD_OK;
}

md_code kb_patch_tests_parse(md_kb *kb, const json_t *doc, const char *fp, md_err *err)
{
    static const char *const top[] = {"scale", "windows", "negative_validity", NULL};
    static const char *const k_val[] = {"months", "sources", "note", NULL};
    char vp[KB_PATH_MAX];
    long months = 0;
    md_patch_kb *pk = md_arena_calloc(kb->arena, sizeof *pk);
    if (!pk) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_code rc = kj_object(doc, "kb/patch_tests.json", top, err);
    if (rc || (rc = parse_scale(kb, pk, doc, fp, err)) ||
        (rc = parse_windows(kb, pk, doc, fp, err)))
        return rc;
    const json_t *v = json_object_get(doc, "negative_validity");
    kj_key(vp, fp, "negative_validity");
    if (!v) return md_err_set(err, MD_EINVAL, vp, "%s: required", vp);
    if ((rc = kj_object(v, vp, k_val, err)) ||
        (rc = kj_int(v, "months", vp, 1, 1, 60, &months, NULL, err)) ||
        (rc = kj_string_copy(kb->arena, v, "note", vp, 0, &pk->validity_note, err)) ||
        (rc = kb_sources_parse(kb, kb->arena, v, vp, 0, &pk->validity_sources,
                               &pk->n_validity_sources, err)))
        return rc;
    pk->validity_months = (int)months;
    kb->patch = pk;
    return MD_OK;
}

const md_patch_kb *md_kb_patch_tests(const md_kb *kb)
{
    return kb ? kb->patch : NULL;
}

const md_patch_grade *md_patch_grade_find(const md_patch_kb *pk, const char *code)
{
    for (size_t i = 0; pk && code && i < pk->n_grades; i++)
        if (strcmp(pk->grades[i].code, code) == 0) return &pk->grades[i];
    return NULL;
}

const md_patch_window *md_patch_window_at(const md_patch_kb *pk, double hours)
{
    for (size_t i = 0; pk && i < pk->n_windows; i++)
        if (hours >= pk->windows[i].from_hours && hours <= pk->windows[i].to_hours)
            return &pk->windows[i];
    return NULL;
}

static json_t *sources_json(const char *const *s, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(s[i]));
    return a;
}

json_t *md_patch_kb_json(const md_patch_kb *pk)
{
    json_t *scale = json_array(), *windows = json_array();
    for (size_t i = 0; scale && i < pk->n_grades; i++) {
        const md_patch_grade *g = &pk->grades[i];
        json_array_append_new(
            scale, json_pack("{s:s,s:s,s:s,s:s,s:s?,s:o}", "code", g->code, "label", g->label,
                             "meaning", g->meaning, "counts_as", counts_names[g->counts_as], "note",
                             g->note, "sources", sources_json(g->sources, g->n_sources)));
    }
    for (size_t i = 0; windows && i < pk->n_windows; i++) {
        const md_patch_window *w = &pk->windows[i];
        json_array_append_new(windows,
                              json_pack("{s:s,s:s,s:i,s:i,s:b,s:s?,s:o}", "code", w->code, "label",
                                        w->label, "from_hours", w->from_hours, "to_hours",
                                        w->to_hours, "final", w->final, "note", w->note, "sources",
                                        sources_json(w->sources, w->n_sources)));
    }
    return json_pack("{s:o,s:o,s:{s:i,s:s?,s:o}}", "scale", scale, "windows", windows,
                     "negative_validity", "months", pk->validity_months, "note", pk->validity_note,
                     "sources", sources_json(pk->validity_sources, pk->n_validity_sources));
}
