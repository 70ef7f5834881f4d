/*
 * catalogue.c - the clinic's catalogue: products (what is injected or applied) and
 * consumables (needles, cannulas, multi-injector heads: all single use), clinic-level
 * versioned kinds served by the record engine (stock.h).
 *
 * A product's ingredients are kb ingredient codes, each with a concentration as written
 * on the label ("1.5%", "20 mg/ml"); its regulatory status is given per jurisdiction (kb
 * jurisdictions) from the kb's statuses, whose policy (allowed, caution, blocked) the
 * formulation builder applies; its base is one of the kb's product bases, so that the kb's
 * never_inject rule can apply.  Codes are stored in their canonical form.
 */
#include "mesodesk/stock.h"
#include "mesodesk/kb.h"
#include "mesodesk/validate.h"
#include "record_int.h"

#include <string.h>

#define INGREDIENTS_MAX 32

/* ingredients: [{"ingredient": kb code, "concentration": "1.5%"}...], 1 to 32, each
 * ingredient once; codes replaced by their canonical form. */
static md_code check_ingredients(const md_ctx *ctx, json_t *value, const char *field, md_err *err)
{
    static const char *const keys[] = {"ingredient", "concentration", NULL};
    char ip[MD_JSON_PATH_MAX];
    size_t n = json_array_size(value);
    if (n == 0 || n > INGREDIENTS_MAX)
        return md_err_set(err, MD_EUNPROCESSABLE, field, "%s holds 1 to %d ingredients", field,
                          INGREDIENTS_MAX);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(value, i);
        const char *code = NULL, *canonical = NULL, *conc = NULL;
        md_json_path_index(ip, field, i);
        md_code rc = md_json_check_keys(e, keys, ip, err);
        if (rc != MD_OK) return rc;
        char f[MD_JSON_PATH_MAX];
        md_json_path(f, ip, "ingredient");
        json_t *c = json_object_get(e, "ingredient");
        if (!json_is_string(c))
            return md_err_set(err, MD_EINVAL, f, "%s is required (a kb ingredient code)", f);
        code = json_string_value(c);
        if ((rc = md_vocab_resolve(ctx, MD_VOCAB_INGREDIENT, f, code, &canonical, err)) != MD_OK)
            return rc;
        md_json_path(f, ip, "concentration");
        json_t *cj = json_object_get(e, "concentration");
        if (cj && !json_is_null(cj)) {
            if (!json_is_string(cj) || !*(conc = json_string_value(cj)) || strlen(conc) > 32)
                return md_err_set(err, MD_EINVAL, f,
                                  "%s is a text of 1 to 32 characters (\"1.5%%\", \"20 mg/ml\")",
                                  f);
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(json_string_value(json_object_get(json_array_get(value, j), "ingredient")),
                       canonical) == 0) {
                md_json_path(f, ip, "ingredient");
                return md_err_set(err, MD_EUNPROCESSABLE, f, "%s: %s is listed twice", f,
                                  canonical);
            }
        json_object_set_new(e, "ingredient", json_string(canonical));
    }
    return MD_OK;
}

/* regulatory: {"EU": "ce_marked", "US": "fda_cleared", ...}: kb jurisdictions (canonical
 * codes kept) and kb statuses; at least one. */
static md_code check_regulatory(const md_ctx *ctx, json_t *value, const char *field, md_err *err)
{
    const char *key;
    json_t *v;
    char f[MD_JSON_PATH_MAX];
    if (json_object_size(value) == 0)
        return md_err_set(err, MD_EUNPROCESSABLE, field,
                          "%s needs the status in at least one jurisdiction ({\"EU\": "
                          "\"ce_marked\"})",
                          field);
    json_t *canon = json_object();
    md_code rc = canon ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    json_object_foreach(value, key, v)
    {
        const char *jur = NULL;
        md_reg_info info;
        md_json_path(f, field, key);
        if (rc == MD_OK) rc = md_vocab_resolve(ctx, MD_VOCAB_JURISDICTION, f, key, &jur, err);
        if (rc == MD_OK && !json_is_string(v))
            rc = md_err_set(err, MD_EINVAL, f, "%s must be a regulatory status", f);
        if (rc == MD_OK && ctx->kb)
            rc = md_kb_regulatory_policy(ctx->kb, json_string_value(v), f, &info, err);
        if (rc == MD_OK && json_object_get(canon, jur))
            rc = md_err_set(err, MD_EUNPROCESSABLE, f, "%s: jurisdiction %s given twice", f, jur);
        if (rc == MD_OK) json_object_set(canon, jur, v);
        if (rc != MD_OK) break;
    }
    if (rc == MD_OK) {
        json_object_clear(value);
        json_object_update(value, canon);
    }
    json_decref(canon);
    return rc;
}

static md_code check_product(md_ctx *ctx, json_t *rec, md_err *err)
{
    const char *base = json_string_value(json_object_get(rec, "base"));
    if (base && ctx->kb && !md_kb_product_base_known(ctx->kb, base))
        return md_err_set(err, MD_EUNPROCESSABLE, "base", "unknown product base '%.40s'", base);
    return MD_OK;
}

