/*
 * kb_day.c - kb/day.json: the numbers of the clinic's day (how long a screening counts
 * before a treatment, how far ahead course windows and maintenance are listed, how far
 * back no-shows are followed up), loaded and checked with the rest of the kb (kb_load.c
 * calls kb_day_parse); read through day.h (md_kb_day).
 *
 * Checks, reported as "kb/day.json:<path>": known keys only, each entry with sources from
 * sources.json, each default within its range.  State: the kb's arena.
 */
#include "kb/kb_int.h"
#include "mesodesk/day.h"

struct kb_day {
    md_day_kb v;
};

static md_code entry(md_kb *kb, const json_t *doc, const char *fp, const char *key, long lo,
                     long hi, long *out, md_err *err)
{
    static const char *const keys[] = {"default", "min", "max", "note", "sources", NULL};
    char p[KB_PATH_MAX];
    const char **src = NULL;
    size_t n_src = 0;
    const json_t *e = json_object_get(doc, key);
    kj_key(p, fp, key);
    if (!e) return md_err_set(err, MD_EINVAL, p, "%s: required", p);
    md_code rc = kj_object(e, p, keys, err);
    if (rc == MD_OK) rc = kj_int(e, "default", p, 1, lo, hi, out, NULL, err);
    if (rc == MD_OK) rc = kb_sources_parse(kb, kb->arena, e, p, 0, &src, &n_src, err);
    return rc;
}

md_code kb_day_parse(md_kb *kb, const json_t *doc, const char *fp, md_err *err)
{
    static const char *const top[] = {"screening_valid_days", "due_ahead_days",
                                      "no_show_follow_up_days", NULL};
    struct kb_day *d = md_arena_calloc(kb->arena, sizeof *d);
    if (!d) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_code rc = kj_object(doc, "kb/day.json", top, err);
    if (rc == MD_OK)
        rc = entry(kb, doc, fp, "screening_valid_days", 1, 365, &d->v.screening_valid_days, err);
    if (rc == MD_OK) rc = entry(kb, doc, fp, "due_ahead_days", 1, 60, &d->v.due_ahead_days, err);
    if (rc == MD_OK)
        rc = entry(kb, doc, fp, "no_show_follow_up_days", 1, 90, &d->v.no_show_follow_up_days, err);
    if (rc == MD_OK) kb->day = d;
    return rc;
}

void md_kb_day(const md_kb *kb, md_day_kb *out)
{
    if (kb && kb->day) {
        *out = kb->day->v;
        return;
    }
    *out = (md_day_kb){30, 7, 14};
}
