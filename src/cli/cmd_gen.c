/*
 * cmd_gen.c - mesodesk gen: generated clinics, staff and patients (the generator is
 * src/domain/gen.c; this file parses flags and shows progress).
 * Exit status: 0 done, 1 runtime failure, 2 bad usage or input.
 */
#include "cli.h"

#include "mesodesk/gen.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: mesodesk gen [--clinics N] [--patients N] [--seed S] [--db URI]\n"
            "                    [--as-of YYYY-MM-DD] [--batch N] [--validate-every N]\n"
            "                    [--schedule] [--schedule-days N]\n\n"
            "Create N clinics (\"Generated clinic K (seed S)\"), each with an admin, two\n"
            "practitioners, a receptionist and an auditor, and --patients patients each with\n"
            "allergies, conditions, medications, pregnancy/breastfeeding answers and \"no known\n"
            "allergies\" statements drawn from the kb.  The same seed and as-of day give the\n"
            "same patient and fact rows.  Defaults: 1 clinic, 100 patients, seed 1, as of today,\n"
            "batches of 20000 patients per transaction, every 1000th patient re-validated by\n"
            "the record engine (1: all).  Staff passwords: $MESODESK_GEN_PASSWORD, else random\n"
            "and not shown (set one with 'mesodesk user').  A progress bar goes to a terminal.\n"
            "--schedule adds to each clinic 50 practitioners with licences, 20 rooms, hours,\n"
            "availability, appointments over --schedule-days (730) of history and the next 28\n"
            "days, and screenings of the patients booked in the next 7 days.\n");
}

typedef struct bar {
    int tty;
    struct timespec t0;
} bar;

static double elapsed(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void progress(void *arg, long done, long total)
{
    bar *b = arg;
    if (!b->tty || total <= 0) return;
    int width = 40, full = (int)((double)done / (double)total * width);
    char line[64];
    for (int i = 0; i < width; i++)
        line[i] = i < full ? '#' : '.';
    line[width] = '\0';
    double s = elapsed(&b->t0);
    fprintf(stderr, "\r[%s] %ld/%ld patients, %.0f/s", line, done, total,
            s > 0 ? (double)done / s : 0.0);
    if (done >= total) fputc('\n', stderr);
    fflush(stderr);
}

static int parse_count(const char *flag, const char *s, long min, long max, long *out)
{
    if (md_parse_long(s, min, max, out) == 0) return 0;
    fprintf(stderr, "mesodesk gen: %s must be a whole number from %ld to %ld\n", flag, min, max);
    return 2;
}

int cmd_gen(int argc, char **argv)
{
    static const struct option opts[] = {{"clinics", required_argument, 0, 'c'},
                                         {"patients", required_argument, 0, 'p'},
                                         {"seed", required_argument, 0, 's'},
                                         {"db", required_argument, 0, 'd'},
                                         {"as-of", required_argument, 0, 'a'},
                                         {"batch", required_argument, 0, 'b'},
                                         {"validate-every", required_argument, 0, 'v'},
                                         {"schedule", no_argument, 0, 'S'},
                                         {"schedule-days", required_argument, 0, 'D'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    md_gen_options o = {1, 100, 1, md_today_utc(), 0, 1000, NULL, NULL, NULL, 0};
    const char *db = NULL;
    long n, schedule_days = 0, schedule_rows = 0;
    int schedule = 0;
    int c, st = 0;
    optind = 1;
    while (st == 0 && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            st = parse_count("--clinics", optarg, 1, MD_GEN_MAX_CLINICS, &n);
            o.clinics = (int)n;
            break;
        case 'p':
            st = parse_count("--patients", optarg, 0, MD_GEN_MAX_PATIENTS, &o.patients);
            break;
        case 's':
            st = parse_count("--seed", optarg, 0, 1L << 62, &n);
            o.seed = (uint64_t)n;
            break;
        case 'b':
            st = parse_count("--batch", optarg, 1, 1000000, &o.batch);
            break;
        case 'v':
            st = parse_count("--validate-every", optarg, 0, 1L << 40, &o.validate_every);
            break;
        case 'a':
            if (md_date_parse(optarg, &o.as_of) != 0 || o.as_of > md_today_utc() + 1) {
                fprintf(stderr, "mesodesk gen: --as-of must be a date (YYYY-MM-DD), not later "
                                "than today\n");
                st = 2;
            }
            break;
        case 'd':
            db = optarg;
            break;
        case 'S':
            schedule = 1;
            break;
        case 'D':
            st = parse_count("--schedule-days", optarg, 1, 3650, &schedule_days);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (st) return st;
    if (optind < argc) {
        fprintf(stderr, "mesodesk gen: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    const char *pw = getenv("MESODESK_GEN_PASSWORD");
    o.staff_password = pw && *pw ? pw : NULL;
    cli_session s;
    if ((st = cli_open(&s, cli_db_path(db), NULL, 1)) != 0) return st;
    bar b = {isatty(STDERR_FILENO), {0, 0}};
    clock_gettime(CLOCK_MONOTONIC, &b.t0);
    o.progress = progress;
    o.progress_arg = &b;
    md_gen_result *res = malloc(sizeof *res);
    md_err err;
    md_err_clear(&err);
    md_code rc = res ? md_gen_run(&s.ctx, &o, res, &err)
                     : md_err_set(&err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK && schedule)
        rc = md_gen_schedule(&s.ctx, &o, res, schedule_days, &schedule_rows, &err);
    if (b.tty && rc != MD_OK) fputc('\n', stderr);
    if (res) {
        for (int i = 0; i < res->clinics; i++) {
            char name[128];
            md_gen_clinic_name(o.seed, i, name, sizeof name);
            printf("%s %s\n", res->clinic_ids[i], name);
        }
        printf("%d clinics, %ld staff, %ld patients, %ld facts, %ld schedule rows in %.1f s\n",
               res->clinics, res->staff, res->patients, res->facts, schedule_rows,
               elapsed(&b.t0));
    }
    if (rc != MD_OK) st = cli_fail("gen", &err);
    free(res);
    cli_close(&s);
    return st;
}
