/*
 * cmd_screen.c - `mesodesk screen [FILE|-] [--format json|text] [--kb DIR]`:
 * offline screening with no database.  Reads the JSON input contract
 * (docs/SCREENING.md), prints the decision on stdout.
 * Exit: 0 for any decision, 2 for bad usage or input (message with the field
 * on stderr), 1 when the kb cannot be loaded or another runtime failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "mesodesk/arena.h"
#include "mesodesk/kb.h"
#include "mesodesk/screen.h"

#define SCREEN_INPUT_MAX ((size_t)1 << 20)

static void usage(FILE *out)
{
    fputs("usage: mesodesk screen [FILE|-] [--format json|text] [--kb DIR]\n"
          "\n"
          "Screen a patient for a planned mesotherapy treatment, offline.\n"
          "FILE (default -, standard input) holds the screening input as JSON:\n"
          "  {\"date\", \"patient\": {...}, \"plan\": {\"areas\", \"ingredients\"},\n"
          "   \"jurisdiction\"?, \"clearances\"?}   (see docs/SCREENING.md)\n"
          "\n"
          "  --format json|text  output format (default json)\n"
          "  --kb DIR            knowledge base directory (default $MESODESK_KB, ./kb)\n"
          "  --help              this text\n"
          "\n"
          "Exit status: 0 any decision, 2 bad input, 1 knowledge base or runtime failure.\n",
          out);
}

static int fail(md_code code, const char *what, const md_err *e)
{
    fprintf(stderr, "mesodesk screen: %s%s%s\n", what, *what ? ": " : "",
            e && e->message[0] ? e->message : md_code_name(code));
    return md_code_exit_status(code);
}

/* Read all of path ("-" = stdin) into a NUL-terminated malloc'd buffer. */
static md_code read_input(const char *path, char **buf, size_t *len, md_err *e)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    md_code rc = MD_OK;
    *buf = NULL;
    if (!f) return md_err_set(e, MD_EINVAL, NULL, "cannot open %s", path);
    if (!(*buf = malloc(SCREEN_INPUT_MAX + 1))) {
        rc = md_err_set(e, MD_ENOMEM, NULL, "out of memory");
        goto cleanup;
    }
    *len = fread(*buf, 1, SCREEN_INPUT_MAX + 1, f);
    if (ferror(f)) rc = md_err_set(e, MD_EIO, NULL, "cannot read %s", path);
    else if (*len > SCREEN_INPUT_MAX)
        rc = md_err_set(e, MD_ETOOBIG, NULL, "input larger than %zu bytes", SCREEN_INPUT_MAX);
cleanup:
    if (f && f != stdin) fclose(f);
    if (rc) {
        free(*buf);
        *buf = NULL;
    }
    return rc;
}

int cmd_screen(int argc, char **argv)
{
    const char *input = "-", *format = "json", *kb_arg = NULL;
    char kb_dir[4096], *buf = NULL, *text = NULL;
    size_t len = 0;
    md_err e;
    md_kb *kb = NULL;
    md_arena *a = NULL;
    json_t *j = NULL, *out = NULL;
    md_screen_input *in = NULL;
    md_screen_result res;
    json_error_t jerr;
    int status = 0, have_input = 0;
    md_code rc;
    md_err_clear(&e);

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            goto cleanup;
        } else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            format = argv[++i];
        } else if (strcmp(argv[i], "--kb") == 0 && i + 1 < argc) {
            kb_arg = argv[++i];
        } else if ((argv[i][0] != '-' || strcmp(argv[i], "-") == 0) && !have_input) {
            input = argv[i];
            have_input = 1;
        } else {
            fprintf(stderr, "mesodesk screen: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            status = 2;
            goto cleanup;
        }
    }
    if (strcmp(format, "json") != 0 && strcmp(format, "text") != 0) {
        fprintf(stderr, "mesodesk screen: --format must be json or text\n");
        status = 2;
        goto cleanup;
    }
#ifdef MESODESK_SOURCE_DIR
    rc = md_kb_locate(kb_arg, MESODESK_SOURCE_DIR "/kb", kb_dir, sizeof kb_dir, &e);
#else
    rc = md_kb_locate(kb_arg, NULL, kb_dir, sizeof kb_dir, &e);
#endif
    if (rc || (rc = md_kb_load(kb_dir, &kb, &e))) {
        status = fail(MD_EIO, "cannot load the knowledge base", &e);
        goto cleanup;
    }
    if ((rc = read_input(input, &buf, &len, &e))) {
        status = fail(rc, "", &e);
        goto cleanup;
    }
    if (!(j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr))) {
        fprintf(stderr, "mesodesk screen: invalid JSON at line %d column %d: %s\n", jerr.line,
                jerr.column, jerr.text);
        status = 2;
        goto cleanup;
    }
    if (!(a = md_arena_new(64 * 1024, 16u << 20))) {
        status = fail(MD_ENOMEM, "out of memory", NULL);
        goto cleanup;
    }
    if ((rc = md_screen_input_from_json(md_kb_ruleset(kb), j, a, &in, &e))) {
        status = fail(rc, "", &e);
        goto cleanup;
    }
    if ((rc = md_screen_evaluate(md_kb_ruleset(kb), in, a, &res, &e))) {
        status = fail(rc, "", &e);
        goto cleanup;
    }
    if (strcmp(format, "text") == 0) {
        if (!(text = md_screen_result_to_text(&res, a))) {
            status = fail(MD_ENOMEM, "out of memory", NULL);
            goto cleanup;
        }
        fputs(text, stdout);
    } else {
        if (!(out = md_screen_result_to_json(&res)) ||
            json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
            status = fail(MD_ENOMEM, "cannot write the result", NULL);
            goto cleanup;
        }
        fputc('\n', stdout);
    }
    if (fflush(stdout) != 0) status = 1;
cleanup:
    json_decref(out);
    json_decref(j);
    md_arena_free(a);
    md_kb_free(kb);
    free(buf);
    return status;
}
