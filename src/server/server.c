/*
 * server.c - libmicrohttpd glue, the route table, authentication and
 * responses.  See server.h for the request and server lifecycles.
 *
 * Invariants:
 * - Every response of ours carries the headers of add_common_headers(); JSON answers
 *   also forbid framing and caching (send_json), static files carry the app's CSP.
 *   (libmicrohttpd's own refusals of unparseable requests carry none: it has no hook.)
 * - Request text (path, query, headers, body) reaches a response or a log line only
 *   as valid UTF-8 (error_json) or as printable ASCII (r->shown_path, log_mhd).
 * - s->responding counts the requests that have arrived whole (every byte their
 *   Content-Length promised, or none promised) or reached dispatch(), and have not
 *   completed; s->receiving those past their headers still waiting for body bytes.
 *   SIGTERM waits for the first, even while one waits for a worker thread busy with
 *   another request, and for the second only while bytes keep coming (DRAIN_STALL_US):
 *   a client that stopped in the middle of its request is not waited for.  s->fresh
 *   counts accepted connections whose first request has not begun (queued behind a
 *   worker busy with another request, say): a drain gives them DRAIN_STALL_US after
 *   the last request completed, so a request already sent is answered, while a
 *   connection that sends nothing is not waited for.
 * - The listening socket is bound here, without SO_REUSEPORT, so a second server on
 *   a busy address fails to start and its message names the address.
 */
#include "server.h"

#include "mesodesk/audit.h"
#include "mesodesk/auth.h"
#include "mesodesk/commit.h"
#include "mesodesk/kb.h"
#include "mesodesk/log.h"
#include "mesodesk/photo.h"
#include "mesodesk/record.h"
#include "mesodesk/validate.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DRAIN_SECONDS 30
#define DRAIN_STALL_US 250000 /* a request receiving nothing for this long is not waited for */
/* Request threads when --threads is not given.  A request thread waits, blocked, for the
 * group commit of its write or of its read's audit entry, so the requests in flight (and so
 * the writes one flush carries) are at most the thread count: on SQLite, where a pooled
 * connection is cheap, enough threads for every connection of a busy client pool (48
 * against 16 halved the commits per write and cut CPU per create by about a quarter at 32
 * connections: docs/BENCHMARKS.md); on PostgreSQL each thread holds a server connection, so
 * fewer (see docs/SCALING.md). */
#define DEFAULT_THREADS 48
#define DEFAULT_THREADS_PG 16
#define DEFAULT_THREADS_MIN 16 /* the default is lowered to fit the open-file limit, not below */
#define DEFAULT_PER_IP 128
#define DEFAULT_REQUEST_TIMEOUT 10
/* File descriptors: each SQLite connection holds the database, its WAL and its shared
 * memory; each MHD worker an epoll and an event fd; a connection its socket and, while a
 * static file is sent, that file.  FDS_SPARE covers the log, the kb, the audit files and
 * the listening socket. */
#define FDS_PER_DB 3
#define FDS_PER_THREAD 2
#define FDS_PER_CONNECTION 2
#define FDS_SPARE 64

struct md_server {
    const md_server_config *cfg;
    md_pool *pool;
    md_auditor *auditor;
    md_kb *kb;
    struct MHD_Daemon *daemon;
    int listen_fd;
    unsigned port;
    unsigned max_connections;
    atomic_int responding;
    atomic_int receiving;         /* requests past NEW, not yet dispatched */
    atomic_llong last_receive_us; /* when one of them last received bytes */
    atomic_int fresh;             /* connections accepted that have not begun a request */
    atomic_llong last_done_us;    /* when a request last completed (or the drain began) */
    char address[300];            /* "127.0.0.1:8080" as bound */
    char web_dir[1024];
    char public_url[MD_PUBLIC_URL_MAX + 1];
    md_trusted_proxies trusted; /* cfg->trusted_proxy, parsed */
    char media_dir[MD_MEDIA_DIR_MAX]; /* the photo file store; "": none */
};

/* ---- the route table: every module's table, concatenated once ---- */

#define MAX_ROUTES 512

static md_route all_routes[MAX_ROUTES];
static size_t nroutes;
static md_err routes_err; /* why the table could not be built; code MD_OK when it was */
static pthread_once_t routes_once = PTHREAD_ONCE_INIT;

