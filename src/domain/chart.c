/*
 * chart.c - treatment sessions: the charted visit of one course session (chart.h,
 * docs/CHARTING.md).
 *
 * State machine of a session (the record's "state"); every step is a new version of the
 * record (who, when, why) that appends one event {"state","step","at","by"} to "events":
 *
 *   (none) --checkin--> checked_in --precheck: every gate passes--> prechecked
 *   prechecked --precheck (new materials; the gates run again)--> prechecked
 *   prechecked --start: the gates pass once more--> in_progress
 *   in_progress --chart (the first injection record)--> in_progress
 *   in_progress | completed --amend {reason} (a re-charting)--> the same state
 *   in_progress --complete: the completion check passes--> completed
 *   completed --signoff (MD_PERM_CHART_SIGNOFF, not one's own chart)--> signed_off
 *   completed | signed_off --addendum {text}--> the same state
 *   checked_in | prechecked --cancel {reason}--> cancelled   (nothing was injected)
 *   signed_off and cancelled are final but for addenda to a signed-off chart.
 *
 * What each step may change (everything else is equal to the version before, which the
 * kind's after_write hook checks for every write, whatever its caller):
 *   checkin: creates the record (state checked_in, one event, nothing charted);
 *   precheck: materials, prechecks;        start: prechecks;
 *   chart, amend: chart, warnings;         complete: completion, review, aftercare;
 *   signoff: signoff, review;              addendum: addenda (exactly one appended);
 *   cancel: nothing.
 * Never changed after check-in: course_id, course_session, appointment_id,
 * practitioner_id, day (and the patient, which the engine keeps).
 *
 * The kind's after_write hook is the gate of every interface (API, CLI, import, a direct
 * md_record_create/update): no caller can skip it.  Inside the write, once the new version
 * is stored: the step is one of the table above, from the state before, changing only what
 * it may; a version that enters prechecked or in_progress runs md_chart_gates, one that
 * enters completed md_chart_completion, one that enters signed_off needs
 * MD_PERM_CHART_SIGNOFF and another signer than the practitioner; a chart or amend step's
 * chart passes every check of the injection record below, stores every warning it raises
 * acknowledged, and each of its doses is a current administration of this session with the
 * entry's lot, vial and volume (the doses of the chart before, entered in error).  Later
 * steps do not re-check the chart (the kb, a formulation or a lot may change since).  A refusal
 *     rolls the whole write back (MD_EUNPROCESSABLE naming the member at fault: the
 *     md_chart_* functions check the same first and answer 409 with the checks).
 *
 * The injection record (md_chart_record): refused, 4xx naming the member (nothing stored, no
 * stock moved): an unknown technique or one the course's protocol does not allow; an end
 * before the start; an unknown map or zone; a point outside the map or outside its zone's
 * polygon; zero points with a volume; a negative depth, or a facial depth over the kb's limit
 * (kb/body_maps.json); an angle outside 0..90; a lot or vial not of this clinic, a vial of
 * another lot; a product of the formulation charted beyond its planned volume, or a product
 * the formulation does not hold; a dose the vial or container cannot give (stock.c).
 * Warnings, to be acknowledged by code ("acknowledge": [codes], 409 naming "acknowledge"
 * until each is): depth_out_of_range, angle_out_of_range (the protocol's range for the
 * zone's area, kb/protocols.json), needle_not_in_protocol, area_not_in_protocol (the
 * protocol has no range for the area: unknown is not no).  Each dose is an administration
 * (stock.h, context "session") in the same write; a re-charting marks the earlier ones
 * entered in error in that write, so their stock comes back.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mesodesk/audit.h"
#include "mesodesk/booking.h"
#include "mesodesk/chart.h"
#include "mesodesk/checkin.h"
#include "mesodesk/clinic.h"
#include "mesodesk/commit.h"
#include "mesodesk/course.h"
#include "mesodesk/formulation.h"
#include "mesodesk/stock.h"
#include "mesodesk/tz.h"
#include "mesodesk/validate.h"
#include "record_int.h"

#define ENTRIES_MAX 200
#define TEXT_MAX 4000
#define WARN_MAX 64

static const char *const session_states[] = {"checked_in", "prechecked", "in_progress", "completed",
                                             "signed_off", "cancelled",  NULL};

/* ---- the steps ------------------------------------------------------------------------ */

typedef struct step {
    const char *name;
    const char *from[3]; /* NULL-terminated; {NULL}: a create */
    const char *to;      /* NULL: the same state as before */
    const char *changes[4];
} step;

static const step steps[] = {
    {"checkin", {NULL}, "checked_in", {NULL}},
    {"precheck",
     {"checked_in", "prechecked", NULL},
     "prechecked",
     {"materials", "prechecks", NULL}},
    {"start", {"prechecked", NULL}, "in_progress", {"prechecks", NULL}},
    {"chart", {"in_progress", NULL}, "in_progress", {"chart", "warnings", NULL}},
    {"amend", {"in_progress", "completed", NULL}, NULL, {"chart", "warnings", NULL}},
    {"complete", {"in_progress", NULL}, "completed", {"completion", "review", "aftercare", NULL}},
    {"signoff", {"completed", NULL}, "signed_off", {"signoff", "review", NULL}},
    {"addendum", {"completed", "signed_off", NULL}, NULL, {"addenda", NULL}},
    {"cancel", {"checked_in", "prechecked", NULL}, "cancelled", {NULL}},
};

/* Fields no step changes. */
static const char *const fixed_fields[] = {
    "course_id", "course_session", "appointment_id", "practitioner_id", "day", NULL};

