/*
 * gen_stock.h - the generator's stock (gen_stock.c): each clinic's products, lots and
 * multi-dose vials, and each generated patient's administrations with their stock
 * movements and vial draws.  Private to src/domain; gen.c calls it.
 *
 * Deterministic like the patients (gen.h): the catalogue is a function of (seed, clinic,
 * patients per clinic, as_of), a patient's doses of (seed, clinic, patient number, as_of),
 * with the patient's own intake and latest visit.  Rows go through md_store_exec in the
 * caller's batch transaction (the same bulk path as the patients), written as version 1
 * (and 2 for a vial discarded past its beyond-use time) of their kinds.
 */
#ifndef MESODESK_GEN_STOCK_H
#define MESODESK_GEN_STOCK_H

#include "gen_chart.h"
#include "mesodesk/gen.h"

/* The tables filled, NULL-terminated: a fresh load defers their secondary indexes. */
extern const char *const md__gen_stock_tables[];

/* Inside the batch transaction, after patient p (number index of clinic number clinic,
 * ctx->who.clinic_id) was written: at index 0 the clinic's catalogue first, then the
 * patient's sessions: their doses, and each session charted (gc, gen_chart.h).  *rows (may
 * be NULL) grows by
 * the rows written.  MD_EINVAL when the kb lacks what the
 * catalogue draws from; storage errors as the store gives (the batch then rolls back). */
md_code md__gen_stock_patient(md_ctx *ctx, const md_gen_options *o, const md__gen_chart *gc,
                              int clinic, long index, const md_gen_patient *p, long *rows,
                              md_err *err);

/* After the load (every batch committed): the running balances stock.c keeps beside its
 * ledgers (lot_balances, vial_drawn; migration 17), set once from the generated ledgers for
 * every lot and vial that has none, in one write.  Without them stock is still right
 * (stock.c sums a ledger that has no balance row), only slower to read.  Storage errors as
 * the store gives. */
md_code md__gen_stock_balances(md_ctx *ctx, md_err *err);

#endif
