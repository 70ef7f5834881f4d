/*
 * precheck.c - the hard gates a treatment session passes before it starts (md_chart_gates,
 * chart.h; issue 10 item 2), and the preview of them for a stored session (precheck.h).
 *
 * Every gate is evaluated every time, whatever the others say; each gives one check:
 *   {"gate","status":"pass"|"fail"|"unknown","reasons":[...],"message","satisfy","rule",
 *    "sources"}
 * A gate collects every reason it finds (a screening both stale and not covering the plan
 * says both); its status is "fail" when one reason fails, else "unknown" when a fact it
 * needs was never recorded (unknown is not no: it blocks like a failure and says what is
 * missing), else "pass".  The wording of each reason, the gate's rule id and its sources are
 * kb data (kb/prechecks.json, kb_prechecks.c); this file picks the reason and its values.
 *
 * What each gate reads (no write, no audit: the caller's write or read is audited):
 *   screening     the patient's latest screening of the session day (and of records merged
 *                 into it); its stored result as the engine wrote it (findings by class,
 *                 "cleared", "missing", docs/SCREENING.md), never a rule name written here;
 *                 the latest fact recorded at or after it (allergies, "no known allergies",
 *                 conditions, medications, pregnancy/breastfeeding status, clearances,
 *                 patch tests and readings), a tie within the same second decided by the
 *                 audit trail's order; its plan against the course's formulation (the
 *                 ingredients of its products, its areas: a screened area covers the areas
 *                 within it).
 *   consent       md_consent_status "treatment" for the course: only "signed" passes.
 *   patch_tests   where the day's screening asks for a patch test (a finding or caution
 *                 with "uncovered"), a negative test valid on the day for every planned
 *                 ingredient, from the patient's tests as they stand now.
 *   practitioner  md_credential_check with the course protocol's scope on the day (which
 *                 also checks the account and its role).
 *   materials     each lot of this clinic, usable at now (not recalled, not entered in
 *                 error, product active) and in date on the day; its vial (multi-dose lots)
 *                 of that lot and within its beyond-use time at now; the needle lot: a lot
 *                 of a consumable of a needle kind (kb), in date and not recalled.
 *   photos_before md_photo_views "before" covering the clinic policy's before_views.
 */
#include "mesodesk/precheck.h"
#include "mesodesk/clinic.h"
#include "mesodesk/consent.h"
#include "mesodesk/course.h"
#include "mesodesk/credential.h"
#include "mesodesk/patch_test.h"
#include "mesodesk/photo.h"
#include "mesodesk/record.h"
#include "mesodesk/sbuf.h"
#include "mesodesk/screen.h"
#include "mesodesk/screening.h"
#include "record_int.h"
#include "stock_int.h"

#include <stdio.h>
#include <string.h>

#define TEXT_MAX 1024
#define PART_MAX 512
#define LIST_MAX 400

enum { ST_PASS = 0, ST_UNKNOWN = 1, ST_FAIL = 2 };

typedef struct check {
    const char *gate;
    int status;
    json_t *reasons;
    char message[TEXT_MAX], satisfy[TEXT_MAX];
} check;

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void append(char *dst, size_t n, const char *part)
{
    size_t len = strlen(dst);
    if (!part || !*part || len + 3 >= n) return;
    if (len) {
        md_strlcpy(dst + len, "; ", n - len);
        len += 2;
    }
    md_strlcpy(dst + len, part, n - len);
}

/* Add a reason of c's gate with its template values; MD_EINTERNAL when the kb lacks it. */
static md_code add(const md_ctx *ctx, check *c, int status, const char *reason,
                   const md_tmpl_value *vals, md_err *err)
{
    const char *m = NULL, *s = NULL;
    char part[PART_MAX];
    if (md_kb_precheck_wording(ctx->kb, c->gate, reason, &m, &s) != 0)
        return md_err_set(err, MD_EINTERNAL, NULL, "kb/prechecks.json has no reason %s.%s", c->gate,
                          reason);
    if (status > c->status) c->status = status;
    json_array_append_new(c->reasons, json_string(reason));
    append(c->message, sizeof c->message, md_precheck_render(m, vals, part, sizeof part));
    if (s) append(c->satisfy, sizeof c->satisfy, md_precheck_render(s, vals, part, sizeof part));
    return MD_OK;
}

/* The strings of arr joined into out: "a, b and c". */
static const char *join(json_t *arr, char *out, size_t n)
{
    size_t i, count = json_array_size(arr);
    json_t *s;
    out[0] = '\0';
    json_array_foreach(arr, i, s)
    {
        size_t len = strlen(out);
        const char *sep = i == 0 ? "" : i + 1 == count ? " and " : ", ";
        if (len + strlen(sep) + 1 < n) md_strlcpy(out + len, sep, n - len);
        len = strlen(out);
        md_strlcpy(out + len, json_string_value(s) ? json_string_value(s) : "?", n - len);
    }
    return out;
}

