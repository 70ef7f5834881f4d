/*
 * credential.c - staff licences and qualifications (credential.h): the kind, its routes'
 * domain functions, the expiring worklist, and md_credential_check, which the booking
 * (and later the charting) gate asks before a treatment.
 *
 * A credential's status, one version at a time (each move a new version, who and why):
 *   ACTIVE <--> SUSPENDED,  ACTIVE | SUSPENDED --> REVOKED,  any --> ENTERED_IN_ERROR
 * Only an ACTIVE credential of a type that authorises treatments (kb: a licence), with the
 * scope asked for, issued on or before the day and expiring on or after it, lets a staff
 * member treat; an active account with the practitioner or admin role is needed too.
 * Expiry is a date, not a status: a lapsed licence needs no write to stop counting.
 *
 * What the kb says (kb/credentials.json): which types need an expiry date, which authorise
 * treatments, which scope codes exist.  Without a kb (unit tests of pure parts) any
 * [a-z0-9_] code is accepted and no type authorises anything.
 */
#include "mesodesk/credential.h"
#include "mesodesk/audit.h"
#include "mesodesk/commit.h"
#include "mesodesk/content.h"
#include "mesodesk/clinic.h"
#include "mesodesk/day.h"
#include "mesodesk/validate.h"
#include "record_int.h"
#include "stock_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the kind ---- */

static const char *const cred_status[] = {"active", "suspended", "revoked", "entered_in_error",
                                          NULL};

static int token_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 32) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

/* scopes: an array of distinct kb scope codes. */
static md_code check_scopes(const md_ctx *ctx, json_t *v, const char *field, md_err *err)
{
    size_t i, n = json_array_size(v);
    json_t *s;
    if (n > 16) return md_err_set(err, MD_EUNPROCESSABLE, field, "at most 16 scopes");
    json_array_foreach(v, i, s)
    {
        const char *code = json_string_value(s);
        if (!code || !token_ok(code))
            return md_err_set(err, MD_EINVAL, field, "each scope is a code such as injectables");
        if (ctx->kb && !md_kb_credential_scope(ctx->kb, code))
            return md_err_set(err, MD_EUNPROCESSABLE, field, "unknown scope '%s'", code);
        for (size_t k = 0; k < i; k++)
            if (strcmp(json_string_value(json_array_get(v, k)), code) == 0)
                return md_err_set(err, MD_EUNPROCESSABLE, field, "scope '%s' given twice", code);
    }
    return MD_OK;
}

/* evidence: written by md_credential_evidence_add only; each item as it wrote it. */
static md_code check_evidence(const md_ctx *ctx, json_t *v, const char *field, md_err *err)
{
    (void)ctx;
    size_t i;
    json_t *e;
    if (json_array_size(v) > 20) return md_err_set(err, MD_ETOOBIG, field, "at most 20 files");
    json_array_foreach(v, i, e)
    {
        const char *h = json_string_value(json_object_get(e, "hash"));
        if (!json_is_object(e) || !h || strlen(h) != 64 ||
            !json_is_string(json_object_get(e, "media_type")))
            return md_err_set(err, MD_EINVAL, field, "evidence is added by uploading a file");
    }
    return MD_OK;
}

/* The type is the kb's; a type that needs it has an expiry date; the expiry is not before
 * the issue. */
static md_code check_credential(md_ctx *ctx, json_t *rec, md_err *err)
{
    const char *type = json_string_value(json_object_get(rec, "type"));
    const char *issued = json_string_value(json_object_get(rec, "issued_on"));
    const char *expires = json_string_value(json_object_get(rec, "expires_on"));
    const md_cred_type *t = ctx->kb ? md_kb_credential_type(ctx->kb, type) : NULL;
    if (!token_ok(type) || (ctx->kb && !t))
        return md_err_set(err, MD_EUNPROCESSABLE, "type",
                          "unknown credential type '%.40s' (licence, registration, "
                          "qualification, insurance)",
                          type ? type : "");
    if (t && t->requires_expiry && !expires)
        return md_err_set(err, MD_EINVAL, "expires_on", "a %s needs expires_on", t->label);
    if (issued && expires && strcmp(expires, issued) < 0)
        return md_err_set(err, MD_EUNPROCESSABLE, "expires_on",
                          "expires_on %s is before issued_on %s", expires, issued);
    return MD_OK;
}

