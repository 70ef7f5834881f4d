/*
 * test_image.c - photographs checked by decoding (image.c): JPEG and PNG accepted, anything
 * else, a truncated image, a mislabelled one and an oversize one refused naming "data";
 * EXIF (with its GPS block and camera make), XMP, IPTC and comments gone from a JPEG
 * without touching a pixel; tEXt, iTXt, zTXt and eXIf gone from a PNG; the EXIF
 * orientation applied; thumbnails of the right size.  Every test image is made here
 * (tests/photo_fixtures.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "domain/image_int.h"
#include "photo_fixtures.h"

#include <png.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

static md_code clean(const buf *b, const char *claimed, md_image *img, md_err *err)
{
    md_err_clear(err);
    return md_image_clean(b->p, b->n, claimed, img, err);
}

static unsigned char *jpeg_pixels(const unsigned char *p, size_t n, int w, int h)
{
    tjhandle d = tjInitDecompress();
    unsigned char *px = malloc((size_t)w * (size_t)h * 3);
    assert_non_null(px);
    assert_int_equal(tjDecompress2(d, p, n, px, w, 0, h, TJPF_RGB, 0), 0);
    tjDestroy(d);
    return px;
}

/* ---- JPEG ---- */

static void a_jpeg_loses_exif_gps_xmp_iptc_and_comments_and_no_pixel(void **state)
{
    (void)state;
    buf plain = make_jpeg(64, 48), meta = with_metadata(&plain, 1);
    md_image img;
    md_err err;
    /* The test image carries what must go. */
    assert_true(has(&meta, "Exif", 4));
    assert_true(has(&meta, gps_latitude, sizeof gps_latitude));
    assert_true(has(&meta, "CanonTEST", 9));
    assert_int_equal(clean(&meta, "image/jpeg", &img, &err), MD_OK);
    assert_string_equal(img.media_type, "image/jpeg");
    assert_int_equal(img.width, 64);
    assert_int_equal(img.height, 48);
    assert_int_equal(img.orientation, 1);
    const char *gone[] = {"Exif", "CanonTEST",   "xmpmeta",        "secret-xmp", "Photoshop",
                          "8BIM", "secret-iptc", "secret-comment", NULL};
    for (int i = 0; gone[i]; i++)
        assert_false(has_s(img.data, img.len, gone[i]));
    assert_null(memmem(img.data, img.len, gps_latitude, sizeof gps_latitude));
    /* No marker but the JFIF APP0 before the frame. */
    for (size_t i = 2; i + 4 <= img.len && img.data[i] == 0xFF && img.data[i + 1] != 0xDA;) {
        unsigned m = img.data[i + 1];
        assert_true(m == 0xE0 || m < 0xE0 || m > 0xEF);
        assert_int_not_equal(m, 0xFE);
        i += 2 + ((size_t)img.data[i + 2] << 8 | img.data[i + 3]);
    }
    /* Lossless: the same pixels as the upload. */
    unsigned char *a = jpeg_pixels(meta.p, meta.n, 64, 48),
                  *b = jpeg_pixels(img.data, img.len, 64, 48);
    assert_memory_equal(a, b, 64 * 48 * 3);
    free(a);
    free(b);
    md_image_free(&img);
    md_image_free(&img); /* twice is harmless */
    free(plain.p);
    free(meta.p);
}

static void exif_orientation_is_read_and_applied(void **state)
{
    (void)state;
    buf plain = make_jpeg(64, 32), meta = with_metadata(&plain, 6);
    md_image img;
    md_err err;
    assert_int_equal(md_image_jpeg_orientation(meta.p, meta.n), 6);
    assert_int_equal(md_image_jpeg_orientation(plain.p, plain.n), 1);
    assert_int_equal(clean(&meta, NULL, &img, &err), MD_OK);
    assert_int_equal(img.orientation, 6);
    /* Turned a quarter clockwise: 32 wide, 64 high, the left (red) half now on top. */
    assert_int_equal(img.width, 32);
    assert_int_equal(img.height, 64);
    int w, h;
    jpeg_size(img.data, img.len, &w, &h);
    assert_int_equal(w, 32);
    assert_int_equal(h, 64);
    unsigned char *px = jpeg_pixels(img.data, img.len, 32, 64);
    const unsigned char *top = px + (8 * 32 + 16) * 3, *bottom = px + (56 * 32 + 16) * 3;
    assert_true(top[0] > 150 && top[2] < 100);
    assert_true(bottom[2] > 150 && bottom[0] < 100);
    free(px);
    md_image_free(&img);
    /* Orientation 1 (or none): unchanged; 3: the same size. */
    buf m3 = with_metadata(&plain, 3);
    assert_int_equal(clean(&m3, NULL, &img, &err), MD_OK);
    assert_int_equal(img.width, 64);
    assert_int_equal(img.height, 32);
    md_image_free(&img);
    free(m3.p);
    free(plain.p);
    free(meta.p);
}

