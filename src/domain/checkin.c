/*
 * checkin.c - the patient's check-ins after a session, reached through one-time links
 * (checkin.h, docs/CHECKINS.md).
 *
 * State machine of one check-in (the stored "status"; every arrow is a new version of the
 * record with who, when and why):
 *
 *   (session completed) --schedule--> pending          one per kb day of the protocol
 *   pending --open (first time: opened_at, address, user agent)--> pending
 *   pending --photo (the patient attaches one; a later one replaces it)--> pending
 *   pending --answer, before expiry--> answered        final; the link works once
 *   pending --reissue (staff: a new token, the old one revoked)--> pending
 *   pending --cancel {reason} (staff)--> cancelled     final; the link is revoked
 *
 * Computed on read, never stored: a pending check-in whose due day (clinic zone) has passed
 * reads "overdue" (it is on the overdue worklist, the link still works); one past
 * expires_at reads "expired" (the link is refused, 422 naming "token"; still on the
 * worklist: nobody answered).  A second answer, or any use of the link of an answered or
 * cancelled check-in, is 409 naming "token"; an unknown or revoked token is 404.
 *
 * Links follow the questionnaire's rules: 256 random bits (md_token_new), shown once (in the
 * answer of the session's completion, or of a reissue), only their hash kept in
 * checkin_links; checked and used under the write lock, so a race answers once.  The public
 * side acts as the patient of the link's clinic (ctx->who: clinic, actor "patient", no role).
 *
 * Red flags: the answers are matched by the kb (md_kb_checkin_match); any red flag raises an
 * escalation ("checkin", id, "checkin_red_flag", complication.h) in the same write as the
 * answer, and the patient is told to call the clinic now, with its number (or told that it
 * is not on file).
 */
#include "mesodesk/checkin.h"
#include "mesodesk/audit.h"
#include "mesodesk/clinic.h"
#include "mesodesk/commit.h"
#include "mesodesk/complication.h"
#include "mesodesk/course.h"
#include "mesodesk/photo.h"
#include "mesodesk/sbuf.h"
#include "mesodesk/session.h"
#include "mesodesk/tz.h"
#include "mesodesk/validate.h"
#include "image_int.h"
#include "record_int.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define OVERDUE_MAX 500
#define MESSAGE_MAX 1024

static const char *const statuses[] = {"pending", "answered", "cancelled", "entered_in_error",
                                       NULL};

static md_code check_object(const md_ctx *ctx, json_t *v, const char *field, md_err *err)
{
    (void)ctx;
    return json_is_object(v) ? MD_OK
                             : md_err_set(err, MD_EINVAL, field, "%s must be an object", field);
}

static md_code check_codes(const md_ctx *ctx, json_t *v, const char *field, md_err *err)
{
    (void)ctx;
    size_t i;
    json_t *e;
    if (!json_is_array(v)) return md_err_set(err, MD_EINVAL, field, "%s must be a list", field);
    json_array_foreach(v, i, e) if (!json_is_string(e)) return md_err_set(
        err, MD_EINVAL, field, "%s must be a list of codes", field);
    return MD_OK;
}

static const md_field checkin_fields[] = {
    {.name = "session_id",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 32,
     .doc = "the session it follows"},
    {.name = "course_id", .type = MD_F_TEXT, .max_len = 32},
    {.name = "protocol",
     .type = MD_F_TEXT,
     .max_len = 63,
     .doc = "the course's protocol, whose kb schedule gave the day"},
    {.name = "day_offset",
     .type = MD_F_INT,
     .required = 1,
     .min = 1,
     .max = 365,
     .doc = "days after the session"},
    {.name = "due_on", .type = MD_F_DATE, .required = 1, .doc = "the civil day it is due"},
    {.name = "expires_at",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 20,
     .doc = "the link works until then (UTC)"},
    {.name = "status",
     .type = MD_F_ENUM,
     .required = 1,
     .values = statuses,
     .dflt = "pending",
     .doc = "pending, answered or cancelled as stored; reads say overdue or expired for a "
            "pending one past its due day or its expiry"},
    {.name = "sent_at", .type = MD_F_TEXT, .max_len = 20, .doc = "the link was made (UTC)"},
    {.name = "opened_at", .type = MD_F_TEXT, .max_len = 20, .doc = "first opened (UTC)"},
    {.name = "answered_at", .type = MD_F_TEXT, .max_len = 20, .doc = "answered (UTC)"},
    {.name = "answers",
     .type = MD_F_JSON,
     .json_check = check_object,
     .doc = "question code: answer, as the patient gave them"},
    {.name = "red_flags",
     .type = MD_F_JSON,
     .array = 1,
     .json_check = check_codes,
     .doc = "the red flags the answers matched (kb/complications.json codes)"},
    {.name = "effects",
     .type = MD_F_JSON,
     .array = 1,
     .json_check = check_codes,
     .doc = "the common effects the answers matched"},
    {.name = "photo",
     .type = MD_F_JSON,
     .json_check = check_object,
     .doc = "the patient's photo: sha256, thumb_sha256, media_type, width, height"},
    {.name = "client",
     .type = MD_F_JSON,
     .json_check = check_object,
     .doc = "opened and answered: at, address, user_agent"},
    {0},
};

