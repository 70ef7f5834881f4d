/*
 * test_course.c - protocols (kb/protocols.json and its checks), the clinic's choices inside
 * the cited ranges, and courses: window arithmetic, the plan, every state transition allowed
 * and refused, re-planning when late or missed, the window index for the clinic's day.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "mesodesk/course.h"
#include "mesodesk/record.h"
#include "mesodesk/tz.h"
#include "unit_db.h"

/* ---- kb ------------------------------------------------------------------------------ */

static const char *kb_dir(void)
{
    const char *d = getenv("MESODESK_KB");
    return d && *d ? d : MESODESK_SOURCE_DIR "/kb";
}

static void the_kb_protocols_carry_ranges_defaults_and_sources(void **state)
{
    unit_db *u = *state;
    const char *codes[] = {"facial_rejuvenation", "scalp_hair_loss", "body_fat_cellulite"};
    for (size_t i = 0; i < 3; i++) {
        const md_protocol *p = md_kb_protocol_find(u->kb, codes[i]);
        assert_non_null(p);
        assert_string_equal(md_protocol_required_scope(p), "injectables");
        const md_protocol_range *sp = md_protocol_range_of(p, MD_PP_SPACING_DAYS);
        /* 1-2 weeks (S4) and 2-4 weeks (S0, S2): the range spans both, the default names
         * the source it comes from */
        assert_int_equal(sp->min, 7);
        assert_int_equal(sp->max, 28);
        assert_int_equal(sp->dflt, 14);
        assert_int_equal(sp->n_sources, 3);
        assert_string_equal(sp->dflt_sources[0], "S4");
        const md_protocol_range *mm = md_protocol_range_of(p, MD_PP_MAINTENANCE_MONTHS);
        assert_int_equal(mm->min, 2);
        assert_int_equal(mm->max, 6);
        const md_protocol_range *sc = md_protocol_range_of(p, MD_PP_SESSION_COUNT);
        assert_int_equal(sc->min, 3);
        assert_int_equal(sc->max, 6);
    }
    assert_null(md_kb_protocol_find(u->kb, "tattoo_removal"));
    json_t *j = md_protocol_kb_json(md_kb_protocol_find(u->kb, "facial_rejuvenation"));
    json_t *area = json_array_get(json_object_get(j, "areas"), 0);
    assert_string_equal(json_string_value(json_object_get(area, "area")), "forehead");
    json_t *depth = json_object_get(area, "depth_mm");
    assert_true(json_real_value(json_object_get(depth, "max")) == 2.0);
    json_t *needle = json_array_get(json_object_get(area, "needles"), 0);
    assert_int_equal(json_integer_value(json_object_get(needle, "gauge")), 30);
    assert_int_equal(json_integer_value(json_object_get(needle, "length_mm")), 13);
    json_decref(j);
}

/* A kb directory whose files link to the shipped ones, except protocols.json, which is the
 * shipped one with one change made by edit(). */
static md_code load_with(void (*edit)(json_t *doc), md_err *e)
{
    char dir[64] = "/tmp/mesodesk-protocols-XXXXXX", src[512], dst[512];
    md_kb *kb = NULL;
    json_t *manifest, *name;
    size_t i;
    assert_non_null(mkdtemp(dir));
    snprintf(src, sizeof src, "%s/manifest.json", kb_dir());
    assert_non_null(manifest = json_load_file(src, 0, NULL));
    json_array_append_new(json_object_get(manifest, "files"), json_string("manifest.json"));
    json_array_foreach(json_object_get(manifest, "files"), i, name)
    {
        if (strcmp(json_string_value(name), "protocols.json") == 0) continue;
        snprintf(src, sizeof src, "%s/%s", kb_dir(), json_string_value(name));
        snprintf(dst, sizeof dst, "%s/%s", dir, json_string_value(name));
        assert_int_equal(symlink(src, dst), 0);
    }
    json_decref(manifest);
    snprintf(src, sizeof src, "%s/protocols.json", kb_dir());
    json_t *doc = json_load_file(src, 0, NULL);
    assert_non_null(doc);
    edit(doc);
    snprintf(dst, sizeof dst, "%s/protocols.json", dir);
    assert_int_equal(json_dump_file(doc, dst, JSON_INDENT(1) | JSON_PRESERVE_ORDER), 0);
    json_decref(doc);
    md_code rc = md_kb_load(dir, &kb, e);
    md_kb_free(kb);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return rc;
}

