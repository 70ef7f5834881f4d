/*
 * kinds.c - the record kinds: patients and their clinical facts, as field
 * tables for the generic versioned-record engine (record.c).
 *
 * Who may touch what: demographics (patients) are readable and writable by the
 * front desk; clinical facts need the clinical permissions (see auth.c).
 */
#include "mesodesk/record.h"
#include "mesodesk/validate.h"

#include <string.h>

static const char *const sexes[] = {"female", "male", "other", "unknown", NULL};
static const char *const allergy_status[] = {"active", "inactive", "entered_in_error", NULL};
static const char *const fact_status[] = {"confirmed", "entered_in_error", NULL};
static const char *const medication_status[] = {"active", "stopped", "entered_in_error", NULL};
/* Asked and answered; "not_sure" is recorded as such and screening reads it as unknown. */
static const char *const answers[] = {"yes", "no", "not_sure", NULL};
static const char *const allergy_statements[] = {"no_known_allergies", NULL};

#define DEMOGRAPHICS MD_PERM_DEMOGRAPHICS_READ, MD_PERM_DEMOGRAPHICS_WRITE
#define CLINICAL MD_PERM_CLINICAL_READ, MD_PERM_CLINICAL_WRITE

/* A date field must not lie after today (UTC; a clinic's day never runs more than 14 h ahead). */
static md_code not_future(json_t *rec, const char *field, md_err *err)
{
    md_day d;
    const char *s = json_string_value(json_object_get(rec, field));
    if (s && md_date_parse(s, &d) == 0 && d > md_today_utc() + 1)
        return md_err_set(err, MD_EUNPROCESSABLE, field, "%s %s is in the future", field, s);
    return MD_OK;
}

static md_code check_patient(md_ctx *ctx, json_t *rec, md_err *err)
{
    (void)ctx;
    md_day d;
    const char *s = json_string_value(json_object_get(rec, "birth_date"));
    if (s && md_date_parse(s, &d) == 0 && md_age_years(d, md_today_utc()) > 130)
        return md_err_set(err, MD_EUNPROCESSABLE, "birth_date",
                          "birth_date %s would make the patient older than 130", s);
    return not_future(rec, "birth_date", err);
}

static const md_field patient_fields[] = {
    {"given_name", MD_F_TEXT, 1, 0, 100, NULL, NULL, 0, NULL},
    {"family_name", MD_F_TEXT, 1, 0, 100, NULL, NULL, 0, NULL},
    {"birth_date", MD_F_DATE, 1, 0, 0, NULL, NULL, 0, NULL},
    {"sex", MD_F_ENUM, 1, 0, 0, sexes, NULL, 0, NULL},
    {"fitzpatrick", MD_F_INT, 0, 1, 6, NULL, NULL, 0, NULL},
    {"email", MD_F_TEXT, 0, 0, 254, NULL, NULL, 0, NULL},
    {"phone", MD_F_TEXT, 0, 0, 40, NULL, NULL, 0, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, 0, NULL},
};

/* Each of the three checks is collected (md_err_collect), so all are named at once. */
static md_code check_patient_contact(md_ctx *ctx, json_t *rec, md_err *err)
{
    const char *email = NULL;
    md_err one;
    md_err_clear(&one);
    if (check_patient(ctx, rec, &one) != MD_OK) md_err_collect(err, &one);
    if (md_json_email(rec, "email", 0, &email, &one) != MD_OK) md_err_collect(err, &one);
    const char *phone = json_string_value(json_object_get(rec, "phone"));
    for (const char *p = phone; p && *p; p++)
        if (!strchr("0123456789+-() .", *p)) {
            md_err_set(&one, MD_EUNPROCESSABLE, "phone",
                       "phone may hold only digits, spaces and + - ( ) .");
            md_err_collect(err, &one);
            break;
        }
    return err ? err->code : one.code;
}

const md_record_kind md_kind_patient = {
    "patient", "patients", 0, DEMOGRAPHICS, patient_fields, check_patient_contact, NULL, 1,
};

static const md_field allergy_fields[] = {
    {"substance", MD_F_CODE, 1, 0, 0, NULL, NULL, MD_VOCAB_SUBSTANCE, NULL},
    {"reaction", MD_F_TEXT, 0, 0, 500, NULL, NULL, 0, NULL},
    {"status", MD_F_ENUM, 1, 0, 0, allergy_status, "active", 0, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, 0, NULL},
};

const md_record_kind md_kind_allergy = {
    "allergy", "allergies", 1, CLINICAL, allergy_fields, NULL, "status", 0,
};

