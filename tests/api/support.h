/*
 * support.h - black-box API tests: a real Mesodesk server per test group,
 * and HTTP helpers over libcurl.
 *
 * Lifecycle of the server of one group (one test_*.c file):
 *   api_setup (cmocka group setup):
 *     mkdtemp DIR -> `mesodesk demo` (Demo Clinic, 4 staff, 20 patients)
 *     -> `mesodesk init` (Other Clinic) -> `mesodesk user add` (its admin)
 *     -> fork/exec `mesodesk serve --listen 127.0.0.1:0 --port-file DIR/port`
 *        (prefixed with $MESODESK_TEST_WRAPPER when set, e.g. valgrind)
 *     -> wait for the port file and for GET /healthz = 200
 *     -> log in once per account; tests reuse the tokens in `api`.
 *   api_teardown (cmocka group teardown):
 *     SIGTERM -> waitpid -> exit status must be 0 (under valgrind that also
 *     means no memory errors) -> DIR removed (kept, and the log printed, on failure).
 *
 * Ownership: every json_t * returned is a new reference the caller decrefs;
 * api_res owns its text and json until api_res_free().  The global `api` is
 * written by api_setup only; tests read it.  Helpers assert with cmocka, so
 * they must run on the test's thread; from other threads use api_send() and
 * check the results afterwards on the test's thread.
 */
#ifndef MESODESK_TESTS_API_SUPPORT_H
#define MESODESK_TESTS_API_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>
#include <sys/types.h>

#include "mesodesk/auth.h"
#include "mesodesk/util.h"

#define API_ADMIN_PASSWORD "admin-pass-0123"
#define API_DEMO_PASSWORD "demo-pass-01234"
#define API_OTHER_PASSWORD "other-pass-0123"
#define API_MAX_BODY (1024 * 1024) /* the server's request body cap (server.h MD_BODY_MAX) */

typedef struct api_server {
    char dir[256];
    char url[64];    /* "http://127.0.0.1:PORT" */
    pid_t pid;       /* 0 once stopped */
    int exit_status; /* of the last stop: exit code, or 128 + signal */
    /* The server whose database this one shares (api_server_start_sharing); NULL: its own. */
    const struct api_server *db_of;
    char name[16]; /* "": the group's server; else another on its database (port file NAME,
                      log NAME.log in dir) */
} api_server;

typedef struct api_env {
    api_server srv;
    /* Bearer tokens, one session per account for the whole group. */
    char admin[MD_TOKEN_STR], practitioner[MD_TOKEN_STR], reception[MD_TOKEN_STR],
        auditor[MD_TOKEN_STR], other_admin[MD_TOKEN_STR];
    /* Staff ids of the same accounts (recorded_by / actor_id in responses). */
    char admin_id[MD_ID_STR], practitioner_id[MD_ID_STR], reception_id[MD_ID_STR],
        auditor_id[MD_ID_STR], other_admin_id[MD_ID_STR];
    char other_clinic_id[MD_ID_STR];
    int slow; /* a wrapper (valgrind) is in use: allow long waits */
} api_env;

extern api_env api;

/* A token that was never issued, for the 401 cases. */
#define API_BAD_TOKEN "not-a-token-0000000000000000000000000000000"

/* cmocka group setup and teardown; see the lifecycle above. */
int api_setup(void **state);
int api_teardown(void **state);
/* The same for groups that store photos: under the PostgreSQL harness (which has no default
 * media directory) a temporary one is made and given as MESODESK_MEDIA_DIR, and removed
 * afterwards; api_media_dir names the directory in use either way. */
extern char api_media_dir[300];
int api_setup_media(void **state);
int api_teardown_media(void **state);
/* Send SIGTERM and wait; returns the exit status (also kept in srv->exit_status).
 * Idempotent: a stopped server returns its recorded status. */
int api_server_stop(api_server *srv);
/* Start srv (again) on the database of srv->dir, the group's settings and environment,
 * and wait until it answers: a restart after api_server_stop, or, with srv->name set and
 * srv->dir copied from api.srv, a second server on the group's database.  Fails the test
 * when it does not start. */
void api_server_start(api_server *srv);

/* Start a second server s on the database of the running server with (same audit key and
 * checkpoint log), its own files in with->dir/name (removed with with's).  Fails the test
 * when it does not answer.  Stop it with api_server_stop(); one left running is stopped at
 * exit. */
void api_server_start_sharing(api_server *s, const api_server *with, const char *name);
/* The database URI of server s (a SQLite path, or a postgres:// URI under the harness). */
void api_server_db_uri(const api_server *s, char *out, size_t outsz);

