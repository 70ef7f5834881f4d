/*
 * sbuf.c - the bounded string builder; see sbuf.h for the rules and states.
 */
#include "mesodesk/sbuf.h"

#include <stdio.h>
#include <string.h>

#define ARENA_FIRST 256 /* bytes of an arena builder's first allocation */

void md_sbuf_init(md_sbuf *b, char *buf, size_t size)
{
    *b = (md_sbuf){.p = buf, .cap = size, .max = size, .error = MD_OK};
    buf[0] = '\0';
}

void md_sbuf_init_arena(md_sbuf *b, md_arena *a, size_t max)
{
    size_t cap = max < ARENA_FIRST ? max : ARENA_FIRST;
    *b = (md_sbuf){.p = md_arena_alloc(a, cap), .cap = cap, .max = max, .arena = a};
    if (b->p)
        b->p[0] = '\0';
    else
        b->error = MD_ENOMEM;
}

/* Room for n more bytes of text (and the NUL): grows an arena builder, or sets the error. */
static int reserve(md_sbuf *b, size_t n)
{
    if (b->error != MD_OK) return 0;
    if (n < b->cap - b->len) return 1;
    if (n >= b->max - b->len) {
        b->error = MD_EINTERNAL;
        return 0;
    }
    if (!b->arena) {
        b->error = MD_EINTERNAL;
        return 0;
    }
    size_t cap = b->cap;
    while (cap - b->len <= n)
        cap = cap > b->max / 2 ? b->max : cap * 2;
    char *p = md_arena_alloc(b->arena, cap);
    if (!p) {
        b->error = MD_ENOMEM;
        return 0;
    }
    memcpy(p, b->p, b->len + 1);
    b->p = p;
    b->cap = cap;
    return 1;
}

void md_sbuf_append(md_sbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (!reserve(b, n)) return;
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

void md_sbuf_vappendf(md_sbuf *b, const char *fmt, va_list ap)
{
    if (b->error != MD_OK) return;
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    if (n >= 0 && (size_t)n >= b->cap - b->len && reserve(b, (size_t)n))
        n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, again);
    va_end(again);
    if (n < 0 && b->error == MD_OK) b->error = MD_EINTERNAL; /* a format error */
    if (b->error != MD_OK) {
        b->p[b->len] = '\0'; /* all or nothing: drop the part that was written */
        return;
    }
    b->len += (size_t)n;
}

void md_sbuf_appendf(md_sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    md_sbuf_vappendf(b, fmt, ap);
    va_end(ap);
}

int md_sbuf_ok(const md_sbuf *b)
{
    return b->error == MD_OK;
}

md_code md_sbuf_check(const md_sbuf *b, const char *what, md_err *err)
{
    if (b->error == MD_OK) return MD_OK;
    if (b->error == MD_ENOMEM)
        return md_err_set(err, MD_ENOMEM, NULL, "out of memory building %s", what);
    return md_err_set(err, b->error, NULL, "%s would be over %zu bytes", what, b->max - 1);
}