const md_record_kind md_kind_checkin = {
    .name = "checkin",
    .table = "checkins",
    .collection = "checkins",
    .schema = "Checkin",
    .title = "check-ins",
    .parent = &md_kind_patient,
    .has_parent = 1,
    .flags = 0,
    .read_perm = MD_PERM_CLINICAL_READ,
    .write_perm = MD_PERM_CHART_WRITE,
    .fields = checkin_fields,
    .status_field = "status",
};

/* ---- reading records ---- */

static const char *str(const json_t *rec, const char *key)
{
    return json_string_value(json_object_get(rec, key));
}

static int is(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* The clock of a read: now, and today in the clinic's zone. */
typedef struct ci_clock {
    int64_t now;
    md_day today;
    char zone[MD_ZONE_STR];
} ci_clock;

static md_code clock_of(md_ctx *ctx, ci_clock *c, md_err *err)
{
    c->now = md_now();
    return md_clinic_zone(ctx, c->zone, &c->today, err);
}

/* The status as read: pending past its expiry reads expired, past its due day overdue. */
static const char *status_of(const json_t *rec, const ci_clock *c)
{
    const char *s = str(rec, "status");
    int64_t exp = 0;
    md_day due = 0;
    if (!is(s, "pending")) return s ? s : "";
    if (md_time_parse(str(rec, "expires_at") ? str(rec, "expires_at") : "", &exp) == 0 &&
        c->now >= exp)
        return "expired";
    if (md_date_parse(str(rec, "due_on") ? str(rec, "due_on") : "", &due) == 0 && c->today > due)
        return "overdue";
    return "pending";
}

static void decorate(json_t *rec, const ci_clock *c)
{
    json_object_set_new(rec, "status", json_string(status_of(rec, c)));
}

/* The current version of one check-in of ctx's clinic, as stored (not decorated). */
static md_code load_current(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    json_t *items = NULL;
    if (!id || !md_id_valid(id)) return md_err_set(err, MD_ENOTFOUND, "id", "no such check-in");
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    md_code rc = md__record_query(ctx, &md_kind_checkin,
                                  "clinic_id = $1 AND id = $2 AND current = 1", v, 2, &items, err);
    if (rc == MD_OK && json_array_size(items) == 0)
        rc = md_err_set(err, MD_ENOTFOUND, "id", "no such check-in");
    if (rc == MD_OK) *out = json_incref(json_array_get(items, 0));
    json_decref(items);
    return rc;
}

static md_code audit_read(md_ctx *ctx, const char *id, const char *patient_id, const char *detail,
                          md_err *err)
{
    md_audit_entry a = {"read", "checkin", id, patient_id, detail};
    return md_audit(ctx, &a, err);
}

/* ---- writing versions ---- */

/* member key of rec as compact JSON text (malloc'd), NULL when absent or null. */
static char *dump(const json_t *rec, const char *key)
{
    json_t *v = json_object_get(rec, key);
    return v && !json_is_null(v) ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

/* Insert rec as its "version" (1: a new record) inside the caller's write, the previous
 * version no longer current; audited as action. */
static md_code store_version(md_ctx *ctx, json_t *rec, const char *reason, const char *action,
                             md_err *err)
{
    static const char *const json_cols[] = {"answers", "red_flags", "effects", "photo", "client"};
    char now[MD_TIME_STR];
    char *j[5] = {0};
    md_code rc = MD_OK;
    md_time_format(md_now(), now);
    json_int_t version = json_integer_value(json_object_get(rec, "version"));
    const char *by = md_actor_id(ctx);
    json_object_set_new(rec, "recorded_by", json_string(by));
    json_object_set_new(rec, "recorded_at", json_string(now));
    json_object_set_new(rec, "reason", json_string(reason));
    for (int i = 0; i < 5; i++) {
        j[i] = dump(rec, json_cols[i]);
        json_t *v = json_object_get(rec, json_cols[i]);
        if (v && !json_is_null(v) && !j[i]) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    }
    md_val key[] = {md_text(ctx->who.clinic_id), md_text(str(rec, "id"))};
    if (rc == MD_OK && version > 1)
        rc = md_store_exec(ctx->db,
                           "UPDATE checkins SET current = 0 WHERE clinic_id = $1 AND id = $2 AND "
                           "current = 1",
                           key, 2, NULL, NULL, err);
    if (rc == MD_OK && version > 1 && md_store_changes(ctx->db) != 1)
        rc = md_err_set(err, MD_ECONFLICT, "version", "the check-in changed meanwhile");
    md_val v[] = {md_text(ctx->who.clinic_id),
                  md_text(str(rec, "id")),
                  md_int(version),
                  md_text(by),
                  md_text(now),
                  md_text(reason),
                  md_text(str(rec, "patient_id")),
                  md_text(str(rec, "session_id")),
                  md_text(str(rec, "course_id")),
                  md_text(str(rec, "protocol")),
                  md_int(json_integer_value(json_object_get(rec, "day_offset"))),
                  md_text(str(rec, "due_on")),
                  md_text(str(rec, "expires_at")),
                  md_text(str(rec, "status")),
                  md_text(str(rec, "sent_at")),
                  md_text(str(rec, "opened_at")),
                  md_text(str(rec, "answered_at")),
                  md_text(j[0]),
                  md_text(j[1]),
                  md_text(j[2]),
                  md_text(j[3]),
                  md_text(j[4])};
    if (rc == MD_OK)
        rc = md_store_exec(ctx->db,
                           "INSERT INTO checkins (clinic_id, id, version, current, recorded_by, "
                           "recorded_at, reason, patient_id, session_id, course_id, protocol, "
                           "day_offset, due_on, expires_at, status, sent_at, opened_at, "
                           "answered_at, answers, red_flags, effects, photo, client) VALUES ($1, "
                           "$2, $3, 1, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
                           "$17, $18, $19, $20, $21, $22)",
                           v, 22, NULL, NULL, err);
    for (int i = 0; i < 5; i++)
        free(j[i]);
    md_audit_entry a = {action, "checkin", str(rec, "id"), str(rec, "patient_id"),
                        str(rec, "session_id")};
    if (rc == MD_OK) rc = md_audit(ctx, &a, err);
    return rc;
}

/* The next version of cur (stored, not decorated), to be changed and stored. */
static void next_version(json_t *cur)
{
    json_object_set_new(cur, "version",
                        json_integer(json_integer_value(json_object_get(cur, "version")) + 1));
}

/* A new link for check-in id: *token set (shown once), its hash stored. */
static md_code link_new(md_ctx *ctx, const char *id, char token[MD_TOKEN_STR], md_err *err)
{
    char th[65], now[MD_TIME_STR];
    md_token_new(token);
    md_token_hash(token, th);
    md_time_format(md_now(), now);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(th), md_text(id), md_text(now)};
    return md_store_exec(ctx->db,
                         "INSERT INTO checkin_links (clinic_id, token_hash, checkin_id, "
                         "created_at) VALUES ($1, $2, $3, $4)",
                         v, 4, NULL, NULL, err);
}

static md_code links_revoke(md_ctx *ctx, const char *id, md_err *err)
{
    char now[MD_TIME_STR];
    md_time_format(md_now(), now);
    md_val v[] = {md_text(now), md_text(ctx->who.clinic_id), md_text(id)};
    return md_store_exec(ctx->db,
                         "UPDATE checkin_links SET revoked_at = $1 WHERE clinic_id = $2 AND "
                         "checkin_id = $3 AND revoked_at IS NULL",
                         v, 3, NULL, NULL, err);
}

/* The link's end: the start of the day valid_days after due, in the clinic's zone. */
static md_code expiry_of(md_ctx *ctx, const char *zone, md_day due, char out[MD_TIME_STR],
                         md_err *err)
{
    int64_t t = 0;
    if (md_tz_day_start(zone, due + md_kb_checkin_valid_days(ctx->kb) + 1, &t) != 0)
        return md_err_set(err, MD_EINTERNAL, NULL, "the clinic's time zone is unknown");
    md_time_format(t, out);
    return MD_OK;
}

static json_t *link_json(md_ctx *ctx, const json_t *rec, const char *token)
{
    return json_pack("{s:s,s:I,s:s,s:s,s:s,s:s}", "id", str(rec, "id"), "day_offset",
                     json_integer_value(json_object_get(rec, "day_offset")), "due_on",
                     str(rec, "due_on"), "expires_at", str(rec, "expires_at"), "token", token,
                     "path", md_arena_printf(ctx->arena, "/ci/%s", token));
}

/* ---- scheduling (inside md_chart_complete's write) ---- */

md_code md_checkin_schedule(md_ctx *ctx, const json_t *session, json_t **links, md_err *err)
{
    int days[MD_CHECKIN_DAYS_MAX];
    md_course_slot slot;
    ci_clock c;
    md_day day = 0;
    char now[MD_TIME_STR];
    const char *course_id = str(session, "course_id");
    json_int_t seq = json_integer_value(json_object_get(session, "course_session"));
    md_code rc = md_require(ctx, MD_PERM_CHART_WRITE, err);
    if (rc == MD_OK && !ctx->kb) rc = md_err_set(err, MD_EINTERNAL, NULL, "no knowledge base");
    if (rc == MD_OK && md_date_parse(str(session, "day") ? str(session, "day") : "", &day) != 0)
        rc = md_err_set(err, MD_EINTERNAL, "day", "the session has no day");
    if (rc == MD_OK) rc = md_course_slot_get(ctx, course_id, (int)seq, &slot, err);
    if (rc == MD_OK) rc = clock_of(ctx, &c, err);
    if (rc != MD_OK) return rc;
    size_t n = md_kb_checkin_days(ctx->kb, slot.protocol, days, NULL, NULL);
    json_t *out = json_array();
    md_time_format(c.now, now);
    for (size_t i = 0; rc == MD_OK && i < n; i++) {
        char id[MD_ID_STR], due[MD_DATE_STR], exp[MD_TIME_STR], token[MD_TOKEN_STR];
        md_id_new(id);
        md_date_format(day + days[i], due);
        if ((rc = expiry_of(ctx, c.zone, day + days[i], exp, err)) != MD_OK) break;
        json_t *rec =
            json_pack("{s:s,s:i,s:s,s:s,s:s?,s:s,s:i,s:s,s:s,s:s,s:s}", "id", id, "version", 1,
                      "patient_id", str(session, "patient_id"), "session_id", str(session, "id"),
                      "course_id", course_id, "protocol", slot.protocol, "day_offset", days[i],
                      "due_on", due, "expires_at", exp, "status", "pending", "sent_at", now);
        if (!rec) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        if (rc == MD_OK)
            rc = store_version(ctx, rec,
                               md_arena_printf(ctx->arena, "day %d after the session", days[i]),
                               "create", err);
        if (rc == MD_OK) rc = link_new(ctx, id, token, err);
        if (rc == MD_OK) json_array_append_new(out, link_json(ctx, rec, token));
        sodium_memzero(token, sizeof token);
        json_decref(rec);
    }
    if (rc != MD_OK) {
        json_decref(out);
        return rc;
    }
    *links = out;
    return MD_OK;
}

/* ---- staff ---- */

md_code md_checkin_get(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    json_t *cur = NULL;
    ci_clock c;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK) rc = load_current(ctx, id, &cur, err);
    if (rc == MD_OK) rc = clock_of(ctx, &c, err);
    if (rc == MD_OK) rc = audit_read(ctx, id, str(cur, "patient_id"), NULL, err);
    if (rc != MD_OK) {
        json_decref(cur);
        return rc;
    }
    decorate(cur, &c);
    *out = cur;
    return MD_OK;
}