/* A little-endian EXIF block is read too; a malformed one reads as no orientation. */
static void orientation_parser_is_careful(void **state)
{
    (void)state;
    unsigned char j[64] = {0xFF, 0xD8, 0xFF, 0xE1, 0, 34, 'E', 'x', 'i', 'f',  0,    0, 'I',
                           'I',  42,   0,    8,    0, 0,  0,   1,   0,   0x12, 0x01, 3, 0,
                           1,    0,    0,    0,    8, 0,  0,   0,   0,   0,    0,    0};
    j[38] = 0xFF, j[39] = 0xDA;
    assert_int_equal(md_image_jpeg_orientation(j, 40), 8);
    j[30] = 9; /* out of range */
    assert_int_equal(md_image_jpeg_orientation(j, 40), 1);
    j[30] = 8;
    j[16] = 0xF0; /* IFD offset beyond the block */
    assert_int_equal(md_image_jpeg_orientation(j, 40), 1);
    j[16] = 8;
    j[5] = 200; /* a segment longer than the data */
    assert_int_equal(md_image_jpeg_orientation(j, 40), 1);
    assert_int_equal(md_image_jpeg_orientation(j, 3), 1);
    assert_int_equal(md_image_jpeg_orientation(NULL, 0), 1);
}

static void thumbnails_have_the_longer_side_and_are_jpeg(void **state)
{
    (void)state;
    struct {
        int w, h, tw, th;
    } cases[] = {
        {1000, 500, 320, 160}, {200, 900, 71, 320}, {3000, 2000, 320, 213}, {100, 60, 100, 60}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf j = make_jpeg(cases[i].w, cases[i].h);
        md_image img;
        md_err err;
        assert_int_equal(clean(&j, "image/jpeg", &img, &err), MD_OK);
        assert_int_equal(img.thumb_width, cases[i].tw);
        assert_int_equal(img.thumb_height, cases[i].th);
        assert_string_equal(md_image_sniff(img.thumb, img.thumb_len), "image/jpeg");
        int w, h;
        jpeg_size(img.thumb, img.thumb_len, &w, &h);
        assert_int_equal(w, cases[i].tw);
        assert_int_equal(h, cases[i].th);
        md_image_free(&img);
        free(j.p);
    }
}

static void a_truncated_or_damaged_jpeg_is_refused(void **state)
{
    (void)state;
    buf j = make_jpeg(200, 150);
    md_image img;
    md_err err;
    size_t cuts[] = {j.n / 2, j.n - 40, 200};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        buf t = {j.p, cuts[i]};
        assert_int_equal(clean(&t, "image/jpeg", &img, &err), MD_EUNPROCESSABLE);
        assert_string_equal(err.field, "data");
        assert_null(img.data);
        assert_null(img.thumb);
    }
    buf h = {j.p, 10}; /* not even a header */
    assert_int_equal(clean(&h, NULL, &img, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "data");
    free(j.p);
}

static void a_cmyk_jpeg_is_refused(void **state)
{
    (void)state;
    buf j = make_jpeg_pf(32, 32, TJPF_CMYK, TJSAMP_444);
    md_image img;
    md_err err;
    assert_int_equal(clean(&j, NULL, &img, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "data");
    assert_non_null(strstr(err.message, "CMYK"));
    free(j.p);
}

static void a_gray_jpeg_is_accepted(void **state)
{
    (void)state;
    buf j = make_jpeg_pf(40, 30, TJPF_RGB, TJSAMP_GRAY);
    md_image img;
    md_err err;
    assert_int_equal(clean(&j, NULL, &img, &err), MD_OK);
    assert_int_equal(img.thumb_width, 40);
    md_image_free(&img);
    free(j.p);
}

/* ---- PNG ---- */

static unsigned char *png_pixels(const unsigned char *p, size_t n, int *w, int *h)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    assert_true(png_image_begin_read_from_memory(&im, p, n));
    im.format = PNG_FORMAT_RGBA;
    unsigned char *px = malloc(PNG_IMAGE_SIZE(im));
    assert_non_null(px);
    assert_true(png_image_finish_read(&im, NULL, px, 0, NULL));
    *w = (int)im.width;
    *h = (int)im.height;
    return px;
}

