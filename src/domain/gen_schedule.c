/*
 * gen_schedule.c - the generator's schedule (gen_schedule.h): each clinic's practitioners
 * with their licences, rooms, hours and availability, its appointments over the history
 * asked (two years by default) and the coming weeks, and the screenings of the patients
 * booked in the first days ahead.
 *
 * The grid: every open day (Monday to Saturday in the clinic's zone) has SLOTS slots of
 * SLOT_MIN minutes from 08:30 local in each of ROOMS rooms.  Room r on day d is held by
 * practitioner (7 d + r) mod PRACTITIONERS, so no practitioner is in two rooms at once and
 * no room holds two appointments: the data never contradicts the conflict checks.  A slot is
 * taken with a chance that is FILL_PAST per mille in the past, FILL_TODAY today and falls
 * to FILL_FAR over the weeks ahead; its patient is drawn uniformly from the clinic's
 * generated patients (ids from md_gen_patient_make), its kind and, in the past, its outcome
 * (completed, no-show, cancelled) by fixed rates.  The last practitioner's licence expired
 * EXPIRED_DAYS ago and every tenth expires within the kb's expiring window: no practitioner
 * is given a slot after the day their licence expires.
 *
 * Deterministic: every draw comes from splitmix64 streams of (seed, clinic, day, room, slot)
 * and every id is made from them, so the same options give the same rows.  Rows go in
 * through md_store_exec (appointments, staff) or the record engine (rooms, hours,
 * availability, licences, screenings: a few hundred a clinic), each transaction with one
 * "generate" audit entry; appointments are written one statement a row, well inside the
 * store's parameter limit (MD_STORE_PARAMS_MAX).
 */
#include "gen_rng.h"
#include "mesodesk/gen.h"
#include "mesodesk/audit.h"
#include "mesodesk/booking.h"
#include "mesodesk/credential.h"
#include "mesodesk/password.h"
#include "mesodesk/record.h"
#include "mesodesk/screening.h"
#include "mesodesk/tz.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define PRACTITIONERS 50
#define ROOMS 20
#define SLOTS 12
#define SLOT_MIN 45
#define FILL_PAST 850
#define FILL_TODAY 900
#define FILL_FAR 300
#define AHEAD_DAYS 28
#define SCREEN_AHEAD 7 /* patients booked in the next days were screened */
#define EXPIRED_DAYS 5
#define DAYS_PER_TX 30

/* ---- randomness (gen_rng.h) ---- */

static md__rng gstream(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
    return md__rng_stream(seed, 0x243F6A8885A308D3ull, a, b, c);
}

static void gid(md__rng *r, char out[MD_ID_STR])
{
    unsigned long long a = md__rng_next(r), b = md__rng_next(r);
    snprintf(out, MD_ID_STR, "%016llx%016llx", a, b);
}

/* ---- the clinic's setup ---- */

typedef struct setup {
    char prac[PRACTITIONERS][MD_ID_STR];
    char room[ROOMS][MD_ID_STR];
    char zone[64];
    md_day expires[PRACTITIONERS]; /* each licence's last valid day */
} setup;

static int zone_row(void *va, const md_row *r)
{
    md_strlcpy(va, md_row_text(r, 0), 64);
    return 0;
}

static md_code engine_create(md_ctx *ctx, const md_record_kind *k, const char *parent, json_t *in,
                             char *id, md_err *err)
{
    json_t *out = NULL;
    md_code rc = in ? md_record_create(ctx, k, parent, in, &out, err)
                    : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK && id) md_strlcpy(id, json_string_value(json_object_get(out, "id")), MD_ID_STR);
    json_decref(in);
    json_decref(out);
    return rc;
}

static json_t *week(const char *from, const char *to)
{
    json_t *w = json_object();
    static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat"};
    for (int i = 0; i < 6; i++)
        json_object_set_new(w, days[i], json_pack("[{s:s,s:s}]", "from", from, "to", to));
    return w;
}

