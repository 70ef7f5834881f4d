/*
 * test_kb_doc.c - docs/SCREENING.md's rule table matches kb/ (regenerate with
 * scripts/kb-rule-table --update).  Skipped when python3 is not installed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

static void test_rule_table_up_to_date(void **state)
{
    (void)state;
    char cmd[2048];
    const char *kb = getenv("MESODESK_KB");
    if (system("python3 -c pass >/dev/null 2>&1") != 0) skip();
    snprintf(cmd, sizeof cmd, "python3 '%s/scripts/kb-rule-table' --check --kb '%s' --doc '%s/docs/SCREENING.md'",
             MESODESK_SOURCE_DIR, kb && *kb ? kb : MESODESK_SOURCE_DIR "/kb", MESODESK_SOURCE_DIR);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_rule_table_up_to_date)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
