/*
 * photo.c - clinical photographs of a treatment session (photo.h): the kind "photo", the
 * upload, the reads, the comparison across a course, and the views the gates ask for.
 *
 * Lifecycle of one photo record (every arrow a new version, with who, when and why):
 *
 *   upload --> active --entered in error {reason}--> entered_in_error
 *
 * The bytes are never deleted nor changed: a photo taken in error keeps its files and its
 * first version; lists, views (the gates) and comparisons leave it out.
 *
 * An upload, in order (the cheap refusals first, then the decoding):
 *   1. the caller may chart (MD_PERM_CHART_WRITE); phase, view, taken_at are valid;
 *   2. the session exists in the caller's clinic (md_chart_get) and is in a state that takes
 *      this phase: before photos until the session is completed (checked_in, prechecked,
 *      in_progress), after photos once it started (in_progress, completed); never in a
 *      cancelled or signed-off one;
 *   3. the patient's photo consent is signed and not withdrawn (md_consent_status "photo"),
 *      else 409 naming "consent"; the photo and marketing consent as they stand now are
 *      kept in the record ("consent": {"clinical","marketing"});
 *   4. the bytes are checked and cleaned (image.c): metadata gone, upright, thumbnail made;
 *   5. the image and the thumbnail are written to the file store (media.c) by SHA-256;
 *   6. the record is created by the record engine (its write, its audit entry).
 * A failure at 6 leaves files nobody names: harmless (content addressed, never served
 * without a record of the clinic that names them).
 *
 * Reads need clinical_read and are audited.  Clinical use of a photo stays allowed after
 * the photo consent is withdrawn (it is part of the medical record); no new photo is taken
 * from then on.  Marketing use (md_photo_bytes_use "marketing") needs the marketing consent
 * signed and not withdrawn at the time of the use.
 */
#include "mesodesk/photo.h"
#include "mesodesk/audit.h"
#include "mesodesk/chart.h"
#include "mesodesk/consent.h"
#include "mesodesk/course.h"
#include "mesodesk/content.h"
#include "mesodesk/validate.h"
#include "image_int.h"
#include "record_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const phases[] = {"before", "after", NULL};
static const char *const media_types[] = {"image/jpeg", "image/png", NULL};
static const char *const statuses[] = {"active", "entered_in_error", NULL};
static const char *const uses[] = {"clinical", "marketing", NULL};
/* The views every clinic has; a body-map zone code is a view too. */
static const char *const face_views[] = {"front", "left", "right", NULL};

static int in_list(const char *const *list, const char *s)
{
    for (int i = 0; s && list[i]; i++)
        if (strcmp(list[i], s) == 0) return 1;
    return 0;
}

/* ---- the kind ---- */

static md_code check_consent_flags(const md_ctx *ctx, json_t *v, const char *field, md_err *err)
{
    (void)ctx;
    const char *k;
    json_t *e;
    if (!json_is_object(v) || json_object_size(v) != 2)
        return md_err_set(err, MD_EINVAL, field, "%s must be {\"clinical\",\"marketing\"}", field);
    json_object_foreach(v, k, e)
    {
        if ((strcmp(k, "clinical") != 0 && strcmp(k, "marketing") != 0) || !json_is_boolean(e))
            return md_err_set(err, MD_EINVAL, field, "%s must be {\"clinical\",\"marketing\"}",
                              field);
    }
    return MD_OK;
}