static void routes_build(void)
{
    md_err_clear(&routes_err);
    const md_route_table *records = NULL;
    if (md_kinds_check(md_kinds, &routes_err) != MD_OK ||
        !(records = md_routes_records(&routes_err)))
        return;
    const md_route_table *const modules[] = {
        &md_routes_system,      &md_routes_patients,    records,
        &md_routes_screening,   &md_routes_admin,       &md_routes_stock,
        &md_routes_formulation, &md_routes_patch_tests, &md_routes_recall,
        &md_routes_day,         &md_routes_course,      &md_routes_consent,
        &md_routes_booking,     &md_routes_chart, &md_routes_precheck,
        &md_routes_aftercare,   &md_routes_photo,
        &md_routes_complication,
        &md_routes_outcome,
        &md_routes_pv,
        &md_routes_checkin};
    size_t n = 0;
    for (size_t m = 0; m < sizeof modules / sizeof modules[0]; m++)
        for (size_t i = 0; i < modules[m]->n; i++) {
            if (n == MAX_ROUTES) {
                md_err_set(&routes_err, MD_EINTERNAL, NULL, "more than %d routes", MAX_ROUTES);
                return;
            }
            all_routes[n++] = modules[m]->routes[i];
        }
    nroutes = n;
}

/* The route table, built on first use; MD_EINTERNAL when the registry cannot be served. */
static md_code routes_ready(md_err *err)
{
    pthread_once(&routes_once, routes_build);
    if (routes_err.code != MD_OK && err) *err = routes_err;
    return routes_err.code;
}

size_t md_server_route_count(void)
{
    routes_ready(NULL);
    return nroutes;
}

const md_route *md_server_route_at(size_t i)
{
    routes_ready(NULL);
    return i < nroutes ? &all_routes[i] : NULL;
}

const char *md_server_route(size_t i, const char **method, int *public_route)
{
    const md_route *rt = md_server_route_at(i);
    if (!rt) return NULL;
    *method = rt->method;
    *public_route = rt->auth == MD_ROUTE_PUBLIC;
    return rt->pattern;
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

/* --- request text in answers and log lines --- */

#define SHOWN_MAX 256 /* bytes of a path or method kept for messages and log lines */

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when there is none: no
 * overlong forms, no surrogates, nothing over U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0], cp, min;
    size_t len;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len) return 0;
    cp = c & (0x3fu >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return len;
}

/* Whether s is valid UTF-8 throughout. */
static int utf8_valid(const char *s)
{
    size_t left = strlen(s), n;
    for (const unsigned char *u = (const unsigned char *)s; left; u += n, left -= n)
        if (!(n = utf8_seq(u, left))) return 0;
    return 1;
}

/* Copy src into dst (dstsz > 0) as valid UTF-8: a byte that starts no valid sequence
 * becomes U+FFFD; what does not fit is dropped by whole sequences.  Returns dst. */
static const char *utf8_clean(const char *src, char *dst, size_t dstsz)
{
    static const char replacement[] = "\xef\xbf\xbd";
    const unsigned char *s = (const unsigned char *)src;
    size_t left = strlen(src), o = 0;
    while (left) {
        size_t n = utf8_seq(s, left);
        size_t w = n ? n : sizeof replacement - 1;
        if (o + w >= dstsz) break;
        memcpy(dst + o, n ? (const char *)s : replacement, w);
        o += w;
        s += n ? n : 1;
        left -= n ? n : 1;
    }
    dst[o] = '\0';
    return dst;
}

/* Request text as shown in messages and log lines (arena-owned, never NULL): printable
 * ASCII stays, every other byte (and '%' itself, so the form is unambiguous) becomes
 * %XX; cut at SHOWN_MAX bytes with "...". */
