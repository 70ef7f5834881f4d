/*
 * bench_screen.c - screenings per second of a typical patient (10 facts,
 * 3 planned ingredients) against the full shipped kb, in process, one core.
 *
 * The input is parsed and resolved once (as the API does per request); the
 * loop measures md_screen_evaluate() with an arena reset per screening.  Heap
 * use is checked two ways: the arena's block count must not change across the
 * timed loop, and a malloc counter (glibc __libc_malloc wrapper) must stay at
 * zero for the loop.  Exit 1 if either check fails.
 *
 * usage: bench_screen [ITERATIONS] [--kb DIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mesodesk/kb.h"
#include "mesodesk/screen.h"

/* Count heap allocations by interposing malloc/calloc/realloc (glibc); not
 * under AddressSanitizer, which owns malloc there (the arena check remains). */
#if defined(__SANITIZE_ADDRESS__)
#define BENCH_NO_MALLOC_HOOK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BENCH_NO_MALLOC_HOOK 1
#endif
#endif
static unsigned long heap_allocs;
#ifndef BENCH_NO_MALLOC_HOOK
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
void *malloc(size_t n)
{
    heap_allocs++;
    return __libc_malloc(n);
}
void *calloc(size_t n, size_t m)
{
    heap_allocs++;
    return __libc_calloc(n, m);
}
void *realloc(void *p, size_t n)
{
    heap_allocs++;
    return __libc_realloc(p, n);
}
#endif

static const char typical[] =
    "{\"date\":\"2026-11-21\",\"jurisdiction\":\"EU\",\"patient\":{\"birth_date\":\"1988-04-02\","
    "\"sex\":\"female\",\"pregnant\":false,\"breastfeeding\":false,\"fitzpatrick\":4,"
    "\"conditions\":[{\"code\":\"eczema\",\"active\":true,\"site\":\"hands\"},"
    "{\"code\":\"acne\",\"active\":false,\"site\":\"cheeks\"},{\"code\":\"diabetes\"}],"
    "\"medications\":[{\"code\":\"ibuprofen\",\"last_dose\":\"2026-11-10\"},{\"code\":\"fish oil\","
    "\"last_dose\":\"2026-11-01\"}],\"allergies\":[{\"substance\":\"penicillin\"}]},"
    "\"plan\":{\"areas\":[\"cheeks\",\"forehead\"],"
    "\"ingredients\":[\"hyaluronic_acid\",\"vitamin_c\",\"lidocaine\"]},"
    "\"clearances\":[{\"rule\":\"diabetes_cardiac_clearance\",\"valid_until\":\"2027-01-01\"}]}";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long iterations = 5000000;
    const char *kb_arg = NULL;
    char dir[4096];
    md_kb *kb = NULL;
    md_arena *a = NULL, *req = NULL;
    json_t *j = NULL;
    md_screen_input *in = NULL;
    md_screen_result res;
    md_err e;
    int status = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--kb") == 0 && i + 1 < argc) kb_arg = argv[++i];
        else iterations = strtol(argv[i], NULL, 10);
    }
    if (iterations <= 0) iterations = 5000000;
    if (md_kb_locate(kb_arg, MESODESK_SOURCE_DIR "/kb", dir, sizeof dir, &e) || md_kb_load(dir, &kb, &e)) {
        fprintf(stderr, "bench_screen: %s\n", e.message);
        goto cleanup;
    }
    const md_ruleset *rs = md_kb_ruleset(kb);
    req = md_arena_new(16 * 1024, 0);
    a = md_arena_new(4 * 1024, 0);
    if (!req || !a || !(j = json_loads(typical, 0, NULL)) ||
        md_screen_input_from_json(rs, j, req, &in, &e) != MD_OK) {
        fprintf(stderr, "bench_screen: setup failed: %s\n", e.message);
        goto cleanup;
    }
    size_t facts = 4 + in->n_conditions + in->n_medications + in->n_allergies;
    /* warm-up: the arena grows to its working size */
    for (int i = 0; i < 1000; i++) {
        md_arena_reset(a);
        if (md_screen_evaluate(rs, in, a, &res, &e) != MD_OK) goto cleanup;
    }
    size_t blocks_before = md_arena_blocks_allocated(a);
    unsigned long allocs_before = heap_allocs;
    unsigned long decisions = 0;
    double t0 = now_s();
    for (long i = 0; i < iterations; i++) {
        md_arena_reset(a);
        if (md_screen_evaluate(rs, in, a, &res, &e) != MD_OK) goto cleanup;
        decisions += (unsigned long)res.decision + res.n_findings;
    }
    double dt = now_s() - t0;
    unsigned long allocs = heap_allocs - allocs_before;
    size_t blocks = md_arena_blocks_allocated(a) - blocks_before;
    printf("kb %s (%.12s), %zu rules; input: %zu facts, %zu planned ingredients; decision %s, %zu findings\n",
           md_kb_version(kb), md_kb_hash(kb), md_ruleset_count(rs), facts, in->n_ingredients,
           md_class_name(res.decision), res.n_findings);
    printf("%ld screenings in %.3f s: %.0f screenings/s (%.1f ns each; checksum %lu)\n", iterations, dt,
           (double)iterations / dt, dt * 1e9 / (double)iterations, decisions);
    printf("heap allocations in the timed loop: %lu; arena blocks allocated in the loop: %zu\n", allocs, blocks);
    status = allocs == 0 && blocks == 0 ? 0 : 1;
    if (status) fprintf(stderr, "bench_screen: the screening loop allocated from the heap\n");
cleanup:
    json_decref(j);
    md_arena_free(a);
    md_arena_free(req);
    md_kb_free(kb);
    return status;
}
