/*
 * gen.h - the data generator: clinics with staff and realistic patients with clinical facts,
 * for benchmarks, demonstrations and load tests (`mesodesk gen`).
 *
 * Deterministic: a patient is a pure function of (seed, clinic number, patient number,
 * as_of), so the same options give the same patient and fact rows byte for byte (ids,
 * names, dates, times, codes) on any database; only what the core makes itself differs
 * (clinic and staff ids, password hashes, audit entries and their times).  A benchmark or a
 * test can therefore regenerate patient i (md_gen_patient) to know what to search for.
 *
 * Clinical vocabulary comes from the kb (ctx->kb, required): substances, conditions, sites
 * (areas) and medication classes with their names (synonyms) are drawn from its
 * vocabularies, never from C (the C holds people's names, phone formats and free-text
 * reactions only).  Pregnancy and breastfeeding are asked of 9 in 10 female patients aged 14
 * to 55 (answers "yes", "no", "not_sure") and of a few older ones ("no"); the rest are left
 * unasked, as in a real clinic ("unknown is not no").  Most patients without allergies carry
 * a "no known allergies" statement; some were never asked.
 *
 * Storage: each patient is version 1 of a patients row (current), with its search keys
 * (patient_terms, rebuilt by the record engine's own code) and its facts as version 1 of
 * their kinds' rows, written through md_store_exec with the kinds' field tables.  A clinic's
 * patients go in transactions of `batch` patients; each transaction carries one audit entry
 * ("generate", object "clinic", detail: the patient numbers and the seed), so the chain
 * stays one valid chain.  Staff (an admin, two practitioners with licences, a receptionist
 * and an auditor per clinic) are created by md_staff_create, audited as usual.
 *
 * Ownership: the caller owns ctx (db, arena, kb, auditor) and keeps it for the call; ctx's
 * clinic is left as it was.  Library code: nothing is printed; progress goes to the callback.
 */
#ifndef MESODESK_GEN_H
#define MESODESK_GEN_H

#include "mesodesk/context.h"

#include <stdint.h>

#define MD_GEN_MAX_CLINICS 1000
#define MD_GEN_MAX_PATIENTS 10000000L /* per clinic */
#define MD_GEN_MAX_FACTS 2            /* of each kind per patient */

/* Called after each committed transaction: patients done so far of all clinics, and total. */
typedef void (*md_gen_progress_fn)(void *arg, long done, long total);

typedef struct md_gen_options {
    int clinics;   /* 1..MD_GEN_MAX_CLINICS */
    long patients; /* per clinic, 0..MD_GEN_MAX_PATIENTS */
    uint64_t seed;
    md_day as_of;               /* the day the data is "as of": every date lies before it */
    long batch;                 /* patients per transaction; 0 = 20000 */
    long validate_every;        /* run every n-th patient and its facts through md_record_validate
                                 * before storing (1 = all, 0 = none) */
    const char *staff_password; /* every account's; NULL = a random one each (not kept) */
    md_gen_progress_fn progress;
    void *progress_arg;
    int patients_only; /* 1: patients and facts only, without the stock, doses and charted
                        * sessions of gen_stock.c and gen_chart.c (tests of the patients) */
} md_gen_options;

typedef struct md_gen_result {
    int clinics;
    long patients, facts, staff;
    char clinic_ids[MD_GEN_MAX_CLINICS][MD_ID_STR]; /* in clinic number order */
} md_gen_result;

/* One generated patient.  Strings are NUL-terminated; a NULL pointer or "" is absent. */
typedef struct md_gen_fact_allergy {
    const char *substance, *reaction, *status; /* kb code; free text; "active"|"inactive" */
} md_gen_fact_allergy;
typedef struct md_gen_fact_condition {
    const char *code, *site; /* kb codes; site NULL when none */
    int active;
} md_gen_fact_condition;
typedef struct md_gen_fact_medication {
    const char *code, *name;     /* kb class; the name as a patient says it (a kb synonym) */
    char last_dose[MD_DATE_STR]; /* within 60 days before the latest visit */
    const char *status;          /* "active"|"stopped" */
} md_gen_fact_medication;

typedef struct md_gen_patient {
    char id[MD_ID_STR];
    char given[64], family[64], birth_date[MD_DATE_STR];
    const char *sex;
    int fitzpatrick; /* 0 = not recorded */
    char email[128], phone[32];
    char recorded_at[MD_TIME_STR]; /* the intake: the patient row's time */
    char reviewed_at[MD_TIME_STR]; /* the latest visit, on or after the intake: the facts' */
    int nallergies, nconditions, nmedications;
    md_gen_fact_allergy allergies[MD_GEN_MAX_FACTS];
    md_gen_fact_condition conditions[MD_GEN_MAX_FACTS];
    md_gen_fact_medication medications[MD_GEN_MAX_FACTS];
    int no_known_allergies;               /* a "no known allergies" statement, asked at intake */
    const char *pregnant, *breastfeeding; /* "yes"|"no"|"not_sure", NULL = not asked */
    char asked_on[MD_DATE_STR];           /* the latest visit's day (pregnancy, allergies) */
    char fact_ids[1 + 3 * MD_GEN_MAX_FACTS + 1][MD_ID_STR];
} md_gen_patient;

/* Make patient number `index` (0-based) of clinic number `clinic` (0-based) for seed and
 * as_of, with codes from kb; writes nothing.  MD_EINVAL when the kb lacks a vocabulary the
 * generator draws from (conditions, medications, substances, areas). */
md_code md_gen_patient_make(const md_kb *kb, uint64_t seed, int clinic, long index, md_day as_of,
                            md_gen_patient *out, md_err *err);

/* The name of generated clinic number `clinic` for seed: "Generated clinic N (seed S)". */
void md_gen_clinic_name(uint64_t seed, int clinic, char *out, size_t size);

/* Create o->clinics clinics, their staff and o->patients patients each.  ctx->kb is required;
 * ctx->who must be allowed to write staff and records (the CLI's system principal).
 * Refused: options out of range (MD_EINVAL naming "clinics", "patients" or "batch"); a
 * clinic of that name exists already (MD_ECONFLICT naming "seed": another seed or database).
 * On a failure, the transactions committed so far stay (each is whole: patients with their
 * facts and audit entry; their keys too, or, on a fresh database, written after them).
 * A database without patients is loaded faster: its secondary indexes are dropped and
 * built again at the end, and the search keys written sorted (gen.c); a server must not
 * use it meanwhile, and a process killed before the end leaves it without those indexes. */
md_code md_gen_run(md_ctx *ctx, const md_gen_options *o, md_gen_result *res, md_err *err);

/* The schedule of every clinic md_gen_run made (res), after it (gen_schedule.c): 50 more
 * practitioners each with a licence of scope injectables (one lapsed, a few expiring), 20
 * rooms, clinic hours, availability, appointments on a grid of 12 slots a day in every room
 * over history_days (0: 730) of history (completed, no-shows, cancellations) and the next 28
 * days (booked), never double-booking a practitioner or a room, and a screening of each
 * patient booked in the next 7 days.  Deterministic like the patients (the rooms' ids
 * aside).  Each clinic in transactions of 30 days, each with one "generate" audit entry.
 * *rows: the rows written.  ctx->who must be the system principal; its clinic is left as
 * it was.  MD_EINVAL ("schedule_days") out of 1..3650. */
md_code md_gen_schedule(md_ctx *ctx, const md_gen_options *o, const md_gen_result *res,
                        long history_days, long *rows, md_err *err);

#endif
