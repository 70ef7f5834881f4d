/* Placeholder until its owner's module lands (issue 11): reached by nothing on main yet; the
 * owner deletes this file in the commit that implements these functions. */
#include "mesodesk/outcome.h"

md_code md_outcome_add(md_ctx *ctx, json_t *in, json_t **out, md_err *err)
{
    (void)ctx, (void)in, (void)out;
    return md_err_set(err, MD_EINTERNAL, NULL, "outcomes are not built yet");
}

md_code md_outcome_checkin_questions(md_ctx *ctx, int day_offset, json_t **out, md_err *err)
{
    (void)ctx, (void)day_offset, (void)out;
    return md_err_set(err, MD_EINTERNAL, NULL, "outcomes are not built yet");
}

md_code md_outcome_distribution(md_ctx *ctx, const char *scale, const char *rater,
                                const char *from, const char *to, json_t **out, md_err *err)
{
    (void)ctx, (void)scale, (void)rater, (void)from, (void)to, (void)out;
    return md_err_set(err, MD_EINTERNAL, NULL, "outcomes are not built yet");
}
