/*
 * booking.c - appointments: booking with its checks, conflicts, course windows and
 * credentials, and the moves of an appointment's life (booking.h, docs/BOOKINGS.md).
 *
 * State machine of an appointment (each move a new version with who, when and why):
 *
 *   booked --arrive--> arrived --complete--> completed      (final)
 *   booked --cancel {reason}--> cancelled                   (final)
 *   arrived --cancel {reason}--> cancelled                  (the patient left untreated)
 *   booked --no_show--> no_show                             (final)
 *   booked --reschedule {start, ...}--> booked              (every check run again)
 *   anything else: 409 naming "status".
 *   complete of a course session calls md_course_session_done in the same transaction.
 *
 * A booking (create or reschedule) passes, in this order, each failure a 4xx naming its
 * field: the input (types, keys; "start" UTC or "start_local" in the clinic's zone, the
 * skipped hour of a clock change refused); the course and its session (course_id,
 * course_session); end after start (end) and at most MD_APPT_MAX_MINUTES long; not in the
 * past (start); the patient, practitioner and room (404); the clinic's hours and the
 * practitioner's availability (availability.c); the course window (409 "start", unless a
 * practitioner with clinical write gives window_override_reason: stored and audited;
 * anyone else 403); the practitioner's credential for a treatment (md_credential_check).
 *
 * Conflicts are checked inside the write transaction, after md_store_lock on the
 * practitioner's and the room's keys (in key order, so two bookings cannot deadlock):
 * an index range on (clinic_id, practitioner_id, start_at) and one on (clinic_id, room_id,
 * start_at), both partial on current = 1, bounded below by start - MD_APPT_MAX_MINUTES,
 * since no appointment is longer.  Cancelled and no-show appointments hold no slot.
 */
#include "booking_int.h"
#include "mesodesk/audit.h"
#include "mesodesk/commit.h"
#include "mesodesk/course.h"
#include "mesodesk/credential.h"
#include "mesodesk/tz.h"
#include "mesodesk/validate.h"
#include "record_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the kind ---- */

static const char *const appt_kinds[] = {"treatment", "consultation", "patch_test", "review", NULL};
/* Minutes when neither end, duration nor the course's session length says. */
static const int appt_kind_minutes[] = {45, 30, 15, 20};
static const char *const appt_status[] = {"booked",    "arrived", "completed",
                                          "cancelled", "no_show", NULL};

static const md_field appointment_fields[] = {
    {.name = "practitioner_id", .type = MD_F_TEXT, .required = 1, .max_len = 32},
    {.name = "room_id", .type = MD_F_TEXT, .required = 1, .max_len = 32},
    {.name = "kind", .type = MD_F_ENUM, .required = 1, .values = appt_kinds},
    {.name = "start_at", .type = MD_F_TEXT, .required = 1, .max_len = 20, .doc = "UTC"},
    {.name = "end_at", .type = MD_F_TEXT, .required = 1, .max_len = 20, .doc = "UTC"},
    {.name = "status", .type = MD_F_ENUM, .required = 1, .values = appt_status, .dflt = "booked"},
    {.name = "course_id", .type = MD_F_TEXT, .max_len = 32},
    {.name = "course_session", .type = MD_F_INT, .min = 1, .max = 1000},
    {.name = "override_reason",
     .type = MD_F_TEXT,
     .max_len = 500,
     .doc = "why a booking outside the course window was allowed"},
    {.name = "override_by", .type = MD_F_TEXT, .max_len = 32},
    {.name = "override_at", .type = MD_F_TEXT, .max_len = 20},
    {.name = "note", .type = MD_F_TEXT, .max_len = 500},
    {0},
};

static md_code decorate_appointment(md_ctx *ctx, json_t *rec, md_err *err)
{
    char tz[MD__TZ_NAME];
    md_code rc = md_clinic_zone(ctx, tz, NULL, err);
    if (rc == MD_OK) md__appointment_shape(rec, tz);
    return rc;
}

const md_record_kind md_kind_appointment = {
    .name = "appointment",
    .table = "appointments",
    .collection = "appointments", /* no generic routes; a patient merge moves them */
    .schema = "Appointment",
    .title = "appointments",
    .parent = &md_kind_patient,
    .has_parent = 1,
    .read_perm = MD_PERM_SCHEDULE_READ,
    .write_perm = MD_PERM_SCHEDULE_WRITE,
    .fields = appointment_fields,
    .hooks = {.decorate = decorate_appointment},
};

