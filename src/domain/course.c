/*
 * course.c - treatment courses and their planned session windows (course.h).
 *
 * State machine of a course (the record's "state"):
 *
 *     planned --first session done--> active --last session of the series done--> completed
 *        |                              |
 *        +------- abandon {reason} -----+--> abandoned
 *
 *   - planned -> active: md_course_session_done of a series session;
 *   - active -> completed: the last session of the series done (a series of one goes from
 *     planned straight to completed);
 *   - planned | active -> abandoned: POST /courses/{id}/abandon with a reason;
 *   - completed and abandoned are final: abandon, replan or a series session done there is
 *     MD_ECONFLICT naming "state".  A completed course still takes its maintenance visits
 *     (each one done plans the next).  A correction of a course record is a new version.
 *
 * The plan: sessions 1..n of the series, then maintenance visits (seq n+1, n+2, ...), each
 * with a window of civil days in the clinic's zone (earliest, target, latest, inclusive):
 *   - the first session of a plan (or of a re-plan from a day D): [D, D, D + (max - min)]
 *     where min and max are the cited spacing range, so it may slip as much as the range
 *     is wide;
 *   - the session after one planned (or done) on day D: [D + min, D + spacing, D + max],
 *     spacing the course's (the clinic's choice or the shipped default);
 *   - the first maintenance visit after the last session of the series on day D (done, or
 *     else its target): [D + min months, D + chosen months, D + max months] (the month's
 *     day clamped at month ends); one maintenance visit is planned at a time: when it is
 *     done, the next is planned from the day it was done.
 * Days are counted on civil dates, so a window crossing a daylight-saving change is as long
 * as any other; "today" is the clinic's civil day (md_clinic_zone).
 *
 * Re-planning (a new version, the reason saying what was missed and what moved):
 *   - a session done on D outside its window, or such that the next window is no longer
 *     inside [D + min, D + max] (done late, or early), re-plans every session not done
 *     after it from D;
 *   - POST /courses/{id}/replan, when a window is missed (today past its latest day with
 *     the session not done), re-plans from today: the first session not done gets the
 *     first-session window from today.
 *
 * course_windows is a derived index of the windows not done of courses that are not
 * abandoned (rewritten in the same transaction as every version, like patient_terms), so
 * that the clinic's day asks for windows closing or maintenance due by an indexed range
 * instead of reading every course.
 */
#include <stdio.h>
#include <string.h>

#include "mesodesk/audit.h"
#include "mesodesk/booking.h"
#include "mesodesk/clinic.h"
#include "mesodesk/commit.h"
#include "mesodesk/course.h"
#include "mesodesk/formulation.h"
#include "mesodesk/patch_test.h" /* md_day_add_months */
#include "mesodesk/record.h"
#include "mesodesk/validate.h"
#include "record_int.h"

#define PLAN_MAX 64    /* sessions of a plan, maintenance included */
#define REASON_MAX 480 /* a version's reason (the engine takes 500) */

static const char *const course_states[] = {"planned",   "active",           "completed",
                                            "abandoned", "entered_in_error", NULL};

/* ---- windows: pure arithmetic -------------------------------------------------------- */

md_window md_course_first_window(md_day day, const md_protocol_range *spacing)
{
    md_window w = {day, day, day + (spacing->max - spacing->min)};
    return w;
}

md_window md_course_next_window(md_day day, int spacing, const md_protocol_range *r)
{
    md_window w = {day + r->min, day + spacing, day + r->max};
    return w;
}

md_window md_course_maintenance_window(md_day day, int months, const md_protocol_range *r)
{
    md_window w = {md_day_add_months(day, r->min), md_day_add_months(day, months),
                   md_day_add_months(day, r->max)};
    return w;
}

/* ---- the plan in C ------------------------------------------------------------------- */

typedef struct plan_session {
    int seq;
    int maintenance;
    md_window w;
    md_day done; /* -1: not done */
    char appointment[MD_ID_STR];
} plan_session;

typedef struct plan {
    plan_session s[PLAN_MAX];
    int n;       /* sessions planned */
    int count;   /* of the series */
    int spacing; /* days */
    int months;  /* maintenance */
    const md_protocol_range *spacing_range, *months_range;
} plan;

static md_day day_of(const json_t *o, const char *key)
{
    md_day d = -1;
    const char *s = json_string_value(json_object_get(o, key));
    if (!s || md_date_parse(s, &d) != 0) return -1;
    return d;
}

static json_t *day_json(md_day d)
{
    char buf[MD_DATE_STR];
    if (d < 0) return json_null();
    md_date_format(d, buf);
    return json_string(buf);
}

