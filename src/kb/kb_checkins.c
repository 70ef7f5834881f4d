/*
 * kb_checkins.c - kb/checkins.json: the patient's check-ins after a session (checkin.h): the
 * link's validity after its due day, the days per protocol, and the plain-language questions
 * with what each maps to (a red flag or a common effect of kb/complications.json); loaded and
 * checked with the rest of the kb (kb_load.c calls kb_checkins_parse, after the protocols and
 * the complication catalogue), and the matching of a patient's answers (md_kb_checkin_match).
 *
 * Checks, reported as "kb/checkins.json:<path>": known keys only; "link" has
 * valid_days_after_due 1..90 and sources; "schedules" has one "default" and one per protocol
 * of kb/protocols.json, each naming a known protocol once, with 1..8 days strictly ascending
 * in 1..365 and sources; a question has a unique [a-z0-9_] code (not "outcome": those are
 * outcome.h's), a type, a text, sources; a scale has 0 <= min < max <= 100, a choice 2..12
 * unique [a-z0-9_] options with one option_text each, a text a max_length 1..4000; "maps_to"
 * is {"red_flag"} or {"effect"} (not for a text), with "when" (answers of the question:
 * yes/no/not_sure, or options) or, for a scale, "at_least" inside the range; a question
 * mapped to a red flag is required; the red flag must be one of the complication
 * catalogue's (md_kb_red_flag_known) and the effect one of its complications, once the
 * catalogue is loaded.
 *
 * State: everything lives in the kb's arena; matching allocates only its JSON results.
 */
#include <string.h>

#include "kb/kb_int.h"
#include "mesodesk/checkin.h"
#include "mesodesk/complication.h"
#include "mesodesk/course.h"

#define SCHEDULES_MAX 32
#define QUESTIONS_MAX 48
#define OPTIONS_MAX 12
#define TEXT_MAX 4000

typedef enum { Q_YES_NO, Q_SCALE, Q_CHOICE, Q_TEXT } q_type;
static const char *const q_types[] = {"yes_no", "scale", "choice", "text", NULL};
static const char *const yes_no[] = {"yes", "no", "not_sure", NULL};

typedef struct ci_schedule {
    const char *protocol;
    int days[MD_CHECKIN_DAYS_MAX];
    size_t n_days;
    const char **sources;
    size_t n_sources;
} ci_schedule;

typedef struct ci_question {
    const char *code, *text;
    q_type type;
    int required;
    long min, max, max_length, at_least;
    int has_at_least;
    const char *options[OPTIONS_MAX], *option_text[OPTIONS_MAX];
    size_t n_options;
    const char *red_flag, *effect; /* at most one set */
    const char *when[OPTIONS_MAX];
    size_t n_when;
    const char **sources;
    size_t n_sources;
} ci_question;

struct kb_checkins {
    const char *version;
    long valid_days;
    const char **link_sources;
    size_t n_link_sources;
    const char *msg_call_now, *msg_call_now_no_phone, *msg_thanks;
    ci_schedule schedules[SCHEDULES_MAX];
    size_t n_schedules;
    ci_question questions[QUESTIONS_MAX];
    size_t n_questions;
};

static int code_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 63) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

static int in_list(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] && s && strcmp(list[i], s) == 0) return 1;
    return 0;
}

static md_code parse_link(md_kb *kb, struct kb_checkins *C, const json_t *doc, const char *fp,
                          md_err *err)
{
    static const char *const keys[] = {"valid_days_after_due", "sources", NULL};
    char p[KB_PATH_MAX];
    const json_t *link = json_object_get(doc, "link");
    kj_key(p, fp, "link");
    if (!json_is_object(link)) return md_err_set(err, MD_EINVAL, p, "%s: required, an object", p);
    md_code rc = kj_object(link, p, keys, err);
    if (rc == MD_OK)
        rc = kj_int(link, "valid_days_after_due", p, 1, 1, 90, &C->valid_days, NULL, err);
    if (rc == MD_OK)
        rc = kb_sources_parse(kb, kb->arena, link, p, 0, &C->link_sources, &C->n_link_sources, err);
    return rc;
}