static const step *step_named(const char *name)
{
    for (size_t i = 0; name && i < sizeof steps / sizeof steps[0]; i++)
        if (strcmp(steps[i].name, name) == 0) return &steps[i];
    return NULL;
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static int is(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static int in_list(const char *const *list, const char *s)
{
    for (int i = 0; list[i]; i++)
        if (is(list[i], s)) return 1;
    return 0;
}

static int json_same(const json_t *a, const json_t *b)
{
    int an = !a || json_is_null(a), bn = !b || json_is_null(b);
    if (an || bn) return an && bn;
    return json_equal(a, b);
}

int md_chart_step_allowed(const char *step_name, const char *from, const char *to)
{
    const step *s = step_named(step_name);
    if (!s) return 0;
    if (!s->from[0]) return !from && is(to, s->to);
    if (!from || !in_list(s->from, from)) return 0;
    return is(to, s->to ? s->to : from);
}

md_code md_chart_step_check(const json_t *prev, const json_t *next, md_err *err)
{
    const json_t *events = json_object_get(next, "events");
    size_t n = json_array_size(events),
           n_prev = prev ? json_array_size(json_object_get(prev, "events")) : 0;
    const json_t *last = json_array_get(events, n ? n - 1 : 0);
    const char *to = str(next, "state"), *from = prev ? str(prev, "state") : NULL;
    const step *s = step_named(str(last, "step"));
    if (n != n_prev + 1 || !last)
        return md_err_set(err, MD_EUNPROCESSABLE, "events",
                          "every version of a session appends exactly one event");
    for (size_t i = 0; i + 1 < n; i++)
        if (!json_equal(json_array_get(events, i),
                        json_array_get(json_object_get(prev, "events"), i)))
            return md_err_set(err, MD_EUNPROCESSABLE, "events",
                              "the events of a session are never rewritten");
    if (!s) return md_err_set(err, MD_EUNPROCESSABLE, "events", "the event names no known step");
    if (!is(str(last, "state"), to) || !*str(last, "at") || !*str(last, "by"))
        return md_err_set(err, MD_EUNPROCESSABLE, "events",
                          "the new event needs the state it enters, when and by whom");
    if (!md_chart_step_allowed(s->name, from, to))
        return md_err_set(err, MD_EUNPROCESSABLE, "state", "a %s session cannot %s%s%s",
                          from ? from : "new", s->name, s->to || !from ? " into " : "", to);
    if (!prev) {
        static const char *const empty[] = {"materials",  "prechecks", "chart",   "warnings",
                                            "completion", "review",    "signoff", "aftercare",
                                            "addenda",    NULL};
        for (int i = 0; empty[i]; i++) {
            const json_t *v = json_object_get(next, empty[i]);
            if (v && !json_is_null(v) && !(json_is_array(v) && json_array_size(v) == 0))
                return md_err_set(err, MD_EUNPROCESSABLE, empty[i],
                                  "a session is checked in with nothing %s yet", "recorded");
        }
        return MD_OK;
    }
    for (int i = 0; fixed_fields[i]; i++)
        if (!json_same(json_object_get(prev, fixed_fields[i]),
                       json_object_get(next, fixed_fields[i])))
            return md_err_set(err, MD_EUNPROCESSABLE, fixed_fields[i],
                              "%s never changes after check-in", fixed_fields[i]);
    static const char *const free_fields[] = {"materials",  "prechecks", "chart",   "warnings",
                                              "completion", "review",    "signoff", "aftercare",
                                              "addenda",    NULL};
    for (int i = 0; free_fields[i]; i++) {
        const char *f = free_fields[i];
        if (in_list(s->changes, f)) continue;
        if (!json_same(json_object_get(prev, f), json_object_get(next, f)))
            return md_err_set(err, MD_EUNPROCESSABLE, f, "a %s step does not change %s", s->name,
                              f);
    }
    if (is(s->name, "addendum")) {
        const json_t *a = json_object_get(prev, "addenda"), *b = json_object_get(next, "addenda");
        size_t na = json_array_size(a);
        if (json_array_size(b) != na + 1)
            return md_err_set(err, MD_EUNPROCESSABLE, "addenda", "an addendum appends one text");
        for (size_t i = 0; i < na; i++)
            if (!json_equal(json_array_get(a, i), json_array_get(b, i)))
                return md_err_set(err, MD_EUNPROCESSABLE, "addenda",
                                  "earlier addenda are never changed");
    }
    if ((is(s->name, "amend")) && (!json_is_object(json_object_get(prev, "chart"))))
        return md_err_set(err, MD_EUNPROCESSABLE, "chart",
                          "an amendment corrects a chart: record one first");
    if (is(s->name, "chart") && json_is_object(json_object_get(prev, "chart")))
        return md_err_set(err, MD_EUNPROCESSABLE, "chart",
                          "the session is charted: a correction is an amendment with a reason");
    return MD_OK;
}

/* ---- the injection record's checks --------------------------------------------------- */

static void path_of(char out[MD_JSON_PATH_MAX], const char *path, const char *key)
{
    md_json_path(out, path, key);
}

/* A number member (int or real) at path.key, required. */
static md_code number_of(json_t *o, const char *key, const char *path, double *out, md_err *err)
{
    char f[MD_JSON_PATH_MAX];
    const json_t *v = json_object_get(o, key);
    path_of(f, path, key);
    if (!v || json_is_null(v)) return md_err_set(err, MD_EINVAL, f, "%s is required", f);
    if (!json_is_number(v) || !isfinite(json_number_value(v)))
        return md_err_set(err, MD_EINVAL, f, "%s must be a number", f);
    *out = json_number_value(v);
    return MD_OK;
}

static md_code int_of(json_t *o, const char *key, const char *path, long lo, long hi, long *out,
                      md_err *err)
{
    char f[MD_JSON_PATH_MAX];
    const json_t *v = json_object_get(o, key);
    path_of(f, path, key);
    if (!v || json_is_null(v)) return md_err_set(err, MD_EINVAL, f, "%s is required", f);
    if (!json_is_integer(v)) return md_err_set(err, MD_EINVAL, f, "%s must be an integer", f);
    if (json_integer_value(v) < lo || json_integer_value(v) > hi)
        return md_err_set(err, MD_EUNPROCESSABLE, f, "%s must be from %ld to %ld", f, lo, hi);
    *out = (long)json_integer_value(v);
    return MD_OK;
}

/* A text member, optional unless required; *out NULL when absent. */
static md_code text_of(json_t *o, const char *key, const char *path, int required, size_t max,
                       const char **out, md_err *err)
{
    char f[MD_JSON_PATH_MAX];
    const json_t *v = json_object_get(o, key);
    path_of(f, path, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return required ? md_err_set(err, MD_EINVAL, f, "%s is required", f) : MD_OK;
    if (!json_is_string(v) || !*json_string_value(v))
        return md_err_set(err, MD_EINVAL, f, "%s must be a non-empty string", f);
    if (strlen(json_string_value(v)) > max)
        return md_err_set(err, MD_EUNPROCESSABLE, f, "%s is longer than %zu bytes", f, max);
    *out = json_string_value(v);
    return MD_OK;
}

/* A volume in ml with up to three decimals, as microlitres. */
static md_code volume_of(json_t *o, const char *key, const char *path, int64_t *ul, md_err *err)
{
    char f[MD_JSON_PATH_MAX];
    int present = 0;
    path_of(f, path, key);
    md_code rc = md_json_milli(o, key, 1, 0, 100000, ul, &present, err);
    if (rc != MD_OK && err) md_strlcpy(err->field, f, sizeof err->field);
    return rc;
}

static json_t *sources_copy(const json_t *src)
{
    return src ? json_deep_copy(src) : json_array();
}

static void warn(json_t *warnings, const char *code, const char *field, const char *rule,
                 const json_t *sources, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void warn(json_t *warnings, const char *code, const char *field, const char *rule,
                 const json_t *sources, const char *fmt, ...)
{
    char msg[MD_ERR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (json_array_size(warnings) >= WARN_MAX) return;
    json_array_append_new(warnings, json_pack("{s:s,s:s,s:s,s:s,s:o}", "code", code, "field", field,
                                              "message", msg, "rule", rule, "sources",
                                              sources_copy(sources)));
}

/* The protocol's range entry for an area (itself, else the nearest area it is part of). */
static const json_t *protocol_area(const md_kb *kb, const json_t *protocol, const char *area)
{
    const json_t *best = NULL, *a;
    size_t i;
    json_array_foreach(json_object_get(protocol, "areas"), i, a)
    {
        const char *code = str(a, "area");
        if (is(code, area)) return a;
        if (!best && md_kb_area_within(kb, area, code)) best = a;
    }
    return best;
}

static void span_warn(json_t *warnings, const json_t *pa, const char *member, double v,
                      const char *protocol, const char *field, const char *code, const char *unit)
{
    const json_t *span = json_object_get(pa, member);
    double lo = json_number_value(json_object_get(span, "min"));
    double hi = json_number_value(json_object_get(span, "max"));
    char rule[160];
    if (v >= lo && v <= hi) return;
    snprintf(rule, sizeof rule, "protocol:%s:%s:%s", protocol, str(pa, "area"), member);
    warn(warnings, code, field, rule, json_object_get(span, "sources"),
         "%s %g %s is outside the %s protocol's %g-%g %s for %s", member, v, unit, protocol, lo, hi,
         unit, str(pa, "area"));
}

md_code md_chart_technique_check(const md_kb *kb, const json_t *protocol, const char *technique,
                                 const char *field, md_err *err)
{
    if (!md_kb_technique_known(kb, technique))
        return md_err_set(err, MD_EUNPROCESSABLE, field, "unknown technique '%s'", technique);
    const json_t *allowed = json_object_get(json_object_get(protocol, "techniques"), "codes"), *t;
    size_t i;
    json_array_foreach(allowed, i, t) if (is(json_string_value(t), technique)) return MD_OK;
    return md_err_set(err, MD_EUNPROCESSABLE, field, "the %s protocol does not allow %s",
                      str(protocol, "code"), technique);
}

md_code md_chart_entry_check(const md_kb *kb, const json_t *protocol, json_t *e, const char *path,
                             json_t *warnings, md_err *err)
{
    static const char *const keys[] = {"map",
                                       "x",
                                       "y",
                                       "zone",
                                       "points",
                                       "volume_ml",
                                       "depth_mm",
                                       "angle_deg",
                                       "needle_gauge",
                                       "needle_length_mm",
                                       "lot_id",
                                       "vial_id",
                                       "administration_id",
                                       NULL};
    const char *map_id = NULL, *zone = NULL, *why = NULL;
    double x = 0, y = 0, depth = 0, angle = 0;
    long points = 0, gauge = 0, length = 0;
    int64_t ul = 0;
    char f[MD_JSON_PATH_MAX];
    const char *pcode = str(protocol, "code");
    if (!json_is_object(e)) return md_err_set(err, MD_EINVAL, path, "%s must be an object", path);
    md_code rc = md_json_check_keys(e, keys, path, err);
    if (rc == MD_OK) rc = text_of(e, "map", path, 1, 64, &map_id, err);
    if (rc == MD_OK) rc = number_of(e, "x", path, &x, err);
    if (rc == MD_OK) rc = number_of(e, "y", path, &y, err);
    if (rc == MD_OK) rc = text_of(e, "zone", path, 1, 64, &zone, err);
    if (rc == MD_OK) rc = int_of(e, "points", path, 0, 10000, &points, err);
    if (rc == MD_OK) rc = volume_of(e, "volume_ml", path, &ul, err);
    if (rc == MD_OK) rc = number_of(e, "depth_mm", path, &depth, err);
    if (rc == MD_OK) rc = number_of(e, "angle_deg", path, &angle, err);
    if (rc == MD_OK) rc = int_of(e, "needle_gauge", path, 20, 34, &gauge, err);
    if (rc == MD_OK) rc = int_of(e, "needle_length_mm", path, 1, 50, &length, err);
    if (rc != MD_OK) return rc;
    const md_body_map *m = md_kb_map_find(kb, map_id);
    if (!m) {
        path_of(f, path, "map");
        return md_err_set(err, MD_EUNPROCESSABLE, f, "unknown map '%s'", map_id);
    }
    const char *area = md_body_map_zone_area(m, zone, x, y, &why);
    if (!area) {
        path_of(f, path, is(why, "unknown zone") ? "zone" : "x");
        if (is(why, "unknown zone"))
            return md_err_set(err, MD_EUNPROCESSABLE, f, "unknown zone '%s' of map %s", zone,
                              map_id);
        return md_err_set(err, MD_EUNPROCESSABLE, f, "the point (%g, %g) is %s%s%s", x, y, why,
                          is(why, "outside the zone") ? " " : "",
                          is(why, "outside the zone") ? zone : "");
    }
    if (points == 0 && ul > 0) {
        path_of(f, path, "points");
        return md_err_set(err, MD_EUNPROCESSABLE, f, "zero points cannot take a volume");
    }
    path_of(f, path, "depth_mm");
    if (depth < 0) return md_err_set(err, MD_EUNPROCESSABLE, f, "a depth cannot be negative");
    const md_depth_limit *lim = md_kb_facial_depth_limit(kb);
    if (lim && md_body_map_zone_facial(m, zone) && depth > lim->max_mm)
        return md_err_set(err, MD_EUNPROCESSABLE, f,
                          "%g mm is deeper than the %g mm limit for facial work (%s)", depth,
                          lim->max_mm, lim->n_sources ? lim->sources[0] : "kb");
    if (depth > 10) return md_err_set(err, MD_EUNPROCESSABLE, f, "a depth is at most 10 mm");
    path_of(f, path, "angle_deg");
    if (angle < 0 || angle > 90)
        return md_err_set(err, MD_EUNPROCESSABLE, f, "an angle is from 0 to 90 degrees");
    if (ul > 0) {
        const char *lot = NULL;
        if ((rc = text_of(e, "lot_id", path, 1, 32, &lot, err)) != MD_OK) return rc;
    }
    /* the protocol's ranges for the zone's area */
    const json_t *pa = protocol_area(kb, protocol, area);
    char rule[160];
    if (!pa) {
        path_of(f, path, "zone");
        snprintf(rule, sizeof rule, "protocol:%s:areas", pcode);
        warn(warnings, "area_not_in_protocol", f, rule, json_object_get(protocol, "sources"),
             "the %s protocol gives no depth, angle or needle for %s: nothing to check against",
             pcode, area);
        return MD_OK;
    }
    path_of(f, path, "depth_mm");
    span_warn(warnings, pa, "depth_mm", depth, pcode, f, "depth_out_of_range", "mm");
    path_of(f, path, "angle_deg");
    span_warn(warnings, pa, "angle_deg", angle, pcode, f, "angle_out_of_range", "degrees");
    const json_t *n, *needles = json_object_get(pa, "needles");
    size_t i;
    int known = 0;
    json_array_foreach(needles, i, n) known |=
        json_integer_value(json_object_get(n, "gauge")) == gauge &&
        json_integer_value(json_object_get(n, "length_mm")) == length;
    if (!known) {
        path_of(f, path, "needle_gauge");
        snprintf(rule, sizeof rule, "protocol:%s:%s:needles", pcode, str(pa, "area"));
        const json_t *first = json_array_get(needles, 0);
        warn(warnings, "needle_not_in_protocol", f, rule,
             first ? json_object_get(first, "sources") : NULL,
             "a %ldG %ld mm needle is not among the %s protocol's needles for %s", gauge, length,
             pcode, str(pa, "area"));
    }
    return MD_OK;
}

/* ---- records of other kinds, by id, without audit --------------------------------------- */

static md_code current_by_id(md_ctx *ctx, const md_record_kind *k, const char *id,
                             const char *field, json_t **out, md_err *err)
{
    json_t *items = NULL;
    if (!id || !md_id_valid(id)) return md_err_set(err, MD_ENOTFOUND, field, "no such %s", k->name);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    md_code rc =
        md__record_query(ctx, k, "clinic_id = $1 AND id = $2 AND current = 1", v, 2, &items, err);
    if (rc == MD_OK && !json_array_size(items))
        rc = md_err_set(err, MD_ENOTFOUND, field, "no such %s in this clinic", k->name);
    if (rc == MD_OK) *out = json_incref(json_array_get(items, 0));
    json_decref(items);
    return rc;
}

/* What the chart is checked against: the course's protocol and formulation. */
typedef struct chart_env {
    md_course_slot slot;
    json_t *protocol;   /* md_protocol_kb_json, owned */
    json_t *components; /* the formulation's mixture components, owned */
} chart_env;

static void env_free(chart_env *env)
{
    json_decref(env->protocol);
    json_decref(env->components);
}

static md_code env_load(md_ctx *ctx, const char *course_id, int seq, chart_env *env, md_err *err)
{
    json_t *course = NULL, *form = NULL;
    memset(env, 0, sizeof *env);
    if (!ctx->kb) return md_err_set(err, MD_EUNAVAILABLE, NULL, "the kb is not loaded");
    md_code rc = md_course_slot_get(ctx, course_id, seq, &env->slot, err);
    const md_protocol *p = rc == MD_OK ? md_kb_protocol_find(ctx->kb, env->slot.protocol) : NULL;
    if (rc == MD_OK && !p)
        rc = md_err_set(err, MD_EUNPROCESSABLE, "course_id",
                        "the course's protocol %s is not in the kb", env->slot.protocol);
    if (rc == MD_OK && !(env->protocol = md_protocol_kb_json(p)))
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK) rc = current_by_id(ctx, &md_kind_course, course_id, "course_id", &course, err);
    if (rc == MD_OK)
        rc = current_by_id(ctx, &md_kind_formulation, str(course, "formulation_id"), "course_id",
                           &form, err);
    if (rc == MD_OK)
        env->components =
            json_incref(json_object_get(json_object_get(form, "mixture"), "components"));
    json_decref(course);
    json_decref(form);
    if (rc != MD_OK) env_free(env);
    return rc;
}

/* Microlitres of product planned in the formulation. */
static int64_t planned_ul(const chart_env *env, const char *product_id)
{
    int64_t sum = 0;
    const json_t *c;
    size_t i;
    json_array_foreach(env->components, i, c) if (is(str(c, "product_id"), product_id)) sum +=
        json_integer_value(json_object_get(c, "volume_ul"));
    return sum;
}

typedef struct product_sum {
    char product[MD_ID_STR];
    int64_t ul;
} product_sum;

/* The lot (and vial) of a dose: of this clinic, the vial of that lot.  *product its product. */
static md_code dose_source(md_ctx *ctx, json_t *e, const char *path, char product[MD_ID_STR],
                           md_err *err)
{
    char f[MD_JSON_PATH_MAX];
    json_t *lot = NULL, *vial = NULL;
    const char *vial_id = NULL;
    path_of(f, path, "lot_id");
    md_code rc = current_by_id(ctx, &md_kind_lot, str(e, "lot_id"), f, &lot, err);
    if (rc == MD_ENOTFOUND)
        rc = md_err_set(err, MD_EUNPROCESSABLE, f, "no such lot in this clinic");
    if (rc == MD_OK) rc = text_of(e, "vial_id", path, 0, 32, &vial_id, err);
    path_of(f, path, "vial_id");
    if (rc == MD_OK && vial_id) {
        rc = current_by_id(ctx, &md_kind_vial, vial_id, f, &vial, err);
        if (rc == MD_ENOTFOUND)
            rc = md_err_set(err, MD_EUNPROCESSABLE, f, "no such vial in this clinic");
        if (rc == MD_OK && !is(str(vial, "lot_id"), str(e, "lot_id")))
            rc = md_err_set(err, MD_EUNPROCESSABLE, f, "the vial is of another lot");
    }
    if (rc == MD_OK) md_strlcpy(product, str(lot, "product_id"), MD_ID_STR);
    json_decref(lot);
    json_decref(vial);
    return rc;
}

/* Check a chart (the injection record) against the kb, the course's protocol and
 * formulation and the clinic's stock records; prefix "" or "chart." names the members.
 * *warnings (new array) the warnings it raises.  *started the start time. */
static md_code chart_check(md_ctx *ctx, const char *course_id, int seq, json_t *chart,
                           const char *prefix, json_t **warnings, md_err *err)
{
    static const char *const keys[] = {"technique",     "numbing", "started_at", "ended_at",
                                       "needle_lot_id", "entries", "notes",      NULL};
    static const char *const nkeys[] = {"agent", "minutes", NULL};
    char base[MD_JSON_PATH_MAX], f[MD_JSON_PATH_MAX], ep[MD_JSON_PATH_MAX];
    const char *technique = NULL, *started = NULL, *ended = NULL, *needle = NULL, *notes = NULL,
               *agent = NULL;
    int64_t t0 = 0, t1 = 0;
    long minutes = 0;
    chart_env env;
    product_sum sums[ENTRIES_MAX];
    int nsums = 0;
    md_strlcpy(base, prefix, sizeof base);
    size_t bl = strlen(base);
    if (bl && base[bl - 1] == '.') base[bl - 1] = '\0';
    *warnings = json_array();
    if (!json_is_object(chart))
        return md_err_set(err, MD_EINVAL, *base ? base : NULL, "the chart must be an object");
    md_code rc = env_load(ctx, course_id, seq, &env, err);
    if (rc != MD_OK) return rc;
    if (rc == MD_OK) rc = md_json_check_keys(chart, keys, base, err);
    if (rc == MD_OK) rc = text_of(chart, "technique", base, 1, 64, &technique, err);
    path_of(f, base, "technique");
    if (rc == MD_OK) rc = md_chart_technique_check(ctx->kb, env.protocol, technique, f, err);
    json_t *numbing = json_object_get(chart, "numbing");
    path_of(f, base, "numbing");
    if (rc == MD_OK && numbing && !json_is_null(numbing)) {
        if (!json_is_object(numbing))
            rc = md_err_set(err, MD_EINVAL, f, "%s must be an object or null", f);
        if (rc == MD_OK) rc = md_json_check_keys(numbing, nkeys, f, err);
        if (rc == MD_OK) rc = text_of(numbing, "agent", f, 1, 100, &agent, err);
        if (rc == MD_OK) rc = int_of(numbing, "minutes", f, 0, 240, &minutes, err);
    }
    if (rc == MD_OK) rc = text_of(chart, "started_at", base, 1, 20, &started, err);
    path_of(f, base, "started_at");
    if (rc == MD_OK && md_time_parse(started, &t0) != 0)
        rc = md_err_set(err, MD_EINVAL, f, "%s must be a UTC time YYYY-MM-DDTHH:MM:SSZ", f);
    if (rc == MD_OK) rc = text_of(chart, "ended_at", base, 0, 20, &ended, err);
    path_of(f, base, "ended_at");
    if (rc == MD_OK && ended && md_time_parse(ended, &t1) != 0)
        rc = md_err_set(err, MD_EINVAL, f, "%s must be a UTC time YYYY-MM-DDTHH:MM:SSZ", f);
    if (rc == MD_OK && ended && t1 < t0)
        rc = md_err_set(err, MD_EUNPROCESSABLE, f, "the end (%s) is before the start (%s)", ended,
                        started);
    if (rc == MD_OK) rc = text_of(chart, "needle_lot_id", base, 0, 32, &needle, err);
    path_of(f, base, "needle_lot_id");
    if (rc == MD_OK && needle) {
        json_t *lot = NULL;
        rc = current_by_id(ctx, &md_kind_lot, needle, f, &lot, err);
        if (rc == MD_ENOTFOUND)
            rc = md_err_set(err, MD_EUNPROCESSABLE, f, "no such lot in this clinic");
        json_decref(lot);
    }
    if (rc == MD_OK) rc = text_of(chart, "notes", base, 0, TEXT_MAX, &notes, err);
    json_t *entries = json_object_get(chart, "entries");
    path_of(f, base, "entries");
    if (rc == MD_OK && !json_is_array(entries))
        rc = md_err_set(err, MD_EINVAL, f, "%s must be an array", f);
    if (rc == MD_OK && (json_array_size(entries) < 1 || json_array_size(entries) > ENTRIES_MAX))
        rc = md_err_set(err, MD_EUNPROCESSABLE, f, "%s holds 1 to %d entries", f, ENTRIES_MAX);
    for (size_t i = 0; rc == MD_OK && i < json_array_size(entries); i++) {
        json_t *e = json_array_get(entries, i);
        char product[MD_ID_STR];
        int64_t ul = 0;
        md_json_path_index(ep, f, i);
        rc = md_chart_entry_check(ctx->kb, env.protocol, e, ep, *warnings, err);
        if (rc == MD_OK) md_json_milli(e, "volume_ml", 1, 0, 100000, &ul, NULL, NULL);
        if (rc != MD_OK || ul == 0) continue;
        if ((rc = dose_source(ctx, e, ep, product, err)) != MD_OK) break;
        int k = 0;
        while (k < nsums && strcmp(sums[k].product, product) != 0)
            k++;
        if (k == nsums) {
            md_strlcpy(sums[k].product, product, sizeof sums[k].product);
            sums[k].ul = 0;
            nsums++;
        }
        sums[k].ul += ul;
        int64_t planned = planned_ul(&env, product);
        char vf[MD_JSON_PATH_MAX];
        path_of(vf, ep, "volume_ml");
        if (planned == 0)
            rc = md_err_set(err, MD_EUNPROCESSABLE, vf,
                            "the course's formulation holds no product of this lot");
        else if (sums[k].ul > planned)
            rc = md_err_set(err, MD_EUNPROCESSABLE, vf,
                            "%.3f ml of this product charted so far is beyond the %.3f ml the "
                            "formulation plans",
                            (double)sums[k].ul / 1000.0, (double)planned / 1000.0);
    }
    env_free(&env);
    if (rc != MD_OK) {
        json_decref(*warnings);
        *warnings = NULL;
    }
    return rc;
}

/* ---- the kind ------------------------------------------------------------------------- */

static md_code events_check(const md_ctx *ctx, json_t *v, const char *field, md_err *err)
{
    static const char *const keys[] = {"state", "step", "at", "by", NULL};
    (void)ctx;
    const json_t *e;
    size_t i;
    json_array_foreach(v, i, e)
    {
        char p[MD_JSON_PATH_MAX];
        md_json_path_index(p, field, i);
        if (!json_is_object(e)) return md_err_set(err, MD_EINVAL, p, "%s must be an object", p);
        md_code rc = md_json_check_keys((json_t *)e, keys, p, err);
        if (rc != MD_OK) return rc;
        if (!in_list(session_states, str(e, "state")) || !step_named(str(e, "step")))
            return md_err_set(err, MD_EINVAL, p, "%s needs a known state and step", p);
    }
    return MD_OK;
}

static const md_field session_fields[] = {
    {.name = "course_id", .type = MD_F_TEXT, .required = 1, .max_len = 32},
    {.name = "course_session",
     .type = MD_F_INT,
     .required = 1,
     .min = 1,
     .max = 1000,
     .doc = "the session's seq in the course plan"},
    {.name = "appointment_id", .type = MD_F_TEXT, .max_len = 32},
    {.name = "practitioner_id", .type = MD_F_TEXT, .required = 1, .max_len = 32},
    {.name = "day", .type = MD_F_DATE, .required = 1, .doc = "the civil day, clinic zone"},
    {.name = "state",
     .type = MD_F_ENUM,
     .required = 1,
     .values = session_states,
     .dflt = "checked_in"},
    {.name = "events",
     .type = MD_F_JSON,
     .required = 1,
     .array = 1,
     .json_check = events_check,
     .doc = "[{state, step, at, by}], one per version"},
    {.name = "materials", .type = MD_F_JSON, .doc = "{lots: [{lot_id, vial_id}], needle_lot_id}"},
    {.name = "prechecks", .type = MD_F_JSON, .doc = "{passed_at, checks}: the last that passed"},
    {.name = "chart",
     .type = MD_F_JSON,
     .doc = "{technique, numbing, started_at, ended_at, needle_lot_id, entries, notes}"},
    {.name = "warnings", .type = MD_F_JSON, .array = 1, .doc = "acknowledged protocol warnings"},
    {.name = "completion", .type = MD_F_JSON, .doc = "{completed_at, checks}"},
    {.name = "review", .type = MD_F_JSON, .doc = "{selected, reasons}"},
    {.name = "signoff", .type = MD_F_JSON, .doc = "{by, at, note}"},
    {.name = "aftercare", .type = MD_F_JSON, .doc = "{sha256, language, kb_version, generated_at}"},
    {.name = "addenda", .type = MD_F_JSON, .array = 1, .doc = "[{text, by, at}]"},
    {0},
};

/* Every warning the chart raises is stored acknowledged (by someone, at some time). */
static md_code acknowledged(const json_t *raised, const json_t *stored, md_err *err)
{
    const json_t *w, *s;
    size_t i, k;
    json_array_foreach(raised, i, w)
    {
        int ok = 0;
        const char *field = str(w, "field");
        if (strncmp(field, "chart.", 6) == 0) field += 6; /* stored as md_chart_record names it */
        json_array_foreach(stored, k, s) ok |=
            is(str(s, "code"), str(w, "code")) && is(str(s, "field"), field) &&
            *str(s, "acknowledged_by") && *str(s, "acknowledged_at");
        if (!ok)
            return md_err_set(err, MD_ECONFLICT, "acknowledge",
                              "warning %s (%s) is not acknowledged: %s", str(w, "code"),
                              str(w, "field"), str(w, "message"));
    }
    return MD_OK;
}

/* The chart of a version that records or amends it passes every check of the injection
 * record and stores every warning it raises acknowledged.  Run on those steps only: a later
 * step (sign-off, an addendum) never fails because the kb, the formulation or a lot changed
 * since the chart was recorded. */
static md_code chart_holds(md_ctx *ctx, json_t *rec, md_err *err)
{
    json_t *chart = json_object_get(rec, "chart"), *raised = NULL;
    if (!json_is_object(chart))
        return md_err_set(err, MD_EUNPROCESSABLE, "chart", "a chart step records a chart");
    md_code rc = chart_check(ctx, str(rec, "course_id"),
                             (int)json_integer_value(json_object_get(rec, "course_session")), chart,
                             "chart.", &raised, err);
    if (rc == MD_OK) rc = acknowledged(raised, json_object_get(rec, "warnings"), err);
    /* inside the engine's update a conflict would read as a stale version */
    if (rc == MD_ECONFLICT && err) err->code = rc = MD_EUNPROCESSABLE;
    json_decref(raised);
    return rc;
}

static md_code decorate_session(md_ctx *ctx, json_t *rec, md_err *err)
{
    char tz[MD_ZONE_STR], local[MD_LOCAL_STR];
    int64_t t;
    md_code rc = md_clinic_zone(ctx, tz, NULL, err);
    if (rc != MD_OK) return rc;
    json_t *signoff = json_object_get(rec, "signoff");
    json_object_set_new(rec, "signed_off_by",
                        json_is_object(signoff) ? json_string(str(signoff, "by")) : json_null());
    json_object_set_new(rec, "signed_off_at",
                        json_is_object(signoff) ? json_string(str(signoff, "at")) : json_null());
    json_t *loc = json_pack("{s:s,s:[]}", "time_zone", tz, "events");
    const json_t *e;
    size_t i;
    json_array_foreach(json_object_get(rec, "events"), i, e)
    {
        int ok = md_time_parse(str(e, "at"), &t) == 0 && md_tz_from_utc(tz, t, local, NULL) == 0;
        json_array_append_new(json_object_get(loc, "events"),
                              ok ? json_string(local) : json_null());
    }
    json_t *chart = json_object_get(rec, "chart");
    static const char *const times[] = {"started_at", "ended_at", NULL};
    for (int k = 0; json_is_object(chart) && times[k]; k++)
        if (md_time_parse(str(chart, times[k]), &t) == 0 && md_tz_from_utc(tz, t, local, NULL) == 0)
            json_object_set_new(loc, times[k], json_string(local));
    json_object_set_new(rec, "local", loc);
    return MD_OK;
}

static md_code version_of(md_ctx *ctx, const char *id, int64_t version, json_t **out, md_err *err)
{
    json_t *items = NULL;
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id), md_int(version)};
    md_code rc = md__record_query(ctx, &md_kind_treatment_session,
                                  "clinic_id = $1 AND id = $2 AND version = $3", v, 3, &items, err);
    if (rc == MD_OK && !json_array_size(items))
        rc = md_err_set(err, MD_ENOTFOUND, "id", "no such session");
    if (rc == MD_OK) *out = json_incref(json_array_get(items, 0));
    json_decref(items);
    return rc;
}

static md_code today_now(md_ctx *ctx, md_day *today, int64_t *now, md_err *err)
{
    char tz[MD_ZONE_STR];
    *now = md_now();
    return md_clinic_zone(ctx, tz, today, err);
}

/* The gates of a session about to enter (or stay in) prechecked / in_progress. */
static md_code run_gates(md_ctx *ctx, const json_t *session, json_t **report, md_err *err)
{
    md_day today = 0;
    int64_t now = 0;
    json_t *s = json_deep_copy(session);
    md_code rc =
        s ? today_now(ctx, &today, &now, err) : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK) rc = decorate_session(ctx, s, err);
    if (rc == MD_OK) rc = md_chart_gates(ctx, s, today, now, report, err);
    json_decref(s);
    return rc;
}

static int report_ok(const json_t *report)
{
    return json_is_true(json_object_get(report, "ok"));
}

/* "gate: message; ..." of the checks that did not pass. */
static void failing_text(const json_t *report, char *out, size_t n)
{
    const json_t *c;
    size_t i, off = 0;
    out[0] = '\0';
    json_array_foreach(json_object_get(report, "checks"), i, c)
    {
        if (is(str(c, "status"), "pass")) continue;
        const char *gate = *str(c, "gate") ? str(c, "gate") : str(c, "item");
        int w = snprintf(out + off, n - off, "%s%s (%s): %s", off ? "; " : "", gate,
                         str(c, "status"), str(c, "message"));
        if (w < 0 || (size_t)w >= n - off) break;
        off += (size_t)w;
    }
}

/* Every dose of the chart is a current administration of this session, with the entry's
 * lot, vial and volume; the doses of the chart before (a re-charting) are entered in error. */
static md_code doses_match(md_ctx *ctx, const json_t *prev, const json_t *next, const char *id,
                           md_err *err)
{
    const json_t *e;
    size_t i;
    md_code rc = MD_OK;
    json_array_foreach(json_object_get(json_object_get(next, "chart"), "entries"), i, e)
    {
        int64_t ul = 0;
        char f[MD_JSON_PATH_MAX];
        json_t *a = NULL;
        md_json_milli((json_t *)e, "volume_ml", 1, 0, 100000, &ul, NULL, NULL);
        if (ul == 0) continue;
        snprintf(f, sizeof f, "chart.entries[%zu].administration_id", i);
        rc = current_by_id(ctx, &md_kind_administration, str(e, "administration_id"), f, &a, err);
        if (rc == MD_OK) {
            int64_t aul = 0;
            md_json_milli(a, "volume_ml", 1, 0, 1000000, &aul, NULL, NULL);
            const char *vial = json_string_value(json_object_get(e, "vial_id"));
            const char *avial = json_string_value(json_object_get(a, "vial_id"));
            if (!is(str(a, "patient_id"), str(next, "patient_id")) ||
                !is(str(a, "context"), "session") || !is(str(a, "context_id"), id) ||
                is(str(a, "status"), "entered_in_error") ||
                !is(str(a, "lot_id"), str(e, "lot_id")) || aul != ul ||
                !((!vial && !avial) || is(vial, avial)))
                rc = md_err_set(err, MD_EUNPROCESSABLE, f,
                                "the dose is not an administration of this session with its lot, "
                                "vial and volume");
        } else if (rc == MD_ENOTFOUND) {
            rc = md_err_set(err, MD_EUNPROCESSABLE, f,
                            "every dose is recorded as an administration");
        }
        json_decref(a);
        if (rc != MD_OK) return rc;
    }
    json_array_foreach(json_object_get(json_object_get(prev, "chart"), "entries"), i, e)
    {
        const char *aid = json_string_value(json_object_get(e, "administration_id"));
        const json_t *n;
        size_t k;
        int kept = 0;
        json_t *a = NULL;
        if (!aid) continue;
        json_array_foreach(json_object_get(json_object_get(next, "chart"), "entries"), k, n) kept |=
            is(str(n, "administration_id"), aid);
        if (kept) continue;
        rc = current_by_id(ctx, &md_kind_administration, aid, "chart", &a, err);
        if (rc == MD_OK && !is(str(a, "status"), "entered_in_error"))
            rc = md_err_set(err, MD_EUNPROCESSABLE, "chart",
                            "a re-charting marks the earlier doses entered in error");
        json_decref(a);
        if (rc != MD_OK) return rc;
    }
    return MD_OK;
}

static md_code after_session(md_ctx *ctx, const md_record_kind *k, const char *id, md_err *err)
{
    json_t *next = NULL, *prev = NULL, *report = NULL;
    char why[MD_ERR_MESSAGE_MAX];
    md_code rc = current_by_id(ctx, k, id, "id", &next, err);
    int64_t v = rc == MD_OK ? json_integer_value(json_object_get(next, "version")) : 0;
    if (rc == MD_OK && v > 1) rc = version_of(ctx, id, v - 1, &prev, err);
    if (rc == MD_OK) rc = md_chart_step_check(prev, next, err);
    if (rc != MD_OK) goto done;
    const json_t *events = json_object_get(next, "events");
    const char *s = str(json_array_get(events, json_array_size(events) - 1), "step");
    if (is(s, "precheck") || is(s, "start")) {
        if ((rc = run_gates(ctx, next, &report, err)) == MD_OK && !report_ok(report)) {
            failing_text(report, why, sizeof why);
            rc = md_err_set(err, MD_EUNPROCESSABLE, "prechecks", "a precheck does not pass: %s",
                            why);
        }
    } else if (is(s, "complete")) {
        if ((rc = md_chart_completion(ctx, next, &report, err)) == MD_OK && !report_ok(report)) {
            failing_text(report, why, sizeof why);
            rc = md_err_set(err, MD_EUNPROCESSABLE, "completion", "the chart is not complete: %s",
                            why);
        }
    } else if (is(s, "signoff")) {
        rc = md_require(ctx, MD_PERM_CHART_SIGNOFF, err);
        if (rc == MD_OK && is(md_actor_id(ctx), str(next, "practitioner_id")))
            rc = md_err_set(err, MD_EFORBIDDEN, "signoff",
                            "a medical director does not sign off their own chart");
    } else if (is(s, "chart") || is(s, "amend")) {
        rc = chart_holds(ctx, next, err);
        if (rc == MD_OK) rc = doses_match(ctx, prev, next, id, err);
    }
done:
    json_decref(next);
    json_decref(prev);
    json_decref(report);
    return rc;
}

const md_record_kind md_kind_treatment_session = {
    .name = "treatment_session",
    .table = "treatment_sessions",
    .collection = "sessions", /* no generic routes: h_chart.c serves md_chart_* */
    .schema = "TreatmentSession",
    .title = "treatment sessions",
    .parent = &md_kind_patient,
    .has_parent = 1,
    .read_perm = MD_PERM_CLINICAL_READ,
    .write_perm = MD_PERM_CHART_WRITE,
    .fields = session_fields,
    .hooks = {.after_write = after_session, .decorate = decorate_session},
};

/* ---- the session's functions ----------------------------------------------------------- */

/* The current version as stored (no audit, no decoration). */
static md_code session_raw(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    md_code rc = current_by_id(ctx, &md_kind_treatment_session, id, "id", out, err);
    if (rc == MD_ENOTFOUND) md_err_set(err, MD_ENOTFOUND, "id", "no such session");
    return rc;
}

static md_code state_conflict(const json_t *cur, const char *what, md_err *err)
{
    return md_err_set(err, MD_ECONFLICT, "state", "a %s session cannot %s", str(cur, "state"),
                      what);
}

/* up gets the next events (cur's plus one for step into state) and its reason. */
static void add_event(md_ctx *ctx, const json_t *cur, json_t *up, const char *state,
                      const char *step_name, const char *reason)
{
    char now[MD_TIME_STR];
    md_time_format(md_now(), now);
    json_t *events = cur ? json_deep_copy(json_object_get(cur, "events")) : json_array();
    if (!events) events = json_array();
    json_array_append_new(events, json_pack("{s:s,s:s,s:s,s:s}", "state", state, "step", step_name,
                                            "at", now, "by", md_actor_id(ctx)));
    json_object_set_new(up, "events", events);
    json_object_set_new(up, "state", json_string(state));
    json_object_set_new(up, "reason", json_string(reason));
}

/* A step's new version of cur: up (consumed) with the client's "version" when given. */
static md_code write_step(md_ctx *ctx, const json_t *cur, json_t *up, json_t *in, json_t **out,
                          md_err *err)
{
    json_t *version = json_is_object(in) ? json_object_get(in, "version") : NULL;
    if (version) json_object_set(up, "version", version);
    md_code rc = md_record_update(ctx, &md_kind_treatment_session, str(cur, "patient_id"),
                                  str(cur, "id"), up, out, err);
    json_decref(up);
    return rc;
}

static md_code body_keys(json_t *in, const char *const *keys, md_err *err)
{
    if (in && !json_is_object(in))
        return md_err_set(err, MD_EINVAL, NULL, "the body must be an object");
    return in ? md_json_check_keys(in, keys, "", err) : MD_OK;
}

static md_code staff_exists(md_ctx *ctx, const char *id, md_err *err)
{
    int64_t n = 0;
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    md_code rc = md_store_scalar_int(
        ctx->db, "SELECT count(*) FROM staff WHERE clinic_id = $1 AND id = $2", v, 2, &n, err);
    if (rc == MD_OK && !n)
        rc = md_err_set(err, MD_EUNPROCESSABLE, "practitioner_id",
                        "no such staff member in this clinic");
    return rc;
}

static md_code open_sessions(md_ctx *ctx, const char *course_id, long seq, int64_t *n, md_err *err)
{
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(course_id), md_int(seq)};
    return md_store_scalar_int(ctx->db,
                               "SELECT count(*) FROM treatment_sessions WHERE clinic_id = $1 AND "
                               "course_id = $2 AND course_session = $3 AND current = 1 AND state "
                               "IN ('checked_in', 'prechecked', 'in_progress')",
                               v, 3, n, err);
}