static json_t *plan_json(const plan *p)
{
    json_t *arr = json_array();
    for (int i = 0; arr && i < p->n; i++) {
        const plan_session *s = &p->s[i];
        json_array_append_new(
            arr, json_pack("{s:i,s:s,s:o,s:o,s:o,s:o,s:o}", "seq", s->seq, "kind",
                           s->maintenance ? "maintenance" : "series", "earliest",
                           day_json(s->w.earliest), "target", day_json(s->w.target), "latest",
                           day_json(s->w.latest), "done_on", day_json(s->done), "appointment_id",
                           s->appointment[0] ? json_string(s->appointment) : json_null()));
    }
    return json_pack("{s:o}", "sessions", arr);
}

/* The plan of a stored course: its values, ranges from the kb, sessions from "plan". */
static md_code plan_from(md_ctx *ctx, const json_t *course, plan *p, md_err *err)
{
    const md_protocol *proto =
        md_kb_protocol_find(ctx->kb, json_string_value(json_object_get(course, "protocol")));
    const json_t *arr = json_object_get(json_object_get(course, "plan"), "sessions"), *s;
    size_t i;
    memset(p, 0, sizeof *p);
    if (!proto)
        return md_err_set(err, MD_EUNPROCESSABLE, "protocol",
                          "the course's protocol is no longer in the knowledge base");
    p->count = (int)json_integer_value(json_object_get(course, "session_count"));
    p->spacing = (int)json_integer_value(json_object_get(course, "spacing_days"));
    p->months = (int)json_integer_value(json_object_get(course, "maintenance_months"));
    p->spacing_range = md_protocol_range_of(proto, MD_PP_SPACING_DAYS);
    p->months_range = md_protocol_range_of(proto, MD_PP_MAINTENANCE_MONTHS);
    json_array_foreach(arr, i, s)
    {
        if (i >= PLAN_MAX) break;
        plan_session *ps = &p->s[p->n++];
        const char *appt = json_string_value(json_object_get(s, "appointment_id"));
        ps->seq = (int)json_integer_value(json_object_get(s, "seq"));
        ps->maintenance = ps->seq > p->count;
        ps->w.earliest = day_of(s, "earliest");
        ps->w.target = day_of(s, "target");
        ps->w.latest = day_of(s, "latest");
        ps->done = day_of(s, "done_on");
        md_strlcpy(ps->appointment, appt ? appt : "", sizeof ps->appointment);
    }
    return MD_OK;
}

/* The day a session counts from for the next one: done, or else planned. */
static md_day anchor_of(const plan_session *s)
{
    return s->done >= 0 ? s->done : s->w.target;
}

/* Windows of sessions from index `from` on (none of them done), chained from the one
 * before; the first gets `first` when given.  Adds the first maintenance visit when the
 * plan has none not done. */
static void plan_chain(plan *p, int from, const md_window *first)
{
    for (int i = from; i < p->n; i++) {
        plan_session *s = &p->s[i];
        if (i == from && first)
            s->w = *first;
        else if (!s->maintenance)
            s->w = md_course_next_window(anchor_of(&p->s[i - 1]), p->spacing, p->spacing_range);
        else
            s->w =
                md_course_maintenance_window(anchor_of(&p->s[i - 1]), p->months, p->months_range);
    }
    if (p->n && p->n < PLAN_MAX && p->s[p->n - 1].done >= 0 && p->n >= p->count) {
        plan_session *s = &p->s[p->n];
        memset(s, 0, sizeof *s);
        s->seq = p->n + 1, s->maintenance = 1, s->done = -1;
        s->w = md_course_maintenance_window(anchor_of(&p->s[p->n - 1]), p->months, p->months_range);
        p->n++;
    }
}

/* A new plan: the series from start, then the first maintenance visit. */
static void plan_new(plan *p, md_day start)
{
    md_window first = md_course_first_window(start, p->spacing_range);
    p->n = p->count + 1;
    for (int i = 0; i < p->n; i++) {
        memset(&p->s[i], 0, sizeof p->s[i]);
        p->s[i].seq = i + 1, p->s[i].maintenance = i >= p->count, p->s[i].done = -1;
    }
    plan_chain(p, 0, &first);
}

static plan_session *plan_find(plan *p, int seq)
{
    for (int i = 0; i < p->n; i++)
        if (p->s[i].seq == seq) return &p->s[i];
    return NULL;
}

/* Sessions whose targets differ between before and after, as "session 3 2026-03-10,
 * maintenance 5 2026-06-24" appended to buf (at most sz). */
static void moved_text(const plan *before, const plan *after, char *buf, size_t sz)
{
    size_t off = strlen(buf);
    int any = 0;
    for (int i = 0; i < after->n && off + 40 < sz; i++) {
        const plan_session *a = &after->s[i];
        const plan_session *b = i < before->n ? &before->s[i] : NULL;
        char d[MD_DATE_STR];
        if (a->done >= 0 || (b && b->w.target == a->w.target && b->w.latest == a->w.latest))
            continue;
        md_date_format(a->w.target, d);
        off += (size_t)snprintf(buf + off, sz - off, "%s%s %d %s%s", any ? ", " : "",
                                a->maintenance ? "maintenance" : "session", a->seq,
                                b ? "now " : "added ", d);
        any = 1;
    }
    if (!any && off + 12 < sz) snprintf(buf + off, sz - off, "nothing moved");
}

