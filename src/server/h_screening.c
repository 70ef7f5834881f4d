/*
 * h_screening.c - screenings, the knowledge base, clinic rules and the
 * patient questionnaire link.  Thin: the decisions are the core library's.
 */
#include "server.h"

#include "mesodesk/kb.h"
#include "mesodesk/questionnaire.h"
#include "mesodesk/record.h"
#include "mesodesk/screening.h"

static md_code create_screening(md_req *r, json_t *body, md_err *err)
{
    md_code rc = md_screening_create(&r->ctx, body, &r->resp, err);
    if (rc == MD_OK) r->status = 201;
    return rc;
}

static md_code h_screening_create(md_req *r, md_err *err)
{
    return md_req_with_body(r, create_screening, err);
}

static md_code h_screening_get(md_req *r, md_err *err)
{
    return md_screening_get(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_screenings_list(md_req *r, md_err *err)
{
    return md_screening_list(&r->ctx, r->params[0], &r->resp, err);
}

/* The kb version, its vocabulary (for forms), its sources (titles and links), the clinic's
 * effective rules, whether the clinic's own rules compiled ("clinic_rules"), and the
 * record kinds (as GET /kinds), from which the web app builds its fact forms. */
static md_code h_kb(md_req *r, md_err *err)
{
    const md_ruleset *rs;
    md_ruleset *owned = NULL;
    md_clinic_ruleset_error broken;
    md_code rc = md_require(&r->ctx, MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK) rc = md_clinic_ruleset(&r->ctx, &rs, &owned, &broken, err);
    if (rc != MD_OK) return rc;
    const md_kb *kb = r->ctx.kb;
    json_t *vocab = json_object();
    for (int k = 0; k < MD_VOCAB_KIND_COUNT; k++)
        json_object_set_new(vocab, md_vocab_kind_name((md_vocab_kind)k),
                            md_vocab_json(kb, (md_vocab_kind)k));
    json_t *rules = json_array();
    for (size_t i = 0; i < md_ruleset_count(rs); i++) {
        md_rule_info info;
        if (md_ruleset_rule(rs, i, &info) != 0) break;
        json_t *src = json_array();
        for (size_t s = 0; s < info.n_sources; s++)
            json_array_append_new(src, json_string(info.sources[s]));
        json_array_append_new(rules,
                              json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:b,s:s?}", "id", info.id,
                                        "title", info.title, "kind", info.kind, "class",
                                        md_class_name(info.cls), "message", info.message, "sources",
                                        src, "clinic", info.clinic, "raised_by", info.raised_by));
    }
    json_t *sources = json_array();
    for (size_t i = 0; i < md_kb_source_count(kb); i++) {
        md_source_info si;
        if (md_kb_source(kb, i, &si) != 0) break;
        json_array_append_new(sources,
                              json_pack("{s:s,s:s,s:s?,s:s?,s:s?}", "key", si.key, "title",
                                        si.title, "url", si.url, "ref", si.ref, "doi", si.doi));
    }
    md_ruleset_free(owned);
    r->resp = json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o*}", "version", md_kb_version(kb), "hash",
                        md_kb_hash(kb), "vocabulary", vocab, "rules", rules, "facts",
                        md_kb_facts_json(kb), "sources", sources, "clinic_rules",
                        md_clinic_ruleset_error_json(&broken), "kinds", md_kinds_json());
    return MD_OK;
}

static md_code h_clinic_rules_list(md_req *r, md_err *err)
{
    return md_clinic_rules_list(&r->ctx, &r->resp, err);
}

static md_code create_rule(md_req *r, json_t *body, md_err *err)
{
    md_code rc = md_clinic_rule_create(&r->ctx, body, &r->resp, err);
    if (rc == MD_OK) r->status = 201;
    return rc;
}

static md_code h_clinic_rule_create(md_req *r, md_err *err)
{
    return md_req_with_body(r, create_rule, err);
}

static md_code update_rule(md_req *r, json_t *body, md_err *err)
{
    return md_clinic_rule_update(&r->ctx, r->params[0], body, &r->resp, err);
}

static md_code h_clinic_rule_update(md_req *r, md_err *err)
{
    return md_req_with_body(r, update_rule, err);
}

/* The link's full address, from the configured public URL (see server.h). */
static md_code create_questionnaire(md_req *r, json_t *body, md_err *err)
{
    md_code rc = md_questionnaire_create(&r->ctx, r->params[0], body, &r->resp, err);
    if (rc != MD_OK) return rc;
    r->status = 201;
    const char *path = json_string_value(json_object_get(r->resp, "path"));
    json_object_set_new(r->resp, "url", json_string(md_req_public_link(r, path ? path : "")));
    return MD_OK;
}

static md_code h_questionnaire_create(md_req *r, md_err *err)
{
    if (r->body_len == 0) return create_questionnaire(r, NULL, err);
    return md_req_with_body(r, create_questionnaire, err);
}

static md_code h_questionnaires_list(md_req *r, md_err *err)
{
    return md_questionnaire_list(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_questionnaire_confirm(md_req *r, md_err *err)
{
    return md_questionnaire_confirm(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_questionnaire_open(md_req *r, md_err *err)
{
    return md_questionnaire_open(&r->ctx, r->params[0], &r->resp, err);
}

static md_code submit_questionnaire(md_req *r, json_t *body, md_err *err)
{
    md_code rc = md_questionnaire_submit(&r->ctx, r->params[0], body, err);
    if (rc == MD_OK) r->resp = json_pack("{s:s}", "status", "submitted");
    return rc;
}

static md_code h_questionnaire_submit(md_req *r, md_err *err)
{
    return md_req_with_body(r, submit_questionnaire, err);
}

#define RULE &md_kind_clinic_rule

static const md_route routes[] = {
    {"GET", "/api/v1/patients/{}/screenings", h_screenings_list, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/patients/{}/questionnaires", h_questionnaire_create, MD_ROUTE_AUTHED, NULL,
     MD_OP_NONE},
    {"GET", "/api/v1/patients/{}/questionnaires", h_questionnaires_list, MD_ROUTE_AUTHED, NULL,
     MD_OP_NONE},
    {"POST", "/api/v1/questionnaires/{}/confirm", h_questionnaire_confirm, MD_ROUTE_AUTHED, NULL,
     MD_OP_NONE},
    {"GET", "/api/v1/questionnaire/{}", h_questionnaire_open, MD_ROUTE_PUBLIC, NULL, MD_OP_NONE},
    {"POST", "/api/v1/questionnaire/{}", h_questionnaire_submit, MD_ROUTE_PUBLIC, NULL, MD_OP_NONE},
    {"POST", "/api/v1/screenings", h_screening_create, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/screenings/{}", h_screening_get, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/kb", h_kb, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/clinic/rules", h_clinic_rules_list, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"POST", "/api/v1/clinic/rules", h_clinic_rule_create, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/clinic/rules/{}", md_h_record_get, MD_ROUTE_AUTHED, RULE, MD_OP_NONE},
    {"PUT", "/api/v1/clinic/rules/{}", h_clinic_rule_update, MD_ROUTE_AUTHED, NULL, MD_OP_NONE},
    {"GET", "/api/v1/clinic/rules/{}/history", md_h_record_history, MD_ROUTE_AUTHED, RULE,
     MD_OP_NONE},
};

const md_route_table md_routes_screening = MD_ROUTE_TABLE("screening", routes);