static md_code parse_messages(md_kb *kb, struct kb_checkins *C, const json_t *doc, const char *fp,
                              md_err *err)
{
    static const char *const keys[] = {"call_now", "call_now_no_phone", "thanks", "sources", NULL};
    char p[KB_PATH_MAX], xp[KB_PATH_MAX];
    const char **src = NULL;
    size_t n = 0;
    const json_t *m = json_object_get(doc, "messages");
    kj_key(p, fp, "messages");
    if (!json_is_object(m)) return md_err_set(err, MD_EINVAL, p, "%s: required, an object", p);
    md_code rc = kj_object(m, p, keys, err);
    if (rc == MD_OK) rc = kj_string_copy(kb->arena, m, "call_now", p, 1, &C->msg_call_now, err);
    if (rc == MD_OK)
        rc =
            kj_string_copy(kb->arena, m, "call_now_no_phone", p, 1, &C->msg_call_now_no_phone, err);
    if (rc == MD_OK) rc = kj_string_copy(kb->arena, m, "thanks", p, 1, &C->msg_thanks, err);
    if (rc == MD_OK) rc = kb_sources_parse(kb, kb->arena, m, p, 0, &src, &n, err);
    if (rc == MD_OK && !strstr(C->msg_call_now, "{phone}")) {
        kj_key(xp, p, "call_now");
        rc = md_err_set(err, MD_EINVAL, xp, "%s: must give the number ({phone})", xp);
    }
    return rc;
}

static md_code parse_days(ci_schedule *s, const json_t *j, const char *ep, md_err *err)
{
    char p[KB_PATH_MAX], xp[KB_PATH_MAX];
    const json_t *arr = NULL;
    md_code rc = kj_array(j, "days", ep, 1, MD_CHECKIN_DAYS_MAX, &arr, err);
    if (rc) return rc;
    kj_key(p, ep, "days");
    if (json_array_size(arr) == 0) return md_err_set(err, MD_EINVAL, p, "%s: at least one day", p);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *d = json_array_get(arr, i);
        kj_index(xp, p, i);
        if (!json_is_integer(d) || json_integer_value(d) < 1 || json_integer_value(d) > 365)
            return md_err_set(err, MD_EINVAL, xp, "%s: a day after the session, 1 to 365", xp);
        s->days[i] = (int)json_integer_value(d);
        if (i > 0 && s->days[i] <= s->days[i - 1])
            return md_err_set(err, MD_EINVAL, xp, "%s: days must be in ascending order, each once",
                              xp);
        s->n_days = i + 1;
    }
    return MD_OK;
}

static md_code parse_schedules(md_kb *kb, struct kb_checkins *C, const json_t *doc, const char *fp,
                               md_err *err)
{
    static const char *const keys[] = {"protocol", "days", "sources", "why", NULL};
    char p[KB_PATH_MAX], ep[KB_PATH_MAX], xp[KB_PATH_MAX];
    const json_t *arr = NULL;
    const char *names[SCHEDULES_MAX];
    md_code rc = kj_array(doc, "schedules", fp, 1, SCHEDULES_MAX, &arr, err);
    if (rc) return rc;
    kj_key(p, fp, "schedules");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *j = json_array_get(arr, i);
        ci_schedule *s = &C->schedules[i];
        const char *why = NULL;
        kj_index(ep, p, i);
        if (!json_is_object(j)) return md_err_set(err, MD_EINVAL, ep, "%s: an object", ep);
        if ((rc = kj_object(j, ep, keys, err)) ||
            (rc = kj_string_copy(kb->arena, j, "protocol", ep, 1, &s->protocol, err)) ||
            (rc = kj_string(j, "why", ep, 0, &why, err)))
            return rc;
        kj_key(xp, ep, "protocol");
        if (strcmp(s->protocol, "default") != 0 && !md_kb_protocol_find(kb, s->protocol))
            return md_err_set(err, MD_EINVAL, xp, "%s: unknown protocol '%s' (kb/protocols.json)",
                              xp, s->protocol);
        if (in_list(names, i, s->protocol))
            return md_err_set(err, MD_EINVAL, xp, "%s: a second schedule for '%s'", xp,
                              s->protocol);
        names[i] = s->protocol;
        if ((rc = parse_days(s, j, ep, err)) ||
            (rc = kb_sources_parse(kb, kb->arena, j, ep, 0, &s->sources, &s->n_sources, err)))
            return rc;
        C->n_schedules = i + 1;
    }
    if (!in_list(names, C->n_schedules, "default"))
        return md_err_set(err, MD_EINVAL, p, "%s: no \"default\" schedule", p);
    for (size_t i = 0; i < md_kb_protocol_count(kb); i++) {
        const char *code = md_protocol_code(md_kb_protocol_at(kb, i));
        if (!in_list(names, C->n_schedules, code))
            return md_err_set(err, MD_EINVAL, p, "%s: no schedule for protocol '%s'", p, code);
    }
    return MD_OK;
}

