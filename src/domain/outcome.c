/*
 * outcome.c - outcome scores of sessions and courses (outcome.h, docs/OUTCOMES.md): the kind
 * "outcome", scoring a session, amendments, reads, a course's series beside its photos, the
 * distribution for the dashboard and the questions a check-in asks the patient.
 *
 * Lifecycle of one score (every arrow a new version, with who, when and why):
 *
 *   score --> active --score again {reason}--> active (amended: new score, new version)
 *                    --entered in error {reason}--> entered_in_error (final)
 *
 * One active score per (session, scale, rater, area): scoring again what already has an
 * active score is an amendment of that record (reason required, 409 naming "reason"
 * without one); a unique partial index (migration 29) holds it against concurrent writers.
 * Only a completed or signed-off session is scored (409 naming "session_id").
 *
 * What a score stores: the scale's id, version and the whole kb definition as scored
 * ("scale_definition"), the score and its label.  "normalised" (0 worst .. 1 best) is
 * computed on every read from the stored definition, never from today's kb: a GAIS
 * numbered 1 (very much improved) .. 5 (worse) and one numbered 0 .. 4 the other way plot
 * the same.
 *
 * Who scores: staff with MD_PERM_CHART_WRITE (a practitioner's score names them as rater;
 * a patient's score given on paper has no rater id), or the patient through a check-in
 * (ctx->who as checkin.c fills it: no role, actor "patient"), who may give only patient
 * scores; rater_id is then the check-in's id ("checkin_id" in the input).  The engine
 * writes that score with the system's role on the patient's behalf; its audit entry names
 * the actor "patient".
 */
#include "mesodesk/outcome.h"
#include "mesodesk/audit.h"
#include "mesodesk/chart.h"
#include "mesodesk/commit.h"
#include "mesodesk/course.h"
#include "mesodesk/photo.h"
#include "mesodesk/validate.h"
#include "record_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const raters[] = {"practitioner", "patient", NULL};
static const char *const statuses[] = {"active", "entered_in_error", NULL};
static const char *const scored_states[] = {"completed", "signed_off", NULL};

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int in_list(const char *const *list, const char *s)
{
    for (int i = 0; s && list[i]; i++)
        if (strcmp(list[i], s) == 0) return 1;
    return 0;
}

/* ---- the stored definition: points and normalisation (pure) ---- */

/* The point of definition whose value is score, or NULL. */
static const json_t *point_of(const json_t *definition, long score)
{
    size_t i;
    const json_t *p;
    json_array_foreach(json_object_get(definition, "points"), i, p)
    {
        if (json_is_integer(json_object_get(p, "value")) &&
            json_integer_value(json_object_get(p, "value")) == score)
            return p;
    }
    return NULL;
}

md_code md_outcome_normalise(const json_t *definition, long score, double *out, md_err *err)
{
    const char *dir = str(definition, "direction");
    const json_t *pts = json_object_get(definition, "points"), *p;
    json_int_t lo = 0, hi = 0;
    size_t i;
    int n = 0;
    if (!dir || (strcmp(dir, "higher_is_better") != 0 && strcmp(dir, "lower_is_better") != 0))
        return md_err_set(err, MD_EINVAL, "scale_definition.direction",
                          "the scale's direction is higher_is_better or lower_is_better");
    json_array_foreach(pts, i, p)
    {
        json_t *v = json_object_get(p, "value");
        if (!json_is_integer(v))
            return md_err_set(err, MD_EINVAL, "scale_definition.points",
                              "every point of the scale has an integer value");
        json_int_t x = json_integer_value(v);
        if (n == 0 || x < lo) lo = x;
        if (n == 0 || x > hi) hi = x;
        n++;
    }
    if (n < 2 || hi == lo)
        return md_err_set(err, MD_EINVAL, "scale_definition.points",
                          "the scale has at least two points with different values");
    if (!point_of(definition, score))
        return md_err_set(err, MD_EINVAL, "score", "score %ld is not a point of the scale %s",
                          score, str(definition, "id") ? str(definition, "id") : "");
    double t = (double)(score - lo) / (double)(hi - lo);
    *out = strcmp(dir, "higher_is_better") == 0 ? t : 1.0 - t;
    return MD_OK;
}

/* ---- the kind ---- */

static md_code check_definition(const md_ctx *ctx, json_t *v, const char *field, md_err *err)
{
    (void)ctx;
    double x;
    if (!json_is_object(v) || !str(v, "id") || !str(v, "version") ||
        !json_is_array(json_object_get(v, "points")))
        return md_err_set(err, MD_EINVAL, field,
                          "%s must be the scale's kb entry (id, version, direction, points)",
                          field);
    const json_t *first = json_array_get(json_object_get(v, "points"), 0);
    json_t *fv = json_object_get(first, "value");
    return md_outcome_normalise(v, json_is_integer(fv) ? (long)json_integer_value(fv) : 0, &x, err);
}

