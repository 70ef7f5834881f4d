/*
 * patient_index.c - finding patients: search keys, search, duplicate checks, merges
 * (record.h).
 *
 * Search keys (table patient_terms, migration 4) are rows (clinic_id, patient_id, kind,
 * term) for every current, unmerged patient, rebuilt inside the transaction of each
 * patient write (record.c calls md__patient_terms_refresh), so they never lag the version
 * they were made from.  Kinds:
 *   "n"  a folded word of the given or family name, and each name with its words joined
 *   "e"  the e-mail, lowercase
 *   "p"  the phone digits, and every ending of them of at least 4 digits
 *   "k"  birth_date|family|given, folded and joined: the duplicate check's key
 * Searches and duplicate checks read ranges of the primary key (clinic_id, kind, term,
 * patient_id), then fetch patients by (clinic_id, id): never a scan of patients.  Terms
 * are ASCII (see fold_cp), so the key ranges compare the same byte-wise on every backend.
 *
 * Folding (fold_text): ASCII letters are lowercased; the letters of Latin-1 Supplement and
 * Latin Extended-A fold to ASCII by the table below (e-acute -> e, sharp s -> ss, o-slash
 * -> o, ae -> ae, thorn -> th); combining accents (U+0300-U+036F) are dropped, so
 * decomposed "Jose" + acute folds like the precomposed form; ASCII punctuation, Latin-1
 * symbols, modifier letters (the modifier apostrophe) and general punctuation (curly
 * apostrophes, dashes) separate words; any other code point is kept as "~" and six hex
 * digits, without case folding (Greek, Cyrillic and other scripts match exactly, letter
 * for letter, but not across case).  No ICU: transliteration beyond the table, ligatures
 * and Unicode normalisation of other scripts are not done.
 *
 * Merge lifecycle of a patient record:
 *   current --merged into S--> merged: a new version of it, a patient_merges row
 *     (merged_id, S, direct = 1); no search keys; reads say merged_into; writes under
 *     it are MD_ECONFLICT.  A survivor S merged later into T takes its members along
 *     (rows (member, T, direct = 0)), so T's scope covers every record merged into it.
 * Nothing is deleted but search keys, which are derived data.
 */
#include "mesodesk/record.h"
#include "mesodesk/audit.h"
#include "mesodesk/sbuf.h"
#include "mesodesk/commit.h"
#include "mesodesk/validate.h"
#include "record_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TERM_MAX 200
#define MAX_TERMS 192
#define QUERY_MAX 200
#define MAX_CANDIDATES 10
/* A stage's keys are kept in blocks of this many bytes, and written this many per INSERT. */
#define STAGE_BLOCK (16u << 20)
#define STAGE_ROWS 64
_Static_assert(1 + 3 * STAGE_ROWS <= MD_STORE_PARAMS_MAX, "a staged insert binds one statement");

/* ---- folding text to search keys ---- */

typedef struct fold_range {
    unsigned lo, hi;
    const char *to; /* ASCII it folds to; "" drops the code point; NULL separates words */
} fold_range;

static const fold_range folds[] = {
    {0x80, 0xBF, NULL},   {0xC0, 0xC5, "a"},      {0xC6, 0xC6, "ae"},     {0xC7, 0xC7, "c"},
    {0xC8, 0xCB, "e"},    {0xCC, 0xCF, "i"},      {0xD0, 0xD0, "d"},      {0xD1, 0xD1, "n"},
    {0xD2, 0xD6, "o"},    {0xD7, 0xD7, NULL},     {0xD8, 0xD8, "o"},      {0xD9, 0xDC, "u"},
    {0xDD, 0xDD, "y"},    {0xDE, 0xDE, "th"},     {0xDF, 0xDF, "ss"},     {0xE0, 0xE5, "a"},
    {0xE6, 0xE6, "ae"},   {0xE7, 0xE7, "c"},      {0xE8, 0xEB, "e"},      {0xEC, 0xEF, "i"},
    {0xF0, 0xF0, "d"},    {0xF1, 0xF1, "n"},      {0xF2, 0xF6, "o"},      {0xF7, 0xF7, NULL},
    {0xF8, 0xF8, "o"},    {0xF9, 0xFC, "u"},      {0xFD, 0xFD, "y"},      {0xFE, 0xFE, "th"},
    {0xFF, 0xFF, "y"},    {0x100, 0x105, "a"},    {0x106, 0x10D, "c"},    {0x10E, 0x111, "d"},
    {0x112, 0x11B, "e"},  {0x11C, 0x123, "g"},    {0x124, 0x127, "h"},    {0x128, 0x131, "i"},
    {0x132, 0x133, "ij"}, {0x134, 0x135, "j"},    {0x136, 0x138, "k"},    {0x139, 0x142, "l"},
    {0x143, 0x14B, "n"},  {0x14C, 0x151, "o"},    {0x152, 0x153, "oe"},   {0x154, 0x159, "r"},
    {0x15A, 0x161, "s"},  {0x162, 0x167, "t"},    {0x168, 0x173, "u"},    {0x174, 0x175, "w"},
    {0x176, 0x178, "y"},  {0x179, 0x17E, "z"},    {0x17F, 0x17F, "s"},    {0x2B0, 0x2FF, NULL},
    {0x300, 0x36F, ""},   {0x2000, 0x206F, NULL}, {0x3000, 0x303F, NULL}, {0xFE00, 0xFE0F, ""},
    {0xFEFF, 0xFEFF, ""},
};

#define BAD_CP 0xFFFFFFFFu

/* Decode one UTF-8 code point at *p and advance; BAD_CP (one byte consumed) when the
 * bytes are not valid UTF-8.  Never reads past a NUL. */
static unsigned utf8_next(const unsigned char **p)
{
    const unsigned char *s = *p;
    unsigned c = s[0], cp;
    int n;
    *p = s + 1;
    if (c < 0x80) return c;
    if (c >= 0xC2 && c <= 0xDF)
        n = 1, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 2, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 3, cp = c & 0x07;
    else
        return BAD_CP;
    for (int i = 1; i <= n; i++) {
        if ((s[i] & 0xC0) != 0x80) return BAD_CP;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return BAD_CP;
    *p = s + n + 1;
    return cp;
}

/* What one code point folds to (see the top of the file); buf holds generated text. */
static const char *fold_cp(unsigned cp, char buf[12])
{
    if (cp == BAD_CP) return NULL;
    if (cp >= 'A' && cp <= 'Z') {
        buf[0] = (char)(cp + ('a' - 'A'));
        buf[1] = '\0';
        return buf;
    }
    if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
        buf[0] = (char)cp;
        buf[1] = '\0';
        return buf;
    }
    if (cp < 0x80) return NULL;
    for (size_t i = 0; i < sizeof folds / sizeof folds[0]; i++)
        if (cp >= folds[i].lo && cp <= folds[i].hi) return folds[i].to;
    snprintf(buf, 12, "~%06x", cp);
    return buf;
}

