/*
 * course.h - treatment protocols (kb/protocols.json, with the clinic's choices inside their
 * cited ranges) and treatment courses with their planned session windows (issue 9 item 1, 3).
 *
 * A course is a patient-level versioned record: patient, protocol, formulation, start date,
 * and its plan (sessions, each with a window earliest/target/latest, then the maintenance
 * after the course).  Its state machine is written at the top of src/domain/course.c.
 * This header is the contract other modules code against; src/domain/course.c implements it.
 */
#ifndef MESODESK_COURSE_H
#define MESODESK_COURSE_H

#include "mesodesk/context.h"
#include "mesodesk/record.h"
#include "mesodesk/util.h"

#include <jansson.h>

extern const md_record_kind md_kind_course;

/* A planned session's window, civil days in the clinic's zone (inclusive). */
typedef struct md_window {
    md_day earliest, target, latest;
} md_window;

/* What a booking needs to know of one planned session of a course. */
typedef struct md_course_slot {
    md_window window;
    char patient_id[MD_ID_STR];
    char protocol[64];       /* kb protocol code */
    char required_scope[64]; /* the credential scope a practitioner needs ("injectables") */
    int session_minutes;     /* the protocol's (or clinic's) default session length */
    int done;                /* the session is already done */
    char state[16];          /* the course's state: planned, active, completed, abandoned */
} md_course_slot;

/* Planned session seq (1-based; seq == count + 1.. are maintenance visits) of a course, as
 * currently planned.  MD_ENOTFOUND (field "course_id") for no such course in the clinic,
 * MD_EUNPROCESSABLE (field "course_session") for no such session.  Not audited: the caller
 * audits its own read or write. */
md_code md_course_slot_get(md_ctx *ctx, const char *course_id, int seq, md_course_slot *out,
                           md_err *err);

/* Session seq of a course was done on day (an appointment completed, or, later, a charted
 * session signed).  Inside the caller's write transaction (nests).  Moves the course
 * planned -> active, and active -> completed after the last session of the series; when day
 * is past the session's window, or the next windows no longer fit, re-plans the rest from day
 * as a new version of the course whose reason says which window was missed. */
md_code md_course_session_done(md_ctx *ctx, const char *course_id, int seq, md_day day,
                               const char *appointment_id, md_err *err);

/* For the clinic's day: courses with a session window that closes within [from, to] and no
 * session done for it, and maintenance visits due in [from, to].  *out {"items":[{"course_id",
 * "patient_id","protocol","seq","kind":"window_closing"|"maintenance_due","window":{...}}]}.
 * Not audited (the caller audits what it shows). */
md_code md_course_due(md_ctx *ctx, md_day from, md_day to, json_t **out, md_err *err);

#endif
