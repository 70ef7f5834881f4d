/*
 * complication.c - complications of a patient, the suspects they name, the proposal of
 * suspects, and their follow-up tasks (complication.h; kinds "complication" and
 * "complication_followup").
 *
 * Lifecycle of one complication (every arrow a new version with who, when and why):
 *
 *   record --> open --amend {reason}--> open ... --amend {status closed}--> closed
 *                \--amend {status entered_in_error, reason}--> entered_in_error
 *
 * A follow-up task:  open --done--> done;  open --cancelled {note}--> cancelled.  The
 * tasks of the kb schedule are made in the write of the record (due on the day of
 * recording + each schedule day); an amendment to another code cancels the open ones
 * and makes the new code's; closing or entering in error cancels the open ones.
 *
 * A record, in order (nothing is stored until every check passed):
 *   1. the caller may record clinical facts (MD_PERM_CLINICAL_WRITE); only known members
 *      (resolution_due and followup_until are derived, never given);
 *   2. the patient: patient_id, or the session's (session_id: of the caller's clinic,
 *      else 404; of another patient than patient_id, 422 naming "session_id");
 *   3. the suspects: given, or the session's administrations with their lots, vials,
 *      products and ingredients; every id of the clinic and the patient's (422 naming
 *      "suspects.<kind>[i]"), ingredients from the kb;
 *   4. the record engine's checks (kb code, grade 1..5, seriousness true/false/null, red
 *      flags from the kb, an outcome that needs a date has one, no date in the future) and
 *      the onset not before the earliest suspect session's day ("onset_on");
 *   5. one write: the version (record engine, audited), its suspects' rows, the follow-up
 *      tasks, and md_escalation_raise for grade >= 3 and for red flags.
 *
 * Derived: resolution_due = onset_on + the kb's resolution_max_days; followup_until =
 * onset_on + the kb's followup_days.
 * Reads need MD_PERM_CLINICAL_READ and are audited by the engine.
 */
#include "mesodesk/complication.h"
#include "mesodesk/audit.h"
#include "mesodesk/clinic.h"
#include "mesodesk/commit.h"
#include "mesodesk/principal.h"
#include "mesodesk/store.h"
#include "mesodesk/validate.h"
#include "record_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const outcomes[] = {"recovering",   "resolved", "resolved_with_sequelae",
                                       "not_resolved", "fatal",    NULL};
static const char *const sources[] = {"staff", "checkin", NULL};
static const char *const statuses[] = {"open", "closed", "entered_in_error", NULL};
static const char *const fu_statuses[] = {"open", "done", "cancelled", "entered_in_error", NULL};
static const char *const seriousness_keys[] = {"death",
                                               "life_threatening",
                                               "hospitalisation",
                                               "disability",
                                               "congenital_anomaly",
                                               "required_intervention",
                                               "other_serious",
                                               NULL};
static const char *const detail_keys[] = {"weight_kg",   "relevant_history", "tests", "dechallenge",
                                          "rechallenge", "other_medicines",  NULL};
/* The members of "suspects" and the kind of their rows in complication_suspects. */
static const char *const suspect_keys[] = {"sessions", "administrations", "lots", "vials",
                                           "products", "ingredients",     NULL};
static const char *const suspect_kinds[] = {"session", "administration", "lot", "vial",
                                            "product", "ingredient",     NULL};
#define SUSPECTS_MAX 64 /* ids of one kind */

/* ---- the kinds --------------------------------------------------------------------------- */

static md_code check_seriousness(const md_ctx *ctx, json_t *v, const char *field, md_err *err)
{
    (void)ctx;
    const char *k;
    json_t *e;
    char f[MD_JSON_PATH_MAX];
    md_code rc = md_json_check_keys(v, seriousness_keys, "seriousness.", err);
    if (rc != MD_OK) return rc;
    json_object_foreach(v, k, e)
    {
        md_json_path(f, field, k);
        if (!json_is_boolean(e) && !json_is_null(e))
            return md_err_set(err, MD_EINVAL, f, "%s must be true, false or null (not assessed)",
                              f);
    }
    return MD_OK;
}

static md_code check_details(const md_ctx *ctx, json_t *v, const char *field, md_err *err)
{
    (void)ctx, (void)field;
    return md_json_check_keys(v, detail_keys, "details.", err);
}

/* Each suspect list an array of ids (ingredients: kb codes, made canonical). */
static md_code check_suspects(const md_ctx *ctx, json_t *v, const char *field, md_err *err)
{
    md_code rc = md_json_check_keys(v, suspect_keys, "suspects.", err);
    for (int k = 0; rc == MD_OK && suspect_keys[k]; k++) {
        json_t *arr = json_object_get(v, suspect_keys[k]);
        char f[MD_JSON_PATH_MAX], ef[MD_JSON_PATH_MAX];
        md_json_path(f, field, suspect_keys[k]);
        if (!arr || json_is_null(arr)) continue;
        if (!json_is_array(arr) || json_array_size(arr) > SUSPECTS_MAX)
            return md_err_set(err, MD_EINVAL, f, "%s must be an array of at most %d", f,
                              SUSPECTS_MAX);
        for (size_t i = 0; rc == MD_OK && i < json_array_size(arr); i++) {
            const char *s = json_string_value(json_array_get(arr, i));
            md_json_path_index(ef, f, i);
            if (strcmp(suspect_keys[k], "ingredients") == 0) {
                const char *canon = NULL;
                if (!s) return md_err_set(err, MD_EINVAL, ef, "%s must be a kb ingredient", ef);
                rc = md_vocab_resolve(ctx, MD_VOCAB_INGREDIENT, ef, s, &canon, err);
                if (rc == MD_OK) json_array_set_new(arr, i, json_string(canon));
            } else if (!s || !md_id_valid(s)) {
                return md_err_set(err, MD_EINVAL, ef, "%s must be an id", ef);
            }
        }
    }
    return rc;
}

