/*
 * protocol.c - the clinic's choices of protocol values (course.h, "protocol_setting") and the
 * effective protocol: the kb's (kb/protocols.json) with the clinic's choices inside the cited
 * ranges.
 *
 * A setting is a clinic-level versioned record, one current per (clinic, protocol): the
 * first choice creates it, every later one is its next version with who, when and why
 * (stored and audited by the record engine).  A value null (or never chosen) is the shipped
 * default.  Every value is checked against the kb's range by the kind's check hook, so no
 * path into the engine stores a value outside it.
 */
#include <stdio.h>
#include <string.h>

#include "mesodesk/course.h"
#include "mesodesk/record.h"
#include "record_int.h"

static const char *const setting_status[] = {"current", "entered_in_error", NULL};

/* Every value, in md_protocol_param order, must be inside the kb's range. */
static md_code setting_check(md_ctx *ctx, json_t *rec, md_err *err)
{
    const char *code = json_string_value(json_object_get(rec, "protocol"));
    const md_protocol *p = md_kb_protocol_find(ctx->kb, code);
    if (!code) return MD_OK; /* the field's own error */
    if (!p) return md_err_set(err, MD_EUNPROCESSABLE, "protocol", "unknown protocol '%.60s'", code);
    md_err all;
    md_err_clear(&all);
    for (int w = 0; w < MD_PP_COUNT; w++) {
        json_t *v = json_object_get(rec, md_protocol_param_name((md_protocol_param)w));
        md_err one;
        md_err_clear(&one);
        if (!json_is_integer(v)) continue;
        if (md_protocol_value_check(p, (md_protocol_param)w, (long)json_integer_value(v), NULL,
                                    &one) != MD_OK)
            md_err_collect(&all, &one);
    }
    if (all.code != MD_OK) *err = all;
    return all.code;
}

static const md_field setting_fields[] = {
    {.name = "protocol",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 64,
     .doc = "the kb protocol code (kb/protocols.json)"},
    {.name = "session_count",
     .type = MD_F_INT,
     .min = 1,
     .max = 20,
     .doc = "sessions of the initial series; null: the shipped default"},
    {.name = "spacing_days",
     .type = MD_F_INT,
     .min = 1,
     .max = 365,
     .doc = "days between two sessions of the series; null: the shipped default"},
    {.name = "maintenance_months",
     .type = MD_F_INT,
     .min = 1,
     .max = 36,
     .doc = "months between maintenance visits; null: the shipped default"},
    {.name = "session_minutes",
     .type = MD_F_INT,
     .min = 5,
     .max = 480,
     .doc = "length of a session; null: the shipped default"},
    {.name = "status",
     .type = MD_F_ENUM,
     .required = 1,
     .values = setting_status,
     .dflt = "current"},
    {0},
};

const md_record_kind md_kind_protocol_setting = {
    .name = "protocol_setting",
    .table = "protocol_settings",
    .schema = "ProtocolSetting",
    .title = "protocol settings",
    .read_perm = MD_PERM_SCHEDULE_READ,
    .write_perm = MD_PERM_KB_WRITE,
    .fields = setting_fields,
    .status_field = "status",
    .hooks = {.check = setting_check},
};

static json_t *sources_json(const char *const *s, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(s[i]));
    return a;
}

/* "a spacing of 7 to 28 days (S0, S2, S4)" into buf. */
static void range_text(const md_protocol_range *r, char *buf, size_t sz)
{
    size_t off = (size_t)snprintf(buf, sz, "%d to %d (", r->min, r->max);
    for (size_t i = 0; i < r->n_sources && off < sz; i++)
        off += (size_t)snprintf(buf + off, sz - off, "%s%s", i ? ", " : "", r->sources[i]);
    if (off < sz) snprintf(buf + off, sz - off, ")");
}

md_code md_protocol_value_check(const md_protocol *p, md_protocol_param which, long value,
                                const char *field, md_err *err)
{
    const md_protocol_range *r = md_protocol_range_of(p, which);
    const char *name = md_protocol_param_name(which);
    char text[200];
    if (!r) return md_err_set(err, MD_EINTERNAL, NULL, "no such protocol value");
    if (value >= r->min && value <= r->max) return MD_OK;
    range_text(r, text, sizeof text);
    return md_err_set(err, MD_EUNPROCESSABLE, field ? field : name,
                      "%s %ld is outside the cited range for %s: %s", name, value,
                      md_protocol_code(p), text);
}

/* The clinic's current setting of code, or *out NULL. */
static md_code setting_current(md_ctx *ctx, const char *code, json_t **out, md_err *err)
{
    json_t *items = NULL;
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(code)};
    *out = NULL;
    md_code rc = md__record_query(ctx, &md_kind_protocol_setting,
                                  "clinic_id = $1 AND protocol = $2 AND current = 1 AND "
                                  "status <> 'entered_in_error' ORDER BY recorded_at, id",
                                  v, 2, &items, err);
    if (rc == MD_OK && json_array_size(items)) *out = json_incref(json_array_get(items, 0));
    json_decref(items);
    return rc;
}

static md_code effective_from(const md_protocol *p, const json_t *setting, md_protocol_values *out)
{
    memset(out, 0, sizeof *out);
    out->protocol = p;
    for (int w = 0; w < MD_PP_COUNT; w++) {
        const json_t *v = json_object_get(setting, md_protocol_param_name((md_protocol_param)w));
        out->value[w] = md_protocol_range_of(p, (md_protocol_param)w)->dflt;
        if (json_is_integer(v)) {
            out->value[w] = (int)json_integer_value(v);
            out->chosen[w] = 1;
        }
    }
    return MD_OK;
}

