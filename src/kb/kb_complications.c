/*
 * kb_complications.c - kb/complications.json: the complication catalogue (codes, SNOMED CT
 * concepts, frequency, onset and resolution windows, red flags, first management steps,
 * follow-up schedule and period, sources) and the CTCAE v5 "injection site reaction" grade
 * wording (complication.h).  Loaded and checked with the rest of the kb (kb_load.c calls
 * kb_complications_parse).
 *
 * Checks, reported as "kb/complications.json:<path>": known keys only; codes and red flag
 * codes [a-z0-9_], complication codes unique; "snomed" null or 6 to 18 digits, unique;
 * category and frequency from the lists below; onset 0 <= min_days <= max_days <= 400;
 * resolution_max_days 0..3650; followup_days 1..3650; the follow-up schedule 1..12 days,
 * ascending, none past followup_days; infections and nodules (categories "infection" and
 * "nodule") have an onset window reaching at least 84 days and a follow-up of at least 84
 * days (12 weeks: the late mycobacterial infections of the outbreaks); a red flag code that
 * several complications name has the same label everywhere; every entry has sources; the
 * grades are exactly 1..5, in order, each with a label and sources.
 *
 * State: everything lives in the kb's arena, immutable after load.
 */
#include <string.h>

#include "kb/kb_int.h"
#include "mesodesk/complication.h"

#define CX_MAX 64
#define CX_FLAGS_MAX 16
#define CX_STEPS_MAX 12
#define CX_SCHEDULE_MAX 12
#define CX_LATE_DAYS 84 /* 12 weeks */

typedef struct kb_grade {
    int grade;
    const char *label;
    const char **sources;
    size_t n_sources;
} kb_grade;

struct kb_complications {
    md_kb_complication e[CX_MAX];
    size_t n;
    kb_grade grades[5];
};

static const char *const categories[] = {
    "local_reaction", "allergic", "infection",  "nodule",  "vascular",
    "pigmentation",   "scarring", "ulceration", "atrophy", NULL};
static const char *const frequencies[] = {"common", "uncommon", "rare", "very_rare", NULL};

static int snomed_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 6 || n > 18) return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

/* Member key of j: an array of 0..max non-empty strings (at least one when nonempty),
 * copied into the arena. */
static md_code strings(md_kb *kb, const json_t *j, const char *key, const char *ep, size_t max,
                       int nonempty, const char *const **out, size_t *n, md_err *err)
{
    const json_t *arr = NULL;
    char p[KB_PATH_MAX], xp[KB_PATH_MAX];
    md_code rc = kj_array(j, key, ep, 1, max, &arr, err);
    if (rc) return rc;
    kj_key(p, ep, key);
    if (nonempty && json_array_size(arr) == 0)
        return md_err_set(err, MD_EINVAL, p, "%s: at least one required", p);
    const char **v = md_arena_calloc(kb->arena, (json_array_size(arr) + 1) * sizeof *v);
    if (!v) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        kj_index(xp, p, i);
        if (!s || !*s) return md_err_set(err, MD_EINVAL, xp, "%s: a non-empty string", xp);
        if (!(v[i] = md_arena_strdup(kb->arena, s)))
            return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    }
    *out = v;
    *n = json_array_size(arr);
    return MD_OK;
}

static const md_kb_red_flag *flag_named(const struct kb_complications *C, const char *code)
{
    for (size_t i = 0; i < C->n; i++)
        for (size_t k = 0; k < C->e[i].n_red_flags; k++)
            if (strcmp(C->e[i].red_flags[k].code, code) == 0) return &C->e[i].red_flags[k];
    return NULL;
}