static const char *shown(md_arena *a, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = md_arena_alloc(a, SHOWN_MAX + 4);
    size_t o = 0;
    if (!out) return "?";
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (o + 3 > SHOWN_MAX) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (*p > 0x20 && *p < 0x7f && *p != '%') {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
    return out;
}

/* Paths whose last segment is a patient's one-time link (consent.c, questionnaire.c,
 * checkin.c): the token is a secret, so neither a log line nor a message shows it. */
static const char *const link_token_paths[] = {"/api/v1/consent/", "/c/", "/api/v1/questionnaire/",
                                               "/q/", "/api/v1/checkin/", "/ci/", NULL};

static const char *without_link_token(md_arena *a, const char *url)
{
    for (int i = 0; link_token_paths[i]; i++) {
        size_t n = strlen(link_token_paths[i]);
        if (strncmp(url, link_token_paths[i], n) == 0 && url[n]) {
            const char *p = md_arena_printf(a, "%s{token}", link_token_paths[i]);
            return p ? p : "?";
        }
    }
    return url;
}

/* --- responses --- */

/* Sent when an answer cannot be built: the only 500 without a handler's error. */
static const char fallback_json[] = "{\"error\":{\"code\":\"internal\",\"message\":\"the answer "
                                    "could not be built\",\"field\":null}}";

static void add_common_headers(struct MHD_Response *resp, const md_req *r)
{
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    if (r->ctx.request_id[0]) MHD_add_response_header(resp, "X-Request-Id", r->ctx.request_id);
    if (r->close) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
}

md_code md_req_raw(md_req *r, const void *data, size_t len, const char *type,
                   const char *disposition, md_err *err)
{
    free(r->raw);
    if (!(r->raw = malloc(len ? len : 1))) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (len) memcpy(r->raw, data, len);
    r->raw_len = len;
    r->raw_type = type;
    r->raw_disposition = disposition;
    return MD_OK;
}

/* Queue r->raw (taken: MHD frees it) with r->raw_type and r->status. */
static enum MHD_Result send_raw(md_req *r)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(r->raw_len, r->raw, MHD_RESPMEM_MUST_FREE);
    if (!resp) return MHD_NO;
    r->raw = NULL;
    MHD_add_response_header(resp, "Content-Type", r->raw_type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (r->raw_disposition)
        MHD_add_response_header(resp, "Content-Disposition", r->raw_disposition);
    MHD_add_response_header(resp, "Content-Security-Policy",
                            r->raw_disposition && strncmp(r->raw_disposition, "attachment", 10) == 0
                                ? "default-src 'none'; frame-ancestors 'none'; sandbox"
                                : "default-src 'none'; frame-ancestors 'none'");
    add_common_headers(resp, r);
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Queue body (borrowed; NULL is allowed and answers the fallback 500) with status. */
static enum MHD_Result send_json(md_req *r, int status, json_t *body, int64_t retry_after)
{
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII | MD_JSON_NUMBERS) : NULL;
    struct MHD_Response *resp = NULL;
    if (text) {
        resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
        if (!resp) free(text);
    } else {
        md_log(MD_LOG_ERROR, "http.unrenderable", "%s %s: the JSON answer could not be built",
               r->shown_method, r->shown_path);
        status = 500;
        resp = MHD_create_response_from_buffer(sizeof fallback_json - 1, (void *)fallback_json,
                                               MHD_RESPMEM_PERSISTENT);
    }
    if (!resp) return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'none'; frame-ancestors 'none'");
    add_common_headers(resp, r);
    if (retry_after > 0) {
        char ra[24];
        snprintf(ra, sizeof ra, "%lld", (long long)retry_after);
        MHD_add_response_header(resp, "Retry-After", ra);
    }
    r->status = status;
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* {"error":{"code","message","field"}}, the texts made valid UTF-8 first: a message may
 * quote request text, or be cut inside a character.  NULL only when out of memory. */
static json_t *error_json(const md_err *err)
{
    char message[MD_ERR_MESSAGE_MAX * 3], field[MD_ERR_FIELD_MAX * 3];
    utf8_clean(err->message[0] ? err->message : md_code_name(err->code), message, sizeof message);
    utf8_clean(err->field, field, sizeof field);
    json_t *j = json_pack("{s:{s:s,s:s,s:s?}}", "error", "code", md_code_name(err->code), "message",
                          message, "field", field[0] ? field : NULL);
    /* All field errors of a record at once (md_err_collect), the first included. */
    json_t *list = err->nfields > 0 && j ? json_array() : NULL;
    for (int i = 0; list && i < err->nfields; i++) {
        utf8_clean(err->fields[i].message, message, sizeof message);
        utf8_clean(err->fields[i].field, field, sizeof field);
        json_array_append_new(list,
                              json_pack("{s:s,s:s,s:s}", "field", field, "code",
                                        md_code_name(err->fields[i].code), "message", message));
    }
    if (list) json_object_set_new(json_object_get(j, "error"), "errors", list);
    return j;
}

static enum MHD_Result send_error(md_req *r, const md_err *err)
{
    json_t *body = error_json(err);
    /* What the handler added to explain the error (every failing gate of a precheck): its
     * members join "error", never replacing code, message or field. */
    if (body && r->err_detail)
        json_object_update_missing(json_object_get(body, "error"), r->err_detail);
    /* Every 429 says when to come back: the handler's figure, else a second (a busy
     * password-hash cap, which any handler that sets a password can meet). */
    int64_t retry = err->code != MD_ELIMIT ? 0
                    : r->retry_after > 0   ? r->retry_after
                                           : MD_HASH_RETRY_AFTER;
    if (err->code == MD_EUNAVAILABLE) retry = 1; /* a 503 says when to try again too */
    enum MHD_Result ret = send_json(r, md_code_http_status(err->code), body, retry);
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
        md_err_set(&e, MD_ENOTFOUND, NULL, "no such page: %s", r->shown_path);
        return send_error(r, &e);
    }
    struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", mime_type(file));
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; style-src 'self' "
                            "'unsafe-inline'; frame-ancestors 'none'");
    MHD_add_response_header(resp, "Cache-Control",
                            strstr(file, "/assets/") ? "public, max-age=31536000, immutable"
                                                     : "no-cache");
    add_common_headers(resp, r);
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

/* The request has arrived whole: from now on a drain waits for its answer. */
static void arrived(md_req *r)
{
    if (r->responding) return;
    r->responding = 1;
    atomic_fetch_add(&r->srv->responding, 1);
    if (r->receiving) {
        r->receiving = 0;
        atomic_fetch_sub(&r->srv->receiving, 1);
    }
}

static enum MHD_Result dispatch(md_req *r)
{
    md_err err;
    md_err_clear(&err);
    char scratch[512];
    const md_route *found = NULL;
    int path_matched = 0;
    arrived(r);
    for (size_t i = 0; i < nroutes; i++) {
        const char *params[MD_MAX_PATH_PARAMS] = {0};
        if (!match(all_routes[i].pattern, r->path, params, scratch, sizeof scratch)) continue;
        path_matched = 1;
        if (strcmp(all_routes[i].method, r->method) != 0) continue;
        found = &all_routes[i];
        for (int p = 0; p < MD_MAX_PATH_PARAMS; p++)
            r->params[p] = params[p] ? md_arena_strdup(r->ctx.arena, params[p]) : NULL;
        break;
    }
    if (!found) {
        if (path_matched) {
            md_err_set(&err, MD_EMETHOD, NULL, "%s is not allowed on %s", r->shown_method,
                       r->shown_path);
            return send_error(r, &err);
        }
        if (strncmp(r->path, "/api/", 5) == 0 || strcmp(r->path, "/api") == 0 ||
            strncmp(r->path, "/fhir/", 6) == 0 || strcmp(r->method, "GET") != 0) {
            md_err_set(&err, MD_ENOTFOUND, NULL, "no such endpoint: %s %s", r->shown_method,
                       r->shown_path);
            return send_error(r, &err);
        }
        return send_static(r);
    }
    if (r->too_big) {
        md_err_set(&err, MD_ETOOBIG, r->body_field, "the request body is over %zu bytes",
                   r->body_max);
        return send_error(r, &err);
    }
    md_store *db = md_pool_acquire(r->srv->pool);
    r->ctx.db = db;
    md_code rc = MD_OK;
    r->route = found;
    if (found->auth == MD_ROUTE_AUTHED) {
        r->token = bearer(r->conn);
        if (!r->token)
            rc = md_err_set(&err, MD_EUNAUTH, NULL, "an Authorization: Bearer token is required");
        else
            rc = md_session_check(db, r->token, &r->ctx.who, NULL, &err);
    }
    /* Stored text is UTF-8 on every backend, so such a parameter names nothing (and
     * PostgreSQL refuses it as a statement parameter). */
    for (int p = 0; rc == MD_OK && p < MD_MAX_PATH_PARAMS && r->params[p]; p++)
        if (!utf8_valid(r->params[p]))
            rc = md_err_set(&err, MD_ENOTFOUND, "id", "no record has this id");
    if (rc == MD_OK) {
        r->status = 200;
        md_client_addr(r->conn, &r->srv->trusted, r->ctx.client_addr);
        rc = found->handler(r, &err);
    }
    md_pool_release(r->srv->pool, db);
    r->ctx.db = NULL;
    if (rc != MD_OK) {
        if (err.code == MD_OK) md_err_set(&err, rc, NULL, "%s", md_code_name(rc));
        if (md_code_http_status(err.code) >= 500)
            md_log(MD_LOG_ERROR, "request.failed", "%s %s: %s", r->shown_method, r->shown_path,
                   err.message);
        json_decref(r->resp);
        r->resp = NULL;
        return send_error(r, &err);
    }
    if (r->raw) return send_raw(r);
    json_t *body = r->resp ? r->resp : json_object();
    enum MHD_Result ret = send_json(r, r->status, body, 0);
    if (!r->resp) json_decref(body);
    return ret;
}

/* Content-Length and Transfer-Encoding as the request gave them. */
typedef struct framing {
    int lengths, differ, chunked;
    const char *first;
} framing;

static enum MHD_Result on_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    framing *f = cls;
    (void)kind;
    if (!value) value = "";
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        if (f->lengths++ == 0)
            f->first = value;
        else if (strcmp(f->first, value) != 0)
            f->differ = 1;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->chunked = 1;
    }
    return MHD_YES;
}

