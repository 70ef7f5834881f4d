/*
 * image_int.h - checking, cleaning and thumbnailing an uploaded photograph (image.c).
 * Private to src/domain (photo.c is its caller; the unit tests and the fuzz target reach
 * it through the core library).
 *
 * md_image_clean() takes the bytes as sent and either refuses them or gives:
 *   - the stored image: a JPEG rewritten losslessly without any APPn or COM marker (EXIF
 *     with its GPS block and camera make, XMP, IPTC, ICC profiles, comments), turned
 *     upright by the lossless transform its EXIF orientation asked for; or a PNG decoded
 *     and encoded again with only its critical chunks (no tEXt, iTXt, zTXt, eXIf, tIME...);
 *   - a JPEG thumbnail whose longer side is MD_PHOTO_THUMB pixels (or the image's own
 *     size, when smaller: never enlarged).
 * The kind is read from the bytes (magic numbers, then a full decode), never from a name.
 *
 * Ownership: out->data and out->thumb are malloc'd (not arena memory: an image may be
 * larger than a request's arena); md_image_free() frees them and is safe on a zeroed or
 * freed md_image.  Nothing is allocated in out on failure.
 */
#ifndef MESODESK_IMAGE_INT_H
#define MESODESK_IMAGE_INT_H

#include "mesodesk/error.h"
#include "mesodesk/photo.h"

#include <stddef.h>

/* A PNG is decoded whole (every pixel in memory, 4 bytes each), so it has a pixel budget
 * of its own below MD_PHOTO_DIM_MAX squared; a JPEG is decoded scaled down (1/8 at most). */
#define MD_IMAGE_PNG_PIXELS_MAX (16 * 1000 * 1000)
#define MD_IMAGE_THUMB_QUALITY 80

typedef struct md_image {
    const char *media_type; /* "image/jpeg" or "image/png" (static strings) */
    int width, height;      /* of the stored image (after the orientation was applied) */
    int orientation;        /* EXIF orientation of the upload, 1..8 (1 when none was given) */
    unsigned char *data;    /* the stored image, len bytes */
    size_t len;
    unsigned char *thumb; /* the JPEG thumbnail, thumb_len bytes */
    size_t thumb_len;
    int thumb_width, thumb_height;
} md_image;

/* "image/jpeg" or "image/png" by the first bytes of data; NULL for anything else. */
const char *md_image_sniff(const void *data, size_t len);

/* Check and clean len bytes of data.  claimed is the media type the sender gave
 * ("image/jpeg", "image/png"; NULL: not said).  Errors, all naming "data":
 *   MD_ETOOBIG        over MD_PHOTO_MAX bytes (as sent, or once cleaned), a side over
 * MD_PHOTO_DIM_MAX pixels, a PNG over MD_IMAGE_PNG_PIXELS_MAX pixels (read from the header, before
 *                     anything is decoded);
 *   MD_EUNPROCESSABLE empty, neither JPEG nor PNG, not what claimed says it is, truncated
 *                     or damaged (for a JPEG any decoder warning counts), a JPEG
 *                     in CMYK;
 *   MD_ENOMEM.
 * Pure: no I/O, no global state. */
md_code md_image_clean(const void *data, size_t len, const char *claimed, md_image *out,
                       md_err *err);
void md_image_free(md_image *img);

/* The orientation (1..8) in a JPEG's EXIF block, 1 when there is none or it cannot be
 * read: only markers before the image data are looked at, every offset is bounds-checked. */
int md_image_jpeg_orientation(const unsigned char *jpeg, size_t len);

#endif
