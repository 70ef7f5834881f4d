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

/* ---- added by the photo module (photo.c, media.c) ---------------------------------- */

/* md_photo_bytes for a use: "clinical" (what md_photo_bytes does) or "marketing", which
 * needs the patient's marketing consent signed and unwithdrawn now (MD_EFORBIDDEN naming
 * "consent" otherwise); any other use is MD_EINVAL naming "use". */
md_code md_photo_bytes_use(md_ctx *ctx, const char *id, int thumb, const char *use,
                           char media_type[32], unsigned char **data, size_t *len, md_err *err);
/* A photo taken in error: in {"reason" (required),"version"?}: a new version with status
 * entered_in_error; the bytes stay.  MD_PERM_CHART_WRITE.  *out the record. */
md_code md_photo_entered_in_error(md_ctx *ctx, const char *id, json_t *in, json_t **out,
                                  md_err *err);
/* Every version of one photo, oldest first: {"versions":[...]} (clinical read, audited). */
md_code md_photo_history(md_ctx *ctx, const char *id, json_t **out, md_err *err);

/*
 * The file store (media.c): bytes named by their SHA-256 under ctx->media_dir, one
 * directory per clinic (<dir>/<clinic_id>/<first two hex digits>/<sha256>).  A file is
 * written to a temporary file beside its place, fsync'd, renamed into place without ever
 * replacing a file (the same bytes stored twice are one file), then its directory fsync'd;
 * nothing is ever overwritten nor deleted.  Several processes (on one host or sharing one
 * filesystem) may store into one directory at once.  Without a directory (ctx->media_dir
 * NULL or ""): MD_EUNAVAILABLE naming "media_dir".  Not audited (the record is).
 */
#define MD_MEDIA_DIR_MAX 512
/* Store len (1..MD_PHOTO_MAX) bytes: sha256 set on MD_OK; MD_EIO naming "media_dir" when
 * the file cannot be written, or when a file already there does not hold those bytes. */
md_code md_media_put(md_ctx *ctx, const void *data, size_t len, char sha256[65], md_err *err);
/* Read the file of that hash back into ctx->arena (*data, *len; NUL after them), verified:
 * MD_ENOTFOUND naming "sha256" for a malformed hash or a missing file, MD_EIO when the
 * bytes no longer match their hash. */
md_code md_media_get(md_ctx *ctx, const char *sha256, unsigned char **data, size_t *len,
                     md_err *err);
/* Make dir (one level) if it is missing and check that files can be made in it: MD_EIO
 * naming "media_dir" otherwise (the server refuses to start). */
md_code md_media_dir_check(const char *dir, md_err *err);
/* The default directory for a database: "<file>.media" beside a SQLite file; "" for a
 * PostgreSQL URI (several servers share it: it must be configured, --media-dir). */
void md_media_default_dir(const char *db_uri, char out[MD_MEDIA_DIR_MAX]);

#endif