static json_t *facial(json_t *doc)
{
    return json_array_get(json_object_get(doc, "protocols"), 0);
}

static void nothing(json_t *doc)
{
    (void)doc;
}
static void default_outside(json_t *doc)
{
    json_t *d = json_object_get(json_object_get(facial(doc), "spacing_days"), "default");
    json_object_set_new(d, "value", json_integer(35));
}
static void unknown_area(json_t *doc)
{
    json_t *a = json_array_get(json_object_get(facial(doc), "areas"), 1);
    json_object_set_new(a, "area", json_string("elbow"));
}
static void unknown_concern(json_t *doc)
{
    json_t *c = json_object_get(json_object_get(facial(doc), "concerns"), "codes");
    json_array_append_new(c, json_string("tattoos"));
}
static void unknown_technique(json_t *doc)
{
    json_t *c = json_object_get(json_object_get(facial(doc), "techniques"), "codes");
    json_array_append_new(c, json_string("laser"));
}
static void range_without_source(json_t *doc)
{
    json_object_del(json_object_get(facial(doc), "session_count"), "sources");
}
static void default_without_source(json_t *doc)
{
    json_t *d = json_object_get(json_object_get(facial(doc), "session_minutes"), "default");
    json_object_set_new(d, "sources", json_array());
}
static void needle_without_source(json_t *doc)
{
    json_t *a = json_array_get(json_object_get(facial(doc), "areas"), 0);
    json_object_del(json_array_get(json_object_get(a, "needles"), 0), "sources");
}
static void default_source_not_cited(json_t *doc)
{
    json_t *d = json_object_get(json_object_get(facial(doc), "spacing_days"), "default");
    json_object_set_new(d, "sources", json_pack("[s]", "S1"));
}
static void unknown_source(json_t *doc)
{
    json_object_set_new(facial(doc), "sources", json_pack("[s]", "S9"));
}

static void the_loader_refuses_bad_protocols(void **state)
{
    (void)state;
    static const struct {
        void (*edit)(json_t *);
        const char *field, *says;
    } cases[] = {
        {default_outside, "kb/protocols.json:protocols[0].spacing_days.default.value",
         "outside the range 7-28"},
        {unknown_area, "kb/protocols.json:protocols[0].areas[1].area", "elbow"},
        {unknown_concern, "kb/protocols.json:protocols[0].concerns.codes[9]", "unknown concern"},
        {unknown_technique, "kb/protocols.json:protocols[0].techniques.codes[6]",
         "unknown technique"},
        {range_without_source, "kb/protocols.json:protocols[0].session_count.sources", "required"},
        {default_without_source, "kb/protocols.json:protocols[0].session_minutes.default.sources",
         "at least one source"},
        {needle_without_source, "kb/protocols.json:protocols[0].areas[0].needles[0].sources",
         "required"},
        {default_source_not_cited, "kb/protocols.json:protocols[0].spacing_days.default.sources[0]",
         "not among"},
        {unknown_source, "kb/protocols.json:protocols[0].sources[0]", "unknown source"},
    };
    md_err e;
    assert_int_equal(load_with(nothing, &e), MD_OK); /* the copy itself loads */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        md_code rc = load_with(cases[i].edit, &e);
        if (rc == MD_OK || strcmp(e.field, cases[i].field) != 0 ||
            !strstr(e.message, cases[i].says))
            fail_msg("case %zu: rc %s field '%s' message '%s'", i, md_code_name(rc), e.field,
                     e.message);
    }
}

/* ---- windows --------------------------------------------------------------------------- */

static md_day day(const char *s)
{
    md_day d = 0;
    assert_int_equal(md_date_parse(s, &d), 0);
    return d;
}

static void assert_day(md_day d, const char *want)
{
    char buf[MD_DATE_STR];
    md_date_format(d, buf);
    assert_string_equal(buf, want);
}

