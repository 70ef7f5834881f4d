/*
 * questionnaire.c - one-time pre-consultation questionnaires (see the state
 * machine in questionnaire.h).
 */
#include "mesodesk/questionnaire.h"
#include "mesodesk/audit.h"
#include "mesodesk/commit.h"
#include "mesodesk/auth.h"
#include "mesodesk/clinic.h"
#include "mesodesk/kb.h"
#include "mesodesk/record.h"
#include "mesodesk/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct qrow {
    int found;
    char clinic_id[MD_ID_STR], id[MD_ID_STR], patient_id[MD_ID_STR];
    char status[16];
    int64_t expires_at;
    json_t *json;
} qrow;

static const char *effective_status(const char *status, int64_t expires_at)
{
    return strcmp(status, "pending") == 0 && md_now() > expires_at ? "expired" : status;
}

static int q_row(void *vctx, const md_row *r)
{
    qrow *q = vctx;
    q->found = 1;
    md_strlcpy(q->clinic_id, md_row_text(r, 0), sizeof q->clinic_id);
    md_strlcpy(q->id, md_row_text(r, 1), sizeof q->id);
    md_strlcpy(q->patient_id, md_row_text(r, 2), sizeof q->patient_id);
    md_strlcpy(q->status, md_row_text(r, 3), sizeof q->status);
    q->expires_at = md_row_int(r, 4);
    char exp[MD_TIME_STR];
    md_time_format(q->expires_at, exp);
    json_t *answers = md_row_is_null(r, 5) ? json_null() : json_loads(md_row_text(r, 5), 0, NULL);
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:s?,s:s?,s:s?}", "id", q->id, "patient_id",
                          q->patient_id, "status", effective_status(q->status, q->expires_at),
                          "created_at", md_row_text(r, 6), "expires_at", exp, "answers",
                          answers ? answers : json_null(), "submitted_at", md_row_text(r, 7),
                          "confirmed_by", md_row_text(r, 8), "confirmed_at", md_row_text(r, 9));
    if (q->json) {
        json_array_append_new(q->json, o);
        return 0;
    }
    q->json = o;
    return 1;
}

#define Q_COLUMNS                                                                                  \
    "clinic_id, id, patient_id, status, expires_at, answers, created_at, submitted_at, "           \
    "confirmed_by, confirmed_at"

md_code md_questionnaire_create(md_ctx *ctx, const char *patient_id, json_t *in, json_t **out,
                                md_err *err)
{
    static const char *const keys[] = {"valid_hours", NULL};
    long hours = MD_QUESTIONNAIRE_DEFAULT_HOURS;
    int present;
    /* The link holds no clinical data, so whoever keeps the patient's contact details may
     * send it (reception too); reading and confirming the answers stay clinical. */
    md_code rc = md_require(ctx, MD_PERM_DEMOGRAPHICS_WRITE, err);
    if (rc == MD_OK) rc = md_patient_exists(ctx, patient_id, err);
    if (rc == MD_OK && in) rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK && in) rc = md_json_int(in, "valid_hours", 0, 1, 720, &hours, &present, err);
    if (rc != MD_OK) return rc;
    char token[MD_TOKEN_STR], th[65], id[MD_ID_STR], now[MD_TIME_STR], exp[MD_TIME_STR];
    md_token_new(token);
    md_token_hash(token, th);
    md_id_new(id);
    int64_t t = md_now(), expires = t + hours * 3600;
    md_time_format(t, now);
    md_time_format(expires, exp);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id),  md_text(th),    md_text(patient_id),
                  md_text(md_actor_id(ctx)),   md_text(now), md_int(expires)};
    md_audit_entry a = {"create", "questionnaire", id, patient_id, NULL};
    if ((rc = md_write_begin(ctx, err)) != MD_OK) return rc;
    rc = md_store_exec(ctx->db,
                       "INSERT INTO questionnaires (clinic_id, id, token_hash, patient_id, "
                       "created_by, created_at, expires_at, status) VALUES ($1, $2, $3, $4, $5, "
                       "$6, $7, 'pending')",
                       v, 7, NULL, NULL, err);
    if (rc == MD_OK) rc = md_audit(ctx, &a, err);
    if ((rc = md_write_finish(ctx, rc, err)) != MD_OK) return rc;
    *out = json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", id, "token", token, "path",
                     md_arena_printf(ctx->arena, "/q/%s", token), "expires_at", exp, "status",
                     "pending");
    return MD_OK;
}

