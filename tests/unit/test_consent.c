/*
 * test_consent.c - consent texts from the kb (versions, languages, hashes), the state
 * machine of a consent record on the tablet and through a link, the signature checks, and
 * md_consent_status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <cairo.h>
#include <sodium.h>

#include "mesodesk/consent.h"
#include "mesodesk/content.h"
#include "mesodesk/record.h"
#include "mesodesk/session.h"
#include "unit_db.h"

/* ---- helpers ---- */

typedef struct membuf {
    unsigned char *p;
    size_t n, cap;
} membuf;

static cairo_status_t mem_write(void *closure, const unsigned char *data, unsigned int len)
{
    membuf *b = closure;
    if (b->n + len > b->cap) {
        b->cap = (b->n + len) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) return CAIRO_STATUS_WRITE_ERROR;
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
    return CAIRO_STATUS_SUCCESS;
}

/* A w x h PNG with a stroke on it, as base64 (caller frees). */
static char *png_b64(int w, int h)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    cairo_t *cr = cairo_create(s);
    cairo_move_to(cr, 2, 2);
    cairo_line_to(cr, w - 2, h - 2);
    cairo_stroke(cr);
    cairo_destroy(cr);
    membuf b = {0};
    assert_int_equal(cairo_surface_write_to_png_stream(s, mem_write, &b), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(s);
    size_t n = sodium_base64_encoded_len(b.n, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(n);
    sodium_bin2base64(out, n, b.p, b.n, sodium_base64_VARIANT_ORIGINAL);
    free(b.p);
    return out;
}

static char *b64_of(const unsigned char *p, size_t n)
{
    size_t m = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(m);
    sodium_bin2base64(out, m, p, n, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

static void new_patient(unit_db *u, char id[MD_ID_STR])
{
    md_err err;
    json_t *out = NULL, *in = json_pack("{s:s,s:s,s:s,s:s}", "given_name", "Lucia", "family_name",
                                        "Moreno", "birth_date", "1990-04-02", "sex", "female");
    assert_int_equal(md_record_create(&u->ctx, &md_kind_patient, NULL, in, &out, &err), MD_OK);
    md_strlcpy(id, json_string_value(json_object_get(out, "id")), MD_ID_STR);
    json_decref(in);
    json_decref(out);
}

static json_t *start(unit_db *u, const char *patient, const char *json, md_code want)
{
    md_err err;
    json_t *out = NULL, *in = json_loads(json, 0, NULL);
    assert_non_null(in);
    md_code rc = md_consent_start(&u->ctx, patient, in, "TestAgent/1.0", &out, &err);
    if (rc != want) fail_msg("start %s: %s %s %s", json, md_code_name(rc), err.field, err.message);
    json_decref(in);
    return out;
}

static json_t *sign_body(const char *name, const char *sig)
{
    return json_pack("{s:s,s:s,s:b}", "typed_name", name, "signature", sig, "agree", 1);
}

static const char *status_of(unit_db *u, const char *patient, const char *purpose)
{
    md_err err;
    json_t *st = NULL;
    assert_int_equal(md_consent_status(&u->ctx, patient, NULL, &st, &err), MD_OK);
    const char *s = json_string_value(json_object_get(json_object_get(st, purpose), "status"));
    const char *out = md_arena_strdup(u->ctx.arena, s);
    json_decref(st);
    return out;
}

/* ---- texts ---- */

static void texts_from_the_kb(void **state)
{
    unit_db *u = *state;
    const md_kb *kb = u->kb;
    static const char *const protocols[] = {"facial_rejuvenation", "scalp_hair_loss",
                                            "body_fat_cellulite"};
    for (int i = 0; i < 3; i++) {
        const md_consent_text *en = md_consent_text_find(kb, "treatment", protocols[i], "en");
        const md_consent_text *es = md_consent_text_find(kb, "treatment", protocols[i], "es");
        assert_non_null(en);
        assert_non_null(es);
        assert_string_equal(en->language, "en");
        assert_string_equal(es->language, "es");
        assert_string_equal(en->protocol, protocols[i]);
        assert_string_equal(en->id, es->id);
        assert_string_not_equal(en->sha256, es->sha256);
        assert_int_equal(en->n_sections, es->n_sections);
    }
    /* Kept apart: each purpose has its own text. */
    const md_consent_text *photo = md_consent_text_find(kb, "photo", NULL, "es");
    const md_consent_text *mkt = md_consent_text_find(kb, "marketing", "facial_rejuvenation", "en");
    assert_non_null(photo);
    assert_non_null(mkt);
    assert_string_equal(photo->language, "es");
    assert_null(mkt->protocol);
    assert_string_not_equal(photo->id, mkt->id);
    /* A language without a text is English; an unknown protocol has none. */
    const md_consent_text *fr = md_consent_text_find(kb, "photo", NULL, "fr");
    assert_non_null(fr);
    assert_string_equal(fr->language, "en");
    assert_null(md_consent_text_find(kb, "treatment", "tattoo_removal", "en"));
    assert_null(md_consent_text_find(kb, "newsletter", NULL, "en"));
    /* The hash is the SHA-256 of the exact body, which starts with the title. */
    char h[MD_SHA256_STR];
    md_content_hash(fr->body, strlen(fr->body), h);
    assert_string_equal(h, fr->sha256);
    assert_int_equal(strncmp(fr->body, fr->title, strlen(fr->title)), 0);
    assert_non_null(strstr(fr->body, fr->sections[fr->n_sections - 1].text));
    /* Every section cites its sources. */
    for (size_t i = 0; md_consent_text_at(kb, i); i++) {
        const md_consent_text *t = md_consent_text_at(kb, i);
        for (size_t k = 0; k < t->n_sections; k++)
            assert_true(t->sections[k].n_sources > 0);
    }
    /* One version exactly. */
    assert_ptr_equal(md_consent_text_get(kb, fr->id, fr->version, "en"), fr);
    assert_null(md_consent_text_get(kb, fr->id, fr->version + 1, "en"));
}

/* ---- the state machine ---- */

static void tablet_sent_opened_signed_withdrawn(void **state)
{
    unit_db *u = *state;
    md_err err;
    char pid[MD_ID_STR];
    new_patient(u, pid);
    assert_string_equal(status_of(u, pid, "photo"), "missing");
    json_t *c =
        start(u, pid, "{\"purpose\":\"photo\",\"channel\":\"tablet\",\"language\":\"es\"}", MD_OK);
    const char *id = md_arena_strdup(u->ctx.arena, json_string_value(json_object_get(c, "id")));
    assert_string_equal(json_string_value(json_object_get(c, "state")), "sent");
    assert_string_equal(json_string_value(json_object_get(c, "language")), "es");
    assert_null(json_object_get(c, "token")); /* a tablet consent has no link */
    /* The text shown is in the content store under the hash the record keeps. */
    assert_int_equal(
        md_content_exists(&u->ctx, json_string_value(json_object_get(c, "text_sha256")), &err),
        MD_OK);
    json_decref(c);
    assert_string_equal(status_of(u, pid, "photo"), "sent");
    assert_string_equal(status_of(u, pid, "marketing"), "missing");

    snprintf(u->ctx.client_addr, sizeof u->ctx.client_addr, "192.0.2.7");
    json_t *view = NULL;
    assert_int_equal(md_consent_open_tablet(&u->ctx, id, "Tablet/2.0", &view, &err), MD_OK);
    assert_string_equal(json_string_value(json_object_get(view, "given_name")), "Lucia");
    assert_null(json_object_get(view, "family_name"));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(view, "text"), "language")), "es");
    json_decref(view);
    assert_string_equal(status_of(u, pid, "photo"), "opened");

    char *sig = png_b64(300, 120);
    json_t *body = sign_body("Lucía Moreno", sig), *rec = NULL;
    assert_int_equal(md_consent_sign_tablet(&u->ctx, id, body, "Tablet/2.0", &rec, &err), MD_OK);
    assert_string_equal(json_string_value(json_object_get(rec, "state")), "signed");
    json_t *signed_ev = json_object_get(json_object_get(rec, "events"), "signed");
    assert_string_equal(json_string_value(json_object_get(signed_ev, "address")), "192.0.2.7");
    assert_string_equal(json_string_value(json_object_get(signed_ev, "user_agent")), "Tablet/2.0");
    assert_int_equal(md_content_exists(&u->ctx,
                                       json_string_value(json_object_get(rec, "signature_sha256")),
                                       &err),
                     MD_OK);
    json_decref(rec);
    assert_string_equal(status_of(u, pid, "photo"), "signed");
    /* A second signing is a conflict. */
    assert_int_equal(md_consent_sign_tablet(&u->ctx, id, body, "Tablet/2.0", &rec, &err),
                     MD_ECONFLICT);
    /* Cancel is for unsigned consents only. */
    json_t *why = json_pack("{s:s}", "reason", "patient asked");
    assert_int_equal(md_consent_cancel(&u->ctx, id, why, NULL, &rec, &err), MD_ECONFLICT);
    assert_string_equal(err.field, "state");
    /* Withdrawal: a new version, and from then the status says so. */
    assert_int_equal(md_consent_withdraw(&u->ctx, id, why, "Desk/1", &rec, &err), MD_OK);
    assert_string_equal(json_string_value(json_object_get(rec, "state")), "withdrawn");
    json_decref(rec);
    assert_string_equal(status_of(u, pid, "photo"), "withdrawn");
    assert_int_equal(md_consent_withdraw(&u->ctx, id, why, "Desk/1", &rec, &err), MD_ECONFLICT);
    json_t *empty = json_object();
    assert_int_equal(md_consent_withdraw(&u->ctx, id, empty, "Desk/1", &rec, &err), MD_EINVAL);
    assert_string_equal(err.field, "reason");
    json_decref(empty);
    /* Every step a version; nothing overwritten. */
    json_t *hist = NULL;
    assert_int_equal(md_consent_history(&u->ctx, id, &hist, &err), MD_OK);
    json_t *items = json_object_get(hist, "items");
    assert_int_equal(json_array_size(items), 4);
    static const char *const steps[] = {"sent", "opened", "signed", "withdrawn"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(items, i), "state")),
                            steps[i]);
    json_decref(hist);
    json_decref(why);
    json_decref(body);
    free(sig);
}

