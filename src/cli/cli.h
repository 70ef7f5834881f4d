/*
 * cli.h - the subcommands of the mesodesk binary.  Each takes the arguments
 * after its own name (argv[0] is the subcommand name) and returns the process
 * exit status: 0 success, 1 runtime failure, 2 bad usage or input.
 */
#ifndef MESODESK_CLI_H
#define MESODESK_CLI_H

int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_patient(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_screen(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_openapi(int argc, char **argv);
int cmd_recall(int argc, char **argv);
int cmd_pv(int argc, char **argv);

#include <stdio.h>
#include "mesodesk/context.h"
#include "mesodesk/error.h"

#include <jansson.h>

/* A CLI session on a database: connection, audit writer, arena, the kb when wanted. */
typedef struct cli_session {
    md_ctx ctx;
    md_store *db;
    md_auditor *auditor;
    md_arena *arena;
    md_kb *kb;
} cli_session;

/* The database: --db, else $MESODESK_DB, else var/mesodesk.db. */
const char *cli_db_path(const char *flag);
/* Open (creating and migrating) the database, start the audit writer.  clinic may be an id
 * or an exact clinic name (NULL: none yet).  Prints the error and returns its exit status. */
int cli_open(cli_session *s, const char *db_path, const char *clinic, int want_kb);
void cli_close(cli_session *s);
/* Print err to stderr as "mesodesk: field: message"; returns the exit status for it. */
int cli_fail(const char *cmd, const md_err *err);
/* Print JSON (pretty) on stdout. */
void cli_print_json(json_t *j);
/* Read a whole stream (capped at cap bytes); NULL on error or over the cap. */
char *cli_read_all(FILE *f, size_t cap, size_t *len);
/* The audit key and checkpoint log: the flag, else $MESODESK_AUDIT_KEY / $MESODESK_AUDIT_LOG,
 * else beside the database (md_audit_default_paths).  Each output holds MD_AUDIT_PATH_MAX. */
void cli_audit_paths(const char *db_path, const char *key_flag, const char *log_flag, char *key,
                     char *log);
#endif
