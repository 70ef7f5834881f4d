/*
 * image.c - an uploaded photograph checked by decoding it, cleaned of its metadata, turned
 * upright, and thumbnailed (image_int.h).  JPEG through libturbojpeg, PNG through libpng.
 *
 * JPEG, in order:
 *   header (tjDecompressHeader3): a JPEG at all, its size within the limits, not CMYK;
 *   orientation: read from the EXIF block (APP1 "Exif") before it is dropped;
 *   tjTransform with TJXOPT_COPYNONE: the coefficients copied as they are (no loss), every
 *     APPn and COM marker left behind (EXIF and its GPS block, XMP, IPTC, ICC, comments;
 *     libjpeg writes a plain JFIF APP0 of its own), and the lossless flip or rotation the
 *     orientation asked for (TJXOPT_TRIM: the partial MCU blocks at the edges that cannot
 *     be moved losslessly, at most 15 pixels, are cut off);
 *   the result decoded at the smallest scale (down to 1/8) whose longer side still covers
 *     the thumbnail: every entropy-coded byte is decoded, so a truncated or damaged image
 *     fails here (TJFLAG_STOPONWARNING: a warning, e.g. "premature end of data", is an
 *     error), then averaged down to the thumbnail and encoded as JPEG.
 * PNG: the header (libpng's simplified API) gives the size before anything is inflated;
 *   the image is decoded whole to 8-bit RGB or RGBA (with alpha when it has one) and
 *   encoded again: only IHDR, IDAT and IEND (and the colour space chunk libpng writes) come
 *   out, so tEXt, iTXt, zTXt, eXIf, tIME and any private chunk are gone.  An EXIF
 *   orientation inside a PNG's eXIf chunk is not applied (cameras write JPEG).  The
 *   thumbnail is averaged from the decoded pixels, alpha laid over white.
 */
#include "image_int.h"

#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

static const char JPEG[] = "image/jpeg", PNG[] = "image/png";

const char *md_image_sniff(const void *data, size_t len)
{
    static const unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    const unsigned char *p = data;
    if (!p) return NULL;
    if (len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) return JPEG;
    if (len >= 8 && memcmp(p, png_magic, 8) == 0) return PNG;
    return NULL;
}

void md_image_free(md_image *img)
{
    if (!img) return;
    free(img->data);
    free(img->thumb);
    memset(img, 0, sizeof *img);
}

/* ---- EXIF orientation ---- */

static unsigned rd16(const unsigned char *q, int le)
{
    return le ? (unsigned)q[0] | (unsigned)q[1] << 8 : (unsigned)q[0] << 8 | (unsigned)q[1];
}

static uint32_t rd32(const unsigned char *q, int le)
{
    return le ? (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24
              : (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | (uint32_t)q[3];
}

/* Tag 0x0112 of IFD0 in a TIFF block of n bytes; 0 when absent or unreadable. */
static int tiff_orientation(const unsigned char *t, size_t n)
{
    int le;
    if (n < 8) return 0;
    if (t[0] == 'I' && t[1] == 'I')
        le = 1;
    else if (t[0] == 'M' && t[1] == 'M')
        le = 0;
    else
        return 0;
    if (rd16(t + 2, le) != 42) return 0;
    uint32_t ifd = rd32(t + 4, le);
    if (ifd < 8 || ifd > n - 2) return 0;
    unsigned count = rd16(t + ifd, le);
    for (unsigned k = 0; k < count; k++) {
        size_t e = ifd + 2 + (size_t)k * 12;
        if (e + 12 > n) return 0;
        if (rd16(t + e, le) != 0x0112) continue;
        if (rd16(t + e + 2, le) != 3 || rd32(t + e + 4, le) < 1) return 0; /* SHORT, count */
        unsigned v = rd16(t + e + 8, le);
        return v >= 1 && v <= 8 ? (int)v : 0;
    }
    return 0;
}

int md_image_jpeg_orientation(const unsigned char *p, size_t len)
{
    size_t i = 2;
    if (!p || len < 4 || p[0] != 0xFF || p[1] != 0xD8) return 1;
    while (i + 4 <= len) {
        if (p[i] != 0xFF) return 1;
        unsigned m = p[i + 1];
        if (m == 0xFF) { /* fill byte */
            i++;
            continue;
        }
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD8)) { /* markers without a length */
            i += 2;
            continue;
        }
        if (m == 0xDA || m == 0xD9) return 1; /* the image data begins: no EXIF before it */
        size_t seg = (size_t)p[i + 2] << 8 | p[i + 3];
        if (seg < 2 || i + 2 + seg > len) return 1;
        if (m == 0xE1 && seg >= 2 + 6 + 8 && memcmp(p + i + 4, "Exif\0\0", 6) == 0) {
            int o = tiff_orientation(p + i + 10, seg - 8);
            if (o) return o;
        }
        i += 2 + seg;
    }
    return 1;
}