md_code md_questionnaire_list(md_ctx *ctx, const char *patient_id, json_t **out, md_err *err)
{
    qrow q = {0};
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK) rc = md_patient_exists(ctx, patient_id, err);
    if (rc != MD_OK) return rc;
    q.json = json_array();
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(patient_id)};
    rc = md_store_exec(ctx->db,
                       "SELECT " Q_COLUMNS " FROM questionnaires WHERE clinic_id = $1 AND "
                       "patient_id = $2 ORDER BY created_at DESC, id",
                       v, 2, q_row, &q, err);
    md_audit_entry a = {"read", "questionnaire", "*", patient_id, "list"};
    if (rc == MD_OK) rc = md_audit(ctx, &a, err);
    if (rc != MD_OK) {
        json_decref(q.json);
        return rc;
    }
    *out = json_pack("{s:o}", "items", q.json);
    return MD_OK;
}

/* Load by token (public side); MD_ENOTFOUND for unknown, used or expired links alike. */
static md_code load_by_token(md_ctx *ctx, const char *token, qrow *q, md_err *err)
{
    char th[65];
    if (!token || strlen(token) >= MD_TOKEN_STR)
        return md_err_set(err, MD_ENOTFOUND, NULL, "this link is not valid");
    md_token_hash(token, th);
    md_val v[] = {md_text(th)};
    md_code rc =
        md_store_exec(ctx->db, "SELECT " Q_COLUMNS " FROM questionnaires WHERE token_hash = $1", v,
                      1, q_row, q, err);
    if (rc != MD_OK) return rc;
    if (!q->found || strcmp(effective_status(q->status, q->expires_at), "pending") != 0)
        return md_err_set(err, MD_ENOTFOUND, NULL,
                          "this link is not valid: it may have expired or been used already");
    md_strlcpy(ctx->who.clinic_id, q->clinic_id, sizeof ctx->who.clinic_id);
    md_strlcpy(ctx->who.staff_id, "patient", sizeof ctx->who.staff_id);
    ctx->who.role = MD_ROLE_NONE;
    return MD_OK;
}

md_code md_questionnaire_open(md_ctx *ctx, const char *token, json_t **out, md_err *err)
{
    qrow q = {0};
    json_t *clinic = NULL;
    char given[128] = "";
    md_code rc = load_by_token(ctx, token, &q, err);
    if (rc == MD_OK) rc = md_clinic_get(ctx->db, q.clinic_id, &clinic, err);
    md_val v[] = {md_text(q.clinic_id), md_text(q.patient_id)};
    if (rc == MD_OK)
        rc = md_store_scalar_text(ctx->db,
                                  "SELECT given_name FROM patients WHERE clinic_id = $1 AND id = "
                                  "$2 AND current = 1",
                                  v, 2, given, sizeof given, err);
    md_audit_entry a = {"open", "questionnaire", q.id, q.patient_id, "patient link"};
    if (rc == MD_OK) rc = md_audit(ctx, &a, err);
    if (rc == MD_OK && !ctx->kb) rc = md_err_set(err, MD_EINTERNAL, NULL, "no knowledge base");
    if (rc == MD_OK) {
        char exp[MD_TIME_STR];
        md_time_format(q.expires_at, exp);
        *out = json_pack("{s:O,s:O*,s:s,s:s,s:{s:o,s:o,s:o,s:o}}", "clinic_name",
                         json_object_get(clinic, "name"), "time_zone",
                         json_object_get(clinic, "time_zone"), "given_name", given, "expires_at", exp,
                         "vocabulary", "conditions", md_vocab_json(ctx->kb, MD_VOCAB_CONDITION),
                         "medications", md_vocab_json(ctx->kb, MD_VOCAB_MEDICATION), "allergies",
                         md_vocab_json(ctx->kb, MD_VOCAB_SUBSTANCE), "areas",
                         md_vocab_json(ctx->kb, MD_VOCAB_AREA));
    }
    json_decref(clinic);
    json_decref(q.json);
    return rc;
}

/* Every answer must be acceptable as the fact it will become, so that confirming cannot
 * fail on the patient's input.  Errors name the answer: "medications[1].code". */
static md_code check_answer_list(md_ctx *ctx, json_t *answers, const char *key,
                                 const md_record_kind *k, md_err *err)
{
    json_t *arr = json_object_get(answers, key);
    if (!arr || json_is_null(arr)) return MD_OK;
    if (!json_is_array(arr) || json_array_size(arr) > 32)
        return md_err_set(err, MD_EINVAL, key, "%s must be a list of at most 32 entries", key);
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        md_code rc = json_is_object(e) ? md_record_validate(ctx, k, e, err)
                                       : md_err_set(err, MD_EINVAL, "", "must be an object");
        if (rc != MD_OK) {
            char field[MD_ERR_FIELD_MAX + 48];
            snprintf(field, sizeof field, "%s[%zu]%s%s", key, i, err->field[0] ? "." : "",
                     err->field);
            md_strlcpy(err->field, field, sizeof err->field);
            return rc;
        }
    }
    return MD_OK;
}