static void link_opens_and_signs_once(void **state)
{
    unit_db *u = *state;
    md_err err;
    char pid[MD_ID_STR];
    new_patient(u, pid);
    json_t *c = start(u, pid, "{\"purpose\":\"marketing\",\"channel\":\"link\"}", MD_OK);
    char token[MD_TOKEN_STR];
    md_strlcpy(token, json_string_value(json_object_get(c, "token")), sizeof token);
    assert_true(strlen(token) >= 43); /* 256 bits */
    assert_non_null(json_object_get(c, "expires_at"));
    json_decref(c);
    /* Only the token's hash is stored. */
    int64_t n = -1;
    md_val tv[] = {md_text(token)};
    assert_int_equal(md_store_scalar_int(u->db,
                                         "SELECT count(*) FROM consent_links WHERE token_hash = $1",
                                         tv, 1, &n, &err),
                     MD_OK);
    assert_int_equal(n, 0);

    md_ctx pub = u->ctx; /* the public side knows no clinic nor staff */
    memset(&pub.who, 0, sizeof pub.who);
    json_t *view = NULL, *rec = NULL;
    assert_int_equal(md_consent_open_link(&pub, "nope", NULL, &view, &err), MD_ENOTFOUND);
    assert_string_equal(err.field, "token");
    assert_int_equal(md_consent_open_link(&pub, token, "Phone/1", &view, &err), MD_OK);
    assert_string_equal(json_string_value(json_object_get(view, "state")), "opened");
    assert_string_equal(json_string_value(json_object_get(view, "purpose")), "marketing");
    json_decref(view);
    char *sig = png_b64(200, 80);
    json_t *body = sign_body("Lucia Moreno", sig);
    memset(&pub.who, 0, sizeof pub.who);
    assert_int_equal(md_consent_sign_link(&pub, token, body, "Phone/1", &rec, &err), MD_OK);
    assert_string_equal(json_string_value(json_object_get(rec, "state")), "signed");
    json_decref(rec);
    memset(&pub.who, 0, sizeof pub.who);
    assert_int_equal(md_consent_sign_link(&pub, token, body, "Phone/1", &rec, &err), MD_ECONFLICT);
    assert_string_equal(err.field, "token");
    assert_string_equal(status_of(u, pid, "marketing"), "signed");
    assert_string_equal(status_of(u, pid, "photo"), "missing"); /* kept apart */
    /* A tablet signing of a link consent is refused. */
    json_t *c2 = start(u, pid, "{\"purpose\":\"photo\",\"channel\":\"link\"}", MD_OK);
    assert_int_equal(md_consent_sign_tablet(&u->ctx, json_string_value(json_object_get(c2, "id")),
                                            body, NULL, &rec, &err),
                     MD_ECONFLICT);
    assert_string_equal(err.field, "channel");
    json_decref(c2);
    json_decref(body);
    free(sig);
}