static md_code check_actions(const md_ctx *ctx, json_t *v, const char *field, md_err *err)
{
    (void)ctx;
    static const char *const keys[] = {"action", "at", "by", "note", NULL};
    char f[MD_JSON_PATH_MAX], pf[MD_JSON_PATH_MAX + 1];
    if (json_array_size(v) > 64)
        return md_err_set(err, MD_EINVAL, field, "%s: at most 64 actions", field);
    for (size_t i = 0; i < json_array_size(v); i++) {
        json_t *a = json_array_get(v, i);
        const char *s = NULL;
        md_json_path_index(f, field, i);
        snprintf(pf, sizeof pf, "%s.", f);
        if (!json_is_object(a)) return md_err_set(err, MD_EINVAL, f, "%s must be an object", f);
        md_code rc = md_json_check_keys(a, keys, pf, err);
        if (rc == MD_OK) rc = md_json_text(a, "action", 1, 500, &s, err);
        if (rc == MD_OK) rc = md_json_text(a, "note", 0, 2000, &s, err);
        if (rc == MD_OK) rc = md_json_text(a, "by", 0, 64, &s, err);
        if (rc == MD_OK) rc = md_json_text(a, "at", 0, 20, &s, err);
        if (rc != MD_OK) {
            char nf[MD_JSON_PATH_MAX];
            md_json_path(nf, f, err ? err->field : "");
            if (err && md_err_is_field(err)) md_strlcpy(err->field, nf, sizeof err->field);
            return rc;
        }
    }
    return MD_OK;
}

static md_code check_red_flags(const md_ctx *ctx, json_t *v, const char *field, md_err *err)
{
    char f[MD_JSON_PATH_MAX];
    if (json_array_size(v) > 16)
        return md_err_set(err, MD_EINVAL, field, "%s: at most 16 red flags", field);
    for (size_t i = 0; i < json_array_size(v); i++) {
        const char *s = json_string_value(json_array_get(v, i));
        md_json_path_index(f, field, i);
        if (!s) return md_err_set(err, MD_EINVAL, f, "%s must be a kb red flag code", f);
        if (ctx->kb && !md_kb_red_flag_known(ctx->kb, s, NULL))
            return md_err_set(err, MD_EUNPROCESSABLE, f, "%s: unknown red flag '%s'", f, s);
    }
    return MD_OK;
}

/* Today in the clinic's zone (UTC when the clinic cannot be read). */
static md_day clinic_today(md_ctx *ctx)
{
    char zone[MD_ZONE_STR];
    md_day today = md_today_utc();
    md_err e;
    if (md_clinic_zone(ctx, zone, &today, &e) != MD_OK) today = md_today_utc();
    return today;
}

static int date_of(json_t *rec, const char *key, md_day *d)
{
    const char *s = json_string_value(json_object_get(rec, key));
    return s && md_date_parse(s, d) == 0;
}

/* Cross-field checks on the whole record. */
static md_code check_complication(md_ctx *ctx, json_t *rec, md_err *err)
{
    const char *code = json_string_value(json_object_get(rec, "code"));
    const char *outcome = json_string_value(json_object_get(rec, "outcome"));
    md_day onset, out_on, today = clinic_today(ctx);
    int has_onset = date_of(rec, "onset_on", &onset), has_out = date_of(rec, "outcome_on", &out_on);
    if (code && ctx->kb && !md_kb_complication_find(ctx->kb, code))
        return md_err_set(err, MD_EUNPROCESSABLE, "code",
                          "unknown complication '%s' (GET /api/v1/kb/complications lists them)",
                          code);
    if (has_onset && onset > today)
        return md_err_set(err, MD_EUNPROCESSABLE, "onset_on", "onset_on is in the future");
    if (outcome && !has_out && strcmp(outcome, "recovering") != 0 &&
        strcmp(outcome, "not_resolved") != 0)
        return md_err_set(err, MD_EUNPROCESSABLE, "outcome_on",
                          "an outcome '%s' needs the date it was reached (outcome_on)", outcome);
    if (has_out && out_on > today)
        return md_err_set(err, MD_EUNPROCESSABLE, "outcome_on", "outcome_on is in the future");
    if (has_out && has_onset && out_on < onset)
        return md_err_set(err, MD_EUNPROCESSABLE, "outcome_on", "outcome_on is before onset_on");
    return MD_OK;
}

