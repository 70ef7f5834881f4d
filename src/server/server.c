/*
 * server.c - libmicrohttpd glue, the route table, authentication and
 * responses.  See server.h for the request and server lifecycles.
 */
#include "server.h"

#include "mesodesk/audit.h"
#include "mesodesk/auth.h"
#include "mesodesk/kb.h"
#include "mesodesk/log.h"
#include "mesodesk/validate.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PUBLIC 0
#define AUTHED 1
#define DRAIN_SECONDS 30

struct md_server {
    const md_server_config *cfg;
    md_pool *pool;
    md_auditor *auditor;
    md_kb *kb;
    struct MHD_Daemon *daemon;
    atomic_int in_flight;
    char web_dir[1024];
    char public_url[MD_PUBLIC_URL_MAX + 1];
};

typedef struct route {
    const char *method;
    const char *pattern; /* "/api/v1/patients/{}"; {} matches one segment */
    md_handler handler;
    int auth;
} route;

#define FACT_ROUTES(c)                                                                             \
    {"GET", "/api/v1/patients/{}/" c, h_facts_list, AUTHED},                                       \
        {"POST", "/api/v1/patients/{}/" c, h_facts_create, AUTHED},                                \
        {"GET", "/api/v1/patients/{}/" c "/{}", h_fact_get, AUTHED},                               \
        {"PUT", "/api/v1/patients/{}/" c "/{}", h_fact_update, AUTHED},                            \
        {"PATCH", "/api/v1/patients/{}/" c "/{}", h_fact_update, AUTHED},                          \
    {                                                                                              \
        "GET", "/api/v1/patients/{}/" c "/{}/history", h_fact_history, AUTHED                      \
    }

static const route routes[] = {
    {"GET", "/healthz", h_healthz, PUBLIC},
    {"GET", "/api/openapi.json", h_openapi, AUTHED},
    {"POST", "/api/v1/login", h_login, PUBLIC},
    {"POST", "/api/v1/logout", h_logout, AUTHED},
    {"GET", "/api/v1/me", h_me, AUTHED},
    {"GET", "/api/v1/clinic", h_clinic, AUTHED},
    {"GET", "/api/v1/patients", h_patients_list, AUTHED},
    {"POST", "/api/v1/patients", h_patients_create, AUTHED},
    {"GET", "/api/v1/patients/{}", h_patient_get, AUTHED},
    {"PUT", "/api/v1/patients/{}", h_patient_update, AUTHED},
    {"PATCH", "/api/v1/patients/{}", h_patient_update, AUTHED},
    {"GET", "/api/v1/patients/{}/history", h_patient_history, AUTHED},
    {"POST", "/api/v1/patients/{}/merge", h_patient_merge, AUTHED},
    FACT_ROUTES("allergies"),
    FACT_ROUTES("conditions"),
    FACT_ROUTES("medications"),
    FACT_ROUTES("status"),
    FACT_ROUTES("clearances"),
    FACT_ROUTES("allergy_statements"),
    {"GET", "/api/v1/patients/{}/screenings", h_screenings_list, AUTHED},
    {"POST", "/api/v1/patients/{}/questionnaires", h_questionnaire_create, AUTHED},
    {"GET", "/api/v1/patients/{}/questionnaires", h_questionnaires_list, AUTHED},
    {"POST", "/api/v1/questionnaires/{}/confirm", h_questionnaire_confirm, AUTHED},
    {"GET", "/api/v1/questionnaire/{}", h_questionnaire_open, PUBLIC},
    {"POST", "/api/v1/questionnaire/{}", h_questionnaire_submit, PUBLIC},
    {"POST", "/api/v1/screenings", h_screening_create, AUTHED},
    {"GET", "/api/v1/screenings/{}", h_screening_get, AUTHED},
    {"GET", "/api/v1/kb", h_kb, AUTHED},
    {"GET", "/api/v1/clinic/rules", h_clinic_rules_list, AUTHED},
    {"POST", "/api/v1/clinic/rules", h_clinic_rule_create, AUTHED},
    {"GET", "/api/v1/clinic/rules/{}", h_clinic_rule_get, AUTHED},
    {"PUT", "/api/v1/clinic/rules/{}", h_clinic_rule_update, AUTHED},
    {"GET", "/api/v1/clinic/rules/{}/history", h_clinic_rule_history, AUTHED},
    {"GET", "/api/v1/staff", h_staff_list, AUTHED},
    {"POST", "/api/v1/staff", h_staff_create, AUTHED},
    {"GET", "/api/v1/staff/{}", h_staff_get, AUTHED},
    {"GET", "/api/v1/audit", h_audit_list, AUTHED},
    {"GET", "/api/v1/audit/verify", h_audit_verify, AUTHED},
    {"PUT", "/api/v1/clinic", h_clinic_update, AUTHED},
    {"PATCH", "/api/v1/clinic", h_clinic_update, AUTHED},
    {"PATCH", "/api/v1/staff/{}", h_staff_update, AUTHED},
    {"POST", "/api/v1/staff/{}/password", h_staff_password, AUTHED},
};