/* The lossless transform that shows an image of EXIF orientation o upright. */
static int transform_of(int o)
{
    switch (o) {
    case 2: return TJXOP_HFLIP;
    case 3: return TJXOP_ROT180;
    case 4: return TJXOP_VFLIP;
    case 5: return TJXOP_TRANSPOSE;
    case 6: return TJXOP_ROT90;
    case 7: return TJXOP_TRANSVERSE;
    case 8: return TJXOP_ROT270;
    default: return TJXOP_NONE;
    }
}

/* ---- limits ---- */

static md_code check_size(int w, int h, size_t pixels_max, md_err *err)
{
    if (w < 1 || h < 1)
        return md_err_set(err, MD_EUNPROCESSABLE, "data", "the image has no pixels");
    if (w > MD_PHOTO_DIM_MAX || h > MD_PHOTO_DIM_MAX)
        return md_err_set(err, MD_ETOOBIG, "data",
                          "the image is %dx%d pixels; at most %dx%d are accepted", w, h,
                          MD_PHOTO_DIM_MAX, MD_PHOTO_DIM_MAX);
    if (pixels_max && (size_t)w * (size_t)h > pixels_max)
        return md_err_set(err, MD_ETOOBIG, "data",
                          "the image is %dx%d pixels; a PNG may have at most %zu pixels", w, h,
                          pixels_max);
    return MD_OK;
}

/* ---- the thumbnail ---- */

/* A malloc'd copy of what libturbojpeg allocated (md_image_free frees with free()). */
static unsigned char *copy_of(const unsigned char *p, size_t n)
{
    unsigned char *c = malloc(n ? n : 1);
    if (c && n) memcpy(c, p, n);
    return c;
}

/* The thumbnail's size for an image of w x h: the longer side MD_PHOTO_THUMB (never
 * enlarged), the other in proportion, at least 1. */
static void thumb_size(int w, int h, int *tw, int *th)
{
    int longer = w > h ? w : h, target = longer < MD_PHOTO_THUMB ? longer : MD_PHOTO_THUMB;
    if (w >= h) {
        *tw = target;
        *th = (int)(((int64_t)h * target + longer / 2) / longer);
    } else {
        *th = target;
        *tw = (int)(((int64_t)w * target + longer / 2) / longer);
    }
    if (*tw < 1) *tw = 1;
    if (*th < 1) *th = 1;
}

/* Average px (w x h, channels 3 or 4, alpha laid over white) down to the thumbnail and
 * encode it as JPEG into out->thumb. */
static md_code make_thumb(const unsigned char *px, int w, int h, size_t stride, int channels,
                          md_image *out, md_err *err)
{
    int tw, th;
    thumb_size(w, h, &tw, &th);
    uint32_t *sum = calloc((size_t)tw * (size_t)th * 4, sizeof *sum);
    unsigned char *rgb = malloc((size_t)tw * (size_t)th * 3);
    unsigned char *jpg = NULL;
    unsigned long jlen = 0;
    tjhandle enc = tjInitCompress();
    md_code rc = MD_OK;
    if (!sum || !rgb || !enc) {
        rc = md_err_set(err, MD_ENOMEM, "data", "out of memory for the thumbnail");
        goto done;
    }
    for (int y = 0; y < h; y++) {
        const unsigned char *row = px + (size_t)y * stride;
        uint32_t *dst = sum + (size_t)((int64_t)y * th / h) * (size_t)tw * 4;
        for (int x = 0; x < w; x++) {
            const unsigned char *s = row + (size_t)x * (size_t)channels;
            uint32_t *d = dst + (size_t)((int64_t)x * tw / w) * 4;
            unsigned a = channels == 4 ? s[3] : 255;
            for (int c = 0; c < 3; c++)
                d[c] += (s[c] * a + 255u * (255u - a) + 127u) / 255u;
            d[3]++;
        }
    }
    for (size_t i = 0; i < (size_t)tw * (size_t)th; i++)
        for (int c = 0; c < 3; c++)
            rgb[i * 3 + c] =
                sum[i * 4 + 3]
                    ? (unsigned char)((sum[i * 4 + c] + sum[i * 4 + 3] / 2) / sum[i * 4 + 3])
                    : 255;
    if (tjCompress2(enc, rgb, tw, 0, th, TJPF_RGB, &jpg, &jlen, TJSAMP_420, MD_IMAGE_THUMB_QUALITY,
                    0) != 0) {
        rc = md_err_set(err, MD_ENOMEM, "data", "the thumbnail could not be encoded: %s",
                        tjGetErrorStr2(enc));
        goto done;
    }
    if (!(out->thumb = copy_of(jpg, jlen))) {
        rc = md_err_set(err, MD_ENOMEM, "data", "out of memory for the thumbnail");
        goto done;
    }
    out->thumb_len = jlen;
    out->thumb_width = tw;
    out->thumb_height = th;
done:
    if (enc) tjDestroy(enc);
    tjFree(jpg);
    free(rgb);
    free(sum);
    return rc;
}