static const md_field credential_fields[] = {
    {.name = "staff_id", .type = MD_F_TEXT, .required = 1, .max_len = 32, .doc = "the holder"},
    {.name = "type",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 32,
     .doc = "kb credential type: licence, registration, qualification, insurance"},
    {.name = "number", .type = MD_F_TEXT, .max_len = 64, .doc = "the licence or register number"},
    {.name = "issuing_body", .type = MD_F_TEXT, .required = 1, .max_len = 200},
    {.name = "issued_on", .type = MD_F_DATE, .required = 1},
    {.name = "expires_on", .type = MD_F_DATE, .doc = "required for a licence"},
    {.name = "scopes",
     .type = MD_F_JSON,
     .array = 1,
     .json_check = check_scopes,
     .doc = "kb scope codes the credential covers (injectables, ...)"},
    {.name = "status", .type = MD_F_ENUM, .required = 1, .values = cred_status, .dflt = "active"},
    {.name = "evidence",
     .type = MD_F_JSON,
     .array = 1,
     .json_check = check_evidence,
     .doc = "uploaded files, by content hash (POST .../evidence)"},
    {.name = "note", .type = MD_F_TEXT, .max_len = 1000},
    {0},
};

const md_record_kind md_kind_credential = {
    .name = "credential",
    .table = "staff_credentials",
    .schema = "Credential",
    .title = "credentials",
    .read_perm = MD_PERM_SCHEDULE_READ,
    .write_perm = MD_PERM_STAFF_WRITE,
    .fields = credential_fields,
    .status_field = "status",
    .hooks = {.check = check_credential},
};

/* ---- who may read ---- */

/* staff_id of the clinic: MD_ENOTFOUND ("staff_id") otherwise; fills role and active. */
typedef struct staff_row {
    char role[16], name[201];
    int active, found;
} staff_row;

static int staff_row_fn(void *va, const md_row *r)
{
    staff_row *s = va;
    md_strlcpy(s->role, md_row_text(r, 0), sizeof s->role);
    md_strlcpy(s->name, md_row_text(r, 1), sizeof s->name);
    s->active = (int)md_row_int(r, 2);
    s->found = 1;
    return 0;
}

static md_code staff_load(md_ctx *ctx, const char *staff_id, const char *field, staff_row *s,
                          md_err *err)
{
    memset(s, 0, sizeof *s);
    if (!staff_id || !md_id_valid(staff_id))
        return md_err_set(err, MD_ENOTFOUND, field, "no such staff member");
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(staff_id)};
    md_code rc = md_store_exec(ctx->db,
                               "SELECT role, display_name, active FROM staff WHERE clinic_id = $1 "
                               "AND id = $2",
                               v, 2, staff_row_fn, s, err);
    if (rc == MD_OK && !s->found)
        rc = md_err_set(err, MD_ENOTFOUND, field, "no such staff member in this clinic");
    return rc;
}

/* A staff member reads their own credentials; an admin everyone's. */
static md_code may_read(md_ctx *ctx, const char *staff_id, md_err *err)
{
    if (md_require(ctx, MD_PERM_STAFF_WRITE, NULL) == MD_OK) return MD_OK;
    if (staff_id && strcmp(ctx->who.staff_id, staff_id) == 0)
        return md_require(ctx, MD_PERM_SCHEDULE_READ, err);
    return md_err_set(err, MD_EFORBIDDEN, NULL, "a %s reads their own credentials only",
                      md_role_name(ctx->who.role));
}

