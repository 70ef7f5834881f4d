/*
 * fuzz_image.c - fuzz target for the photo decoder and cleaner (src/domain/image.c): any
 * bytes, claimed as nothing, as JPEG and as PNG.  It must never crash, leak or read out of
 * bounds; an image it accepts must be accepted again once cleaned, with the same size and
 * kind (the stored image is itself a valid upload), and every refusal names "data".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/image_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const claims[] = {NULL, "image/jpeg", "image/png"};
    (void)md_image_jpeg_orientation(data, size);
    for (size_t c = 0; c < sizeof claims / sizeof claims[0]; c++) {
        md_image img, again;
        md_err err;
        md_err_clear(&err);
        if (md_image_clean(data, size, claims[c], &img, &err) != MD_OK) {
            if (strcmp(err.field, "data") != 0 || img.data || img.thumb) abort();
            continue;
        }
        if (!img.data || !img.thumb || img.thumb_width < 1 || img.thumb_width > MD_PHOTO_THUMB ||
            img.thumb_height < 1 || img.thumb_height > MD_PHOTO_THUMB)
            abort();
        if (md_image_clean(img.data, img.len, img.media_type, &again, &err) != MD_OK ||
            again.width != img.width || again.height != img.height ||
            strcmp(again.media_type, img.media_type) != 0 || again.orientation != 1)
            abort();
        md_image_free(&again);
        md_image_free(&img);
    }
    return 0;
}