static const md_field complication_fields[] = {
    {.name = "code",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 63,
     .doc = "a kb complication code (GET /api/v1/kb/complications)"},
    {.name = "onset_on",
     .type = MD_F_DATE,
     .required = 1,
     .doc = "clinic day; not before the earliest suspect session's day, not in the future"},
    {.name = "description", .type = MD_F_TEXT, .max_len = 4000},
    {.name = "grade",
     .type = MD_F_INT,
     .min = 1,
     .max = 5,
     .doc = "CTCAE v5 'injection site reaction' grade 1..5"},
    {.name = "seriousness",
     .type = MD_F_JSON,
     .json_check = check_seriousness,
     .doc = "MedWatch/Yellow Card criteria, each true, false or null (not assessed)"},
    {.name = "suspects",
     .type = MD_F_JSON,
     .json_check = check_suspects,
     .doc = "sessions, administrations, lots, vials, products (ids) and ingredients (kb codes)"},
    {.name = "actions",
     .type = MD_F_JSON,
     .array = 1,
     .json_check = check_actions,
     .doc = "[{action, at, by, note}]: what was done"},
    {.name = "outcome", .type = MD_F_ENUM, .values = outcomes, .doc = "null: not yet assessed"},
    {.name = "outcome_on",
     .type = MD_F_DATE,
     .doc = "required for resolved, resolved_with_sequelae and fatal"},
    {.name = "red_flags",
     .type = MD_F_JSON,
     .array = 1,
     .json_check = check_red_flags,
     .doc = "kb red flag codes observed"},
    {.name = "resolution_due",
     .type = MD_F_DATE,
     .doc = "derived: onset_on + the kb's expected resolution"},
    {.name = "followup_until",
     .type = MD_F_DATE,
     .doc = "derived: onset_on + the kb's follow-up period"},
    {.name = "details",
     .type = MD_F_JSON,
     .json_check = check_details,
     .doc = "weight_kg, relevant_history, tests, dechallenge, rechallenge, other_medicines"},
    {.name = "source", .type = MD_F_ENUM, .required = 1, .values = sources, .dflt = "staff"},
    {.name = "status", .type = MD_F_ENUM, .required = 1, .values = statuses, .dflt = "open"},
    {0},
};

const md_record_kind md_kind_complication = {
    .name = "complication",
    .table = "complications",
    .schema = "Complication",
    .title = "complications",
    .parent = &md_kind_patient,
    .has_parent = 1,
    .read_perm = MD_PERM_CLINICAL_READ,
    .write_perm = MD_PERM_CLINICAL_WRITE,
    .fields = complication_fields,
    .status_field = "status",
    .hooks = {.check = check_complication},
};

static const md_field followup_fields[] = {
    {.name = "complication_id", .type = MD_F_TEXT, .required = 1, .max_len = 32},
    {.name = "code",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 63,
     .doc = "the complication's code when the task was made"},
    {.name = "due_on", .type = MD_F_DATE, .required = 1},
    {.name = "day",
     .type = MD_F_INT,
     .min = 0,
     .max = 3650,
     .doc = "days after recording (the kb schedule)"},
    {.name = "status", .type = MD_F_ENUM, .required = 1, .values = fu_statuses, .dflt = "open"},
    {.name = "note", .type = MD_F_TEXT, .max_len = 2000},
    {0},
};

const md_record_kind md_kind_complication_followup = {
    .name = "complication_followup",
    .table = "complication_followups",
    .schema = "ComplicationFollowup",
    .title = "complication follow-up tasks",
    .parent = &md_kind_patient,
    .has_parent = 1,
    .read_perm = MD_PERM_CLINICAL_READ,
    .write_perm = MD_PERM_CLINICAL_WRITE,
    .fields = followup_fields,
    .status_field = "status",
};

/* ---- small reads -------------------------------------------------------------------------- */

typedef struct text_row {
    char a[MD_ID_STR], b[MD_DATE_STR];
    int found;
} text_row;

static int two_texts(void *vctx, const md_row *r)
{
    text_row *t = vctx;
    md_strlcpy(t->a, md_row_text(r, 0) ? md_row_text(r, 0) : "", sizeof t->a);
    md_strlcpy(t->b, md_row_text(r, 1) ? md_row_text(r, 1) : "", sizeof t->b);
    t->found = 1;
    return 0;
}

/* The patient (a) and day (b) of a current treatment session of the clinic. */
static md_code session_of(md_ctx *ctx, const char *sid, text_row *t, md_err *err)
{
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(sid)};
    memset(t, 0, sizeof *t);
    if (!md_id_valid(sid)) return MD_OK;
    return md_store_exec(ctx->db,
                         "SELECT patient_id, day FROM treatment_sessions WHERE clinic_id = $1 "
                         "AND id = $2 AND current = 1",
                         v, 2, two_texts, t, err);
}

/* The patient of a current record of table (a constant name). */
static md_code patient_of(md_ctx *ctx, const md_record_kind *k, const char *id, char pid[MD_ID_STR],
                          md_err *err)
{
    char sql[160];
    text_row t = {0};
    snprintf(sql, sizeof sql,
             "SELECT patient_id, patient_id FROM %s WHERE clinic_id = $1 AND id = $2 AND "
             "current = 1",
             k->table);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    md_code rc = md_id_valid(id) ? md_store_exec(ctx->db, sql, v, 2, two_texts, &t, err) : MD_OK;
    if (rc == MD_OK && !t.found) rc = md_err_set(err, MD_ENOTFOUND, "id", "no such %s", k->name);
    if (rc == MD_OK) md_strlcpy(pid, t.a, MD_ID_STR);
    return rc;
}

static int add_unique(json_t *arr, const char *s)
{
    if (!s || !*s) return 0;
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (strcmp(json_string_value(json_array_get(arr, i)), s) == 0) return 0;
    return json_array_append_new(arr, json_string(s));
}

