/*
 * The one JSON validator (validate.h): one way of naming the failing value's path, the
 * same for request bodies and for documents (kb files, clinic rules, screening input).
 */
#include "mesodesk/validate.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

static void paths_are_named_one_way(void **state)
{
    (void)state;
    char p[MD_JSON_PATH_MAX];
    md_json_path(p, "", "reason");
    assert_string_equal(p, "reason");
    md_json_path(p, "plan", "areas");
    assert_string_equal(p, "plan.areas");
    md_json_path(p, "plan.", "areas");
    assert_string_equal(p, "plan.areas");
    md_json_path(p, "kb/rules.json:", "rules");
    assert_string_equal(p, "kb/rules.json:rules");
    md_json_path_index(p, "plan.areas", 2);
    assert_string_equal(p, "plan.areas[2]");
    char deep[MD_JSON_PATH_MAX];
    md_json_path(deep, p, "code");
    assert_string_equal(deep, "plan.areas[2].code");
}

/* A body and a document name the same failing value by the same path. */
static void bodies_and_documents_agree(void **state)
{
    (void)state;
    static const char *const keys[] = {"areas", NULL};
    json_t *plan = json_pack("{s:[],s:i}", "areas", "colour", 1);
    md_err a, b;
    md_err_clear(&a);
    md_err_clear(&b);
    assert_int_equal(md_json_check_keys(plan, keys, "plan", &a), MD_EINVAL);
    assert_int_equal(md_json_doc_object(plan, "plan", keys, &b), MD_EINVAL);
    assert_string_equal(a.field, "plan.colour");
    assert_string_equal(b.field, a.field);
    /* The old "plan." spelling of a prefix names the same path. */
    assert_int_equal(md_json_check_keys(plan, keys, "plan.", &a), MD_EINVAL);
    assert_string_equal(a.field, "plan.colour");
    json_t *notobj = json_integer(3);
    assert_int_equal(md_json_check_keys(notobj, keys, "plan.", &a), MD_EINVAL);
    assert_string_equal(a.field, "plan");
    assert_int_equal(md_json_doc_object(notobj, "plan", keys, &b), MD_EINVAL);
    assert_string_equal(b.field, "plan");
    assert_int_equal(md_json_check_keys(notobj, keys, "", &a), MD_EINVAL);
    assert_string_equal(a.field, "body");
    /* An empty key names the object holding it, in both. */
    json_t *empty = json_pack("{s:i}", "", 1);
    assert_int_equal(md_json_check_keys(empty, keys, "plan", &a), MD_EINVAL);
    assert_int_equal(md_json_doc_object(empty, "plan", keys, &b), MD_EINVAL);
    assert_string_equal(a.field, "plan");
    assert_string_equal(b.field, "plan");
    /* Ranges: the same code and path, each in its wording. */
    json_t *o = json_pack("{s:i}", "fitzpatrick", 9);
    long v;
    assert_int_equal(md_json_int(o, "fitzpatrick", 0, 1, 6, &v, NULL, &a), MD_EUNPROCESSABLE);
    assert_int_equal(md_json_doc_int(o, "fitzpatrick", "", 0, 1, 6, &v, NULL, &b),
                     MD_EUNPROCESSABLE);
    assert_string_equal(a.field, b.field);
    assert_string_equal(a.message, "fitzpatrick must be between 1 and 6");
    assert_string_equal(b.message, "fitzpatrick: 9 is outside 1..6");
    json_decref(o);
    json_decref(empty);
    json_decref(notobj);
    json_decref(plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(paths_are_named_one_way),
        cmocka_unit_test(bodies_and_documents_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