/* The checks of the first callback, before any body is read: an answer here closes the
 * connection, since what follows cannot be trusted to be the next request. */
static md_code check_framing(md_req *r, md_err *err)
{
    framing f = {0, 0, 0, NULL};
    long len;
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, on_header, &f);
    if (f.differ)
        return md_err_set(err, MD_EINVAL, "Content-Length",
                          "the request has Content-Length headers that disagree");
    if (f.lengths && f.chunked)
        return md_err_set(err, MD_EINVAL, "Content-Length",
                          "the request has both Content-Length and Transfer-Encoding");
    r->expect_body = f.chunked ? -1 : 0;
    if (f.first && !f.chunked && md_parse_long(f.first, 0, 1L << 40, &len) == 0)
        r->expect_body = len;
    if (f.first && md_parse_long(f.first, 0, 1L << 40, &len) == 0 && (size_t)len > r->body_max) {
        r->too_big = 1;
        return md_err_set(err, MD_ETOOBIG, r->body_field, "the request body is over %zu bytes",
                          r->body_max);
    }
    return MD_OK;
}

/* Per TCP connection: whether it has begun a request (see s->fresh). */
typedef struct conn_state {
    int fresh;
} conn_state;

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    md_server *s = cls;
    (void)conn;
    conn_state *cs = *socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        cs = calloc(1, sizeof *cs);
        if (cs) {
            cs->fresh = 1;
            atomic_fetch_add(&s->fresh, 1);
        }
        *socket_context = cs;
    } else if (cs) {
        if (cs->fresh) atomic_fetch_sub(&s->fresh, 1);
        free(cs);
        *socket_context = NULL;
    }
}

