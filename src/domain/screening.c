/*
 * screening.c - screening stored patients, clearances and clinic rules
 * (screening.h).  The rule engine decides; this file gathers the stored facts
 * into its input and keeps the immutable record of each decision.
 */
#include "mesodesk/screening.h"
#include "mesodesk/audit.h"
#include "mesodesk/commit.h"
#include "mesodesk/log.h"
#include "mesodesk/patch_test.h"
#include "mesodesk/record.h"
#include "mesodesk/screen.h"
#include "mesodesk/validate.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- clinic rules ----
 * A clinic's active rules compile into its rule set.  A stored set that fails to compile
 * (a row edited in the database, rules written by an older kb) must never stop screening:
 * md_clinic_ruleset() then hands out the shipped rules and says why, screening adds a
 * blocking finding, and GET /kb and the rules list flag it for the admin.
 *
 * Compiled sets are kept by the kb (md_kb_ruleset_keep), under the clinic id and a version:
 * a BLAKE2b digest of the clinic's active rule rows (record id and rule text of each, in
 * compile order, length-prefixed).  Each md_clinic_ruleset() reads those rows (one indexed
 * query) and digests them; the same digest reuses the kept set, another compiles and keeps
 * it.  So a change is seen by the next screening whoever made it: this process, another
 * process on the same database, or a row edited behind the API's back. */

typedef struct rule_rows {
    json_t *rules; /* rule objects, in compile order (NULL: digest only) */
    json_t *ids;   /* record id of each */
    crypto_generichash_state hs;
} rule_rows;

static void digest_text(rule_rows *rr, const char *t)
{
    size_t n = t ? strlen(t) : 0;
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(n >> (8 * i));
    crypto_generichash_update(&rr->hs, len, sizeof len);
    crypto_generichash_update(&rr->hs, (const unsigned char *)(t ? t : ""), n);
}

static int collect_rule(void *ctx, const md_row *r)
{
    rule_rows *rr = ctx;
    digest_text(rr, md_row_text(r, 1));
    digest_text(rr, md_row_text(r, 0));
    if (!rr->rules) return 0;
    json_t *rule = json_loads(md_row_text(r, 0), 0, NULL);
    json_array_append_new(rr->rules, rule ? rule : json_null());
    json_array_append_new(rr->ids, json_string(md_row_text(r, 1)));
    return 0;
}

static void rule_rows_start(rule_rows *rr, int parse)
{
    rr->rules = parse ? json_array() : NULL;
    rr->ids = parse ? json_array() : NULL;
    crypto_generichash_init(&rr->hs, NULL, 0, 32);
}

/* The clinic's active rules and their record ids (new references in *rr; with parse 0
 * only their digest), and the digest as hex into version. */
static md_code read_rules(md_ctx *ctx, rule_rows *rr, int parse, char version[65], md_err *err)
{
    unsigned char d[32];
    rule_rows_start(rr, parse);
    md_val v[] = {md_text(ctx->who.clinic_id)};
    md_code rc =
        md_store_exec(ctx->db,
                      "SELECT rule, id FROM clinic_rules WHERE clinic_id = $1 AND current = 1 "
                      "AND status = 'active' ORDER BY recorded_at, id",
                      v, 1, collect_rule, rr, err);
    crypto_generichash_final(&rr->hs, d, sizeof d);
    if (version) sodium_bin2hex(version, 65, d, sizeof d);
    if (rc != MD_OK) {
        json_decref(rr->rules);
        json_decref(rr->ids);
        rr->rules = rr->ids = NULL;
    }
    return rc;
}

static md_code active_rules(md_ctx *ctx, rule_rows *rr, md_err *err)
{
    return read_rules(ctx, rr, 1, NULL, err);
}

static void rule_rows_free(rule_rows *rr)
{
    json_decref(rr->rules);
    json_decref(rr->ids);
}

/* The record id of the rule an error "clinic_rules[i]..." names, or NULL. */
static const char *failing_record(const rule_rows *rr, const md_err *e)
{
    unsigned long i;
    if (sscanf(e->field, "clinic_rules[%lu]", &i) != 1) return NULL;
    return json_string_value(json_array_get(rr->ids, i));
}

