/*
 * cmd_audit.c - mesodesk audit verify: the audit trail checked offline against
 * its signed checkpoints (the database's and the checkpoint log's), the same
 * report as GET /api/v1/audit/verify.  Exit 0 intact, 1 broken (or the check
 * could not run), 2 bad usage.
 */
#include "cli.h"

#include "mesodesk/audit.h"
#include "mesodesk/clinic.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void cli_audit_paths(const char *db_path, const char *key_flag, const char *log_flag, char *key,
                     char *log)
{
    const char *k = key_flag ? key_flag : getenv("MESODESK_AUDIT_KEY");
    const char *l = log_flag ? log_flag : getenv("MESODESK_AUDIT_LOG");
    md_audit_default_paths(db_path, k, l, key, log, MD_AUDIT_PATH_MAX);
}

static int usage(FILE *f)
{
    fprintf(f, "usage: mesodesk audit verify [--db PATH] [--clinic ID|NAME] [--audit-key FILE] "
               "[--audit-log FILE]\n\n"
               "Recompute each clinic's audit chain and check it against the signed checkpoints "
               "in the database\nand in the checkpoint log: every signature valid, every "
               "checkpoint's head hash equal to the\nentry at its seq, and the chain reaching "
               "the latest checkpoint.  Prints the report as JSON\n(one clinic with --clinic; "
               "otherwise every clinic the database or the log names).\n"
               "Defaults as for serve: --audit-key $MESODESK_AUDIT_KEY or audit.key beside the "
               "database;\n--audit-log $MESODESK_AUDIT_LOG or audit-checkpoints.log beside the "
               "key.\n"
               "Exit status: 0 intact, 1 broken or the check could not run, 2 bad usage.\n");
    return f == stdout ? 0 : 2;
}

int cmd_audit(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"clinic", required_argument, 0, 'c'},
                                         {"audit-key", required_argument, 0, 'K'},
                                         {"audit-log", required_argument, 0, 'A'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    if (argc < 2 || strcmp(argv[1], "verify") != 0)
        return usage(argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
    const char *db = NULL, *clinic = NULL, *key_flag = NULL, *log_flag = NULL;
    int c;
    optind = 1;
    argc--;
    argv++;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'c': clinic = optarg; break;
        case 'K': key_flag = optarg; break;
        case 'A': log_flag = optarg; break;
        case 'h': return usage(stdout);
        default: return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mesodesk audit verify: unexpected argument %s\n", argv[optind]);
        return 2;
    }
    const char *path = cli_db_path(db);
    struct stat st;
    if (!strstr(path, "://") && stat(path, &st) != 0) {
        fprintf(stderr, "mesodesk audit verify: no database at %s\n", path);
        return 1;
    }
    char key[MD_AUDIT_PATH_MAX], log[MD_AUDIT_PATH_MAX], id[MD_ID_STR];
    cli_audit_paths(path, key_flag, log_flag, key, log);
    md_err err;
    md_err_clear(&err);
    md_audit_anchor *anchor = NULL;
    if (md_audit_anchor_open(key, log, 0, &anchor, &err) != MD_OK) {
        cli_fail("audit verify", &err);
        if (err.code == MD_ENOTFOUND)
            fprintf(stderr, "(mesodesk serve creates the key on its first start; give the one "
                            "it uses with --audit-key or MESODESK_AUDIT_KEY)\n");
        return 1;
    }
    cli_session s;
    int status = cli_open(&s, path, NULL, 0);
    if (status) {
        md_audit_anchor_free(anchor);
        return status;
    }
    json_t *report = NULL;
    md_code rc = MD_OK;
    if (clinic && md_id_valid(clinic)) {
        md_strlcpy(id, clinic, sizeof id); /* by id: also a clinic whose row is gone */
    } else if (clinic) {
        rc = md_clinic_find(s.db, clinic, id, &err);
        if (rc == MD_ENOTFOUND)
            rc = md_err_set(&err, MD_EINVAL, "clinic", "no clinic with id or name '%s'", clinic);
    }
    if (rc == MD_OK)
        rc = clinic ? md_audit_verify_report(s.db, id, anchor, &report, &err)
                    : md_audit_verify_all(s.db, anchor, &report, &err);
    if (rc != MD_OK) {
        status = rc == MD_EINVAL ? 2 : 1;
        cli_fail("audit verify", &err);
    } else {
        cli_print_json(report);
        status = json_is_true(json_object_get(report, "intact")) ? 0 : 1;
    }
    json_decref(report);
    cli_close(&s);
    md_audit_anchor_free(anchor);
    return status;
}