/* A pregnancy or breastfeeding answer: "yes", "no" or "not_sure" (true/false are read as
 * yes/no).  *out is NULL when the question was not answered. */
static md_code answer_of(json_t *answers, const char *key, const char **out, md_err *err)
{
    static const char *const values[] = {"yes", "no", "not_sure", NULL};
    json_t *v = json_object_get(answers, key);
    *out = NULL;
    if (!v || json_is_null(v)) return MD_OK;
    if (json_is_boolean(v)) {
        *out = json_is_true(v) ? "yes" : "no";
        return MD_OK;
    }
    return md_json_enum(answers, key, 0, values, out, err);
}

/* Both pregnancy questions answered, or neither (one answer alone is not a status); "no known
 * allergies" cannot stand beside listed allergies. */
static md_code check_answers(json_t *answers, md_err *err)
{
    const char *preg, *bf;
    int nka = 0, present = 0;
    md_code rc = answer_of(answers, "pregnant", &preg, err);
    if (rc == MD_OK) rc = answer_of(answers, "breastfeeding", &bf, err);
    if (rc == MD_OK && !preg != !bf)
        rc = md_err_set(err, MD_EUNPROCESSABLE, preg ? "breastfeeding" : "pregnant",
                        "answer both the pregnancy and the breastfeeding question (yes, no or not "
                        "sure), or neither");
    if (rc == MD_OK) rc = md_json_bool(answers, "no_known_allergies", 0, &nka, &present, err);
    if (rc == MD_OK && nka && json_array_size(json_object_get(answers, "allergies")) > 0)
        rc = md_err_set(err, MD_EUNPROCESSABLE, "no_known_allergies",
                        "allergies are listed: remove them, or untick \"no known allergies\"");
    return rc;
}

md_code md_questionnaire_submit(md_ctx *ctx, const char *token, json_t *answers, md_err *err)
{
    static const char *const keys[] = {
        "pregnant",  "breastfeeding",      "conditions", "medications",
        "allergies", "no_known_allergies", "notes",      NULL};
    qrow q = {0};
    const char *notes;
    /* Checked and written under the write lock: a link is used once, even under a race. */
    md_code rc = md_write_begin(ctx, err);
    if (rc != MD_OK) return rc;
    rc = load_by_token(ctx, token, &q, err);
    if (rc == MD_OK) rc = md_json_check_keys(answers, keys, "", err);
    if (rc == MD_OK) rc = check_answers(answers, err);
    if (rc == MD_OK) rc = md_json_text(answers, "notes", 0, 2000, &notes, err);
    if (rc == MD_OK) rc = check_answer_list(ctx, answers, "conditions", &md_kind_condition, err);
    if (rc == MD_OK) rc = check_answer_list(ctx, answers, "medications", &md_kind_medication, err);
    if (rc == MD_OK) rc = check_answer_list(ctx, answers, "allergies", &md_kind_allergy, err);
    char *text = rc == MD_OK ? json_dumps(answers, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (rc == MD_OK && !text) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK) {
        char now[MD_TIME_STR];
        md_time_format(md_now(), now);
        md_val v[] = {md_text(text), md_text(now), md_text(q.clinic_id), md_text(q.id)};
        rc = md_store_exec(ctx->db,
                           "UPDATE questionnaires SET answers = $1, submitted_at = $2, status = "
                           "'submitted' WHERE clinic_id = $3 AND id = $4 AND status = 'pending'",
                           v, 4, NULL, NULL, err);
    }
    free(text);
    md_audit_entry a = {"submit", "questionnaire", q.id, q.patient_id, "patient link"};
    if (rc == MD_OK) rc = md_audit(ctx, &a, err);
    rc = md_write_finish(ctx, rc, err);
    json_decref(q.json);
    return rc;
}

/* Record each answer of one list as a fact of kind k. */
static md_code import_list(md_ctx *ctx, json_t *answers, const char *key, const md_record_kind *k,
                           const char *pid, const char *reason, json_t *created, md_err *err)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(answers, key), i, e)
    {
        json_t *in = json_deep_copy(e), *out = NULL;
        if (!json_is_object(in)) {
            json_decref(in);
            continue;
        }
        json_object_set_new(in, "reason", json_string(reason));
        md_code rc = md_record_create(ctx, k, pid, in, &out, err);
        json_decref(in);
        if (rc != MD_OK) return rc;
        json_array_append_new(created, out);
    }
    return MD_OK;
}