/* ---- JPEG ---- */

/* The smallest scaled size (down to 1/8, never up) whose longer side covers the
 * thumbnail. */
static tjscalingfactor thumb_scale(int w, int h)
{
    tjscalingfactor best = {1, 1};
    int n = 0, longer = w > h ? w : h;
    tjscalingfactor *f = tjGetScalingFactors(&n);
    for (int i = 0; f && i < n; i++) {
        if (f[i].num > f[i].denom) continue;
        int scaled = TJSCALED(longer, f[i]);
        if (scaled >= MD_PHOTO_THUMB && scaled < TJSCALED(longer, best)) best = f[i];
    }
    return best;
}

static md_code clean_jpeg(const unsigned char *data, size_t len, md_image *out, md_err *err)
{
    tjhandle dec = tjInitDecompress(), tx = tjInitTransform();
    unsigned char *dst = NULL, *px = NULL;
    unsigned long dst_len = 0;
    int w = 0, h = 0, sub = 0, cs = 0;
    md_code rc = MD_OK;
    if (!dec || !tx) {
        rc = md_err_set(err, MD_ENOMEM, "data", "out of memory for the image");
        goto done;
    }
    if (tjDecompressHeader3(dec, data, (unsigned long)len, &w, &h, &sub, &cs) != 0) {
        rc = md_err_set(err, MD_EUNPROCESSABLE, "data", "the data is not a readable JPEG image");
        goto done;
    }
    if ((rc = check_size(w, h, 0, err)) != MD_OK) goto done;
    if (cs == TJCS_CMYK || cs == TJCS_YCCK) {
        rc = md_err_set(err, MD_EUNPROCESSABLE, "data",
                        "the JPEG image is in CMYK; a photograph in RGB is expected");
        goto done;
    }
    out->orientation = md_image_jpeg_orientation(data, len);
    tjtransform t;
    memset(&t, 0, sizeof t);
    t.op = transform_of(out->orientation);
    t.options = TJXOPT_COPYNONE | (t.op != TJXOP_NONE ? TJXOPT_TRIM : 0);
    if (tjTransform(tx, data, (unsigned long)len, 1, &dst, &dst_len, &t, TJFLAG_STOPONWARNING) !=
        0) {
        rc = md_err_set(err, MD_EUNPROCESSABLE, "data",
                        "the JPEG image is truncated or damaged: %s", tjGetErrorStr2(tx));
        goto done;
    }
    if (tjDecompressHeader3(dec, dst, dst_len, &w, &h, &sub, &cs) != 0 ||
        (rc = check_size(w, h, 0, err)) != MD_OK) {
        if (rc == MD_OK)
            rc = md_err_set(err, MD_EUNPROCESSABLE, "data", "the JPEG image cannot be read");
        goto done;
    }
    tjscalingfactor sf = thumb_scale(w, h);
    int sw = TJSCALED(w, sf), sh = TJSCALED(h, sf);
    if (!(px = malloc((size_t)sw * (size_t)sh * 3))) {
        rc = md_err_set(err, MD_ENOMEM, "data", "out of memory for the image");
        goto done;
    }
    if (tjDecompress2(dec, dst, dst_len, px, sw, 0, sh, TJPF_RGB, TJFLAG_STOPONWARNING) != 0) {
        rc = md_err_set(err, MD_EUNPROCESSABLE, "data",
                        "the JPEG image is truncated or damaged: %s", tjGetErrorStr2(dec));
        goto done;
    }
    if ((rc = make_thumb(px, sw, sh, (size_t)sw * 3, 3, out, err)) != MD_OK) goto done;
    if (!(out->data = copy_of(dst, dst_len))) {
        rc = md_err_set(err, MD_ENOMEM, "data", "out of memory for the image");
        goto done;
    }
    out->len = dst_len;
    out->width = w;
    out->height = h;
    out->media_type = JPEG;
done:
    free(px);
    tjFree(dst);
    if (dec) tjDestroy(dec);
    if (tx) tjDestroy(tx);
    return rc;
}

