/*
 * content.c - the content store (see content.h): bytes once per clinic and SHA-256, as
 * base64 text in content_blobs (migration 19).
 */
#include "mesodesk/content.h"
#include "mesodesk/commit.h"

#include <sodium.h>
#include <string.h>

void md_content_hash(const void *data, size_t len, char out[MD_SHA256_STR])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, MD_SHA256_STR, h, sizeof h);
}

/* RFC 6838 restricted names, lower case: "type/subtype", each 1..63 of [a-z0-9!#$&^_.+-]. */
static int media_type_valid(const char *m)
{
    if (!m) return 0;
    size_t n = strlen(m), part = 0;
    int slashes = 0;
    if (n == 0 || n > MD_MEDIA_TYPE_MAX) return 0;
    for (const char *c = m; *c; c++) {
        if (*c == '/') {
            if (part == 0 || ++slashes > 1) return 0;
            part = 0;
            continue;
        }
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || strchr("!#$&^_.+-", *c)))
            return 0;
        if (++part > 63) return 0;
    }
    return slashes == 1 && part > 0;
}

static int sha256_valid(const char *s)
{
    if (!s || strlen(s) != 64) return 0;
    for (const char *c = s; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'))) return 0;
    return 1;
}

md_code md_content_put(md_ctx *ctx, const char *media_type, const void *data, size_t len,
                       size_t max, const char *field, char sha256[MD_SHA256_STR], md_err *err)
{
    if (max == 0 || max > MD_CONTENT_MAX) max = MD_CONTENT_MAX;
    if (!data || len == 0) return md_err_set(err, MD_EINVAL, field, "%s is empty", field);
    if (len > max)
        return md_err_set(err, MD_ETOOBIG, field, "%s is %zu bytes, more than the %zu allowed",
                          field, len, max);
    if (!media_type_valid(media_type))
        return md_err_set(err, MD_EINVAL, field, "%s has no valid media type", field);
    md_content_hash(data, len, sha256);
    size_t b64_len = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = md_arena_alloc(ctx->arena, b64_len);
    if (!b64) return md_err_set(err, MD_ENOMEM, field, "no memory for %s", field);
    sodium_bin2base64(b64, b64_len, data, len, sodium_base64_VARIANT_ORIGINAL);

    char now[MD_TIME_STR];
    md_time_format(md_now(), now);
    int64_t n = 0;
    md_code rc = md_write_begin(ctx, err);
    if (rc != MD_OK) return rc;
    /* Write transactions are serialised (store.h): the count and the insert see one state. */
    md_val k[] = {md_text(ctx->who.clinic_id), md_text(sha256)};
    rc = md_store_scalar_int(ctx->db,
                             "SELECT count(*) FROM content_blobs WHERE clinic_id = $1 AND "
                             "sha256 = $2",
                             k, 2, &n, err);
    if (rc == MD_OK && n == 0) {
        md_val v[] = {md_text(ctx->who.clinic_id), md_text(sha256), md_text(media_type),
                      md_int((int64_t)len),        md_text(b64),    md_text(now),
                      md_text(md_actor_id(ctx))};
        rc = md_store_exec(ctx->db,
                           "INSERT INTO content_blobs (clinic_id, sha256, media_type, size, data, "
                           "created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                           v, 7, NULL, NULL, err);
    }
    return md_write_finish(ctx, rc, err);
}

typedef struct blob_row {
    md_arena *arena;
    int found;
    char media_type[MD_MEDIA_TYPE_MAX + 1];
    int64_t size;
    char *b64;
} blob_row;

static int blob_row_fn(void *vctx, const md_row *r)
{
    blob_row *b = vctx;
    b->found = 1;
    md_strlcpy(b->media_type, md_row_text(r, 0), sizeof b->media_type);
    b->size = md_row_int(r, 1);
    if (b->arena) b->b64 = md_arena_strdup(b->arena, md_row_text(r, 2));
    return 1;
}

static md_code load(md_ctx *ctx, const char *sha256, blob_row *b, md_err *err)
{
    if (!sha256_valid(sha256)) return md_err_set(err, MD_ENOTFOUND, "sha256", "no such content");
    md_val k[] = {md_text(ctx->who.clinic_id), md_text(sha256)};
    md_code rc = md_store_exec(ctx->db,
                               b->arena ? "SELECT media_type, size, data FROM content_blobs WHERE "
                                          "clinic_id = $1 AND sha256 = $2"
                                        : "SELECT media_type, size FROM content_blobs WHERE "
                                          "clinic_id = $1 AND sha256 = $2",
                               k, 2, blob_row_fn, b, err);
    if (rc == MD_OK && !b->found) rc = md_err_set(err, MD_ENOTFOUND, "sha256", "no such content");
    return rc;
}

md_code md_content_exists(md_ctx *ctx, const char *sha256, md_err *err)
{
    blob_row b = {0};
    return load(ctx, sha256, &b, err);
}

md_code md_content_get(md_ctx *ctx, const char *sha256, char media_type[MD_MEDIA_TYPE_MAX + 1],
                       unsigned char **data, size_t *len, md_err *err)
{
    blob_row b = {.arena = ctx->arena};
    md_code rc = load(ctx, sha256, &b, err);
    if (rc != MD_OK) return rc;
    if (!b.b64 || b.size <= 0 || b.size > MD_CONTENT_MAX)
        return md_err_set(err, MD_EIO, NULL, "stored content %s is damaged", sha256);
    unsigned char *out = md_arena_alloc(ctx->arena, (size_t)b.size + 1);
    if (!out) return md_err_set(err, MD_ENOMEM, NULL, "no memory for the content");
    size_t got = 0;
    char check[MD_SHA256_STR];
    if (sodium_base642bin(out, (size_t)b.size, b.b64, strlen(b.b64), NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != (size_t)b.size)
        return md_err_set(err, MD_EIO, NULL, "stored content %s is damaged", sha256);
    md_content_hash(out, got, check);
    if (strcmp(check, sha256) != 0)
        return md_err_set(err, MD_EIO, NULL, "stored content %s does not match its hash", sha256);
    out[got] = 0;
    *data = out;
    *len = got;
    if (media_type) md_strlcpy(media_type, b.media_type, MD_MEDIA_TYPE_MAX + 1);
    return MD_OK;
}
