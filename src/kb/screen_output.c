/*
 * screen_output.c - a screening result as JSON (the decision contract) and as
 * a short text for a practitioner.
 *
 * Contract: output is a pure function of the result; JSON keys are inserted
 * in a fixed order (jansson keeps insertion order) so dumps are byte-stable.
 * Messages are the rule's template with {placeholders} filled from the fact.
 * Blocking, cleared and satisfied findings go to "findings", cautions to "cautions".
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "kb/kb_int.h"
#include "mesodesk/sbuf.h"

#define MSG_MAX 512

/* ---- facts ---------------------------------------------------------------- */

static const char *fact_kind_names[] = {"status",    "age",        "allergy",
                                        "condition", "medication", "fitzpatrick"};

static const char *fact_input(const md_screen_result *r, const md_finding *f)
{
    const md_screen_input *in = r->in;
    switch (f->fact) {
    case MD_FACT_ALLERGY: return in->allergies[f->fact_index].substance;
    case MD_FACT_CONDITION: return in->conditions[f->fact_index].code;
    case MD_FACT_MEDICATION: return in->medications[f->fact_index].code;
    default: return NULL;
    }
}

static const char *fact_code(const md_screen_result *r, const md_finding *f)
{
    const md_screen_input *in = r->in;
    const md_kb *kb = r->rs->kb;
    switch (f->fact) {
    case MD_FACT_ALLERGY:
        return kb->vocab[MD_VOCAB_SUBSTANCE].e[in->allergies[f->fact_index].id].code;
    case MD_FACT_CONDITION:
        return kb->vocab[MD_VOCAB_CONDITION].e[in->conditions[f->fact_index].id].code;
    case MD_FACT_MEDICATION:
        return kb->vocab[MD_VOCAB_MEDICATION].e[in->medications[f->fact_index].id].code;
    default: return NULL;
    }
}

/* {term}: the kb label of the fact's code, with what was recorded when that was a synonym:
 * "NSAID (over the counter) (ibuprofen)". */
static const char *fact_term(const md_screen_result *r, const md_finding *f, char *tmp, size_t n)
{
    const md_kb *kb = r->rs->kb;
    const kb_entry *e;
    const md_screen_input *in = r->in;
    switch (f->fact) {
    case MD_FACT_ALLERGY:
        e = &kb->vocab[MD_VOCAB_SUBSTANCE].e[in->allergies[f->fact_index].id];
        break;
    case MD_FACT_CONDITION:
        e = &kb->vocab[MD_VOCAB_CONDITION].e[in->conditions[f->fact_index].id];
        break;
    case MD_FACT_MEDICATION:
        e = &kb->vocab[MD_VOCAB_MEDICATION].e[in->medications[f->fact_index].id];
        break;
    default: return NULL;
    }
    const char *input = fact_input(r, f);
    if (f->fact == MD_FACT_MEDICATION && in->medications[f->fact_index].name)
        input = in->medications[f->fact_index].name;
    if (!input || strcasecmp(input, e->code) == 0 || strcasecmp(input, e->label) == 0)
        return e->label;
    snprintf(tmp, n, "%s (%s)", e->label, input);
    return tmp;
}

static const char *site_code(const md_screen_result *r, const md_finding *f)
{
    if (f->fact != MD_FACT_CONDITION || r->in->conditions[f->fact_index].site_id < 0) return NULL;
    return r->rs->kb->vocab[MD_VOCAB_AREA].e[r->in->conditions[f->fact_index].site_id].code;
}

static const kb_entry *ingredient_entry(const md_screen_result *r, const md_finding *f)
{
    if (f->ingredient < 0) return NULL;
    return &r->rs->kb->vocab[MD_VOCAB_INGREDIENT].e[r->in->ingredient_ids[f->ingredient]];
}

static const char *ingredient_code(const md_screen_result *r, const md_finding *f)
{
    const kb_entry *e = ingredient_entry(r, f);
    return e ? e->code : NULL;
}

static const kb_entry *jurisdiction(const md_screen_result *r)
{
    return &r->rs->kb->vocab[MD_VOCAB_JURISDICTION].e[r->in->jurisdiction_id];
}