static const md_field condition_fields[] = {
    {"code", MD_F_CODE, 1, 0, 0, NULL, NULL, MD_VOCAB_CONDITION, NULL},
    {"active", MD_F_BOOL, 1, 0, 0, NULL, "true", 0, NULL},
    {"site", MD_F_CODE, 0, 0, 0, NULL, NULL, MD_VOCAB_AREA, NULL},
    {"note", MD_F_TEXT, 0, 0, 1000, NULL, NULL, 0, NULL},
    {"status", MD_F_ENUM, 1, 0, 0, fact_status, "confirmed", 0, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, 0, NULL},
};

const md_record_kind md_kind_condition = {
    "condition", "conditions", 1, CLINICAL, condition_fields, NULL, "status", 0,
};

/* The name as recorded ("ibuprofen", "Nurofen 200 mg") stays beside the class code; a name
 * that is itself a kb term must name the same class (a stale name after a code change). */
static md_code check_medication(md_ctx *ctx, json_t *rec, md_err *err)
{
    const char *name = json_string_value(json_object_get(rec, "name"));
    const char *code = json_string_value(json_object_get(rec, "code"));
    md_err ignored;
    if (name && code && ctx->kb) {
        int n = md_kb_lookup(ctx->kb, MD_VOCAB_MEDICATION, name);
        const char *canon = NULL;
        if (n >= 0 &&
            md_kb_resolve(ctx->kb, MD_VOCAB_MEDICATION, code, NULL, &canon, &ignored) == MD_OK &&
            strcmp(md_kb_vocab_code(ctx->kb, MD_VOCAB_MEDICATION, (size_t)n), canon) != 0)
            return md_err_set(err, MD_EUNPROCESSABLE, "name", "name '%s' is %s, not %s", name,
                              md_kb_vocab_label(ctx->kb, MD_VOCAB_MEDICATION, (size_t)n), canon);
    }
    return not_future(rec, "last_dose", err);
}

/* "code": the class in the kb; a synonym typed as the code ("ibuprofen") is kept in "name". */
static const md_field medication_fields[] = {
    {"code", MD_F_CODE, 1, 0, 0, NULL, "name", MD_VOCAB_MEDICATION, NULL},
    {"name", MD_F_TEXT, 0, 0, 200, NULL, NULL, 0, NULL},
    {"last_dose", MD_F_DATE, 0, 0, 0, NULL, NULL, 0, NULL},
    {"note", MD_F_TEXT, 0, 0, 1000, NULL, NULL, 0, NULL},
    {"status", MD_F_ENUM, 1, 0, 0, medication_status, "active", 0, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, 0, NULL},
};

const md_record_kind md_kind_medication = {
    "medication", "medications", 1, CLINICAL, medication_fields, check_medication, "status", 0,
};

static md_code check_status(md_ctx *ctx, json_t *rec, md_err *err)
{
    (void)ctx;
    return not_future(rec, "recorded_on", err);
}

static const md_field status_fields[] = {
    {"pregnant", MD_F_ENUM, 1, 0, 0, answers, NULL, 0, NULL},
    {"breastfeeding", MD_F_ENUM, 1, 0, 0, answers, NULL, 0, NULL},
    {"recorded_on", MD_F_DATE, 1, 0, 0, NULL, NULL, 0, NULL},
    {"status", MD_F_ENUM, 1, 0, 0, fact_status, "confirmed", 0, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, 0, NULL},
};

const md_record_kind md_kind_status = {
    "pregnancy_status", "patient_status", 1, CLINICAL, status_fields, check_status, "status", 0,
};

/* "No known allergies": a statement of its own, with who recorded it and when it was asked.
 * Withdraw it with status entered_in_error; an allergy recorded later simply outweighs it. */
static md_code check_allergy_statement(md_ctx *ctx, json_t *rec, md_err *err)
{
    (void)ctx;
    return not_future(rec, "asked_on", err);
}

static const md_field allergy_statement_fields[] = {
    {"statement", MD_F_ENUM, 1, 0, 0, allergy_statements, "no_known_allergies", 0, NULL},
    {"asked_on", MD_F_DATE, 1, 0, 0, NULL, NULL, 0, NULL},
    {"note", MD_F_TEXT, 0, 0, 1000, NULL, NULL, 0, NULL},
    {"status", MD_F_ENUM, 1, 0, 0, fact_status, "confirmed", 0, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, 0, NULL},
};

const md_record_kind md_kind_allergy_statement = {
    "allergy_statement",      "allergy_statements",    1,        CLINICAL,
    allergy_statement_fields, check_allergy_statement, "status", 0,
};

const md_record_kind *md_fact_kind_by_collection(const char *collection)
{
    static const struct {
        const char *collection;
        const md_record_kind *kind;
    } map[] = {
        {"allergies", &md_kind_allergy},    {"allergy_statements", &md_kind_allergy_statement},
        {"conditions", &md_kind_condition}, {"medications", &md_kind_medication},
        {"status", &md_kind_status},        {"clearances", &md_kind_clearance},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].collection, collection) == 0) return map[i].kind;
    return NULL;
}