md_code md_checkin_list(md_ctx *ctx, const char *session_id, const char *patient_id, json_t **out,
                        md_err *err)
{
    json_t *items = NULL;
    char patient[MD_ID_STR] = "";
    ci_clock c;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK && !session_id == !patient_id)
        rc = md_err_set(err, MD_EINTERNAL, NULL, "check-ins of a session or of a patient");
    if (rc == MD_OK && session_id) {
        md_val v[] = {md_text(ctx->who.clinic_id), md_text(session_id)};
        rc = md_id_valid(session_id)
                 ? md_store_scalar_text(ctx->db,
                                        "SELECT patient_id FROM treatment_sessions WHERE "
                                        "clinic_id = $1 AND id = $2 AND current = 1",
                                        v, 2, patient, sizeof patient, err)
                 : MD_ENOTFOUND;
        if (rc == MD_ENOTFOUND) rc = md_err_set(err, MD_ENOTFOUND, "id", "no such session");
    } else if (rc == MD_OK) {
        rc = md_patient_exists(ctx, patient_id, err);
        md_strlcpy(patient, patient_id, sizeof patient);
    }
    if (rc == MD_OK) rc = clock_of(ctx, &c, err);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(session_id ? session_id : patient_id)};
    if (rc == MD_OK)
        rc = md__record_query(ctx, &md_kind_checkin,
                              session_id ? "clinic_id = $1 AND session_id = $2 AND current = 1 "
                                           "ORDER BY day_offset, id"
                                         : "clinic_id = $1 AND patient_id = $2 AND current = 1 "
                                           "ORDER BY due_on DESC, id",
                              v, 2, &items, err);
    if (rc == MD_OK) rc = audit_read(ctx, "*", patient, session_id ? "session" : "list", err);
    if (rc != MD_OK) {
        json_decref(items);
        return rc;
    }
    size_t i;
    json_t *e;
    json_array_foreach(items, i, e) decorate(e, &c);
    *out = json_pack("{s:o}", "items", items);
    return *out ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
}

