/*
 * checkin.h - the patient's check-ins after a session, reached through one-time links
 * (issue 11 item 3): src/domain/checkin.c, kb/checkins.json (src/kb/kb_checkins.c).
 *
 * States of a check-in (written out at the top of checkin.c):
 *   pending --(the patient answers, before expiry)--> answered
 *   pending --(the due day passes unanswered)--> overdue (computed on read; the link still
 *            works until it expires; listed on the overdue worklist)
 *   pending | overdue --(expiry passes)--> expired (computed on read; link refused)
 *   pending | overdue --(staff cancels, with a reason)--> cancelled
 *   pending | overdue --(staff issues a new link)--> pending (new token; the old one dies)
 *
 * A check-in is a patient-level versioned record (kind "checkin", table checkins):
 *   {"id","version","patient_id","session_id","course_id","protocol","day_offset"
 *    (days after the session),"due_on" (civil day),"expires_at","status","sent_at",
 *    "opened_at","answered_at","answers":{question code: answer},"red_flags":[codes],
 *    "photo": {"sha256","thumb_sha256","media_type","width","height"} | null,
 *    "recorded_by","recorded_at","reason"}.
 * The days come from kb/checkins.json per protocol (default day 2 and day 14, with their
 * sources); the questions are plain language and each maps to a complication red flag or
 * a common effect of kb/complications.json.  The link token (256 random bits) follows the
 * questionnaire's rules: shown once, at creation; the store keeps only its hash; it works
 * once (an answered check-in answers 409 naming "token").
 *
 * Ownership: every json_t **out is a new reference for the caller, set only on MD_OK.
 */
#ifndef MESODESK_CHECKIN_H
#define MESODESK_CHECKIN_H

#include "mesodesk/context.h"
#include "mesodesk/record.h"

#include <jansson.h>
#include <stddef.h>

extern const md_record_kind md_kind_checkin;

/* Schedule the check-ins of a session that has just completed, inside the caller's write
 * (md_chart_complete calls it): one per kb day of the session's protocol.  session is the
 * session record (chart.h), borrowed.  *links (new reference, set on MD_OK) is
 * [{"id","day_offset","due_on","expires_at","token"}]: the only time the tokens exist. */
md_code md_checkin_schedule(md_ctx *ctx, const json_t *session, json_t **links, md_err *err);
/* A new link for a pending or overdue check-in (the old token stops working): *out
 * {"id","token","expires_at"}.  MD_PERM_CHART_WRITE. */
md_code md_checkin_reissue(md_ctx *ctx, const char *id, json_t **out, md_err *err);
md_code md_checkin_cancel(md_ctx *ctx, const char *id, json_t *in, json_t **out, md_err *err);
/* Reads (clinical read, audited): one, a session's or a patient's check-ins. */
md_code md_checkin_get(md_ctx *ctx, const char *id, json_t **out, md_err *err);
md_code md_checkin_list(md_ctx *ctx, const char *session_id, const char *patient_id, json_t **out,
                        md_err *err);
/* Check-ins past their due day with no answer: {"items":[{checkin, "patient":{id,
 * given_name,family_name,phone}}],"count"}, oldest due first. */
md_code md_checkin_overdue(md_ctx *ctx, json_t **out, md_err *err);

/* Public side, by token (no login); ctx->who is filled from the check-in (clinic, actor
 * "patient") for auditing.  Open: {"clinic":{name,phone},"patient":{given_name},
 * "day_offset","questions":[{code,text,type,options?}],"outcome_questions"?}; the first
 * open sets opened_at.  Submit: in {"answers":{code: value}}; validated against the
 * questions (MD_EINVAL naming "answers.<code>"), stored once (a second answer:
 * MD_ECONFLICT naming "token").  An answer that matches a red flag raises an escalation
 * ("checkin_red_flag", complication.h md_escalation_raise) in the same write, and *out
 * says {"status":"answered","call_now": true,"message","clinic_phone"} (the clinic's number,
 * or null with a message that says it is not on file); otherwise "call_now": false.  Patient
 * ratings in the answers (outcome.h) are stored as outcomes in the same write. */
