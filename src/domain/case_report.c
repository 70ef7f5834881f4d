/*
 * case_report.c - the MedWatch 3500 and Yellow Card case reports of a complication (pv.h,
 * issue 11 item 7): the forms are kb data (kb/case_report_forms.json, kb_report_forms.c);
 * this file knows where each "from" is found in what the case holds, fills a form from
 * those facts (md_case_report_build, pure), and gathers the facts of one complication from
 * the store (md_case_report, audited).  case_report_pdf.c draws the result.
 *
 * Unknown is not no: a required field whose fact nobody recorded is null in its section and
 * listed in "missing" with the kb's why; a seriousness criterion that is null (not
 * assessed) is never read as false, and "serious" is derived only when every criterion is
 * answered or one is yes.
 *
 * Where the facts come from (the "from" names, md_case_report_from_scope):
 *   patient.*      the patient record (initials and record id, never the name), the
 *                  complication's details.weight_kg; age at the onset;
 *   seriousness.*  the complication's seriousness (true / false / null);
 *   event.*        the complication (kb name and SNOMED CT code, onset, grade, the narrative
 *                  from description, actions and outcome, details.tests) and the patient's
 *                  conditions, allergies and allergy statements (history);
 *   medicines.*    the patient's medications current in the 3 months before the onset, and
 *                  details.other_medicines;
 *   reporter.*     the staff member who recorded the complication, the clinic;
 *   suspect.*      one suspect product: its record, its lot, the suspect administrations of
 *                  it (dose, route, dates), their sessions' courses (indication), and the
 *                  complication's details.dechallenge / rechallenge.
 *
 * Ownership: the builder borrows facts; *out is a new reference set only on MD_OK.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mesodesk/audit.h"
#include "mesodesk/chart.h"
#include "mesodesk/clinic.h"
#include "mesodesk/complication.h"
#include "mesodesk/course.h"
#include "mesodesk/formulation.h"
#include "mesodesk/kb.h"
#include "mesodesk/pv.h"
#include "mesodesk/record.h"
#include "mesodesk/sbuf.h"
#include "mesodesk/staff.h"
#include "mesodesk/stock.h"

#define TEXT_MAX (32u << 10) /* one composed field (narrative, history) */
#define SUSPECTS_MAX 32
#define RECENT_DAYS 91 /* "the last 3 months" of the Yellow Card */

typedef struct crf_case {
    const md_kb *kb;
    const md_crf_wording *w;
    const json_t *facts, *c, *patient, *details;
    char *buf; /* TEXT_MAX bytes for composing */
    int too_big;
} crf_case;

typedef struct crf_suspect {
    const json_t *product, *lot;
    const json_t *admins[SUSPECTS_MAX];
    size_t n_admins;
} crf_suspect;

typedef json_t *(*crf_fill)(crf_case *k, const crf_suspect *s, const char *arg);

/* ---- small readers ------------------------------------------------------------------ */

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && *s ? s : NULL;
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : NULL;
}

/* The record with this "id" in facts[key], NULL when none. */
static const json_t *by_id(const json_t *facts, const char *key, const char *id)
{
    const json_t *arr = json_object_get(facts, key), *v;
    size_t i;
    if (!id) return NULL;
    json_array_foreach(arr, i, v)
    {
        const char *x = str(v, "id");
        if (x && strcmp(x, id) == 0) return v;
    }
    return NULL;
}

static md_sbuf *text_begin(crf_case *k, md_sbuf *b)
{
    md_sbuf_init(b, k->buf, TEXT_MAX);
    return b;
}

static json_t *text_end(crf_case *k, md_sbuf *b)
{
    if (!md_sbuf_ok(b)) {
        k->too_big = 1;
        return NULL;
    }
    return b->len ? json_string(b->p) : NULL;
}

/* A yes/no that may be given as a boolean or as text ("yes", "does not apply"). */
static json_t *yes_no_text(crf_case *k, const json_t *v)
{
    if (json_is_boolean(v)) return json_string(json_is_true(v) ? k->w->yes : k->w->no);
    return str_or_null(json_string_value(v));
}

/* The day of a complication's onset, else of the report; 0 when neither parses. */
static md_day case_day(const crf_case *k)
{
    md_day d = 0;
    const char *s = str(k->c, "onset_on");
    if (s && md_date_parse(s, &d) == 0) return d;
    s = str(k->facts, "generated_at");
    char day[11];
    if (s && strlen(s) >= 10) {
        memcpy(day, s, 10);
        day[10] = 0;
        if (md_date_parse(day, &d) == 0) return d;
    }
    return 0;
}

/* ---- the case ----------------------------------------------------------------------- */

/* The first character (UTF-8) of s into out, upper-cased when ASCII. */
static size_t initial(const char *s, char out[8])
{
    size_t n = 0;
    while (s && (*s == ' ' || *s == '-' || *s == '\''))
        s++;
    if (!s || !*s) return 0;
    out[n++] = (*s >= 'a' && *s <= 'z') ? (char)(*s - 32) : *s;
    for (s++; n < 7 && (*(const unsigned char *)s & 0xC0) == 0x80; s++)
        out[n++] = *s;
    out[n] = 0;
    return n;
}

