/*
 * consent.c - consent records: started by staff, signed on the clinic's tablet or through a
 * one-time link, withdrawn; and where a patient's consents stand (consent.h).
 *
 * State machine of one consent record (the stored "state"; every arrow is a new version of
 * the record, with who, when and why, and the step's time, client address and user agent
 * in "events"):
 *
 *   start (tablet | link) --> sent --open--> opened --sign--> signed --withdraw--> withdrawn
 *                              |               |
 *                              +----cancel-----+--> cancelled
 *   sent | opened, a link past its expires_at --> expired (computed when read, never stored:
 *                                                 the link no longer opens nor signs)
 *
 * A sign from sent (the tablet view skipped, or a link signed without being opened first)
 * records the opening at the same moment.  Opening again records nothing new (the read is
 * audited).  signed, withdrawn, cancelled and expired are final: a second signing is
 * MD_ECONFLICT, a withdrawal of anything but a signed consent too.  A new consent (a new
 * record) is how a patient consents again.
 *
 * Links: 256 random bits shown once (md_token_new, as a questionnaire's), only their hash
 * kept (consent_links.token_hash); the token opens and signs its one consent until it
 * expires (default 72 h) or the consent leaves sent/opened.
 *
 * The text: the record keeps the text's id, version, language and SHA-256; the exact body
 * is also put in the content store under that hash when the consent starts, so what was
 * shown stays readable even if a kb without that version is loaded later.
 */
#include "mesodesk/consent.h"
#include "mesodesk/audit.h"
#include "mesodesk/clinic.h"
#include "mesodesk/commit.h"
#include "mesodesk/content.h"
#include "mesodesk/course.h"
#include "mesodesk/session.h"
#include "mesodesk/validate.h"
#include "record_int.h"

#include <cairo.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const char *const purposes[] = {"treatment", "photo", "marketing", NULL};
static const char *const channels[] = {"tablet", "link", NULL};
static const char *const states[] = {"sent", "opened", "signed", "withdrawn", "cancelled", NULL};

static md_code check_events(const md_ctx *ctx, json_t *v, const char *field, md_err *err)
{
    (void)ctx;
    return json_is_object(v) ? MD_OK
                             : md_err_set(err, MD_EINVAL, field, "%s must be an object", field);
}

static const md_field consent_fields[] = {
    {.name = "purpose",
     .type = MD_F_ENUM,
     .required = 1,
     .values = purposes,
     .doc = "treatment (one course), photo (clinical photographs) or marketing"},
    {.name = "course_id",
     .type = MD_F_TEXT,
     .max_len = 32,
     .doc = "the course a treatment consent covers"},
    {.name = "text_id",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 63,
     .doc = "the consent text (kb/consent_texts.json)"},
    {.name = "text_version", .type = MD_F_INT, .required = 1, .min = 1, .max = 1000000},
    {.name = "language",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 2,
     .doc = "the language of the text shown"},
    {.name = "text_sha256",
     .type = MD_F_TEXT,
     .required = 1,
     .max_len = 64,
     .doc = "SHA-256 of the exact text shown (kept in the content store)"},
    {.name = "channel", .type = MD_F_ENUM, .required = 1, .values = channels},
    {.name = "state",
     .type = MD_F_ENUM,
     .required = 1,
     .values = states,
     .doc = "sent, opened, signed, withdrawn or cancelled (a lapsed link reads as expired)"},
    {.name = "expires_at", .type = MD_F_TEXT, .max_len = 20, .doc = "a link's expiry (UTC)"},
    {.name = "typed_name", .type = MD_F_TEXT, .max_len = MD_CONSENT_TYPED_NAME_MAX},
    {.name = "signature_sha256",
     .type = MD_F_TEXT,
     .max_len = 64,
     .doc = "the drawn signature (PNG) in the content store"},
    {.name = "events",
     .type = MD_F_JSON,
     .json_check = check_events,
     .doc = "sent, opened, signed, withdrawn, cancelled: at, address, user_agent (and by)"},
    {0},
};

const md_record_kind md_kind_consent = {
    .name = "consent",
    .table = "consents",
    .collection = "consents",
    .schema = "Consent",
    .title = "consents",
    .parent = &md_kind_patient,
    .has_parent = 1,
    .flags = 0,
    .read_perm = MD_PERM_DEMOGRAPHICS_READ,
    .write_perm = MD_PERM_CONSENT_WRITE,
    .fields = consent_fields,
};

/* ---- reading records ---- */

static const char *str(json_t *rec, const char *key)
{
    return json_string_value(json_object_get(rec, key));
}