typedef struct patient_row {
    json_t *o;
} patient_row;

static int patient_cb(void *vp, const md_row *r)
{
    patient_row *p = vp;
    p->o =
        json_pack("{s:s,s:s?,s:s?,s:s?}", "id", md_row_text(r, 0), "given_name", md_row_text(r, 1),
                  "family_name", md_row_text(r, 2), "phone", md_row_text(r, 3));
    return 1;
}

md_code md_checkin_overdue(md_ctx *ctx, json_t **out, md_err *err)
{
    json_t *items = NULL, *list = json_array();
    md_audit_entry *audit = NULL;
    ci_clock c;
    char today[MD_DATE_STR];
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK) rc = clock_of(ctx, &c, err);
    md_date_format(c.today, today);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(today), md_int(OVERDUE_MAX)};
    if (rc == MD_OK)
        rc = md__record_query(ctx, &md_kind_checkin,
                              "clinic_id = $1 AND current = 1 AND status = 'pending' AND due_on "
                              "< $2 ORDER BY due_on, id LIMIT $3",
                              v, 3, &items, err);
    size_t n = json_array_size(items);
    if (rc == MD_OK && n && !(audit = md_arena_calloc(ctx->arena, n * sizeof *audit)))
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; rc == MD_OK && i < n; i++) {
        json_t *e = json_array_get(items, i);
        patient_row p = {NULL};
        md_val pv[] = {md_text(ctx->who.clinic_id), md_text(str(e, "patient_id"))};
        rc = md_store_exec(ctx->db,
                           "SELECT id, given_name, family_name, phone FROM patients WHERE "
                           "clinic_id = $1 AND id = $2 AND current = 1",
                           pv, 2, patient_cb, &p, err);
        decorate(e, &c);
        json_t *item = json_deep_copy(e);
        json_object_set_new(item, "patient", p.o ? p.o : json_null());
        json_array_append_new(list, item);
        audit[i] = (md_audit_entry){"read", "checkin", str(e, "id"), str(e, "patient_id"),
                                    "overdue worklist"};
    }
    if (rc == MD_OK && n) rc = md_audit_many(ctx, audit, n, err);
    json_decref(items);
    if (rc == MD_OK)
        *out = json_pack("{s:s,s:o,s:I}", "as_of", today, "items", list, "count", (json_int_t)n);
    else
        json_decref(list);
    return rc;
}

