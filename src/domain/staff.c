/*
 * staff.c - staff accounts: creating, listing and reading them, and changing them (role,
 * name, licence, qualifications, deactivation and reactivation, password resets).  See
 * staff.h for the states of an account and what each change refuses.
 */
#include "mesodesk/staff.h"
#include "mesodesk/audit.h"
#include "mesodesk/password.h"
#include "mesodesk/sbuf.h"
#include "mesodesk/commit.h"
#include "mesodesk/validate.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

md_code md_staff_check_qualifications(const json_t *quals, md_err *err)
{
    if (!quals || json_is_null(quals)) return MD_OK;
    if (!json_is_array(quals))
        return md_err_set(err, MD_EINVAL, "qualifications", "must be an array of strings");
    size_t i;
    json_t *q;
    json_array_foreach(quals, i, q)
    {
        if (!json_is_string(q) || json_string_length(q) == 0 || json_string_length(q) > 200)
            return md_err_set(err, MD_EINVAL, "qualifications",
                              "qualification %zu must be a non-empty string", i);
    }
    return MD_OK;
}

/* A text member of the current record, or NULL when it is null. */
static const char *cur_text(const json_t *cur, const char *key)
{
    return json_string_value(json_object_get(cur, key));
}

/* The new value of an optional text member: *v keeps the current value when the member is
 * absent, becomes NULL when it is null (clears) and the given text otherwise. */
