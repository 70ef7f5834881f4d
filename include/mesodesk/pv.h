/*
 * pv.h - pharmacovigilance: complication rates, disproportionality and clusters across
 * products, lots, vials, ingredients and practitioners (signal.c, pv_stats.c), the clinic
 * dashboard's figures (pv_dashboard.c), and the MedWatch 3500 / Yellow Card case reports
 * (case_report.c, case_report_pdf.c) (issue 11 items 6 and 7).
 *
 * Everything here reads what complication.h, chart.h and stock.h record: sessions
 * (treatment_sessions, completed or signed off), their administrations, and complications
 * with their suspects (complication_suspects, by index).
 *
 * Ownership: every json_t **out is a new reference for the caller, set only on MD_OK.
 * Reads that name patients (clusters, case reports) are audited; the aggregates are not
 * patient reads.  MD_PERM_PV_READ.
 */
#ifndef MESODESK_PV_H
#define MESODESK_PV_H

#include "mesodesk/context.h"

#include <jansson.h>
#include <stddef.h>

/* ---- statistics (pv_stats.c; pure, no database) ------------------------------------ */

typedef struct md_interval {
    double value, lo, hi; /* lo/hi: NAN when undefined (a zero cell) */
} md_interval;

/* Events per 1,000 sessions with the exact (Garwood) 95% Poisson interval of the count.
 * sessions 0: value, lo, hi NAN. */
md_interval md_pv_rate_per_1000(long events, long sessions);
/*
 * Disproportionality on the 2x2 table of complication reports:
 *                       this complication   every other complication
 *   this product/lot          a                      b
 *   every other one           c                      d
 * PRR = (a/(a+b)) / (c/(c+d)), 95% interval exp(ln PRR +- 1.96 sqrt(1/a - 1/(a+b) + 1/c -
 * 1/(c+d))) (Evans 2001); ROR = (a d)/(b c), exp(ln ROR +- 1.96 sqrt(1/a+1/b+1/c+1/d))
 * (Rothman 2004); chi-squared with Yates' correction.  A zero cell leaves the ratio or its
 * interval NAN (never a made-up continuity value).
 */
typedef struct md_pv_2x2 {
    md_interval prr, ror;
    double chi2;
    int signal_prr; /* a >= 3 && PRR >= 2 && chi2 >= 4 */
    int signal_ror; /* a >= 3 && ROR's lower bound > 1 */
} md_pv_2x2;
md_pv_2x2 md_pv_disproportionality(long a, long b, long c, long d);

/* ---- signals (signal.c) ------------------------------------------------------------ */

/*
 * The signal report of the clinic: in (may be NULL) {"from","to" (civil days of the
 * sessions; default all),"min_cases" (default 3)}.
 * {"generated_at","kb_version","sessions","complications",
 *  "rates":[{"dimension": "product" | "lot" | "vial" | "ingredient" | "practitioner","id",
 *            "label","sessions","events","rate_per_1000","lo","hi"}],
 *  "disproportionality":[{"dimension": "product" | "lot","id","label","code","a","b","c",
 *            "d","prr":{value,lo,hi},"ror":{value,lo,hi},"chi2","signal"}],
 *  "clusters":[{"rule":"infection_cluster","shared": "lot" | "vial" | "practitioner_day",
 *            "id","label","complications":[ids],"patients":N,"window":{"from","to"},
 *            "rule_source"...}],
 *  "rules":[{"rule","sources"}]}
 * The cluster rule: two or more complications of the kb category "infection" whose
 * suspects share a lot, a vial, or a practitioner's day of sessions, each with its onset
 * inside the kb onset window of that shared session.
 */
md_code md_pv_signals(md_ctx *ctx, json_t *in, json_t **out, md_err *err);
/* The report as CSV (one row per rate, disproportionality and cluster line, a "section"
 * column first) into ctx->arena (*csv NUL-terminated). */
md_code md_pv_signals_csv(md_ctx *ctx, json_t *in, char **csv, size_t *len, md_err *err);

/* The dashboard's figures: {"sessions_per_week":[{"week" (ISO week's Monday),"sessions"}],
 * "rates": (md_pv_signals rates of products and lots),"signals": (its flagged lines and
 * clusters),"gais": (outcome.h md_outcome_distribution "gais"),"maintenance_due":[{"week",
 * "courses"}]} over in {"weeks" (default 26)}. */
md_code md_pv_dashboard(md_ctx *ctx, json_t *in, json_t **out, md_err *err);

