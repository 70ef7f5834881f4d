/*
 * pv_dashboard.c - the clinic dashboard's figures (pv.h md_pv_dashboard).
 *
 * Over in {"weeks": W (1..520, default 26)}, with today the clinic's civil day (its zone):
 *   - "period": {"from" (the Monday W - 1 ISO weeks before this week's), "to" (today)};
 *   - "sessions_per_week": every ISO week of the period (its Monday), with the completed or
 *     signed-off sessions of its days, 0 for a week without any (counted per day by the
 *     database: index treatment_sessions_state);
 *   - "rates": the signal report's rates of products and lots over the period;
 *   - "signals": {"disproportionality": its lines flagged as signals, "clusters": its
 *     clusters};
 *   - "gais": md_outcome_distribution of "gais" over the period;
 *   - "maintenance_due": the next W weeks from this week's Monday, each with the courses'
 *     maintenance windows (course_windows, kind maintenance, not done) whose target day
 *     falls in it.
 * Aggregates only, except what the signal report audits (its clusters).  MD_PERM_PV_READ.
 * Ownership: *out is the caller's, set only on MD_OK.
 */
#include "mesodesk/pv.h"
#include "mesodesk/clinic.h"
#include "mesodesk/outcome.h"
#include "mesodesk/validate.h"

#include <string.h>

#define WEEKS_MAX 520

/* The Monday of day's ISO week (1970-01-01, day 0, was a Thursday). */
static md_day monday_of(md_day day)
{
    int dow = (int)((day + 3) % 7); /* 0 Monday .. 6 Sunday */
    if (dow < 0) dow += 7;
    return day - dow;
}

typedef struct weeks {
    md_day first;
    int n;
    json_int_t *count;
} weeks;

static int week_row(void *p, const md_row *row)
{
    weeks *w = p;
    md_day d;
    if (md_date_parse(md_row_text(row, 0), &d) != 0) return 0;
    long i = (long)(monday_of(d) - w->first) / 7;
    if (i >= 0 && i < w->n) w->count[i] += md_row_int(row, 1);
    return 0;
}

/* Rows (day, n) of sql over [first Monday, last day] summed per week into an array of
 * {"week", key: n}. */
static md_code per_week(md_ctx *ctx, const char *sql, md_day first, int n, md_day last,
                        const char *key, json_t **out, md_err *err)
{
    json_int_t count[WEEKS_MAX] = {0};
    weeks w = {first, n, count};
    char f[MD_DATE_STR], t[MD_DATE_STR];
    md_date_format(first, f);
    md_date_format(last, t);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(f), md_text(t)};
    md_code rc = md_store_exec(ctx->db, sql, v, 3, week_row, &w, err);
    if (rc != MD_OK) return rc;
    *out = json_array();
    for (int i = 0; i < n; i++) {
        char wk[MD_DATE_STR];
        md_date_format(first + 7 * i, wk);
        json_array_append_new(*out, json_pack("{s:s,s:I}", "week", wk, key, count[i]));
    }
    return MD_OK;
}

static json_t *flagged(json_t *lines, const char *key)
{
    json_t *out = json_array(), *l;
    size_t i;
    json_array_foreach(lines, i, l) if (json_is_true(json_object_get(l, key)))
        json_array_append(out, l);
    return out;
}

static json_t *products_and_lots(json_t *rates)
{
    json_t *out = json_array(), *l;
    size_t i;
    json_array_foreach(rates, i, l)
    {
        const char *d = json_string_value(json_object_get(l, "dimension"));
        if (d && (strcmp(d, "product") == 0 || strcmp(d, "lot") == 0)) json_array_append(out, l);
    }
    return out;
}

md_code md_pv_dashboard(md_ctx *ctx, json_t *in, json_t **out, md_err *err)
{
    static const char *const keys[] = {"weeks", NULL};
    long nweeks = 26;
    int present = 0;
    md_code rc = md_require(ctx, MD_PERM_PV_READ, err);
    if (rc == MD_OK && in && !json_is_object(in))
        rc = md_err_set(err, MD_EINVAL, "", "the input is an object");
    if (rc == MD_OK && in) rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK && in) rc = md_json_int(in, "weeks", 0, 1, WEEKS_MAX, &nweeks, &present, err);
    if (rc == MD_OK && !present) nweeks = 26;
    char zone[MD_ZONE_STR];
    md_day today = 0;
    if (rc == MD_OK) rc = md_clinic_zone(ctx, zone, &today, err);
    if (rc != MD_OK) return rc;

    md_day this_week = monday_of(today), first = this_week - 7 * (md_day)(nweeks - 1);
    char from[MD_DATE_STR], to[MD_DATE_STR];
    md_date_format(first, from);
    md_date_format(today, to);
    json_t *sessions = NULL, *due = NULL, *report = NULL, *gais = NULL, *res = NULL;
    json_t *q = json_pack("{s:s,s:s}", "from", from, "to", to);
    rc = per_week(ctx,
                  "SELECT t.day, count(*) FROM treatment_sessions t WHERE t.clinic_id = $1 AND "
                  "t.current = 1 AND t.state IN ('completed', 'signed_off') AND t.day >= $2 AND "
                  "t.day <= $3 GROUP BY t.day ORDER BY t.day",
                  first, (int)nweeks, today, "sessions", &sessions, err);
    if (rc == MD_OK)
        rc = per_week(ctx,
                      "SELECT w.target, count(*) FROM course_windows w JOIN courses c ON "
                      "c.clinic_id = w.clinic_id AND c.id = w.course_id AND c.current = 1 WHERE "
                      "w.clinic_id = $1 AND w.kind = 'maintenance' AND w.target >= $2 AND "
                      "w.target <= $3 GROUP BY w.target ORDER BY w.target",
                      this_week, (int)nweeks, this_week + 7 * (md_day)nweeks - 1, "courses", &due,
                      err);
    if (rc == MD_OK) rc = md_pv_signals(ctx, q, &report, err);
    if (rc == MD_OK) rc = md_outcome_distribution(ctx, "gais", NULL, from, to, &gais, err);
    if (rc == MD_OK) {
        res = json_pack("{s:{s:s,s:s},s:I,s:O,s:o,s:{s:o,s:O},s:O,s:O,s:O,s:s?}", "period", "from",
                        from, "to", to, "weeks", (json_int_t)nweeks, "sessions_per_week", sessions,
                        "rates", products_and_lots(json_object_get(report, "rates")), "signals",
                        "disproportionality",
                        flagged(json_object_get(report, "disproportionality"), "signal"),
                        "clusters", json_object_get(report, "clusters"), "gais", gais,
                        "maintenance_due", due, "rules", json_object_get(report, "rules"),
                        "generated_at", json_string_value(json_object_get(report, "generated_at")));
        if (!res) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory building the dashboard");
    }
    json_decref(q);
    json_decref(sessions);
    json_decref(due);
    json_decref(report);
    json_decref(gais);
    if (rc == MD_OK) *out = res;
    return rc;
}
