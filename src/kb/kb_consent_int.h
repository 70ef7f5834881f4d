/*
 * kb_consent_int.h - the kb loader's entry into kb_consent.c (private to src/kb).
 */
#ifndef MESODESK_KB_CONSENT_INT_H
#define MESODESK_KB_CONSENT_INT_H

#include <jansson.h>

#include "mesodesk/error.h"

struct md_kb;
struct md_consent_text;

/* The consent texts of a kb: every version in every language, in file order. */
typedef struct kb_consent {
    struct md_consent_text *texts;
    size_t n;
} kb_consent;

/* Parse and check kb/consent_texts.json (doc borrowed; fp "kb/consent_texts.json:") into the
 * kb's arena and kb->consent.  MD_EINVAL naming the file and entry. */
md_code kb_consent_parse(struct md_kb *kb, const json_t *doc, const char *fp, md_err *err);

#endif