/* ---- case reports (case_report.c, case_report_pdf.c) ------------------------------- */

/* The case report of one complication on a form, "medwatch" (FDA 3500) or "yellow_card"
 * (MHRA): {"form","form_version","complication_id","generated_at","sections":{...the
 * form's sections, each field filled from the record or null...},"missing":[{"field",
 * "label","section","why"}],"complete": true | false}.  A required field with nothing
 * recorded is listed in "missing", never left blank silently.  Clinical read, audited. */
md_code md_case_report(md_ctx *ctx, const char *complication_id, const char *form, json_t **out,
                       md_err *err);
/* The same as a PDF (cairo + pango, pdf_int.h) into ctx->arena. */
md_code md_case_report_pdf(md_ctx *ctx, const char *complication_id, const char *form,
                           unsigned char **pdf, size_t *len, md_err *err);

/* ---- the case report forms as data (kb/case_report_forms.json, kb_report_forms.c) --- */

/* One field of a form: where it is filled from ("from": one of the sources case_report.c
 * knows, md_case_report_from_scope), whether a report is complete without it, and why it is
 * missing when nothing is recorded.  Every string belongs to the kb. */
typedef struct md_crf_field {
    const char *id, *label, *from;
    int required;
    const char *required_when; /* a yes/no source: required when it is true; NULL: none */
    const char *missing;       /* the why of "missing"; NULL for an optional field */
} md_crf_field;

typedef struct md_crf_section {
    const char *id, *title;
    const char *repeat;  /* "suspects": one group of fields per suspect product; NULL */
    const char *missing; /* a repeat section with nothing to repeat: why */
    const md_crf_field *fields;
    size_t n_fields;
} md_crf_section;

typedef struct md_crf_form {
    const char *code, *name, *version;
    const char *const *sources;
    size_t n_sources;
    const md_crf_section *sections;
    size_t n_sections;
} md_crf_form;

/* The words the PDF prints. */
typedef struct md_crf_wording {
    const char *not_recorded, *yes, *no, *missing_heading, *complete, *identifier_note;
} md_crf_wording;

/* The form of a code ("medwatch", "yellow_card"), NULL when the kb has none. */
const md_crf_form *md_kb_report_form(const md_kb *kb, const char *code);
/* Every form, in kb order (*n set); NULL and 0 without a kb. */
const md_crf_form *md_kb_report_forms(const md_kb *kb, size_t *n);
const md_crf_wording *md_kb_report_wording(const md_kb *kb);

/* What a "from" names: 0 a fact of the case, 1 a fact of one suspect product (only in a
 * repeat section), -1 unknown; *yes_no (may be NULL) set to 1 for a true/false source (the
 * ones "required_when" may name). */
int md_case_report_from_scope(const char *from, int *yes_no);

/*
 * The report itself, pure (no database, no audit): facts is what the case holds, as the
 * reads answer it (every member optional but "complication"):
 *   {"complication": (md_complication_get),"patient": (the patient record),
 *    "generated_at": "YYYY-MM-DDTHH:MM:SSZ","clinic": {"name","phone"},
 *    "reporter": {"display_name","role","email"} | null,
 *    "conditions":[...],"allergies":[...],"allergy_statements":[...],"medications":[...]
 *    (the patient's current records of those kinds),
 *    "administrations":[...],"lots":[...],"vials":[...],"products":[...] (the suspects'
 *    records and what they point to),"sessions":[...],"courses":[...],"formulations":[...]
 *    (the sessions of the suspect administrations, their courses and formulations)}.
 * Suspect products are grouped by (product, lot): each suspect administration, then each
 * suspect vial's or lot's lot not yet named, then each suspect product not yet named.
 * *out as md_case_report describes it, plus "layout":[{"id","title","repeat"?,"fields":
 * [{"id","label","required"}]}] (the form, for the PDF and the web).  MD_EUNPROCESSABLE
 * naming "form" for a form the kb does not have; MD_EINVAL naming "complication" without
 * one.  New reference. */
md_code md_case_report_build(const md_kb *kb, const char *form, const json_t *facts,
                             json_t **out, md_err *err);
/* A report as md_case_report_build made it, drawn as a PDF into a: the missing list at the
 * top, then every section, "Not recorded" (the kb's wording) for a field with nothing. */
md_code md_case_report_render_pdf(const md_kb *kb, const json_t *report, md_arena *a,
                                  unsigned char **pdf, size_t *len, md_err *err);

#endif
