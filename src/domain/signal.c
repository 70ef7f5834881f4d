/*
 * signal.c - the signal report of a clinic (pv.h md_pv_signals, md_pv_signals_csv): rates
 * of complications per 1,000 sessions, disproportionality of (product or lot, code) pairs,
 * and the infection cluster rule.
 *
 * What counts (everything else never does):
 *   - a session: a current treatment_sessions row in state completed or signed_off whose
 *     day is inside [from, to];
 *   - a session "uses" a product, lot or vial when it has a current administration of it
 *     with status "given" (an administration entered in error never counts);
 *   - a complication: its current version, status not entered_in_error, onset_on inside
 *     [from, to];  it "names" a lot, vial, product, ingredient or session through its
 *     suspects (complication_suspects, one row per suspect of the current version); a
 *     product is also named through a lot of it, an ingredient through a product (or a
 *     lot of a product) that holds it; a practitioner through a suspect session of theirs.
 * Every figure is counted by the database (GROUP BY over indexed columns); the only rows
 * brought into C are per (dimension, id) or per (dimension, id, code), plus the suspects of
 * infections for the cluster rule.  Products (a clinic holds tens) are read whole for their
 * ingredients.
 *
 * Rates: events = distinct complications naming the thing, sessions = distinct sessions
 * using it (practitioner: their sessions); rate and exact interval from pv_stats.c.  Vials
 * are listed only when some complication names them (a clinic opens a vial per session or
 * so: a line for every vial would be noise).
 *
 * Disproportionality (products and lots): over the N complications of the period, for each
 * pair (thing, code) with a >= 1, a = complications of the code naming the thing, a + b =
 * complications naming it, a + c = complications of the code, d = N - a - b - c.  A line is
 * a signal when a >= min_cases and either the PRR rule (Evans 2001) or the ROR rule (Rothman
 * 2004) flags it.
 *
 * Clusters (rule "infection_cluster", Mesodesk pv 2026 after the outbreaks of CDC MMWR 2005,
 * Munayco 2008 and Spain 2009): two or more complications whose kb category is "infection"
 * sharing a lot, a vial (each through an administration of it to the patient in a session)
 * or a practitioner's day of sessions (through a suspect session), each with its onset
 * inside the kb onset window of its code after that session's day (day + onset_min_days ..
 * day + onset_max_days).  A cluster's window is from its earliest session day + min to its
 * latest session day + max.  The complications a cluster lists are patients' records: each
 * is audited as a read with the report.
 *
 * Ownership: *out (json) and *csv (ctx->arena) are the caller's, set only on MD_OK.
 * Failures: MD_EFORBIDDEN without MD_PERM_PV_READ, MD_EINVAL naming the input member at
 * fault, store errors as they come.
 */
#include "mesodesk/pv.h"
#include "mesodesk/audit.h"
#include "mesodesk/complication.h"
#include "mesodesk/kb.h"
#include "mesodesk/sbuf.h"
#include "mesodesk/validate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSV_MAX (6u << 20)  /* the CSV report's hard maximum */
#define IN_LIST_MAX 200     /* infection codes: parameters */
#define STATEMENT_MAX 65536 /* the longest statement built here (ingredients) */

/* The rules the report applies, each with its sources (kb/sources.json keys). */
static const struct {
    const char *rule, *what;
    const char *sources[6];
} rules[] = {
    {"rate_per_1000", "events per 1,000 sessions, exact 95% Poisson interval", {"Garwood 1936"}},
    {"prr", "a >= min_cases, PRR >= 2, chi-squared (Yates) >= 4", {"Evans 2001"}},
    {"ror", "a >= min_cases, ROR 95% lower bound > 1", {"Rothman 2004"}},
    {"infection_cluster",
     "two or more infections sharing a lot, a vial or a practitioner's day, each within the "
     "kb onset window",
     {"Mesodesk pv 2026", "CDC MMWR 2005", "Munayco 2008", "Spain 2009 outbreak",
      "PubMed 17550571"}},
};
#define CLUSTER_CATEGORY "infection" /* the kb category the cluster rule reads */

/* ---- the statements ---- */

#define SESSION_OK                                                                                 \
    "t.current = 1 AND t.state IN ('completed', 'signed_off') AND (CAST($2 AS TEXT) IS NULL OR "   \
    "t.day >= $2) AND (CAST($3 AS TEXT) IS NULL OR t.day <= $3)"
#define COMPLICATION_OK                                                                            \
    "c.current = 1 AND c.status <> 'entered_in_error' AND (CAST($2 AS TEXT) IS NULL OR "           \
    "c.onset_on >= $2) AND (CAST($3 AS TEXT) IS NULL OR c.onset_on <= $3)"
#define USES                                                                                       \
    "FROM administrations a JOIN treatment_sessions t ON t.clinic_id = a.clinic_id AND "           \
    "t.id = a.context_id AND " SESSION_OK " WHERE a.clinic_id = $1 AND a.current = 1 AND "         \
    "a.status = 'given' AND a.context = 'session' "
#define SESSIONS_BY(col)                                                                           \
    "SELECT a." col ", count(DISTINCT a.context_id) " USES "AND a." col " IS NOT NULL "            \
    "GROUP BY a." col " ORDER BY a." col