_Static_assert(sizeof(md_clinic_ruleset_error) <= MD_KB_RULESET_NOTE_MAX,
               "the broken-set note fits the kb's cache");

static void log_broken(const md_ctx *ctx, const md_clinic_ruleset_error *b)
{
    md_log(MD_LOG_ERROR, "clinic_rules.broken",
           "clinic %s: stored clinic rules do not compile (%s); screening uses the shipped "
           "rules until an admin corrects or retires rule %s",
           ctx->who.clinic_id, b->message, b->rule_id[0] ? b->rule_id : "?");
}

/* Compile the clinic's active rules (read anew, with their digest into version). */
static md_code compile_rules(md_ctx *ctx, const md_ruleset **rs, md_ruleset **owned,
                             md_clinic_ruleset_error *b, char version[65], md_err *err)
{
    rule_rows rr;
    md_err cerr;
    md_code rc = read_rules(ctx, &rr, 1, version, err);
    if (rc != MD_OK) return rc;
    *rs = md_kb_ruleset(ctx->kb);
    md_err_clear(&cerr);
    if (json_array_size(rr.rules) > 0 &&
        md_ruleset_compile(ctx->kb, rr.rules, owned, &cerr) == MD_OK) {
        *rs = *owned;
    } else if (json_array_size(rr.rules) > 0) {
        const char *rec = failing_record(&rr, &cerr);
        b->broken = 1;
        md_strlcpy(b->message, cerr.message, sizeof b->message);
        if (rec) md_strlcpy(b->rule_id, rec, sizeof b->rule_id);
    }
    rule_rows_free(&rr);
    return MD_OK;
}

md_code md_clinic_ruleset(md_ctx *ctx, const md_ruleset **rs, md_ruleset **owned,
                          md_clinic_ruleset_error *broken, md_err *err)
{
    rule_rows rr;
    char version[65];
    md_clinic_ruleset_error b;
    *owned = NULL;
    memset(&b, 0, sizeof b);
    if (!ctx->kb) return md_err_set(err, MD_EINTERNAL, NULL, "no knowledge base loaded");
    md_code rc = read_rules(ctx, &rr, 0, version, err);
    if (rc != MD_OK) return rc;
    if (!md_kb_ruleset_cached(ctx->kb, ctx->who.clinic_id, version, rs, owned, &b, sizeof b)) {
        rc = compile_rules(ctx, rs, owned, &b, version, err);
        if (rc != MD_OK) return rc;
        md_kb_ruleset_keep(ctx->kb, ctx->who.clinic_id, version, *owned, &b, sizeof b);
    }
    if (b.broken) log_broken(ctx, &b);
    if (broken) *broken = b;
    return MD_OK;
}

json_t *md_clinic_ruleset_error_json(const md_clinic_ruleset_error *b)
{
    if (!b->broken) return json_pack("{s:s}", "status", "ok");
    return json_pack("{s:s,s:s,s:s?}", "status", "broken", "message", b->message, "rule_id",
                     b->rule_id[0] ? b->rule_id : NULL);
}

/* MD_ECONFLICT when another active clinic rule (not record except_id) has rule id rule_id. */
static md_code rule_id_free(md_ctx *ctx, const char *rule_id, const char *except_id, md_err *err)
{
    rule_rows rr;
    md_code rc = active_rules(ctx, &rr, err);
    for (size_t i = 0; rc == MD_OK && rule_id && i < json_array_size(rr.rules); i++) {
        const char *other = json_string_value(json_array_get(rr.ids, i));
        const char *rid = json_string_value(json_object_get(json_array_get(rr.rules, i), "id"));
        if (rid && strcmp(rid, rule_id) == 0 && (!except_id || strcmp(other, except_id) != 0))
            rc = md_err_set(err, MD_ECONFLICT, "rule.id",
                            "the clinic already has an active rule '%s' (record %s): update or "
                            "retire that one instead",
                            rule_id, other);
    }
    rule_rows_free(&rr);
    return rc;
}

static const char *rule_id_of(json_t *in)
{
    return json_string_value(json_object_get(json_object_get(in, "rule"), "id"));
}