/* ---- the kind ------------------------------------------------------------------------ */

static md_code plan_json_check(const md_ctx *ctx, json_t *v, const char *field, md_err *err)
{
    static const char *const keys[] = {"sessions", NULL};
    static const char *const skeys[] = {"seq",    "kind",    "earliest",       "target",
                                        "latest", "done_on", "appointment_id", NULL};
    json_t *arr = json_object_get(v, "sessions"), *s;
    char f[MD_JSON_PATH_MAX], sp[MD_JSON_PATH_MAX];
    size_t i;
    (void)ctx;
    md_code rc = md_json_check_keys(v, keys, field, err);
    if (rc) return rc;
    md_json_path(f, field, "sessions");
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > PLAN_MAX)
        return md_err_set(err, MD_EINVAL, f, "%s: 1 to %d sessions", f, PLAN_MAX);
    json_array_foreach(arr, i, s)
    {
        md_json_path_index(sp, f, i);
        if ((rc = md_json_check_keys(s, skeys, sp, err))) return rc;
        if (json_integer_value(json_object_get(s, "seq")) != (json_int_t)i + 1)
            return md_err_set(err, MD_EINVAL, sp, "%s: sessions are numbered 1, 2, ...", sp);
        if (day_of(s, "earliest") < 0 || day_of(s, "target") < day_of(s, "earliest") ||
            day_of(s, "latest") < day_of(s, "target"))
            return md_err_set(err, MD_EINVAL, sp, "%s: earliest <= target <= latest", sp);
    }
    return MD_OK;
}

static md_code course_after_write(md_ctx *ctx, const md_record_kind *k, const char *id,
                                  md_err *err);
static md_code course_decorate(md_ctx *ctx, json_t *rec, md_err *err);

static const md_field course_fields[] = {
    {.name = "protocol",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 64,
     .doc = "the kb protocol code (kb/protocols.json)"},
    {.name = "formulation_id",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 32,
     .doc = "the patient's formulation this course uses"},
    {.name = "start", .type = MD_F_DATE, .required = 1, .doc = "the day of the first session"},
    {.name = "session_count",
     .type = MD_F_INT,
     .required = 1,
     .min = 1,
     .max = 20,
     .doc = "sessions of the initial series"},
    {.name = "spacing_days",
     .type = MD_F_INT,
     .required = 1,
     .min = 1,
     .max = 365,
     .doc = "target days between two sessions of the series"},
    {.name = "maintenance_months",
     .type = MD_F_INT,
     .required = 1,
     .min = 1,
     .max = 36,
     .doc = "target months between maintenance visits"},
    {.name = "session_minutes",
     .type = MD_F_INT,
     .required = 1,
     .min = 5,
     .max = 480,
     .doc = "the length of a session"},
    {.name = "state",
     .type = MD_F_ENUM,
     .required = 1,
     .values = course_states,
     .dflt = "planned",
     .doc = "planned, active, completed or abandoned (course.c)"},
    {.name = "plan",
     .type = MD_F_JSON,
     .required = 1,
     .json_check = plan_json_check,
     .doc = "written by the server: {sessions: [{seq, kind, earliest, target, latest, "
            "done_on, appointment_id}]}"},
    {0},
};

/* The collection serves no generic routes (h_course.c has the course routes): it lets a
 * patient merge move the patient's courses (md_patient_merge_kind). */
#define COURSE_KIND(write)                                                                         \
    {                                                                                              \
        .name = "course", .table = "courses", .schema = "Course", .title = "courses",              \
        .collection = "courses", .parent = &md_kind_patient, .has_parent = 1,                      \
        .read_perm = MD_PERM_CLINICAL_READ, .write_perm = (write), .fields = course_fields,        \
        .status_field = "state",                                                                   \
        .hooks = {.after_write = course_after_write, .decorate = course_decorate},                 \
    }

const md_record_kind md_kind_course = COURSE_KIND(MD_PERM_CLINICAL_WRITE);
/* The same kind for writes whose caller checked its own permission (a booking completed
 * by reception marks its session done): the engine asks no permission of its own. */
static const md_record_kind course_for_caller = COURSE_KIND(0);

/* ---- today in the clinic's zone ----------------------------------------------------- */

static md_code clinic_today(md_ctx *ctx, md_day *today, char zone[MD_ZONE_STR], md_err *err)
{
    char z[MD_ZONE_STR];
    return md_clinic_zone(ctx, zone ? zone : z, today, err);
}

