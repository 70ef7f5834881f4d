/*
 * kb_outcomes.c - kb/outcome_scales.json: the outcome scales a session is scored on (GAIS,
 * WSRS, a satisfaction item), and which check-in day asks the patient which scales
 * (outcome.h); loaded and checked with the rest of the kb (kb_load.c calls
 * kb_outcomes_parse).
 *
 * Checks, reported as "kb/outcome_scales.json:<path>": known keys only; a "version"; 1..16
 * scales, each with an id [a-z0-9_] unique in the file, a version, a name, the way its
 * sources number it ("numbering"), a direction ("higher_is_better" | "lower_is_better"),
 * 2..11 points {value (-100..100), label, meaning} with unique values and labels, raters
 * (a non-empty set of "practitioner" and "patient"), a patient "question" when the patient
 * rates it, and sources from sources.json; check-in days (0..365, each once) name scales
 * the patient rates, with sources.
 *
 * State: the file, once checked, is kept in the kb's arena as compact JSON text (the
 * scales in file order); md_kb_outcome_scales_json parses it back for each caller, so a
 * score copies the definition exactly as the kb states it.
 */
#include <stdlib.h>
#include <string.h>

#include "kb/kb_int.h"
#include "mesodesk/outcome.h"

#define SCALES_MAX 16
#define POINTS_MIN 2
#define POINTS_MAX 11
#define CHECKINS_MAX 16

struct kb_outcomes {
    const char *json; /* {"version","scales":[...],"checkins":[...]} as checked */
};

static const char *const directions[] = {"higher_is_better", "lower_is_better", NULL};
static const char *const rater_names[] = {"practitioner", "patient", NULL};

static int code_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 63) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

/* Member key of o (at path) as a non-empty string. */
static md_code text(const json_t *o, const char *key, const char *path, int required,
                    const char **out, md_err *err)
{
    char p[KB_PATH_MAX];
    const char *s = NULL;
    md_code rc = kj_string(o, key, path, required, &s, err);
    if (rc) return rc;
    kj_key(p, path, key);
    if (s && !*s) return md_err_set(err, MD_EINVAL, p, "%s: empty", p);
    if (out) *out = s;
    return MD_OK;
}

static md_code parse_points(const json_t *s, const char *sp, md_err *err)
{
    static const char *const keys[] = {"value", "label", "meaning", NULL};
    const json_t *arr;
    char p[KB_PATH_MAX], ep[KB_PATH_MAX], xp[KB_PATH_MAX];
    long values[POINTS_MAX];
    const char *labels[POINTS_MAX];
    md_code rc = kj_array(s, "points", sp, 1, POINTS_MAX, &arr, err);
    if (rc) return rc;
    kj_key(p, sp, "points");
    if (json_array_size(arr) < POINTS_MIN)
        return md_err_set(err, MD_EINVAL, p, "%s: at least %d points", p, POINTS_MIN);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *pt = json_array_get(arr, i);
        kj_index(ep, p, i);
        if (!json_is_object(pt)) return md_err_set(err, MD_EINVAL, ep, "%s: an object", ep);
        if ((rc = kj_object(pt, ep, keys, err)) ||
            (rc = kj_int(pt, "value", ep, 1, -100, 100, &values[i], NULL, err)) ||
            (rc = text(pt, "label", ep, 1, &labels[i], err)) ||
            (rc = text(pt, "meaning", ep, 1, NULL, err)))
            return rc;
        for (size_t k = 0; k < i; k++) {
            if (values[k] == values[i]) {
                kj_key(xp, ep, "value");
                return md_err_set(err, MD_EINVAL, xp, "%s: duplicate value %ld", xp, values[i]);
            }
            if (strcmp(labels[k], labels[i]) == 0) {
                kj_key(xp, ep, "label");
                return md_err_set(err, MD_EINVAL, xp, "%s: duplicate label '%s'", xp, labels[i]);
            }
        }
    }
    return MD_OK;
}