md_code md_chart_checkin(md_ctx *ctx, json_t *in, json_t **out, md_err *err)
{
    static const char *const keys[] = {"appointment_id", "patient_id",      "course_id",
                                       "course_session", "practitioner_id", NULL};
    const char *appt_id = NULL, *patient = NULL, *course = NULL, *practitioner = NULL;
    long seq = 0;
    json_t *appt = NULL, *rec = NULL, *moved = NULL;
    md_course_slot slot;
    md_day today = 0;
    char day[MD_DATE_STR], tz[MD_ZONE_STR];
    md_code rc = md_require(ctx, MD_PERM_CHART_WRITE, err);
    if (rc == MD_OK) rc = body_keys(in ? in : json_null(), keys, err);
    if (rc == MD_OK) rc = md_json_text(in, "appointment_id", 0, 32, &appt_id, err);
    if (rc == MD_OK && appt_id) {
        for (int i = 1; rc == MD_OK && keys[i]; i++)
            if (json_object_get(in, keys[i]))
                rc =
                    md_err_set(err, MD_EINVAL, keys[i],
                               "%s comes from the appointment: give appointment_id alone", keys[i]);
        if (rc == MD_OK)
            rc = current_by_id(ctx, &md_kind_appointment, appt_id, "appointment_id", &appt, err);
        const char *st = str(appt, "status");
        if (rc == MD_OK && !is(st, "booked") && !is(st, "arrived"))
            rc = md_err_set(err, MD_ECONFLICT, "appointment_id",
                            "a %s appointment cannot be checked in", st);
        if (rc == MD_OK && (!json_is_string(json_object_get(appt, "course_id")) ||
                            !json_is_integer(json_object_get(appt, "course_session"))))
            rc = md_err_set(err, MD_EUNPROCESSABLE, "appointment_id",
                            "the appointment is not for a course session");
        if (rc == MD_OK) {
            patient = str(appt, "patient_id"), course = str(appt, "course_id");
            practitioner = str(appt, "practitioner_id");
            seq = (long)json_integer_value(json_object_get(appt, "course_session"));
        }
    } else if (rc == MD_OK) {
        int present = 0;
        rc = md_json_text(in, "patient_id", 1, 32, &patient, err);
        if (rc == MD_OK) rc = md_json_text(in, "course_id", 1, 32, &course, err);
        if (rc == MD_OK) rc = md_json_int(in, "course_session", 1, 1, 1000, &seq, &present, err);
        if (rc == MD_OK) rc = md_json_text(in, "practitioner_id", 0, 32, &practitioner, err);
        if (rc == MD_OK && !practitioner) practitioner = md_actor_id(ctx);
        if (rc == MD_OK) rc = md_patient_exists(ctx, patient, err);
    }
    if (rc == MD_OK) rc = md_course_slot_get(ctx, course, (int)seq, &slot, err);
    if (rc == MD_OK && !is(slot.patient_id, patient))
        rc = md_err_set(err, MD_EUNPROCESSABLE, "course_id", "the course is another patient's");
    if (rc == MD_OK && is(slot.state, "abandoned"))
        rc = md_err_set(err, MD_ECONFLICT, "course_id", "the course was abandoned");
    if (rc == MD_OK && slot.done)
        rc = md_err_set(err, MD_ECONFLICT, "course_session", "session %ld of the course is done",
                        seq);
    if (rc == MD_OK) rc = staff_exists(ctx, practitioner, err);
    if (rc == MD_OK) rc = md_clinic_zone(ctx, tz, &today, err);
    if (rc != MD_OK) goto done;
    md_date_format(today, day);
    rec = json_pack("{s:s,s:i,s:s?,s:s,s:s,s:[],s:[]}", "course_id", course, "course_session",
                    (json_int_t)seq, "appointment_id", appt_id, "practitioner_id", practitioner,
                    "day", day, "warnings", "addenda");
    add_event(ctx, NULL, rec, "checked_in", "checkin", "checked in");
    if ((rc = md_write_begin(ctx, err)) != MD_OK) goto done;
    int64_t open = 0;
    rc = open_sessions(ctx, course, seq, &open, err);
    if (rc == MD_OK && open)
        rc = md_err_set(err, MD_ECONFLICT, "course_session",
                        "session %ld of the course already has an open chart", seq);
    if (rc == MD_OK && appt && is(str(appt, "status"), "booked"))
        rc = md_appointment_move(ctx, appt_id, "arrive", NULL, &moved, err);
    if (rc == MD_OK) rc = md_record_create(ctx, &md_kind_treatment_session, patient, rec, out, err);
    rc = md_write_finish(ctx, rc, err);
done:
    json_decref(appt);
    json_decref(rec);
    json_decref(moved);
    return rc;
}