#define MSG_TMP_MAX 256

/* {uncovered}: the labels of the planned ingredients no valid negative patch test covers. */
static const char *uncovered_text(const md_screen_result *r, const md_finding *f,
                                  char tmp[MSG_TMP_MAX])
{
    md_sbuf b;
    md_sbuf_init(&b, tmp, MSG_TMP_MAX);
    for (size_t k = 0; k < r->in->n_ingredients; k++)
        if (f->uncovered >> k & 1u)
            md_sbuf_appendf(
                &b, "%s%s", b.len ? ", " : "",
                r->rs->kb->vocab[MD_VOCAB_INGREDIENT].e[r->in->ingredient_ids[k]].label);
    if (!b.len) return "none (each planned ingredient has a valid negative patch test)";
    return md_sbuf_ok(&b) ? tmp : "several planned ingredients";
}

/* Value of one placeholder; writes into tmp when it has to format. */
static const char *placeholder(const md_screen_result *r, const md_finding *f, const char *name,
                               size_t len, char tmp[MSG_TMP_MAX])
{
    const kb_rule *rule = &r->rs->rules[f->rule];
#define IS(s) (len == sizeof(s) - 1 && strncmp(name, s, len) == 0)
    if (IS("input")) return fact_input(r, f);
    if (IS("code")) return fact_code(r, f);
    if (IS("term")) return fact_term(r, f, tmp, MSG_TMP_MAX);
    if (IS("ingredient")) return ingredient_entry(r, f) ? ingredient_entry(r, f)->label : NULL;
    if (IS("site")) return site_code(r, f) ? site_code(r, f) : "an unrecorded site";
    if (IS("jurisdiction")) return jurisdiction(r)->label;
    if (IS("uncovered")) return uncovered_text(r, f, tmp);
    if (IS("days"))
        snprintf(tmp, MSG_TMP_MAX, "%d", rule->days);
    else if (IS("years"))
        snprintf(tmp, MSG_TMP_MAX, "%d", rule->use_majority ? jurisdiction(r)->age : rule->years);
    else if (IS("age") || (IS("value") && f->fact == MD_FACT_FITZPATRICK))
        snprintf(tmp, MSG_TMP_MAX, "%d", f->value);
    else if (IS("value"))
        return f->value ? "true" : "false";
    else if (IS("earliest_date") && f->has_until)
        md_date_format(f->until, tmp);
    else if (IS("last_dose") && f->fact == MD_FACT_MEDICATION) {
        const md_screen_medication *m = &r->in->medications[f->fact_index];
        if (!m->has_last_dose) return "today (still taking it)";
        md_date_format(m->last_dose, tmp);
    } else
        return NULL;
#undef IS
    return tmp;
}

static void render_message(const md_screen_result *r, const md_finding *f, char out[MSG_MAX])
{
    const char *p = r->rs->rules[f->rule].message;
    size_t n = 0;
    while (*p && n + 1 < MSG_MAX) {
        const char *end = *p == '{' ? strchr(p, '}') : NULL;
        if (!end) {
            out[n++] = *p++;
            continue;
        }
        char tmp[MSG_TMP_MAX];
        const char *v = placeholder(r, f, p + 1, (size_t)(end - p - 1), tmp);
        if (!v) v = "?";
        size_t vl = strlen(v);
        if (vl > MSG_MAX - 1 - n) vl = MSG_MAX - 1 - n;
        memcpy(out + n, v, vl);
        n += vl;
        p = end + 1;
    }
    out[n] = '\0';
}

/* ---- JSON ------------------------------------------------------------------ */

/* Set o[k] = v (stealing v); returns 1 on failure so callers can OR results. */
static int put(json_t *o, const char *k, json_t *v)
{
    return !v || json_object_set_new(o, k, v) != 0;
}

static json_t *date_json(md_day d)
{
    char s[MD_DATE_STR];
    md_date_format(d, s);
    return json_string(s);
}