static void add_unique(json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    if (!s) return;
    json_array_foreach(arr, i, v) if (strcmp(json_string_value(v), s) == 0) return;
    json_array_append_new(arr, json_string(s));
}

/* A failure a gate reports as its own reason rather than as an error of the whole call:
 * an input error (no such course, lot, staff member...) or a module not built yet.  Storage
 * and memory failures end the call. */
static int gate_level(md_code rc)
{
    return rc != MD_OK && rc != MD_EUNAVAILABLE && rc != MD_EIO && rc != MD_ENOMEM;
}

/* ---- what every gate needs: the session, its course, its plan ---- */

typedef struct env {
    md_ctx *ctx;
    json_t *session;
    const char *patient_id, *course_id, *practitioner_id, *session_id;
    md_day day;
    char day_text[MD_DATE_STR];
    int64_t now;
    md_course_slot slot;
    int have_slot;
    md_err slot_err;
    json_t *ingredients, *areas; /* the course's plan: canonical codes */
    int have_plan;
    char plan_why[PART_MAX];
    json_t *screening; /* the latest screening of the day, or NULL */
} env;

static md_code plan_of(env *e, md_err *err)
{
    json_t *course = NULL, *form = NULL;
    md_err one;
    md_code rc =
        md__record_current(e->ctx, &md_kind_course, e->patient_id, e->course_id, &course, &one);
    if (rc == MD_OK)
        rc = md__record_current(e->ctx, &md_kind_formulation, e->patient_id,
                                str(course, "formulation_id"), &form, &one);
    json_t *mix = json_object_get(form, "mixture"), *c, *a;
    size_t i, k;
    json_array_foreach(rc == MD_OK ? json_object_get(mix, "components") : NULL, i, c)
    {
        json_t *prod = NULL, *ing;
        rc = md__record_current(e->ctx, &md_kind_product, NULL, str(c, "product_id"), &prod, &one);
        if (rc != MD_OK) break;
        json_array_foreach(json_object_get(prod, "ingredients"), k, ing)
        {
            const char *code =
                json_is_string(ing) ? json_string_value(ing) : str(ing, "ingredient");
            const char *canon = NULL;
            md_err ig;
            if (md_kb_resolve(e->ctx->kb, MD_VOCAB_INGREDIENT, code, NULL, &canon, &ig) == MD_OK)
                add_unique(e->ingredients, canon);
        }
        json_decref(prod);
    }
    json_array_foreach(rc == MD_OK ? json_object_get(mix, "areas") : NULL, i, a)
    {
        const char *canon = NULL;
        md_err ig;
        if (md_kb_resolve(e->ctx->kb, MD_VOCAB_AREA, json_string_value(a), NULL, &canon, &ig) ==
            MD_OK)
            add_unique(e->areas, canon);
    }
    json_decref(course);
    json_decref(form);
    if (gate_level(rc)) {
        snprintf(e->plan_why, sizeof e->plan_why, "%s", one.message);
        return MD_OK;
    }
    if (rc != MD_OK) {
        if (err) *err = one;
        return rc;
    }
    if (json_array_size(e->ingredients) == 0 || json_array_size(e->areas) == 0) {
        snprintf(e->plan_why, sizeof e->plan_why, "its formulation names no %s",
                 json_array_size(e->ingredients) == 0 ? "ingredients" : "areas");
        return MD_OK;
    }
    e->have_plan = 1;
    return MD_OK;
}

static int screening_row(void *vs, const md_row *r)
{
    json_t **s = vs;
    json_t *plan = json_loads(md_row_text(r, 2), 0, NULL);
    json_t *result = json_loads(md_row_text(r, 4), 0, NULL);
    *s = json_pack("{s:s,s:s,s:o*,s:s,s:o*,s:s}", "id", md_row_text(r, 0), "date",
                   md_row_text(r, 1), "plan", plan, "decision", md_row_text(r, 3), "result", result,
                   "screened_at", md_row_text(r, 5));
    return 1;
}

static md_code latest_screening(env *e, md_err *err)
{
    md_val v[] = {md_text(e->ctx->who.clinic_id), md_text(e->patient_id), md_text(e->day_text)};
    return md_store_exec(e->ctx->db,
                         "SELECT id, screen_date, plan, decision, result, screened_at FROM "
                         "screenings WHERE clinic_id = $1 AND " MD_PATIENT_SCOPE
                         " AND screen_date = $3 ORDER BY screened_us DESC, id",
                         v, 3, screening_row, &e->screening, err);
}

/* ---- screening ---- */

typedef struct latest {
    char at[MD_TIME_STR], what[64];
    int64_t n;
} latest;

