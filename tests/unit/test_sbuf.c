/* Unit tests: the bounded string builder (sbuf.h): exact fit, overflow all or nothing and
 * sticky, reported once at the end; the arena builder grows up to its maximum. */
#include "domain/record_int.h"
#include "mesodesk/arena.h"
#include "mesodesk/audit_query.h"
#include "mesodesk/record.h"
#include "mesodesk/sbuf.h"
#include "unit_db.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <string.h>

static void an_exact_fit_works(void **state)
{
    (void)state;
    char buf[8];
    md_sbuf b;
    md_sbuf_init(&b, buf, sizeof buf);
    md_sbuf_append(&b, "abc");
    md_sbuf_appendf(&b, "%d%s", 12, "34"); /* 7 bytes of text and the NUL: exactly 8 */
    assert_true(md_sbuf_ok(&b));
    assert_int_equal(b.len, 7);
    assert_string_equal(buf, "abc1234");
    md_err err = {0};
    assert_int_equal(md_sbuf_check(&b, "the text", &err), MD_OK);
}

static void overflow_is_all_or_nothing_sticky_and_reported(void **state)
{
    (void)state;
    char buf[8];
    md_sbuf b;
    md_sbuf_init(&b, buf, sizeof buf);
    md_sbuf_append(&b, "abcd");
    md_sbuf_appendf(&b, ", %s", "efgh"); /* 10 bytes: does not fit */
    assert_false(md_sbuf_ok(&b));
    assert_string_equal(buf, "abcd"); /* nothing of the append that did not fit */
    assert_int_equal(b.len, 4);
    md_sbuf_append(&b, "x"); /* would fit, but the error is sticky */
    md_sbuf_appendf(&b, "%c", 'y');
    assert_string_equal(buf, "abcd");
    md_err err = {0};
    assert_int_equal(md_sbuf_check(&b, "the statement", &err), MD_EINTERNAL);
    assert_int_equal(err.code, MD_EINTERNAL);
    assert_string_equal(err.field, "");
    assert_non_null(strstr(err.message, "the statement"));
    assert_non_null(strstr(err.message, "7 bytes"));

    /* One byte over, with a plain append. */
    md_sbuf_init(&b, buf, sizeof buf);
    md_sbuf_append(&b, "12345678");
    assert_int_equal(md_sbuf_check(&b, "x", &err), MD_EINTERNAL);
    assert_string_equal(buf, "");
    /* A buffer of one byte holds the empty text only. */
    char one[1];
    md_sbuf_init(&b, one, sizeof one);
    md_sbuf_append(&b, "");
    assert_true(md_sbuf_ok(&b));
    md_sbuf_append(&b, "a");
    assert_false(md_sbuf_ok(&b));
    assert_string_equal(one, "");
}

static void the_arena_builder_grows_to_its_maximum(void **state)
{
    (void)state;
    md_arena *a = md_arena_new(4096, 0);
    assert_non_null(a);
    md_sbuf b;
    md_sbuf_init_arena(&b, a, 1001);
    for (int i = 0; i < 100; i++)
        md_sbuf_appendf(&b, "%09d,", i); /* 1000 bytes in all: exactly the maximum */
    assert_true(md_sbuf_ok(&b));
    assert_int_equal(b.len, 1000);
    assert_int_equal(strlen(b.p), 1000);
    assert_memory_equal(b.p + 990, "000000099,", 10);
    md_sbuf_append(&b, "z");
    md_err err = {0};
    assert_int_equal(md_sbuf_check(&b, "the report", &err), MD_EINTERNAL);
    assert_int_equal(b.len, 1000);
    assert_int_equal(b.p[1000], '\0');
    md_arena_free(a);

    /* An exhausted arena is MD_ENOMEM, also sticky. */
    a = md_arena_new(1024, 2048);
    assert_non_null(a);
    md_sbuf_init_arena(&b, a, 1 << 20);
    char chunk[201];
    memset(chunk, 'q', 200);
    chunk[200] = '\0';
    for (int i = 0; i < 10; i++)
        md_sbuf_append(&b, chunk);
    assert_int_equal(md_sbuf_check(&b, "the report", &err), MD_ENOMEM);
    assert_true(b.len > 0 && b.len < 2000);
    assert_int_equal(strlen(b.p), b.len);
    md_arena_free(a);
}

/* The statement builders built on it give no statement rather than a cut one, and the store
 * refuses to run none. */
static void statement_builders_never_cut_a_statement(void **state)
{
    (void)state;
    char sql[2048], small[120];
    md_audit_filter f = {.patient_id = "0123456789abcdef0123456789abcdef", .action = "read"};
    const char *q = md_audit_query_sql(&f, sql, sizeof sql);
    assert_non_null(q);
    assert_non_null(strstr(q, "OFFSET $5"));
    assert_null(md_audit_query_sql(&f, small, sizeof small));
    assert_non_null(md__record_select_sql(&md_kind_patient, "clinic_id = $1", sql, sizeof sql));
    assert_null(md__record_select_sql(&md_kind_patient, "clinic_id = $1", small, sizeof small));

    unit_db u;
    unit_db_open(&u, 0);
    md_err err = {0};
    assert_int_equal(md_store_exec(u.db, NULL, NULL, 0, NULL, NULL, &err), MD_EINTERNAL);
    assert_non_null(strstr(err.message, "too long"));
    assert_int_equal(md_store_prepare(u.db, NULL, &err), MD_EINTERNAL);
    unit_db_close(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_exact_fit_works),
        cmocka_unit_test(overflow_is_all_or_nothing_sticky_and_reported),
        cmocka_unit_test(the_arena_builder_grows_to_its_maximum),
        cmocka_unit_test(statement_builders_never_cut_a_statement),
    };
    return cmocka_run_group_tests_name("unit.sbuf", tests, NULL, NULL);
}
