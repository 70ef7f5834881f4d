/*
 * photo_fixtures.h - test images made on the spot (no binary fixtures): JPEGs from
 * libturbojpeg, PNGs from cairo, and the metadata a camera or an editor puts in them (an
 * EXIF block with a camera make and a GPS latitude, XMP, IPTC, a comment; PNG tEXt, iTXt,
 * zTXt and eXIf chunks), for tests/unit/test_image.c and tests/api/test_photos.c.
 * Include after cmocka.h (the helpers assert).  Every buf is malloc'd: free(b.p).
 */
#ifndef MESODESK_TESTS_PHOTO_FIXTURES_H
#define MESODESK_TESTS_PHOTO_FIXTURES_H

#include <cairo.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

typedef struct buf {
    unsigned char *p;
    size_t n;
} buf;

static inline void buf_add(buf *b, const void *data, size_t n)
{
    b->p = realloc(b->p, b->n + n);
    assert_non_null(b->p);
    memcpy(b->p + b->n, data, n);
    b->n += n;
}

static inline int has(const buf *b, const void *needle, size_t n)
{
    return memmem(b->p, b->n, needle, n) != NULL;
}

static inline int has_s(const unsigned char *p, size_t len, const char *s)
{
    return memmem(p, len, s, strlen(s)) != NULL;
}

/* w x h RGB: left half red, right half blue, with a gradient in green. */
static inline unsigned char *pixels(int w, int h)
{
    unsigned char *px = malloc((size_t)w * (size_t)h * 3);
    assert_non_null(px);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned char *p = px + ((size_t)y * (size_t)w + (size_t)x) * 3;
            p[0] = x < w / 2 ? 220 : 20;
            p[1] = (unsigned char)(y * 255 / (h > 1 ? h - 1 : 1) / 4);
            p[2] = x < w / 2 ? 20 : 220;
        }
    return px;
}

static inline buf make_jpeg_pf(int w, int h, int pf, int subsamp)
{
    tjhandle t = tjInitCompress();
    unsigned char *px = NULL, *j = NULL;
    unsigned long jl = 0;
    if (pf == TJPF_CMYK) {
        px = calloc((size_t)w * (size_t)h, 4);
        assert_non_null(px);
    } else {
        px = pixels(w, h);
    }
    assert_int_equal(tjCompress2(t, px, w, 0, h, pf, &j, &jl, subsamp, 90, 0), 0);
    buf b = {0};
    buf_add(&b, j, jl);
    tjFree(j);
    tjDestroy(t);
    free(px);
    return b;
}

static inline buf make_jpeg(int w, int h)
{
    return make_jpeg_pf(w, h, TJPF_RGB, TJSAMP_420);
}

