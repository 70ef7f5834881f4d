/* Placeholder until its owner's module lands (issue 11): reached by nothing on main yet; the
 * owner deletes this file in the commit that implements these functions. */
#include "mesodesk/complication.h"

md_code md_escalation_raise(md_ctx *ctx, const char *patient_id, const char *source,
                            const char *source_id, const char *reason, json_t *detail,
                            char id[MD_ID_STR], md_err *err)
{
    (void)ctx, (void)patient_id, (void)source, (void)source_id, (void)reason, (void)detail,
        (void)id;
    return md_err_set(err, MD_EINTERNAL, NULL, "the escalation worklist is not built yet");
}

md_code md_complication_get(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    (void)ctx, (void)id, (void)out;
    return md_err_set(err, MD_EINTERNAL, NULL, "complications are not built yet");
}
