/*
 * media.c - the file store of photographs (photo.h): bytes named by their SHA-256, outside
 * the database, one directory per clinic.
 *
 *   <media_dir>/                       0700, made on first use
 *     <clinic_id>/                     0700, a clinic's files only
 *       <hh>/                          0700, the first two hex digits of the hash
 *         <sha256>                     0600, the bytes; never rewritten, never removed
 *         .tmp-<sha256>-<random>       a write in progress (left behind by a crash: harmless,
 *                                      never read; an operator may remove old ones)
 *
 * Writing one file: hash -> already there? read it back and compare (the same bytes are
 * one file; different bytes under the name are MD_EIO, never replaced) -> write a new
 * temporary file (O_EXCL) -> fsync -> rename into place with RENAME_NOREPLACE (or link()
 * where the filesystem has no such rename: also refuses to replace) -> fsync the
 * directory, so the name survives a crash as well as the bytes.  A directory made on the
 * way is fsync'd in its parent too.  Two writers of the same bytes race harmlessly: the
 * loser finds the winner's file and compares it.
 *
 * Reading: the file is opened by name, its size checked (at most MD_PHOTO_MAX), read into
 * the arena and hashed again; bytes that no longer match their name are MD_EIO.
 *
 * The clinic directory comes from ctx->who.clinic_id, checked to be an id (hex) so that no
 * path can be steered out of the store; the hash is checked to be 64 lowercase hex.
 */
#include "mesodesk/content.h"
#include "mesodesk/photo.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH_CAP (MD_MEDIA_DIR_MAX + MD_ID_STR + 4 + 65)

static int hex64(const char *s)
{
    if (!s || strlen(s) != 64) return 0;
    for (const char *c = s; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'))) return 0;
    return 1;
}

void md_media_default_dir(const char *db_uri, char out[MD_MEDIA_DIR_MAX])
{
    out[0] = '\0';
    if (!db_uri || !*db_uri || strncmp(db_uri, "postgres://", 11) == 0 ||
        strncmp(db_uri, "postgresql://", 13) == 0)
        return;
    if (strlen(db_uri) + sizeof ".media" > MD_MEDIA_DIR_MAX) return;
    snprintf(out, MD_MEDIA_DIR_MAX, "%s.media", db_uri);
}

static md_code io_fail(md_err *err, const char *what, const char *path)
{
    return md_err_set(err, MD_EIO, "media_dir", "the media store cannot %s %s: %s", what, path,
                      strerror(errno));
}

static md_code fsync_dir(const char *path, md_err *err)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return io_fail(err, "open the directory", path);
    int rc = fsync(fd);
    close(fd);
    return rc == 0 ? MD_OK : io_fail(err, "sync the directory", path);
}

/* path (a directory) made if missing, and its parent synced when it was. */
static md_code ensure_dir(const char *path, const char *parent, md_err *err)
{
    if (mkdir(path, 0700) == 0) return parent ? fsync_dir(parent, err) : MD_OK;
    if (errno != EEXIST) return io_fail(err, "make the directory", path);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return md_err_set(err, MD_EIO, "media_dir", "%s is not a directory", path);
    return MD_OK;
}

/* The clinic's directory and the file's directory and path, checked. */
typedef struct media_paths {
    char root[MD_MEDIA_DIR_MAX], clinic[MD_MEDIA_DIR_MAX + MD_ID_STR + 1],
        sub[MD_MEDIA_DIR_MAX + MD_ID_STR + 4], file[PATH_CAP];
} media_paths;

static md_code paths_of(md_ctx *ctx, const char *sha256, media_paths *p, md_err *err)
{
    if (!ctx->media_dir || !*ctx->media_dir)
        return md_err_set(err, MD_EUNAVAILABLE, "media_dir",
                          "no media directory is configured for photos (--media-dir or "
                          "MESODESK_MEDIA_DIR; required with PostgreSQL)");
    if (strlen(ctx->media_dir) >= MD_MEDIA_DIR_MAX)
        return md_err_set(err, MD_EUNAVAILABLE, "media_dir",
                          "the media directory's name is too long");
    if (!md_id_valid(ctx->who.clinic_id))
        return md_err_set(err, MD_EINTERNAL, NULL, "no clinic to store media for");
    md_strlcpy(p->root, ctx->media_dir, sizeof p->root);
    snprintf(p->clinic, sizeof p->clinic, "%s/%s", p->root, ctx->who.clinic_id);
    snprintf(p->sub, sizeof p->sub, "%s/%.2s", p->clinic, sha256);
    snprintf(p->file, sizeof p->file, "%s/%s", p->sub, sha256);
    return MD_OK;
}