static md_code text_change(json_t *in, const char *key, size_t max, int is_date, const char **v,
                           md_err *err)
{
    json_t *j = json_object_get(in, key);
    if (!j) return MD_OK;
    if (json_is_null(j)) {
        *v = NULL;
        return MD_OK;
    }
    return is_date ? md_json_date(in, key, 1, v, NULL, err) : md_json_text(in, key, 1, max, v, err);
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void note(md_sbuf *b, const char *what)
{
    md_sbuf_appendf(b, "%s%s", b->len ? "," : "", what);
}

/* Other active admins of the clinic than id. */
static md_code other_admins(md_ctx *ctx, const char *id, int64_t *n, md_err *err)
{
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    return md_store_scalar_int(ctx->db,
                               "SELECT count(*) FROM staff WHERE clinic_id = $1 AND id <> $2 AND "
                               "role = 'admin' AND active = 1",
                               v, 2, n, err);
}

static md_code revoke_sessions(md_ctx *ctx, const char *id, md_err *err)
{
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    return md_store_exec(ctx->db,
                         "UPDATE sessions SET revoked = 1 WHERE clinic_id = $1 AND staff_id = $2 "
                         "AND revoked = 0",
                         v, 2, NULL, NULL, err);
}

md_code md_staff_update(md_ctx *ctx, const char *id, json_t *in, json_t **out, md_err *err)
{
    static const char *const allowed[] = {
        "role",           "display_name",   "active", "licence_number",
        "licence_expiry", "qualifications", "reason", NULL};
    json_t *cur = NULL;
    char *qtext = NULL;
    const char *role = NULL, *name = NULL, *reason = NULL;
    int active = 1, present = 0;
    md_code rc = md_require(ctx, MD_PERM_STAFF_WRITE, err);
    if (rc == MD_OK) rc = md_json_check_keys(in, allowed, "", err);
    if (rc == MD_OK) rc = md_staff_get(ctx, id, &cur, err);
    if (rc != MD_OK) goto done;
    const char *lic = cur_text(cur, "licence_number"), *exp = cur_text(cur, "licence_expiry");
    const char *old_role = cur_text(cur, "role");
    int was_active = json_is_true(json_object_get(cur, "active"));
    json_t *quals = json_object_get(in, "qualifications");
    if ((rc = md_json_text(in, "role", 0, 16, &role, err)) != MD_OK) goto done;
    if (role && md_role_parse(role) == MD_ROLE_NONE) {
        rc = md_err_set(err, MD_EUNPROCESSABLE, "role",
                        "role must be admin, practitioner, reception or auditor");
        goto done;
    }
    /* Given, a name must not be blank (required=1 refuses that). */
    if ((rc = md_json_text(in, "display_name", json_is_string(json_object_get(in, "display_name")),
                           200, &name, err)) != MD_OK)
        goto done;
    if ((rc = md_json_bool(in, "active", 0, &active, &present, err)) != MD_OK) goto done;
    if (!present) active = was_active;
    if ((rc = text_change(in, "licence_number", 64, 0, &lic, err)) != MD_OK) goto done;
    if ((rc = text_change(in, "licence_expiry", 0, 1, &exp, err)) != MD_OK) goto done;
    if ((rc = md_staff_check_qualifications(quals, err)) != MD_OK) goto done;
    if ((rc = md_json_text(in, "reason", 0, 500, &reason, err)) != MD_OK) goto done;
    if (!role) role = old_role;
    if (!name) name = cur_text(cur, "display_name");

    char changed[256];
    md_sbuf note_b;
    md_sbuf_init(&note_b, changed, sizeof changed);
    if (!same(role, old_role)) note(&note_b, "role");
    if (!same(name, cur_text(cur, "display_name"))) note(&note_b, "display_name");
    if (active != was_active) note(&note_b, active ? "reactivated" : "deactivated");
    if (!same(lic, cur_text(cur, "licence_number")) || !same(exp, cur_text(cur, "licence_expiry")))
        note(&note_b, "licence");
    if (quals && !json_is_null(quals) && !json_equal(quals, json_object_get(cur, "qualifications")))
        note(&note_b, "qualifications");

    int self = strcmp(id, ctx->who.staff_id) == 0;
    if (self && !same(role, old_role)) {
        rc = md_err_set(err, MD_ECONFLICT, "role", "you cannot change your own role");
        goto done;
    }
    if (self && !active) {
        rc = md_err_set(err, MD_ECONFLICT, "active", "you cannot deactivate your own account");
        goto done;
    }
    if (md_role_name_treats(role) && strcmp(role, "admin") != 0 && (!lic || !exp)) {
        rc = md_err_set(err, MD_EINVAL, lic ? "licence_expiry" : "licence_number",
                        "a practitioner needs a licence number and its expiry date");
        goto done;
    }
    if (!changed[0]) goto reread;
    if ((rc = md_write_begin(ctx, err)) != MD_OK) goto done;
    if (was_active && strcmp(old_role, "admin") == 0 && (!active || strcmp(role, "admin") != 0)) {
        int64_t n = 0;
        rc = other_admins(ctx, id, &n, err);
        if (rc == MD_OK && n == 0)
            rc = md_err_set(err, MD_ECONFLICT, active ? "role" : "active",
                            "the clinic would have no active admin left");
    }
    qtext =
        json_dumps(quals && !json_is_null(quals) ? quals : json_object_get(cur, "qualifications"),
                   JSON_COMPACT);
    if (rc == MD_OK && !qtext) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    char now[MD_TIME_STR];
    md_time_format(md_now(), now);
    md_val v[] = {md_text(ctx->who.clinic_id),
                  md_text(id),
                  md_text(role),
                  md_text(name),
                  md_int(active),
                  md_text(lic),
                  md_text(exp),
                  md_text(qtext),
                  md_text(now)};
    if (rc == MD_OK)
        rc = md_store_exec(ctx->db,
                           "UPDATE staff SET role = $3, display_name = $4, active = $5, "
                           "licence_number = $6, licence_expiry = $7, qualifications = $8, "
                           "updated_at = $9 WHERE clinic_id = $1 AND id = $2",
                           v, 9, NULL, NULL, err);
    /* A deactivated account's sessions end now, and stay ended if it is reactivated. */
    if (rc == MD_OK && !active && was_active) rc = revoke_sessions(ctx, id, err);
    /* The entry names what changed and, when given, why (the reason is not clinical). */
    if (reason && *reason)
        md_sbuf_appendf(&note_b, "%sreason: %.*s", note_b.len ? "," : "", /* cut to fit */
                        (int)(note_b.cap - note_b.len - sizeof "reason: " - (note_b.len ? 1 : 0)),
                        reason);
    md_audit_entry a = {"update", "staff", id, NULL, changed};
    if (rc == MD_OK) rc = md_audit(ctx, &a, err);
    if ((rc = md_write_finish(ctx, rc, err)) != MD_OK) goto done;
reread:
    if (out) {
        json_decref(cur);
        cur = NULL;
        rc = md_staff_get(ctx, id, out, err);
    }
done:
    free(qtext);
    json_decref(cur);
    return rc;
}

md_code md_staff_set_password(md_ctx *ctx, const char *id, const char *password, char generated[21],
                              md_err *err)
{
    json_t *cur = NULL;
    char hash[crypto_pwhash_STRBYTES], now[MD_TIME_STR];
    md_code rc = md_require(ctx, MD_PERM_STAFF_WRITE, err);
    if (rc == MD_OK) rc = md_staff_get(ctx, id, &cur, err);
    json_decref(cur);
    if (rc != MD_OK) return rc;
    if (strcmp(id, ctx->who.staff_id) == 0)
        return md_err_set(err, MD_ECONFLICT, "id",
                          "you cannot reset your own password here: sign out and ask another "
                          "admin, or use the command line");
    if (!password) {
        md_password_generate(generated);
        password = generated;
    }
    if ((rc = md_password_hash(password, hash, sizeof hash, err)) != MD_OK) return rc;
    md_time_format(md_now(), now);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id), md_text(hash), md_text(now)};
    md_audit_entry a = {"update", "staff", id, NULL,
                        password == generated ? "password generated" : "password set"};
    if ((rc = md_write_begin(ctx, err)) != MD_OK) return rc;
    rc = md_store_exec(ctx->db,
                       "UPDATE staff SET password_hash = $3, updated_at = $4 WHERE clinic_id = $1 "
                       "AND id = $2",
                       v, 4, NULL, NULL, err);
    if (rc == MD_OK) rc = revoke_sessions(ctx, id, err);
    if (rc == MD_OK) rc = md_audit(ctx, &a, err);
    sodium_memzero(hash, sizeof hash);
    return md_write_finish(ctx, rc, err);
}