/* The current version of credential id held by staff_id (MD_ENOTFOUND "id" otherwise). */
static md_code held(md_ctx *ctx, const char *staff_id, const char *id, json_t **out, md_err *err)
{
    json_t *rec = NULL;
    md_code rc = md__record_current(ctx, &md_kind_credential, NULL, id, &rec, err);
    if (rc != MD_OK) return rc;
    const char *owner = json_string_value(json_object_get(rec, "staff_id"));
    if (!owner || strcmp(owner, staff_id) != 0) {
        json_decref(rec);
        return md_err_set(err, MD_ENOTFOUND, "id", "no such credential for this staff member");
    }
    *out = rec;
    return MD_OK;
}

static md_code audit_read(md_ctx *ctx, const char *id, const char *detail, md_err *err)
{
    md_audit_entry e = {"read", md_kind_credential.name, id, NULL, detail};
    return md_audit(ctx, &e, err);
}

/* ---- reads ---- */

md_code md_credential_list(md_ctx *ctx, const char *staff_id, int include_all, json_t **out,
                           md_err *err)
{
    staff_row s;
    json_t *items = NULL;
    md_code rc = may_read(ctx, staff_id, err);
    if (rc == MD_OK) rc = staff_load(ctx, staff_id, "staff_id", &s, err);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(staff_id)};
    if (rc == MD_OK)
        rc = md__record_query(ctx, &md_kind_credential,
                              include_all
                                  ? "clinic_id = $1 AND staff_id = $2 AND current = 1 "
                                    "ORDER BY issued_on, id"
                                  : "clinic_id = $1 AND staff_id = $2 AND current = 1 "
                                    "AND status <> 'entered_in_error' ORDER BY issued_on, id",
                              v, 2, &items, err);
    if (rc == MD_OK) rc = audit_read(ctx, staff_id, "credentials of a staff member", err);
    if (rc == MD_OK && !(*out = json_pack("{s:O}", "items", items)))
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    json_decref(items);
    return rc;
}

md_code md_credential_get(md_ctx *ctx, const char *staff_id, const char *id, json_t **out,
                          md_err *err)
{
    json_t *rec = NULL;
    md_code rc = may_read(ctx, staff_id, err);
    if (rc == MD_OK) rc = held(ctx, staff_id, id, &rec, err);
    if (rc == MD_OK) rc = audit_read(ctx, id, NULL, err);
    if (rc == MD_OK) {
        *out = rec;
        return MD_OK;
    }
    json_decref(rec);
    return rc;
}

/* The caller may act (write: MD_PERM_STAFF_WRITE, else may_read) on credential id of
 * staff_id, which holds it. */
static md_code may_touch(md_ctx *ctx, const char *staff_id, const char *id, int write, md_err *err)
{
    json_t *rec = NULL;
    md_code rc = write ? md_require(ctx, MD_PERM_STAFF_WRITE, err) : may_read(ctx, staff_id, err);
    if (rc == MD_OK) rc = held(ctx, staff_id, id, &rec, err);
    json_decref(rec);
    return rc;
}

md_code md_credential_history(md_ctx *ctx, const char *staff_id, const char *id, json_t **out,
                              md_err *err)
{
    /* The engine audits the history read. */
    md_code rc = may_touch(ctx, staff_id, id, 0, err);
    return rc == MD_OK ? md_record_history(ctx, &md_kind_credential, NULL, id, out, err) : rc;
}

/* ---- writes ---- */

static md_code no_evidence(json_t *in, md_err *err)
{
    if (!json_is_object(in)) return md_err_set(err, MD_EINVAL, NULL, "the body must be an object");
    if (json_object_get(in, "evidence"))
        return md_err_set(err, MD_EUNPROCESSABLE, "evidence",
                          "evidence is added by uploading a file (POST .../evidence)");
    return MD_OK;
}