/* Whatever writes a score holds these: the definition is the scale named, in the version
 * named; the score is one of its points, with its label; the rater is one of its raters. */
static md_code outcome_check(md_ctx *ctx, json_t *rec, md_err *err)
{
    (void)ctx;
    json_t *def = json_object_get(rec, "scale_definition");
    double x;
    long score = (long)json_integer_value(json_object_get(rec, "score"));
    md_code rc = md_outcome_normalise(def, score, &x, err);
    if (rc != MD_OK) return rc;
    if (!str(rec, "scale") || strcmp(str(def, "id"), str(rec, "scale")) != 0 ||
        !str(rec, "scale_version") || strcmp(str(def, "version"), str(rec, "scale_version")) != 0)
        return md_err_set(err, MD_EINVAL, "scale_definition",
                          "the stored definition is not the scale and version named");
    const char *label = str(point_of(def, score), "label");
    if (!label || !str(rec, "label") || strcmp(label, str(rec, "label")) != 0)
        return md_err_set(err, MD_EINVAL, "label", "the label is the label of the score's point");
    size_t i;
    json_t *r;
    int rated = 0;
    json_array_foreach(json_object_get(def, "raters"), i,
                       r) if (json_is_string(r) &&
                              strcmp(json_string_value(r), str(rec, "rater")) == 0) rated = 1;
    if (!rated)
        return md_err_set(err, MD_EUNPROCESSABLE, "rater", "the %s does not rate %s",
                          str(rec, "rater"), str(rec, "scale"));
    return MD_OK;
}

/* A read's extra: "normalised" from the stored definition. */
static md_code outcome_decorate(md_ctx *ctx, json_t *rec, md_err *err)
{
    (void)ctx, (void)err;
    double x;
    md_err ignore;
    if (md_outcome_normalise(json_object_get(rec, "scale_definition"),
                             (long)json_integer_value(json_object_get(rec, "score")), &x,
                             &ignore) == MD_OK)
        json_object_set_new(rec, "normalised", json_real(x));
    else
        json_object_set_new(rec, "normalised", json_null());
    return MD_OK;
}

static const md_field outcome_fields[] = {
    {.name = "session_id",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 32,
     .doc = "the treatment session scored (completed or signed off)"},
    {.name = "course_id", .type = MD_F_TEXT, .max_len = 32, .doc = "the session's course"},
    {.name = "day", .type = MD_F_DATE, .required = 1, .doc = "the session's day (clinic zone)"},
    {.name = "scale",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 63,
     .doc = "kb/outcome_scales.json scale id (gais, wsrs, satisfaction)"},
    {.name = "scale_version",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 32,
     .doc = "the scale's version when scored"},
    {.name = "scale_definition",
     .type = MD_F_JSON,
     .required = 1,
     .json_check = check_definition,
     .doc = "the scale's whole kb entry as scored (points, direction, numbering, sources)"},
    {.name = "rater",
     .type = MD_F_ENUM,
     .required = 1,
     .values = raters,
     .doc = "practitioner or patient"},
    {.name = "rater_id",
     .type = MD_F_TEXT,
     .max_len = 32,
     .doc = "the practitioner's staff id; for a patient, the check-in's id (null on paper)"},
    {.name = "score", .type = MD_F_INT, .required = 1, .min = -100, .max = 100},
    {.name = "label", .type = MD_F_TEXT, .required = 1, .max_len = 64, .doc = "the point's label"},
    {.name = "area", .type = MD_F_CODE, .vocab = MD_VOCAB_AREA, .doc = "the area rated, if one"},
    {.name = "rated_at", .type = MD_F_TEXT, .required = 1, .max_len = 20, .doc = "UTC"},
    {.name = "status",
     .type = MD_F_ENUM,
     .required = 1,
     .values = statuses,
     .dflt = "active",
     .doc = "active or entered_in_error"},
    {0},
};

const md_record_kind md_kind_outcome = {
    .name = "outcome",
    .table = "outcomes",
    .collection = "outcomes",
    .schema = "Outcome",
    .title = "outcomes",
    .parent = &md_kind_patient,
    .has_parent = 1,
    .flags = 0,
    .read_perm = MD_PERM_CLINICAL_READ,
    .write_perm = MD_PERM_CHART_WRITE,
    .fields = outcome_fields,
    .status_field = "status",
    .hooks = {.check = outcome_check, .decorate = outcome_decorate},
};

/* ---- the kb ---- */

/* The scale's definition in ctx's kb (new reference): MD_EUNPROCESSABLE naming field for
 * an unknown scale. */