/* The state as read: a link left unsigned past its expiry is "expired". */
static const char *state_of(json_t *rec, int64_t now)
{
    const char *s = str(rec, "state"), *exp = str(rec, "expires_at");
    int64_t t;
    if (s && (strcmp(s, "sent") == 0 || strcmp(s, "opened") == 0) && exp &&
        md_time_parse(exp, &t) == 0 && now > t)
        return "expired";
    return s ? s : "";
}

static const char *event_at(json_t *rec, const char *step)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(rec, "events"), step), "at"));
}

static md_code load_current(md_ctx *ctx, const char *id, json_t **out, md_err *err)
{
    json_t *items = NULL;
    if (!md_id_valid(id)) return md_err_set(err, MD_ENOTFOUND, "id", "no such consent");
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    md_code rc = md__record_query(ctx, &md_kind_consent,
                                  "clinic_id = $1 AND id = $2 AND current = 1", v, 2, &items, err);
    if (rc == MD_OK && json_array_size(items) == 0)
        rc = md_err_set(err, MD_ENOTFOUND, "id", "no such consent");
    if (rc == MD_OK) *out = json_incref(json_array_get(items, 0));
    json_decref(items);
    return rc;
}

/* Add what a reader needs beside the columns: the state as read and the text shown. */
static void decorate(md_ctx *ctx, json_t *rec)
{
    json_object_set_new(rec, "state", json_string(state_of(rec, md_now())));
    json_int_t ver = json_integer_value(json_object_get(rec, "text_version"));
    const md_consent_text *t =
        md_consent_text_get(ctx->kb, str(rec, "text_id"), (int)ver, str(rec, "language"));
    if (t && strcmp(t->sha256, str(rec, "text_sha256") ? str(rec, "text_sha256") : "") == 0)
        json_object_set_new(rec, "text", md_consent_text_json(t));
}

/* ---- writing versions ---- */

/* A step's event: when, from where, with what, and (staff) by whom. */
static json_t *event(md_ctx *ctx, const char *ua, int staff)
{
    char now[MD_TIME_STR];
    md_time_format(md_now(), now);
    char uab[MD_CONSENT_UA_MAX + 1];
    md_strlcpy(uab, ua ? ua : "", sizeof uab);
    return json_pack("{s:s,s:s,s:s,s:s?}", "at", now, "address", ctx->client_addr, "user_agent",
                     uab, "by", staff ? md_actor_id(ctx) : NULL);
}

/* Insert rec as version (1: a new record) inside the caller's write transaction, the
 * previous version no longer current; audited with action. */
static md_code store_version(md_ctx *ctx, json_t *rec, const char *reason, const char *action,
                             md_err *err)
{
    char now[MD_TIME_STR];
    md_time_format(md_now(), now);
    json_int_t version = json_integer_value(json_object_get(rec, "version"));
    char *events = json_dumps(json_object_get(rec, "events"), JSON_COMPACT | JSON_SORT_KEYS);
    if (!events) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    const char *by = md_actor_id(ctx);
    json_object_set_new(rec, "recorded_by", json_string(by));
    json_object_set_new(rec, "recorded_at", json_string(now));
    json_object_set_new(rec, "reason", json_string(reason));
    md_val key[] = {md_text(ctx->who.clinic_id), md_text(str(rec, "id"))};
    md_code rc = MD_OK;
    if (version > 1)
        rc = md_store_exec(ctx->db,
                           "UPDATE consents SET current = 0 WHERE clinic_id = $1 AND id = $2 AND "
                           "current = 1",
                           key, 2, NULL, NULL, err);
    if (rc == MD_OK && version > 1 && md_store_changes(ctx->db) != 1)
        rc = md_err_set(err, MD_ECONFLICT, "version", "the consent changed meanwhile");
    md_val v[] = {md_text(ctx->who.clinic_id),
                  md_text(str(rec, "id")),
                  md_int(version),
                  md_text(by),
                  md_text(now),
                  md_text(reason),
                  md_text(str(rec, "patient_id")),
                  md_text(str(rec, "purpose")),
                  md_text(str(rec, "course_id")),
                  md_text(str(rec, "text_id")),
                  md_int(json_integer_value(json_object_get(rec, "text_version"))),
                  md_text(str(rec, "language")),
                  md_text(str(rec, "text_sha256")),
                  md_text(str(rec, "channel")),
                  md_text(str(rec, "state")),
                  md_text(str(rec, "expires_at")),
                  md_text(str(rec, "typed_name")),
                  md_text(str(rec, "signature_sha256")),
                  md_text(events)};
    if (rc == MD_OK)
        rc = md_store_exec(ctx->db,
                           "INSERT INTO consents (clinic_id, id, version, current, recorded_by, "
                           "recorded_at, reason, patient_id, purpose, course_id, text_id, "
                           "text_version, language, text_sha256, channel, state, expires_at, "
                           "typed_name, signature_sha256, events) VALUES ($1, $2, $3, 1, $4, $5, "
                           "$6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
                           v, 19, NULL, NULL, err);
    free(events);
    md_audit_entry a = {action, "consent", str(rec, "id"), str(rec, "patient_id"),
                        str(rec, "purpose")};
    if (rc == MD_OK) rc = md_audit(ctx, &a, err);
    return rc;
}