md_code md_credential_create(md_ctx *ctx, const char *staff_id, json_t *in, json_t **out,
                             md_err *err)
{
    staff_row s;
    md_code rc = md_require(ctx, MD_PERM_STAFF_WRITE, err);
    if (rc == MD_OK) rc = no_evidence(in, err);
    const char *given = json_string_value(json_object_get(in, "staff_id"));
    if (rc == MD_OK && json_object_get(in, "staff_id") && (!given || strcmp(given, staff_id) != 0))
        rc = md_err_set(err, MD_EUNPROCESSABLE, "staff_id",
                        "staff_id differs from the staff member of the path");
    if (rc == MD_OK) rc = staff_load(ctx, staff_id, "staff_id", &s, err);
    if (rc != MD_OK) return rc;
    json_t *body = json_deep_copy(in);
    if (!body) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    json_object_set_new(body, "staff_id", json_string(staff_id));
    rc = md_record_create(ctx, &md_kind_credential, NULL, body, out, err);
    json_decref(body);
    return rc;
}

md_code md_credential_update(md_ctx *ctx, const char *staff_id, const char *id, json_t *in,
                             json_t **out, md_err *err)
{
    md_code rc = no_evidence(in, err);
    if (rc == MD_OK && json_object_get(in, "staff_id"))
        rc = md_err_set(err, MD_EUNPROCESSABLE, "staff_id",
                        "a credential stays with its holder: record a new one");
    if (rc == MD_OK) rc = may_touch(ctx, staff_id, id, 1, err);
    return rc == MD_OK ? md_record_update(ctx, &md_kind_credential, NULL, id, in, out, err) : rc;
}

md_code md_credential_entered_in_error(md_ctx *ctx, const char *staff_id, const char *id,
                                       json_t *in, json_t **out, md_err *err)
{
    md_code rc = may_touch(ctx, staff_id, id, 1, err);
    return rc == MD_OK
               ? md_record_entered_in_error(ctx, &md_kind_credential, NULL, id, in, out, err)
               : rc;
}

/* ---- the check ---- */

typedef struct verdict {
    int ok;
    const char *code; /* when !ok */
    char message[200];
} verdict;

/* Whether one credential lets its holder treat within scope on day; a reason otherwise
 * (NULL code: the credential does not bear on the scope at all). */
static void judge_one(const md_ctx *ctx, json_t *c, const char *scope, md_day day, verdict *v)
{
    const char *type = json_string_value(json_object_get(c, "type"));
    const md_cred_type *t = md_kb_credential_type(ctx->kb, type);
    const char *num = json_string_value(json_object_get(c, "number"));
    const char *status = json_string_value(json_object_get(c, "status"));
    const char *issued = json_string_value(json_object_get(c, "issued_on"));
    const char *expires = json_string_value(json_object_get(c, "expires_on"));
    json_t *scopes = json_object_get(c, "scopes"), *s;
    size_t i;
    int has = 0;
    md_day di = 0, de = 0;
    char what[120];
    v->ok = 0;
    v->code = NULL;
    if (!t || !t->authorises) return;
    json_array_foreach(scopes, i, s) has |=
        json_string_value(s) && scope && strcmp(json_string_value(s), scope) == 0;
    if (!has) return;
    snprintf(what, sizeof what, "the %s%s%.64s", t->label, num ? " " : "", num ? num : "");
    if (strcmp(status, "active") != 0) {
        v->code = "suspended";
        snprintf(v->message, sizeof v->message, "%s is %s", what, status);
    } else if (!issued || md_date_parse(issued, &di) != 0 || di > day) {
        v->code = "not_yet_valid";
        snprintf(v->message, sizeof v->message, "%s is valid from %s", what, issued ? issued : "?");
    } else if (!expires || md_date_parse(expires, &de) != 0) {
        v->code = "no_expiry";
        snprintf(v->message, sizeof v->message, "%s has no expiry date", what);
    } else if (de < day) {
        v->code = "expired";
        snprintf(v->message, sizeof v->message, "%s expired on %s", what, expires);
    } else {
        v->ok = 1;
    }
}