#define NAMED(kind)                                                                                \
    "SELECT s.ref_id AS ref, s.complication_id AS cid FROM complication_suspects s WHERE "         \
    "s.clinic_id = $1 AND s.current = 1 AND s.kind = '" kind "'"
#define LOT_PRODUCT                                                                                \
    "SELECT l.product_id AS ref, s.complication_id AS cid FROM complication_suspects s JOIN "      \
    "lots l ON l.clinic_id = s.clinic_id AND l.id = s.ref_id AND l.current = 1 WHERE "             \
    "s.clinic_id = $1 AND s.current = 1 AND s.kind = 'lot'"
#define SESSION_PRACTITIONER                                                                       \
    "SELECT t.practitioner_id AS ref, s.complication_id AS cid FROM complication_suspects s "      \
    "JOIN treatment_sessions t ON t.clinic_id = s.clinic_id AND t.id = s.ref_id AND "              \
    "t.current = 1 WHERE s.clinic_id = $1 AND s.current = 1 AND s.kind = 'session'"
#define EVENTS_BY(named)                                                                           \
    "SELECT x.ref, c.code, count(DISTINCT c.id) FROM (" named ") x JOIN complications c ON "       \
    "c.clinic_id = $1 AND c.id = x.cid AND " COMPLICATION_OK " GROUP BY x.ref, c.code "            \
    "ORDER BY x.ref, c.code"

static const char sql_sessions[] = "SELECT count(*) FROM treatment_sessions t WHERE "
                                   "t.clinic_id = $1 AND " SESSION_OK;
static const char sql_codes[] =
    "SELECT c.code, count(*) FROM complications c WHERE "
    "c.clinic_id = $1 AND " COMPLICATION_OK " GROUP BY c.code ORDER BY c.code";

enum { D_PRODUCT, D_LOT, D_VIAL, D_INGREDIENT, D_PRACTITIONER, D_COUNT };
static const char *const dim_name[D_COUNT] = {"product", "lot", "vial", "ingredient",
                                              "practitioner"};

static const char *const sql_uses[D_COUNT] = {
    [D_PRODUCT] = SESSIONS_BY("product_id"),
    [D_LOT] = SESSIONS_BY("lot_id"),
    /* Only the vials some complication names (see the top). */
    [D_VIAL] = "SELECT a.vial_id, count(DISTINCT a.context_id) " USES
               "AND a.vial_id IN (SELECT s.ref_id FROM complication_suspects s WHERE "
               "s.clinic_id = $1 AND s.current = 1 AND s.kind = 'vial') GROUP BY a.vial_id "
               "ORDER BY a.vial_id",
    [D_PRACTITIONER] =
        "SELECT t.practitioner_id, count(*) FROM treatment_sessions t WHERE "
        "t.clinic_id = $1 AND " SESSION_OK " GROUP BY t.practitioner_id ORDER BY t.practitioner_id",
};
static const char *const sql_events[D_COUNT] = {
    [D_PRODUCT] = EVENTS_BY(NAMED("product") " UNION " LOT_PRODUCT),
    [D_LOT] = EVENTS_BY(NAMED("lot")),
    [D_VIAL] = EVENTS_BY(NAMED("vial")),
    [D_PRACTITIONER] = EVENTS_BY(SESSION_PRACTITIONER),
};

/* The suspects of infections (codes $4..) through which a cluster is shared, one row per
 * (complication, shared thing, session): complication, patient, code, onset, id, day,
 * practitioner.  The infections' suspects are few: they are gathered first (a materialised
 * CTE, so that neither planner starts from the administrations), then their sessions. */
#define CLUSTER_HEAD                                                                               \
    "WITH inf AS MATERIALIZED (SELECT c.id AS cid, c.patient_id AS pid, c.code AS code, "          \
    "c.onset_on AS onset, s.ref_id AS ref FROM complication_suspects s JOIN complications c ON "   \
    "c.clinic_id = s.clinic_id AND c.id = s.complication_id AND " COMPLICATION_OK                  \
    " WHERE s.clinic_id = $1 AND s.current = 1 AND s.kind = '%s' AND c.code IN (%s)) "
#define SESSION_DONE "t.current = 1 AND t.state IN ('completed', 'signed_off')"
#define CLUSTER_USE(col)                                                                           \
    "SELECT inf.cid, inf.pid, inf.code, inf.onset, inf.ref, t.day, t.practitioner_id FROM inf "    \
    "JOIN administrations a ON a.clinic_id = $1 AND a.patient_id = inf.pid AND a." col             \
    " = inf.ref AND a.current = 1 AND a.status = 'given' AND a.context = 'session' JOIN "          \
    "treatment_sessions t ON t.clinic_id = a.clinic_id AND t.id = a.context_id AND " SESSION_DONE
static const char sql_cluster_day[] =
    "SELECT inf.cid, inf.pid, inf.code, inf.onset, t.practitioner_id, t.day, t.practitioner_id "
    "FROM inf JOIN treatment_sessions t ON t.clinic_id = $1 AND t.id = inf.ref AND " SESSION_DONE;