md_code md_checkin_reissue(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    json_t *cur = NULL;
    ci_clock c;
    char token[MD_TOKEN_STR];
    md_code rc = md_require(ctx, MD_PERM_CHART_WRITE, err);
    if (rc == MD_OK) rc = clock_of(ctx, &c, err);
    if (rc == MD_OK) rc = md_write_begin(ctx, err);
    if (rc != MD_OK) return rc;
    rc = load_current(ctx, id, &cur, err);
    const char *st = rc == MD_OK ? status_of(cur, &c) : "";
    if (rc == MD_OK && !is(st, "pending") && !is(st, "overdue"))
        rc = md_err_set(err, MD_ECONFLICT, "status",
                        "the check-in is %s: only a pending or overdue one gets a new link", st);
    if (rc == MD_OK) rc = links_revoke(ctx, id, err);
    if (rc == MD_OK) rc = link_new(ctx, id, token, err);
    if (rc == MD_OK) {
        /* the new link is valid as long as a fresh one would be, from today or its due day */
        md_day due = 0, from;
        char exp[MD_TIME_STR];
        md_date_parse(str(cur, "due_on"), &due);
        from = due > c.today ? due : c.today;
        rc = expiry_of(ctx, c.zone, from, exp, err);
        if (rc == MD_OK) {
            char now[MD_TIME_STR];
            md_time_format(c.now, now);
            next_version(cur);
            json_object_set_new(cur, "expires_at", json_string(exp));
            json_object_set_new(cur, "sent_at", json_string(now));
            rc = store_version(ctx, cur, "a new link issued", "reissue", err);
        }
    }
    rc = md_write_finish(ctx, rc, err);
    if (rc == MD_OK) {
        *out = link_json(ctx, cur, token);
        json_object_del(*out, "day_offset");
        json_object_del(*out, "due_on");
    }
    sodium_memzero(token, sizeof token);
    json_decref(cur);
    return rc;
}

