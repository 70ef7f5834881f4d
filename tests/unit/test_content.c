/*
 * test_content.c - the content store: bytes kept once per clinic and SHA-256, read back
 * exactly, invisible to another clinic, refused over the size limit, and part of the
 * caller's transaction.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "mesodesk/commit.h"
#include "mesodesk/content.h"
#include "unit_db.h"

static int64_t blob_rows(unit_db *u)
{
    int64_t n = -1;
    md_err err;
    assert_int_equal(
        md_store_scalar_int(u->db, "SELECT count(*) FROM content_blobs", NULL, 0, &n, &err), MD_OK);
    return n;
}

/* The SHA-256 of "abc" (FIPS 180-2, appendix B.1). */
static void hash_is_sha256(void **state)
{
    (void)state;
    char h[MD_SHA256_STR];
    md_content_hash("abc", 3, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void same_bytes_twice_are_one_row(void **state)
{
    unit_db *u = *state;
    md_err err;
    char h1[MD_SHA256_STR], h2[MD_SHA256_STR], h3[MD_SHA256_STR];
    const unsigned char bytes[] = {0x89, 'P', 'N', 'G', 0, 1, 2, 3, 0xff};
    assert_int_equal(
        md_content_put(&u->ctx, "image/png", bytes, sizeof bytes, 0, "signature", h1, &err), MD_OK);
    assert_int_equal(blob_rows(u), 1);
    assert_int_equal(
        md_content_put(&u->ctx, "image/png", bytes, sizeof bytes, 0, "signature", h2, &err), MD_OK);
    assert_string_equal(h1, h2);
    assert_int_equal(blob_rows(u), 1);
    /* Other bytes are another row. */
    assert_int_equal(
        md_content_put(&u->ctx, "application/pdf", "%PDF-1.4", 8, 0, "evidence", h3, &err), MD_OK);
    assert_string_not_equal(h1, h3);
    assert_int_equal(blob_rows(u), 2);

    /* Read back exactly, NUL included, with the media type. */
    unsigned char *data = NULL;
    size_t len = 0;
    char mt[MD_MEDIA_TYPE_MAX + 1];
    assert_int_equal(md_content_get(&u->ctx, h1, mt, &data, &len, &err), MD_OK);
    assert_int_equal(len, sizeof bytes);
    assert_memory_equal(data, bytes, sizeof bytes);
    assert_string_equal(mt, "image/png");
    assert_int_equal(md_content_exists(&u->ctx, h3, &err), MD_OK);
}

static void another_clinic_cannot_read_it(void **state)
{
    unit_db *u = *state;
    md_err err;
    char h[MD_SHA256_STR], h2[MD_SHA256_STR];
    assert_int_equal(md_content_put(&u->ctx, "text/plain", "secret", 6, 0, "evidence", h, &err),
                     MD_OK);
    md_ctx other = u->ctx;
    assert_int_equal(
        md_clinic_create(u->db, "Other", "Europe/Paris", "EU", other.who.clinic_id, &err), MD_OK);
    unsigned char *data = NULL;
    size_t len = 0;
    assert_int_equal(md_content_get(&other, h, NULL, &data, &len, &err), MD_ENOTFOUND);
    assert_string_equal(err.field, "sha256");
    assert_int_equal(md_content_exists(&other, h, &err), MD_ENOTFOUND);
    /* The other clinic storing the same bytes has a row of its own. */
    int64_t before = blob_rows(u);
    assert_int_equal(md_content_put(&other, "text/plain", "secret", 6, 0, "evidence", h2, &err),
                     MD_OK);
    assert_string_equal(h, h2);
    assert_int_equal(blob_rows(u), before + 1);
    /* A malformed hash is simply not found. */
    assert_int_equal(md_content_get(&u->ctx, "ABC", NULL, &data, &len, &err), MD_ENOTFOUND);
}

static void oversize_and_bad_input_refused(void **state)
{
    unit_db *u = *state;
    md_err err;
    char h[MD_SHA256_STR];
    size_t big = MD_CONTENT_MAX + 1;
    unsigned char *buf = calloc(1, big);
    assert_non_null(buf);
    assert_int_equal(md_content_put(&u->ctx, "image/png", buf, big, 0, "signature", h, &err),
                     MD_ETOOBIG);
    assert_string_equal(err.field, "signature");
    /* The caller's own, lower limit. */
    assert_int_equal(md_content_put(&u->ctx, "image/png", buf, 1025, 1024, "signature", h, &err),
                     MD_ETOOBIG);
    assert_int_equal(md_content_put(&u->ctx, "image/png", buf, 1024, 1024, "signature", h, &err),
                     MD_OK);
    assert_int_equal(md_content_put(&u->ctx, "image/png", buf, 0, 0, "signature", h, &err),
                     MD_EINVAL);
    assert_int_equal(md_content_put(&u->ctx, "Image/PNG", buf, 4, 0, "evidence", h, &err),
                     MD_EINVAL);
    assert_string_equal(err.field, "evidence");
    assert_int_equal(md_content_put(&u->ctx, "png", buf, 4, 0, "evidence", h, &err), MD_EINVAL);
    assert_int_equal(md_content_put(&u->ctx, NULL, buf, 4, 0, "evidence", h, &err), MD_EINVAL);
    free(buf);
    assert_int_equal(blob_rows(u), 1);
}

/* Inside the caller's transaction: rolled back with it. */
static void rolls_back_with_the_caller(void **state)
{
    unit_db *u = *state;
    md_err err;
    char h[MD_SHA256_STR];
    int64_t before = blob_rows(u);
    assert_int_equal(md_write_begin(&u->ctx, &err), MD_OK);
    assert_int_equal(md_content_put(&u->ctx, "text/plain", "draft", 5, 0, "evidence", h, &err),
                     MD_OK);
    assert_int_equal(blob_rows(u), before + 1);
    md_err_set(&err, MD_EINVAL, "other", "the record failed");
    assert_int_equal(md_write_finish(&u->ctx, MD_EINVAL, &err), MD_EINVAL);
    assert_int_equal(blob_rows(u), before);
    unsigned char *data;
    size_t len;
    assert_int_equal(md_content_get(&u->ctx, h, NULL, &data, &len, &err), MD_ENOTFOUND);
}

/* Bytes changed behind the store's back are reported, never served as the content. */
static void damaged_content_is_an_error(void **state)
{
    unit_db *u = *state;
    md_err err;
    char h[MD_SHA256_STR];
    assert_int_equal(md_content_put(&u->ctx, "text/plain", "hello", 5, 0, "evidence", h, &err),
                     MD_OK);
    md_val v[] = {md_text("aGVsbG8h"), md_text(h)}; /* "hello!" */
    assert_int_equal(md_store_exec(u->db, "UPDATE content_blobs SET data = $1 WHERE sha256 = $2", v,
                                   2, NULL, NULL, &err),
                     MD_OK);
    unsigned char *data;
    size_t len;
    assert_int_equal(md_content_get(&u->ctx, h, NULL, &data, &len, &err), MD_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hash_is_sha256),
        cmocka_unit_test_setup_teardown(same_bytes_twice_are_one_row, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(another_clinic_cannot_read_it, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(oversize_and_bad_input_refused, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(rolls_back_with_the_caller, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(damaged_content_is_an_error, unit_db_setup,
                                        unit_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
