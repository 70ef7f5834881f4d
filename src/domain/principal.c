/*
 * principal.c - roles and what each may do, the actor an entry names, the permission
 * check.  See principal.h.
 */
#include "mesodesk/principal.h"
#include "mesodesk/context.h"

#include <string.h>

static const struct {
    const char *name;
    unsigned perms;
} roles[] = {
    [MD_ROLE_NONE] = {"none", 0},
    [MD_ROLE_ADMIN] = {"admin",
                       MD_PERM_DEMOGRAPHICS_READ | MD_PERM_DEMOGRAPHICS_WRITE |
                           MD_PERM_CLINICAL_READ | MD_PERM_CLINICAL_WRITE | MD_PERM_STAFF_READ |
                           MD_PERM_STAFF_WRITE | MD_PERM_AUDIT_READ | MD_PERM_CLEARANCE_WRITE |
                           MD_PERM_KB_WRITE | MD_PERM_STOCK_READ | MD_PERM_STOCK_WRITE |
                           MD_PERM_SCHEDULE_READ | MD_PERM_SCHEDULE_WRITE | MD_PERM_CONSENT_WRITE |
                           MD_PERM_CHART_WRITE | MD_PERM_PV_READ},
    [MD_ROLE_PRACTITIONER] = {"practitioner",
                              MD_PERM_DEMOGRAPHICS_READ | MD_PERM_DEMOGRAPHICS_WRITE |
                                  MD_PERM_CLINICAL_READ | MD_PERM_CLINICAL_WRITE |
                                  MD_PERM_STAFF_READ | MD_PERM_CLEARANCE_WRITE |
                                  MD_PERM_STOCK_READ | MD_PERM_STOCK_WRITE | MD_PERM_SCHEDULE_READ |
                                  MD_PERM_SCHEDULE_WRITE | MD_PERM_CONSENT_WRITE |
                                  MD_PERM_CHART_WRITE | MD_PERM_PV_READ},
    [MD_ROLE_RECEPTION] = {"reception", MD_PERM_DEMOGRAPHICS_READ | MD_PERM_DEMOGRAPHICS_WRITE |
                                            MD_PERM_STAFF_READ | MD_PERM_STOCK_READ |
                                            MD_PERM_SCHEDULE_READ | MD_PERM_SCHEDULE_WRITE |
                                            MD_PERM_CONSENT_WRITE},
    [MD_ROLE_AUDITOR] = {"auditor", MD_PERM_DEMOGRAPHICS_READ | MD_PERM_CLINICAL_READ |
                                        MD_PERM_STAFF_READ | MD_PERM_AUDIT_READ |
                                        MD_PERM_STOCK_READ | MD_PERM_SCHEDULE_READ | MD_PERM_PV_READ},
    [MD_ROLE_MEDICAL_DIRECTOR] = {"medical_director",
                                  MD_PERM_DEMOGRAPHICS_READ | MD_PERM_DEMOGRAPHICS_WRITE |
                                      MD_PERM_CLINICAL_READ | MD_PERM_CLINICAL_WRITE |
                                      MD_PERM_STAFF_READ | MD_PERM_CLEARANCE_WRITE |
                                      MD_PERM_STOCK_READ | MD_PERM_STOCK_WRITE |
                                      MD_PERM_SCHEDULE_READ | MD_PERM_SCHEDULE_WRITE |
                                      MD_PERM_CONSENT_WRITE | MD_PERM_CHART_WRITE |
                                      MD_PERM_CHART_SIGNOFF | MD_PERM_AUDIT_READ | MD_PERM_PV_READ},
    [MD_ROLE_SYSTEM] = {"system", ~0u},
};

const char *md_actor_id(const md_ctx *ctx)
{
    return ctx->who.staff_id[0] ? ctx->who.staff_id : "system";
}

const char *md_role_name(md_role r)
{
    return (unsigned)r <= MD_ROLE_SYSTEM ? roles[r].name : "none";
}

md_role md_role_parse(const char *s)
{
    for (int r = MD_ROLE_ADMIN; s && r < MD_ROLE_SYSTEM; r++)
        if (strcmp(roles[r].name, s) == 0) return (md_role)r;
    return MD_ROLE_NONE;
}

int md_role_name_treats(const char *role)
{
    return role && (strcmp(role, "practitioner") == 0 || strcmp(role, "medical_director") == 0 ||
                    strcmp(role, "admin") == 0);
}

unsigned md_role_perms(md_role r)
{
    return (unsigned)r <= MD_ROLE_SYSTEM ? roles[r].perms : 0;
}

md_code md_require(const md_ctx *ctx, unsigned perm, md_err *err)
{
    if ((md_role_perms(ctx->who.role) & perm) == perm) return MD_OK;
    return md_err_set(err, MD_EFORBIDDEN, NULL, "the %s role may not do this",
                      md_role_name(ctx->who.role));
}
