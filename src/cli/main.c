/*
 * main.c - the mesodesk command: global options, then a subcommand.
 * Exit status: 0 success, 1 runtime failure, 2 bad usage or input.
 */
#include "cli.h"

#include "mesodesk/log.h"
#include "mesodesk/util.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} commands[] = {
    {"init", cmd_init, "create or upgrade a database, optionally with a clinic"},
    {"serve", cmd_serve, "serve the web app and the JSON API"},
    {"user", cmd_user, "add or list staff accounts"},
    {"patient", cmd_patient, "add, list or show patients"},
    {"demo", cmd_demo, "create the demo clinic with staff and patients"},
    {"screen", cmd_screen, "screen a patient and plan offline (no database)"},
    {"audit", cmd_audit, "verify the audit trail against its signed checkpoints"},
    {"gen", cmd_gen, "generate clinics, staff and patients (benchmarks, load tests)"},
    {"openapi", cmd_openapi, "print the API document built from the routes and record kinds"},
    {"recall", cmd_recall, "exposures of a lot (JSON or CSV) and its recall worklist"},
    {"pv", cmd_pv, "the signal report: complication rates, disproportionality, clusters"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: mesodesk [--log-format text|json] [--version] COMMAND [ARGS]\n\n"
               "Mesodesk, the clinical system for mesotherapy practices.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun 'mesodesk COMMAND --help' for a command's options.\n"
               "Environment: MESODESK_DB (database), MESODESK_LISTEN (HOST:PORT), MESODESK_KB "
               "(knowledge base dir), MESODESK_WEB (built web app dir).\n");
}

int main(int argc, char **argv)
{
    if (md_init() != 0) {
        fprintf(stderr, "mesodesk: cannot initialise libsodium\n");
        return 1;
    }
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("mesodesk %s\n", MESODESK_VERSION);
            return 0;
        }
        if (strcmp(argv[i], "--log-format") == 0 && i + 1 < argc) {
            md_log_format f;
            if (md_log_format_parse(argv[++i], &f) != 0) {
                fprintf(stderr, "mesodesk: --log-format must be text or json\n");
                return 2;
            }
            md_log_configure(f, MD_LOG_INFO);
            continue;
        }
        fprintf(stderr, "mesodesk: unknown option %s\n", argv[i]);
        usage(stderr);
        return 2;
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++)
        if (strcmp(commands[c].name, argv[i]) == 0) return commands[c].fn(argc - i, argv + i);
    fprintf(stderr, "mesodesk: unknown command '%s'\n", argv[i]);
    usage(stderr);
    return 2;
}