static md_code find(md_ctx *ctx, const char *code, const char *field, md_code unknown,
                    const md_protocol **p, md_err *err)
{
    *p = md_kb_protocol_find(ctx->kb, code);
    if (*p) return MD_OK;
    if (!code) return md_err_set(err, MD_EINVAL, field, "%s is required", field);
    return md_err_set(err, unknown, field, "unknown protocol '%.60s'", code);
}

md_code md_protocol_effective(md_ctx *ctx, const char *code, const char *field,
                              md_protocol_values *out, md_err *err)
{
    const md_protocol *p;
    json_t *setting = NULL;
    md_code rc = find(ctx, code, field, MD_EUNPROCESSABLE, &p, err);
    if (rc == MD_OK) rc = setting_current(ctx, md_protocol_code(p), &setting, err);
    if (rc == MD_OK) effective_from(p, setting, out);
    json_decref(setting);
    return rc;
}

/* The kb's protocol with the clinic's values and its setting record. */
static json_t *effective_json(const md_protocol *p, json_t *setting)
{
    md_protocol_values ev;
    json_t *o = md_protocol_kb_json(p);
    effective_from(p, setting, &ev);
    for (int w = 0; o && w < MD_PP_COUNT; w++) {
        json_t *r = json_object_get(o, md_protocol_param_name((md_protocol_param)w));
        json_object_set_new(r, "value", json_integer(ev.value[w]));
        json_object_set_new(r, "chosen_by_clinic", json_boolean(ev.chosen[w]));
        if (!ev.chosen[w]) {
            const md_protocol_range *rg = md_protocol_range_of(p, (md_protocol_param)w);
            json_object_set_new(r, "value_sources",
                                sources_json(rg->dflt_sources, rg->n_dflt_sources));
        } else {
            json_object_set_new(r, "value_sources", json_pack("[s]", "clinic"));
        }
    }
    if (o) json_object_set(o, "setting", setting ? setting : json_null());
    return o;
}

static md_code staff_read(const md_ctx *ctx, md_err *err)
{
    if (md_require(ctx, MD_PERM_SCHEDULE_READ, err) == MD_OK) return MD_OK;
    return md_require(ctx, MD_PERM_CLINICAL_READ, err);
}

md_code md_protocols_list(md_ctx *ctx, json_t **out, md_err *err)
{
    md_code rc = staff_read(ctx, err);
    json_t *items = json_array();
    for (size_t i = 0; rc == MD_OK && i < md_kb_protocol_count(ctx->kb); i++) {
        const md_protocol *p = md_kb_protocol_at(ctx->kb, i);
        json_t *setting = NULL;
        rc = setting_current(ctx, md_protocol_code(p), &setting, err);
        if (rc == MD_OK) json_array_append_new(items, effective_json(p, setting));
        json_decref(setting);
    }
    if (rc == MD_OK)
        *out = json_pack("{s:o}", "items", items);
    else
        json_decref(items);
    return rc;
}

md_code md_protocol_get(md_ctx *ctx, const char *code, json_t **out, md_err *err)
{
    const md_protocol *p;
    json_t *setting = NULL;
    md_code rc = staff_read(ctx, err);
    if (rc == MD_OK) rc = find(ctx, code, "protocol", MD_ENOTFOUND, &p, err);
    if (rc == MD_OK) rc = setting_current(ctx, md_protocol_code(p), &setting, err);
    if (rc == MD_OK && !(*out = effective_json(p, setting)))
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    json_decref(setting);
    return rc;
}

md_code md_protocol_setting_set(md_ctx *ctx, const char *code, json_t *in, json_t **out,
                                md_err *err)
{
    static const char *const keys[] = {"session_count",
                                       "spacing_days",
                                       "maintenance_months",
                                       "session_minutes",
                                       "reason",
                                       "version",
                                       NULL};
    const md_protocol *p;
    json_t *setting = NULL, *body = NULL, *rec = NULL;
    md_code rc = md_require(ctx, md_kind_protocol_setting.write_perm, err);
    if (rc == MD_OK) rc = find(ctx, code, "protocol", MD_ENOTFOUND, &p, err);
    if (rc == MD_OK) rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK) rc = setting_current(ctx, md_protocol_code(p), &setting, err);
    if (rc != MD_OK) goto done;
    body = json_deep_copy(in);
    json_object_set_new(body, "protocol", json_string(md_protocol_code(p)));
    if (!setting) {
        json_object_del(body, "version");
        rc = md_record_create(ctx, &md_kind_protocol_setting, NULL, body, &rec, err);
    } else {
        if (!json_object_get(body, "reason"))
            json_object_set_new(body, "reason", json_string("protocol values chosen"));
        rc = md_record_update(ctx, &md_kind_protocol_setting, NULL,
                              json_string_value(json_object_get(setting, "id")), body, &rec, err);
    }
    if (rc == MD_OK && !(*out = effective_json(p, rec)))
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
done:
    json_decref(setting);
    json_decref(body);
    json_decref(rec);
    return rc;
}

md_code md_protocol_setting_history(md_ctx *ctx, const char *code, json_t **out, md_err *err)
{
    const md_protocol *p;
    json_t *setting = NULL;
    md_code rc = md_require(ctx, md_kind_protocol_setting.read_perm, err);
    if (rc == MD_OK) rc = find(ctx, code, "protocol", MD_ENOTFOUND, &p, err);
    if (rc == MD_OK) rc = setting_current(ctx, md_protocol_code(p), &setting, err);
    if (rc != MD_OK) return rc;
    if (!setting) {
        *out = json_pack("{s:[]}", "versions");
        return *out ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    }
    rc = md_record_history(ctx, &md_kind_protocol_setting, NULL,
                           json_string_value(json_object_get(setting, "id")), out, err);
    json_decref(setting);
    return rc;
}
