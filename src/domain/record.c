/*
 * record.c - the generic engine for versioned clinical records (record.h).
 *
 * SQL is built from the kind's field table (column names are constants of
 * this program, never input) and run as prepared statements; every value is
 * a bound parameter.  The store caches each statement by its text, so a
 * kind's statements are prepared once per connection.
 */
#include "mesodesk/record.h"
#include "mesodesk/audit.h"
#include "mesodesk/sbuf.h"
#include "mesodesk/commit.h"
#include "mesodesk/validate.h"
#include "record_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FIELDS MD_KIND_FIELDS_MAX
#define SQL_MAX MD_KIND_SQL_MAX
#define COLS_MAX MD__RECORD_COLS_MAX /* the select list of a kind */
#define BASE_COLS 5                  /* id, version, recorded_by, recorded_at, reason */

static int nfields(const md_record_kind *k)
{
    int n = 0;
    while (k->fields[n].name)
        n++;
    return n;
}

/* "SELECT id, version, recorded_by, recorded_at, reason[, patient_id], f1, f2, ... FROM t" */
static void select_from(md_sbuf *b, const md_record_kind *k)
{
    md_sbuf_appendf(b, "SELECT id, version, recorded_by, recorded_at, reason%s",
                    k->has_parent ? ", patient_id" : "");
    for (int i = 0; k->fields[i].name; i++)
        md_sbuf_appendf(b, ", %s", k->fields[i].name);
    md_sbuf_appendf(b, " FROM %s", k->table);
}

/* A stored value of field f as JSON (never NULL). */
static json_t *field_json(const md_field *f, const md_val *v)
{
    json_t *j;
    if (v->type == MD_VAL_NULL)
        j = json_null();
    else if (f->type == MD_F_INT)
        j = json_integer(v->i);
    else if (f->type == MD_F_BOOL)
        j = json_boolean(v->i);
    else if (f->type == MD_F_JSON)
        j = json_loads(v->text, JSON_DECODE_ANY, NULL);
    else if (f->type == MD_F_MILLI)
        j = v->i % 1000 == 0 ? json_integer(v->i / 1000) : json_real((double)v->i / 1000.0);
    else
        j = json_string(v->text);
    return j ? j : json_null();
}

/* A version as the API shows it, from its parts: what a row holds, or what was written. */
static json_t *version_json(const md_record_kind *k, const char *id, int64_t version,
                            const char *parent_id, const md_val *vals, const char *by,
                            const char *at, const char *reason)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "version", json_integer(version));
    if (k->has_parent) json_object_set_new(o, "patient_id", json_string(parent_id));
    for (int i = 0; k->fields[i].name; i++)
        json_object_set_new(o, k->fields[i].name, field_json(&k->fields[i], &vals[i]));
    json_object_set_new(o, "recorded_by", json_string(by));
    json_object_set_new(o, "recorded_at", json_string(at));
    json_object_set_new(o, "reason", json_string(reason));
    return o;
}

static json_t *row_to_json(const md_record_kind *k, const md_row *r)
{
    md_val vals[MAX_FIELDS];
    int c = BASE_COLS + (k->has_parent ? 1 : 0);
    for (int i = 0; k->fields[i].name; i++, c++) {
        int is_int = k->fields[i].type == MD_F_INT || k->fields[i].type == MD_F_BOOL ||
                     k->fields[i].type == MD_F_MILLI;
        vals[i] = md_row_is_null(r, c) ? md_null()
                  : is_int             ? md_int(md_row_int(r, c))
                                       : md_text(md_row_text(r, c));
    }
    return version_json(k, md_row_text(r, 0), md_row_int(r, 1),
                        k->has_parent ? md_row_text(r, BASE_COLS) : NULL, vals, md_row_text(r, 2),
                        md_row_text(r, 3), md_row_text(r, 4));
}

typedef struct collect_ctx {
    const md_record_kind *kind;
    json_t *items;
} collect_ctx;

static int collect_row(void *vctx, const md_row *r)
{
    collect_ctx *c = vctx;
    json_array_append_new(c->items, row_to_json(c->kind, r));
    return 0;
}