/* One practitioner: the staff row (every account the same password hash), the licence. */
static md_code practitioner(md_ctx *ctx, const md_gen_options *o, int clinic, int n,
                            const char *hash, setup *su, md_err *err)
{
    char email[128], name[160], number[32], issued[MD_DATE_STR], expires[MD_DATE_STR],
        now[MD_TIME_STR];
    md_gen_patient *p = md_arena_alloc(ctx->arena, sizeof *p);
    md__rng r = gstream(o->seed, (uint64_t)clinic, 7000 + (uint64_t)n, 0);
    if (!p) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_code rc = md_gen_patient_make(ctx->kb, o->seed ^ 0x5ca1ab1eull, clinic, n, o->as_of, p, err);
    if (rc != MD_OK) return rc;
    gid(&r, su->prac[n]);
    snprintf(email, sizeof email, "practitioner%02d@schedule.clinic%d.seed%llu.example", n,
             clinic + 1, (unsigned long long)o->seed);
    snprintf(name, sizeof name, "%s %s", p->given, p->family);
    snprintf(number, sizeof number, "GMC %07u", md__rng_below(&r, 10000000));
    md_day exp = n == PRACTITIONERS - 1 ? o->as_of - EXPIRED_DAYS
                 : n % 10 == 3          ? o->as_of + 5 + (md_day)md__rng_below(&r, 50)
                                        : o->as_of + 90 + (md_day)md__rng_below(&r, 800);
    su->expires[n] = exp;
    md_date_format(exp - 1095, issued);
    md_date_format(exp, expires);
    md_time_format(md_now(), now);
    md_val v[] = {md_text(ctx->who.clinic_id),
                  md_text(su->prac[n]),
                  md_text(email),
                  md_text(name),
                  md_text(hash),
                  md_text(number),
                  md_text(expires),
                  md_text(now)};
    rc = md_store_exec(ctx->db,
                       "INSERT INTO staff (clinic_id, id, email, display_name, role, "
                       "password_hash, licence_number, licence_expiry, qualifications, active, "
                       "created_at, updated_at) VALUES ($1, $2, $3, $4, 'practitioner', $5, $6, "
                       "$7, '[]', 1, $8, $8)",
                       v, 8, NULL, NULL, err);
    if (rc != MD_OK) return rc;
    json_t *lic = json_pack("{s:s,s:s,s:s,s:s,s:s,s:[s],s:s}", "staff_id", su->prac[n], "type",
                            "licence", "number", number, "issuing_body", "General Medical Council",
                            "issued_on", issued, "scopes", "injectables", "expires_on", expires);
    return engine_create(ctx, &md_kind_credential, NULL, lic, NULL, err);
}

static md_code clinic_setup(md_ctx *ctx, const md_gen_options *o, int clinic, setup *su, long *rows,
                            md_err *err)
{
    char password[MD_PASSWORD_MAX + 1], hash[256];
    md_val cv[] = {md_text(ctx->who.clinic_id)};
    md_code rc = md_store_exec(ctx->db, "SELECT time_zone FROM clinics WHERE clinic_id = $1", cv, 1,
                               zone_row, su->zone, err);
    if (rc != MD_OK) return rc;
    if (o->staff_password)
        md_strlcpy(password, o->staff_password, sizeof password);
    else
        md_password_generate(password);
    rc = md_password_hash(password, hash, sizeof hash, err);
    sodium_memzero(password, sizeof password);
    for (int n = 0; rc == MD_OK && n < PRACTITIONERS; n++, (*rows) += 2)
        rc = practitioner(ctx, o, clinic, n, hash, su, err);
    for (int n = 0; rc == MD_OK && n < ROOMS; n++, (*rows)++) {
        char name[32];
        snprintf(name, sizeof name, "Room %d", n + 1);
        rc = engine_create(ctx, &md_kind_room, NULL, json_pack("{s:s}", "name", name), su->room[n],
                           err);
    }
    json_t *out = NULL, *in = json_pack("{s:o}", "weekly", week("08:00", "20:00"));
    if (rc == MD_OK) rc = md_hours_put(ctx, in, &out, err);
    json_decref(in);
    json_decref(out);
    for (int n = 0; rc == MD_OK && n < PRACTITIONERS; n++, (*rows)++) {
        in = json_pack("{s:o}", "weekly", week("08:00", "20:00"));
        out = NULL;
        rc = md_availability_put(ctx, su->prac[n], in, &out, err);
        json_decref(in);
        json_decref(out);
    }
    return rc;
}

/* ---- appointments ---- */

static const char *const kinds[] = {"treatment", "consultation", "review", "patch_test"};
static const unsigned kind_rate[] = {700, 150, 100, 50}; /* per mille */

static const char *draw_kind(md__rng *r)
{
    uint32_t x = md__rng_below(r, 1000), acc = 0;
    for (int i = 0; i < 4; i++)
        if (x < (acc += kind_rate[i])) return kinds[i];
    return kinds[0];
}

static const char *draw_outcome(md__rng *r)
{
    uint32_t x = md__rng_below(r, 1000);
    return x < 800 ? "completed" : x < 860 ? "no_show" : "cancelled";
}

static unsigned fill_of(md_day d, md_day as_of)
{
    if (d < as_of) return FILL_PAST;
    if (d == as_of) return FILL_TODAY;
    long ahead = d - as_of;
    return (unsigned)(FILL_TODAY - (FILL_TODAY - FILL_FAR) * ahead / AHEAD_DAYS);
}

