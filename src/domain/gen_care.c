/*
 * gen_care.c - the generator's complications, follow-ups, escalations and check-ins
 * (gen_care.h).
 *
 * Rates per session, by the kb's frequency class of each code (kb/complications.json; the
 * numbers are a benchmark's data, not clinical rules): common 6,000 per million (the three
 * common local reactions together about 2 % of sessions, grade 1 in 4 of 5, else 2),
 * uncommon 1,000, rare 30 (together a few per 10,000: infections, nodules, vascular
 * events, grade 2 to 4), very rare 1.  So 5,000,000 sessions carry about 100,000
 * complications.  One lot of each clinic (gen_stock.c picks it) is the seeded cluster: 8 in
 * 100 of its sessions are followed by the kb's first "infection" code whose onset window
 * reaches furthest (the mycobacterial one), onset 2 to 6 weeks after, so that the signal
 * report has a lot to find.  Onsets and resolutions are days inside the code's windows; a
 * complication whose onset is not before as_of is not known yet and is not written.
 *
 * Check-ins: day 2 and day 14 after each session (the kb's default schedule,
 * kb/checkins.json), the link made at the session's end, valid 7 days past the due day.
 */
#include "gen_chart.h"
#include "gen_rng.h"
#include "mesodesk/util.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *frequency;
    uint32_t per_million;
} rates[] = {{"common", 6000}, {"uncommon", 1000}, {"rare", 30}, {"very_rare", 1}};

static const int checkin_days[] = {2, 14};

md_code md__gen_care_init(const md_kb *kb, md__gen_care *care, md_err *err)
{
    memset(care, 0, sizeof *care);
    md_code rc = md__gen_kind_init("complication", &care->complication, err);
    if (rc == MD_OK) rc = md__gen_kind_init("complication_followup", &care->followup, err);
    if (rc == MD_OK) rc = md__gen_kind_init("escalation", &care->escalation, err);
    if (rc == MD_OK) rc = md__gen_kind_init("checkin", &care->checkin, err);
    size_t n = 0;
    const md_kb_complication *all = kb ? md_kb_complications(kb, &n) : NULL;
    for (size_t i = 0; rc == MD_OK && all && i < n && care->ncodes < MD_GEN_CARE_CODES; i++) {
        const md_kb_complication *c = &all[i];
        for (size_t k = 0; k < sizeof rates / sizeof rates[0]; k++)
            if (c->frequency && strcmp(c->frequency, rates[k].frequency) == 0)
                care->codes[care->ncodes++] = (md__gen_care_code){c, rates[k].per_million};
        if (c->category && strcmp(c->category, "infection") == 0 &&
            (!care->cluster || c->onset_max_days > care->cluster->onset_max_days))
            care->cluster = c;
    }
    return rc;
}

static md__rng care_stream(uint64_t seed, int clinic, long index, int sn, uint64_t what)
{
    return md__rng_stream(seed, 0xC0FFEE11ull + what, (uint64_t)clinic, (uint64_t)index,
                          (uint64_t)sn);
}

static void hex_id(md__rng *r, char out[MD_ID_STR])
{
    unsigned long long a = md__rng_next(r), b = md__rng_next(r);
    snprintf(out, MD_ID_STR, "%016llx%016llx", a, b);
}

static json_t *date_json(md_day d)
{
    char s[MD_DATE_STR];
    md_date_format(d, s);
    return json_string(s);
}

static json_t *time_json(int64_t t)
{
    char s[MD_TIME_STR];
    md_time_format(t, s);
    return json_string(s);
}

/* An id array of the doses' member (administration, lot, vial, product), distinct. */
static json_t *dose_ids(const struct md__gen_dose *d, int n, int which)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        const char *id = which == 0   ? d[i].id
                         : which == 1 ? d[i].lot_id
                         : which == 2 ? d[i].vial_id
                                      : d[i].product_id;
        int dup = !id[0];
        for (int j = 0; j < i && !dup; j++)
            dup = strcmp(id, which == 1   ? d[j].lot_id
                             : which == 2 ? d[j].vial_id
                             : which == 3 ? d[j].product_id
                                          : d[j].id) == 0;
        if (!dup) json_array_append_new(a, json_string(id));
    }
    return a;
}

