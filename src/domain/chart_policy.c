/*
 * chart_policy.c - the clinic's chart policy (chart.h, precheck.h): which before and after
 * photos a session needs, how many hours a chart may stay open, and the share of charts set
 * for review.
 *
 * A clinic-level versioned kind, one current record per clinic (a unique index, migration
 * 23); nothing is overwritten: a change is a new version with who, when and why.  Until a
 * clinic sets one, the policy is the kb's defaults (kb/prechecks.json "chart_policy":
 * front, left and right before photos, none after, 72 hours, 10 %).  The first set writes
 * version 1 from the defaults with the members given; each later set is a new version.
 *
 * Views: the kb's photo views ("front", "left", "right") or a zone of a body map
 * (kb/body_maps.json, chart.h), each once, at most 8 per list.
 */
#include "mesodesk/audit.h"
#include "mesodesk/commit.h"
#include "mesodesk/precheck.h"
#include "mesodesk/validate.h"
#include "record_int.h"

#include <string.h>

#define VIEWS_MAX 8

/* A view the kb knows: a photo view, or the code of a zone of a body map. */
static int view_known(const md_kb *kb, const char *view)
{
    if (md_kb_photo_view(kb, view)) return 1;
    json_t *maps = md_kb_maps_json(kb), *m, *z;
    size_t i, k;
    int known = 0;
    json_array_foreach(json_object_get(maps, "maps"), i, m)
    {
        json_array_foreach(json_object_get(m, "zones"), k, z)
        {
            const char *code = json_string_value(json_object_get(z, "code"));
            known |= code && strcmp(code, view) == 0;
        }
    }
    json_decref(maps);
    return known;
}

static md_code check_views(const md_ctx *ctx, json_t *v, const char *field, md_err *err)
{
    size_t i;
    json_t *s;
    if (json_array_size(v) > VIEWS_MAX)
        return md_err_set(err, MD_ETOOBIG, field, "%s: at most %d views", field, VIEWS_MAX);
    json_array_foreach(v, i, s)
    {
        char f[64];
        const char *view = json_string_value(s);
        snprintf(f, sizeof f, "%s[%zu]", field, i);
        if (!view || strlen(view) >= sizeof((md_chart_policy *)0)->before_views[0])
            return md_err_set(err, MD_EINVAL, f, "%s must be a view code", f);
        if (!view_known(ctx->kb, view))
            return md_err_set(err, MD_EUNPROCESSABLE, f,
                              "%s: unknown view '%s' (front, left, right or a body-map zone)", f,
                              view);
        for (size_t k = 0; k < i; k++)
            if (strcmp(json_string_value(json_array_get(v, k)), view) == 0)
                return md_err_set(err, MD_EUNPROCESSABLE, f, "%s: '%s' given twice", f, view);
    }
    return MD_OK;
}

static const md_field policy_fields[] = {
    {.name = "before_views",
     .type = MD_F_JSON,
     .array = 1,
     .required = 1,
     .json_check = check_views,
     .doc = "the before photos a session needs before it starts: front, left, right or "
            "body-map zones"},
    {.name = "after_views",
     .type = MD_F_JSON,
     .array = 1,
     .required = 1,
     .json_check = check_views,
     .doc = "the after photos a chart needs to be complete"},
    {.name = "completion_hours",
     .type = MD_F_INT,
     .required = 1,
     .min = 1,
     .max = 720,
     .doc = "hours after check-in within which a chart is completed (then it is overdue)"},
    {.name = "review_share_percent",
     .type = MD_F_INT,
     .required = 1,
     .min = 0,
     .max = 100,
     .doc = "the share of each practitioner's charts set for review by the medical director"},
    {0},
};

const md_record_kind md_kind_chart_policy = {
    .name = "chart_policy",
    .table = "chart_policies",
    .schema = "ChartPolicy",
    .title = "chart policy",
    .read_perm = MD_PERM_STAFF_READ,
    .write_perm = MD_PERM_KB_WRITE,
    .fields = policy_fields,
};

/* The clinic's current record, or *out NULL. */
static md_code current(md_ctx *ctx, json_t **out, md_err *err)
{
    json_t *rows = NULL;
    md_val v[] = {md_text(ctx->who.clinic_id)};
    md_code rc = md__record_query(ctx, &md_kind_chart_policy,
                                  "clinic_id = $1 AND current = 1 ORDER BY id", v, 1, &rows, err);
    *out = rc == MD_OK && json_array_size(rows) ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    return rc;
}