md_code md_checkin_cancel(md_ctx *ctx, const char *id, json_t *in, json_t **out, md_err *err)
{
    static const char *const keys[] = {"reason", "version", NULL};
    json_t *cur = NULL;
    const char *reason = NULL;
    long version = 0;
    int has_version = 0;
    ci_clock c;
    md_code rc = md_require(ctx, MD_PERM_CHART_WRITE, err);
    if (rc == MD_OK && !json_is_object(in))
        rc = md_err_set(err, MD_EINVAL, NULL, "the body must be an object with a reason");
    if (rc == MD_OK) rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK) rc = md_json_text(in, "reason", 1, 480, &reason, err);
    if (rc == MD_OK) rc = md_json_int(in, "version", 0, 1, 1000000, &version, &has_version, err);
    if (rc == MD_OK) rc = clock_of(ctx, &c, err);
    if (rc == MD_OK) rc = md_write_begin(ctx, err);
    if (rc != MD_OK) return rc;
    rc = load_current(ctx, id, &cur, err);
    if (rc == MD_OK && has_version &&
        version != json_integer_value(json_object_get(cur, "version")))
        rc = md_err_set(err, MD_ECONFLICT, "version", "the check-in has changed since version %ld",
                        version);
    if (rc == MD_OK && !is(str(cur, "status"), "pending"))
        rc = md_err_set(err, MD_ECONFLICT, "status", "the check-in is %s", status_of(cur, &c));
    if (rc == MD_OK) rc = links_revoke(ctx, id, err);
    if (rc == MD_OK) {
        next_version(cur);
        json_object_set_new(cur, "status", json_string("cancelled"));
        rc = store_version(ctx, cur, reason, "cancel", err);
    }
    rc = md_write_finish(ctx, rc, err);
    if (rc == MD_OK) {
        decorate(cur, &c);
        *out = json_incref(cur);
    }
    json_decref(cur);
    return rc;
}

/* ---- the patient's side ---- */

/* The check-in a link names, acting as the patient of its clinic; *cur as stored.
 * MD_ENOTFOUND naming "token" for an unknown or revoked link. */
static md_code load_by_token(md_ctx *ctx, const char *token, json_t **cur, md_err *err)
{
    char th[65], id[MD_ID_STR] = "", clinic[MD_ID_STR] = "";
    int64_t revoked = 1;
    if (!token || !*token || strlen(token) >= MD_TOKEN_STR)
        return md_err_set(err, MD_ENOTFOUND, "token", "this link is not valid");
    md_token_hash(token, th);
    md_val v[] = {md_text(th)};
    md_code rc =
        md_store_scalar_text(ctx->db, "SELECT clinic_id FROM checkin_links WHERE token_hash = $1",
                             v, 1, clinic, sizeof clinic, err);
    if (rc == MD_OK)
        rc = md_store_scalar_text(ctx->db,
                                  "SELECT checkin_id FROM checkin_links WHERE token_hash = $1", v,
                                  1, id, sizeof id, err);
    if (rc == MD_OK)
        rc = md_store_scalar_int(ctx->db,
                                 "SELECT CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END FROM "
                                 "checkin_links WHERE token_hash = $1",
                                 v, 1, &revoked, err);
    if (rc == MD_OK && revoked) rc = MD_ENOTFOUND;
    if (rc == MD_ENOTFOUND) return md_err_set(err, MD_ENOTFOUND, "token", "this link is not valid");
    if (rc != MD_OK) return rc;
    md_strlcpy(ctx->who.clinic_id, clinic, sizeof ctx->who.clinic_id);
    md_strlcpy(ctx->who.staff_id, "patient", sizeof ctx->who.staff_id);
    ctx->who.role = MD_ROLE_NONE;
    rc = load_current(ctx, id, cur, err);
    if (rc == MD_ENOTFOUND) return md_err_set(err, MD_ENOTFOUND, "token", "this link is not valid");
    return rc;
}

/* May the link of cur still be used? */
static md_code still_open(const json_t *cur, const ci_clock *c, md_err *err)
{
    const char *s = status_of(cur, c);
    if (is(s, "answered"))
        return md_err_set(err, MD_ECONFLICT, "token",
                          "this check-in was answered already: a link works once");
    if (is(s, "expired"))
        return md_err_set(err, MD_EUNPROCESSABLE, "token",
                          "this link expired on %s; please call the clinic",
                          str(cur, "expires_at"));
    if (!is(s, "pending") && !is(s, "overdue"))
        return md_err_set(err, MD_ECONFLICT, "token", "this check-in is %s", s);
    return MD_OK;
}

/* The check-in of a link that may still be used (inside the caller's write), and the clock
 * its state was read with. */