/* "when": answers of q that match (yes_no: yes/no/not_sure; choice: its options). */
static md_code parse_when(ci_question *q, const json_t *j, const char *ep, md_err *err)
{
    char p[KB_PATH_MAX], xp[KB_PATH_MAX];
    const json_t *arr = NULL;
    md_code rc = kj_array(j, "when", ep, 0, OPTIONS_MAX, &arr, err);
    if (rc || !arr) return rc;
    kj_key(p, ep, "when");
    if (q->type != Q_YES_NO && q->type != Q_CHOICE)
        return md_err_set(err, MD_EINVAL, p, "%s: only a yes_no or choice question has \"when\"",
                          p);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const char *v = json_string_value(json_array_get(arr, i));
        kj_index(xp, p, i);
        int ok = q->type == Q_YES_NO ? in_list(yes_no, 3, v) : in_list(q->options, q->n_options, v);
        if (!ok) return md_err_set(err, MD_EINVAL, xp, "%s: not an answer of this question", xp);
        const char *const *from = q->type == Q_YES_NO ? yes_no : q->options;
        size_t n = q->type == Q_YES_NO ? 3 : q->n_options;
        for (size_t k = 0; k < n; k++)
            if (strcmp(from[k], v) == 0) q->when[q->n_when++] = from[k];
    }
    return MD_OK;
}

static md_code parse_options(md_kb *kb, ci_question *q, const json_t *j, const char *ep,
                             md_err *err)
{
    char p[KB_PATH_MAX], tp[KB_PATH_MAX], xp[KB_PATH_MAX];
    const json_t *opts = NULL, *texts = NULL;
    md_code rc = kj_array(j, "options", ep, 1, OPTIONS_MAX, &opts, err);
    if (rc == MD_OK) rc = kj_array(j, "option_text", ep, 1, OPTIONS_MAX, &texts, err);
    if (rc) return rc;
    kj_key(p, ep, "options");
    kj_key(tp, ep, "option_text");
    if (json_array_size(opts) < 2)
        return md_err_set(err, MD_EINVAL, p, "%s: at least two options", p);
    if (json_array_size(texts) != json_array_size(opts))
        return md_err_set(err, MD_EINVAL, tp, "%s: one text per option", tp);
    for (size_t i = 0; i < json_array_size(opts); i++) {
        const char *o = json_string_value(json_array_get(opts, i));
        const char *t = json_string_value(json_array_get(texts, i));
        kj_index(xp, p, i);
        if (!code_valid(o)) return md_err_set(err, MD_EINVAL, xp, "%s: [a-z0-9_], 1 to 63", xp);
        if (in_list(q->options, i, o))
            return md_err_set(err, MD_EINVAL, xp, "%s: duplicate option '%s'", xp, o);
        kj_index(xp, tp, i);
        if (!t || !*t) return md_err_set(err, MD_EINVAL, xp, "%s: a text for people", xp);
        q->options[i] = md_arena_strdup(kb->arena, o);
        q->option_text[i] = md_arena_strdup(kb->arena, t);
        if (!q->options[i] || !q->option_text[i])
            return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        q->n_options = i + 1;
    }
    return MD_OK;
}

/* "maps_to": exactly one of red_flag / effect, each checked against the catalogue once it
 * is loaded (the loader runs after it). */
