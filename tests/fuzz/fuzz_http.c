/*
 * fuzz_http.c - fuzz target for the whole request path: the bytes of one input are
 * sent as they are to an in-process server (md_server_start on 127.0.0.1, a fresh
 * database with one clinic, an admin and a patient) and go through libmicrohttpd's
 * parsing (method, URL, headers, framing, body), routing, authentication, the
 * handlers and the rendering of errors.  "@TOKEN@" in an input becomes the admin's
 * session token and "@PATIENT@" the patient's id, so inputs reach past sign-in.
 *
 * Whatever the bytes: no crash, no leak; no answer of ours with a 5xx (libmicrohttpd
 * may answer 501 or 505 itself, not as JSON); every JSON error answer is
 * {"error":{"code","message","field"}} and an input error names its field; and the
 * server answers GET /healthz afterwards.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mesodesk/auth.h"
#include "mesodesk/clinic.h"
#include "mesodesk/kb.h"
#include "mesodesk/log.h"
#include "mesodesk/store.h"
#include "server/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX (2u << 20)
#define ANSWER_MAX (4u << 20)
#define ADMIN_EMAIL "fuzz.admin@fuzz.clinic"
#define ADMIN_PASSWORD "fuzz-admin-pass-1"

static md_server *server;
static md_server_config cfg;
static char dir[64], db_path[128], kb_dir[4096], token[MD_TOKEN_STR], patient[MD_ID_STR];
static char *input, *answer;

static int connect_server(void)
{
    struct sockaddr_in a;
    struct timeval tv = {2, 0};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) abort();
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)md_server_port(server));
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) abort();
    return fd;
}

static const char *header_in(const char *h, const char *end, const char *name, char *out,
                             size_t outsz);

/* Whether answer[0, n) ends with a whole response (headers and Content-Length bytes). */
static int answer_complete(size_t n)
{
    const char *a = answer, *stop = answer + n;
    char len[32];
    long body_len;
    for (;;) {
        const char *end = strstr(a, "\r\n\r\n");
        if (!end || !header_in(a, end, "Content-Length", len, sizeof len) ||
            md_parse_long(len, 0, ANSWER_MAX, &body_len) != 0 || end + 4 + body_len > stop)
            return 0;
        a = end + 4 + body_len;
        if (a == stop) return 1;
    }
}

/* Send n bytes, half-close, and read what comes back into answer: up to wait_ms for
 * the first answer, then while more follows quickly (pipelined requests).  The server
 * keeps a half-closed connection open until its request timeout, so waiting for the
 * close would cost a second per input. */