static inline void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static inline void put32(unsigned char *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

/* The GPS latitude of the EXIF block: 51/1, 30/1, 2617/100 as big-endian rationals. */
static const unsigned char gps_latitude[24] = {0, 0, 0, 51,  0, 0, 0, 1,  0, 0, 0x0a, 0x39,
                                               0, 0, 0, 100, 0, 0, 0, 30, 0, 0, 0,    1};

/* A big-endian TIFF block: IFD0 with Make "CanonTEST", Orientation and a GPS IFD pointer;
 * the GPS IFD with GPSLatitudeRef "N" and GPSLatitude.  114 bytes into t. */
static inline size_t tiff_block(unsigned char t[128], int orientation)
{
    memset(t, 0, 128);
    memcpy(t, "MM\0\x2a", 4);
    put32(t + 4, 8);
    put16(t + 8, 3);
    unsigned char *e = t + 10;
    put16(e, 0x010F), put16(e + 2, 2), put32(e + 4, 10), put32(e + 8, 50); /* Make */
    e += 12;
    put16(e, 0x0112), put16(e + 2, 3), put32(e + 4, 1), put16(e + 8, (unsigned)orientation);
    e += 12;
    put16(e, 0x8825), put16(e + 2, 4), put32(e + 4, 1), put32(e + 8, 60); /* GPS IFD */
    put32(t + 46, 0);
    memcpy(t + 50, "CanonTEST", 10);
    put16(t + 60, 2);
    e = t + 62;
    put16(e, 0x0001), put16(e + 2, 2), put32(e + 4, 2), memcpy(e + 8, "N", 2);
    e += 12;
    put16(e, 0x0002), put16(e + 2, 5), put32(e + 4, 3), put32(e + 8, 90);
    put32(t + 86, 0);
    memcpy(t + 90, gps_latitude, sizeof gps_latitude);
    return 114;
}

static inline void segment(buf *b, unsigned marker, const void *data, size_t n)
{
    unsigned char h[4] = {0xFF, (unsigned char)marker, 0, 0};
    put16(h + 2, (unsigned)n + 2);
    buf_add(b, h, 4);
    buf_add(b, data, n);
}

/* jpeg with, right after its SOI, an EXIF block (orientation o), XMP, IPTC and a comment. */
static inline buf with_metadata(const buf *jpeg, int o)
{
    buf b = {0}, seg = {0};
    unsigned char t[128];
    size_t tn = tiff_block(t, o);
    buf_add(&b, jpeg->p, 2);
    buf_add(&seg, "Exif\0\0", 6);
    buf_add(&seg, t, tn);
    segment(&b, 0xE1, seg.p, seg.n);
    free(seg.p);
    static const char xmp[] = "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>secret-xmp</x:xmpmeta>";
    segment(&b, 0xE1, xmp, sizeof xmp);
    static const char iptc[] = "Photoshop 3.0\0008BIM secret-iptc";
    segment(&b, 0xED, iptc, sizeof iptc);
    static const char com[] = "secret-comment";
    segment(&b, 0xFE, com, sizeof com - 1);
    buf_add(&b, jpeg->p + 2, jpeg->n - 2);
    return b;
}

static inline void jpeg_size(const unsigned char *p, size_t n, int *w, int *h)
{
    tjhandle d = tjInitDecompress();
    int sub, cs;
    assert_int_equal(tjDecompressHeader3(d, p, n, w, h, &sub, &cs), 0);
    tjDestroy(d);
}

static inline uint32_t crc32_of(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

static inline void chunk(buf *b, const char *type, const void *data, size_t n)
{
    unsigned char len[4], crc[4];
    put32(len, (uint32_t)n);
    buf_add(b, len, 4);
    size_t at = b->n;
    buf_add(b, type, 4);
    if (n) buf_add(b, data, n);
    put32(crc, crc32_of(b->p + at, n + 4));
    buf_add(b, crc, 4);
}

static inline cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int length)
{
    buf_add(closure, data, length);
    return CAIRO_STATUS_SUCCESS;
}

static inline buf make_png(int w, int h, cairo_format_t fmt)
{
    cairo_surface_t *s = cairo_image_surface_create(fmt, w, h);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgba(cr, 0.85, 0.1, 0.1, 1);
    cairo_rectangle(cr, 0, 0, w / 2.0, h);
    cairo_fill(cr);
    cairo_set_source_rgba(cr, 0.1, 0.1, 0.85, fmt == CAIRO_FORMAT_ARGB32 ? 0.5 : 1);
    cairo_rectangle(cr, w / 2.0, 0, w / 2.0, h);
    cairo_fill(cr);
    cairo_destroy(cr);
    buf b = {0};
    assert_int_equal(cairo_surface_write_to_png_stream(s, to_buf, &b), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(s);
    return b;
}

/* A zlib stream of data in one stored block (what zTXt holds). */
static inline void zlib_stored(buf *b, const char *data)
{
    size_t n = strlen(data);
    unsigned char h[7] = {0x78,
                          0x01,
                          0x01,
                          (unsigned char)n,
                          (unsigned char)(n >> 8),
                          (unsigned char)~n,
                          (unsigned char)(~n >> 8)};
    buf_add(b, h, 7);
    buf_add(b, data, n);
    uint32_t a = 1, s2 = 0;
    for (size_t i = 0; i < n; i++) {
        a = (a + (unsigned char)data[i]) % 65521;
        s2 = (s2 + a) % 65521;
    }
    unsigned char ad[4];
    put32(ad, s2 << 16 | a);
    buf_add(b, ad, 4);
}

/* png with tEXt, iTXt, zTXt and eXIf (a TIFF block with GPS) after its IHDR. */
static inline buf png_with_metadata(const buf *png)
{
    buf b = {0}, z = {0};
    unsigned char t[128];
    size_t tn = tiff_block(t, 1);
    buf_add(&b, png->p, 33);
    static const char text[] = "Comment\0secret-png-text";
    chunk(&b, "tEXt", text, sizeof text - 1);
    static const char itxt[] = "XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta>secret-itxt</x:xmpmeta>";
    chunk(&b, "iTXt", itxt, sizeof itxt - 1);
    buf_add(&z, "Title\0\0", 7);
    zlib_stored(&z, "secret-ztxt");
    chunk(&b, "zTXt", z.p, z.n);
    free(z.p);
    chunk(&b, "eXIf", t, tn);
    buf_add(&b, png->p + 33, png->n - 33);
    return b;
}

#endif