/* Validate one field of rec into *val.  Strings point into rec or the kb. */
static md_code validate_field(md_ctx *ctx, const md_field *f, json_t *rec, int creating,
                              md_val *val, md_err *err)
{
    md_code rc = MD_OK;
    const char *s = NULL;
    long l = 0;
    int b = 0, present = 0;
    *val = md_null();
    switch (f->type) {
    case MD_F_TEXT:
        rc = md_json_text(rec, f->name, f->required, f->max_len, &s, err);
        if (rc == MD_OK) *val = md_text(s);
        break;
    case MD_F_ENUM:
        rc = md_json_enum(rec, f->name, f->required && !f->dflt, f->values, &s, err);
        if (rc == MD_OK) *val = md_text(s ? s : (creating ? f->dflt : NULL));
        if (rc == MD_OK && !s && f->dflt) *val = md_text(f->dflt);
        break;
    case MD_F_DATE:
        rc = md_json_date(rec, f->name, f->required, &s, NULL, err);
        if (rc == MD_OK) *val = md_text(s);
        break;
    case MD_F_INT:
        rc = md_json_int(rec, f->name, f->required, f->min, f->max, &l, &present, err);
        if (rc == MD_OK && present) *val = md_int(l);
        break;
    case MD_F_BOOL:
        rc = md_json_bool(rec, f->name, f->required && !f->dflt, &b, &present, err);
        if (rc == MD_OK && !present && f->dflt) b = strcmp(f->dflt, "true") == 0, present = 1;
        if (rc == MD_OK && present) *val = md_int(b);
        break;
    case MD_F_CODE: {
        const char *typed = NULL;
        rc = md_json_text(rec, f->name, f->required, 128, &typed, err);
        if (rc == MD_OK && typed) rc = md_vocab_resolve(ctx, f->vocab, f->name, typed, &s, err);
        if (rc == MD_OK && s && f->keep_typed && strcasecmp(s, typed) != 0 &&
            !json_is_string(json_object_get(rec, f->keep_typed)))
            json_object_set_new(rec, f->keep_typed, json_string(typed)); /* keep what was typed */
        if (rc == MD_OK) *val = md_text(s);
        break;
    }
    case MD_F_JSON: {
        json_t *j = json_object_get(rec, f->name);
        if (!j || json_is_null(j)) {
            if (f->required) rc = md_err_set(err, MD_EINVAL, f->name, "%s is required", f->name);
            break;
        }
        if (f->array ? !json_is_array(j) : !json_is_object(j)) {
            rc = md_err_set(err, MD_EINVAL, f->name, "%s must be an %s", f->name,
                            f->array ? "array" : "object");
            break;
        }
        if (f->json_check) rc = f->json_check(ctx, j, f->name, err);
        char *text = rc == MD_OK ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | MD_JSON_NUMBERS) : NULL;
        if (rc == MD_OK && !text) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        if (text) {
            s = md_arena_strdup(ctx->arena, text);
            free(text);
            if (!s) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
            *val = md_text(s);
        }
        break;
    }
    case MD_F_MILLI: {
        int64_t milli = 0;
        rc = md_json_milli(rec, f->name, f->required, f->min, f->max, &milli, &present, err);
        if (rc == MD_OK && present) *val = md_int(milli);
        break;
    }
    }
    return rc;
}

/*
 * Every field is checked, and each field error is collected into *all
 * (md_err_collect), so one answer names all of them; the kind's cross-field
 * check runs too and adds its own (it reads only values that parse, and a
 * field already in error keeps its first error).  An error that is not about
 * a field (storage, memory) ends the checks at once and stands alone.
 */
static md_code validate_record(md_ctx *ctx, const md_record_kind *k, json_t *rec, int creating,
                               md_val *vals, md_err *all)
{
    md_err one;
    for (int i = 0; k->fields[i].name; i++) {
        md_err_clear(&one);
        if (validate_field(ctx, &k->fields[i], rec, creating, &vals[i], &one) == MD_OK) continue;
        if (md_err_collect(all, &one) != MD_OK && !md_err_is_field(&one)) return all->code;
    }
    md_err_clear(&one);
    if (k->hooks.check && k->hooks.check(ctx, rec, &one) != MD_OK) md_err_collect(all, &one);
    return all->code;
}