static md_code materials_check(json_t *m, md_err *err)
{
    static const char *const keys[] = {"lots", "needle_lot_id", NULL};
    static const char *const lkeys[] = {"lot_id", "vial_id", NULL};
    const char *s = NULL;
    if (!json_is_object(m))
        return md_err_set(err, MD_EINVAL, "materials", "materials must be an object");
    md_code rc = md_json_check_keys(m, keys, "materials", err);
    json_t *lots = json_object_get(m, "lots"), *l;
    if (rc == MD_OK && (!json_is_array(lots) || json_array_size(lots) > 20))
        rc = md_err_set(err, MD_EINVAL, "materials.lots",
                        "materials.lots must be an array of at most 20");
    size_t i;
    json_array_foreach(lots, i, l)
    {
        char p[MD_JSON_PATH_MAX];
        md_json_path_index(p, "materials.lots", i);
        if (rc == MD_OK && !json_is_object(l))
            rc = md_err_set(err, MD_EINVAL, p, "%s must be an object", p);
        if (rc == MD_OK) rc = md_json_check_keys(l, lkeys, p, err);
        if (rc == MD_OK) rc = text_of(l, "lot_id", p, 1, 32, &s, err);
        if (rc == MD_OK) rc = text_of(l, "vial_id", p, 0, 32, &s, err);
    }
    if (rc == MD_OK) rc = text_of(m, "needle_lot_id", "materials", 0, 32, &s, err);
    return rc;
}