md_code md_clinic_rule_create(md_ctx *ctx, json_t *in, json_t **out, md_err *err)
{
    /* Checked and stored under one write lock, so two admins cannot add the same id. */
    md_code rc = md_require(ctx, MD_PERM_KB_WRITE, err);
    if (rc == MD_OK) rc = md_write_begin(ctx, err);
    if (rc != MD_OK) return rc;
    const char *status = json_string_value(json_object_get(in, "status"));
    if (!status || strcmp(status, "active") == 0) rc = rule_id_free(ctx, rule_id_of(in), NULL, err);
    if (rc == MD_OK) rc = md_record_create(ctx, &md_kind_clinic_rule, NULL, in, out, err);
    return md_write_finish(ctx, rc, err);
}

md_code md_clinic_rule_update(md_ctx *ctx, const char *id, json_t *in, json_t **out, md_err *err)
{
    json_t *cur = NULL;
    md_code rc = md_require(ctx, MD_PERM_KB_WRITE, err);
    if (rc == MD_OK) rc = md_write_begin(ctx, err);
    if (rc != MD_OK) return rc;
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    rule_rows rr; /* here: the rule and its status */
    rule_rows_start(&rr, 1);
    rc = md_store_exec(ctx->db,
                       "SELECT rule, status FROM clinic_rules WHERE clinic_id = $1 AND id = $2 AND "
                       "current = 1",
                       v, 2, collect_rule, &rr, err);
    cur = json_array_get(rr.rules, 0);
    /* The rule and status the new version will have: given, or kept from the current one. */
    const char *status = json_string_value(json_object_get(in, "status"));
    if (!status) status = json_string_value(json_array_get(rr.ids, 0));
    const char *rule_id = json_object_get(in, "rule")
                              ? rule_id_of(in)
                              : json_string_value(json_object_get(cur, "id"));
    if (rc == MD_OK && cur && status && strcmp(status, "active") == 0)
        rc = rule_id_free(ctx, rule_id, id, err);
    if (rc == MD_OK) rc = md_record_update(ctx, &md_kind_clinic_rule, NULL, id, in, out, err);
    rule_rows_free(&rr);
    return md_write_finish(ctx, rc, err);
}

md_code md_clinic_rules_list(md_ctx *ctx, json_t **out, md_err *err)
{
    const md_ruleset *rs;
    md_ruleset *owned = NULL;
    md_clinic_ruleset_error broken;
    md_code rc = md_record_list(ctx, &md_kind_clinic_rule, NULL, 1, out, err);
    if (rc == MD_OK) rc = md_clinic_ruleset(ctx, &rs, &owned, &broken, err);
    if (rc == MD_OK) json_object_set_new(*out, "rule_set", md_clinic_ruleset_error_json(&broken));
    md_ruleset_free(owned);
    return rc;
}

static md_code check_clinic_rule_json(const md_ctx *ctx, json_t *value, const char *field,
                                      md_err *err)
{
    (void)field;
    if (!ctx->kb) return md_err_set(err, MD_EINTERNAL, NULL, "no knowledge base loaded");
    return md_kb_validate_clinic_rule(ctx->kb, value, err);
}

/* The new rule must also compile together with the clinic's other active rules. */
static md_code check_clinic_rule(md_ctx *ctx, json_t *rec, md_err *err)
{
    json_t *rules = NULL;
    md_ruleset *rs = NULL;
    const char *status = json_string_value(json_object_get(rec, "status"));
    if (status && strcmp(status, "active") != 0) return MD_OK;
    rule_rows rr;
    md_code rc = active_rules(ctx, &rr, err);
    if (rc != MD_OK) return rc;
    rules = json_incref(rr.rules);
    rule_rows_free(&rr);
    json_t *rule = json_object_get(rec, "rule");
    const char *id = json_string_value(json_object_get(rule, "id"));
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r)
    {
        /* An update replaces the stored version of the same rule. */
        if (id && json_equal(json_object_get(r, "id"), json_object_get(rule, "id"))) {
            json_array_remove(rules, i);
            break;
        }
    }
    json_array_append(rules, rule);
    rc = md_ruleset_compile(ctx->kb, rules, &rs, err);
    if (rc != MD_OK)
        err->field[0] ? (void)0 : (void)md_strlcpy(err->field, "rule", sizeof err->field);
    md_ruleset_free(rs);
    json_decref(rules);
    return rc;
}

