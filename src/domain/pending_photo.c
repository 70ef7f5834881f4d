/* Placeholder until its owner's module lands (issue 10): reached by nothing on main yet; the
 * owner deletes this file in the commit that implements these functions. */
#include "mesodesk/photo.h"

md_code md_photo_views(md_ctx *ctx, const char *session_id, const char *phase, json_t **out,
                       md_err *err)
{
    (void)ctx, (void)session_id, (void)phase, (void)out;
    return md_err_set(err, MD_EINTERNAL, NULL, "photos are not built yet");
}