static md_code parse_maps_to(md_kb *kb, ci_question *q, const json_t *j, const char *ep,
                             md_err *err)
{
    static const char *const keys[] = {"red_flag", "effect", NULL};
    char p[KB_PATH_MAX], xp[KB_PATH_MAX];
    const json_t *m = json_object_get(j, "maps_to");
    size_t n_catalogue = 0;
    md_code rc;
    if (!m) return MD_OK;
    kj_key(p, ep, "maps_to");
    if (!json_is_object(m)) return md_err_set(err, MD_EINVAL, p, "%s: an object", p);
    if ((rc = kj_object(m, p, keys, err)) ||
        (rc = kj_string_copy(kb->arena, m, "red_flag", p, 0, &q->red_flag, err)) ||
        (rc = kj_string_copy(kb->arena, m, "effect", p, 0, &q->effect, err)))
        return rc;
    if (!q->red_flag == !q->effect)
        return md_err_set(err, MD_EINVAL, p, "%s: either \"red_flag\" or \"effect\"", p);
    if (q->type == Q_TEXT)
        return md_err_set(err, MD_EINVAL, p, "%s: a text answer cannot be matched", p);
    md_kb_complications(kb, &n_catalogue);
    if (q->red_flag) {
        kj_key(xp, p, "red_flag");
        if (!code_valid(q->red_flag) ||
            (n_catalogue && !md_kb_red_flag_known(kb, q->red_flag, NULL)))
            return md_err_set(err, MD_EINVAL, xp,
                              "%s: unknown red flag '%s' (kb/complications.json)", xp, q->red_flag);
        if (!q->required)
            return md_err_set(err, MD_EINVAL, xp,
                              "%s: a red-flag question must be required (unknown is not no)", xp);
    } else {
        kj_key(xp, p, "effect");
        if (!code_valid(q->effect) || (n_catalogue && !md_kb_complication_find(kb, q->effect)))
            return md_err_set(err, MD_EINVAL, xp,
                              "%s: unknown complication '%s' (kb/complications.json)", xp,
                              q->effect);
    }
    if (q->type == Q_SCALE ? !q->has_at_least : q->n_when == 0)
        return md_err_set(err, MD_EINVAL, p, "%s: say which answers match (%s)", p,
                          q->type == Q_SCALE ? "at_least" : "when");
    return MD_OK;
}

static md_code parse_question(md_kb *kb, struct kb_checkins *C, ci_question *q, const json_t *j,
                              const char *ep, md_err *err)
{
    static const char *const keys[] = {"code", "type",     "required",    "text",       "min",
                                       "max",  "options",  "option_text", "max_length", "maps_to",
                                       "when", "at_least", "sources",     NULL};
    char xp[KB_PATH_MAX];
    const char *type = NULL;
    int present = 0;
    md_code rc;
    if (!json_is_object(j)) return md_err_set(err, MD_EINVAL, ep, "%s: an object", ep);
    if ((rc = kj_object(j, ep, keys, err)) ||
        (rc = kj_string_copy(kb->arena, j, "code", ep, 1, &q->code, err)) ||
        (rc = kj_string_copy(kb->arena, j, "text", ep, 1, &q->text, err)) ||
        (rc = kj_string(j, "type", ep, 1, &type, err)) ||
        (rc = kj_bool(j, "required", ep, 0, &q->required, NULL, err)))
        return rc;
    kj_key(xp, ep, "code");
    if (!code_valid(q->code) || strcmp(q->code, "outcome") == 0)
        return md_err_set(err, MD_EINVAL, xp, "%s: [a-z0-9_], 1 to 63, not \"outcome\"", xp);
    for (size_t k = 0; k < C->n_questions; k++)
        if (strcmp(C->questions[k].code, q->code) == 0)
            return md_err_set(err, MD_EINVAL, xp, "%s: duplicate question '%s'", xp, q->code);
    kj_key(xp, ep, "type");
    if ((rc = kj_enum(type, xp, q_types, err))) return rc;
    for (int t = 0; q_types[t]; t++)
        if (strcmp(q_types[t], type) == 0) q->type = (q_type)t;
    kj_key(xp, ep, "text");
    if (!*q->text) return md_err_set(err, MD_EINVAL, xp, "%s: a question for the patient", xp);
    if (q->type == Q_SCALE) {
        if ((rc = kj_int(j, "min", ep, 1, 0, 100, &q->min, NULL, err)) ||
            (rc = kj_int(j, "max", ep, 1, 0, 100, &q->max, NULL, err)))
            return rc;
        kj_key(xp, ep, "max");
        if (q->max <= q->min) return md_err_set(err, MD_EINVAL, xp, "%s: above min", xp);
        if ((rc = kj_int(j, "at_least", ep, 0, q->min, q->max, &q->at_least, &present, err)))
            return rc;
        q->has_at_least = present;
    } else if (json_object_get(j, "at_least")) {
        kj_key(xp, ep, "at_least");
        return md_err_set(err, MD_EINVAL, xp, "%s: only a scale has \"at_least\"", xp);
    }
    if (q->type == Q_CHOICE && (rc = parse_options(kb, q, j, ep, err))) return rc;
    if (q->type == Q_TEXT &&
        (rc = kj_int(j, "max_length", ep, 1, 1, TEXT_MAX, &q->max_length, NULL, err)))
        return rc;
    if ((rc = parse_when(q, j, ep, err)) || (rc = parse_maps_to(kb, q, j, ep, err)) ||
        (rc = kb_sources_parse(kb, kb->arena, j, ep, 0, &q->sources, &q->n_sources, err)))
        return rc;
    return MD_OK;
}

