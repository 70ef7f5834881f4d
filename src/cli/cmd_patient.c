/*
 * cmd_patient.c - mesodesk patient add | list | show.
 */
#include "cli.h"

#include "mesodesk/record.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static int patient_help(const char *sub)
{
    if (strcmp(sub, "add") == 0)
        printf("usage: mesodesk patient add --clinic ID|NAME --given NAME --family NAME "
               "--birth-date YYYY-MM-DD --sex female|male|other|unknown\n"
               "       [--fitzpatrick 1-6] [--email EMAIL] [--phone PHONE] [--db PATH]\n"
               "       [--confirm-not-duplicate]\n"
               "Prints the new patient's id.  A likely duplicate (names and birth date, e-mail or "
               "phone, as\n"
               "the API checks) is refused with its candidates on stderr and exit status 1,\n"
               "unless --confirm-not-duplicate is given.\n");
    else if (strcmp(sub, "list") == 0)
        printf("usage: mesodesk patient list --clinic ID|NAME [--name PREFIX] [--birth-date "
               "YYYY-MM-DD] [--limit N] [--offset N] [--db PATH]\n");
    else
        printf("usage: mesodesk patient show --clinic ID|NAME [--db PATH] PATIENT_ID\n"
               "Prints the patient, their clinical facts and status as JSON.\n");
    return 0;
}

int cmd_patient(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"clinic", required_argument, 0, 'c'},
                                         {"given", required_argument, 0, 'g'},
                                         {"family", required_argument, 0, 'f'},
                                         {"birth-date", required_argument, 0, 'b'},
                                         {"sex", required_argument, 0, 's'},
                                         {"fitzpatrick", required_argument, 0, 'F'},
                                         {"email", required_argument, 0, 'e'},
                                         {"phone", required_argument, 0, 'p'},
                                         {"name", required_argument, 0, 'n'},
                                         {"limit", required_argument, 0, 'l'},
                                         {"offset", required_argument, 0, 'o'},
                                         {"confirm-not-duplicate", no_argument, 0, 'C'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    if (argc < 2 ||
        (strcmp(argv[1], "add") && strcmp(argv[1], "list") && strcmp(argv[1], "show"))) {
        FILE *f = argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr;
        fprintf(
            f, "usage: mesodesk patient add|list|show [OPTIONS]   (mesodesk patient add --help)\n");
        return f == stdout ? 0 : 2;
    }
    const char *sub = argv[1];
    const char *db = NULL, *clinic = NULL;
    md_patient_query q = {NULL, NULL, 50, 0};
    json_t *in = json_object();
    long n;
    int c, st = 0, confirm = 0;
    optind = 1;
    argc--;
    argv++;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'c': clinic = optarg; break;
        case 'g': json_object_set_new(in, "given_name", json_string(optarg)); break;
        case 'f': json_object_set_new(in, "family_name", json_string(optarg)); break;
        case 'b':
            json_object_set_new(in, "birth_date", json_string(optarg));
            q.birth_date = optarg;
            break;
        case 's': json_object_set_new(in, "sex", json_string(optarg)); break;
        case 'e': json_object_set_new(in, "email", json_string(optarg)); break;
        case 'p': json_object_set_new(in, "phone", json_string(optarg)); break;
        case 'n': q.name = optarg; break;
        case 'F':
        case 'l':
        case 'o':
            if (md_parse_long(optarg, 0, 1000000, &n) != 0) {
                fprintf(stderr, "mesodesk patient %s: %s must be a whole number\n", sub,
                        c == 'F'   ? "--fitzpatrick"
                        : c == 'l' ? "--limit"
                                   : "--offset");
                st = 2;
                goto done;
            }
            if (c == 'F') json_object_set_new(in, "fitzpatrick", json_integer(n));
            if (c == 'l') q.limit = (int)(n < 1 ? 1 : n > 1000 ? 1000 : n);
            if (c == 'o') q.offset = (int)n;
            break;
        case 'C': confirm = 1; break;
        case 'h': st = patient_help(sub); goto done;
        default: st = 2; goto done;
        }
    }
    if (!clinic) {
        fprintf(stderr, "mesodesk patient %s: --clinic is required\n", sub);
        st = 2;
        goto done;
    }
    if (strcmp(sub, "show") == 0 && optind + 1 != argc) {
        fprintf(stderr, "mesodesk patient show: give one PATIENT_ID\n");
        st = 2;
        goto done;
    }
    cli_session s;
    if ((st = cli_open(&s, cli_db_path(db), clinic, 1)) != 0) goto done;
    md_err err;
    md_err_clear(&err);
    json_t *out = NULL;
    md_code rc;
    if (strcmp(sub, "add") == 0) {
        json_t *cands = NULL;
        rc = md_patient_create(&s.ctx, in, confirm, &out, &cands, &err);
        if (rc == MD_OK) printf("%s\n", json_string_value(json_object_get(out, "id")));
        size_t i;
        json_t *p;
        json_array_foreach(json_object_get(cands, "candidates"), i, p)
        {
            fprintf(stderr, "likely duplicate: %s  %s  %s, %s\n",
                    json_string_value(json_object_get(p, "id")),
                    json_string_value(json_object_get(p, "birth_date")),
                    json_string_value(json_object_get(p, "family_name")),
                    json_string_value(json_object_get(p, "given_name")));
        }
        json_decref(cands);
    } else if (strcmp(sub, "list") == 0) {
        rc = md_patient_search(&s.ctx, &q, &out, &err);
        size_t i;
        json_t *p;
        json_array_foreach(json_object_get(out, "items"), i, p)
        {
            printf("%s  %s  %s, %s\n", json_string_value(json_object_get(p, "id")),
                   json_string_value(json_object_get(p, "birth_date")),
                   json_string_value(json_object_get(p, "family_name")),
                   json_string_value(json_object_get(p, "given_name")));
        }
    } else {
        const char *pid = argv[optind];
        rc = md_record_get(&s.ctx, &md_kind_patient, NULL, pid, &out, &err);
        static const char *const colls[] = {"allergies", "conditions", "medications", "status"};
        for (size_t i = 0; rc == MD_OK && i < sizeof colls / sizeof colls[0]; i++) {
            json_t *facts = NULL;
            rc = md_record_list(&s.ctx, md_fact_kind_by_collection(colls[i]), pid, 0, &facts, &err);
            if (rc == MD_OK) json_object_set(out, colls[i], json_object_get(facts, "items"));
            json_decref(facts);
        }
        if (rc == MD_OK) cli_print_json(out);
    }
    if (rc != MD_OK) st = cli_fail(sub, &err);
    json_decref(out);
    cli_close(&s);
done:
    json_decref(in);
    return st;
}
