/*
 * arena.h - a region allocator with a lifetime (one request, one screening).
 *
 * Allocations are bump-pointer from a chain of blocks; nothing is freed one
 * by one.  md_arena_reset() rewinds to empty but keeps the blocks, so a warm
 * arena serves a repeated workload with zero heap allocations.  Every arena
 * has a hard cap on the bytes it will hold: past it md_arena_alloc returns
 * NULL (callers report MD_ENOMEM), so hostile input cannot grow it unbounded.
 *
 * Ownership: memory from an arena belongs to the arena; pointers into it are
 * valid until the next reset or free.  An arena is not thread-safe: one per
 * thread or per request.
 */
#ifndef MESODESK_ARENA_H
#define MESODESK_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct md_arena md_arena;

/* New arena whose blocks are at least block_size bytes, holding at most cap bytes
 * (0 = 64 MiB).  Returns NULL when out of memory. */
md_arena *md_arena_new(size_t block_size, size_t cap);
void md_arena_free(md_arena *a);
/* Rewind to empty, keeping all blocks for reuse. */
void md_arena_reset(md_arena *a);

/* Aligned (16) allocation; NULL when over the cap or out of memory. */
void *md_arena_alloc(md_arena *a, size_t n);
void *md_arena_calloc(md_arena *a, size_t n);
char *md_arena_strdup(md_arena *a, const char *s);
char *md_arena_strndup(md_arena *a, const char *s, size_t n);
char *md_arena_printf(md_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Bytes handed out since the last reset, and heap blocks obtained in the arena's life
 * (the benchmark uses the latter to prove a warm arena stops allocating). */
size_t md_arena_used(const md_arena *a);
size_t md_arena_blocks_allocated(const md_arena *a);

#endif