/* in folded into out: words separated by one space.  Truncated (at a whole code point)
 * to fit cap; returns the length. */
static size_t fold_text(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    int sep = 0;
    const unsigned char *p = (const unsigned char *)(in ? in : "");
    while (*p) {
        char buf[12];
        const char *to = fold_cp(utf8_next(&p), buf);
        if (!to) {
            sep = n > 0;
            continue;
        }
        size_t len = strlen(to);
        if (!len) continue;
        if (n + (size_t)sep + len + 1 > cap) break;
        if (sep) out[n++] = ' ';
        memcpy(out + n, to, len);
        n += len;
        sep = 0;
    }
    out[n] = '\0';
    return n;
}

/* in folded, with its words joined: "O'Brien" -> "obrien". */
static size_t fold_joined(const char *in, char *out, size_t cap)
{
    size_t n = fold_text(in, out, cap), w = 0;
    for (size_t i = 0; i < n; i++)
        if (out[i] != ' ') out[w++] = out[i];
    out[w] = '\0';
    return w;
}

/* An e-mail as a key: ASCII lowercased, other bytes as "~" and two hex digits. */
static size_t email_key(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        if (*p == ' ' || *p == '\t') continue;
        char buf[4] = {(char)*p, 0};
        if (*p >= 'A' && *p <= 'Z') buf[0] = (char)(*p + ('a' - 'A'));
        if (*p >= 0x80) snprintf(buf, sizeof buf, "~%02x", *p);
        size_t len = strlen(buf);
        if (n + len + 1 > cap) break;
        memcpy(out + n, buf, len);
        n += len;
    }
    out[n] = '\0';
    return n;
}

/* The digits of a phone number; a "(0)" (the trunk zero written beside a country code,
 * "+44 (0)7700") is not part of the number. */
static size_t phone_digits(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = in; p && *p && n + 1 < cap; p++) {
        if (strncmp(p, "(0)", 3) == 0)
            p += 2;
        else if (*p >= '0' && *p <= '9')
            out[n++] = *p;
    }
    out[n] = '\0';
    return n;
}

/* The digits of a phone number asked for, without leading zeros: those are a trunk or
 * international prefix ("07700...", "0044..."), and the number is found as the ending
 * that follows them. */
static size_t phone_query(const char *in, char *out, size_t cap)
{
    size_t n = phone_digits(in, out, cap), z = 0;
    while (z + 1 < n && out[z] == '0')
        z++;
    memmove(out, out + z, n - z + 1);
    return n - z;
}

/* Only digits, spaces and + - ( ) . with at least one digit: a phone number. */
static int is_phone_text(const char *s, size_t len)
{
    int digits = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            digits++;
        else if (!strchr("+-() .\t", s[i]))
            return 0;
    }
    return digits > 0;
}

/* The duplicate check's key: birth_date|first|second, folded and joined. */
static void name_key(const char *birth, const char *first, const char *second, char *out,
                     size_t cap)
{
    char a[TERM_MAX + 1], b[TERM_MAX + 1];
    fold_joined(first, a, sizeof a);
    fold_joined(second, b, sizeof b);
    snprintf(out, cap, "%s|%s|%s", birth ? birth : "", a, b);
    if (cap > TERM_MAX) out[TERM_MAX] = '\0'; /* as stored (add_term) */
}

/* ---- the keys of one patient ---- */

typedef struct term {
    char kind[2];
    char text[TERM_MAX + 1];
} term;

typedef struct term_set {
    term t[MAX_TERMS];
    int n;
} term_set;

static void add_term(term_set *s, char kind, const char *text, size_t len)
{
    if (len == 0 || s->n >= MAX_TERMS) return;
    if (len > TERM_MAX) len = TERM_MAX;
    for (int i = 0; i < s->n; i++)
        if (s->t[i].kind[0] == kind && strlen(s->t[i].text) == len &&
            memcmp(s->t[i].text, text, len) == 0)
            return;
    term *t = &s->t[s->n++];
    t->kind[0] = kind;
    t->kind[1] = '\0';
    memcpy(t->text, text, len);
    t->text[len] = '\0';
}

/* Each folded word of a name, and the name with its words joined. */
static void add_name_terms(term_set *s, const char *name)
{
    char f[2 * TERM_MAX + 1], joined[TERM_MAX + 1];
    size_t n = fold_text(name, f, sizeof f), jn = 0;
    int words = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && f[j] != ' ')
            j++;
        add_term(s, 'n', f + i, j - i);
        for (size_t c = i; c < j && jn < TERM_MAX; c++)
            joined[jn++] = f[c];
        words++;
        i = j + 1;
    }
    if (words > 1) add_term(s, 'n', joined, jn);
}

static void build_terms(term_set *s, const char *given, const char *family, const char *birth,
                        const char *email, const char *phone)
{
    char buf[TERM_MAX + 1];
    s->n = 0;
    add_name_terms(s, given);
    add_name_terms(s, family);
    if (email && *email) add_term(s, 'e', buf, email_key(email, buf, sizeof buf));
    size_t nd = phone_digits(phone, buf, sizeof buf);
    for (size_t i = 0; i < nd; i++)
        if (i == 0 || nd - i >= 4) add_term(s, 'p', buf + i, nd - i);
    char key[3 * TERM_MAX];
    name_key(birth, family, given, key, sizeof key);
    add_term(s, 'k', key, strlen(key));
}

typedef struct patient_keys {
    char clinic_id[MD_ID_STR], id[MD_ID_STR];
    term_set *set;
} patient_keys;

/* Row: given_name, family_name, birth_date, email, phone[, clinic_id, id]. */
static int keys_row(void *vctx, const md_row *r)
{
    patient_keys *k = vctx;
    build_terms(k->set, md_row_text(r, 0), md_row_text(r, 1), md_row_text(r, 2), md_row_text(r, 3),
                md_row_text(r, 4));
    if (md_row_columns(r) > 5) {
        md_strlcpy(k->clinic_id, md_row_text(r, 5), sizeof k->clinic_id);
        md_strlcpy(k->id, md_row_text(r, 6), sizeof k->id);
    }
    return 0;
}

