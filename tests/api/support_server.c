/*
 * support_server.c - start and stop the real server for one test group
 * (see support.h for the lifecycle).
 */
#include "support.h"

#include "pg_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 48
#define WRAPPER_MAX 512

api_env api;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static const char *bin(void)
{
    const char *b = getenv("MESODESK_BIN");
    if (!b || !*b) fail_msg("MESODESK_BIN is not set (run the API tests through ctest)");
    return b;
}

static int status_of(int wstatus)
{
    if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
    return -1;
}

/* Print the last part of a log file to stderr (diagnosis of a failed start or stop). */
static void print_log(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return;
    char buf[8192];
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, size > (long)sizeof buf - 1 ? size - (long)sizeof buf + 1 : 0, SEEK_SET);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    fprintf(stderr, "---- %s (last %zu bytes) ----\n%s\n---- end ----\n", path, n, buf);
}

/* Fork and exec argv with stdin from stdin_text (may be NULL), stdout into out (may be NULL)
 * and stderr appended to log.  Returns the exit status. */
static int run(char *const argv[], const char *stdin_text, char *out, size_t outsz, const char *log)
{
    int in_pipe[2], out_pipe[2];
    if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0) fail_msg("pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) fail_msg("fork: %s", strerror(errno));
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        dup2(in_pipe[0], 0);
        dup2(out_pipe[1], 1);
        if (fd >= 0) dup2(fd, 2);
        close(in_pipe[1]);
        close(out_pipe[0]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    if (stdin_text) {
        ssize_t w = write(in_pipe[1], stdin_text, strlen(stdin_text));
        (void)w;
    }
    close(in_pipe[1]);
    size_t used = 0;
    char sink[512];
    for (;;) {
        char *dst = out && used + 1 < outsz ? out + used : sink;
        size_t room = out && used + 1 < outsz ? outsz - used - 1 : sizeof sink;
        ssize_t n = read(out_pipe[0], dst, room);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (dst != sink) used += (size_t)n;
    }
    if (out && outsz) out[used] = '\0';
    close(out_pipe[0]);
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
    return status_of(ws);
}

static void path_in(const api_server *s, const char *name, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s/%s", s->dir, name);
}

/*
 * The server's database: db.sqlite in its directory or, under tests/pg_harness.sh, a
 * PostgreSQL database of its own named after the directory, created on first use.  The
 * audit key and checkpoint log then stay in the directory (MESODESK_AUDIT_KEY/_LOG), where
 * they would sit beside a SQLite file.
 */
static void db_uri(const api_server *s, char *out, size_t outsz)
{
    if (s->db_of) {
        db_uri(s->db_of, out, outsz);
        return;
    }
    if (!pg_harness_active()) {
        path_in(s, "db.sqlite", out, outsz);
        return;
    }
    char name[64] = "mdapi_", marker[320], key[320], log[320];
    const char *base = strrchr(s->dir, '/');
    for (const unsigned char *p = (const unsigned char *)(base ? base + 1 : s->dir);
         *p && strlen(name) + 3 < sizeof name; p++)
        snprintf(name + strlen(name), sizeof name - strlen(name), "%02x", *p);
    path_in(s, "audit.key", key, sizeof key);
    path_in(s, "audit-checkpoints.log", log, sizeof log);
    setenv("MESODESK_AUDIT_KEY", key, 1);
    setenv("MESODESK_AUDIT_LOG", log, 1);
    path_in(s, "pg-database", marker, sizeof marker);
    if (access(marker, F_OK) == 0) {
        snprintf(out, outsz, "%s/%s", getenv("MESODESK_TEST_PG"), name);
        return;
    }
    if (pg_harness_create_named(name, out, outsz) != 0) fail_msg("no PostgreSQL database");
    FILE *f = fopen(marker, "w");
    if (f) fclose(f);
}

static void create_clinics(api_server *s)
{
    char db[320], log[320], out[256];
    db_uri(s, db, sizeof db);
    path_in(s, "setup.log", log, sizeof log);
    setenv("MESODESK_ADMIN_PASSWORD", API_ADMIN_PASSWORD, 1);
    setenv("MESODESK_DEMO_PASSWORD", API_DEMO_PASSWORD, 1);

    char *demo[] = {(char *)bin(), "demo", "--db", db, NULL};
    if (run(demo, NULL, NULL, 0, log) != 0) {
        print_log(log);
        fail_msg("mesodesk demo failed");
    }
    char *init[] = {(char *)bin(),    "init",         "--db",        db,
                    "--clinic-name",  "Other Clinic", "--time-zone", "Europe/Paris",
                    "--jurisdiction", "EU",           NULL};
    if (run(init, NULL, out, sizeof out, log) != 0) {
        print_log(log);
        fail_msg("mesodesk init failed");
    }
    out[strcspn(out, "\r\n")] = '\0';
    if (!md_id_valid(out)) fail_msg("mesodesk init printed '%s', not a clinic id", out);
    md_strlcpy(api.other_clinic_id, out, sizeof api.other_clinic_id);
    char *add[] = {(char *)bin(),
                   "user",
                   "add",
                   "--db",
                   db,
                   "--clinic",
                   api.other_clinic_id,
                   "--role",
                   "admin",
                   "--email",
                   "admin@other.clinic",
                   NULL};
    if (run(add, API_OTHER_PASSWORD "\n", NULL, 0, log) != 0) {
        print_log(log);
        fail_msg("mesodesk user add failed");
    }
}

/* argv of the serve command, prefixed by $MESODESK_TEST_WRAPPER split on spaces. */
static void serve_argv(api_server *s, char *words, char *argv[MAX_ARGS], char *db, size_t dbsz,
                       char *port, size_t portsz)
{
    int n = 0;
    const char *wrapper = getenv("MESODESK_TEST_WRAPPER");
    words[0] = '\0';
    if (wrapper && *wrapper) {
        md_strlcpy(words, wrapper, WRAPPER_MAX);
        for (char *w = words; *w && n < MAX_ARGS - 12;) {
            while (*w == ' ')
                *w++ = '\0';
            if (!*w) break;
            argv[n++] = w;
            while (*w && *w != ' ')
                w++;
        }
        api.slow = n > 0;
        /* Under a wrapper (valgrind) one password hash takes seconds, and a connection
         * queued behind it on a busy worker must not be timed out as silent; a group
         * that tests the timeout sets its own. */
        if (api.slow) setenv("MESODESK_REQUEST_TIMEOUT", "120", 0);
    }
    db_uri(s, db, dbsz);
    path_in(s, s->name[0] ? s->name : "port", port, portsz);
    char *rest[] = {(char *)bin(), "serve",       "--db", db,  "--listen",
                    "127.0.0.1:0", "--port-file", port,   NULL};
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++)
        argv[n++] = rest[i];
}