static void connection_began(md_server *s, struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    conn_state *cs = info ? info->socket_context : NULL;
    if (cs && cs->fresh) {
        cs->fresh = 0;
        atomic_fetch_sub(&s->fresh, 1);
    }
}

/* Routes that take a body over MD_BODY_MAX. */
static const md_body_limit *const body_limits[] = {&md_body_limit_photo,
                                                   &md_body_limit_checkin_photo};

/* The body cap of the route the request names (its own, for a photo upload), else
 * MD_BODY_MAX: known at NEW, before a byte of the body is kept. */
static void body_cap(md_req *r)
{
    char scratch[512];
    r->body_max = MD_BODY_MAX;
    r->body_field = "body";
    for (size_t i = 0; i < sizeof body_limits / sizeof body_limits[0]; i++) {
        const char *params[MD_MAX_PATH_PARAMS] = {0};
        if (strcmp(body_limits[i]->method, r->method) != 0 ||
            !match(body_limits[i]->pattern, r->path, params, scratch, sizeof scratch))
            continue;
        r->body_max = body_limits[i]->max;
        r->body_field = body_limits[i]->field;
        return;
    }
}

static md_req *request_new(md_server *s, struct MHD_Connection *conn, const char *url,
                           const char *method)
{
    connection_began(s, conn);
    md_req *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->ctx.arena = md_arena_new(16 * 1024, 8u << 20);
    r->method = r->ctx.arena ? md_arena_strdup(r->ctx.arena, method) : NULL;
    r->path = r->ctx.arena ? md_arena_strdup(r->ctx.arena, url) : NULL;
    if (!r->method || !r->path) {
        md_arena_free(r->ctx.arena);
        free(r);
        return NULL;
    }
    r->shown_method = shown(r->ctx.arena, method);
    r->shown_path = shown(r->ctx.arena, without_link_token(r->ctx.arena, url));
    r->started_us = now_us();
    r->conn = conn;
    r->srv = s;
    r->ctx.auditor = s->auditor;
    r->ctx.committer = md_auditor_committer(s->auditor); /* writes share its batches */
    r->ctx.kb = s->kb;
    r->ctx.media_dir = s->media_dir[0] ? s->media_dir : NULL;
    body_cap(r);
    md_id_new(r->ctx.request_id);
    r->receiving = 1;
    atomic_fetch_add(&s->receiving, 1);
    atomic_store(&s->last_receive_us, (long long)r->started_us);
    return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    md_server *s = cls;
    md_req *r = *con_cls;
    if (!r) {
        if (!(r = request_new(s, conn, url, method))) return MHD_NO;
        *con_cls = r;
        md_err e;
        md_err_clear(&e);
        if (check_framing(r, &e) != MD_OK) {
            r->close = 1;
            return send_error(r, &e);
        }
        if (r->expect_body == 0) arrived(r);
        return MHD_YES;
    }
    if (*upload_data_size) {
        atomic_store(&s->last_receive_us, (long long)now_us());
        r->got_body += (long long)*upload_data_size;
        if (r->expect_body >= 0 && r->got_body >= r->expect_body) arrived(r);
        if (!r->too_big && !r->status) {
            if (r->body_len + *upload_data_size > r->body_max) {
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
    if (r->status) return MHD_YES; /* answered in the first callback */
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
    const char *kv[] = {
        "method",     r->shown_method,   "path", r->shown_path, "status", status, "ms", ms,
        "request_id", r->ctx.request_id, NULL};
    md_log_kv(r->status >= 500 ? MD_LOG_ERROR : MD_LOG_INFO, "http.request", kv);
    if (r->responding) atomic_fetch_sub(&s->responding, 1);
    if (r->receiving) atomic_fetch_sub(&s->receiving, 1);
    atomic_store(&s->last_done_us, (long long)now_us());
    json_decref(r->resp);
    json_decref(r->err_detail);
    free(r->raw);
    free(r->body);
    md_arena_free(r->ctx.arena);
    free(r);
    *con_cls = NULL;
}

/* libmicrohttpd's own messages (refused requests, connection limits) as log lines of
 * printable ASCII; at most LOG_MHD_PER_SECOND a second, so a flood cannot fill the log. */
#define LOG_MHD_PER_SECOND 20

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
    static atomic_llong window;
    static atomic_int in_window;
    char raw[512], msg[512];
    size_t o = 0;
    long status;
    (void)cls;
    long long second = (long long)(now_us() / 1000000);
    if (atomic_exchange(&window, second) != second) atomic_store(&in_window, 0);
    if (atomic_fetch_add(&in_window, 1) >= LOG_MHD_PER_SECOND) return;
    vsnprintf(raw, sizeof raw, fmt, ap);
    for (const unsigned char *p = (const unsigned char *)raw; *p && o + 1 < sizeof msg; p++)
        if (*p != '\n' && *p != '\r') msg[o++] = *p >= 0x20 && *p < 0x7f ? (char)*p : '?';
    msg[o] = '\0';
    const char *code = strstr(msg, "response code is ");
    if (code) {
        char st[4];
        memcpy(st, code + 17, 3);
        st[3] = '\0';
        if (md_parse_long(st, 100, 599, &status) == 0) {
            const char *kv[] = {"status", st, "reason", MHD_get_reason_phrase_for((unsigned)status),
                                NULL};
            md_log_kv(MD_LOG_WARN, "http.refused", kv);
            return;
        }
    }
    md_log(MD_LOG_WARN, "http.server", "%s", msg);
}

/* --- helpers for handlers --- */

md_code md_req_json_body(md_req *r, json_t **out, md_err *err)
{
    json_t *j = NULL;
    md_code rc = md_json_parse(r->body ? r->body : "", r->body_len, &j, err);
    if (rc != MD_OK) return rc;
    if (!json_is_object(j)) {
        json_decref(j);
        return md_err_set(err, MD_EINVAL, "body", "the request body must be a JSON object");
    }
    *out = j;
    return MD_OK;
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

/* Bind and listen on cfg->listen ("IPv4:PORT") without SO_REUSEPORT: a busy address is
 * an error that names it.  Fills s->listen_fd, s->port and s->address. */
static md_code bind_listen(md_server *s, md_err *err)
{
    const char *listen_at = s->cfg->listen ? s->cfg->listen : "";
    const char *colon = strrchr(listen_at, ':');
    char host[256];
    long port;
    struct sockaddr_in addr;
    socklen_t alen = sizeof addr;
    int one = 1;
    if (!colon || (size_t)(colon - listen_at) >= sizeof host ||
        md_parse_long(colon + 1, 0, 65535, &port) != 0)
        return md_err_set(err, MD_EINVAL, "listen", "listen must be HOST:PORT, not '%s'",
                          listen_at);
    memcpy(host, listen_at, (size_t)(colon - listen_at));
    host[colon - listen_at] = '\0';
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1)
        return md_err_set(err, MD_EINVAL, "listen", "listen host must be an IPv4 address: '%s'",
                          host);
    snprintf(s->address, sizeof s->address, "%s:%ld", host, port);
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s->listen_fd < 0)
        return md_err_set(err, MD_EIO, "listen", "cannot listen on %s: %s", s->address,
                          strerror(errno));
    /* SO_REUSEADDR only lets a restart bind over old TIME_WAIT connections; it does not
     * let two listeners share the address (SO_REUSEPORT would). */
    setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s->listen_fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(s->listen_fd, SOMAXCONN) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&addr, &alen) != 0)
        return md_err_set(err, MD_EIO, "listen", "cannot listen on %s: %s%s", s->address,
                          strerror(errno),
                          errno == EADDRINUSE ? " (is another server running there?)" : "");
    s->port = ntohs(addr.sin_port);
    snprintf(s->address, sizeof s->address, "%s:%u", host, s->port);
    return MD_OK;
}