static json_t *f_identifier(crf_case *k, const crf_suspect *s, const char *arg)
{
    (void)s, (void)arg;
    char g[8], f[8], out[128];
    if (!initial(str(k->patient, "given_name"), g) || !initial(str(k->patient, "family_name"), f))
        return NULL;
    const char *id = str(k->patient, "id");
    snprintf(out, sizeof out, "%s.%s.%s%s", g, f, id ? ", record " : "", id ? id : "");
    return json_string(out);
}

static json_t *f_age(crf_case *k, const crf_suspect *s, const char *arg)
{
    (void)s, (void)arg;
    md_day b, on = case_day(k);
    const char *bd = str(k->patient, "birth_date");
    if (!bd || md_date_parse(bd, &b) != 0 || !on) return NULL;
    return json_integer(md_age_years(b, on));
}

static json_t *f_patient_text(crf_case *k, const crf_suspect *s, const char *arg)
{
    (void)s;
    const char *v = str(k->patient, arg);
    if (v && strcmp(arg, "sex") == 0 && strcmp(v, "unknown") == 0) return NULL;
    return str_or_null(v);
}

static json_t *f_weight(crf_case *k, const crf_suspect *s, const char *arg)
{
    (void)s, (void)arg;
    const json_t *w = json_object_get(k->details, "weight_kg");
    return json_is_number(w) && json_number_value(w) > 0 ? json_deep_copy(w) : NULL;
}

/* A seriousness criterion: true, false, or NULL (not assessed). */
static json_t *criterion(crf_case *k, const char *name)
{
    const json_t *v = json_object_get(json_object_get(k->c, "seriousness"), name);
    return json_is_boolean(v) ? json_boolean(json_is_true(v)) : NULL;
}

static json_t *f_criterion(crf_case *k, const crf_suspect *s, const char *arg)
{
    (void)s;
    return criterion(k, arg);
}

/* Yes when any of the criteria named (space separated) is yes, no when every one is no,
 * otherwise not assessed. */
static json_t *any_of(crf_case *k, const char *names)
{
    int all_no = 1;
    char name[40];
    for (const char *p = names; *p;) {
        size_t n = strcspn(p, " ");
        snprintf(name, sizeof name, "%.*s", (int)n, p);
        p += n + (p[n] == ' ');
        json_t *v = criterion(k, name);
        if (json_is_true(v)) {
            json_decref(v);
            return json_true();
        }
        if (!v) all_no = 0;
        json_decref(v);
    }
    return all_no ? json_false() : NULL;
}

static json_t *f_any_of(crf_case *k, const crf_suspect *s, const char *arg)
{
    (void)s;
    return any_of(k, arg);
}

static json_t *f_reaction(crf_case *k, const crf_suspect *s, const char *arg)
{
    (void)s, (void)arg;
    char out[512];
    const char *code = str(k->c, "code");
    const md_kb_complication *e = code ? md_kb_complication_find(k->kb, code) : NULL;
    if (!e) return str_or_null(code);
    if (e->snomed)
        snprintf(out, sizeof out, "%s (SNOMED CT %s)", e->name, e->snomed);
    else
        snprintf(out, sizeof out, "%s", e->name);
    return json_string(out);
}

/* A text member of one of the records: arg is "<record>.<member>", the record one of c
 * (the complication), details, reporter, clinic, product, lot. */
static json_t *f_text(crf_case *k, const crf_suspect *s, const char *arg)
{
    const char *dot = strchr(arg, '.');
    size_t n = dot ? (size_t)(dot - arg) : 0;
    const json_t *o = NULL;
    if (n == 1 && arg[0] == 'c') o = k->c;
    if (n == 7 && strncmp(arg, "details", n) == 0) o = k->details;
    if (n == 8 && strncmp(arg, "reporter", n) == 0) o = json_object_get(k->facts, "reporter");
    if (n == 6 && strncmp(arg, "clinic", n) == 0) o = json_object_get(k->facts, "clinic");
    if (n == 7 && strncmp(arg, "product", n) == 0) o = s->product;
    if (n == 3 && strncmp(arg, "lot", n) == 0) o = s->lot;
    return o ? str_or_null(str(o, dot + 1)) : NULL;
}

static json_t *f_grade(crf_case *k, const crf_suspect *s, const char *arg)
{
    (void)s, (void)arg;
    const json_t *g = json_object_get(k->c, "grade");
    return json_is_integer(g) ? json_integer(json_integer_value(g)) : NULL;
}

static json_t *f_report_date(crf_case *k, const crf_suspect *s, const char *arg)
{
    (void)s, (void)arg;
    const char *t = str(k->facts, "generated_at");
    return t && strlen(t) >= 10 ? json_stringn(t, 10) : NULL;
}

static json_t *f_death_date(crf_case *k, const crf_suspect *s, const char *arg)
{
    (void)s, (void)arg;
    const char *o = str(k->c, "outcome");
    return o && strcmp(o, "fatal") == 0 ? str_or_null(str(k->c, "outcome_on")) : NULL;
}