static void expired_link_cannot_sign(void **state)
{
    unit_db *u = *state;
    md_err err;
    char pid[MD_ID_STR];
    new_patient(u, pid);
    json_t *c =
        start(u, pid, "{\"purpose\":\"photo\",\"channel\":\"link\",\"valid_hours\":1}", MD_OK);
    char token[MD_TOKEN_STR];
    md_strlcpy(token, json_string_value(json_object_get(c, "token")), sizeof token);
    md_val v[] = {md_text(json_string_value(json_object_get(c, "id")))};
    assert_int_equal(md_store_exec(u->db,
                                   "UPDATE consents SET expires_at = '2020-01-01T00:00:00Z' WHERE "
                                   "id = $1",
                                   v, 1, NULL, NULL, &err),
                     MD_OK);
    json_decref(c);
    assert_string_equal(status_of(u, pid, "photo"), "expired");
    char *sig = png_b64(100, 50);
    json_t *body = sign_body("Lucia Moreno", sig), *rec = NULL;
    md_ctx pub = u->ctx;
    memset(&pub.who, 0, sizeof pub.who);
    assert_int_equal(md_consent_sign_link(&pub, token, body, NULL, &rec, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "token");
    assert_non_null(strstr(err.message, "expired"));
    memset(&pub.who, 0, sizeof pub.who);
    json_t *view = NULL;
    assert_int_equal(md_consent_open_link(&pub, token, NULL, &view, &err), MD_EUNPROCESSABLE);
    assert_string_equal(status_of(u, pid, "photo"), "expired");
    json_decref(body);
    free(sig);
}

static void signature_must_be_a_png_within_limits(void **state)
{
    unit_db *u = *state;
    md_err err;
    char pid[MD_ID_STR];
    new_patient(u, pid);
    json_t *c = start(u, pid, "{\"purpose\":\"photo\",\"channel\":\"tablet\"}", MD_OK);
    const char *id = md_arena_strdup(u->ctx.arena, json_string_value(json_object_get(c, "id")));
    json_decref(c);
    json_t *rec = NULL, *body;
    struct {
        const char *sig;
        md_code want;
    } bad[4];
    /* Not base64; base64 of text; a PNG header claiming 5000 x 10 pixels; a cut PNG. */
    static const unsigned char big_hdr[] = {
        0x89, 'P',  'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0,
        0x13, 0x88, 0,   0,   0,    10,   8,    6,    0, 0, 0, 0,  0,   0,   0,   0,   0, 0};
    char *good = png_b64(120, 60);
    unsigned char raw[4096];
    size_t rawlen = 0;
    assert_int_equal(sodium_base642bin(raw, sizeof raw, good, strlen(good), NULL, &rawlen, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    char *text = b64_of((const unsigned char *)"hello, not an image", 19);
    char *hdr = b64_of(big_hdr, sizeof big_hdr);
    char *cut = b64_of(raw, rawlen / 2);
    bad[0].sig = "!!!not base64!!!";
    bad[0].want = MD_EUNPROCESSABLE;
    bad[1].sig = text;
    bad[1].want = MD_EUNPROCESSABLE;
    bad[2].sig = hdr;
    bad[2].want = MD_ETOOBIG;
    bad[3].sig = cut;
    bad[3].want = MD_EUNPROCESSABLE;
    for (int i = 0; i < 4; i++) {
        body = sign_body("Lucia Moreno", bad[i].sig);
        md_code rc = md_consent_sign_tablet(&u->ctx, id, body, NULL, &rec, &err);
        if (rc != bad[i].want || strcmp(err.field, "signature") != 0)
            fail_msg("case %d: %s %s %s", i, md_code_name(rc), err.field, err.message);
        json_decref(body);
    }
    /* Over 256 KiB of PNG. */
    size_t over = MD_CONSENT_SIGNATURE_MAX + 100;
    unsigned char *huge = calloc(1, over);
    memcpy(huge, raw, rawlen);
    char *huge64 = b64_of(huge, over);
    body = sign_body("Lucia Moreno", huge64);
    assert_int_equal(md_consent_sign_tablet(&u->ctx, id, body, NULL, &rec, &err), MD_ETOOBIG);
    assert_string_equal(err.field, "signature");
    json_decref(body);
    /* Name and agreement. */
    body = json_pack("{s:s,s:s,s:b}", "typed_name", "  ", "signature", good, "agree", 1);
    assert_int_equal(md_consent_sign_tablet(&u->ctx, id, body, NULL, &rec, &err), MD_EINVAL);
    assert_string_equal(err.field, "typed_name");
    json_decref(body);
    body = json_pack("{s:s,s:s,s:b}", "typed_name", "Lucia", "signature", good, "agree", 0);
    assert_int_equal(md_consent_sign_tablet(&u->ctx, id, body, NULL, &rec, &err),
                     MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "agree");
    json_decref(body);
    /* Nothing of it was stored: still unsigned, one version. */
    assert_string_equal(status_of(u, pid, "photo"), "sent");
    /* A data: URL from a canvas is accepted. */
    char *url = malloc(strlen(good) + 32);
    snprintf(url, strlen(good) + 32, "data:image/png;base64,%s", good);
    body = sign_body("Lucia Moreno", url);
    assert_int_equal(md_consent_sign_tablet(&u->ctx, id, body, NULL, &rec, &err), MD_OK);
    json_decref(rec);
    json_decref(body);
    free(url);
    free(huge);
    free(huge64);
    free(good);
    free(text);
    free(hdr);
    free(cut);
}

/* The newest consent decides; a newer one awaiting signature does not undo a signed one;
 * a cancelled one counts for nothing. */
static void status_of_several_consents(void **state)
{
    unit_db *u = *state;
    md_err err;
    char pid[MD_ID_STR];
    new_patient(u, pid);
    json_t *st = NULL;
    assert_int_equal(md_consent_status(&u->ctx, pid, NULL, &st, &err), MD_OK);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(st, "treatment"), "status")), "missing");
    assert_true(json_is_null(json_object_get(json_object_get(st, "photo"), "consent_id")));
    json_decref(st);
    json_t *a = start(u, pid, "{\"purpose\":\"photo\",\"channel\":\"tablet\"}", MD_OK), *rec;
    char *sig = png_b64(80, 40);
    json_t *body = sign_body("Lucia Moreno", sig), *why = json_pack("{s:s}", "reason", "test");
    const char *aid = json_string_value(json_object_get(a, "id"));
    assert_int_equal(md_consent_sign_tablet(&u->ctx, aid, body, NULL, &rec, &err), MD_OK);
    json_decref(rec);
    /* Sent a second later, a new consent still unsigned: the signed one stands. */
    md_val v[] = {md_text(aid)};
    assert_int_equal(md_store_exec(u->db,
                                   "UPDATE consents SET events = '{\"sent\":{\"at\":"
                                   "\"2026-01-01T00:00:00Z\"}}' WHERE id = $1 AND version = 1",
                                   v, 1, NULL, NULL, &err),
                     MD_OK);
    json_t *b = start(u, pid, "{\"purpose\":\"photo\",\"channel\":\"tablet\"}", MD_OK);
    assert_string_equal(status_of(u, pid, "photo"), "signed");
    assert_int_equal(md_consent_status(&u->ctx, pid, NULL, &st, &err), MD_OK);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(st, "photo"), "consent_id")), aid);
    assert_non_null(json_object_get(json_object_get(st, "photo"), "signed_at"));
    json_decref(st);
    /* Cancelled: as if never sent. */
    const char *bid = json_string_value(json_object_get(b, "id"));
    assert_int_equal(md_consent_cancel(&u->ctx, bid, why, NULL, &rec, &err), MD_OK);
    json_decref(rec);
    assert_string_equal(status_of(u, pid, "photo"), "signed");
    /* Withdrawn: blocks, even with an older signed one. */
    assert_int_equal(md_consent_withdraw(&u->ctx, aid, why, NULL, &rec, &err), MD_OK);
    json_decref(rec);
    assert_string_equal(status_of(u, pid, "photo"), "withdrawn");
    json_decref(a);
    json_decref(b);
    json_decref(body);
    json_decref(why);
    free(sig);
}