#define NROUTES (sizeof routes / sizeof routes[0])

size_t md_server_route_count(void)
{
    return NROUTES;
}

const char *md_server_route(size_t i, const char **method, int *public_route)
{
    if (i >= NROUTES) return NULL;
    *method = routes[i].method;
    *public_route = routes[i].auth == PUBLIC;
    return routes[i].pattern;
}

/* Match path against pattern; fills params.  Returns 1 on match. */
static int match(const char *pattern, const char *path, const char **params, char *scratch,
                 size_t scratch_sz)
{
    int np = 0;
    size_t used = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (p[0] == '{' && p[1] == '}') {
            const char *end = strchr(s, '/');
            size_t n = end ? (size_t)(end - s) : strlen(s);
            if (n == 0 || np == MD_MAX_PATH_PARAMS || used + n + 1 > scratch_sz) return 0;
            memcpy(scratch + used, s, n);
            scratch[used + n] = '\0';
            params[np++] = scratch + used;
            used += n + 1;
            s += n;
            p += 2;
            continue;
        }
        if (*p != *s) return 0;
        p++;
        s++;
    }
    return *p == '\0' && *s == '\0';
}

/* --- responses --- */

static enum MHD_Result send_json(struct MHD_Connection *c, int status, json_t *body,
                                 const char *request_id, int64_t retry_after)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII);
    size_t n = text ? strlen(text) : 0;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(n, text ? text : (char *)"", MHD_RESPMEM_MUST_FREE);
    if (!text) status = 500;
    MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (request_id) MHD_add_response_header(resp, "X-Request-Id", request_id);
    if (retry_after > 0) {
        char ra[24];
        snprintf(ra, sizeof ra, "%lld", (long long)retry_after);
        MHD_add_response_header(resp, "Retry-After", ra);
    }
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static json_t *error_json(const md_err *err)
{
    json_t *j = json_pack("{s:{s:s,s:s,s:s?}}", "error", "code", md_code_name(err->code), "message",
                          err->message[0] ? err->message : md_code_name(err->code), "field",
                          err->field[0] ? err->field : NULL);
    /* All field errors of a record at once (md_err_collect), the first included. */
    json_t *list = err->nfields > 0 && j ? json_array() : NULL;
    for (int i = 0; list && i < err->nfields; i++)
        json_array_append_new(list, json_pack("{s:s,s:s,s:s}", "field", err->fields[i].field,
                                              "code", md_code_name(err->fields[i].code), "message",
                                              err->fields[i].message));
    if (list) json_object_set_new(json_object_get(j, "error"), "errors", list);
    return j;
}

static enum MHD_Result send_error(md_req *r, const md_err *err)
{
    r->status = md_code_http_status(err->code);
    json_t *body = error_json(err);
    enum MHD_Result ret = send_json(r->conn, r->status, body, r->ctx.request_id,
                                    err->code == MD_ELIMIT ? r->retry_after : 0);
    json_decref(body);
    return ret;
}

/* --- static files (the built web app) --- */

static const char *mime_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".json", "application/json"},
        {".woff2", "font/woff2"},
        {".map", "application/json"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0) return types[i].type;
    return "application/octet-stream";
}

static int safe_path(const char *p)
{
    if (strstr(p, "..") || strchr(p, '\\') || strlen(p) > 512) return 0;
    for (; *p; p++)
        if ((unsigned char)*p < 0x20) return 0;
    return 1;
}