#define APPT_SQL                                                                                   \
    "INSERT INTO appointments (clinic_id, id, version, current, recorded_by, recorded_at, "        \
    "reason, patient_id, practitioner_id, room_id, kind, start_at, end_at, status, course_id, "    \
    "course_session, override_reason, override_by, override_at, note) VALUES ($1, $2, 1, 1, $3, "  \
    "$4, 'generated', $5, $6, $7, $8, $9, $10, $11, NULL, NULL, NULL, NULL, NULL, NULL)"

/* The appointments of day d (every room and slot). */
static md_code day_rows(md_ctx *ctx, const md_gen_options *o, int clinic, const setup *su, md_day d,
                        md_gen_patient *p, long *rows, md_err *err)
{
    int y, m, dd;
    md_date_to_ymd(d, &y, &m, &dd);
    if ((d + 3) % 7 == 6) return MD_OK; /* 1970-01-01 was a Thursday: (d + 3) % 7 == 6 is Sunday */
    for (int s = 0; s < SLOTS; s++) {
        char local[24], start[MD_TIME_STR], end[MD_TIME_STR];
        int mins = 8 * 60 + 30 + s * SLOT_MIN;
        int64_t t;
        snprintf(local, sizeof local, "%04d-%02d-%02dT%02d:%02d", y, m, dd, mins / 60, mins % 60);
        md_code rc = md_tz_local_to_utc(su->zone, local, &t, "start", err);
        if (rc != MD_OK) continue; /* a slot in a skipped hour is left free */
        md_time_format(t, start);
        md_time_format(t + SLOT_MIN * 60, end);
        for (int room = 0; room < ROOMS; room++) {
            md__rng r = gstream(o->seed, (uint64_t)clinic, (uint64_t)(d - o->as_of + 100000),
                                (uint64_t)(room * SLOTS + s));
            if (md__rng_below(&r, 1000) >= fill_of(d, o->as_of)) continue;
            int pr = (int)((7 * (long)d + room) % PRACTITIONERS);
            if (d > su->expires[pr]) continue; /* no booking past the licence's expiry */
            long index = (long)(md__rng_next(&r) % (uint64_t)o->patients);
            if ((rc = md_gen_patient_make(ctx->kb, o->seed, clinic, index, o->as_of, p, err)))
                return rc;
            char id[MD_ID_STR], at[MD_TIME_STR];
            gid(&r, id);
            const char *kind = draw_kind(&r);
            const char *status = d < o->as_of ? draw_outcome(&r) : "booked";
            md_time_format(t - 86400 * (int64_t)(1 + md__rng_below(&r, 30)),
                           at); /* booked before */
            md_val v[] = {md_text(ctx->who.clinic_id),
                          md_text(id),
                          md_text(md_actor_id(ctx)),
                          md_text(at),
                          md_text(p->id),
                          md_text(su->prac[pr]),
                          md_text(su->room[room]),
                          md_text(kind),
                          md_text(start),
                          md_text(end),
                          md_text(status)};
            if ((rc = md_store_exec(ctx->db, APPT_SQL, v, 11, NULL, NULL, err)) != MD_OK) return rc;
            (*rows)++;
        }
    }
    return MD_OK;
}

static md_code one_tx(md_ctx *ctx, md_code rc, const char *detail, md_err *err)
{
    md_audit_entry a = {"generate", "clinic", ctx->who.clinic_id, NULL, detail};
    if (rc == MD_OK) rc = md_audit(ctx, &a, err);
    return md_store_finish(ctx->db, rc, err);
}

/* The screenings of the patients booked in the next SCREEN_AHEAD days, some of them
 * screened long enough ago to be out of date. */
static int pid_row(void *va, const md_row *r)
{
    json_t *ids = va;
    if (!json_object_get(ids, md_row_text(r, 0)))
        json_object_set_new(ids, md_row_text(r, 0), json_true());
    return 0;
}