/* The verdict for one staff member from their account and current credentials. */
static void judge(const md_ctx *ctx, const staff_row *s, json_t *creds, const char *scope,
                  md_day day, verdict *out)
{
    size_t i;
    json_t *c;
    memset(out, 0, sizeof *out);
    if (!s->active) {
        out->code = "inactive";
        snprintf(out->message, sizeof out->message, "%.100s's account is deactivated", s->name);
        return;
    }
    if (!md_role_name_treats(s->role)) {
        out->code = "role";
        snprintf(out->message, sizeof out->message, "%.100s is %s staff, not a practitioner",
                 s->name, s->role);
        return;
    }
    out->code = "no_licence";
    snprintf(out->message, sizeof out->message, "no current licence with scope %.60s",
             scope ? scope : "?");
    json_array_foreach(creds, i, c)
    {
        verdict one;
        judge_one(ctx, c, scope, day, &one);
        if (one.ok) {
            out->ok = 1;
            out->code = NULL;
            return;
        }
        if (one.code) *out = one; /* the last issued that bears on the scope explains */
    }
}

#define CREDS_WHERE "current = 1 AND status <> 'entered_in_error' ORDER BY issued_on, id"

md_code md_credential_check(md_ctx *ctx, const char *staff_id, const char *scope, md_day day,
                            md_err *err)
{
    staff_row s;
    json_t *creds = NULL;
    verdict v;
    md_code rc = staff_load(ctx, staff_id, "practitioner_id", &s, err);
    md_val p[] = {md_text(ctx->who.clinic_id), md_text(staff_id)};
    if (rc == MD_OK && s.active)
        rc = md__record_query(ctx, &md_kind_credential,
                              "clinic_id = $1 AND staff_id = $2 AND " CREDS_WHERE, p, 2, &creds,
                              err);
    if (rc != MD_OK) return rc;
    judge(ctx, &s, creds, scope, day, &v);
    json_decref(creds);
    if (v.ok) return MD_OK;
    return md_err_set(err, MD_ECONFLICT, "practitioner_id", "%s", v.message);
}

typedef struct staff_all {
    json_t *map; /* staff_id -> {"role","name","active","creds":[...]} */
} staff_all;

static int staff_all_row(void *va, const md_row *r)
{
    staff_all *a = va;
    json_object_set_new(a->map, md_row_text(r, 0),
                        json_pack("{s:s,s:s,s:b,s:[]}", "role", md_row_text(r, 1), "name",
                                  md_row_text(r, 2), "active", (int)md_row_int(r, 3), "creds"));
    return 0;
}

/* Every staff member of the clinic with their current credentials (not entered in error),
 * in two statements. */
static md_code load_clinic(md_ctx *ctx, json_t **out, md_err *err)
{
    staff_all a = {.map = json_object()};
    json_t *creds = NULL;
    md_val p[] = {md_text(ctx->who.clinic_id)};
    md_code rc = a.map ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK)
        rc = md_store_exec(ctx->db,
                           "SELECT id, role, display_name, active FROM staff WHERE clinic_id = $1 "
                           "ORDER BY id",
                           p, 1, staff_all_row, &a, err);
    if (rc == MD_OK)
        rc = md__record_query(ctx, &md_kind_credential, "clinic_id = $1 AND " CREDS_WHERE, p, 1,
                              &creds, err);
    size_t i;
    json_t *c;
    json_array_foreach(rc == MD_OK ? creds : NULL, i, c)
    {
        json_t *st = json_object_get(a.map, json_string_value(json_object_get(c, "staff_id")));
        if (st) json_array_append(json_object_get(st, "creds"), c);
    }
    json_decref(creds);
    if (rc != MD_OK) {
        json_decref(a.map);
        return rc;
    }
    *out = a.map;
    return MD_OK;
}

