/*
 * kb_patch_int.h - the kb loader's entry into kb_patch_tests.c (private to src/kb).
 */
#ifndef MESODESK_KB_PATCH_INT_H
#define MESODESK_KB_PATCH_INT_H

#include <jansson.h>

#include "mesodesk/error.h"

struct md_kb;
/* Parse and check kb/patch_tests.json (doc borrowed; fp "kb/patch_tests.json:") into the
 * kb's arena and kb->patch.  MD_EINVAL naming the file and entry. */
md_code kb_patch_tests_parse(struct md_kb *kb, const json_t *doc, const char *fp, md_err *err);

#endif