static void views_of(json_t *arr, char views[VIEWS_MAX][24], int *n)
{
    size_t i;
    json_t *s;
    *n = 0;
    json_array_foreach(arr, i, s)
    {
        if (i >= VIEWS_MAX || !json_is_string(s)) break;
        md_strlcpy(views[*n], json_string_value(s), 24);
        (*n)++;
    }
}

md_code md_chart_policy_get(md_ctx *ctx, md_chart_policy *out, md_err *err)
{
    json_t *rec = NULL;
    md_kb_chart_policy(ctx->kb, out);
    md_code rc = current(ctx, &rec, err);
    if (rc != MD_OK || !rec) return rc;
    views_of(json_object_get(rec, "before_views"), out->before_views, &out->n_before);
    views_of(json_object_get(rec, "after_views"), out->after_views, &out->n_after);
    out->completion_hours = (int)json_integer_value(json_object_get(rec, "completion_hours"));
    out->review_share_percent =
        (int)json_integer_value(json_object_get(rec, "review_share_percent"));
    json_decref(rec);
    return MD_OK;
}

static md_code audit_read(md_ctx *ctx, const char *id, const char *how, md_err *err)
{
    md_audit_entry a = {"read", md_kind_chart_policy.name, id ? id : ctx->who.clinic_id, NULL, how};
    return md_audit(ctx, &a, err);
}

/* The answer: the record (or the defaults) with "defaults". */
static md_code answer(md_ctx *ctx, json_t *rec, json_t **out, md_err *err)
{
    if (rec) {
        json_object_set_new(rec, "defaults", json_false());
        *out = json_incref(rec);
        return MD_OK;
    }
    md_chart_policy p;
    md_kb_chart_policy(ctx->kb, &p);
    if (!(*out = md_chart_policy_json(&p)))
        return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    json_object_set_new(*out, "defaults", json_true());
    return MD_OK;
}

md_code md_chart_policy_read(md_ctx *ctx, json_t **out, md_err *err)
{
    json_t *rec = NULL;
    md_code rc = md_require(ctx, md_kind_chart_policy.read_perm, err);
    if (rc == MD_OK) rc = current(ctx, &rec, err);
    if (rc == MD_OK) rc = audit_read(ctx, json_string_value(json_object_get(rec, "id")), NULL, err);
    if (rc == MD_OK) rc = answer(ctx, rec, out, err);
    json_decref(rec);
    return rc;
}

md_code md_chart_policy_set(md_ctx *ctx, json_t *in, json_t **out, md_err *err)
{
    json_t *cur = NULL, *body = NULL, *made = NULL;
    if (!json_is_object(in)) return md_err_set(err, MD_EINVAL, NULL, "the body must be an object");
    md_code rc = md_require(ctx, md_kind_chart_policy.write_perm, err);
    if (rc != MD_OK) return rc;
    if ((rc = md_write_begin(ctx, err)) != MD_OK) return rc;
    rc = current(ctx, &cur, err);
    if (rc == MD_OK && cur) {
        rc = md_record_update(ctx, &md_kind_chart_policy, NULL,
                              json_string_value(json_object_get(cur, "id")), in, &made, err);
    } else if (rc == MD_OK) {
        /* The first version: the defaults, with the members given replacing them. */
        md_chart_policy p;
        md_kb_chart_policy(ctx->kb, &p);
        if (json_object_get(in, "version"))
            rc = md_err_set(err, MD_ECONFLICT, "version",
                            "the clinic has no chart policy yet: leave version out");
        else if (!(body = md_chart_policy_json(&p)) || json_object_update(body, in) != 0)
            rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        if (rc == MD_OK) rc = md_record_create(ctx, &md_kind_chart_policy, NULL, body, &made, err);
    }
    rc = md_write_finish(ctx, rc, err);
    if (rc == MD_OK) rc = answer(ctx, made, out, err);
    json_decref(cur);
    json_decref(body);
    json_decref(made);
    return rc;
}

md_code md_chart_policy_history(md_ctx *ctx, json_t **out, md_err *err)
{
    json_t *cur = NULL, *versions = NULL;
    md_code rc = md_require(ctx, md_kind_chart_policy.read_perm, err);
    if (rc == MD_OK) rc = current(ctx, &cur, err);
    const char *id = json_string_value(json_object_get(cur, "id"));
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    if (rc == MD_OK && id)
        rc = md__record_query(ctx, &md_kind_chart_policy,
                              "clinic_id = $1 AND id = $2 ORDER BY version", v, 2, &versions, err);
    if (rc == MD_OK) rc = audit_read(ctx, id, "history", err);
    if (rc == MD_OK &&
        !(*out = json_pack("{s:o}", "versions", versions ? json_incref(versions) : json_array())))
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    json_decref(cur);
    json_decref(versions);
    return rc;
}