/* A field of the running server's /proc/PID/status ("VmRSS", "VmHWM"), in KiB; -1 when the
 * server is stopped or the field cannot be read. */
long api_server_status_kib(const api_server *srv, const char *field);
/* Reset the server's peak resident size (VmHWM) to its current size (/proc/PID/clear_refs);
 * 0 on success, -1 when the kernel does not allow it. */
int api_server_reset_peak(const api_server *srv);

/* The group server's database URI: its SQLite file or, under tests/pg_harness.sh, its
 * PostgreSQL database (support_server.c).  Truncated at outsz. */
void api_server_db(const api_server *srv, char *out, size_t outsz);
/* Run sql (no parameters) on the group server's database through md_store_open, behind
 * the server's back (tampering tests); fails the test on an error (support_db.c). */
void api_db_exec(const char *sql);

/* --- raw requests --- */

typedef struct api_req {
    const char *method;
    const char *path;  /* from the server root: "/api/v1/patients"; or a whole "http://" URL */
    const char *token; /* NULL: no Authorization header */
    const char *body;  /* NULL: no body */
    size_t body_len;   /* 0 with body != NULL: strlen(body) */
    int chunked;       /* send the body with Transfer-Encoding: chunked, no Content-Length */
    const char *const *headers; /* extra "Name: value" lines, NULL-terminated; may be NULL */
} api_req;

typedef struct api_res {
    long status;   /* 0 when the transfer failed */
    int curl_code; /* CURLE_OK on success */
    json_t *json;  /* the body parsed as JSON, NULL when it is not JSON */
    char *text;    /* the body, NUL-terminated (never NULL after api_send) */
    size_t len;
    char request_id[MD_ID_STR]; /* X-Request-Id response header, "" when absent */
    char retry_after[16];       /* Retry-After response header, "" when absent */
} api_res;

/* Send one request.  h: an easy handle to reuse (keep-alive), or NULL for a fresh one.
 * Thread-safe (no cmocka calls).  Returns the curl code; r is filled either way. */
int api_send(CURL *h, const api_req *q, api_res *r);
/* One of several concurrent requests (a pthread start routine, arg an api_racer): sends
 * method path with token and body on a handle of its own and keeps the answer's status and
 * error field. */
typedef struct api_racer {
    const char *method, *path, *token, *body;
    long status;
    char field[64];
} api_racer;
void *api_race(void *arg);
void api_res_free(api_res *r);

/* --- asserting helpers (test thread only) --- */

/* The common call: method, path (printf format), token, JSON body text or NULL.
 * Fails the test unless the status is `want`; returns the JSON body (new reference). */
json_t *api_ok(const char *token, const char *method, const char *body, long want,
               const char *path_fmt, ...) __attribute__((format(printf, 5, 6)));
