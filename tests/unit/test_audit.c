/*
 * Unit tests: the audit chain anchored by signed checkpoints.  Each test appends
 * entries through an anchored auditor (its stop writes the last checkpoint), tampers
 * with the database the way an attacker with write access would, and expects
 * md_audit_verify_report() to name what was done.
 */
#include "domain/audit_int.h"
#include "unit_db.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

typedef struct fixture {
    unit_db u;
    char key[MD_AUDIT_PATH_MAX], log[MD_AUDIT_PATH_MAX];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    unit_db_open(&f->u, 0);
    /* Beside the database file; in the test's directory for a PostgreSQL URI. */
    char beside[300];
    snprintf(beside, sizeof beside, "%s/db", f->u.dir);
    md_audit_default_paths(beside, NULL, NULL, f->key, f->log, sizeof f->key);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    unit_db_close(&f->u);
    free(f);
    return 0;
}

/* Append n read entries for the unit clinic through an anchored auditor, then stop it
 * (which checkpoints the head). */
static void append_reads(fixture *f, int n)
{
    md_err err;
    md_auditor *a = NULL;
    assert_int_equal(md_auditor_start_anchored(f->u.path, f->key, f->log, &a, &err), MD_OK);
    md_ctx c = f->u.ctx;
    c.auditor = a;
    for (int i = 0; i < n; i++) {
        md_audit_entry e = {"read", "patient", "0123456789abcdef0123456789abcdef",
                            "0123456789abcdef0123456789abcdef", NULL};
        assert_int_equal(md_audit(&c, &e, &err), MD_OK);
    }
    md_auditor_stop(a);
}

/* The verification report of the unit clinic (new reference); log: with the log. */
static json_t *report_of(fixture *f, int with_log)
{
    md_err err;
    md_audit_anchor *k = NULL;
    json_t *r = NULL;
    assert_int_equal(md_audit_anchor_open(f->key, with_log ? f->log : NULL, 0, &k, &err), MD_OK);
    assert_int_equal(md_audit_verify_report(f->u.db, f->u.ctx.who.clinic_id, k, &r, &err), MD_OK);
    md_audit_anchor_free(k);
    return r;
}

static void sql(fixture *f, const char *stmt)
{
    md_err err;
    md_val v[] = {md_text(f->u.ctx.who.clinic_id)};
    if (md_store_exec(f->u.db, stmt, v, 1, NULL, NULL, &err) != MD_OK)
        fail_msg("%s: %s", stmt, err.message);
}

static json_int_t num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v)) fail_msg("%s is not a number", key);
    return json_integer_value(v);
}

/* The first problem of that kind in a report, or NULL. */
static const json_t *problem_of(const json_t *r, const char *kind)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(r, "problems"), i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "kind")), kind) == 0) return p;
    }
    return NULL;
}

static void expect_broken(const json_t *r, const char *kind, json_int_t first_bad)
{
    if (json_is_true(json_object_get(r, "intact"))) fail_msg("reported intact");
    if (!problem_of(r, kind)) {
        char *t = json_dumps(r, JSON_INDENT(1));
        fail_msg("no '%s' problem in %s", kind, t);
    }
    assert_int_equal(num(r, "first_bad_seq"), first_bad);
}

static int64_t count(fixture *f, const char *query)
{
    md_err err;
    int64_t n = -1;
    md_val v[] = {md_text(f->u.ctx.who.clinic_id)};
    assert_int_equal(md_store_scalar_int(f->u.db, query, v, 1, &n, &err), MD_OK);
    return n;
}

