/* Placeholder until its owner's module lands (issue 10): reached by nothing on main yet; the
 * owner deletes this file in the commit that implements these functions. */
#include "mesodesk/chart.h"

md_code md_chart_gates(md_ctx *ctx, json_t *session, md_day day, int64_t now, json_t **report,
                       md_err *err)
{
    (void)ctx, (void)session, (void)day, (void)now, (void)report;
    return md_err_set(err, MD_EINTERNAL, NULL, "the prechecks are not built yet");
}

md_code md_chart_policy_get(md_ctx *ctx, md_chart_policy *out, md_err *err)
{
    (void)ctx, (void)out;
    return md_err_set(err, MD_EINTERNAL, NULL, "the chart policy is not built yet");
}
