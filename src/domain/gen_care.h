/*
 * gen_care.h - the generator's complications and check-ins (gen_care.c): what follows each
 * generated session (gen_stock.c, gen_chart.c) in the shapes complication.h and checkin.h
 * store, at the rates of the kb's frequency classes.  Private to src/domain; included by
 * gen_chart.h, called by gen_stock.c.
 *
 * Deterministic like the sessions: what follows session s of patient i of clinic c is a
 * function of (seed, c, i, s, as_of), the session's doses and the kb's catalogue.  Rows go
 * through md_store_exec in the caller's batch transaction, version 1 of their kinds
 * (md__gen_kind_write), with the suspects rows (complication_suspects) and the link rows
 * (checkin_links, a hash of a token nobody holds) beside them.  A kind the registry does
 * not hold (its module not built) is skipped; so is a catalogue the kb does not hold.
 */
#ifndef MESODESK_GEN_CARE_H
#define MESODESK_GEN_CARE_H

#include "mesodesk/complication.h"

#define MD_GEN_CARE_CODES 64

struct md__gen_visit;
struct md__gen_dose;

/* One catalogue entry and its rate per million sessions (gen_care.c's table of the kb's
 * frequency classes). */
typedef struct md__gen_care_code {
    const md_kb_complication *c;
    uint32_t per_million;
} md__gen_care_code;

typedef struct md__gen_care {
    md__gen_kind complication, followup, escalation, checkin;
    md__gen_care_code codes[MD_GEN_CARE_CODES];
    int ncodes;
    const md_kb_complication *cluster; /* the infection seeded on one lot (NULL: none) */
} md__gen_care;

/* The kinds from the registry and the catalogue from kb (each may be absent).  MD_EINTERNAL
 * when a kind's statement does not fit. */
md_code md__gen_care_init(const md_kb *kb, md__gen_care *care, md_err *err);

/* What follows session v (doses d[0..n-1], the session's number sn of patient index of clinic
 * number clinic) of patient p, inside the batch transaction:
 *   - complications at the catalogue's rates (cluster: the session used the lot of the seeded
 *     cluster, whose infection then follows in 8 sessions of 100), onset inside the code's
 *     window and before as_of (a later one is not known yet: none), each with its suspects
 *     (the session, its administrations, lots, vials, products), follow-up tasks on the kb's
 *     schedule (done, or open when due after as_of; 1 in 20 past ones left open: overdue),
 *     outcome resolved when its expected resolution is past, and escalations for grade 3 or
 *     more and red flags (acted on, but those raised in the last 2 days);
 *   - check-ins on day 2 and 14 after it: answered (9 in 10 of those due before as_of), the
 *     rest pending (overdue when past due), 1 answered in 200 with a red flag and its
 *     escalation.
 * Nothing when the kinds are absent.  *rows (may be NULL) counts the rows.  Storage errors as
 * the store gives. */
md_code md__gen_care_session(md_ctx *ctx, const md__gen_care *care, uint64_t seed, int clinic,
                             long index, int sn, const md_gen_patient *p,
                             const struct md__gen_visit *v, const struct md__gen_dose *d, int n,
                             int cluster, md_day as_of, long *rows, md_err *err);

#endif
