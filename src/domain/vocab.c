/*
 * vocab.c - checking coded clinical facts against the knowledge base.
 * Stored facts use the kb's canonical codes, so that screening a stored
 * patient never meets a code it does not know.
 */
#include "mesodesk/record.h"

md_code md_vocab_resolve(const md_ctx *ctx, md_vocab_kind vocab, const char *field, const char *in,
                         const char **canonical, md_err *err)
{
    if (!*in) return md_err_set(err, MD_EINVAL, field, "%s must not be empty", field);
    if (ctx->kb) return md_kb_resolve(ctx->kb, vocab, in, field, canonical, err);
    /* Without a kb (unit tests of storage only): any lowercase code as given. */
    for (const char *p = in; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return md_err_set(err, MD_EUNPROCESSABLE, field,
                              "%s must be a code of lowercase letters, digits and _", field);
    *canonical = in;
    return MD_OK;
}

json_t *md_vocab_json(const md_kb *kb, md_vocab_kind kind)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < md_kb_vocab_count(kb, kind); i++) {
        const char *syn[32];
        size_t n = md_kb_vocab_synonyms(kb, kind, i, syn, 32);
        json_t *e = json_pack("{s:s,s:s}", "code", md_kb_vocab_code(kb, kind, i), "label",
                              md_kb_vocab_label(kb, kind, i));
        if (n) {
            json_t *list = json_array();
            for (size_t k = 0; k < n && k < 32; k++)
                json_array_append_new(list, json_string(syn[k]));
            json_object_set_new(e, "synonyms", list);
        }
        json_array_append_new(arr, e);
    }
    return arr;
}
