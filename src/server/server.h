/*
 * server.h - the HTTP layer (libmicrohttpd): routing, authentication, request
 * bodies, JSON responses, static files, graceful shutdown.  Handlers are thin:
 * they turn a request into a call of the core library and its result into
 * JSON.  Nothing clinical is decided here.
 *
 * Request lifecycle (one MHD connection callback sequence):
 *   CONNECT (accepted unless the address already holds max_connections_per_ip or the
 *     server max_connections; a connection silent for request_timeout s is closed,
 *     whether it is sending a request or idle between two)
 *   -> NEW (first callback: route, framing checked: conflicting Content-Length headers,
 *      or Content-Length with Transfer-Encoding -> 400 and close; Content-Length over
 *      MD_BODY_MAX -> 413)
 *   -> BODY (upload chunks appended, capped at MD_BODY_MAX; over it -> 413)
 *   -> DISPATCH (counted as responding: auth -> handler -> JSON response queued)
 *   -> DONE (request-completed callback: arena freed, log line written).
 *   libmicrohttpd answers what never reaches NEW (a malformed request line, an
 *   unsupported HTTP version -> 505) and its message becomes an http.refused log line.
 *
 * Server lifecycle: STARTING (md_server_start: bind the address, refusing a busy one;
 * migrate; load the kb; open the pool and the audit writer; start MHD) -> SERVING ->
 * DRAINING (md_server_stop, on SIGTERM/SIGINT in md_server_run: no new connections;
 * requests that reached DISPATCH finish and their answers go out, and so do requests
 * whose bytes are still arriving, up to 30 s; connections idle, or silent for 250 ms in
 * the middle of a request (half-closed ones too), are closed at once) -> STOPPED
 * (audit writer drained, connections closed, everything freed).
 */
#ifndef MESODESK_SERVER_H
#define MESODESK_SERVER_H

#include "mesodesk/context.h"
#include "mesodesk/error.h"

#include <jansson.h>
#include <microhttpd.h>

#define MD_BODY_MAX (1024 * 1024)
#define MD_MAX_PATH_PARAMS 4

typedef struct md_server md_server;

typedef struct md_server_config {
    const char *db_uri;
    const char *listen;  /* "127.0.0.1:8080"; port 0 = ephemeral */
    const char *web_dir; /* built front-end, may be NULL */
    const char *kb_dir;
    int threads;
    const char *port_file;      /* when set, the bound port is written there once listening */
    int max_connections;        /* 0: what RLIMIT_NOFILE can hold (never more than that) */
    int max_connections_per_ip; /* 0: 128 */
    int request_timeout;        /* seconds of silence before a connection is closed; 0: 10 */
    const char *audit_key;      /* checkpoint signing key file (NULL: no checkpoints) */
    const char *audit_log;      /* checkpoint log (NULL: none) */
    const char *public_url;     /* "https://clinic.example": patients' links; NULL: the listen
                                   address (a warning is logged when it is a loopback one) */
    const char *trusted_proxy;  /* "ADDR[,ADDR...]": peers whose X-Forwarded-For is believed
                                   (client_addr.c); NULL or "": none */
    const char *media_dir;      /* the photo file store (photo.h); NULL: "<SQLite file>.media",
                                   none for PostgreSQL (photos then answer 503) */
} md_server_config;

typedef struct md_req {
    struct MHD_Connection *conn;
    md_server *srv;
    const char *method;
    const char *path;
    const char *shown_method, *shown_path;  /* printable ASCII, for messages and log lines */
    const char *params[MD_MAX_PATH_PARAMS]; /* the {} segments of the route */
    char *body;
    size_t body_len;
    int too_big;
    int close;             /* answer with Connection: close */
    int responding;        /* counted in the server's responding requests */
    int receiving;         /* counted in its receiving ones (past NEW, not yet dispatched) */
    long long expect_body; /* Content-Length (0: none sent; -1: chunked, unknown) */
    long long got_body;    /* body bytes received so far */
    const char *token;
    md_ctx ctx;
    int status;
    int64_t retry_after; /* seconds; sent as Retry-After with a 429 */
    json_t *resp;
    int64_t started_us;
    const struct md_route *route; /* the route matched (set before the handler runs) */
    /* A body that is not JSON (text/calendar): malloc'd by the handler, freed by the server,
     * sent with raw_type instead of r->resp when set. */
    char *raw;
    size_t raw_len;
    const char *raw_type;
    const char *raw_disposition; /* Content-Disposition, e.g. "attachment"; NULL: none */
    /* Set by a handler that returns an error: members added to the error object beside
     * code, message and field (e.g. {"checks":[...]} of a failed precheck).  The server
     * owns it (decrefs it); ignored on success. */
    json_t *err_detail;
    /* The body cap of the route matched at NEW (MD_BODY_MAX unless the route has its own)
     * and the field a 413 names ("body" unless the route says). */
    size_t body_max;
    const char *body_field;
} md_req;

