/*
 * kb_protocols_int.h - the kb loader's entry into kb_protocols.c (private to src/kb).
 */
#ifndef MESODESK_KB_PROTOCOLS_INT_H
#define MESODESK_KB_PROTOCOLS_INT_H

#include <jansson.h>

#include "mesodesk/error.h"

struct md_kb;
/* Parse and check kb/protocols.json (doc borrowed; fp "kb/protocols.json:") into the kb's
 * arena and kb->protocols, after kb/concerns.json.  MD_EINVAL naming the file and entry. */
md_code kb_protocols_parse(struct md_kb *kb, const json_t *doc, const char *fp, md_err *err);

#endif