static const char *const staff_roles[] = {"admin",   "practitioner",     "reception",
                                          "auditor", "medical_director", NULL};

static json_t *staff_json_from_row(const md_row *r)
{
    /* columns: id, email, display_name, role, licence_number, licence_expiry,
     * qualifications, active, created_at, updated_at */
    json_t *o = json_object();
    static const char *names[] = {"id",   "email",          "display_name",
                                  "role", "licence_number", "licence_expiry"};
    for (int i = 0; i < 6; i++) {
        const char *t = md_row_text(r, i);
        json_object_set_new(o, names[i], t ? json_string(t) : json_null());
    }
    json_t *q = json_loads(md_row_text(r, 6), 0, NULL);
    json_object_set_new(o, "qualifications", q ? q : json_array());
    json_object_set_new(o, "active", json_boolean(md_row_int(r, 7)));
    json_object_set_new(o, "created_at", json_string(md_row_text(r, 8)));
    json_object_set_new(o, "updated_at", json_string(md_row_text(r, 9)));
    return o;
}

#define STAFF_COLUMNS                                                                              \
    "id, email, display_name, role, licence_number, licence_expiry, qualifications, active, "      \
    "created_at, updated_at"

static int staff_collect(void *ctx, const md_row *r)
{
    json_array_append_new((json_t *)ctx, staff_json_from_row(r));
    return 0;
}