static md_code scale_of(const md_ctx *ctx, const char *id, const char *field, json_t **out,
                        md_err *err)
{
    json_t *all = ctx->kb ? md_kb_outcome_scales_json(ctx->kb) : NULL, *s;
    size_t i;
    *out = NULL;
    if (!all) return md_err_set(err, MD_EUNAVAILABLE, NULL, "no outcome scales are loaded");
    json_array_foreach(json_object_get(all, "scales"), i,
                       s) if (id && strcmp(str(s, "id"), id) == 0)
    {
        *out = json_incref(s);
        break;
    }
    json_decref(all);
    if (*out) return MD_OK;
    return md_err_set(err, MD_EUNPROCESSABLE, field,
                      "%s: unknown outcome scale (GET /api/v1/kb/outcome-scales lists them)",
                      field);
}

md_code md_outcome_checkin_questions(md_ctx *ctx, int day_offset, json_t **out, md_err *err)
{
    json_t *all = ctx->kb ? md_kb_outcome_scales_json(ctx->kb) : NULL, *c, *q = json_array();
    size_t i, j;
    md_code rc = MD_OK;
    if (!all || !q) {
        json_decref(all);
        json_decref(q);
        return md_err_set(err, MD_EUNAVAILABLE, NULL, "no outcome scales are loaded");
    }
    json_array_foreach(json_object_get(all, "checkins"), i, c)
    {
        if (json_integer_value(json_object_get(c, "day_offset")) != day_offset) continue;
        json_t *name;
        json_array_foreach(json_object_get(c, "scales"), j, name)
        {
            json_t *s = NULL, *opts = json_array(), *texts = json_array(), *p;
            json_int_t lo = 0, hi = 0;
            size_t k;
            if ((rc = scale_of(ctx, json_string_value(name), "scale", &s, err)) != MD_OK) {
                json_decref(opts);
                json_decref(texts);
                break;
            }
            json_array_foreach(json_object_get(s, "points"), k, p)
            {
                json_int_t v = json_integer_value(json_object_get(p, "value"));
                if (k == 0 || v < lo) lo = v;
                if (k == 0 || v > hi) hi = v;
                json_array_append_new(
                    opts, json_pack("{s:I,s:O}", "value", v, "label", json_object_get(p, "label")));
                json_array_append(texts, json_object_get(p, "label"));
            }
            json_array_append_new(
                q, json_pack("{s:s+,s:O,s:s,s:I,s:I,s:b,s:o,s:o,s:O,s:O}", "code", "outcome.",
                             json_string_value(name), "text", json_object_get(s, "question"),
                             "type", "scale", "min", lo, "max", hi, "required", 0, "options", opts,
                             "option_text", texts, "scale", json_object_get(s, "id"),
                             "scale_version", json_object_get(s, "version")));
            json_decref(s);
        }
    }
    json_decref(all);
    if (rc != MD_OK) {
        json_decref(q);
        return rc;
    }
    *out = q;
    return MD_OK;
}

/* ---- scoring ---- */

/* The session's current record (no permission check, no audit: the caller's write or
 * read audits).  MD_ENOTFOUND naming "session_id". */
static md_code session_of(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    json_t *items = NULL;
    md_code rc = MD_OK;
    if (!md_id_valid(id)) return md_err_set(err, MD_ENOTFOUND, "session_id", "no such session");
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    rc = md__record_query(ctx, &md_kind_treatment_session,
                          "clinic_id = $1 AND id = $2 AND current = 1", v, 2, &items, err);
    if (rc == MD_OK && json_array_size(items) == 0)
        rc = md_err_set(err, MD_ENOTFOUND, "session_id", "no such session");
    if (rc == MD_OK) *out = json_incref(json_array_get(items, 0));
    json_decref(items);
    return rc;
}

/* The current active score of (session, scale, rater, area), or *out NULL. */
static md_code active_score(md_ctx *ctx, const char *session, const char *scale, const char *rater,
                            const char *area, json_t **out, md_err *err)
{
    json_t *items = NULL;
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(session), md_text(scale), md_text(rater),
                  md_text(area)};
    md_code rc = md__record_query(
        ctx, &md_kind_outcome,
        "clinic_id = $1 AND session_id = $2 AND scale = $3 AND rater = $4 AND current = 1 AND "
        "status = 'active' AND (area = CAST($5 AS TEXT) OR (area IS NULL AND CAST($5 AS TEXT) "
        "IS NULL))",
        v, 5, &items, err);
    *out = rc == MD_OK && json_array_size(items) ? json_incref(json_array_get(items, 0)) : NULL;
    json_decref(items);
    return rc;
}

