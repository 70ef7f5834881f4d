/*
 * client_addr.c - the client's address: the socket's peer, or, only when that peer is a
 * configured trusted proxy (--trusted-proxy / MESODESK_TRUSTED_PROXY, none by default),
 * what the proxies wrote in X-Forwarded-For.
 *
 * X-Forwarded-For is "client, proxy1, proxy2": each proxy appends the address it got the
 * request from.  Only the right end can be believed: everything to the left of the
 * first address a trusted proxy appended may have been written by the client.  So the
 * list (all X-Forwarded-For headers, in order, as one list) is read from the right:
 *
 *   candidate = the peer
 *   while candidate is trusted and an entry is left:
 *       entry = the next entry from the right
 *       not an IP address -> stop (the candidate, the proxy that sent it, stays)
 *       candidate = entry
 *
 * and the client is the candidate: the right-most address that is not itself trusted
 * (or the left-most, when every one is).  Addresses are compared in canonical text
 * (inet_ntop), an IPv4-mapped IPv6 address as IPv4.
 */
#include "server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define XFF_HEADERS_MAX 8 /* X-Forwarded-For headers read; more are ignored (from the left) */

/* The canonical text of a numeric IPv4 or IPv6 address of len bytes; -1 if it is none. */
static int canonical(const char *text, size_t len, char out[MD_ADDR_STR])
{
    char buf[MD_ADDR_STR];
    unsigned char bin[sizeof(struct in6_addr)];
    if (len == 0 || len >= sizeof buf) return -1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (inet_pton(AF_INET, buf, bin) == 1)
        return inet_ntop(AF_INET, bin, out, MD_ADDR_STR) ? 0 : -1;
    if (inet_pton(AF_INET6, buf, bin) != 1) return -1;
    if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)bin))
        return inet_ntop(AF_INET, bin + 12, out, MD_ADDR_STR) ? 0 : -1;
    return inet_ntop(AF_INET6, bin, out, MD_ADDR_STR) ? 0 : -1;
}

md_code md_trusted_proxies_parse(const char *list, md_trusted_proxies *out, md_err *err)
{
    memset(out, 0, sizeof *out);
    for (const char *p = list ? list : ""; *p;) {
        while (*p == ',' || *p == ' ')
            p++;
        if (!*p) break;
        size_t n = strcspn(p, ", ");
        if (out->n == MD_TRUSTED_PROXIES_MAX)
            return md_err_set(err, MD_EINVAL, "trusted_proxy", "at most %d trusted proxy addresses",
                              MD_TRUSTED_PROXIES_MAX);
        if (canonical(p, n, out->addr[out->n]) != 0)
            return md_err_set(err, MD_EINVAL, "trusted_proxy",
                              "trusted proxy '%.*s' is not an IPv4 or IPv6 address",
                              (int)(n > 64 ? 64 : n), p);
        out->n++;
        p += n;
    }
    return MD_OK;
}

static int trusted(const md_trusted_proxies *t, const char *addr)
{
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->addr[i], addr) == 0) return 1;
    return 0;
}

void md_client_addr_pick(const char *peer, const char *const *xff, int nxff,
                         const md_trusted_proxies *t, char out[MD_ADDR_STR])
{
    md_strlcpy(out, peer, MD_ADDR_STR);
    for (int h = nxff - 1; h >= 0 && trusted(t, out); h--) {
        const char *v = xff[h], *end = v + strlen(v);
        while (end > v && trusted(t, out)) {
            const char *start = end;
            while (start > v && start[-1] != ',')
                start--;
            const char *a = start, *b = end;
            while (a < b && (*a == ' ' || *a == '\t'))
                a++;
            while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
                b--;
            end = start > v ? start - 1 : v;
            if (a == b) continue; /* an empty entry ("a,,b") */
            char next[MD_ADDR_STR];
            if (canonical(a, (size_t)(b - a), next) != 0) return; /* out stays the sender */
            md_strlcpy(out, next, MD_ADDR_STR);
        }
    }
}

typedef struct xff_list {
    const char *v[XFF_HEADERS_MAX];
    int n;
} xff_list;

static enum MHD_Result collect_xff(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    xff_list *l = cls;
    (void)kind;
    if (!value || strcasecmp(key, "X-Forwarded-For") != 0) return MHD_YES;
    if (l->n == XFF_HEADERS_MAX) { /* keep the right-most ones */
        memmove(l->v, l->v + 1, sizeof l->v[0] * (XFF_HEADERS_MAX - 1));
        l->n--;
    }
    l->v[l->n++] = value;
    return MHD_YES;
}

void md_client_addr(struct MHD_Connection *c, const md_trusted_proxies *t, char out[MD_ADDR_STR])
{
    char peer[MD_ADDR_STR] = "";
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = info ? info->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, peer,
                  sizeof peer);
    } else if (sa && sa->sa_family == AF_INET6) {
        char raw[MD_ADDR_STR];
        if (inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, raw,
                      sizeof raw) &&
            canonical(raw, strlen(raw), peer) != 0)
            peer[0] = '\0';
    }
    xff_list l = {{0}, 0};
    if (peer[0] && trusted(t, peer)) MHD_get_connection_values(c, MHD_HEADER_KIND, collect_xff, &l);
    md_client_addr_pick(peer, l.v, l.n, t, out);
}
