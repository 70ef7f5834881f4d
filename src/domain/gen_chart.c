/*
 * gen_chart.c - the generator's charted sessions (gen_chart.h).
 *
 * A generated session is charted as it would have been on the charting screen: checked in
 * at t, prechecked, started 15 minutes later, each dose an entry (a point inside a zone of
 * a face map, 1 to 10 points, the dose's volume, depth 1.0-1.5 mm at 30-45 degrees with a
 * 30G 13 mm or 27G 4 mm needle, its lot, vial and administration), point by point or papules,
 * ended a few minutes a zone later, completed at the end, signed off by the clinic's
 * medical director 1 to 3 days later unless that is after the as-of day (then completed).
 * The numbers are a benchmark's data, not clinical rules: the gates and checks of chart.c
 * do not run on this bulk path (the doses' administrations are gen_stock.c's rows).
 */
#include "gen_chart.h"
#include "mesodesk/chart.h"
#include "mesodesk/sbuf.h"
#include "mesodesk/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARAMS 64

static const char *const techniques[] = {"point_by_point", "papule"};

/* A point inside zone z of map m: its vertices' mean, else a mean weighted toward each
 * vertex in turn (a concave polygon); 0 when none lies inside. */
static int inner_point(const md_body_map *m, const char *zone, const char *area, json_t *poly,
                       double *x, double *y)
{
    size_t n = json_array_size(poly);
    double cx = 0, cy = 0;
    for (size_t i = 0; i < n; i++) {
        cx += json_number_value(json_array_get(json_array_get(poly, i), 0));
        cy += json_number_value(json_array_get(json_array_get(poly, i), 1));
    }
    if (!n) return 0;
    cx /= (double)n;
    cy /= (double)n;
    for (size_t k = 0; k <= n; k++) {
        double px = cx, py = cy;
        if (k > 0) {
            json_t *v = json_array_get(poly, k - 1);
            px = (cx + json_number_value(json_array_get(v, 0))) / 2;
            py = (cy + json_number_value(json_array_get(v, 1))) / 2;
        }
        const char *why = NULL, *a = md_body_map_zone_area(m, zone, px, py, &why);
        if (a && strcmp(a, area) == 0) {
            *x = (double)(long)px;
            *y = (double)(long)py;
            if (md_body_map_zone_area(m, zone, *x, *y, &why)) return 1;
        }
    }
    return 0;
}

static md_code load_zones(const md_kb *kb, md__gen_chart *gc, md_err *err)
{
    json_t *maps = md_kb_maps_json(kb);
    json_t *list = json_is_array(maps) ? maps : json_object_get(maps, "maps");
    size_t i;
    json_t *mj;
    json_array_foreach(list, i, mj)
    {
        const char *id = json_string_value(json_object_get(mj, "id"));
        const md_body_map *m = id ? md_kb_map_find(kb, id) : NULL;
        if (!m || strncmp(id, "face_", 5) != 0) continue;
        size_t k;
        json_t *zj;
        json_array_foreach(json_object_get(mj, "zones"), k, zj)
        {
            const char *zone = json_string_value(json_object_get(zj, "code"));
            const char *area = json_string_value(json_object_get(zj, "area"));
            md__gen_zone *z = &gc->zones[gc->nzones];
            if (!zone || !area || gc->nzones == MD_GEN_ZONES ||
                !inner_point(m, zone, area, json_object_get(zj, "polygon"), &z->x, &z->y))
                continue;
            md_strlcpy(z->map, id, sizeof z->map);
            md_strlcpy(z->zone, zone, sizeof z->zone);
            md_strlcpy(z->area, area, sizeof z->area);
            gc->nzones++;
        }
    }
    json_decref(maps);
    if (gc->nzones == 0)
        return md_err_set(err, MD_EINVAL, "kb", "the kb's body maps have no face zone to chart");
    return MD_OK;
}

