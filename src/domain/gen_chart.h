/*
 * gen_chart.h - the generator's charted sessions (gen_chart.c): each session the stock
 * generator makes (gen_stock.c: its doses are administrations with context "session") is
 * also written as a row of the treatment session kind (chart.h, md_kind_treatment_session),
 * in the shape md_chart_get answers: signed off (or completed, for the latest weeks), with
 * its events, materials, prechecks, and a chart whose entries are points in zones of the
 * kb's face maps (kb/body_maps.json), each tied to its administration, lot and vial.
 * Private to src/domain; gen.c and gen_stock.c call it.
 *
 * Deterministic like the doses: a session is a function of (seed, clinic, patient number,
 * session number, as_of) and the kb's maps.  Rows go through md_store_exec in the caller's
 * batch transaction, version 1 of the kind, the statement laid out from the kind's own
 * field table (its columns are its fields).
 */
#ifndef MESODESK_GEN_CHART_H
#define MESODESK_GEN_CHART_H

#include "gen_rng.h"
#include "mesodesk/gen.h"
#include "mesodesk/record.h"

#include <jansson.h>

#define MD_GEN_ZONES 64

/* A zone the generator charts: a zone of a face map with a point inside its polygon. */
typedef struct md__gen_zone {
    char map[32], zone[64], area[64];
    double x, y;
} md__gen_zone;

/* A kind the generator writes rows of, by its name in the registry (NULL: the registry has
 * none, nothing of it is written), and its version-1 insert laid out from its field table. */
typedef struct md__gen_kind {
    const md_record_kind *kind;
    char sql[4096];
    int nparams;
} md__gen_kind;

/* The kind named name (gk->kind NULL when the registry has none: MD_OK) and its statement;
 * MD_EINTERNAL when the statement does not fit. */
md_code md__gen_kind_init(const char *name, md__gen_kind *gk, md_err *err);
/* body (members named like the kind's fields; absent ones NULL) as version 1 of record id,
 * of patient_id when the kind has a parent, recorded by `by` at `at` (UTC), with the reason
 * "generated", stored as the record engine stores it (JSON as compact sorted text,
 * decimals in thousandths), inside the caller's transaction.  Nothing when gk->kind is
 * NULL.  *rows (may be NULL) counts the row.  Storage errors as the store gives. */
md_code md__gen_kind_write(md_ctx *ctx, const md__gen_kind *gk, const char *id,
                           const char *patient_id, const char *by, const char *at, json_t *body,
                           long *rows, md_err *err);

#include "gen_care.h"

/* What a run charts with: the session kind (kind NULL: the registry has none, no sessions
 * are written) and its insert, the zones, and the complications and check-ins of each
 * session (gen_care.h). */
typedef struct md__gen_chart {
    const md_record_kind *kind;
    md__gen_kind session;
    md__gen_zone zones[MD_GEN_ZONES];
    int nzones;
    md__gen_care care;
} md__gen_chart;

/* One dose of a session, as gen_stock.c wrote its administration. */
typedef struct md__gen_dose {
    char id[MD_ID_STR], lot_id[MD_ID_STR], vial_id[MD_ID_STR]; /* vial_id "" for an ampoule */
    char product_id[MD_ID_STR];
    long volume_ul;
    const md__gen_zone *zone;
} md__gen_dose;

/* Prepare a run: the kind from the registry, its statement, every zone of the kb's face
 * maps ("face_*") with a point inside it, and the care kinds (md__gen_care_init).  MD_EINVAL ("kb")
 * when the kind exists but the kb has no face zone; MD_EINTERNAL when the kind's statement does not
 * fit. */
md_code md__gen_chart_init(const md_kb *kb, md__gen_chart *gc, md_err *err);

/* A generated visit: the session's id, its course (an id: no course record is written)
 * and seq in it, when it was checked in (UTC seconds), by whom, who signed it off (NULL:
 * nobody can, it stays completed) and the needle lot used. */
typedef struct md__gen_visit {
    const char *id, *course_id;
    int course_session;
    int64_t t;
    const char *by, *director, *needle_lot;
} md__gen_visit;

/* The session of visit v of patient p with its doses d[0..n-1] (n >= 1), inside the batch
 * transaction: signed off by v->director 1 to 3 days after it was completed when that is
 * before as_of, else completed.  Nothing when gc->kind is NULL.  *rows (may be NULL) counts
 * the row.  Not validated by the record engine: the kind's check reads the course's
 * protocol, and no course is generated (tests/unit/test_gen_stock.c reads sessions back
 * through md_chart_get instead).  Storage errors as the store gives. */
md_code md__gen_session_write(md_ctx *ctx, const md__gen_chart *gc, md__rng *r,
                              const md_gen_patient *p, const md__gen_visit *v, md_day as_of,
                              const md__gen_dose *d, int n, long *rows, md_err *err);

#endif
