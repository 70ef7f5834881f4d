/* The public address of patients' links (--public-url): what is accepted, how it is
 * written, and which listen hosts no patient can open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "server/server.h"

#include <string.h>

static void public_urls_are_checked_and_normalised(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out; /* out NULL: refused */
    } cases[] = {
        {"https://clinic.example", "https://clinic.example"},
        {"https://clinic.example/", "https://clinic.example"},
        {"http://10.0.0.5:8080//", "http://10.0.0.5:8080"},
        {"https://clinic.example/mesodesk", "https://clinic.example/mesodesk"},
        {"ftp://clinic.example", NULL},
        {"clinic.example", NULL},
        {"https://", NULL},
        {"https:///path", NULL},
        {"https://clinic example", NULL},
        {"https://clinic.example/?next=x", NULL},
        {"https://clinic.example/#x", NULL},
        {"https://clinic.example/\"x", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[MD_PUBLIC_URL_MAX + 1] = "";
        int rc = md_public_url_normalize(cases[i].in, out, sizeof out);
        if (cases[i].out) {
            if (rc != 0) fail_msg("'%s' refused", cases[i].in);
            assert_string_equal(out, cases[i].out);
        } else if (rc == 0) {
            fail_msg("'%s' accepted as '%s'", cases[i].in, out);
        }
    }
    char longer[MD_PUBLIC_URL_MAX + 20], out[MD_PUBLIC_URL_MAX + 1];
    memset(longer, 'a', sizeof longer - 1);
    memcpy(longer, "https://", 8);
    longer[sizeof longer - 1] = '\0';
    assert_int_equal(md_public_url_normalize(longer, out, sizeof out), -1);
    assert_int_equal(md_public_url_normalize(NULL, out, sizeof out), -1);
}

static void loopback_and_unspecified_hosts_are_local(void **state)
{
    (void)state;
    assert_true(md_listen_host_is_local("127.0.0.1"));
    assert_true(md_listen_host_is_local("127.1.2.3"));
    assert_true(md_listen_host_is_local("0.0.0.0"));
    assert_false(md_listen_host_is_local("192.168.1.20"));
    assert_false(md_listen_host_is_local("10.127.0.1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(public_urls_are_checked_and_normalised),
        cmocka_unit_test(loopback_and_unspecified_hosts_are_local),
    };
    return cmocka_run_group_tests_name("unit.public_url", tests, NULL, NULL);
}
