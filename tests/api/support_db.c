/*
 * support_db.c - the group server's database reached directly, through the store
 * interface, so that tampering tests run the same on SQLite and PostgreSQL.
 */
#include "support.h"

#include "mesodesk/store.h"

void api_db_exec(const char *sql)
{
    char uri[320];
    md_store *db = NULL;
    md_err err = {0};
    api_server_db(&api.srv, uri, sizeof uri);
    md_code rc = md_store_open(uri, &db, &err);
    if (rc == MD_OK) rc = md_store_exec(db, sql, NULL, 0, NULL, NULL, &err);
    md_store_close(db);
    if (rc != MD_OK) fail_msg("%s: %s", sql, err.message);
}