static void set_local(json_t *rec, const char *key, const char *utc_key, const char *tz)
{
    int64_t t;
    char local[MD_LOCAL_STR];
    const char *s = json_string_value(json_object_get(rec, utc_key));
    if (s && md_time_parse(s, &t) == 0 && md_tz_from_utc(tz, t, local, NULL) == 0)
        json_object_set_new(rec, key, json_string(local));
}

void md__appointment_shape(json_t *rec, const char *tz)
{
    if (!json_object_get(rec, "start_at")) return;
    json_object_set(rec, "start", json_object_get(rec, "start_at"));
    json_object_set(rec, "end", json_object_get(rec, "end_at"));
    set_local(rec, "start_local", "start_at", tz);
    set_local(rec, "end_local", "end_at", tz);
    json_object_set_new(rec, "time_zone", json_string(tz));
    json_t *reason = json_object_get(rec, "override_reason");
    if (json_is_string(reason))
        json_object_set_new(rec, "window_override",
                            json_pack("{s:O,s:O,s:O}", "reason", reason, "by",
                                      json_object_get(rec, "override_by"), "at",
                                      json_object_get(rec, "override_at")));
    else
        json_object_set_new(rec, "window_override", json_null());
    static const char *const gone[] = {"start_at",    "end_at",      "override_reason",
                                       "override_by", "override_at", NULL};
    for (int i = 0; gone[i]; i++)
        json_object_del(rec, gone[i]);
}

/* ---- a booking's checks ---- */

typedef struct booking {
    const char *self_id; /* a reschedule: the appointment itself ("" for a new one) */
    const char *patient_id, *practitioner_id, *room_id, *kind, *course_id, *override_reason, *note;
    long course_session;
    int has_session;
    int64_t start, end;
    char tz[MD__TZ_NAME];
    md_course_slot slot;
} booking;

static int kind_index(const char *kind)
{
    for (int i = 0; appt_kinds[i]; i++)
        if (strcmp(appt_kinds[i], kind) == 0) return i;
    return 0;
}

static md_code window_text(const md_window *w, char *out, size_t sz)
{
    char a[MD_DATE_STR], t[MD_DATE_STR], b[MD_DATE_STR];
    md_date_format(w->earliest, a);
    md_date_format(w->target, t);
    md_date_format(w->latest, b);
    snprintf(out, sz, "%s to %s (target %s)", a, b, t);
    return MD_OK;
}

/* The course, its window and the practitioner's credential, once start is known. */
static md_code course_checks(md_ctx *ctx, booking *b, md_err *err)
{
    md_day day;
    char w[80];
    md_tz_day(b->tz, b->start, &day);
    if (!b->course_id) return MD_OK;
    if (day < b->slot.window.earliest || day > b->slot.window.latest) {
        window_text(&b->slot.window, w, sizeof w);
        if (!b->override_reason)
            return md_err_set(err, MD_ECONFLICT, "start",
                              "session %ld of the course is due from %s; the booking is on a day "
                              "%s the window: a practitioner may override it with "
                              "window_override_reason",
                              b->course_session, w,
                              day < b->slot.window.earliest ? "before" : "after");
        md_code rc = md_require(ctx, MD_PERM_CLINICAL_WRITE, err);
        if (rc != MD_OK)
            return md_err_set(err, MD_EFORBIDDEN, "window_override_reason",
                              "only a practitioner may book outside the course window (%s)", w);
    } else {
        b->override_reason = NULL; /* inside the window: nothing to override */
    }
    return MD_OK;
}