static int hex64(const char *s)
{
    if (!s || strlen(s) != 64) return 0;
    for (const char *c = s; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'))) return 0;
    return 1;
}

static const char *str(json_t *rec, const char *key)
{
    return json_string_value(json_object_get(rec, key));
}

/* A view: front, left, right, or a zone code of one of the kb's body maps (kb_maps.c: a
 * known zone of a map is "outside the map" at (-1, -1), an unknown one "unknown zone"). */
static int view_known(const md_ctx *ctx, const char *view)
{
    if (!view) return 0;
    if (in_list(face_views, view)) return 1;
    if (!ctx->kb) return 0;
    json_t *all = md_kb_maps_json(ctx->kb), *m;
    size_t i;
    int found = 0;
    json_array_foreach(json_object_get(all, "maps"), i, m)
    {
        const char *why = NULL;
        const md_body_map *map = md_kb_map_find(ctx->kb, str(m, "id"));
        if (map && !md_body_map_zone_area(map, view, -1, -1, &why) && why &&
            strcmp(why, "unknown zone") != 0) {
            found = 1;
            break;
        }
    }
    json_decref(all);
    return found;
}

/* Whatever writes a photo (the upload, an entered-in-error, a direct kind write) holds
 * these: a known view, hashes that can name stored files. */
static md_code photo_check(md_ctx *ctx, json_t *rec, md_err *err)
{
    if (!view_known(ctx, str(rec, "view")))
        return md_err_set(err, MD_EUNPROCESSABLE, "view",
                          "view must be front, left, right or a body-map zone code");
    if (!hex64(str(rec, "sha256")))
        return md_err_set(err, MD_EINVAL, "sha256", "sha256 must be 64 lowercase hex digits");
    if (!hex64(str(rec, "thumb_sha256")))
        return md_err_set(err, MD_EINVAL, "thumb_sha256",
                          "thumb_sha256 must be 64 lowercase hex digits");
    return MD_OK;
}

static const md_field photo_fields[] = {
    {.name = "session_id",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 32,
     .doc = "the treatment session photographed"},
    {.name = "course_id", .type = MD_F_TEXT, .max_len = 32, .doc = "the session's course"},
    {.name = "course_session",
     .type = MD_F_INT,
     .min = 1,
     .max = 1000,
     .doc = "the session's number in its course"},
    {.name = "day", .type = MD_F_DATE, .doc = "the session's day"},
    {.name = "phase", .type = MD_F_ENUM, .required = 1, .values = phases, .doc = "before or after"},
    {.name = "view",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 48,
     .doc = "front, left, right or a body-map zone code"},
    {.name = "sha256",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 64,
     .doc = "SHA-256 of the stored image (metadata removed), its name in the file store"},
    {.name = "thumb_sha256",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 64,
     .doc = "SHA-256 of the JPEG thumbnail"},
    {.name = "media_type", .type = MD_F_ENUM, .required = 1, .values = media_types},
    {.name = "width", .type = MD_F_INT, .required = 1, .min = 1, .max = MD_PHOTO_DIM_MAX},
    {.name = "height", .type = MD_F_INT, .required = 1, .min = 1, .max = MD_PHOTO_DIM_MAX},
    {.name = "bytes",
     .type = MD_F_INT,
     .required = 1,
     .min = 1,
     .max = MD_PHOTO_MAX,
     .doc = "size of the stored image"},
    {.name = "consent",
     .type = MD_F_JSON,
     .required = 1,
     .json_check = check_consent_flags,
     .doc = "the patient's photo (clinical) and marketing consent when it was taken"},
    {.name = "taken_at", .type = MD_F_TEXT, .required = 1, .max_len = 20, .doc = "UTC"},
    {.name = "status",
     .type = MD_F_ENUM,
     .required = 1,
     .values = statuses,
     .dflt = "active",
     .doc = "active or entered_in_error (the bytes stay)"},
    {0},
};

const md_record_kind md_kind_photo = {
    .name = "photo",
    .table = "photos",
    .collection = "photos",
    .schema = "Photo",
    .title = "photos",
    .parent = &md_kind_patient,
    .has_parent = 1,
    .flags = 0,
    .read_perm = MD_PERM_CLINICAL_READ,
    .write_perm = MD_PERM_CHART_WRITE,
    .fields = photo_fields,
    .status_field = "status",
    .hooks = {.check = photo_check},
};

/* ---- reading records ---- */

/* Paths of the bytes, for readers. */
static void decorate(md_ctx *ctx, json_t *rec)
{
    const char *id = str(rec, "id");
    json_object_set_new(rec, "image_path",
                        json_string(md_arena_printf(ctx->arena, "/api/v1/photos/%s/image", id)));
    json_object_set_new(
        rec, "thumbnail_path",
        json_string(md_arena_printf(ctx->arena, "/api/v1/photos/%s/thumbnail", id)));
}

static md_code load_current(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    json_t *items = NULL;
    if (!md_id_valid(id)) return md_err_set(err, MD_ENOTFOUND, "id", "no such photo");
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    md_code rc = md__record_query(ctx, &md_kind_photo, "clinic_id = $1 AND id = $2 AND current = 1",
                                  v, 2, &items, err);
    if (rc == MD_OK && json_array_size(items) == 0)
        rc = md_err_set(err, MD_ENOTFOUND, "id", "no such photo");
    if (rc == MD_OK) *out = json_incref(json_array_get(items, 0));
    json_decref(items);
    return rc;
}

/* Current, active photos matching where ($1 the clinic, $2 the value), oldest first. */
static md_code active_photos(md_ctx *ctx, const char *where, const char *value, json_t **items,
                             md_err *err)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "clinic_id = $1 AND %s = $2 AND current = 1 AND status = 'active' "
             "ORDER BY taken_at, recorded_at, id",
             where);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(value)};
    return md__record_query(ctx, &md_kind_photo, sql, v, 2, items, err);
}