/* ---- accumulating rows ---- */

typedef struct report {
    md_ctx *ctx;
    json_t *lines[D_COUNT]; /* id -> {"sessions","events","codes":{code: n}} */
    json_t *codes;          /* code -> complications of the period */
    json_t *labels[D_COUNT];
    json_t *product_ingredients; /* product id -> [ingredient codes] */
    json_t *clusters;            /* "<shared>:<id>" -> cluster being built */
    long sessions, complications;
    const char *shared; /* the cluster dimension being read */
} report;

static json_t *line_of(json_t *lines, const char *id)
{
    json_t *l = json_object_get(lines, id);
    if (!l) {
        l = json_pack("{s:I,s:I,s:{}}", "sessions", (json_int_t)0, "events", (json_int_t)0,
                      "codes");
        if (!l || json_object_set_new(lines, id, l) != 0) return NULL;
    }
    return l;
}

static void add_int(json_t *o, const char *key, json_int_t n)
{
    json_object_set_new(o, key, json_integer(json_integer_value(json_object_get(o, key)) + n));
}

typedef struct fill {
    report *r;
    json_t *lines;
    const char *id; /* rows without an id column: this one */
} fill;

static int sessions_row(void *p, const md_row *row)
{
    fill *f = p;
    const char *id = f->id ? f->id : md_row_text(row, 0);
    json_t *l = line_of(f->lines, id);
    if (l) json_object_set_new(l, "sessions", json_integer(md_row_int(row, f->id ? 0 : 1)));
    return l == NULL;
}

static int events_row(void *p, const md_row *row)
{
    fill *f = p;
    int k = f->id ? 0 : 1;
    const char *id = f->id ? f->id : md_row_text(row, 0);
    json_t *l = line_of(f->lines, id);
    if (!l) return 1;
    json_int_t n = md_row_int(row, k + 1);
    add_int(l, "events", n);
    add_int(json_object_get(l, "codes"), md_row_text(row, k), n);
    return 0;
}

static int codes_row(void *p, const md_row *row)
{
    report *r = p;
    json_object_set_new(r->codes, md_row_text(row, 0), json_integer(md_row_int(row, 1)));
    r->complications += (long)md_row_int(row, 1);
    return 0;
}

static int label_row(void *p, const md_row *row)
{
    json_t *labels = p;
    const char *a = md_row_text(row, 1), *b = md_row_columns(row) > 2 ? md_row_text(row, 2) : NULL;
    char text[256];
    if (b && *b)
        snprintf(text, sizeof text, "%s (%s)", a ? a : "", b);
    else
        snprintf(text, sizeof text, "%s", a ? a : "");
    json_object_set_new(labels, md_row_text(row, 0), json_string(text));
    return 0;
}

static int product_row(void *p, const md_row *row)
{
    report *r = p;
    const char *id = md_row_text(row, 0);
    json_object_set_new(r->labels[D_PRODUCT], id, json_string(md_row_text(row, 1)));
    json_t *ings = json_loads(md_row_text(row, 2), 0, NULL), *codes = json_array(), *e;
    size_t i;
    json_array_foreach(ings, i, e)
    {
        const char *code = json_string_value(json_object_get(e, "ingredient"));
        if (code) json_array_append_new(codes, json_string(code));
    }
    json_decref(ings);
    json_object_set_new(r->product_ingredients, id, codes);
    return 0;
}

static md_code run(report *r, const char *sql, md_val *v, int n, md_row_fn fn, void *p, md_err *err)
{
    return md_store_exec(r->ctx->db, sql, v, n, fn, p, err);
}

/* ---- ingredients ---- */

/* The (product, ingredient) pairs of the clinic's products go into the statement as a
 * derived table m of parameters ($4, $5 the first pair, ...), so that one pass over the
 * administrations counts every ingredient of a chunk (each ingredient whole in one chunk, so
 * that its distinct sessions and complications are counted once).  CROSS JOIN keeps
 * SQLite's planner from looping over m outside a scan of the administrations (one scan per
 * pair: 171 s instead of 70 s on 100,000 sessions, loaded machine); PostgreSQL plans it as
 * the inner join it is. */
#define PAIRS_MAX 120 /* (3 + 2 * 120 parameters, under MD_STORE_PARAMS_MAX) */

