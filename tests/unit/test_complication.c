/*
 * test_complication.c - the complication catalogue (kb/complications.json): every entry
 * the issue lists is there with its windows, red flags and sources; infections and nodules
 * reach 12 weeks; lookups of codes and red flags (known and unknown); the catalogue as the
 * API shows it, with the CTCAE v5 grade wording.
 */
#include "test_kb_support.h"

#include "mesodesk/complication.h"

static md_kb *kb;

static int setup(void **state)
{
    (void)state;
    kb = kbt_load();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    md_kb_free(kb);
    return 0;
}

static void test_catalogue_lists_the_issue_entries(void **state)
{
    (void)state;
    static const char *const codes[] = {"local_reaction",
                                        "bruising",
                                        "pain",
                                        "allergic_reaction",
                                        "anaphylaxis",
                                        "infection_bacterial",
                                        "infection_mycobacterial",
                                        "nodule_granuloma",
                                        "panniculitis",
                                        "ulceration",
                                        "necrosis",
                                        "vascular_occlusion",
                                        "hyperpigmentation",
                                        "scarring",
                                        "lipoatrophy",
                                        NULL};
    for (const char *const *c = codes; *c; c++) {
        const md_kb_complication *e = md_kb_complication_find(kb, *c);
        if (!e) fprintf(stderr, "missing %s\n", *c);
        assert_non_null(e);
        assert_true(e->n_sources >= 1);
        assert_true(e->n_management >= 1);
        assert_true(e->n_followup_schedule >= 1);
        assert_true(e->onset_max_days >= e->onset_min_days);
        assert_true(e->followup_schedule[e->n_followup_schedule - 1] <= e->followup_days);
    }
    assert_null(md_kb_complication_find(kb, "sunburn"));
    assert_null(md_kb_complication_find(kb, NULL));
    size_t n = 0;
    const md_kb_complication *all = md_kb_complications(kb, &n);
    assert_true(n >= 15);
    assert_string_equal(all[0].code, "local_reaction");
}

/* Infections and nodules: onset up to 12 weeks and follow-up open at least 12 weeks; the
 * common local reactions are short. */
static void test_late_windows(void **state)
{
    (void)state;
    size_t n = 0;
    const md_kb_complication *all = md_kb_complications(kb, &n);
    int late = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(all[i].category, "infection") && strcmp(all[i].category, "nodule")) continue;
        late++;
        assert_true(all[i].onset_max_days >= 84);
        assert_true(all[i].followup_days >= 84);
    }
    assert_true(late >= 4);
    const md_kb_complication *b = md_kb_complication_find(kb, "bruising");
    assert_true(b->onset_max_days < 84 && b->resolution_max_days <= 7);
    const md_kb_complication *m = md_kb_complication_find(kb, "infection_mycobacterial");
    assert_int_equal(m->onset_min_days, 7);
    assert_int_equal(m->onset_max_days, 203); /* 1 to 29 weeks */
    assert_null(m->snomed);
    assert_string_equal(md_kb_complication_find(kb, "anaphylaxis")->snomed, "39579001");
}

static void test_red_flags(void **state)
{
    (void)state;
    const md_kb_complication *owner = NULL;
    assert_true(md_kb_red_flag_known(kb, "vision_change", &owner));
    assert_string_equal(owner->code, "vascular_occlusion");
    assert_true(md_kb_red_flag_known(kb, "blanching", NULL));
    /* Not a red flag: unknown, and a complication code is not a flag. */
    owner = md_kb_complication_find(kb, "pain");
    assert_false(md_kb_red_flag_known(kb, "itching", &owner));
    assert_null(owner);
    assert_false(md_kb_red_flag_known(kb, "bruising", NULL));
    const md_kb_complication *v = md_kb_complication_find(kb, "vascular_occlusion");
    assert_true(v->n_red_flags >= 4);
    assert_non_null(strstr(v->red_flags[0].patient, "?"));
    assert_int_equal(md_kb_complication_find(kb, "scarring")->n_red_flags, 0);
}

static void test_catalogue_json(void **state)
{
    (void)state;
    json_t *j = md_kb_complications_json(kb);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "version")), md_kb_version(kb));
    json_t *grades = json_object_get(j, "grades");
    assert_int_equal(json_array_size(grades), 5);
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(grades, 2), "label")),
                           "Ulceration or necrosis"));
    json_t *first = json_array_get(json_object_get(j, "complications"), 0);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(first, "onset"), "max_days")), 2);
    json_t *pain = json_array_get(json_object_get(j, "complications"), 2);
    assert_string_equal(json_string_value(json_object_get(pain, "code")), "pain");
    assert_true(json_is_null(json_object_get(pain, "snomed")));
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue_lists_the_issue_entries),
        cmocka_unit_test(test_late_windows),
        cmocka_unit_test(test_red_flags),
        cmocka_unit_test(test_catalogue_json),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
