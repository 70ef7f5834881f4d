/*
 * completion.h - the parts of the completion check and the review sample that need no
 * database (src/domain/completion.c; chart.h md_chart_completion / md_chart_review gather
 * their inputs and call these), so each rule is tested on plain JSON.
 *
 * Ownership: inputs are borrowed; the returned JSON is a new reference (NULL only when out
 * of memory).
 */
#ifndef MESODESK_COMPLETION_H
#define MESODESK_COMPLETION_H

#include "mesodesk/chart.h"

#include <jansson.h>
#include <stdint.h>

typedef struct md_completion_input {
    const md_chart_policy *policy;
    json_t *session;      /* as md_chart_get answers it (chart.h) */
    json_t *before_views; /* md_photo_views "before": {"views":[...]} */
    json_t *after_views;  /* md_photo_views "after" */
    json_t *consent;      /* md_consent_status for the session's course */
    json_t *lots;         /* {"<lot_id>": {"multi_dose": true|false}} for the lots charted;
                             a lot missing here is not one of the clinic's */
} md_completion_input;

/* {"ok","checks":[{"gate","status","message","satisfy","rule","sources"}...]}: gates
 * "photos_before", "traceability", "notes", "consent", "screening", "photos_after". */
json_t *md_completion_evaluate(const md_completion_input *in);

/* The reproducible sample: the first 4 bytes (big-endian) of BLAKE2b-256(key ":" session_id)
 * as u, selected when u * 100 < percent * 2^32; percent 0 selects none, 100 all. */
int md_review_sampled(const char *key, const char *session_id, int percent);

/* {"selected","share_percent","reasons":[{"code":"sample"|"warning_acknowledged",
 * "message","warning"?}]} for session under a share of percent (key: the clinic id). */
json_t *md_review_evaluate(const char *key, json_t *session, int percent);

#endif