static md_code ingredient_chunk(report *r, md_val *v, size_t pairs, md_err *err)
{
    md_sbuf mb;
    md_sbuf_init_arena(&mb, r->ctx->arena, STATEMENT_MAX);
    md_sbuf_append(&mb, "(");
    for (size_t i = 0; i < pairs; i++)
        md_sbuf_appendf(&mb,
                        "%sSELECT CAST($%zu AS TEXT) AS product_id, CAST($%zu AS TEXT) AS "
                        "ingredient",
                        i ? " UNION ALL " : "", 4 + 2 * i, 5 + 2 * i);
    md_sbuf_append(&mb, ") m");
    md_code rc = md_sbuf_check(&mb, "ingredient statement", err);
    if (rc != MD_OK) return rc;
    const char *map = mb.p;
    md_sbuf sb;
    md_sbuf_init_arena(&sb, r->ctx->arena, STATEMENT_MAX);
    md_sbuf_appendf(&sb,
                    "SELECT m.ingredient, count(DISTINCT a.context_id) FROM administrations a "
                    "CROSS JOIN %s JOIN treatment_sessions t ON t.clinic_id = a.clinic_id AND "
                    "t.id = a.context_id AND " SESSION_OK
                    " WHERE m.product_id = a.product_id AND a.clinic_id = $1 AND a.current = 1 "
                    "AND a.status = 'given' AND a.context = 'session' GROUP BY m.ingredient "
                    "ORDER BY m.ingredient",
                    map);
    fill f = {r, r->lines[D_INGREDIENT], NULL};
    rc = md_sbuf_check(&sb, "ingredient statement", err);
    if (rc == MD_OK) rc = run(r, sb.p, v, 3 + 2 * (int)pairs, sessions_row, &f, err);
    md_sbuf_init_arena(&sb, r->ctx->arena, STATEMENT_MAX);
    md_sbuf_appendf(&sb,
                    EVENTS_BY("SELECT s.ref_id AS ref, s.complication_id AS cid FROM "
                              "complication_suspects s WHERE s.clinic_id = $1 AND s.current = 1 "
                              "AND s.kind = 'ingredient' AND s.ref_id IN (SELECT m.ingredient "
                              "FROM %s) UNION SELECT m.ingredient, s.complication_id FROM "
                              "complication_suspects s JOIN %s ON m.product_id = s.ref_id WHERE "
                              "s.clinic_id = $1 AND s.current = 1 AND s.kind = 'product' UNION "
                              "SELECT m.ingredient, s.complication_id FROM complication_suspects "
                              "s JOIN lots l ON l.clinic_id = s.clinic_id AND l.id = s.ref_id AND "
                              "l.current = 1 JOIN %s ON m.product_id = l.product_id WHERE "
                              "s.clinic_id = $1 AND s.current = 1 AND s.kind = 'lot'"),
                    map, map, map);
    if (rc == MD_OK) rc = md_sbuf_check(&sb, "ingredient statement", err);
    if (rc == MD_OK) rc = run(r, sb.p, v, 3 + 2 * (int)pairs, events_row, &f, err);
    return rc;
}

static md_code ingredient_lines(report *r, md_val *base, md_err *err)
{
    json_t *by_ing = json_object(); /* ingredient -> [product ids] */
    const char *pid;
    json_t *codes;
    json_object_foreach(r->product_ingredients, pid, codes)
    {
        size_t i;
        json_t *c;
        json_array_foreach(codes, i, c)
        {
            json_t *list = json_object_get(by_ing, json_string_value(c));
            if (!list) json_object_set_new(by_ing, json_string_value(c), list = json_array());
            json_array_append_new(list, json_string(pid));
        }
    }
    md_val v[3 + 2 * PAIRS_MAX];
    memcpy(v, base, 3 * sizeof *v);
    size_t pairs = 0;
    md_code rc = MD_OK;
    const char *ing;
    json_t *products;
    json_object_foreach(by_ing, ing, products)
    {
        size_t np = json_array_size(products);
        if (np > PAIRS_MAX) np = PAIRS_MAX; /* more products of one ingredient than a chunk */
        if (pairs + np > PAIRS_MAX) {
            rc = ingredient_chunk(r, v, pairs, err);
            pairs = 0;
            if (rc != MD_OK) break;
        }
        for (size_t i = 0; i < np; i++, pairs++) {
            v[3 + 2 * pairs] = md_text(json_string_value(json_array_get(products, i)));
            v[4 + 2 * pairs] = md_text(ing);
        }
        json_object_set_new(r->labels[D_INGREDIENT], ing, json_string(ing));
    }
    if (rc == MD_OK && pairs) rc = ingredient_chunk(r, v, pairs, err);
    json_decref(by_ing);
    return rc;
}

/* ---- clusters ---- */

static int cluster_row(void *p, const md_row *row)
{
    report *r = p;
    const char *cid = md_row_text(row, 0), *patient = md_row_text(row, 1),
               *code = md_row_text(row, 2), *onset = md_row_text(row, 3),
               *ref = md_row_text(row, 4), *day = md_row_text(row, 5);
    const md_kb_complication *k = md_kb_complication_find(r->ctx->kb, code);
    md_day o, d;
    if (!k || !onset || !day || md_date_parse(onset, &o) != 0 || md_date_parse(day, &d) != 0)
        return 0;
    if (o < d + k->onset_min_days || o > d + k->onset_max_days) return 0;
    char key[160], id[96];
    if (strcmp(r->shared, "practitioner_day") == 0)
        snprintf(id, sizeof id, "%s/%s", ref, day);
    else
        snprintf(id, sizeof id, "%s", ref);
    snprintf(key, sizeof key, "%s:%s", r->shared, id);
    json_t *c = json_object_get(r->clusters, key);
    if (!c) {
        c = json_pack("{s:s,s:s,s:s,s:s,s:{},s:{},s:i,s:i}", "shared", r->shared, "id", id, "ref",
                      ref, "practitioner_id", md_row_text(row, 6), "complications", "patients",
                      "from", (int)(d + k->onset_min_days), "to", (int)(d + k->onset_max_days));
        if (!c || json_object_set_new(r->clusters, key, c) != 0) return 1;
    }
    json_object_set_new(json_object_get(c, "complications"), cid, json_string(patient));
    json_object_set_new(json_object_get(c, "patients"), patient, json_true());
    if (d + k->onset_min_days < json_integer_value(json_object_get(c, "from")))
        json_object_set_new(c, "from", json_integer(d + k->onset_min_days));
    if (d + k->onset_max_days > json_integer_value(json_object_get(c, "to")))
        json_object_set_new(c, "to", json_integer(d + k->onset_max_days));
    return 0;
}