static md_code usable_link(md_ctx *ctx, const char *token, json_t **cur, ci_clock *c, md_err *err)
{
    md_code rc = load_by_token(ctx, token, cur, err);
    if (rc == MD_OK) rc = clock_of(ctx, c, err);
    if (rc == MD_OK) rc = still_open(*cur, c, err);
    return rc;
}

static json_t *client_event(md_ctx *ctx, const char *ua, const char *at)
{
    char uab[MD_CHECKIN_UA_MAX + 1];
    md_strlcpy(uab, ua ? ua : "", sizeof uab);
    json_t *o =
        json_pack("{s:s,s:s,s:s}", "at", at, "address", ctx->client_addr, "user_agent", uab);
    if (!o) /* a User-Agent cut inside a character, or not UTF-8 */
        o = json_pack("{s:s,s:s,s:n}", "at", at, "address", ctx->client_addr, "user_agent");
    return o;
}

static void set_client(json_t *cur, const char *step, json_t *ev)
{
    json_t *cl = json_object_get(cur, "client");
    if (!json_is_object(cl)) {
        cl = json_object();
        json_object_set_new(cur, "client", cl);
    }
    json_object_set_new(cl, step, ev);
}

md_code md_checkin_open_ua(md_ctx *ctx, const char *token, const char *user_agent, json_t **out,
                           md_err *err)
{
    json_t *cur = NULL, *clinic = NULL;
    char given[128] = "";
    ci_clock c;
    md_code rc = md_write_begin(ctx, err);
    if (rc != MD_OK) return rc;
    rc = usable_link(ctx, token, &cur, &c, err);
    if (rc == MD_OK && !ctx->kb) rc = md_err_set(err, MD_EINTERNAL, NULL, "no knowledge base");
    if (rc == MD_OK && !str(cur, "opened_at")) {
        char now[MD_TIME_STR];
        md_time_format(c.now, now);
        next_version(cur);
        json_object_set_new(cur, "opened_at", json_string(now));
        set_client(cur, "opened", client_event(ctx, user_agent, now));
        rc = store_version(ctx, cur, "opened by the patient", "open", err);
    } else if (rc == MD_OK) {
        rc = audit_read(ctx, str(cur, "id"), str(cur, "patient_id"), "patient link", err);
    }
    rc = md_write_finish(ctx, rc, err);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(str(cur, "patient_id"))};
    if (rc == MD_OK) rc = md_clinic_get(ctx->db, ctx->who.clinic_id, &clinic, err);
    if (rc == MD_OK)
        rc = md_store_scalar_text(ctx->db,
                                  "SELECT given_name FROM patients WHERE clinic_id = $1 AND id = "
                                  "$2 AND current = 1",
                                  v, 2, given, sizeof given, err);
    if (rc == MD_OK) {
        json_t *photo = json_object_get(cur, "photo");
        *out = json_pack("{s:{s:O*,s:O*},s:{s:s},s:I,s:s,s:s,s:s,s:o,s:b}", "clinic", "name",
                         json_object_get(clinic, "name"), "phone", json_object_get(clinic, "phone"),
                         "patient", "given_name", given, "day_offset",
                         json_integer_value(json_object_get(cur, "day_offset")), "due_on",
                         str(cur, "due_on"), "expires_at", str(cur, "expires_at"), "status",
                         status_of(cur, &c), "questions", md_kb_checkin_questions_json(ctx->kb),
                         "photo_attached", photo && !json_is_null(photo));
        if (!*out) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    }
    json_decref(clinic);
    json_decref(cur);
    return rc;
}

md_code md_checkin_open(md_ctx *ctx, const char *token, json_t **out, md_err *err)
{
    return md_checkin_open_ua(ctx, token, NULL, out, err);
}

/* text with {clinic} and {phone} replaced, into the arena. */
static const char *fill(md_ctx *ctx, const char *text, const char *clinic, const char *phone)
{
    md_sbuf b;
    md_sbuf_init_arena(&b, ctx->arena, MESSAGE_MAX);
    for (const char *p = text; p && *p;) {
        if (strncmp(p, "{clinic}", 8) == 0) {
            md_sbuf_append(&b, clinic ? clinic : "the clinic");
            p += 8;
        } else if (strncmp(p, "{phone}", 7) == 0) {
            md_sbuf_append(&b, phone ? phone : "");
            p += 7;
        } else {
            md_sbuf_appendf(&b, "%c", *p++);
        }
    }
    return md_sbuf_ok(&b) ? b.p : text;
}

