/*
 * audit_query.c - the filtered, paged listing of the audit trail (see
 * audit_query.h).  Only fixed SQL fragments are concatenated; every value is
 * bound.
 */
#include "mesodesk/audit_query.h"
#include "mesodesk/sbuf.h"

#include <stdio.h>
#include <string.h>

#define SQL_MAX 1024

static const char *fixed_columns[] = {"at",          "actor_id",  "actor_role", "action",
                                      "object_type", "object_id", "patient_id", "request_id",
                                      "detail",      "hash"};

/* The filter's values in a fixed order, with their SQL fragment and parameter name. */
typedef struct filter_part {
    const char *value;
    const char *sql; /* "%d" is the parameter number */
    const char *name;
} filter_part;

static size_t parts_of(const md_audit_filter *f, filter_part out[6], char from[32], char to[32])
{
    size_t n = 0;
    const filter_part all[] = {
        {f->patient_id, " AND patient_id = $%d", "patient_id"},
        {f->actor_id, " AND actor_id = $%d", "actor_id"},
        {f->action, " AND action = $%d", "action"},
        {f->object_type, " AND object_type = $%d", "object_type"},
        {NULL, " AND at >= $%d", "from"},
        {NULL, " AND at < $%d", "to"},
    };
    for (size_t i = 0; i < 4; i++)
        if (all[i].value) out[n++] = all[i];
    /* A date is a whole UTC day: from its 00:00, to the next day's 00:00. */
    if (f->from) {
        if (strlen(f->from) == 10)
            snprintf(from, 32, "%sT00:00:00Z", f->from);
        else
            snprintf(from, 32, "%s", f->from);
        out[n] = all[4];
        out[n++].value = from;
    }
    if (f->to) {
        md_day d;
        if (strlen(f->to) == 10 && md_date_parse(f->to, &d) == 0) {
            char next[MD_DATE_STR];
            md_date_format(d + 1, next);
            snprintf(to, 32, "%sT00:00:00Z", next);
        } else {
            snprintf(to, 32, "%s", f->to);
        }
        out[n] = all[5];
        out[n++].value = to;
    }
    return n;
}

static int word_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

static int when_ok(const char *s)
{
    md_day d;
    int64_t t;
    return (strlen(s) == 10 && md_date_parse(s, &d) == 0) || md_time_parse(s, &t) == 0;
}

md_code md_audit_filter_check(const md_audit_filter *f, md_err *err)
{
    const struct {
        const char *v, *name, *what;
        int ok;
    } checks[] = {
        {f->patient_id, "patient_id", "a patient id", f->patient_id && md_id_valid(f->patient_id)},
        {f->actor_id, "actor_id", "a staff id, 'system' or 'patient'",
         f->actor_id && (md_id_valid(f->actor_id) || strcmp(f->actor_id, "system") == 0 ||
                         strcmp(f->actor_id, "patient") == 0)},
        {f->action, "action", "an action name such as read or update",
         f->action && word_ok(f->action, 31)},
        {f->object_type, "object_type", "an object type such as patient or staff",
         f->object_type && word_ok(f->object_type, 31)},
        {f->from, "from", "a date YYYY-MM-DD or a UTC time YYYY-MM-DDTHH:MM:SSZ",
         f->from && when_ok(f->from)},
        {f->to, "to", "a date YYYY-MM-DD or a UTC time YYYY-MM-DDTHH:MM:SSZ",
         f->to && when_ok(f->to)},
    };
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
        if (checks[i].v && !checks[i].ok)
            return md_err_set(err, MD_EINVAL, checks[i].name, "%s must be %s", checks[i].name,
                              checks[i].what);
    return MD_OK;
}

const char *md_audit_query_sql(const md_audit_filter *f, char *buf, size_t bufsz)
{
    filter_part parts[6];
    char from[32], to[32];
    size_t n = parts_of(f, parts, from, to);
    md_sbuf b;
    md_sbuf_init(&b, buf, bufsz);
    md_sbuf_append(&b, "SELECT seq, at, actor_id, actor_role, action, object_type, object_id, "
                       "patient_id, request_id, detail, hash FROM audit_log WHERE clinic_id = $1");
    for (size_t i = 0; i < n; i++)
        md_sbuf_appendf(&b, parts[i].sql, (int)i + 2);
    md_sbuf_appendf(&b, " ORDER BY seq DESC LIMIT $%d OFFSET $%d", (int)n + 2, (int)n + 3);
    return md_sbuf_ok(&b) ? buf : NULL;
}

typedef struct page {
    json_t *items;
    int limit;
    int more;
} page;

static int entry_row(void *vctx, const md_row *r)
{
    page *p = vctx;
    if ((int)json_array_size(p->items) == p->limit) {
        p->more = 1;
        return 1;
    }
    json_t *o = json_object();
    json_object_set_new(o, "seq", json_integer(md_row_int(r, 0)));
    for (int i = 0; i < (int)(sizeof fixed_columns / sizeof fixed_columns[0]); i++) {
        const char *t = md_row_text(r, i + 1);
        json_object_set_new(o, fixed_columns[i], t ? json_string(t) : json_null());
    }
    json_array_append_new(p->items, o);
    return 0;
}

md_code md_audit_query(md_ctx *ctx, const md_audit_filter *f, int limit, int offset, json_t **out,
                       md_err *err)
{
    md_code rc = md_require(ctx, MD_PERM_AUDIT_READ, err);
    if (rc == MD_OK) rc = md_audit_filter_check(f, err);
    if (rc != MD_OK) return rc;
    if (limit < 1 || limit > MD_AUDIT_PAGE_MAX)
        return md_err_set(err, MD_EINVAL, "limit", "limit must be 1 to %d", MD_AUDIT_PAGE_MAX);
    if (offset < 0) return md_err_set(err, MD_EINVAL, "offset", "offset must not be negative");
    filter_part parts[6];
    char from[32], to[32], sql[SQL_MAX];
    size_t n = parts_of(f, parts, from, to);
    md_val v[9];
    v[0] = md_text(ctx->who.clinic_id);
    for (size_t i = 0; i < n; i++)
        v[i + 1] = md_text(parts[i].value);
    v[n + 1] = md_int(limit + 1); /* one more than asked tells whether there is a next page */
    v[n + 2] = md_int(offset);
    page p = {json_array(), limit, 0};
    rc = md_store_exec(ctx->db, md_audit_query_sql(f, sql, sizeof sql), v, (int)n + 3, entry_row,
                       &p, err);
    if (rc != MD_OK) {
        json_decref(p.items);
        return rc;
    }
    *out = json_pack("{s:o,s:b}", "items", p.items, "has_more", p.more);
    return MD_OK;
}
