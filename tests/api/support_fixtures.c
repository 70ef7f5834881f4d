/*
 * support_fixtures.c - fixtures that several API groups build over HTTP (support.h).
 */
#include "support.h"

#include <cairo.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_patient_with_formulation(const char *given, char pid[MD_ID_STR], char fid[MD_ID_STR])
{
    char tag[16], body[1024];
    api_unique(tag);
    snprintf(body, sizeof body,
             "{\"name\":\"HA %s\",\"presentation\":\"single_dose\",\"volume_ml\":2,"
             "\"base\":\"aqueous\",\"ingredients\":[{\"ingredient\":\"hyaluronic_acid\"}],"
             "\"regulatory\":{\"UK\":\"ce_marked\"}}",
             tag);
    json_t *p = api_ok(api.admin, "POST", body, 201, "/api/v1/products");
    snprintf(body, sizeof body,
             "{\"product_id\":\"%s\",\"lot_number\":\"%s-1\",\"expiry\":\"2099-01-31\","
             "\"received_on\":\"2026-01-10\",\"quantity\":5}",
             api_str(p, "id"), tag);
    json_decref(api_ok(api.admin, "POST", body, 201, "/api/v1/lots"));
    json_t *pt = api_patient_new(api.practitioner, given, tag, "1984-03-03");
    snprintf(pid, MD_ID_STR, "%s", api_str(pt, "id"));
    json_decref(pt);
    json_decref(api_ok(api.practitioner, "POST",
                       "{\"pregnant\":\"no\",\"breastfeeding\":\"no\",\"recorded_on\":"
                       "\"2026-11-21\"}",
                       201, "/api/v1/patients/%s/status", pid));
    json_decref(api_ok(api.practitioner, "POST", "{\"asked_on\":\"2026-11-21\"}", 201,
                       "/api/v1/patients/%s/allergy_statements", pid));
    snprintf(body, sizeof body,
             "{\"name\":\"Glow\",\"mixture\":{\"components\":[{\"product_id\":\"%s\","
             "\"volume_ml\":1}],\"areas\":[\"cheeks\"],\"concerns\":[\"dryness\"]},"
             "\"planned_date\":\"2026-11-21\"}",
             api_str(p, "id"));
    json_t *f =
        api_ok(api.practitioner, "POST", body, 201, "/api/v1/patients/%s/formulations", pid);
    snprintf(fid, MD_ID_STR, "%s", api_str(f, "id"));
    json_decref(f);
    json_decref(p);
}

/* ---- a session ready to complete (test_signoff.c, test_aftercare.c) ---- */

static cairo_status_t sig_write(void *closure, const unsigned char *data, unsigned int len)
{
    char **b = closure; /* [0] buffer, [1] used (as a pointer-sized count) */
    size_t n = (size_t)(uintptr_t)b[1];
    char *p = realloc(b[0], n + len);
    if (!p) return CAIRO_STATUS_WRITE_ERROR;
    memcpy(p + n, data, len);
    b[0] = p;
    b[1] = (char *)(uintptr_t)(n + len);
    return CAIRO_STATUS_SUCCESS;
}

void api_consent_signed(const char *pid, const char *course_id, const char *language)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"purpose\":\"treatment\",\"course_id\":\"%s\",\"channel\":\"tablet\","
             "\"language\":\"%s\"}",
             course_id, language);
    json_t *c = api_ok(api.practitioner, "POST", body, 201, "/api/v1/patients/%s/consents", pid);
    json_decref(
        api_ok(api.practitioner, "POST", "{}", 200, "/api/v1/consents/%s/open", api_str(c, "id")));
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 240, 80);
    cairo_t *cr = cairo_create(s);
    cairo_set_line_width(cr, 3);
    cairo_move_to(cr, 5, 40);
    cairo_curve_to(cr, 80, 0, 120, 80, 235, 25);
    cairo_stroke(cr);
    cairo_destroy(cr);
    char *png[2] = {NULL, NULL};
    assert_int_equal(cairo_surface_write_to_png_stream(s, sig_write, png), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(s);
    size_t n = (size_t)(uintptr_t)png[1];
    size_t m = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(m), *sign = malloc(m + 96);
    assert_non_null(b64);
    assert_non_null(sign);
    sodium_bin2base64(b64, m, (const unsigned char *)png[0], n, sodium_base64_VARIANT_ORIGINAL);
    snprintf(sign, m + 96, "{\"typed_name\":\"Pat Ient\",\"signature\":\"%s\",\"agree\":true}",
             b64);
    json_decref(
        api_ok(api.practitioner, "POST", sign, 200, "/api/v1/consents/%s/sign", api_str(c, "id")));
    free(png[0]);
    free(b64);
    free(sign);
    json_decref(c);
}

