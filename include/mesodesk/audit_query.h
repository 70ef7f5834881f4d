/*
 * audit_query.h - reading the audit trail with filters, for the auditor's screen and
 * GET /api/v1/audit (beside audit.h, which writes and verifies the chain).
 *
 * Every filter is optional and they combine with AND: patient, staff member (actor),
 * action, object type and a time range.  The query is built from fixed fragments, one
 * per filter given (values are always bound parameters), so each combination is its own
 * prepared statement that an index of migration 6 serves: (clinic_id, patient_id, seq),
 * (clinic_id, actor_id, seq), (clinic_id, action, seq), (clinic_id, object_type, seq),
 * (clinic_id, at); with no filter, the primary key (clinic_id, seq).
 */
#ifndef MESODESK_AUDIT_QUERY_H
#define MESODESK_AUDIT_QUERY_H

#include "mesodesk/context.h"

#include <jansson.h>

#define MD_AUDIT_PAGE_MAX 1000

typedef struct md_audit_filter {
    const char *patient_id;  /* NULL: any */
    const char *actor_id;    /* a staff id, "system" or "patient"; NULL: any */
    const char *action;      /* "read", "update", ...; NULL: any */
    const char *object_type; /* "patient", "staff", ...; NULL: any */
    const char *from;        /* "YYYY-MM-DD" (from 00:00 UTC) or a UTC instant; inclusive */
    const char *to;          /* "YYYY-MM-DD" (the whole UTC day) or a UTC instant; exclusive
                                for an instant, inclusive for a date */
} md_audit_filter;

/* Check the filter's values (ids, names, dates), naming the query parameter in error
 * (MD_EINVAL): patient_id, actor_id, action, object_type, from, to. */
md_code md_audit_filter_check(const md_audit_filter *f, md_err *err);

/* Entries of ctx's clinic matching f, newest first: limit (1..MD_AUDIT_PAGE_MAX) from
 * offset.  *out {"items":[...], "has_more": bool}, a new reference.  Needs
 * MD_PERM_AUDIT_READ.  The SQL it runs is md_audit_query_sql(f) (for plan tests). */
md_code md_audit_query(md_ctx *ctx, const md_audit_filter *f, int limit, int offset, json_t **out,
                       md_err *err);
/* The statement for f, with $1 the clinic, then one parameter per filter given in the
 * order of md_audit_filter, then limit and offset.  Writes into buf (NUL-terminated) and
 * returns it, or NULL when the statement does not fit in bufsz (md_store_exec refuses a
 * NULL statement with MD_EINTERNAL). */
const char *md_audit_query_sql(const md_audit_filter *f, char *buf, size_t bufsz);

#endif