/* Row of the session's administrations: id, lot, vial, product, the product's ingredients. */
static int admin_row(void *vctx, const md_row *r)
{
    json_t *s = vctx;
    add_unique(json_object_get(s, "administrations"), md_row_text(r, 0));
    add_unique(json_object_get(s, "lots"), md_row_text(r, 1));
    add_unique(json_object_get(s, "vials"), md_row_text(r, 2));
    add_unique(json_object_get(s, "products"), md_row_text(r, 3));
    json_t *ing = md_row_text(r, 4) ? json_loads(md_row_text(r, 4), 0, NULL) : NULL;
    for (size_t i = 0; i < json_array_size(ing); i++)
        add_unique(json_object_get(s, "ingredients"),
                   json_string_value(json_object_get(json_array_get(ing, i), "ingredient")));
    json_decref(ing);
    return 0;
}

#define SESSION_DOSES_SQL                                                                          \
    "SELECT a.id, a.lot_id, a.vial_id, a.product_id, p.ingredients, l.lot_number, p.name, "        \
    "a.volume_ml, a.given_at FROM administrations a LEFT JOIN products p ON p.clinic_id = "        \
    "a.clinic_id AND p.id = a.product_id AND p.current = 1 LEFT JOIN lots l ON l.clinic_id = "     \
    "a.clinic_id AND l.id = a.lot_id AND l.current = 1 WHERE a.clinic_id = $1 AND "                \
    "a.patient_id = $2 AND a.current = 1 AND a.context = 'session' AND a.context_id = $3 AND "     \
    "a.status = 'given' ORDER BY a.given_at, a.id"

/* The suspects a session names: itself, its doses, their lots, vials, products and
 * ingredients.  New reference in *out. */
static md_code session_suspects(md_ctx *ctx, const char *pid, const char *sid, json_t **out,
                                md_err *err)
{
    json_t *s = json_pack("{s:[s],s:[],s:[],s:[],s:[],s:[]}", "sessions", sid, "administrations",
                          "lots", "vials", "products", "ingredients");
    if (!s) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(pid), md_text(sid)};
    md_code rc = md_store_exec(ctx->db, SESSION_DOSES_SQL, v, 3, admin_row, s, err);
    if (rc != MD_OK) {
        json_decref(s);
        return rc;
    }
    *out = s;
    return MD_OK;
}

typedef struct id_check {
    char patient[MD_ID_STR], day[MD_DATE_STR];
    int found;
} id_check;

static int id_row(void *vctx, const md_row *r)
{
    id_check *c = vctx;
    c->found = 1;
    if (md_row_columns(r) > 0 && md_row_text(r, 0))
        md_strlcpy(c->patient, md_row_text(r, 0), sizeof c->patient);
    if (md_row_columns(r) > 1 && md_row_text(r, 1))
        md_strlcpy(c->day, md_row_text(r, 1), sizeof c->day);
    return 0;
}

/* Every suspect id exists in the clinic, and sessions and administrations are the patient's;
 * *earliest the earliest suspect session's day (0 when none). */
static md_code suspects_known(md_ctx *ctx, const char *pid, json_t *suspects, md_day *earliest,
                              md_err *err)
{
    static const char *const sql[] = {
        "SELECT patient_id, day FROM treatment_sessions WHERE clinic_id = $1 AND id = $2 AND "
        "current = 1",
        "SELECT patient_id FROM administrations WHERE clinic_id = $1 AND id = $2 AND current = 1",
        "SELECT id FROM lots WHERE clinic_id = $1 AND id = $2 AND current = 1",
        "SELECT id FROM vials WHERE clinic_id = $1 AND id = $2 AND current = 1",
        "SELECT id FROM products WHERE clinic_id = $1 AND id = $2 AND current = 1",
    };
    *earliest = 0;
    for (int k = 0; k < 5; k++) {
        json_t *arr = json_object_get(suspects, suspect_keys[k]);
        for (size_t i = 0; i < json_array_size(arr); i++) {
            const char *id = json_string_value(json_array_get(arr, i));
            id_check c = {{0}, {0}, 0};
            char f[MD_JSON_PATH_MAX], p[MD_JSON_PATH_MAX];
            md_json_path(p, "suspects", suspect_keys[k]);
            md_json_path_index(f, p, i);
            md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
            md_code rc = md_store_exec(ctx->db, sql[k], v, 2, id_row, &c, err);
            if (rc != MD_OK) return rc;
            if (!c.found)
                return md_err_set(err, MD_EUNPROCESSABLE, f, "%s: no such %s in this clinic", f,
                                  suspect_kinds[k]);
            if (k <= 1 && strcmp(c.patient, pid) != 0)
                return md_err_set(err, MD_EUNPROCESSABLE, f, "%s: the %s is another patient's", f,
                                  suspect_kinds[k]);
            md_day d;
            if (k == 0 && md_date_parse(c.day, &d) == 0 && (*earliest == 0 || d < *earliest))
                *earliest = d;
        }
    }
    return MD_OK;
}

/* The derived dates from the kb entry of code and the onset (left out when either is
 * unknown: the engine then names the bad member). */
static void derive(md_ctx *ctx, json_t *rec)
{
    const md_kb_complication *e =
        md_kb_complication_find(ctx->kb, json_string_value(json_object_get(rec, "code")));
    md_day onset;
    char d[MD_DATE_STR];
    if (!e || !date_of(rec, "onset_on", &onset)) return;
    md_date_format(onset + e->resolution_max_days, d);
    json_object_set_new(rec, "resolution_due", json_string(d));
    md_date_format(onset + e->followup_days, d);
    json_object_set_new(rec, "followup_until", json_string(d));
}