/* One session row: version v of id, in state, with the events and members given (JSON text,
 * "NULL" for none), written behind the server's back as chart.c would have. */
static void session_row(const api_session_fix *f, int v, int current, const char *state,
                        const char *events, const char *materials, const char *prechecks)
{
    char sql[4096];
    snprintf(sql, sizeof sql,
             "INSERT INTO treatment_sessions (clinic_id, id, version, current, recorded_by, "
             "recorded_at, reason, patient_id, course_id, course_session, appointment_id, "
             "practitioner_id, day, state, events, materials, prechecks, chart, warnings, "
             "completion, review, signoff, aftercare, addenda) SELECT clinic_id, '%s', %d, %d, "
             "'%s', '%s', '%s', '%s', '%s', 1, NULL, '%s', '%s', '%s', '%s', %s, %s, NULL, NULL, "
             "NULL, NULL, NULL, NULL, NULL FROM staff WHERE id = '%s'",
             f->sid, v, current, api.practitioner_id, f->checked_in_at, state, f->pid, f->cid,
             api.practitioner_id, f->day, state, events, materials, prechecks, api.practitioner_id);
    api_db_exec(sql);
}

void api_session_in_progress(api_session_fix *f, int fitzpatrick, const char *checked_in_at)
{
    char tag[16], body[1024], fid[MD_ID_STR];
    api_unique(tag);
    api_patient_with_formulation("Sig", f->pid, fid);
    { /* api_patient_new records type III: set it, or clear it (0: not recorded) */
        char fz[8];
        snprintf(fz, sizeof fz, fitzpatrick ? "%d" : "null", fitzpatrick);
        json_t *p = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s", f->pid);
        snprintf(body, sizeof body, "{\"fitzpatrick\":%s,\"version\":%lld,\"reason\":\"typed\"}",
                 fz, (long long)api_int(p, "version"));
        json_decref(api_ok(api.practitioner, "PATCH", body, 200, "/api/v1/patients/%s", f->pid));
        json_decref(p);
    }
    /* the formulation's product -> its lot */
    json_t *fo = api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/patients/%s/formulations/%s",
                        f->pid, fid);
    const char *product =
        api_str(json_array_get(json_object_get(json_object_get(fo, "mixture"), "components"), 0),
                "product_id");
    json_t *lots =
        api_ok(api.practitioner, "GET", NULL, 200, "/api/v1/lots?product_id=%s", product);
    md_strlcpy(f->lot, api_str(json_array_get(json_object_get(lots, "items"), 0), "id"),
               sizeof f->lot);
    json_decref(lots);
    json_decref(fo);
    char today[MD_DATE_STR];
    md_date_format(md_today_utc(), today);
    snprintf(body, sizeof body,
             "{\"protocol\":\"facial_rejuvenation\",\"formulation_id\":\"%s\",\"start\":\"%s\"}",
             fid, today);
    json_t *c = api_ok(api.practitioner, "POST", body, 201, "/api/v1/patients/%s/courses", f->pid);
    md_strlcpy(f->cid, api_str(c, "id"), sizeof f->cid);
    json_decref(c);
    snprintf(body, sizeof body,
             "{\"kind\":\"needle\",\"name\":\"Needle 30G %s\",\"gauge\":30,\"length_mm\":13}", tag);
    json_t *n = api_ok(api.admin, "POST", body, 201, "/api/v1/consumables");
    snprintf(body, sizeof body,
             "{\"product_id\":\"%s\",\"lot_number\":\"ND-%s\",\"expiry\":\"2099-01-31\","
             "\"received_on\":\"2026-01-10\",\"quantity\":50}",
             api_str(n, "id"), tag);
    json_t *nl = api_ok(api.admin, "POST", body, 201, "/api/v1/lots");
    md_strlcpy(f->needle_lot, api_str(nl, "id"), sizeof f->needle_lot);
    json_decref(nl);
    json_decref(n);
    /* checked in, prechecked (every gate passed) and started, as chart.c writes them */
    md_id_new(f->sid);
    md_strlcpy(f->day, today, sizeof f->day);
    md_strlcpy(f->checked_in_at, checked_in_at, sizeof f->checked_in_at);
    char ev1[256], ev2[512], ev3[768], materials[256], prechecks[512];
    snprintf(ev1, sizeof ev1,
             "[{\"state\":\"checked_in\",\"step\":\"checkin\",\"at\":\"%s\",\"by\":\"%s\"}",
             checked_in_at, api.practitioner_id);
    snprintf(ev2, sizeof ev2,
             "%s,{\"state\":\"prechecked\",\"step\":\"precheck\",\"at\":\"%s\",\"by\":\"%s\"}", ev1,
             checked_in_at, api.practitioner_id);
    snprintf(ev3, sizeof ev3,
             "%s,{\"state\":\"in_progress\",\"step\":\"start\",\"at\":\"%s\",\"by\":\"%s\"}]", ev2,
             checked_in_at, api.practitioner_id);
    size_t n1 = strlen(ev1), n2 = strlen(ev2);
    snprintf(ev1 + n1, sizeof ev1 - n1, "]");
    snprintf(ev2 + n2, sizeof ev2 - n2, "]");
    snprintf(materials, sizeof materials,
             "'{\"lots\":[{\"lot_id\":\"%s\"}],\"needle_lot_id\":\"%s\"}'", f->lot, f->needle_lot);
    snprintf(prechecks, sizeof prechecks,
             "'{\"passed_at\":\"%s\",\"checks\":[{\"gate\":\"screening\",\"status\":\"pass\"},"
             "{\"gate\":\"consent\",\"status\":\"pass\"}]}'",
             checked_in_at);
    session_row(f, 1, 0, "checked_in", ev1, "NULL", "NULL");
    session_row(f, 2, 0, "prechecked", ev2, materials, prechecks);
    session_row(f, 3, 1, "in_progress", ev3, materials, prechecks);
}