/* Read the body into b (create: all of it; a reschedule starts from the current values). */
static md_code read_input(md_ctx *ctx, json_t *in, booking *b, int creating, md_err *err)
{
    static const char *const create_keys[] = {"patient_id",
                                              "practitioner_id",
                                              "room_id",
                                              "kind",
                                              "start",
                                              "start_local",
                                              "end",
                                              "end_local",
                                              "duration_minutes",
                                              "course_id",
                                              "course_session",
                                              "window_override_reason",
                                              "note",
                                              NULL};
    static const char *const move_keys[] = {"practitioner_id",
                                            "room_id",
                                            "start",
                                            "start_local",
                                            "end",
                                            "end_local",
                                            "duration_minutes",
                                            "window_override_reason",
                                            "note",
                                            "reason",
                                            "version",
                                            NULL};
    const char *s = NULL, *sl = NULL, *e = NULL, *el = NULL;
    long minutes = 0, session = 0;
    int has_minutes = 0;
    if (!json_is_object(in)) return md_err_set(err, MD_EINVAL, NULL, "the body must be an object");
    md_code rc = md_json_check_keys(in, creating ? create_keys : move_keys, "", err);
    if (rc == MD_OK && creating) rc = md_json_text(in, "patient_id", 1, 32, &b->patient_id, err);
    const char *p = NULL, *room = NULL;
    if (rc == MD_OK) rc = md_json_text(in, "practitioner_id", creating, 32, &p, err);
    if (rc == MD_OK) rc = md_json_text(in, "room_id", creating, 32, &room, err);
    if (p) b->practitioner_id = p;
    if (room) b->room_id = room;
    if (rc == MD_OK && creating) rc = md_json_enum(in, "kind", 1, appt_kinds, &b->kind, err);
    if (rc == MD_OK) rc = md_json_text(in, "start", 0, 20, &s, err);
    if (rc == MD_OK) rc = md_json_text(in, "start_local", 0, 19, &sl, err);
    if (rc == MD_OK) rc = md_json_text(in, "end", 0, 20, &e, err);
    if (rc == MD_OK) rc = md_json_text(in, "end_local", 0, 19, &el, err);
    if (rc == MD_OK)
        rc = md_json_int(in, "duration_minutes", 0, 5, MD_APPT_MAX_MINUTES, &minutes, &has_minutes,
                         err);
    if (rc == MD_OK && creating) rc = md_json_text(in, "course_id", 0, 32, &b->course_id, err);
    if (rc == MD_OK && creating)
        rc = md_json_int(in, "course_session", 0, 1, 1000, &session, &b->has_session, err);
    if (rc == MD_OK)
        rc = md_json_text(in, "window_override_reason", 0, 500, &b->override_reason, err);
    if (rc == MD_OK && b->override_reason &&
        !b->override_reason[strspn(b->override_reason, " \t\r\n")])
        rc = md_err_set(err, MD_EUNPROCESSABLE, "window_override_reason",
                        "an override needs a written reason");
    const char *note = NULL;
    if (rc == MD_OK) rc = md_json_text(in, "note", 0, 500, &note, err);
    if (note) b->note = note;
    if (rc != MD_OK) return rc;
    if (b->has_session) b->course_session = session;
    if (creating && b->course_id && !b->has_session)
        return md_err_set(err, MD_EINVAL, "course_session",
                          "course_session is required with course_id");
    if (creating && !b->course_id && b->has_session)
        return md_err_set(err, MD_EINVAL, "course_id", "course_id is required with course_session");
    if (!!s + !!sl != 1)
        return md_err_set(err, MD_EINVAL, sl ? "start_local" : "start",
                          "give start (UTC, YYYY-MM-DDTHH:MM:SSZ) or start_local (the clinic's "
                          "time, YYYY-MM-DDTHH:MM), one of them");
    if (!!e + !!el + has_minutes > 1)
        return md_err_set(err, MD_EINVAL, "end",
                          "give end, end_local or duration_minutes, at most one of them");
    if ((rc = md_clinic_zone(ctx, b->tz, NULL, err)) != MD_OK) return rc;
    if (s && md_time_parse(s, &b->start) != 0)
        return md_err_set(err, MD_EINVAL, "start", "start must be a UTC time YYYY-MM-DDTHH:MM:SSZ");
    if (sl && (rc = md_tz_local_to_utc(b->tz, sl, &b->start, "start_local", err)) != MD_OK)
        return rc;
    if (b->course_id) {
        if ((rc = md_course_slot_get(ctx, b->course_id, (int)b->course_session, &b->slot, err)))
            return rc;
        if (strcmp(b->slot.patient_id, b->patient_id) != 0)
            return md_err_set(err, MD_EUNPROCESSABLE, "course_id",
                              "the course belongs to another patient");
        if (strcmp(b->slot.state, "completed") == 0 || strcmp(b->slot.state, "abandoned") == 0)
            return md_err_set(err, MD_ECONFLICT, "course_id", "the course is %s", b->slot.state);
        if (b->slot.done)
            return md_err_set(err, MD_ECONFLICT, "course_session",
                              "session %ld of the course is done already", b->course_session);
    }
    if (e && md_time_parse(e, &b->end) != 0)
        return md_err_set(err, MD_EINVAL, "end", "end must be a UTC time YYYY-MM-DDTHH:MM:SSZ");
    if (el && (rc = md_tz_local_to_utc(b->tz, el, &b->end, "end_local", err)) != MD_OK) return rc;
    if (has_minutes)
        b->end = b->start + minutes * 60;
    else if (!e && !el && creating)
        b->end = b->start + 60 * (b->course_id && b->slot.session_minutes > 0
                                      ? b->slot.session_minutes
                                      : appt_kind_minutes[kind_index(b->kind)]);
    if (b->end <= b->start)
        return md_err_set(err, MD_EUNPROCESSABLE, el ? "end_local" : "end",
                          "the end is not after the start");
    if (b->end - b->start > (int64_t)MD_APPT_MAX_MINUTES * 60)
        return md_err_set(err, MD_EUNPROCESSABLE, el ? "end_local" : "end",
                          "an appointment lasts at most %d minutes", MD_APPT_MAX_MINUTES);
    if (b->start < md_now() - 60)
        return md_err_set(err, MD_EUNPROCESSABLE, sl ? "start_local" : "start",
                          "the start is in the past");
    return MD_OK;
}

