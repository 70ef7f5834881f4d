/*
 * unit_signature.h - a drawn signature for consent tests: a small PNG with one stroke
 * (cairo), base64-encoded (libsodium).  The caller frees the string.
 */
#ifndef MESODESK_TEST_UNIT_SIGNATURE_H
#define MESODESK_TEST_UNIT_SIGNATURE_H

#include <cairo.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

typedef struct png_buf {
    unsigned char p[64 * 1024];
    size_t n;
} png_buf;

static inline cairo_status_t png_write(void *closure, const unsigned char *data, unsigned int len)
{
    png_buf *b = closure;
    if (b->n + len > sizeof b->p) return CAIRO_STATUS_WRITE_ERROR;
    memcpy(b->p + b->n, data, len);
    b->n += len;
    return CAIRO_STATUS_SUCCESS;
}

/* A drawn signature: a small PNG with a stroke, base64 (caller frees). */
static inline char *signature_b64(void)
{
    static png_buf b;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 120, 40);
    cairo_t *cr = cairo_create(s);
    cairo_move_to(cr, 2, 2);
    cairo_line_to(cr, 118, 38);
    cairo_stroke(cr);
    cairo_destroy(cr);
    b.n = 0;
    assert_int_equal(cairo_surface_write_to_png_stream(s, png_write, &b), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(s);
    size_t m = sodium_base64_encoded_len(b.n, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(m);
    sodium_bin2base64(out, m, b.p, b.n, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

#endif
