/*
 * cmd_admin.c - mesodesk init, serve and user.
 */
#include "cli.h"

#include "mesodesk/auth.h"
#include "mesodesk/clinic.h"
#include "mesodesk/kb.h"
#include "server/server.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cmd_init(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"clinic-name", required_argument, 0, 'n'},
                                         {"time-zone", required_argument, 0, 't'},
                                         {"jurisdiction", required_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL, *name = NULL, *tz = "UTC", *jur = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'n': name = optarg; break;
        case 't': tz = optarg; break;
        case 'j': jur = optarg; break;
        case 'h':
            printf("usage: mesodesk init [--db PATH] [--clinic-name NAME --time-zone ZONE "
                   "--jurisdiction US|EU|UK]\n\n"
                   "Create the database (or apply new migrations to it).  With --clinic-name, "
                   "also create a clinic and print its id.\n");
            return 0;
        default: return 2;
        }
    }
    if (optind < argc || (name && !jur)) {
        fprintf(stderr, "mesodesk init: %s\n",
                optind < argc ? "unexpected argument" : "--jurisdiction is required with a clinic");
        return 2;
    }
    cli_session s;
    int st = cli_open(&s, cli_db_path(db), NULL, 0);
    if (st) return st;
    md_err err;
    md_err_clear(&err);
    if (name) {
        char id[MD_ID_STR];
        if (md_clinic_create(s.db, name, tz, jur, id, &err) != MD_OK) {
            st = cli_fail("init", &err);
        } else {
            printf("%s\n", id);
        }
    } else {
        fprintf(stderr, "database %s at schema version %d\n", cli_db_path(db),
                md_store_schema_version(s.db));
    }
    cli_close(&s);
    return st;
}

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"listen", required_argument, 0, 'l'},
                                         {"web", required_argument, 0, 'w'},
                                         {"kb", required_argument, 0, 'k'},
                                         {"threads", required_argument, 0, 't'},
                                         {"port-file", required_argument, 0, 'p'},
                                         {"hash-memory", required_argument, 0, 'M'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    md_server_config cfg = {0};
    const char *db = NULL, *kb = NULL;
    long threads = 16;
    const char *hash_mib = getenv("MESODESK_HASH_MEMORY");
    int c;
    cfg.listen = getenv("MESODESK_LISTEN") ? getenv("MESODESK_LISTEN") : "127.0.0.1:8080";
    cfg.web_dir = getenv("MESODESK_WEB") ? getenv("MESODESK_WEB") : MESODESK_SOURCE_DIR "/web/dist";
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'l': cfg.listen = optarg; break;
        case 'w': cfg.web_dir = optarg; break;
        case 'k': kb = optarg; break;
        case 'p': cfg.port_file = optarg; break;
        case 'M': hash_mib = optarg; break;
        case 't':
            if (md_parse_long(optarg, 1, 256, &threads) != 0) {
                fprintf(stderr, "mesodesk serve: --threads must be 1..256\n");
                return 2;
            }
            break;
        case 'h':
            printf("usage: mesodesk serve [--db PATH] [--listen HOST:PORT] [--web DIR] [--kb DIR] "
                   "[--threads N] [--port-file FILE] [--hash-memory MIB]\n\n"
                   "Serve the web app at /, the JSON API under /api/v1 and health at /healthz.\n"
                   "Defaults: --db $MESODESK_DB or var/mesodesk.db; --listen $MESODESK_LISTEN or "
                   "127.0.0.1:8080 (port 0 picks a free port; --port-file records it);\n"
                   "--web $MESODESK_WEB or the source tree's web/dist; --kb $MESODESK_KB or ./kb.\n"
                   "--hash-memory MIB ($MESODESK_HASH_MEMORY, default 128): memory for password "
                   "hashing at once, 64 MiB per\n"
                   "sign-in being checked; with --threads it sets how many are hashed at once.\n"
                   "SIGTERM or SIGINT drains in-flight requests and exits 0.\n");
            return 0;
        default: return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mesodesk serve: unexpected argument %s\n", argv[optind]);
        return 2;
    }
    long mib = (long)(MD_HASH_MEMORY_DEFAULT >> 20);
    if (hash_mib && *hash_mib && md_parse_long(hash_mib, 64, 65536, &mib) != 0) {
        fprintf(stderr, "mesodesk serve: --hash-memory must be 64..65536 (MiB)\n");
        return 2;
    }
    md_hash_limits hl = md_hash_limits_for((size_t)mib << 20, (int)threads);
    md_hash_limits_set(&hl);
    char kbdir[1024];
    md_err err;
    if (md_kb_locate(kb, MESODESK_SOURCE_DIR "/kb", kbdir, sizeof kbdir, &err) != MD_OK)
        return cli_fail("serve", &err);
    cfg.db_uri = cli_db_path(db);
    cfg.kb_dir = kbdir;
    cfg.threads = (int)threads;
    /* Create the file and its directory if needed, and apply migrations. */
    cli_session s;
    int st = cli_open(&s, cfg.db_uri, NULL, 0);
    if (st) return st;
    cli_close(&s);
    return md_server_run(&cfg);
}