md_code md__gen_kind_init(const char *name, md__gen_kind *gk, md_err *err)
{
    memset(gk, 0, sizeof *gk);
    for (int i = 0; md_kinds[i]; i++)
        if (strcmp(md_kinds[i]->name, name) == 0) gk->kind = md_kinds[i];
    if (!gk->kind) return MD_OK;
    const md_record_kind *k = gk->kind;
    md_sbuf b;
    md_sbuf_init(&b, gk->sql, sizeof gk->sql);
    md_sbuf_appendf(&b,
                    "INSERT INTO %s (clinic_id, id, version, current, recorded_by, recorded_at, "
                    "reason%s",
                    k->table, k->has_parent ? ", patient_id" : "");
    int np = 5 + (k->has_parent ? 1 : 0); /* "version" and "current" are literals */
    for (int i = 0; k->fields[i].name; i++, np++)
        md_sbuf_appendf(&b, ", %s", k->fields[i].name);
    md_sbuf_append(&b, ") VALUES ($1, $2, 1, 1, $3, $4, $5");
    for (int p = 6; p <= np; p++)
        md_sbuf_appendf(&b, ", $%d", p);
    md_sbuf_append(&b, ")");
    if (!md_sbuf_ok(&b) || np > MAX_PARAMS)
        return md_err_set(err, MD_EINTERNAL, NULL, "the %s insert is too long", k->name);
    gk->nparams = np;
    return MD_OK;
}

md_code md__gen_chart_init(const md_kb *kb, md__gen_chart *gc, md_err *err)
{
    memset(gc, 0, sizeof *gc);
    md_code rc = load_zones(kb, gc, err); /* the doses' zones, with or without the kind */
    if (rc == MD_OK) rc = md__gen_kind_init("treatment_session", &gc->session, err);
    gc->kind = gc->session.kind;
    if (rc == MD_OK) rc = md__gen_care_init(kb, &gc->care, err);
    return rc;
}

static json_t *event(const char *state, const char *step, int64_t t, const char *by)
{
    char at[MD_TIME_STR];
    md_time_format(t, at);
    return json_pack("{s:s,s:s,s:s,s:s}", "state", state, "step", step, "at", at, "by", by);
}

static json_t *time_json(int64_t t)
{
    char at[MD_TIME_STR];
    md_time_format(t, at);
    return json_string(at);
}

/* The entries of the chart (one a dose) into entries, the distinct lots and vials into
 * lots. */
static void chart_entries(md__rng *r, const md__gen_dose *d, int n, json_t *entries, json_t *lots)
{
    for (int i = 0; i < n; i++) {
        int dup = 0;
        for (int j = 0; j < i; j++)
            dup |= strcmp(d[j].lot_id, d[i].lot_id) == 0 && strcmp(d[j].vial_id, d[i].vial_id) == 0;
        const char *vial = d[i].vial_id[0] ? d[i].vial_id : NULL;
        if (!dup)
            json_array_append_new(lots,
                                  json_pack("{s:s,s:s?}", "lot_id", d[i].lot_id, "vial_id", vial));
        int long_needle = (int)md__rng_below(r, 2);
        json_array_append_new(
            entries,
            json_pack("{s:s,s:f,s:f,s:s,s:i,s:f,s:f,s:i,s:i,s:i,s:s,s:s?,s:s}", "map",
                      d[i].zone->map, "x", d[i].zone->x, "y", d[i].zone->y, "zone", d[i].zone->zone,
                      "points", 1 + (int)md__rng_below(r, 10), "volume_ml",
                      (double)d[i].volume_ul / 1000.0, "depth_mm",
                      (double)(10 + (int)md__rng_below(r, 6)) / 10.0, "angle_deg",
                      30 + (int)md__rng_below(r, 16), "needle_gauge", long_needle ? 30 : 27,
                      "needle_length_mm", long_needle ? 13 : 4, "lot_id", d[i].lot_id, "vial_id",
                      vial, "administration_id", d[i].id));
    }
}

/* The record of visit v as chart.c stores it, without its base columns (id, version,
 * patient_id, recorded_*): one event per step it went through. */