/* A treatment needs a practitioner with a current licence: of the protocol's scope for a
 * course session, else of any scope the kb knows (a treatment booked without a course names
 * no protocol).  The first refusal is the answer. */
static md_code credential_check(md_ctx *ctx, const booking *b, md_err *err)
{
    md_day day;
    md_tz_day(b->tz, b->start, &day);
    if (b->course_id && b->slot.required_scope[0])
        return md_credential_check(ctx, b->practitioner_id, b->slot.required_scope, day, err);
    json_t *kb = md_kb_credentials_json(ctx->kb);
    json_t *scopes = json_object_get(kb, "scopes");
    md_code rc = md_err_set(err, MD_ECONFLICT, "practitioner_id",
                            "the kb names no credential scope: no treatment can be booked");
    md_err first;
    md_err_clear(&first);
    for (size_t i = 0; rc != MD_OK && i < json_array_size(scopes); i++) {
        const char *code = json_string_value(json_object_get(json_array_get(scopes, i), "code"));
        rc = md_credential_check(ctx, b->practitioner_id, code, day, i ? err : &first);
        if (rc != MD_OK && rc != MD_ECONFLICT) break;
    }
    if (rc == MD_ECONFLICT && first.code != MD_OK) *err = first;
    json_decref(kb);
    return rc;
}

/* Everything but the conflicts: read on the caller's connection, before the write. */
static md_code static_checks(md_ctx *ctx, booking *b, md_err *err)
{
    md_code rc = md_patient_exists(ctx, b->patient_id, err);
    if (rc == MD_ENOTFOUND)
        rc = md_err_set(err, MD_ENOTFOUND, "patient_id", "no such patient %.40s", b->patient_id);
    if (rc == MD_OK) rc = md__room_check(ctx, b->room_id, err);
    if (rc == MD_OK) rc = md__schedule_check(ctx, b->tz, b->practitioner_id, b->start, b->end, err);
    if (rc == MD_OK) rc = course_checks(ctx, b, err);
    if (rc == MD_OK && strcmp(b->kind, "treatment") == 0) rc = credential_check(ctx, b, err);
    return rc;
}

static int id_row(void *vctx, const md_row *r)
{
    md_strlcpy(vctx, md_row_text(r, 0), MD_ID_STR);
    return 1;
}

static int64_t lock_key(const char *what, const char *clinic, const char *id)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    const char *parts[] = {what, clinic, id};
    for (int p = 0; p < 3; p++)
        for (const char *c = parts[p]; *c; c++)
            h = (h ^ (unsigned char)*c) * 1099511628211ull;
    return (int64_t)(h >> 1);
}

typedef struct clash {
    char id[MD_ID_STR], start[MD_TIME_STR], end[MD_TIME_STR];
} clash;

static int clash_row(void *vctx, const md_row *r)
{
    clash *c = vctx;
    md_strlcpy(c->id, md_row_text(r, 0), sizeof c->id);
    md_strlcpy(c->start, md_row_text(r, 1), sizeof c->start);
    md_strlcpy(c->end, md_row_text(r, 2), sizeof c->end);
    return 1;
}