typedef struct score_in {
    const char *session_id, *scale, *rater, *area, *rated_in, *reason, *checkin_id;
    long score;
    char rated_at[MD_TIME_STR];
} score_in;

/* Who may score: staff that chart, or the patient (a check-in's write) for patient scores. */
static md_code may_score(md_ctx *ctx, const char *rater, int *patient_link, md_err *err)
{
    *patient_link = ctx->who.role == MD_ROLE_NONE;
    if (!*patient_link) return md_require(ctx, MD_PERM_CHART_WRITE, err);
    if (strcmp(ctx->who.staff_id, "patient") != 0 || !rater || strcmp(rater, "patient") != 0)
        return md_err_set(err, MD_EFORBIDDEN, "rater",
                          "through a check-in link only the patient's own scores are given");
    return MD_OK;
}

static md_code score_input(md_ctx *ctx, json_t *in, score_in *s, md_err *err)
{
    static const char *const keys[] = {"session_id", "scale",  "rater",      "score", "area",
                                       "rated_at",   "reason", "checkin_id", NULL};
    int64_t t = md_now();
    md_code rc;
    if (!json_is_object(in)) return md_err_set(err, MD_EINVAL, "", "the body must be an object");
    if ((rc = md_json_check_keys(in, keys, "", err)) ||
        (rc = md_json_text(in, "session_id", 1, 32, &s->session_id, err)) ||
        (rc = md_json_text(in, "scale", 1, 63, &s->scale, err)) ||
        (rc = md_json_enum(in, "rater", 1, raters, &s->rater, err)) ||
        (rc = md_json_int(in, "score", 1, -1000000, 1000000, &s->score, NULL, err)) ||
        (rc = md_json_text(in, "area", 0, 63, &s->area, err)) ||
        (rc = md_json_text(in, "rated_at", 0, 20, &s->rated_in, err)) ||
        (rc = md_json_text(in, "reason", 0, 500, &s->reason, err)) ||
        (rc = md_json_text(in, "checkin_id", 0, 32, &s->checkin_id, err)))
        return rc;
    if (s->area && (rc = md_vocab_resolve(ctx, MD_VOCAB_AREA, "area", s->area, &s->area, err)))
        return rc;
    if (s->rated_in && md_time_parse(s->rated_in, &t) != 0)
        return md_err_set(err, MD_EUNPROCESSABLE, "rated_at",
                          "rated_at must be a UTC time YYYY-MM-DDTHH:MM:SSZ");
    if (t > md_now() + 300)
        return md_err_set(err, MD_EUNPROCESSABLE, "rated_at", "rated_at is in the future");
    if (s->checkin_id && strcmp(s->rater, "patient") != 0)
        return md_err_set(err, MD_EINVAL, "checkin_id", "only a patient's score has a check-in");
    md_time_format(t, s->rated_at);
    return MD_OK;
}

/* Run the engine's write with the role the kind needs when the patient scores through a
 * check-in (the actor stays "patient"). */
static md_code as_writer(md_ctx *ctx, int patient_link,
                         md_code (*fn)(md_ctx *, void *, json_t **, md_err *), void *arg,
                         json_t **out, md_err *err)
{
    md_role saved = ctx->who.role;
    if (patient_link) ctx->who.role = MD_ROLE_SYSTEM;
    md_code rc = fn(ctx, arg, out, err);
    ctx->who.role = saved;
    return rc;
}

typedef struct write_args {
    const char *patient, *id; /* id NULL: create */
    json_t *rec;
} write_args;

static md_code do_write(md_ctx *ctx, void *arg, json_t **out, md_err *err)
{
    write_args *w = arg;
    if (!w->id) return md_record_create(ctx, &md_kind_outcome, w->patient, w->rec, out, err);
    return md_record_update(ctx, &md_kind_outcome, w->patient, w->id, w->rec, out, err);
}