static json_t *session_body(md__rng *r, const md__gen_visit *v, md_day as_of, const md__gen_dose *d,
                            int n)
{
    static const char *const gates[] = {"screening",    "consent",   "patch_tests",
                                        "practitioner", "materials", "photos_before"};
    char day[MD_DATE_STR];
    int64_t t = v->t, start = t + 15 * 60, end = start + 4 * 60 * n, completed = end + 10 * 60;
    int64_t signed_at = completed + 86400 * (1 + (int64_t)md__rng_below(r, 3));
    int signed_off = v->director && signed_at < (int64_t)as_of * 86400;
    md_date_format((md_day)(t / 86400), day);
    json_t *lots = json_array(), *entries = json_array(), *checks = json_array();
    for (size_t g = 0; g < sizeof gates / sizeof gates[0]; g++)
        json_array_append_new(checks, json_pack("{s:s,s:s}", "gate", gates[g], "status", "pass"));
    chart_entries(r, d, n, entries, lots);
    json_t *events = json_pack("[o,o,o,o,o]", event("checked_in", "checkin", t, v->by),
                               event("prechecked", "precheck", t + 5 * 60, v->by),
                               event("in_progress", "start", start, v->by),
                               event("in_progress", "chart", end, v->by),
                               event("completed", "complete", completed, v->by));
    if (signed_off)
        json_array_append_new(events, event("signed_off", "signoff", signed_at, v->director));
    json_t *o = json_pack(
        "{s:s,s:i,s:s,s:s,s:s,s:o,s:{s:o,s:s},s:{s:o,s:o},s:{s:s,s:n,s:o,s:o,s:s,s:o,s:s},s:[],"
        "s:{s:o,s:[]},s:{s:b,s:[]},s:[]}",
        "course_id", v->course_id, "course_session", v->course_session, "practitioner_id", v->by,
        "day", day, "state", signed_off ? "signed_off" : "completed", "events", events, "materials",
        "lots", lots, "needle_lot_id", v->needle_lot, "prechecks", "passed_at",
        time_json(t + 5 * 60), "checks", checks, "chart", "technique",
        techniques[md__rng_below(r, sizeof techniques / sizeof techniques[0])], "numbing",
        "started_at", time_json(start), "ended_at", time_json(end), "needle_lot_id", v->needle_lot,
        "entries", entries, "notes", "Generated session.", "warnings", "completion", "completed_at",
        time_json(completed), "checks", "review", "selected", 0, "reasons", "addenda");
    if (o && signed_off)
        json_object_set_new(
            o, "signoff",
            json_pack("{s:s,s:o,s:n}", "by", v->director, "at", time_json(signed_at), "note"));
    return o;
}

/* The stored value of field f from body (md_null when absent), as the record engine
 * stores it: JSON as compact sorted text (in the arena), decimals in thousandths. */
static md_val field_val(md_ctx *ctx, const md_field *f, json_t *body)
{
    json_t *j = json_object_get(body, f->name);
    if (!j || json_is_null(j)) return md_null();
    switch (f->type) {
    case MD_F_INT: return md_int(json_integer_value(j));
    case MD_F_BOOL: return md_int(json_is_true(j));
    case MD_F_MILLI: return md_int((int64_t)(json_number_value(j) * 1000.0 + 0.5));
    case MD_F_JSON: {
        char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | MD_JSON_NUMBERS);
        const char *s = text ? md_arena_strdup(ctx->arena, text) : NULL;
        free(text);
        return md_text(s);
    }
    default: return md_text(json_string_value(j));
    }
}

md_code md__gen_kind_write(md_ctx *ctx, const md__gen_kind *gk, const char *id,
                           const char *patient_id, const char *by, const char *at, json_t *body,
                           long *rows, md_err *err)
{
    const md_record_kind *k = gk->kind;
    md_val v[MAX_PARAMS];
    int np = 0;
    if (!k) return MD_OK;
    v[np++] = md_text(ctx->who.clinic_id);
    v[np++] = md_text(id);
    v[np++] = md_text(by);
    v[np++] = md_text(at);
    v[np++] = md_text("generated");
    if (k->has_parent) v[np++] = md_text(patient_id);
    for (int i = 0; k->fields[i].name && np < MAX_PARAMS; i++)
        v[np++] = field_val(ctx, &k->fields[i], body);
    md_code rc = md_store_exec(ctx->db, gk->sql, v, np, NULL, NULL, err);
    if (rc == MD_OK && rows) (*rows)++;
    return rc;
}

md_code md__gen_session_write(md_ctx *ctx, const md__gen_chart *gc, md__rng *r,
                              const md_gen_patient *p, const md__gen_visit *visit, md_day as_of,
                              const md__gen_dose *d, int n, long *rows, md_err *err)
{
    if (!gc->kind) return MD_OK;
    json_t *body = session_body(r, visit, as_of, d, n);
    if (!body) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    char at[MD_TIME_STR];
    md_time_format(visit->t, at);
    md_code rc =
        md__gen_kind_write(ctx, &gc->session, visit->id, p->id, visit->by, at, body, rows, err);
    json_decref(body);
    return rc;
}
