/*
 * kb_cache.c - compiled clinic rule sets kept by the kb (kb.h: md_kb_ruleset_cached,
 * md_kb_ruleset_keep), so that a clinic's rules are compiled when they change, not for
 * every screening.
 *
 * Each slot holds (key, version, set, note): key is the caller's (a clinic id), version a
 * digest of what the set was compiled from (the caller's: the screening module hashes
 * the clinic's active rule rows, so a change by any process, through any path, gives
 * another version), set a reference to the compiled set (NULL: the shipped set) and note
 * the caller's bytes kept beside it (why a stored set did not compile).  A lookup matches
 * key and version exactly; anything else is a miss, and the caller compiles and keeps.
 * A key has one slot (keeping replaces its older version); when every slot is taken the
 * least recently used one is dropped.  One mutex; the sets handed out are references
 * (md_ruleset_free releases one), so a set replaced while a screening uses it stays
 * valid until that screening is done.
 */
#include "kb_int.h"

#include "mesodesk/util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_SLOTS 256

typedef struct slot {
    char key[KB_CACHE_KEY_MAX];
    char version[KB_CACHE_KEY_MAX];
    md_ruleset *rs; /* a reference, or NULL for the shipped set */
    unsigned char note[MD_KB_RULESET_NOTE_MAX];
    size_t note_size;
    uint64_t used; /* clock of the last lookup or keep; 0 = empty */
} slot;

struct kb_cache {
    pthread_mutex_t mu;
    uint64_t clock, hits, misses;
    slot slots[CACHE_SLOTS];
};

kb_cache *kb_cache_new(void)
{
    kb_cache *c = calloc(1, sizeof *c);
    if (c && pthread_mutex_init(&c->mu, NULL) != 0) {
        free(c);
        return NULL;
    }
    return c;
}

void kb_cache_free(kb_cache *c)
{
    if (!c) return;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        md_ruleset_free(c->slots[i].rs);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static slot *find(kb_cache *c, const char *key)
{
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        if (c->slots[i].used && strcmp(c->slots[i].key, key) == 0) return &c->slots[i];
    return NULL;
}

int md_kb_ruleset_cached(const md_kb *kb, const char *key, const char *version,
                         const md_ruleset **rs, md_ruleset **ref, void *note, size_t note_size)
{
    kb_cache *c = kb->cache;
    int hit = 0;
    *ref = NULL;
    if (!c || strlen(key) >= KB_CACHE_KEY_MAX || strlen(version) >= KB_CACHE_KEY_MAX) return 0;
    pthread_mutex_lock(&c->mu);
    slot *s = find(c, key);
    if (s && strcmp(s->version, version) == 0 && note_size == s->note_size) {
        hit = 1;
        s->used = ++c->clock;
        c->hits++;
        *ref = md_ruleset_ref(s->rs);
        *rs = s->rs ? s->rs : &kb->shipped;
        if (note_size) memcpy(note, s->note, note_size);
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->mu);
    return hit;
}

void md_kb_ruleset_keep(const md_kb *kb, const char *key, const char *version, md_ruleset *rs,
                        const void *note, size_t note_size)
{
    kb_cache *c = kb->cache;
    if (!c || strlen(key) >= KB_CACHE_KEY_MAX || strlen(version) >= KB_CACHE_KEY_MAX ||
        note_size > MD_KB_RULESET_NOTE_MAX)
        return;
    pthread_mutex_lock(&c->mu);
    slot *s = find(c, key);
    if (!s) { /* an empty slot, or the least recently used one */
        s = &c->slots[0];
        for (size_t i = 0; i < CACHE_SLOTS && s->used; i++)
            if (c->slots[i].used < s->used) s = &c->slots[i];
    }
    md_ruleset *old = s->rs;
    md_strlcpy(s->key, key, sizeof s->key);
    md_strlcpy(s->version, version, sizeof s->version);
    s->rs = md_ruleset_ref(rs);
    if (note_size) memcpy(s->note, note, note_size);
    s->note_size = note_size;
    s->used = ++c->clock;
    pthread_mutex_unlock(&c->mu);
    md_ruleset_free(old);
}

void md_kb_ruleset_cache_stats(const md_kb *kb, uint64_t *hits, uint64_t *misses)
{
    kb_cache *c = kb->cache;
    *hits = *misses = 0;
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    *hits = c->hits;
    *misses = c->misses;
    pthread_mutex_unlock(&c->mu);
}
