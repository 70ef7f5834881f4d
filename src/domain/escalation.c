/*
 * escalation.c - the escalation worklist (complication.h; kind "escalation").
 *
 * Lifecycle of one entry (one per source, source_id and reason):
 *
 *   raised (in the write that causes it: grade >= 3, a red flag, a red-flag check-in)
 *      --> open --act {what, note} (MD_PERM_CHART_WRITE)--> acted
 *   time-based (found when the list is read: a complication not resolved past its
 *   resolution_due, a follow-up task past its due day and not done)
 *      --> listed with id null --act--> a record made at once in status acted
 *
 * An entry stays on the worklist until a practitioner acts on it; a raise of an entry that
 * exists (open or acted) is a no-op.  The record's "cause" column is the entry's "reason"
 * (the versioned record's own "reason" says why a version was written).
 *
 * The worklist runs three statements, each on a partial index of the clinic's open rows
 * (escalations_open, complications_unresolved, complication_followups_open; the time-based
 * ones skip what was acted on through escalations_key), so its cost follows the open
 * entries, never the clinic's history.  Order: grade (highest first, none last), red flags
 * first, then oldest.
 */
#include "mesodesk/complication.h"
#include "mesodesk/audit.h"
#include "mesodesk/clinic.h"
#include "mesodesk/commit.h"
#include "mesodesk/principal.h"
#include "mesodesk/store.h"
#include "mesodesk/validate.h"
#include "record_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const esc_sources[] = {"complication", "checkin", "followup", NULL};
static const char *const esc_causes[] = {"grade_3_plus",           "red_flag",
                                         "unresolved_past_window", "followup_overdue",
                                         "checkin_red_flag",       NULL};
static const char *const esc_status[] = {"open", "acted", "entered_in_error", NULL};
static const char *const act_whats[] = {
    "called_patient",   "saw_patient", "referred", "emergency_referral",
    "no_action_needed", "other",       NULL};
#define WORKLIST_MAX 500 /* items answered; "count" says how many there are */

static const md_field escalation_fields[] = {
    {.name = "source", .type = MD_F_ENUM, .required = 1, .values = esc_sources},
    {.name = "source_id", .type = MD_F_TEXT, .required = 1, .max_len = 64},
    {.name = "cause",
     .type = MD_F_ENUM,
     .required = 1,
     .values = esc_causes,
     .doc = "why it is on the worklist (the entry's \"reason\" in the worklist)"},
    {.name = "detail", .type = MD_F_JSON},
    {.name = "raised_at", .type = MD_F_TEXT, .required = 1, .max_len = 20, .doc = "UTC"},
    {.name = "status", .type = MD_F_ENUM, .required = 1, .values = esc_status, .dflt = "open"},
    {.name = "action", .type = MD_F_JSON, .doc = "{what, note, by, at} once acted on"},
    {0},
};

const md_record_kind md_kind_escalation = {
    .name = "escalation",
    .table = "escalations",
    .collection = "escalations",
    .schema = "Escalation",
    .title = "escalations",
    .parent = &md_kind_patient,
    .has_parent = 1,
    .read_perm = MD_PERM_CLINICAL_READ,
    .write_perm = MD_PERM_CHART_WRITE,
    .fields = escalation_fields,
    .status_field = "status",
};

static int in_list(const char *const *l, const char *s)
{
    for (int i = 0; s && l[i]; i++)
        if (strcmp(l[i], s) == 0) return 1;
    return 0;
}

static int first_text(void *vctx, const md_row *r)
{
    md_strlcpy(vctx, md_row_text(r, 0) ? md_row_text(r, 0) : "", MD_ID_STR);
    return 1;
}

/* The id of the entry of (source, source_id, reason), "" when none. */
static md_code entry_id(md_ctx *ctx, const char *source, const char *source_id, const char *reason,
                        char id[MD_ID_STR], md_err *err)
{
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(source), md_text(source_id),
                  md_text(reason)};
    id[0] = '\0';
    return md_store_exec(ctx->db,
                         "SELECT id FROM escalations WHERE clinic_id = $1 AND source = $2 AND "
                         "source_id = $3 AND cause = $4 AND current = 1",
                         v, 4, first_text, id, err);
}

