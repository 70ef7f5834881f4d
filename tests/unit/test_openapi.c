/*
 * The API document: docs/openapi.json is what the server builds from its route tables
 * and kind registry (md_openapi_build, `mesodesk openapi`); it describes every route
 * the server has and nothing else; every kind's schema holds exactly its columns, with
 * the types, enums and limits of the declaration.
 */
#include "mesodesk/record.h"
#include "server/server.h"

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

/* "/a/{id}/b/{fid}" -> "/a/{}/b/{}" */
static void normalise(const char *in, char *out, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; in[i] && o + 3 < n; i++) {
        if (in[i] == '{') {
            out[o++] = '{';
            out[o++] = '}';
            while (in[i] && in[i] != '}')
                i++;
            if (!in[i]) break;
            continue;
        }
        out[o++] = in[i];
    }
    out[o] = '\0';
}

static json_t *built(void)
{
    json_t *doc = NULL;
    md_err err;
    md_err_clear(&err);
    if (md_openapi_build(&doc, &err) != MD_OK) fail_msg("md_openapi_build: %s", err.message);
    return doc;
}

static json_t *checked_in(void)
{
    json_error_t je;
    json_t *doc = json_load_file(MESODESK_SOURCE_DIR "/docs/openapi.json", 0, &je);
    if (!doc) fail_msg("docs/openapi.json: %s (line %d)", je.text, je.line);
    return doc;
}

static void checked_in_file_is_the_generated_one(void **state)
{
    (void)state;
    json_t *gen = built(), *file = checked_in();
    if (!json_equal(gen, file))
        fail_msg("docs/openapi.json is not what the server builds: run "
                 "build/mesodesk openapi > docs/openapi.json");
    json_decref(gen);
    json_decref(file);
}

static void lower(const char *in, char *out, size_t n)
{
    size_t k = 0;
    for (; in[k] && k < n - 1; k++)
        out[k] = (char)tolower((unsigned char)in[k]);
    out[k] = '\0';
}

static void every_route_documented_and_every_operation_routed(void **state)
{
    (void)state;
    json_t *doc = checked_in();
    json_t *paths = json_object_get(doc, "paths"), *norm = json_object();
    const char *key, *m;
    json_t *item, *op;
    json_object_foreach(paths, key, item)
    {
        char n[256];
        normalise(key, n, sizeof n);
        json_object_set(norm, n, item);
    }
    for (size_t i = 0; i < md_server_route_count(); i++) {
        const char *method;
        int pub;
        const char *pattern = md_server_route(i, &method, &pub);
        char lo[16];
        lower(method, lo, sizeof lo);
        json_t *p = json_object_get(norm, pattern);
        if (!p || !json_object_get(p, lo))
            fail_msg("%s %s is not in docs/openapi.json", method, pattern);
        json_t *security = json_object_get(json_object_get(p, lo), "security");
        int doc_public = security && json_array_size(security) == 0;
        if (doc_public != pub) fail_msg("%s %s: public in one place only", method, pattern);
    }
    /* The other direction: each documented operation is a route. */
    json_object_foreach(norm, key, item)
    {
        json_object_foreach(item, m, op)
        {
            int found = 0;
            for (size_t i = 0; i < md_server_route_count() && !found; i++) {
                const char *method;
                int pub;
                const char *pattern = md_server_route(i, &method, &pub);
                char lo[16];
                lower(method, lo, sizeof lo);
                found = strcmp(pattern, key) == 0 && strcmp(lo, m) == 0;
            }
            if (!found) fail_msg("docs/openapi.json documents %s %s, which is not routed", m, key);
        }
    }
    json_decref(norm);
    json_decref(doc);
}

static const char *decl_type(const md_field *f)
{
    switch (f->type) {
    case MD_F_INT: return "integer";
    case MD_F_BOOL: return "boolean";
    case MD_F_JSON: return f->array ? "array" : "object";
    case MD_F_MILLI: return "number";
    default: return "string";
    }
}

static void every_kind_schema_is_its_declaration(void **state)
{
    (void)state;
    json_t *doc = checked_in();
    json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
    static const char *const base[] = {"id", "version", "recorded_by", "recorded_at", "reason"};
    static const char *const extras[] = {"merged_into", "merged_from", NULL}; /* not columns */
    for (size_t i = 0; md_kinds[i]; i++) {
        const md_record_kind *k = md_kinds[i];
        json_t *props = json_object_get(json_object_get(schemas, k->schema), "properties");
        if (!props) fail_msg("kind %s: no schema %s", k->name, k->schema);
        size_t want = 5 + (k->parent ? 1 : 0);
        for (size_t b = 0; b < 5; b++)
            if (!json_object_get(props, base[b])) fail_msg("%s: no %s", k->schema, base[b]);
        for (int f = 0; k->fields[f].name; f++, want++) {
            const md_field *fd = &k->fields[f];
            json_t *p = json_object_get(props, fd->name);
            if (!p) fail_msg("%s: field %s is not documented", k->schema, fd->name);
            if (strcmp(json_string_value(json_object_get(p, "type")), decl_type(fd)) != 0)
                fail_msg("%s.%s: documented with another type", k->schema, fd->name);
            json_t *en = json_object_get(p, "enum");
            for (size_t v = 0; fd->type == MD_F_ENUM && fd->values[v]; v++)
                if (strcmp(json_string_value(json_array_get(en, v)), fd->values[v]) != 0)
                    fail_msg("%s.%s: enum differs at %zu", k->schema, fd->name, v);
            if (fd->type == MD_F_ENUM) {
                size_t nv = 0;
                while (fd->values[nv])
                    nv++;
                assert_int_equal(json_array_size(en), nv);
            }
            if (fd->type == MD_F_TEXT)
                assert_int_equal(json_integer_value(json_object_get(p, "maxLength")), fd->max_len);
            if (fd->type == MD_F_INT) {
                assert_int_equal(json_integer_value(json_object_get(p, "minimum")), fd->min);
                assert_int_equal(json_integer_value(json_object_get(p, "maximum")), fd->max);
            }
        }
        for (size_t e = 0; extras[e]; e++)
            want += json_object_get(props, extras[e]) ? 1 : 0;
        if (json_object_size(props) != want)
            fail_msg("%s documents %zu properties, the kind has %zu", k->schema,
                     json_object_size(props), want);
    }
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(checked_in_file_is_the_generated_one),
        cmocka_unit_test(every_route_documented_and_every_operation_routed),
        cmocka_unit_test(every_kind_schema_is_its_declaration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