static md_code cluster_rows(report *r, md_val *base, md_err *err)
{
    size_t n = 0, nk = 0;
    const md_kb_complication *all = r->ctx->kb ? md_kb_complications(r->ctx->kb, &n) : NULL;
    md_val v[3 + IN_LIST_MAX];
    memcpy(v, base, 3 * sizeof *v);
    char in[IN_LIST_MAX * 6 + 8];
    md_sbuf ib;
    md_sbuf_init(&ib, in, sizeof in);
    for (size_t i = 0; all && i < n && nk < IN_LIST_MAX; i++) {
        if (!all[i].category || strcmp(all[i].category, CLUSTER_CATEGORY) != 0) continue;
        v[3 + nk] = md_text(all[i].code);
        md_sbuf_appendf(&ib, "%s$%zu", nk ? ", " : "", nk + 4);
        nk++;
    }
    if (nk == 0) return MD_OK;
    md_code rc = md_sbuf_check(&ib, "cluster statement", err);
    static const struct {
        const char *shared, *kind, *tail;
    } q[] = {
        {"lot", "lot", CLUSTER_USE("lot_id")},
        {"vial", "vial", CLUSTER_USE("vial_id")},
        {"practitioner_day", "session", sql_cluster_day},
    };
    for (size_t i = 0; rc == MD_OK && i < sizeof q / sizeof q[0]; i++) {
        char sql[4096];
        md_sbuf sb;
        md_sbuf_init(&sb, sql, sizeof sql);
        md_sbuf_appendf(&sb, CLUSTER_HEAD "%s ORDER BY 5, 4, 1, 6", q[i].kind, ib.p, q[i].tail);
        r->shared = q[i].shared;
        rc = md_sbuf_check(&sb, "cluster statement", err);
        if (rc == MD_OK) rc = run(r, sb.p, v, 3 + (int)nk, cluster_row, r, err);
    }
    return rc;
}

/* ---- building the answer ---- */

static json_t *num(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static json_t *interval(md_interval i)
{
    return json_pack("{s:o,s:o,s:o}", "value", num(i.value), "lo", num(i.lo), "hi", num(i.hi));
}

static const char *label(report *r, int d, const char *id)
{
    const char *l = json_string_value(json_object_get(r->labels[d], id));
    return l ? l : id;
}

static int by_dimension_label(const void *pa, const void *pb)
{
    json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
    const char *keys[] = {"order", "label", "id", "code"};
    for (int i = 0; i < 4; i++) {
        json_t *x = json_object_get(a, keys[i]), *y = json_object_get(b, keys[i]);
        int c = json_is_integer(x) ? (int)(json_integer_value(x) - json_integer_value(y))
                                   : strcmp(json_string_value(x) ? json_string_value(x) : "",
                                            json_string_value(y) ? json_string_value(y) : "");
        if (c) return c;
    }
    return 0;
}

static md_code sorted(json_t *arr, md_err *err)
{
    md_code rc = md_json_array_sort(arr, by_dimension_label, err);
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) json_object_del(e, "order");
    return rc;
}

static json_t *rate_lines(report *r)
{
    json_t *out = json_array();
    for (int d = 0; d < D_COUNT; d++) {
        const char *id;
        json_t *l;
        json_object_foreach(r->lines[d], id, l)
        {
            long s = (long)json_integer_value(json_object_get(l, "sessions")),
                 e = (long)json_integer_value(json_object_get(l, "events"));
            md_interval x = md_pv_rate_per_1000(e, s);
            json_array_append_new(out,
                                  json_pack("{s:i,s:s,s:s,s:s,s:I,s:I,s:o,s:o,s:o,s:s}", "order", d,
                                            "dimension", dim_name[d], "id", id, "label",
                                            label(r, d, id), "sessions", (json_int_t)s, "events",
                                            (json_int_t)e, "rate_per_1000", num(x.value), "lo",
                                            num(x.lo), "hi", num(x.hi), "rule", "rate_per_1000"));
        }
    }
    return out;
}