/* "recovering", "resolved on 2026-11-20". */
static void outcome_text(const json_t *c, md_sbuf *b)
{
    const char *o = str(c, "outcome"), *on = str(c, "outcome_on");
    for (const char *p = o; p && *p; p++)
        md_sbuf_appendf(b, "%c", *p == '_' ? ' ' : *p);
    if (o && on) md_sbuf_appendf(b, " on %s", on);
}

static json_t *f_outcome(crf_case *k, const crf_suspect *s, const char *arg)
{
    (void)s, (void)arg;
    md_sbuf b;
    if (!str(k->c, "outcome")) return NULL;
    outcome_text(k->c, text_begin(k, &b));
    return text_end(k, &b);
}

/* The description, then each action taken, then the outcome. */
static json_t *f_narrative(crf_case *k, const crf_suspect *s, const char *arg)
{
    (void)s, (void)arg;
    md_sbuf b;
    const char *d = str(k->c, "description");
    const json_t *a;
    size_t i;
    if (!d) return NULL;
    text_begin(k, &b);
    md_sbuf_append(&b, d);
    json_array_foreach(json_object_get(k->c, "actions"), i, a)
    {
        const char *what = str(a, "action"), *at = str(a, "at"), *note = str(a, "note");
        if (!what) continue;
        md_sbuf_append(&b, i == 0 ? "\nActions taken: " : "; ");
        if (at) md_sbuf_appendf(&b, "%.10s ", at);
        md_sbuf_append(&b, what);
        if (note) md_sbuf_appendf(&b, " (%s)", note);
    }
    md_sbuf_append(&b, "\nOutcome: ");
    if (str(k->c, "outcome"))
        outcome_text(k->c, &b);
    else
        md_sbuf_append(&b, "not yet assessed");
    return text_end(k, &b);
}

static const char *vocab_label(const md_kb *kb, md_vocab_kind kind, const char *code)
{
    int id = code ? md_kb_lookup(kb, kind, code) : -1;
    return id >= 0 ? md_kb_vocab_label(kb, kind, (size_t)id) : code;
}

/* Conditions, allergies, "no known allergies", and the history given with the case. */
static json_t *f_history(crf_case *k, const crf_suspect *s, const char *arg)
{
    (void)s, (void)arg;
    md_sbuf b;
    const json_t *v;
    size_t i, n = 0;
    text_begin(k, &b);
    json_array_foreach(json_object_get(k->facts, "conditions"), i, v)
    {
        const char *site = str(v, "site"), *note = str(v, "note");
        md_sbuf_appendf(&b, "%sCondition: %s (%s)", n++ ? "\n" : "",
                        vocab_label(k->kb, MD_VOCAB_CONDITION, str(v, "code")),
                        json_is_false(json_object_get(v, "active")) ? "not active" : "active");
        if (site) md_sbuf_appendf(&b, ", site %s", vocab_label(k->kb, MD_VOCAB_AREA, site));
        if (note) md_sbuf_appendf(&b, ": %s", note);
    }
    json_array_foreach(json_object_get(k->facts, "allergies"), i, v)
    {
        const char *reaction = str(v, "reaction"), *st = str(v, "status");
        md_sbuf_appendf(&b, "%sAllergy: %s", n++ ? "\n" : "",
                        vocab_label(k->kb, MD_VOCAB_SUBSTANCE, str(v, "substance")));
        if (reaction) md_sbuf_appendf(&b, ", reaction: %s", reaction);
        if (st && strcmp(st, "inactive") == 0) md_sbuf_append(&b, " (inactive)");
    }
    json_array_foreach(json_object_get(k->facts, "allergy_statements"), i, v)
    {
        const char *asked = str(v, "asked_on");
        md_sbuf_appendf(&b, "%sNo known allergies%s%s", n++ ? "\n" : "", asked ? ", asked on " : "",
                        asked ? asked : "");
    }
    const char *more = str(k->details, "relevant_history");
    if (more) md_sbuf_appendf(&b, "%s%s", n++ ? "\n" : "", more);
    return text_end(k, &b);
}

/* Medications current in the 3 months before the onset (active, or last dose in them, or
 * stopped with no last dose recorded: said so), and details.other_medicines. */
static json_t *f_recent_medicines(crf_case *k, const crf_suspect *s, const char *arg)
{
    (void)s, (void)arg;
    md_sbuf b;
    const json_t *v;
    size_t i, n = 0;
    md_day on = case_day(k), last;
    text_begin(k, &b);
    json_array_foreach(json_object_get(k->facts, "medications"), i, v)
    {
        const char *st = str(v, "status"), *ld = str(v, "last_dose"), *name = str(v, "name");
        int stopped = st && strcmp(st, "stopped") == 0;
        int dated = ld && md_date_parse(ld, &last) == 0;
        if (stopped && dated && on && last < on - RECENT_DAYS) continue;
        md_sbuf_appendf(&b, "%s%s", n++ ? "\n" : "",
                        name ? name : vocab_label(k->kb, MD_VOCAB_MEDICATION, str(v, "code")));
        if (name && str(v, "code"))
            md_sbuf_appendf(&b, " (%s)", vocab_label(k->kb, MD_VOCAB_MEDICATION, str(v, "code")));
        if (dated)
            md_sbuf_appendf(&b, ", last dose %s", ld);
        else if (stopped)
            md_sbuf_append(&b, ", stopped, last dose not recorded");
        else
            md_sbuf_append(&b, ", current");
    }
    const char *more = str(k->details, "other_medicines");
    if (more) md_sbuf_appendf(&b, "%s%s", n++ ? "\n" : "", more);
    return text_end(k, &b);
}