/* A new version of cur in state `to`, with event `step`. */
static md_code step(md_ctx *ctx, json_t *cur, const char *to, const char *stepname, json_t *ev,
                    const char *reason, md_err *err)
{
    json_object_set_new(cur, "version",
                        json_integer(json_integer_value(json_object_get(cur, "version")) + 1));
    json_object_set_new(cur, "state", json_string(to));
    json_t *events = json_object_get(cur, "events");
    if (!json_is_object(events)) {
        events = json_object();
        json_object_set_new(cur, "events", events);
    }
    json_object_set_new(events, stepname, ev);
    return store_version(ctx, cur, reason, stepname, err);
}

/* ---- starting ---- */

/* The course a treatment consent covers: of this patient; its protocol chooses the text. */
static md_code course_of(md_ctx *ctx, const char *patient_id, const char *course_id,
                         char protocol[64], md_err *err)
{
    md_course_slot slot;
    md_code rc = md_course_slot_get(ctx, course_id, 1, &slot, err);
    if (rc == MD_ENOTFOUND || rc == MD_EUNPROCESSABLE)
        return md_err_set(err, MD_ENOTFOUND, "course_id", "no such course");
    if (rc != MD_OK) return rc;
    if (strcmp(slot.patient_id, patient_id) != 0)
        return md_err_set(err, MD_EUNPROCESSABLE, "course_id", "the course is another patient's");
    if (strcmp(slot.state, "abandoned") == 0 || strcmp(slot.state, "completed") == 0)
        return md_err_set(err, MD_EUNPROCESSABLE, "course_id", "the course is %s", slot.state);
    md_strlcpy(protocol, slot.protocol, 64);
    return MD_OK;
}

md_code md_consent_start(md_ctx *ctx, const char *patient_id, json_t *in, const char *ua,
                         json_t **out, md_err *err)
{
    static const char *const keys[] = {"purpose", "course_id",   "language",
                                       "channel", "valid_hours", NULL};
    const char *purpose = NULL, *course_id = NULL, *language = NULL, *channel = NULL;
    long hours = MD_CONSENT_LINK_DEFAULT_HOURS;
    int hours_given = 0;
    char protocol[64] = "";
    md_code rc = md_require(ctx, MD_PERM_CONSENT_WRITE, err);
    if (rc == MD_OK) rc = md_patient_exists(ctx, patient_id, err);
    if (rc != MD_OK) return rc;
    if (!json_is_object(in)) return md_err_set(err, MD_EINVAL, "", "the body must be an object");
    if ((rc = md_json_check_keys(in, keys, "", err)) ||
        (rc = md_json_enum(in, "purpose", 1, purposes, &purpose, err)) ||
        (rc = md_json_enum(in, "channel", 1, channels, &channel, err)) ||
        (rc = md_json_text(in, "course_id", 0, 32, &course_id, err)) ||
        (rc = md_json_text(in, "language", 0, 2, &language, err)) ||
        (rc = md_json_int(in, "valid_hours", 0, 1, 720, &hours, &hours_given, err)))
        return rc;
    int treatment = strcmp(purpose, "treatment") == 0, link = strcmp(channel, "link") == 0;
    if (treatment && !course_id)
        return md_err_set(err, MD_EINVAL, "course_id", "a treatment consent names its course");
    if (!treatment && course_id)
        return md_err_set(err, MD_EUNPROCESSABLE, "course_id",
                          "only a treatment consent covers a course");
    if (hours_given && !link)
        return md_err_set(err, MD_EUNPROCESSABLE, "valid_hours", "only a link expires");
    if (treatment && (rc = course_of(ctx, patient_id, course_id, protocol, err))) return rc;
    if (!ctx->kb) return md_err_set(err, MD_EINTERNAL, NULL, "no knowledge base");
    const md_consent_text *t =
        md_consent_text_find(ctx->kb, purpose, treatment ? protocol : NULL, language);
    if (!t)
        return md_err_set(err, MD_EUNPROCESSABLE, treatment ? "course_id" : "purpose",
                          "no consent text for %s%s%s", purpose, treatment ? " " : "", protocol);

    char id[MD_ID_STR], token[MD_TOKEN_STR], th[65], exp[MD_TIME_STR], sha[MD_SHA256_STR];
    int64_t now = md_now();
    md_id_new(id);
    md_time_format(now + hours * 3600, exp);
    json_t *ev = event(ctx, ua, 1);
    if (language) json_object_set_new(ev, "language_requested", json_string(language));
    json_t *rec = json_pack("{s:s,s:i,s:s,s:s,s:s?,s:s,s:i,s:s,s:s,s:s,s:s,s:s?,s:{s:o}}", "id", id,
                            "version", 1, "patient_id", patient_id, "purpose", purpose, "course_id",
                            course_id, "text_id", t->id, "text_version", t->version, "language",
                            t->language, "text_sha256", t->sha256, "channel", channel, "state",
                            "sent", "expires_at", link ? exp : NULL, "events", "sent", ev);
    if (!rec) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if ((rc = md_write_begin(ctx, err)) != MD_OK) {
        json_decref(rec);
        return rc;
    }
    rc = md_content_put(ctx, "text/plain", t->body, strlen(t->body), 0, "text", sha, err);
    if (rc == MD_OK) rc = store_version(ctx, rec, "consent sent", "create", err);
    if (rc == MD_OK && link) {
        md_token_new(token);
        md_token_hash(token, th);
        char created[MD_TIME_STR];
        md_time_format(now, created);
        md_val v[] = {md_text(th), md_text(ctx->who.clinic_id), md_text(id),
                      md_int(now + hours * 3600), md_text(created)};
        rc = md_store_exec(ctx->db,
                           "INSERT INTO consent_links (token_hash, clinic_id, consent_id, "
                           "expires_at, created_at) VALUES ($1, $2, $3, $4, $5)",
                           v, 5, NULL, NULL, err);
    }
    if ((rc = md_write_finish(ctx, rc, err)) != MD_OK) {
        json_decref(rec);
        return rc;
    }
    decorate(ctx, rec);
    if (link) {
        json_object_set_new(rec, "token", json_string(token));
        json_object_set_new(rec, "path", json_string(md_arena_printf(ctx->arena, "/c/%s", token)));
    }
    sodium_memzero(token, sizeof token);
    *out = rec;
    return MD_OK;
}