static void untouched_chain_reaches_its_checkpoint(void **state)
{
    fixture *f = *state;
    append_reads(f, 30);
    json_t *r = report_of(f, 1);
    assert_true(json_is_true(json_object_get(r, "intact")));
    assert_int_equal(num(r, "entries"), 30);
    assert_int_equal(num(r, "head_seq"), 30);
    assert_int_equal(num(json_object_get(r, "latest_checkpoint"), "seq"), 30);
    assert_int_equal(num(r, "unanchored_entries"), 0);
    assert_true(num(r, "checkpoints") >= 1);
    assert_int_equal(num(r, "log_checkpoints"), num(r, "checkpoints"));
    assert_true(json_is_null(json_object_get(r, "first_bad_seq")));
    assert_true(json_is_null(json_object_get(r, "truncated_after")));
    assert_int_equal(strlen(json_string_value(json_object_get(r, "key_id"))), 64);
    json_decref(r);
    /* The key was created beside the database, readable by its owner only. */
    struct stat st;
    assert_int_equal(stat(f->key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void cut_tail_is_truncated_after_n(void **state)
{
    fixture *f = *state;
    append_reads(f, 30);
    sql(f, "DELETE FROM audit_log WHERE clinic_id = $1 AND seq > 25");
    json_t *r = report_of(f, 1);
    expect_broken(r, "truncated", 26);
    assert_int_equal(num(r, "truncated_after"), 25);
    assert_int_equal(num(r, "entries"), 25); /* what is left recomputes */
    assert_non_null(
        strstr(json_string_value(json_object_get(r, "message")), "truncated after seq 25"));
    json_decref(r);
    /* The stored checkpoints alone show it too, even without the key. */
    md_err err;
    assert_int_equal(md_audit_verify(f->u.db, f->u.ctx.who.clinic_id, NULL, &err), MD_ECONFLICT);
    assert_non_null(strstr(err.message, "truncated after seq 25"));
}

static void deleted_chain_is_caught_by_the_log(void **state)
{
    fixture *f = *state;
    append_reads(f, 12);
    sql(f, "DELETE FROM audit_log WHERE clinic_id = $1");
    sql(f, "DELETE FROM audit_checkpoints WHERE clinic_id = $1");
    json_t *r = report_of(f, 1);
    expect_broken(r, "truncated", 1);
    assert_int_equal(num(r, "truncated_after"), 0);
    assert_non_null(problem_of(r, "checkpoint_deleted"));
    json_decref(r);
    /* The database alone shows it while the chain's head row remains... */
    r = report_of(f, 0);
    expect_broken(r, "truncated", 1);
    json_decref(r);
    /* ...and no longer once that is deleted too: that is what the log is for. */
    sql(f, "DELETE FROM audit_heads WHERE clinic_id = $1");
    r = report_of(f, 0);
    assert_true(json_is_true(json_object_get(r, "intact")));
    json_decref(r);
    /* Deleting the clinic itself too: verifying every clinic still finds it in the log. */
    sql(f, "DELETE FROM clinics WHERE clinic_id = $1");
    md_err err;
    md_audit_anchor *k = NULL;
    assert_int_equal(md_audit_anchor_open(f->key, f->log, 0, &k, &err), MD_OK);
    assert_int_equal(md_audit_verify_all(f->u.db, k, &r, &err), MD_OK);
    md_audit_anchor_free(k);
    assert_true(json_is_false(json_object_get(r, "intact")));
    const json_t *c = json_array_get(json_object_get(r, "clinics"), 0);
    assert_string_equal(json_string_value(json_object_get(c, "clinic_id")), f->u.ctx.who.clinic_id);
    assert_int_equal(num(c, "truncated_after"), 0);
    json_decref(r);
}

typedef struct rehash {
    md_store *db;
    char prev[AUDIT_HASH_HEX];
} rehash;

/* Recompute one row's hash from its (possibly rewritten) content, as an attacker would. */
static int rehash_row(void *vctx, const md_row *r)
{
    rehash *h = vctx;
    const char *t[10];
    for (int i = 0; i < 10; i++)
        t[i] = md_row_text(r, i + 1);
    char hash[AUDIT_HASH_HEX];
    assert_int_equal(md_audit_entry_hash((int)md_row_int(r, 11), h->prev, md_row_int(r, 0), t[0],
                                         t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9],
                                         hash),
                     0);
    md_val v[] = {md_text(h->prev), md_text(hash), md_text(t[1]), md_int(md_row_int(r, 0))};
    md_err err;
    if (md_store_exec(h->db,
                      "UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE clinic_id = $3 AND "
                      "seq = $4",
                      v, 4, NULL, NULL, &err) != MD_OK)
        fail_msg("rehash: %s", err.message);
    md_strlcpy(h->prev, hash, sizeof h->prev);
    return 0;
}

static void rewrite_and_rehash_is_caught(void **state)
{
    fixture *f = *state;
    append_reads(f, 10); /* a checkpoint at seq 10 */
    append_reads(f, 20); /* and one at seq 30 */
    /* Rewrite entry 15 and recompute every hash from there on: the chain recomputes. */
    sql(f, "UPDATE audit_log SET action = 'nothing' WHERE clinic_id = $1 AND seq = 15");
    md_err err;
    rehash h = {f->u.db, ""};
    md_val v[] = {md_text(f->u.ctx.who.clinic_id)};
    assert_int_equal(md_store_scalar_text(f->u.db,
                                          "SELECT hash FROM audit_log WHERE clinic_id = $1 AND "
                                          "seq = 14",
                                          v, 1, h.prev, sizeof h.prev, &err),
                     MD_OK);
    /* Collect first (no writes while the select runs), then rewrite in order. */
    assert_int_equal(
        md_store_exec(f->u.db,
                      "CREATE TEMP TABLE tail AS SELECT seq, at, clinic_id, actor_id, "
                      "actor_role, action, object_type, object_id, patient_id, "
                      "request_id, detail, hash_format FROM audit_log WHERE clinic_id = $1 AND "
                      "seq >= 15",
                      v, 1, NULL, NULL, &err),
        MD_OK);
    assert_int_equal(
        md_store_exec(f->u.db, "SELECT * FROM tail ORDER BY seq", NULL, 0, rehash_row, &h, &err),
        MD_OK);
    sql(f, "UPDATE audit_heads SET hash = (SELECT hash FROM audit_log a WHERE a.clinic_id = "
           "audit_heads.clinic_id AND a.seq = audit_heads.seq) WHERE clinic_id = $1");
    /* Named: the entries after the last checkpoint that still matches (seq 10, or 11 taken
     * by the second auditor's first batch), up to the one that no longer does. */
    int64_t good = count(f, "SELECT max(seq) FROM audit_checkpoints WHERE clinic_id = $1 AND "
                            "seq < 15");
    assert_true(good == 10 || good == 11);
    char after[32];
    snprintf(after, sizeof after, "after seq %lld up to", (long long)good);
    json_t *r = report_of(f, 1);
    expect_broken(r, "rewritten", good + 1);
    assert_int_equal(num(r, "entries"), 30);
    assert_null(problem_of(r, "altered"));
    assert_non_null(strstr(json_string_value(json_object_get(r, "message")), after));
    json_decref(r);
}

static void forged_signatures_are_caught(void **state)
{
    fixture *f = *state;
    append_reads(f, 30);
    /* Cut the tail and move the stored checkpoint down to the new head: the attacker
     * cannot sign it. */
    sql(f, "DELETE FROM audit_log WHERE clinic_id = $1 AND seq > 20");
    sql(f, "UPDATE audit_checkpoints SET seq = 20, head_hash = (SELECT hash FROM audit_log a "
           "WHERE a.clinic_id = audit_checkpoints.clinic_id AND a.seq = 20) WHERE clinic_id = $1 "
           "AND seq = 30");
    json_t *r = report_of(f, 0);
    assert_true(json_is_false(json_object_get(r, "intact")));
    const json_t *p = problem_of(r, "bad_signature");
    assert_non_null(p);
    assert_string_equal(json_string_value(json_object_get(p, "source")), "db");
    assert_int_equal(num(p, "seq"), 20);
    /* The latest valid one is the first batch's, at seq 1. */
    assert_int_equal(num(json_object_get(r, "latest_checkpoint"), "seq"), 1);
    json_decref(r);
    /* The log still has the genuine checkpoint at seq 30. */
    r = report_of(f, 1);
    expect_broken(r, "truncated", 21);
    assert_int_equal(num(r, "truncated_after"), 20);
    json_decref(r);
}

static void last_log_line(fixture *f, char line[AUDIT_CP_LINE])
{
    FILE *in = fopen(f->log, "r");
    assert_non_null(in);
    line[0] = '\0';
    while (fgets(line, AUDIT_CP_LINE, in))
        ;
    fclose(in);
    assert_non_null(strstr(line, "checkpoint v1 "));
}

static void append_log(fixture *f, const char *line)
{
    FILE *out = fopen(f->log, "a");
    assert_non_null(out);
    fputs(line, out);
    fclose(out);
}

/* A forged line in the log (another head under the genuine signature) is caught too. */
static void forged_log_line_is_caught(void **state)
{
    fixture *f = *state;
    append_reads(f, 5);
    char line[AUDIT_CP_LINE];
    last_log_line(f, line); /* the checkpoint at stop */
    char *head = strstr(line, "head=");
    assert_non_null(head);
    head[5] = head[5] == 'a' ? 'b' : 'a';
    assert_non_null(strstr(line, "seq=5 "));
    append_log(f, line);
    json_t *r = report_of(f, 1);
    const json_t *p = problem_of(r, "bad_signature");
    assert_non_null(p);
    assert_string_equal(json_string_value(json_object_get(p, "source")), "log");
    assert_true(json_is_false(json_object_get(r, "intact")));
    json_decref(r);
}

/* A line being appended (or torn by a crash) is not a checkpoint yet. */
static void torn_log_line_is_ignored(void **state)
{
    fixture *f = *state;
    append_reads(f, 3);
    char line[AUDIT_CP_LINE];
    last_log_line(f, line);
    line[strlen(line) - 20] = '\0'; /* cut inside its signature, no newline */
    append_log(f, line);
    json_t *r = report_of(f, 1);
    assert_true(json_is_true(json_object_get(r, "intact")));
    json_decref(r);
}

static void key_file_must_be_private(void **state)
{
    fixture *f = *state;
    md_err err;
    md_audit_anchor *k = NULL;
    /* Verification never creates a key. */
    assert_int_equal(md_audit_anchor_open(f->key, f->log, 0, &k, &err), MD_ENOTFOUND);
    append_reads(f, 1);
    assert_int_equal(chmod(f->key, 0644), 0);
    md_auditor *a = NULL;
    assert_int_equal(md_auditor_start_anchored(f->u.path, f->key, f->log, &a, &err), MD_EINVAL);
    assert_string_equal(err.field, "audit_key");
    assert_non_null(strstr(err.message, "0600"));
    assert_int_equal(md_audit_anchor_open(f->key, f->log, 0, &k, &err), MD_EINVAL);
    assert_int_equal(chmod(f->key, 0600), 0);
    assert_int_equal(md_audit_anchor_open(f->key, f->log, 0, &k, &err), MD_OK);
    md_audit_anchor_free(k);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void checkpoints_follow_batches_and_writes_once_a_second(void **state)
{
    fixture *f = *state;
    md_err err;
    md_auditor *a = NULL;
    assert_int_equal(md_auditor_start_anchored(f->u.path, f->key, f->log, &a, &err), MD_OK);
    md_ctx c = f->u.ctx;
    c.auditor = a;
    md_audit_entry e = {"read", "patient", "abc", "abc", NULL};
    /* A burst of 40 batches: one checkpoint at once, then at most one per period. */
    int64_t t0 = md_now_us();
    for (int i = 0; i < 40; i++)
        assert_int_equal(md_audit(&c, &e, &err), MD_OK);
    int64_t periods = (md_now_us() - t0) / (MD_AUDIT_CHECKPOINT_MS * 1000);
    const char *cps = "SELECT count(*) FROM audit_checkpoints WHERE clinic_id = $1";
    const char *last = "SELECT coalesce(max(seq), 0) FROM audit_checkpoints WHERE clinic_id = $1";
    int64_t burst = count(f, cps);
    assert_true(burst >= 1 && burst <= 1 + periods);
    if (periods == 0) assert_int_equal(count(f, last), 1);
    /* Once the period is over the head is checkpointed, with no new activity. */
    sleep_ms(MD_AUDIT_CHECKPOINT_MS + 400);
    assert_int_equal(count(f, last), 40);
    int64_t before_write = count(f, cps);
    /* A write's entry, appended inside its own transaction, gets one too. */
    sleep_ms(MD_AUDIT_CHECKPOINT_MS + 100);
    assert_int_equal(md_store_begin(f->u.db, &err), MD_OK);
    md_audit_entry w = {"update", "patient", "abc", "abc", NULL};
    assert_int_equal(md_audit(&c, &w, &err), MD_OK);
    assert_int_equal(md_store_commit(f->u.db, &err), MD_OK);
    for (int i = 0; i < 50 && count(f, last) != 41; i++)
        sleep_ms(20);
    assert_int_equal(count(f, last), 41);
    md_auditor_stop(a);
    assert_int_equal(count(f, cps), before_write + 1);
    json_t *r = report_of(f, 1);
    assert_true(json_is_true(json_object_get(r, "intact")));
    assert_int_equal(num(r, "log_checkpoints"), before_write + 1);
    json_decref(r);
}

/* Append n read entries through the fixture's plain (unanchored) auditor. */
static void append_plain(fixture *f, int n)
{
    md_err err;
    md_audit_entry e = {"read", "patient", "abc", "abc", NULL};
    for (int i = 0; i < n; i++)
        assert_int_equal(md_audit(&f->u.ctx, &e, &err), MD_OK);
}

/* The report without a key (the stored checkpoints unsigned, no log). */
static json_t *report_plain(fixture *f)
{
    md_err err;
    json_t *r = NULL;
    assert_int_equal(md_audit_verify_report(f->u.db, f->u.ctx.who.clinic_id, NULL, &r, &err),
                     MD_OK);
    return r;
}

static void text_of(fixture *f, const char *query, char out[AUDIT_HASH_HEX])
{
    md_err err;
    md_val v[] = {md_text(f->u.ctx.who.clinic_id)};
    assert_int_equal(md_store_scalar_text(f->u.db, query, v, 1, out, AUDIT_HASH_HEX, &err), MD_OK);
}

#define HEAD_SEQ "SELECT seq FROM audit_heads WHERE clinic_id = $1"

/* Each append moves the clinic's head row in its own transaction; the next append starts
 * from that row (never from a scan of the trail), and verification holds the trail to it. */
static void the_head_row_moves_with_each_append(void **state)
{
    fixture *f = *state;
    md_err err;
    append_plain(f, 5);
    char head[AUDIT_HASH_HEX], last[AUDIT_HASH_HEX];
    assert_int_equal(count(f, HEAD_SEQ), 5);
    text_of(f, "SELECT hash FROM audit_heads WHERE clinic_id = $1", head);
    text_of(f, "SELECT hash FROM audit_log WHERE clinic_id = $1 AND seq = 5", last);
    assert_string_equal(head, last);
    assert_int_equal(
        count(f, "SELECT count(*) FROM audit_log WHERE clinic_id = $1 AND hash_format = 2"), 5);
    /* A write that rolls back takes its entry and the head's move with it. */
    md_audit_entry w = {"update", "patient", "abc", "abc", NULL};
    assert_int_equal(md_store_begin(f->u.db, &err), MD_OK);
    assert_int_equal(md_audit(&f->u.ctx, &w, &err), MD_OK);
    assert_int_equal(count(f, HEAD_SEQ), 6);
    md_store_rollback(f->u.db);
    assert_int_equal(count(f, HEAD_SEQ), 5);
    append_plain(f, 1);
    assert_int_equal(count(f, HEAD_SEQ), 6);
    assert_int_equal(md_audit_verify(f->u.db, f->u.ctx.who.clinic_id, NULL, &err), MD_OK);
    /* The head row is where appending starts: set back to seq 3, the next append takes
     * seq 4, which is stored already, and fails. */
    sql(f, "UPDATE audit_heads SET seq = 3, hash = (SELECT hash FROM audit_log a WHERE "
           "a.clinic_id = audit_heads.clinic_id AND a.seq = 3) WHERE clinic_id = $1");
    md_audit_entry e = {"read", "patient", "abc", "abc", NULL};
    assert_int_not_equal(md_audit(&f->u.ctx, &e, &err), MD_OK);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE clinic_id = $1"), 6);
    json_t *r = report_plain(f);
    expect_broken(r, "head_mismatch", 4);
    json_decref(r);
    /* Without any checkpoint, a cut tail is caught by the head row. */
    sql(f, "UPDATE audit_heads SET seq = 6, hash = (SELECT hash FROM audit_log a WHERE "
           "a.clinic_id = audit_heads.clinic_id AND a.seq = 6) WHERE clinic_id = $1");
    sql(f, "DELETE FROM audit_log WHERE clinic_id = $1 AND seq > 4");
    assert_int_equal(md_audit_verify(f->u.db, f->u.ctx.who.clinic_id, NULL, &err), MD_ECONFLICT);
    assert_non_null(strstr(err.message, "truncated after seq 4"));
}

static void hash_of(int format, const char *oid, const char *pid, const char *detail,
                    char out[AUDIT_HASH_HEX])
{
    assert_int_equal(md_audit_entry_hash(format, AUDIT_GENESIS, 1, "2026-01-01T00:00:00Z", "c", "a",
                                         "admin", "read", "patient", oid, pid, "r", detail, out),
                     0);
}

/* Format 2 length-prefixes each field: moving bytes across a field boundary, or a NULL
 * for "", changes the hash; format 1 could not tell them apart. */
static void hashed_fields_are_length_prefixed(void **state)
{
    (void)state;
    char a[AUDIT_HASH_HEX], b[AUDIT_HASH_HEX];
    hash_of(AUDIT_HASH_V1, "x\ny", "z", NULL, a);
    hash_of(AUDIT_HASH_V1, "x", "y\nz", NULL, b);
    assert_string_equal(a, b); /* the ambiguity format 2 removes */
    hash_of(AUDIT_HASH_V1, "x", "z", NULL, a);
    hash_of(AUDIT_HASH_V1, "x", "z", "", b);
    assert_string_equal(a, b);
    hash_of(AUDIT_HASH_V2, "x\ny", "z", NULL, a);
    hash_of(AUDIT_HASH_V2, "x", "y\nz", NULL, b);
    assert_string_not_equal(a, b);
    hash_of(AUDIT_HASH_V2, "ab", "c", NULL, a);
    hash_of(AUDIT_HASH_V2, "a", "bc", NULL, b);
    assert_string_not_equal(a, b);
    hash_of(AUDIT_HASH_V2, "x", "z", NULL, a);
    hash_of(AUDIT_HASH_V2, "x", "z", "", b);
    assert_string_not_equal(a, b);
    hash_of(AUDIT_HASH_V1, "x", "z", NULL, b);
    assert_string_not_equal(a, b);
    assert_int_equal(
        md_audit_entry_hash(3, AUDIT_GENESIS, 1, "", "", "", "", "", "", "", NULL, "", NULL, a),
        -1);
}

/* Put the database back as migration 6 left it: no head rows, no hash_format. */
static void undo_migration_7(fixture *f)
{
    md_err err;
    const char *undo[] = {"DROP TABLE audit_heads", "ALTER TABLE audit_log DROP COLUMN hash_format",
                          "DELETE FROM schema_migrations WHERE version = 7"};
    for (size_t i = 0; i < sizeof undo / sizeof undo[0]; i++)
        if (md_store_exec(f->u.db, undo[i], NULL, 0, NULL, NULL, &err) != MD_OK)
            fail_msg("%s: %s", undo[i], err.message);
}

/* An entry as the code before migration 7 wrote it (format 1, no hash_format column). */
static void insert_old_entry(fixture *f, int64_t seq, const char *detail, char prev[AUDIT_HASH_HEX])
{
    const char *clinic = f->u.ctx.who.clinic_id, *at = "2026-01-01T10:00:00Z",
               *actor = "0123456789abcdef0123456789abcdef",
               *rid = "fedcba9876543210fedcba9876543210";
    char hash[AUDIT_HASH_HEX];
    assert_int_equal(md_audit_entry_hash(AUDIT_HASH_V1, prev, seq, at, clinic, actor, "admin",
                                         "read", "patient", "abc", "abc", rid, detail, hash),
                     0);
    md_val v[] = {md_text(clinic), md_int(seq),     md_text(at),   md_text(actor),
                  md_text(rid),    md_text(detail), md_text(prev), md_text(hash)};
    md_err err;
    if (md_store_exec(f->u.db,
                      "INSERT INTO audit_log (clinic_id, seq, at, actor_id, actor_role, action, "
                      "object_type, object_id, patient_id, request_id, detail, prev_hash, hash) "
                      "VALUES ($1, $2, $3, $4, 'admin', 'read', 'patient', 'abc', 'abc', $5, $6, "
                      "$7, $8)",
                      v, 8, NULL, NULL, &err) != MD_OK)
        fail_msg("old entry: %s", err.message);
    md_strlcpy(prev, hash, AUDIT_HASH_HEX);
}

/* A chain written before the change (format 1) is migrated: its head row is backfilled,
 * new entries continue it in format 2, and the whole verifies; tampering with an entry of
 * either format, or marking a new entry as old, is caught. */
static void an_old_chain_migrates_and_still_verifies(void **state)
{
    fixture *f = *state;
    md_err err;
    undo_migration_7(f);
    char prev[AUDIT_HASH_HEX] = AUDIT_GENESIS;
    for (int64_t seq = 1; seq <= 4; seq++)
        insert_old_entry(f, seq, seq == 2 ? "a detail" : NULL, prev);
    assert_int_equal(md_store_migrate(f->u.db, &err), MD_OK);
    assert_int_equal(count(f, HEAD_SEQ), 4);
    char head[AUDIT_HASH_HEX];
    text_of(f, "SELECT hash FROM audit_heads WHERE clinic_id = $1", head);
    assert_string_equal(head, prev);
    append_plain(f, 3);
    assert_int_equal(
        count(f, "SELECT count(*) FROM audit_log WHERE clinic_id = $1 AND hash_format = 1"), 4);
    assert_int_equal(
        count(f, "SELECT count(*) FROM audit_log WHERE clinic_id = $1 AND hash_format = 2"), 3);
    json_t *r = report_plain(f);
    if (!json_is_true(json_object_get(r, "intact")))
        fail_msg("%s", json_string_value(json_object_get(r, "message")));
    assert_int_equal(num(r, "entries"), 7);
    json_decref(r);
    /* Tampering, in each format. */
    const struct {
        const char *tamper, *undo;
        json_int_t seq;
    } cases[] = {
        {"UPDATE audit_log SET detail = 'b detail' WHERE clinic_id = $1 AND seq = 2",
         "UPDATE audit_log SET detail = 'a detail' WHERE clinic_id = $1 AND seq = 2", 2},
        {"UPDATE audit_log SET action = 'update' WHERE clinic_id = $1 AND seq = 6",
         "UPDATE audit_log SET action = 'read' WHERE clinic_id = $1 AND seq = 6", 6},
        {"UPDATE audit_log SET hash_format = 1 WHERE clinic_id = $1 AND seq = 5",
         "UPDATE audit_log SET hash_format = 2 WHERE clinic_id = $1 AND seq = 5", 5},
        {"UPDATE audit_log SET hash_format = 3 WHERE clinic_id = $1 AND seq = 7",
         "UPDATE audit_log SET hash_format = 2 WHERE clinic_id = $1 AND seq = 7", 7},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sql(f, cases[i].tamper);
        r = report_plain(f);
        expect_broken(r, "altered", cases[i].seq);
        json_decref(r);
        sql(f, cases[i].undo);
        r = report_plain(f);
        assert_true(json_is_true(json_object_get(r, "intact")));
        json_decref(r);
    }
}

#define RACERS 4
#define RACER_APPENDS 25

typedef struct racer {
    pthread_t thread;
    const char *uri;
    md_ctx ctx;
    int failures;
} racer;

/* Appends, each a write's own transaction on a connection of its own. */
static void *race(void *arg)
{
    racer *r = arg;
    md_err err;
    if (md_store_open(r->uri, &r->ctx.db, &err) != MD_OK) {
        r->failures = RACER_APPENDS;
        return NULL;
    }
    r->ctx.auditor = NULL;
    md_audit_entry e = {"update", "patient", "abc", "abc", NULL};
    for (int i = 0; i < RACER_APPENDS; i++) {
        md_code rc = md_store_begin(r->ctx.db, &err);
        if (rc == MD_OK) rc = md_store_finish(r->ctx.db, md_audit(&r->ctx, &e, &err), &err);
        r->failures += rc != MD_OK;
    }
    md_store_close(r->ctx.db);
    return NULL;
}

/* Connections racing to append to a clinic that has no chain yet: one of them creates its
 * head row, the others extend it; one chain, every entry in it. */
static void a_new_clinic_s_first_entries_race_into_one_chain(void **state)
{
    fixture *f = *state;
    md_err err;
    char clinic[MD_ID_STR];
    assert_int_equal(md_clinic_create(f->u.db, "Race Clinic", "Europe/London", "UK", clinic, &err),
                     MD_OK);
    static racer r[RACERS];
    for (int i = 0; i < RACERS; i++) {
        memset(&r[i], 0, sizeof r[i]);
        r[i].uri = f->u.path;
        r[i].ctx = f->u.ctx;
        md_strlcpy(r[i].ctx.who.clinic_id, clinic, sizeof r[i].ctx.who.clinic_id);
        assert_int_equal(pthread_create(&r[i].thread, NULL, race, &r[i]), 0);
    }
    for (int i = 0; i < RACERS; i++) {
        pthread_join(r[i].thread, NULL);
        assert_int_equal(r[i].failures, 0);
    }
    int64_t checked = 0;
    assert_int_equal(md_audit_verify(f->u.db, clinic, &checked, &err), MD_OK);
    assert_int_equal(checked, RACERS * RACER_APPENDS);
    md_val v[] = {md_text(clinic)};
    int64_t head = 0;
    assert_int_equal(md_store_scalar_int(f->u.db, HEAD_SEQ, v, 1, &head, &err), MD_OK);
    assert_int_equal(head, RACERS * RACER_APPENDS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(untouched_chain_reaches_its_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(cut_tail_is_truncated_after_n, setup, teardown),
        cmocka_unit_test_setup_teardown(deleted_chain_is_caught_by_the_log, setup, teardown),
        cmocka_unit_test_setup_teardown(rewrite_and_rehash_is_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(forged_signatures_are_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(forged_log_line_is_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(torn_log_line_is_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(key_file_must_be_private, setup, teardown),
        cmocka_unit_test_setup_teardown(checkpoints_follow_batches_and_writes_once_a_second, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_head_row_moves_with_each_append, setup, teardown),
        cmocka_unit_test(hashed_fields_are_length_prefixed),
        cmocka_unit_test_setup_teardown(an_old_chain_migrates_and_still_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(a_new_clinic_s_first_entries_race_into_one_chain, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("unit.audit", tests, NULL, NULL);
}