static int latest_row(void *vl, const md_row *r)
{
    latest *l = vl;
    md_strlcpy(l->at, md_row_text(r, 0), sizeof l->at);
    md_strlcpy(l->what, md_row_text(r, 1), sizeof l->what);
    return 1;
}

static int count_row(void *vl, const md_row *r)
{
    ((latest *)vl)->n = md_row_is_null(r, 0) ? -1 : md_row_int(r, 0);
    return 1;
}

/* Whether a fact was recorded after the screening: *stale, with when and what. */
static md_code outdated(env *e, json_t *s, int *stale, latest *l, md_err *err)
{
    char sql[2048];
    md_sbuf b;
    const char *at = str(s, "screened_at");
    md_val v[] = {md_text(e->ctx->who.clinic_id), md_text(e->patient_id), md_text(at)};
    *stale = 0;
    memset(l, 0, sizeof *l);
    md_sbuf_init(&b, sql, sizeof sql);
    for (int k = 0; md_screening_fact_kinds[k]; k++)
        md_sbuf_appendf(&b,
                        "%sSELECT recorded_at, '%s' AS what FROM %s WHERE clinic_id = $1 AND "
                        "patient_id = $2 AND recorded_at >= $3",
                        k ? " UNION ALL " : "", md_screening_fact_kinds[k]->title,
                        md_screening_fact_kinds[k]->table);
    md_sbuf_append(&b, " ORDER BY 1 DESC, 2");
    md_code rc = md_store_exec(e->ctx->db, md_sbuf_ok(&b) ? sql : NULL, v, 3, latest_row, l, err);
    if (rc != MD_OK || !l->at[0]) return rc;
    if (strcmp(l->at, at) > 0) {
        *stale = 1;
        return MD_OK;
    }
    /* The same second: the audit trail orders the writes (each write's entry is in its own
     * transaction).  A screening without its entry counts as outdated. */
    latest seq = {.n = -1};
    md_val w[] = {md_text(e->ctx->who.clinic_id), md_text(str(s, "id"))};
    rc = md_store_exec(e->ctx->db,
                       "SELECT min(seq) FROM audit_log WHERE clinic_id = $1 AND object_type = "
                       "'screening' AND object_id = $2 AND action = 'create'",
                       w, 2, count_row, &seq, err);
    if (rc != MD_OK) return rc;
    if (seq.n < 0) {
        *stale = 1;
        return MD_OK;
    }
    md_sbuf_init(&b, sql, sizeof sql);
    md_sbuf_append(&b, "SELECT at, object_type FROM audit_log WHERE clinic_id = $1 AND "
                       "patient_id = $2 AND seq > $3 AND action IN ('create', 'update', "
                       "'merge') AND object_type IN (");
    for (int k = 0; md_screening_fact_kinds[k]; k++)
        md_sbuf_appendf(&b, "%s'%s'", k ? ", " : "", md_screening_fact_kinds[k]->name);
    md_sbuf_append(&b, ") ORDER BY seq DESC");
    md_val x[] = {md_text(e->ctx->who.clinic_id), md_text(e->patient_id), md_int(seq.n)};
    memset(l, 0, sizeof *l);
    rc = md_store_exec(e->ctx->db, md_sbuf_ok(&b) ? sql : NULL, x, 3, latest_row, l, err);
    for (int k = 0; rc == MD_OK && l->at[0] && md_screening_fact_kinds[k]; k++)
        if (strcmp(md_screening_fact_kinds[k]->name, l->what) == 0)
            md_strlcpy(l->what, md_screening_fact_kinds[k]->title, sizeof l->what);
    if (rc == MD_OK) *stale = l->at[0] != 0;
    return rc;
}

/* The rule ids of findings of class cls not cleared; the latest of their earliest dates
 * into earliest (when given), "" when one of them has none (deferred until healed). */
static json_t *uncleared(json_t *result, const char *cls, char earliest[MD_DATE_STR])
{
    json_t *rules = json_array(), *f;
    size_t i;
    int undated = 0;
    if (earliest) earliest[0] = '\0';
    json_array_foreach(json_object_get(result, "findings"), i, f)
    {
        const char *c = str(f, "class"), *e = str(f, "earliest_date");
        if (!c || strcmp(c, cls) != 0 || json_object_get(f, "cleared")) continue;
        add_unique(rules, str(f, "rule"));
        undated |= !e;
        if (earliest && e && strcmp(e, earliest) > 0) md_strlcpy(earliest, e, MD_DATE_STR);
    }
    if (earliest && undated) earliest[0] = '\0';
    return rules;
}