static md_code parse_questions(md_kb *kb, struct kb_checkins *C, const json_t *doc, const char *fp,
                               md_err *err)
{
    char p[KB_PATH_MAX], ep[KB_PATH_MAX];
    const json_t *arr = NULL;
    md_code rc = kj_array(doc, "questions", fp, 1, QUESTIONS_MAX, &arr, err);
    if (rc) return rc;
    kj_key(p, fp, "questions");
    if (json_array_size(arr) == 0)
        return md_err_set(err, MD_EINVAL, p, "%s: at least one question", p);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        kj_index(ep, p, i);
        if ((rc = parse_question(kb, C, &C->questions[i], json_array_get(arr, i), ep, err)))
            return rc;
        C->n_questions = i + 1;
    }
    return MD_OK;
}

md_code kb_checkins_parse(md_kb *kb, const json_t *doc, const char *path, md_err *err)
{
    static const char *const keys[] = {"version",   "link",      "messages",
                                       "schedules", "questions", NULL};
    struct kb_checkins *C = md_arena_calloc(kb->arena, sizeof *C);
    if (!C) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_code rc = kj_object(doc, path, keys, err);
    if (rc == MD_OK) rc = kj_string_copy(kb->arena, doc, "version", path, 1, &C->version, err);
    if (rc == MD_OK) rc = parse_link(kb, C, doc, path, err);
    if (rc == MD_OK) rc = parse_messages(kb, C, doc, path, err);
    if (rc == MD_OK) rc = parse_schedules(kb, C, doc, path, err);
    if (rc == MD_OK) rc = parse_questions(kb, C, doc, path, err);
    if (rc == MD_OK) kb->checkins = C;
    return rc;
}

/* ---- reading ------------------------------------------------------------------------ */

static const ci_schedule *schedule_of(const struct kb_checkins *C, const char *protocol)
{
    const ci_schedule *dflt = NULL;
    for (size_t i = 0; i < C->n_schedules; i++) {
        if (protocol && strcmp(C->schedules[i].protocol, protocol) == 0) return &C->schedules[i];
        if (strcmp(C->schedules[i].protocol, "default") == 0) dflt = &C->schedules[i];
    }
    return dflt;
}

size_t md_kb_checkin_days(const md_kb *kb, const char *protocol, int days[MD_CHECKIN_DAYS_MAX],
                          const char *const **sources, size_t *n_sources)
{
    const ci_schedule *s = kb && kb->checkins ? schedule_of(kb->checkins, protocol) : NULL;
    if (sources) *sources = s ? (const char *const *)s->sources : NULL;
    if (n_sources) *n_sources = s ? s->n_sources : 0;
    if (!s) return 0;
    memcpy(days, s->days, s->n_days * sizeof days[0]);
    return s->n_days;
}

int md_kb_checkin_valid_days(const md_kb *kb)
{
    return kb && kb->checkins ? (int)kb->checkins->valid_days : 0;
}