/* The optional or required "reason" of a write, collected like a field. */
static md_code collect_reason(json_t *in, int required, const char **reason, md_err *all)
{
    md_err one;
    md_err_clear(&one);
    if (md_json_text(in, "reason", required, 500, reason, &one) != MD_OK) md_err_collect(all, &one);
    return all->code;
}

/* Hand the collected errors to the caller's err (which need not be initialised). */
static md_code give_errors(const md_err *all, md_err *err)
{
    if (err && all->code != MD_OK) *err = *all;
    return all->code;
}

static md_code check_keys(const md_record_kind *k, json_t *in, int updating, md_err *err)
{
    const char *allowed[MAX_FIELDS + 4];
    int n = 0;
    for (int i = 0; k->fields[i].name && n < MAX_FIELDS; i++)
        allowed[n++] = k->fields[i].name;
    allowed[n++] = "reason";
    if (updating) allowed[n++] = "version";
    allowed[n] = NULL;
    return md_json_check_keys(in, allowed, "", err);
}

md_code md_record_validate(md_ctx *ctx, const md_record_kind *k, json_t *in, md_err *err)
{
    md_val vals[MAX_FIELDS];
    md_err all;
    md_err_clear(&all);
    md_code rc = check_keys(k, in, 0, err);
    if (rc != MD_OK) return rc;
    validate_record(ctx, k, in, 1, vals, &all);
    return give_errors(&all, err);
}

/* Audit one access to record id; the patient is the parent, or the record itself. */
static md_code audit_one(md_ctx *ctx, const char *action, const md_record_kind *k, const char *id,
                         const char *parent_id, md_err *err)
{
    const char *patient = k->has_parent ? parent_id : (k->flags & MD_KIND_IS_PATIENT) ? id : NULL;
    md_audit_entry a = {action, k->name, id, patient, NULL};
    return md_audit(ctx, &a, err);
}

/* Row: the record a patient was merged into. */
static int survivor_row(void *vctx, const md_row *r)
{
    md_strlcpy(vctx, md_row_text(r, 0), MD_ID_STR);
    return 1;
}

md_code md_patient_exists(md_ctx *ctx, const char *patient_id, md_err *err)
{
    int64_t n = 0;
    char survivor[MD_ID_STR];
    int merged = 0;
    if (!md_id_valid(patient_id))
        return md_err_set(err, MD_ENOTFOUND, "patient_id", "no such patient");
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(patient_id)};
    md_code rc = md_store_scalar_int(
        ctx->db, "SELECT count(*) FROM patients WHERE clinic_id = $1 AND id = $2 AND current = 1",
        v, 2, &n, err);
    if (rc != MD_OK) return rc;
    if (!n) return md_err_set(err, MD_ENOTFOUND, "patient_id", "no such patient");
    if ((rc = md__patient_merged_into(ctx, patient_id, &merged, survivor, err)) != MD_OK) return rc;
    if (merged)
        return md_err_set(err, MD_ECONFLICT, "patient_id",
                          "this patient record was merged into %s: use that record", survivor);
    return MD_OK;
}

md_code md__patient_merged_into(md_ctx *ctx, const char *patient_id, int *merged,
                                char survivor[MD_ID_STR], md_err *err)
{
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(patient_id)};
    survivor[0] = '\0';
    md_code rc = md_store_exec(ctx->db,
                               "SELECT survivor_id FROM patient_merges WHERE clinic_id = $1 AND "
                               "merged_id = $2 AND direct = 1",
                               v, 2, survivor_row, survivor, err);
    *merged = rc == MD_OK && survivor[0] != '\0';
    return rc;
}