/* The gates for cur becoming state (with materials when given); *report set when run. */
static md_code gate(md_ctx *ctx, const json_t *cur, json_t *materials, const char *state,
                    json_t **report, md_err *err)
{
    char why[MD_ERR_MESSAGE_MAX];
    json_t *cand = json_deep_copy(cur);
    if (!cand) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (materials) json_object_set(cand, "materials", materials);
    json_object_set_new(cand, "state", json_string(state));
    md_code rc = run_gates(ctx, cand, report, err);
    json_decref(cand);
    if (rc == MD_OK && !report_ok(*report)) {
        failing_text(*report, why, sizeof why);
        rc = md_err_set(err, MD_ECONFLICT, "prechecks", "a precheck does not pass: %s", why);
    }
    return rc;
}

static json_t *passed(const json_t *report)
{
    char now[MD_TIME_STR];
    md_time_format(md_now(), now);
    return json_pack("{s:s,s:O}", "passed_at", now, "checks", json_object_get(report, "checks"));
}

md_code md_chart_precheck(md_ctx *ctx, const char *id, json_t *in, json_t **out, json_t **report,
                          md_err *err)
{
    static const char *const keys[] = {"materials", "version", NULL};
    json_t *cur = NULL, *rep = NULL;
    md_code rc = md_require(ctx, MD_PERM_CHART_WRITE, err);
    if (rc == MD_OK) rc = body_keys(in, keys, err);
    json_t *materials = in ? json_object_get(in, "materials") : NULL;
    if (rc == MD_OK && !materials)
        rc = md_err_set(err, MD_EINVAL, "materials", "materials is required");
    if (rc == MD_OK) rc = materials_check(materials, err);
    if (rc == MD_OK) rc = session_raw(ctx, id, &cur, err);
    if (rc == MD_OK && !is(str(cur, "state"), "checked_in") && !is(str(cur, "state"), "prechecked"))
        rc = state_conflict(cur, "be prechecked", err);
    if (rc == MD_OK) rc = gate(ctx, cur, materials, "prechecked", &rep, err);
    if (rc == MD_OK) {
        json_t *up = json_pack("{s:O,s:o}", "materials", materials, "prechecks", passed(rep));
        add_event(ctx, cur, up, "prechecked", "precheck", "prechecked");
        rc = write_step(ctx, cur, up, in, out, err); /* the engine's own write */
    }
    if (report)
        *report = rep;
    else
        json_decref(rep);
    json_decref(cur);
    return rc;
}