/* ---- the patient's side: open and sign ---- */

/* The consent a link names, acting as the patient of its clinic (public routes). */
static md_code load_by_token(md_ctx *ctx, const char *token, json_t **cur, md_err *err)
{
    char th[65], id[MD_ID_STR], clinic[MD_ID_STR];
    if (!token || !*token || strlen(token) >= MD_TOKEN_STR)
        return md_err_set(err, MD_ENOTFOUND, "token", "this link is not valid");
    md_token_hash(token, th);
    md_val v[] = {md_text(th)};
    md_code rc =
        md_store_scalar_text(ctx->db, "SELECT clinic_id FROM consent_links WHERE token_hash = $1",
                             v, 1, clinic, sizeof clinic, err);
    if (rc == MD_OK)
        rc = md_store_scalar_text(ctx->db,
                                  "SELECT consent_id FROM consent_links WHERE token_hash = $1", v,
                                  1, id, sizeof id, err);
    if (rc == MD_ENOTFOUND) return md_err_set(err, MD_ENOTFOUND, "token", "this link is not valid");
    if (rc != MD_OK) return rc;
    md_strlcpy(ctx->who.clinic_id, clinic, sizeof ctx->who.clinic_id);
    md_strlcpy(ctx->who.staff_id, "patient", sizeof ctx->who.staff_id);
    ctx->who.role = MD_ROLE_NONE;
    rc = load_current(ctx, id, cur, err);
    if (rc == MD_ENOTFOUND) return md_err_set(err, MD_ENOTFOUND, "token", "this link is not valid");
    return rc;
}

/* May cur still be opened or signed?  field names what the caller gave ("token", "id"). */
static md_code still_open(json_t *cur, const char *field, md_err *err)
{
    const char *s = state_of(cur, md_now());
    if (strcmp(s, "expired") == 0)
        return md_err_set(err, MD_EUNPROCESSABLE, field,
                          "this link expired on %s without being signed; ask the clinic for a "
                          "new one",
                          str(cur, "expires_at"));
    if (strcmp(s, "sent") != 0 && strcmp(s, "opened") != 0)
        return md_err_set(err, MD_ECONFLICT, field, "this consent is already %s", s);
    return MD_OK;
}