static void windows_count_civil_days_across_month_ends_and_dst(void **state)
{
    unit_db *u = *state;
    const md_protocol *p = md_kb_protocol_find(u->kb, "facial_rejuvenation");
    const md_protocol_range *sp = md_protocol_range_of(p, MD_PP_SPACING_DAYS);
    const md_protocol_range *mm = md_protocol_range_of(p, MD_PP_MAINTENANCE_MONTHS);
    /* month end: 31 January + 7/14/28 days */
    md_window w = md_course_next_window(day("2026-01-31"), 14, sp);
    assert_day(w.earliest, "2026-02-07");
    assert_day(w.target, "2026-02-14");
    assert_day(w.latest, "2026-02-28");
    /* the first session may slip as much as the spacing range is wide (28 - 7) */
    w = md_course_first_window(day("2026-02-20"), sp);
    assert_day(w.earliest, "2026-02-20");
    assert_day(w.target, "2026-02-20");
    assert_day(w.latest, "2026-03-13");
    /* maintenance in months, clamped at month ends, leap years included */
    w = md_course_maintenance_window(day("2026-01-31"), 3, mm);
    assert_day(w.earliest, "2026-03-31");
    assert_day(w.target, "2026-04-30");
    assert_day(w.latest, "2026-07-31");
    w = md_course_maintenance_window(day("2027-12-31"), 2, mm);
    assert_day(w.earliest, "2028-02-29");
    /* Europe/London: clocks go forward on 2026-03-29 and back on 2026-10-25; a window is
     * counted in the clinic's civil days, so across either change it is as long as any */
    w = md_course_next_window(day("2026-03-22"), 14, sp);
    assert_day(w.earliest, "2026-03-29");
    assert_day(w.target, "2026-04-05");
    assert_int_equal(w.latest - w.earliest, 21);
    w = md_course_next_window(day("2026-10-18"), 14, sp);
    assert_day(w.earliest, "2026-10-25");
    assert_day(w.target, "2026-11-01");
    assert_day(w.latest, "2026-11-15");
}

/* ---- courses in the store ---------------------------------------------------------------- */

static void new_patient(unit_db *u, const char *given, char pid[MD_ID_STR])
{
    md_err err;
    json_t *in = json_pack("{s:s,s:s,s:s,s:s}", "given_name", given, "family_name", "Course",
                           "birth_date", "1980-05-05", "sex", "female"),
           *p = NULL;
    assert_int_equal(md_record_create(&u->ctx, &md_kind_patient, NULL, in, &p, &err), MD_OK);
    md_strlcpy(pid, json_string_value(json_object_get(p, "id")), MD_ID_STR);
    json_decref(in);
    json_decref(p);
}

/* A formulation of the patient, written straight into its table (the builder's checks are
 * test_formulation_db's business). */
static void new_formulation(unit_db *u, const char *pid, const char *status, char fid[MD_ID_STR])
{
    md_err err;
    md_id_new(fid);
    md_val v[] = {md_text(u->ctx.who.clinic_id), md_text(fid), md_text(pid), md_text(status)};
    assert_int_equal(md_store_exec(u->db,
                                   "INSERT INTO formulations (clinic_id, id, version, current, "
                                   "recorded_by, recorded_at, reason, patient_id, mixture, status) "
                                   "VALUES ($1, $2, 1, 1, 'test', '2026-11-01T10:00:00Z', "
                                   "'recorded', $3, '{}', $4)",
                                   v, 4, NULL, NULL, &err),
                     MD_OK);
}

typedef struct fixture {
    unit_db *u;
    char pid[MD_ID_STR], fid[MD_ID_STR];
} fixture;

static void fixture_new(unit_db *u, fixture *f)
{
    f->u = u;
    new_patient(u, "Ada", f->pid);
    new_formulation(u, f->pid, "active", f->fid);
}

static md_code plan_course(fixture *f, const char *start, const char *extra, json_t **out,
                           md_err *err)
{
    json_t *in = json_pack("{s:s,s:s,s:s}", "protocol", "facial_rejuvenation", "formulation_id",
                           f->fid, "start", start);
    if (extra) {
        json_t *x = json_loads(extra, 0, NULL);
        assert_non_null(x);
        json_object_update(in, x);
        json_decref(x);
    }
    md_code rc = md_course_create(&f->u->ctx, f->pid, in, out, err);
    json_decref(in);
    return rc;
}

static json_t *session(json_t *course, int seq)
{
    return json_array_get(json_object_get(json_object_get(course, "plan"), "sessions"),
                          (size_t)seq - 1);
}

static const char *sfield(json_t *course, int seq, const char *key)
{
    return json_string_value(json_object_get(session(course, seq), key));
}

static json_t *reread(fixture *f, json_t *course)
{
    json_t *out = NULL;
    md_err err;
    const char *id = json_string_value(json_object_get(course, "id"));
    assert_int_equal(md_course_get(&f->u->ctx, id, &out, &err), MD_OK);
    json_decref(course);
    return out;
}

static const char *id_of(json_t *course)
{
    return json_string_value(json_object_get(course, "id"));
}