static const char *const clinic_rule_status[] = {"active", "retired", NULL};

static const md_field clinic_rule_fields[] = {
    {.name = "rule",
     .type = MD_F_JSON,
     .required = 1,
     .json_check = check_clinic_rule_json,
     .doc = "a rule in the kb/rules.json shape, or {id, raises, class, sources}"},
    {.name = "status",
     .type = MD_F_ENUM,
     .required = 1,
     .values = clinic_rule_status,
     .dflt = "active"},
    {0},
};

const md_record_kind md_kind_clinic_rule = {
    .name = "clinic_rule",
    .table = "clinic_rules",
    .schema = "ClinicRule",
    .title = "clinic rules",
    .read_perm = MD_PERM_CLINICAL_READ,
    .write_perm = MD_PERM_KB_WRITE,
    .fields = clinic_rule_fields,
    .hooks = {.check = check_clinic_rule},
};

/* ---- clearances ---- */

static md_code check_clearance(md_ctx *ctx, json_t *rec, md_err *err)
{
    const md_ruleset *rs;
    md_ruleset *owned = NULL;
    const char *rule = json_string_value(json_object_get(rec, "rule"));
    const char *status = json_string_value(json_object_get(rec, "status"));
    const char *until = json_string_value(json_object_get(rec, "valid_until"));
    md_code rc = md_clinic_ruleset(ctx, &rs, &owned, NULL, err);
    if (rc != MD_OK) return rc;
    md_rule_info info;
    int i = rule ? md_ruleset_find(rs, rule) : -1;
    if (i < 0 || md_ruleset_rule(rs, (size_t)i, &info) != 0)
        rc = md_err_set(err, MD_EUNPROCESSABLE, "rule", "unknown rule '%s'", rule ? rule : "");
    else if (info.cls != MD_CLASS_CLEARANCE_REQUIRED)
        rc = md_err_set(err, MD_EUNPROCESSABLE, "rule",
                        "rule %s is %s: only a clearance_required finding can be cleared", rule,
                        md_class_name(info.cls));
    md_day d;
    if (rc == MD_OK && (!status || strcmp(status, "active") == 0) && until &&
        md_date_parse(until, &d) == 0 && d < md_today_utc())
        rc = md_err_set(err, MD_EUNPROCESSABLE, "valid_until", "valid_until %s is in the past",
                        until);
    md_ruleset_free(owned);
    return rc;
}

static const char *const clearance_status[] = {"active", "revoked", "entered_in_error", NULL};

static const md_field clearance_fields[] = {
    {.name = "rule",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 128,
     .doc = "id of a clearance_required rule"},
    {.name = "clearance_reason", .type = MD_F_TEXT, .required = 1, .max_len = 1000},
    {.name = "physician", .type = MD_F_TEXT, .required = 1, .max_len = 200},
    {.name = "valid_until", .type = MD_F_DATE, .required = 1},
    {.name = "status",
     .type = MD_F_ENUM,
     .required = 1,
     .values = clearance_status,
     .dflt = "active"},
    {0},
};

const md_record_kind md_kind_clearance = {
    .name = "clearance",
    .table = "clearances",
    .collection = "clearances",
    .schema = "Clearance",
    .title = "clearances",
    .parent = &md_kind_patient,
    .has_parent = 1,
    .flags = MD_KIND_ROUTES,
    .read_perm = MD_PERM_CLINICAL_READ,
    .write_perm = MD_PERM_CLEARANCE_WRITE,
    .fields = clearance_fields,
    .status_field = "status",
    .hooks = {.check = check_clearance},
};

/* ---- gathering the stored facts ---- */

const md_record_kind *const md_screening_fact_kinds[] = {&md_kind_allergy,
                                                         &md_kind_allergy_statement,
                                                         &md_kind_condition,
                                                         &md_kind_medication,
                                                         &md_kind_status,
                                                         &md_kind_clearance,
                                                         &md_kind_patch_test,
                                                         &md_kind_patch_test_reading,
                                                         NULL};

typedef struct gather {
    md_ctx *ctx;
    md_screen_input *in;
    int found;
    md_err *err;
    md_code rc;
} gather;

