/*
 * test_pv_stats.c - pv_stats.c: the rate per 1,000 sessions with its exact Poisson interval,
 * PRR and ROR with their 95% intervals, chi-squared with Yates' correction and the signal
 * thresholds, on fixed tables:
 *   - against figures computed by hand (the arithmetic is in the comments);
 *   - against a third-party statistics package run at test time: Debian's python3-scipy
 *     (scripts/install-deps installs it) - scipy.stats.contingency.relative_risk (the PRR
 *     and its Katz log interval), odds_ratio(kind="sample") (the ROR and Woolf's
 *     interval), chi2_contingency(correction=True) (Yates) and scipy.stats.chi2.ppf (the
 *     Garwood interval).  Its figures were also written down once, 2026-12-01, scipy 1.10.1:
 *       /usr/bin/python3 -c 'from scipy.stats.contingency import relative_risk as r;
 *         c = r(12, 50, 40, 950).confidence_interval(); print(c.low, c.high)'
 *       -> 3.1944917170004756 10.170632099965832
 *   - the zero cells, a = 0, and the exact Poisson interval at 0 and small counts.
 */
#include "mesodesk/pv.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

/* |got - want| within rel relative (or 1e-12 absolute near 0). */
static void near(double got, double want, double rel)
{
    double tol = fabs(want) * rel;
    if (tol < 1e-12) tol = 1e-12;
    if (!(fabs(got - want) <= tol)) {
        fprintf(stderr, "got %.17g, want %.17g (rel %g)\n", got, want, rel);
        fail();
    }
}

/*
 * The fixed table: 1,000 complication reports.
 *                   this code   other codes
 *   this lot           a = 12      b = 38      (50 reports name the lot)
 *   other lots         c = 40      d = 910     (950)
 *                          52          948     N = 1000
 *
 * PRR = (12/50) / (40/950) = 0.24 / 0.042105263 = 5.7
 * se(ln PRR) = sqrt(1/12 - 1/50 + 1/40 - 1/950)
 *            = sqrt(0.083333333 - 0.02 + 0.025 - 0.001052632) = sqrt(0.087280702) = 0.29543307
 * 1.959964 * 0.29543307 = 0.57903819; e^-0.57903819 = 0.56043715, e^0.57903819 = 1.78432141
 * PRR 95%: 5.7 * 0.56043715 = 3.1944917 .. 5.7 * 1.78432141 = 10.170632
 *
 * ROR = (12 * 910) / (38 * 40) = 10920 / 1520 = 7.1842105
 * se(ln ROR) = sqrt(1/12 + 1/38 + 1/40 + 1/910)
 *            = sqrt(0.083333333 + 0.026315789 + 0.025 + 0.001098901) = sqrt(0.13574802) =
 * 0.36843999 1.959964 * 0.36843999 = 0.72212910; e^-0.72212910 = 0.48571702, e^0.72212910
 * = 2.05881192 ROR 95%: 7.1842105 * 0.48571702 = 3.4894933 .. 7.1842105 * 2.0588119 = 14.790939
 *
 * chi2 (Yates) = N (|ad - bc| - N/2)^2 / ((a+b)(c+d)(a+c)(b+d))
 *              = 1000 (|10920 - 1520| - 500)^2 / (50 * 950 * 52 * 948)
 *              = 1000 * 8900^2 / 2,341,560,000 = 79,210,000,000 / 2,341,560,000 = 33.827875
 * Signals: a = 12 >= 3, PRR 5.7 >= 2, chi2 33.8 >= 4: PRR signal; ROR's lower bound 3.49 > 1:
 * ROR signal.
 */
static void prr_ror_chi2_of_the_fixed_table_match_the_hand_figures(void **state)
{
    (void)state;
    md_pv_2x2 t = md_pv_disproportionality(12, 38, 40, 910);
    near(t.prr.value, 5.7, 1e-12);
    near(t.prr.lo, 3.1944917, 1e-7);
    near(t.prr.hi, 10.170632, 1e-7);
    near(t.ror.value, 10920.0 / 1520.0, 1e-12);
    near(t.ror.lo, 3.4894933, 1e-7);
    near(t.ror.hi, 14.790939, 1e-7);
    near(t.chi2, 79210000000.0 / 2341560000.0, 1e-12);
    assert_true(t.signal_prr);
    assert_true(t.signal_ror);
}