md_code md_outcome_add(md_ctx *ctx, json_t *in, json_t **out, md_err *err)
{
    score_in s;
    json_t *def = NULL, *session = NULL, *prev = NULL, *rec = NULL, *made = NULL;
    int patient_link = 0, began = 0;
    double x;
    memset(&s, 0, sizeof s);
    md_code rc = score_input(ctx, in, &s, err);
    if (rc == MD_OK) rc = may_score(ctx, s.rater, &patient_link, err);
    if (rc == MD_OK) rc = scale_of(ctx, s.scale, "scale", &def, err);
    if (rc == MD_OK) {
        int rated = 0;
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(def, "raters"), i,
                           r) if (strcmp(json_string_value(r), s.rater) == 0) rated = 1;
        if (!rated)
            rc = md_err_set(err, MD_EUNPROCESSABLE, "rater", "the %s does not rate %s", s.rater,
                            s.scale);
    }
    if (rc == MD_OK) rc = md_outcome_normalise(def, s.score, &x, err);
    if (rc == MD_OK) rc = session_of(ctx, s.session_id, &session, err);
    if (rc == MD_OK && !in_list(scored_states, str(session, "state")))
        rc = md_err_set(err, MD_ECONFLICT, "session_id",
                        "a session that is %s is not scored: outcomes are given for completed "
                        "or signed-off sessions",
                        str(session, "state") ? str(session, "state") : "unknown");
    /* The check and the write in one transaction: a second score is seen, never doubled. */
    if (rc == MD_OK && (rc = md_write_begin(ctx, err)) == MD_OK) began = 1;
    if (rc == MD_OK) rc = active_score(ctx, s.session_id, s.scale, s.rater, s.area, &prev, err);
    /* The patient answering a check-in amends a patient score staff entered before. */
    if (rc == MD_OK && prev && !s.reason && patient_link)
        s.reason = "answered by the patient through a check-in";
    if (rc == MD_OK && prev && !s.reason)
        rc = md_err_set(err, MD_ECONFLICT, "reason",
                        "this session already has a %s score of %s%s%s (version %lld): scoring "
                        "it again amends it and needs a reason",
                        s.rater, s.scale, s.area ? " for " : "", s.area ? s.area : "",
                        (long long)json_integer_value(json_object_get(prev, "version")));
    if (rc == MD_OK) {
        const char *rater_id =
            strcmp(s.rater, "practitioner") == 0 ? md_actor_id(ctx) : s.checkin_id;
        rec = json_pack(
            "{s:s,s:s?,s:s,s:s,s:O,s:O,s:s,s:s?,s:I,s:O,s:s?,s:s,s:s,s:s}", "session_id",
            s.session_id, "course_id", str(session, "course_id"), "day", str(session, "day"),
            "scale", s.scale, "scale_version", json_object_get(def, "version"), "scale_definition",
            def, "rater", s.rater, "rater_id", rater_id, "score", (json_int_t)s.score, "label",
            json_object_get(point_of(def, s.score), "label"), "area", s.area, "rated_at",
            s.rated_at, "status", "active", "reason", s.reason ? s.reason : "scored");
        if (!rec) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    }
    if (rc == MD_OK) {
        write_args w = {str(session, "patient_id"), prev ? str(prev, "id") : NULL, rec};
        if (prev) json_object_set(rec, "version", json_object_get(prev, "version"));
        rc = as_writer(ctx, patient_link, do_write, &w, &made, err);
    }
    if (began) rc = md_write_finish(ctx, rc, err);
    if (rc == MD_OK)
        *out = made;
    else
        json_decref(made);
    json_decref(rec);
    json_decref(prev);
    json_decref(session);
    json_decref(def);
    return rc;
}

/* ---- one score: read, history, amendment ---- */

static md_code load_current(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    json_t *items = NULL;
    if (!md_id_valid(id)) return md_err_set(err, MD_ENOTFOUND, "id", "no such outcome");
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    md_code rc = md__record_query(ctx, &md_kind_outcome,
                                  "clinic_id = $1 AND id = $2 AND current = 1", v, 2, &items, err);
    if (rc == MD_OK && json_array_size(items) == 0)
        rc = md_err_set(err, MD_ENOTFOUND, "id", "no such outcome");
    if (rc == MD_OK) *out = json_incref(json_array_get(items, 0));
    json_decref(items);
    return rc;
}

md_code md_outcome_get(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    json_t *cur = NULL;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK) rc = load_current(ctx, id, &cur, err);
    if (rc == MD_OK)
        rc = md_record_get(ctx, &md_kind_outcome, str(cur, "patient_id"), id, out, err);
    json_decref(cur);
    return rc;
}

md_code md_outcome_history(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    json_t *cur = NULL, *h = NULL;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK) rc = load_current(ctx, id, &cur, err);
    if (rc == MD_OK)
        rc = md_record_history(ctx, &md_kind_outcome, str(cur, "patient_id"), id, &h, err);
    if (rc == MD_OK) {
        json_t *e;
        size_t i;
        json_array_foreach(json_object_get(h, "versions"), i, e) outcome_decorate(ctx, e, err);
        *out = h;
    }
    json_decref(cur);
    return rc;
}