md_code md_chart_start(md_ctx *ctx, const char *id, json_t *in, json_t **out, json_t **report,
                       md_err *err)
{
    static const char *const keys[] = {"version", NULL};
    json_t *cur = NULL, *rep = NULL;
    md_code rc = md_require(ctx, MD_PERM_CHART_WRITE, err);
    if (rc == MD_OK) rc = body_keys(in, keys, err);
    if (rc == MD_OK) rc = session_raw(ctx, id, &cur, err);
    if (rc == MD_OK && !is(str(cur, "state"), "prechecked")) rc = state_conflict(cur, "start", err);
    if (rc == MD_OK) rc = gate(ctx, cur, NULL, "in_progress", &rep, err);
    if (rc == MD_OK) {
        json_t *up = json_pack("{s:o}", "prechecks", passed(rep));
        add_event(ctx, cur, up, "in_progress", "start", "started");
        rc = write_step(ctx, cur, up, in, out, err); /* the engine's own write */
    }
    if (report)
        *report = rep;
    else
        json_decref(rep);
    json_decref(cur);
    return rc;
}

/* The stock's error for entry i, renamed to the entry's member. */
static md_code entry_error(md_err *err, const char *entry_path, md_code rc)
{
    if (err && rc != MD_OK && err->field[0] && !strchr(err->field, '[')) {
        char f[MD_JSON_PATH_MAX];
        path_of(f, entry_path, err->field);
        md_strlcpy(err->field, f, sizeof err->field);
    }
    return rc;
}