static const char *dup(gather *g, const char *s)
{
    if (!s) return NULL;
    const char *d = md_arena_strdup(g->ctx->arena, s);
    if (!d) g->rc = md_err_set(g->err, MD_ENOMEM, NULL, "out of memory");
    return d;
}

static int day_of(const char *s, md_day *out)
{
    return s && md_date_parse(s, out) == 0;
}

static int patient_row(void *vg, const md_row *r)
{
    gather *g = vg;
    g->found = 1;
    day_of(md_row_text(r, 0), &g->in->birth_date);
    g->in->sex = dup(g, md_row_text(r, 1));
    g->in->fitzpatrick = md_row_is_null(r, 2) ? 0 : (int)md_row_int(r, 2);
    g->in->jurisdiction = dup(g, md_row_text(r, 3));
    return 1;
}

/* A stored answer: "yes", "no" or "not_sure" (screening reads not sure as unknown). */
static signed char answer_of(const char *s)
{
    if (!s) return MD_TRI_UNKNOWN;
    if (strcmp(s, "yes") == 0) return MD_TRI_YES;
    if (strcmp(s, "no") == 0) return MD_TRI_NO;
    return strcmp(s, "not_sure") == 0 ? MD_TRI_NOT_SURE : MD_TRI_UNKNOWN;
}

static int status_row(void *vg, const md_row *r)
{
    gather *g = vg;
    g->in->pregnant = answer_of(md_row_text(r, 0));
    g->in->breastfeeding = answer_of(md_row_text(r, 1));
    return 1;
}

static int allergy_statement_row(void *vg, const md_row *r)
{
    gather *g = vg;
    (void)r;
    g->in->no_known_allergies = MD_TRI_YES;
    return 1;
}