/* Answer a copy of data (len bytes) as type, with Content-Disposition disposition (NULL: none;
 * an "attachment" is also sandboxed, so an uploaded file never runs in the app's origin). */
md_code md_req_raw(md_req *r, const void *data, size_t len, const char *type,
                   const char *disposition, md_err *err);

/* A handler fills r->status (default 200) and r->resp, or returns an error that the
 * server renders as {"error":{"code","message","field"}}. */
typedef md_code (*md_handler)(md_req *r, md_err *err);

/* The route table, for documentation checks: pattern ("{}" per path parameter).  A
 * registry that cannot be routed leaves it empty (md_server_start says why). */
size_t md_server_route_count(void);
const char *md_server_route(size_t i, const char **method, int *public_route);

/* The request threads a server on db_uri runs when md_server_config.threads is 0: 48 on
 * SQLite, 16 on PostgreSQL (server.c says why); fewer, down to 16, when the open-file
 * limit cannot hold that many threads' connections. */
int md_server_default_threads(const char *db_uri);

/* Run until SIGTERM/SIGINT; returns the process exit status.  Raises the soft
 * RLIMIT_NOFILE to the hard one and blocks SIGTERM/SIGINT in the calling thread. */
int md_server_run(const md_server_config *cfg);

/* Start serving (STARTING above) in background threads.  cfg must outlive the server.
 * On success *out is the caller's until md_server_stop(); on failure *out is NULL and
 * err says why (field "listen" with the address for an address in use, MD_EINVAL for
 * a malformed one).  Signals are the caller's business. */
md_code md_server_start(const md_server_config *cfg, md_server **out, md_err *err);
unsigned md_server_port(const md_server *s); /* the bound port */
/* Drain and stop (DRAINING, STOPPED above), then free s.  NULL is allowed. */
void md_server_stop(md_server *s);

/* Helpers for handlers. */
md_code md_req_json_body(md_req *r, json_t **out, md_err *err); /* parsed, caller decrefs */
const char *md_req_query(md_req *r, const char *name);
md_code md_req_query_int(md_req *r, const char *name, long dflt, long min, long max, long *out,
                         md_err *err);
const md_kb *md_server_kb(md_server *s);

/* The public address (h_admin.c).  md_public_url_normalize: an http(s) URL with a host,
 * no spaces, quotes, query or fragment, at most MD_PUBLIC_URL_MAX characters, written to
 * out without its trailing '/'; 0 when valid, -1 otherwise.  md_listen_host_is_local:
 * a loopback or unspecified listen host, which no patient can open.  md_req_public_link:
 * public URL + path, in the request's arena. */
#define MD_PUBLIC_URL_MAX 200
int md_public_url_normalize(const char *in, char *out, size_t outsz);
int md_listen_host_is_local(const char *host);
const char *md_server_public_url(md_server *s);
const char *md_req_public_link(md_req *r, const char *path);

/*
 * Routes.  Each module (h_*.c) exports its own table; the generic record routes are
 * built from the kind registry (h_records.c).  server.c concatenates them once, at
 * start-up (md_server_start) or on first use (md_server_route_count), and matches a
 * request against them in that order; a handler finds its route in r->route.
 */
#define MD_ROUTE_PUBLIC 0
#define MD_ROUTE_AUTHED 1

/* What a generic record route does, for the API document. */
typedef enum md_route_op {
    MD_OP_NONE,
    MD_OP_LIST,
    MD_OP_CREATE,
    MD_OP_GET,
    MD_OP_UPDATE,
    MD_OP_HISTORY,
    MD_OP_ENTERED_IN_ERROR
} md_route_op;

typedef struct md_route {
    const char *method;
    const char *pattern; /* "/api/v1/patients/{}"; {} matches one segment */
    md_handler handler;
    int auth;                          /* MD_ROUTE_PUBLIC or MD_ROUTE_AUTHED */
    const struct md_record_kind *kind; /* the kind a generic record handler serves */
    md_route_op op;                    /* for generated documentation; MD_OP_NONE: by hand */
} md_route;