static json_t *disproportionality_lines(report *r, long min_cases)
{
    json_t *out = json_array();
    int dims[] = {D_PRODUCT, D_LOT};
    for (size_t k = 0; k < 2; k++) {
        int d = dims[k];
        const char *id;
        json_t *l;
        json_object_foreach(r->lines[d], id, l)
        {
            long named = (long)json_integer_value(json_object_get(l, "events"));
            const char *code;
            json_t *n;
            json_object_foreach(json_object_get(l, "codes"), code, n)
            {
                long a = (long)json_integer_value(n), b = named - a,
                     c = (long)json_integer_value(json_object_get(r->codes, code)) - a,
                     dd = r->complications - a - b - c;
                if (a < 1 || c < 0 || dd < 0) continue;
                md_pv_2x2 t = md_pv_disproportionality(a, b, c, dd);
                int sig = a >= min_cases && (t.signal_prr || t.signal_ror);
                json_array_append_new(
                    out,
                    json_pack("{s:i,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:b,s:b,s:b,"
                              "s:[ss]}",
                              "order", d, "dimension", dim_name[d], "id", id, "label",
                              label(r, d, id), "code", code, "a", (json_int_t)a, "b", (json_int_t)b,
                              "c", (json_int_t)c, "d", (json_int_t)dd, "prr", interval(t.prr),
                              "ror", interval(t.ror), "chi2", num(t.chi2), "signal", sig,
                              "signal_prr", a >= min_cases && t.signal_prr, "signal_ror",
                              a >= min_cases && t.signal_ror, "rules", "prr", "ror"));
            }
        }
    }
    return out;
}

static json_t *rule_sources(const char *rule)
{
    json_t *s = json_array();
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (strcmp(rules[i].rule, rule) == 0)
            for (size_t j = 0; j < 6 && rules[i].sources[j]; j++)
                json_array_append_new(s, json_string(rules[i].sources[j]));
    return s;
}

static json_t *cluster_lines(report *r)
{
    json_t *out = json_array();
    const char *key;
    json_t *c;
    json_object_foreach(r->clusters, key, c)
    {
        json_t *cs = json_object_get(c, "complications");
        if (json_object_size(cs) < 2) continue;
        const char *shared = json_string_value(json_object_get(c, "shared")),
                   *ref = json_string_value(json_object_get(c, "ref"));
        char from[MD_DATE_STR], to[MD_DATE_STR], lab[320];
        md_date_format((md_day)json_integer_value(json_object_get(c, "from")), from);
        md_date_format((md_day)json_integer_value(json_object_get(c, "to")), to);
        if (strcmp(shared, "practitioner_day") == 0) {
            const char *id = json_string_value(json_object_get(c, "id"));
            snprintf(lab, sizeof lab, "%s, %s", label(r, D_PRACTITIONER, ref),
                     strchr(id, '/') ? strchr(id, '/') + 1 : id);
        } else {
            snprintf(lab, sizeof lab, "%s",
                     label(r, strcmp(shared, "lot") == 0 ? D_LOT : D_VIAL, ref));
        }
        json_t *ids = json_array();
        const char *cid;
        json_t *pid;
        json_object_foreach(cs, cid, pid) json_array_append_new(ids, json_string(cid));
        json_array_append_new(
            out,
            json_pack("{s:i,s:s,s:s,s:s,s:s,s:o,s:I,s:{s:s,s:s},s:o,s:s}", "order", 0, "rule",
                      "infection_cluster", "shared", shared, "id",
                      json_string_value(json_object_get(c, "id")), "label", lab, "complications",
                      ids, "patients", (json_int_t)json_object_size(json_object_get(c, "patients")),
                      "window", "from", from, "to", to, "rule_source",
                      rule_sources("infection_cluster"), "category", CLUSTER_CATEGORY));
        /* Kept for the audit (audit_report), removed before the answer. */
        json_object_set(json_array_get(out, json_array_size(out) - 1), "patient_of", cs);
    }
    return out;
}

/* One entry for the report, and one read per complication a cluster lists. */
static md_code audit_report(report *r, json_t *clusters, md_err *err)
{
    size_t total = 1, i;
    json_t *c;
    json_array_foreach(clusters, i, c) total += json_object_size(json_object_get(c, "patient_of"));
    md_audit_entry *e = md_arena_alloc(r->ctx->arena, total * sizeof *e);
    if (!e) return md_err_set(err, MD_ENOMEM, NULL, "out of memory auditing the report");
    char detail[96];
    snprintf(detail, sizeof detail, "pv signals: %ld sessions, %ld complications", r->sessions,
             r->complications);
    size_t n = 0;
    e[n++] = (md_audit_entry){"read", "pv_signals", r->ctx->who.clinic_id, NULL, detail};
    json_array_foreach(clusters, i, c)
    {
        json_t *patients = json_object_get(c, "patient_of");
        const char *cid;
        json_t *pid;
        json_object_foreach(patients, cid, pid)
        {
            e[n++] =
                (md_audit_entry){"read", "complication", cid, json_string_value(pid), "pv cluster"};
        }
    }
    return md_audit_many(r->ctx, e, n, err);
}

static md_code read_input(json_t *in, const char **from, const char **to, long *min_cases,
                          md_err *err)
{
    static const char *const keys[] = {"from", "to", "min_cases", NULL};
    *from = *to = NULL;
    *min_cases = 3;
    if (!in) return MD_OK;
    if (!json_is_object(in)) return md_err_set(err, MD_EINVAL, "", "the input is an object");
    int present = 0;
    md_code rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK) rc = md_json_date(in, "from", 0, from, NULL, err);
    if (rc == MD_OK) rc = md_json_date(in, "to", 0, to, NULL, err);
    if (rc == MD_OK) rc = md_json_int(in, "min_cases", 0, 1, 1000000, min_cases, &present, err);
    if (rc == MD_OK && !present) *min_cases = 3;
    if (rc == MD_OK && *from && *to && strcmp(*from, *to) > 0)
        rc = md_err_set(err, MD_EINVAL, "to", "to is before from");
    return rc;
}

