#include "mesodesk/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_DEFAULT_CAP ((size_t)64 << 20)

typedef struct block {
    struct block *next;
    size_t size; /* usable bytes in data[] */
    size_t used;
    unsigned char data[];
} block;

struct md_arena {
    block *head;    /* first block of the chain */
    block *current; /* block being filled */
    size_t block_size;
    size_t cap;
    size_t total; /* bytes held in all blocks */
    size_t used;
    size_t blocks_allocated;
};

md_arena *md_arena_new(size_t block_size, size_t cap)
{
    md_arena *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->block_size = block_size < 1024 ? 1024 : block_size;
    a->cap = cap ? cap : ARENA_DEFAULT_CAP;
    return a;
}

void md_arena_free(md_arena *a)
{
    if (!a) return;
    block *b = a->head;
    while (b) {
        block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

void md_arena_reset(md_arena *a)
{
    for (block *b = a->head; b; b = b->next) b->used = 0;
    a->current = a->head;
    a->used = 0;
}

static block *next_block(md_arena *a, size_t need)
{
    /* Reuse a kept block after a reset when it is large enough. */
    block *b = a->current ? a->current->next : a->head;
    for (; b; b = b->next) {
        if (b->size >= need) {
            a->current = b;
            return b;
        }
    }
    size_t size = need > a->block_size ? need : a->block_size;
    if (a->total + size > a->cap) return NULL;
    b = malloc(sizeof *b + size);
    if (!b) return NULL;
    b->size = size;
    b->used = 0;
    b->next = NULL;
    a->total += size;
    a->blocks_allocated++;
    /* Append at the end of the chain so reset walks them in order. */
    if (!a->head) {
        a->head = b;
    } else {
        block *tail = a->current ? a->current : a->head;
        while (tail->next) tail = tail->next;
        tail->next = b;
    }
    a->current = b;
    return b;
}

void *md_arena_alloc(md_arena *a, size_t n)
{
    if (n == 0) n = 1;
    if (n > a->cap) return NULL;
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    block *b = a->current;
    if (!b || b->size - b->used < need) {
        b = next_block(a, need);
        if (!b) return NULL;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->used += need;
    return p;
}

void *md_arena_calloc(md_arena *a, size_t n)
{
    void *p = md_arena_alloc(a, n);
    if (p) memset(p, 0, n);
    return p;
}

char *md_arena_strndup(md_arena *a, const char *s, size_t n)
{
    char *p = md_arena_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *md_arena_strdup(md_arena *a, const char *s)
{
    return s ? md_arena_strndup(a, s, strlen(s)) : NULL;
}

char *md_arena_printf(md_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    char *p = md_arena_alloc(a, (size_t)n + 1);
    if (!p) return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

size_t md_arena_used(const md_arena *a)
{
    return a->used;
}

size_t md_arena_blocks_allocated(const md_arena *a)
{
    return a->blocks_allocated;
}