/* Like api_ok, and also returns the X-Request-Id of the response in request_id. */
json_t *api_ok_rid(const char *token, const char *method, const char *body, long want,
                   char request_id[MD_ID_STR], const char *path_fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Assert an error response: status, {"error":{"code","message","field"}} with that code
 * and field (NULL: the field must be JSON null).  Returns the message (static buffer,
 * valid until the next call). */
const char *api_err(const char *token, const char *method, const char *body, long status,
                    const char *code, const char *field, const char *path_fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* Check an already received response the same way; returns NULL when it matches, else a
 * description of the mismatch (static buffer). */
const char *api_error_mismatch(const api_res *r, long status, const char *code, const char *field);

/* Assert that the server answers: GET /healthz is ok, and an admin can list patients. */
void api_assert_alive(void);

/* Log in; asserts 200 and fills token and staff_id (either may be NULL). */
void api_login(const char *email, const char *password, char token[MD_TOKEN_STR],
               char staff_id[MD_ID_STR]);

/* --- declarative cases --- */

/* One request and the error it must produce.  path and body may hold {name}
 * placeholders, filled from api_vars. */
typedef struct api_case {
    const char *what; /* shown when the case fails */
    const char *token;
    const char *method;
    const char *path;
    const char *body;
    long status;
    const char *code;
    const char *field;       /* NULL: must be null */
    const char *message_has; /* NULL: any message */
} api_case;

typedef struct api_var {
    const char *name; /* without braces */
    const char *value;
} api_var;

/* Run every case, print each mismatch with the response, then fail if any. */
void api_run_cases(const api_case *cases, size_t n, const api_var *vars, size_t nvars);

/* --- fixtures --- */

/* A unique lowercase tag for names created by this run ("qx" + 8 letters). */
void api_unique(char out[16]);
/* Create a patient as token and return it (new reference); family may be NULL. */
json_t *api_patient_new(const char *token, const char *given, const char *family,
                        const char *birth_date);
/* The id of a Demo Clinic patient found by family name (asserts it exists). */
void api_demo_patient(const char *family, char id[MD_ID_STR]);
/* A string member of an object ("" when absent or not a string). */
const char *api_str(const json_t *obj, const char *key);
/* An integer member of an object (0 when absent or not an integer). */
json_int_t api_int(const json_t *obj, const char *key);
/* The finding or caution of a rule in a screening result, or NULL. */
const json_t *api_find_rule(const json_t *result, const char *rule);
/* How many members of list["items"] have the string value at key. */
size_t api_count_items(const json_t *list, const char *key, const char *value);
/* A new patient (pregnancy and allergy statements recorded) with a current formulation of
 * a new hyaluronic-acid product in stock, as a course needs: their ids (support_fixtures.c). */
void api_patient_with_formulation(const char *given, char pid[MD_ID_STR], char fid[MD_ID_STR]);
/* Sign a treatment consent for course_id on the tablet, in language (support_fixtures.c). */
void api_consent_signed(const char *pid, const char *course_id, const char *language);
/* Sign the patient's photo consent on the tablet (support_fixtures.c). */
void api_photo_consent_signed(const char *pid);
/* The clinic's chart policy without before or after photo views, unless it was already set
 * (the photo gates have their own tests; support_fixtures.c). */
void api_policy_without_photos(void);
/* A session of a new patient (Fitzpatrick type fitzpatrick, 0: not recorded) in progress:
 * a facial course starting today with its hyaluronic-acid lot, a needle lot, and the
 * session's rows checked in at checked_in_at, prechecked (gates passed) and started, written
 * behind the server's back as chart.c writes them; no consent yet (api_consent_signed), no
 * chart (PUT /sessions/{id}/chart with api_chart_body). */
typedef struct api_session_fix {
    char pid[MD_ID_STR], cid[MD_ID_STR], sid[MD_ID_STR], lot[MD_ID_STR], needle_lot[MD_ID_STR];
    char day[MD_DATE_STR], checked_in_at[MD_TIME_STR];
} api_session_fix;
void api_session_in_progress(api_session_fix *f, int fitzpatrick, const char *checked_in_at);
/* One dose on the left cheek from the fixture's lot; notes NULL for none; the needle lot
 * when with_needle (new reference). */
json_t *api_chart_body(const api_session_fix *f, const char *notes, int with_needle);
/* A fixture session (api_session_in_progress, checked in an hour ago) charted with
 * api_chart_body (so one administration from its lot), its consent signed, and completed
 * (the clinic's chart policy must ask no photos: api_chart_policy_no_photos). */
void api_session_completed(api_session_fix *f);
/* Set the clinic's chart policy to ask for no before or after photos (review share 0). */
void api_chart_policy_no_photos(void);

/* GET path with token, which must answer 200 with a PDF; its text as pdftotext gives it (the
 * PDF is kept in the group's directory as file name).  Caller frees. */
char *api_pdf_text(const char *token, const char *path, const char *name);

/* --- raw HTTP (support_raw.c) --- */

typedef struct api_raw_res {
    long status; /* from the status line, 0 when there was none */
    char *text;  /* everything received, NUL-terminated (never NULL after api_raw) */
    size_t len;
    const char *body; /* inside text, after the headers */
    json_t *json;     /* the body parsed as JSON, or NULL */
    int closed;       /* the server closed the connection */
    int timed_out;    /* nothing more came within the timeout */
} api_raw_res;

/* Monotonic seconds, and a sleep, for timing bounds. */
double api_now_s(void);
void api_sleep_ms(long ms);

/* The test server's port (from api.srv.url). */
long api_server_port(void);
/* A TCP connection to the test server from from_ip (NULL: any local address); -1 on
 * failure.  The caller closes it. */
int api_connect_from(const char *from_ip);
/* Read a response from fd until the server closes it or timeout_ms pass.  0 when a
 * status line came; out is filled either way (free with api_raw_free). */
int api_raw_read(int fd, api_raw_res *out, int timeout_ms);
/* Send request bytes as they are on a new connection and read the answer (above). */
int api_raw(const char *from_ip, const char *request, size_t len, api_raw_res *out, int timeout_ms);
/* The value of response header name (no colon) copied into out, or NULL when absent. */
const char *api_raw_header(const api_raw_res *r, const char *name, char *out, size_t outsz);
void api_raw_free(api_raw_res *r);

/* Run argv (argv[0] a path) with stdin_text (may be NULL); stdout into out (may be NULL),
 * stderr appended to log.  Returns the exit status (128 + signal when killed). */
int api_run_cmd(char *const argv[], const char *stdin_text, char *out, size_t outsz,
                const char *log);

#endif