static void report_free(report *r)
{
    for (int d = 0; d < D_COUNT; d++) {
        json_decref(r->lines[d]);
        json_decref(r->labels[d]);
    }
    json_decref(r->codes);
    json_decref(r->product_ingredients);
    json_decref(r->clusters);
}

md_code md_pv_signals(md_ctx *ctx, json_t *in, json_t **out, md_err *err)
{
    const char *from, *to;
    long min_cases;
    md_code rc = md_require(ctx, MD_PERM_PV_READ, err);
    if (rc == MD_OK) rc = read_input(in, &from, &to, &min_cases, err);
    if (rc != MD_OK) return rc;
    report r = {.ctx = ctx};
    for (int d = 0; d < D_COUNT; d++) {
        r.lines[d] = json_object();
        r.labels[d] = json_object();
    }
    r.codes = json_object();
    r.product_ingredients = json_object();
    r.clusters = json_object();
    md_val v[3] = {md_text(ctx->who.clinic_id), md_text(from), md_text(to)};
    json_t *res = NULL, *clusters = NULL;
    int64_t sessions = 0;

    rc = md_store_snapshot_begin(ctx->db, err);
    if (rc != MD_OK) goto done;
    rc = md_store_scalar_int(ctx->db, sql_sessions, v, 3, &sessions, err);
    r.sessions = (long)sessions;
    if (rc == MD_OK) rc = run(&r, sql_codes, v, 3, codes_row, &r, err);
    for (int d = 0; rc == MD_OK && d < D_COUNT; d++) {
        fill f = {&r, r.lines[d], NULL};
        if (sql_uses[d]) rc = run(&r, sql_uses[d], v, 3, sessions_row, &f, err);
        if (rc == MD_OK && sql_events[d]) rc = run(&r, sql_events[d], v, 3, events_row, &f, err);
    }
    if (rc == MD_OK)
        rc = run(&r,
                 "SELECT id, name, ingredients FROM products WHERE clinic_id = $1 AND "
                 "current = 1 ORDER BY id",
                 v, 1, product_row, &r, err);
    if (rc == MD_OK) rc = ingredient_lines(&r, v, err);
    if (rc == MD_OK)
        rc = run(&r,
                 "SELECT l.id, l.lot_number, p.name FROM lots l LEFT JOIN products p ON "
                 "p.clinic_id = l.clinic_id AND p.id = l.product_id AND p.current = 1 WHERE "
                 "l.clinic_id = $1 AND l.current = 1 ORDER BY l.id",
                 v, 1, label_row, r.labels[D_LOT], err);
    if (rc == MD_OK)
        rc = run(&r,
                 "SELECT v.id, l.lot_number, v.opened_at FROM vials v JOIN lots l ON "
                 "l.clinic_id = v.clinic_id AND l.id = v.lot_id AND l.current = 1 WHERE "
                 "v.clinic_id = $1 AND v.current = 1 AND v.id IN (SELECT s.ref_id FROM "
                 "complication_suspects s WHERE s.clinic_id = $1 AND s.current = 1 AND "
                 "s.kind = 'vial') ORDER BY v.id",
                 v, 1, label_row, r.labels[D_VIAL], err);
    if (rc == MD_OK)
        rc = run(&r, "SELECT id, display_name FROM staff WHERE clinic_id = $1 ORDER BY id", v, 1,
                 label_row, r.labels[D_PRACTITIONER], err);
    if (rc == MD_OK) rc = cluster_rows(&r, v, err);
    md_store_snapshot_end(ctx->db);
    if (rc != MD_OK) goto done;

    json_t *rates = rate_lines(&r), *disp = disproportionality_lines(&r, min_cases);
    clusters = cluster_lines(&r);
    json_t *rl = json_array();
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        json_array_append_new(rl, json_pack("{s:s,s:s,s:o}", "rule", rules[i].rule, "what",
                                            rules[i].what, "sources", rule_sources(rules[i].rule)));
    char now[MD_TIME_STR];
    md_time_format(md_now(), now);
    res = json_pack("{s:s,s:s?,s:{s:s?,s:s?,s:I},s:I,s:I,s:o,s:o,s:O,s:o}", "generated_at", now,
                    "kb_version", ctx->kb ? md_kb_version(ctx->kb) : NULL, "period", "from", from,
                    "to", to, "min_cases", (json_int_t)min_cases, "sessions",
                    (json_int_t)r.sessions, "complications", (json_int_t)r.complications, "rates",
                    rates, "disproportionality", disp, "clusters", clusters, "rules", rl);
    if (!res) {
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory building the signal report");
        goto done;
    }
    rc = sorted(json_object_get(res, "rates"), err);
    if (rc == MD_OK) rc = sorted(json_object_get(res, "disproportionality"), err);
    if (rc == MD_OK) rc = sorted(json_object_get(res, "clusters"), err);
    /* The audit returns before the answer is handed back (a read's rule). */
    if (rc == MD_OK) rc = audit_report(&r, clusters, err);
    size_t i;
    json_t *c;
    json_array_foreach(clusters, i, c) json_object_del(c, "patient_of");
done:
    json_decref(clusters);
    report_free(&r);
    if (rc == MD_OK)
        *out = res;
    else
        json_decref(res);
    return rc;
}

