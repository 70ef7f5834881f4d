/*
 * `mesodesk gen`, black-box: it generates into a fresh database, quietly when stderr is not a
 * terminal; what it made passes `mesodesk audit verify`; the same seed twice on one database
 * is refused; bad usage exits 2 and --help exits 0.  (Linked with the API support code but
 * starts no server.)
 */
#include "support.h"

#include "mesodesk/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *bin(void)
{
    const char *b = getenv("MESODESK_BIN");
    return b ? b : "build/mesodesk";
}

/* Run `mesodesk ARGS`; stdout in out, stderr in err_out; returns the exit status. */
static int run(const char *args, char *out, size_t outsz, char *err_out, size_t errsz)
{
    char cmd[2048], err_path[] = "/tmp/mesodesk-gen-err-XXXXXX";
    int fd = mkstemp(err_path);
    if (fd < 0) return -1;
    close(fd);
    snprintf(cmd, sizeof cmd, "'%s' %s 2>'%s'; echo \"exit=$?\"", bin(), args, err_path);
    FILE *p = popen(cmd, "r");
    size_t n = p ? fread(out, 1, outsz - 1, p) : 0;
    out[n] = '\0';
    if (p) pclose(p);
    FILE *e = fopen(err_path, "r");
    n = e ? fread(err_out, 1, errsz - 1, e) : 0;
    err_out[n] = '\0';
    if (e) fclose(e);
    unlink(err_path);
    char *x = strstr(out, "exit=");
    if (!x) return -1;
    int st = (int)strtol(x + 5, NULL, 10);
    *x = '\0';
    return st;
}

static void generates_and_the_trail_verifies(void **state)
{
    (void)state;
    char dir[] = "/tmp/mesodesk-gen-XXXXXX", args[1024], out[16384], errs[4096];
    assert_non_null(mkdtemp(dir));
    snprintf(args, sizeof args, "gen --db '%s/g.db' --clinics 2 --patients 300 --seed 9", dir);
    int st = run(args, out, sizeof out, errs, sizeof errs);
    if (st != 0) fail_msg("gen: exit %d: %s %s", st, out, errs);
    assert_non_null(strstr(out, "2 clinics, 12 staff, 600 patients"));
    assert_non_null(strstr(out, "Generated clinic 2 (seed 9)"));
    assert_string_equal(errs, ""); /* no progress bar when stderr is not a terminal */

    /* The key a server would have made; the CLI only verifies with it. */
    char key[600], log[600];
    md_audit_anchor *anchor = NULL;
    md_err err;
    snprintf(key, sizeof key, "%s/audit.key", dir);
    snprintf(log, sizeof log, "%s/audit-checkpoints.log", dir);
    assert_int_equal(md_audit_anchor_open(key, log, 1, &anchor, &err), MD_OK);
    md_audit_anchor_free(anchor);
    snprintf(args, sizeof args, "audit verify --db '%s/g.db'", dir);
    st = run(args, out, sizeof out, errs, sizeof errs);
    if (st != 0) fail_msg("audit verify: exit %d: %s %s", st, out, errs);
    assert_non_null(strstr(out, "\"intact\": true"));

    /* The same seed again: those clinics exist; exit 1 (a conflict) naming the seed. */
    snprintf(args, sizeof args, "gen --db '%s/g.db' --clinics 1 --patients 1 --seed 9", dir);
    st = run(args, out, sizeof out, errs, sizeof errs);
    assert_int_equal(st, md_code_exit_status(MD_ECONFLICT));
    assert_non_null(strstr(errs, "seed"));

    snprintf(args, sizeof args, "rm -rf '%s'", dir);
    assert_int_equal(system(args), 0);
}

static void usage_errors_exit_2(void **state)
{
    (void)state;
    static const char *const bad[] = {"gen --clinics 0",        "gen --patients -1",
                                      "gen --seed x",           "gen --as-of 2026-02-30",
                                      "gen --as-of 2999-01-01", "gen --batch 0",
                                      "gen --no-such-flag",     "gen extra"};
    char out[8192], errs[4096];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int st = run(bad[i], out, sizeof out, errs, sizeof errs);
        if (st != 2) fail_msg("%s: exit %d: %s %s", bad[i], st, out, errs);
    }
    assert_int_equal(run("gen --help", out, sizeof out, errs, sizeof errs), 0);
    assert_non_null(strstr(out, "usage: mesodesk gen"));
    assert_int_equal(run("--help", out, sizeof out, errs, sizeof errs), 0);
    assert_non_null(strstr(out, "gen "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generates_and_the_trail_verifies),
        cmocka_unit_test(usage_errors_exit_2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