/* Insert version `version` of record id with the validated values. */
static md_code insert_version_at(md_ctx *ctx, const md_record_kind *k, const char *parent_id,
                                 const char *id, int64_t version, const char *reason,
                                 const md_val *vals, const char *now, md_err *err)
{
    char sql[SQL_MAX];
    md_val params[MAX_FIELDS + 8];
    int np = 0, nf = nfields(k);
    params[np++] = md_text(ctx->who.clinic_id);
    params[np++] = md_text(id);
    params[np++] = md_int(version);
    params[np++] = md_text(md_actor_id(ctx));
    params[np++] = md_text(now);
    params[np++] = md_text(reason);
    md_sbuf b;
    md_sbuf_init(&b, sql, sizeof sql);
    md_sbuf_appendf(&b,
                    "INSERT INTO %s (clinic_id, id, version, current, recorded_by, recorded_at, "
                    "reason",
                    k->table);
    if (k->has_parent) {
        md_sbuf_append(&b, ", patient_id");
        params[np++] = md_text(parent_id);
    }
    for (int i = 0; i < nf; i++) {
        md_sbuf_appendf(&b, ", %s", k->fields[i].name);
        params[np++] = vals[i];
    }
    md_sbuf_append(&b, ") VALUES ($1, $2, $3, 1, $4, $5, $6");
    for (int p = 7; p <= np; p++)
        md_sbuf_appendf(&b, ", $%d", p);
    md_sbuf_append(&b, ")");
    if (!md_sbuf_ok(&b)) return md_sbuf_check(&b, "the insert statement", err);
    return md_store_exec(ctx->db, sql, params, np, NULL, NULL, err);
}

static md_code insert_version(md_ctx *ctx, const md_record_kind *k, const char *parent_id,
                              const char *id, int64_t version, const char *reason,
                              const md_val *vals, md_err *err)
{
    char now[MD_TIME_STR];
    md_time_format(md_now(), now);
    return insert_version_at(ctx, k, parent_id, id, version, reason, vals, now, err);
}

static md_code check_parent(md_ctx *ctx, const md_record_kind *k, const char *parent_id,
                            md_err *err)
{
    return k->has_parent ? md_patient_exists(ctx, parent_id, err) : MD_OK;
}

/* The kind's hooks that run around a write; MD_OK when it has none. */
static md_code hook_before(md_ctx *ctx, const md_record_kind *k, const char *id, int update,
                           md_err *err)
{
    return k->hooks.before_write ? k->hooks.before_write(ctx, k, id, update, err) : MD_OK;
}

static md_code hook_after(md_ctx *ctx, const md_record_kind *k, const char *id, md_err *err)
{
    return k->hooks.after_write ? k->hooks.after_write(ctx, k, id, err) : MD_OK;
}

