/*
 * h_records.c - the generic handlers of versioned record kinds (create, read, list,
 * update with reason, history, entered in error), and the routes every kind of the
 * registry flagged MD_KIND_ROUTES gets under its parent (a patient):
 *
 *   GET   /api/v1/patients/{}/<collection>                       list (?include=all)
 *   POST  /api/v1/patients/{}/<collection>                       create (201)
 *   GET   /api/v1/patients/{}/<collection>/{}                    read
 *   PUT   /api/v1/patients/{}/<collection>/{}                    update (reason required)
 *   PATCH /api/v1/patients/{}/<collection>/{}                    update (reason required)
 *   GET   /api/v1/patients/{}/<collection>/{}/history            every version
 *   POST  /api/v1/patients/{}/<collection>/{}/entered-in-error   mark entered in error
 *
 * and GET /api/v1/kinds, the registry itself (md_kind_json), for the web app's forms.
 *
 * A handler finds its kind in r->route->kind.  For a kind with a parent, params[0] is
 * the parent's id and params[1] the record's; for a kind without one, params[0] is the
 * record's.  Thin: the engine (record.c) checks permissions, validates and audits.
 *
 * The route table is built once (md_routes_records, pthread_once) from md_kinds; its
 * patterns live in static storage for the life of the process.
 */
#include "server.h"

#include "mesodesk/record.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const char *parent_of(md_req *r)
{
    return r->route->kind->parent ? r->params[0] : NULL;
}

static const char *id_of(md_req *r)
{
    return r->route->kind->parent ? r->params[1] : r->params[0];
}

md_code md_h_record_list(md_req *r, md_err *err)
{
    const char *inc = md_req_query(r, "include");
    int all = inc && strcmp(inc, "all") == 0;
    return md_record_list(&r->ctx, r->route->kind, parent_of(r), all, &r->resp, err);
}

static md_code create_record(md_req *r, json_t *body, md_err *err)
{
    md_code rc = md_record_create(&r->ctx, r->route->kind, parent_of(r), body, &r->resp, err);
    if (rc == MD_OK) r->status = 201;
    return rc;
}

md_code md_h_record_create(md_req *r, md_err *err)
{
    return md_req_with_body(r, create_record, err);
}

md_code md_h_record_get(md_req *r, md_err *err)
{
    return md_record_get(&r->ctx, r->route->kind, parent_of(r), id_of(r), &r->resp, err);
}

static md_code update_record(md_req *r, json_t *body, md_err *err)
{
    return md_record_update(&r->ctx, r->route->kind, parent_of(r), id_of(r), body, &r->resp, err);
}

md_code md_h_record_update(md_req *r, md_err *err)
{
    return md_req_with_body(r, update_record, err);
}

md_code md_h_record_history(md_req *r, md_err *err)
{
    return md_record_history(&r->ctx, r->route->kind, parent_of(r), id_of(r), &r->resp, err);
}

static md_code eie_record(md_req *r, json_t *body, md_err *err)
{
    return md_record_entered_in_error(&r->ctx, r->route->kind, parent_of(r), id_of(r), body,
                                      &r->resp, err);
}

md_code md_h_record_entered_in_error(md_req *r, md_err *err)
{
    return md_req_with_body(r, eie_record, err);
}

/* GET /api/v1/kinds: the registry as the web app builds its forms from it. */
static md_code h_kinds(md_req *r, md_err *err)
{
    json_t *kinds = md_kinds_json();
    if (!kinds) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    r->resp = json_pack("{s:o}", "kinds", kinds);
    return MD_OK;
}

/* ---- the routes of the registry's kinds ---- */

#define PER_KIND 7
#define MAX_KINDS 32
#define PATTERN_MAX 96

static md_route kind_routes[MAX_KINDS * PER_KIND + 1];
static char patterns[MAX_KINDS * PER_KIND + 1][PATTERN_MAX];
static md_route_table records_table = {"records", kind_routes, 0};
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int too_many; /* the registry held more than this table can: refused at start-up */

static void add(const char *method, const char *suffix, md_handler h, md_route_op op,
                const md_record_kind *k)
{
    size_t i = records_table.n;
    int n = snprintf(patterns[i], PATTERN_MAX, "/api/v1/patients/{}/%s%s", k->collection, suffix);
    if (n < 0 || n >= PATTERN_MAX) {
        too_many = 1;
        return;
    }
    kind_routes[i] = (md_route){.method = method,
                                .pattern = patterns[i],
                                .handler = h,
                                .auth = MD_ROUTE_AUTHED,
                                .kind = k,
                                .op = op};
    records_table.n++;
}

static void build(void)
{
    size_t n = 0;
    kind_routes[records_table.n++] = (md_route){
        .method = "GET", .pattern = "/api/v1/kinds", .handler = h_kinds, .auth = MD_ROUTE_AUTHED};
    for (size_t i = 0; md_kinds[i]; i++) {
        const md_record_kind *k = md_kinds[i];
        if (!(k->flags & MD_KIND_ROUTES) || !k->collection) continue;
        if (++n > MAX_KINDS) {
            too_many = 1;
            return;
        }
        add("GET", "", md_h_record_list, MD_OP_LIST, k);
        add("POST", "", md_h_record_create, MD_OP_CREATE, k);
        add("GET", "/{}", md_h_record_get, MD_OP_GET, k);
        add("PUT", "/{}", md_h_record_update, MD_OP_UPDATE, k);
        add("PATCH", "/{}", md_h_record_update, MD_OP_UPDATE, k);
        add("GET", "/{}/history", md_h_record_history, MD_OP_HISTORY, k);
        add("POST", "/{}/entered-in-error", md_h_record_entered_in_error, MD_OP_ENTERED_IN_ERROR,
            k);
    }
}

const md_route_table *md_routes_records(md_err *err)
{
    pthread_once(&once, build);
    if (too_many) {
        md_err_set(err, MD_EINTERNAL, NULL,
                   "the record routes hold at most %d kinds with collections of %d characters",
                   MAX_KINDS, PATTERN_MAX - 40);
        return NULL;
    }
    return &records_table;
}