md_code md_outcome_amend(md_ctx *ctx, const char *id, json_t *in, json_t **out, md_err *err)
{
    static const char *const keys[] = {"score", "rated_at", "status", "reason", "version", NULL};
    json_t *cur = NULL, *rec = NULL;
    const char *status = NULL, *rated_in = NULL;
    long score = 0;
    int has_score = 0;
    int64_t t = md_now();
    double x;
    md_code rc = md_require(ctx, MD_PERM_CHART_WRITE, err);
    if (rc == MD_OK && !json_is_object(in))
        rc = md_err_set(err, MD_EINVAL, "", "the body must be an object");
    if (rc == MD_OK &&
        ((rc = md_json_check_keys(in, keys, "", err)) ||
         (rc = md_json_enum(in, "status", 0, statuses, &status, err)) ||
         (rc = md_json_int(in, "score", 0, -1000000, 1000000, &score, &has_score, err)) ||
         (rc = md_json_text(in, "rated_at", 0, 20, &rated_in, err))))
        goto done;
    if (rc == MD_OK && rated_in && (md_time_parse(rated_in, &t) != 0 || t > md_now() + 300))
        rc = md_err_set(err, MD_EUNPROCESSABLE, "rated_at",
                        "rated_at must be a UTC time YYYY-MM-DDTHH:MM:SSZ, not in the future");
    if (rc == MD_OK) rc = load_current(ctx, id, &cur, err);
    if (rc == MD_OK && strcmp(str(cur, "status"), "entered_in_error") == 0)
        rc = md_err_set(err, MD_ECONFLICT, "status", "the outcome is entered in error");
    if (rc != MD_OK) goto done;
    if (status && strcmp(status, "entered_in_error") == 0) {
        if (has_score || rated_in)
            rc = md_err_set(err, MD_EINVAL, has_score ? "score" : "rated_at",
                            "a score entered in error takes no new value");
        else {
            json_t *e = json_deep_copy(in);
            json_object_del(e, "status");
            rc = md_record_entered_in_error(ctx, &md_kind_outcome, str(cur, "patient_id"), id, e,
                                            out, err);
            json_decref(e);
        }
        goto done;
    }
    if (!has_score && !rated_in) {
        rc = md_err_set(err, MD_EINVAL, "score", "give the new score (or status entered_in_error)");
        goto done;
    }
    /* The amended score is read against the definition it was first scored with. */
    json_t *def = json_object_get(cur, "scale_definition");
    if (!has_score) score = (long)json_integer_value(json_object_get(cur, "score"));
    if ((rc = md_outcome_normalise(def, score, &x, err)) != MD_OK) goto done;
    char rated[MD_TIME_STR];
    md_time_format(t, rated);
    rec = json_deep_copy(in);
    json_object_del(rec, "status");
    json_object_set_new(rec, "score", json_integer(score));
    json_object_set(rec, "label", json_object_get(point_of(def, score), "label"));
    json_object_set_new(rec, "rated_at", json_string(rated_in ? rated : str(cur, "rated_at")));
    if (strcmp(str(cur, "rater"), "practitioner") == 0)
        json_object_set_new(rec, "rater_id", json_string(md_actor_id(ctx)));
    rc = md_record_update(ctx, &md_kind_outcome, str(cur, "patient_id"), id, rec, out, err);
done:
    json_decref(rec);
    json_decref(cur);
    return rc;
}

/* ---- lists ---- */

static md_code audit_read(md_ctx *ctx, const char *id, const char *patient_id, const char *detail,
                          md_err *err)
{
    md_audit_entry a = {"read", "outcome", id, patient_id, detail};
    return md_audit(ctx, &a, err);
}

static void decorate_all(md_ctx *ctx, json_t *items)
{
    size_t i;
    json_t *e;
    md_err ignore;
    json_array_foreach(items, i, e) outcome_decorate(ctx, e, &ignore);
}

md_code md_outcome_list(md_ctx *ctx, const char *session_id, const char *patient_id, json_t **out,
                        md_err *err)
{
    json_t *items = NULL, *session = NULL;
    const char *patient = patient_id;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK && !session_id == !patient_id)
        rc = md_err_set(err, MD_EINTERNAL, NULL, "outcomes of a session or of a patient");
    if (rc == MD_OK && session_id) {
        rc = session_of(ctx, session_id, &session, err);
        if (rc == MD_OK) patient = str(session, "patient_id");
    } else if (rc == MD_OK) {
        rc = md_patient_exists(ctx, patient_id, err);
    }
    if (rc == MD_OK) {
        md_val v[] = {md_text(ctx->who.clinic_id), md_text(session_id ? session_id : patient_id)};
        rc = md__record_query(ctx, &md_kind_outcome,
                              session_id ? "clinic_id = $1 AND session_id = $2 AND current = 1 "
                                           "AND status = 'active' ORDER BY rated_at, id"
                                         : "clinic_id = $1 AND patient_id = $2 AND current = 1 "
                                           "AND status = 'active' ORDER BY day, rated_at, id",
                              v, 2, &items, err);
    }
    if (rc == MD_OK) rc = audit_read(ctx, "*", patient, session_id ? "session" : "list", err);
    json_decref(session);
    if (rc != MD_OK) {
        json_decref(items);
        return rc;
    }
    decorate_all(ctx, items);
    *out = json_pack("{s:o}", "items", items);
    return *out ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
}

