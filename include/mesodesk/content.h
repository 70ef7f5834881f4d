/*
 * content.h - the content store: bytes kept once per clinic by their SHA-256, with their
 * media type (a drawn consent signature, a credential's evidence).
 *
 * A record that holds content keeps only its hash ("sha256", 64 lowercase hex); the bytes
 * are in the table content_blobs (clinic_id, sha256, media_type, size, data, created_at,
 * created_by), one row per clinic and hash, so the same bytes stored twice (two consents
 * signed with one image, evidence uploaded again) are one row.  Content is never changed
 * nor deleted: a hash names exactly one sequence of bytes.
 *
 * The data is base64 TEXT, not a binary column: the store interface (store.h) binds and
 * reads only text and integers, identically on SQLite and PostgreSQL, and a blob type
 * would need a third value type in both backends for this one table.  Base64 costs a
 * third more space for content capped at MD_CONTENT_MAX bytes.
 *
 * Content belongs to a clinic: a hash stored by another clinic is MD_ENOTFOUND, exactly
 * like a hash nobody stored, so a clinic cannot learn what another holds.  Not audited
 * here: the record that refers to the content is written (and audited) in the same
 * transaction by the caller, and a read of it is audited by whoever shows it.
 */
#ifndef MESODESK_CONTENT_H
#define MESODESK_CONTENT_H

#include "mesodesk/context.h"

#include <stddef.h>

#define MD_CONTENT_MAX (1024 * 1024) /* bytes of one piece of content */
#define MD_SHA256_STR 65             /* 64 lowercase hex + NUL */
#define MD_MEDIA_TYPE_MAX 127        /* "type/subtype", RFC 6838 names */

/* The SHA-256 of data[0..len) as 64 lowercase hex. */
void md_content_hash(const void *data, size_t len, char out[MD_SHA256_STR]);

/* Store len bytes of data with media_type ("image/png") for ctx's clinic and give their
 * hash in sha256.  Runs inside the caller's write transaction when there is one (a
 * savepoint), else in one of its own (md_write_begin/finish): so a record and its content
 * commit together or not at all.  Bytes already stored for the clinic are not stored
 * again (MD_OK, the same hash; the media type stays the one first stored).  field names
 * the input in errors: MD_ETOOBIG when len > max (max 0 or over MD_CONTENT_MAX:
 * MD_CONTENT_MAX), MD_EINVAL for no data or a malformed media type; storage errors. */
md_code md_content_put(md_ctx *ctx, const char *media_type, const void *data, size_t len,
                       size_t max, const char *field, char sha256[MD_SHA256_STR], md_err *err);

/* The content of ctx's clinic with that hash: *data (len bytes, NUL-terminated after them,
 * in ctx->arena, owned by it) and its media type (media_type may be NULL).  MD_ENOTFOUND
 * (field "sha256") for a hash that is malformed or not stored by this clinic; MD_EIO when
 * the stored bytes no longer match their hash. */
md_code md_content_get(md_ctx *ctx, const char *sha256, char media_type[MD_MEDIA_TYPE_MAX + 1],
                       unsigned char **data, size_t *len, md_err *err);

/* Does the clinic hold content with that hash?  MD_OK or MD_ENOTFOUND (field "sha256"). */
md_code md_content_exists(md_ctx *ctx, const char *sha256, md_err *err);

#endif
