/*
 * openapi.c - the API document, built from the route tables and the kind registry.
 *
 * The hand-written part (src/server/openapi_base.json, embedded at build time as
 * md_openapi_base_json) describes the routes written by hand (MD_OP_NONE).  To it are
 * added, from the registry: a schema per kind (its base columns and typed fields, with
 * their limits, enums, defaults and docs; properties the base gives that are not
 * columns, such as a patient's merged_into, are kept) and the operations of every
 * generic record route (h_records.c).  docs/openapi.json is this document as
 * `mesodesk openapi` prints it; unit.test_openapi checks that the checked-in file is
 * the generated one, and that every route is documented and every operation routed.
 */
#include "server.h"

#include "mesodesk/record.h"

#include <stdio.h>
#include <string.h>

extern const char md_openapi_base_json[];

static json_t *field_schema(const md_field *f)
{
    json_t *p = json_object();
    switch (f->type) {
    case MD_F_TEXT:
        json_object_set_new(p, "type", json_string("string"));
        json_object_set_new(p, "maxLength", json_integer((json_int_t)f->max_len));
        break;
    case MD_F_ENUM: {
        json_t *vals = json_array();
        for (int i = 0; f->values[i]; i++)
            json_array_append_new(vals, json_string(f->values[i]));
        json_object_set_new(p, "type", json_string("string"));
        json_object_set_new(p, "enum", vals);
        break;
    }
    case MD_F_DATE:
        json_object_set_new(p, "type", json_string("string"));
        json_object_set_new(p, "format", json_string("date"));
        break;
    case MD_F_INT:
        json_object_set_new(p, "type", json_string("integer"));
        json_object_set_new(p, "minimum", json_integer(f->min));
        json_object_set_new(p, "maximum", json_integer(f->max));
        break;
    case MD_F_BOOL: json_object_set_new(p, "type", json_string("boolean")); break;
    case MD_F_CODE:
        json_object_set_new(p, "type", json_string("string"));
        json_object_set_new(p, "x-vocabulary", json_string(md_vocab_kind_name(f->vocab)));
        break;
    case MD_F_JSON:
        json_object_set_new(p, "type", json_string(f->array ? "array" : "object"));
        break;
    case MD_F_MILLI:
        json_object_set_new(p, "type", json_string("number"));
        json_object_set_new(p, "multipleOf", json_real(0.001));
        json_object_set_new(p, "minimum", json_real((double)f->min / 1000.0));
        json_object_set_new(p, "maximum", json_real((double)f->max / 1000.0));
        break;
    }
    if (f->dflt && f->type == MD_F_BOOL)
        json_object_set_new(p, "default", json_boolean(strcmp(f->dflt, "true") == 0));
    else if (f->dflt)
        json_object_set_new(p, "default", json_string(f->dflt));
    if (!f->required) json_object_set_new(p, "nullable", json_true());
    if (f->doc) json_object_set_new(p, "description", json_string(f->doc));
    return p;
}

static json_t *str_prop(const char *format)
{
    return format ? json_pack("{s:s,s:s}", "type", "string", "format", format)
                  : json_pack("{s:s}", "type", "string");
}

/* The schema of a kind's records, over what the base document says of it. */
static void kind_schema(json_t *schemas, const md_record_kind *k)
{
    json_t *s = json_object_get(schemas, k->schema);
    if (!s) {
        s = json_object();
        json_object_set_new(schemas, k->schema, s);
    }
    json_object_set_new(s, "type", json_string("object"));
    json_t *props = json_object_get(s, "properties");
    if (!props) {
        props = json_object();
        json_object_set_new(s, "properties", props);
    }
    json_object_set_new(props, "id", str_prop(NULL));
    json_object_set_new(props, "version", json_pack("{s:s}", "type", "integer"));
    if (k->parent) json_object_set_new(props, "patient_id", str_prop(NULL));
    for (int i = 0; k->fields[i].name; i++)
        json_object_set_new(props, k->fields[i].name, field_schema(&k->fields[i]));
    json_object_set_new(props, "recorded_by", str_prop(NULL));
    json_object_set_new(props, "recorded_at", str_prop("date-time"));
    json_object_set_new(props, "reason", str_prop(NULL));
}

static json_t *ref(const char *schema)
{
    char r[128];
    snprintf(r, sizeof r, "#/components/schemas/%s", schema);
    return json_pack("{s:{s:{s:{s:s}}}}", "content", "application/json", "schema", "$ref", r);
}

static json_t *path_param(const char *name, int hex_id)
{
    return hex_id ? json_pack("{s:s,s:s,s:b,s:{s:s,s:s}}", "name", name, "in", "path", "required",
                              1, "schema", "type", "string", "pattern", "^[0-9a-f]{32}$")
                  : json_pack("{s:s,s:s,s:b,s:{s:s}}", "name", name, "in", "path", "required", 1,
                              "schema", "type", "string");
}