/* ---- a course's series beside its photos ---- */

typedef struct rows_acc {
    json_t *items;
    int kind; /* 0: sessions, 1: views */
} rows_acc;

static int course_row(void *c, const md_row *row)
{
    rows_acc *a = c;
    json_t *e;
    if (a->kind == 1)
        e = json_string(md_row_text(row, 0));
    else
        e = json_pack("{s:s,s:I,s:s,s:s}", "id", md_row_text(row, 0), "course_session",
                      (json_int_t)md_row_int(row, 1), "day", md_row_text(row, 2), "state",
                      md_row_text(row, 3));
    return e && json_array_append_new(a->items, e) == 0 ? 0 : 1;
}

/* The series of (scale, rater, area) in series, made when missing. */
static json_t *series_of(json_t *series, json_t *o)
{
    size_t i;
    json_t *e;
    const char *area = str(o, "area");
    json_array_foreach(series, i, e)
    {
        const char *ea = str(e, "area");
        if (strcmp(str(e, "scale"), str(o, "scale")) == 0 &&
            strcmp(str(e, "rater"), str(o, "rater")) == 0 &&
            ((!ea && !area) || (ea && area && strcmp(ea, area) == 0)))
            return e;
    }
    e = json_pack("{s:O,s:O,s:O,s:O,s:O,s:[]}", "scale", json_object_get(o, "scale"), "rater",
                  json_object_get(o, "rater"), "area",
                  area ? json_object_get(o, "area") : json_null(), "scale_version",
                  json_object_get(o, "scale_version"), "direction",
                  json_object_get(json_object_get(o, "scale_definition"), "direction"), "points");
    json_array_append_new(series, e);
    return e;
}

md_code md_outcome_course(md_ctx *ctx, const char *course_id, json_t **out, md_err *err)
{
    md_course_slot slot;
    rows_acc sessions = {json_array(), 0}, views = {json_array(), 1};
    json_t *scores = NULL, *series = json_array(), *photos = json_array();
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK && (!sessions.items || !views.items || !series || !photos))
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK) {
        rc = md_course_slot_get(ctx, course_id, 1, &slot, err);
        if (rc == MD_EUNPROCESSABLE || rc == MD_ENOTFOUND)
            rc = md_err_set(err, MD_ENOTFOUND, "course_id", "no such course");
    }
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(course_id)};
    if (rc == MD_OK)
        rc = md_store_exec(ctx->db,
                           "SELECT id, course_session, day, state FROM treatment_sessions WHERE "
                           "clinic_id = $1 AND course_id = $2 AND current = 1 AND "
                           "state <> 'cancelled' ORDER BY course_session, day, id",
                           v, 2, course_row, &sessions, err);
    if (rc == MD_OK)
        rc = md__record_query(ctx, &md_kind_outcome,
                              "clinic_id = $1 AND course_id = $2 AND current = 1 AND "
                              "status = 'active' ORDER BY day, rated_at, id",
                              v, 2, &scores, err);
    /* Each score in its series, the series' points in the order of the course's sessions. */
    size_t i, j;
    json_t *sess, *o;
    if (rc == MD_OK) json_array_foreach(sessions.items, i, sess)
        {
            json_array_foreach(scores, j, o)
            {
                if (strcmp(str(o, "session_id"), str(sess, "id")) != 0) continue;
                md_err ignore;
                outcome_decorate(ctx, o, &ignore);
                json_t *p = json_pack(
                    "{s:O,s:O,s:O,s:O,s:O,s:O,s:O}", "session_id", json_object_get(o, "session_id"),
                    "course_session", json_object_get(sess, "course_session"), "day",
                    json_object_get(o, "day"), "outcome_id", json_object_get(o, "id"), "score",
                    json_object_get(o, "score"), "label", json_object_get(o, "label"), "normalised",
                    json_object_get(o, "normalised"));
                json_array_append_new(json_object_get(series_of(series, o), "points"), p);
            }
        }
    if (rc == MD_OK)
        rc = md_store_exec(ctx->db,
                           "SELECT DISTINCT view FROM photos WHERE clinic_id = $1 AND "
                           "course_id = $2 AND current = 1 AND status = 'active' ORDER BY view",
                           v, 2, course_row, &views, err);
    json_t *view;
    if (rc == MD_OK) json_array_foreach(views.items, i, view)
        {
            json_t *cmp = NULL;
            if ((rc = md_photo_compare(ctx, course_id, json_string_value(view), &cmp, err)) !=
                MD_OK)
                break;
            json_array_append_new(photos, cmp);
        }
    if (rc == MD_OK) rc = audit_read(ctx, "*", slot.patient_id, "course", err);
    json_decref(scores);
    json_decref(views.items);
    if (rc != MD_OK) {
        json_decref(sessions.items);
        json_decref(series);
        json_decref(photos);
        return rc;
    }
    *out = json_pack("{s:s,s:s,s:o,s:o,s:o}", "course_id", course_id, "patient_id", slot.patient_id,
                     "sessions", sessions.items, "series", series, "photos", photos);
    return *out ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
}