/* The raters: a non-empty set of rater_names; *patient set when the patient is one. */
static md_code parse_raters(const json_t *s, const char *sp, int *patient, md_err *err)
{
    const json_t *arr;
    char p[KB_PATH_MAX], ep[KB_PATH_MAX];
    unsigned seen = 0;
    md_code rc = kj_array(s, "raters", sp, 1, 2, &arr, err);
    if (rc) return rc;
    kj_key(p, sp, "raters");
    if (json_array_size(arr) == 0)
        return md_err_set(err, MD_EINVAL, p, "%s: at least one rater", p);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const char *r = json_string_value(json_array_get(arr, i));
        unsigned bit = 0;
        kj_index(ep, p, i);
        for (int k = 0; r && rater_names[k]; k++)
            if (strcmp(rater_names[k], r) == 0) bit = 1u << k;
        if (!bit)
            return md_err_set(err, MD_EINVAL, ep, "%s: a rater is practitioner or patient", ep);
        if (seen & bit) return md_err_set(err, MD_EINVAL, ep, "%s: duplicate rater '%s'", ep, r);
        seen |= bit;
    }
    *patient = (seen & 2u) != 0;
    return MD_OK;
}

static md_code parse_scales(const md_kb *kb, const json_t *doc, const char *fp, const char **ids,
                            int *patient_rated, size_t *n, md_err *err)
{
    static const char *const keys[] = {"id",     "version", "name",     "numbering", "direction",
                                       "points", "raters",  "question", "sources",   NULL};
    const json_t *arr;
    char p[KB_PATH_MAX], ep[KB_PATH_MAX], xp[KB_PATH_MAX];
    const char **src = NULL;
    size_t nsrc = 0;
    md_code rc = kj_array(doc, "scales", fp, 1, SCALES_MAX, &arr, err);
    if (rc) return rc;
    kj_key(p, fp, "scales");
    if (json_array_size(arr) == 0)
        return md_err_set(err, MD_EINVAL, p, "%s: at least one scale", p);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *s = json_array_get(arr, i);
        const char *dir = NULL, *question = NULL;
        kj_index(ep, p, i);
        if (!json_is_object(s)) return md_err_set(err, MD_EINVAL, ep, "%s: an object", ep);
        if ((rc = kj_object(s, ep, keys, err)) || (rc = text(s, "id", ep, 1, &ids[i], err)))
            return rc;
        kj_key(xp, ep, "id");
        if (!code_valid(ids[i]))
            return md_err_set(err, MD_EINVAL, xp, "%s: [a-z0-9_], 1 to 63 characters", xp);
        for (size_t k = 0; k < i; k++)
            if (strcmp(ids[k], ids[i]) == 0)
                return md_err_set(err, MD_EINVAL, xp, "%s: duplicate scale '%s'", xp, ids[i]);
        if ((rc = text(s, "version", ep, 1, NULL, err)) ||
            (rc = text(s, "name", ep, 1, NULL, err)) ||
            (rc = text(s, "numbering", ep, 1, NULL, err)) ||
            (rc = text(s, "direction", ep, 1, &dir, err)))
            return rc;
        kj_key(xp, ep, "direction");
        if (kj_enum(dir, xp, directions, err))
            return md_err_set(err, MD_EINVAL, xp, "%s: higher_is_better or lower_is_better", xp);
        if ((rc = parse_points(s, ep, err)) || (rc = parse_raters(s, ep, &patient_rated[i], err)) ||
            (rc = text(s, "question", ep, 0, &question, err)))
            return rc;
        kj_key(xp, ep, "question");
        if (patient_rated[i] && !question)
            return md_err_set(err, MD_EINVAL, xp,
                              "%s: required: the patient rates this scale, so it needs the "
                              "question the patient is asked",
                              xp);
        if ((rc = kb_sources_parse(kb, kb->arena, s, ep, 0, &src, &nsrc, err))) return rc;
        *n = i + 1;
    }
    return MD_OK;
}