static json_t *f_occupation(crf_case *k, const crf_suspect *s, const char *arg)
{
    (void)s, (void)arg;
    const char *role = str(json_object_get(k->facts, "reporter"), "role");
    char out[64];
    if (!role) return NULL;
    snprintf(out, sizeof out, "%s", role);
    for (char *p = out; *p; p++)
        if (*p == '_') *p = ' ';
    return json_string(out);
}

/* ---- one suspect product ------------------------------------------------------------- */

/* "Hyaluronic acid 1.5%, Lidocaine (concentration not recorded)"; NULL when no ingredient
 * carries a concentration. */
static json_t *f_strength(crf_case *k, const crf_suspect *s, const char *arg)
{
    (void)arg;
    md_sbuf b;
    const json_t *v;
    size_t i;
    int any = 0;
    text_begin(k, &b);
    json_array_foreach(json_object_get(s->product, "ingredients"), i, v)
    {
        const char *conc = str(v, "concentration");
        md_sbuf_appendf(&b, "%s%s %s", i ? ", " : "",
                        vocab_label(k->kb, MD_VOCAB_INGREDIENT, str(v, "ingredient")),
                        conc ? conc : "(concentration not recorded)");
        any |= conc != NULL;
    }
    json_t *t = text_end(k, &b);
    if (!any) {
        json_decref(t);
        return NULL;
    }
    return t;
}

static json_t *f_dose(crf_case *k, const crf_suspect *s, const char *arg)
{
    (void)arg;
    md_sbuf b;
    double total = 0;
    if (!s->n_admins) return NULL;
    for (size_t i = 0; i < s->n_admins; i++)
        total += json_number_value(json_object_get(s->admins[i], "volume_ml"));
    text_begin(k, &b);
    if (s->n_admins == 1) {
        md_sbuf_appendf(&b, "%g ml in 1 administration", total);
    } else {
        md_sbuf_appendf(&b, "%g ml in %zu administrations (", total, s->n_admins);
        for (size_t i = 0; i < s->n_admins; i++)
            md_sbuf_appendf(&b, "%s%g", i ? ", " : "",
                            json_number_value(json_object_get(s->admins[i], "volume_ml")));
        md_sbuf_append(&b, " ml)");
    }
    return text_end(k, &b);
}

static json_t *f_route(crf_case *k, const crf_suspect *s, const char *arg)
{
    (void)arg;
    md_sbuf b;
    text_begin(k, &b);
    for (size_t i = 0; i < s->n_admins; i++) {
        const char *r = str(s->admins[i], "route");
        if (!r || strstr(b.p, r)) continue;
        md_sbuf_appendf(&b, "%s%s", b.len ? ", " : "", r);
    }
    return text_end(k, &b);
}

static json_t *f_dates(crf_case *k, const crf_suspect *s, const char *arg)
{
    (void)k, (void)arg;
    const char *first = NULL, *last = NULL;
    char out[40];
    for (size_t i = 0; i < s->n_admins; i++) {
        const char *t = str(s->admins[i], "given_at");
        if (!t || strlen(t) < 10) continue;
        if (!first || strncmp(t, first, 10) < 0) first = t;
        if (!last || strncmp(t, last, 10) > 0) last = t;
    }
    if (!first) return NULL;
    if (strncmp(first, last, 10) == 0)
        snprintf(out, sizeof out, "%.10s", first);
    else
        snprintf(out, sizeof out, "%.10s to %.10s", first, last);
    return json_string(out);
}

/* The protocol of each suspect administration's session's course, with the formulation's
 * concerns. */