/* All of a patient's keys in one statement: INSERT ... VALUES ($1, $2, $3, $4), ($1, $2,
 * $5, $6), ... (one row per key; clinic and patient bound once). */
static md_code insert_terms(md_store *db, const char *clinic_id, const char *patient_id,
                            const term_set *s, md_err *err)
{
    if (s->n == 0) return MD_OK;
    md_val v[2 + 2 * MAX_TERMS];
    char sql[96 + 24 * MAX_TERMS];
    md_sbuf b;
    md_sbuf_init(&b, sql, sizeof sql);
    md_sbuf_append(&b, "INSERT INTO patient_terms (clinic_id, patient_id, kind, term) VALUES");
    v[0] = md_text(clinic_id);
    v[1] = md_text(patient_id);
    for (int i = 0; i < s->n; i++) {
        v[2 + 2 * i] = md_text(s->t[i].kind);
        v[3 + 2 * i] = md_text(s->t[i].text);
        md_sbuf_appendf(&b, "%s ($1, $2, $%d, $%d)", i ? "," : "", 3 + 2 * i, 4 + 2 * i);
    }
    if (!md_sbuf_ok(&b)) return md_sbuf_check(&b, "the search keys' insert", err);
    return md_store_exec(db, sql, v, 2 + 2 * s->n, NULL, NULL, err);
}

md_code md__patient_terms_insert(md_ctx *ctx, const char *patient_id, const char *given,
                                 const char *family, const char *birth, const char *email,
                                 const char *phone, md_err *err)
{
    term_set *set = malloc(sizeof *set);
    if (!set) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    build_terms(set, given, family, birth, email, phone);
    md_code rc = insert_terms(ctx->db, ctx->who.clinic_id, patient_id, set, err);
    free(set);
    return rc;
}

/* A staged key is one record in a block: kind, term, NUL, patient id, NUL.  Sorting the
 * records' addresses by strcmp of kind + term, then the patient id, gives the primary
 * key's order (clinic_id is the stage's one clinic). */
struct md__term_stage {
    char **blocks;
    size_t nblocks, used; /* used: bytes of the last block */
    char **recs;
    size_t n, cap;
    term_set set;
};

md__term_stage *md__term_stage_new(void)
{
    return calloc(1, sizeof(md__term_stage));
}

static void stage_empty(md__term_stage *st)
{
    for (size_t i = 0; i < st->nblocks; i++)
        free(st->blocks[i]);
    free(st->blocks);
    free(st->recs);
    st->blocks = st->recs = NULL;
    st->nblocks = st->used = st->n = st->cap = 0;
}

void md__term_stage_free(md__term_stage *st)
{
    if (!st) return;
    stage_empty(st);
    free(st);
}

/* Room for len bytes in the last block (a new block when full); NULL when out of memory. */
static char *stage_room(md__term_stage *st, size_t len)
{
    if (!st->nblocks || st->used + len > STAGE_BLOCK) {
        char **nb = realloc(st->blocks, (st->nblocks + 1) * sizeof *nb);
        if (!nb) return NULL;
        st->blocks = nb;
        if (!(nb[st->nblocks] = malloc(STAGE_BLOCK))) return NULL;
        st->nblocks++;
        st->used = 0;
    }
    char *p = st->blocks[st->nblocks - 1] + st->used;
    st->used += len;
    return p;
}

md_code md__term_stage_add(md__term_stage *st, const char *patient_id, const char *given,
                           const char *family, const char *birth, const char *email,
                           const char *phone, md_err *err)
{
    build_terms(&st->set, given, family, birth, email, phone);
    if (st->n + (size_t)st->set.n > st->cap) {
        size_t cap = st->cap ? 2 * st->cap : 1u << 16;
        while (cap < st->n + (size_t)st->set.n)
            cap *= 2;
        char **nr = realloc(st->recs, cap * sizeof *nr);
        if (!nr) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        st->recs = nr;
        st->cap = cap;
    }
    for (int i = 0; i < st->set.n; i++) {
        size_t tl = strlen(st->set.t[i].text);
        char *r = stage_room(st, 1 + tl + 1 + MD_ID_STR);
        if (!r) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
        r[0] = st->set.t[i].kind[0];
        memcpy(r + 1, st->set.t[i].text, tl + 1);
        md_strlcpy(r + tl + 2, patient_id, MD_ID_STR);
        st->recs[st->n++] = r;
    }
    return MD_OK;
}

size_t md__term_stage_count(const md__term_stage *st)
{
    return st->n;
}

void md__term_stage_truncate(md__term_stage *st, size_t n)
{
    if (n < st->n) st->n = n;
}

static int rec_cmp(const void *va, const void *vb)
{
    const char *a = *(const char *const *)va, *b = *(const char *const *)vb;
    int c = strcmp(a, b);
    return c ? c : strcmp(a + strlen(a) + 1, b + strlen(b) + 1);
}

md_code md__term_stage_flush(md_ctx *ctx, md__term_stage *st, md_err *err)
{
    md_val v[1 + 3 * STAGE_ROWS];
    char sql[128 + 24 * STAGE_ROWS], kinds[STAGE_ROWS][2];
    md_code rc = MD_OK;
    size_t built = 0; /* rows of the statement text in sql (every statement but the last: all) */
    qsort(st->recs, st->n, sizeof *st->recs, rec_cmp);
    v[0] = md_text(ctx->who.clinic_id);
    for (size_t i = 0; rc == MD_OK && i < st->n; i += STAGE_ROWS) {
        size_t rows = st->n - i < STAGE_ROWS ? st->n - i : STAGE_ROWS;
        for (size_t r = 0; r < rows; r++) {
            const char *rec = st->recs[i + r];
            kinds[r][0] = rec[0];
            kinds[r][1] = '\0';
            v[1 + 3 * r] = md_text(kinds[r]);
            v[2 + 3 * r] = md_text(rec + 1);
            v[3 + 3 * r] = md_text(rec + strlen(rec) + 1);
        }
        if (rows != built) {
            md_sbuf b;
            md_sbuf_init(&b, sql, sizeof sql);
            md_sbuf_append(&b,
                           "INSERT INTO patient_terms (clinic_id, kind, term, patient_id) VALUES");
            for (size_t r = 0; r < rows; r++)
                md_sbuf_appendf(&b, "%s ($1, $%zu, $%zu, $%zu)", r ? "," : "", 2 + 3 * r, 3 + 3 * r,
                                4 + 3 * r);
            if (!md_sbuf_ok(&b)) rc = md_sbuf_check(&b, "the staged keys' insert", err);
            built = rows;
        }
        if (rc == MD_OK) rc = md_store_exec(ctx->db, sql, v, 1 + 3 * (int)rows, NULL, NULL, err);
    }
    stage_empty(st);
    return rc;
}