static md_code audit_read(md_ctx *ctx, const char *id, const char *patient_id, const char *detail,
                          md_err *err)
{
    md_audit_entry a = {"read", "photo", id, patient_id, detail};
    return md_audit(ctx, &a, err);
}

/* ---- the upload ---- */

/* May a photo of phase be taken of a session in state? */
static md_code phase_fits(const char *state, const char *phase, md_err *err)
{
    static const char *const before_states[] = {"checked_in", "prechecked", "in_progress", NULL};
    static const char *const after_states[] = {"in_progress", "completed", NULL};
    int before = strcmp(phase, "before") == 0;
    if (in_list(before ? before_states : after_states, state)) return MD_OK;
    return md_err_set(err, MD_ECONFLICT, "phase", "a session that is %s takes no %s photos", state,
                      phase);
}

static md_code photo_consent(md_ctx *ctx, const char *patient_id, int *marketing, md_err *err)
{
    json_t *st = NULL;
    md_code rc = md_consent_status(ctx, patient_id, NULL, &st, err);
    if (rc != MD_OK) return rc;
    const char *photo = str(json_object_get(st, "photo"), "status");
    const char *mkt = str(json_object_get(st, "marketing"), "status");
    *marketing = mkt && strcmp(mkt, "signed") == 0;
    if (!photo || strcmp(photo, "signed") != 0) {
        const char *why = !photo || strcmp(photo, "missing") == 0 ? "no photo consent is on file"
                          : strcmp(photo, "withdrawn") == 0 ? "the photo consent was withdrawn"
                                                            : "the photo consent is not signed";
        rc = md_err_set(err, MD_ECONFLICT, "consent",
                        "%s (status %s): the patient signs a photo consent before photographs "
                        "are taken",
                        why, photo ? photo : "missing");
    }
    json_decref(st);
    return rc;
}

/* The upload's parameters, checked. */
static md_code upload_input(md_ctx *ctx, json_t *in, const char **phase, const char **view,
                            const char **claimed, char taken[MD_TIME_STR], md_err *err)
{
    static const char *const keys[] = {"phase", "view", "taken_at", "media_type", NULL};
    const char *taken_in = NULL;
    int64_t t = md_now();
    md_code rc;
    if (!json_is_object(in))
        return md_err_set(err, MD_EINVAL, "", "the parameters must be an object");
    if ((rc = md_json_check_keys(in, keys, "", err)) ||
        (rc = md_json_enum(in, "phase", 1, phases, phase, err)) ||
        (rc = md_json_text(in, "view", 1, 48, view, err)) ||
        (rc = md_json_text(in, "taken_at", 0, 20, &taken_in, err)) ||
        (rc = md_json_enum(in, "media_type", 0, media_types, claimed, err)))
        return rc;
    if (!view_known(ctx, *view))
        return md_err_set(err, MD_EUNPROCESSABLE, "view",
                          "view must be front, left, right or a body-map zone code");
    if (taken_in && md_time_parse(taken_in, &t) != 0)
        return md_err_set(err, MD_EUNPROCESSABLE, "taken_at",
                          "taken_at must be a UTC time YYYY-MM-DDTHH:MM:SSZ");
    if (t > md_now() + 300)
        return md_err_set(err, MD_EUNPROCESSABLE, "taken_at", "taken_at is in the future");
    md_time_format(t, taken);
    return MD_OK;
}