/* Password from stdin when it is not a terminal and not empty; otherwise generated. */
static int read_or_generate_password(char *out, size_t outsz, int *generated)
{
    *generated = 0;
    if (!isatty(STDIN_FILENO)) {
        if (fgets(out, (int)outsz, stdin)) {
            out[strcspn(out, "\r\n")] = '\0';
            if (*out) return 0;
        }
    }
    md_password_generate(out);
    *generated = 1;
    return 0;
}

static int user_add(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"clinic", required_argument, 0, 'c'},
                                         {"role", required_argument, 0, 'r'},
                                         {"email", required_argument, 0, 'e'},
                                         {"name", required_argument, 0, 'n'},
                                         {"licence-number", required_argument, 0, 'L'},
                                         {"licence-expiry", required_argument, 0, 'X'},
                                         {"qualification", required_argument, 0, 'q'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL, *clinic = NULL;
    json_t *in = json_object(), *quals = json_array();
    int c, st = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'c': clinic = optarg; break;
        case 'r': json_object_set_new(in, "role", json_string(optarg)); break;
        case 'e': json_object_set_new(in, "email", json_string(optarg)); break;
        case 'n': json_object_set_new(in, "display_name", json_string(optarg)); break;
        case 'L': json_object_set_new(in, "licence_number", json_string(optarg)); break;
        case 'X': json_object_set_new(in, "licence_expiry", json_string(optarg)); break;
        case 'q': json_array_append_new(quals, json_string(optarg)); break;
        case 'h':
            printf("usage: mesodesk user add --clinic ID|NAME --role admin|practitioner|reception|"
                   "auditor --email EMAIL [--name NAME]\n"
                   "       [--licence-number N --licence-expiry YYYY-MM-DD] [--qualification Q]... "
                   "[--db PATH]\n\n"
                   "The password is read from standard input (one line) when it is not a "
                   "terminal;\notherwise one is generated and printed once.\n");
            goto done;
        default: st = 2; goto done;
        }
    }
    if (!clinic || !json_object_get(in, "role") || !json_object_get(in, "email")) {
        fprintf(stderr, "mesodesk user add: --clinic, --role and --email are required\n");
        st = 2;
        goto done;
    }
    if (!json_object_get(in, "display_name"))
        json_object_set(in, "display_name", json_object_get(in, "email"));
    json_object_set(in, "qualifications", quals);
    char password[MD_PASSWORD_MAX + 2];
    int generated;
    read_or_generate_password(password, sizeof password, &generated);
    cli_session s;
    if ((st = cli_open(&s, cli_db_path(db), clinic, 0)) != 0) goto done;
    md_err err;
    json_t *out = NULL;
    if (md_staff_create(&s.ctx, in, password, &out, &err) != MD_OK) {
        st = cli_fail("user add", &err);
    } else {
        printf("%s\n", json_string_value(json_object_get(out, "id")));
        if (generated) fprintf(stderr, "password (shown once): %s\n", password);
    }
    json_decref(out);
    cli_close(&s);
done:
    json_decref(in);
    json_decref(quals);
    return st;
}

static int user_list(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"clinic", required_argument, 0, 'c'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL, *clinic = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'c': clinic = optarg; break;
        case 'h': printf("usage: mesodesk user list --clinic ID|NAME [--db PATH]\n"); return 0;
        default: return 2;
        }
    }
    if (!clinic) {
        fprintf(stderr, "mesodesk user list: --clinic is required\n");
        return 2;
    }
    cli_session s;
    int st = cli_open(&s, cli_db_path(db), clinic, 0);
    if (st) return st;
    md_err err;
    json_t *out = NULL;
    if (md_staff_list(&s.ctx, &out, &err) != MD_OK) {
        st = cli_fail("user list", &err);
    } else {
        size_t i;
        json_t *u;
        json_array_foreach(json_object_get(out, "items"), i, u)
        {
            printf("%s  %-13s %s\n", json_string_value(json_object_get(u, "id")),
                   json_string_value(json_object_get(u, "role")),
                   json_string_value(json_object_get(u, "email")));
        }
    }
    json_decref(out);
    cli_close(&s);
    return st;
}

int cmd_user(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "add") == 0) return user_add(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "list") == 0) return user_list(argc - 1, argv + 1);
    FILE *f = argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr;
    fprintf(f, "usage: mesodesk user add|list [OPTIONS]   (mesodesk user add --help)\n");
    return f == stdout ? 0 : 2;
}
