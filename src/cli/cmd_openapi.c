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

#include <string.h>

static int usage(FILE *f)
{
    fprintf(f, "usage: mesodesk openapi\n\nPrint the API document (OpenAPI 3, JSON) built from "
               "the route tables and\nrecord kinds, as GET /api/openapi.json serves it.\n");
    return f == stdout ? 0 : 2;
}

int cmd_openapi(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return usage(stdout);
    if (argc > 1) return usage(stderr);
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
