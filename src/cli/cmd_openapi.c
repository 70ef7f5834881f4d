/*
 * cmd_openapi.c - mesodesk openapi: print the API document (JSON) that the server
 * answers at GET /api/openapi.json, built from the route tables and the kind
 * registry (src/server/openapi.c).  docs/openapi.json is this output:
 *   build/mesodesk openapi > docs/openapi.json
 * Exit 0, 1 when the document cannot be built, 2 bad usage.
 */
#include "cli.h"

#include "server/server.h"

#include <stdio.h>
#include <stdlib.h>

int cmd_openapi(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: mesodesk openapi\n\nPrint the API document (OpenAPI 3, JSON).\n");
        return 2;
    }
    md_err err;
    json_t *doc = NULL;
    md_err_clear(&err);
    if (md_openapi_build(&doc, &err) != MD_OK) {
        fprintf(stderr, "mesodesk openapi: %s\n", err.message);
        return 1;
    }
    char *text = json_dumps(doc, JSON_INDENT(2));
    json_decref(doc);
    if (!text) {
        fprintf(stderr, "mesodesk openapi: out of memory\n");
        return 1;
    }
    int rc = puts(text) < 0 || fflush(stdout) != 0 ? 1 : 0;
    free(text);
    return rc;
}