md_code md_escalation_raise(md_ctx *ctx, const char *patient_id, const char *source,
                            const char *source_id, const char *reason, json_t *detail,
                            char id[MD_ID_STR], md_err *err)
{
    char eid[MD_ID_STR], now[MD_TIME_STR], why[96];
    if (!in_list(esc_sources, source))
        return md_err_set(err, MD_EINVAL, "source", "unknown escalation source");
    if (!in_list(esc_causes, reason))
        return md_err_set(err, MD_EINVAL, "reason", "unknown escalation reason");
    if (!source_id || !*source_id || strlen(source_id) > 64 || !md_id_valid(patient_id))
        return md_err_set(err, MD_EINVAL, "source_id",
                          "an escalation needs its source and patient");
    md_code rc = md_write_begin(ctx, err);
    if (rc != MD_OK) return rc;
    rc = entry_id(ctx, source, source_id, reason, eid, err);
    if (rc == MD_OK && !eid[0]) {
        char *text =
            detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS | MD_JSON_NUMBERS) : NULL;
        md_id_new(eid);
        md_time_format(md_now(), now);
        snprintf(why, sizeof why, "raised: %s", reason);
        md_val v[] = {md_text(ctx->who.clinic_id),
                      md_text(eid),
                      md_text(md_actor_id(ctx)),
                      md_text(now),
                      md_text(why),
                      md_text(patient_id),
                      md_text(source),
                      md_text(source_id),
                      md_text(reason),
                      text ? md_text(text) : md_null()};
        rc = md_store_exec(ctx->db,
                           "INSERT INTO escalations (clinic_id, id, version, current, recorded_by, "
                           "recorded_at, reason, patient_id, source, source_id, cause, detail, "
                           "raised_at, status, action) VALUES ($1, $2, 1, 1, $3, $4, $5, $6, $7, "
                           "$8, $9, $10, $4, 'open', NULL)",
                           v, 10, NULL, NULL, err);
        free(text);
        md_audit_entry a = {"create", "escalation", eid, patient_id, reason};
        if (rc == MD_OK) rc = md_audit(ctx, &a, err);
    }
    rc = md_write_finish(ctx, rc, err);
    if (rc == MD_OK && id) md_strlcpy(id, eid, MD_ID_STR);
    return rc;
}

/* ---- the worklist ------------------------------------------------------------------------- */

typedef struct wl_ctx {
    json_t *items;
    int64_t count;
    const char *source, *reason; /* of the time-based statements */
} wl_ctx;

static json_t *detail_of(const char *text)
{
    json_t *d = text ? json_loads(text, 0, NULL) : NULL;
    return d ? d : json_object();
}

static void add_item(wl_ctx *w, const char *id, const char *patient, const char *source,
                     const char *source_id, const char *reason, json_t *detail,
                     const char *raised_at, const md_row *r, int code_col)
{
    char key[200];
    snprintf(key, sizeof key, "%s:%s:%s", source, source_id, reason);
    json_t *it = json_pack("{s:s,s:s?,s:s,s:s,s:s,s:s,s:o,s:s}", "key", key, "id", id, "patient_id",
                           patient, "source", source, "source_id", source_id, "reason", reason,
                           "detail", detail, "raised_at", raised_at);
    if (!it) return;
    if (!md_row_is_null(r, code_col))
        json_object_set_new(it, "code", json_string(md_row_text(r, code_col)));
    json_object_set_new(
        it, "grade",
        md_row_is_null(r, code_col + 1) ? json_null() : json_integer(md_row_int(r, code_col + 1)));
    json_object_set_new(it, "has_red_flags",
                        json_boolean(strstr(reason, "red_flag") != NULL ||
                                     (!md_row_is_null(r, code_col + 2) &&
                                      strcmp(md_row_text(r, code_col + 2), "[]") != 0)));
    json_array_append_new(w->items, it);
}

/* Row of an open entry: id, patient, source, source_id, cause, detail, raised_at, code,
 * grade, red_flags. */
static int open_row(void *vctx, const md_row *r)
{
    wl_ctx *w = vctx;
    add_item(w, md_row_text(r, 0), md_row_text(r, 1), md_row_text(r, 2), md_row_text(r, 3),
             md_row_text(r, 4), detail_of(md_row_text(r, 5)), md_row_text(r, 6), r, 7);
    return 0;
}

/* Row of a time-based entry: source_id, patient, due day, code, grade, red_flags. */
static int due_row(void *vctx, const md_row *r)
{
    wl_ctx *w = vctx;
    char at[MD_TIME_STR];
    md_day due = 0;
    md_date_parse(md_row_text(r, 2), &due);
    md_time_format(((int64_t)due + 1) * 86400, at); /* overdue from the day after */
    add_item(w, NULL, md_row_text(r, 1), w->source, md_row_text(r, 0), w->reason,
             json_pack("{s:s}", "due_on", md_row_text(r, 2)), at, r, 3);
    return 0;
}

