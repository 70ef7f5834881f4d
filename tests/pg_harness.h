/*
 * pg_harness.h - databases for tests in the PostgreSQL cluster that
 * tests/pg_harness.sh started (its server URI in MESODESK_TEST_PG).
 *
 * pg_harness_active(): non-zero when the test runs under the harness.
 * pg_harness_create(): a fresh, empty database named after the process and a
 * counter (pg_harness_create_named(): with a given name); writes its URI into
 * uri and returns 0, or -1 (with a message on stderr: this is test code).  pg_harness_drop() removes it (closing any
 * connection still open to it).  Outside the harness a test uses SQLite.
 */
#ifndef MESODESK_TEST_PG_HARNESS_H
#define MESODESK_TEST_PG_HARNESS_H

#include "mesodesk/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline int pg_harness_active(void)
{
    const char *base = getenv("MESODESK_TEST_PG");
    return base && *base;
}

static inline int pg_harness_admin(const char *sql)
{
    char uri[300];
    md_store *admin = NULL;
    md_err err;
    snprintf(uri, sizeof uri, "%s/postgres", getenv("MESODESK_TEST_PG"));
    md_code rc = md_store_open(uri, &admin, &err);
    if (rc == MD_OK) rc = md_store_exec(admin, sql, NULL, 0, NULL, NULL, &err);
    md_store_close(admin);
    if (rc != MD_OK) fprintf(stderr, "pg harness: %s: %s\n", sql, err.message);
    return rc == MD_OK ? 0 : -1;
}

/* A database called name (lower-case letters, digits, '_'). */
static inline int pg_harness_create_named(const char *name, char *uri, size_t urisz)
{
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    if (pg_harness_admin(sql) != 0) return -1;
    snprintf(uri, urisz, "%s/%s", getenv("MESODESK_TEST_PG"), name);
    return 0;
}

static inline int pg_harness_create(char *uri, size_t urisz)
{
    static int counter;
    char name[64];
    snprintf(name, sizeof name, "mdtest_%ld_%d", (long)getpid(), ++counter);
    return pg_harness_create_named(name, uri, urisz);
}

static inline void pg_harness_drop(const char *uri)
{
    const char *name = strrchr(uri, '/');
    char sql[128];
    if (!name) return;
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name + 1);
    pg_harness_admin(sql);
}

#endif