md_code md_photo_add(md_ctx *ctx, const char *session_id, json_t *in, const void *data, size_t len,
                     json_t **out, md_err *err)
{
    const char *phase = NULL, *view = NULL, *claimed = NULL;
    char taken[MD_TIME_STR], sha[MD_SHA256_STR], thumb_sha[MD_SHA256_STR];
    json_t *session = NULL, *rec = NULL;
    md_image img;
    int marketing = 0;
    memset(&img, 0, sizeof img);
    md_code rc = md_require(ctx, MD_PERM_CHART_WRITE, err);
    if (rc == MD_OK) rc = upload_input(ctx, in, &phase, &view, &claimed, taken, err);
    if (rc == MD_OK) {
        rc = md_chart_get(ctx, session_id, &session, err);
        if (rc == MD_ENOTFOUND) md_err_set(err, MD_ENOTFOUND, "session_id", "no such session");
    }
    if (rc == MD_OK)
        rc = phase_fits(str(session, "state") ? str(session, "state") : "", phase, err);
    const char *patient = session ? str(session, "patient_id") : NULL;
    if (rc == MD_OK) rc = photo_consent(ctx, patient, &marketing, err);
    if (rc == MD_OK) rc = md_image_clean(data, len, claimed, &img, err);
    if (rc == MD_OK) rc = md_media_put(ctx, img.data, img.len, sha, err);
    if (rc == MD_OK) rc = md_media_put(ctx, img.thumb, img.thumb_len, thumb_sha, err);
    if (rc == MD_OK) {
        json_t *cs = json_object_get(session, "course_session");
        rec = json_pack(
            "{s:s,s:s?,s:O?,s:s?,s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:I,s:{s:b,s:b},s:s,"
            "s:s,s:s}",
            "session_id", session_id, "course_id", str(session, "course_id"), "course_session",
            json_is_integer(cs) ? cs : NULL, "day", str(session, "day"), "phase", phase, "view",
            view, "sha256", sha, "thumb_sha256", thumb_sha, "media_type", img.media_type, "width",
            img.width, "height", img.height, "bytes", (json_int_t)img.len, "consent", "clinical", 1,
            "marketing", marketing, "taken_at", taken, "status", "active", "reason", "photo taken");
        if (!rec) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    }
    if (rc == MD_OK) rc = md_record_create(ctx, &md_kind_photo, patient, rec, out, err);
    if (rc == MD_OK) {
        json_object_set_new(*out, "thumb_width", json_integer(img.thumb_width));
        json_object_set_new(*out, "thumb_height", json_integer(img.thumb_height));
        decorate(ctx, *out);
    }
    md_image_free(&img);
    json_decref(rec);
    json_decref(session);
    return rc;
}

/* ---- the gates and the completion check ---- */

typedef struct views_acc {
    json_t *views;
} views_acc;

static int view_row(void *c, const md_row *row)
{
    views_acc *a = c;
    json_array_append_new(a->views, json_string(md_row_text(row, 0)));
    return 0;
}

md_code md_photo_views(md_ctx *ctx, const char *session_id, const char *phase, json_t **out,
                       md_err *err)
{
    if (!in_list(phases, phase))
        return md_err_set(err, MD_EINVAL, "phase", "phase must be before or after");
    views_acc a = {json_array()};
    if (!a.views) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(session_id ? session_id : ""),
                  md_text(phase)};
    md_code rc = md_store_exec(ctx->db,
                               "SELECT DISTINCT view FROM photos WHERE clinic_id = $1 AND "
                               "session_id = $2 AND phase = $3 AND current = 1 AND "
                               "status = 'active' ORDER BY view",
                               v, 3, view_row, &a, err);
    if (rc != MD_OK) {
        json_decref(a.views);
        return rc;
    }
    *out = json_pack("{s:o}", "views", a.views);
    return *out ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
}