#define CONFLICT_SQL(col)                                                                          \
    "SELECT id, start_at, end_at FROM appointments WHERE clinic_id = $1 AND " col " = $2 AND "     \
    "current = 1 AND start_at > $3 AND start_at < $4 AND end_at > $5 AND status <> 'cancelled' "   \
    "AND status <> 'no_show' AND id <> $6 ORDER BY start_at LIMIT 1"

const char *md_appointment_conflict_sql(int room)
{
    return room ? CONFLICT_SQL("room_id") : CONFLICT_SQL("practitioner_id");
}

static md_code conflicts(md_ctx *ctx, const booking *b, md_err *err)
{
    char lo[MD_TIME_STR], s[MD_TIME_STR], e[MD_TIME_STR];
    md_time_format(b->start - (int64_t)MD_APPT_MAX_MINUTES * 60, lo);
    md_time_format(b->start, s);
    md_time_format(b->end, e);
    /* The practitioner's, the room's and the course session's keys, locked in key order. */
    int64_t k[3] = {lock_key("practitioner", ctx->who.clinic_id, b->practitioner_id),
                    lock_key("room", ctx->who.clinic_id, b->room_id),
                    lock_key("course", ctx->who.clinic_id, b->course_id ? b->course_id : "")};
    int nk = b->course_id ? 3 : 2;
    for (int i = 1; i < nk; i++)
        for (int j = i; j > 0 && k[j] < k[j - 1]; j--) {
            int64_t t = k[j];
            k[j] = k[j - 1];
            k[j - 1] = t;
        }
    md_code rc = MD_OK;
    for (int i = 0; rc == MD_OK && i < nk; i++)
        rc = md_store_lock(ctx->db, k[i], err);
    if (rc == MD_OK && b->course_id) {
        /* One live appointment per course session. */
        char other[MD_ID_STR] = "";
        md_val v[] = {md_text(ctx->who.clinic_id), md_text(b->course_id), md_int(b->course_session),
                      md_text(b->self_id)};
        rc = md_store_exec(ctx->db,
                           "SELECT id FROM appointments WHERE clinic_id = $1 AND course_id = $2 "
                           "AND current = 1 AND course_session = $3 AND id <> $4 AND "
                           "(status = 'booked' OR status = 'arrived') ORDER BY id LIMIT 1",
                           v, 4, id_row, other, err);
        if (rc == MD_OK && other[0])
            rc = md_err_set(err, MD_ECONFLICT, "course_session",
                            "session %ld of the course is booked already: appointment %s",
                            b->course_session, other);
    }
    for (int room = 0; rc == MD_OK && room < 2; room++) {
        clash c;
        memset(&c, 0, sizeof c);
        md_val v[] = {md_text(ctx->who.clinic_id),
                      md_text(room ? b->room_id : b->practitioner_id),
                      md_text(lo),
                      md_text(e),
                      md_text(s),
                      md_text(b->self_id)};
        rc = md_store_exec(ctx->db, md_appointment_conflict_sql(room), v, 6, clash_row, &c, err);
        if (rc == MD_OK && c.id[0]) {
            char ls[MD_LOCAL_STR], le[MD_LOCAL_STR];
            int64_t t;
            md_time_parse(c.start, &t);
            md_tz_from_utc(b->tz, t, ls, NULL);
            md_time_parse(c.end, &t);
            md_tz_from_utc(b->tz, t, le, NULL);
            rc = md_err_set(err, MD_ECONFLICT, room ? "room_id" : "practitioner_id",
                            "the %s is booked from %s to %s (%s) by appointment %s",
                            room ? "room" : "practitioner", ls, le, b->tz, c.id);
        }
    }
    return rc;
}