static void staff_of(json_t *st, staff_row *s)
{
    memset(s, 0, sizeof *s);
    s->active = json_is_true(json_object_get(st, "active"));
    s->found = 1;
    md_strlcpy(s->role, json_string_value(json_object_get(st, "role")), sizeof s->role);
    md_strlcpy(s->name, json_string_value(json_object_get(st, "name")), sizeof s->name);
}

md_code md_credential_check_all(md_ctx *ctx, const char *scope, md_day day, json_t **out,
                                md_err *err)
{
    json_t *map = NULL, *res = json_object(), *st;
    const char *id;
    md_code rc = res ? load_clinic(ctx, &map, err) : md_err_set(err, MD_ENOMEM, NULL, "no memory");
    json_object_foreach(rc == MD_OK ? map : NULL, id, st)
    {
        staff_row s;
        verdict v;
        staff_of(st, &s);
        judge(ctx, &s, json_object_get(st, "creds"), scope, day, &v);
        json_object_set_new(
            res, id,
            v.ok ? json_pack("{s:b}", "ok", 1)
                 : json_pack("{s:b,s:s,s:s}", "ok", 0, "code", v.code, "message", v.message));
    }
    json_decref(map);
    if (rc != MD_OK) {
        json_decref(res);
        return rc;
    }
    *out = res;
    return MD_OK;
}

/* ---- the expiring worklist ---- */

/* Whether the holder has another active credential of type valid on day. */
static int renewed(json_t *creds, json_t *c, const char *type, md_day day)
{
    size_t i;
    json_t *o;
    json_array_foreach(creds, i, o)
    {
        md_day di, de;
        const char *iss = json_string_value(json_object_get(o, "issued_on"));
        const char *exp = json_string_value(json_object_get(o, "expires_on"));
        if (o == c || strcmp(json_string_value(json_object_get(o, "type")), type) != 0 ||
            strcmp(json_string_value(json_object_get(o, "status")), "active") != 0)
            continue;
        if (iss && exp && md_date_parse(iss, &di) == 0 && md_date_parse(exp, &de) == 0 &&
            di <= day && de >= day)
            return 1;
    }
    return 0;
}

static int by_expiry(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = strcmp(json_string_value(json_object_get(x, "expires_on")),
                   json_string_value(json_object_get(y, "expires_on")));
    return c ? c
             : strcmp(json_string_value(json_object_get(x, "id")),
                      json_string_value(json_object_get(y, "id")));
}

static md_code expiring_items(md_ctx *ctx, json_t *map, md_day today, long within, json_t *items,
                              md_err *err)
{
    const char *sid;
    json_t *st, *c;
    size_t i, n = 0;
    json_object_foreach(map, sid, st)
    {
        json_t *creds = json_object_get(st, "creds");
        int active = json_is_true(json_object_get(st, "active"));
        json_array_foreach(creds, i, c)
        {
            const char *type = json_string_value(json_object_get(c, "type"));
            const char *exp = json_string_value(json_object_get(c, "expires_on"));
            const md_cred_type *t = md_kb_credential_type(ctx->kb, type);
            md_day de;
            if (!t || !t->requires_expiry || !exp || md_date_parse(exp, &de) != 0 ||
                strcmp(json_string_value(json_object_get(c, "status")), "active") != 0)
                continue;
            int expired = de < today;
            if (de > today + within) continue;
            if (expired && (!active || renewed(creds, c, type, today))) continue;
            json_t *it = json_deep_copy(c);
            json_object_set(it, "staff_name", json_object_get(st, "name"));
            json_object_set(it, "staff_role", json_object_get(st, "role"));
            json_object_set_new(it, "staff_active", json_boolean(active));
            json_object_set_new(it, "days_left", json_integer(de - today));
            json_object_set_new(it, "expired", json_boolean(expired));
            if (!it || json_array_append_new(items, it) != 0)
                return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
            n++;
        }
    }
    return md_json_array_sort(items, by_expiry, err);
}