/* ---- reads ---- */

md_code md_photo_get(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    json_t *cur = NULL;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK) rc = load_current(ctx, id, &cur, err);
    if (rc == MD_OK) rc = audit_read(ctx, id, str(cur, "patient_id"), NULL, err);
    if (rc != MD_OK) {
        json_decref(cur);
        return rc;
    }
    decorate(ctx, cur);
    *out = cur;
    return MD_OK;
}

md_code md_photo_history(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    json_t *cur = NULL;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK) rc = load_current(ctx, id, &cur, err);
    if (rc == MD_OK)
        rc = md_record_history(ctx, &md_kind_photo, str(cur, "patient_id"), id, out, err);
    json_decref(cur);
    return rc;
}

md_code md_photo_list(md_ctx *ctx, const char *session_id, const char *patient_id, json_t **out,
                      md_err *err)
{
    json_t *items = NULL, *session = NULL;
    const char *patient = patient_id;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK && !session_id == !patient_id)
        rc = md_err_set(err, MD_EINTERNAL, NULL, "photos of a session or of a patient");
    if (rc == MD_OK && session_id) {
        rc = md_chart_get(ctx, session_id, &session, err);
        if (rc == MD_OK) patient = str(session, "patient_id");
    } else if (rc == MD_OK) {
        rc = md_patient_exists(ctx, patient_id, err);
    }
    if (rc == MD_OK)
        rc = active_photos(ctx, session_id ? "session_id" : "patient_id",
                           session_id ? session_id : patient_id, &items, err);
    if (rc == MD_OK) rc = audit_read(ctx, "*", patient, session_id ? "session" : "list", err);
    json_decref(session);
    if (rc != MD_OK) {
        json_decref(items);
        return rc;
    }
    size_t i;
    json_t *e;
    json_array_foreach(items, i, e) decorate(ctx, e);
    *out = json_pack("{s:o}", "items", items);
    return *out ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
}

md_code md_photo_bytes_use(md_ctx *ctx, const char *id, int thumb, const char *use,
                           char media_type[32], unsigned char **data, size_t *len, md_err *err)
{
    json_t *cur = NULL, *st = NULL;
    int marketing = use && strcmp(use, "marketing") == 0;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK && use && !in_list(uses, use))
        rc = md_err_set(err, MD_EINVAL, "use", "use must be clinical or marketing");
    if (rc == MD_OK) rc = load_current(ctx, id, &cur, err);
    if (rc == MD_OK && marketing && strcmp(str(cur, "status"), "active") != 0)
        rc = md_err_set(err, MD_ECONFLICT, "status", "a photo entered in error is not used");
    if (rc == MD_OK && marketing)
        rc = md_consent_status(ctx, str(cur, "patient_id"), NULL, &st, err);
    if (rc == MD_OK && marketing) {
        const char *m = str(json_object_get(st, "marketing"), "status");
        if (!m || strcmp(m, "signed") != 0)
            rc = md_err_set(err, MD_EFORBIDDEN, "consent",
                            "the patient's marketing consent is %s: the photo is for clinical "
                            "use only",
                            m ? m : "missing");
    }
    const char *what = thumb ? (marketing ? "thumbnail, marketing" : "thumbnail")
                             : (marketing ? "image, marketing" : "image");
    if (rc == MD_OK) rc = audit_read(ctx, id, str(cur, "patient_id"), what, err);
    if (rc == MD_OK)
        rc = md_media_get(ctx, str(cur, thumb ? "thumb_sha256" : "sha256"), data, len, err);
    if (rc == MD_OK) md_strlcpy(media_type, thumb ? "image/jpeg" : str(cur, "media_type"), 32);
    json_decref(st);
    json_decref(cur);
    return rc;
}

