/*
 * complication.h - the complication catalogue (kb/complications.json), complications and
 * their follow-up tasks, and the escalation worklist (issue 11 items 1, 2, 4 and 9).
 *
 * This header is the contract the issue 11 modules code against:
 *   - src/kb/kb_complications.c    the catalogue: codes, frequency, onset and resolution
 *                                  windows, red flags, first management, follow-up schedule;
 *   - src/domain/complication.c    complications (kind "complication"), the suspects they
 *                                  name, the proposal of suspects, follow-up tasks (kind
 *                                  "complication_followup");
 *   - src/domain/escalation.c      the escalation worklist (kind "escalation");
 *   - checkin.h, outcome.h, pv.h   the check-ins, the outcomes, signals and case reports,
 *                                  which read what these record.
 *
 * A complication is a patient-level versioned record (table complications):
 *   {"id","version","patient_id",
 *    "code" (a kb complication code),"onset_on" (civil day, clinic zone; not before the
 *    earliest suspect session's day, not in the future),"description",
 *    "grade" (CTCAE v5 "injection site reaction" 1..5),
 *    "seriousness": {"death","life_threatening","hospitalisation","disability",
 *                    "congenital_anomaly","required_intervention","other_serious"}
 *                   (each true | false | null: null is "not assessed", never read as no),
 *    "suspects": {"sessions":[ids],"administrations":[ids],"lots":[ids],"vials":[ids],
 *                 "products":[ids],"ingredients":[kb codes]},
 *    "actions":[{"action","at","by","note"}],
 *    "outcome": "recovering" | "resolved" | "resolved_with_sequelae" | "not_resolved" |
 *               "fatal" | null (not yet assessed),"outcome_on" (date; required for
 *               resolved*, fatal),
 *    "red_flags":[kb red flag codes observed],
 *    "resolution_due" (onset + the kb's expected resolution, derived),
 *    "followup_until" (onset + the kb's follow-up period, derived; >= 12 weeks for
 *    infections and nodules),
 *    "details": {"weight_kg","relevant_history","tests","dechallenge","rechallenge",
 *                "other_medicines"} (what the case reports ask beyond the chart),
 *    "source": "staff" | "checkin","status": "open" | "closed" | "entered_in_error",
 *    "recorded_by","recorded_at","reason"}
 * Nothing is overwritten: an amendment is a new version with a reason (MD_ECONFLICT on a
 * stale "version").  The suspects of the current version are also kept one row each in
 * table complication_suspects (clinic_id, complication_id, patient_id, kind: "session" |
 * "administration" | "lot" | "vial" | "product" | "ingredient", ref_id, onset_on, code,
 * current), rewritten in the same write as each version, so that signals and reports find a
 * lot's complications by index, never by parsing JSON.
 *
 * Ownership: every json_t **out is a new reference for the caller (json_decref), set only
 * on MD_OK.  Errors name the input member at fault (MD_EINVAL / MD_EUNPROCESSABLE), e.g.
 * "grade" for 6, "onset_on" for an onset before the session, "outcome_on" for fatal without
 * a date, "code" for an unknown complication code.
 */
#ifndef MESODESK_COMPLICATION_H
#define MESODESK_COMPLICATION_H

#include "mesodesk/context.h"
#include "mesodesk/kb.h"
#include "mesodesk/record.h"

#include <jansson.h>

extern const md_record_kind md_kind_complication, md_kind_complication_followup,
    md_kind_escalation;

/* ---- the catalogue (kb_complications.c) -------------------------------------------- */

/* One red flag of a complication: a sign that needs a practitioner now. */
typedef struct md_kb_red_flag {
    const char *code;    /* "blanching", "vision_change", "spreading_redness", ... */
    const char *label;   /* for staff */
    const char *patient; /* plain language for the patient's check-in ("Is the skin ...?") */
} md_kb_red_flag;

typedef struct md_kb_complication {
    const char *code;      /* "bruising", "infection_mycobacterial", "vascular_occlusion" ... */
    const char *snomed;    /* SNOMED CT concept id, or NULL where none is known */
    const char *name;
    const char *category;  /* "local_reaction" | "allergic" | "infection" | "nodule" |
                            * "vascular" | "pigmentation" | "scarring" | "ulceration" | ... */
    const char *frequency; /* "common" | "uncommon" | "rare" | "very_rare" */
    int onset_min_days, onset_max_days; /* after the session: 0 = the same day */
    int resolution_max_days;            /* expected resolution after onset */
    int followup_days;                  /* how long follow-up stays open after onset */
    const int *followup_schedule;       /* days after recording for follow-up tasks */
    size_t n_followup_schedule;
    const md_kb_red_flag *red_flags;
    size_t n_red_flags;
    const char *const *management; /* first management steps, in order */
    size_t n_management;
    const char *const *sources;
    size_t n_sources;
} md_kb_complication;

