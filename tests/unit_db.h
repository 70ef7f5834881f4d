/*
 * unit_db.h - a fresh database in a temp dir for unit tests: migrated, with a
 * clinic, an audit writer and a context acting as that clinic's admin.  Under
 * tests/pg_harness.sh (MESODESK_TEST_PG set) the database is a fresh one in
 * that PostgreSQL cluster instead of a SQLite file; u->path is its URI.
 */
#ifndef MESODESK_TEST_UNIT_DB_H
#define MESODESK_TEST_UNIT_DB_H

#include "mesodesk/audit.h"
#include "mesodesk/clinic.h"
#include "mesodesk/kb.h"
#include "mesodesk/store.h"
#include "pg_harness.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct unit_db {
    char dir[256];
    char path[300];
    md_store *db;
    md_auditor *auditor;
    md_arena *arena;
    md_kb *kb;
    md_ctx ctx;
} unit_db;

/* With MESODESK_TEST_SQL_LOG=FILE, every statement the test runs is appended to FILE,
 * one a line (tests/pg_statements.sh prepares them all on PostgreSQL). */
static pthread_mutex_t unit_sql_log_mu = PTHREAD_MUTEX_INITIALIZER;
static inline void unit_sql_log(void *ctx, const char *sql)
{
    pthread_mutex_lock(&unit_sql_log_mu);
    for (const char *c = sql; *c; c++)
        fputc(*c == '\n' ? ' ' : *c, ctx); /* one statement a line */
    fputc('\n', ctx);
    pthread_mutex_unlock(&unit_sql_log_mu);
}

static inline void unit_sql_log_start(void)
{
    static FILE *log;
    const char *path = getenv("MESODESK_TEST_SQL_LOG");
    if (log || !path || !*path) return;
    if (!(log = fopen(path, "a"))) abort();
    setvbuf(log, NULL, _IOLBF, 0);
    md_store_set_trace(unit_sql_log, log);
}

static inline void unit_db_open(unit_db *u, int with_kb)
{
    md_err err;
    memset(u, 0, sizeof *u);
    if (md_init() != 0) abort();
    unit_sql_log_start();
    snprintf(u->dir, sizeof u->dir, "/tmp/mesodesk-unit-XXXXXX");
    if (!mkdtemp(u->dir)) abort();
    if (pg_harness_active()) {
        if (pg_harness_create(u->path, sizeof u->path) != 0) abort();
    } else {
        snprintf(u->path, sizeof u->path, "%s/db.sqlite", u->dir);
    }
    if (md_store_open(u->path, &u->db, &err) || md_store_migrate(u->db, &err) ||
        md_auditor_start(u->path, &u->auditor, &err)) {
        fprintf(stderr, "unit db: %s\n", err.message);
        abort();
    }
    if (with_kb) {
        const char *dir = getenv("MESODESK_KB") ? getenv("MESODESK_KB") : MESODESK_SOURCE_DIR "/kb";
        if (md_kb_load(dir, &u->kb, &err)) {
            fprintf(stderr, "unit kb: %s %s\n", err.field, err.message);
            abort();
        }
    }
    u->arena = md_arena_new(16384, 0);
    u->ctx.db = u->db;
    u->ctx.arena = u->arena;
    u->ctx.auditor = u->auditor;
    u->ctx.kb = u->kb;
    u->ctx.who.role = MD_ROLE_ADMIN;
    md_strlcpy(u->ctx.who.staff_id, "0123456789abcdef0123456789abcdef", sizeof u->ctx.who.staff_id);
    md_strlcpy(u->ctx.request_id, "fedcba9876543210fedcba9876543210", sizeof u->ctx.request_id);
    if (md_clinic_create(u->db, "Unit Clinic", "Europe/London", "UK", u->ctx.who.clinic_id, &err))
        abort();
}

static inline void unit_db_close(unit_db *u)
{
    char cmd[400];
    md_auditor_stop(u->auditor);
    md_store_close(u->db);
    md_arena_free(u->arena);
    md_kb_free(u->kb);
    if (pg_harness_active()) pg_harness_drop(u->path);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", u->dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", u->dir);
}

/* Row callback: append the first column (text) to the JSON array ctx. */
static inline int unit_collect_text(void *ctx, const md_row *r)
{
    json_array_append_new(ctx, json_string(md_row_text(r, 0)));
    return 0;
}

/* cmocka setup/teardown: a fresh database with the kb in *state. */
static inline int unit_db_setup(void **state)
{
    unit_db *u = malloc(sizeof *u);
    if (!u) return -1;
    unit_db_open(u, 1);
    *state = u;
    return 0;
}

static inline int unit_db_teardown(void **state)
{
    unit_db_close(*state);
    free(*state);
    return 0;
}

#endif
