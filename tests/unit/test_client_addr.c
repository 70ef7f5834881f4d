/*
 * Unit tests: the client's address (src/server/client_addr.c) - the trusted proxy list,
 * and the walk of X-Forwarded-For from the right.
 */
#include "server/server.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

static md_trusted_proxies proxies(const char *list)
{
    md_trusted_proxies t;
    md_err err;
    assert_int_equal(md_trusted_proxies_parse(list, &t, &err), MD_OK);
    return t;
}

/* The client for peer and up to three X-Forwarded-For headers (NULL-terminated). */
static const char *pick(const md_trusted_proxies *t, const char *peer, const char *h1,
                        const char *h2, const char *h3)
{
    static char out[MD_ADDR_STR];
    const char *xff[] = {h1, h2, h3};
    int n = !h1 ? 0 : !h2 ? 1 : !h3 ? 2 : 3;
    md_client_addr_pick(peer, xff, n, t, out);
    return out;
}

static void the_trusted_list_is_parsed_and_checked(void **state)
{
    (void)state;
    md_err err;
    md_trusted_proxies t = proxies("10.0.0.2, 10.0.0.3,::ffff:10.0.0.4,2001:DB8::1");
    assert_int_equal(t.n, 4);
    assert_string_equal(t.addr[2], "10.0.0.4"); /* an IPv4-mapped address is IPv4 */
    assert_string_equal(t.addr[3], "2001:db8::1");
    assert_int_equal(proxies(NULL).n, 0);
    assert_int_equal(proxies("").n, 0);
    assert_int_equal(md_trusted_proxies_parse("10.0.0.0/8", &t, &err), MD_EINVAL);
    assert_string_equal(err.field, "trusted_proxy");
    assert_int_equal(md_trusted_proxies_parse("proxy.example", &t, &err), MD_EINVAL);
    char many[512] = "";
    for (int i = 0; i <= MD_TRUSTED_PROXIES_MAX; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "10.0.0.%d,", i + 1);
    assert_int_equal(md_trusted_proxies_parse(many, &t, &err), MD_EINVAL);
}

static void an_untrusted_peer_is_the_client_whatever_it_claims(void **state)
{
    (void)state;
    md_trusted_proxies none = proxies(NULL), t = proxies("10.0.0.2");
    assert_string_equal(pick(&none, "192.0.2.5", "198.51.100.1", NULL, NULL), "192.0.2.5");
    assert_string_equal(pick(&t, "192.0.2.5", "198.51.100.1", NULL, NULL), "192.0.2.5");
    assert_string_equal(pick(&t, "192.0.2.5", NULL, NULL, NULL), "192.0.2.5");
}

static void a_trusted_peer_gives_the_right_most_untrusted_address(void **state)
{
    (void)state;
    md_trusted_proxies t = proxies("10.0.0.2,10.0.0.3");
    assert_string_equal(pick(&t, "10.0.0.2", "198.51.100.1", NULL, NULL), "198.51.100.1");
    /* What the client wrote at the left is not believed. */
    assert_string_equal(pick(&t, "10.0.0.2", "203.0.113.9, 198.51.100.1", NULL, NULL),
                        "198.51.100.1");
    /* Proxies of the chain are skipped, within a header and across headers. */
    assert_string_equal(pick(&t, "10.0.0.2", "203.0.113.9, 198.51.100.1 ,10.0.0.3", NULL, NULL),
                        "198.51.100.1");
    assert_string_equal(pick(&t, "10.0.0.2", "203.0.113.9, 198.51.100.1", "10.0.0.3", NULL),
                        "198.51.100.1");
    assert_string_equal(pick(&t, "10.0.0.2", "203.0.113.9", "198.51.100.1,", "10.0.0.3"),
                        "198.51.100.1");
    /* Every address trusted: the left-most; none given: the proxy itself. */
    assert_string_equal(pick(&t, "10.0.0.2", "10.0.0.3", NULL, NULL), "10.0.0.3");
    assert_string_equal(pick(&t, "10.0.0.2", "", NULL, NULL), "10.0.0.2");
    assert_string_equal(pick(&t, "10.0.0.2", NULL, NULL, NULL), "10.0.0.2");
    /* IPv6, in canonical text; an IPv4-mapped one as IPv4. */
    assert_string_equal(pick(&t, "10.0.0.2", "2001:DB8:0::7", NULL, NULL), "2001:db8::7");
    assert_string_equal(pick(&t, "10.0.0.2", "::ffff:198.51.100.2", NULL, NULL), "198.51.100.2");
}

static void an_entry_that_is_no_address_stops_at_its_sender(void **state)
{
    (void)state;
    md_trusted_proxies t = proxies("10.0.0.2,10.0.0.3");
    assert_string_equal(pick(&t, "10.0.0.2", "198.51.100.1, unknown", NULL, NULL), "10.0.0.2");
    assert_string_equal(pick(&t, "10.0.0.2", "198.51.100.1:4711", NULL, NULL), "10.0.0.2");
    assert_string_equal(pick(&t, "10.0.0.2", "junk, 10.0.0.3", NULL, NULL), "10.0.0.3");
    char long_entry[200];
    memset(long_entry, '1', sizeof long_entry - 1);
    long_entry[sizeof long_entry - 1] = '\0';
    assert_string_equal(pick(&t, "10.0.0.2", long_entry, NULL, NULL), "10.0.0.2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_trusted_list_is_parsed_and_checked),
        cmocka_unit_test(an_untrusted_peer_is_the_client_whatever_it_claims),
        cmocka_unit_test(a_trusted_peer_gives_the_right_most_untrusted_address),
        cmocka_unit_test(an_entry_that_is_no_address_stops_at_its_sender),
    };
    return cmocka_run_group_tests_name("unit.client_addr", tests, NULL, NULL);
}