/* What the patient is shown: the text, the clinic, their first name only. */
static md_code patient_view(md_ctx *ctx, json_t *cur, json_t **out, md_err *err)
{
    json_t *clinic = NULL;
    char given[128] = "";
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(str(cur, "patient_id"))};
    md_code rc = md_clinic_get(ctx->db, ctx->who.clinic_id, &clinic, err);
    if (rc == MD_OK)
        rc = md_store_scalar_text(ctx->db,
                                  "SELECT given_name FROM patients WHERE clinic_id = $1 AND id = "
                                  "$2 AND current = 1",
                                  v, 2, given, sizeof given, err);
    if (rc == MD_OK) {
        decorate(ctx, cur);
        *out = json_pack("{s:s,s:s,s:s,s:s?,s:O*,s:O*,s:s,s:O*}", "consent_id", str(cur, "id"),
                         "purpose", str(cur, "purpose"), "state", str(cur, "state"), "expires_at",
                         str(cur, "expires_at"), "clinic_name", json_object_get(clinic, "name"),
                         "time_zone", json_object_get(clinic, "time_zone"), "given_name", given,
                         "text", json_object_get(cur, "text"));
        if (!*out) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    }
    json_decref(clinic);
    return rc;
}

/* Open: record "opened" once (sent -> opened); audit every open. */
static md_code open_consent(md_ctx *ctx, json_t *cur, const char *field, const char *ua,
                            const char *how, json_t **out, md_err *err)
{
    md_code rc = MD_OK;
    const char *s = state_of(cur, md_now());
    if (strcmp(s, "expired") == 0 || strcmp(s, "cancelled") == 0) rc = still_open(cur, field, err);
    if (rc == MD_OK && strcmp(s, "sent") == 0) {
        if ((rc = md_write_begin(ctx, err)) != MD_OK) return rc;
        rc = step(ctx, cur, "opened", "opened", event(ctx, ua, 0), how, err);
        rc = md_write_finish(ctx, rc, err);
    } else if (rc == MD_OK) {
        md_audit_entry a = {"read", "consent", str(cur, "id"), str(cur, "patient_id"), how};
        rc = md_audit(ctx, &a, err);
    }
    if (rc == MD_OK) rc = patient_view(ctx, cur, out, err);
    return rc;
}

md_code md_consent_open_link(md_ctx *ctx, const char *token, const char *ua, json_t **out,
                             md_err *err)
{
    json_t *cur = NULL;
    md_code rc = load_by_token(ctx, token, &cur, err);
    if (rc == MD_OK) rc = open_consent(ctx, cur, "token", ua, "opened through the link", out, err);
    json_decref(cur);
    return rc;
}

/* ---- the signature ---- */

typedef struct png_reader {
    const unsigned char *p;
    size_t left;
} png_reader;

static cairo_status_t png_read(void *closure, unsigned char *data, unsigned int length)
{
    png_reader *r = closure;
    if (length > r->left) return CAIRO_STATUS_READ_ERROR;
    memcpy(data, r->p, length);
    r->p += length;
    r->left -= length;
    return CAIRO_STATUS_SUCCESS;
}

/* The PNG in signature (base64, optionally as a "data:image/png;base64," URL) decoded into
 * ctx->arena and checked by decoding the image: limits first, from the header, so a small
 * file that claims a huge image is refused before it is inflated. */