/*
 * a = 1, b = 50, c = 30, d = 900 (N = 981): no signal.
 * PRR = (1/51) / (30/930) = 0.019607843 / 0.032258065 = 0.60784314
 * ROR = 900 / 1500 = 0.6
 * chi2 = 981 (|900 - 1500| - 490.5)^2 / (51 * 930 * 31 * 950) = 981 * 109.5^2 / 1,396,813,500
 *      = 11,762,435.25 / 1,396,813,500 = 0.0084209060
 */
static void a_table_without_signal_is_not_flagged(void **state)
{
    (void)state;
    md_pv_2x2 t = md_pv_disproportionality(1, 50, 30, 900);
    near(t.prr.value, (1.0 / 51) / (30.0 / 930), 1e-12);
    near(t.ror.value, 0.6, 1e-12);
    near(t.chi2, 11762435.25 / 1396813500.0, 1e-12);
    assert_false(t.signal_prr);
    assert_false(t.signal_ror);
}

/* The thresholds need a >= 3: a = 2 with a huge PRR and chi2 is no signal; a = 3 is. */
static void the_thresholds_need_three_cases(void **state)
{
    (void)state;
    md_pv_2x2 t = md_pv_disproportionality(2, 0, 1, 1000);
    assert_true(t.chi2 >= 4);
    assert_false(t.signal_prr);
    assert_false(t.signal_ror);
    /* a = 3, b = 5, c = 20, d = 400: PRR = (3/8)/(20/420) = 0.375/0.047619 = 7.875;
     * chi2 = 428 (|1200 - 100| - 214)^2 / (8 * 420 * 23 * 405) = 428 * 886^2 / 31,298,400
     *      = 335,978,288 / 31,298,400 = 10.734679;  ROR = 1200/100 = 12, lower bound 2.677. */
    t = md_pv_disproportionality(3, 5, 20, 400);
    near(t.prr.value, 7.875, 1e-12);
    near(t.chi2, 335978288.0 / 31298400.0, 1e-12);
    near(t.ror.value, 12, 1e-12);
    assert_true(t.signal_prr);
    assert_true(t.signal_ror);
    /* PRR >= 2 and a >= 3 but chi2 < 4: a = 3, b = 30, c = 10, d = 300 (N 343):
     * PRR = (3/33)/(10/310) = 2.8181818; chi2 = 343 (|900 - 300| - 171.5)^2 / (33 310 13 330)
     *     = 343 * 428.5^2 / 43,886,700 = 62,979,001.75 / 43,886,700 = 1.4350 < 4. */
    t = md_pv_disproportionality(3, 30, 10, 300);
    near(t.prr.value, (3.0 / 33) / (10.0 / 310), 1e-12);
    near(t.chi2, 62979001.75 / 43886700.0, 1e-12);
    assert_false(t.signal_prr);
}