static md_code suspect_row(md_ctx *ctx, const char *cid, const char *patient, const char *kind,
                           const char *ref, const char *onset, const char *code, long *rows,
                           md_err *err)
{
    md_val v[] = {md_text(ctx->who.clinic_id),
                  md_text(cid),
                  md_text(patient),
                  md_text(kind),
                  md_text(ref),
                  md_text(onset),
                  md_text(code)};
    if (rows) (*rows)++;
    return md_store_exec(ctx->db,
                         "INSERT INTO complication_suspects (clinic_id, complication_id, "
                         "version, patient_id, kind, ref_id, onset_on, code, current) VALUES ($1, "
                         "$2, 1, $3, $4, $5, $6, $7, 1)",
                         v, 7, NULL, NULL, err);
}

static md_code escalate(md_ctx *ctx, const md__gen_care *care, md__rng *r, const char *patient,
                        const char *source, const char *source_id, const char *reason,
                        json_t *detail, int64_t raised, md_day as_of, const char *by, long *rows,
                        md_err *err)
{
    char id[MD_ID_STR];
    hex_id(r, id);
    int open = raised > ((int64_t)as_of - 2) * 86400;
    int64_t acted = raised + 3600 + (int64_t)md__rng_below(r, 20 * 3600);
    json_t *body = json_pack("{s:s,s:s,s:s,s:O,s:o,s:s}", "source", source, "source_id", source_id,
                             "cause", reason, "detail", detail, "raised_at", time_json(raised),
                             "status", open ? "open" : "acted");
    if (!body) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (!open)
        json_object_set_new(body, "action",
                            json_pack("{s:s,s:s,s:s,s:o}", "what", "called_patient", "note",
                                      "Generated: the patient was called.", "by", by, "at",
                                      time_json(acted)));
    char at[MD_TIME_STR];
    md_time_format(raised, at);
    md_code rc = md__gen_kind_write(ctx, &care->escalation, id, patient, by, at, body, rows, err);
    json_decref(body);
    return rc;
}

/* Grade 1..4 of a new complication of class per_million (the common ones mild). */
static int grade_of(md__rng *r, const md_kb_complication *c)
{
    uint32_t x = md__rng_below(r, 100);
    if (strcmp(c->frequency, "common") == 0) return x < 80 ? 1 : 2;
    if (c->category && strcmp(c->category, "vascular") == 0) return x < 70 ? 3 : 4;
    if (strcmp(c->frequency, "very_rare") == 0) return 4;
    return x < 60 ? 2 : x < 95 ? 3 : 4;
}