static json_t *strings(const char *const *s, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(s[i]));
    return a;
}

/* One question; staff: with its mapping and sources. */
static json_t *question_json(const ci_question *q, int staff)
{
    json_t *o = json_pack("{s:s,s:s,s:s,s:b}", "code", q->code, "text", q->text, "type",
                          q_types[q->type], "required", q->required);
    if (!o) return NULL;
    if (q->type == Q_SCALE) {
        json_object_set_new(o, "min", json_integer(q->min));
        json_object_set_new(o, "max", json_integer(q->max));
    }
    if (q->type == Q_TEXT) json_object_set_new(o, "max_length", json_integer(q->max_length));
    if (q->type == Q_YES_NO || q->type == Q_CHOICE) {
        json_t *opts = json_array();
        static const char *const yn_text[] = {"Yes", "No", "Not sure"};
        size_t n = q->type == Q_YES_NO ? 3 : q->n_options;
        for (size_t i = 0; i < n; i++)
            json_array_append_new(opts,
                                  json_pack("{s:s,s:s}", "value",
                                            q->type == Q_YES_NO ? yes_no[i] : q->options[i], "text",
                                            q->type == Q_YES_NO ? yn_text[i] : q->option_text[i]));
        json_object_set_new(o, "options", opts);
    }
    if (!staff) return o;
    if (q->red_flag || q->effect)
        json_object_set_new(o, "maps_to",
                            json_pack("{s:s}", q->red_flag ? "red_flag" : "effect",
                                      q->red_flag ? q->red_flag : q->effect));
    if (q->n_when) json_object_set_new(o, "when", strings(q->when, q->n_when));
    if (q->has_at_least) json_object_set_new(o, "at_least", json_integer(q->at_least));
    json_object_set_new(o, "sources", strings(q->sources, q->n_sources));
    return o;
}

const char *md_kb_checkin_message(const md_kb *kb, const char *which)
{
    const struct kb_checkins *C = kb ? kb->checkins : NULL;
    if (!C || !which) return NULL;
    if (strcmp(which, "call_now") == 0) return C->msg_call_now;
    if (strcmp(which, "call_now_no_phone") == 0) return C->msg_call_now_no_phone;
    if (strcmp(which, "thanks") == 0) return C->msg_thanks;
    return NULL;
}

json_t *md_kb_checkin_questions_json(const md_kb *kb)
{
    json_t *a = json_array();
    for (size_t i = 0; a && kb && kb->checkins && i < kb->checkins->n_questions; i++)
        json_array_append_new(a, question_json(&kb->checkins->questions[i], 0));
    return a;
}

json_t *md_kb_checkins_json(const md_kb *kb)
{
    const struct kb_checkins *C = kb ? kb->checkins : NULL;
    if (!C) return json_null();
    json_t *sch = json_array(), *qs = json_array();
    for (size_t i = 0; i < C->n_schedules; i++) {
        const ci_schedule *s = &C->schedules[i];
        json_t *days = json_array();
        for (size_t d = 0; d < s->n_days; d++)
            json_array_append_new(days, json_integer(s->days[d]));
        json_array_append_new(sch, json_pack("{s:s,s:o,s:o}", "protocol", s->protocol, "days", days,
                                             "sources", strings(s->sources, s->n_sources)));
    }
    for (size_t i = 0; i < C->n_questions; i++)
        json_array_append_new(qs, question_json(&C->questions[i], 1));
    return json_pack("{s:s,s:{s:I,s:o},s:o,s:o}", "version", C->version, "link",
                     "valid_days_after_due", (json_int_t)C->valid_days, "sources",
                     strings(C->link_sources, C->n_link_sources), "schedules", sch, "questions",
                     qs);
}

/* ---- matching ----------------------------------------------------------------------- */

