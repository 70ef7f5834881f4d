#include "cli.h"

#include "mesodesk/audit.h"
#include "mesodesk/clinic.h"
#include "mesodesk/kb.h"
#include "mesodesk/validate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_DB "var/mesodesk.db"

const char *cli_db_path(const char *flag)
{
    if (flag && *flag) return flag;
    const char *env = getenv("MESODESK_DB");
    return env && *env ? env : DEFAULT_DB;
}

int cli_fail(const char *cmd, const md_err *err)
{
    fprintf(stderr, "mesodesk%s%s: %s%s%s\n", cmd[0] ? " " : "", cmd, err->field,
            err->field[0] ? ": " : "", err->message);
    return md_code_exit_status(err->code);
}

/* Create the directory that will hold a SQLite file (var/ on first run). */
static void ensure_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path || strstr(path, "://")) return;
    char dir[1024];
    size_t n = (size_t)(slash - path);
    if (n >= sizeof dir) return;
    memcpy(dir, path, n);
    dir[n] = '\0';
    if (mkdir(dir, 0750) != 0 && errno != EEXIST) return;
}

int cli_open(cli_session *s, const char *db_path, const char *clinic, int want_kb)
{
    md_err err;
    md_err_clear(&err);
    memset(s, 0, sizeof *s);
    ensure_parent_dir(db_path);
    md_code rc = md_store_open(db_path, &s->db, &err);
    if (rc == MD_OK) rc = md_store_migrate(s->db, &err);
    if (rc == MD_OK) rc = md_auditor_start(db_path, &s->auditor, &err);
    if (rc == MD_OK && want_kb) {
        char dir[1024];
        rc = md_kb_locate(NULL, MESODESK_SOURCE_DIR "/kb", dir, sizeof dir, &err);
        if (rc == MD_OK) rc = md_kb_load(dir, &s->kb, &err);
    }
    if (rc == MD_OK && !(s->arena = md_arena_new(16 * 1024, 0)))
        rc = md_err_set(&err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK && clinic) {
        if (md_id_valid(clinic)) {
            json_t *c = NULL;
            rc = md_clinic_get(s->db, clinic, &c, &err);
            json_decref(c);
            md_strlcpy(s->ctx.who.clinic_id, clinic, sizeof s->ctx.who.clinic_id);
        } else {
            rc = md_clinic_find(s->db, clinic, s->ctx.who.clinic_id, &err);
        }
        if (rc == MD_ENOTFOUND)
            md_err_set(&err, MD_EINVAL, "clinic", "no clinic with id or name '%s'", clinic);
    }
    if (rc != MD_OK) {
        cli_close(s);
        return cli_fail("", &err);
    }
    s->ctx.db = s->db;
    s->ctx.arena = s->arena;
    s->ctx.auditor = s->auditor;
    s->ctx.kb = s->kb;
    s->ctx.who.role = MD_ROLE_SYSTEM;
    md_id_new(s->ctx.request_id);
    return 0;
}

void cli_close(cli_session *s)
{
    md_auditor_stop(s->auditor);
    md_store_close(s->db);
    md_arena_free(s->arena);
    md_kb_free(s->kb);
    memset(s, 0, sizeof *s);
}

void cli_print_json(json_t *j)
{
    char *t = json_dumps(j, JSON_INDENT(2) | MD_JSON_NUMBERS);
    if (t) printf("%s\n", t);
    free(t);
}

char *cli_read_all(FILE *f, size_t cap, size_t *len)
{
    size_t n = 0, size = 4096;
    char *buf = malloc(size);
    while (buf) {
        size_t got = fread(buf + n, 1, size - n - 1, f);
        n += got;
        if (got == 0) break;
        if (n + 1 == size) {
            if (size > cap) {
                free(buf);
                return NULL;
            }
            char *nb = realloc(buf, size * 2);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb;
            size *= 2;
        }
    }
    if (!buf || ferror(f) || n > cap) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}