/* Connections nofile open files hold beside threads request threads: less what the
 * database pool, the workers and the spare files need, FDS_PER_CONNECTION each. */
static long connection_room(long nofile, int threads)
{
    return (nofile - FDS_PER_DB * (threads + 3) - FDS_PER_THREAD * threads - FDS_SPARE) /
           FDS_PER_CONNECTION;
}

/* How many connections the process can hold: connection_room() of RLIMIT_NOFILE; cfg's
 * max_connections may lower it, never raise it.  A thread count that is the default
 * (fit) is lowered, down to DEFAULT_THREADS_MIN, until the threads' own connections fit. */
static md_code connection_limit(md_server *s, int *threads, int fit, md_err *err)
{
    struct rlimit rl;
    long nofile = 1024, held;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        nofile =
            rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1000000 ? 1000000 : (long)rl.rlim_cur;
    while (fit && *threads > DEFAULT_THREADS_MIN && connection_room(nofile, *threads) < *threads)
        (*threads)--;
    held = connection_room(nofile, *threads);
    if (held < *threads)
        return md_err_set(err, MD_EUNAVAILABLE, "max_connections",
                          "%ld open files (ulimit -n) leave no room for connections with %d "
                          "threads; raise the limit",
                          nofile, *threads);
    if (s->cfg->max_connections > held)
        md_log(MD_LOG_WARN, "serve.limits",
               "max connections %d is more than %ld open files can hold; using %ld",
               s->cfg->max_connections, nofile, held);
    else if (s->cfg->max_connections > 0)
        held = s->cfg->max_connections < *threads ? *threads : s->cfg->max_connections;
    s->max_connections = (unsigned)held;
    return MD_OK;
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

/* The address patients' links use: cfg's public URL, checked, or else the bound address,
 * with a warning when that is one no patient can reach. */
static md_code public_url(md_server *s, md_err *err)
{
    const char *want = s->cfg->public_url;
    if (want) {
        if (md_public_url_normalize(want, s->public_url, sizeof s->public_url) != 0)
            return md_err_set(err, MD_EINVAL, "public_url",
                              "public URL must be http(s)://HOST[:PORT][/PATH], not '%s'", want);
        return MD_OK;
    }
    char host[sizeof s->address];
    md_strlcpy(host, s->address, sizeof host);
    char *colon = strrchr(host, ':');
    if (colon) *colon = '\0';
    snprintf(s->public_url, sizeof s->public_url, "http://%.180s", s->address);
    if (md_listen_host_is_local(host))
        md_log(MD_LOG_WARN, "serve.public_url",
               "patients' links will use %s, which no patient can open: set --public-url "
               "or MESODESK_PUBLIC_URL",
               s->public_url);
    return MD_OK;
}

/* Apply the stored schema's migrations once, with a connection of its own. */
static md_code migrate(const char *uri, md_err *err)
{
    md_store *db = NULL;
    md_code rc = md_store_open(uri, &db, err);
    if (rc == MD_OK) rc = md_store_migrate(db, err);
    md_store_close(db);
    return rc;
}

int md_server_default_threads(const char *db_uri)
{
    int pg = db_uri &&
             (strncmp(db_uri, "postgres://", 11) == 0 || strncmp(db_uri, "postgresql://", 13) == 0);
    return pg ? DEFAULT_THREADS_PG : DEFAULT_THREADS;
}

/* The photo file store: the configured directory or the default beside a SQLite file,
 * made now so that a directory that cannot be written stops the start, not the first
 * photo.  None (PostgreSQL without --media-dir): photos answer 503, said once here. */
static md_code media_dir(md_server *s, md_err *err)
{
    if (s->cfg->media_dir && *s->cfg->media_dir) {
        if (strlen(s->cfg->media_dir) >= sizeof s->media_dir)
            return md_err_set(err, MD_EINVAL, "media_dir", "the media directory's name is too long");
        md_strlcpy(s->media_dir, s->cfg->media_dir, sizeof s->media_dir);
    } else {
        md_media_default_dir(s->cfg->db_uri, s->media_dir);
    }
    if (!s->media_dir[0]) {
        md_log(MD_LOG_WARN, "serve.media_dir",
               "no media directory (--media-dir, MESODESK_MEDIA_DIR): photos are refused; with "
               "PostgreSQL give a directory every server shares");
        return MD_OK;
    }
    return md_media_dir_check(s->media_dir, err);
}

md_code md_server_start(const md_server_config *cfg, md_server **out, md_err *err)
{
    md_code rc;
    int threads = cfg->threads > 0 ? cfg->threads : md_server_default_threads(cfg->db_uri);
    md_server *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if ((rc = routes_ready(err)) != MD_OK) { /* the kind registry, checked (kinds.c) */
        free(s);
        return rc;
    }
    s->cfg = cfg;
    s->listen_fd = -1;
    if ((rc = md_trusted_proxies_parse(cfg->trusted_proxy, &s->trusted, err)) != MD_OK ||
        (rc = bind_listen(s, err)) != MD_OK || (rc = public_url(s, err)) != MD_OK ||
        (rc = connection_limit(s, &threads, cfg->threads <= 0, err)) != MD_OK ||
        (rc = migrate(cfg->db_uri, err)) != MD_OK ||
        (rc = md_kb_load(cfg->kb_dir, &s->kb, err)) != MD_OK ||
        (rc = md_pool_open(cfg->db_uri, threads + 2, &s->pool, err)) != MD_OK ||
        (rc = md_auditor_start_anchored(cfg->db_uri, cfg->audit_key, cfg->audit_log, &s->auditor,
                                        err)) != MD_OK)
        goto fail;
    md_committer_watch_load(md_auditor_committer(s->auditor), &s->responding);
    find_web_dir(s);
    if ((rc = media_dir(s, err)) != MD_OK) goto fail;
    unsigned per_ip =
        (unsigned)(cfg->max_connections_per_ip > 0 ? cfg->max_connections_per_ip : DEFAULT_PER_IP);
    unsigned timeout =
        (unsigned)(cfg->request_timeout > 0 ? cfg->request_timeout : DEFAULT_REQUEST_TIMEOUT);
    s->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY | MHD_USE_ITC |
            MHD_USE_ERROR_LOG,
        0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, log_mhd, s,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)s->listen_fd, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_CONNECTION_TIMEOUT, timeout,
        MHD_OPTION_CONNECTION_LIMIT, s->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
        MHD_OPTION_END);
    if (!s->daemon) {
        rc = md_err_set(err, MD_EIO, "listen", "cannot serve on %s: %s", s->address,
                        strerror(errno));
        goto fail;
    }
    s->listen_fd = -1; /* the daemon's now */
    *out = s;
    return MD_OK;