static md_code delete_terms(md_ctx *ctx, const char *patient_id, md_err *err)
{
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(patient_id)};
    return md_store_exec(ctx->db,
                         "DELETE FROM patient_terms WHERE clinic_id = $1 AND patient_id = $2", v, 2,
                         NULL, NULL, err);
}

md_code md__patient_terms_refresh(md_ctx *ctx, const char *patient_id, md_err *err)
{
    char survivor[MD_ID_STR];
    int merged = 0;
    md_code rc = delete_terms(ctx, patient_id, err);
    if (rc == MD_OK) rc = md__patient_merged_into(ctx, patient_id, &merged, survivor, err);
    if (rc != MD_OK || merged) return rc;
    term_set *set = calloc(1, sizeof *set);
    if (!set) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    patient_keys k = {"", "", set};
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(patient_id)};
    rc = md_store_exec(ctx->db,
                       "SELECT given_name, family_name, birth_date, email, phone FROM patients "
                       "WHERE clinic_id = $1 AND id = $2 AND current = 1",
                       v, 2, keys_row, &k, err);
    if (rc == MD_OK) rc = insert_terms(ctx->db, ctx->who.clinic_id, patient_id, set, err);
    free(set);
    return rc;
}

typedef struct id_pair {
    char clinic_id[MD_ID_STR], id[MD_ID_STR];
} id_pair;

typedef struct id_list {
    id_pair *items;
    size_t n, cap;
    int failed;
} id_list;

static int collect_pair(void *vctx, const md_row *r)
{
    id_list *l = vctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        id_pair *ni = realloc(l->items, cap * sizeof *ni);
        if (!ni) {
            l->failed = 1;
            return 1;
        }
        l->items = ni;
        l->cap = cap;
    }
    md_strlcpy(l->items[l->n].clinic_id, md_row_text(r, 0), MD_ID_STR);
    md_strlcpy(l->items[l->n].id, md_row_text(r, 1), MD_ID_STR);
    l->n++;
    return 0;
}

md_code md_patient_terms_rebuild(md_store *db, md_err *err)
{
    id_list ids = {NULL, 0, 0, 0};
    term_set *set = calloc(1, sizeof *set);
    if (!set) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_code rc = md_store_exec(db, "DELETE FROM patient_terms", NULL, 0, NULL, NULL, err);
    if (rc == MD_OK)
        rc = md_store_exec(db,
                           "SELECT p.clinic_id, p.id FROM patients p WHERE p.current = 1 AND NOT "
                           "EXISTS (SELECT 1 FROM patient_merges m WHERE m.clinic_id = "
                           "p.clinic_id AND m.merged_id = p.id)",
                           NULL, 0, collect_pair, &ids, err);
    if (rc == MD_OK && ids.failed) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; rc == MD_OK && i < ids.n; i++) {
        patient_keys k = {"", "", set};
        md_val v[] = {md_text(ids.items[i].clinic_id), md_text(ids.items[i].id)};
        set->n = 0;
        rc = md_store_exec(db,
                           "SELECT given_name, family_name, birth_date, email, phone FROM "
                           "patients WHERE clinic_id = $1 AND id = $2 AND current = 1",
                           v, 2, keys_row, &k, err);
        if (rc == MD_OK) rc = insert_terms(db, ids.items[i].clinic_id, ids.items[i].id, set, err);
    }
    free(ids.items);
    free(set);
    return rc;
}

/* ---- search ---- */

/* The key range [lo, hi) of every term starting with lo: hi is lo with its last byte + 1
 * (terms are ASCII, so this stays valid text). */
static void prefix_range(const char *word, size_t len, char lo[256], char hi[256])
{
    if (len > 254) len = 254;
    memcpy(lo, word, len);
    lo[len] = '\0';
    memcpy(hi, lo, len + 1);
    hi[len - 1] = (char)(hi[len - 1] + 1);
}

