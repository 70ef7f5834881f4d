/*
 * pv_stats.c - the statistics of pharmacovigilance (pv.h): a rate per 1,000 sessions with
 * its exact Poisson interval, and the disproportionality of a 2x2 table of complication
 * reports (PRR, ROR, their 95% intervals, chi-squared with Yates' correction).
 *
 * Pure functions: no database, no allocation, no failure return.  Undefined figures are NAN
 * (JSON null in the reports), never a made-up continuity value:
 *   - a rate over 0 sessions: value, lo and hi NAN;
 *   - the exact interval of 0 events: lo 0, hi = chi2(0.975; 2) / 2 = -ln(0.025) = 3.6889;
 *   - PRR: a + b = 0 or c = 0 (a ratio over nothing, or over a zero rate): NAN; a = 0 (the
 *     ratio is 0, its logarithm has no interval): value 0, lo and hi NAN;
 *   - ROR: b = 0 or c = 0: NAN; a = 0 or d = 0: value (0 when a = 0), lo and hi NAN;
 *   - chi-squared: a margin of 0: NAN.
 *
 * Sources: Garwood 1936 (the exact Poisson interval: lo = chi2(alpha/2; 2k)/2, hi =
 * chi2(1 - alpha/2; 2k + 2)/2), Evans 2001 (PRR, its interval, the signal a >= 3, PRR >= 2,
 * chi2 >= 4), Rothman 2004 (ROR and Woolf's interval).
 *
 * The chi-squared quantile is the gamma quantile (chi2(p; 2k) / 2 = Gamma^-1(p; k)), found
 * by bisection on the regularised lower incomplete gamma function P(k, x) (a series below
 * x < k + 1, a continued fraction above, both to double precision).
 */
#include "mesodesk/pv.h"

#include <math.h>

#define Z95 1.959963984540054 /* the standard normal's 0.975 quantile */
#define GAMMA_EPS 1e-15
#define GAMMA_ITER 100000

/* P(a, x), the regularised lower incomplete gamma function, a > 0, x >= 0. */
static double gamma_p(double a, double x)
{
    if (x <= 0) return 0;
    double lead = a * log(x) - x - lgamma(a);
    if (x < a + 1) {
        /* Series: P = e^-x x^a / Gamma(a+1) * sum x^n / ((a+1)...(a+n)). */
        double term = 1 / a, sum = term;
        for (int n = 1; n < GAMMA_ITER; n++) {
            term *= x / (a + n);
            sum += term;
            if (fabs(term) < fabs(sum) * GAMMA_EPS) break;
        }
        return sum * exp(lead);
    }
    /* Continued fraction for Q = 1 - P (modified Lentz). */
    double tiny = 1e-300, b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
    for (int n = 1; n < GAMMA_ITER; n++) {
        double an = -n * (n - a);
        b += 2;
        d = an * d + b;
        if (fabs(d) < tiny) d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        double delta = d * c;
        h *= delta;
        if (fabs(delta - 1) < GAMMA_EPS) break;
    }
    return 1 - exp(lead) * h;
}

/* x with P(a, x) = p (0 < p < 1, a > 0): bisection, to the precision of a double. */
static double gamma_quantile(double a, double p)
{
    double lo = 0, hi = a + 10 * sqrt(a) + 10;
    while (gamma_p(a, hi) < p)
        hi *= 2;
    for (int i = 0; i < 200 && hi - lo > 1e-14 * hi; i++) {
        double mid = (lo + hi) / 2;
        if (gamma_p(a, mid) < p)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

md_interval md_pv_rate_per_1000(long events, long sessions)
{
    md_interval r = {NAN, NAN, NAN};
    if (sessions <= 0 || events < 0) return r;
    double per = 1000.0 / (double)sessions;
    r.value = (double)events * per;
    /* Garwood: lo = chi2(0.025; 2k)/2 = Gamma^-1(0.025; k) (0 for k = 0), hi =
     * chi2(0.975; 2k+2)/2 = Gamma^-1(0.975; k+1). */
    r.lo = events == 0 ? 0 : gamma_quantile((double)events, 0.025) * per;
    r.hi = gamma_quantile((double)events + 1, 0.975) * per;
    return r;
}

/* exp(ln v +- Z95 se) into *r (value v > 0 and se finite), else lo, hi NAN. */
static void log_interval(md_interval *r, double se)
{
    if (!(r->value > 0) || !isfinite(r->value) || !isfinite(se)) {
        r->lo = r->hi = NAN;
        return;
    }
    r->lo = exp(log(r->value) - Z95 * se);
    r->hi = exp(log(r->value) + Z95 * se);
}

md_pv_2x2 md_pv_disproportionality(long a, long b, long c, long d)
{
    md_pv_2x2 t = {.prr = {NAN, NAN, NAN}, .ror = {NAN, NAN, NAN}, .chi2 = NAN};
    if (a < 0 || b < 0 || c < 0 || d < 0) return t;
    double A = (double)a, B = (double)b, C = (double)c, D = (double)d;

    /* PRR = (a/(a+b)) / (c/(c+d)); se(ln PRR) = sqrt(1/a - 1/(a+b) + 1/c - 1/(c+d)). */
    if (a + b > 0 && c > 0) {
        t.prr.value = (A / (A + B)) / (C / (C + D));
        if (a > 0) log_interval(&t.prr, sqrt(1 / A - 1 / (A + B) + 1 / C - 1 / (C + D)));
    }
    /* ROR = ad / bc; se(ln ROR) = sqrt(1/a + 1/b + 1/c + 1/d). */
    if (b > 0 && c > 0) {
        t.ror.value = (A * D) / (B * C);
        if (a > 0 && d > 0) log_interval(&t.ror, sqrt(1 / A + 1 / B + 1 / C + 1 / D));
    }
    /* Yates: N (max(0, |ad - bc| - N/2))^2 / ((a+b)(c+d)(a+c)(b+d)); the max(0, ...) is
     * the correction never moving a cell past its expected count. */
    double n = A + B + C + D, margins = (A + B) * (C + D) * (A + C) * (B + D);
    if (margins > 0) {
        double dev = fabs(A * D - B * C) - n / 2;
        if (dev < 0) dev = 0;
        t.chi2 = n * dev * dev / margins;
    }
    t.signal_prr = a >= 3 && t.prr.value >= 2 && t.chi2 >= 4;
    t.signal_ror = a >= 3 && t.ror.lo > 1;
    return t;
}