/* The doses of chart as administrations of session cur (inside the caller's write). */
static md_code record_doses(md_ctx *ctx, const json_t *cur, json_t *chart, md_err *err)
{
    json_t *e;
    size_t i;
    md_code rc = MD_OK;
    json_array_foreach(json_object_get(chart, "entries"), i, e)
    {
        int64_t ul = 0;
        char ep[MD_JSON_PATH_MAX];
        json_t *adm = NULL;
        md_json_milli(e, "volume_ml", 1, 0, 100000, &ul, NULL, NULL);
        if (ul == 0) continue;
        md_json_path_index(ep, "entries", i);
        const md_body_map *m = md_kb_map_find(ctx->kb, str(e, "map"));
        md_dose d = {.patient_id = str(cur, "patient_id"),
                     .lot_id = str(e, "lot_id"),
                     .vial_id = json_string_value(json_object_get(e, "vial_id")),
                     .volume_ul = (long)ul,
                     .route = "intradermal",
                     .context = "session",
                     .context_id = str(cur, "id"),
                     .given_at = str(chart, "started_at"),
                     .area = md_body_map_zone_area(
                         m, str(e, "zone"), json_number_value(json_object_get(e, "x")),
                         json_number_value(json_object_get(e, "y")), NULL)};
        rc = entry_error(err, ep, md_administration_record(ctx, &d, &adm, err));
        if (rc == MD_OK) json_object_set_new(e, "administration_id", json_string(str(adm, "id")));
        json_decref(adm);
        if (rc != MD_OK) break;
    }
    return rc;
}

/* Mark the doses of the chart before entered in error (a re-charting). */
static md_code undo_doses(md_ctx *ctx, const json_t *cur, const char *reason, md_err *err)
{
    const json_t *e;
    size_t i;
    md_code rc = MD_OK;
    char why[512];
    snprintf(why, sizeof why, "re-charted: %s", reason);
    json_array_foreach(json_object_get(json_object_get(cur, "chart"), "entries"), i, e)
    {
        const char *aid = json_string_value(json_object_get(e, "administration_id"));
        json_t *body = NULL, *made = NULL;
        if (!aid) continue;
        body = json_pack("{s:s}", "reason", why);
        rc = md_administration_entered_in_error(ctx, str(cur, "patient_id"), aid, body, &made, err);
        json_decref(body);
        json_decref(made);
        if (rc != MD_OK) break;
    }
    return rc;
}

static int acked(const json_t *ack, const char *code)
{
    const json_t *a;
    size_t i;
    json_array_foreach(ack, i, a) if (is(json_string_value(a), code)) return 1;
    return 0;
}

md_code md_chart_record_report(md_ctx *ctx, const char *id, json_t *in, json_t **out,
                               json_t **report, md_err *err)
{
    static const char *const keys[] = {"technique",     "numbing", "started_at", "ended_at",
                                       "needle_lot_id", "entries", "notes",      "acknowledge",
                                       "version",       "reason",  NULL};
    static const char *const chart_keys[] = {"technique",     "numbing", "started_at", "ended_at",
                                             "needle_lot_id", "entries", "notes",      NULL};
    json_t *cur = NULL, *chart = NULL, *warnings = NULL, *up = NULL;
    const char *reason = NULL;
    char now[MD_TIME_STR];
    if (report) *report = NULL;
    md_code rc = md_require(ctx, MD_PERM_CHART_WRITE, err);
    if (rc == MD_OK) rc = body_keys(in ? in : json_null(), keys, err);
    if (rc == MD_OK) rc = session_raw(ctx, id, &cur, err);
    const char *state = str(cur, "state");
    if (rc == MD_OK && is(state, "signed_off"))
        rc = md_err_set(err, MD_ECONFLICT, "state", "a signed-off chart takes only an addendum");
    else if (rc == MD_OK && !is(state, "in_progress") && !is(state, "completed"))
        rc = state_conflict(cur, "be charted", err);
    int amend = json_is_object(json_object_get(cur, "chart"));
    if (rc == MD_OK) rc = md_json_text(in, "reason", amend, 480, &reason, err);
    if (rc == MD_OK && amend && !reason)
        rc = md_err_set(err, MD_EINVAL, "reason", "an amendment says why");
    const json_t *ack = json_object_get(in, "acknowledge"), *a;
    size_t i;
    if (rc == MD_OK && ack && !json_is_array(ack))
        rc = md_err_set(err, MD_EINVAL, "acknowledge",
                        "acknowledge must be an array of warning codes");
    json_array_foreach(ack, i, a) if (rc == MD_OK && !json_is_string(a)) rc =
        md_err_set(err, MD_EINVAL, "acknowledge", "acknowledge must be an array of warning codes");
    if (rc != MD_OK) goto done;
    chart = json_object();
    for (int k = 0; chart_keys[k]; k++) {
        json_t *v = json_object_get(in, chart_keys[k]);
        if (v) json_object_set_new(chart, chart_keys[k], json_deep_copy(v));
    }
    const char *needle =
        json_string_value(json_object_get(json_object_get(cur, "materials"), "needle_lot_id"));
    if (!json_object_get(chart, "needle_lot_id") && needle)
        json_object_set_new(chart, "needle_lot_id", json_string(needle));
    json_t *e;
    json_array_foreach(json_object_get(chart, "entries"), i, e) if (json_is_object(e))
        json_object_del(e, "administration_id");
    rc = chart_check(ctx, str(cur, "course_id"),
                     (int)json_integer_value(json_object_get(cur, "course_session")), chart, "",
                     &warnings, err);
    if (rc != MD_OK) goto done;
    json_t *unacked = json_array(), *w;
    char codes[MD_ERR_MESSAGE_MAX] = "";
    md_time_format(md_now(), now);
    json_array_foreach(warnings, i, w)
    {
        if (!acked(ack, str(w, "code"))) {
            json_array_append(unacked, w);
            size_t n = strlen(codes);
            snprintf(codes + n, sizeof codes - n, "%s%s (%s)", n ? ", " : "", str(w, "code"),
                     str(w, "field"));
            continue; /* listed in the 409 as it stands: nobody acknowledged it */
        }
        json_object_set_new(w, "acknowledged_by", json_string(md_actor_id(ctx)));
        json_object_set_new(w, "acknowledged_at", json_string(now));
    }
    if (json_array_size(unacked)) {
        rc = md_err_set(err, MD_ECONFLICT, "acknowledge",
                        "acknowledge each warning by its code in \"acknowledge\": %s", codes);
        if (report)
            *report = json_pack("{s:o}", "warnings", unacked);
        else
            json_decref(unacked);
        goto done;
    }
    json_decref(unacked);
    if ((rc = md_write_begin(ctx, err)) != MD_OK) goto done;
    if (amend) rc = undo_doses(ctx, cur, reason, err);
    if (rc == MD_OK) rc = record_doses(ctx, cur, chart, err);
    if (rc == MD_OK) {
        up = json_pack("{s:O,s:O}", "chart", chart, "warnings", warnings);
        add_event(ctx, cur, up, state, amend ? "amend" : "chart", amend ? reason : "charted");
        rc = write_step(ctx, cur, up, in, out, err);
        up = NULL;
    }
    rc = md_write_finish(ctx, rc, err);
done:
    json_decref(cur);
    json_decref(chart);
    json_decref(warnings);
    json_decref(up);
    return rc;
}

md_code md_chart_record(md_ctx *ctx, const char *id, json_t *in, json_t **out, md_err *err)
{
    return md_chart_record_report(ctx, id, in, out, NULL, err);
}

/* The course session is done: through its appointment when it is one (which marks the
 * course), else on the course itself. */