/* Grow one of the input's arrays by one element from the arena. */
static void *grow(gather *g, void *arr, size_t n, size_t elem)
{
    if (n >= MD_SCREEN_MAX_ITEMS) {
        g->rc = md_err_set(g->err, MD_ETOOBIG, NULL, "more than %d facts of one kind",
                           MD_SCREEN_MAX_ITEMS);
        return NULL;
    }
    void *na = md_arena_alloc(g->ctx->arena, (n + 1) * elem);
    if (!na) {
        g->rc = md_err_set(g->err, MD_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    if (n) memcpy(na, arr, n * elem);
    memset((char *)na + n * elem, 0, elem);
    return na;
}

static int condition_row(void *vg, const md_row *r)
{
    gather *g = vg;
    md_screen_condition *a = grow(g, g->in->conditions, g->in->n_conditions, sizeof *a);
    if (!a) return 1;
    md_screen_condition *c = &a[g->in->n_conditions];
    c->code = dup(g, md_row_text(r, 0));
    c->active = md_row_int(r, 1) ? MD_TRI_YES : MD_TRI_NO;
    c->site = dup(g, md_row_text(r, 2));
    g->in->conditions = a;
    g->in->n_conditions++;
    return g->rc != MD_OK;
}

static int medication_row(void *vg, const md_row *r)
{
    gather *g = vg;
    md_screen_medication *a = grow(g, g->in->medications, g->in->n_medications, sizeof *a);
    if (!a) return 1;
    md_screen_medication *m = &a[g->in->n_medications];
    m->code = dup(g, md_row_text(r, 0));
    m->has_last_dose = day_of(md_row_text(r, 1), &m->last_dose);
    m->name = dup(g, md_row_text(r, 2));
    g->in->medications = a;
    g->in->n_medications++;
    return g->rc != MD_OK;
}

static int allergy_row(void *vg, const md_row *r)
{
    gather *g = vg;
    md_screen_allergy *a = grow(g, g->in->allergies, g->in->n_allergies, sizeof *a);
    if (!a) return 1;
    a[g->in->n_allergies].substance = dup(g, md_row_text(r, 0));
    g->in->allergies = a;
    g->in->n_allergies++;
    return g->rc != MD_OK;
}

static int clearance_row(void *vg, const md_row *r)
{
    gather *g = vg;
    md_screen_clearance *a = grow(g, g->in->clearances, g->in->n_clearances, sizeof *a);
    if (!a) return 1;
    md_screen_clearance *c = &a[g->in->n_clearances];
    c->rule = dup(g, md_row_text(r, 0));
    day_of(md_row_text(r, 1), &c->valid_until);
    c->id = dup(g, md_row_text(r, 2));
    c->reason = dup(g, md_row_text(r, 3));
    c->physician = dup(g, md_row_text(r, 4));
    g->in->clearances = a;
    g->in->n_clearances++;
    return g->rc != MD_OK;
}

static md_code gather_facts(md_ctx *ctx, const char *pid, md_screen_input *in, md_err *err)
{
    gather g = {ctx, in, 0, err, MD_OK};
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(pid)};
    static const struct {
        const char *sql;
        md_row_fn fn;
    } queries[] = {
        {"SELECT p.birth_date, p.sex, p.fitzpatrick, c.jurisdiction FROM patients p JOIN clinics "
         "c ON c.clinic_id = p.clinic_id WHERE p.clinic_id = $1 AND p.id = $2 AND p.current = 1",
         patient_row},
        {"SELECT pregnant, breastfeeding FROM patient_status WHERE clinic_id = $1 AND "
         "patient_id = $2 AND current = 1 AND status <> 'entered_in_error' "
         "ORDER BY recorded_at DESC, id",
         status_row},
        {"SELECT code, active, site FROM conditions WHERE clinic_id = $1 AND patient_id = $2 AND "
         "current = 1 AND status <> 'entered_in_error' ORDER BY recorded_at, id",
         condition_row},
        /* Stopped medications still count: the washout runs from their last dose. */
        {"SELECT code, last_dose, name FROM medications WHERE clinic_id = $1 AND patient_id = $2 "
         "AND "
         "current = 1 AND status <> 'entered_in_error' ORDER BY recorded_at, id",
         medication_row},
        {"SELECT substance FROM allergies WHERE clinic_id = $1 AND patient_id = $2 AND "
         "current = 1 AND status = 'active' ORDER BY recorded_at, id",
         allergy_row},
        /* "No known allergies", asked and recorded (an allergy on record outweighs it). */
        {"SELECT statement FROM allergy_statements WHERE clinic_id = $1 AND patient_id = $2 AND "
         "current = 1 AND status = 'confirmed' AND statement = 'no_known_allergies'",
         allergy_statement_row},
        {"SELECT rule, valid_until, id, clearance_reason, physician FROM clearances WHERE "
         "clinic_id = $1 AND "
         "patient_id = $2 AND current = 1 AND status = 'active' ORDER BY recorded_at, id",
         clearance_row},
    };
    /* One snapshot: the facts are read as they stood at one moment. */
    md_code rc = md_store_snapshot_begin(ctx->db, err);
    for (size_t i = 0; rc == MD_OK && i < sizeof queries / sizeof queries[0]; i++) {
        rc = md_store_exec(ctx->db, queries[i].sql, v, 2, queries[i].fn, &g, err);
        if (rc == MD_OK) rc = g.rc;
        if (rc == MD_OK && i == 0 && !g.found)
            rc = md_err_set(err, MD_ENOTFOUND, NULL, "no such patient");
    }
    /* The patient's patch tests, in the same snapshot (patch_test.c computes outcomes). */
    if (rc == MD_OK) rc = md_patch_tests_for_screening(ctx, pid, in, err);
    md_store_snapshot_end(ctx->db);
    return rc;
}

/* plan: {"areas":[...],"ingredients":[...]} -> the input's planned lists. */
static md_code plan_lists(md_ctx *ctx, json_t *plan, md_screen_input *in, md_err *err)
{
    static const char *const keys[] = {"areas", "ingredients", NULL};
    md_code rc = md_json_check_keys(plan, keys, "plan.", err);
    if (rc != MD_OK) return rc;
    for (int k = 0; k < 2; k++) {
        char field[32];
        snprintf(field, sizeof field, "plan.%s", keys[k]);
        json_t *arr = json_object_get(plan, keys[k]);
        if (!json_is_array(arr))
            return md_err_set(err, MD_EINVAL, field, "%s must be an array of codes", field);
        size_t n = json_array_size(arr);
        if (n > MD_SCREEN_MAX_ITEMS)
            return md_err_set(err, MD_ETOOBIG, field, "at most %d entries", MD_SCREEN_MAX_ITEMS);
        const char **list = md_arena_calloc(ctx->arena, (n ? n : 1) * sizeof *list);
        if (!list) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        for (size_t i = 0; i < n; i++) {
            json_t *s = json_array_get(arr, i);
            if (!json_is_string(s))
                return md_err_set(err, MD_EINVAL, field, "%s[%zu] must be a string", field, i);
            list[i] = json_string_value(s);
        }
        if (k == 0) {
            in->areas = list;
            in->n_areas = n;
        } else {
            in->ingredients = list;
            in->n_ingredients = n;
        }
    }
    return MD_OK;
}

/* A stored clearance stops applying when its rule no longer asks for one (a clinic raised
 * the rule above clearance_required, or a kb update removed it): it is left out. */
static void keep_applicable_clearances(const md_ruleset *rs, md_screen_input *in)
{
    size_t kept = 0;
    for (size_t i = 0; i < in->n_clearances; i++) {
        md_rule_info info;
        int r = md_ruleset_find(rs, in->clearances[i].rule);
        if (r >= 0 && md_ruleset_rule(rs, (size_t)r, &info) == 0 &&
            info.cls == MD_CLASS_CLEARANCE_REQUIRED)
            in->clearances[kept++] = in->clearances[i];
    }
    in->n_clearances = kept;
}

/* ---- the screening record ---- */

#define SCREENING_COLUMNS                                                                          \
    "id, patient_id, screen_date, plan, decision, result, kb_version, kb_hash, screened_by, "      \
    "screened_at"

static int screening_row(void *ctx, const md_row *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(md_row_text(r, 0)));
    json_object_set_new(o, "patient_id", json_string(md_row_text(r, 1)));
    json_object_set_new(o, "date", json_string(md_row_text(r, 2)));
    json_t *plan = json_loads(md_row_text(r, 3), 0, NULL);
    json_object_set_new(o, "plan", plan ? plan : json_null());
    json_object_set_new(o, "decision", json_string(md_row_text(r, 4)));
    json_t *result = json_loads(md_row_text(r, 5), 0, NULL);
    json_object_set_new(o, "result", result ? result : json_null());
    json_object_set_new(
        o, "kb", json_pack("{s:s,s:s}", "version", md_row_text(r, 6), "hash", md_row_text(r, 7)));
    json_object_set_new(o, "screened_by", json_string(md_row_text(r, 8)));
    json_object_set_new(o, "screened_at", json_string(md_row_text(r, 9)));
    json_array_append_new((json_t *)ctx, o);
    return 0;
}