/* The record as answered: decorated by the kind; *out dropped on failure. */
static md_code decorated(md_ctx *ctx, const md_record_kind *k, json_t **out, md_err *err)
{
    md_code rc = k->hooks.decorate ? k->hooks.decorate(ctx, *out, err) : MD_OK;
    if (rc != MD_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* MD_KIND_ONE_CURRENT: the id of the parent's current record into id ("" when none). */
static md_code one_current(md_ctx *ctx, const md_record_kind *k, const char *parent_id,
                           char id[MD_ID_STR], md_err *err)
{
    json_t *items = NULL;
    id[0] = '\0';
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(parent_id)};
    char where[256];
    snprintf(where, sizeof where,
             "clinic_id = $1 AND patient_id = $2 AND current = 1 AND %s <> "
             "'entered_in_error' ORDER BY recorded_at, id",
             k->status_field);
    md_code rc = md__record_query(ctx, k, where, v, 2, &items, err);
    if (rc == MD_OK && json_array_size(items))
        md_strlcpy(id, json_string_value(json_object_get(json_array_get(items, 0), "id")),
                   MD_ID_STR);
    json_decref(items);
    return rc;
}

/* A create of a MD_KIND_ONE_CURRENT kind whose parent has a current record: in, complete in
 * itself (nothing merges from the old version), becomes that record's next version. */
static md_code create_as_update(md_ctx *ctx, const md_record_kind *k, const char *parent_id,
                                const char *id, json_t *in, json_t **out, md_err *err)
{
    md_code rc = md_record_validate(ctx, k, in, err);
    if (rc != MD_OK) return rc;
    if (!json_object_get(in, "reason")) {
        char reason[64];
        snprintf(reason, sizeof reason, "%s updated", k->collection ? k->collection : k->name);
        json_object_set_new(in, "reason", json_string(reason));
    }
    return md_record_update(ctx, k, parent_id, id, in, out, err);
}

md_code md_record_create(md_ctx *ctx, const md_record_kind *k, const char *parent_id, json_t *in,
                         json_t **out, md_err *err)
{
    md_val vals[MAX_FIELDS];
    const char *reason = NULL;
    char id[MD_ID_STR], now[MD_TIME_STR];
    md_err all;
    md_err_clear(&all);
    md_code rc = md_require(ctx, k->write_perm, err);
    if (rc == MD_OK) rc = check_parent(ctx, k, parent_id, err);
    if (rc == MD_OK && (k->flags & MD_KIND_ONE_CURRENT) && json_is_object(in)) {
        if ((rc = one_current(ctx, k, parent_id, id, err)) == MD_OK && id[0])
            return create_as_update(ctx, k, parent_id, id, in, out, err);
    }
    if (rc == MD_OK) rc = check_keys(k, in, 0, err);
    if (rc == MD_OK) rc = hook_before(ctx, k, NULL, 0, err);
    if (rc != MD_OK) return rc;
    if (validate_record(ctx, k, in, 1, vals, &all) == MD_OK || md_err_is_field(&all))
        collect_reason(in, 0, &reason, &all);
    if ((rc = give_errors(&all, err)) != MD_OK) return rc;
    md_id_new(id);
    md_time_format(md_now(), now);
    if (!reason) reason = "recorded";
    if ((rc = md_write_begin(ctx, err)) != MD_OK) return rc;
    rc = insert_version_at(ctx, k, parent_id, id, 1, reason, vals, now, err);
    if (rc == MD_OK) rc = hook_after(ctx, k, id, err);
    if (rc == MD_OK) rc = audit_one(ctx, "create", k, id, parent_id, err);
    /* The answer is what was written (a new record has no merges to show), so the create
     * neither reads it back nor audits a read of it; vals still point into `in`. */
    json_t *made =
        rc == MD_OK ? version_json(k, id, 1, parent_id, vals, md_actor_id(ctx), now, reason) : NULL;
    if ((rc = md_write_finish(ctx, rc, err)) == MD_OK) {
        *out = made;
        rc = decorated(ctx, k, out, err);
    } else {
        json_decref(made);
    }
    return rc;
}

/* Current version of one record as JSON, without audit or permission checks. */
md_code md__record_current(md_ctx *ctx, const md_record_kind *k, const char *parent_id,
                           const char *id, json_t **out, md_err *err)
{
    char sql[SQL_MAX];
    if (!md_id_valid(id)) return md_err_set(err, MD_ENOTFOUND, "id", "no such %s", k->name);
    md_sbuf b;
    md_sbuf_init(&b, sql, sizeof sql);
    select_from(&b, k);
    md_sbuf_appendf(&b, " WHERE clinic_id = $1 AND id = $2 AND current = 1%s",
                    k->has_parent ? " AND patient_id = $3" : "");
    if (!md_sbuf_ok(&b)) return md_sbuf_check(&b, "the select statement", err);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id), md_text(parent_id)};
    collect_ctx c = {k, json_array()};
    md_code rc = md_store_exec(ctx->db, sql, v, k->has_parent ? 3 : 2, collect_row, &c, err);
    if (rc == MD_OK && json_array_size(c.items) == 0)
        rc = md_err_set(err, MD_ENOTFOUND, "id", "no such %s", k->name);
    if (rc == MD_OK) *out = json_incref(json_array_get(c.items, 0));
    json_decref(c.items);
    return rc;
}