static md_code screening_gate(env *e, check *c, md_err *err)
{
    char a[LIST_MAX], b[LIST_MAX], d[LIST_MAX];
    md_ctx *ctx = e->ctx;
    json_t *s = e->screening;
    md_code rc = MD_OK;
    if (!s) {
        md_tmpl_value v[] = {{"day", e->day_text}, {NULL, NULL}};
        return add(ctx, c, ST_UNKNOWN, "none", v, err);
    }
    json_t *result = json_object_get(s, "result");
    int stale = 0;
    latest l;
    if ((rc = outdated(e, s, &stale, &l, err)) != MD_OK) return rc;
    if (stale) {
        md_tmpl_value v[] = {{"screened_at", str(s, "screened_at")},
                             {"what", l.what[0] ? l.what : "a fact"},
                             {"changed_at", l.at[0] ? l.at : "?"},
                             {NULL, NULL}};
        if ((rc = add(ctx, c, ST_FAIL, "stale", v, err)) != MD_OK) return rc;
    }
    /* What blocks, class by class, as the engine wrote it. */
    static const struct {
        const char *cls, *reason;
    } blocking[] = {{"contraindicated", "contraindicated"},
                    {"deferred", "deferred"},
                    {"clearance_required", "clearance"}};
    int blocked = 0;
    for (size_t k = 0; rc == MD_OK && k < sizeof blocking / sizeof blocking[0]; k++) {
        char earliest[MD_DATE_STR];
        json_t *rules = uncleared(result, blocking[k].cls, earliest);
        const char *reason = blocking[k].reason;
        if (strcmp(reason, "deferred") == 0 && !earliest[0]) reason = "deferred_healed";
        md_tmpl_value v[] = {
            {"rules", join(rules, a, sizeof a)}, {"earliest", earliest}, {NULL, NULL}};
        if (json_array_size(rules)) {
            blocked = 1;
            rc = add(ctx, c, ST_FAIL, reason, v, err);
        }
        json_decref(rules);
    }
    /* Facts a rule needs that nobody recorded, and rules that could not be applied. */
    json_t *missing = json_array(), *m;
    size_t i;
    json_array_foreach(json_object_get(result, "missing"), i, m)
        add_unique(missing, str(m, "field") ? str(m, "field") : str(m, "fact"));
    json_t *incomplete = uncleared(result, "incomplete", NULL);
    json_array_extend(missing, incomplete);
    json_decref(incomplete);
    const char *decision = str(s, "decision");
    if (rc == MD_OK &&
        (json_array_size(missing) || (decision && strcmp(decision, "incomplete") == 0))) {
        if (!json_array_size(missing)) json_array_append_new(missing, json_string("a fact"));
        md_tmpl_value v[] = {{"missing", join(missing, a, sizeof a)}, {NULL, NULL}};
        blocked = 1;
        rc = add(ctx, c, ST_UNKNOWN, "incomplete", v, err);
    }
    json_decref(missing);
    /* A decision that blocks with none of the above named (a safety net). */
    if (rc == MD_OK && !blocked && decision && strcmp(decision, "eligible") != 0 &&
        strcmp(decision, "caution") != 0) {
        md_tmpl_value v[] = {{"rules", decision}, {NULL, NULL}};
        rc = add(ctx, c, ST_FAIL, "contraindicated", v, err);
    }
    if (rc != MD_OK) return rc;
    /* The plan screened against the course's plan. */
    if (!e->have_plan) {
        md_tmpl_value v[] = {{"what", e->plan_why}, {NULL, NULL}};
        return add(ctx, c, ST_UNKNOWN, "no_plan", v, err);
    }
    json_t *plan = json_object_get(s, "plan"), *uncov = json_array(), *x, *y;
    size_t k;
    json_array_foreach(e->ingredients, i, x)
    {
        int covered = 0;
        json_array_foreach(json_object_get(plan, "ingredients"), k, y)
        {
            const char *canon = NULL;
            md_err ig;
            covered |= md_kb_resolve(ctx->kb, MD_VOCAB_INGREDIENT, json_string_value(y), NULL,
                                     &canon, &ig) == MD_OK &&
                       strcmp(canon, json_string_value(x)) == 0;
        }
        if (!covered) {
            char what[96];
            snprintf(what, sizeof what, "ingredient %s", json_string_value(x));
            json_array_append_new(uncov, json_string(what));
        }
    }
    json_array_foreach(e->areas, i, x)
    {
        int covered = 0;
        json_array_foreach(json_object_get(plan, "areas"), k, y) covered |=
            md_kb_area_within(ctx->kb, json_string_value(x), json_string_value(y));
        if (!covered) {
            char what[96];
            snprintf(what, sizeof what, "area %s", json_string_value(x));
            json_array_append_new(uncov, json_string(what));
        }
    }
    if (json_array_size(uncov)) {
        md_tmpl_value v[] = {{"what", join(uncov, a, sizeof a)},
                             {"ingredients", join(e->ingredients, b, sizeof b)},
                             {"areas", join(e->areas, d, sizeof d)},
                             {NULL, NULL}};
        rc = add(ctx, c, ST_FAIL, "plan", v, err);
    }
    json_decref(uncov);
    if (rc == MD_OK && c->status == ST_PASS) {
        md_tmpl_value v[] = {{"day", e->day_text}, {"decision", decision}, {NULL, NULL}};
        rc = add(ctx, c, ST_PASS, "pass", v, err);
    }
    return rc;
}

