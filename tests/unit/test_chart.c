/*
 * test_chart.c - treatment sessions (chart.h): the body maps and their geometry, the state
 * machine, and the checks of the injection record.
 */
#include <math.h>

#include "test_kb_support.h"

#include "mesodesk/chart.h"

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

/* ---- maps ---------------------------------------------------------------------------- */

static void every_map_of_the_contract_is_in_the_kb(void **state)
{
    (void)state;
    static const char *const ids[] = {"face_front", "face_left",  "face_right", "neck",
                                      "scalp",      "body_front", "body_back"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const md_body_map *m = md_kb_map_find(kb, ids[i]);
        assert_non_null(m);
        assert_string_equal(md_body_map_id(m), ids[i]);
    }
    assert_null(md_kb_map_find(kb, "face_back"));
    assert_null(md_kb_map_find(kb, NULL));
    const md_depth_limit *lim = md_kb_facial_depth_limit(kb);
    assert_non_null(lim);
    assert_true(fabs(lim->max_mm - 4.0) < 1e-9);
    assert_true(lim->n_sources >= 1);
    assert_string_equal(lim->sources[0], "Konda & Thappa 2013");
}

static void a_point_is_in_its_zone_or_says_why_not(void **state)
{
    (void)state;
    const md_body_map *face = md_kb_map_find(kb, "face_front");
    const char *why = NULL;
    /* the patient's right cheek is on the viewer's left of the front view */
    assert_string_equal(md_body_map_zone_area(face, "cheek_right", 120, 290, &why), "cheeks");
    assert_null(why);
    assert_string_equal(md_body_map_zone_area(face, "cheek_left", 280, 290, &why), "cheeks");
    assert_null(md_body_map_zone_area(face, "cheek_left", 120, 290, &why));
    assert_string_equal(why, "outside the zone");
    assert_null(md_body_map_zone_area(face, "cheek_left", 401, 290, &why));
    assert_string_equal(why, "outside the map");
    assert_null(md_body_map_zone_area(face, "cheek_left", -1, 290, &why));
    assert_string_equal(why, "outside the map");
    assert_null(md_body_map_zone_area(face, "cheek_left", NAN, 290, &why));
    assert_string_equal(why, "outside the map");
    assert_null(md_body_map_zone_area(face, "nose", 200, 250, &why));
    assert_string_equal(why, "unknown zone");
    assert_null(md_body_map_zone_area(NULL, "forehead", 200, 100, &why));
    assert_string_equal(why, "unknown map");
    /* a zone's edge counts as inside: the forehead is [100,40] [300,40] [330,150] [70,150] */
    assert_string_equal(md_body_map_zone_area(face, "forehead", 200, 40, &why), "forehead");
    assert_string_equal(md_body_map_zone_area(face, "forehead", 100, 40, &why), "forehead");
    assert_null(md_body_map_zone_area(face, "forehead", 200, 39.5, &why));
    /* body zones belong to body areas */
    const md_body_map *back = md_kb_map_find(kb, "body_back");
    assert_string_equal(md_body_map_zone_area(back, "buttock_left", 150, 470, &why), "buttocks");
}

static void polygon_containment_even_odd(void **state)
{
    (void)state;
    /* a U shape: the notch between its arms is outside */
    static const double u[] = {0, 0, 30, 0, 30, 30, 20, 30, 20, 10, 10, 10, 10, 30, 0, 30};
    assert_true(md_polygon_contains(u, 8, 5, 20));
    assert_true(md_polygon_contains(u, 8, 25, 20));
    assert_false(md_polygon_contains(u, 8, 15, 20));
    assert_true(md_polygon_contains(u, 8, 15, 5));
    assert_true(md_polygon_contains(u, 8, 15, 10)); /* on the notch's edge */
    assert_false(md_polygon_contains(u, 8, 31, 5));
    assert_false(md_polygon_contains(u, 8, INFINITY, 5));
}

static void the_facial_limit_follows_the_vocabulary(void **state)
{
    (void)state;
    const md_body_map *face = md_kb_map_find(kb, "face_front");
    const md_body_map *neck = md_kb_map_find(kb, "neck");
    const md_body_map *body = md_kb_map_find(kb, "body_front");
    assert_true(md_body_map_zone_facial(face, "forehead"));
    assert_true(md_body_map_zone_facial(face, "jawline_left"));
    assert_true(md_body_map_zone_facial(neck, "submental")); /* part of the face */
    assert_false(md_body_map_zone_facial(neck, "neck_front"));
    assert_false(md_body_map_zone_facial(body, "abdomen_upper"));
    assert_false(md_body_map_zone_facial(face, "nose"));
    assert_true(md_kb_area_within(kb, "abdomen", "body"));
    assert_true(md_kb_area_within(kb, "body", "body"));
    assert_false(md_kb_area_within(kb, "body", "abdomen"));
    assert_false(md_kb_area_within(kb, "neck", "face"));
    assert_false(md_kb_area_within(kb, "nowhere", "face"));
}

static void maps_json_has_every_zone_with_its_polygon(void **state)
{
    (void)state;
    json_t *j = md_kb_maps_json(kb);
    assert_non_null(j);
    json_t *maps = json_object_get(j, "maps");
    assert_int_equal(json_array_size(maps), 7);
    json_t *face = json_array_get(maps, 0);
    assert_string_equal(json_string_value(json_object_get(face, "id")), "face_front");
    assert_int_equal(json_integer_value(json_object_get(face, "width")), 400);
    json_t *z = json_array_get(json_object_get(face, "zones"), 0);
    assert_string_equal(json_string_value(json_object_get(z, "area")), "forehead");
    assert_true(json_is_true(json_object_get(z, "facial")));
    assert_true(json_array_size(json_object_get(z, "polygon")) >= 3);
    assert_true(json_array_size(json_object_get(z, "sources")) >= 1);
    json_t *lim = json_object_get(j, "facial_depth_max_mm");
    assert_true(fabs(json_number_value(json_object_get(lim, "value")) - 4.0) < 1e-9);
    json_decref(j);
    j = md_kb_techniques_json(kb);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 6);
    json_decref(j);
    assert_true(md_kb_technique_known(kb, "nappage"));
    assert_false(md_kb_technique_known(kb, "acupuncture"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_map_of_the_contract_is_in_the_kb),
        cmocka_unit_test(a_point_is_in_its_zone_or_says_why_not),
        cmocka_unit_test(polygon_containment_even_odd),
        cmocka_unit_test(the_facial_limit_follows_the_vocabulary),
        cmocka_unit_test(maps_json_has_every_zone_with_its_polygon),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