/* The engine's record of b. */
static json_t *record_of(md_ctx *ctx, const booking *b, const char *status)
{
    char s[MD_TIME_STR], e[MD_TIME_STR], now[MD_TIME_STR];
    md_time_format(b->start, s);
    md_time_format(b->end, e);
    md_time_format(md_now(), now);
    json_t *o =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "practitioner_id", b->practitioner_id, "room_id",
                  b->room_id, "kind", b->kind, "start_at", s, "end_at", e, "status", status);
    if (!o) return NULL;
    if (b->course_id) {
        json_object_set_new(o, "course_id", json_string(b->course_id));
        json_object_set_new(o, "course_session", json_integer(b->course_session));
    }
    if (b->override_reason) {
        json_object_set_new(o, "override_reason", json_string(b->override_reason));
        json_object_set_new(o, "override_by", json_string(md_actor_id(ctx)));
        json_object_set_new(o, "override_at", json_string(now));
    } else {
        json_object_set_new(o, "override_reason", json_null());
        json_object_set_new(o, "override_by", json_null());
        json_object_set_new(o, "override_at", json_null());
    }
    json_object_set_new(o, "note", b->note ? json_string(b->note) : json_null());
    return o;
}

static md_code audit_override(md_ctx *ctx, const booking *b, const char *id, md_err *err)
{
    if (!b->override_reason) return MD_OK;
    md_audit_entry a = {"window_override", md_kind_appointment.name, id, b->patient_id,
                        "booked outside the course window"};
    return md_audit(ctx, &a, err);
}

md_code md_appointment_create(md_ctx *ctx, json_t *in, json_t **out, md_err *err)
{
    booking b = {.self_id = ""};
    json_t *rec = NULL, *made = NULL;
    md_code rc = md_require(ctx, MD_PERM_SCHEDULE_WRITE, err);
    if (rc == MD_OK) rc = read_input(ctx, in, &b, 1, err);
    if (rc == MD_OK) rc = static_checks(ctx, &b, err);
    if (rc != MD_OK) return rc;
    if (!(rec = record_of(ctx, &b, "booked"))) return md_err_set(err, MD_ENOMEM, NULL, "no memory");
    json_object_set_new(
        rec, "reason",
        json_string(b.override_reason ? "booked outside the course window" : "booked"));
    if ((rc = md_write_begin(ctx, err)) == MD_OK) {
        rc = conflicts(ctx, &b, err);
        if (rc == MD_OK)
            rc = md_record_create(ctx, &md_kind_appointment, b.patient_id, rec, &made, err);
        if (rc == MD_OK)
            rc = audit_override(ctx, &b, json_string_value(json_object_get(made, "id")), err);
        rc = md_write_finish(ctx, rc, err);
    }
    json_decref(rec);
    if (rc == MD_OK)
        *out = made;
    else
        json_decref(made);
    return rc;
}

/* ---- one appointment ---- */

/* The current version of appointment id, as the engine keeps it (start_at, ...). */
static md_code appointment_raw(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    char patient[MD_ID_STR] = "";
    if (!md_id_valid(id)) return md_err_set(err, MD_ENOTFOUND, "id", "no such appointment");
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    md_code rc = md_store_exec(ctx->db,
                               "SELECT patient_id FROM appointments WHERE clinic_id = $1 AND "
                               "id = $2 AND current = 1",
                               v, 2, id_row, patient, err);
    if (rc == MD_OK && !patient[0]) rc = md_err_set(err, MD_ENOTFOUND, "id", "no such appointment");
    if (rc == MD_OK) rc = md__record_current(ctx, &md_kind_appointment, patient, id, out, err);
    return rc;
}

md_code md_appointment_get(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    json_t *rec = NULL;
    md_code rc = md_require(ctx, MD_PERM_SCHEDULE_READ, err);
    if (rc == MD_OK) rc = appointment_raw(ctx, id, &rec, err);
    if (rc == MD_OK) {
        const char *pid = json_string_value(json_object_get(rec, "patient_id"));
        rc = md_record_get(ctx, &md_kind_appointment, pid, id, out, err);
    }
    json_decref(rec);
    return rc;
}

md_code md_appointment_history(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    json_t *rec = NULL;
    char tz[MD__TZ_NAME];
    md_code rc = md_require(ctx, MD_PERM_SCHEDULE_READ, err);
    if (rc == MD_OK) rc = appointment_raw(ctx, id, &rec, err);
    if (rc == MD_OK) {
        const char *pid = json_string_value(json_object_get(rec, "patient_id"));
        rc = md_record_history(ctx, &md_kind_appointment, pid, id, out, err);
    }
    if (rc == MD_OK) rc = md_clinic_zone(ctx, tz, NULL, err);
    if (rc == MD_OK) {
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(*out, "versions"), i, v) md__appointment_shape(v, tz);
    }
    json_decref(rec);
    return rc;
}