/* "missed": true on every window past its latest day with its session not done. */
static void mark_missed(json_t *rec, md_day today)
{
    json_t *arr = json_object_get(json_object_get(rec, "plan"), "sessions"), *s;
    const char *state = json_string_value(json_object_get(rec, "state"));
    int open = state && (strcmp(state, "abandoned") != 0 && strcmp(state, "entered_in_error") != 0);
    size_t i;
    json_array_foreach(arr, i, s)
    {
        md_day latest = day_of(s, "latest");
        int missed =
            open && json_is_null(json_object_get(s, "done_on")) && latest >= 0 && today > latest;
        json_object_set_new(s, "missed", json_boolean(missed));
    }
}

static md_code course_decorate(md_ctx *ctx, json_t *rec, md_err *err)
{
    md_day today;
    md_code rc = clinic_today(ctx, &today, NULL, err);
    if (rc == MD_OK) mark_missed(rec, today);
    return rc;
}

/* ---- the window index ---------------------------------------------------------------- */

static md_code course_after_write(md_ctx *ctx, const md_record_kind *k, const char *id, md_err *err)
{
    json_t *items = NULL, *rec;
    plan p;
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    md_code rc =
        md_store_exec(ctx->db, "DELETE FROM course_windows WHERE clinic_id = $1 AND course_id = $2",
                      v, 2, NULL, NULL, err);
    if (rc == MD_OK)
        rc = md__record_query(ctx, k, "clinic_id = $1 AND id = $2 AND current = 1", v, 2, &items,
                              err);
    if (rc != MD_OK || !(rec = json_array_get(items, 0))) goto done;
    const char *state = json_string_value(json_object_get(rec, "state"));
    if (strcmp(state, "abandoned") == 0 || strcmp(state, "entered_in_error") == 0) goto done;
    if ((rc = plan_from(ctx, rec, &p, err)) != MD_OK) goto done;
    for (int i = 0; rc == MD_OK && i < p.n; i++) {
        const plan_session *s = &p.s[i];
        char e[MD_DATE_STR], t[MD_DATE_STR], l[MD_DATE_STR];
        if (s->done >= 0) continue;
        md_date_format(s->w.earliest, e);
        md_date_format(s->w.target, t);
        md_date_format(s->w.latest, l);
        md_val w[] = {md_text(ctx->who.clinic_id),
                      md_text(id),
                      md_int(s->seq),
                      md_text(json_string_value(json_object_get(rec, "patient_id"))),
                      md_text(json_string_value(json_object_get(rec, "protocol"))),
                      md_text(s->maintenance ? "maintenance" : "series"),
                      md_text(e),
                      md_text(t),
                      md_text(l)};
        rc = md_store_exec(ctx->db,
                           "INSERT INTO course_windows (clinic_id, course_id, seq, patient_id, "
                           "protocol, kind, earliest, target, latest) VALUES ($1, $2, $3, $4, $5, "
                           "$6, $7, $8, $9)",
                           w, 9, NULL, NULL, err);
    }
done:
    json_decref(items);
    return rc;
}

/* ---- reads --------------------------------------------------------------------------- */

/* The current version of a course by its id alone, without audit or permission. */
static md_code course_current(md_ctx *ctx, const char *course_id, json_t **out, md_err *err)
{
    json_t *items = NULL;
    if (!md_id_valid(course_id))
        return md_err_set(err, MD_ENOTFOUND, "course_id", "no such course");
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(course_id)};
    md_code rc = md__record_query(ctx, &md_kind_course,
                                  "clinic_id = $1 AND id = $2 AND current = 1", v, 2, &items, err);
    if (rc == MD_OK && !json_array_size(items))
        rc = md_err_set(err, MD_ENOTFOUND, "course_id", "no such course");
    if (rc == MD_OK) *out = json_incref(json_array_get(items, 0));
    json_decref(items);
    return rc;
}

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

md_code md_course_get(md_ctx *ctx, const char *course_id, json_t **out, md_err *err)
{
    json_t *cur = NULL;
    md_code rc = md_require(ctx, md_kind_course.read_perm, err);
    if (rc == MD_OK) rc = course_current(ctx, course_id, &cur, err);
    if (rc == MD_OK)
        rc = md_record_get(ctx, &md_kind_course, str(cur, "patient_id"), course_id, out, err);
    json_decref(cur);
    return rc;
}

md_code md_course_history(md_ctx *ctx, const char *course_id, json_t **out, md_err *err)
{
    json_t *cur = NULL;
    md_code rc = md_require(ctx, md_kind_course.read_perm, err);
    if (rc == MD_OK) rc = course_current(ctx, course_id, &cur, err);
    if (rc == MD_OK)
        rc = md_record_history(ctx, &md_kind_course, str(cur, "patient_id"), course_id, out, err);
    json_decref(cur);
    return rc;
}

/* ---- create -------------------------------------------------------------------------- */