static json_t *f_indication(crf_case *k, const crf_suspect *s, const char *arg)
{
    (void)arg;
    md_sbuf b;
    const char *seen[SUSPECTS_MAX];
    size_t n_seen = 0;
    text_begin(k, &b);
    for (size_t i = 0; i < s->n_admins; i++) {
        const json_t *ses = by_id(k->facts, "sessions", str(s->admins[i], "context_id"));
        const json_t *course = by_id(k->facts, "courses", str(ses, "course_id"));
        const char *code = str(course, "protocol");
        int dup = 0;
        if (!code) continue;
        for (size_t j = 0; j < n_seen; j++)
            dup |= strcmp(seen[j], str(course, "id") ? str(course, "id") : "") == 0;
        if (dup) continue;
        if (n_seen < SUSPECTS_MAX) seen[n_seen++] = str(course, "id") ? str(course, "id") : "";
        const md_protocol *p = md_kb_protocol_find(k->kb, code);
        json_t *pj = p ? md_protocol_kb_json(p) : NULL;
        const char *label = str(pj, "label");
        md_sbuf_appendf(&b, "%s%s", b.len ? "; " : "", label ? label : code);
        json_decref(pj);
        const json_t *f = by_id(k->facts, "formulations", str(course, "formulation_id")), *c;
        size_t ci;
        json_array_foreach(json_object_get(json_object_get(f, "mixture"), "concerns"), ci, c)
        {
            const char *cc = json_string_value(c);
            int id = cc ? md_kb_concern_find(k->kb, cc) : -1;
            md_sbuf_appendf(&b, "%s%s", ci ? ", " : " (concerns: ",
                            id >= 0 ? md_kb_concern_label(k->kb, id)
                            : cc    ? cc
                                    : "?");
        }
        if (json_array_size(json_object_get(json_object_get(f, "mixture"), "concerns")))
            md_sbuf_append(&b, ")");
    }
    return text_end(k, &b);
}

static json_t *f_challenge(crf_case *k, const crf_suspect *s, const char *arg)
{
    (void)s;
    return yes_no_text(k, json_object_get(k->details, arg));
}

/* ---- the sources a form may name ----------------------------------------------------- */

typedef struct crf_from {
    const char *name;
    int scope;  /* 0 the case, 1 one suspect */
    int yes_no; /* its value is true / false */
    crf_fill fill;
    const char *arg;
} crf_from;

static const crf_from froms[] = {
    {"patient.identifier", 0, 0, f_identifier, NULL},
    {"patient.age_years", 0, 0, f_age, NULL},
    {"patient.birth_date", 0, 0, f_patient_text, "birth_date"},
    {"patient.sex", 0, 0, f_patient_text, "sex"},
    {"patient.weight_kg", 0, 0, f_weight, NULL},
    {"seriousness.death", 0, 1, f_criterion, "death"},
    {"seriousness.life_threatening", 0, 1, f_criterion, "life_threatening"},
    {"seriousness.hospitalisation", 0, 1, f_criterion, "hospitalisation"},
    {"seriousness.disability", 0, 1, f_criterion, "disability"},
    {"seriousness.congenital_anomaly", 0, 1, f_criterion, "congenital_anomaly"},
    {"seriousness.required_intervention", 0, 1, f_criterion, "required_intervention"},
    {"seriousness.other_serious", 0, 1, f_criterion, "other_serious"},
    {"seriousness.medically_significant", 0, 1, f_any_of, "required_intervention other_serious"},
    {"event.serious", 0, 1, f_any_of,
     "death life_threatening hospitalisation disability congenital_anomaly "
     "required_intervention other_serious"},
    {"event.reaction", 0, 0, f_reaction, NULL},
    {"event.description", 0, 0, f_text, "c.description"},
    {"event.grade", 0, 0, f_grade, NULL},
    {"event.onset_on", 0, 0, f_text, "c.onset_on"},
    {"event.report_date", 0, 0, f_report_date, NULL},
    {"event.death_date", 0, 0, f_death_date, NULL},
    {"event.narrative", 0, 0, f_narrative, NULL},
    {"event.outcome", 0, 0, f_outcome, NULL},
    {"event.tests", 0, 0, f_text, "details.tests"},
    {"event.history", 0, 0, f_history, NULL},
    {"medicines.recent", 0, 0, f_recent_medicines, NULL},
    {"reporter.name", 0, 0, f_text, "reporter.display_name"},
    {"reporter.occupation", 0, 0, f_occupation, NULL},
    {"reporter.email", 0, 0, f_text, "reporter.email"},
    {"reporter.facility", 0, 0, f_text, "clinic.name"},
    {"reporter.address", 0, 0, f_text, "clinic.address"},
    {"reporter.phone", 0, 0, f_text, "clinic.phone"},
    {"suspect.name", 1, 0, f_text, "product.name"},
    {"suspect.manufacturer", 1, 0, f_text, "product.manufacturer"},
    {"suspect.strength", 1, 0, f_strength, NULL},
    {"suspect.lot_number", 1, 0, f_text, "lot.lot_number"},
    {"suspect.expiry", 1, 0, f_text, "lot.expiry"},
    {"suspect.dose", 1, 0, f_dose, NULL},
    {"suspect.route", 1, 0, f_route, NULL},
    {"suspect.dates", 1, 0, f_dates, NULL},
    {"suspect.indication", 1, 0, f_indication, NULL},
    {"suspect.dechallenge", 1, 0, f_challenge, "dechallenge"},
    {"suspect.rechallenge", 1, 0, f_challenge, "rechallenge"},
};

static const crf_from *from_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof froms / sizeof froms[0]; i++)
        if (strcmp(froms[i].name, name) == 0) return &froms[i];
    return NULL;
}

int md_case_report_from_scope(const char *from, int *yes_no)
{
    const crf_from *f = from_find(from);
    if (yes_no) *yes_no = f ? f->yes_no : 0;
    return f ? f->scope : -1;
}