static md_code screenings(md_ctx *ctx, const md_gen_options *o, int clinic, const setup *su,
                          long *rows, md_err *err)
{
    int64_t lo, hi;
    char los[MD_TIME_STR], his[MD_TIME_STR];
    json_t *ids = json_object();
    if (md_tz_day_start(su->zone, o->as_of, &lo) ||
        md_tz_day_start(su->zone, o->as_of + SCREEN_AHEAD, &hi))
        return md_err_set(err, MD_EINTERNAL, NULL, "the clinic's zone is unknown");
    md_time_format(lo, los);
    md_time_format(hi, his);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(los), md_text(his)};
    md_code rc = md_store_exec(ctx->db,
                               "SELECT patient_id FROM appointments WHERE clinic_id = $1 AND "
                               "current = 1 AND start_at >= $2 AND start_at < $3 ORDER BY "
                               "patient_id",
                               v, 3, pid_row, ids, err);
    const char *pid;
    json_t *x;
    json_object_foreach(rc == MD_OK ? ids : NULL, pid, x)
    {
        md__rng r = gstream(o->seed, (uint64_t)clinic, 9000, (uint64_t)json_object_size(ids));
        char date[MD_DATE_STR];
        r.s ^= (uint64_t)strtoull(pid + 16, NULL, 16);
        md_date_format(o->as_of - (md_day)md__rng_below(&r, 45), date);
        json_t *in = json_pack("{s:s,s:s,s:{s:[s],s:[s]}}", "patient_id", pid, "date", date, "plan",
                               "areas", "face", "ingredients", "hyaluronic_acid"),
               *out = NULL;
        rc = md_screening_create(ctx, in, &out, err);
        if (rc == MD_EUNPROCESSABLE) { /* a dose recorded after that day: screened today */
            md_date_format(o->as_of, date);
            json_object_set_new(in, "date", json_string(date));
            rc = md_screening_create(ctx, in, &out, err);
        }
        json_decref(in);
        json_decref(out);
        md_arena_reset(ctx->arena);
        if (rc != MD_OK) break;
        (*rows)++;
    }
    json_decref(ids);
    return rc;
}

static md_code schedule_clinic(md_ctx *ctx, const md_gen_options *o, int clinic, long history,
                               long *rows, md_err *err)
{
    setup *su = calloc(1, sizeof *su);
    md_gen_patient *p = malloc(sizeof *p);
    char detail[160];
    md_code rc = su && p ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK && o->patients == 0) goto done;
    if (rc == MD_OK && (rc = md_store_begin(ctx->db, err)) == MD_OK) {
        rc = clinic_setup(ctx, o, clinic, su, rows, err);
        snprintf(detail, sizeof detail, "schedule: practitioners, rooms, hours, seed %llu",
                 (unsigned long long)o->seed);
        rc = one_tx(ctx, rc, detail, err);
    }
    for (md_day d = o->as_of - (md_day)history; rc == MD_OK && d <= o->as_of + AHEAD_DAYS;
         d += DAYS_PER_TX) {
        md_day last = d + DAYS_PER_TX - 1 < o->as_of + AHEAD_DAYS ? d + DAYS_PER_TX - 1
                                                                  : o->as_of + AHEAD_DAYS;
        if ((rc = md_store_begin(ctx->db, err)) != MD_OK) break;
        for (md_day x = d; rc == MD_OK && x <= last; x++)
            rc = day_rows(ctx, o, clinic, su, x, p, rows, err);
        char a[MD_DATE_STR], b[MD_DATE_STR];
        md_date_format(d, a);
        md_date_format(last, b);
        snprintf(detail, sizeof detail, "schedule: appointments %s to %s, seed %llu", a, b,
                 (unsigned long long)o->seed);
        rc = one_tx(ctx, rc, detail, err);
        md_arena_reset(ctx->arena);
    }
    if (rc == MD_OK && (rc = md_store_begin(ctx->db, err)) == MD_OK) {
        rc = screenings(ctx, o, clinic, su, rows, err);
        snprintf(detail, sizeof detail, "schedule: screenings, seed %llu",
                 (unsigned long long)o->seed);
        rc = one_tx(ctx, rc, detail, err);
    }
done:
    free(su);
    free(p);
    return rc;
}

md_code md_gen_schedule(md_ctx *ctx, const md_gen_options *o, const md_gen_result *res,
                        long history_days, long *rows, md_err *err)
{
    char saved[MD_ID_STR];
    if (history_days == 0) history_days = 730;
    if (history_days < 1 || history_days > 3650)
        return md_err_set(err, MD_EINVAL, "schedule_days", "schedule_days must be 1 to 3650");
    md_strlcpy(saved, ctx->who.clinic_id, sizeof saved);
    md_code rc = md_store_bulk(ctx->db, 1, err);
    for (int c = 0; rc == MD_OK && c < res->clinics; c++) {
        md_strlcpy(ctx->who.clinic_id, res->clinic_ids[c], sizeof ctx->who.clinic_id);
        rc = schedule_clinic(ctx, o, c, history_days, rows, err);
    }
    md_store_bulk(ctx->db, 0, NULL);
    md_strlcpy(ctx->who.clinic_id, saved, sizeof ctx->who.clinic_id);
    return rc;
}