fail:
    md_server_stop(s);
    return rc;
}

unsigned md_server_port(const md_server *s)
{
    return s->port;
}

/* Whether the drain must go on waiting (see the invariants at the top). */
static int draining(md_server *s)
{
    long long now = now_us();
    return atomic_load(&s->responding) > 0 ||
           (atomic_load(&s->receiving) > 0 &&
            now - atomic_load(&s->last_receive_us) < DRAIN_STALL_US) ||
           (atomic_load(&s->fresh) > 0 && now - atomic_load(&s->last_done_us) < DRAIN_STALL_US);
}

void md_server_stop(md_server *s)
{
    if (!s) return;
    if (s->daemon) {
        MHD_socket lsock = MHD_quiesce_daemon(s->daemon);
        if (lsock != MHD_INVALID_SOCKET) close(lsock);
        atomic_store(&s->last_done_us, (long long)now_us());
        /* Requests that reached a handler finish and their answers go out, and so do
         * those still arriving; connections idle or stalled in the middle of a request
         * (half-closed ones too) are closed by the stop. */
        for (int i = 0; i < DRAIN_SECONDS * 20 && draining(s); i++)
            usleep(50 * 1000);
        MHD_stop_daemon(s->daemon);
    }
    if (s->listen_fd >= 0) close(s->listen_fd);
    md_auditor_stop(s->auditor);
    md_pool_close(s->pool);
    md_kb_free(s->kb);
    free(s);
}