json_t *api_chart_body(const api_session_fix *f, const char *notes, int with_needle)
{
    char body[2048], start[MD_TIME_STR], end[MD_TIME_STR];
    /* 09:00 to 09:30 on the session's day, or earlier that day when 09:00 is not past yet
     * (a dose given in the future is refused). */
    md_day day = 0;
    int64_t t0 = 0, now = md_now();
    md_date_parse(f->day, &day);
    int64_t s0 = (int64_t)day * 86400, s9 = s0 + 9 * 3600;
    t0 = s9 < now - 1900 ? s9 : now - 1900 > s0 ? now - 1900 : s0;
    md_time_format(t0, start);
    md_time_format(t0 + 1800 < now ? t0 + 1800 : now, end);
    snprintf(body, sizeof body,
             "{\"technique\":\"papule\",\"started_at\":\"%s\",\"ended_at\":"
             "\"%s\",%s%s%s\"entries\":[{\"map\":\"face_front\",\"x\":280,\"y\":300,"
             "\"zone\":\"cheek_left\",\"points\":5,\"volume_ml\":0.5,\"depth_mm\":1.5,"
             "\"angle_deg\":40,\"needle_gauge\":30,\"needle_length_mm\":13,\"lot_id\":\"%s\"}]"
             "%s%s%s}",
             start, end, with_needle ? "\"needle_lot_id\":\"" : "",
             with_needle ? f->needle_lot : "", with_needle ? "\"," : "", f->lot,
             notes ? ",\"notes\":\"" : "", notes ? notes : "", notes ? "\"" : "");
    json_t *j = json_loads(body, 0, NULL);
    assert_non_null(j);
    return j;
}

void api_session_completed(api_session_fix *f)
{
    /* Checked in, started and ended within today (UTC), before now: the chart refuses a
     * dose given in the future, and api_chart_body's times are 09:00-09:30. */
    int64_t now = md_now(), midnight = (int64_t)md_today_utc() * 86400;
    int64_t in_at = now - 600 > midnight ? now - 600 : midnight;
    char checked_in[MD_TIME_STR], start[MD_TIME_STR], end[MD_TIME_STR];
    md_time_format(in_at, checked_in);
    md_time_format(in_at + (now - in_at) / 3, start);
    md_time_format(in_at + 2 * (now - in_at) / 3, end);
    api_session_in_progress(f, 3, checked_in);
    json_t *b = api_chart_body(f, "Tolerated well.", 1);
    json_object_set_new(b, "started_at", json_string(start));
    json_object_set_new(b, "ended_at", json_string(end));
    char *text = json_dumps(b, 0);
    json_decref(api_ok(api.practitioner, "PUT", text, 200, "/api/v1/sessions/%s/chart", f->sid));
    free(text);
    json_decref(b);
    api_consent_signed(f->pid, f->cid, "en");
    json_decref(api_ok(api.practitioner, "POST", "{}", 200, "/api/v1/sessions/%s/complete", f->sid));
}

void api_chart_policy_no_photos(void)
{
    char body[256];
    json_t *p = api_ok(api.admin, "GET", NULL, 200, "/api/v1/clinic/chart-policy");
    if (json_is_true(json_object_get(p, "defaults")))
        snprintf(body, sizeof body, "{\"before_views\":[],\"after_views\":[],"
                                    "\"review_share_percent\":0}");
    else
        snprintf(body, sizeof body,
                 "{\"before_views\":[],\"after_views\":[],\"review_share_percent\":0,"
                 "\"reason\":\"no photos\",\"version\":%lld}",
                 (long long)api_int(p, "version"));
    json_decref(p);
    json_decref(api_ok(api.admin, "PUT", body, 200, "/api/v1/clinic/chart-policy"));
}