/* "/api/v1/patients/{}/allergies/{}" -> "/api/v1/patients/{id}/allergies/{fid}" */
static void doc_path(const char *pattern, char *out, size_t sz)
{
    static const char *const names[] = {"id", "fid", "p3", "p4"};
    size_t o = 0, n = 0;
    for (const char *p = pattern; *p && o + 8 < sz; p++) {
        if (p[0] == '{' && p[1] == '}' && n < 4) {
            o += (size_t)snprintf(out + o, sz - o, "{%s}", names[n++]);
            p++;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

static json_t *operation(const md_route *rt)
{
    const md_record_kind *k = rt->kind;
    char summary[256];
    const char *ok = "200", *what = "record";
    json_t *body = NULL, *answer = ref(k->schema);
    switch (rt->op) {
    case MD_OP_LIST:
        snprintf(summary, sizeof summary,
                 "List current %s (entered_in_error hidden unless include=all)", k->title);
        json_decref(answer);
        char r[128];
        snprintf(r, sizeof r, "#/components/schemas/%s", k->schema);
        answer = json_pack("{s:{s:{s:{s:s,s:{s:{s:s,s:{s:s}}}}}}}", "content", "application/json",
                           "schema", "type", "object", "properties", "items", "type", "array",
                           "items", "$ref", r);
        what = "list";
        break;
    case MD_OP_CREATE:
        snprintf(summary, sizeof summary, "Record %s%s", k->title,
                 (k->flags & MD_KIND_ONE_CURRENT) ? " (a new version when one is current)" : "");
        body = ref(k->schema);
        ok = "201", what = "created";
        break;
    case MD_OP_GET: snprintf(summary, sizeof summary, "Read one of the %s", k->title); break;
    case MD_OP_UPDATE:
        snprintf(summary, sizeof summary,
                 "Correct one of the %s: a new version; reason required (PUT and PATCH alike)",
                 k->title);
        body = json_pack("{s:{s:{s:{s:s}}}}", "content", "application/json", "schema", "type",
                         "object");
        what = "new version";
        break;
    case MD_OP_HISTORY:
        snprintf(summary, sizeof summary, "Every version of one of the %s, oldest first", k->title);
        json_decref(answer);
        answer = ref("Versions");
        what = "versions";
        break;
    case MD_OP_ENTERED_IN_ERROR:
        snprintf(summary, sizeof summary,
                 "Mark one of the %s entered in error: a new version with status "
                 "entered_in_error, hidden from lists, kept in history; body {reason, version?}",
                 k->title);
        body = json_pack("{s:{s:{s:{s:s,s:[s],s:{s:{s:s},s:{s:s}}}}}}", "content",
                         "application/json", "schema", "type", "object", "required", "reason",
                         "properties", "reason", "type", "string", "version", "type", "integer");
        what = "new version";
        break;
    case MD_OP_NONE: break;
    }
    json_object_set_new(answer, "description", json_string(what));
    json_t *op = json_pack("{s:s,s:[s],s:{s:o}}", "summary", summary, "tags", "clinical facts",
                           "responses", ok, answer);
    json_t *responses = json_object_get(op, "responses");
    static const char *const errors[] = {"400", "401", "403", "404", "409", "413", "422"};
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        if (strcmp(errors[i], "409") == 0 && rt->op != MD_OP_UPDATE &&
            rt->op != MD_OP_ENTERED_IN_ERROR && rt->op != MD_OP_CREATE)
            continue;
        json_object_set_new(responses, errors[i],
                            json_pack("{s:s}", "$ref", "#/components/responses/Error"));
    }
    if (body) {
        json_object_set_new(body, "required", json_true());
        json_object_set_new(op, "requestBody", body);
    }
    json_t *params = json_array();
    json_array_append_new(params, path_param("id", 1));
    if (rt->op != MD_OP_LIST && rt->op != MD_OP_CREATE)
        json_array_append_new(params, path_param("fid", 0));
    if (rt->op == MD_OP_LIST)
        json_array_append_new(params, json_pack("{s:s,s:s,s:b,s:s,s:{s:s,s:[s]}}", "name",
                                                "include", "in", "query", "required", 0,
                                                "description", "all: entered_in_error too",
                                                "schema", "type", "string", "enum", "all"));
    json_object_set_new(op, "parameters", params);
    return op;
}

md_code md_openapi_build(json_t **out, md_err *err)
{
    json_error_t je;
    json_t *doc = json_loads(md_openapi_base_json, 0, &je);
    if (!doc) return md_err_set(err, MD_EINTERNAL, NULL, "openapi base document: %s", je.text);
    json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
    json_t *paths = json_object_get(doc, "paths");
    if (!json_is_object(schemas) || !json_is_object(paths)) {
        json_decref(doc);
        return md_err_set(err, MD_EINTERNAL, NULL, "openapi base document: no paths or schemas");
    }
    for (size_t i = 0; md_kinds[i]; i++)
        if (md_kinds[i]->schema) kind_schema(schemas, md_kinds[i]);
    for (size_t i = 0; i < md_server_route_count(); i++) {
        const md_route *rt = md_server_route_at(i);
        if (rt->op == MD_OP_NONE || !rt->kind) continue;
        char path[256], method[8];
        doc_path(rt->pattern, path, sizeof path);
        size_t m = 0;
        for (; rt->method[m] && m < sizeof method - 1; m++)
            method[m] = (char)(rt->method[m] | 0x20); /* lower case */
        method[m] = '\0';
        json_t *item = json_object_get(paths, path);
        if (!item) {
            item = json_object();
            json_object_set_new(paths, path, item);
        }
        json_object_set_new(item, method, operation(rt));
    }
    *out = doc;
    return MD_OK;
}