/* The formulation must be a current, active formulation of this patient. */
static md_code check_formulation(md_ctx *ctx, const char *patient_id, const char *id, md_err *err)
{
    json_t *f = NULL;
    md_err ignored;
    if (!id) return md_err_set(err, MD_EINVAL, "formulation_id", "formulation_id is required");
    if (md__record_current(ctx, &md_kind_formulation, patient_id, id, &f, &ignored) != MD_OK) {
        if (ignored.code != MD_ENOTFOUND) {
            *err = ignored;
            return ignored.code;
        }
        return md_err_set(err, MD_EUNPROCESSABLE, "formulation_id",
                          "no formulation %.40s of this patient", id);
    }
    const char *status = str(f, "status");
    md_code rc = MD_OK;
    if (!status || strcmp(status, "active") != 0)
        rc = md_err_set(err, MD_EUNPROCESSABLE, "formulation_id",
                        "formulation %.40s is %s, not active", id, status ? status : "unknown");
    json_decref(f);
    return rc;
}

md_code md_course_create(md_ctx *ctx, const char *patient_id, json_t *in, json_t **out, md_err *err)
{
    static const char *const keys[] = {"protocol",        "formulation_id", "start",
                                       "session_count",   "spacing_days",   "maintenance_months",
                                       "session_minutes", "reason",         NULL};
    md_protocol_values ev;
    const char *protocol = NULL, *fid = NULL, *start_s = NULL;
    md_day start = 0;
    json_t *body = NULL;
    plan p;
    md_err all, one;
    md_err_clear(&all);
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_WRITE | MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK) rc = md_patient_exists(ctx, patient_id, err);
    if (rc == MD_OK) rc = md_json_check_keys(in, keys, "", err);
    if (rc != MD_OK) return rc;
    /* Every field is checked and every error named in one answer. */
    md_err_clear(&one);
    if (md_json_text(in, "protocol", 1, 64, &protocol, &one) == MD_OK &&
        md_protocol_effective(ctx, protocol, "protocol", &ev, &one) == MD_OK) {
        for (int w = 0; w < MD_PP_COUNT; w++) {
            const char *name = md_protocol_param_name((md_protocol_param)w);
            long v = 0;
            int present = 0;
            md_err e1;
            md_err_clear(&e1);
            if (md_json_int(in, name, 0, 1, 1000, &v, &present, &e1) == MD_OK && present)
                md_protocol_value_check(ev.protocol, (md_protocol_param)w, v, name, &e1);
            if (e1.code)
                md_err_collect(&all, &e1);
            else if (present)
                ev.value[w] = (int)v;
        }
    }
    if (one.code && md_err_collect(&all, &one) != MD_OK && !md_err_is_field(&one)) goto fail;
    md_err_clear(&one);
    if (md_json_text(in, "formulation_id", 1, 32, &fid, &one) == MD_OK)
        check_formulation(ctx, patient_id, fid, &one);
    if (one.code && md_err_collect(&all, &one) != MD_OK && !md_err_is_field(&one)) goto fail;
    md_err_clear(&one);
    if (md_json_date(in, "start", 1, &start_s, &start, &one) != MD_OK) md_err_collect(&all, &one);
    if (all.code != MD_OK) goto fail;

    memset(&p, 0, sizeof p);
    p.count = ev.value[MD_PP_SESSION_COUNT];
    p.spacing = ev.value[MD_PP_SPACING_DAYS];
    p.months = ev.value[MD_PP_MAINTENANCE_MONTHS];
    p.spacing_range = md_protocol_range_of(ev.protocol, MD_PP_SPACING_DAYS);
    p.months_range = md_protocol_range_of(ev.protocol, MD_PP_MAINTENANCE_MONTHS);
    plan_new(&p, start);
    body = json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:i,s:s,s:o}", "protocol",
                     md_protocol_code(ev.protocol), "formulation_id", fid, "start", start_s,
                     "session_count", p.count, "spacing_days", p.spacing, "maintenance_months",
                     p.months, "session_minutes", ev.value[MD_PP_SESSION_MINUTES], "state",
                     "planned", "plan", plan_json(&p));
    if (!body) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    json_t *reason = json_object_get(in, "reason");
    if (reason) json_object_set(body, "reason", reason);
    rc = md_record_create(ctx, &md_kind_course, patient_id, body, out, err);
    json_decref(body);
    return rc;
fail:
    *err = all;
    return all.code;
}

/* ---- transitions --------------------------------------------------------------------- */

/* Write p and state as the course's next version (kind k: whose permission).  The version
 * the change was made on is the client's "version" in `in` when it sent one (a stale one is
 * 409 naming "version"), else the one read. */
static md_code write_version(md_ctx *ctx, const md_record_kind *k, const json_t *cur,
                             const json_t *in, const plan *p, const char *state, const char *reason,
                             json_t **out, md_err *err)
{
    json_t *body =
        json_pack("{s:o,s:s,s:s,s:I}", "plan", plan_json(p), "state", state, "reason", reason,
                  "version", json_integer_value(json_object_get(cur, "version")));
    if (!body) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    json_t *given = in ? json_object_get(in, "version") : NULL;
    if (given) json_object_set(body, "version", given);
    json_t *made = NULL;
    md_code rc = md_record_update(ctx, k, str(cur, "patient_id"), str(cur, "id"), body, &made, err);
    json_decref(body);
    if (rc == MD_OK && out)
        *out = made;
    else
        json_decref(made);
    return rc;
}