/* ---- consent ---- */

static void date_of(const char *t, char out[MD_DATE_STR])
{
    md_strlcpy(out, t ? t : "?", MD_DATE_STR);
}

static md_code consent_gate(env *e, check *c, md_err *err)
{
    json_t *st = NULL, *rec = NULL;
    md_err one;
    md_code rc = md_consent_status(e->ctx, e->patient_id, e->course_id, &st, err);
    if (rc != MD_OK) return rc;
    json_t *t = json_object_get(st, "treatment");
    const char *status = str(t, "status"), *id = str(t, "consent_id");
    if (id && md__record_current(e->ctx, &md_kind_consent, e->patient_id, id, &rec, &one) != MD_OK)
        rec = NULL;
    json_t *ev = json_object_get(rec, "events");
    char sent[MD_DATE_STR], opened[MD_DATE_STR], signed_on[MD_DATE_STR], withdrawn[MD_DATE_STR];
    date_of(str(json_object_get(ev, "sent"), "at"), sent);
    date_of(str(json_object_get(ev, "opened"), "at"), opened);
    date_of(str(t, "signed_at"), signed_on);
    date_of(str(t, "withdrawn_at"), withdrawn);
    md_tmpl_value v[] = {{"status", status},    {"sent", sent},           {"opened", opened},
                         {"signed", signed_on}, {"withdrawn", withdrawn}, {NULL, NULL}};
    static const char *const known[] = {"missing", "sent", "opened", "expired", "withdrawn", NULL};
    const char *reason = "other";
    for (size_t i = 0; status && known[i]; i++)
        if (strcmp(status, known[i]) == 0) reason = known[i];
    if (status && strcmp(status, "signed") == 0)
        rc = add(e->ctx, c, ST_PASS, "pass", v, err);
    else
        rc = add(e->ctx, c, ST_FAIL, reason, v, err);
    json_decref(st);
    json_decref(rec);
    return rc;
}

/* ---- patch tests ---- */

/* Does the screening ask for a patch test: a finding or caution that lists "uncovered"? */
static int asks_patch_test(json_t *result)
{
    static const char *const lists[] = {"findings", "cautions", NULL};
    for (int l = 0; lists[l]; l++) {
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(result, lists[l]), i,
                           f) if (json_is_array(json_object_get(f, "uncovered"))) return 1;
    }
    return 0;
}

static md_code patch_gate(env *e, check *c, md_err *err)
{
    char a[LIST_MAX];
    md_ctx *ctx = e->ctx;
    md_tmpl_value day[] = {{"day", e->day_text}, {NULL, NULL}};
    if (!e->screening) return add(ctx, c, ST_UNKNOWN, "unknown", day, err);
    json_t *result = json_object_get(e->screening, "result");
    if (!asks_patch_test(result)) return add(ctx, c, ST_PASS, "not_needed", day, err);
    /* The planned ingredients: the course's, else those the screening was given. */
    json_t *planned = json_array(), *x;
    size_t i;
    if (e->have_plan) json_array_extend(planned, e->ingredients);
    json_array_foreach(
        e->have_plan ? NULL : json_object_get(json_object_get(e->screening, "plan"), "ingredients"),
        i, x) add_unique(planned, json_string_value(x));
    md_screen_input in;
    md_screen_input_init(&in);
    md_code rc = md_patch_tests_for_screening(ctx, e->patient_id, &in, err);
    json_t *uncovered = json_array();
    json_array_foreach(rc == MD_OK ? planned : NULL, i, x)
    {
        int want = md_kb_lookup(ctx->kb, MD_VOCAB_INGREDIENT, json_string_value(x)), covered = 0;
        for (size_t t = 0; t < in.n_patch_tests; t++) {
            const md_screen_patch_test *pt = &in.patch_tests[t];
            if (!pt->result || strcmp(pt->result, "negative") != 0 || pt->valid_until < e->day)
                continue;
            for (size_t k = 0; k < pt->n_ingredients; k++)
                covered |= want >= 0 &&
                           md_kb_lookup(ctx->kb, MD_VOCAB_INGREDIENT, pt->ingredients[k]) == want;
        }
        if (!covered) json_array_append(uncovered, x);
    }
    md_tmpl_value v[] = {
        {"day", e->day_text},
        {"ingredients", join(json_array_size(uncovered) ? uncovered : planned, a, sizeof a)},
        {NULL, NULL}};
    if (rc == MD_OK)
        rc = add(ctx, c, json_array_size(uncovered) ? ST_FAIL : ST_PASS,
                 json_array_size(uncovered) ? "missing" : "pass", v, err);
    json_decref(planned);
    json_decref(uncovered);
    return rc;
}