static md_code parse_flags(md_kb *kb, const struct kb_complications *C, md_kb_complication *c,
                           const json_t *j, const char *ep, md_err *err)
{
    static const char *const keys[] = {"code", "label", "patient", NULL};
    const json_t *arr = NULL;
    char p[KB_PATH_MAX], fp[KB_PATH_MAX], xp[KB_PATH_MAX];
    md_code rc = kj_array(j, "red_flags", ep, 1, CX_FLAGS_MAX, &arr, err);
    if (rc) return rc;
    kj_key(p, ep, "red_flags");
    md_kb_red_flag *f = md_arena_calloc(kb->arena, (json_array_size(arr) + 1) * sizeof *f);
    if (!f) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *o = json_array_get(arr, i);
        kj_index(fp, p, i);
        if ((rc = kj_object(o, fp, keys, err)) ||
            (rc = kb_code_field(kb, o, "code", fp, &f[i].code, err)) ||
            (rc = kj_string_copy(kb->arena, o, "label", fp, 1, &f[i].label, err)) ||
            (rc = kj_string_copy(kb->arena, o, "patient", fp, 1, &f[i].patient, err)))
            return rc;
        kj_key(xp, fp, "code");
        for (size_t k = 0; k < i; k++)
            if (strcmp(f[k].code, f[i].code) == 0)
                return md_err_set(err, MD_EINVAL, xp, "%s: duplicate red flag '%s'", xp, f[i].code);
        const md_kb_red_flag *other = flag_named(C, f[i].code);
        kj_key(xp, fp, "label");
        if (other && strcmp(other->label, f[i].label) != 0)
            return md_err_set(err, MD_EINVAL, xp,
                              "%s: red flag '%s' is labelled differently by another complication",
                              xp, f[i].code);
    }
    c->red_flags = f;
    c->n_red_flags = json_array_size(arr);
    return MD_OK;
}

static md_code parse_schedule(md_kb *kb, md_kb_complication *c, const json_t *j, const char *ep,
                              md_err *err)
{
    const json_t *arr = NULL;
    char p[KB_PATH_MAX], xp[KB_PATH_MAX];
    md_code rc = kj_array(j, "followup_schedule", ep, 1, CX_SCHEDULE_MAX, &arr, err);
    if (rc) return rc;
    kj_key(p, ep, "followup_schedule");
    if (json_array_size(arr) == 0)
        return md_err_set(err, MD_EINVAL, p, "%s: at least one follow-up day", p);
    int *d = md_arena_calloc(kb->arena, json_array_size(arr) * sizeof *d);
    if (!d) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *v = json_array_get(arr, i);
        kj_index(xp, p, i);
        if (!json_is_integer(v)) return md_err_set(err, MD_EINVAL, xp, "%s: an integer", xp);
        long day = (long)json_integer_value(v);
        if (day < 1 || day > c->followup_days)
            return md_err_set(err, MD_EUNPROCESSABLE, xp, "%s: a day from 1 to followup_days (%d)",
                              xp, c->followup_days);
        if (i > 0 && day <= d[i - 1])
            return md_err_set(err, MD_EINVAL, xp, "%s: days must ascend", xp);
        d[i] = (int)day;
    }
    c->followup_schedule = d;
    c->n_followup_schedule = json_array_size(arr);
    return MD_OK;
}