/* Read at most max bytes of path into the arena, then compare their hash with sha256. */
static md_code read_verified(md_ctx *ctx, const char *path, const char *sha256, size_t max,
                             unsigned char **data, size_t *len, md_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return md_err_set(err, MD_ENOTFOUND, "sha256", "no stored file has this hash");
        return io_fail(err, "open", path);
    }
    struct stat st;
    md_code rc = MD_OK;
    unsigned char *buf = NULL;
    size_t got = 0;
    if (fstat(fd, &st) != 0) {
        rc = io_fail(err, "read", path);
        goto done;
    }
    if (!S_ISREG(st.st_mode) || st.st_size < 1 || (uint64_t)st.st_size > max) {
        rc = md_err_set(err, MD_EIO, "sha256", "the stored file %s has an impossible size", sha256);
        goto done;
    }
    if (!(buf = md_arena_alloc(ctx->arena, (size_t)st.st_size + 1))) {
        rc = md_err_set(err, MD_ENOMEM, "sha256", "no memory to read the stored file");
        goto done;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            rc = n < 0 ? io_fail(err, "read", path)
                       : md_err_set(err, MD_EIO, "sha256", "the stored file %s is short", sha256);
            goto done;
        }
        got += (size_t)n;
    }
    buf[got] = '\0';
    char h[MD_SHA256_STR];
    md_content_hash(buf, got, h);
    if (strcmp(h, sha256) != 0) {
        rc = md_err_set(err, MD_EIO, "sha256",
                        "the stored file %s no longer holds the bytes of its hash", sha256);
        goto done;
    }
    *data = buf;
    *len = got;
done:
    close(fd);
    return rc;
}

/* The file already in place holds the bytes of sha256 (MD_OK), or says why not: hashed as
 * it is read, a block at a time (the arena need not hold it). */
static md_code same_as_stored(const char *path, const char *sha256, md_err *err)
{
    unsigned char block[16384], h[crypto_hash_sha256_BYTES];
    char hex[MD_SHA256_STR];
    crypto_hash_sha256_state st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return io_fail(err, "open", path);
    crypto_hash_sha256_init(&st);
    for (;;) {
        ssize_t n = read(fd, block, sizeof block);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            close(fd);
            return io_fail(err, "read", path);
        }
        if (n == 0) break;
        crypto_hash_sha256_update(&st, block, (unsigned long long)n);
    }
    close(fd);
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    if (strcmp(hex, sha256) != 0)
        return md_err_set(err, MD_EIO, "media_dir",
                          "the stored file %s does not hold the bytes of its name; it is kept "
                          "as it is",
                          path);
    return MD_OK;
}

static md_code write_all(int fd, const unsigned char *p, size_t len, const char *path, md_err *err)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return io_fail(err, "write", path);
        p += n;
        len -= (size_t)n;
    }
    return MD_OK;
}

md_code md_media_put(md_ctx *ctx, const void *data, size_t len, char sha256[65], md_err *err)
{
    media_paths p;
    char tmp[PATH_CAP + 64], rnd[MD_ID_STR];
    if (!data || len == 0) return md_err_set(err, MD_EINVAL, "data", "nothing to store");
    if (len > MD_PHOTO_MAX)
        return md_err_set(err, MD_ETOOBIG, "data", "%zu bytes are more than the %d stored", len,
                          MD_PHOTO_MAX);
    md_content_hash(data, len, sha256);
    md_code rc = paths_of(ctx, sha256, &p, err);
    if (rc != MD_OK) return rc;
    if (access(p.file, F_OK) == 0) return same_as_stored(p.file, sha256, err);
    if ((rc = ensure_dir(p.root, NULL, err)) || (rc = ensure_dir(p.clinic, p.root, err)) ||
        (rc = ensure_dir(p.sub, p.clinic, err)))
        return rc;
    md_id_new(rnd);
    snprintf(tmp, sizeof tmp, "%s/.tmp-%s-%s", p.sub, sha256, rnd);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return io_fail(err, "create", tmp);
    rc = write_all(fd, data, len, tmp, err);
    if (rc == MD_OK && fsync(fd) != 0) rc = io_fail(err, "sync", tmp);
    if (close(fd) != 0 && rc == MD_OK) rc = io_fail(err, "close", tmp);
    if (rc != MD_OK) {
        unlink(tmp);
        return rc;
    }
    int moved = renameat2(AT_FDCWD, tmp, AT_FDCWD, p.file, RENAME_NOREPLACE);
    if (moved != 0 && (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP)) {
        /* A filesystem without RENAME_NOREPLACE: link() refuses to replace as well. */
        moved = link(tmp, p.file);
        if (moved == 0 || errno == EEXIST) {
            int e = errno;
            unlink(tmp);
            errno = e;
        }
    }
    if (moved != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        if (e == EEXIST) return same_as_stored(p.file, sha256, err); /* a writer won */
        return io_fail(err, "move into place", p.file);
    }
    return fsync_dir(p.sub, err);
}

md_code md_media_dir_check(const char *dir, md_err *err)
{
    char probe[MD_MEDIA_DIR_MAX + 64], rnd[MD_ID_STR];
    if (!dir || !*dir || strlen(dir) >= MD_MEDIA_DIR_MAX)
        return md_err_set(err, MD_EINVAL, "media_dir", "the media directory needs a name");
    md_code rc = ensure_dir(dir, NULL, err);
    if (rc != MD_OK) return rc;
    md_id_new(rnd);
    snprintf(probe, sizeof probe, "%s/.probe-%s", dir, rnd);
    int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return io_fail(err, "write in", dir);
    close(fd);
    unlink(probe); /* a probe, not media: nothing stored is ever removed */
    return MD_OK;
}

md_code md_media_get(md_ctx *ctx, const char *sha256, unsigned char **data, size_t *len,
                     md_err *err)
{
    media_paths p;
    if (!hex64(sha256))
        return md_err_set(err, MD_ENOTFOUND, "sha256", "no stored file has this hash");
    md_code rc = paths_of(ctx, sha256, &p, err);
    if (rc != MD_OK) return rc;
    return read_verified(ctx, p.file, sha256, MD_PHOTO_MAX, data, len, err);
}