md_code md_patient_search_sql(const md_ctx *ctx, const md_patient_query *q, md_search_sql *o,
                              md_err *err)
{
    memset(o, 0, sizeof *o);
    o->clinic_id = ctx->who.clinic_id;
    o->params[o->nparams++] = md_text(ctx->who.clinic_id);
    const char *text = q->name ? q->name : "";
    size_t tlen = strlen(text);
    if (tlen > QUERY_MAX)
        return md_err_set(err, MD_EINVAL, "name", "the search is longer than %d characters",
                          QUERY_MAX);
    if (q->birth_date) {
        int p = md_date_parse(q->birth_date, NULL);
        if (p == -1)
            return md_err_set(err, MD_EUNPROCESSABLE, "birth_date",
                              "birth date \"%.40s\" cannot be read: write it as YYYY-MM-DD",
                              q->birth_date);
        if (p != 0)
            return md_err_set(err, MD_EUNPROCESSABLE, "birth_date",
                              "birth date %.40s is not a calendar date", q->birth_date);
    }
    /* Each word: its kind and key range. */
    const char *kinds[MD_SEARCH_MAX_WORDS];
    int nw = 0;
    char buf[2 * TERM_MAX + 1];
    size_t i = 0;
    int whole_phone = is_phone_text(text, tlen);
    while (i < tlen) {
        while (i < tlen && (text[i] == ' ' || text[i] == '\t'))
            i++;
        size_t j = i;
        while (j < tlen && (whole_phone || (text[j] != ' ' && text[j] != '\t')))
            j++;
        if (j == i) break;
        char word[QUERY_MAX + 1];
        memcpy(word, text + i, j - i);
        word[j - i] = '\0';
        i = j;
        const char *kind = "n";
        size_t n;
        if (strchr(word, '@'))
            kind = "e", n = email_key(word, buf, sizeof buf);
        else if (is_phone_text(word, strlen(word)))
            kind = "p", n = phone_query(word, buf, sizeof buf);
        else
            n = fold_joined(word, buf, sizeof buf);
        if (n == 0) continue;           /* punctuation only */
        if (n > TERM_MAX) n = TERM_MAX; /* keys are stored at most this long */
        if (nw == MD_SEARCH_MAX_WORDS)
            return md_err_set(err, MD_EUNPROCESSABLE, "name", "search with at most %d words",
                              MD_SEARCH_MAX_WORDS);
        kinds[nw] = kind;
        prefix_range(buf, n, o->terms[nw][0], o->terms[nw][1]);
        nw++;
    }
    char where[1536];
    md_sbuf b;
    md_sbuf_init(&b, where, sizeof where);
    md_sbuf_append(&b, "clinic_id = $1 AND current = 1");
    /* The words' matches are intersected inside the key index (one IN list of the
     * patients matching every word) rather than each patient of one word's range being
     * fetched and tested against the others'. */
    for (int w = 0; w < nw; w++) {
        md_sbuf_appendf(&b,
                        "%s SELECT patient_id FROM patient_terms WHERE clinic_id = $1 AND kind = "
                        "$%d AND term >= $%d AND term < $%d%s",
                        w == 0 ? " AND id IN (" : " INTERSECT", o->nparams + 1, o->nparams + 2,
                        o->nparams + 3, w == nw - 1 ? ")" : "");
        o->params[o->nparams++] = md_text(kinds[w]);
        o->params[o->nparams++] = md_text(o->terms[w][0]);
        o->params[o->nparams++] = md_text(o->terms[w][1]);
    }
    /* As a list of ids from the birth date index: the planner would otherwise walk the
     * clinic in name order and test each birth date. */
    if (q->birth_date) {
        md_sbuf_appendf(
            &b,
            " AND id IN (SELECT id FROM patients WHERE clinic_id = $1 AND current = 1 AND "
            "birth_date = $%d)",
            o->nparams + 1);
        o->params[o->nparams++] = md_text(q->birth_date);
    }
    /* Merged records have no keys; without a word they are left out here. */
    if (nw == 0)
        md_sbuf_append(
            &b, " AND id NOT IN (SELECT merged_id FROM patient_merges WHERE clinic_id = $1)");
    o->ncount = o->nparams;
    md_sbuf count;
    md_sbuf_init(&count, o->count, sizeof o->count);
    /* At most count_cap + 1 matches (a literal: the parameters are the list's). */
    o->count_cap = (int64_t)MD_SEARCH_COUNT_MAX + (q->offset > 0 ? q->offset : 0);
    md_sbuf_appendf(&count,
                    "SELECT count(*) FROM (SELECT 1 FROM patients WHERE %s LIMIT %lld) AS capped",
                    where, (long long)o->count_cap + 1);
    /* With a word or a birth date, the matches come from their key ranges and are sorted:
     * "|| ''" keeps the planner from walking the whole clinic in patients_family order,
     * testing each patient against the ranges until LIMIT + OFFSET of them match (at
     * 1,000,000 patients, seconds for a rare name).  Sorting costs what the count of the
     * same matches costs anyway.  Without either, the index order is the fast way. */
    md_sbuf_appendf(&b,
                    " ORDER BY lower(family_name)%s, lower(given_name), id LIMIT $%d OFFSET $%d",
                    nw > 0 || q->birth_date ? " || ''" : "", o->nparams + 1, o->nparams + 2);
    o->params[o->nparams++] = md_int(q->limit);
    o->params[o->nparams++] = md_int(q->offset);
    if (!md_sbuf_ok(&b)) return md_sbuf_check(&b, "the search query", err);
    if (!md_sbuf_ok(&count)) return md_sbuf_check(&count, "the search count", err);
    if (!md__record_select_sql(&md_kind_patient, where, o->list, sizeof o->list))
        return md_err_set(err, MD_EINTERNAL, NULL, "the search statement is too long");
    return MD_OK;
}

/* One "read" audit entry per patient listed, committed together. */
static md_code audit_listed(md_ctx *ctx, json_t *items, const char *detail, md_err *err)
{
    size_t n = json_array_size(items);
    if (n == 0) return MD_OK;
    md_audit_entry *entries = calloc(n, sizeof *entries);
    if (!entries) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *pid = json_string_value(json_object_get(json_array_get(items, i), "id"));
        entries[i] = (md_audit_entry){"read", md_kind_patient.name, pid, pid, detail};
    }
    md_code rc = md_audit_many(ctx, entries, n, err);
    free(entries);
    return rc;
}

md_code md_patient_search(md_ctx *ctx, const md_patient_query *q, json_t **out, md_err *err)
{
    const md_record_kind *k = &md_kind_patient;
    json_t *items = NULL;
    int64_t total = 0;
    md_code rc = md_require(ctx, k->read_perm, err);
    if (rc != MD_OK) return rc;
    md_search_sql *s = malloc(sizeof *s);
    if (!s) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    rc = md_patient_search_sql(ctx, q, s, err);
    if (rc == MD_OK) rc = md__record_run(ctx, k, s->list, s->params, s->nparams, &items, err);
    if (rc == MD_OK) rc = md_store_scalar_int(ctx->db, s->count, s->params, s->ncount, &total, err);
    if (rc == MD_OK) rc = audit_listed(ctx, items, "search", err);
    if (rc != MD_OK) {
        free(s);
        json_decref(items);
        return rc;
    }
    int more = total > s->count_cap;
    if (more) total = s->count_cap;
    free(s);
    *out = json_pack("{s:o,s:I,s:b,s:i,s:i}", "items", items, "total", (json_int_t)total,
                     "total_is_lower_bound", more, "limit", q->limit, "offset", q->offset);
    return MD_OK;
}

/* ---- likely duplicates ---- */

/* Add the patients whose key (kind, term) is exactly term to cands (id -> candidate),
 * each marked with why it matched. */
void md_patient_duplicates_sql(char *buf, size_t sz)
{
    char where[512];
    /* "|| ''": an ORDER BY that no index provides, so that SQLite looks up the few ids
     * the terms name instead of walking every current patient of the clinic in
     * patients_family order (without statistics it takes clinic_id = $1 for a few rows). */
    snprintf(where, sizeof where,
             "clinic_id = $1 AND current = 1 AND id IN (SELECT patient_id FROM patient_terms "
             "WHERE clinic_id = $1 AND kind = $2 AND term = $3) ORDER BY lower(family_name) || "
             "'', lower(given_name), id LIMIT %d",
             MAX_CANDIDATES);
    md__record_select_sql(&md_kind_patient, where, buf, sz);
}