static json_t *fact_json(const md_screen_result *r, const md_finding *f)
{
    const md_screen_input *in = r->in;
    json_t *o = json_object();
    int bad = !o;
    if (bad) return NULL;
    bad |= put(o, "kind", json_string(fact_kind_names[f->fact]));
    switch (f->fact) {
    case MD_FACT_STATUS:
        bad |= put(o, "flag", json_string(kb_flag_name(f->fact_index)));
        bad |= put(o, "value", json_boolean(f->value));
        break;
    case MD_FACT_AGE:
        bad |= put(o, "birth_date", date_json(in->birth_date));
        bad |= put(o, "age", json_integer(f->value));
        bad |= put(o, "jurisdiction", json_string(jurisdiction(r)->code));
        break;
    case MD_FACT_FITZPATRICK: bad |= put(o, "value", json_integer(f->value)); break;
    default:
        bad |= put(o, "code", json_string(fact_code(r, f)));
        bad |= put(o, "input", json_string(fact_input(r, f)));
        break;
    }
    if (f->fact == MD_FACT_ALLERGY && f->ingredient >= 0)
        bad |= put(o, "ingredient", json_string(ingredient_code(r, f)));
    if (f->fact == MD_FACT_CONDITION) {
        const md_screen_condition *c = &in->conditions[f->fact_index];
        if (c->active != MD_TRI_UNKNOWN) bad |= put(o, "active", json_boolean(c->active));
        if (site_code(r, f)) bad |= put(o, "site", json_string(site_code(r, f)));
    }
    if (f->fact == MD_FACT_MEDICATION && in->medications[f->fact_index].name)
        bad |= put(o, "name", json_string(in->medications[f->fact_index].name));
    if (f->fact == MD_FACT_MEDICATION && in->medications[f->fact_index].has_last_dose)
        bad |= put(o, "last_dose", date_json(in->medications[f->fact_index].last_dose));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *sources_json(const char *const *sources, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_string(sources[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* A finding of a rule satisfied by patch tests: "uncovered" (planned ingredient codes), and
 * when none is left, "satisfied": {"patch_tests": [{"id","ingredients","valid_until"}]}
 * naming the valid negative tests of planned ingredients.  1 on failure. */
static int patch_json(const md_screen_result *r, const md_finding *f, json_t *o)
{
    const md_screen_input *in = r->in;
    const kb_vocab *ing = &r->rs->kb->vocab[MD_VOCAB_INGREDIENT];
    json_t *unc = json_array(), *tests = json_array();
    int bad = !unc || !tests;
    for (size_t k = 0; !bad && k < in->n_ingredients; k++)
        if (f->uncovered >> k & 1u)
            bad |= json_array_append_new(unc, json_string(ing->e[in->ingredient_ids[k]].code));
    for (size_t t = 0; !bad && f->satisfied && t < in->n_patch_tests; t++) {
        const md_screen_patch_test *p = &in->patch_tests[t];
        int planned = 0;
        if (!p->negative || p->valid_until < in->date) continue;
        for (size_t i = 0; i < p->n_ingredients; i++)
            for (size_t k = 0; k < in->n_ingredients; k++)
                planned |= p->ingredient_ids[i] == in->ingredient_ids[k];
        if (!planned) continue;
        json_t *codes = json_array(), *one = json_object();
        bad |= !codes || !one;
        for (size_t i = 0; !bad && i < p->n_ingredients; i++)
            bad |= json_array_append_new(codes, json_string(ing->e[p->ingredient_ids[i]].code));
        if (!bad && p->id) bad |= put(one, "id", json_string(p->id));
        if (!bad) bad |= put(one, "ingredients", json_incref(codes));
        if (!bad) bad |= put(one, "valid_until", date_json(p->valid_until));
        json_decref(codes);
        if (bad)
            json_decref(one);
        else
            bad |= json_array_append_new(tests, one) != 0;
    }
    bad |= put(o, "uncovered", unc);
    if (!bad && f->satisfied) bad |= put(o, "satisfied", json_pack("{s:O}", "patch_tests", tests));
    json_decref(tests);
    return bad;
}

static json_t *finding_json(const md_screen_result *r, const md_finding *f)
{
    const kb_rule *rule = &r->rs->rules[f->rule];
    char msg[MSG_MAX];
    json_t *o = json_object(), *src = sources_json(rule->sources, rule->n_sources);
    int bad = !o || !src;
    render_message(r, f, msg);
    if (bad) {
        json_decref(o);
        json_decref(src);
        return NULL;
    }
    bad |= put(o, "rule", json_string(rule->id));
    bad |= put(o, "class", json_string(md_class_name(f->cls)));
    bad |= put(o, "message", json_string(msg));
    bad |= put(o, "sources", src);
    bad |= put(o, "fact", fact_json(r, f));
    if (f->has_until) bad |= put(o, "earliest_date", date_json(f->until));
    if (rule->clinic) bad |= put(o, "origin", json_string("clinic"));
    if (rule->raised_by) bad |= put(o, "raised_by", json_string(rule->raised_by));
    if (rule->patch_test_covers) bad |= patch_json(r, f, o);
    if (f->clearance >= 0) {
        const md_screen_clearance *c = &r->in->clearances[f->clearance];
        json_t *cl = json_object();
        int cbad = !cl;
        if (!cbad && c->id) cbad |= put(cl, "id", json_string(c->id));
        if (!cbad && c->reason) cbad |= put(cl, "reason", json_string(c->reason));
        if (!cbad && c->physician) cbad |= put(cl, "physician", json_string(c->physician));
        if (!cbad) cbad |= put(cl, "valid_until", date_json(c->valid_until));
        if (cbad) json_decref(cl);
        bad |= cbad || put(o, "cleared", cl);
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* {"rule","fact","field","answer","question","sources"} */
static json_t *missing_json(const md_screen_result *r, const md_missing *m)
{
    const kb_fact_def *d = &r->rs->kb->facts[m->fact];
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:o*}", "rule", r->rs->rules[m->rule].id, "fact",
                     kb_flag_name(m->fact), "field", d->field, "answer",
                     m->not_sure ? "not_sure" : "not_recorded", "question", d->question, "sources",
                     sources_json(d->sources, d->n_sources));
}

#define RULESET_MESSAGE                                                                            \
    "The clinic's own rules could not be applied (%s): screened with the shipped rules only. "     \
    "Do not rely on this decision until an admin corrects the clinic rules."

/* The blocking finding of a clinic rule set that could not be compiled. */
static json_t *ruleset_error_json(const md_screen_result *r)
{
    char msg[MSG_MAX];
    snprintf(msg, sizeof msg, RULESET_MESSAGE, r->in->ruleset_error);
    return json_pack("{s:s,s:s,s:s,s:[],s:{s:s,s:s}}", "rule", "clinic_rules", "class",
                     md_class_name(MD_CLASS_INCOMPLETE), "message", msg, "sources", "fact", "kind",
                     "clinic_rules", "error", r->in->ruleset_error);
}

json_t *md_screen_result_to_json(const md_screen_result *r)
{
    json_t *o = json_object(), *kb = json_object(), *blocking = json_array(),
           *cautions = json_array();
    json_t *missing = json_array();
    int bad = !o || !kb || !blocking || !cautions || !missing;
    if (!bad && r->in->ruleset_error)
        bad |= json_array_append_new(blocking, ruleset_error_json(r)) != 0;
    for (size_t i = 0; !bad && i < r->n_missing; i++)
        bad |= json_array_append_new(missing, missing_json(r, &r->missing[i])) != 0;
    for (size_t i = 0; !bad && i < r->n_findings; i++) {
        const md_finding *f = &r->findings[i];
        /* A satisfied caution is no longer one: it is listed with the findings. */
        bad |=
            json_array_append_new(f->cls == MD_CLASS_CAUTION && !f->satisfied ? cautions : blocking,
                                  finding_json(r, f)) != 0;
    }
    if (!bad) {
        bad |= put(kb, "version", json_string(md_kb_version(r->rs->kb)));
        bad |= put(kb, "hash", json_string(md_kb_hash(r->rs->kb)));
    }
    if (bad) {
        json_decref(o);
        json_decref(kb);
        json_decref(blocking);
        json_decref(cautions);
        json_decref(missing);
        return NULL;
    }
    bad |= put(o, "decision", json_string(md_class_name(r->decision)));
    if (r->has_earliest) bad |= put(o, "earliest_date", date_json(r->earliest_date));
    bad |= put(o, "date", date_json(r->in->date));
    bad |= put(o, "kb", kb);
    bad |= put(o, "findings", blocking);
    bad |= put(o, "cautions", cautions);
    bad |= put(o, "missing", missing);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- text ------------------------------------------------------------------ */

/* The text of one result is at most this long (a few KiB in practice). */
#define TEXT_MAX ((size_t)1 << 20)

static void text_findings(md_sbuf *b, const md_screen_result *r, const char *title, int want)
{
    int header = 0;
    for (size_t i = 0; i < r->n_findings; i++) {
        const md_finding *f = &r->findings[i];
        const kb_rule *rule = &r->rs->rules[f->rule];
        int kind = f->satisfied ? 3 : f->cls == MD_CLASS_CAUTION ? 2 : f->clearance >= 0 ? 1 : 0;
        char msg[MSG_MAX];
        if (kind != want) continue;
        if (!header++) md_sbuf_appendf(b, "%s:\n", title);
        render_message(r, f, msg);
        md_sbuf_appendf(b, "  - [%s] %s\n    rule %s; sources: ", md_class_name(f->cls), msg,
                        rule->id);
        for (size_t s = 0; s < rule->n_sources; s++)
            md_sbuf_appendf(b, "%s%s", s ? ", " : "", rule->sources[s]);
        md_sbuf_appendf(b, "\n");
        if (f->clearance >= 0) {
            const md_screen_clearance *c = &r->in->clearances[f->clearance];
            char until[MD_DATE_STR];
            md_date_format(c->valid_until, until);
            md_sbuf_appendf(b, "    cleared%s%s%s%s, valid until %s\n", c->reason ? ": " : "",
                            c->reason ? c->reason : "", c->physician ? " by " : "",
                            c->physician ? c->physician : "", until);
        }
    }
}

char *md_screen_result_to_text(const md_screen_result *r, md_arena *a)
{
    md_sbuf b;
    char date[MD_DATE_STR];
    md_sbuf_init_arena(&b, a, TEXT_MAX);
    md_date_format(r->in->date, date);
    md_sbuf_appendf(&b, "Decision for %s: %s", date, md_class_name(r->decision));
    if (r->has_earliest) {
        md_date_format(r->earliest_date, date);
        md_sbuf_appendf(&b, " (earliest date %s)", date);
    } else if (r->decision == MD_CLASS_DEFERRED) {
        md_sbuf_appendf(&b, " (until healed; no date can be computed)");
    }
    md_sbuf_appendf(&b, "\n");
    if (r->in->ruleset_error) {
        md_sbuf_appendf(&b, "Warning: " RULESET_MESSAGE "\n", r->in->ruleset_error);
    }
    for (size_t i = 0; i < r->n_missing; i++) {
        const md_missing *m = &r->missing[i];
        const kb_fact_def *d = &r->rs->kb->facts[m->fact];
        if (i == 0) md_sbuf_appendf(&b, "Missing (ask before treating):\n");
        md_sbuf_appendf(&b, "  - %s (%s: %s; rule %s)\n", d->question, d->field,
                        m->not_sure ? "answered not sure" : "not recorded",
                        r->rs->rules[m->rule].id);
    }
    text_findings(&b, r, "Blocking", 0);
    text_findings(&b, r, "Cleared", 1);
    text_findings(&b, r, "Cautions", 2);
    text_findings(&b, r, "Satisfied by patch tests", 3);
    if (r->n_findings == 0 && r->n_missing == 0 && !r->in->ruleset_error)
        md_sbuf_appendf(&b, "No findings.\n");
    md_sbuf_appendf(&b, "Knowledge base %s (%.12s)\n", md_kb_version(r->rs->kb),
                    md_kb_hash(r->rs->kb));
    return md_sbuf_ok(&b) ? b.p : NULL;
}