static md_code session_done(md_ctx *ctx, const json_t *cur, md_err *err)
{
    const char *appt_id = json_string_value(json_object_get(cur, "appointment_id"));
    json_t *appt = NULL, *moved = NULL;
    md_day today = 0;
    int64_t now = 0;
    md_code rc = today_now(ctx, &today, &now, err);
    if (rc == MD_OK && appt_id)
        rc = current_by_id(ctx, &md_kind_appointment, appt_id, "appointment_id", &appt, err);
    if (rc == MD_OK && appt && is(str(appt, "status"), "arrived"))
        rc = md_appointment_move(ctx, appt_id, "complete", NULL, &moved, err);
    else if (rc == MD_OK && !(appt && is(str(appt, "status"), "completed")))
        rc = md_course_session_done(ctx, str(cur, "course_id"),
                                    (int)json_integer_value(json_object_get(cur, "course_session")),
                                    today, appt_id, err);
    json_decref(appt);
    json_decref(moved);
    return rc;
}

md_code md_chart_complete(md_ctx *ctx, const char *id, json_t *in, json_t **out, json_t **report,
                          md_err *err)
{
    static const char *const keys[] = {"version", NULL};
    json_t *cur = NULL, *cand = NULL, *rep = NULL, *review = NULL, *ac = NULL, *ref = NULL;
    char now[MD_TIME_STR], why[MD_ERR_MESSAGE_MAX];
    md_code rc = md_require(ctx, MD_PERM_CHART_WRITE, err);
    if (rc == MD_OK) rc = body_keys(in, keys, err);
    if (rc == MD_OK) rc = session_raw(ctx, id, &cur, err);
    if (rc == MD_OK && !is(str(cur, "state"), "in_progress"))
        rc = state_conflict(cur, "be completed", err);
    if (rc == MD_OK && !json_is_object(json_object_get(cur, "chart")))
        rc = md_err_set(err, MD_ECONFLICT, "chart", "nothing is charted yet");
    if (rc != MD_OK) goto done;
    md_time_format(md_now(), now);
    cand = json_deep_copy(cur);
    json_object_set_new(cand, "state", json_string("completed"));
    if ((rc = decorate_session(ctx, cand, err)) != MD_OK) goto done;
    if ((rc = md_chart_completion(ctx, cand, &rep, err)) != MD_OK) goto done;
    if (!report_ok(rep)) {
        failing_text(rep, why, sizeof why);
        rc = md_err_set(err, MD_ECONFLICT, "completion", "the chart is not complete: %s", why);
        goto done;
    }
    json_object_set_new(
        cand, "completion",
        json_pack("{s:s,s:O}", "completed_at", now, "checks", json_object_get(rep, "checks")));
    if ((rc = md_chart_review(ctx, cand, &review, err)) != MD_OK) goto done;
    if ((rc = md_aftercare_build(ctx, cand, &ac, err)) != MD_OK) goto done;
    if ((rc = md_write_begin(ctx, err)) != MD_OK) goto done;
    rc = md_aftercare_store(ctx, ac, &ref, err);
    if (rc == MD_OK) {
        json_t *up = json_pack("{s:O,s:O,s:O}", "completion", json_object_get(cand, "completion"),
                               "review", review, "aftercare", ref);
        add_event(ctx, cur, up, "completed", "complete", "completed");
        rc = write_step(ctx, cur, up, in, out, err);
    }
    if (rc == MD_OK) rc = session_done(ctx, cur, err);
    json_t *links = NULL; /* the check-in links (checkin.h): their tokens are shown only here */
    if (rc == MD_OK) rc = md_checkin_schedule(ctx, *out, &links, err);
    rc = md_write_finish(ctx, rc, err);
    if (rc == MD_OK)
        json_object_set_new(*out, "checkins", links);
    else
        json_decref(links);
done:
    if (report)
        *report = rep;
    else
        json_decref(rep);
    json_decref(cur);
    json_decref(cand);
    json_decref(review);
    json_decref(ac);
    json_decref(ref);
    return rc;
}

md_code md_chart_signoff(md_ctx *ctx, const char *id, json_t *in, json_t **out, md_err *err)
{
    static const char *const keys[] = {"note", "version", NULL};
    json_t *cur = NULL;
    const char *note = NULL;
    char now[MD_TIME_STR];
    md_code rc = md_require(ctx, MD_PERM_CHART_SIGNOFF, err);
    if (rc == MD_OK) rc = body_keys(in, keys, err);
    if (rc == MD_OK && in) rc = md_json_text(in, "note", 0, TEXT_MAX, &note, err);
    if (rc == MD_OK) rc = session_raw(ctx, id, &cur, err);
    if (rc == MD_OK && !is(str(cur, "state"), "completed"))
        rc = state_conflict(cur, "be signed off", err);
    if (rc == MD_OK && is(md_actor_id(ctx), str(cur, "practitioner_id")))
        rc = md_err_set(err, MD_EFORBIDDEN, NULL,
                        "a medical director does not sign off their own chart");
    if (rc == MD_OK) {
        md_time_format(md_now(), now);
        json_t *up = json_pack("{s:{s:s,s:s,s:s?}}", "signoff", "by", md_actor_id(ctx), "at", now,
                               "note", note);
        add_event(ctx, cur, up, "signed_off", "signoff", "signed off");
        rc = write_step(ctx, cur, up, in, out, err); /* the engine's own write */
    }
    json_decref(cur);
    return rc;
}

md_code md_chart_addendum(md_ctx *ctx, const char *id, json_t *in, json_t **out, md_err *err)
{
    static const char *const keys[] = {"text", "version", NULL};
    json_t *cur = NULL;
    const char *text = NULL;
    char now[MD_TIME_STR];
    md_code rc = md_require(ctx, MD_PERM_CHART_WRITE, err);
    if (rc == MD_OK) rc = body_keys(in ? in : json_null(), keys, err);
    if (rc == MD_OK) rc = md_json_text(in, "text", 1, TEXT_MAX, &text, err);
    if (rc == MD_OK) rc = session_raw(ctx, id, &cur, err);
    const char *state = str(cur, "state");
    if (rc == MD_OK && !is(state, "completed") && !is(state, "signed_off"))
        rc = state_conflict(cur, "take an addendum (it is for a completed or signed-off chart)",
                            err);
    if (rc == MD_OK) {
        md_time_format(md_now(), now);
        json_t *addenda = json_deep_copy(json_object_get(cur, "addenda"));
        if (!json_is_array(addenda)) {
            json_decref(addenda);
            addenda = json_array();
        }
        json_array_append_new(
            addenda, json_pack("{s:s,s:s,s:s}", "text", text, "by", md_actor_id(ctx), "at", now));
        json_t *up = json_pack("{s:o}", "addenda", addenda);
        add_event(ctx, cur, up, state, "addendum", "addendum");
        rc = write_step(ctx, cur, up, in, out, err); /* the engine's own write */
    }
    json_decref(cur);
    return rc;
}

md_code md_chart_cancel(md_ctx *ctx, const char *id, json_t *in, json_t **out, md_err *err)
{
    static const char *const keys[] = {"reason", "version", NULL};
    json_t *cur = NULL;
    const char *reason = NULL;
    md_code rc = md_require(ctx, MD_PERM_CHART_WRITE, err);
    if (rc == MD_OK) rc = body_keys(in ? in : json_null(), keys, err);
    if (rc == MD_OK) rc = md_json_text(in, "reason", 1, 480, &reason, err);
    if (rc == MD_OK) rc = session_raw(ctx, id, &cur, err);
    const char *state = str(cur, "state");
    if (rc == MD_OK && !is(state, "checked_in") && !is(state, "prechecked"))
        rc = state_conflict(cur, "be cancelled (only before the start: nothing injected)", err);
    if (rc == MD_OK) {
        json_t *up = json_object();
        add_event(ctx, cur, up, "cancelled", "cancel", reason);
        rc = write_step(ctx, cur, up, in, out, err); /* the engine's own write */
    }
    json_decref(cur);
    return rc;
}

/* ---- reads ------------------------------------------------------------------------------ */

typedef md_code (*record_read)(md_ctx *, const md_record_kind *, const char *, const char *,
                               json_t **, md_err *);

/* A read of session id through the engine (audited), under its patient. */
static md_code read_session(md_ctx *ctx, const char *id, record_read fn, json_t **out, md_err *err)
{
    json_t *cur = NULL;
    md_code rc = md_require(ctx, md_kind_treatment_session.read_perm, err);
    if (rc == MD_OK) rc = session_raw(ctx, id, &cur, err);
    if (rc == MD_OK) rc = fn(ctx, &md_kind_treatment_session, str(cur, "patient_id"), id, out, err);
    json_decref(cur);
    return rc;
}

md_code md_chart_get(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    return read_session(ctx, id, md_record_get, out, err);
}

md_code md_chart_history(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    return read_session(ctx, id, md_record_history, out, err);
}

md_code md_chart_list(md_ctx *ctx, const char *patient_id, json_t **out, md_err *err)
{
    json_t *list = NULL;
    md_code rc = md_record_list(ctx, &md_kind_treatment_session, patient_id, 1, &list, err);
    if (rc != MD_OK) return rc;
    json_t *items = json_object_get(list, "items"), *newest = json_array();
    for (size_t i = json_array_size(items); rc == MD_OK && i > 0; i--) {
        json_t *s = json_array_get(items, i - 1);
        rc = decorate_session(ctx, s, err);
        json_array_append(newest, s);
    }
    json_decref(list);
    if (rc == MD_OK)
        *out = json_pack("{s:o}", "items", newest);
    else
        json_decref(newest);
    return rc;
}