/* ---- inside the write ----------------------------------------------------------------------- */

/* The suspects of version `version` of complication c, one row each; earlier rows no longer
 * current.  A complication entered in error keeps rows that are not current. */
static md_code write_suspects(md_ctx *ctx, json_t *c, md_err *err)
{
    const char *id = json_string_value(json_object_get(c, "id"));
    const char *status = json_string_value(json_object_get(c, "status"));
    int current = !status || strcmp(status, "entered_in_error") != 0;
    json_t *suspects = json_object_get(c, "suspects");
    md_val up[] = {md_text(ctx->who.clinic_id), md_text(id)};
    md_code rc = md_store_exec(ctx->db,
                               "UPDATE complication_suspects SET current = 0 WHERE clinic_id = $1 "
                               "AND complication_id = $2 AND current = 1",
                               up, 2, NULL, NULL, err);
    for (int k = 0; rc == MD_OK && suspect_keys[k]; k++) {
        json_t *arr = json_object_get(suspects, suspect_keys[k]);
        for (size_t i = 0; rc == MD_OK && i < json_array_size(arr); i++) {
            md_val v[] = {md_text(ctx->who.clinic_id),
                          md_text(id),
                          md_int(json_integer_value(json_object_get(c, "version"))),
                          md_text(json_string_value(json_object_get(c, "patient_id"))),
                          md_text(suspect_kinds[k]),
                          md_text(json_string_value(json_array_get(arr, i))),
                          md_text(json_string_value(json_object_get(c, "onset_on"))),
                          md_text(json_string_value(json_object_get(c, "code"))),
                          md_int(current)};
            rc = md_store_exec(ctx->db,
                               "INSERT INTO complication_suspects (clinic_id, complication_id, "
                               "version, patient_id, kind, ref_id, onset_on, code, current) "
                               "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                               v, 9, NULL, NULL, err);
            if (rc == MD_ECONFLICT) rc = MD_OK; /* the same id listed twice */
        }
    }
    return rc;
}

/* The open follow-up tasks of complication id (current versions), new reference. */
static md_code followups_of(md_ctx *ctx, const char *id, int open_only, json_t **out, md_err *err)
{
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    json_t *items = NULL;
    md_code rc = md__record_query(
        ctx, &md_kind_complication_followup,
        open_only ? "clinic_id = $1 AND complication_id = $2 AND current = 1 AND status = 'open' "
                    "ORDER BY due_on, id"
                  : "clinic_id = $1 AND complication_id = $2 AND current = 1 ORDER BY due_on, id",
        v, 2, &items, err);
    if (rc == MD_OK) *out = items;
    return rc;
}

/* Cancel the open tasks of complication id (why: the version's reason). */
static md_code cancel_followups(md_ctx *ctx, const char *pid, const char *id, const char *why,
                                md_err *err)
{
    json_t *open = NULL;
    md_code rc = followups_of(ctx, id, 1, &open, err);
    for (size_t i = 0; rc == MD_OK && i < json_array_size(open); i++) {
        json_t *t = json_array_get(open, i), *done = NULL;
        json_t *in = json_pack("{s:s,s:s,s:s,s:I}", "status", "cancelled", "note", why, "reason",
                               why, "version", json_integer_value(json_object_get(t, "version")));
        rc = in ? md_record_update(ctx, &md_kind_complication_followup, pid,
                                   json_string_value(json_object_get(t, "id")), in, &done, err)
                : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        json_decref(in);
        json_decref(done);
    }
    json_decref(open);
    return rc;
}

/* The tasks of the kb schedule of complication c, due from today; appended to made. */
static md_code make_followups(md_ctx *ctx, json_t *c, json_t *made, md_err *err)
{
    const char *code = json_string_value(json_object_get(c, "code"));
    const md_kb_complication *e = md_kb_complication_find(ctx->kb, code);
    md_day today = clinic_today(ctx);
    md_code rc = MD_OK;
    for (size_t i = 0; e && rc == MD_OK && i < e->n_followup_schedule; i++) {
        char due[MD_DATE_STR];
        json_t *t = NULL;
        md_date_format(today + e->followup_schedule[i], due);
        json_t *in = json_pack("{s:s,s:s,s:s,s:i,s:s,s:s}", "complication_id",
                               json_string_value(json_object_get(c, "id")), "code", code, "due_on",
                               due, "day", e->followup_schedule[i], "status", "open", "reason",
                               "the kb follow-up schedule");
        rc = in ? md_record_create(ctx, &md_kind_complication_followup,
                                   json_string_value(json_object_get(c, "patient_id")), in, &t, err)
                : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        if (rc == MD_OK) json_array_append_new(made, t);
        json_decref(in);
    }
    return rc;
}

/* The escalations version c calls for: grade >= 3, any red flag. */
static md_code raise_for(md_ctx *ctx, json_t *c, json_t *raised, md_err *err)
{
    const char *id = json_string_value(json_object_get(c, "id"));
    const char *pid = json_string_value(json_object_get(c, "patient_id"));
    const char *status = json_string_value(json_object_get(c, "status"));
    json_t *grade = json_object_get(c, "grade"), *flags = json_object_get(c, "red_flags");
    md_code rc = MD_OK;
    char eid[MD_ID_STR];
    if (status && strcmp(status, "entered_in_error") == 0) return MD_OK;
    if (json_is_integer(grade) && json_integer_value(grade) >= 3) {
        json_t *d = json_pack("{s:s,s:I}", "code", json_string_value(json_object_get(c, "code")),
                              "grade", json_integer_value(grade));
        rc = md_escalation_raise(ctx, pid, "complication", id, "grade_3_plus", d, eid, err);
        json_decref(d);
        if (rc == MD_OK)
            json_array_append_new(raised,
                                  json_pack("{s:s,s:s}", "id", eid, "reason", "grade_3_plus"));
    }
    if (rc == MD_OK && json_array_size(flags) > 0) {
        json_t *d = json_pack("{s:s,s:O}", "code", json_string_value(json_object_get(c, "code")),
                              "red_flags", flags);
        rc = md_escalation_raise(ctx, pid, "complication", id, "red_flag", d, eid, err);
        json_decref(d);
        if (rc == MD_OK)
            json_array_append_new(raised, json_pack("{s:s,s:s}", "id", eid, "reason", "red_flag"));
    }
    return rc;
}

/* ---- record and amend ------------------------------------------------------------------ */

static md_code check_in_keys(json_t *in, int amend, md_err *err)
{
    const char *allowed[24];
    int n = 0;
    for (int i = 0; complication_fields[i].name; i++)
        if (strcmp(complication_fields[i].name, "resolution_due") != 0 &&
            strcmp(complication_fields[i].name, "followup_until") != 0)
            allowed[n++] = complication_fields[i].name;
    allowed[n++] = "reason";
    if (amend) {
        allowed[n++] = "version";
    } else {
        allowed[n++] = "patient_id";
        allowed[n++] = "session_id";
    }
    allowed[n] = NULL;
    if (!json_is_object(in)) return md_err_set(err, MD_EINVAL, "", "the body must be an object");
    return md_json_check_keys(in, allowed, "", err);
}

/* The onset is not before the earliest suspect session's day; suspects all known. */
static md_code check_suspects_of(md_ctx *ctx, const char *pid, json_t *rec, md_err *err)
{
    md_day earliest = 0, onset;
    json_t *s = json_object_get(rec, "suspects");
    md_code rc = json_is_object(s) ? suspects_known(ctx, pid, s, &earliest, err) : MD_OK;
    if (rc == MD_OK && earliest && date_of(rec, "onset_on", &onset) && onset < earliest) {
        char d[MD_DATE_STR];
        md_date_format(earliest, d);
        rc = md_err_set(err, MD_EUNPROCESSABLE, "onset_on",
                        "onset_on is before the suspect session of %s", d);
    }
    return rc;
}

/* After the version: its suspects, the tasks (new ones when make) and the escalations;
 * members added to c: "followups" (on an amendment every task of the complication) and
 * "escalations" (the entries this version called for). */
static md_code after_version(md_ctx *ctx, json_t *c, int make, int amended, md_err *err)
{
    json_t *tasks = json_array(), *raised = json_array();
    md_code rc = tasks && raised ? write_suspects(ctx, c, err)
                                 : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK && make) rc = make_followups(ctx, c, tasks, err);
    if (rc == MD_OK) rc = raise_for(ctx, c, raised, err);
    if (rc == MD_OK && amended) {
        json_decref(tasks);
        tasks = NULL;
        rc = followups_of(ctx, json_string_value(json_object_get(c, "id")), 0, &tasks, err);
    }
    json_object_set_new(c, "followups", tasks ? tasks : json_array());
    json_object_set_new(c, "escalations", raised ? raised : json_array());
    return rc;
}

