/*
 * questionnaire.h - the patient's pre-consultation questionnaire, reached
 * through a one-time link (no login), feeding the intake for the practitioner
 * to confirm.
 *
 * States:  pending --(patient submits, before expiry)--> submitted
 *          submitted --(practitioner confirms)--> confirmed (answers become facts)
 *          pending --(expiry passes)--> expired (computed on read; link refused)
 *          pending|submitted --(staff cancels)--> cancelled
 * The link token (256 random bits) is shown once, at creation; the store keeps
 * only its hash.  It works once: a submitted questionnaire cannot be changed.
 */
#ifndef MESODESK_QUESTIONNAIRE_H
#define MESODESK_QUESTIONNAIRE_H

#include "mesodesk/context.h"

#include <jansson.h>

#define MD_QUESTIONNAIRE_DEFAULT_HOURS 72

/* Create a link for a patient; *out {"id","token","expires_at","status"}. in may carry
 * {"valid_hours": 1..720}. */
md_code md_questionnaire_create(md_ctx *ctx, const char *patient_id, json_t *in, json_t **out,
                                md_err *err);
md_code md_questionnaire_list(md_ctx *ctx, const char *patient_id, json_t **out, md_err *err);
/* Confirm the answers of a submitted questionnaire: each becomes a clinical fact recorded by
 * the confirming practitioner.  *out {"questionnaire":{...},"created":[facts]}. */
md_code md_questionnaire_confirm(md_ctx *ctx, const char *id, json_t **out, md_err *err);

/* Public side, by token (no login).  Open: what the form needs (clinic, patient's first
 * name, vocabulary).  Submit: validate and store the answers.  ctx->who is filled from the
 * questionnaire (clinic, and the actor "patient") for auditing. */
md_code md_questionnaire_open(md_ctx *ctx, const char *token, json_t **out, md_err *err);
md_code md_questionnaire_submit(md_ctx *ctx, const char *token, json_t *answers, md_err *err);

#endif