static enum MHD_Result send_static(md_req *r)
{
    md_server *s = r->srv;
    char file[2048];
    struct stat st;
    int fd = -1;
    const char *path = r->path;
    if (s->web_dir[0] && safe_path(path)) {
        snprintf(file, sizeof file, "%s%s", s->web_dir,
                 strcmp(path, "/") == 0 ? "/index.html" : path);
        if (stat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
            /* Client-side routes (no file extension) get the app shell. */
            const char *last = strrchr(path, '/');
            if (last && !strchr(last, '.')) {
                snprintf(file, sizeof file, "%s/index.html", s->web_dir);
            } else {
                file[0] = '\0';
            }
        }
        if (file[0]) fd = open(file, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0) close(fd);
        md_err e;
        md_err_set(&e, MD_ENOTFOUND, NULL, "no such page: %s", path);
        return send_error(r, &e);
    }
    struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    MHD_add_response_header(resp, "Content-Type", mime_type(file));
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; style-src 'self' "
                            "'unsafe-inline'; frame-ancestors 'none'");
    MHD_add_response_header(resp, "Cache-Control",
                            strstr(file, "/assets/") ? "public, max-age=31536000, immutable"
                                                     : "no-cache");
    r->status = 200;
    enum MHD_Result ret = MHD_queue_response(r->conn, 200, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* --- request handling --- */

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const char *bearer(struct MHD_Connection *c)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0) return NULL;
    h += 7;
    while (*h == ' ')
        h++;
    return *h ? h : NULL;
}

static enum MHD_Result dispatch(md_req *r)
{
    md_err err;
    md_err_clear(&err);
    char scratch[512];
    const route *found = NULL;
    int path_matched = 0;
    for (size_t i = 0; i < NROUTES; i++) {
        const char *params[MD_MAX_PATH_PARAMS] = {0};
        if (!match(routes[i].pattern, r->path, params, scratch, sizeof scratch)) continue;
        path_matched = 1;
        if (strcmp(routes[i].method, r->method) != 0) continue;
        found = &routes[i];
        for (int p = 0; p < MD_MAX_PATH_PARAMS; p++)
            r->params[p] = params[p] ? md_arena_strdup(r->ctx.arena, params[p]) : NULL;
        break;
    }
    if (!found) {
        if (path_matched) {
            md_err_set(&err, MD_EMETHOD, NULL, "%s is not allowed on %s", r->method, r->path);
            return send_error(r, &err);
        }
        if (strncmp(r->path, "/api/", 5) == 0 || strcmp(r->path, "/api") == 0 ||
            strncmp(r->path, "/fhir/", 6) == 0 || strcmp(r->method, "GET") != 0) {
            md_err_set(&err, MD_ENOTFOUND, NULL, "no such endpoint: %s %s", r->method, r->path);
            return send_error(r, &err);
        }
        return send_static(r);
    }
    if (r->too_big) {
        md_err_set(&err, MD_ETOOBIG, "body", "the request body is over %d bytes", MD_BODY_MAX);
        return send_error(r, &err);
    }
    md_store *db = md_pool_acquire(r->srv->pool);
    r->ctx.db = db;
    md_code rc = MD_OK;
    if (found->auth == AUTHED) {
        r->token = bearer(r->conn);
        if (!r->token)
            rc = md_err_set(&err, MD_EUNAUTH, NULL, "an Authorization: Bearer token is required");
        else
            rc = md_session_check(db, r->token, &r->ctx.who, NULL, &err);
    }
    if (rc == MD_OK) {
        r->status = 200;
        rc = found->handler(r, &err);
    }
    md_pool_release(r->srv->pool, db);
    r->ctx.db = NULL;
    if (rc != MD_OK) {
        if (err.code == MD_OK) md_err_set(&err, rc, NULL, "%s", md_code_name(rc));
        if (md_code_http_status(err.code) >= 500)
            md_log(MD_LOG_ERROR, "request.failed", "%s %s: %s", r->method, r->path, err.message);
        json_decref(r->resp);
        r->resp = NULL;
        return send_error(r, &err);
    }
    json_t *body = r->resp ? r->resp : json_object();
    enum MHD_Result ret = send_json(r->conn, r->status, body, r->ctx.request_id, 0);
    if (!r->resp) json_decref(body);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    md_server *s = cls;
    md_req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r) return MHD_NO;
        atomic_fetch_add(&s->in_flight, 1);
        r->started_us = now_us();
        r->conn = conn;
        r->srv = s;
        r->ctx.arena = md_arena_new(16 * 1024, 8u << 20);
        r->ctx.auditor = s->auditor;
        r->ctx.kb = s->kb;
        md_id_new(r->ctx.request_id);
        r->method = md_arena_strdup(r->ctx.arena, method);
        r->path = md_arena_strdup(r->ctx.arena, url);
        *con_cls = r;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        long len;
        if (cl && md_parse_long(cl, 0, 1L << 40, &len) == 0 && len > MD_BODY_MAX) {
            r->too_big = 1;
            md_err e;
            md_err_set(&e, MD_ETOOBIG, "body", "the request body is over %d bytes", MD_BODY_MAX);
            return send_error(r, &e);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!r->too_big) {
            if (r->body_len + *upload_data_size > MD_BODY_MAX) {
                r->too_big = 1;
                free(r->body);
                r->body = NULL;
                r->body_len = 0;
            } else {
                char *nb = realloc(r->body, r->body_len + *upload_data_size + 1);
                if (!nb) return MHD_NO;
                memcpy(nb + r->body_len, upload_data, *upload_data_size);
                r->body = nb;
                r->body_len += *upload_data_size;
                r->body[r->body_len] = '\0';
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->status) return MHD_YES; /* response already queued (early 413) */
    return dispatch(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    md_server *s = cls;
    md_req *r = *con_cls;
    if (!r) return;
    char status[8], ms[32];
    snprintf(status, sizeof status, "%d", r->status);
    snprintf(ms, sizeof ms, "%.3f", (double)(now_us() - r->started_us) / 1000.0);
    const char *kv[] = {"method", r->method, "path",       r->path,           "status", status,
                        "ms",     ms,        "request_id", r->ctx.request_id, NULL};
    md_log_kv(r->status >= 500 ? MD_LOG_ERROR : MD_LOG_INFO, "http.request", kv);
    json_decref(r->resp);
    free(r->body);
    md_arena_free(r->ctx.arena);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&s->in_flight, 1);
}