/* The entry of a code, NULL when unknown. */
const md_kb_complication *md_kb_complication_find(const md_kb *kb, const char *code);
/* Every entry, in kb order (*n set). */
const md_kb_complication *md_kb_complications(const md_kb *kb, size_t *n);
/* {"version","complications":[{code,snomed,name,category,frequency,onset:{min_days,
 *  max_days},resolution_max_days,followup_days,followup_schedule,red_flags:[{code,label,
 *  patient}],management,sources}],"grades":[{grade,label,sources}]}: the catalogue and the
 * CTCAE v5 grade wording as the API and the forms show them.  New reference. */
json_t *md_kb_complications_json(const md_kb *kb);
/* Is code a red flag of any complication?  The entry that names it in *owner (may be NULL). */
int md_kb_red_flag_known(const md_kb *kb, const char *code, const md_kb_complication **owner);

/* ---- complications (complication.c) ------------------------------------------------- */

/* Record one: in as the record above without the derived members, plus "session_id"?
 * (recorded from a session: its lots, vials and administrations become the suspects when
 * "suspects" is not given).  MD_PERM_CLINICAL_WRITE.  In the same write: the follow-up
 * tasks of the kb schedule, and md_escalation_raise for grade >= 3 ("grade_3_plus") and for
 * red flags ("red_flag").  *out the complication with "followups":[...] and
 * "escalations":[...]. */
md_code md_complication_record(md_ctx *ctx, json_t *in, json_t **out, md_err *err);
/* An amendment: in the members to change, "version" and "reason" (required); the
 * follow-ups and escalations the new version calls for in the same write. */
md_code md_complication_amend(md_ctx *ctx, const char *id, json_t *in, json_t **out, md_err *err);
/* Reads (clinical read, audited). */
md_code md_complication_get(md_ctx *ctx, const char *id, json_t **out, md_err *err);
md_code md_complication_history(md_ctx *ctx, const char *id, json_t **out, md_err *err);
md_code md_complication_list(md_ctx *ctx, const char *patient_id, json_t **out, md_err *err);

/* What could have caused it: the patient's sessions whose day falls inside the code's onset
 * window before onset_on (onset - max_days .. onset - min_days), each with its
 * administrations, lots, vials, products and ingredients:
 * {"code","onset_on","window":{"from","to"},"sessions":[{"id","day","practitioner_id",
 *  "administrations":[{"id","lot_id","lot_number","vial_id","product_id","product_name",
 *  "ingredients":[...],"volume_ml","given_at"}]}]}.  Clinical read, audited. */
md_code md_complication_propose(md_ctx *ctx, const char *patient_id, const char *code,
                                const char *onset_on, json_t **out, md_err *err);

/* A follow-up task done (or cancelled with a reason): in {"status": "done" | "cancelled",
 * "note"?,"version"?}.  *out the task. */
md_code md_followup_update(md_ctx *ctx, const char *id, json_t *in, json_t **out, md_err *err);

/* ---- the escalation worklist (escalation.c) ----------------------------------------- */

/*
 * An escalation entry {"id","version","patient_id","source": "complication" | "checkin" |
 * "followup","source_id","reason": "grade_3_plus" | "red_flag" | "unresolved_past_window" |
 * "followup_overdue" | "checkin_red_flag","detail" (object),"raised_at","status": "open" |
 * "acted","action": {"what","note","by","at"} | null}.  An entry stays on the worklist
 * until a practitioner acts on it (MD_PERM_CHART_WRITE).  Entries of the first kind are
 * raised in the write that causes them; the time-based ones (unresolved past the expected
 * resolution, an overdue follow-up) are found by an indexed query when the list is read and
 * become a record when acted on.  One entry per (source, source_id, reason).
 */

/* Raise an entry inside the caller's write (md_write_begin already called, or a kind's
 * after_write): no-op MD_OK when that (source, source_id, reason) already has an entry.
 * detail is borrowed.  id (may be NULL) receives the entry's id. */
md_code md_escalation_raise(md_ctx *ctx, const char *patient_id, const char *source,
                            const char *source_id, const char *reason, json_t *detail,
                            char id[MD_ID_STR], md_err *err);
/* The worklist: {"items":[{"key" ("<source>:<source_id>:<reason>"),"id" (null for a
 * time-based entry never acted on),"patient":{id,given_name,family_name,phone},"source",
 * "source_id","reason","detail","raised_at","code"?,"grade"?}],"count"}, most urgent first
 * (grade, red flags, then oldest).  Each patient listed is audited as a read. */
md_code md_escalation_worklist(md_ctx *ctx, json_t **out, md_err *err);
/* Act on an entry (by key, or by id): in {"what": "called_patient" | "saw_patient" |
 * "referred" | "emergency_referral" | "no_action_needed" | "other","note"}.  *out the
 * entry, status acted. */
md_code md_escalation_act(md_ctx *ctx, const char *key, json_t *in, json_t **out, md_err *err);
/* The worklist's statements, for EXPLAIN tests and diagnostics: i = 0 the open entries ($1
 * clinic), 1 the complications unresolved past resolution_due and 2 the overdue follow-up
 * tasks ($1 clinic, $2 today); NULL past the end. */
const char *md_escalation_worklist_sql(int i);

#endif