static md_code match_key(md_ctx *ctx, const char *kind, const char *key, const char *why,
                         json_t *cands, md_err *err)
{
    char sql[2048];
    json_t *items = NULL;
    md_patient_duplicates_sql(sql, sizeof sql);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(kind), md_text(key)};
    md_code rc = md__record_run(ctx, &md_kind_patient, sql, v, 3, &items, err);
    if (rc != MD_OK) return rc;
    size_t i;
    json_t *p;
    json_array_foreach(items, i, p)
    {
        const char *id = json_string_value(json_object_get(p, "id"));
        json_t *c = json_object_get(cands, id);
        if (!c && json_object_size(cands) < MAX_CANDIDATES) {
            c = json_deep_copy(p);
            json_object_set_new(c, "matched_on", json_array());
            json_object_set_new(cands, id, c);
        }
        json_t *on = json_object_get(c, "matched_on");
        int seen = 0;
        for (size_t j = 0; j < json_array_size(on); j++)
            seen |= strcmp(json_string_value(json_array_get(on, j)), why) == 0;
        if (c && !seen) json_array_append_new(on, json_string(why));
    }
    json_decref(items);
    return MD_OK;
}

/* The keys a duplicate check looks up: kind, term and why they match. */
typedef struct dup_key {
    const char *kind, *why;
    char term[3 * TERM_MAX];
    int found;
} dup_key;

typedef struct dup_probe {
    dup_key *keys;
    int n;
} dup_probe;

static int probe_row(void *vctx, const md_row *r)
{
    dup_probe *p = vctx;
    const char *kind = md_row_text(r, 0), *text = md_row_text(r, 1);
    for (int i = 0; kind && text && i < p->n; i++)
        if (strcmp(p->keys[i].kind, kind) == 0 && strcmp(p->keys[i].term, text) == 0)
            p->keys[i].found = 1;
    return 0;
}

/* Which of the keys any patient of the clinic has, in one statement (one range of the key
 * index per key); a create usually finds none and then reads no patient at all. */
static md_code probe_keys(md_ctx *ctx, dup_key *keys, int n, md_err *err)
{
    char sql[160 * 4 + 64];
    md_val v[1 + 2 * 4];
    md_sbuf b;
    md_sbuf_init(&b, sql, sizeof sql);
    v[0] = md_text(ctx->who.clinic_id);
    for (int i = 0; i < n; i++) {
        v[1 + 2 * i] = md_text(keys[i].kind);
        v[2 + 2 * i] = md_text(keys[i].term);
        md_sbuf_appendf(&b,
                        "%sSELECT kind, term FROM patient_terms WHERE clinic_id = $1 AND kind = "
                        "$%d AND term = $%d",
                        i ? " UNION ALL " : "", 2 + 2 * i, 3 + 2 * i);
    }
    if (!md_sbuf_ok(&b)) return md_sbuf_check(&b, "the duplicate check's probe", err);
    dup_probe p = {keys, n};
    return md_store_exec(ctx->db, sql, v, 1 + 2 * n, probe_row, &p, err);
}

md_code md_patient_duplicates(md_ctx *ctx, json_t *in, json_t **out, md_err *err)
{
    md_code rc = md_require(ctx, md_kind_patient.read_perm, err);
    if (rc != MD_OK) return rc;
    const char *given = json_string_value(json_object_get(in, "given_name"));
    const char *family = json_string_value(json_object_get(in, "family_name"));
    const char *birth = json_string_value(json_object_get(in, "birth_date"));
    const char *email = json_string_value(json_object_get(in, "email"));
    const char *phone = json_string_value(json_object_get(in, "phone"));
    /* In the order their matches are listed: the name and birth date (also with the
     * names swapped, given entered as family: the same person too), e-mail, phone. */
    dup_key keys[4];
    int n = 0;
    if (given && family && birth) {
        keys[n] = (dup_key){"k", "name_and_birth_date", "", 0};
        name_key(birth, family, given, keys[n].term, sizeof keys[n].term);
        n++;
        keys[n] = (dup_key){"k", "name_and_birth_date", "", 0};
        name_key(birth, given, family, keys[n].term, sizeof keys[n].term);
        n++;
    }
    if (email) {
        keys[n] = (dup_key){"e", "email", "", 0};
        if (email_key(email, keys[n].term, TERM_MAX + 1)) n++;
    }
    if (phone) {
        keys[n] = (dup_key){"p", "phone", "", 0};
        if (phone_query(phone, keys[n].term, TERM_MAX + 1) >= 7) n++;
    }
    if (n) rc = probe_keys(ctx, keys, n, err);
    json_t *cands = json_object();
    for (int i = 0; rc == MD_OK && i < n; i++)
        if (keys[i].found) rc = match_key(ctx, keys[i].kind, keys[i].term, keys[i].why, cands, err);
    json_t *list = json_array();
    const char *id;
    json_t *c;
    json_object_foreach(cands, id, c) json_array_append(list, c);
    json_decref(cands);
    if (rc == MD_OK) rc = audit_listed(ctx, list, "duplicate check", err);
    if (rc != MD_OK) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o}", "candidates", list);
    return MD_OK;
}

md_code md_patient_create(md_ctx *ctx, json_t *in, int confirm_not_duplicate, json_t **out,
                          json_t **candidates, md_err *err)
{
    json_t *dups = NULL;
    md_code rc = md_require(ctx, md_kind_patient.write_perm, err);
    if (rc == MD_OK) rc = md_record_validate(ctx, &md_kind_patient, in, err);
    if (rc == MD_OK && !confirm_not_duplicate) rc = md_patient_duplicates(ctx, in, &dups, err);
    if (rc != MD_OK) return rc;
    size_t n = json_array_size(json_object_get(dups, "candidates"));
    if (n) {
        *candidates = dups;
        return md_err_set(err, MD_ECONFLICT, NULL,
                          "%zu existing patient record%s may be the same person: open %s, or "
                          "confirm that this is a different person",
                          n, n == 1 ? "" : "s", n == 1 ? "it" : "them");
    }
    json_decref(dups);
    return md_record_create(ctx, &md_kind_patient, NULL, in, out, err);
}

/* ---- merges ---- */

