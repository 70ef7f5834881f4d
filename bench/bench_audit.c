/*
 * bench_audit - group-committed audit throughput, in process.
 *
 * T threads each append N audit entries through md_audit() (each call returns
 * only once its entry is durable: synchronous=FULL, WAL) against a fresh
 * SQLite file, with the writer signing checkpoints as the server's does (key
 * and checkpoint log beside the file; "unsigned" as third argument: without).
 * Prints entries per second, entries per transaction (the group-commit
 * ratio), the checkpoints taken, and the time the full verification took.
 * The file goes in $TMPDIR (default /tmp): /dev/shm takes the disk out of the figures.
 * Usage: bench_audit [THREADS] [ENTRIES_PER_THREAD] [unsigned]
 */
#include "mesodesk/audit.h"
#include "mesodesk/clinic.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct worker {
    md_ctx ctx;
    long n;
    md_code rc;
} worker;

static void *run(void *arg)
{
    worker *w = arg;
    md_err err;
    for (long i = 0; i < w->n && w->rc == MD_OK; i++) {
        md_audit_entry e = {"read", "patient", "0123456789abcdef0123456789abcdef",
                            "0123456789abcdef0123456789abcdef", NULL};
        w->rc = md_audit(&w->ctx, &e, &err);
    }
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long threads = 64, each = 500;
    if (argc > 1 && md_parse_long(argv[1], 1, 1024, &threads)) return 2;
    if (argc > 2 && md_parse_long(argv[2], 1, 10000000, &each)) return 2;
    int anchored = !(argc > 3 && strcmp(argv[3], "unsigned") == 0);
    if (md_init() != 0) return 1;
    const char *tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char dir[256], path[300], key[MD_AUDIT_PATH_MAX], log[MD_AUDIT_PATH_MAX];
    snprintf(dir, sizeof dir, "%s/mesodesk-bench-XXXXXX", tmp);
    if (!mkdtemp(dir)) return 1;
    snprintf(path, sizeof path, "%s/db.sqlite", dir);
    md_audit_default_paths(path, NULL, NULL, key, log, sizeof key);
    md_err err;
    md_store *db = NULL;
    md_auditor *a = NULL;
    char clinic[MD_ID_STR];
    if (md_store_open(path, &db, &err) || md_store_migrate(db, &err) ||
        md_clinic_create(db, "Bench", "UTC", "EU", clinic, &err) ||
        md_auditor_start_anchored(path, anchored ? key : NULL, log, &a, &err)) {
        fprintf(stderr, "bench_audit: %s\n", err.message);
        return 1;
    }
    worker *w = calloc((size_t)threads, sizeof *w);
    pthread_t *th = calloc((size_t)threads, sizeof *th);
    for (long i = 0; i < threads; i++) {
        w[i].ctx.db = db;
        w[i].ctx.auditor = a;
        w[i].ctx.who.role = MD_ROLE_PRACTITIONER;
        md_strlcpy(w[i].ctx.who.clinic_id, clinic, sizeof w[i].ctx.who.clinic_id);
        md_id_new(w[i].ctx.who.staff_id);
        md_id_new(w[i].ctx.request_id);
        w[i].n = each;
    }
    uint64_t e0, b0, e1, b1;
    md_auditor_stats(a, &e0, &b0);
    double t0 = now_s();
    for (long i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, run, &w[i]);
    int failed = 0;
    for (long i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        failed |= w[i].rc != MD_OK;
    }
    double secs = now_s() - t0;
    md_auditor_stats(a, &e1, &b1);
    md_auditor_stop(a); /* its last checkpoint */
    md_audit_anchor *k = NULL;
    json_t *r = NULL;
    double v0 = now_s();
    md_code vrc = anchored ? md_audit_anchor_open(key, log, 0, &k, &err) : MD_OK;
    if (vrc == MD_OK) vrc = md_audit_verify_report(db, clinic, k, &r, &err);
    double vsecs = now_s() - v0;
    int intact = vrc == MD_OK && json_is_true(json_object_get(r, "intact"));
    printf("audit: %ld threads x %ld entries%s: %.0f durable entries/s, %.1f entries per "
           "transaction (%llu transactions), %lld checkpoints; chain %s (%lld entries, verified "
           "in %.3f s)\n",
           threads, each, anchored ? ", signed checkpoints" : ", unsigned",
           (double)(e1 - e0) / secs, (double)(e1 - e0) / (double)(b1 - b0),
           (unsigned long long)(b1 - b0),
           (long long)json_integer_value(json_object_get(r, "checkpoints")),
           intact ? "intact" : "BROKEN",
           (long long)json_integer_value(json_object_get(r, "entries")), vsecs);
    json_decref(r);
    md_audit_anchor_free(k);
    md_store_close(db);
    free(w);
    free(th);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return failed || !intact;
}
