/* Placeholder until its owner's module lands (issue 11): reached by nothing on main yet; the
 * owner deletes this file in the commit that implements these functions. */
#include "mesodesk/checkin.h"

md_code md_checkin_schedule(md_ctx *ctx, const json_t *session, json_t **links, md_err *err)
{
    (void)ctx, (void)session, (void)links;
    return md_err_set(err, MD_EINTERNAL, NULL, "check-ins are not built yet");
}
