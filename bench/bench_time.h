/*
 * bench_time.h - the clocks and the summary line the C benchmarks share: wall time, the
 * process's CPU time (every thread), and a median/p99/max report of n timings (sorted in
 * place).  Header only; each function is static inline.
 */
#ifndef MESODESK_BENCH_TIME_H
#define MESODESK_BENCH_TIME_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double bench_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* CPU time of the whole process (the audit writer's thread too), in ms: steadier than the
 * wall clock on shared cores. */
static inline double bench_cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Print "what median .. p99 .. max .. CPU .. a run (n runs)" for the n timings t (sorted
 * here), the CPU per run since *cpu_start (reset to now); returns the median. */
static inline double bench_report(const char *what, double *t, long n, double *cpu_start)
{
    double cpu = (bench_cpu_ms() - *cpu_start) / (double)n;
    qsort(t, (size_t)n, sizeof *t, bench_cmp_double);
    printf("%-10s median %.3f ms  p99 %.3f ms  max %.3f ms  CPU %.3f ms a run  (%ld runs)\n",
           what, t[n / 2], t[(long)((double)n * 0.99)], t[n - 1], cpu, n);
    *cpu_start = bench_cpu_ms();
    return t[n / 2];
}

#endif
