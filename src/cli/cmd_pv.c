/*
 * cmd_pv.c - mesodesk pv signals: the clinic's signal report (rates per 1,000 sessions,
 * disproportionality, infection clusters) as JSON (GET /api/v1/pv/signals) or CSV (its
 * ?format=csv).  The counting and the audit are the core's (pv.h).
 * Exit status: 0 success, 1 runtime failure, 2 bad usage or input.
 */
#include "cli.h"

#include "mesodesk/pv.h"
#include "mesodesk/recall.h"
#include "mesodesk/validate.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static int usage(FILE *f)
{
    fprintf(f, "usage: mesodesk pv signals [--format json|csv] [--from YYYY-MM-DD] "
               "[--to YYYY-MM-DD]\n"
               "                          [--min-cases N] [--clinic ID|NAME] [--db URI]\n\n"
               "The signal report of a clinic: complications per 1,000 sessions of each "
               "product, lot,\nvial, ingredient and practitioner with the exact 95%% Poisson "
               "interval; PRR and ROR of\neach (product or lot, complication) pair with their "
               "intervals, flagged at the usual\nthresholds; clusters of infections sharing a "
               "lot, a vial or a practitioner's day.\nJSON as GET /api/v1/pv/signals; CSV: one "
               "row per line, a \"section\" column first.\n--from/--to: the days of the sessions "
               "and complication onsets (default all);\n--min-cases: the cases a signal needs "
               "(default 3).  --clinic defaults to the database's\nonly clinic.  The read is "
               "audited.  See docs/SIGNALS.md.\n");
    return f == stdout ? 0 : 2;
}

int cmd_pv(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},     {"clinic", required_argument, 0, 'c'},
        {"format", required_argument, 0, 'f'}, {"from", required_argument, 0, 'F'},
        {"to", required_argument, 0, 'T'},     {"min-cases", required_argument, 0, 'm'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    if (argc < 2 || strcmp(argv[1], "signals"))
        return usage(argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
    const char *db = NULL, *clinic = NULL, *format = "json", *from = NULL, *to = NULL,
               *min_cases = NULL;
    int c;
    optind = 1;
    argc--;
    argv++;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'c': clinic = optarg; break;
        case 'f': format = optarg; break;
        case 'F': from = optarg; break;
        case 'T': to = optarg; break;
        case 'm': min_cases = optarg; break;
        case 'h': return usage(stdout);
        default: return 2;
        }
    }
    if (strcmp(format, "json") && strcmp(format, "csv")) {
        fprintf(stderr, "mesodesk pv signals: --format must be json or csv\n");
        return 2;
    }
    long cases = 3;
    if (min_cases && md_parse_long(min_cases, 1, 1000000, &cases) != 0) {
        fprintf(stderr, "mesodesk pv signals: --min-cases must be a whole number from 1\n");
        return 2;
    }
    if (optind != argc) {
        fprintf(stderr, "mesodesk pv signals: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    cli_session s;
    int status = cli_open(&s, cli_db_path(db), clinic, 1);
    if (status) return status;
    md_err err;
    md_err_clear(&err);
    json_t *in = json_pack("{s:I}", "min_cases", (json_int_t)cases), *out = NULL;
    if (from) json_object_set_new(in, "from", json_string(from));
    if (to) json_object_set_new(in, "to", json_string(to));
    char *csv = NULL;
    size_t len = 0;
    md_code rc = clinic ? MD_OK : md_recall_sole_clinic(s.db, s.ctx.who.clinic_id, &err);
    if (rc == MD_OK)
        rc = strcmp(format, "csv") == 0 ? md_pv_signals_csv(&s.ctx, in, &csv, &len, &err)
                                        : md_pv_signals(&s.ctx, in, &out, &err);
    if (rc != MD_OK)
        status = cli_fail("pv signals", &err);
    else if (csv)
        fwrite(csv, 1, len, stdout);
    else
        cli_print_json(out);
    if (fflush(stdout) != 0) status = 1;
    json_decref(in);
    json_decref(out);
    cli_close(&s);
    return status;
}
