/*
 * h_photo.c - the photo routes (photo.h, docs/PHOTOS.md): upload as the raw request body,
 * records, the bytes, a session's and a patient's photos, the comparison across a course.
 *
 * The upload's body is the image itself (what fetch() sends from a camera Blob), with its
 * parameters in the query (phase, view, taken_at).  Its route takes up to MD_PHOTO_MAX
 * bytes instead of the server's MD_BODY_MAX (1 MiB), because a tablet camera's JPEG is
 * commonly 2 to 6 MB; a body over it is 413 naming "data" before it is read.  The bytes of
 * an image are read into an arena of their own, sized for one photo, as the request's
 * arena (8 MiB) cannot hold the largest one beside the request's other allocations.
 */
#include "mesodesk/photo.h"
#include "server/server.h"

#include <string.h>
#include <strings.h>

/* The media type the sender claims: image/jpeg, image/png, or none (no Content-Type or
 * application/octet-stream: the bytes decide); anything else is refused. */
static md_code claimed_type(md_req *r, const char **claimed, md_err *err)
{
    const char *ct =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    size_t n = ct ? strcspn(ct, "; ") : 0;
    *claimed = NULL;
    if (!ct || n == 0 || (n == 24 && strncasecmp(ct, "application/octet-stream", 24) == 0))
        return MD_OK;
    if (n == 10 && strncasecmp(ct, "image/jpeg", 10) == 0)
        *claimed = "image/jpeg";
    else if (n == 9 && strncasecmp(ct, "image/png", 9) == 0)
        *claimed = "image/png";
    else
        return md_err_set(err, MD_EINVAL, "Content-Type",
                          "send the image itself as the body, with Content-Type image/jpeg or "
                          "image/png");
    return MD_OK;
}

static md_code h_upload(md_req *r, md_err *err)
{
    const char *claimed = NULL;
    md_code rc = claimed_type(r, &claimed, err);
    if (rc != MD_OK) return rc;
    json_t *in = json_object();
    const char *names[] = {"phase", "view", "taken_at"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = md_req_query(r, names[i]);
        if (v) json_object_set_new(in, names[i], json_string(v));
    }
    if (claimed) json_object_set_new(in, "media_type", json_string(claimed));
    rc = md_photo_add(&r->ctx, r->params[0], in, r->body, r->body_len, &r->resp, err);
    json_decref(in);
    if (rc == MD_OK) r->status = 201;
    return rc;
}

static md_code h_get(md_req *r, md_err *err)
{
    return md_photo_get(&r->ctx, r->params[0], &r->resp, err);
}

static md_code h_history(md_req *r, md_err *err)
{
    return md_photo_history(&r->ctx, r->params[0], &r->resp, err);
}

static md_code send_bytes(md_req *r, int thumb, md_err *err)
{
    char type[32];
    unsigned char *data = NULL;
    size_t len = 0;
    md_ctx c = r->ctx;
    if (!(c.arena = md_arena_new(64 * 1024, MD_PHOTO_MAX + (256u << 10))))
        return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_code rc =
        md_photo_bytes_use(&c, r->params[0], thumb, md_req_query(r, "use"), type, &data, &len, err);
    if (rc == MD_OK) {
        int png = strcmp(type, "image/png") == 0;
        rc = md_req_raw(r, data, len, png ? "image/png" : "image/jpeg",
                        png ? "inline; filename=\"photo.png\"" : "inline; filename=\"photo.jpg\"",
                        err);
    }
    md_arena_free(c.arena);
    return rc;
}

static md_code h_image(md_req *r, md_err *err)
{
    return send_bytes(r, 0, err);
}

static md_code h_thumbnail(md_req *r, md_err *err)
{
    return send_bytes(r, 1, err);
}

static md_code entered_in_error(md_req *r, json_t *body, md_err *err)
{
    return md_photo_entered_in_error(&r->ctx, r->params[0], body, &r->resp, err);
}

static md_code h_entered_in_error(md_req *r, md_err *err)
{
    return md_req_with_body(r, entered_in_error, err);
}

static md_code h_session_photos(md_req *r, md_err *err)
{
    return md_photo_list(&r->ctx, r->params[0], NULL, &r->resp, err);
}

static md_code h_patient_photos(md_req *r, md_err *err)
{
    return md_photo_list(&r->ctx, NULL, r->params[0], &r->resp, err);
}

static md_code h_compare(md_req *r, md_err *err)
{
    const char *view = md_req_query(r, "view");
    if (!view) return md_err_set(err, MD_EINVAL, "view", "view is required (e.g. ?view=front)");
    return md_photo_compare(&r->ctx, r->params[0], view, &r->resp, err);
}

#define A MD_ROUTE_AUTHED
static const md_route routes[] = {
    {"POST", "/api/v1/sessions/{}/photos", h_upload, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/sessions/{}/photos", h_session_photos, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/patients/{}/photos", h_patient_photos, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/photos/{}", h_get, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/photos/{}/history", h_history, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/photos/{}/image", h_image, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/photos/{}/thumbnail", h_thumbnail, A, NULL, MD_OP_NONE},
    {"POST", "/api/v1/photos/{}/entered_in_error", h_entered_in_error, A, NULL, MD_OP_NONE},
    {"GET", "/api/v1/courses/{}/photos/compare", h_compare, A, NULL, MD_OP_NONE},
};
#undef A

const md_body_limit md_body_limit_photo = {"POST", "/api/v1/sessions/{}/photos", MD_PHOTO_MAX,
                                           "data"};

const md_route_table md_routes_photo = MD_ROUTE_TABLE("photo", routes);