static void bad_starts_and_permissions(void **state)
{
    unit_db *u = *state;
    char pid[MD_ID_STR];
    new_patient(u, pid);
    json_decref(
        start(u, pid, "{\"purpose\":\"gossip\",\"channel\":\"tablet\"}", MD_EUNPROCESSABLE));
    json_decref(start(u, pid, "{\"purpose\":\"photo\",\"channel\":\"fax\"}", MD_EUNPROCESSABLE));
    json_decref(start(u, pid, "{\"purpose\":\"photo\"}", MD_EINVAL));
    json_decref(start(u, pid, "{\"purpose\":\"treatment\",\"channel\":\"tablet\"}", MD_EINVAL));
    json_decref(start(u, pid,
                      "{\"purpose\":\"photo\",\"channel\":\"tablet\",\"course_id\":"
                      "\"0123456789abcdef0123456789abcdef\"}",
                      MD_EUNPROCESSABLE));
    json_decref(start(u, pid, "{\"purpose\":\"photo\",\"channel\":\"tablet\",\"valid_hours\":5}",
                      MD_EUNPROCESSABLE));
    json_decref(start(u, pid, "{\"purpose\":\"photo\",\"channel\":\"link\",\"valid_hours\":0}",
                      MD_EUNPROCESSABLE));
    json_decref(
        start(u, pid, "{\"purpose\":\"photo\",\"channel\":\"tablet\",\"colour\":1}", MD_EINVAL));
    json_decref(start(u, "0123456789abcdef0123456789abcdef",
                      "{\"purpose\":\"photo\",\"channel\":\"tablet\"}", MD_ENOTFOUND));
    /* Reception may start and read; an auditor may not start. */
    u->ctx.who.role = MD_ROLE_RECEPTION;
    json_t *c = start(u, pid, "{\"purpose\":\"marketing\",\"channel\":\"link\"}", MD_OK);
    json_t *list = NULL;
    md_err err;
    assert_int_equal(md_consent_list(&u->ctx, pid, &list, &err), MD_OK);
    assert_int_equal(json_array_size(json_object_get(list, "items")), 1);
    assert_null(json_object_get(json_array_get(json_object_get(list, "items"), 0), "token"));
    json_decref(list);
    json_decref(c);
    u->ctx.who.role = MD_ROLE_AUDITOR;
    json_decref(start(u, pid, "{\"purpose\":\"photo\",\"channel\":\"tablet\"}", MD_EFORBIDDEN));
    u->ctx.who.role = MD_ROLE_ADMIN;
}