static md_code complication(md_ctx *ctx, const md__gen_care *care, md__rng *r,
                            const md_kb_complication *c, int onset_days, const md_gen_patient *p,
                            const struct md__gen_visit *v, const struct md__gen_dose *d, int n,
                            md_day as_of, long *rows, md_err *err)
{
    md_day day = (md_day)(v->t / 86400), onset = day + onset_days;
    if (onset >= as_of) return MD_OK; /* not known yet */
    char id[MD_ID_STR], onset_s[MD_DATE_STR], at[MD_TIME_STR];
    hex_id(r, id);
    md_date_format(onset, onset_s);
    int grade = grade_of(r, c);
    int64_t recorded = (int64_t)(onset + (md_day)md__rng_below(r, 3)) * 86400 + 10 * 3600 +
                       (int64_t)md__rng_below(r, 8 * 3600);
    if (recorded > (int64_t)as_of * 86400 - 600) recorded = (int64_t)as_of * 86400 - 600;
    md_time_format(recorded, at);
    md_day resolved = onset + 1 +
                      (md_day)md__rng_below(
                          r, (uint32_t)(c->resolution_max_days > 0 ? c->resolution_max_days : 1));
    int sequelae = grade >= 3 && md__rng_below(r, 10) == 0;
    const char *outcome =
        resolved < as_of ? (sequelae ? "resolved_with_sequelae" : "resolved") : "recovering";
    int red = grade >= 3 && c->n_red_flags > 0;
    json_t *flags = red ? json_pack("[s]", c->red_flags[0].code) : json_array();
    json_t *suspects =
        json_pack("{s:[s],s:o,s:o,s:o,s:o,s:[]}", "sessions", v->id, "administrations",
                  dose_ids(d, n, 0), "lots", dose_ids(d, n, 1), "vials", dose_ids(d, n, 2),
                  "products", dose_ids(d, n, 3), "ingredients");
    int serious = grade >= 3;
    json_t *body = json_pack(
        "{s:s,s:s,s:s,s:i,s:{s:b,s:b,s:b,s:b,s:b,s:b,s:b},s:o,s:[{s:s,s:s,s:s,s:s}],s:s,s:o,"
        "s:o,s:o,s:{},s:s,s:s}",
        "code", c->code, "onset_on", onset_s, "description", "Generated complication.", "grade",
        grade, "seriousness", "death", 0, "life_threatening", grade >= 4, "hospitalisation",
        grade >= 4, "disability", 0, "congenital_anomaly", 0, "required_intervention", serious,
        "other_serious", 0, "suspects", suspects, "actions", "action",
        c->n_management ? c->management[0] : "assessed", "at", at, "by", v->by, "note",
        "Generated.", "outcome", outcome, "red_flags", flags, "resolution_due",
        date_json(onset + c->resolution_max_days), "followup_until",
        date_json(onset + c->followup_days), "details", "source", "staff", "status",
        resolved < as_of && onset + c->followup_days < as_of ? "closed" : "open");
    if (!body) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (resolved < as_of) json_object_set_new(body, "outcome_on", date_json(resolved));
    md_code rc =
        md__gen_kind_write(ctx, &care->complication, id, p->id, v->by, at, body, rows, err);
    static const char *const kinds[] = {"administration", "lot", "vial", "product"};
    if (rc == MD_OK)
        rc = suspect_row(ctx, id, p->id, "session", v->id, onset_s, c->code, rows, err);
    for (int k = 0; rc == MD_OK && k < 4; k++) {
        json_t *ids = dose_ids(d, n, k), *x;
        size_t i;
        json_array_foreach(ids, i, x) if (rc == MD_OK) rc = suspect_row(
            ctx, id, p->id, kinds[k], json_string_value(x), onset_s, c->code, rows, err);
        json_decref(ids);
    }
    /* the kb's follow-up schedule: days after recording */
    for (size_t k = 0; rc == MD_OK && k < c->n_followup_schedule; k++) {
        char fid[MD_ID_STR];
        hex_id(r, fid);
        md_day due = (md_day)(recorded / 86400) + c->followup_schedule[k];
        int done = due < as_of && md__rng_below(r, 20) != 0;
        json_t *f = json_pack("{s:s,s:s,s:o,s:i,s:s}", "complication_id", id, "code", c->code,
                              "due_on", date_json(due), "day", c->followup_schedule[k], "status",
                              done ? "done" : "open");
        if (done) json_object_set_new(f, "note", json_string("Generated: reviewed."));
        rc = md__gen_kind_write(ctx, &care->followup, fid, p->id, v->by, at, f, rows, err);
        json_decref(f);
    }
    json_t *detail = json_pack("{s:s,s:i}", "code", c->code, "grade", grade);
    if (rc == MD_OK && grade >= 3)
        rc = escalate(ctx, care, r, p->id, "complication", id, "grade_3_plus", detail, recorded,
                      as_of, v->by, rows, err);
    if (rc == MD_OK && red)
        rc = escalate(ctx, care, r, p->id, "complication", id, "red_flag", detail, recorded, as_of,
                      v->by, rows, err);
    json_decref(detail);
    json_decref(body);
    return rc;
}