/* Let the process open as many files as its hard limit allows. */
static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int md_server_run(const md_server_config *cfg)
{
    md_server *s = NULL;
    md_err err;
    sigset_t sigs;
    int sig = 0;
    md_err_clear(&err);
    /* Signals are handled by this thread only (sigwait below); the daemon's threads,
     * started after this, inherit the mask. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    raise_nofile();
    md_code rc = md_server_start(cfg, &s, &err);
    if (rc != MD_OK) {
        md_log(MD_LOG_ERROR, "serve.failed", "%s%s%s", err.field, err.field[0] ? ": " : "",
               err.message);
        return md_code_exit_status(rc);
    }
    char portstr[16], conns[16], per_ip[16], timeout[16];
    snprintf(portstr, sizeof portstr, "%u", s->port);
    snprintf(conns, sizeof conns, "%u", s->max_connections);
    snprintf(per_ip, sizeof per_ip, "%d",
             cfg->max_connections_per_ip > 0 ? cfg->max_connections_per_ip : DEFAULT_PER_IP);
    snprintf(timeout, sizeof timeout, "%d",
             cfg->request_timeout > 0 ? cfg->request_timeout : DEFAULT_REQUEST_TIMEOUT);
    char shown_db[512];
    md_store_uri_shown(cfg->db_uri, shown_db, sizeof shown_db); /* never a password in a log */
    const char *kv[] = {"address",
                        s->address,
                        "port",
                        portstr,
                        "db",
                        shown_db,
                        "kb",
                        md_kb_version(s->kb),
                        "max_connections",
                        conns,
                        "max_connections_per_ip",
                        per_ip,
                        "request_timeout",
                        timeout,
                        NULL};
    md_log_kv(MD_LOG_INFO, "serve.listening", kv);
    if (cfg->port_file) {
        FILE *f = fopen(cfg->port_file, "w");
        if (f) {
            fprintf(f, "%u\n", s->port);
            fclose(f);
        }
    }
    sigwait(&sigs, &sig);
    md_log(MD_LOG_INFO, "serve.draining", "signal %d: finishing the requests in handlers", sig);
    md_server_stop(s);
    md_log(MD_LOG_INFO, "serve.stopped", "clean shutdown");
    return 0;
}