md_code md_record_update(md_ctx *ctx, const md_record_kind *k, const char *parent_id,
                         const char *id, json_t *in, json_t **out, md_err *err)
{
    md_val vals[MAX_FIELDS];
    json_t *cur = NULL, *merged = NULL;
    const char *reason = NULL, *key;
    long want_version = 0;
    int have_version = 0;
    json_t *v;
    md_code rc = md_require(ctx, k->write_perm, err);
    if (rc == MD_OK) rc = check_parent(ctx, k, parent_id, err);
    if (rc == MD_OK) rc = check_keys(k, in, 1, err);
    if (rc == MD_OK)
        rc = md_json_int(in, "version", 0, 1, 1L << 40, &want_version, &have_version, err);
    if (rc == MD_OK) rc = md__record_current(ctx, k, parent_id, id, &cur, err);
    if (rc == MD_OK) rc = hook_before(ctx, k, id, 1, err);
    if (rc != MD_OK) goto done;
    int64_t version = json_integer_value(json_object_get(cur, "version"));
    if (have_version && want_version != version) {
        rc = md_err_set(err, MD_ECONFLICT, "version",
                        "the %s was changed meanwhile (now version %lld); reload and retry",
                        k->name, (long long)version);
        goto done;
    }
    /* The new version: the current fields, with the ones given replacing them. */
    merged = json_object();
    for (int i = 0; k->fields[i].name; i++)
        json_object_set(merged, k->fields[i].name, json_object_get(cur, k->fields[i].name));
    json_object_foreach(in, key, v)
    {
        if (strcmp(key, "reason") != 0 && strcmp(key, "version") != 0)
            json_object_set(merged, key, v);
    }
    md_err all;
    md_err_clear(&all);
    /* Every correction says why (collected last, so a bad value is reported first). */
    if (validate_record(ctx, k, merged, 0, vals, &all) == MD_OK || md_err_is_field(&all))
        collect_reason(in, 1, &reason, &all);
    if ((rc = give_errors(&all, err)) != MD_OK) goto done;
    if ((rc = md_write_begin(ctx, err)) != MD_OK) goto done;
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE %s SET current = 0 WHERE clinic_id = $1 AND id = $2 AND version = $3",
             k->table);
    md_val up[] = {md_text(ctx->who.clinic_id), md_text(id), md_int(version)};
    rc = md_store_exec(ctx->db, sql, up, 3, NULL, NULL, err);
    if (rc == MD_OK) rc = insert_version(ctx, k, parent_id, id, version + 1, reason, vals, err);
    if (rc == MD_OK) rc = hook_after(ctx, k, id, err);
    if (rc == MD_ECONFLICT)
        md_err_set(err, MD_ECONFLICT, "version", "the %s was changed meanwhile", k->name);
    if (rc == MD_OK) rc = audit_one(ctx, "update", k, id, parent_id, err);
    if ((rc = md_write_finish(ctx, rc, err)) != MD_OK) goto done;
    rc = md__record_current(ctx, k, parent_id, id, out, err);
    if (rc == MD_OK) rc = decorated(ctx, k, out, err);
done:
    json_decref(cur);
    json_decref(merged);
    return rc;
}

