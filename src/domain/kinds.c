/*
 * kinds.c - the registry of record kinds: patients and their clinical facts,
 * each declared once with designated initialisers (typed fields with their
 * validation, the parent kind, flags, hooks) for the generic versioned-record
 * engine (record.c), the generic routes (h_records.c), the API document and
 * the web app's forms (md_kind_json).  Clearances and clinic rules are declared
 * beside the screening code (screening.c) and listed here.
 *
 * Who may touch what: demographics (patients) are readable and writable by the
 * front desk; clinical facts need the clinical permissions (see principal.c).
 *
 * md_kinds_check() is run at server start-up: a declaration that breaks a limit of
 * the engine (a name longer than a column identifier, an enum value longer than the
 * validator reads, more fields than the engine binds, ...) stops the server with a
 * message naming the kind and the field.
 */
#include "mesodesk/patch_test.h"
#include "mesodesk/complication.h"
#include "mesodesk/record.h"
#include "mesodesk/validate.h"
#include "record_int.h"

#include <stdio.h>
#include <string.h>

static const char *const sexes[] = {"female", "male", "other", "unknown", NULL};
static const char *const allergy_status[] = {"active", "inactive", "entered_in_error", NULL};
static const char *const fact_status[] = {"confirmed", "entered_in_error", NULL};
static const char *const medication_status[] = {"active", "stopped", "entered_in_error", NULL};
/* Asked and answered; "not_sure" is recorded as such and screening reads it as unknown. */
static const char *const answers[] = {"yes", "no", "not_sure", NULL};
static const char *const allergy_statements[] = {"no_known_allergies", NULL};

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

#define TEXT(n, len, ...)                                                                          \
    {                                                                                              \
        .name = n, .type = MD_F_TEXT, .max_len = len, __VA_ARGS__                                  \
    }
#define DATE(n, ...)                                                                               \
    {                                                                                              \
        .name = n, .type = MD_F_DATE, __VA_ARGS__                                                  \
    }
#define STATUS(vals, dfl)                                                                          \
    {                                                                                              \
        .name = "status", .type = MD_F_ENUM, .required = 1, .values = vals, .dflt = dfl            \
    }