/* The worklist's statements: open entries, unresolved complications past their
 * resolution_due ($2 today), overdue follow-up tasks ($2 today). */
static const char *const wl_sql[] = {
    "SELECT e.id, e.patient_id, e.source, e.source_id, e.cause, e.detail, e.raised_at, "
    "coalesce(c.code, fc.code), coalesce(c.grade, fc.grade), coalesce(c.red_flags, "
    "fc.red_flags) FROM escalations e LEFT JOIN complications c ON c.clinic_id = e.clinic_id "
    "AND c.id = e.source_id AND c.current = 1 AND e.source = 'complication' LEFT JOIN "
    "complication_followups f ON f.clinic_id = e.clinic_id AND f.id = e.source_id AND "
    "f.current = 1 AND e.source = 'followup' LEFT JOIN complications fc ON fc.clinic_id = "
    "f.clinic_id AND fc.id = f.complication_id AND fc.current = 1 WHERE e.clinic_id = $1 AND "
    "e.current = 1 AND e.status = 'open' ORDER BY e.raised_at, e.id",
    "SELECT c.id, c.patient_id, c.resolution_due, c.code, c.grade, c.red_flags FROM "
    "complications c WHERE c.clinic_id = $1 AND c.current = 1 AND c.status = 'open' AND "
    "(c.outcome IS NULL OR c.outcome IN ('recovering', 'not_resolved')) AND c.resolution_due < "
    "$2 AND NOT EXISTS (SELECT 1 FROM escalations e WHERE e.clinic_id = c.clinic_id AND "
    "e.source = 'complication' AND e.source_id = c.id AND e.cause = 'unresolved_past_window' "
    "AND e.current = 1) ORDER BY c.resolution_due, c.id",
    "SELECT f.id, f.patient_id, f.due_on, c.code, c.grade, c.red_flags FROM "
    "complication_followups f JOIN complications c ON c.clinic_id = f.clinic_id AND c.id = "
    "f.complication_id AND c.current = 1 WHERE f.clinic_id = $1 AND f.current = 1 AND "
    "f.status = 'open' AND f.due_on < $2 AND c.status <> 'entered_in_error' AND NOT EXISTS "
    "(SELECT 1 FROM escalations e WHERE e.clinic_id = f.clinic_id AND e.source = 'followup' AND "
    "e.source_id = f.id AND e.cause = 'followup_overdue' AND e.current = 1) ORDER BY f.due_on, "
    "f.id",
};

const char *md_escalation_worklist_sql(int i)
{
    return i >= 0 && i < 3 ? wl_sql[i] : NULL;
}

static int urgency_cmp(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t gx = json_integer_value(json_object_get(x, "grade"));
    json_int_t gy = json_integer_value(json_object_get(y, "grade"));
    if (gx != gy) return gx > gy ? -1 : 1;
    int fx = json_is_true(json_object_get(x, "has_red_flags"));
    int fy = json_is_true(json_object_get(y, "has_red_flags"));
    if (fx != fy) return fx ? -1 : 1;
    int c = strcmp(json_string_value(json_object_get(x, "raised_at")),
                   json_string_value(json_object_get(y, "raised_at")));
    return c ? c
             : strcmp(json_string_value(json_object_get(x, "key")),
                      json_string_value(json_object_get(y, "key")));
}

static int patient_row(void *vctx, const md_row *r)
{
    json_t **p = vctx;
    *p = json_pack("{s:s,s:s?,s:s?,s:s?}", "id", md_row_text(r, 0), "given_name", md_row_text(r, 1),
                   "family_name", md_row_text(r, 2), "phone", md_row_text(r, 3));
    return 1;
}