md_code md_record_get(md_ctx *ctx, const md_record_kind *k, const char *parent_id, const char *id,
                      json_t **out, md_err *err)
{
    md_code rc = md_require(ctx, k->read_perm, err);
    if (rc == MD_OK) rc = md__record_current(ctx, k, parent_id, id, out, err);
    if (rc != MD_OK) return rc;
    if ((rc = decorated(ctx, k, out, err)) != MD_OK) return rc;
    rc = audit_one(ctx, "read", k, id, parent_id, err);
    if (rc != MD_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

const char *md__record_select_sql(const md_record_kind *k, const char *where, char *buf, size_t sz)
{
    md_sbuf b;
    md_sbuf_init(&b, buf, sz);
    select_from(&b, k);
    md_sbuf_appendf(&b, " WHERE %s", where);
    return md_sbuf_ok(&b) ? buf : NULL;
}

md_code md__record_run(md_ctx *ctx, const md_record_kind *k, const char *sql, const md_val *params,
                       int np, json_t **out, md_err *err)
{
    collect_ctx c = {k, json_array()};
    md_code rc = md_store_exec(ctx->db, sql, params, np, collect_row, &c, err);
    if (rc != MD_OK) {
        json_decref(c.items);
        return rc;
    }
    *out = c.items;
    return MD_OK;
}

md_code md__record_query(md_ctx *ctx, const md_record_kind *k, const char *where,
                         const md_val *params, int np, json_t **out, md_err *err)
{
    char sql[SQL_MAX];
    return md__record_run(ctx, k, md__record_select_sql(k, where, sql, sizeof sql), params, np, out,
                          err);
}

md_code md_record_list(md_ctx *ctx, const md_record_kind *k, const char *parent_id, int include_all,
                       json_t **out, md_err *err)
{
    char where[512];
    json_t *items = NULL;
    md_code rc = md_require(ctx, k->read_perm, err);
    if (rc == MD_OK) rc = check_parent(ctx, k, parent_id, err);
    if (rc != MD_OK) return rc;
    snprintf(where, sizeof where,
             "clinic_id = $1 AND %s AND current = 1%s%s%s ORDER BY recorded_at, id",
             k->has_parent ? "patient_id = $2" : "CAST($2 AS TEXT) IS NULL",
             k->status_field && !include_all ? " AND " : "",
             k->status_field && !include_all ? k->status_field : "",
             k->status_field && !include_all ? " <> 'entered_in_error'" : "");
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(parent_id)};
    if ((rc = md__record_query(ctx, k, where, v, 2, &items, err)) != MD_OK) return rc;
    md_audit_entry a = {"read", k->name, "*", k->has_parent ? parent_id : NULL, "list"};
    if ((rc = md_audit(ctx, &a, err)) != MD_OK) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return MD_OK;
}

md_code md_record_history(md_ctx *ctx, const md_record_kind *k, const char *parent_id,
                          const char *id, json_t **out, md_err *err)
{
    json_t *items = NULL;
    md_code rc = md_require(ctx, k->read_perm, err);
    if (rc == MD_OK) rc = check_parent(ctx, k, parent_id, err);
    if (rc != MD_OK) return rc;
    /* A fact's history follows the record wherever it belongs now: a merge moves a fact
     * to the surviving patient with a new version, and its earlier versions come along. */
    if (k->has_parent) {
        json_t *cur = NULL;
        if ((rc = md__record_current(ctx, k, parent_id, id, &cur, err)) != MD_OK) return rc;
        json_decref(cur);
    }
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    rc = md__record_query(ctx, k, "clinic_id = $1 AND id = $2 ORDER BY version", v, 2, &items, err);
    if (rc != MD_OK) return rc;
    if (json_array_size(items) == 0) {
        json_decref(items);
        return md_err_set(err, MD_ENOTFOUND, "id", "no such %s", k->name);
    }
    rc = audit_one(ctx, "read_history", k, id, parent_id, err);
    if (rc != MD_OK) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "versions", items);
    return MD_OK;
}

md_code md_record_entered_in_error(md_ctx *ctx, const md_record_kind *k, const char *parent_id,
                                   const char *id, json_t *in, json_t **out, md_err *err)
{
    static const char *const keys[] = {"reason", "version", NULL};
    const char *reason = NULL;
    md_code rc = md_require(ctx, k->write_perm, err);
    if (rc == MD_OK && !md__kind_has_entered_in_error(k))
        rc = md_err_set(err, MD_EUNPROCESSABLE, NULL, "a %s cannot be marked entered in error",
                        k->name);
    if (rc == MD_OK) rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK) rc = md_json_text(in, "reason", 1, 500, &reason, err);
    if (rc != MD_OK) return rc;
    json_t *body = json_pack("{s:s,s:s}", k->status_field, "entered_in_error", "reason", reason);
    if (!body) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    json_t *version = json_object_get(in, "version");
    if (version) json_object_set(body, "version", version);
    rc = md_record_update(ctx, k, parent_id, id, body, out, err);
    json_decref(body);
    return rc;
}

size_t md__record_cols_len(const md_record_kind *k)
{
    size_t n = strlen("id, version, recorded_by, recorded_at, reason") +
               (k->has_parent ? strlen(", patient_id") : 0);
    for (int i = 0; k->fields[i].name; i++)
        n += 2 + strlen(k->fields[i].name);
    return n;
}

size_t md__record_insert_len(const md_record_kind *k)
{
    size_t n = strlen("INSERT INTO  (clinic_id, id, version, current, recorded_by, recorded_at, "
                      "reason) VALUES ($1, $2, $3, 1, $4, $5, $6)") +
               strlen(k->table);
    int np = 6;
    if (k->has_parent) n += strlen(", patient_id"), np++;
    for (int i = 0; k->fields[i].name; i++)
        n += 2 + strlen(k->fields[i].name), np++;
    return n + (size_t)(np - 6) * 5; /* ", $nn" per added parameter */
}