md_code md_complication_record(md_ctx *ctx, json_t *in, json_t **out, md_err *err)
{
    char pid[MD_ID_STR] = "";
    const char *sid = NULL, *given_pid = NULL;
    json_t *rec = NULL, *made = NULL;
    text_row sess = {0};
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_WRITE, err);
    if (rc == MD_OK) rc = check_in_keys(in, 0, err);
    if (rc == MD_OK) rc = md_json_text(in, "session_id", 0, 64, &sid, err);
    if (rc == MD_OK) rc = md_json_text(in, "patient_id", !sid, 64, &given_pid, err);
    if (rc == MD_OK && sid) {
        if ((rc = session_of(ctx, sid, &sess, err)) == MD_OK && !sess.found)
            rc = md_err_set(err, MD_ENOTFOUND, "session_id", "no such session");
        if (rc == MD_OK && given_pid && strcmp(given_pid, sess.a) != 0)
            rc = md_err_set(err, MD_EUNPROCESSABLE, "session_id",
                            "the session is another patient's");
        if (rc == MD_OK) md_strlcpy(pid, sess.a, sizeof pid);
    } else if (rc == MD_OK) {
        md_strlcpy(pid, given_pid, sizeof pid);
    }
    if (rc == MD_OK) rc = md_patient_exists(ctx, pid, err);
    if (rc != MD_OK) return rc;
    rec = json_deep_copy(in);
    if (!rec) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    json_object_del(rec, "patient_id");
    json_object_del(rec, "session_id");
    json_t *given = json_object_get(rec, "suspects");
    if (sid && (!given || json_is_null(given))) {
        json_t *s = NULL;
        if ((rc = session_suspects(ctx, pid, sid, &s, err)) == MD_OK)
            json_object_set_new(rec, "suspects", s);
    } else if (sid && json_is_object(given)) {
        json_t *ss = json_object_get(given, "sessions");
        if (!ss) json_object_set_new(given, "sessions", ss = json_array());
        if (json_is_array(ss)) add_unique(ss, sid);
    }
    if (rc == MD_OK) rc = md_record_validate(ctx, &md_kind_complication, rec, err);
    if (rc == MD_OK) rc = check_suspects_of(ctx, pid, rec, err);
    if (rc != MD_OK) goto done;
    derive(ctx, rec);
    if ((rc = md_write_begin(ctx, err)) != MD_OK) goto done;
    rc = md_record_create(ctx, &md_kind_complication, pid, rec, &made, err);
    if (rc == MD_OK) rc = after_version(ctx, made, 1, 0, err);
    if ((rc = md_write_finish(ctx, rc, err)) == MD_OK) {
        *out = made;
        made = NULL;
    }