/* Each item's patient (read once per patient, audited once per patient). */
static md_code add_patients(md_ctx *ctx, json_t *items, md_err *err)
{
    json_t *seen = json_object();
    size_t n = 0, cap = json_array_size(items);
    md_audit_entry *reads = cap ? calloc(cap, sizeof *reads) : NULL;
    md_code rc =
        seen && (reads || !cap) ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; rc == MD_OK && i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        const char *pid = json_string_value(json_object_get(it, "patient_id"));
        json_t *p = json_object_get(seen, pid);
        if (!p) {
            md_val v[] = {md_text(ctx->who.clinic_id), md_text(pid)};
            rc = md_store_exec(ctx->db,
                               "SELECT id, given_name, family_name, phone FROM patients WHERE "
                               "clinic_id = $1 AND id = $2 AND current = 1",
                               v, 2, patient_row, &p, err);
            if (rc != MD_OK) break;
            if (!p) p = json_pack("{s:s}", "id", pid);
            json_object_set_new(seen, pid, p);
            /* The id as the object holds it: it lives until seen is released. */
            const char *key = json_string_value(json_object_get(p, "id"));
            reads[n++] = (md_audit_entry){"read", "patient", key, key, "escalation worklist"};
        }
        json_object_set(it, "patient", p);
        json_object_del(it, "patient_id");
    }
    /* Every patient listed is audited in one batch (one durable wait, not one per patient),
     * before anything is answered. */
    if (rc == MD_OK && n) rc = md_audit_many(ctx, reads, n, err);
    free(reads);
    json_decref(seen);
    return rc;
}

md_code md_escalation_worklist(md_ctx *ctx, json_t **out, md_err *err)
{
    char zone[MD_ZONE_STR], today[MD_DATE_STR];
    md_day day = 0;
    wl_ctx w = {json_array(), 0, NULL, NULL};
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK && !w.items) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK) rc = md_clinic_zone(ctx, zone, &day, err);
    md_date_format(day, today);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(today)};
    if (rc == MD_OK) rc = md_store_snapshot_begin(ctx->db, err);
    if (rc == MD_OK) {
        rc = md_store_exec(ctx->db, wl_sql[0], v, 1, open_row, &w, err);
        w.source = "complication", w.reason = "unresolved_past_window";
        if (rc == MD_OK) rc = md_store_exec(ctx->db, wl_sql[1], v, 2, due_row, &w, err);
        w.source = "followup", w.reason = "followup_overdue";
        if (rc == MD_OK) rc = md_store_exec(ctx->db, wl_sql[2], v, 2, due_row, &w, err);
        md_store_snapshot_end(ctx->db);
    }
    if (rc == MD_OK) rc = md_json_array_sort(w.items, urgency_cmp, err);
    size_t total = json_array_size(w.items);
    while (rc == MD_OK && json_array_size(w.items) > WORKLIST_MAX)
        json_array_remove(w.items, json_array_size(w.items) - 1);
    if (rc == MD_OK) rc = add_patients(ctx, w.items, err);
    if (rc != MD_OK) {
        json_decref(w.items);
        return rc;
    }
    *out = json_pack("{s:o,s:I}", "items", w.items, "count", (json_int_t)total);
    return *out ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
}

/* ---- acting on an entry ------------------------------------------------------------------- */

/* The answer's shape of a record: cause as "reason", the version's reason left out. */
static json_t *entry_json(json_t *rec)
{
    json_t *o = json_deep_copy(rec);
    if (!o) return NULL;
    json_object_set(o, "reason", json_object_get(rec, "cause"));
    json_object_del(o, "cause");
    return o;
}

/* A time-based entry that is due now: its patient into pid; MD_ENOTFOUND otherwise. */
static md_code due_now(md_ctx *ctx, const char *source, const char *source_id, const char *reason,
                       char pid[MD_ID_STR], char due[MD_DATE_STR], md_err *err)
{
    char zone[MD_ZONE_STR], today[MD_DATE_STR];
    md_day day = 0;
    wl_ctx w = {json_array(), 0, source, reason};
    int which = strcmp(reason, "unresolved_past_window") == 0 && strcmp(source, "complication") == 0
                    ? 1
                : strcmp(reason, "followup_overdue") == 0 && strcmp(source, "followup") == 0 ? 2
                                                                                             : 0;
    md_code rc = w.items ? md_clinic_zone(ctx, zone, &day, err)
                         : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_date_format(day, today);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(today)};
    if (rc == MD_OK && which) rc = md_store_exec(ctx->db, wl_sql[which], v, 2, due_row, &w, err);
    pid[0] = '\0';
    for (size_t i = 0; rc == MD_OK && i < json_array_size(w.items); i++) {
        json_t *it = json_array_get(w.items, i);
        if (strcmp(json_string_value(json_object_get(it, "source_id")), source_id) != 0) continue;
        md_strlcpy(pid, json_string_value(json_object_get(it, "patient_id")), MD_ID_STR);
        md_strlcpy(due, json_string_value(json_object_get(json_object_get(it, "detail"), "due_on")),
                   MD_DATE_STR);
    }
    json_decref(w.items);
    if (rc == MD_OK && !pid[0])
        rc = md_err_set(err, MD_ENOTFOUND, "key", "no such entry on the worklist");
    return rc;
}

