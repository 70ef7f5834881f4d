/*
 * context.h - what a domain operation needs to know about its caller.
 *
 * The HTTP layer and the CLI each build an md_ctx and pass it to the domain
 * services; nothing in the domain reads globals.  The context does not own the
 * store connection, the arena, the kb or the auditor: whoever built it does,
 * and they outlive the call.  Who is acting (ctx->who), roles and permissions: principal.h.
 */
#ifndef MESODESK_CONTEXT_H
#define MESODESK_CONTEXT_H

#include "mesodesk/arena.h"
#include "mesodesk/principal.h"
#include "mesodesk/store.h"
#include "mesodesk/util.h"

/* An IPv4 or IPv6 address as text (INET6_ADDRSTRLEN). */
#define MD_ADDR_STR 46

typedef struct md_auditor md_auditor;
typedef struct md_committer md_committer;
typedef struct md_kb md_kb;

typedef struct md_ctx {
    md_store *db;
    md_arena *arena;
    const md_kb *kb;         /* may be NULL where no kb is loaded */
    md_auditor *auditor;     /* may be NULL only in unit tests of pure functions */
    md_committer *committer; /* the database's writer (commit.h); NULL: own transactions */
    md_principal who;
    char request_id[MD_ID_STR];
    char client_addr[MD_ADDR_STR]; /* the client's address (server.c), "" when not a request */
    const char *media_dir; /* the photo file store (photo.h, media.c); NULL: none configured */
} md_ctx;

#endif