done:
    json_decref(made);
    json_decref(rec);
    return rc;
}

static int changed(json_t *in, json_t *cur, const char *key)
{
    json_t *a = json_object_get(in, key);
    return a && !json_equal(a, json_object_get(cur, key));
}

md_code md_complication_amend(md_ctx *ctx, const char *id, json_t *in, json_t **out, md_err *err)
{
    char pid[MD_ID_STR];
    json_t *cur = NULL, *rec = NULL, *merged = NULL, *made = NULL;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_WRITE, err);
    if (rc == MD_OK) rc = check_in_keys(in, 1, err);
    if (rc == MD_OK) rc = patient_of(ctx, &md_kind_complication, id, pid, err);
    if (rc == MD_OK) rc = md__record_current(ctx, &md_kind_complication, pid, id, &cur, err);
    if (rc != MD_OK) return rc;
    rec = json_deep_copy(in);
    merged = json_deep_copy(cur);
    if (!rec || !merged) {
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        goto done;
    }
    json_object_update(merged, rec);
    /* The derived dates follow the (new) code and onset. */
    json_object_set(rec, "code", json_object_get(merged, "code"));
    json_object_set(rec, "onset_on", json_object_get(merged, "onset_on"));
    derive(ctx, rec);
    if ((rc = check_suspects_of(ctx, pid, merged, err)) != MD_OK) goto done;
    int new_code = changed(in, cur, "code");
    const char *status = json_string_value(json_object_get(merged, "status"));
    int ends = status && strcmp(status, "open") != 0 &&
               strcmp(json_string_value(json_object_get(cur, "status")), status) != 0;
    const char *reason = json_string_value(json_object_get(in, "reason"));
    if ((rc = md_write_begin(ctx, err)) != MD_OK) goto done;
    rc = md_record_update(ctx, &md_kind_complication, pid, id, rec, &made, err);
    if (rc == MD_OK && (new_code || ends))
        rc = cancel_followups(ctx, pid, id, reason ? reason : "amended", err);
    if (rc == MD_OK) rc = after_version(ctx, made, new_code && !ends, 1, err);
    if ((rc = md_write_finish(ctx, rc, err)) == MD_OK) {
        *out = made;
        made = NULL;
    }
done:
    json_decref(made);
    json_decref(cur);
    json_decref(rec);
    json_decref(merged);
    return rc;
}

/* ---- reads ------------------------------------------------------------------------------ */

md_code md_complication_get(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    char pid[MD_ID_STR];
    json_t *c = NULL, *tasks = NULL;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK) rc = patient_of(ctx, &md_kind_complication, id, pid, err);
    if (rc == MD_OK) rc = md_record_get(ctx, &md_kind_complication, pid, id, &c, err);
    if (rc == MD_OK) rc = followups_of(ctx, id, 0, &tasks, err);
    if (rc != MD_OK) {
        json_decref(c);
        return rc;
    }
    json_object_set_new(c, "followups", tasks);
    *out = c;
    return MD_OK;
}

md_code md_complication_history(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    char pid[MD_ID_STR];
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK) rc = patient_of(ctx, &md_kind_complication, id, pid, err);
    if (rc == MD_OK) rc = md_record_history(ctx, &md_kind_complication, pid, id, out, err);
    return rc;
}

md_code md_complication_list(md_ctx *ctx, const char *patient_id, json_t **out, md_err *err)
{
    json_t *list = NULL;
    md_code rc = md_record_list(ctx, &md_kind_complication, patient_id, 0, &list, err);
    json_t *items = json_object_get(list, "items");
    for (size_t i = 0; rc == MD_OK && i < json_array_size(items); i++) {
        json_t *c = json_array_get(items, i), *tasks = NULL;
        rc = followups_of(ctx, json_string_value(json_object_get(c, "id")), 0, &tasks, err);
        if (rc == MD_OK) json_object_set_new(c, "followups", tasks);
    }
    if (rc != MD_OK) {
        json_decref(list);
        return rc;
    }
    *out = list;
    return MD_OK;
}

/* ---- the proposal ------------------------------------------------------------------------ */

typedef struct prop_ctx {
    json_t *sessions;
    md_kb *kb;
} prop_ctx;

static int session_row(void *vctx, const md_row *r)
{
    prop_ctx *p = vctx;
    json_array_append_new(p->sessions, json_pack("{s:s,s:s,s:s,s:[]}", "id", md_row_text(r, 0),
                                                 "day", md_row_text(r, 1), "practitioner_id",
                                                 md_row_text(r, 2), "administrations"));
    return 0;
}