/* The answer v to q as stored (*out, borrowed static or v's string), or an error. */
static md_code answer_value(const ci_question *q, json_t *v, const char *field, json_t **out,
                            md_err *err)
{
    const char *s = json_string_value(v);
    switch (q->type) {
    case Q_YES_NO:
        if (json_is_boolean(v)) s = json_is_true(v) ? "yes" : "no";
        if (!s) return md_err_set(err, MD_EINVAL, field, "answer yes, no or not_sure");
        if (!in_list(yes_no, 3, s))
            return md_err_set(err, MD_EUNPROCESSABLE, field, "answer yes, no or not_sure");
        *out = json_string(s);
        break;
    case Q_SCALE:
        if (!json_is_integer(v))
            return md_err_set(err, MD_EINVAL, field, "a whole number from %ld to %ld", q->min,
                              q->max);
        if (json_integer_value(v) < q->min || json_integer_value(v) > q->max)
            return md_err_set(err, MD_EUNPROCESSABLE, field, "a whole number from %ld to %ld",
                              q->min, q->max);
        *out = json_integer(json_integer_value(v));
        break;
    case Q_CHOICE:
        if (!s) return md_err_set(err, MD_EINVAL, field, "one of the options, as text");
        if (!in_list(q->options, q->n_options, s))
            return md_err_set(err, MD_EUNPROCESSABLE, field, "not one of this question's options");
        *out = json_string(s);
        break;
    case Q_TEXT:
        if (!s) return md_err_set(err, MD_EINVAL, field, "text");
        if (strlen(s) > (size_t)q->max_length)
            return md_err_set(err, MD_EUNPROCESSABLE, field, "at most %ld bytes", q->max_length);
        *out = json_string(s);
        break;
    }
    return *out ? MD_OK : md_err_set(err, MD_EINVAL, field, "not valid UTF-8 text");
}

static int matches(const ci_question *q, const json_t *v)
{
    if (q->type == Q_SCALE) return q->has_at_least && json_integer_value(v) >= q->at_least;
    return in_list(q->when, q->n_when, json_string_value(v));
}

static void add_once(json_t *arr, const char *code)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) if (strcmp(json_string_value(e), code) == 0) return;
    json_array_append_new(arr, json_string(code));
}

md_code md_kb_checkin_match(const md_kb *kb, json_t *answers, json_t **clean, json_t **red_flags,
                            json_t **effects, md_err *err)
{
    const struct kb_checkins *C = kb ? kb->checkins : NULL;
    char field[MD_ERR_FIELD_MAX];
    const char *key;
    json_t *v;
    md_code rc = MD_OK;
    if (!C) return md_err_set(err, MD_EINTERNAL, NULL, "no check-in questions in the kb");
    if (!json_is_object(answers))
        return md_err_set(err, MD_EINVAL, "answers", "answers must be an object");
    json_object_foreach(answers, key, v)
    {
        int known = strncmp(key, "outcome.", 8) == 0;
        for (size_t i = 0; !known && i < C->n_questions; i++)
            known = strcmp(C->questions[i].code, key) == 0;
        if (!known) {
            kj_key(field, "answers", key);
            return md_err_set(err, MD_EINVAL, field, "no such question");
        }
    }
    json_t *c = json_object(), *flags = json_array(), *fx = json_array();
    /* The answers given first (a wrong value is named before a missing answer), then the
     * required ones left unanswered. */
    for (size_t i = 0; rc == MD_OK && i < C->n_questions; i++) {
        const ci_question *q = &C->questions[i];
        json_t *a = json_object_get(answers, q->code), *val = NULL;
        kj_key(field, "answers", q->code);
        if (!a || json_is_null(a)) continue;
        if ((rc = answer_value(q, a, field, &val, err)) != MD_OK) break;
        if ((q->red_flag || q->effect) && matches(q, val))
            add_once(q->red_flag ? flags : fx, q->red_flag ? q->red_flag : q->effect);
        json_object_set_new(c, q->code, val);
    }
    for (size_t i = 0; rc == MD_OK && i < C->n_questions; i++) {
        const ci_question *q = &C->questions[i];
        kj_key(field, "answers", q->code);
        if (q->required && !json_object_get(c, q->code))
            rc = md_err_set(err, MD_EUNPROCESSABLE, field, "please answer: %s", q->text);
    }
    if (rc == MD_OK && (!c || !flags || !fx))
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc != MD_OK) {
        json_decref(c);
        json_decref(flags);
        json_decref(fx);
        return rc;
    }
    *clean = c;
    *red_flags = flags;
    *effects = fx;
    return MD_OK;
}