md_code md_staff_create(md_ctx *ctx, json_t *in, const char *password, json_t **out, md_err *err)
{
    static const char *const allowed[] = {
        "email",          "display_name",   "role",     "licence_number",
        "licence_expiry", "qualifications", "password", NULL};
    md_code rc = md_require(ctx, MD_PERM_STAFF_WRITE, err);
    if (rc != MD_OK) return rc;
    if ((rc = md_json_check_keys(in, allowed, "", err)) != MD_OK) return rc;
    const char *email, *name, *role, *lic = NULL, *expiry = NULL;
    if ((rc = md_json_email(in, "email", 1, &email, err)) != MD_OK) return rc;
    if ((rc = md_json_text(in, "display_name", 1, 200, &name, err)) != MD_OK) return rc;
    if ((rc = md_json_enum(in, "role", 1, staff_roles, &role, err)) != MD_OK) return rc;
    if ((rc = md_json_text(in, "licence_number", 0, 64, &lic, err)) != MD_OK) return rc;
    if ((rc = md_json_date(in, "licence_expiry", 0, &expiry, NULL, err)) != MD_OK) return rc;
    json_t *quals = json_object_get(in, "qualifications");
    if ((rc = md_staff_check_qualifications(quals, err)) != MD_OK) return rc;
    if (md_role_name_treats(role) && strcmp(role, "admin") != 0 && (!lic || !expiry))
        return md_err_set(err, MD_EINVAL, lic ? "licence_expiry" : "licence_number",
                          "a practitioner needs a licence number and its expiry date");
    char hash[crypto_pwhash_STRBYTES];
    if ((rc = md_password_hash(password, hash, sizeof hash, err)) != MD_OK) return rc;
    char id[MD_ID_STR], now[MD_TIME_STR];
    md_id_new(id);
    md_time_format(md_now(), now);
    char *qtext = quals && json_is_array(quals) ? json_dumps(quals, JSON_COMPACT) : strdup("[]");
    if (!qtext) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_val v[] = {md_text(ctx->who.clinic_id),
                  md_text(id),
                  md_text(email),
                  md_text(name),
                  md_text(role),
                  md_text(hash),
                  md_text(lic),
                  md_text(expiry),
                  md_text(qtext),
                  md_text(now)};
    md_audit_entry a = {"create", "staff", id, NULL, role};
    rc = md_write_begin(ctx, err);
    if (rc == MD_OK) {
        rc = md_store_exec(ctx->db,
                           "INSERT INTO staff (clinic_id, id, email, display_name, role, "
                           "password_hash, licence_number, licence_expiry, qualifications, "
                           "active, created_at, updated_at) VALUES ($1, $2, lower($3), $4, $5, "
                           "$6, $7, $8, $9, 1, $10, $10)",
                           v, 10, NULL, NULL, err);
        if (rc == MD_ECONFLICT)
            md_err_set(err, MD_ECONFLICT, "email", "a staff account with this email exists");
        if (rc == MD_OK) rc = md_audit(ctx, &a, err);
        rc = md_write_finish(ctx, rc, err);
    }
    free(qtext);
    if (rc != MD_OK) return rc;
    return md_staff_get(ctx, id, out, err);
}

md_code md_staff_list(md_ctx *ctx, json_t **out, md_err *err)
{
    md_code rc = md_require(ctx, MD_PERM_STAFF_READ, err);
    if (rc != MD_OK) return rc;
    json_t *items = json_array();
    md_val v[] = {md_text(ctx->who.clinic_id)};
    rc = md_store_exec(ctx->db,
                       "SELECT " STAFF_COLUMNS " FROM staff WHERE clinic_id = $1 "
                       "ORDER BY display_name, id",
                       v, 1, staff_collect, items, err);
    if (rc != MD_OK) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return MD_OK;
}

md_code md_staff_get(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    md_code rc = md_require(ctx, MD_PERM_STAFF_READ, err);
    if (rc != MD_OK) return rc;
    json_t *items = json_array();
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    rc = md_store_exec(ctx->db,
                       "SELECT " STAFF_COLUMNS " FROM staff WHERE clinic_id = $1 AND id = $2", v, 2,
                       staff_collect, items, err);
    if (rc == MD_OK && json_array_size(items) == 0)
        rc = md_err_set(err, MD_ENOTFOUND, "id", "no such staff member");
    if (rc == MD_OK) *out = json_incref(json_array_get(items, 0));
    json_decref(items);
    return rc;
}