/* --- helpers for handlers --- */

md_code md_req_json_body(md_req *r, json_t **out, md_err *err)
{
    return md_json_parse(r->body ? r->body : "", r->body_len, out, err);
}

md_code md_req_with_body(md_req *r, md_code (*fn)(md_req *, json_t *, md_err *), md_err *err)
{
    json_t *body = NULL;
    md_code rc = md_req_json_body(r, &body, err);
    if (rc == MD_OK) rc = fn(r, body, err);
    json_decref(body);
    return rc;
}

const char *md_req_query(md_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

md_code md_req_query_int(md_req *r, const char *name, long dflt, long min, long max, long *out,
                         md_err *err)
{
    const char *v = md_req_query(r, name);
    if (!v) {
        *out = dflt;
        return MD_OK;
    }
    if (md_parse_long(v, min, max, out) != 0)
        return md_err_set(err, MD_EINVAL, name, "%s must be a whole number from %ld to %ld", name,
                          min, max);
    return MD_OK;
}

const md_kb *md_server_kb(md_server *s)
{
    return s->kb;
}

const char *md_server_public_url(md_server *s)
{
    return s->public_url;
}

/* --- start and stop --- */

static int parse_listen(const char *listen, char *host, size_t hostsz, unsigned *port)
{
    const char *colon = strrchr(listen, ':');
    long p;
    if (!colon || (size_t)(colon - listen) >= hostsz || md_parse_long(colon + 1, 0, 65535, &p))
        return -1;
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    *port = (unsigned)p;
    return 0;
}

static void find_web_dir(md_server *s)
{
    struct stat st;
    const char *dir = s->cfg->web_dir;
    char probe[1100];
    if (dir) {
        snprintf(probe, sizeof probe, "%s/index.html", dir);
        if (stat(probe, &st) == 0) md_strlcpy(s->web_dir, dir, sizeof s->web_dir);
    }
    if (!s->web_dir[0])
        md_log(MD_LOG_WARN, "web.missing", "no built web app; serving the API only");
}

int md_server_run(const md_server_config *cfg)
{
    md_server s;
    memset(&s, 0, sizeof s);
    s.cfg = cfg;
    md_err err;
    md_err_clear(&err);
    int status = 1;
    char host[256];
    unsigned port;
    struct sockaddr_in addr;
    sigset_t sigs;

    if (parse_listen(cfg->listen, host, sizeof host, &port) != 0) {
        md_log(MD_LOG_ERROR, "serve.bad_listen", "listen must be HOST:PORT, not '%s'", cfg->listen);
        return 2;
    }
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        md_log(MD_LOG_ERROR, "serve.bad_listen", "listen host must be an IPv4 address: '%s'", host);
        return 2;
    }
    if (cfg->public_url &&
        md_public_url_normalize(cfg->public_url, s.public_url, sizeof s.public_url) != 0) {
        md_log(MD_LOG_ERROR, "serve.bad_public_url",
               "public URL must be http(s)://HOST[:PORT][/PATH], not '%s'", cfg->public_url);
        return 2;
    }
    /* Signals are handled by this thread only (sigwait below). */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    {
        md_store *db = NULL;
        if (md_store_open(cfg->db_uri, &db, &err) != MD_OK || md_store_migrate(db, &err) != MD_OK) {
            md_store_close(db);
            md_log(MD_LOG_ERROR, "serve.db", "%s", err.message);
            return 1;
        }
        md_store_close(db);
    }
    if (md_kb_load(cfg->kb_dir, &s.kb, &err) != MD_OK) {
        md_log(MD_LOG_ERROR, "serve.kb", "%s%s%s", err.field, err.field[0] ? ": " : "",
               err.message);
        return 1;
    }
    int threads = cfg->threads > 0 ? cfg->threads : 16;
    if (md_pool_open(cfg->db_uri, threads + 2, &s.pool, &err) != MD_OK ||
        md_auditor_start_anchored(cfg->db_uri, cfg->audit_key, cfg->audit_log, &s.auditor, &err) !=
            MD_OK) {
        md_log(MD_LOG_ERROR, "serve.db", "%s", err.message);
        goto done;
    }
    find_web_dir(&s);
    s.daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY |
                                    MHD_USE_ITC | MHD_USE_ERROR_LOG,
                                0, NULL, NULL, on_request, &s, MHD_OPTION_SOCK_ADDR,
                                (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
                                (unsigned)threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, &s,
                                MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_CONNECTION_LIMIT,
                                1000u, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
    if (!s.daemon) {
        md_log(MD_LOG_ERROR, "serve.listen", "cannot listen on %s: %s", cfg->listen,
               strerror(errno));
        goto done;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s.daemon, MHD_DAEMON_INFO_BIND_PORT);
    unsigned bound = info ? info->port : port;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%u", bound);
    const char *kv[] = {"host", host, "port", portstr, "db", cfg->db_uri, "kb", md_kb_version(s.kb),
                        NULL};
    md_log_kv(MD_LOG_INFO, "serve.listening", kv);
    if (!s.public_url[0]) {
        snprintf(s.public_url, sizeof s.public_url, "http://%.150s:%u", host, bound);
        if (md_listen_host_is_local(host))
            md_log(MD_LOG_WARN, "serve.public_url",
                   "patients' links will use %s, which no patient can open: set --public-url "
                   "or MESODESK_PUBLIC_URL",
                   s.public_url);
    }
    if (cfg->port_file) {
        FILE *f = fopen(cfg->port_file, "w");
        if (f) {
            fprintf(f, "%u\n", bound);
            fclose(f);
        }
    }

    int sig = 0;
    sigwait(&sigs, &sig);
    md_log(MD_LOG_INFO, "serve.draining", "signal %d: finishing in-flight requests", sig);
    MHD_socket lsock = MHD_quiesce_daemon(s.daemon);
    if (lsock != MHD_INVALID_SOCKET) close(lsock);
    for (int i = 0; i < DRAIN_SECONDS * 20 && atomic_load(&s.in_flight) > 0; i++)
        usleep(50 * 1000);
    MHD_stop_daemon(s.daemon);
    status = 0;
    md_log(MD_LOG_INFO, "serve.stopped", "clean shutdown");
done:
    md_auditor_stop(s.auditor);
    md_pool_close(s.pool);
    md_kb_free(s.kb);
    return status;
}