const md_record_kind *md_patient_merge_kind(size_t i)
{
    /* Every collection of facts under a patient (a unit test checks that each versioned
     * table with a patient_id is one of these). */
    static const char *const collections[] = {"allergies",
                                              "allergy_statements",
                                              "conditions",
                                              "medications",
                                              "status",
                                              "clearances",
                                              "administrations",
                                              "patch_tests",
                                              "patch_test_readings",
                                              "formulations",
                                              "recall_cases",
                                              "recall_contacts",
                                              "appointments",
                                              "courses",
                                              "consents",
                                              "photos",
                                              "sessions",
                                              "checkins"};
    return i < sizeof collections / sizeof collections[0]
               ? md_fact_kind_by_collection(collections[i])
               : NULL;
}

/* A new version of every current row of k matching "<match> = $2" (id or patient_id),
 * with the same values; facts move to new_parent.  Set-based: the rows are first marked
 * current = 2 so that the new current rows can be inserted beside them. */
static md_code new_versions(md_ctx *ctx, const md_record_kind *k, const char *match,
                            const char *key, const char *new_parent, const char *reason,
                            md_err *err)
{
    char cols[1024], sql[4096], now[MD_TIME_STR];
    md_sbuf c;
    md_sbuf_init(&c, cols, sizeof cols);
    for (int i = 0; k->fields[i].name; i++)
        md_sbuf_appendf(&c, ", %s", k->fields[i].name);
    /* The statements below hold the column list twice besides a few short names. */
    if (!md_sbuf_ok(&c) || 2 * c.len + 512 > sizeof sql)
        return md_err_set(err, MD_EINTERNAL, NULL, "kind %s has too many fields to merge", k->name);
    md_time_format(md_now(), now);
    md_val v[] = {md_text(ctx->who.clinic_id),
                  md_text(key),
                  md_text(md_actor_id(ctx)),
                  md_text(now),
                  md_text(reason),
                  md_text(new_parent)};
    snprintf(sql, sizeof sql,
             "UPDATE %s SET current = 2 WHERE clinic_id = $1 AND %s = $2 AND current = 1", k->table,
             match);
    md_code rc = md_store_exec(ctx->db, sql, v, 2, NULL, NULL, err);
    if (rc != MD_OK) return rc;
    snprintf(sql, sizeof sql,
             "INSERT INTO %s (clinic_id, id, version, current, recorded_by, recorded_at, "
             "reason%s%s) SELECT clinic_id, id, version + 1, 1, $3, $4, $5%s%s FROM %s WHERE "
             "clinic_id = $1 AND %s = $2 AND current = 2",
             k->table, k->has_parent ? ", patient_id" : "", cols, k->has_parent ? ", $6" : "", cols,
             k->table, match);
    rc = md_store_exec(ctx->db, sql, v, k->has_parent ? 6 : 5, NULL, NULL, err);
    if (rc != MD_OK) return rc;
    snprintf(sql, sizeof sql,
             "UPDATE %s SET current = 0 WHERE clinic_id = $1 AND %s = $2 AND current = 2", k->table,
             match);
    return md_store_exec(ctx->db, sql, v, 2, NULL, NULL, err);
}

static int collect_text(void *vctx, const md_row *r)
{
    json_array_append_new(vctx, json_string(md_row_text(r, 0)));
    return 0;
}

/* Move every current fact of the duplicate to the survivor, auditing each. */
static md_code move_facts(md_ctx *ctx, const char *dup, const char *surv, const char *reason,
                          md_err *err)
{
    char sql[256], detail[64];
    md_code rc = MD_OK;
    snprintf(detail, sizeof detail, "merged from %s", dup);
    for (size_t i = 0; rc == MD_OK && md_patient_merge_kind(i); i++) {
        const md_record_kind *k = md_patient_merge_kind(i);
        json_t *ids = json_array();
        snprintf(sql, sizeof sql,
                 "SELECT id FROM %s WHERE clinic_id = $1 AND patient_id = $2 AND current = 1 "
                 "ORDER BY id",
                 k->table);
        md_val v[] = {md_text(ctx->who.clinic_id), md_text(dup)};
        rc = md_store_exec(ctx->db, sql, v, 2, collect_text, ids, err);
        for (size_t j = 0; rc == MD_OK && j < json_array_size(ids); j++) {
            md_audit_entry a = {"merge", k->name, json_string_value(json_array_get(ids, j)), surv,
                                detail};
            rc = md_audit(ctx, &a, err);
        }
        if (rc == MD_OK && json_array_size(ids))
            rc = new_versions(ctx, k, "patient_id", dup, surv, reason, err);
        /* What a kind derives from its records (a course's window index) follows the move,
         * as after any other write of the kind. */
        for (size_t j = 0; rc == MD_OK && k->hooks.after_write && j < json_array_size(ids); j++)
            rc = k->hooks.after_write(ctx, k, json_string_value(json_array_get(ids, j)), err);
        json_decref(ids);
    }
    return rc;
}

/* How many current statements of kind k a patient holds, entered-in-error ones aside. */
static md_code count_current(md_ctx *ctx, const md_record_kind *k, const char *pid, int64_t *n,
                             md_err *err)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM %s WHERE clinic_id = $1 AND patient_id = $2 AND current = 1 "
             "AND %s <> 'entered_in_error'",
             k->table, k->status_field);
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(pid)};
    return md_store_scalar_int(ctx->db, sql, v, 2, n, err);
}

/* Refusals that need the store: either missing or merged, or two status statements. */
static md_code merge_check(md_ctx *ctx, const char *surv, const char *dup, md_err *err)
{
    json_t *p = NULL;
    char into[MD_ID_STR];
    int merged = 0;
    md_code rc = md__record_current(ctx, &md_kind_patient, NULL, surv, &p, err);
    json_decref(p);
    if (rc != MD_OK) return rc;
    p = NULL;
    if ((rc = md__record_current(ctx, &md_kind_patient, NULL, dup, &p, err)) == MD_ENOTFOUND)
        md_strlcpy(err->field, "duplicate_id", sizeof err->field);
    json_decref(p);
    if (rc != MD_OK) return rc;
    if ((rc = md__patient_merged_into(ctx, dup, &merged, into, err)) != MD_OK) return rc;
    if (merged)
        return md_err_set(err, MD_ECONFLICT, "duplicate_id",
                          "that record was already merged into %s", into);
    if ((rc = md__patient_merged_into(ctx, surv, &merged, into, err)) != MD_OK) return rc;
    if (merged)
        return md_err_set(err, MD_ECONFLICT, "id",
                          "this record was itself merged into %s: merge into that one", into);
    /* Pregnancy and breastfeeding status is one statement per patient: which of two is
     * still true is a clinical decision, not the merge's. */
    int64_t a = 0, b = 0;
    rc = count_current(ctx, &md_kind_status, surv, &a, err);
    if (rc == MD_OK) rc = count_current(ctx, &md_kind_status, dup, &b, err);
    if (rc == MD_OK && a && b)
        rc = md_err_set(err, MD_ECONFLICT, "status",
                        "both records hold a pregnancy and breastfeeding statement: mark the "
                        "outdated one entered in error, then merge");
    return rc;
}