md_code md_photo_bytes(md_ctx *ctx, const char *id, int thumb, char media_type[32],
                       unsigned char **data, size_t *len, md_err *err)
{
    return md_photo_bytes_use(ctx, id, thumb, "clinical", media_type, data, len, err);
}

md_code md_photo_entered_in_error(md_ctx *ctx, const char *id, json_t *in, json_t **out,
                                  md_err *err)
{
    json_t *cur = NULL;
    md_code rc = md_require(ctx, MD_PERM_CHART_WRITE, err);
    if (rc == MD_OK) rc = load_current(ctx, id, &cur, err);
    if (rc == MD_OK && strcmp(str(cur, "status"), "entered_in_error") == 0)
        rc = md_err_set(err, MD_ECONFLICT, "status", "the photo is already entered in error");
    if (rc == MD_OK)
        rc = md_record_entered_in_error(ctx, &md_kind_photo, str(cur, "patient_id"), id, in, out,
                                        err);
    if (rc == MD_OK) decorate(ctx, *out);
    json_decref(cur);
    return rc;
}

/* ---- the comparison ---- */

/* The item of session sid in items, made when missing (sessions in order of first photo,
 * then sorted by course_session). */
static json_t *item_of(json_t *items, json_t *photo)
{
    size_t i;
    json_t *e;
    const char *sid = str(photo, "session_id");
    json_array_foreach(items, i, e) if (strcmp(str(e, "session_id"), sid) == 0) return e;
    e = json_pack(
        "{s:s,s:O,s:O,s:n,s:n}", "session_id", sid, "course_session",
        json_object_get(photo, "course_session") ? json_object_get(photo, "course_session")
                                                 : json_null(),
        "day", json_object_get(photo, "day") ? json_object_get(photo, "day") : json_null(),
        "before", "after");
    json_array_append_new(items, e);
    return e;
}

static int by_course_session(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t p = json_integer_value(json_object_get(x, "course_session")),
               q = json_integer_value(json_object_get(y, "course_session"));
    if (p != q) return p < q ? -1 : 1;
    const char *dx = str(x, "day"), *dy = str(y, "day");
    int c = strcmp(dx ? dx : "", dy ? dy : "");
    return c ? c : strcmp(str(x, "session_id"), str(y, "session_id"));
}

md_code md_photo_compare(md_ctx *ctx, const char *course_id, const char *view, json_t **out,
                         md_err *err)
{
    md_course_slot slot;
    json_t *photos = NULL, *items = NULL;
    md_code rc = md_require(ctx, MD_PERM_CLINICAL_READ, err);
    if (rc == MD_OK && (!view || !view_known(ctx, view)))
        rc = md_err_set(err, MD_EUNPROCESSABLE, "view",
                        "view must be front, left, right or a body-map zone code");
    if (rc == MD_OK) {
        rc = md_course_slot_get(ctx, course_id, 1, &slot, err);
        if (rc == MD_EUNPROCESSABLE || rc == MD_ENOTFOUND)
            rc = md_err_set(err, MD_ENOTFOUND, "course_id", "no such course");
    }
    if (rc == MD_OK) rc = active_photos(ctx, "course_id", course_id, &photos, err);
    if (rc == MD_OK && !(items = json_array()))
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    size_t i;
    json_t *p;
    /* Oldest first: the latest active photo of each phase stands for its session. */
    if (rc == MD_OK) json_array_foreach(photos, i, p)
        {
            if (strcmp(str(p, "view"), view) != 0) continue;
            decorate(ctx, p);
            json_object_set(item_of(items, p), str(p, "phase"), p);
        }
    if (rc == MD_OK) rc = md_json_array_sort(items, by_course_session, err);
    if (rc == MD_OK) rc = audit_read(ctx, "*", slot.patient_id, "compare", err);
    json_decref(photos);
    if (rc != MD_OK) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:s,s:s,s:s,s:o}", "course_id", course_id, "patient_id", slot.patient_id,
                     "view", view, "items", items);
    return *out ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
}