/* The chunk types of a PNG, in order, as "IHDR,IDAT,...". */
static void chunk_types(const unsigned char *p, size_t n, char *out, size_t outsz)
{
    out[0] = '\0';
    for (size_t i = 8; i + 12 <= n;) {
        uint32_t len =
            (uint32_t)p[i] << 24 | (uint32_t)p[i + 1] << 16 | (uint32_t)p[i + 2] << 8 | p[i + 3];
        size_t l = strlen(out);
        snprintf(out + l, outsz - l, "%s%.4s", l ? "," : "", (const char *)p + i + 4);
        i += 12 + len;
    }
}

static void a_png_loses_its_text_and_exif_chunks_and_no_pixel(void **state)
{
    (void)state;
    cairo_format_t fmts[] = {CAIRO_FORMAT_RGB24, CAIRO_FORMAT_ARGB32};
    for (size_t f = 0; f < 2; f++) {
        buf plain = make_png(64, 48, fmts[f]), meta = png_with_metadata(&plain);
        md_image img;
        md_err err;
        char types[256];
        chunk_types(meta.p, meta.n, types, sizeof types);
        assert_non_null(strstr(types, "tEXt,iTXt,zTXt,eXIf"));
        assert_int_equal(clean(&meta, "image/png", &img, &err), MD_OK);
        assert_string_equal(img.media_type, "image/png");
        assert_int_equal(img.width, 64);
        assert_int_equal(img.height, 48);
        const char *gone[] = {"tEXt",   "iTXt",      "zTXt",    "eXIf",
                              "secret", "CanonTEST", "xmpmeta", NULL};
        for (int i = 0; gone[i]; i++)
            assert_false(has_s(img.data, img.len, gone[i]));
        chunk_types(img.data, img.len, types, sizeof types);
        assert_int_equal(strncmp(types, "IHDR,", 5), 0);
        assert_non_null(strstr(types, "IDAT"));
        assert_non_null(strstr(types, ",IEND"));
        for (size_t k = 0; k < strlen(types); k += 5) { /* critical or the colour space */
            const char *c = types + k;
            assert_true((c[0] >= 'A' && c[0] <= 'Z') || strncmp(c, "sRGB", 4) == 0);
        }
        int w1, h1, w2, h2;
        unsigned char *a = png_pixels(plain.p, plain.n, &w1, &h1),
                      *b = png_pixels(img.data, img.len, &w2, &h2);
        assert_int_equal(w1, w2);
        assert_int_equal(h1, h2);
        assert_memory_equal(a, b, (size_t)w1 * (size_t)h1 * 4);
        free(a);
        free(b);
        /* Its thumbnail is a JPEG of its own size (never enlarged). */
        assert_string_equal(md_image_sniff(img.thumb, img.thumb_len), "image/jpeg");
        assert_int_equal(img.thumb_width, 64);
        assert_int_equal(img.thumb_height, 48);
        md_image_free(&img);
        free(plain.p);
        free(meta.p);
    }
}

static void a_truncated_png_is_refused(void **state)
{
    (void)state;
    buf p = make_png(300, 200, CAIRO_FORMAT_RGB24);
    md_image img;
    md_err err;
    size_t cuts[] = {p.n / 2, 40, 20};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        buf t = {p.p, cuts[i]};
        assert_int_equal(clean(&t, "image/png", &img, &err), MD_EUNPROCESSABLE);
        assert_string_equal(err.field, "data");
        assert_null(img.data);
    }
    /* A flipped byte in the image data: its CRC no longer matches. */
    p.p[p.n / 2] ^= 0x55;
    assert_int_equal(clean(&p, "image/png", &img, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "data");
    free(p.p);
}