static const md_field patient_fields[] = {
    TEXT("given_name", 100, .required = 1),
    TEXT("family_name", 100, .required = 1),
    DATE("birth_date", .required = 1),
    {.name = "sex", .type = MD_F_ENUM, .required = 1, .values = sexes},
    {.name = "fitzpatrick", .type = MD_F_INT, .min = 1, .max = 6, .doc = "Fitzpatrick skin type"},
    TEXT("email", 254),
    TEXT("phone", 40, .doc = "digits, spaces and + - ( ) ."),
    {0},
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

/* A patient record merged into another takes no new versions. */
static md_code patient_before_write(md_ctx *ctx, const md_record_kind *k, const char *id,
                                    int update, md_err *err)
{
    (void)k;
    char survivor[MD_ID_STR];
    int gone = 0;
    md_code rc = update ? md__patient_merged_into(ctx, id, &gone, survivor, err) : MD_OK;
    if (rc == MD_OK && gone)
        rc = md_err_set(err, MD_ECONFLICT, "id",
                        "this patient record was merged into %s: change that record", survivor);
    return rc;
}

/* Every patient write rebuilds its search keys in the same transaction. */
static md_code patient_after_write(md_ctx *ctx, const md_record_kind *k, const char *id,
                                   md_err *err)
{
    (void)k;
    return md__patient_terms_refresh(ctx, id, err);
}

const md_record_kind md_kind_patient = {
    .name = "patient",
    .table = "patients",
    .schema = "Patient",
    .title = "patients",
    .flags = MD_KIND_IS_PATIENT,
    .read_perm = MD_PERM_DEMOGRAPHICS_READ,
    .write_perm = MD_PERM_DEMOGRAPHICS_WRITE,
    .fields = patient_fields,
    .hooks = {.check = check_patient_contact,
              .before_write = patient_before_write,
              .after_write = patient_after_write,
              .decorate = md__patient_decorate},
};

/* The fields every fact kind under a patient shares. */
#define FACT_OF_PATIENT                                                                            \
    .parent = &md_kind_patient, .has_parent = 1, .read_perm = MD_PERM_CLINICAL_READ,               \
    .write_perm = MD_PERM_CLINICAL_WRITE, .status_field = "status"

static const md_field allergy_fields[] = {
    {.name = "substance",
     .type = MD_F_CODE,
     .required = 1,
     .vocab = MD_VOCAB_SUBSTANCE,
     .doc = "kb substance code or synonym (ingredient or allergen class)"},
    TEXT("reaction", 500),
    STATUS(allergy_status, "active"),
    TEXT("patch_test_id", 32, .doc = "the patch test whose positive reading found it"),
    {0},
};

const md_record_kind md_kind_allergy = {
    .name = "allergy",
    .table = "allergies",
    .collection = "allergies",
    .schema = "Allergy",
    .title = "allergies",
    .flags = MD_KIND_ROUTES,
    .fields = allergy_fields,
    FACT_OF_PATIENT,
};

static const md_field condition_fields[] = {
    {.name = "code",
     .type = MD_F_CODE,
     .required = 1,
     .vocab = MD_VOCAB_CONDITION,
     .doc = "kb condition code or synonym"},
    {.name = "active", .type = MD_F_BOOL, .required = 1, .dflt = "true"},
    {.name = "site", .type = MD_F_CODE, .vocab = MD_VOCAB_AREA, .doc = "kb area code"},
    TEXT("note", 1000),
    STATUS(fact_status, "confirmed"),
    {0},
};

const md_record_kind md_kind_condition = {
    .name = "condition",
    .table = "conditions",
    .collection = "conditions",
    .schema = "Condition",
    .title = "conditions",
    .flags = MD_KIND_ROUTES,
    .fields = condition_fields,
    FACT_OF_PATIENT,
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
    {.name = "code",
     .type = MD_F_CODE,
     .required = 1,
     .keep_typed = "name",
     .vocab = MD_VOCAB_MEDICATION,
     .doc = "kb medication class code, or a synonym (a synonym typed here is kept in name)"},
    TEXT("name", 200,
         .doc = "the product or drug name as recorded (\"ibuprofen\", \"Nurofen 200 mg\"); "
                "when it is a kb term it must name the same class"),
    DATE("last_dose"),
    TEXT("note", 1000),
    STATUS(medication_status, "active"),
    {0},
};

const md_record_kind md_kind_medication = {
    .name = "medication",
    .table = "medications",
    .collection = "medications",
    .schema = "Medication",
    .title = "medications",
    .flags = MD_KIND_ROUTES,
    .fields = medication_fields,
    .hooks = {.check = check_medication},
    FACT_OF_PATIENT,
};

static md_code check_status(md_ctx *ctx, json_t *rec, md_err *err)
{
    (void)ctx;
    return not_future(rec, "recorded_on", err);
}

#define ANSWER_DOC                                                                                 \
    "as asked; not_sure is read as unknown by screening (never as no). Rows stored as "            \
    "booleans before migration 3 read as yes/no."

static const md_field status_fields[] = {
    {.name = "pregnant", .type = MD_F_ENUM, .required = 1, .values = answers, .doc = ANSWER_DOC},
    {.name = "breastfeeding",
     .type = MD_F_ENUM,
     .required = 1,
     .values = answers,
     .doc = ANSWER_DOC},
    DATE("recorded_on", .required = 1),
    STATUS(fact_status, "confirmed"),
    {0},
};

/* One statement per patient: a POST when one exists records its next version. */
const md_record_kind md_kind_status = {
    .name = "pregnancy_status",
    .table = "patient_status",
    .collection = "status",
    .schema = "PregnancyStatus",
    .title = "pregnancy and breastfeeding status",
    .flags = MD_KIND_ROUTES | MD_KIND_ONE_CURRENT,
    .fields = status_fields,
    .hooks = {.check = check_status},
    FACT_OF_PATIENT,
};

/* "No known allergies": a statement of its own, with who recorded it and when it was asked.
 * Withdraw it with status entered_in_error; an allergy recorded later simply outweighs it. */
static md_code check_allergy_statement(md_ctx *ctx, json_t *rec, md_err *err)
{
    (void)ctx;
    return not_future(rec, "asked_on", err);
}

static const md_field allergy_statement_fields[] = {
    {.name = "statement",
     .type = MD_F_ENUM,
     .required = 1,
     .values = allergy_statements,
     .dflt = "no_known_allergies"},
    DATE("asked_on", .required = 1, .doc = "when the patient was asked"),
    TEXT("note", 1000),
    STATUS(fact_status, "confirmed"),
    {0},
};

const md_record_kind md_kind_allergy_statement = {
    .name = "allergy_statement",
    .table = "allergy_statements",
    .collection = "allergy_statements",
    .schema = "AllergyStatement",
    .title = "allergy statements",
    .flags = MD_KIND_ROUTES,
    .fields = allergy_statement_fields,
    .hooks = {.check = check_allergy_statement},
    FACT_OF_PATIENT,
};

const md_record_kind *const md_kinds[] = {
    &md_kind_patient,
    &md_kind_allergy,
    &md_kind_condition,
    &md_kind_medication,
    &md_kind_status,
    &md_kind_clearance,
    &md_kind_clinic_rule,
    &md_kind_allergy_statement,
    &md_kind_product,
    &md_kind_consumable,
    &md_kind_lot,
    &md_kind_vial,
    &md_kind_administration,
    &md_kind_formulation,
    &md_kind_patch_test,
    &md_kind_patch_test_reading,
    &md_kind_recall_case,
    &md_kind_recall_contact,
    &md_kind_room,
    &md_kind_clinic_hours,
    &md_kind_availability,
    &md_kind_appointment,
    &md_kind_credential,
    &md_kind_protocol_setting, /* course.h */
    &md_kind_course,
    &md_kind_consent,
    &md_kind_treatment_session, /* chart.h */
    &md_kind_chart_policy, /* chart.h, chart_policy.c */
    &md_kind_photo, /* photo.h */
    &md_kind_outcome, /* outcome.h */
    &md_kind_complication, /* complication.h */
    &md_kind_complication_followup,
    &md_kind_escalation,
    &md_kind_checkin, /* checkin.h */
    NULL,
};

const md_record_kind *md_kind_by_collection(const md_record_kind *parent, const char *collection)
{
    for (size_t i = 0; collection && md_kinds[i]; i++)
        if (md_kinds[i]->parent == parent && md_kinds[i]->collection &&
            strcmp(md_kinds[i]->collection, collection) == 0)
            return md_kinds[i];
    return NULL;
}

const md_record_kind *md_fact_kind_by_collection(const char *collection)
{
    return md_kind_by_collection(&md_kind_patient, collection);
}

/* ---- declaration checks (md_kinds_check) ---- */

int md__kind_has_entered_in_error(const md_record_kind *k)
{
    for (int i = 0; k->status_field && k->fields[i].name; i++) {
        const md_field *f = &k->fields[i];
        if (strcmp(f->name, k->status_field) != 0) continue;
        for (int v = 0; f->type == MD_F_ENUM && f->values && f->values[v]; v++)
            if (strcmp(f->values[v], "entered_in_error") == 0) return 1;
    }
    return 0;
}

/* The field of k named name, or NULL. */
static const md_field *field_named(const md_record_kind *k, const char *name)
{
    for (int i = 0; name && k->fields[i].name; i++)
        if (strcmp(k->fields[i].name, name) == 0) return &k->fields[i];
    return NULL;
}

static md_code bad(md_err *err, const md_record_kind *k, const md_field *f, const char *what)
{
    return md_err_set(err, MD_EINTERNAL, f ? f->name : NULL, "record kind %s%s%s: %s",
                      k->name ? k->name : "(unnamed)", f ? ", field " : "", f ? f->name : "", what);
}

static int name_ok(const char *s, size_t max)
{
    if (!s || !*s || strlen(s) > max) return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return 0;
    return 1;
}

static md_code check_field(const md_record_kind *k, const md_field *f, int i, md_err *err)
{
    char what[160];
    if (!name_ok(f->name, MD_KIND_NAME_MAX)) {
        snprintf(what, sizeof what, "a field name is [a-z0-9_], 1 to %d characters",
                 MD_KIND_NAME_MAX);
        return bad(err, k, f, what);
    }
    for (int j = 0; j < i; j++)
        if (strcmp(k->fields[j].name, f->name) == 0) return bad(err, k, f, "declared twice");
    static const char *const reserved[] = {"id",          "version",     "current",
                                           "clinic_id",   "reason",      "patient_id",
                                           "recorded_by", "recorded_at", NULL};
    for (int r = 0; reserved[r]; r++)
        if (strcmp(reserved[r], f->name) == 0) return bad(err, k, f, "the name is a base column");
    switch (f->type) {
    case MD_F_TEXT:
        if (f->max_len == 0 || f->max_len > 100000)
            return bad(err, k, f, "a text field needs max_len between 1 and 100000");
        break;
    case MD_F_ENUM: {
        size_t list = 0;
        int n = 0, has_dflt = !f->dflt;
        for (; f->values && f->values[n]; n++) {
            size_t len = strlen(f->values[n]);
            if (len == 0 || len > MD_ENUM_VALUE_MAX) {
                snprintf(what, sizeof what, "enum value '%.40s' is not 1 to %d characters",
                         f->values[n], MD_ENUM_VALUE_MAX);
                return bad(err, k, f, what);
            }
            list += len + (n ? 2 : 0);
            if (f->dflt && strcmp(f->dflt, f->values[n]) == 0) has_dflt = 1;
        }
        if (n == 0) return bad(err, k, f, "an enum needs values");
        if (list > MD_ENUM_LIST_MAX) {
            snprintf(what, sizeof what, "the values joined are %zu characters, over %d", list,
                     MD_ENUM_LIST_MAX);
            return bad(err, k, f, what);
        }
        if (!has_dflt) return bad(err, k, f, "the default is not one of the values");
        break;
    }
    case MD_F_INT:
    case MD_F_MILLI:
        if (f->min > f->max) return bad(err, k, f, "min is above max");
        break;
    case MD_F_BOOL:
        if (f->dflt && strcmp(f->dflt, "true") != 0 && strcmp(f->dflt, "false") != 0)
            return bad(err, k, f, "a boolean default is \"true\" or \"false\"");
        break;
    case MD_F_CODE: {
        if ((int)f->vocab < 0 || f->vocab >= MD_VOCAB_KIND_COUNT)
            return bad(err, k, f, "no such vocabulary");
        const md_field *kept = field_named(k, f->keep_typed);
        if (f->keep_typed && (!kept || kept->type != MD_F_TEXT || kept < f))
            return bad(err, k, f, "keep_typed must name a later text field");
        break;
    }
    case MD_F_DATE:
    case MD_F_JSON: break;
    default: return bad(err, k, f, "unknown field type");
    }
    if (f->type != MD_F_ENUM && f->type != MD_F_BOOL && f->dflt)
        return bad(err, k, f, "only enum and boolean fields take a default");
    return MD_OK;
}

static md_code check_kind(const md_record_kind *k, md_err *err)
{
    char what[160];
    if (!name_ok(k->name, MD_KIND_NAME_MAX) || !name_ok(k->table, MD_KIND_NAME_MAX))
        return bad(err, k, NULL, "the kind and table names are [a-z0-9_], 1 to 63 characters");
    if (k->collection && !name_ok(k->collection, MD_KIND_COLLECTION_MAX)) {
        snprintf(what, sizeof what, "the collection is [a-z0-9_], 1 to %d characters",
                 MD_KIND_COLLECTION_MAX);
        return bad(err, k, NULL, what);
    }
    if (!k->fields) return bad(err, k, NULL, "no field list");
    if (k->has_parent != (k->parent != NULL))
        return bad(err, k, NULL, "has_parent and parent disagree");
    if (k->parent && k->parent != &md_kind_patient)
        return bad(err, k, NULL, "the parent of a kind is the patient (patient_id)");
    if ((k->flags & MD_KIND_ROUTES) && (!k->parent || !k->collection || !k->schema))
        return bad(err, k, NULL, "generic routes need a parent, a collection and a schema");
    if ((k->flags & MD_KIND_ONE_CURRENT) && (!k->parent || !k->status_field))
        return bad(err, k, NULL, "one current record per parent needs a parent and a status");
    if (!k->read_perm || !k->write_perm) return bad(err, k, NULL, "read and write permissions");
    int n = 0;
    for (; k->fields[n].name || k->fields[n].type; n++) {
        if (n >= MD_KIND_FIELDS_MAX) {
            snprintf(what, sizeof what, "more than %d fields", MD_KIND_FIELDS_MAX);
            return bad(err, k, NULL, what);
        }
        md_code rc = check_field(k, &k->fields[n], n, err);
        if (rc != MD_OK) return rc;
    }
    if (n == 0) return bad(err, k, NULL, "no fields");
    if (k->status_field && !md__kind_has_entered_in_error(k))
        return bad(err, k, NULL, "the status field is an enum holding entered_in_error");
    if (md__record_cols_len(k) >= MD__RECORD_COLS_MAX ||
        md__record_insert_len(k) >= MD_KIND_SQL_MAX) {
        snprintf(what, sizeof what, "its statements are longer than %d characters",
                 MD_KIND_SQL_MAX);
        return bad(err, k, NULL, what);
    }
    return MD_OK;
}

md_code md_kinds_check(const md_record_kind *const *kinds, md_err *err)
{
    for (size_t i = 0; kinds[i]; i++) {
        md_code rc = check_kind(kinds[i], err);
        if (rc != MD_OK) return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp(kinds[j]->name, kinds[i]->name) == 0 ||
                (kinds[i]->collection && kinds[j]->collection &&
                 kinds[i]->parent == kinds[j]->parent &&
                 strcmp(kinds[j]->collection, kinds[i]->collection) == 0))
                return bad(err, kinds[i], NULL, "its name or collection is taken");
    }
    return MD_OK;
}