static md_code parse_entry(md_kb *kb, struct kb_complications *C, const json_t *j, const char *ep,
                           md_err *err)
{
    static const char *const keys[] = {"code",
                                       "snomed",
                                       "name",
                                       "category",
                                       "frequency",
                                       "onset",
                                       "resolution_max_days",
                                       "followup_days",
                                       "followup_schedule",
                                       "red_flags",
                                       "management",
                                       "sources",
                                       NULL};
    static const char *const okeys[] = {"min_days", "max_days", NULL};
    md_kb_complication *c = &C->e[C->n];
    char xp[KB_PATH_MAX];
    long lo = 0, hi = 0, res = 0, fu = 0;
    const char *s = NULL;
    md_code rc;
    if ((rc = kj_object(j, ep, keys, err)) ||
        (rc = kb_code_field(kb, j, "code", ep, &c->code, err)))
        return rc;
    kj_key(xp, ep, "code");
    for (size_t i = 0; i < C->n; i++)
        if (strcmp(C->e[i].code, c->code) == 0)
            return md_err_set(err, MD_EINVAL, xp, "%s: duplicate complication '%s'", xp, c->code);
    kj_key(xp, ep, "snomed");
    if (!json_object_get(j, "snomed"))
        return md_err_set(err, MD_EINVAL, xp, "%s: required (null when no concept is known)", xp);
    if ((rc = kj_string_copy(kb->arena, j, "snomed", ep, 0, &c->snomed, err))) return rc;
    if (c->snomed && !snomed_valid(c->snomed))
        return md_err_set(err, MD_EINVAL, xp, "%s: a SNOMED CT concept id is 6 to 18 digits", xp);
    for (size_t i = 0; c->snomed && i < C->n; i++)
        if (C->e[i].snomed && strcmp(C->e[i].snomed, c->snomed) == 0)
            return md_err_set(err, MD_EINVAL, xp, "%s: duplicate SNOMED CT concept %s", xp,
                              c->snomed);
    if ((rc = kj_string_copy(kb->arena, j, "name", ep, 1, &c->name, err)) ||
        (rc = kj_string(j, "category", ep, 1, &s, err)))
        return rc;
    kj_key(xp, ep, "category");
    if ((rc = kj_enum(s, xp, categories, err))) return rc;
    if (!(c->category = md_arena_strdup(kb->arena, s)))
        return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if ((rc = kj_string(j, "frequency", ep, 1, &s, err))) return rc;
    kj_key(xp, ep, "frequency");
    if ((rc = kj_enum(s, xp, frequencies, err))) return rc;
    if (!(c->frequency = md_arena_strdup(kb->arena, s)))
        return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    const json_t *on = json_object_get(j, "onset");
    kj_key(xp, ep, "onset");
    if (!json_is_object(on)) return md_err_set(err, MD_EINVAL, xp, "%s: required, an object", xp);
    if ((rc = kj_object(on, xp, okeys, err)) ||
        (rc = kj_int(on, "min_days", xp, 1, 0, 400, &lo, NULL, err)) ||
        (rc = kj_int(on, "max_days", xp, 1, 0, 400, &hi, NULL, err)))
        return rc;
    if (hi < lo) return md_err_set(err, MD_EINVAL, xp, "%s: max_days is below min_days", xp);
    if ((rc = kj_int(j, "resolution_max_days", ep, 1, 0, 3650, &res, NULL, err)) ||
        (rc = kj_int(j, "followup_days", ep, 1, 1, 3650, &fu, NULL, err)))
        return rc;
    c->onset_min_days = (int)lo;
    c->onset_max_days = (int)hi;
    c->resolution_max_days = (int)res;
    c->followup_days = (int)fu;
    if (strcmp(c->category, "infection") == 0 || strcmp(c->category, "nodule") == 0) {
        if (hi < CX_LATE_DAYS) {
            kj_key(xp, ep, "onset");
            return md_err_set(err, MD_EINVAL, xp,
                              "%s: infections and nodules start up to 12 weeks after the "
                              "session: max_days at least %d",
                              xp, CX_LATE_DAYS);
        }
        if (fu < CX_LATE_DAYS) {
            kj_key(xp, ep, "followup_days");
            return md_err_set(err, MD_EINVAL, xp,
                              "%s: follow-up of infections and nodules stays open at least "
                              "12 weeks (%d days)",
                              xp, CX_LATE_DAYS);
        }
    }
    const char **src = NULL;
    if ((rc = parse_schedule(kb, c, j, ep, err)) || (rc = parse_flags(kb, C, c, j, ep, err)) ||
        (rc = strings(kb, j, "management", ep, CX_STEPS_MAX, 1, &c->management, &c->n_management,
                      err)) ||
        (rc = kb_sources_parse(kb, kb->arena, j, ep, 0, &src, &c->n_sources, err)))
        return rc;
    c->sources = src;
    C->n++;
    return MD_OK;
}

static md_code parse_grades(md_kb *kb, struct kb_complications *C, const json_t *doc,
                            const char *fp, md_err *err)
{
    static const char *const keys[] = {"grade", "label", "sources", NULL};
    const json_t *arr = NULL;
    char p[KB_PATH_MAX], ep[KB_PATH_MAX], xp[KB_PATH_MAX];
    md_code rc = kj_array(doc, "grades", fp, 1, 5, &arr, err);
    if (rc) return rc;
    kj_key(p, fp, "grades");
    if (json_array_size(arr) != 5)
        return md_err_set(err, MD_EINVAL, p, "%s: the five CTCAE grades, 1 to 5", p);
    for (size_t i = 0; i < 5; i++) {
        const json_t *g = json_array_get(arr, i);
        kb_grade *G = &C->grades[i];
        long grade = 0;
        kj_index(ep, p, i);
        if ((rc = kj_object(g, ep, keys, err)) ||
            (rc = kj_int(g, "grade", ep, 1, 1, 5, &grade, NULL, err)) ||
            (rc = kj_string_copy(kb->arena, g, "label", ep, 1, &G->label, err)) ||
            (rc = kb_sources_parse(kb, kb->arena, g, ep, 0, &G->sources, &G->n_sources, err)))
            return rc;
        kj_key(xp, ep, "grade");
        if (grade != (long)i + 1)
            return md_err_set(err, MD_EINVAL, xp, "%s: grades are listed 1 to 5 in order", xp);
        G->grade = (int)grade;
    }
    return MD_OK;
}