/* ---- practitioner ---- */

static md_code practitioner_gate(env *e, check *c, md_err *err)
{
    md_ctx *ctx = e->ctx;
    md_err one;
    if (!e->practitioner_id || !*e->practitioner_id)
        return add(ctx, c, ST_UNKNOWN, "none", NULL, err);
    if (!e->have_slot) {
        md_tmpl_value v[] = {{"message", e->slot_err.message}, {NULL, NULL}};
        return add(ctx, c, ST_UNKNOWN, "scope", v, err);
    }
    const char *scope = e->slot.required_scope;
    md_code rc = md_credential_check(ctx, e->practitioner_id, scope, e->day, &one);
    md_tmpl_value v[] = {
        {"message", one.message}, {"scope", scope}, {"day", e->day_text}, {NULL, NULL}};
    if (rc == MD_OK) return add(ctx, c, ST_PASS, "pass", v, err);
    if (rc == MD_ENOTFOUND) return add(ctx, c, ST_FAIL, "not_found", v, err);
    if (rc != MD_ECONFLICT) {
        if (err) *err = one;
        return rc;
    }
    /* Why, as a code: the clinic's verdicts give it. */
    json_t *all = NULL;
    if ((rc = md_credential_check_all(ctx, scope, e->day, &all, err)) != MD_OK) return rc;
    const char *code = str(json_object_get(all, e->practitioner_id), "code");
    static const char *const known[] = {"inactive",  "role",      "expired",    "not_yet_valid",
                                        "suspended", "no_expiry", "no_licence", NULL};
    const char *reason = "other";
    for (size_t i = 0; code && known[i]; i++)
        if (strcmp(code, known[i]) == 0) reason = known[i];
    rc = add(ctx, c, ST_FAIL, reason, v, err);
    json_decref(all);
    return rc;
}

/* ---- materials ---- */

static md_code lot_check(env *e, check *c, json_t *item, md_err *err)
{
    md_ctx *ctx = e->ctx;
    md__lot lot;
    md__vial vial;
    md_err one;
    md_day exp;
    const char *lot_id = str(item, "lot_id"), *vial_id = str(item, "vial_id");
    md_code rc = md__lot_load(ctx, lot_id, "lot_id", &lot, &one);
    const char *shown = lot.lot_number[0] ? lot.lot_number : lot_id ? lot_id : "?";
    md_tmpl_value v[] = {{"lot", shown},           {"vial", vial_id ? vial_id : ""},
                         {"message", one.message}, {"expiry", lot.expiry},
                         {"day", e->day_text},     {NULL, NULL}};
    if (rc == MD_ENOTFOUND) return add(ctx, c, ST_FAIL, "lot_unknown", v, err);
    if (rc != MD_OK) {
        if (err) *err = one;
        return rc;
    }
    if (md__lot_usable(&lot, e->now, "lot_id", &one) != MD_OK)
        rc = add(ctx, c, ST_FAIL, "lot_unusable", v, err);
    else if (md_date_parse(lot.expiry, &exp) != 0 || exp < e->day)
        rc = add(ctx, c, ST_FAIL, "lot_expires", v, err);
    if (rc != MD_OK) return rc;
    int multi = strcmp(lot.presentation, "multi_dose") == 0;
    if (multi && !vial_id) return add(ctx, c, ST_FAIL, "vial_needed", v, err);
    if (!multi && vial_id) return add(ctx, c, ST_FAIL, "vial_single", v, err);
    if (!vial_id) return MD_OK;
    rc = md__vial_load(ctx, vial_id, "vial_id", &vial, &one);
    if (rc == MD_ENOTFOUND || (rc == MD_OK && strcmp(vial.lot_id, lot.id) != 0))
        return add(ctx, c, ST_FAIL, "vial_unknown", v, err);
    if (rc != MD_OK) {
        if (err) *err = one;
        return rc;
    }
    if (md__vial_usable(&vial, e->now, "vial_id", &one) != MD_OK)
        return add(ctx, c, ST_FAIL, "vial_unusable", v, err);
    return MD_OK;
}

typedef struct needle {
    char number[65], expiry[MD_DATE_STR], status[24], kind[32], item_status[24];
    int found;
} needle;