static long read_port(const char *path)
{
    char buf[32] = "";
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    if (n == 0 || buf[n - 1] != '\n') return 0; /* not completely written yet */
    buf[n - 1] = '\0';
    long port;
    return md_parse_long(buf, 1, 65535, &port) == 0 ? port : 0;
}

static void start_server(api_server *s)
{
    char words[WRAPPER_MAX], db[320], port_file[320], log[320];
    char *argv[MAX_ARGS] = {0};
    serve_argv(s, words, argv, db, sizeof db, port_file, sizeof port_file);
    path_in(s, "server.log", log, sizeof log);
    if (s->name[0]) snprintf(log, sizeof log, "%s/%s.log", s->dir, s->name);
    unlink(port_file); /* a restart's: the old port is gone */
    pid_t pid = fork();
    if (pid < 0) fail_msg("fork: %s", strerror(errno));
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (devnull >= 0) dup2(devnull, 0);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    s->pid = pid;
    double deadline = now_s() + (api.slow ? 300 : 20);
    long port = 0;
    while (!(port = read_port(port_file))) {
        int ws;
        if (waitpid(pid, &ws, WNOHANG) == pid) {
            s->pid = 0;
            print_log(log);
            fail_msg("the server exited with status %d before listening", status_of(ws));
        }
        if (now_s() > deadline) {
            print_log(log);
            api_server_stop(s);
            fail_msg("the server wrote no port file in time");
        }
        sleep_ms(20);
    }
    snprintf(s->url, sizeof s->url, "http://127.0.0.1:%ld", port);
    char group_url[sizeof api.srv.url];
    md_strlcpy(group_url, api.srv.url, sizeof group_url);
    for (;;) {
        api_req q = {"GET", "/healthz", NULL, NULL, 0, 0, NULL};
        api_res r;
        md_strlcpy(api.srv.url, s->url, sizeof api.srv.url); /* api_send asks api.srv */
        api_send(NULL, &q, &r);
        if (s != &api.srv) md_strlcpy(api.srv.url, group_url, sizeof api.srv.url);
        long st = r.status;
        api_res_free(&r);
        if (st == 200) break;
        if (now_s() > deadline) {
            print_log(log);
            api_server_stop(s);
            fail_msg("GET /healthz did not answer 200 in time (last status %ld)", st);
        }
        sleep_ms(50);
    }
}