static md_code state_conflict(const char *what, const char *state, md_err *err)
{
    return md_err_set(err, MD_ECONFLICT, "state", "a course that is %s cannot be %s", state, what);
}

static int state_is(const json_t *cur, const char *s)
{
    const char *state = str(cur, "state");
    return state && strcmp(state, s) == 0;
}

/*
 * Session seq done on day: the transitions and re-planning of the header, on plan p of a
 * course in state *state (updated).  reason gets what the version says.  Pure: no I/O.
 */
static md_code plan_session_done(plan *p, char state[20], int seq, md_day day,
                                 const char *appointment_id, char *reason, size_t rsz, md_err *err)
{
    plan before = *p;
    plan_session *s = plan_find(p, seq);
    char d[MD_DATE_STR], l[MD_DATE_STR], e[MD_DATE_STR];
    if (strcmp(state, "abandoned") == 0 || strcmp(state, "entered_in_error") == 0)
        return state_conflict("treated", state, err);
    if (!s)
        return md_err_set(err, MD_EUNPROCESSABLE, "course_session", "the course has no session %d",
                          seq);
    if (s->done >= 0)
        return md_err_set(err, MD_ECONFLICT, "course_session", "session %d is already done", seq);
    if (!s->maintenance && strcmp(state, "completed") == 0)
        return state_conflict("treated for its series", state, err);
    int idx = (int)(s - p->s);
    if (idx > 0 && p->s[idx - 1].done < 0)
        return md_err_set(err, MD_ECONFLICT, "course_session",
                          "session %d comes before session %d and is not done", seq - 1, seq);
    if (idx > 0 && day < p->s[idx - 1].done)
        return md_err_set(err, MD_EUNPROCESSABLE, "course_session",
                          "session %d cannot be done before session %d was", seq, seq - 1);
    s->done = day;
    md_strlcpy(s->appointment, appointment_id ? appointment_id : "", sizeof s->appointment);
    md_date_format(day, d);
    md_date_format(s->w.latest, l);
    md_date_format(s->w.earliest, e);
    const char *what = s->maintenance ? "maintenance visit" : "session";
    int outside = day > s->w.latest || day < s->w.earliest;
    int misfit = 0;
    if (idx + 1 < p->n) {
        const plan_session *nx = &p->s[idx + 1];
        md_window want = nx->maintenance
                             ? md_course_maintenance_window(day, p->months, p->months_range)
                             : md_course_next_window(day, p->spacing, p->spacing_range);
        misfit = nx->w.earliest < want.earliest || nx->w.latest > want.latest;
    }
    if (outside || misfit || idx + 1 >= p->n) plan_chain(p, idx + 1, NULL);
    if (day > s->w.latest)
        snprintf(reason, rsz,
                 "%s %d done on %s, after its window closed (%s): re-planned from %s: ", what, seq,
                 d, l, d);
    else if (day < s->w.earliest)
        snprintf(reason, rsz,
                 "%s %d done on %s, before its window opened (%s): re-planned from %s: ", what, seq,
                 d, e, d);
    else if (misfit)
        snprintf(reason, rsz,
                 "%s %d done on %s: the next windows no longer fit, re-planned from %s: ", what,
                 seq, d, d);
    else
        snprintf(reason, rsz, "%s %d done on %s", what, seq, d);
    if (outside || misfit || idx + 1 >= before.n) {
        if (!outside && !misfit) md_strlcpy(reason + strlen(reason), ": ", rsz - strlen(reason));
        moved_text(&before, p, reason, rsz);
    }
    if (!s->maintenance) {
        int done = 0;
        for (int i = 0; i < p->count && i < p->n; i++)
            done += p->s[i].done >= 0;
        md_strlcpy(state, done >= p->count ? "completed" : "active", 20);
    }
    return MD_OK;
}

md_code md_course_session_done(md_ctx *ctx, const char *course_id, int seq, md_day day,
                               const char *appointment_id, md_err *err)
{
    json_t *cur = NULL;
    plan p;
    char state[20], reason[REASON_MAX];
    md_code rc = course_current(ctx, course_id, &cur, err);
    if (rc == MD_OK) rc = plan_from(ctx, cur, &p, err);
    if (rc != MD_OK) goto done;
    md_strlcpy(state, str(cur, "state"), sizeof state);
    rc = plan_session_done(&p, state, seq, day, appointment_id, reason, sizeof reason, err);
    if (rc == MD_OK)
        rc = write_version(ctx, &course_for_caller, cur, NULL, &p, state, reason, NULL, err);
done:
    json_decref(cur);
    return rc;
}