static md_code signature_png(md_ctx *ctx, const char *b64, unsigned char **png, size_t *len,
                             md_err *err)
{
    static const unsigned char magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    static const char prefix[] = "data:image/png;base64,";
    if (strncmp(b64, prefix, sizeof prefix - 1) == 0) b64 += sizeof prefix - 1;
    size_t n = strlen(b64);
    if (n / 4 * 3 > MD_CONSENT_SIGNATURE_MAX + 3)
        return md_err_set(err, MD_ETOOBIG, "signature",
                          "the signature image is larger than %d bytes", MD_CONSENT_SIGNATURE_MAX);
    unsigned char *buf = md_arena_alloc(ctx->arena, n / 4 * 3 + 3);
    size_t got = 0;
    if (!buf) return md_err_set(err, MD_ENOMEM, "signature", "out of memory");
    if (sodium_base642bin(buf, n / 4 * 3 + 3, b64, n, " \r\n", &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return md_err_set(err, MD_EUNPROCESSABLE, "signature",
                          "the signature must be a PNG image in base64");
    if (got > MD_CONSENT_SIGNATURE_MAX)
        return md_err_set(err, MD_ETOOBIG, "signature",
                          "the signature image is larger than %d bytes", MD_CONSENT_SIGNATURE_MAX);
    if (got < 33 || memcmp(buf, magic, 8) != 0 || memcmp(buf + 12, "IHDR", 4) != 0)
        return md_err_set(err, MD_EUNPROCESSABLE, "signature", "the signature is not a PNG image");
    uint32_t w =
        (uint32_t)buf[16] << 24 | (uint32_t)buf[17] << 16 | (uint32_t)buf[18] << 8 | buf[19];
    uint32_t h =
        (uint32_t)buf[20] << 24 | (uint32_t)buf[21] << 16 | (uint32_t)buf[22] << 8 | buf[23];
    if (w > MD_CONSENT_SIGNATURE_DIM_MAX || h > MD_CONSENT_SIGNATURE_DIM_MAX)
        return md_err_set(err, MD_ETOOBIG, "signature",
                          "the signature image is %ux%u pixels, more than %dx%d", w, h,
                          MD_CONSENT_SIGNATURE_DIM_MAX, MD_CONSENT_SIGNATURE_DIM_MAX);
    png_reader r = {buf, got};
    cairo_surface_t *s = cairo_image_surface_create_from_png_stream(png_read, &r);
    cairo_status_t st = cairo_surface_status(s);
    int sw = st == CAIRO_STATUS_SUCCESS ? cairo_image_surface_get_width(s) : 0;
    int sh = st == CAIRO_STATUS_SUCCESS ? cairo_image_surface_get_height(s) : 0;
    cairo_surface_destroy(s);
    if (st != CAIRO_STATUS_SUCCESS || sw < 1 || sh < 1)
        return md_err_set(err, MD_EUNPROCESSABLE, "signature",
                          "the signature is not a readable PNG image");
    *png = buf;
    *len = got;
    return MD_OK;
}

static md_code sign_consent(md_ctx *ctx, json_t *cur, json_t *in, const char *field, const char *ua,
                            const char *how, json_t **out, md_err *err)
{
    static const char *const keys[] = {"typed_name", "signature", "agree", NULL};
    const char *typed = NULL, *sig = NULL;
    int agree = 0;
    unsigned char *png = NULL;
    size_t png_len = 0;
    char sha[MD_SHA256_STR];
    md_code rc = still_open(cur, field, err);
    if (rc != MD_OK) return rc;
    if (!json_is_object(in)) return md_err_set(err, MD_EINVAL, "", "the body must be an object");
    if ((rc = md_json_check_keys(in, keys, "", err)) ||
        (rc = md_json_text(in, "typed_name", 1, MD_CONSENT_TYPED_NAME_MAX, &typed, err)) ||
        (rc = md_json_bool(in, "agree", 1, &agree, NULL, err)))
        return rc;
    /* Read as is: its size is checked (413) where it is decoded. */
    if (!(sig = json_string_value(json_object_get(in, "signature"))))
        return md_err_set(err, MD_EINVAL, "signature",
                          json_object_get(in, "signature") ? "signature must be a string"
                                                           : "signature is required");
    const char *c = typed;
    while (*c == ' ')
        c++;
    if (!*c) return md_err_set(err, MD_EINVAL, "typed_name", "typed_name is required");
    if (!agree) return md_err_set(err, MD_EUNPROCESSABLE, "agree", "signing needs agree: true");
    if ((rc = signature_png(ctx, sig, &png, &png_len, err))) return rc;
    if ((rc = md_write_begin(ctx, err)) != MD_OK) return rc;
    rc = md_content_put(ctx, "image/png", png, png_len, MD_CONSENT_SIGNATURE_MAX, "signature", sha,
                        err);
    if (rc == MD_OK && strcmp(str(cur, "state"), "sent") == 0)
        rc = step(ctx, cur, "opened", "opened", event(ctx, ua, 0), how, err);
    if (rc == MD_OK) {
        json_object_set_new(cur, "typed_name", json_string(typed));
        json_object_set_new(cur, "signature_sha256", json_string(sha));
        rc = step(ctx, cur, "signed", "signed", event(ctx, ua, 0), how, err);
    }
    if ((rc = md_write_finish(ctx, rc, err)) != MD_OK) return rc;
    decorate(ctx, cur);
    *out = json_incref(cur);
    return MD_OK;
}

md_code md_consent_sign_link(md_ctx *ctx, const char *token, json_t *in, const char *ua,
                             json_t **out, md_err *err)
{
    json_t *cur = NULL, *rec = NULL;
    md_code rc = load_by_token(ctx, token, &cur, err);
    if (rc == MD_OK)
        rc = sign_consent(ctx, cur, in, "token", ua, "signed through the link", &rec, err);
    /* The patient sees the record without the staff ids in it. */
    if (rc == MD_OK) rc = patient_view(ctx, rec, out, err);
    json_decref(rec);
    json_decref(cur);
    return rc;
}

/* ---- the tablet ---- */

static md_code load_tablet(md_ctx *ctx, const char *id, json_t **cur, md_err *err)
{
    md_code rc = md_require(ctx, MD_PERM_CONSENT_WRITE, err);
    if (rc == MD_OK) rc = load_current(ctx, id, cur, err);
    if (rc == MD_OK && strcmp(str(*cur, "channel"), "tablet") != 0) {
        json_decref(*cur);
        *cur = NULL;
        rc = md_err_set(err, MD_ECONFLICT, "channel",
                        "this consent was sent as a link: the patient signs it there");
    }
    return rc;
}

md_code md_consent_open_tablet(md_ctx *ctx, const char *consent_id, const char *ua, json_t **out,
                               md_err *err)
{
    json_t *cur = NULL;
    md_code rc = load_tablet(ctx, consent_id, &cur, err);
    if (rc == MD_OK) rc = open_consent(ctx, cur, "id", ua, "opened on the tablet", out, err);
    json_decref(cur);
    return rc;
}

md_code md_consent_sign_tablet(md_ctx *ctx, const char *consent_id, json_t *in, const char *ua,
                               json_t **out, md_err *err)
{
    json_t *cur = NULL;
    md_code rc = load_tablet(ctx, consent_id, &cur, err);
    if (rc == MD_OK) rc = sign_consent(ctx, cur, in, "id", ua, "signed on the tablet", out, err);
    json_decref(cur);
    return rc;
}

/* ---- withdrawal and cancelling ---- */

static md_code end_consent(md_ctx *ctx, const char *id, json_t *in, const char *ua,
                           const char *from, const char *to, json_t **out, md_err *err)
{
    static const char *const keys[] = {"reason", NULL};
    const char *reason = NULL;
    json_t *cur = NULL;
    md_code rc = md_require(ctx, MD_PERM_CONSENT_WRITE, err);
    if (rc == MD_OK) rc = load_current(ctx, id, &cur, err);
    if (rc == MD_OK && !json_is_object(in))
        rc = md_err_set(err, MD_EINVAL, "", "the body must be an object");
    if (rc == MD_OK) rc = md_json_check_keys(in, keys, "", err);
    if (rc == MD_OK) rc = md_json_text(in, "reason", 1, 500, &reason, err);
    if (rc == MD_OK) {
        const char *s = state_of(cur, md_now());
        int ok = strcmp(from, "signed") == 0 ? strcmp(s, "signed") == 0
                                             : strcmp(s, "sent") == 0 || strcmp(s, "opened") == 0;
        if (!ok)
            rc = md_err_set(err, MD_ECONFLICT, "state", "a consent that is %s cannot be %s", s, to);
    }
    if (rc == MD_OK && (rc = md_write_begin(ctx, err)) == MD_OK) {
        json_t *ev = event(ctx, ua, 1);
        json_object_set_new(ev, "reason", json_string(reason));
        rc = step(ctx, cur, to, to, ev, reason, err);
        rc = md_write_finish(ctx, rc, err);
    }
    if (rc == MD_OK) {
        decorate(ctx, cur);
        *out = json_incref(cur);
    }
    json_decref(cur);
    return rc;
}

md_code md_consent_withdraw(md_ctx *ctx, const char *consent_id, json_t *in, const char *ua,
                            json_t **out, md_err *err)
{
    return end_consent(ctx, consent_id, in, ua, "signed", "withdrawn", out, err);
}

md_code md_consent_cancel(md_ctx *ctx, const char *consent_id, json_t *in, const char *ua,
                          json_t **out, md_err *err)
{
    return end_consent(ctx, consent_id, in, ua, "sent", "cancelled", out, err);
}

/* ---- reads ---- */

md_code md_consent_get(md_ctx *ctx, const char *consent_id, json_t **out, md_err *err)
{
    json_t *cur = NULL;
    md_code rc = md_require(ctx, MD_PERM_DEMOGRAPHICS_READ, err);
    if (rc == MD_OK) rc = load_current(ctx, consent_id, &cur, err);
    md_audit_entry a = {"read", "consent", consent_id, cur ? str(cur, "patient_id") : NULL, NULL};
    if (rc == MD_OK) rc = md_audit(ctx, &a, err);
    if (rc == MD_OK) {
        decorate(ctx, cur);
        *out = cur;
        return MD_OK;
    }
    json_decref(cur);
    return rc;
}

md_code md_consent_history(md_ctx *ctx, const char *consent_id, json_t **out, md_err *err)
{
    json_t *cur = NULL, *items = NULL;
    md_code rc = md_require(ctx, MD_PERM_DEMOGRAPHICS_READ, err);
    if (rc == MD_OK) rc = load_current(ctx, consent_id, &cur, err);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(consent_id)};
    if (rc == MD_OK)
        rc = md__record_query(ctx, &md_kind_consent, "clinic_id = $1 AND id = $2 ORDER BY version",
                              v, 2, &items, err);
    md_audit_entry a = {"read", "consent", consent_id, cur ? str(cur, "patient_id") : NULL,
                        "history"};
    if (rc == MD_OK) rc = md_audit(ctx, &a, err);
    json_decref(cur);
    if (rc != MD_OK) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return MD_OK;
}

/* A patient's current consents, most recently sent first. */
static md_code patient_consents(md_ctx *ctx, const char *patient_id, json_t **items, md_err *err)
{
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(patient_id)};
    md_code rc =
        md__record_query(ctx, &md_kind_consent,
                         "clinic_id = $1 AND patient_id = $2 AND current = 1", v, 2, items, err);
    if (rc != MD_OK) return rc;
    /* Sort by the time sent (events.sent.at), newest first, then id: a handful per patient. */
    size_t n = json_array_size(*items);
    for (size_t i = 1; i < n; i++)
        for (size_t k = i; k > 0; k--) {
            json_t *a = json_array_get(*items, k - 1), *b = json_array_get(*items, k);
            const char *ta = event_at(a, "sent"), *tb = event_at(b, "sent");
            int c = strcmp(ta ? ta : "", tb ? tb : "");
            if (c == 0) c = strcmp(str(a, "id"), str(b, "id"));
            if (c >= 0) break;
            json_incref(a);
            json_array_set(*items, k - 1, b);
            json_array_set_new(*items, k, a);
        }
    return MD_OK;
}