static int needle_row(void *vn, const md_row *r)
{
    needle *n = vn;
    md_strlcpy(n->number, md_row_text(r, 0), sizeof n->number);
    md_strlcpy(n->expiry, md_row_text(r, 1), sizeof n->expiry);
    md_strlcpy(n->status, md_row_text(r, 2), sizeof n->status);
    md_strlcpy(n->kind, md_row_text(r, 3), sizeof n->kind);
    md_strlcpy(n->item_status, md_row_text(r, 4), sizeof n->item_status);
    n->found = 1;
    return 1;
}

/* The needle lot id: a lot of a needle of this clinic, usable on the day; its lot number
 * into number. */
static md_code needle_check(env *e, check *c, const char *id, char number[65], md_err *err)
{
    md_ctx *ctx = e->ctx;
    needle n = {0};
    char why[PART_MAX] = "";
    md_day exp;
    if (!id || !*id) return add(ctx, c, ST_UNKNOWN, "needle_missing", NULL, err);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    md_code rc = md_store_exec(ctx->db,
                               "SELECT l.lot_number, l.expiry, l.status, c.kind, c.status FROM "
                               "lots l JOIN consumables c ON c.clinic_id = l.clinic_id AND c.id = "
                               "l.product_id AND c.current = 1 WHERE l.clinic_id = $1 AND l.id = "
                               "$2 AND l.current = 1",
                               v, 2, needle_row, &n, err);
    if (rc != MD_OK) return rc;
    md_strlcpy(number, n.found ? n.number : id, 65);
    md_tmpl_value t[] = {{"needle", number}, {"message", why}, {NULL, NULL}};
    if (!n.found || !md_kb_needle_kind(ctx->kb, n.kind))
        return add(ctx, c, ST_FAIL, "needle_unknown", t, err);
    if (strcmp(n.status, "active") != 0)
        snprintf(why, sizeof why, "needle lot %s is %s", n.number,
                 strcmp(n.status, "recalled") == 0 ? "recalled" : "entered in error");
    else if (md_date_parse(n.expiry, &exp) != 0 || exp < e->day)
        snprintf(why, sizeof why, "needle lot %s expires on %s, before the session day %s",
                 n.number, n.expiry, e->day_text);
    else if (strcmp(n.item_status, "active") != 0)
        snprintf(why, sizeof why, "the needle of lot %s is %s", n.number, n.item_status);
    return why[0] ? add(ctx, c, ST_FAIL, "needle_unusable", t, err) : MD_OK;
}

static md_code materials_gate(env *e, check *c, md_err *err)
{
    json_t *mat = json_object_get(e->session, "materials"), *lots = json_object_get(mat, "lots"),
           *item;
    size_t i;
    md_code rc = MD_OK;
    if (json_array_size(lots) == 0) rc = add(e->ctx, c, ST_UNKNOWN, "no_lots", NULL, err);
    json_array_foreach(lots, i, item) if (rc == MD_OK) rc = lot_check(e, c, item, err);
    char number[65] = "";
    if (rc == MD_OK) rc = needle_check(e, c, str(mat, "needle_lot_id"), number, err);
    if (rc == MD_OK && c->status == ST_PASS) {
        char n[24];
        snprintf(n, sizeof n, "%zu", json_array_size(lots));
        md_tmpl_value v[] = {{"lots", n}, {"day", e->day_text}, {"needle", number}, {NULL, NULL}};
        rc = add(e->ctx, c, ST_PASS, "pass", v, err);
    }
    return rc;
}

/* ---- photos ---- */

static md_code photos_gate(env *e, check *c, md_err *err)
{
    char a[LIST_MAX];
    md_chart_policy p;
    json_t *have = NULL, *missing = json_array(), *views;
    md_err one;
    md_code rc = md_chart_policy_get(e->ctx, &p, err);
    if (rc != MD_OK) goto done;
    if (p.n_before == 0) {
        rc = add(e->ctx, c, ST_PASS, "not_required", NULL, err);
        goto done;
    }
    for (int i = 0; i < p.n_before; i++)
        json_array_append_new(missing, json_string(p.before_views[i]));
    rc = md_photo_views(e->ctx, e->session_id, "before", &have, &one);
    if (gate_level(rc)) {
        md_tmpl_value v[] = {{"message", one.message},
                             {"views", join(missing, a, sizeof a)},
                             {"s", json_array_size(missing) > 1 ? "s" : ""},
                             {NULL, NULL}};
        rc = add(e->ctx, c, ST_UNKNOWN, "unknown", v, err);
        goto done;
    }
    if (rc != MD_OK) {
        if (err) *err = one;
        goto done;
    }
    views = json_object_get(have, "views");
    for (size_t i = json_array_size(missing); i-- > 0;) {
        size_t k;
        json_t *h;
        json_array_foreach(views, k, h) if (json_equal(h, json_array_get(missing, i)))
        {
            json_array_remove(missing, i);
            break;
        }
    }
    json_t *shown = json_array_size(missing) ? missing : views;
    md_tmpl_value v[] = {{"views", join(shown, a, sizeof a)},
                         {"s", json_array_size(missing) > 1 ? "s" : ""},
                         {NULL, NULL}};
    rc = add(e->ctx, c, json_array_size(missing) ? ST_FAIL : ST_PASS,
             json_array_size(missing) ? "missing" : "pass", v, err);
done:
    json_decref(have);
    json_decref(missing);
    return rc;
}

