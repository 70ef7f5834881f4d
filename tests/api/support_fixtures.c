/*
 * support_fixtures.c - fixtures that several API groups build over HTTP (support.h).
 */
#include "support.h"

#include <stdio.h>

void api_patient_with_formulation(const char *given, char pid[MD_ID_STR], char fid[MD_ID_STR])
{
    char tag[16], body[1024];
    api_unique(tag);
    snprintf(body, sizeof body,
             "{\"name\":\"HA %s\",\"presentation\":\"single_dose\",\"volume_ml\":2,"
             "\"base\":\"aqueous\",\"ingredients\":[{\"ingredient\":\"hyaluronic_acid\"}],"
             "\"regulatory\":{\"UK\":\"ce_marked\"}}",
             tag);
    json_t *p = api_ok(api.admin, "POST", body, 201, "/api/v1/products");
    snprintf(body, sizeof body,
             "{\"product_id\":\"%s\",\"lot_number\":\"%s-1\",\"expiry\":\"2099-01-31\","
             "\"received_on\":\"2026-01-10\",\"quantity\":5}",
             api_str(p, "id"), tag);
    json_decref(api_ok(api.admin, "POST", body, 201, "/api/v1/lots"));
    json_t *pt = api_patient_new(api.practitioner, given, tag, "1984-03-03");
    snprintf(pid, MD_ID_STR, "%s", api_str(pt, "id"));
    json_decref(pt);
    json_decref(api_ok(api.practitioner, "POST",
                       "{\"pregnant\":\"no\",\"breastfeeding\":\"no\",\"recorded_on\":"
                       "\"2026-11-21\"}",
                       201, "/api/v1/patients/%s/status", pid));
    json_decref(api_ok(api.practitioner, "POST", "{\"asked_on\":\"2026-11-21\"}", 201,
                       "/api/v1/patients/%s/allergy_statements", pid));
    snprintf(body, sizeof body,
             "{\"name\":\"Glow\",\"mixture\":{\"components\":[{\"product_id\":\"%s\","
             "\"volume_ml\":1}],\"areas\":[\"cheeks\"],\"concerns\":[\"dryness\"]},"
             "\"planned_date\":\"2026-11-21\"}",
             api_str(p, "id"));
    json_t *f =
        api_ok(api.practitioner, "POST", body, 201, "/api/v1/patients/%s/formulations", pid);
    snprintf(fid, MD_ID_STR, "%s", api_str(f, "id"));
    json_decref(f);
    json_decref(p);
}