/* Rows of the window index for a course. */
static int64_t index_rows(unit_db *u, const char *course_id)
{
    int64_t n = -1;
    md_err err;
    md_val v[] = {md_text(u->ctx.who.clinic_id), md_text(course_id)};
    assert_int_equal(md_store_scalar_int(u->db,
                                         "SELECT count(*) FROM course_windows WHERE clinic_id = "
                                         "$1 AND course_id = $2",
                                         v, 2, &n, &err),
                     MD_OK);
    return n;
}

static void a_course_plans_its_windows_and_maintenance(void **state)
{
    fixture f;
    json_t *c = NULL;
    md_err err;
    fixture_new(*state, &f);
    assert_int_equal(plan_course(&f, "2027-01-31", NULL, &c, &err), MD_OK);
    assert_string_equal(json_string_value(json_object_get(c, "state")), "planned");
    assert_int_equal(json_integer_value(json_object_get(c, "session_count")), 4);
    assert_int_equal(json_integer_value(json_object_get(c, "spacing_days")), 14);
    assert_int_equal(json_integer_value(json_object_get(c, "session_minutes")), 45);
    assert_int_equal(json_array_size(json_object_get(json_object_get(c, "plan"), "sessions")), 5);
    assert_string_equal(sfield(c, 1, "target"), "2027-01-31");
    assert_string_equal(sfield(c, 2, "earliest"), "2027-02-07");
    assert_string_equal(sfield(c, 2, "target"), "2027-02-14");
    assert_string_equal(sfield(c, 2, "latest"), "2027-02-28");
    assert_string_equal(sfield(c, 4, "target"), "2027-03-14");
    assert_string_equal(sfield(c, 5, "kind"), "maintenance");
    assert_string_equal(sfield(c, 5, "earliest"), "2027-05-14");
    assert_string_equal(sfield(c, 5, "target"), "2027-06-14");
    assert_string_equal(sfield(c, 5, "latest"), "2027-09-14");
    assert_true(json_is_false(json_object_get(session(c, 1), "missed")));
    /* the window index holds every window not done */
    assert_int_equal(index_rows(f.u, id_of(c)), 5);
    /* chosen values inside the range */
    json_decref(c);
    assert_int_equal(
        plan_course(&f, "2027-01-31", "{\"session_count\":6,\"spacing_days\":28}", &c, &err),
        MD_OK);
    assert_int_equal(json_array_size(json_object_get(json_object_get(c, "plan"), "sessions")), 7);
    assert_string_equal(sfield(c, 2, "target"), "2027-02-28");
    json_decref(c);
}

