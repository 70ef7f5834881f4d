/*
 * API tests: the sign-in throttle lives in the database.  It survives a restart of the
 * server and holds across two servers on one database; a client address that fails with
 * many emails waits too; the client address is the socket's peer, or what a trusted proxy
 * put in X-Forwarded-For, never what an untrusted client wrote there.
 *
 * The group's server runs with MESODESK_LOGIN_ADDRESS_LIMIT=6 and
 * MESODESK_TRUSTED_PROXY=127.0.0.5 (main).  Each test signs in from its own loopback
 * address (127.0.0.X: all of 127/8 is the loopback), so that the tests' failures do
 * not add up on one address.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADDRESS_LIMIT 6
#define TRUSTED_PROXY "127.0.0.5"

typedef struct sign_in {
    long status;
    char code[32];
    char field[32]; /* "" when null */
    char message[256];
    long retry_after; /* 0 when absent */
} sign_in;

/* POST /api/v1/login to server s from from_ip, with an X-Forwarded-For header when xff is
 * not NULL. */
static sign_in login_from(const api_server *s, const char *from_ip, const char *xff,
                          const char *email, const char *password)
{
    char body[512], req[1024], saved[64], ra[16] = "";
    sign_in out;
    memset(&out, 0, sizeof out);
    int n = snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
    char forwarded[256] = "";
    if (xff) snprintf(forwarded, sizeof forwarded, "X-Forwarded-For: %s\r\n", xff);
    int len = snprintf(req, sizeof req,
                       "POST /api/v1/login HTTP/1.1\r\nHost: localhost\r\n"
                       "Content-Type: application/json\r\nContent-Length: %d\r\n%s"
                       "Connection: close\r\n\r\n%s",
                       n, forwarded, body);
    md_strlcpy(saved, api.srv.url, sizeof saved);
    md_strlcpy(api.srv.url, s->url, sizeof api.srv.url);
    api_raw_res r;
    int rc = api_raw(from_ip, req, (size_t)len, &r, api.slow ? 120000 : 20000);
    md_strlcpy(api.srv.url, saved, sizeof api.srv.url);
    if (rc != 0) fail_msg("sign-in from %s: no answer (%s)", from_ip, r.text);
    out.status = r.status;
    json_t *e = json_object_get(r.json, "error");
    if (e) {
        md_strlcpy(out.code, api_str(e, "code"), sizeof out.code);
        md_strlcpy(out.field, api_str(e, "field"), sizeof out.field);
        md_strlcpy(out.message, api_str(e, "message"), sizeof out.message);
    }
    if (api_raw_header(&r, "Retry-After", ra, sizeof ra)) out.retry_after = strtol(ra, NULL, 10);
    api_raw_free(&r);
    return out;
}

/* Assert a refused sign-in: 429 rate_limited with a Retry-After, on field (NULL: null). */
static void assert_throttled(const sign_in *s, const char *field)
{
    if (s->status != 429 || strcmp(s->code, "rate_limited") != 0)
        fail_msg("expected 429 rate_limited, got %ld %s: %s", s->status, s->code, s->message);
    assert_string_equal(s->field, field ? field : "");
    assert_true(s->retry_after > 0);
}

static void assert_wrong_password(const sign_in *s)
{
    if (s->status != 401) fail_msg("expected 401, got %ld %s: %s", s->status, s->code, s->message);
}

/* A reception account of the Demo Clinic for email (its password "right-password-1"). */
static void staff_account(const char *email)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"email\":\"%s\",\"display_name\":\"Throttle Test\",\"role\":\"reception\","
             "\"password\":\"right-password-1\"}",
             email);
    json_decref(api_ok(api.admin, "POST", body, 201, "/api/v1/staff"));
}

static void a_restart_keeps_the_throttle(void **state)
{
    (void)state;
    staff_account("restart@demo.clinic");
    for (int i = 0; i < 5; i++) {
        sign_in s = login_from(&api.srv, "127.0.0.11", NULL, "restart@demo.clinic", "wrong-pw-1");
        assert_wrong_password(&s);
    }
    assert_int_equal(api_server_stop(&api.srv), 0);
    api_server_start(&api.srv);
    /* Even the right password waits, from any address. */
    sign_in s = login_from(&api.srv, "127.0.0.21", NULL, "restart@demo.clinic", "right-password-1");
    assert_throttled(&s, "email");
    assert_true(s.retry_after <= 30);
    /* The sessions are in the database too: the group's tokens still work. */
    api_assert_alive();
}