/* What the patient is told: call the clinic now (with its number) or thanks. */
static json_t *answer_json(md_ctx *ctx, const json_t *clinic, const json_t *flags)
{
    const char *name = str(clinic, "name"), *phone = str(clinic, "phone");
    int call = json_array_size(flags) > 0;
    if (phone && !*phone) phone = NULL;
    const char *which = !call ? "thanks" : phone ? "call_now" : "call_now_no_phone";
    const char *msg = fill(ctx, md_kb_checkin_message(ctx->kb, which), name, phone);
    return json_pack("{s:s,s:b,s:s,s:s?}", "status", "answered", "call_now", call, "message",
                     msg ? msg : "", "clinic_phone", phone);
}

md_code md_checkin_submit_ua(md_ctx *ctx, const char *token, json_t *in, const char *user_agent,
                             json_t **out, md_err *err)
{
    static const char *const keys[] = {"answers", NULL};
    json_t *cur = NULL, *clean = NULL, *flags = NULL, *fx = NULL, *clinic = NULL;
    ci_clock c;
    /* Checked and written under the write lock: a link is answered once, even under a race. */
    md_code rc = md_write_begin(ctx, err);
    if (rc != MD_OK) return rc;
    rc = usable_link(ctx, token, &cur, &c, err);
    if (rc == MD_OK && !json_is_object(in))
        rc = md_err_set(err, MD_EINVAL, NULL, "the body must be an object with \"answers\"");
    if (rc == MD_OK) rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK && !json_object_get(in, "answers"))
        rc = md_err_set(err, MD_EINVAL, "answers", "answers is required");
    if (rc == MD_OK)
        rc = md_kb_checkin_match(ctx->kb, json_object_get(in, "answers"), &clean, &flags, &fx, err);
    if (rc == MD_OK) rc = md_clinic_get(ctx->db, ctx->who.clinic_id, &clinic, err);
    if (rc == MD_OK) {
        char now[MD_TIME_STR];
        md_time_format(c.now, now);
        next_version(cur);
        json_object_set_new(cur, "status", json_string("answered"));
        json_object_set_new(cur, "answered_at", json_string(now));
        json_object_set(cur, "answers", clean);
        json_object_set(cur, "red_flags", flags);
        json_object_set(cur, "effects", fx);
        set_client(cur, "answered", client_event(ctx, user_agent, now));
        rc = store_version(ctx, cur, "answered by the patient", "answer", err);
    }
    if (rc == MD_OK && json_array_size(flags) > 0) {
        json_t *detail =
            json_pack("{s:s,s:I,s:O,s:s}", "session_id", str(cur, "session_id"), "day_offset",
                      json_integer_value(json_object_get(cur, "day_offset")), "red_flags", flags,
                      "answered_at", str(cur, "answered_at"));
        rc = md_escalation_raise(ctx, str(cur, "patient_id"), "checkin", str(cur, "id"),
                                 "checkin_red_flag", detail, NULL, err);
        json_decref(detail);
    }
    rc = md_write_finish(ctx, rc, err);
    if (rc == MD_OK) {
        *out = answer_json(ctx, clinic, flags);
        if (!*out) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    }
    json_decref(clinic);
    json_decref(clean);
    json_decref(flags);
    json_decref(fx);
    json_decref(cur);
    return rc;
}

md_code md_checkin_submit(md_ctx *ctx, const char *token, json_t *in, json_t **out, md_err *err)
{
    return md_checkin_submit_ua(ctx, token, in, NULL, out, err);
}

md_code md_checkin_photo(md_ctx *ctx, const char *token, const void *data, size_t len, json_t **out,
                         md_err *err)
{
    json_t *cur = NULL;
    md_image img = {0};
    char sha[65], thumb_sha[65];
    ci_clock c;
    md_code rc = md_write_begin(ctx, err);
    if (rc != MD_OK) return rc;
    rc = usable_link(ctx, token, &cur, &c, err);
    if (rc == MD_OK) rc = md_image_clean(data, len, NULL, &img, err);
    if (rc == MD_OK) rc = md_media_put(ctx, img.data, img.len, sha, err);
    if (rc == MD_OK) rc = md_media_put(ctx, img.thumb, img.thumb_len, thumb_sha, err);
    if (rc == MD_OK) {
        next_version(cur);
        json_object_set_new(cur, "photo",
                            json_pack("{s:s,s:s,s:s,s:i,s:i}", "sha256", sha, "thumb_sha256",
                                      thumb_sha, "media_type", img.media_type, "width", img.width,
                                      "height", img.height));
        rc = store_version(ctx, cur, "photo sent by the patient", "photo", err);
    }
    rc = md_write_finish(ctx, rc, err);
    if (rc == MD_OK) {
        *out = json_pack("{s:O}", "photo", json_object_get(cur, "photo"));
        if (!*out) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    }
    md_image_free(&img);
    json_decref(cur);
    return rc;
}