/* ---- CSV ---- */

/* RFC 4180: a field holding a comma, a quote, CR or LF is quoted, its quotes doubled. */
static void csv_text(md_sbuf *b, const char *s)
{
    if (!s) s = "";
    if (!strpbrk(s, ",\"\r\n")) {
        md_sbuf_append(b, s);
        return;
    }
    md_sbuf_append(b, "\"");
    for (const char *p = s; *p; p++) {
        char one[3] = {*p, *p == '"' ? '"' : '\0', '\0'};
        md_sbuf_append(b, one);
    }
    md_sbuf_append(b, "\"");
}

static void csv_value(md_sbuf *b, json_t *v)
{
    if (json_is_string(v))
        csv_text(b, json_string_value(v));
    else if (json_is_integer(v))
        md_sbuf_appendf(b, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        md_sbuf_appendf(b, "%.6g", json_real_value(v));
    else if (json_is_true(v))
        md_sbuf_append(b, "true");
    else if (json_is_false(v))
        md_sbuf_append(b, "false");
}

static const char *const csv_cols[] = {
    "section",  "dimension", "id",     "label",  "code", "sessions", "events", "rate_per_1000",
    "lo",       "hi",        "a",      "b",      "c",    "d",        "prr",    "prr_lo",
    "prr_hi",   "ror",       "ror_lo", "ror_hi", "chi2", "signal",   "rule",   "complications",
    "patients", "from",      "to",     NULL};

/* The member of a line that a column shows (NULL: empty). */
static json_t *csv_cell(json_t *line, const char *col)
{
    static const struct {
        const char *col, *obj, *key;
    } nested[] = {{"prr", "prr", "value"},    {"prr_lo", "prr", "lo"}, {"prr_hi", "prr", "hi"},
                  {"ror", "ror", "value"},    {"ror_lo", "ror", "lo"}, {"ror_hi", "ror", "hi"},
                  {"from", "window", "from"}, {"to", "window", "to"}};
    for (size_t i = 0; i < sizeof nested / sizeof nested[0]; i++)
        if (strcmp(col, nested[i].col) == 0)
            return json_object_get(json_object_get(line, nested[i].obj), nested[i].key);
    if (strcmp(col, "dimension") == 0 && json_object_get(line, "shared"))
        return json_object_get(line, "shared");
    return json_object_get(line, col);
}

md_code md_pv_signals_csv(md_ctx *ctx, json_t *in, char **csv, size_t *len, md_err *err)
{
    json_t *rep = NULL;
    md_code rc = md_pv_signals(ctx, in, &rep, err);
    if (rc != MD_OK) return rc;
    md_sbuf b;
    md_sbuf_init_arena(&b, ctx->arena, CSV_MAX);
    for (int i = 0; csv_cols[i]; i++) {
        md_sbuf_append(&b, csv_cols[i]);
        md_sbuf_append(&b, csv_cols[i + 1] ? "," : "\r\n");
    }
    static const char *const sections[] = {"rates", "disproportionality", "clusters"};
    for (size_t s = 0; s < 3; s++) {
        size_t i;
        json_t *line;
        json_array_foreach(json_object_get(rep, sections[s]), i, line)
        {
            for (int k = 0; csv_cols[k]; k++) {
                if (k == 0) {
                    md_sbuf_append(&b, sections[s]);
                } else if (strcmp(csv_cols[k], "complications") == 0) {
                    json_t *ids = json_object_get(line, "complications"), *e;
                    size_t j;
                    char *joined = NULL;
                    size_t n = 0;
                    json_array_foreach(ids, j, e) n += strlen(json_string_value(e)) + 1;
                    if (n) joined = md_arena_alloc(ctx->arena, n);
                    if (joined) {
                        joined[0] = '\0';
                        md_sbuf jb;
                        md_sbuf_init(&jb, joined, n);
                        json_array_foreach(ids, j, e)
                        {
                            md_sbuf_append(&jb, j ? " " : "");
                            md_sbuf_append(&jb, json_string_value(e));
                        }
                        csv_text(&b, joined);
                    }
                } else if (strcmp(csv_cols[k], "rule") == 0 && s == 1) {
                    md_sbuf_append(&b, "prr ror");
                } else {
                    csv_value(&b, csv_cell(line, csv_cols[k]));
                }
                md_sbuf_append(&b, csv_cols[k + 1] ? "," : "\r\n");
            }
        }
    }
    json_decref(rep);
    rc = md_sbuf_check(&b, "the CSV report", err);
    if (rc != MD_OK) return rc;
    *csv = b.p;
    *len = b.len;
    return MD_OK;
}
