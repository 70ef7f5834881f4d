/*
 * context.h - what a domain operation needs to know about its caller.
 *
 * The HTTP layer and the CLI each build an md_ctx and pass it to the domain
 * services; nothing in the domain reads globals.  The context does not own the
 * store connection, the arena, the kb or the auditor: whoever built it does,
 * and they outlive the call.
 */
#ifndef MESODESK_CONTEXT_H
#define MESODESK_CONTEXT_H

#include "mesodesk/arena.h"
#include "mesodesk/store.h"
#include "mesodesk/util.h"

typedef struct md_auditor md_auditor;
typedef struct md_committer md_committer;
typedef struct md_kb md_kb;

typedef enum md_role {
    MD_ROLE_NONE = 0,
    MD_ROLE_ADMIN,
    MD_ROLE_PRACTITIONER,
    MD_ROLE_RECEPTION,
    MD_ROLE_AUDITOR,
    MD_ROLE_SYSTEM, /* the CLI acting on the operator's behalf */
} md_role;

/* What a role may do.  The table lives in auth.c. */
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
} md_perm;

typedef struct md_principal {
    char clinic_id[MD_ID_STR];
    char staff_id[MD_ID_STR]; /* "" for the system (CLI) */
    md_role role;
} md_principal;

typedef struct md_ctx {
    md_store *db;
    md_arena *arena;
    const md_kb *kb;         /* may be NULL where no kb is loaded */
    md_auditor *auditor;     /* may be NULL only in unit tests of pure functions */
    md_committer *committer; /* the database's writer (commit.h); NULL: own transactions */
    md_principal who;
    char request_id[MD_ID_STR];
} md_ctx;

/* Who a record or audit entry names as its author: the staff id, or "system" for the CLI. */
const char *md_actor_id(const md_ctx *ctx);

const char *md_role_name(md_role r);
/* Parse "admin" etc.; MD_ROLE_NONE when unknown. */
md_role md_role_parse(const char *s);
unsigned md_role_perms(md_role r);
/* MD_OK, or MD_EFORBIDDEN with a message naming the permission. */
md_code md_require(const md_ctx *ctx, unsigned perm, md_err *err);

#endif