/* Zero cells: never a made-up continuity value. */
static void zero_cells_leave_the_ratio_or_its_interval_undefined(void **state)
{
    (void)state;
    /* a = 0: PRR and ROR are 0, their logarithms (and so the intervals) undefined; chi2 =
     * 330 (|0 - 200| - 165)^2 / (10 * 320 * 20 * 310) = 330 * 35^2 / 19,840,000 = 0.0203755. */
    md_pv_2x2 t = md_pv_disproportionality(0, 10, 20, 300);
    near(t.prr.value, 0, 0);
    assert_true(isnan(t.prr.lo) && isnan(t.prr.hi));
    near(t.ror.value, 0, 0);
    assert_true(isnan(t.ror.lo) && isnan(t.ror.hi));
    near(t.chi2, 330.0 * 35 * 35 / 19840000.0, 1e-12);
    assert_false(t.signal_prr || t.signal_ror);
    /* b = 0: ROR divides by 0 (NAN), the PRR is defined: (5/5)/(10/110) = 11. */
    t = md_pv_disproportionality(5, 0, 10, 100);
    assert_true(isnan(t.ror.value) && isnan(t.ror.lo) && isnan(t.ror.hi));
    near(t.prr.value, 11, 1e-12);
    assert_true(isfinite(t.prr.lo) && isfinite(t.prr.hi));
    assert_false(t.signal_ror);
    /* c = 0: the other lots have no report of the code: PRR and ROR undefined. */
    t = md_pv_disproportionality(4, 6, 0, 90);
    assert_true(isnan(t.prr.value) && isnan(t.prr.lo));
    assert_true(isnan(t.ror.value) && isnan(t.ror.lo));
    assert_false(t.signal_prr || t.signal_ror);
    /* d = 0: ROR is 0 (ad = 0), no interval. */
    t = md_pv_disproportionality(3, 2, 4, 0);
    near(t.ror.value, 0, 0);
    assert_true(isnan(t.ror.lo));
    /* An empty table: every figure undefined, chi2 too (its margins are 0). */
    t = md_pv_disproportionality(0, 0, 0, 0);
    assert_true(isnan(t.prr.value) && isnan(t.ror.value) && isnan(t.chi2));
    /* Below the correction: |ad - bc| <= N/2 gives 0 (1,1,1,1: ad - bc = 0). */
    t = md_pv_disproportionality(1, 1, 1, 1);
    near(t.chi2, 0, 0);
}

/*
 * Garwood's exact interval, lo = chi2(0.025; 2k)/2, hi = chi2(0.975; 2k+2)/2:
 *   k = 0: lo = 0, hi = -ln(0.025) = 3.6888795 (chi2 with 2 degrees of freedom is
 *          exponential: P(X <= x) = 1 - e^(-x/2), so x/2 = -ln 0.025);
 *   k = 1: lo = -ln(0.975) = 0.025317808 (same reason); hi = 5.5716434;
 *   k = 2: 0.24220928 .. 7.2246877;  k = 3: 0.61867212 .. 8.7672731;
 *   k = 10: 4.7953887 .. 18.390356;  k = 1000: 938.97302 .. 1063.9521 (scipy, above).
 * Per 1,000 sessions: k events over n sessions scale by 1000/n.
 */
static void the_exact_poisson_interval_at_zero_and_small_counts(void **state)
{
    (void)state;
    md_interval r = md_pv_rate_per_1000(0, 1000);
    near(r.value, 0, 0);
    near(r.lo, 0, 0);
    near(r.hi, -log(0.025), 1e-9);
    r = md_pv_rate_per_1000(1, 1000);
    near(r.value, 1, 1e-12);
    near(r.lo, -log(0.975), 1e-9);
    near(r.hi, 5.571643390938898, 1e-9);
    r = md_pv_rate_per_1000(2, 1000);
    near(r.lo, 0.24220927854396496, 1e-9);
    near(r.hi, 7.22468766772396, 1e-9);
    r = md_pv_rate_per_1000(3, 500); /* 6 per 1,000; the interval doubles */
    near(r.value, 6, 1e-12);
    near(r.lo, 2 * 0.6186721228956014, 1e-9);
    near(r.hi, 2 * 8.767273069742323, 1e-9);
    r = md_pv_rate_per_1000(10, 1000);
    near(r.lo, 4.7953886961324335, 1e-9);
    near(r.hi, 18.39035604201778, 1e-9);
    r = md_pv_rate_per_1000(1000, 5000000); /* 0.2 per 1,000 */
    near(r.value, 0.2, 1e-12);
    near(r.lo, 938.9730184076952 / 5000, 1e-9);
    near(r.hi, 1063.952136016302 / 5000, 1e-9);
    /* No sessions: nothing to divide by. */
    r = md_pv_rate_per_1000(0, 0);
    assert_true(isnan(r.value) && isnan(r.lo) && isnan(r.hi));
}

/* ---- against scipy, at test time ---- */

static const long tables[][4] = {
    {12, 38, 40, 910},       {3, 5, 20, 400},  {1, 50, 30, 900}, {7, 93, 41, 9859},
    {250, 1750, 900, 97100}, {3, 30, 10, 300}, {40, 2, 3, 50},
};
static const long counts[] = {0, 1, 2, 3, 4, 7, 10, 25, 100, 1000, 100000};