md_code md_patient_merge(md_ctx *ctx, const char *survivor_id, const char *duplicate_id,
                         const char *reason, json_t **out, md_err *err)
{
    char rdup[700], rsurv[700], rfact[700], now[MD_TIME_STR];
    if (ctx->who.role != MD_ROLE_ADMIN && ctx->who.role != MD_ROLE_SYSTEM)
        return md_err_set(err, MD_EFORBIDDEN, NULL, "only an admin may merge patient records");
    md_code rc = md_require(ctx, MD_PERM_DEMOGRAPHICS_WRITE | MD_PERM_CLINICAL_WRITE, err);
    if (rc != MD_OK) return rc;
    if (!md_id_valid(survivor_id)) return md_err_set(err, MD_ENOTFOUND, "id", "no such patient");
    if (!duplicate_id || !*duplicate_id)
        return md_err_set(err, MD_EINVAL, "duplicate_id", "duplicate_id is required");
    if (!md_id_valid(duplicate_id))
        return md_err_set(err, MD_ENOTFOUND, "duplicate_id", "no such patient");
    if (strcmp(survivor_id, duplicate_id) == 0)
        return md_err_set(err, MD_EUNPROCESSABLE, "duplicate_id",
                          "a record cannot be merged into itself");
    if (!reason || !*reason)
        return md_err_set(err, MD_EINVAL, "reason", "say why the records are the same person");
    snprintf(rdup, sizeof rdup, "merged into %s: %s", survivor_id, reason);
    snprintf(rsurv, sizeof rsurv, "merged %s into this record: %s", duplicate_id, reason);
    snprintf(rfact, sizeof rfact, "moved from merged record %s: %s", duplicate_id, reason);
    md_time_format(md_now(), now);
    if ((rc = md_write_begin(ctx, err)) != MD_OK) return rc;
    rc = merge_check(ctx, survivor_id, duplicate_id, err);
    if (rc == MD_OK) rc = new_versions(ctx, &md_kind_patient, "id", duplicate_id, NULL, rdup, err);
    if (rc == MD_OK) rc = new_versions(ctx, &md_kind_patient, "id", survivor_id, NULL, rsurv, err);
    if (rc == MD_OK) rc = move_facts(ctx, duplicate_id, survivor_id, rfact, err);
    md_val m[] = {md_text(ctx->who.clinic_id), md_text(duplicate_id), md_text(survivor_id),
                  md_text(md_actor_id(ctx)),   md_text(now),          md_text(reason)};
    /* Records merged into the duplicate earlier follow it to the survivor. */
    if (rc == MD_OK)
        rc = md_store_exec(ctx->db,
                           "INSERT INTO patient_merges (clinic_id, merged_id, survivor_id, "
                           "direct, merged_by, merged_at, reason) SELECT clinic_id, merged_id, "
                           "$3, 0, $4, $5, $6 FROM patient_merges WHERE clinic_id = $1 AND "
                           "survivor_id = $2",
                           m, 6, NULL, NULL, err);
    if (rc == MD_OK)
        rc = md_store_exec(ctx->db,
                           "INSERT INTO patient_merges (clinic_id, merged_id, survivor_id, "
                           "direct, merged_by, merged_at, reason) VALUES ($1, $2, $3, 1, $4, $5, "
                           "$6)",
                           m, 6, NULL, NULL, err);
    if (rc == MD_OK) rc = delete_terms(ctx, duplicate_id, err);
    char into[64], from[64];
    snprintf(into, sizeof into, "merged into %s", survivor_id);
    snprintf(from, sizeof from, "merged from %s", duplicate_id);
    md_audit_entry a[] = {{"merge", md_kind_patient.name, duplicate_id, duplicate_id, into},
                          {"merge", md_kind_patient.name, survivor_id, survivor_id, from}};
    if (rc == MD_OK) rc = md_audit_many(ctx, a, 2, err);
    if ((rc = md_write_finish(ctx, rc, err)) != MD_OK) return rc;
    return md_record_get(ctx, &md_kind_patient, NULL, survivor_id, out, err);
}

/* Row of the decoration's one statement: 0 and the survivor this record was merged into,
 * or 1 and a record merged into this one (in merge order). */
typedef struct merges {
    char into[MD_ID_STR];
    json_t *from;
} merges;

static int merges_row(void *vctx, const md_row *r)
{
    merges *m = vctx;
    const char *id = md_row_text(r, 1);
    if (!id) return 0;
    if (md_row_int(r, 0) == 0)
        md_strlcpy(m->into, id, sizeof m->into);
    else
        json_array_append_new(m->from, json_string(id));
    return 0;
}

/* Both directions of the patient's merges in one statement (one read of the pages, not
 * two: on a pooled connection each statement of a read may find its cache emptied by
 * the writer's commits). */
md_code md__patient_decorate(md_ctx *ctx, json_t *patient, md_err *err)
{
    const char *id = json_string_value(json_object_get(patient, "id"));
    merges m = {"", json_array()};
    md_val v[] = {md_text(ctx->who.clinic_id), md_text(id)};
    md_code rc = md_store_exec(
        ctx->db,
        "SELECT 0, survivor_id, '' FROM patient_merges WHERE clinic_id = $1 AND merged_id = $2 "
        "AND direct = 1 UNION ALL SELECT 1, merged_id, merged_at FROM patient_merges WHERE "
        "clinic_id = $1 AND survivor_id = $2 AND direct = 1 ORDER BY 1, 3, 2",
        v, 2, merges_row, &m, err);
    if (rc == MD_OK && m.into[0]) json_object_set_new(patient, "merged_into", json_string(m.into));
    if (rc == MD_OK && json_array_size(m.from)) json_object_set(patient, "merged_from", m.from);
    json_decref(m.from);
    return rc;
}