/* ---- the distribution (aggregate: not a patient read) ---- */

typedef struct dist_acc {
    json_t *counts; /* the kb's points, in order, each with "n" */
    const char *kb_version;
    json_int_t n, unmapped;
} dist_acc;

/* A row (scale_version, score, label, n): counted on the point of the same value when
 * scored with the kb's version, else on the point of the same label. */
static int dist_row(void *c, const md_row *row)
{
    dist_acc *a = c;
    int same = strcmp(md_row_text(row, 0), a->kb_version) == 0;
    json_int_t score = md_row_int(row, 1), n = md_row_int(row, 3);
    const char *label = md_row_text(row, 2);
    size_t i;
    json_t *p;
    a->n += n;
    json_array_foreach(a->counts, i, p)
    {
        if (same ? json_integer_value(json_object_get(p, "value")) == score
                 : strcmp(str(p, "label"), label) == 0) {
            json_object_set_new(p, "n",
                                json_integer(json_integer_value(json_object_get(p, "n")) + n));
            return 0;
        }
    }
    a->unmapped += n;
    return 0;
}

/* A civil day of the query, or NULL: malformed MD_EINVAL, impossible MD_EUNPROCESSABLE. */
static md_code day_param(const char *s, const char *field, md_err *err)
{
    md_day d;
    int r = s ? md_date_parse(s, &d) : 0;
    if (r == 0) return MD_OK;
    return md_err_set(err, r == -2 ? MD_EUNPROCESSABLE : MD_EINVAL, field,
                      "%s must be a date YYYY-MM-DD", field);
}

md_code md_outcome_distribution(md_ctx *ctx, const char *scale, const char *rater, const char *from,
                                const char *to, json_t **out, md_err *err)
{
    json_t *def = NULL, *p;
    dist_acc a = {json_array(), NULL, 0, 0};
    size_t i;
    md_code rc = md_require(ctx, MD_PERM_PV_READ, err);
    if (rc == MD_OK && !a.counts) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK && !scale) rc = md_err_set(err, MD_EINVAL, "scale", "scale is required");
    if (rc == MD_OK && rater && !in_list(raters, rater))
        rc = md_err_set(err, MD_EUNPROCESSABLE, "rater", "rater must be practitioner or patient");
    if (rc == MD_OK) rc = day_param(from, "from", err);
    if (rc == MD_OK) rc = day_param(to, "to", err);
    if (rc == MD_OK) rc = scale_of(ctx, scale, "scale", &def, err);
    if (rc == MD_OK) {
        a.kb_version = str(def, "version");
        json_array_foreach(json_object_get(def, "points"), i, p) json_array_append_new(
            a.counts, json_pack("{s:O,s:O,s:i}", "value", json_object_get(p, "value"), "label",
                                json_object_get(p, "label"), "n", 0));
        md_val v[] = {md_text(ctx->who.clinic_id), md_text(scale), md_text(rater), md_text(from),
                      md_text(to)};
        rc = md_store_exec(ctx->db,
                           "SELECT scale_version, score, label, count(*) FROM outcomes WHERE "
                           "clinic_id = $1 AND scale = $2 AND current = 1 AND status = 'active' "
                           "AND (CAST($3 AS TEXT) IS NULL OR rater = $3) AND "
                           "(CAST($4 AS TEXT) IS NULL OR day >= $4) AND "
                           "(CAST($5 AS TEXT) IS NULL OR day < $5) "
                           "GROUP BY scale_version, score, label ORDER BY scale_version, score",
                           v, 5, dist_row, &a, err);
    }
    if (rc == MD_OK) {
        *out = json_pack("{s:s,s:O,s:s?,s:s?,s:s?,s:O,s:o,s:I,s:I}", "scale", scale,
                         "scale_version", json_object_get(def, "version"), "rater", rater, "from",
                         from, "to", to, "direction", json_object_get(def, "direction"), "counts",
                         a.counts, "n", a.n, "unmapped", a.unmapped);
        a.counts = NULL;
        if (!*out) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    }
    json_decref(a.counts);
    json_decref(def);
    return rc;
}
