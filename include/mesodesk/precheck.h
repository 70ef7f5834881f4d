/*
 * precheck.h - what the session gates (md_chart_gates, chart.h) and the clinic's chart
 * policy read from the knowledge base: kb/prechecks.json, loaded and checked at start-up
 * with the rest of the kb (src/kb/kb_prechecks.c).
 *
 * kb/prechecks.json holds, for each gate (screening, consent, patch_tests, practitioner,
 * materials, photos_before, in the order they are shown): its rule id, a title, its
 * sources, and for every reason the gate can give ("pass", "none", "stale"...) the wording
 * of its message and of what satisfies it, as templates with named values in braces
 * ("screen the patient today ({day})").  Also the consumable kinds whose lot is the needle
 * lot, the photo views besides body-map zones, and the chart policy's defaults.  The
 * loader refuses a gate, a reason or a template value the code does not know, a reason the
 * code gives that the file lacks, entries without known sources, and defaults outside the
 * policy's ranges (MD_EINVAL naming "kb/prechecks.json:<path>").
 *
 * Everything returned belongs to the kb and lives as long as it.  Functions given a NULL
 * kb (unit tests of pure parts) answer as an empty kb would, except md_kb_chart_policy,
 * which then gives the documented defaults.
 */
#ifndef MESODESK_PRECHECK_H
#define MESODESK_PRECHECK_H

#include "mesodesk/chart.h"
#include "mesodesk/kb.h"

#include <jansson.h>
#include <stddef.h>

#define MD_PRECHECK_GATES 6

typedef struct md_precheck_gate {
    const char *gate;  /* "screening" */
    const char *rule;  /* "precheck_screening" */
    const char *title; /* for people */
    const char *const *sources;
    size_t n_sources;
} md_precheck_gate;

/* The gates in their order, i = 0 .. MD_PRECHECK_GATES - 1; NULL past the end or without a
 * kb. */
const md_precheck_gate *md_kb_precheck_at(const md_kb *kb, size_t i);
const md_precheck_gate *md_kb_precheck_find(const md_kb *kb, const char *gate);
/* The templates of one reason of a gate (satisfy NULL for a passing reason); 0, or -1 when
 * the kb has no such gate or reason. */
int md_kb_precheck_wording(const md_kb *kb, const char *gate, const char *reason,
                           const char **message, const char **satisfy);

/* A template's values: name and value pairs ended by a NULL name. */
typedef struct md_tmpl_value {
    const char *name, *value;
} md_tmpl_value;
/* Render tmpl into out (at most n bytes, NUL included): "{name}" becomes its value ("" for a
 * name without one); a text that does not fit is cut.  Returns out. */
char *md_precheck_render(const char *tmpl, const md_tmpl_value *values, char *out, size_t n);

/* Is kind (a kb/stock.json consumable kind) a needle kind (its lot is the needle lot)? */
int md_kb_needle_kind(const md_kb *kb, const char *kind);
/* Is view one of the photo views besides body-map zones ("front", "left", "right")? */
int md_kb_photo_view(const md_kb *kb, const char *view);
/* Is area within another (cheeks within face)?  md_kb_area_within, chart.h. */
/* The chart policy's defaults (kb/prechecks.json "chart_policy"). */
void md_kb_chart_policy(const md_kb *kb, md_chart_policy *out);

/* The gates, views and defaults as JSON for forms and GET /api/v1/charting/prechecks:
 * {"gates":[{"gate","rule","title","sources"}],"needle_kinds","photo_views",
 * "chart_policy":{...defaults}}.  New reference; NULL when out of memory. */
json_t *md_kb_prechecks_json(const md_kb *kb);

/* The policy as JSON {"before_views","after_views","completion_hours",
 * "review_share_percent"}; new reference, NULL when out of memory. */
json_t *md_chart_policy_json(const md_chart_policy *p);

/* The clinic's chart policy record (clinic-level, one current per clinic): *out the current
 * record with "defaults": false, or, when the clinic never set one, the kb's defaults with
 * "defaults": true (and no id).  Needs MD_PERM_STAFF_READ; audited as a read of the clinic's
 * chart_policy. */
md_code md_chart_policy_read(md_ctx *ctx, json_t **out, md_err *err);
/* Set the policy (admin: MD_PERM_KB_WRITE): in {"before_views"?,"after_views"?,
 * "completion_hours"?,"review_share_percent"?,"reason"?,"version"?}: members given replace
 * the current ones (the kb's defaults the first time); a new version with who and why
 * (reason required once a policy exists), audited.  Views are the kb's photo views or
 * body-map zones, each once, at most 8 (MD_EUNPROCESSABLE naming "before_views[1]");
 * hours 1..720; share 0..100.  *out as md_chart_policy_read. */
md_code md_chart_policy_set(md_ctx *ctx, json_t *in, json_t **out, md_err *err);
/* Every version of the clinic's policy, oldest first: {"versions":[...]} (empty when it
 * never set one).  Needs MD_PERM_STAFF_READ; audited. */
md_code md_chart_policy_history(md_ctx *ctx, json_t **out, md_err *err);

/* The session's gates evaluated now without writing anything (a read of the session,
 * audited by md_chart_get): *out {"ok","checks":[...]} as md_chart_gates gives it, for the
 * clinic's today at now (the day the precheck and start steps judge, chart.c).  Needs
 * MD_PERM_CLINICAL_READ. */
md_code md_chart_gates_preview(md_ctx *ctx, const char *session_id, json_t **out, md_err *err);

#endif