md_code md_course_abandon(md_ctx *ctx, const char *course_id, json_t *in, json_t **out, md_err *err)
{
    static const char *const keys[] = {"reason", "version", NULL};
    const char *why = NULL;
    json_t *cur = NULL;
    plan p;
    char reason[REASON_MAX];
    md_code rc = md_require(ctx, md_kind_course.write_perm, err);
    if (rc == MD_OK) rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK) rc = md_json_text(in, "reason", 1, 400, &why, err);
    if (rc == MD_OK) rc = course_current(ctx, course_id, &cur, err);
    if (rc == MD_OK && !state_is(cur, "planned") && !state_is(cur, "active"))
        rc = state_conflict("abandoned", str(cur, "state"), err);
    if (rc == MD_OK) rc = plan_from(ctx, cur, &p, err);
    if (rc == MD_OK) {
        snprintf(reason, sizeof reason, "abandoned: %s", why);
        rc = write_version(ctx, &md_kind_course, cur, in, &p, "abandoned", reason, out, err);
    }
    json_decref(cur);
    return rc;
}

/* Re-plan p from today at its first missed window (pure).  MD_ECONFLICT naming "plan" when
 * none is missed. */
static md_code plan_replan(plan *p, md_day today, char *reason, size_t rsz, md_err *err)
{
    plan before = *p;
    int idx = -1;
    for (int i = 0; i < p->n && idx < 0; i++)
        if (p->s[i].done < 0 && p->s[i].w.latest < today) idx = i;
    if (idx < 0) return md_err_set(err, MD_ECONFLICT, "plan", "no window of this course is missed");
    char t[MD_DATE_STR], l[MD_DATE_STR];
    md_date_format(today, t);
    md_date_format(p->s[idx].w.latest, l);
    md_window first = md_course_first_window(today, p->spacing_range);
    plan_chain(p, idx, &first);
    snprintf(reason, rsz, "window of %s %d missed (it closed %s): re-planned from today %s: ",
             p->s[idx].maintenance ? "maintenance visit" : "session", p->s[idx].seq, l, t);
    moved_text(&before, p, reason, rsz);
    return MD_OK;
}

md_code md_course_replan(md_ctx *ctx, const char *course_id, json_t *in, json_t **out, md_err *err)
{
    static const char *const keys[] = {"version", NULL};
    json_t *cur = NULL;
    plan p;
    md_day today;
    char reason[REASON_MAX];
    md_code rc = md_require(ctx, md_kind_course.write_perm, err);
    if (rc == MD_OK && in) rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK) rc = course_current(ctx, course_id, &cur, err);
    if (rc == MD_OK && !state_is(cur, "planned") && !state_is(cur, "active"))
        rc = state_conflict("re-planned", str(cur, "state"), err);
    if (rc == MD_OK) rc = plan_from(ctx, cur, &p, err);
    if (rc == MD_OK) rc = clinic_today(ctx, &today, NULL, err);
    if (rc == MD_OK) rc = plan_replan(&p, today, reason, sizeof reason, err);
    if (rc == MD_OK)
        rc = write_version(ctx, &md_kind_course, cur, in, &p, str(cur, "state"), reason, out, err);
    json_decref(cur);
    return rc;
}

/* ---- for other modules --------------------------------------------------------------- */

md_code md_course_slot_get(md_ctx *ctx, const char *course_id, int seq, md_course_slot *out,
                           md_err *err)
{
    json_t *cur = NULL;
    plan p;
    md_code rc = course_current(ctx, course_id, &cur, err);
    if (rc == MD_OK) rc = plan_from(ctx, cur, &p, err);
    if (rc != MD_OK) goto done;
    plan_session *s = plan_find(&p, seq);
    if (!s) {
        rc = md_err_set(err, MD_EUNPROCESSABLE, "course_session", "the course has no session %d",
                        seq);
        goto done;
    }
    memset(out, 0, sizeof *out);
    out->window = s->w;
    md_strlcpy(out->patient_id, str(cur, "patient_id"), sizeof out->patient_id);
    md_strlcpy(out->protocol, str(cur, "protocol"), sizeof out->protocol);
    md_strlcpy(out->required_scope,
               md_protocol_required_scope(md_kb_protocol_find(ctx->kb, out->protocol)),
               sizeof out->required_scope);
    out->session_minutes = (int)json_integer_value(json_object_get(cur, "session_minutes"));
    out->done = s->done >= 0;
    md_strlcpy(out->state, str(cur, "state"), sizeof out->state);
done:
    json_decref(cur);
    return rc;
}

typedef struct due_ctx {
    json_t *items;
    const char *kind;
} due_ctx;

