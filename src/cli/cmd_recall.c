/*
 * cmd_recall.c - mesodesk recall exposures LOT: every patient who received a lot (by id or
 * lot number), with the doses and contact details, as JSON or CSV (one row per dose, RFC
 * 4180), and mesodesk recall worklist LOT (JSON).  The query and its audit are the core's
 * (recall.h): reading exposures is audited like the API's.
 * Exit status: 0 success, 1 runtime failure (no such lot: 1 with its message), 2 bad usage.
 */
#include "cli.h"

#include "mesodesk/recall.h"
#include "mesodesk/validate.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static int usage(FILE *f)
{
    fprintf(f, "usage: mesodesk recall exposures LOT [--format json|csv] [--clinic ID|NAME] "
               "[--db URI]\n"
               "       mesodesk recall worklist LOT [--clinic ID|NAME] [--db URI]\n\n"
               "exposures: every patient who received a dose of the lot (LOT: its id or its lot "
               "number),\nwith the doses (when, volume, route, area, by whom, context) and "
               "the patient's contact\ndetails.  JSON as GET /api/v1/lots/{id}/exposures; CSV: "
               "a header, then one row per dose.\nworklist: the recall worklist of a recalled "
               "lot (GET /api/v1/lots/{id}/recall-worklist).\n--clinic defaults to the "
               "database's only clinic.  Each read is audited.\n");
    return f == stdout ? 0 : 2;
}

/* RFC 4180: a field holding a comma, a quote, CR or LF is quoted, its quotes doubled. */
static void csv_field(FILE *f, const char *s, int last)
{
    if (!s) s = "";
    if (strpbrk(s, ",\"\r\n")) {
        fputc('"', f);
        for (const char *c = s; *c; c++) {
            if (*c == '"') fputc('"', f);
            fputc(*c, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputs(last ? "\r\n" : ",", f);
}

/* Volumes as the API writes them (0.2, not 0.20000000000000001). */

/* A member as CSV text: strings as they are, numbers as JSON writes them, null empty. */
static void csv_value(FILE *f, json_t *v, int last)
{
    char *t = NULL;
    if (json_is_string(v))
        csv_field(f, json_string_value(v), last);
    else if (v && !json_is_null(v) && (t = json_dumps(v, JSON_ENCODE_ANY | MD_JSON_NUMBERS)))
        csv_field(f, t, last);
    else
        csv_field(f, NULL, last);
    free(t);
}

static const char *const patient_cols[] = {"id",    "given_name", "family_name", "birth_date",
                                           "email", "phone",      "merged_into", NULL};
static const char *const dose_cols[] = {"id",       "given_at",      "volume_ml",  "route",
                                        "area",     "context",       "context_id", "vial_id",
                                        "given_by", "given_by_name", NULL};

static void print_csv(json_t *ex)
{
    json_t *lot = json_object_get(ex, "lot");
    for (int i = 0; patient_cols[i]; i++) {
        char h[48];
        snprintf(h, sizeof h, "patient_%s", patient_cols[i]);
        csv_field(stdout, h, 0);
    }
    for (int i = 0; dose_cols[i]; i++) {
        char h[48];
        snprintf(h, sizeof h, "%s%s", strcmp(dose_cols[i], "id") ? "" : "administration_",
                 dose_cols[i]);
        csv_field(stdout, h, 0);
    }
    csv_field(stdout, "lot_number", 0);
    csv_field(stdout, "product_name", 1);
    size_t i, j;
    json_t *it, *d;
    json_array_foreach(json_object_get(ex, "items"), i, it)
    {
        json_t *p = json_object_get(it, "patient");
        json_array_foreach(json_object_get(it, "administrations"), j, d)
        {
            for (int k = 0; patient_cols[k]; k++)
                csv_value(stdout, json_object_get(p, patient_cols[k]), 0);
            for (int k = 0; dose_cols[k]; k++)
                csv_value(stdout, json_object_get(d, dose_cols[k]), 0);
            csv_value(stdout, json_object_get(lot, "lot_number"), 0);
            csv_value(stdout, json_object_get(lot, "product_name"), 1);
        }
    }
}

int cmd_recall(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"clinic", required_argument, 0, 'c'},
                                         {"format", required_argument, 0, 'f'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    if (argc < 2 || (strcmp(argv[1], "exposures") && strcmp(argv[1], "worklist")))
        return usage(argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
    const char *sub = argv[1], *db = NULL, *clinic = NULL, *format = "json";
    int c;
    optind = 1;
    argc--;
    argv++;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'c': clinic = optarg; break;
        case 'f': format = optarg; break;
        case 'h': return usage(stdout);
        default: return 2;
        }
    }
    if (strcmp(format, "json") && strcmp(format, "csv")) {
        fprintf(stderr, "mesodesk recall: --format must be json or csv\n");
        return 2;
    }
    if (strcmp(sub, "worklist") == 0 && strcmp(format, "json")) {
        fprintf(stderr, "mesodesk recall worklist: only --format json\n");
        return 2;
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "mesodesk recall %s: give one LOT (its id or lot number)\n", sub);
        return 2;
    }
    const char *ref = argv[optind];
    cli_session s;
    int status = cli_open(&s, cli_db_path(db), clinic, 0);
    if (status) return status;
    md_err err;
    md_err_clear(&err);
    char lot[MD_ID_STR];
    json_t *out = NULL;
    md_code rc = clinic ? MD_OK : md_recall_sole_clinic(s.db, s.ctx.who.clinic_id, &err);
    if (rc == MD_OK) rc = md_recall_lot_find(&s.ctx, ref, lot, &err);
    if (rc == MD_OK)
        rc = strcmp(sub, "worklist") == 0 ? md_recall_worklist(&s.ctx, lot, &out, &err)
                                          : md_recall_exposures_lot(&s.ctx, lot, &out, &err);
    if (rc != MD_OK) {
        char cmd[32];
        snprintf(cmd, sizeof cmd, "recall %s", sub);
        status = cli_fail(cmd, &err);
    } else if (strcmp(format, "csv") == 0) {
        print_csv(out);
    } else {
        char *t = json_dumps(out, JSON_INDENT(2) | MD_JSON_NUMBERS);
        if (t) printf("%s\n", t);
        free(t);
    }
    if (fflush(stdout) != 0) status = 1;
    json_decref(out);
    cli_close(&s);
    return status;
}
