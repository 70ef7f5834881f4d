/*
 * principal.h - who is acting: a clinic, a staff member (or the system), a role, and what
 * that role may do.
 *
 * The principal is what every other module asks about its caller: the audit trail records
 * md_actor_id() and md_role_name(), the domain services check md_require(), sign-in and
 * sessions fill it in.  This module depends on nothing but the error type, so that audit
 * and auth both depend on it and not on each other.
 *
 * The role table (which permissions each role holds) lives in principal.c.  Every function
 * here is pure: no allocation, no I/O; the strings returned are static.
 */
#ifndef MESODESK_PRINCIPAL_H
#define MESODESK_PRINCIPAL_H

#include "mesodesk/error.h"
#include "mesodesk/util.h"

typedef enum md_role {
    MD_ROLE_NONE = 0,
    MD_ROLE_ADMIN,
    MD_ROLE_PRACTITIONER,
    MD_ROLE_RECEPTION,
    MD_ROLE_AUDITOR,
    MD_ROLE_MEDICAL_DIRECTOR, /* a practitioner who also signs off charts (issue 10) */
    MD_ROLE_SYSTEM, /* the CLI acting on the operator's behalf */
} md_role;

/* What a role may do (the table is in principal.c). */
typedef enum md_perm {
    MD_PERM_DEMOGRAPHICS_READ = 1u << 0,
    MD_PERM_DEMOGRAPHICS_WRITE = 1u << 1,
    MD_PERM_CLINICAL_READ = 1u << 2,
    MD_PERM_CLINICAL_WRITE = 1u << 3,
    MD_PERM_STAFF_READ = 1u << 4,
    MD_PERM_STAFF_WRITE = 1u << 5,
    MD_PERM_AUDIT_READ = 1u << 6,
    MD_PERM_CLEARANCE_WRITE = 1u << 7,
    MD_PERM_KB_WRITE = 1u << 8,
    MD_PERM_STOCK_READ = 1u << 9,      /* the catalogue, lots, vials, worklists */
    MD_PERM_STOCK_WRITE = 1u << 10,    /* products, receiving lots, movements, vials, recalls */
    MD_PERM_SCHEDULE_READ = 1u << 11,  /* hours, rooms, availability, appointments, the day */
    MD_PERM_SCHEDULE_WRITE = 1u << 12, /* book, reschedule, cancel, no-show, rooms, hours */
    MD_PERM_CONSENT_WRITE = 1u << 13,  /* send consent links, record a signature on the tablet */
    MD_PERM_CHART_WRITE = 1u << 14,    /* check in, precheck, chart, complete a session */
    MD_PERM_CHART_SIGNOFF = 1u << 15,  /* sign off charts, the review queue (medical director) */
    MD_PERM_PV_READ = 1u << 16, /* signals, rates, case reports, the dashboard (issue 11) */
} md_perm;

typedef struct md_principal {
    char clinic_id[MD_ID_STR];
    char staff_id[MD_ID_STR]; /* "" for the system (CLI) */
    md_role role;
} md_principal;

/* The request context (context.h) carries its principal in ->who. */
typedef struct md_ctx md_ctx;

/* Who a record or audit entry names as its author: the staff id, or "system" for the CLI.
 * Points into ctx or at a static string. */
const char *md_actor_id(const md_ctx *ctx);

/* "admin", ...; "none" for MD_ROLE_NONE and any value out of range. */
const char *md_role_name(md_role r);
/* Parse "admin" etc. (the staff roles, not "system"); MD_ROLE_NONE when unknown or NULL. */
md_role md_role_parse(const char *s);
/* The MD_PERM_* bits of a role; 0 for MD_ROLE_NONE and any value out of range. */
unsigned md_role_perms(md_role r);
/* Does a staff member with this role name treat patients (practitioner, medical_director,
 * admin)?  1 or 0; 0 for NULL.  Licences, availability and credential checks ask this. */
int md_role_name_treats(const char *role);
/* MD_OK when ctx's role holds every bit of perm, or MD_EFORBIDDEN with a message naming the
 * role. */
md_code md_require(const md_ctx *ctx, unsigned perm, md_err *err);

#endif