md_code md_escalation_act(md_ctx *ctx, const char *key, json_t *in, json_t **out, md_err *err)
{
    static const char *const keys[] = {"what", "note", NULL};
    char buf[200], eid[MD_ID_STR] = "", pid[MD_ID_STR], now[MD_TIME_STR], why[96];
    const char *what = NULL, *note = NULL, *source = NULL, *source_id = NULL, *reason = NULL;
    json_t *cur = NULL, *rec = NULL, *made = NULL;
    md_code rc = md_require(ctx, MD_PERM_CHART_WRITE, err);
    if (rc == MD_OK && !json_is_object(in))
        rc = md_err_set(err, MD_EINVAL, "", "the body must be an object");
    if (rc == MD_OK) rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK) rc = md_json_enum(in, "what", 1, act_whats, &what, err);
    if (rc == MD_OK) rc = md_json_text(in, "note", strcmp(what, "other") == 0, 2000, &note, err);
    if (rc != MD_OK) return rc;
    md_strlcpy(buf, key ? key : "", sizeof buf);
    char *c1 = strchr(buf, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c1 && c2) {
        *c1 = *c2 = '\0';
        source = buf, source_id = c1 + 1, reason = c2 + 1;
        if (!in_list(esc_sources, source) || !in_list(esc_causes, reason))
            return md_err_set(err, MD_ENOTFOUND, "key", "no such entry on the worklist");
        if ((rc = entry_id(ctx, source, source_id, reason, eid, err)) != MD_OK) return rc;
    } else if (md_id_valid(buf)) {
        md_strlcpy(eid, buf, sizeof eid);
    } else {
        return md_err_set(err, MD_ENOTFOUND, "key", "no such entry on the worklist");
    }
    md_time_format(md_now(), now);
    json_t *action = json_pack("{s:s,s:s?,s:s,s:s}", "what", what, "note", note, "by",
                               md_actor_id(ctx), "at", now);
    snprintf(why, sizeof why, "acted: %s", what);
    if (eid[0]) { /* a recorded entry: its next version */
        md_val v[] = {md_text(ctx->who.clinic_id), md_text(eid)};
        pid[0] = '\0';
        rc = md_store_exec(ctx->db,
                           "SELECT patient_id FROM escalations WHERE clinic_id = $1 AND id = $2 "
                           "AND current = 1",
                           v, 2, first_text, pid, err);
        if (rc == MD_OK && !pid[0])
            rc = md_err_set(err, MD_ENOTFOUND, "key", "no such entry on the worklist");
        if (rc == MD_OK) rc = md__record_current(ctx, &md_kind_escalation, pid, eid, &cur, err);
        if (rc == MD_OK && strcmp(json_string_value(json_object_get(cur, "status")), "open") != 0)
            rc = md_err_set(err, MD_ECONFLICT, "key", "the entry was already acted on");
        if (rc == MD_OK)
            rec = json_pack("{s:s,s:O,s:s,s:I}", "status", "acted", "action", action, "reason", why,
                            "version", json_integer_value(json_object_get(cur, "version")));
        if (rc == MD_OK)
            rc = rec ? md_record_update(ctx, &md_kind_escalation, pid, eid, rec, &made, err)
                     : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    } else { /* a time-based entry due now: recorded as acted */
        char due[MD_DATE_STR] = "";
        rc = due_now(ctx, source, source_id, reason, pid, due, err);
        if (rc == MD_OK)
            rec = json_pack("{s:s,s:s,s:s,s:{s:s},s:s,s:s,s:O,s:s}", "source", source, "source_id",
                            source_id, "cause", reason, "detail", "due_on", due, "raised_at", now,
                            "status", "acted", "action", action, "reason", why);
        if (rc == MD_OK)
            rc = rec ? md_record_create(ctx, &md_kind_escalation, pid, rec, &made, err)
                     : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    }
    if (rc == MD_OK && !(*out = entry_json(made)))
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    json_decref(action);
    json_decref(cur);
    json_decref(rec);
    json_decref(made);
    return rc;
}