md_code md_credential_expiring(md_ctx *ctx, long within_days, json_t **out, md_err *err)
{
    long dflt, max;
    json_t *map = NULL, *items = json_array();
    char today_s[MD_DATE_STR];
    md_kb_credential_window(ctx->kb, &dflt, &max);
    if (within_days < 0) within_days = dflt;
    md_code rc = md_require(ctx, MD_PERM_STAFF_WRITE, err);
    if (rc == MD_OK && within_days > max)
        rc = md_err_set(err, MD_EUNPROCESSABLE, "within", "within is at most %ld days", max);
    if (rc == MD_OK && !items) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_day today = 0;
    char zone[MD_ZONE_STR];
    if (rc == MD_OK) rc = md_clinic_zone(ctx, zone, &today, err);
    if (rc == MD_OK) rc = load_clinic(ctx, &map, err);
    if (rc == MD_OK) rc = expiring_items(ctx, map, today, within_days, items, err);
    if (rc == MD_OK) rc = audit_read(ctx, ctx->who.clinic_id, "expiring credentials", err);
    md_date_format(today, today_s);
    if (rc == MD_OK && !(*out = json_pack("{s:I,s:s,s:O}", "within", (json_int_t)within_days,
                                          "today", today_s, "items", items)))
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    json_decref(map);
    json_decref(items);
    return rc;
}

/* ---- evidence ---- */

/* The media type of a file by its first bytes: PDF, PNG or JPEG; NULL for anything else. */
static const char *sniff(const unsigned char *d, size_t n)
{
    static const struct {
        const char *magic;
        size_t len;
        const char *type;
    } kinds[] = {{"%PDF-", 5, "application/pdf"},
                 {"\x89PNG\r\n\x1a\n", 8, "image/png"},
                 {"\xff\xd8\xff", 3, "image/jpeg"}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (n >= kinds[i].len && memcmp(d, kinds[i].magic, kinds[i].len) == 0) return kinds[i].type;
    return NULL;
}

/* The file of in, decoded and checked: bytes in ctx->arena, its media type. */
static md_code evidence_input(md_ctx *ctx, json_t *in, const char **filename, unsigned char **bytes,
                              size_t *len, const char **type, md_err *err)
{
    static const char *const keys[] = {"filename", "data", "media_type", NULL};
    const char *b64 = NULL, *given = NULL;
    md_code rc =
        json_is_object(in) ? MD_OK : md_err_set(err, MD_EINVAL, NULL, "the body must be an object");
    if (rc == MD_OK) rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK) rc = md_json_text(in, "filename", 1, 200, filename, err);
    if (rc == MD_OK) rc = md_json_text(in, "media_type", 0, 127, &given, err);
    if (rc == MD_OK && !json_is_string(json_object_get(in, "data")))
        rc = md_err_set(err, MD_EINVAL, "data", "data (the file, base64) is required");
    if (rc != MD_OK) return rc;
    b64 = json_string_value(json_object_get(in, "data"));
    size_t n = strlen(b64), cap = n / 4 * 3 + 3;
    if (cap > MD_CREDENTIAL_EVIDENCE_MAX + 3)
        return md_err_set(err, MD_ETOOBIG, "data", "the file is over %d bytes",
                          MD_CREDENTIAL_EVIDENCE_MAX);
    unsigned char *buf = md_arena_alloc(ctx->arena, cap + 1);
    if (!buf) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (sodium_base642bin(buf, cap, b64, n, " \r\n", len, NULL, sodium_base64_VARIANT_ORIGINAL) !=
            0 ||
        *len == 0)
        return md_err_set(err, MD_EINVAL, "data", "data must be the file in base64");
    if (*len > MD_CREDENTIAL_EVIDENCE_MAX)
        return md_err_set(err, MD_ETOOBIG, "data", "the file is over %d bytes",
                          MD_CREDENTIAL_EVIDENCE_MAX);
    if (!(*type = sniff(buf, *len)))
        return md_err_set(err, MD_EUNPROCESSABLE, "data",
                          "evidence is a PDF, PNG or JPEG file (by its content)");
    if (given && strcmp(given, *type) != 0)
        return md_err_set(err, MD_EUNPROCESSABLE, "media_type", "the file is %s, not %.64s", *type,
                          given);
    *bytes = buf;
    return MD_OK;
}

