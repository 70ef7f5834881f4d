/*
 * test_media.c - the photo file store (media.c): files named by their SHA-256 under a
 * directory per clinic, read back verified, the same bytes stored once, never overwritten,
 * another clinic's files out of reach, and the default directory beside a SQLite file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "mesodesk/content.h"
#include "mesodesk/photo.h"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fixture {
    char dir[64], media[128];
    md_ctx ctx;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/mesodesk-media-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->media, sizeof f->media, "%s/media", f->dir);
    f->ctx.arena = md_arena_new(16384, 0);
    f->ctx.media_dir = f->media;
    md_id_new(f->ctx.who.clinic_id);
    *state = f;
    return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

static int teardown(void **state)
{
    fixture *f = *state;
    chmod(f->media, 0700);
    nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    md_arena_free(f->ctx.arena);
    free(f);
    return 0;
}

/* Names in dir (not . and ..), counted; those beginning with prefix when it is given. */
static int entries(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    if (!d) return -1;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            (!prefix || strncmp(e->d_name, prefix, strlen(prefix)) == 0))
            n++;
    closedir(d);
    return n;
}

static void stored_by_hash_under_the_clinic_and_read_back(void **state)
{
    fixture *f = *state;
    md_err err;
    char sha[MD_SHA256_STR], again[MD_SHA256_STR], path[512], sub[400];
    static const char bytes[] = "not really a photograph, but bytes all the same";
    assert_int_equal(md_media_put(&f->ctx, bytes, sizeof bytes, sha, &err), MD_OK);
    char want[MD_SHA256_STR];
    md_content_hash(bytes, sizeof bytes, want);
    assert_string_equal(sha, want);
    snprintf(sub, sizeof sub, "%s/%s/%.2s", f->media, f->ctx.who.clinic_id, sha);
    snprintf(path, sizeof path, "%s/%s", sub, sha);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((long)st.st_size, (long)sizeof bytes);
    assert_int_equal(st.st_mode & 0777, 0600);
    unsigned char *data = NULL;
    size_t len = 0;
    assert_int_equal(md_media_get(&f->ctx, sha, &data, &len, &err), MD_OK);
    assert_int_equal(len, sizeof bytes);
    assert_memory_equal(data, bytes, len);
    /* The same bytes again: the same name, one file, no temporary left behind. */
    assert_int_equal(md_media_put(&f->ctx, bytes, sizeof bytes, again, &err), MD_OK);
    assert_string_equal(again, sha);
    assert_int_equal(entries(sub, NULL), 1);
    assert_int_equal(entries(sub, ".tmp"), 0);
}

static void a_changed_file_is_never_served_nor_overwritten(void **state)
{
    fixture *f = *state;
    md_err err;
    char sha[MD_SHA256_STR], path[512], sha2[MD_SHA256_STR];
    static const char bytes[] = "the original bytes";
    assert_int_equal(md_media_put(&f->ctx, bytes, sizeof bytes, sha, &err), MD_OK);
    snprintf(path, sizeof path, "%s/%s/%.2s/%s", f->media, f->ctx.who.clinic_id, sha, sha);
    FILE *fp = fopen(path, "r+");
    assert_non_null(fp);
    fputc('X', fp);
    fclose(fp);
    unsigned char *data = NULL;
    size_t len = 0;
    assert_int_equal(md_media_get(&f->ctx, sha, &data, &len, &err), MD_EIO);
    assert_int_equal(md_media_put(&f->ctx, bytes, sizeof bytes, sha2, &err), MD_EIO);
    assert_string_equal(err.field, "media_dir");
    fp = fopen(path, "r");
    assert_non_null(fp);
    assert_int_equal(fgetc(fp), 'X'); /* left as it was found */
    fclose(fp);
}

static void another_clinic_reads_nothing(void **state)
{
    fixture *f = *state;
    md_err err;
    char sha[MD_SHA256_STR];
    assert_int_equal(md_media_put(&f->ctx, "abc", 3, sha, &err), MD_OK);
    md_ctx other = f->ctx;
    md_id_new(other.who.clinic_id);
    unsigned char *data = NULL;
    size_t len = 0;
    assert_int_equal(md_media_get(&other, sha, &data, &len, &err), MD_ENOTFOUND);
    assert_string_equal(err.field, "sha256");
    /* Names that are not hashes never become paths. */
    const char *bad[] = {"../../etc/passwd", "", "ABC", NULL};
    for (int i = 0; bad[i]; i++)
        assert_int_equal(md_media_get(&f->ctx, bad[i], &data, &len, &err), MD_ENOTFOUND);
    char upper[MD_SHA256_STR];
    for (int i = 0; i < 64; i++)
        upper[i] = (char)(sha[i] >= 'a' ? sha[i] - 32 : sha[i]);
    upper[64] = '\0';
    assert_int_equal(md_media_get(&f->ctx, upper, &data, &len, &err), MD_ENOTFOUND);
}

static void without_a_directory_photos_are_unavailable(void **state)
{
    fixture *f = *state;
    md_err err;
    char sha[MD_SHA256_STR];
    md_ctx none = f->ctx;
    none.media_dir = NULL;
    assert_int_equal(md_media_put(&none, "abc", 3, sha, &err), MD_EUNAVAILABLE);
    assert_string_equal(err.field, "media_dir");
    none.media_dir = "";
    assert_int_equal(md_media_put(&none, "abc", 3, sha, &err), MD_EUNAVAILABLE);
    assert_int_equal(md_media_put(&f->ctx, "", 0, sha, &err), MD_EINVAL);
}

static void a_directory_that_cannot_be_written_is_refused(void **state)
{
    fixture *f = *state;
    md_err err;
    char sha[MD_SHA256_STR], under_file[256];
    assert_int_equal(md_media_dir_check(f->media, &err), MD_OK);
    assert_int_equal(md_media_dir_check(f->media, &err), MD_OK); /* already there */
    snprintf(under_file, sizeof under_file, "%s/file", f->dir);
    FILE *fp = fopen(under_file, "w");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(md_media_dir_check(under_file, &err), MD_EIO);
    assert_string_equal(err.field, "media_dir");
    if (geteuid() != 0) { /* root writes anywhere */
        chmod(f->media, 0500);
        assert_int_equal(md_media_dir_check(f->media, &err), MD_EIO);
        assert_int_equal(md_media_put(&f->ctx, "abc", 3, sha, &err), MD_EIO);
        chmod(f->media, 0700);
    }
}

static void the_default_is_beside_a_sqlite_file(void **state)
{
    (void)state;
    char d[MD_MEDIA_DIR_MAX];
    md_media_default_dir("var/mesodesk.db", d);
    assert_string_equal(d, "var/mesodesk.db.media");
    md_media_default_dir("postgres://u@h/db", d);
    assert_string_equal(d, "");
    md_media_default_dir("postgresql://h/db", d);
    assert_string_equal(d, "");
    md_media_default_dir(NULL, d);
    assert_string_equal(d, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(stored_by_hash_under_the_clinic_and_read_back, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_changed_file_is_never_served_nor_overwritten, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(another_clinic_reads_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(without_a_directory_photos_are_unavailable, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_directory_that_cannot_be_written_is_refused, setup,
                                        teardown),
        cmocka_unit_test(the_default_is_beside_a_sqlite_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
