/*
 * cmd_admin.c - mesodesk init, serve and user.
 */
#include "cli.h"

#include "mesodesk/audit.h"
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

/* A serve limit (1..max) from a flag or the environment (value NULL: unset, *out kept).
 * Returns 0, or 2 with a message. */
static int serve_limit(const char *name, const char *value, long max, int *out)
{
    long v;
    if (!value) return 0;
    if (md_parse_long(value, 1, max, &v) != 0) {
        fprintf(stderr, "mesodesk serve: %s must be a whole number from 1 to %ld\n", name, max);
        return 2;
    }
    *out = (int)v;
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"listen", required_argument, 0, 'l'},
                                         {"web", required_argument, 0, 'w'},
                                         {"kb", required_argument, 0, 'k'},
                                         {"threads", required_argument, 0, 't'},
                                         {"port-file", required_argument, 0, 'p'},
                                         {"audit-key", required_argument, 0, 'K'},
                                         {"audit-log", required_argument, 0, 'A'},
                                         {"public-url", required_argument, 0, 'u'},
                                         {"max-connections", required_argument, 0, 'm'},
                                         {"max-connections-per-ip", required_argument, 0, 'i'},
                                         {"request-timeout", required_argument, 0, 'r'},
                                         {"hash-memory", required_argument, 0, 'M'},
                                         {"trusted-proxy", required_argument, 0, 'T'},
                                         {"login-address-limit", required_argument, 0, 'L'},
                                         {"media-dir", required_argument, 0, 'D'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    md_server_config cfg = {0};
    const char *db = NULL, *kb = NULL, *audit_key = NULL, *audit_log = NULL;
    char key_path[MD_AUDIT_PATH_MAX], log_path[MD_AUDIT_PATH_MAX];
    long threads = 0; /* 0: the server's default for the database (md_server_default_threads) */
    const char *hash_mib = getenv("MESODESK_HASH_MEMORY");
    int c, address_limit = MD_LOGIN_ADDRESS_FAILURES;
    cfg.listen = getenv("MESODESK_LISTEN") ? getenv("MESODESK_LISTEN") : "127.0.0.1:8080";
    cfg.web_dir = getenv("MESODESK_WEB") ? getenv("MESODESK_WEB") : MESODESK_SOURCE_DIR "/web/dist";
    cfg.public_url = getenv("MESODESK_PUBLIC_URL") && *getenv("MESODESK_PUBLIC_URL")
                         ? getenv("MESODESK_PUBLIC_URL")
                         : NULL;
    cfg.trusted_proxy = getenv("MESODESK_TRUSTED_PROXY");
    cfg.media_dir = getenv("MESODESK_MEDIA_DIR");
    /* The connection limits: flag letter, flag, variable, maximum, setting. */
    const struct {
        int letter;
        const char *flag, *env;
        long max;
        int *out;
    } limits[] = {
        {'m', "--max-connections", "MESODESK_MAX_CONNECTIONS", 1000000, &cfg.max_connections},
        {'i', "--max-connections-per-ip", "MESODESK_MAX_CONNECTIONS_PER_IP", 100000,
         &cfg.max_connections_per_ip},
        {'r', "--request-timeout", "MESODESK_REQUEST_TIMEOUT", 3600, &cfg.request_timeout},
        {'L', "--login-address-limit", "MESODESK_LOGIN_ADDRESS_LIMIT", 100000, &address_limit},
    };
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
        if (serve_limit(limits[i].env, getenv(limits[i].env), limits[i].max, limits[i].out))
            return 2;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'l': cfg.listen = optarg; break;
        case 'w': cfg.web_dir = optarg; break;
        case 'k': kb = optarg; break;
        case 'p': cfg.port_file = optarg; break;
        case 'K': audit_key = optarg; break;
        case 'A': audit_log = optarg; break;
        case 'u': cfg.public_url = optarg; break;
        case 'm':
        case 'i':
        case 'r':
        case 'L':
            for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
                if (limits[i].letter == c &&
                    serve_limit(limits[i].flag, optarg, limits[i].max, limits[i].out))
                    return 2;
            break;
        case 'M': hash_mib = optarg; break;
        case 'T': cfg.trusted_proxy = optarg; break;
        case 'D': cfg.media_dir = optarg; break;
        case 't':
            if (md_parse_long(optarg, 1, 256, &threads) != 0) {
                fprintf(stderr, "mesodesk serve: --threads must be 1..256\n");
                return 2;
            }
            break;
        case 'h':
            printf("usage: mesodesk serve [--db PATH] [--listen HOST:PORT] [--web DIR] [--kb DIR] "
                   "[--threads N] [--port-file FILE]\n"
                   "                     [--audit-key FILE] [--audit-log FILE] [--public-url URL]\n"
                   "       [--max-connections N] [--max-connections-per-ip N] "
                   "[--request-timeout SECONDS] [--hash-memory MIB]\n"
                   "       [--trusted-proxy ADDR[,ADDR...]] [--login-address-limit N] "
                   "[--media-dir DIR]\n\n"
                   "Serve the web app at /, the JSON API under /api/v1 and health at /healthz.\n"
                   "Defaults: --db $MESODESK_DB or var/mesodesk.db; --listen $MESODESK_LISTEN or "
                   "127.0.0.1:8080 (port 0 picks a free port; --port-file records it);\n"
                   "--web $MESODESK_WEB or the source tree's web/dist; --kb $MESODESK_KB or ./kb.\n"
                   "--audit-key $MESODESK_AUDIT_KEY or audit.key beside the database: the key that "
                   "signs audit checkpoints\n(created with mode 0600 when missing; refused when "
                   "others may read it); --audit-log $MESODESK_AUDIT_LOG or\n"
                   "audit-checkpoints.log beside the key: the checkpoint log to ship elsewhere.\n"
                   "--public-url $MESODESK_PUBLIC_URL or the listen address: the address patients' "
                   "links use (https://clinic.example).\n"
                   "--max-connections $MESODESK_MAX_CONNECTIONS or what the open-file limit "
                   "holds; --max-connections-per-ip\n"
                   "$MESODESK_MAX_CONNECTIONS_PER_IP or 128; --request-timeout "
                   "$MESODESK_REQUEST_TIMEOUT or 10 (seconds of silence\n"
                   "before a connection is closed).\n"
                   "--hash-memory MIB ($MESODESK_HASH_MEMORY, default 128): memory for password "
                   "hashing at once, 64 MiB per\n"
                   "sign-in being checked; with --threads it sets how many are hashed at once.\n"
                   "--trusted-proxy $MESODESK_TRUSTED_PROXY or none: the reverse proxies whose "
                   "X-Forwarded-For gives the client's\naddress (otherwise it is the socket's "
                   "peer); --login-address-limit $MESODESK_LOGIN_ADDRESS_LIMIT or 100: failed\n"
                   "sign-ins from one client address before it waits (5 per email in any case).\n"
                   "--media-dir $MESODESK_MEDIA_DIR or DB.media beside a SQLite file: where photos "
                   "are kept, by SHA-256, one\ndirectory per clinic (required with PostgreSQL: "
                   "a directory every server shares; without it photos are refused).\n"
                   "SIGTERM or SIGINT finishes the requests being answered and exits 0.\n");
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
    cfg.db_uri = cli_db_path(db);
    md_hash_limits hl = md_hash_limits_for(
        (size_t)mib << 20, threads ? (int)threads : md_server_default_threads(cfg.db_uri));
    md_hash_limits_set(&hl);
    md_login_throttle_set_address_limit(address_limit);
    char kbdir[1024];
    md_err err;
    if (md_kb_locate(kb, MESODESK_SOURCE_DIR "/kb", kbdir, sizeof kbdir, &err) != MD_OK)
        return cli_fail("serve", &err);
    cfg.kb_dir = kbdir;
    cfg.threads = (int)threads;
    cli_audit_paths(cfg.db_uri, audit_key, audit_log, key_path, log_path);
    cfg.audit_key = key_path;
    cfg.audit_log = log_path;
    md_audit_anchor *anchor = NULL; /* refuse a bad key before anything starts */
    if (md_audit_anchor_open(key_path, log_path, 1, &anchor, &err) != MD_OK)
        return cli_fail("serve", &err);
    md_audit_anchor_free(anchor);
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