/* ---- the kind as JSON (forms, the API document) ---- */

static const char *const type_names[] = {"text",    "enum", "date",   "integer",
                                         "boolean", "code", "object", "decimal"};

json_t *md_kind_json(const md_record_kind *k)
{
    json_t *fields = json_array();
    json_t *o = json_pack(
        "{s:s,s:s?,s:s?,s:s?,s:b,s:s?,s:o}", "name", k->name, "collection", k->collection, "title",
        k->title, "parent", k->parent ? k->parent->name : NULL, "one_current",
        (k->flags & MD_KIND_ONE_CURRENT) != 0, "status_field", k->status_field, "fields", fields);
    if (!o) return NULL;
    for (int i = 0; k->fields[i].name; i++) {
        const md_field *f = &k->fields[i];
        const char *type = f->type == MD_F_JSON && f->array ? "array" : type_names[f->type];
        json_t *j = json_pack("{s:s,s:s,s:b}", "name", f->name, "type", type, "required",
                              f->required && !f->dflt);
        if (!j || json_array_append_new(fields, j) != 0) goto fail;
        if (f->type == MD_F_INT) {
            json_object_set_new(j, "min", json_integer(f->min));
            json_object_set_new(j, "max", json_integer(f->max));
        }
        if (f->type == MD_F_MILLI) {
            json_object_set_new(j, "min", json_real((double)f->min / 1000.0));
            json_object_set_new(j, "max", json_real((double)f->max / 1000.0));
        }
        if (f->type == MD_F_TEXT)
            json_object_set_new(j, "max_length", json_integer((json_int_t)f->max_len));
        if (f->type == MD_F_ENUM) {
            json_t *vals = json_array();
            for (int v = 0; f->values[v]; v++)
                json_array_append_new(vals, json_string(f->values[v]));
            json_object_set_new(j, "enum", vals);
        }
        if (f->dflt && f->type == MD_F_BOOL)
            json_object_set_new(j, "default", json_boolean(strcmp(f->dflt, "true") == 0));
        else if (f->dflt)
            json_object_set_new(j, "default", json_string(f->dflt));
        if (f->type == MD_F_CODE)
            json_object_set_new(j, "vocabulary", json_string(md_vocab_kind_name(f->vocab)));
        if (f->keep_typed) json_object_set_new(j, "keeps_typed_in", json_string(f->keep_typed));
        if (f->doc) json_object_set_new(j, "doc", json_string(f->doc));
    }
    return o;
fail:
    json_decref(o);
    return NULL;
}

json_t *md_kinds_json(void)
{
    json_t *all = json_array();
    for (size_t i = 0; all && md_kinds[i]; i++)
        if (json_array_append_new(all, md_kind_json(md_kinds[i])) != 0) {
            json_decref(all);
            return NULL;
        }
    return all;
}