static void bad_course_input_names_the_field(void **state)
{
    unit_db *u = *state;
    fixture f, other;
    json_t *c = NULL;
    md_err err;
    fixture_new(u, &f);
    fixture_new(u, &other);
    assert_int_equal(plan_course(&f, "2027-01-10", "{\"spacing_days\":30}", &c, &err),
                     MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "spacing_days");
    assert_non_null(strstr(err.message, "7 to 28 (S0, S2, S4)"));
    assert_int_equal(plan_course(&f, "2027-01-10", "{\"session_count\":2}", &c, &err),
                     MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "session_count");
    assert_non_null(strstr(err.message, "3 to 6"));
    assert_int_equal(plan_course(&f, "2027-01-10", "{\"protocol\":\"tattoo_removal\"}", &c, &err),
                     MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "protocol");
    assert_int_equal(plan_course(&f, "2027-02-30", NULL, &c, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "start");
    assert_int_equal(plan_course(&f, "2027-01-10", "{\"state\":\"completed\"}", &c, &err),
                     MD_EINVAL);
    assert_string_equal(err.field, "state");
    /* the formulation of another patient, and one that is retired */
    md_strlcpy(f.fid, other.fid, sizeof f.fid);
    assert_int_equal(plan_course(&f, "2027-01-10", NULL, &c, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "formulation_id");
    new_formulation(u, f.pid, "retired", f.fid);
    assert_int_equal(plan_course(&f, "2027-01-10", NULL, &c, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "formulation_id");
    assert_non_null(strstr(err.message, "retired"));
    /* nothing was stored */
    int64_t n = -1;
    md_val v[] = {md_text(u->ctx.who.clinic_id)};
    assert_int_equal(md_store_scalar_int(u->db, "SELECT count(*) FROM courses WHERE clinic_id = $1",
                                         v, 1, &n, &err),
                     MD_OK);
    assert_int_equal(n, 0);
}

static void the_clinic_chooses_inside_the_cited_range(void **state)
{
    unit_db *u = *state;
    json_t *out = NULL, *in;
    md_err err;
    fixture f;
    fixture_new(u, &f);
    in = json_pack("{s:i,s:i}", "spacing_days", 29, "session_minutes", 40);
    assert_int_equal(md_protocol_setting_set(&u->ctx, "facial_rejuvenation", in, &out, &err),
                     MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "spacing_days");
    assert_non_null(strstr(err.message, "7 to 28 (S0, S2, S4)"));
    json_decref(in);
    in = json_pack("{s:i,s:s}", "spacing_days", 21, "reason", "our spacing");
    assert_int_equal(md_protocol_setting_set(&u->ctx, "facial_rejuvenation", in, &out, &err),
                     MD_OK);
    json_t *sp = json_object_get(out, "spacing_days");
    assert_int_equal(json_integer_value(json_object_get(sp, "value")), 21);
    assert_true(json_is_true(json_object_get(sp, "chosen_by_clinic")));
    assert_true(
        json_is_false(json_object_get(json_object_get(out, "session_count"), "chosen_by_clinic")));
    json_decref(out);
    json_decref(in);
    /* a course planned now uses the clinic's spacing */
    json_t *c = NULL;
    assert_int_equal(plan_course(&f, "2027-01-01", NULL, &c, &err), MD_OK);
    assert_string_equal(sfield(c, 2, "target"), "2027-01-22");
    json_decref(c);
    /* the second choice is a new version; back to the shipped default with null */
    in = json_pack("{s:n,s:s}", "spacing_days", "reason", "back to the default");
    assert_int_equal(md_protocol_setting_set(&u->ctx, "facial_rejuvenation", in, &out, &err),
                     MD_OK);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(out, "spacing_days"), "value")), 14);
    json_decref(out);
    json_decref(in);
    assert_int_equal(md_protocol_setting_history(&u->ctx, "facial_rejuvenation", &out, &err),
                     MD_OK);
    assert_int_equal(json_array_size(json_object_get(out, "versions")), 2);
    json_decref(out);
    /* admin only; unknown protocol */
    in = json_pack("{s:i}", "spacing_days", 21);
    u->ctx.who.role = MD_ROLE_PRACTITIONER;
    assert_int_equal(md_protocol_setting_set(&u->ctx, "facial_rejuvenation", in, &out, &err),
                     MD_EFORBIDDEN);
    u->ctx.who.role = MD_ROLE_ADMIN;
    assert_int_equal(md_protocol_setting_set(&u->ctx, "nope", in, &out, &err), MD_ENOTFOUND);
    assert_string_equal(err.field, "protocol");
    json_decref(in);
}

static md_code done(fixture *f, json_t *c, int seq, const char *on, md_err *err)
{
    return md_course_session_done(&f->u->ctx, id_of(c), seq, day(on), NULL, err);
}

static const char *reason_of(json_t *c)
{
    return json_string_value(json_object_get(c, "reason"));
}