static md_code evidence_write(md_ctx *ctx, const char *staff_id, const char *id, const char *name,
                              const unsigned char *bytes, size_t len, const char *type,
                              json_t **out, md_err *err)
{
    char hash[MD_SHA256_STR], now[MD_TIME_STR], reason[240];
    json_t *rec = NULL;
    md_code rc = held(ctx, staff_id, id, &rec, err);
    if (rc == MD_OK)
        rc = md_content_put(ctx, type, bytes, len, MD_CREDENTIAL_EVIDENCE_MAX, "data", hash, err);
    json_t *list = rc == MD_OK ? json_object_get(rec, "evidence") : NULL, *e;
    size_t i;
    json_array_foreach(list, i,
                       e) if (rc == MD_OK &&
                              strcmp(json_string_value(json_object_get(e, "hash")), hash) == 0) rc =
        md_err_set(err, MD_ECONFLICT, "data", "this file is attached already");
    if (rc == MD_OK) {
        json_t *next = json_is_array(list) ? json_deep_copy(list) : json_array();
        md_time_format(md_now(), now);
        json_array_append_new(next,
                              json_pack("{s:s,s:s,s:s,s:I,s:s,s:s}", "hash", hash, "media_type",
                                        type, "filename", name, "size", (json_int_t)len, "added_at",
                                        now, "added_by", md_actor_id(ctx)));
        snprintf(reason, sizeof reason, "evidence added: %.200s", name);
        json_t *up = json_pack("{s:o,s:s}", "evidence", next, "reason", reason);
        rc = md_record_update(ctx, &md_kind_credential, NULL, id, up, out, err);
        json_decref(up);
    }
    json_decref(rec);
    return rc;
}

md_code md_credential_evidence_add(md_ctx *ctx, const char *staff_id, const char *id, json_t *in,
                                   json_t **out, md_err *err)
{
    const char *name = NULL, *type = NULL;
    unsigned char *bytes = NULL;
    size_t len = 0;
    json_t *made = NULL;
    md_code rc = md_require(ctx, MD_PERM_STAFF_WRITE, err);
    if (rc == MD_OK) rc = evidence_input(ctx, in, &name, &bytes, &len, &type, err);
    if (rc == MD_OK) rc = md_write_begin(ctx, err);
    if (rc != MD_OK) return rc;
    rc = evidence_write(ctx, staff_id, id, name, bytes, len, type, &made, err);
    return md__write_answer(ctx, rc, made, out, err);
}

md_code md_credential_evidence_get(md_ctx *ctx, const char *staff_id, const char *id,
                                   const char *sha256, char media_type[128], unsigned char **data,
                                   size_t *len, md_err *err)
{
    json_t *rec = NULL, *e;
    size_t i;
    int listed = 0;
    md_code rc = may_read(ctx, staff_id, err);
    if (rc == MD_OK) rc = held(ctx, staff_id, id, &rec, err);
    json_array_foreach(rc == MD_OK ? json_object_get(rec, "evidence") : NULL, i, e) listed |=
        sha256 && strcmp(json_string_value(json_object_get(e, "hash")), sha256) == 0;
    json_decref(rec);
    if (rc == MD_OK && !listed)
        rc = md_err_set(err, MD_ENOTFOUND, "sha256", "the credential lists no such file");
    if (rc == MD_OK) rc = md_content_get(ctx, sha256, media_type, data, len, err);
    if (rc == MD_OK) rc = audit_read(ctx, id, "evidence of a credential", err);
    return rc;
}
