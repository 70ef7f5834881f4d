/*
 * sbuf.h - a bounded string builder (SQL statements, messages, log lines).
 *
 * A builder writes into either the caller's fixed buffer (md_sbuf_init) or memory from an
 * arena that it grows up to a hard maximum (md_sbuf_init_arena).  Appends never write past
 * the capacity, and the text is always NUL-terminated.  An append is all or nothing: one that
 * does not fit leaves the text as it was before it and sets the sticky error, after which
 * every append is ignored.  So a caller appends freely and checks once at the end
 * (md_sbuf_check), and never uses a statement that was cut short.
 *
 * Ownership: the builder owns nothing.  b->p points into the caller's buffer or into the
 * arena (valid for the arena's lifetime).  Not thread-safe: one builder per thread.
 *
 * States:  OK --an append fits--> OK
 *          OK --an append does not fit (FULL) or the arena is exhausted (NOMEM)--> FAILED
 *          FAILED --any append--> FAILED (ignored)
 */
#ifndef MESODESK_SBUF_H
#define MESODESK_SBUF_H

#include "mesodesk/arena.h"
#include "mesodesk/error.h"

#include <stdarg.h>
#include <stddef.h>

typedef struct md_sbuf {
    char *p;         /* the text, NUL-terminated; NULL only in a failed arena builder */
    size_t len;      /* bytes of text, without the NUL */
    size_t cap;      /* bytes at p */
    size_t max;      /* the most bytes p may ever hold, NUL included */
    md_arena *arena; /* NULL: p is the caller's fixed buffer */
    md_code error;   /* sticky: MD_OK, MD_EINTERNAL (over max) or MD_ENOMEM (arena) */
} md_sbuf;

/* A builder over buf (size bytes, size >= 1; the text may use size - 1 of them). */
void md_sbuf_init(md_sbuf *b, char *buf, size_t size);
/* A builder in arena a that starts with a small allocation and doubles it as needed, up to
 * max bytes (NUL included, max >= 1).  When the first allocation fails, b->p is NULL and
 * the error is MD_ENOMEM. */
void md_sbuf_init_arena(md_sbuf *b, md_arena *a, size_t max);

void md_sbuf_append(md_sbuf *b, const char *s);
void md_sbuf_appendf(md_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void md_sbuf_vappendf(md_sbuf *b, const char *fmt, va_list ap);

/* Non-zero while every append has fitted. */
int md_sbuf_ok(const md_sbuf *b);
/* MD_OK while every append has fitted; else the sticky error, set in err with a message
 * naming what (e.g. "the search query") and the maximum, field NULL. */
md_code md_sbuf_check(const md_sbuf *b, const char *what, md_err *err);

#endif
