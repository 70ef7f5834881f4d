/*
 * test_http.c - the server's connections: a flood of idle connections from one
 * address leaves other clients served; silent connections are closed after the
 * request timeout; the connection limit follows the open-file limit; a second server
 * on a busy address refuses to start and names it; and SIGTERM does not wait for
 * clients that stopped in the middle of a request, while a request in a handler
 * still gets its answer.
 *
 * The server of this group runs with MESODESK_REQUEST_TIMEOUT=2 (set in main).
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FLOOD 1100 /* the idle connections that made the server unreachable */
#define PER_IP_DEFAULT 128
#define REQUEST_TIMEOUT_S 2

/* Whether the server has closed fd (EOF or reset), waiting up to ms. */
static int closed_by_server(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    char c[64];
    if (poll(&p, 1, ms) <= 0) return 0;
    ssize_t n = recv(fd, c, sizeof c, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

static long healthz_status(int timeout_ms)
{
    static const char req[] = "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    api_raw_res r;
    api_raw(NULL, req, sizeof req - 1, &r, timeout_ms);
    long st = r.status;
    api_raw_free(&r);
    return st;
}

static void idle_connections_from_one_address_leave_others_served(void **state)
{
    (void)state;
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_max < FLOOD + 200) {
        print_message("open-file hard limit %lu is below %d: not run\n", (unsigned long)rl.rlim_max,
                      FLOOD + 200);
        skip();
    }
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    static int fds[FLOOD];
    for (int i = 0; i < FLOOD; i++) {
        fds[i] = api_connect_from("127.0.0.2");
        if (fds[i] < 0) fail_msg("connection %d from 127.0.0.2: %s", i, strerror(errno));
    }
    /* Another address is served at once, again and again, while they are held. */
    for (int i = 0; i < 20; i++) {
        long st = healthz_status(3000);
        if (st != 200) fail_msg("GET /healthz from 127.0.0.1 during the flood: status %ld", st);
    }
    /* The flooding address keeps at most its share; the rest were closed at once. */
    int open = 0;
    for (int i = 0; i < FLOOD; i++)
        if (!closed_by_server(fds[i], 0)) open++;
    print_message("%d idle connections from 127.0.0.2: %d held, 20 of 20 answers to 127.0.0.1\n",
                  FLOOD, open);
    if (open > PER_IP_DEFAULT)
        fail_msg("%d of %d idle connections from one address are held (limit %d)", open, FLOOD,
                 PER_IP_DEFAULT);
    for (int i = 0; i < FLOOD; i++)
        close(fds[i]);
}

static void silent_connections_are_closed_after_the_request_timeout(void **state)
{
    (void)state;
    enum { N = 8 };
    int fds[N];
    static const char partial[] = "POST /api/v1/login HTTP/1.1\r\nHost: t\r\nContent-Le";
    static const char part_body[] = "POST /api/v1/login HTTP/1.1\r\nHost: t\r\n"
                                    "Content-Length: 100\r\n\r\n{\"email\":";
    for (int i = 0; i < N; i++) {
        fds[i] = api_connect_from("127.0.0.3");
        assert_true(fds[i] >= 0);
        /* Nothing, a partial request line and headers, or a partial body. */
        const char *what = i % 3 == 1 ? partial : i % 3 == 2 ? part_body : NULL;
        if (what) assert_true(send(fds[i], what, strlen(what), MSG_NOSIGNAL) > 0);
    }
    double t0 = api_now_s();
    for (int i = 0; i < N; i++) {
        int left = (int)((t0 + REQUEST_TIMEOUT_S + (api.slow ? 30 : 3) - api_now_s()) * 1000);
        if (!closed_by_server(fds[i], left > 0 ? left : 0))
            fail_msg("connection %d is still open %.1f s after it went silent", i,
                     api_now_s() - t0);
    }
    double took = api_now_s() - t0;
    if (took < REQUEST_TIMEOUT_S - 1)
        fail_msg("silent connections were closed after %.1f s, before the timeout", took);
    for (int i = 0; i < N; i++)
        close(fds[i]);
    assert_int_equal(healthz_status(3000), 200);
}

/* Fork `mesodesk serve` on the group's database with RLIMIT_NOFILE set to nofile
 * (0: unchanged) and listen; stderr to log.  Returns the pid. */
static pid_t spawn_serve(const char *listen, rlim_t nofile, const char *log, const char *port_file)
{
    char db[320];
    snprintf(db, sizeof db, "%s/db.sqlite", api.srv.dir);
    pid_t pid = fork();
    if (pid < 0) fail_msg("fork: %s", strerror(errno));
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        if (nofile) {
            struct rlimit rl = {nofile, nofile};
            setrlimit(RLIMIT_NOFILE, &rl);
        }
        char *argv[] = {
            getenv("MESODESK_BIN"), "serve",           "--db", db, "--listen", (char *)listen,
            "--port-file",          (char *)port_file, NULL};
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* Wait up to seconds for pid to exit; returns its status, or -1 (killed) if it did not. */
static int wait_exit(pid_t pid, double seconds)
{
    double deadline = api_now_s() + seconds;
    int ws = 0;
    while (api_now_s() < deadline) {
        if (waitpid(pid, &ws, WNOHANG) == pid)
            return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
        api_sleep_ms(20);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &ws, 0);
    return -1;
}

static void read_file(const char *path, char *out, size_t outsz)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(out, 1, outsz - 1, f) : 0;
    out[n] = '\0';
    if (f) fclose(f);
}

static void the_connection_limit_follows_the_open_file_limit(void **state)
{
    (void)state;
    char log[320], port_file[320], text[8192];
    snprintf(log, sizeof log, "%s/limit.log", api.srv.dir);
    snprintf(port_file, sizeof port_file, "%s/limit.port", api.srv.dir);
    /* 400 open files hold at most 200 connections (a socket and a file each). */
    unlink(port_file);
    pid_t pid = spawn_serve("127.0.0.1:0", 400, log, port_file);
    double deadline = api_now_s() + 20;
    while (access(port_file, R_OK) != 0 && api_now_s() < deadline)
        api_sleep_ms(20);
    api_sleep_ms(50);
    kill(pid, SIGTERM);
    int st = wait_exit(pid, 20);
    read_file(log, text, sizeof text);
    const char *m = strstr(text, "max_connections=");
    long n = 0;
    if (m) {
        char num[16];
        size_t len = strspn(m + 16, "0123456789");
        if (len < sizeof num) {
            memcpy(num, m + 16, len);
            num[len] = '\0';
            md_parse_long(num, 0, 1000000, &n);
        }
    }
    if (st != 0 || n < 16 || n > 200)
        fail_msg("with 400 open files: exit %d, max_connections %ld; log: %.2000s", st, n, text);
    /* Too few open files for the threads and the database: refuse to start, saying so. */
    pid = spawn_serve("127.0.0.1:0", 120, log, port_file);
    st = wait_exit(pid, 20);
    read_file(log, text, sizeof text);
    if (st == 0 || st == -1 || !strstr(text, "open files"))
        fail_msg("with 120 open files: exit %d; log: %.2000s", st, text);
}

static void a_second_server_on_a_busy_address_refuses_to_start(void **state)
{
    (void)state;
    char listen[64], log[320], port_file[320], text[8192];
    snprintf(listen, sizeof listen, "127.0.0.1:%ld", api_server_port());
    snprintf(log, sizeof log, "%s/second.log", api.srv.dir);
    snprintf(port_file, sizeof port_file, "%s/second.port", api.srv.dir);
    pid_t pid = spawn_serve(listen, 0, log, port_file);
    int st = wait_exit(pid, 10);
    read_file(log, text, sizeof text);
    if (st == -1) fail_msg("a second server started on %s beside the first", listen);
    if (st == 0 || !strstr(text, listen))
        fail_msg("second server on %s: exit %d; log: %.2000s", listen, st, text);
    /* The first one is unaffected. */
    assert_int_equal(healthz_status(3000), 200);
}

static void sigterm_does_not_wait_for_stalled_clients(void **state)
{
    (void)state;
    static const char part_body[] = "POST /api/v1/patients HTTP/1.1\r\nHost: t\r\n"
                                    "Content-Type: application/json\r\n"
                                    "Content-Length: 1000\r\n\r\n{\"given_name\":";
    static const char creds[] = "{\"email\":\"nobody@demo.clinic\",\"password\":\"wrong-pw-1\"}";
    char login[512];
    snprintf(login, sizeof login,
             "POST /api/v1/login HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
             "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
             sizeof creds - 1, creds);
    int half = api_connect_from(NULL), stalled = api_connect_from(NULL),
        idle = api_connect_from(NULL), busy = api_connect_from(NULL);
    assert_true(half >= 0 && stalled >= 0 && idle >= 0 && busy >= 0);
    assert_true(send(half, part_body, sizeof part_body - 1, MSG_NOSIGNAL) > 0);
    shutdown(half, SHUT_WR); /* half-closed in the middle of the body */
    assert_true(send(stalled, part_body, sizeof part_body - 1, MSG_NOSIGNAL) > 0);
    api_sleep_ms(100);
    /* A sign-in spends a while hashing: SIGTERM arrives while it is in its handler. */
    assert_true(send(busy, login, strlen(login), MSG_NOSIGNAL) > 0);
    api_sleep_ms(30);
    double t0 = api_now_s();
    int st = api_server_stop(&api.srv);
    double took = api_now_s() - t0;
    api_raw_res r;
    api_raw_read(busy, &r, 5000);
    long login_status = r.status;
    api_raw_free(&r);
    close(half);
    close(stalled);
    close(idle);
    close(busy);
    print_message("SIGTERM with a half-closed, a stalled and an idle client: %.2f s\n", took);
    assert_int_equal(st, 0);
    if (took > (api.slow ? 25.0 : 5.0)) /* the drain would wait 30 s for them */
        fail_msg("SIGTERM took %.1f s with stalled clients connected", took);
    if (login_status != 401)
        fail_msg("the sign-in in its handler at SIGTERM got status %ld, not 401", login_status);
}

int main(void)
{
    char timeout[16];
    snprintf(timeout, sizeof timeout, "%d", REQUEST_TIMEOUT_S);
    setenv("MESODESK_REQUEST_TIMEOUT", timeout, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(idle_connections_from_one_address_leave_others_served),
        cmocka_unit_test(silent_connections_are_closed_after_the_request_timeout),
        cmocka_unit_test(the_connection_limit_follows_the_open_file_limit),
        cmocka_unit_test(a_second_server_on_a_busy_address_refuses_to_start),
        cmocka_unit_test(sigterm_does_not_wait_for_stalled_clients), /* stops the server */
    };
    return cmocka_run_group_tests_name("api.http", tests, api_setup, api_teardown);
}