static void every_state_transition_allowed_and_refused(void **state)
{
    fixture f;
    json_t *c = NULL, *out = NULL, *why = json_pack("{s:s}", "reason", "patient moved away");
    md_err err;
    fixture_new(*state, &f);
    assert_int_equal(plan_course(&f, "2027-01-04", NULL, &c, &err), MD_OK);
    /* a session out of order, an unknown one */
    assert_int_equal(done(&f, c, 2, "2027-01-18", &err), MD_ECONFLICT);
    assert_string_equal(err.field, "course_session");
    assert_int_equal(done(&f, c, 12, "2027-01-18", &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "course_session");
    /* planned -> active */
    assert_int_equal(done(&f, c, 1, "2027-01-04", &err), MD_OK);
    c = reread(&f, c);
    assert_string_equal(json_string_value(json_object_get(c, "state")), "active");
    assert_string_equal(sfield(c, 1, "done_on"), "2027-01-04");
    assert_int_equal(done(&f, c, 1, "2027-01-05", &err), MD_ECONFLICT); /* twice */
    assert_string_equal(err.field, "course_session");
    /* active -> completed after the last of the series */
    assert_int_equal(done(&f, c, 2, "2027-01-18", &err), MD_OK);
    assert_int_equal(done(&f, c, 3, "2027-02-01", &err), MD_OK);
    assert_int_equal(done(&f, c, 4, "2027-02-15", &err), MD_OK);
    c = reread(&f, c);
    assert_string_equal(json_string_value(json_object_get(c, "state")), "completed");
    /* completed: no abandon, no replan; maintenance goes on and plans the next visit */
    assert_int_equal(md_course_abandon(&f.u->ctx, id_of(c), why, &out, &err), MD_ECONFLICT);
    assert_string_equal(err.field, "state");
    assert_int_equal(md_course_replan(&f.u->ctx, id_of(c), NULL, &out, &err), MD_ECONFLICT);
    assert_string_equal(err.field, "state");
    assert_int_equal(done(&f, c, 5, "2027-05-15", &err), MD_OK);
    c = reread(&f, c);
    assert_string_equal(json_string_value(json_object_get(c, "state")), "completed");
    assert_string_equal(sfield(c, 6, "kind"), "maintenance");
    assert_string_equal(sfield(c, 6, "target"), "2027-08-15");
    assert_non_null(strstr(reason_of(c), "maintenance 6 added 2027-08-15"));
    json_decref(c);

    /* planned -> abandoned, and nothing after it */
    assert_int_equal(plan_course(&f, "2027-01-04", NULL, &c, &err), MD_OK);
    json_t *no_reason = json_object();
    assert_int_equal(md_course_abandon(&f.u->ctx, id_of(c), no_reason, &out, &err), MD_EINVAL);
    assert_string_equal(err.field, "reason");
    json_decref(no_reason);
    assert_int_equal(md_course_abandon(&f.u->ctx, id_of(c), why, &out, &err), MD_OK);
    assert_string_equal(json_string_value(json_object_get(out, "state")), "abandoned");
    assert_non_null(strstr(reason_of(out), "patient moved away"));
    json_decref(out);
    assert_int_equal(md_course_abandon(&f.u->ctx, id_of(c), why, &out, &err), MD_ECONFLICT);
    assert_string_equal(err.field, "state");
    assert_int_equal(done(&f, c, 1, "2027-01-04", &err), MD_ECONFLICT);
    assert_string_equal(err.field, "state");
    assert_int_equal(md_course_replan(&f.u->ctx, id_of(c), NULL, &out, &err), MD_ECONFLICT);
    assert_string_equal(err.field, "state");
    /* an abandoned course leaves the window index */
    assert_int_equal(index_rows(f.u, id_of(c)), 0);
    json_decref(c);

    /* active -> abandoned; the history keeps every version */
    assert_int_equal(plan_course(&f, "2027-01-04", NULL, &c, &err), MD_OK);
    assert_int_equal(done(&f, c, 1, "2027-01-04", &err), MD_OK);
    assert_int_equal(md_course_abandon(&f.u->ctx, id_of(c), why, &out, &err), MD_OK);
    json_decref(out);
    assert_int_equal(md_course_history(&f.u->ctx, id_of(c), &out, &err), MD_OK);
    json_t *versions = json_object_get(out, "versions");
    assert_int_equal(json_array_size(versions), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(versions, 0), "state")),
                        "planned");
    assert_string_equal(json_string_value(json_object_get(json_array_get(versions, 1), "state")),
                        "active");
    json_decref(out);
    json_decref(c);
    json_decref(why);
}

static void a_late_session_replans_the_rest(void **state)
{
    fixture f;
    json_t *c = NULL;
    md_err err;
    fixture_new(*state, &f);
    assert_int_equal(plan_course(&f, "2027-01-04", NULL, &c, &err), MD_OK);
    /* on target: nothing moves */
    assert_int_equal(done(&f, c, 1, "2027-01-04", &err), MD_OK);
    c = reread(&f, c);
    assert_string_equal(reason_of(c), "session 1 done on 2027-01-04");
    assert_string_equal(sfield(c, 2, "target"), "2027-01-18");
    /* two days late, inside the window: the next window no longer fits, re-planned */
    assert_int_equal(done(&f, c, 2, "2027-01-20", &err), MD_OK);
    c = reread(&f, c);
    assert_non_null(strstr(reason_of(c), "the next windows no longer fit"));
    assert_non_null(strstr(reason_of(c), "session 3 now 2027-02-03"));
    assert_string_equal(sfield(c, 3, "earliest"), "2027-01-27");
    assert_string_equal(sfield(c, 3, "latest"), "2027-02-17");
    /* past the window (latest 2027-02-17): re-planned from the actual day */
    assert_int_equal(done(&f, c, 3, "2027-02-25", &err), MD_OK);
    c = reread(&f, c);
    assert_non_null(strstr(reason_of(c), "session 3 done on 2027-02-25, after its window closed "
                                         "(2027-02-17)"));
    assert_non_null(strstr(reason_of(c), "session 4 now 2027-03-11"));
    assert_non_null(strstr(reason_of(c), "maintenance 5 now 2027-06-11"));
    assert_string_equal(sfield(c, 4, "earliest"), "2027-03-04");
    json_decref(c);
}