md_code md_checkin_open(md_ctx *ctx, const char *token, json_t **out, md_err *err);
md_code md_checkin_submit(md_ctx *ctx, const char *token, json_t *in, json_t **out, md_err *err);
/* A photo attached by the patient before answering (pending or overdue only): checked and
 * cleaned as photo.h does (MD_EUNPROCESSABLE naming "data" for what is not an image),
 * stored by SHA-256 (md_media_put).  *out {"photo":{...}}. */
md_code md_checkin_photo(md_ctx *ctx, const char *token, const void *data, size_t len,
                         json_t **out, md_err *err);

/* ---- added by the check-in module ---------------------------------------------------- */

/* md_checkin_open / md_checkin_submit with the browser's User-Agent (may be NULL), kept with
 * the client's address (ctx->client_addr) in the record's "client" {"opened","answered"}. */
md_code md_checkin_open_ua(md_ctx *ctx, const char *token, const char *user_agent, json_t **out,
                           md_err *err);
md_code md_checkin_submit_ua(md_ctx *ctx, const char *token, json_t *in, const char *user_agent,
                             json_t **out, md_err *err);
#define MD_CHECKIN_UA_MAX 255 /* bytes of a User-Agent kept */

/* ---- kb/checkins.json (src/kb/kb_checkins.c) ----------
 *
 * The file holds the link's validity after its due day, the check-in days per protocol
 * ("default" for a protocol without its own), and the questions.  A question is
 * {"code","type": "yes_no" | "scale" | "choice" | "text","text" (plain language),
 * "required"?,"min","max" (scale),"options","option_text" (choice),"max_length" (text),
 * "maps_to": {"red_flag": code} | {"effect": code} (a red flag or a complication of
 * kb/complications.json),"when": [answers that match] | "at_least": n (scale),"sources"}.
 * A question mapped to a red flag must be required: a red flag nobody answered is never
 * read as absent ("unknown is not no").
 */
#define MD_CHECKIN_DAYS_MAX 8

/* The days after a session on which protocol's check-ins fall (its schedule, or the
 * default's when the protocol has none): count written into days, ascending; *sources
 * (may be NULL) the schedule's source keys, *n_sources their count. */
size_t md_kb_checkin_days(const md_kb *kb, const char *protocol, int days[MD_CHECKIN_DAYS_MAX],
                          const char *const **sources, size_t *n_sources);
/* Days a link stays valid after its due day. */
int md_kb_checkin_valid_days(const md_kb *kb);
/* What the patient is told after answering: which is "call_now", "call_now_no_phone" or
 * "thanks"; a text in which "{clinic}" and "{phone}" stand for the clinic's name and
 * number.  NULL for another which. */
const char *md_kb_checkin_message(const md_kb *kb, const char *which);
/* The questions as the patient's form shows them: [{code,text,type,required,min?,max?,
 * options?:[{value,text}],max_length?}] (no mapping: that is for staff).  New reference. */
json_t *md_kb_checkin_questions_json(const md_kb *kb);
/* {"version","link":{valid_days_after_due,sources},"schedules":[{protocol,days,sources}],
 * "questions":[{... with maps_to, when / at_least, sources}]}: the whole file as staff see it. */
json_t *md_kb_checkins_json(const md_kb *kb);
/* Check a patient's answers against the questions and match them (pure).  answers is the
 * object of the patient's answers; members named "outcome.<scale>" are left to the caller.
 * Errors name "answers.<code>": an unknown question or a value of the wrong type MD_EINVAL,
 * a value outside the question's options or range, or a required question left unanswered,
 * MD_EUNPROCESSABLE.  On MD_OK: *clean the answers as stored (yes_no as "yes" | "no" |
 * "not_sure"; the outcome members left out), *red_flags and *effects the codes matched
 * (each once, in kb order); new references. */
md_code md_kb_checkin_match(const md_kb *kb, json_t *answers, json_t **clean, json_t **red_flags,
                            json_t **effects, md_err *err);

#endif