/* A route whose request body may exceed MD_BODY_MAX (a photo), with the field a body over
 * its own cap is named by.  server.c lists them (body_limits) and applies them at NEW. */
typedef struct md_body_limit {
    const char *method, *pattern;
    size_t max;
    const char *field;
} md_body_limit;
extern const md_body_limit md_body_limit_photo; /* h_photo.c: the upload */
extern const md_body_limit md_body_limit_checkin_photo; /* h_checkin.c: the patient's photo */

typedef struct md_route_table {
    const char *module;
    const md_route *routes;
    size_t n;
} md_route_table;

#define MD_ROUTE_TABLE(mod, arr)                                                                   \
    {                                                                                              \
        mod, arr, sizeof arr / sizeof arr[0]                                                       \
    }

extern const md_route_table md_routes_system, md_routes_admin, md_routes_patients,
    md_routes_screening;
extern const md_route_table md_routes_stock; /* h_stock.c */
extern const md_route_table md_routes_formulation; /* h_formulation.c */
extern const md_route_table md_routes_patch_tests;
extern const md_route_table md_routes_recall; /* h_recall.c */
extern const md_route_table md_routes_booking; /* h_booking.c */
extern const md_route_table md_routes_day;    /* h_day.c: credentials, the clinic's day */
extern const md_route_table md_routes_course; /* h_course.c */
extern const md_route_table md_routes_consent; /* h_consent.c */
extern const md_route_table md_routes_chart;   /* h_chart.c: sessions, charting kb */
extern const md_route_table md_routes_precheck; /* h_precheck.c: chart policy, gate preview */
extern const md_route_table md_routes_aftercare; /* h_aftercare.c: completion, aftercare, worklists */
extern const md_route_table md_routes_photo;   /* h_photo.c */
extern const md_route_table md_routes_complication; /* h_complication.c */
extern const md_route_table md_routes_outcome; /* h_outcome.c */
extern const md_route_table md_routes_pv;      /* h_pv.c: signals, the pv dashboard */
extern const md_route_table md_routes_checkin; /* h_checkin.c */
/* The routes of the registry's kinds (built once); NULL and err when they cannot be. */
const md_route_table *md_routes_records(md_err *err);
/* Every route in matching order (i < md_server_route_count()), NULL past the end. */
const md_route *md_server_route_at(size_t i);

/* The API document (openapi.c): the hand-written part with the kinds' schemas and the
 * generic record routes added from the registry.  *out is a new reference. */
md_code md_openapi_build(json_t **out, md_err *err);

/* The generic record handlers (h_records.c), for modules whose routes serve a kind. */
md_code md_h_record_list(md_req *r, md_err *err);
md_code md_h_record_create(md_req *r, md_err *err);
md_code md_h_record_get(md_req *r, md_err *err);
md_code md_h_record_update(md_req *r, md_err *err);
md_code md_h_record_history(md_req *r, md_err *err);
md_code md_h_record_entered_in_error(md_req *r, md_err *err);

/* Parse the body and run fn with it (shared by the handlers that take JSON). */
md_code md_req_with_body(md_req *r, md_code (*fn)(md_req *, json_t *, md_err *), md_err *err);

/* The client's address (client_addr.c): the socket's peer, or the right-most address in
 * X-Forwarded-For that is not itself a trusted proxy, when the peer is one. */
#define MD_TRUSTED_PROXIES_MAX 16
typedef struct md_trusted_proxies {
    int n;
    char addr[MD_TRUSTED_PROXIES_MAX][MD_ADDR_STR]; /* canonical text */
} md_trusted_proxies;
/* Parse "ADDR[,ADDR...]" (IPv4 or IPv6; NULL or "" is none): MD_EINVAL (field
 * "trusted_proxy") for anything else or more than MD_TRUSTED_PROXIES_MAX. */
md_code md_trusted_proxies_parse(const char *list, md_trusted_proxies *out, md_err *err);
/* From the peer's canonical address and the X-Forwarded-For header values in order (xff may
 * be NULL when nxff is 0): the client's address into out. */
void md_client_addr_pick(const char *peer, const char *const *xff, int nxff,
                         const md_trusted_proxies *t, char out[MD_ADDR_STR]);
/* The same for a connection ("" when its address is unknown). */
void md_client_addr(struct MHD_Connection *c, const md_trusted_proxies *t, char out[MD_ADDR_STR]);

#endif