md_code md_consent_list(md_ctx *ctx, const char *patient_id, json_t **out, md_err *err)
{
    json_t *items = NULL;
    md_code rc = md_require(ctx, MD_PERM_DEMOGRAPHICS_READ, err);
    if (rc == MD_OK) rc = md_patient_exists(ctx, patient_id, err);
    if (rc == MD_OK) rc = patient_consents(ctx, patient_id, &items, err);
    md_audit_entry a = {"read", "consent", "*", patient_id, "list"};
    if (rc == MD_OK) rc = md_audit(ctx, &a, err);
    if (rc != MD_OK) {
        json_decref(items);
        return rc;
    }
    size_t i;
    json_t *e;
    json_array_foreach(items, i, e) decorate(ctx, e);
    *out = json_pack("{s:o}", "items", items);
    return MD_OK;
}

/* ---- where a patient's consents stand ---- */

/* One purpose: the most recently sent consent that was not cancelled decides, except that a
 * newer one still waiting for its signature (sent, opened, expired) does not undo an older
 * signed one; a withdrawal does. */
static json_t *purpose_status(json_t *items, const char *purpose, const char *course_id,
                              int64_t now)
{
    json_t *pick = NULL, *e;
    size_t i;
    json_array_foreach(items, i, e)
    {
        if (strcmp(str(e, "purpose"), purpose) != 0) continue;
        if (course_id && strcmp(purpose, "treatment") == 0 &&
            strcmp(str(e, "course_id") ? str(e, "course_id") : "", course_id) != 0)
            continue;
        const char *s = state_of(e, now);
        if (strcmp(s, "cancelled") == 0) continue;
        if (!pick) {
            pick = e;
            if (strcmp(s, "signed") == 0 || strcmp(s, "withdrawn") == 0) break;
            continue;
        }
        /* The newest is still waiting: an older signed consent stands, a withdrawn one not. */
        if (strcmp(s, "signed") == 0) pick = e;
        if (strcmp(s, "signed") == 0 || strcmp(s, "withdrawn") == 0) break;
    }
    if (!pick)
        return json_pack("{s:s,s:n,s:n,s:n,s:n}", "status", "missing", "consent_id", "text_version",
                         "signed_at", "withdrawn_at");
    return json_pack("{s:s,s:s,s:O,s:s?,s:s?,s:s?}", "status", state_of(pick, now), "consent_id",
                     str(pick, "id"), "text_version", json_object_get(pick, "text_version"),
                     "signed_at", event_at(pick, "signed"), "withdrawn_at",
                     event_at(pick, "withdrawn"), "course_id", str(pick, "course_id"));
}

md_code md_consent_status(md_ctx *ctx, const char *patient_id, const char *course_id, json_t **out,
                          md_err *err)
{
    json_t *items = NULL;
    md_code rc = patient_consents(ctx, patient_id, &items, err);
    if (rc != MD_OK) return rc;
    int64_t now = md_now();
    *out =
        json_pack("{s:o,s:o,s:o}", "treatment", purpose_status(items, "treatment", course_id, now),
                  "photo", purpose_status(items, "photo", NULL, now), "marketing",
                  purpose_status(items, "marketing", NULL, now));
    json_decref(items);
    return *out ? MD_OK : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
}