/* The size is read from the header, before anything is inflated. */
static void oversize_images_are_413(void **state)
{
    (void)state;
    md_image img;
    md_err err;
    /* Over the byte limit (a JPEG's first bytes, then anything). */
    buf big = {calloc(MD_PHOTO_MAX + 1, 1), MD_PHOTO_MAX + 1};
    assert_non_null(big.p);
    big.p[0] = 0xFF, big.p[1] = 0xD8, big.p[2] = 0xFF;
    assert_int_equal(clean(&big, "image/jpeg", &img, &err), MD_ETOOBIG);
    assert_string_equal(err.field, "data");
    free(big.p);
    /* A JPEG wider than MD_PHOTO_DIM_MAX. */
    buf wide = make_jpeg(MD_PHOTO_DIM_MAX + 8, 16);
    assert_int_equal(clean(&wide, NULL, &img, &err), MD_ETOOBIG);
    assert_string_equal(err.field, "data");
    free(wide.p);
    /* A PNG that claims 9000 x 9000, and one within the sides but over the pixel budget. */
    struct {
        uint32_t w, h;
    } claims[] = {{9000, 9000}, {4500, 4000}};
    for (size_t i = 0; i < 2; i++) {
        buf p = make_png(16, 16, CAIRO_FORMAT_RGB24);
        put32(p.p + 16, claims[i].w);
        put32(p.p + 20, claims[i].h);
        put32(p.p + 29, crc32_of(p.p + 12, 17));
        assert_int_equal(clean(&p, NULL, &img, &err), MD_ETOOBIG);
        assert_string_equal(err.field, "data");
        free(p.p);
    }
    /* At the limit of the sides a JPEG is fine (decoded at 1/8). */
    buf edge = make_jpeg(MD_PHOTO_DIM_MAX, 16);
    assert_int_equal(clean(&edge, NULL, &img, &err), MD_OK);
    assert_int_equal(img.thumb_width, MD_PHOTO_THUMB);
    md_image_free(&img);
    free(edge.p);
}

static void what_is_not_jpeg_or_png_is_refused(void **state)
{
    (void)state;
    md_image img;
    md_err err;
    const char *not_images[] = {"hello, world",
                                "%PDF-1.7\n",
                                "GIF89a\x01\x00\x01\x00",
                                "<svg xmlns='http://www.w3.org/2000/svg'/>",
                                "\xFF\xD8",
                                NULL};
    for (int i = 0; not_images[i]; i++) {
        buf b = {(unsigned char *)not_images[i], strlen(not_images[i])};
        assert_int_equal(clean(&b, NULL, &img, &err), MD_EUNPROCESSABLE);
        assert_string_equal(err.field, "data");
    }
    buf empty = {(unsigned char *)"", 0};
    assert_int_equal(clean(&empty, "image/png", &img, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "data");
    assert_null(md_image_sniff("\x89PNG\r\n\x1a", 7));
}

/* What the bytes are decides: a PNG sent as image/jpeg (or the reverse) is refused. */
static void a_mislabelled_image_is_refused(void **state)
{
    (void)state;
    md_image img;
    md_err err;
    buf p = make_png(8, 8, CAIRO_FORMAT_RGB24), j = make_jpeg(8, 8);
    assert_int_equal(clean(&p, "image/jpeg", &img, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "data");
    assert_non_null(strstr(err.message, "PNG"));
    assert_int_equal(clean(&j, "image/png", &img, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "data");
    assert_int_equal(clean(&p, "image/png", &img, &err), MD_OK);
    md_image_free(&img);
    assert_int_equal(clean(&j, "image/jpeg", &img, &err), MD_OK);
    md_image_free(&img);
    free(p.p);
    free(j.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_jpeg_loses_exif_gps_xmp_iptc_and_comments_and_no_pixel),
        cmocka_unit_test(exif_orientation_is_read_and_applied),
        cmocka_unit_test(orientation_parser_is_careful),
        cmocka_unit_test(thumbnails_have_the_longer_side_and_are_jpeg),
        cmocka_unit_test(a_truncated_or_damaged_jpeg_is_refused),
        cmocka_unit_test(a_cmyk_jpeg_is_refused),
        cmocka_unit_test(a_gray_jpeg_is_accepted),
        cmocka_unit_test(a_png_loses_its_text_and_exif_chunks_and_no_pixel),
        cmocka_unit_test(a_truncated_png_is_refused),
        cmocka_unit_test(oversize_images_are_413),
        cmocka_unit_test(what_is_not_jpeg_or_png_is_refused),
        cmocka_unit_test(a_mislabelled_image_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