/* The moves (the state machine above). */
typedef struct move {
    const char *name, *from[3], *to, *reason;
    int needs_reason;
} move;

static const move moves[] = {
    {"arrive", {"booked", NULL}, "arrived", "arrived", 0},
    {"complete", {"arrived", NULL}, "completed", "completed", 0},
    {"cancel", {"booked", "arrived", NULL}, "cancelled", NULL, 1},
    {"no_show", {"booked", NULL}, "no_show", "did not come", 0},
    {"reschedule", {"booked", NULL}, "booked", "rescheduled", 0},
};

static const move *move_named(const char *name)
{
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
        if (strcmp(moves[i].name, name) == 0) return &moves[i];
    return NULL;
}

/* The booking of a current appointment record (strings point into rec). */
static md_code booking_of(md_ctx *ctx, json_t *rec, booking *b, md_err *err)
{
    b->self_id = json_string_value(json_object_get(rec, "id"));
    b->patient_id = json_string_value(json_object_get(rec, "patient_id"));
    b->practitioner_id = json_string_value(json_object_get(rec, "practitioner_id"));
    b->room_id = json_string_value(json_object_get(rec, "room_id"));
    b->kind = json_string_value(json_object_get(rec, "kind"));
    b->note = json_string_value(json_object_get(rec, "note"));
    b->course_id = json_string_value(json_object_get(rec, "course_id"));
    b->course_session = (long)json_integer_value(json_object_get(rec, "course_session"));
    b->has_session = b->course_id != NULL;
    md_time_parse(json_string_value(json_object_get(rec, "start_at")), &b->start);
    md_time_parse(json_string_value(json_object_get(rec, "end_at")), &b->end);
    return md_clinic_zone(ctx, b->tz, NULL, err);
}

/* body is the caller's copy: without a new end or length the appointment keeps its length.
 * The strings read into b point into body. */
static md_code reschedule_input(md_ctx *ctx, json_t *body, booking *b, md_err *err)
{
    if (!json_object_get(body, "end") && !json_object_get(body, "end_local") &&
        !json_object_get(body, "duration_minutes"))
        json_object_set_new(body, "duration_minutes", json_integer((b->end - b->start) / 60));
    return read_input(ctx, body, b, 0, err);
}

md_code md_appointment_move(md_ctx *ctx, const char *id, const char *action, json_t *in,
                            json_t **out, md_err *err)
{
    static const char *const keys[] = {"reason", "version", NULL};
    const move *m = move_named(action ? action : "");
    json_t *rec = NULL, *up = NULL, *made = NULL, *body = in ? json_deep_copy(in) : json_object();
    booking b = {0};
    const char *reason = NULL;
    md_day day = 0;
    md_code rc = md_require(ctx, MD_PERM_SCHEDULE_WRITE, err);
    if (rc == MD_OK && !m) rc = md_err_set(err, MD_ENOTFOUND, NULL, "no such action");
    if (rc == MD_OK && !json_is_object(body))
        rc = md_err_set(err, MD_EINVAL, NULL, "the body must be an object");
    if (rc == MD_OK && strcmp(m->name, "reschedule") != 0)
        rc = md_json_check_keys(body, keys, "", err);
    if (rc == MD_OK) rc = md_json_text(body, "reason", m->needs_reason, 500, &reason, err);
    if (rc == MD_OK) rc = appointment_raw(ctx, id, &rec, err);
    if (rc == MD_OK) rc = booking_of(ctx, rec, &b, err);
    const char *status = rec ? json_string_value(json_object_get(rec, "status")) : "";
    int allowed = 0;
    for (int i = 0; m && m->from[i]; i++)
        allowed |= strcmp(m->from[i], status) == 0;
    if (rc == MD_OK && !allowed)
        rc = md_err_set(err, MD_ECONFLICT, "status", "a %s appointment cannot %s", status, m->name);
    int resched = rc == MD_OK && strcmp(m->name, "reschedule") == 0;
    if (resched) rc = reschedule_input(ctx, body, &b, err);
    if (resched && rc == MD_OK) rc = static_checks(ctx, &b, err);
    if (rc == MD_OK) {
        up = resched ? record_of(ctx, &b, "booked") : json_pack("{s:s}", "status", m->to);
        if (!up) rc = md_err_set(err, MD_ENOMEM, NULL, "no memory");
    }
    if (rc == MD_OK) {
        json_object_set_new(up, "reason", json_string(reason ? reason : m->reason));
        json_t *version = json_object_get(body, "version");
        if (version) json_object_set(up, "version", version);
        md_tz_day(b.tz, b.start, &day);
    }
    if (rc == MD_OK && (rc = md_write_begin(ctx, err)) == MD_OK) {
        if (resched) rc = conflicts(ctx, &b, err);
        if (rc == MD_OK)
            rc = md_record_update(ctx, &md_kind_appointment, b.patient_id, id, up, &made, err);
        if (rc == MD_OK && resched) rc = audit_override(ctx, &b, id, err);
        if (rc == MD_OK && strcmp(m->name, "complete") == 0 && b.course_id)
            rc = md_course_session_done(ctx, b.course_id, (int)b.course_session, day, id, err);
        rc = md_write_finish(ctx, rc, err);
    }
    json_decref(rec);
    json_decref(up);
    json_decref(body);
    if (rc == MD_OK)
        *out = made;
    else
        json_decref(made);
    return rc;
}