/* ---- grouping the suspects ------------------------------------------------------------ */

static crf_suspect *group_of(crf_suspect *g, size_t *n, const json_t *product, const json_t *lot)
{
    for (size_t i = 0; i < *n; i++)
        if (g[i].product == product && g[i].lot == lot) return &g[i];
    if (*n >= SUSPECTS_MAX) return NULL;
    memset(&g[*n], 0, sizeof g[*n]);
    g[*n].product = product;
    g[*n].lot = lot;
    return &g[(*n)++];
}

static int lot_named(const crf_suspect *g, size_t n, const json_t *lot)
{
    for (size_t i = 0; i < n; i++)
        if (g[i].lot == lot) return 1;
    return 0;
}

static int product_named(const crf_suspect *g, size_t n, const json_t *product)
{
    for (size_t i = 0; i < n; i++)
        if (g[i].product == product) return 1;
    return 0;
}

/* Administrations first, then lots of vials and lots not yet named, then products. */
static size_t group_suspects(const json_t *facts, const json_t *c, crf_suspect *g)
{
    const json_t *sus = json_object_get(c, "suspects"), *v;
    size_t i, n = 0;
    json_array_foreach(json_object_get(sus, "administrations"), i, v)
    {
        const json_t *a = by_id(facts, "administrations", json_string_value(v));
        if (!a) continue;
        const json_t *lot = by_id(facts, "lots", str(a, "lot_id"));
        const json_t *prod = by_id(facts, "products", str(a, "product_id"));
        crf_suspect *s = group_of(g, &n, prod, lot);
        if (s && s->n_admins < SUSPECTS_MAX) s->admins[s->n_admins++] = a;
    }
    const char *const lot_keys[] = {"vials", "lots"};
    for (int pass = 0; pass < 2; pass++)
        json_array_foreach(json_object_get(sus, lot_keys[pass]), i, v)
        {
            const char *lot_id = json_string_value(v);
            if (pass == 0) lot_id = str(by_id(facts, "vials", lot_id), "lot_id");
            const json_t *lot = by_id(facts, "lots", lot_id);
            if (lot && !lot_named(g, n, lot))
                group_of(g, &n, by_id(facts, "products", str(lot, "product_id")), lot);
        }
    json_array_foreach(json_object_get(sus, "products"), i, v)
    {
        const json_t *prod = by_id(facts, "products", json_string_value(v));
        if (prod && !product_named(g, n, prod)) group_of(g, &n, prod, NULL);
    }
    return n;
}

/* ---- filling a form ------------------------------------------------------------------- */

static int missing_add(json_t *missing, const char *field, const char *label, const char *section,
                       const char *why)
{
    return json_array_append_new(missing, json_pack("{s:s,s:s?,s:s,s:s}", "field", field, "label",
                                                    label, "section", section, "why", why));
}

/* The fields of one section (s: the suspect of a repeat section, NULL otherwise) into o;
 * path: "patient" or "suspect_products[0]". */
static int fill_fields(crf_case *k, const md_crf_section *sec, const crf_suspect *s,
                       const char *path, json_t *o, json_t *missing)
{
    for (size_t i = 0; i < sec->n_fields; i++) {
        const md_crf_field *f = &sec->fields[i];
        const crf_from *from = from_find(f->from);
        json_t *v = from ? from->fill(k, s, from->arg) : NULL;
        int required = f->required;
        if (!required && f->required_when) {
            const crf_from *w = from_find(f->required_when);
            json_t *wv = w ? w->fill(k, NULL, w->arg) : NULL;
            required = json_is_true(wv);
            json_decref(wv);
        }
        if (json_object_set_new(o, f->id, v ? v : json_null())) return -1;
        if (!v && required) {
            char field[160];
            snprintf(field, sizeof field, "%s.%s", path, f->id);
            if (missing_add(missing, field, f->label, sec->id, f->missing)) return -1;
        }
    }
    return 0;
}

static json_t *layout_json(const md_crf_form *fm)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < fm->n_sections; i++) {
        const md_crf_section *s = &fm->sections[i];
        json_t *fields = json_array();
        for (size_t j = 0; fields && j < s->n_fields; j++)
            json_array_append_new(fields,
                                  json_pack("{s:s,s:s,s:b}", "id", s->fields[j].id, "label",
                                            s->fields[j].label, "required", s->fields[j].required));
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s?,s:o}", "id", s->id, "title", s->title,
                                             "repeat", s->repeat, "fields", fields));
    }
    return arr;
}