static void a_missed_window_is_marked_and_replanned_from_today(void **state)
{
    fixture f;
    json_t *c = NULL, *out = NULL;
    md_err err;
    char start[MD_DATE_STR], today[MD_DATE_STR];
    fixture_new(*state, &f);
    md_date_format(md_today_utc() - 60, start);
    md_date_format(md_today_utc(), today);
    assert_int_equal(plan_course(&f, start, NULL, &c, &err), MD_OK);
    c = reread(&f, c);
    assert_true(json_is_true(json_object_get(session(c, 1), "missed")));
    assert_true(json_is_false(json_object_get(session(c, 5), "missed")));
    assert_int_equal(md_course_replan(&f.u->ctx, id_of(c), NULL, &out, &err), MD_OK);
    assert_non_null(strstr(reason_of(out), "window of session 1 missed"));
    assert_non_null(strstr(reason_of(out), "re-planned from today"));
    assert_string_equal(sfield(out, 1, "earliest"), today);
    assert_true(json_is_false(json_object_get(session(out, 1), "missed")));
    /* nothing missed now: nothing to re-plan */
    assert_int_equal(md_course_replan(&f.u->ctx, id_of(c), NULL, &out, &err), MD_ECONFLICT);
    assert_string_equal(err.field, "plan");
    json_decref(out);
    json_decref(c);
}

/* "today" is the clinic's civil day: Pacific/Pago_Pago (UTC-11) and Pacific/Kiritimati
 * (UTC+14) are never on the same date, so a window that closes today in Pago Pago is open
 * there and already missed in Kiritimati, whatever the time of day in UTC. */
static void missed_is_judged_on_the_clinics_day(void **state)
{
    unit_db *u = *state;
    fixture f;
    json_t *c = NULL, *out = NULL, *in;
    md_err err;
    md_day pago;
    char start[MD_DATE_STR];
    fixture_new(u, &f);
    assert_int_equal(md_tz_day("Pacific/Pago_Pago", md_now(), &pago), 0);
    md_date_format(pago - 21, start); /* session 1: [start, start, start + 21] */
    assert_int_equal(plan_course(&f, start, NULL, &c, &err), MD_OK);
    in = json_pack("{s:s}", "time_zone", "Pacific/Pago_Pago");
    assert_int_equal(md_clinic_update(&u->ctx, in, &out, &err), MD_OK);
    json_decref(out);
    json_decref(in);
    c = reread(&f, c);
    assert_true(json_is_false(json_object_get(session(c, 1), "missed")));
    in = json_pack("{s:s}", "time_zone", "Pacific/Kiritimati");
    assert_int_equal(md_clinic_update(&u->ctx, in, &out, &err), MD_OK);
    json_decref(out);
    json_decref(in);
    c = reread(&f, c);
    assert_true(json_is_true(json_object_get(session(c, 1), "missed")));
    json_decref(c);
}

