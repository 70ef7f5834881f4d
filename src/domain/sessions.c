/*
 * sessions.c - bearer tokens and the sessions they open: checking a token (and the
 * last_seen it refreshes), ending a session.  See session.h for the session states.
 */
#include "mesodesk/session.h"
#include "mesodesk/audit.h"
#include "mesodesk/commit.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

#define LAST_SEEN_GRANULARITY 60

/*
 * Refreshing last_seen.  A session's row is written at most once per LAST_SEEN_GRANULARITY,
 * and by one request of this process at a time: a client whose many connections cross the
 * minute together (a browser, a load test) would otherwise send one write each, all taking
 * the database's write lock on the read path.  A small table remembers, per session, when
 * this process last claimed the refresh:
 *
 *   STALE --a check claims it (slot := token hash, now)--> CLAIMED --the write succeeds--> FRESH
 *   CLAIMED --the write fails--> STALE (the slot is released; the request fails as before)
 *   FRESH/CLAIMED --LAST_SEEN_GRANULARITY passes--> STALE
 *
 * Checks that find the slot CLAIMED or FRESH write nothing and count the session as seen at
 * the claim.  The write itself only moves last_seen forward (WHERE last_seen < $1), so a
 * second process that refreshed first makes ours a no-op.  The table is only a cache: a
 * slot lost to another session (same index) or to a restart costs one extra write, never a
 * wrong answer, and the store's last_seen stays the only record of when a session was used.
 */
#define REFRESH_SLOTS 1024

static struct {
    pthread_mutex_t mu;
    struct {
        char hash[65];
        int64_t at;
    } slot[REFRESH_SLOTS];
} refresh = {.mu = PTHREAD_MUTEX_INITIALIZER};

static size_t refresh_slot(const char *th)
{
    size_t h = 0;
    for (int i = 0; i < 8; i++) /* hex digits of a BLAKE2b hash: already uniform */
        h = h * 16 + (size_t)(th[i] <= '9' ? th[i] - '0' : th[i] - 'a' + 10);
    return h % REFRESH_SLOTS;
}

/* 1 when the caller is to write last_seen = now; 0 when another request of this process did
 * (or is doing) it since last_seen, then *seen is the time it claimed. */
static int refresh_claim(const char *th, int64_t last_seen, int64_t now, int64_t *seen)
{
    size_t i = refresh_slot(th);
    int claim = 1;
    pthread_mutex_lock(&refresh.mu);
    if (strcmp(refresh.slot[i].hash, th) == 0 && refresh.slot[i].at > last_seen &&
        now - refresh.slot[i].at < LAST_SEEN_GRANULARITY) {
        claim = 0;
        *seen = refresh.slot[i].at;
    } else {
        md_strlcpy(refresh.slot[i].hash, th, sizeof refresh.slot[i].hash);
        refresh.slot[i].at = now;
    }
    pthread_mutex_unlock(&refresh.mu);
    return claim;
}

static void refresh_release(const char *th, int64_t at)
{
    size_t i = refresh_slot(th);
    pthread_mutex_lock(&refresh.mu);
    if (strcmp(refresh.slot[i].hash, th) == 0 && refresh.slot[i].at == at) refresh.slot[i].at = 0;
    pthread_mutex_unlock(&refresh.mu);
}

void md_token_new(char out[MD_TOKEN_STR])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, MD_TOKEN_STR, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void md_token_hash(const char *token, char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
}

typedef struct session_row {
    int found;
    md_principal who;
    int64_t last_seen;
    int revoked;
    int active;
} session_row;

static int session_collect(void *ctx, const md_row *r)
{
    session_row *s = ctx;
    s->found = 1;
    md_strlcpy(s->who.clinic_id, md_row_text(r, 0), sizeof s->who.clinic_id);
    md_strlcpy(s->who.staff_id, md_row_text(r, 1), sizeof s->who.staff_id);
    s->who.role = md_role_parse(md_row_text(r, 2));
    s->last_seen = md_row_int(r, 3);
    s->revoked = (int)md_row_int(r, 4);
    s->active = (int)md_row_int(r, 5);
    return 1;
}

md_code md_session_check(md_store *db, const char *token, md_principal *who, int64_t *expires_at,
                         md_err *err)
{
    if (!token || !*token || strlen(token) >= MD_TOKEN_STR)
        return md_err_set(err, MD_EUNAUTH, NULL, "a valid bearer token is required");
    char th[65];
    md_token_hash(token, th);
    session_row s = {0};
    md_val v[] = {md_text(th)};
    md_code rc = md_store_exec(db,
                               "SELECT s.clinic_id, s.staff_id, st.role, s.last_seen, s.revoked, "
                               "st.active FROM sessions s JOIN staff st ON st.clinic_id = "
                               "s.clinic_id AND st.id = s.staff_id WHERE s.token_hash = $1",
                               v, 1, session_collect, &s, err);
    if (rc != MD_OK) return rc;
    int64_t now = md_now();
    if (!s.found || s.revoked || !s.active || now - s.last_seen > MD_SESSION_IDLE)
        return md_err_set(err, MD_EUNAUTH, NULL, "the session is unknown, expired or ended");
    if (now - s.last_seen >= LAST_SEEN_GRANULARITY) {
        int64_t seen = now;
        if (refresh_claim(th, s.last_seen, now, &seen)) {
            md_val u[] = {md_int(now), md_text(th)};
            rc = md_store_exec(db,
                               "UPDATE sessions SET last_seen = $1 WHERE token_hash = $2 AND "
                               "last_seen < $1",
                               u, 2, NULL, NULL, err);
            if (rc != MD_OK) {
                refresh_release(th, now);
                return rc;
            }
        }
        s.last_seen = seen;
    }
    *who = s.who;
    if (expires_at) *expires_at = s.last_seen + MD_SESSION_IDLE;
    return MD_OK;
}

md_code md_logout(md_ctx *ctx, const char *token, md_err *err)
{
    char th[65];
    md_token_hash(token, th);
    md_val v[] = {md_text(th)};
    md_audit_entry a = {"logout", "session", ctx->who.staff_id, NULL, NULL};
    md_code rc = md_write_begin(ctx, err);
    if (rc != MD_OK) return rc;
    rc = md_store_exec(ctx->db, "UPDATE sessions SET revoked = 1 WHERE token_hash = $1", v, 1, NULL,
                       NULL, err);
    if (rc == MD_OK) rc = md_audit(ctx, &a, err);
    return md_write_finish(ctx, rc, err);
}