static md_code checkin(md_ctx *ctx, const md__gen_care *care, md__rng *r, int day_offset,
                       const md_gen_patient *p, const struct md__gen_visit *v, md_day as_of,
                       long *rows, md_err *err)
{
    md_day day = (md_day)(v->t / 86400), due = day + day_offset;
    int64_t sent = v->t + 3600;
    if (sent >= (int64_t)as_of * 86400) return MD_OK;
    char id[MD_ID_STR], token_hash[65], at[MD_TIME_STR];
    hex_id(r, id);
    hex_id(r, token_hash);
    hex_id(r, token_hash + 32);
    md_time_format(sent, at);
    int answered = due <= as_of && md__rng_below(r, 10) != 0;
    int64_t answered_at = (int64_t)due * 86400 + 8 * 3600 + (int64_t)md__rng_below(r, 12 * 3600);
    if (answered && answered_at >= (int64_t)as_of * 86400) answered = 0;
    int red = answered && md__rng_below(r, 200) == 0;
    json_t *body =
        json_pack("{s:s,s:s,s:s,s:i,s:o,s:o,s:s,s:s}", "session_id", v->id, "course_id",
                  v->course_id, "protocol", "default", "day_offset", day_offset, "due_on",
                  date_json(due), "expires_at", time_json((int64_t)(due + 7) * 86400), "status",
                  answered ? "answered" : "pending", "sent_at", at);
    if (!body) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (answered) {
        json_object_set_new(body, "opened_at", time_json(answered_at - 120));
        json_object_set_new(body, "answered_at", time_json(answered_at));
        json_object_set_new(
            body, "answers",
            json_pack("{s:s}", red ? "spreading_redness" : "feeling", red ? "yes" : "fine"));
        json_object_set_new(body, "red_flags",
                            red ? json_pack("[s]", "spreading_redness") : json_array());
        json_object_set_new(body, "effects", json_array());
    }
    md_code rc = md__gen_kind_write(ctx, &care->checkin, id, p->id, v->by, at, body, rows, err);
    json_decref(body);
    md_val lv[] = {md_text(ctx->who.clinic_id), md_text(token_hash), md_text(id), md_text(at)};
    if (rc == MD_OK && rows) (*rows)++;
    if (rc == MD_OK)
        rc = md_store_exec(ctx->db,
                           "INSERT INTO checkin_links (clinic_id, token_hash, checkin_id, "
                           "created_at) VALUES ($1, $2, $3, $4)",
                           lv, 4, NULL, NULL, err);
    if (rc == MD_OK && red) {
        json_t *detail =
            json_pack("{s:[s],s:i}", "red_flags", "spreading_redness", "day_offset", day_offset);
        rc = escalate(ctx, care, r, p->id, "checkin", id, "checkin_red_flag", detail, answered_at,
                      as_of, v->by, rows, err);
        json_decref(detail);
    }
    return rc;
}

md_code md__gen_care_session(md_ctx *ctx, const md__gen_care *care, uint64_t seed, int clinic,
                             long index, int sn, const md_gen_patient *p,
                             const struct md__gen_visit *v, const struct md__gen_dose *d, int n,
                             int cluster, md_day as_of, long *rows, md_err *err)
{
    md__rng r = care_stream(seed, clinic, index, sn, 0);
    md_code rc = MD_OK;
    if (care->complication.kind) {
        for (int i = 0; rc == MD_OK && i < care->ncodes; i++) {
            const md_kb_complication *c = care->codes[i].c;
            uint32_t x = md__rng_below(&r, 1000000);
            if (x >= care->codes[i].per_million) continue;
            int span = c->onset_max_days - c->onset_min_days;
            int onset = c->onset_min_days + (int)md__rng_below(&r, (uint32_t)(span > 0 ? span : 1));
            rc = complication(ctx, care, &r, c, onset, p, v, d, n, as_of, rows, err);
        }
        if (rc == MD_OK && cluster && care->cluster && md__rng_below(&r, 100) < 8)
            rc = complication(ctx, care, &r, care->cluster, 14 + (int)md__rng_below(&r, 29), p, v,
                              d, n, as_of, rows, err);
    }
    for (size_t k = 0;
         rc == MD_OK && care->checkin.kind && k < sizeof checkin_days / sizeof *checkin_days; k++) {
        md__rng cr = care_stream(seed, clinic, index, sn, 1 + k);
        rc = checkin(ctx, care, &cr, checkin_days[k], p, v, as_of, rows, err);
    }
    return rc;
}