static void slots_due_and_the_timeline_for_other_modules(void **state)
{
    unit_db *u = *state;
    fixture f;
    json_t *c = NULL, *out = NULL;
    md_err err;
    md_course_slot slot;
    fixture_new(u, &f);
    assert_int_equal(plan_course(&f, "2027-01-04", NULL, &c, &err), MD_OK);
    assert_int_equal(md_course_slot_get(&u->ctx, id_of(c), 2, &slot, &err), MD_OK);
    assert_day(slot.window.earliest, "2027-01-11");
    assert_day(slot.window.target, "2027-01-18");
    assert_day(slot.window.latest, "2027-02-01");
    assert_string_equal(slot.required_scope, "injectables");
    assert_string_equal(slot.protocol, "facial_rejuvenation");
    assert_string_equal(slot.patient_id, f.pid);
    assert_string_equal(slot.state, "planned");
    assert_int_equal(slot.session_minutes, 45);
    assert_int_equal(slot.done, 0);
    assert_int_equal(md_course_slot_get(&u->ctx, id_of(c), 9, &slot, &err), MD_EUNPROCESSABLE);
    assert_string_equal(err.field, "course_session");
    assert_int_equal(
        md_course_slot_get(&u->ctx, "00112233445566778899aabbccddeeff", 1, &slot, &err),
        MD_ENOTFOUND);
    assert_string_equal(err.field, "course_id");
    /* the day: session 2's window closes on 2027-02-01; maintenance due around 2027-05-15 */
    assert_int_equal(md_course_due(&u->ctx, day("2027-02-01"), day("2027-02-01"), &out, &err),
                     MD_OK);
    json_t *items = json_object_get(out, "items");
    assert_int_equal(json_array_size(items), 1);
    json_t *it = json_array_get(items, 0);
    assert_string_equal(json_string_value(json_object_get(it, "kind")), "window_closing");
    assert_int_equal(json_integer_value(json_object_get(it, "seq")), 2);
    json_decref(out);
    assert_int_equal(md_course_due(&u->ctx, day("2027-05-01"), day("2027-05-31"), &out, &err),
                     MD_OK);
    items = json_object_get(out, "items");
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "kind")),
                        "maintenance_due");
    json_decref(out);
    assert_int_equal(md_course_due(&u->ctx, day("2027-03-20"), day("2027-04-20"), &out, &err),
                     MD_OK);
    assert_int_equal(json_array_size(json_object_get(out, "items")), 0);
    json_decref(out);
    /* reception: the timeline without clinical detail, not the course itself */
    u->ctx.who.role = MD_ROLE_RECEPTION;
    assert_int_equal(md_course_get(&u->ctx, id_of(c), &out, &err), MD_EFORBIDDEN);
    assert_int_equal(md_course_timeline(&u->ctx, id_of(c), &out, &err), MD_OK);
    assert_null(json_object_get(out, "formulation_id"));
    assert_int_equal(json_array_size(json_object_get(out, "windows")), 5);
    assert_string_equal(json_string_value(json_object_get(out, "time_zone")), "Europe/London");
    json_decref(out);
    u->ctx.who.role = MD_ROLE_NONE;
    assert_int_equal(md_course_timeline(&u->ctx, id_of(c), &out, &err), MD_EFORBIDDEN);
    u->ctx.who.role = MD_ROLE_ADMIN;
    /* booking marks a session done for reception: no permission of the course's own */
    u->ctx.who.role = MD_ROLE_RECEPTION;
    if (done(&f, c, 1, "2027-01-04", &err) != MD_OK) fail_msg("%s", err.message);
    u->ctx.who.role = MD_ROLE_ADMIN;
    json_decref(c);
}

/* A patient merge moves the duplicate's courses to the survivor; the clinic's day names the
 * survivor. */
static void a_merge_moves_the_courses(void **state)
{
    unit_db *u = *state;
    fixture f;
    char survivor[MD_ID_STR];
    json_t *c = NULL, *out = NULL;
    md_err err;
    fixture_new(u, &f);
    new_patient(u, "Ada", survivor);
    assert_int_equal(plan_course(&f, "2027-01-04", NULL, &c, &err), MD_OK);
    assert_int_equal(md_patient_merge(&u->ctx, survivor, f.pid, "same person", &out, &err), MD_OK);
    json_decref(out);
    c = reread(&f, c);
    assert_string_equal(json_string_value(json_object_get(c, "patient_id")), survivor);
    assert_int_equal(md_course_due(&u->ctx, day("2027-02-01"), day("2027-02-01"), &out, &err),
                     MD_OK);
    json_t *it = json_array_get(json_object_get(out, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(it, "patient_id")), survivor);
    json_decref(out);
    json_decref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(the_kb_protocols_carry_ranges_defaults_and_sources,
                                        unit_db_setup, unit_db_teardown),
        cmocka_unit_test(the_loader_refuses_bad_protocols),
        cmocka_unit_test_setup_teardown(windows_count_civil_days_across_month_ends_and_dst,
                                        unit_db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_course_plans_its_windows_and_maintenance, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(bad_course_input_names_the_field, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(the_clinic_chooses_inside_the_cited_range, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(every_state_transition_allowed_and_refused, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_late_session_replans_the_rest, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_missed_window_is_marked_and_replanned_from_today,
                                        unit_db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(missed_is_judged_on_the_clinics_day, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(slots_due_and_the_timeline_for_other_modules, unit_db_setup,
                                        unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_merge_moves_the_courses, unit_db_setup, unit_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