static md_code parse_checkins(const md_kb *kb, const json_t *doc, const char *fp,
                              const char *const *ids, const int *patient_rated, size_t n,
                              md_err *err)
{
    static const char *const keys[] = {"day_offset", "scales", "sources", NULL};
    const json_t *arr, *names;
    char p[KB_PATH_MAX], ep[KB_PATH_MAX], xp[KB_PATH_MAX], np[KB_PATH_MAX];
    long days[CHECKINS_MAX];
    const char **src = NULL;
    size_t nsrc = 0;
    md_code rc = kj_array(doc, "checkins", fp, 1, CHECKINS_MAX, &arr, err);
    if (rc) return rc;
    kj_key(p, fp, "checkins");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *c = json_array_get(arr, i);
        kj_index(ep, p, i);
        if (!json_is_object(c)) return md_err_set(err, MD_EINVAL, ep, "%s: an object", ep);
        if ((rc = kj_object(c, ep, keys, err)) ||
            (rc = kj_int(c, "day_offset", ep, 1, 0, 365, &days[i], NULL, err)))
            return rc;
        kj_key(xp, ep, "day_offset");
        for (size_t k = 0; k < i; k++)
            if (days[k] == days[i])
                return md_err_set(err, MD_EINVAL, xp, "%s: duplicate day %ld", xp, days[i]);
        if ((rc = kj_array(c, "scales", ep, 1, SCALES_MAX, &names, err))) return rc;
        kj_key(xp, ep, "scales");
        if (json_array_size(names) == 0)
            return md_err_set(err, MD_EINVAL, xp, "%s: at least one scale", xp);
        for (size_t j = 0; j < json_array_size(names); j++) {
            const char *id = json_string_value(json_array_get(names, j));
            size_t k = 0;
            kj_index(np, xp, j);
            while (id && k < n && strcmp(ids[k], id) != 0)
                k++;
            if (!id || k == n)
                return md_err_set(err, MD_EINVAL, np, "%s: unknown scale '%.60s'", np,
                                  id ? id : "");
            if (!patient_rated[k])
                return md_err_set(err, MD_EINVAL, np,
                                  "%s: the patient does not rate '%s' (its raters)", np, id);
            for (size_t m = 0; m < j; m++)
                if (strcmp(json_string_value(json_array_get(names, m)), id) == 0)
                    return md_err_set(err, MD_EINVAL, np, "%s: duplicate scale '%s'", np, id);
        }
        if ((rc = kb_sources_parse(kb, kb->arena, c, ep, 0, &src, &nsrc, err))) return rc;
    }
    return MD_OK;
}

md_code kb_outcomes_parse(md_kb *kb, const json_t *doc, const char *path, md_err *err)
{
    static const char *const keys[] = {"version", "description", "scales", "checkins", NULL};
    const char *ids[SCALES_MAX];
    int patient_rated[SCALES_MAX];
    size_t n = 0;
    const char *top = "kb/outcome_scales.json";
    md_code rc;
    if (!json_is_object(doc)) return md_err_set(err, MD_EINVAL, top, "%s: an object", top);
    if ((rc = kj_object(doc, top, keys, err)) || (rc = text(doc, "version", path, 1, NULL, err)) ||
        (rc = text(doc, "description", path, 0, NULL, err)) ||
        (rc = parse_scales(kb, doc, path, ids, patient_rated, &n, err)) ||
        (rc = parse_checkins(kb, doc, path, ids, patient_rated, n, err)))
        return rc;
    json_t *keep =
        json_pack("{s:O,s:O,s:O}", "version", json_object_get(doc, "version"), "scales",
                  json_object_get(doc, "scales"), "checkins", json_object_get(doc, "checkins"));
    char *s = keep ? json_dumps(keep, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    struct kb_outcomes *o = md_arena_calloc(kb->arena, sizeof *o);
    if (o && s) o->json = md_arena_strdup(kb->arena, s);
    free(s);
    json_decref(keep);
    if (!o || !o->json) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    kb->outcomes = o;
    return MD_OK;
}

json_t *md_kb_outcome_scales_json(const md_kb *kb)
{
    if (!kb || !kb->outcomes) return NULL;
    return json_loads(kb->outcomes->json, 0, NULL);
}
