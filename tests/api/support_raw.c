/*
 * support_raw.c - raw HTTP over a socket, for the requests libcurl will not send
 * (conflicting headers, odd request lines, bytes that are not UTF-8, half-closed
 * connections), and a command runner for the CLI (see support.h).
 */
#include "support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RAW_RESPONSE_MAX (4u << 20)

long api_server_port(void)
{
    const char *colon = strrchr(api.srv.url, ':');
    long port = 0;
    if (!colon || md_parse_long(colon + 1, 1, 65535, &port) != 0) return 0;
    return port;
}

int api_connect_from(const char *from_ip)
{
    struct sockaddr_in to, from;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (from_ip) {
        memset(&from, 0, sizeof from);
        from.sin_family = AF_INET;
        if (inet_pton(AF_INET, from_ip, &from.sin_addr) != 1 ||
            bind(fd, (struct sockaddr *)&from, sizeof from) != 0) {
            close(fd);
            return -1;
        }
    }
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_port = htons((uint16_t)api_server_port());
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static long elapsed_ms(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Whether text holds a whole response: headers and as many body bytes as its
 * Content-Length says (a response without one lasts until the connection closes). */
static int response_complete(const char *text, size_t len)
{
    const char *end = strstr(text, "\r\n\r\n");
    long want;
    if (!end) return 0;
    for (const char *h = strstr(text, "\r\n"); h && h < end; h = strstr(h + 2, "\r\n")) {
        if (strncasecmp(h + 2, "Content-Length:", 15) != 0) continue;
        char num[24];
        const char *v = h + 17;
        while (*v == ' ')
            v++;
        size_t n = strcspn(v, "\r\n");
        if (n >= sizeof num) return 0;
        memcpy(num, v, n);
        num[n] = '\0';
        return md_parse_long(num, 0, 1L << 40, &want) == 0 &&
               (size_t)(text + len - (end + 4)) >= (size_t)want;
    }
    return 0;
}

int api_raw_read(int fd, api_raw_res *out, int timeout_ms)
{
    struct timespec t0;
    size_t cap = 8192;
    memset(out, 0, sizeof *out);
    out->text = malloc(cap);
    if (!out->text) return -1;
    out->text[0] = '\0';
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        long left = timeout_ms - elapsed_ms(&t0);
        struct pollfd p = {fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
            out->timed_out = 1;
            break;
        }
        if (out->len + 4097 > cap) {
            if (cap >= RAW_RESPONSE_MAX) break;
            char *t = realloc(out->text, cap * 2);
            if (!t) break;
            out->text = t;
            cap *= 2;
        }
        ssize_t n = recv(fd, out->text + out->len, cap - out->len - 1, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            out->closed = 1;
            break;
        }
        out->len += (size_t)n;
        out->text[out->len] = '\0';
        if (response_complete(out->text, out->len)) break;
    }
    long status = 0;
    if (out->len > 12 && strncmp(out->text, "HTTP/1.", 7) == 0) {
        char code[4] = {out->text[9], out->text[10], out->text[11], '\0'};
        if (md_parse_long(code, 100, 599, &status) != 0) status = 0;
    }
    out->status = status;
    char *end = strstr(out->text, "\r\n\r\n");
    out->body = end ? end + 4 : out->text + out->len;
    if (*out->body) out->json = json_loads(out->body, 0, NULL);
    return status ? 0 : -1;
}

int api_raw(const char *from_ip, const char *request, size_t len, api_raw_res *out, int timeout_ms)
{
    memset(out, 0, sizeof *out);
    int fd = api_connect_from(from_ip);
    if (fd < 0) {
        out->text = calloc(1, 1);
        out->body = out->text;
        return -1;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(fd, request + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        off += (size_t)n;
    }
    int rc = api_raw_read(fd, out, timeout_ms);
    close(fd);
    return rc;
}

const char *api_raw_header(const api_raw_res *r, const char *name, char *out, size_t outsz)
{
    size_t nl = strlen(name);
    out[0] = '\0';
    for (const char *line = strstr(r->text, "\r\n"); line && line + 2 < r->body;
         line = strstr(line + 2, "\r\n")) {
        const char *h = line + 2;
        if (strncasecmp(h, name, nl) == 0 && h[nl] == ':') {
            const char *v = h + nl + 1;
            while (*v == ' ')
                v++;
            size_t n = strcspn(v, "\r\n");
            if (n >= outsz) n = outsz - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return out;
        }
    }
    return NULL;
}

void api_raw_free(api_raw_res *r)
{
    json_decref(r->json);
    free(r->text);
    memset(r, 0, sizeof *r);
}