static const char *const presentations[] = {"single_dose", "multi_dose", NULL};
static const char *const catalogue_status[] = {"active", "discontinued", "entered_in_error", NULL};

static const md_field product_fields[] = {
    {.name = "name", .type = MD_F_TEXT, .required = 1, .max_len = 200},
    {.name = "manufacturer", .type = MD_F_TEXT, .max_len = 200},
    {.name = "form", .type = MD_F_TEXT, .max_len = 100, .doc = "solution, gel, cream..."},
    {.name = "presentation", .type = MD_F_ENUM, .required = 1, .values = presentations},
    {.name = "volume_ml",
     .type = MD_F_MILLI,
     .required = 1,
     .min = 1,
     .max = 1000000,
     .doc = "volume of one container (ampoule, vial, syringe) in ml, up to 3 decimals"},
    {.name = "base",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 32,
     .doc = "a kb product base (kb/stock.json): aqueous, gel, cream, oil, alcohol"},
    {.name = "ingredients",
     .type = MD_F_JSON,
     .array = 1,
     .required = 1,
     .json_check = check_ingredients,
     .doc = "[{ingredient: kb ingredient code, concentration: \"1.5%\"}]"},
    {.name = "regulatory",
     .type = MD_F_JSON,
     .required = 1,
     .json_check = check_regulatory,
     .doc = "status per kb jurisdiction: {\"EU\": \"ce_marked\", \"US\": \"fda_cleared\"}"},
    {.name = "low_stock",
     .type = MD_F_INT,
     .min = 0,
     .max = 1000000,
     .doc = "containers at or under which the product is low on stock (kb default if none)"},
    {.name = "beyond_use_hours",
     .type = MD_F_INT,
     .min = 1,
     .max = 8760,
     .doc = "the manufacturer's beyond-use time of an opened vial, when it states one"},
    {.name = "status",
     .type = MD_F_ENUM,
     .required = 1,
     .values = catalogue_status,
     .dflt = "active"},
    {0},
};

const md_record_kind md_kind_product = {
    .name = "product",
    .table = "products",
    .schema = "Product",
    .title = "products",
    .read_perm = MD_PERM_STOCK_READ,
    .write_perm = MD_PERM_STOCK_WRITE,
    .fields = product_fields,
    .status_field = "status",
    .hooks = {.check = check_product},
};

/* A consumable's kind is the kb's; its measures are the ones that kind takes. */
static md_code check_consumable(md_ctx *ctx, json_t *rec, md_err *err)
{
    const char *kind = json_string_value(json_object_get(rec, "kind"));
    if (kind && ctx->kb && !md_kb_consumable_kind_known(ctx->kb, kind))
        return md_err_set(err, MD_EUNPROCESSABLE, "kind",
                          "unknown consumable kind '%.40s' (needle, cannula, multi_injector_head)",
                          kind);
    return MD_OK;
}

static const md_field consumable_fields[] = {
    {.name = "kind",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 32,
     .doc = "a kb consumable kind: needle, cannula, multi_injector_head (all single use)"},
    {.name = "name", .type = MD_F_TEXT, .required = 1, .max_len = 200},
    {.name = "manufacturer", .type = MD_F_TEXT, .max_len = 200},
    {.name = "gauge", .type = MD_F_INT, .min = 10, .max = 34, .doc = "G"},
    {.name = "length_mm", .type = MD_F_MILLI, .min = 1, .max = 200000, .doc = "mm"},
    {.name = "pins", .type = MD_F_INT, .min = 1, .max = 100, .doc = "multi-injector heads"},
    {.name = "status",
     .type = MD_F_ENUM,
     .required = 1,
     .values = catalogue_status,
     .dflt = "active"},
    {0},
};

const md_record_kind md_kind_consumable = {
    .name = "consumable",
    .table = "consumables",
    .schema = "Consumable",
    .title = "consumables",
    .read_perm = MD_PERM_STOCK_READ,
    .write_perm = MD_PERM_STOCK_WRITE,
    .fields = consumable_fields,
    .status_field = "status",
    .hooks = {.check = check_consumable},
};

md_code md_product_get(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    md_code rc = md_require(ctx, MD_PERM_STOCK_READ, err);
    if (rc == MD_OK) rc = md__record_current(ctx, &md_kind_product, NULL, id, out, err);
    return rc;
}

md_code md_product_regulatory(const md_kb *kb, json_t *product, const char *jurisdiction,
                              md_reg_info *out, md_err *err)
{
    json_t *reg = json_object_get(product, "regulatory");
    const char *jur = NULL;
    if (!jurisdiction || md_kb_resolve(kb, MD_VOCAB_JURISDICTION, jurisdiction, NULL, &jur, NULL))
        jur = "default";
    const char *status = json_string_value(json_object_get(reg, jur));
    if (!status) status = json_string_value(json_object_get(reg, "default"));
    if (!status) {
        *out =
            (md_reg_info){MD_REG_UNKNOWN, NULL,
                          "the product states no regulatory status for this jurisdiction", NULL, 0};
        return MD_OK;
    }
    return md_kb_regulatory_policy(kb, status, "regulatory", out, err);
}
