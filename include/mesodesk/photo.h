/*
 * photo.h - clinical photographs of a treatment session: checked images, stored by content
 * address outside the database with their metadata removed, thumbnails, the patient's photo
 * consent, and comparisons across a course (issue 10 item 4).
 *
 * This header is the contract other modules code against; src/domain/photo.c (records),
 * src/domain/image.c (decoding, metadata removal, thumbnails: libturbojpeg and cairo) and
 * src/domain/media.c (the file store) implement it.
 *
 * A photo is a patient-level versioned record (kind "photo"): {"id","version","patient_id",
 * "session_id","phase": "before" | "after","view" ("front","left","right" or a body-map
 * zone code),"sha256" (of the stored, cleaned image),"thumb_sha256","media_type"
 * ("image/jpeg" | "image/png"),"width","height","bytes","consent": {"clinical","marketing"}
 * (the patient's photo and marketing consent when it was taken),"taken_at","status"
 * (active | entered_in_error),"recorded_by","recorded_at","reason"}.  Nothing is deleted:
 * a photo taken in error is a new version with status entered_in_error and a reason.
 *
 * Ownership: json_t ** out are new references, set only on MD_OK.
 */
#ifndef MESODESK_PHOTO_H
#define MESODESK_PHOTO_H

#include "mesodesk/context.h"
#include "mesodesk/record.h"

#include <jansson.h>
#include <stddef.h>

extern const md_record_kind md_kind_photo;

#define MD_PHOTO_MAX (8 * 1024 * 1024) /* bytes of one uploaded image */
#define MD_PHOTO_DIM_MAX 8192          /* pixels, width and height */
#define MD_PHOTO_THUMB 320             /* the thumbnail's longer side, pixels */

/* Upload a photo of a session: data (len bytes) as sent, in {"phase","view","taken_at"?}.
 * The bytes must decode as what they claim (JPEG or PNG by their content, not a name):
 * MD_EUNPROCESSABLE naming "data" for anything else or a truncated image, MD_ETOOBIG
 * "data" over MD_PHOTO_MAX bytes or MD_PHOTO_DIM_MAX pixels.  No photo consent signed and
 * unwithdrawn on file (md_consent_status "photo"): MD_ECONFLICT naming "consent".  The
 * stored image has no location or camera metadata; a thumbnail is made; both are stored
 * by SHA-256 outside the database before the record commits.  *out the record. */
md_code md_photo_add(md_ctx *ctx, const char *session_id, json_t *in, const void *data, size_t len,
                     json_t **out, md_err *err);

/* The views of a session's active photos of a phase ("before" / "after"): *out
 * {"views":["front","left",...]} (distinct, sorted).  Not audited (for the gates and the
 * completion check, inside the caller's transaction). */
md_code md_photo_views(md_ctx *ctx, const char *session_id, const char *phase, json_t **out,
                       md_err *err);

/* Reads (clinical read, audited): one record, a session's or a patient's photos, the image
 * or its thumbnail (*data in ctx->arena), a comparison of one view across a course's
 * sessions ({"view","items":[{"session_id","course_session","day","before","after"}]}).
 * Marketing use is refused (MD_EFORBIDDEN naming "consent") without marketing consent. */
md_code md_photo_get(md_ctx *ctx, const char *id, json_t **out, md_err *err);
md_code md_photo_list(md_ctx *ctx, const char *session_id, const char *patient_id, json_t **out,
                      md_err *err);
md_code md_photo_bytes(md_ctx *ctx, const char *id, int thumb, char media_type[32],
                       unsigned char **data, size_t *len, md_err *err);
md_code md_photo_compare(md_ctx *ctx, const char *course_id, const char *view, json_t **out,
                         md_err *err);

#endif