md_code kb_complications_parse(md_kb *kb, const json_t *doc, const char *fp, md_err *err)
{
    static const char *const top[] = {"grades", "complications", NULL};
    const json_t *arr = NULL;
    char p[KB_PATH_MAX], ep[KB_PATH_MAX];
    struct kb_complications *C = md_arena_calloc(kb->arena, sizeof *C);
    if (!C) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_code rc = kj_object(doc, fp, top, err);
    if (rc == MD_OK) rc = parse_grades(kb, C, doc, fp, err);
    if (rc == MD_OK) rc = kj_array(doc, "complications", fp, 1, CX_MAX, &arr, err);
    kj_key(p, fp, "complications");
    if (rc == MD_OK && json_array_size(arr) == 0)
        rc = md_err_set(err, MD_EINVAL, p, "%s: at least one complication", p);
    for (size_t i = 0; rc == MD_OK && i < json_array_size(arr); i++) {
        kj_index(ep, p, i);
        rc = parse_entry(kb, C, json_array_get(arr, i), ep, err);
    }
    if (rc == MD_OK) kb->complications = C;
    return rc;
}

/* ---- access ---------------------------------------------------------------------------- */

const md_kb_complication *md_kb_complication_find(const md_kb *kb, const char *code)
{
    const struct kb_complications *C = kb ? kb->complications : NULL;
    for (size_t i = 0; C && code && i < C->n; i++)
        if (strcmp(C->e[i].code, code) == 0) return &C->e[i];
    return NULL;
}

const md_kb_complication *md_kb_complications(const md_kb *kb, size_t *n)
{
    const struct kb_complications *C = kb ? kb->complications : NULL;
    *n = C ? C->n : 0;
    return C ? C->e : NULL;
}

int md_kb_red_flag_known(const md_kb *kb, const char *code, const md_kb_complication **owner)
{
    const struct kb_complications *C = kb ? kb->complications : NULL;
    if (owner) *owner = NULL;
    for (size_t i = 0; C && code && i < C->n; i++)
        for (size_t k = 0; k < C->e[i].n_red_flags; k++)
            if (strcmp(C->e[i].red_flags[k].code, code) == 0) {
                if (owner) *owner = &C->e[i];
                return 1;
            }
    return 0;
}

static json_t *entry_json(const md_kb_complication *c)
{
    json_t *flags = json_array(), *sched = json_array();
    for (size_t i = 0; flags && i < c->n_red_flags; i++)
        json_array_append_new(flags,
                              json_pack("{s:s,s:s,s:s}", "code", c->red_flags[i].code, "label",
                                        c->red_flags[i].label, "patient", c->red_flags[i].patient));
    for (size_t i = 0; sched && i < c->n_followup_schedule; i++)
        json_array_append_new(sched, json_integer(c->followup_schedule[i]));
    return json_pack("{s:s,s:s?,s:s,s:s,s:s,s:{s:i,s:i},s:i,s:i,s:o,s:o,s:o,s:o}", "code", c->code,
                     "snomed", c->snomed, "name", c->name, "category", c->category, "frequency",
                     c->frequency, "onset", "min_days", c->onset_min_days, "max_days",
                     c->onset_max_days, "resolution_max_days", c->resolution_max_days,
                     "followup_days", c->followup_days, "followup_schedule", sched, "red_flags",
                     flags, "management", kb_strings_json(c->management, c->n_management),
                     "sources", kb_strings_json(c->sources, c->n_sources));
}

json_t *md_kb_complications_json(const md_kb *kb)
{
    const struct kb_complications *C = kb ? kb->complications : NULL;
    json_t *list = json_array(), *grades = json_array();
    for (size_t i = 0; C && list && i < C->n; i++)
        if (json_array_append_new(list, entry_json(&C->e[i]))) goto nomem;
    for (size_t i = 0; C && grades && i < 5; i++)
        if (json_array_append_new(
                grades, json_pack("{s:i,s:s,s:o}", "grade", C->grades[i].grade, "label",
                                  C->grades[i].label, "sources",
                                  kb_strings_json(C->grades[i].sources, C->grades[i].n_sources))))
            goto nomem;
    if (!list || !grades) goto nomem;
    return json_pack("{s:s,s:o,s:o}", "version", kb ? md_kb_version(kb) : "", "complications", list,
                     "grades", grades);
nomem:
    json_decref(list);
    json_decref(grades);
    return NULL;
}