static int dose_row(void *vctx, const md_row *r)
{
    json_t *list = vctx, *ing = json_array();
    json_t *pi = md_row_text(r, 4) ? json_loads(md_row_text(r, 4), 0, NULL) : NULL;
    for (size_t i = 0; i < json_array_size(pi); i++)
        add_unique(ing, json_string_value(json_object_get(json_array_get(pi, i), "ingredient")));
    json_decref(pi);
    json_array_append_new(
        list, json_pack("{s:s,s:s,s:s?,s:s?,s:s,s:s?,s:o,s:f,s:s}", "id", md_row_text(r, 0),
                        "lot_id", md_row_text(r, 1), "lot_number", md_row_text(r, 5), "vial_id",
                        md_row_text(r, 2), "product_id", md_row_text(r, 3), "product_name",
                        md_row_text(r, 6), "ingredients", ing, "volume_ml",
                        (double)md_row_int(r, 7) / 1000.0, "given_at", md_row_text(r, 8)));
    return 0;
}

md_code md_complication_propose(md_ctx *ctx, const char *patient_id, const char *code,
                                const char *onset_on, json_t **out, md_err *err)
{
    md_day onset;
    char from[MD_DATE_STR], to[MD_DATE_STR];
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ, err);
    if (rc != MD_OK) return rc;
    if (!code || !*code) return md_err_set(err, MD_EINVAL, "code", "code is required");
    const md_kb_complication *e = md_kb_complication_find(ctx->kb, code);
    if (!e) return md_err_set(err, MD_EUNPROCESSABLE, "code", "unknown complication '%s'", code);
    if (!onset_on || !*onset_on)
        return md_err_set(err, MD_EINVAL, "onset_on", "onset_on is required");
    if (md_date_parse(onset_on, &onset) != 0)
        return md_err_set(err, MD_EUNPROCESSABLE, "onset_on", "onset_on must be YYYY-MM-DD");
    if ((rc = md_patient_exists(ctx, patient_id, err)) != MD_OK) return rc;
    md_date_format(onset - e->onset_max_days, from);
    md_date_format(onset - e->onset_min_days, to);
    prop_ctx p = {json_array(), NULL};
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(patient_id), md_text(from), md_text(to)};
    /* By the patient's sessions (index treatment_sessions_patient), never the clinic's. */
    rc = md_store_exec(ctx->db,
                       "SELECT id, day, practitioner_id FROM treatment_sessions WHERE clinic_id = "
                       "$1 AND patient_id = $2 AND current = 1 AND day >= $3 AND day <= $4 AND "
                       "state <> 'cancelled' ORDER BY day DESC, id",
                       v, 4, session_row, &p, err);
    for (size_t i = 0; rc == MD_OK && i < json_array_size(p.sessions); i++) {
        json_t *s = json_array_get(p.sessions, i);
        md_val dv[] = {md_text(ctx->who.clinic_id), md_text(patient_id),
                       md_text(json_string_value(json_object_get(s, "id")))};
        rc = md_store_exec(ctx->db, SESSION_DOSES_SQL, dv, 3, dose_row,
                           json_object_get(s, "administrations"), err);
    }
    md_audit_entry a = {"read", "patient", patient_id, patient_id, "complication proposal"};
    if (rc == MD_OK) rc = md_audit(ctx, &a, err);
    if (rc != MD_OK) {
        json_decref(p.sessions);
        return rc;
    }
    *out = json_pack("{s:s,s:s,s:{s:s,s:s},s:o}", "code", e->code, "onset_on", onset_on, "window",
                     "from", from, "to", to, "sessions", p.sessions);
    return *out ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
}

/* ---- follow-up tasks ---------------------------------------------------------------------- */

md_code md_followup_update(md_ctx *ctx, const char *id, json_t *in, json_t **out, md_err *err)
{
    static const char *const keys[] = {"status", "note", "version", NULL};
    static const char *const to[] = {"done", "cancelled", NULL};
    char pid[MD_ID_STR];
    const char *status = NULL, *note = NULL;
    json_t *cur = NULL;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_WRITE, err);
    if (rc == MD_OK && !json_is_object(in))
        rc = md_err_set(err, MD_EINVAL, "", "the body must be an object");
    if (rc == MD_OK) rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK) rc = md_json_enum(in, "status", 1, to, &status, err);
    if (rc == MD_OK) rc = md_json_text(in, "note", 0, 2000, &note, err);
    if (rc == MD_OK && strcmp(status, "cancelled") == 0 && (!note || !*note))
        rc = md_err_set(err, MD_EINVAL, "note", "a cancelled follow-up says why (note)");
    if (rc == MD_OK) rc = patient_of(ctx, &md_kind_complication_followup, id, pid, err);
    if (rc == MD_OK)
        rc = md__record_current(ctx, &md_kind_complication_followup, pid, id, &cur, err);
    if (rc == MD_OK && strcmp(json_string_value(json_object_get(cur, "status")), "open") != 0)
        rc = md_err_set(err, MD_ECONFLICT, "status", "the follow-up is already %s",
                        json_string_value(json_object_get(cur, "status")));
    json_decref(cur);
    if (rc != MD_OK) return rc;
    json_t *up = json_deep_copy(in);
    if (!up) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    json_object_set_new(
        up, "reason",
        json_string(strcmp(status, "done") == 0 ? "follow-up done" : "follow-up cancelled"));
    rc = md_record_update(ctx, &md_kind_complication_followup, pid, id, up, out, err);
    json_decref(up);
    return rc;
}