md_code md_case_report_build(const md_kb *kb, const char *form, const json_t *facts, json_t **out,
                             md_err *err)
{
    const md_crf_form *fm = md_kb_report_form(kb, form);
    if (!fm)
        return md_err_set(err, MD_EINVAL, "form", "unknown form '%.40s' (medwatch, yellow_card)",
                          form ? form : "");
    crf_case k = {.kb = kb, .w = md_kb_report_wording(kb), .facts = facts};
    k.c = json_object_get(facts, "complication");
    if (!json_is_object(k.c))
        return md_err_set(err, MD_EINVAL, "complication", "no complication to report");
    k.patient = json_object_get(facts, "patient");
    k.details = json_object_get(k.c, "details");
    static crf_suspect none;
    crf_suspect *g = calloc(SUSPECTS_MAX, sizeof *g);
    k.buf = malloc(TEXT_MAX);
    json_t *sections = json_object(), *missing = json_array(), *sources = json_array();
    md_code rc = MD_OK;
    int bad = !g || !k.buf || !sections || !missing || !sources;
    size_t n = bad ? 0 : group_suspects(facts, k.c, g);
    for (size_t i = 0; !bad && i < fm->n_sections; i++) {
        const md_crf_section *sec = &fm->sections[i];
        if (!sec->repeat) {
            json_t *o = json_object();
            bad = !o || json_object_set_new(sections, sec->id, o) ||
                  fill_fields(&k, sec, &none, sec->id, o, missing);
            continue;
        }
        json_t *arr = json_array();
        bad = !arr || json_object_set_new(sections, sec->id, arr);
        if (!bad && n == 0) bad = missing_add(missing, sec->id, sec->title, sec->id, sec->missing);
        for (size_t j = 0; !bad && j < n; j++) {
            char path[96];
            json_t *o = json_object();
            snprintf(path, sizeof path, "%s[%zu]", sec->id, j);
            bad = !o || json_array_append_new(arr, o) ||
                  fill_fields(&k, sec, &g[j], path, o, missing);
        }
    }
    for (size_t i = 0; !bad && i < fm->n_sources; i++)
        bad = json_array_append_new(sources, json_string(fm->sources[i]));
    if (bad)
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    else if (k.too_big)
        rc = md_err_set(err, MD_ETOOBIG, NULL, "a field of the report is longer than %u bytes",
                        TEXT_MAX - 1);
    if (rc == MD_OK) {
        const char *gen = str(facts, "generated_at");
        *out = json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:s?,s:s?,s:O,s:O,s:b,s:o,s:O}", "form", fm->code,
                         "form_name", fm->name, "form_version", fm->version, "complication_id",
                         str(k.c, "id"), "patient_id", str(k.c, "patient_id"), "generated_at", gen,
                         "kb_version", kb ? md_kb_version(kb) : NULL, "sections", sections,
                         "missing", missing, "complete", json_array_size(missing) == 0, "layout",
                         layout_json(fm), "sources", sources);
        if (!*out) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    }
    json_decref(sections);
    json_decref(missing);
    json_decref(sources);
    free(g);
    free(k.buf);
    return rc;
}

/* ---- gathering the facts of one complication ---------------------------------------- */

/* Append to facts[key] (an array) the record that get returned; a record gone (entered in
 * error, another clinic's) is left out rather than failing the report. */
static md_code add_record(json_t *facts, const char *key, md_code rc, json_t *rec, md_err *err)
{
    if (rc == MD_ENOTFOUND) {
        md_err_clear(err);
        return MD_OK;
    }
    if (rc != MD_OK) return rc;
    return json_array_append_new(json_object_get(facts, key), rec)
               ? md_err_set(err, MD_ENOMEM, NULL, "out of memory")
               : MD_OK;
}

static md_code add_list(md_ctx *ctx, json_t *facts, const char *key, const md_record_kind *k,
                        const char *patient_id, md_err *err)
{
    json_t *l = NULL;
    md_code rc = md_record_list(ctx, k, patient_id, 0, &l, err);
    if (rc == MD_OK) json_object_set(facts, key, json_object_get(l, "items"));
    json_decref(l);
    return rc;
}

/* The ids in c.suspects[key]. */
static json_t *suspect_ids(const json_t *c, const char *key)
{
    return json_object_get(json_object_get(c, "suspects"), key);
}

