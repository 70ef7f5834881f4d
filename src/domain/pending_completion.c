/* Placeholder until its owner's module lands (issue 10): reached by nothing on main yet; the
 * owner deletes this file in the commit that implements these functions. */
#include "mesodesk/chart.h"

md_code md_chart_completion(md_ctx *ctx, json_t *session, json_t **report, md_err *err)
{
    (void)ctx, (void)session, (void)report;
    return md_err_set(err, MD_EINTERNAL, NULL, "the completion check is not built yet");
}

md_code md_chart_review(md_ctx *ctx, json_t *session, json_t **review, md_err *err)
{
    (void)ctx, (void)session, (void)review;
    return md_err_set(err, MD_EINTERNAL, NULL, "the review sample is not built yet");
}

md_code md_aftercare_build(md_ctx *ctx, json_t *session, json_t **out, md_err *err)
{
    (void)ctx, (void)session, (void)out;
    return md_err_set(err, MD_EINTERNAL, NULL, "aftercare is not built yet");
}

md_code md_aftercare_store(md_ctx *ctx, json_t *aftercare, json_t **ref, md_err *err)
{
    (void)ctx, (void)aftercare, (void)ref;
    return md_err_set(err, MD_EINTERNAL, NULL, "aftercare is not built yet");
}