static size_t exchange(const char *req, size_t n, int wait_ms)
{
    int fd = connect_server();
    size_t off = 0, got = 0;
    while (off < n) {
        ssize_t w = send(fd, req + off, n - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break; /* the server may stop reading an input it refused */
        off += (size_t)w;
    }
    shutdown(fd, SHUT_WR);
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (got + 1 >= ANSWER_MAX || poll(&p, 1, wait_ms) <= 0) break;
        ssize_t r = recv(fd, answer + got, ANSWER_MAX - 1 - got, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
        answer[got] = '\0';
        if (answer_complete(got)) wait_ms = 20;
    }
    answer[got] = '\0';
    close(fd);
    return got;
}

/* The value of header name in the header block [h, end), or NULL. */
static const char *header_in(const char *h, const char *end, const char *name, char *out,
                             size_t outsz)
{
    size_t nl = strlen(name);
    for (const char *l = h; l && l < end; l = strstr(l, "\r\n"), l = l ? l + 2 : NULL) {
        if (l + nl < end && strncasecmp(l, name, nl) == 0 && l[nl] == ':') {
            const char *v = l + nl + 1;
            while (*v == ' ')
                v++;
            size_t len = strcspn(v, "\r\n");
            if (len >= outsz) len = outsz - 1;
            memcpy(out, v, len);
            out[len] = '\0';
            return out;
        }
    }
    return NULL;
}

/* Whether req's body is shorter than its Content-Length says: such a request waits for
 * bytes that never come, so its answer need not be waited for long. */
static int body_incomplete(const char *req, size_t n)
{
    const char *end = memmem(req, n, "\r\n\r\n", 4);
    char v[32];
    long want;
    if (!end || !header_in(req, end, "Content-Length", v, sizeof v)) return 0;
    if (md_parse_long(v, 0, 1L << 40, &want) != 0) return 0;
    return (size_t)(req + n - (end + 4)) < (size_t)want;
}

static int is_input_error(const char *code)
{
    return strcmp(code, "invalid") == 0 || strcmp(code, "invalid_json") == 0 ||
           strcmp(code, "unprocessable") == 0 || strcmp(code, "payload_too_large") == 0;
}

/* Check every answer in answer[0, n); abort on a defect. */
static void judge(size_t n)
{
    const char *a = answer, *stop = answer + n;
    while (a + 12 < stop && strncmp(a, "HTTP/1.", 7) == 0) {
        long status;
        char code[4] = {a[9], a[10], a[11], '\0'}, len[32];
        const char *end = strstr(a, "\r\n\r\n");
        if (md_parse_long(code, 100, 599, &status) != 0 || !end) abort();
        const char *body = end + 4;
        long body_len = -1;
        if (header_in(a, end, "Content-Length", len, sizeof len) &&
            md_parse_long(len, 0, ANSWER_MAX, &body_len) != 0)
            abort();
        if (body_len < 0 || body + body_len > stop) body_len = stop - body;
        json_t *j = json_loadb(body, (size_t)body_len, 0, NULL);
        if (status >= 500 && (j || (status != 501 && status != 505))) {
            fprintf(stderr, "fuzz_http: status %ld: %.300s\n", status, a);
            abort();
        }
        if (j && status >= 400) {
            json_t *e = json_object_get(j, "error"), *field = json_object_get(e, "field");
            const char *c = json_string_value(json_object_get(e, "code"));
            const char *m = json_string_value(json_object_get(e, "message"));
            if (!c || !m || !*m || !field || (is_input_error(c) && !json_is_string(field))) {
                fprintf(stderr, "fuzz_http: bad error answer: %.300s\n", a);
                abort();
            }
        }
        json_decref(j);
        a = body + body_len;
    }
}

static void healthz_or_abort(void)
{
    static const char req[] = "GET /healthz HTTP/1.1\r\nHost: f\r\n\r\n";
    exchange(req, sizeof req - 1, 5000);
    if (strncmp(answer, "HTTP/1.1 200", 12) != 0) {
        fprintf(stderr, "fuzz_http: the server does not answer /healthz: %.200s\n", answer);
        abort();
    }
}

/* A JSON request made by the harness itself; returns the parsed body of a 2xx. */
static json_t *call(const char *method, const char *path, const char *auth, const char *body)
{
    char req[2048];
    int n = snprintf(req, sizeof req,
                     "%s %s HTTP/1.1\r\nHost: f\r\nAuthorization: Bearer %s\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     method, path, auth, strlen(body), body);
    if (n <= 0 || (size_t)n >= sizeof req) abort();
    size_t got = exchange(req, (size_t)n, 10000);
    const char *b = strstr(answer, "\r\n\r\n");
    if (got < 12 || answer[9] != '2' || !b) {
        fprintf(stderr, "fuzz_http: set-up %s %s: %.300s\n", method, path, answer);
        abort();
    }
    return json_loads(b + 4, 0, NULL);
}

static void release(void)
{
    char path[160];
    static const char *const files[] = {"db", "db-wal", "db-shm"};
    md_server_stop(server);
    free(input);
    free(answer);
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

/* A database with a clinic and its admin, the server on it, a session and a patient. */
static void init(void)
{
    md_ctx ctx;
    md_err e;
    md_store *db = NULL;
    if (server) return;
    memset(&ctx, 0, sizeof ctx);
    signal(SIGPIPE, SIG_IGN);
    md_log_configure(MD_LOG_TEXT, MD_LOG_ERROR); /* one line per request would drown the run */
    if (md_init() != 0) abort();
    if (!(input = malloc(INPUT_MAX + 1)) || !(answer = malloc(ANSWER_MAX))) abort();
    if (md_kb_locate(NULL, MESODESK_SOURCE_DIR "/kb", kb_dir, sizeof kb_dir, &e)) abort();
    snprintf(dir, sizeof dir, "/tmp/mesodesk-fuzz-http-XXXXXX");
    if (!mkdtemp(dir)) abort();
    snprintf(db_path, sizeof db_path, "%s/db", dir);
    json_t *admin = json_pack("{s:s,s:s,s:s}", "email", ADMIN_EMAIL, "display_name", "Fuzz Admin",
                              "role", "admin");
    json_t *created = NULL;
    ctx.who.role = MD_ROLE_ADMIN;
    ctx.arena = md_arena_new(16 * 1024, 4u << 20);
    if (md_store_open(db_path, &db, &e) || md_store_migrate(db, &e) ||
        md_clinic_create(db, "Fuzz Clinic", "Europe/London", "UK", ctx.who.clinic_id, &e))
        abort();
    ctx.db = db;
    if (md_staff_create(&ctx, admin, ADMIN_PASSWORD, &created, &e) != MD_OK) {
        fprintf(stderr, "fuzz_http: staff: %s\n", e.message);
        abort();
    }
    json_decref(created);
    json_decref(admin);
    md_store_close(db);
    md_arena_free(ctx.arena);

    cfg.db_uri = db_path;
    cfg.listen = "127.0.0.1:0";
    cfg.web_dir = MESODESK_SOURCE_DIR "/web/dist";
    cfg.kb_dir = kb_dir;
    cfg.threads = 2;
    cfg.max_connections_per_ip = 100000; /* the harness is one address */
    cfg.request_timeout = 1;             /* incomplete inputs are dropped soon */
    if (md_server_start(&cfg, &server, &e) != MD_OK) {
        fprintf(stderr, "fuzz_http: start: %s\n", e.message);
        abort();
    }
    atexit(release);
    json_t *login = call("POST", "/api/v1/login", "-",
                         "{\"email\":\"" ADMIN_EMAIL "\",\"password\":\"" ADMIN_PASSWORD "\"}");
    md_strlcpy(token, json_string_value(json_object_get(login, "token")), sizeof token);
    json_decref(login);
    json_t *p = call("POST", "/api/v1/patients", token,
                     "{\"given_name\":\"Fuzz\",\"family_name\":\"Patient\",\"birth_date\":"
                     "\"1990-01-01\",\"sex\":\"female\"}");
    md_strlcpy(patient, json_string_value(json_object_get(p, "id")), sizeof patient);
    json_decref(p);
    if (!md_id_valid(patient) || !token[0]) abort();
}

/* data with @TOKEN@ and @PATIENT@ filled in, into input; returns its length. */
static size_t fill(const uint8_t *data, size_t size)
{
    static const struct {
        const char *name;
        const char *value;
    } vars[] = {{"@TOKEN@", token}, {"@PATIENT@", patient}};
    size_t o = 0;
    for (size_t i = 0; i < size && o < INPUT_MAX;) {
        size_t v = 0;
        while (v < 2 && !(size - i >= strlen(vars[v].name) &&
                          memcmp(data + i, vars[v].name, strlen(vars[v].name)) == 0))
            v++;
        if (v < 2 && o + strlen(vars[v].value) <= INPUT_MAX) {
            memcpy(input + o, vars[v].value, strlen(vars[v].value));
            o += strlen(vars[v].value);
            i += strlen(vars[v].name);
        } else {
            input[o++] = (char)data[i++];
        }
    }
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    size_t n = fill(data, size);
    judge(exchange(input, n, body_incomplete(input, n) ? 20 : 1500));
    healthz_or_abort();
    return 0;
}