/* ---- lists ---- */

static md_code shaped_query(md_ctx *ctx, const char *where, const md_val *v, int n, json_t **out,
                            md_err *err)
{
    char tz[MD__TZ_NAME];
    json_t *items = NULL;
    md_code rc = md_clinic_zone(ctx, tz, NULL, err);
    if (rc == MD_OK) rc = md__record_query(ctx, &md_kind_appointment, where, v, n, &items, err);
    if (rc != MD_OK) return rc;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) md__appointment_shape(it, tz);
    *out = json_pack("{s:o}", "items", items);
    return *out ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "no memory");
}

md_code md_appointments_of_day(md_ctx *ctx, md_day day, const char *practitioner_id, json_t **out,
                               md_err *err)
{
    char tz[MD__TZ_NAME], lo[MD_TIME_STR], hi[MD_TIME_STR];
    int64_t a, b;
    md_code rc = md_clinic_zone(ctx, tz, NULL, err);
    if (rc != MD_OK) return rc;
    if (md_tz_day_start(tz, day, &a) != 0 || md_tz_day_start(tz, day + 1, &b) != 0)
        return md_err_set(err, MD_EINTERNAL, "time_zone", "the clinic's zone %s is unknown", tz);
    md_time_format(a, lo);
    md_time_format(b, hi);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(lo), md_text(hi), md_text(practitioner_id)};
    if (practitioner_id)
        return shaped_query(ctx,
                            "clinic_id = $1 AND practitioner_id = $4 AND current = 1 AND "
                            "start_at >= $2 AND start_at < $3 ORDER BY start_at, room_id, id",
                            v, 4, out, err);
    return shaped_query(ctx,
                        "clinic_id = $1 AND current = 1 AND start_at >= $2 AND start_at < $3 "
                        "ORDER BY start_at, room_id, id",
                        v, 3, out, err);
}

md_code md_appointments_of_course(md_ctx *ctx, const char *course_id, json_t **out, md_err *err)
{
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(course_id)};
    return shaped_query(ctx,
                        "clinic_id = $1 AND course_id = $2 AND current = 1 ORDER BY start_at, id",
                        v, 2, out, err);
}

md_code md_appointments_day_read(md_ctx *ctx, md_day day, const char *practitioner_id, json_t **out,
                                 md_err *err)
{
    md_code rc = md_require(ctx, MD_PERM_SCHEDULE_READ, err);
    if (rc == MD_OK) rc = md_appointments_of_day(ctx, day, practitioner_id, out, err);
    if (rc != MD_OK) return rc;
    json_t *items = json_object_get(*out, "items");
    size_t n = json_array_size(items);
    md_audit_entry *e = n ? calloc(n, sizeof *e) : NULL;
    if (n && !e) {
        json_decref(*out);
        return md_err_set(err, MD_ENOMEM, NULL, "no memory");
    }
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(items, i);
        e[i] = (md_audit_entry){"read", md_kind_appointment.name,
                                json_string_value(json_object_get(it, "id")),
                                json_string_value(json_object_get(it, "patient_id")), "day list"};
    }
    if (n && (rc = md_audit_many(ctx, e, n, err)) != MD_OK) json_decref(*out);
    free(e);
    return rc;
}