/* ---- the gates ---- */

typedef md_code (*gate_fn)(env *e, check *c, md_err *err);

static const struct {
    const char *gate;
    gate_fn fn;
} gates[MD_PRECHECK_GATES] = {
    {"screening", screening_gate}, {"consent", consent_gate},
    {"patch_tests", patch_gate},   {"practitioner", practitioner_gate},
    {"materials", materials_gate}, {"photos_before", photos_gate},
};

static json_t *sources_json(const md_precheck_gate *g)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < g->n_sources; i++)
        json_array_append_new(a, json_string(g->sources[i]));
    return a;
}

static json_t *check_json(const check *c, const md_precheck_gate *g)
{
    static const char *const names[] = {"pass", "unknown", "fail"};
    return json_pack("{s:s,s:s,s:O,s:s,s:s?,s:s,s:o*}", "gate", c->gate, "status", names[c->status],
                     "reasons", c->reasons, "message", c->message, "satisfy",
                     c->status == ST_PASS ? NULL : c->satisfy, "rule", g->rule, "sources",
                     sources_json(g));
}

static md_code env_open(env *e, md_ctx *ctx, json_t *session, md_day day, int64_t now, md_err *err)
{
    json_t *seq = json_object_get(session, "course_session");
    memset(e, 0, sizeof *e);
    e->ctx = ctx;
    e->session = session;
    e->patient_id = str(session, "patient_id");
    e->course_id = str(session, "course_id");
    e->practitioner_id = str(session, "practitioner_id");
    e->session_id = str(session, "id");
    e->day = day;
    e->now = now;
    md_date_format(day, e->day_text);
    e->ingredients = json_array();
    e->areas = json_array();
    if (!e->patient_id || !e->course_id || !json_is_integer(seq))
        return md_err_set(err, MD_EUNPROCESSABLE, e->patient_id ? "course_id" : "patient_id",
                          "a session names its patient, course and course session");
    md_code rc =
        md_course_slot_get(ctx, e->course_id, (int)json_integer_value(seq), &e->slot, &e->slot_err);
    e->have_slot = rc == MD_OK;
    if (rc != MD_OK && !gate_level(rc)) {
        if (err) *err = e->slot_err;
        return rc;
    }
    if ((rc = plan_of(e, err)) != MD_OK) return rc;
    return latest_screening(e, err);
}

static void env_close(env *e)
{
    json_decref(e->ingredients);
    json_decref(e->areas);
    json_decref(e->screening);
}

md_code md_chart_gates(md_ctx *ctx, json_t *session, md_day day, int64_t now, json_t **report,
                       md_err *err)
{
    env e;
    json_t *checks = json_array();
    int ok = 1;
    if (!ctx->kb || !md_kb_precheck_at(ctx->kb, 0)) {
        json_decref(checks);
        return md_err_set(err, MD_EINTERNAL, NULL, "no knowledge base loaded");
    }
    md_code rc = env_open(&e, ctx, session, day, now, err);
    /* One snapshot would be the natural frame; the gates run inside the caller's write or
     * read, so they see one state of the database either way. */
    for (size_t i = 0; rc == MD_OK && i < MD_PRECHECK_GATES; i++) {
        check c = {.gate = gates[i].gate, .status = ST_PASS, .reasons = json_array()};
        rc = gates[i].fn(&e, &c, err);
        if (rc == MD_OK) {
            ok &= c.status == ST_PASS;
            json_array_append_new(checks, check_json(&c, md_kb_precheck_find(ctx->kb, c.gate)));
        }
        json_decref(c.reasons);
    }
    env_close(&e);
    if (rc == MD_OK && !(*report = json_pack("{s:b,s:o}", "ok", ok, "checks", checks)))
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    else if (rc != MD_OK)
        json_decref(checks);
    return rc;
}

md_code md_chart_gates_preview(md_ctx *ctx, const char *session_id, json_t **out, md_err *err)
{
    json_t *s = NULL;
    md_day today = 0;
    char zone[MD_ZONE_STR];
    /* The day the precheck and start steps judge: the clinic's today (chart.c). */
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK) rc = md_chart_get(ctx, session_id, &s, err);
    if (rc == MD_OK) rc = md_clinic_zone(ctx, zone, &today, err);
    if (rc == MD_OK) rc = md_chart_gates(ctx, s, today, md_now(), out, err);
    json_decref(s);
    return rc;
}