static md_code screening_query(md_ctx *ctx, const char *where, const char *key, json_t **items,
                               md_err *err)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT " SCREENING_COLUMNS " FROM screenings WHERE clinic_id = $1 AND %s", where);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(key)};
    *items = json_array();
    md_code rc = md_store_exec(ctx->db, sql, v, 2, screening_row, *items, err);
    if (rc != MD_OK) {
        json_decref(*items);
        *items = NULL;
    }
    return rc;
}

md_code md_screening_create(md_ctx *ctx, json_t *in, json_t **out, md_err *err)
{
    static const char *const keys[] = {"patient_id", "date", "plan", NULL};
    const char *pid, *date;
    md_screen_input input;
    md_screen_result result;
    const md_ruleset *rs = NULL;
    md_ruleset *owned = NULL;
    json_t *rj = NULL, *items = NULL;
    char *plan_text = NULL, *result_text = NULL;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ | MD_PERM_CLINICAL_WRITE, err);
    if (rc == MD_OK) rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK) rc = md_json_text(in, "patient_id", 1, 64, &pid, err);
    md_screen_input_init(&input);
    if (rc == MD_OK) rc = md_json_date(in, "date", 1, &date, &input.date, err);
    json_t *plan = json_object_get(in, "plan");
    if (rc == MD_OK && !json_is_object(plan))
        rc =
            md_err_set(err, MD_EINVAL, "plan", "plan must be an object with areas and ingredients");
    if (rc == MD_OK && (rc = md_patient_exists(ctx, pid, err)) == MD_ENOTFOUND)
        md_strlcpy(err->field, "patient_id", sizeof err->field);
    if (rc == MD_OK) rc = plan_lists(ctx, plan, &input, err);
    if (rc == MD_OK) rc = gather_facts(ctx, pid, &input, err);
    md_clinic_ruleset_error broken;
    if (rc == MD_OK) rc = md_clinic_ruleset(ctx, &rs, &owned, &broken, err);
    if (rc == MD_OK && broken.broken)
        input.ruleset_error = md_arena_strdup(ctx->arena, broken.message);
    if (rc == MD_OK) keep_applicable_clearances(rs, &input);
    if (rc == MD_OK) rc = md_screen_resolve(rs, &input, ctx->arena, err);
    if (rc == MD_OK) rc = md_screen_evaluate(rs, &input, ctx->arena, &result, err);
    if (rc == MD_OK && !(rj = md_screen_result_to_json(&result)))
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc != MD_OK) goto done;

    char id[MD_ID_STR], now[MD_TIME_STR];
    md_id_new(id);
    md_time_format(md_now(), now);
    plan_text = json_dumps(plan, JSON_COMPACT | JSON_SORT_KEYS);
    result_text = json_dumps(rj, JSON_COMPACT);
    const md_kb *kb = md_ruleset_kb(rs);
    md_val v[] = {md_text(ctx->who.clinic_id),
                  md_text(id),
                  md_text(pid),
                  md_text(date),
                  md_text(plan_text),
                  md_text(json_string_value(json_object_get(rj, "decision"))),
                  md_text(result_text),
                  md_text(md_kb_version(kb)),
                  md_text(md_kb_hash(kb)),
                  md_text(md_actor_id(ctx)),
                  md_text(now),
                  md_int(md_now_us())};
    if (!plan_text || !result_text) {
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        goto done;
    }
    md_audit_entry a = {"create", "screening", id, pid,
                        json_string_value(json_object_get(rj, "decision"))};
    if ((rc = md_write_begin(ctx, err)) != MD_OK) goto done;
    rc = md_store_exec(ctx->db,
                       "INSERT INTO screenings (clinic_id, id, patient_id, screen_date, plan, "
                       "decision, result, kb_version, kb_hash, screened_by, screened_at, "
                       "screened_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                       v, 12, NULL, NULL, err);
    if (rc == MD_OK) rc = md_audit(ctx, &a, err);
    if ((rc = md_write_finish(ctx, rc, err)) != MD_OK) goto done;
    if ((rc = screening_query(ctx, "id = $2", id, &items, err)) != MD_OK) goto done;
    *out = json_incref(json_array_get(items, 0));
done:
    json_decref(items);
    json_decref(rj);
    free(plan_text);
    free(result_text);
    md_ruleset_free(owned);
    return rc;
}