static const char scipy_script[] =
    "import sys\n"
    "from scipy.stats import chi2\n"
    "from scipy.stats.contingency import relative_risk, odds_ratio, chi2_contingency\n"
    "args = [int(x) for x in sys.argv[1:]]\n"
    "nt = args[0]\n"
    "for i in range(nt):\n"
    "    a, b, c, d = args[1 + 4 * i: 5 + 4 * i]\n"
    "    r = relative_risk(a, a + b, c, c + d); rc = r.confidence_interval(0.95)\n"
    "    o = odds_ratio([[a, b], [c, d]], kind='sample'); oc = o.confidence_interval(0.95)\n"
    "    x = chi2_contingency([[a, b], [c, d]], correction=True)[0]\n"
    "    print('%.17g %.17g %.17g %.17g %.17g %.17g %.17g' % (r.relative_risk, rc.low,\n"
    "          rc.high, o.statistic, oc.low, oc.high, x))\n"
    "for k in args[1 + 4 * nt:]:\n"
    "    lo = chi2.ppf(0.025, 2 * k) / 2 if k else 0.0\n"
    "    print('%.17g %.17g' % (lo, chi2.ppf(0.975, 2 * k + 2) / 2))\n";

static void prr_ror_chi2_and_poisson_match_scipy(void **state)
{
    (void)state;
    size_t nt = sizeof tables / sizeof tables[0], nk = sizeof counts / sizeof counts[0];
    char script[] = "/tmp/md_pv_scipy_XXXXXX";
    int fd = mkstemp(script);
    assert_true(fd >= 0);
    FILE *sf = fdopen(fd, "w");
    assert_non_null(sf);
    fputs(scipy_script, sf);
    fclose(sf);
    char cmd[2048];
    int off = snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %zu", script, nt);
    for (size_t i = 0; i < nt; i++)
        off += snprintf(cmd + off, sizeof cmd - (size_t)off, " %ld %ld %ld %ld", tables[i][0],
                        tables[i][1], tables[i][2], tables[i][3]);
    for (size_t i = 0; i < nk; i++)
        off += snprintf(cmd + off, sizeof cmd - (size_t)off, " %ld", counts[i]);
    assert_true(off < (int)sizeof cmd);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t rows = 0;
    for (size_t i = 0; i < nt; i++) {
        double v[7];
        if (fscanf(p, "%lf %lf %lf %lf %lf %lf %lf", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                   &v[6]) != 7)
            break;
        md_pv_2x2 t =
            md_pv_disproportionality(tables[i][0], tables[i][1], tables[i][2], tables[i][3]);
        near(t.prr.value, v[0], 1e-12);
        near(t.prr.lo, v[1], 1e-10);
        near(t.prr.hi, v[2], 1e-10);
        near(t.ror.value, v[3], 1e-12);
        near(t.ror.lo, v[4], 1e-10);
        near(t.ror.hi, v[5], 1e-10);
        near(t.chi2, v[6], 1e-10);
        rows++;
    }
    for (size_t i = 0; i < nk && rows == nt + i; i++) {
        double lo, hi;
        if (fscanf(p, "%lf %lf", &lo, &hi) != 2) break;
        md_interval r = md_pv_rate_per_1000(counts[i], 1000);
        near(r.lo, lo, 1e-10);
        near(r.hi, hi, 1e-10);
        rows++;
    }
    int st = pclose(p);
    unlink(script);
    if (st != 0 || rows != nt + nk) {
        fprintf(stderr,
                "python3-scipy did not answer (scripts/install-deps installs it): "
                "status %d, %zu of %zu rows\n",
                st, rows, nt + nk);
        fail();
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prr_ror_chi2_of_the_fixed_table_match_the_hand_figures),
        cmocka_unit_test(a_table_without_signal_is_not_flagged),
        cmocka_unit_test(the_thresholds_need_three_cases),
        cmocka_unit_test(zero_cells_leave_the_ratio_or_its_interval_undefined),
        cmocka_unit_test(the_exact_poisson_interval_at_zero_and_small_counts),
        cmocka_unit_test(prr_ror_chi2_and_poisson_match_scipy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
