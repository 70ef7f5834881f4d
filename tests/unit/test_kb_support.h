/*
 * test_kb_support.h - helpers shared by the kb and screening unit tests:
 * locating and loading the repository's kb, screening a JSON string.
 */
#ifndef MESODESK_TEST_KB_SUPPORT_H
#define MESODESK_TEST_KB_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mesodesk/kb.h"
#include "mesodesk/screen.h"

static inline const char *kbt_dir(void)
{
    const char *d = getenv("MESODESK_KB");
    return d && *d ? d : MESODESK_SOURCE_DIR "/kb";
}

static inline md_kb *kbt_load(void)
{
    md_kb *kb = NULL;
    md_err e;
    md_code rc = md_kb_load(kbt_dir(), &kb, &e);
    if (rc) fprintf(stderr, "kb load failed: %s\n", e.message);
    assert_int_equal(rc, MD_OK);
    return kb;
}

/* Parse and evaluate json against rs; returns the md_code and fills *res / *e. */
static inline md_code kbt_screen(const md_ruleset *rs, const char *json, md_arena *a,
                                 md_screen_result *res, md_err *e)
{
    json_error_t jerr;
    md_screen_input *in = NULL;
    json_t *j = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
    md_code rc;
    if (!j) {
        fprintf(stderr, "bad test JSON: %s\n%s\n", jerr.text, json);
        fail();
    }
    rc = md_screen_input_from_json(rs, j, a, &in, e);
    if (rc == MD_OK) rc = md_screen_evaluate(rs, in, a, res, e);
    json_decref(j);
    return rc;
}

/* Dump a result as compact sorted-by-insertion JSON (caller frees). */
static inline char *kbt_dump(const md_screen_result *r)
{
    json_t *o = md_screen_result_to_json(r);
    assert_non_null(o);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    assert_non_null(s);
    return s;
}

#endif