static int due_row(void *vctx, const md_row *r)
{
    due_ctx *c = vctx;
    json_array_append_new(c->items,
                          json_pack("{s:s,s:s,s:s,s:I,s:s,s:{s:s,s:s,s:s}}", "course_id",
                                    md_row_text(r, 0), "patient_id", md_row_text(r, 1), "protocol",
                                    md_row_text(r, 2), "seq", (json_int_t)md_row_int(r, 3), "kind",
                                    c->kind, "window", "earliest", md_row_text(r, 4), "target",
                                    md_row_text(r, 5), "latest", md_row_text(r, 6)));
    return 0;
}

/* The patient is the course's current one (a merge moves a course to the survivor by new
 * versions written in SQL, which the window index does not see); a primary-key probe per
 * window. */
#define DUE_JOIN                                                                                   \
    "JOIN courses c ON c.clinic_id = w.clinic_id AND c.id = w.course_id AND c.current = 1 "        \
    "WHERE w.clinic_id = $1"

md_code md_course_due(md_ctx *ctx, md_day from, md_day to, json_t **out, md_err *err)
{
    char f[MD_DATE_STR], t[MD_DATE_STR];
    md_date_format(from, f);
    md_date_format(to, t);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(f), md_text(t)};
    due_ctx c = {json_array(), "window_closing"};
    md_code rc = md_store_exec(ctx->db,
                               "SELECT w.course_id, c.patient_id, w.protocol, w.seq, w.earliest, "
                               "w.target, w.latest FROM course_windows w " DUE_JOIN
                               " AND w.kind = 'series' AND w.latest >= $2 AND w.latest <= $3 "
                               "ORDER BY w.latest, w.course_id, w.seq",
                               v, 3, due_row, &c, err);
    c.kind = "maintenance_due";
    if (rc == MD_OK)
        rc = md_store_exec(ctx->db,
                           "SELECT w.course_id, c.patient_id, w.protocol, w.seq, w.earliest, "
                           "w.target, w.latest FROM course_windows w " DUE_JOIN
                           " AND w.kind = 'maintenance' AND w.target >= $2 AND w.target <= $3 "
                           "ORDER BY w.target, w.course_id, w.seq",
                           v, 3, due_row, &c, err);
    if (rc == MD_OK)
        *out = json_pack("{s:o}", "items", c.items);
    else
        json_decref(c.items);
    return rc;
}

md_code md_course_timeline(md_ctx *ctx, const char *course_id, json_t **out, md_err *err)
{
    json_t *cur = NULL, *windows = NULL, *done = NULL, *appts = NULL, *s;
    md_day today;
    char zone[MD_ZONE_STR];
    size_t i;
    md_code rc = md_require(ctx, MD_PERM_SCHEDULE_READ, err);
    if (rc == MD_OK) rc = course_current(ctx, course_id, &cur, err);
    if (rc == MD_OK) rc = clinic_today(ctx, &today, zone, err);
    if (rc == MD_OK) rc = md_appointments_of_course(ctx, course_id, &appts, err);
    if (rc != MD_OK) goto done;
    mark_missed(cur, today);
    windows = json_deep_copy(json_object_get(json_object_get(cur, "plan"), "sessions"));
    done = json_array();
    json_array_foreach(windows, i, s)
    {
        if (!json_is_null(json_object_get(s, "done_on")))
            json_array_append_new(done, json_pack("{s:O,s:O,s:O}", "seq", json_object_get(s, "seq"),
                                                  "done_on", json_object_get(s, "done_on"),
                                                  "appointment_id",
                                                  json_object_get(s, "appointment_id")));
    }
    md_audit_entry a = {"read", md_kind_course.name, course_id, str(cur, "patient_id"), "timeline"};
    if ((rc = md_audit(ctx, &a, err)) != MD_OK) goto done;
    json_t *items = json_incref(json_object_get(appts, "items"));
    if (!items) items = json_array();
    *out = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:o,s:o,s:o}", "course_id", course_id, "patient_id",
                     str(cur, "patient_id"), "protocol", str(cur, "protocol"), "state",
                     str(cur, "state"), "session_minutes",
                     json_integer_value(json_object_get(cur, "session_minutes")), "time_zone", zone,
                     "windows", windows, "sessions_done", done, "bookings", items);
    windows = done = NULL;
    if (!*out)
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    else
        json_object_set_new(*out, "today", day_json(today));
done:
    json_decref(appts);
    json_decref(cur);
    json_decref(windows);
    json_decref(done);
    return rc;
}

md_code md_course_list(md_ctx *ctx, const char *patient_id, json_t **out, md_err *err)
{
    md_day today;
    json_t *c;
    size_t i;
    md_code rc = md_record_list(ctx, &md_kind_course, patient_id, 0, out, err);
    if (rc == MD_OK && (rc = clinic_today(ctx, &today, NULL, err)) == MD_OK) {
        json_array_foreach(json_object_get(*out, "items"), i, c) mark_missed(c, today);
    } else if (rc != MD_OK) {
        return rc;
    }
    return rc;
}