static void two_servers_on_one_database_share_the_throttle(void **state)
{
    (void)state;
    api_server peer;
    memset(&peer, 0, sizeof peer);
    md_strlcpy(peer.dir, api.srv.dir, sizeof peer.dir);
    md_strlcpy(peer.name, "peer", sizeof peer.name);
    api_server_start(&peer);
    staff_account("shared@demo.clinic");
    /* Five failures, spread over both servers. */
    for (int i = 0; i < 5; i++) {
        sign_in s = login_from(i % 2 ? &peer : &api.srv, "127.0.0.12", NULL, "shared@demo.clinic",
                               "wrong-pw-2");
        assert_wrong_password(&s);
    }
    /* The next is refused by either. */
    sign_in a = login_from(&api.srv, "127.0.0.22", NULL, "shared@demo.clinic", "right-password-1");
    sign_in b = login_from(&peer, "127.0.0.22", NULL, "shared@demo.clinic", "right-password-1");
    assert_int_equal(api_server_stop(&peer), 0);
    assert_throttled(&a, "email");
    assert_throttled(&b, "email");
}

/* ADDRESS_LIMIT failures from one peer, each for another email, each claiming another
 * X-Forwarded-For (xff_fmt takes the index; NULL: none). */
static void fail_many_emails(const char *peer, const char *tag, const char *xff_fmt)
{
    char email[64], xff[64];
    for (int i = 0; i < ADDRESS_LIMIT; i++) {
        snprintf(email, sizeof email, "%s-%d@demo.clinic", tag, i);
        if (xff_fmt) snprintf(xff, sizeof xff, xff_fmt, i);
        sign_in s = login_from(&api.srv, peer, xff_fmt ? xff : NULL, email, "wrong-pw-3");
        assert_wrong_password(&s); /* under the limit: not refused */
    }
}

static void an_address_that_tries_many_emails_waits(void **state)
{
    (void)state;
    fail_many_emails("127.0.0.14", "many", NULL);
    sign_in s = login_from(&api.srv, "127.0.0.14", NULL, "fresh@demo.clinic", "wrong-pw-3");
    assert_throttled(&s, NULL);
    assert_non_null(strstr(s.message, "this address"));
    /* Other addresses sign in as usual, into the same accounts. */
    s = login_from(&api.srv, "127.0.0.24", NULL, "reception@demo.clinic", API_DEMO_PASSWORD);
    assert_int_equal(s.status, 200);
}

static void a_forged_forwarded_for_from_an_untrusted_peer_is_ignored(void **state)
{
    (void)state;
    /* Each failure claims another client: all count against the peer itself. */
    fail_many_emails("127.0.0.13", "forged", "198.51.100.%d");
    sign_in s = login_from(&api.srv, "127.0.0.13", "198.51.100.99", "fresh@demo.clinic", "pw-3xx");
    assert_throttled(&s, NULL);
}

static void the_forwarded_for_of_a_trusted_proxy_is_used(void **state)
{
    (void)state;
    /* Through the proxy, one client fails with many emails. */
    fail_many_emails(TRUSTED_PROXY, "proxied", "203.0.113.7");
    sign_in s = login_from(&api.srv, TRUSTED_PROXY, "203.0.113.7", "fresh@demo.clinic", "pw-3xx");
    assert_throttled(&s, NULL);
    /* The right-most address that is not the proxy's is the client: what the client wrote
     * to the left of it changes nothing, and the proxy's own entries are skipped. */
    s = login_from(&api.srv, TRUSTED_PROXY, "192.0.2.1, 203.0.113.7", "fresh@demo.clinic", "pw-3x");
    assert_throttled(&s, NULL);
    s = login_from(&api.srv, TRUSTED_PROXY, "203.0.113.7, " TRUSTED_PROXY, "fresh@demo.clinic",
                   "pw-3xx");
    assert_throttled(&s, NULL);
    /* Other clients of the same proxy are not held up, nor is the proxy itself. */
    s = login_from(&api.srv, TRUSTED_PROXY, "203.0.113.8", "fresh@demo.clinic", "wrong-pw-3");
    assert_wrong_password(&s);
    s = login_from(&api.srv, TRUSTED_PROXY, "203.0.113.7, 203.0.113.9", "fresh@demo.clinic",
                   "wrong-pw-3");
    assert_wrong_password(&s);
    s = login_from(&api.srv, TRUSTED_PROXY, NULL, "fresh@demo.clinic", "wrong-pw-3");
    assert_wrong_password(&s);
}

int main(void)
{
    setenv("MESODESK_LOGIN_ADDRESS_LIMIT", "6" /* ADDRESS_LIMIT */, 1);
    setenv("MESODESK_TRUSTED_PROXY", TRUSTED_PROXY, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_restart_keeps_the_throttle),
        cmocka_unit_test(two_servers_on_one_database_share_the_throttle),
        cmocka_unit_test(an_address_that_tries_many_emails_waits),
        cmocka_unit_test(a_forged_forwarded_for_from_an_untrusted_peer_is_ignored),
        cmocka_unit_test(the_forwarded_for_of_a_trusted_proxy_is_used),
    };
    return cmocka_run_group_tests_name("api.throttle", tests, api_setup, api_teardown);
}