/* ---- PNG ---- */

static md_code clean_png(const unsigned char *data, size_t len, md_image *out, md_err *err)
{
    png_image im, wi;
    unsigned char *px = NULL;
    char *mem = NULL;
    size_t mem_len = 0;
    FILE *f = NULL;
    md_code rc = MD_OK;
    memset(&im, 0, sizeof im);
    memset(&wi, 0, sizeof wi);
    im.version = wi.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&im, data, len)) {
        rc = md_err_set(err, MD_EUNPROCESSABLE, "data", "the data is not a readable PNG image");
        goto done;
    }
    if ((rc = check_size((int)(im.width > INT32_MAX ? INT32_MAX : im.width),
                         (int)(im.height > INT32_MAX ? INT32_MAX : im.height),
                         MD_IMAGE_PNG_PIXELS_MAX, err)) != MD_OK)
        goto done;
    int channels = (im.format & PNG_FORMAT_FLAG_ALPHA) ? 4 : 3;
    im.format = channels == 4 ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB;
    size_t stride = PNG_IMAGE_ROW_STRIDE(im);
    if (!(px = malloc(PNG_IMAGE_BUFFER_SIZE(im, stride)))) {
        rc = md_err_set(err, MD_ENOMEM, "data", "out of memory for the image");
        goto done;
    }
    if (!png_image_finish_read(&im, NULL, px, (png_int_32)stride, NULL)) {
        rc = md_err_set(err, MD_EUNPROCESSABLE, "data", "the PNG image is truncated or damaged: %s",
                        im.message);
        goto done;
    }
    wi.width = im.width;
    wi.height = im.height;
    wi.format = im.format;
    if (!(f = open_memstream(&mem, &mem_len))) {
        rc = md_err_set(err, MD_ENOMEM, "data", "out of memory for the image");
        goto done;
    }
    int ok = png_image_write_to_stdio(&wi, f, 0, px, (png_int_32)stride, NULL);
    if (fclose(f) != 0 || !ok) {
        f = NULL;
        rc = md_err_set(err, MD_ENOMEM, "data", "the PNG image could not be encoded again");
        goto done;
    }
    f = NULL;
    if ((rc = make_thumb(px, (int)im.width, (int)im.height, stride, channels, out, err)) != MD_OK)
        goto done;
    out->data = (unsigned char *)mem;
    mem = NULL;
    out->len = mem_len;
    out->width = (int)im.width;
    out->height = (int)im.height;
    out->orientation = 1;
    out->media_type = PNG;
done:
    png_image_free(&im);
    png_image_free(&wi);
    free(mem);
    free(px);
    return rc;
}

md_code md_image_clean(const void *data, size_t len, const char *claimed, md_image *out,
                       md_err *err)
{
    memset(out, 0, sizeof *out);
    if (!data || len == 0) return md_err_set(err, MD_EUNPROCESSABLE, "data", "no image was sent");
    if (len > MD_PHOTO_MAX)
        return md_err_set(err, MD_ETOOBIG, "data",
                          "the image is %zu bytes; at most %d are accepted", len, MD_PHOTO_MAX);
    const char *kind = md_image_sniff(data, len);
    if (!kind)
        return md_err_set(err, MD_EUNPROCESSABLE, "data",
                          "the data is neither a JPEG nor a PNG image");
    if (claimed && strcmp(claimed, kind) != 0)
        return md_err_set(err, MD_EUNPROCESSABLE, "data",
                          "the data is a %s image but was sent as %s",
                          kind == JPEG ? "JPEG" : "PNG", claimed);
    md_code rc = kind == JPEG ? clean_jpeg(data, len, out, err) : clean_png(data, len, out, err);
    /* A PNG encoded again may come out larger than it came in. */
    if (rc == MD_OK && out->len > MD_PHOTO_MAX)
        rc = md_err_set(err, MD_ETOOBIG, "data",
                        "the image without its metadata is %zu bytes; at most %d are kept",
                        out->len, MD_PHOTO_MAX);
    if (rc != MD_OK) md_image_free(out);
    return rc;
}