int api_server_stop(api_server *s)
{
    if (!s->pid) return s->exit_status;
    kill(s->pid, SIGTERM);
    double deadline = now_s() + (api.slow ? 300 : 60);
    int ws = 0;
    pid_t got;
    while ((got = waitpid(s->pid, &ws, WNOHANG)) == 0 && now_s() < deadline)
        sleep_ms(20);
    if (got == 0) {
        fprintf(stderr, "the server did not stop after SIGTERM; killing it\n");
        kill(s->pid, SIGKILL);
        waitpid(s->pid, &ws, 0);
    }
    s->pid = 0;
    s->exit_status = got == 0 ? -1 : status_of(ws);
    return s->exit_status;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

#define MAX_SHARING 4
static api_server *sharing[MAX_SHARING]; /* servers started by api_server_start_sharing */

/* A failed group setup skips the teardown: do not leave the server running. */
static void stop_leftover(void)
{
    for (int i = 0; i < MAX_SHARING; i++)
        if (sharing[i] && sharing[i]->pid) api_server_stop(sharing[i]);
    if (api.srv.pid) api_server_stop(&api.srv);
}

void api_server_start_sharing(api_server *s, const api_server *with, const char *name)
{
    memset(s, 0, sizeof *s);
    s->db_of = with;
    if ((size_t)snprintf(s->dir, sizeof s->dir, "%s/%s", with->dir, name) >= sizeof s->dir)
        fail_msg("%s/%s: too long a path", with->dir, name);
    if (mkdir(s->dir, 0700) != 0) fail_msg("mkdir %s: %s", s->dir, strerror(errno));
    for (int i = 0; i < MAX_SHARING; i++)
        if (!sharing[i]) {
            sharing[i] = s;
            break;
        }
    start_server(s);
}

void api_server_db_uri(const api_server *s, char *out, size_t outsz)
{
    db_uri(s, out, outsz);
}

int api_setup(void **state)
{
    (void)state;
    memset(&api, 0, sizeof api);
    atexit(stop_leftover);
    if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK) fail_msg("curl_global_init failed");
    if (md_init() != 0) fail_msg("md_init failed");
    const char *tmp = getenv("TMPDIR");
    snprintf(api.srv.dir, sizeof api.srv.dir, "%s/mesodesk-api-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(api.srv.dir)) fail_msg("mkdtemp %s: %s", api.srv.dir, strerror(errno));
    create_clinics(&api.srv);
    start_server(&api.srv);
    api_login("admin@demo.clinic", API_ADMIN_PASSWORD, api.admin, api.admin_id);
    api_login("practitioner@demo.clinic", API_DEMO_PASSWORD, api.practitioner, api.practitioner_id);
    api_login("reception@demo.clinic", API_DEMO_PASSWORD, api.reception, api.reception_id);
    api_login("auditor@demo.clinic", API_DEMO_PASSWORD, api.auditor, api.auditor_id);
    api_login("admin@other.clinic", API_OTHER_PASSWORD, api.other_admin, api.other_admin_id);
    return 0;
}

int api_teardown(void **state)
{
    (void)state;
    int st = api_server_stop(&api.srv);
    char log[320];
    path_in(&api.srv, "server.log", log, sizeof log);
    if (st != 0) {
        print_log(log);
        fprintf(stderr, "server files kept in %s\n", api.srv.dir);
    } else {
        nftw(api.srv.dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    }
    curl_global_cleanup();
    if (st != 0) fail_msg("the server exited with status %d after SIGTERM (expected 0)", st);
    return 0;
}

int api_run_cmd(char *const argv[], const char *stdin_text, char *out, size_t outsz,
                const char *log)
{
    return run(argv, stdin_text, out, outsz, log);
}

double api_now_s(void)
{
    return now_s();
}

void api_sleep_ms(long ms)
{
    sleep_ms(ms);
}

long api_server_status_kib(const api_server *s, const char *field)
{
    char path[64], line[256];
    if (!s->pid) return -1;
    snprintf(path, sizeof path, "/proc/%ld/status", (long)s->pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = strlen(field);
    long kib = -1;
    while (kib < 0 && fgets(line, sizeof line, f)) {
        if (strncmp(line, field, n) != 0 || line[n] != ':') continue;
        char *end = NULL;
        long v = strtol(line + n + 1, &end, 10);
        if (end != line + n + 1) kib = v;
    }
    fclose(f);
    return kib;
}

int api_server_reset_peak(const api_server *s)
{
    char path[64];
    if (!s->pid) return -1;
    snprintf(path, sizeof path, "/proc/%ld/clear_refs", (long)s->pid);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    int ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

void api_server_db(const api_server *s, char *out, size_t outsz)
{
    db_uri(s, out, outsz);
}

void api_server_start(api_server *s)
{
    start_server(s);
}

char api_media_dir[300];

int api_setup_media(void **state)
{
    const char *pg = getenv("MESODESK_TEST_PG");
    if (pg && *pg) {
        snprintf(api_media_dir, sizeof api_media_dir, "/tmp/mesodesk-media-XXXXXX");
        if (!mkdtemp(api_media_dir)) return -1;
        setenv("MESODESK_MEDIA_DIR", api_media_dir, 1);
    }
    int rc = api_setup(state);
    if (!api_media_dir[0])
        snprintf(api_media_dir, sizeof api_media_dir, "%s/db.sqlite.media", api.srv.dir);
    return rc;
}

int api_teardown_media(void **state)
{
    int rc = api_teardown(state);
    if (getenv("MESODESK_MEDIA_DIR") &&
        nftw(api_media_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS) != 0)
        rc = -1;
    return rc;
}