md_code md_questionnaire_confirm(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    qrow q = {0};
    json_t *created = json_array();
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_WRITE, err);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    /* One transaction: every fact and the status change, with their audit entries, or nothing. */
    if (rc == MD_OK) rc = md_write_begin(ctx, err);
    if (rc != MD_OK) {
        json_decref(created);
        return rc;
    }
    rc = md_store_exec(ctx->db,
                       "SELECT " Q_COLUMNS " FROM questionnaires WHERE clinic_id = $1 AND id = $2",
                       v, 2, q_row, &q, err);
    if (rc == MD_OK && !q.found) rc = md_err_set(err, MD_ENOTFOUND, "id", "no such questionnaire");
    if (rc == MD_OK && strcmp(q.status, "submitted") != 0)
        rc = md_err_set(err, MD_ECONFLICT, "status", "the questionnaire is %s, not submitted",
                        effective_status(q.status, q.expires_at));
    if (rc != MD_OK) goto done;
    json_t *answers = json_object_get(q.json, "answers");
    const char *reason = md_arena_printf(ctx->arena, "patient questionnaire %s, confirmed", id);
    rc = import_list(ctx, answers, "allergies", &md_kind_allergy, q.patient_id, reason, created,
                     err);
    if (rc == MD_OK)
        rc = import_list(ctx, answers, "conditions", &md_kind_condition, q.patient_id, reason,
                         created, err);
    if (rc == MD_OK)
        rc = import_list(ctx, answers, "medications", &md_kind_medication, q.patient_id, reason,
                         created, err);
    const char *preg = NULL, *bf = NULL;
    md_err ignored; /* checked at submission */
    answer_of(answers, "pregnant", &preg, &ignored);
    answer_of(answers, "breastfeeding", &bf, &ignored);
    /* Asked on the day the patient answered. */
    char asked[MD_DATE_STR];
    const char *submitted = json_string_value(json_object_get(q.json, "submitted_at"));
    md_date_format(md_today_utc(), asked);
    if (submitted && strlen(submitted) >= 10) md_strlcpy(asked, submitted, sizeof asked);
    if (rc == MD_OK && json_is_true(json_object_get(answers, "no_known_allergies"))) {
        json_t *st = NULL, *in = json_pack("{s:s,s:s,s:s}", "statement", "no_known_allergies",
                                           "asked_on", asked, "reason", reason);
        rc = md_record_create(ctx, &md_kind_allergy_statement, q.patient_id, in, &st, err);
        if (rc == MD_OK) json_array_append_new(created, st);
        json_decref(in);
    }
    if (rc == MD_OK && preg && bf) {
        /* Status is one record per patient: a new version when one exists. */
        json_t *list = NULL, *st = NULL;
        json_t *in = json_pack("{s:s,s:s,s:s,s:s}", "pregnant", preg, "breastfeeding", bf,
                               "recorded_on", asked, "reason", reason);
        rc = md_record_list(ctx, &md_kind_status, q.patient_id, 0, &list, err);
        json_t *cur = json_array_get(json_object_get(list, "items"), 0);
        if (rc == MD_OK && cur)
            rc = md_record_update(ctx, &md_kind_status, q.patient_id,
                                  json_string_value(json_object_get(cur, "id")), in, &st, err);
        else if (rc == MD_OK)
            rc = md_record_create(ctx, &md_kind_status, q.patient_id, in, &st, err);
        if (rc == MD_OK) json_array_append_new(created, st);
        json_decref(in);
        json_decref(list);
    }
    if (rc != MD_OK) goto done;
    char now[MD_TIME_STR];
    md_time_format(md_now(), now);
    md_val u[] = {md_text(md_actor_id(ctx)), md_text(now), md_text(ctx->who.clinic_id),
                  md_text(id)};
    rc = md_store_exec(ctx->db,
                       "UPDATE questionnaires SET status = 'confirmed', confirmed_by = $1, "
                       "confirmed_at = $2 WHERE clinic_id = $3 AND id = $4",
                       u, 4, NULL, NULL, err);
    md_audit_entry a = {"confirm", "questionnaire", id, q.patient_id, NULL};
    if (rc == MD_OK) rc = md_audit(ctx, &a, err);
    if (rc == MD_OK) {
        json_object_set_new(q.json, "status", json_string("confirmed"));
        json_object_set_new(q.json, "confirmed_by", json_string(u[0].text));
        json_object_set_new(q.json, "confirmed_at", json_string(now));
    }
done:
    rc = md_write_finish(ctx, rc, err);
    if (rc == MD_OK) *out = json_pack("{s:O,s:O}", "questionnaire", q.json, "created", created);
    json_decref(created);
    json_decref(q.json);
    return rc;
}