md_code md_screening_list(md_ctx *ctx, const char *patient_id, json_t **out, md_err *err)
{
    json_t *items = NULL;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK) rc = md_patient_exists(ctx, patient_id, err);
    if (rc == MD_OK)
        rc = screening_query(ctx, MD_PATIENT_SCOPE " ORDER BY screened_us DESC, id", patient_id,
                             &items, err);
    if (rc != MD_OK) return rc;
    md_audit_entry a = {"read", "screening", "*", patient_id, "list"};
    if ((rc = md_audit(ctx, &a, err)) != MD_OK) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return MD_OK;
}

md_code md_screening_get(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    json_t *items = NULL;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK) rc = screening_query(ctx, "id = $2", id, &items, err);
    if (rc != MD_OK) return rc;
    json_t *s = json_array_get(items, 0);
    if (!s) {
        json_decref(items);
        return md_err_set(err, MD_ENOTFOUND, "id", "no such screening");
    }
    md_audit_entry a = {"read", "screening", id,
                        json_string_value(json_object_get(s, "patient_id")), NULL};
    if ((rc = md_audit(ctx, &a, err)) == MD_OK) *out = json_incref(s);
    json_decref(items);
    return rc;
}

/* ---- the facts, for other evaluations (the formulation builder) ---- */

md_code md_screening_gather(md_ctx *ctx, const char *patient_id, const md_ruleset *rs,
                            md_screen_input *in, md_err *err)
{
    md_code rc = gather_facts(ctx, patient_id, in, err);
    if (rc == MD_OK) keep_applicable_clearances(rs, in);
    return rc;
}
