/* The OpenAPI document describes every route the server has, and nothing else. */
#include "server/server.h"

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

extern const char md_openapi_json[];

/* "/a/{id}/b/{fid}" -> "/a/{}/b/{}" */
static void normalise(const char *in, char *out, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; in[i] && o + 3 < n; i++) {
        if (in[i] == '{') {
            out[o++] = '{';
            out[o++] = '}';
            while (in[i] && in[i] != '}') i++;
            if (!in[i]) break;
            continue;
        }
        out[o++] = in[i];
    }
    out[o] = '\0';
}

static void every_route_is_documented(void **state)
{
    (void)state;
    json_error_t je;
    json_t *doc = json_loads(md_openapi_json, 0, &je);
    assert_non_null(doc);
    json_t *paths = json_object_get(doc, "paths"), *norm = json_object();
    const char *key;
    json_t *item;
    json_object_foreach(paths, key, item)
    {
        char n[256];
        normalise(key, n, sizeof n);
        json_object_set(norm, n, item);
    }
    size_t documented_ops = 0;
    json_object_foreach(norm, key, item) documented_ops += json_object_size(item);
    for (size_t i = 0; i < md_server_route_count(); i++) {
        const char *method;
        int pub;
        const char *pattern = md_server_route(i, &method, &pub);
        char lower[16];
        size_t k = 0;
        for (; method[k] && k < sizeof lower - 1; k++) lower[k] = (char)tolower(method[k]);
        lower[k] = '\0';
        json_t *p = json_object_get(norm, pattern);
        if (!p || !json_object_get(p, lower))
            fail_msg("%s %s is not in docs/openapi.json", method, pattern);
        json_t *security = json_object_get(json_object_get(p, lower), "security");
        int doc_public = security && json_array_size(security) == 0;
        if (doc_public != pub) fail_msg("%s %s: public in one place only", method, pattern);
    }
    assert_int_equal(documented_ops, md_server_route_count());
    json_decref(norm);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(every_route_is_documented)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