static md_code gather(md_ctx *ctx, json_t *c, json_t *facts, md_err *err)
{
    const char *pid = str(c, "patient_id");
    json_t *rec = NULL, *v;
    size_t i;
    md_code rc = md_record_get(ctx, &md_kind_patient, NULL, pid, &rec, err);
    if (rc == MD_OK) json_object_set_new(facts, "patient", rec);
    if (rc == MD_OK) rc = add_list(ctx, facts, "conditions", &md_kind_condition, pid, err);
    if (rc == MD_OK) rc = add_list(ctx, facts, "allergies", &md_kind_allergy, pid, err);
    if (rc == MD_OK)
        rc = add_list(ctx, facts, "allergy_statements", &md_kind_allergy_statement, pid, err);
    if (rc == MD_OK) rc = add_list(ctx, facts, "medications", &md_kind_medication, pid, err);
    json_array_foreach(rc == MD_OK ? suspect_ids(c, "administrations") : NULL, i, v)
    {
        rc = md_record_get(ctx, &md_kind_administration, pid, json_string_value(v), &rec, err);
        if ((rc = add_record(facts, "administrations", rc, rec, err))) break;
    }
    json_array_foreach(rc == MD_OK ? suspect_ids(c, "vials") : NULL, i, v)
    {
        rc = md_vial_get(ctx, json_string_value(v), &rec, err);
        if ((rc = add_record(facts, "vials", rc, rec, err))) break;
    }
    /* The lots and products the suspects name, and those of their administrations and
     * vials; the sessions of the administrations, their courses and formulations. */
    json_t *lots = json_array(), *products = json_array(), *sessions = json_array();
    json_array_extend(lots, suspect_ids(c, "lots"));
    json_array_extend(products, suspect_ids(c, "products"));
    json_array_foreach(json_object_get(facts, "administrations"), i, v)
    {
        json_array_append(lots, json_object_get(v, "lot_id"));
        json_array_append(products, json_object_get(v, "product_id"));
        if (str(v, "context") && strcmp(str(v, "context"), "session") == 0)
            json_array_append(sessions, json_object_get(v, "context_id"));
    }
    json_array_foreach(json_object_get(facts, "vials"), i, v)
        json_array_append(lots, json_object_get(v, "lot_id"));
    json_array_foreach(rc == MD_OK ? lots : NULL, i, v)
    {
        const char *id = json_string_value(v);
        if (!id || by_id(facts, "lots", id)) continue;
        rc = md_lot_get(ctx, id, &rec, err);
        if ((rc = add_record(facts, "lots", rc, rec, err))) break;
        const json_t *got = by_id(facts, "lots", id);
        if (got) json_array_append(products, json_object_get(got, "product_id"));
    }
    json_array_foreach(rc == MD_OK ? products : NULL, i, v)
    {
        const char *id = json_string_value(v);
        if (!id || by_id(facts, "products", id)) continue;
        rc = md_product_get(ctx, id, &rec, err);
        if ((rc = add_record(facts, "products", rc, rec, err))) break;
    }
    json_array_foreach(rc == MD_OK ? sessions : NULL, i, v)
    {
        const char *id = json_string_value(v);
        if (!id || by_id(facts, "sessions", id)) continue;
        rc = md_chart_get(ctx, id, &rec, err);
        if ((rc = add_record(facts, "sessions", rc, rec, err))) break;
        const json_t *ses = by_id(facts, "sessions", id);
        const char *course_id = str(ses, "course_id");
        if (!course_id || by_id(facts, "courses", course_id)) continue;
        rc = md_course_get(ctx, course_id, &rec, err);
        if ((rc = add_record(facts, "courses", rc, rec, err))) break;
        const char *fid = str(by_id(facts, "courses", course_id), "formulation_id");
        if (!fid || by_id(facts, "formulations", fid)) continue;
        rc = md_record_get(ctx, &md_kind_formulation, pid, fid, &rec, err);
        if ((rc = add_record(facts, "formulations", rc, rec, err))) break;
    }
    json_decref(lots);
    json_decref(products);
    json_decref(sessions);
    /* The reporter: who recorded the complication; the clinic's name and phone. */
    const char *by = str(c, "recorded_by");
    if (rc == MD_OK && by && strcmp(by, "system") != 0) {
        rc = md_staff_get(ctx, by, &rec, err);
        if (rc == MD_OK) json_object_set_new(facts, "reporter", rec);
        if (rc == MD_ENOTFOUND) {
            md_err_clear(err);
            rc = MD_OK;
        }
    }
    if (rc == MD_OK) rc = md_clinic_get(ctx->db, ctx->who.clinic_id, &rec, err);
    if (rc == MD_OK) json_object_set_new(facts, "clinic", rec);
    return rc;
}

md_code md_case_report(md_ctx *ctx, const char *complication_id, const char *form, json_t **out,
                       md_err *err)
{
    json_t *c = NULL, *facts = NULL;
    char now[MD_TIME_STR];
    md_code rc = md_require(ctx, MD_PERM_PV_READ | MD_PERM_CLINICAL_READ, err);
    if (rc != MD_OK) return rc;
    if (!form || !*form)
        return md_err_set(err, MD_EINVAL, "form", "form is required (medwatch, yellow_card)");
    if (!md_kb_report_form(ctx->kb, form))
        return md_err_set(err, MD_EINVAL, "form", "unknown form '%.40s' (medwatch, yellow_card)",
                          form);
    rc = md_complication_get(ctx, complication_id, &c, err);
    if (rc != MD_OK) return rc;
    md_time_format(md_now(), now);
    facts = json_pack("{s:O,s:s,s:[],s:[],s:[],s:[],s:[],s:[],s:[],s:[],s:[],s:[],s:[]}",
                      "complication", c, "generated_at", now, "conditions", "allergies",
                      "allergy_statements", "medications", "administrations", "vials", "lots",
                      "products", "sessions", "courses", "formulations");
    if (!facts) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK) rc = gather(ctx, c, facts, err);
    if (rc == MD_OK) {
        md_audit_entry e = {"export", "complication", complication_id, str(c, "patient_id"),
                            md_arena_printf(ctx->arena, "case report %s", form)};
        rc = md_audit(ctx, &e, err);
    }
    if (rc == MD_OK) rc = md_case_report_build(ctx->kb, form, facts, out, err);
    json_decref(c);
    json_decref(facts);
    return rc;
}