/* A new wording is a new version: consents started before keep theirs; a long text breaks
 * across pages of the PDF, every section printed. */
static void new_version_and_a_long_pdf(void **state)
{
    unit_db *u = *state;
    md_err err;
    char dir[] = "/tmp/mesodesk-consent-kb-XXXXXX", cmd[1400], path[300];
    assert_non_null(mkdtemp(dir));
    snprintf(cmd, sizeof cmd, "cp %s/*.json %s/", MESODESK_SOURCE_DIR "/kb", dir);
    assert_int_equal(system(cmd), 0);
    char pid[MD_ID_STR];
    new_patient(u, pid);
    json_t *v1 = start(u, pid, "{\"purpose\":\"photo\",\"channel\":\"tablet\"}", MD_OK);
    assert_int_equal(json_integer_value(json_object_get(v1, "text_version")), 1);

    /* Version 2 of the photo text: sixteen long sections. */
    snprintf(path, sizeof path, "%s/consent_texts.json", dir);
    json_t *doc = json_load_file(path, 0, NULL), *texts = json_object_get(doc, "texts"), *photo = NULL;
    size_t i;
    json_array_foreach(texts, i, photo) if (strcmp(json_string_value(json_object_get(photo, "id")),
                                                   "photo_clinical") == 0) break;
    json_t *vers = json_object_get(photo, "versions");
    json_t *v2 = json_deep_copy(json_array_get(vers, 0)), *secs = json_array();
    json_object_set_new(v2, "version", json_integer(2));
    char para[2400];
    for (int k = 0; k < 16; k++) {
        int n = snprintf(para, sizeof para, "Section %d.", k + 1);
        while (n < 2000)
            n += snprintf(para + n, sizeof para - n, " Words that wrap on the page.");
        json_array_append_new(secs,
                              json_pack("{s:[s],s:{s:s,s:s},s:{s:s,s:s}}", "sources",
                                        "Mesodesk default 2026", "en", "heading", "Part", "text",
                                        para, "es", "heading", "Parte", "text", para));
    }
    json_object_set_new(v2, "sections", secs);
    json_array_append_new(vers, v2);
    assert_int_equal(json_dump_file(doc, path, JSON_INDENT(1)), 0);
    json_decref(doc);
    md_kb *kb2 = NULL;
    assert_int_equal(md_kb_load(dir, &kb2, &err), MD_OK);
    const md_kb *kb1 = u->ctx.kb;
    u->ctx.kb = kb2;
    assert_int_equal(md_consent_text_find(kb2, "photo", NULL, "en")->version, 2);
    assert_non_null(md_consent_text_get(kb2, "photo_clinical", 1, "en")); /* kept */

    json_t *c2 = start(u, pid, "{\"purpose\":\"photo\",\"channel\":\"tablet\"}", MD_OK), *rec;
    assert_int_equal(json_integer_value(json_object_get(c2, "text_version")), 2);
    char *sig = png_b64(200, 80);
    json_t *body = sign_body("Lucia Moreno", sig);
    const char *id2 = json_string_value(json_object_get(c2, "id"));
    assert_int_equal(md_consent_sign_tablet(&u->ctx, id2, body, NULL, &rec, &err), MD_OK);
    json_decref(rec);
    unsigned char *pdf = NULL;
    size_t len = 0;
    assert_int_equal(md_consent_pdf(&u->ctx, id2, &pdf, &len, &err), MD_OK);
    snprintf(path, sizeof path, "%s/long.pdf", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(pdf, 1, len, f), len);
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "test \"$(pdfinfo %s | awk '/^Pages:/ {print $2}')\" -ge 4 && "
             "pdftotext %s - | grep -q 'Section 16.' && qpdf --check %s > /dev/null",
             path, path, path);
    assert_int_equal(system(cmd), 0);
    /* The consent of version 1 still prints its own text, from the content store. */
    u->ctx.kb = kb1;
    assert_int_equal(
        md_consent_pdf(&u->ctx, json_string_value(json_object_get(v1, "id")), &pdf, &len, &err),
        MD_OK);
    json_decref(v1);
    json_decref(c2);
    json_decref(body);
    free(sig);
    md_kb_free(kb2);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, unit_db_setup, unit_db_teardown)
    const struct CMUnitTest tests[] = {
        T(texts_from_the_kb),
        T(tablet_sent_opened_signed_withdrawn),
        T(link_opens_and_signs_once),
        T(expired_link_cannot_sign),
        T(signature_must_be_a_png_within_limits),
        T(status_of_several_consents),
        T(bad_starts_and_permissions),
        T(new_version_and_a_long_pdf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
