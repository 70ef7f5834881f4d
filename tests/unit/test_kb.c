/*
 * test_kb.c - the knowledge base loader, vocabulary and clinic rules.
 *
 * Loader tests copy kb/ into a temporary directory, break one thing with a
 * JSON patch (or raw bytes) and expect the load to fail naming file and entry.
 */
#include <unistd.h>

#include "test_kb_support.h"

static const char *const kb_files[] = {"manifest.json", "sources.json", "vocabulary.json",
                                       "rules.json", "incompatibilities.json", "stock.json",
                                       "concerns.json", "patch_tests.json", "consent_texts.json",
                                       "credentials.json", "protocols.json", "day.json",
                                       "body_maps.json", "prechecks.json",
                                       "aftercare.json", "complications.json",
                                       "outcome_scales.json", "checkins.json", NULL};

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

/* ---- helpers: a temporary copy of the kb ------------------------------------ */

static void copy_kb(char dir[64])
{
    snprintf(dir, 64, "%s", "/tmp/mesodesk-kb-XXXXXX");
    assert_non_null(mkdtemp(dir));
    for (const char *const *f = kb_files; *f; f++) {
        char src[512], dst[512];
        snprintf(src, sizeof src, "%s/%s", kbt_dir(), *f);
        snprintf(dst, sizeof dst, "%s/%s", dir, *f);
        json_t *j = json_load_file(src, 0, NULL);
        assert_non_null(j);
        assert_int_equal(json_dump_file(j, dst, JSON_INDENT(1) | JSON_PRESERVE_ORDER), 0);
        json_decref(j);
    }
}

static void remove_kb(const char *dir)
{
    for (const char *const *f = kb_files; *f; f++) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, *f);
        unlink(p);
    }
    rmdir(dir);
}

/* Follow a path like "rules/3/when/codes" (numbers index arrays). */
static json_t *walk(json_t *j, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save = NULL, *t = strtok_r(buf, "/", &save); t && j; t = strtok_r(NULL, "/", &save))
        j = json_is_array(j) ? json_array_get(j, strtoul(t, NULL, 10)) : json_object_get(j, t);
    assert_non_null(j);
    return j;
}

typedef struct breakage {
    const char *file;
    const char *path;   /* object or array to change */
    const char *key;    /* object member to set; NULL: delete member `del`, or append to array */
    const char *value;  /* JSON value */
    const char *del;
    const char *field;  /* expected md_err.field */
    const char *says;   /* expected part of the message */
} breakage;

static const breakage breakages[] = {
    {"rules.json", "rules/3", "colour", "\"red\"", NULL, "kb/rules.json:rules[3].colour", "unknown key"},
    {"vocabulary.json", "conditions/1", NULL, NULL, "sources", "kb/vocabulary.json:conditions[1].sources", "required"},
    {"rules.json", "rules/0/sources", NULL, "\"S9\"", NULL, "kb/rules.json:rules[0].sources[3]", "unknown source"},
    {"rules.json", "rules/0", "sources", "[]", NULL, "kb/rules.json:rules[0].sources", "at least one"},
    {"rules.json", "rules/5/when/codes", NULL, "\"eczma\"", NULL, "kb/rules.json:rules[5].when.codes[4]",
     "unknown condition 'eczma'; did you mean: eczema"},
    {"rules.json", "rules/6/when/codes", NULL, "\"ibuprofen\"", NULL, "kb/rules.json:rules[6].when.codes[2]", "not a synonym"},
    {"rules.json", "rules/6/when", "days", "\"seven\"", NULL, "kb/rules.json:rules[6].when.days", "integer"},
    {"rules.json", "rules/1", "id", "\"pregnancy\"", NULL, "kb/rules.json:rules[1].id", "already"},
    {"rules.json", "rules/1", "class", "\"maybe\"", NULL, "kb/rules.json:rules[1].class", "class must be"},
    {"rules.json", "rules/1", "kind", "\"horoscope\"", NULL, "kb/rules.json:rules[1].kind", "unknown rule kind"},
    {"rules.json", "rules/1", "message", "\"Due to {moon}\"", NULL, "kb/rules.json:rules[1].message", "placeholder"},
    {"vocabulary.json", "medications/1", "code", "\"aspirin\"", NULL, "kb/vocabulary.json:medications[1].code", "duplicates"},
    {"vocabulary.json", "conditions/2", "synonyms", "[\"atopic dermatitis\"]", NULL,
     "kb/vocabulary.json:conditions[2].synonyms[0]", "duplicates"},
    {"vocabulary.json", "conditions/2/codes", "icd10", "\"L30.9\"", NULL, "kb/vocabulary.json:conditions[2].codes.icd10", "duplicate"},
    {"vocabulary.json", "conditions/2/codes", "icd10", "\"psoriasis\"", NULL, "kb/vocabulary.json:conditions[2].codes.icd10", "well-formed"},
    {"vocabulary.json", "medications/0/codes", "atc", "\"N02B01\"", NULL, "kb/vocabulary.json:medications[0].codes.atc", "well-formed"},
    {"vocabulary.json", "allergens/0/covers", NULL, "\"bupivacaine\"", NULL, "kb/vocabulary.json:allergens[0].covers[2]", "unknown ingredient"},
    {"vocabulary.json", "ingredients/0", "class", "\"miracle\"", NULL, "kb/vocabulary.json:ingredients[0].class", "unknown ingredient_class"},
    {"vocabulary.json", "areas/1", "part_of", "\"torso\"", NULL, "kb/vocabulary.json:areas[1].part_of", "unknown area"},
    {"vocabulary.json", "areas/0", "part_of", "\"forehead\"", NULL, "kb/vocabulary.json:areas[0]", "cycle"},
    {"vocabulary.json", "conditions/0", "code", "\"Skin Infection\"", NULL, "kb/vocabulary.json:conditions[0].code", "lower-case"},
    {"incompatibilities.json", "same_syringe/0/ingredients", NULL, "\"snake_oil\"", NULL,
     "kb/incompatibilities.json:same_syringe[0].ingredients[2]", "unknown ingredient"},
    {"incompatibilities.json", "never_inject/0/bases", NULL, "\"plasma\"", NULL,
     "kb/incompatibilities.json:never_inject[0].bases[2]", "unknown value"},
    {"sources.json", "sources", NULL, "{\"key\":\"S0\",\"title\":\"again\"}", NULL, "kb/sources.json:sources[42]", "duplicate source"},
    {"sources.json", "sources/5", "url", "\"http://example.org\"", NULL, "kb/sources.json:sources[5].url", "https://"},
    /* facts a rule needs known, and for whom */
    {"rules.json", "rules/0", "requires", "[\"allergies\"]", NULL, "kb/rules.json:rules[0].requires[0]", "does not read"},
    {"rules.json", "rules/3", "requires", "[\"mood\"]", NULL, "kb/rules.json:rules[3].requires[0]", "not a fact"},
    {"rules.json", "rules/1", "class", "\"incomplete\"", NULL, "kb/rules.json:rules[1].class", "class must be"},
    {"rules.json", "facts/0/applies_to", "sex", "[\"martian\"]", NULL, "kb/rules.json:facts[0].applies_to.sex[0]", "expected female"},
    {"rules.json", "facts/0/applies_to", "min_age", "60", NULL, "kb/rules.json:facts[0].applies_to", "min_age above"},
    {"rules.json", "facts/2", "sources", "[]", NULL, "kb/rules.json:facts[2].sources", "at least one"},
    {"rules.json", "facts/1", "fact", "\"pregnant\"", NULL, "kb/rules.json:facts[1].fact", "described twice"},
    {"rules.json", "facts/2", NULL, NULL, "question", "kb/rules.json:facts[2].question", "required"},
    {"manifest.json", "", "default_jurisdiction", "\"Atlantis\"", NULL, "kb/manifest.json:default_jurisdiction", "unknown jurisdiction"},
    {"manifest.json", "files", NULL, "\"extra.json\"", NULL, "kb/manifest.json:files[17]", "not a kb file"},
    /* kb/stock.json */
    {"stock.json", "regulatory_statuses/3", "policy", "\"maybe\"", NULL, "kb/stock.json:regulatory_statuses[3].policy", "unknown value"},
    {"stock.json", "regulatory_statuses/0", "sources", "[]", NULL, "kb/stock.json:regulatory_statuses[0].sources", "at least one"},
    {"stock.json", "regulatory_statuses/1", "code", "\"ce_marked\"", NULL, "kb/stock.json:regulatory_statuses[1].code", "duplicate"},
    {"stock.json", "product_bases/3", "code", "\"olive\"", NULL, "kb/stock.json:product_bases", "the base 'oil'"},
    {"stock.json", "beyond_use/0", "hours", "0", NULL, "kb/stock.json:beyond_use[0].hours", "outside"},
    {"stock.json", "beyond_use/0", NULL, NULL, "sources", "kb/stock.json:beyond_use[0].sources", "required"},
    {"stock.json", "consumable_kinds/0", "single_use", "false", NULL, "kb/stock.json:consumable_kinds[0].single_use", "single use"},
    {"stock.json", "", "colour", "1", NULL, "kb/stock.json:colour", "unknown key"},
    /* concerns (kb_formulation.c) */
    {"concerns.json", "concerns/0/ingredients/0", "ingredient", "\"snake_oil\"", NULL,
     "kb/concerns.json:concerns[0].ingredients[0].ingredient", "unknown ingredient"},
    {"concerns.json", "concerns/1", NULL, NULL, "sources", "kb/concerns.json:concerns[1].sources", "required"},
    {"concerns.json", "concerns/2/ingredients/1/sources", NULL, "\"S9\"", NULL,
     "kb/concerns.json:concerns[2].ingredients[1].sources[2]", "unknown source"},
    {"concerns.json", "concerns/3", "code", "\"dryness\"", NULL, "kb/concerns.json:concerns[3].code", "duplicate concern"},
    {"concerns.json", "concerns/9", "areas", "[\"torso\"]", NULL, "kb/concerns.json:concerns[9].areas[0]", "unknown area"},
    {"concerns.json", "concerns/9", NULL, NULL, "area_sources", "kb/concerns.json:concerns[9].area_sources", "required with areas"},
    {"concerns.json", "concerns/9/ingredients/1", "areas", "[\"forehead\"]", NULL,
     "kb/concerns.json:concerns[9].ingredients[1].areas", "outside the concern"},
    /* patch tests: the ICDRG scale, the reading windows, the validity of a negative */
    {"patch_tests.json", "scale/2", "counts_as", "\"maybe\"", NULL, "kb/patch_tests.json:scale[2].counts_as", "unknown value"},
    {"patch_tests.json", "scale/3", "code", "\"+\"", NULL, "kb/patch_tests.json:scale[3]", "duplicate grade"},
    {"patch_tests.json", "scale/1/sources", NULL, "\"S9\"", NULL, "kb/patch_tests.json:scale[1].sources[2]", "unknown source"},
    {"patch_tests.json", "scale/0", NULL, NULL, "sources", "kb/patch_tests.json:scale[0].sources", "required"},
    {"patch_tests.json", "windows/1", "from_hours", "50", NULL, "kb/patch_tests.json:windows[1]", "overlap"},
    {"patch_tests.json", "windows/0", "final", "true", NULL, "kb/patch_tests.json:windows[0]", "final"},
    {"patch_tests.json", "windows/0", "to_hours", "40", NULL, "kb/patch_tests.json:windows[0]", "from_hours above"},
    {"patch_tests.json", "negative_validity", "months", "0", NULL, "kb/patch_tests.json:negative_validity.months", ""},
    {"patch_tests.json", "", "colour", "\"red\"", NULL, "kb/patch_tests.json.colour", "unknown key"},
    {"consent_texts.json", "texts/0", "colour", "\"red\"", NULL, "kb/consent_texts.json:texts[0].colour", "unknown key"},
    {"consent_texts.json", "texts/0/versions/0/sections/1", NULL, NULL, "es",
     "kb/consent_texts.json:texts[0].versions[0].sections[1].es", "missing"},
    {"consent_texts.json", "texts/0/versions/0/sections/0", "sources", "[\"S9\"]", NULL,
     "kb/consent_texts.json:texts[0].versions[0].sections[0].sources[0]", "unknown source"},
    {"consent_texts.json", "texts/0/versions/0/sections/0", NULL, NULL, "sources",
     "kb/consent_texts.json:texts[0].versions[0].sections[0].sources", "required"},
    {"consent_texts.json", "texts/3", "protocol", "\"facial_rejuvenation\"", NULL, "kb/consent_texts.json:texts[3].protocol", "names its protocol"},
    {"consent_texts.json", "texts/0", NULL, NULL, "protocol", "kb/consent_texts.json:texts[0].protocol", "names its protocol"},
    {"consent_texts.json", "texts/0", "protocol", "\"facial_lift\"", NULL, "kb/consent_texts.json:texts[0].protocol", "unknown protocol"},
    {"consent_texts.json", "texts/1", "protocol", "\"facial_rejuvenation\"", NULL, "kb/consent_texts.json:texts[1]", "second text"},
    {"consent_texts.json", "texts/4", "purpose", "\"newsletter\"", NULL, "kb/consent_texts.json:texts[4].purpose", "unknown value"},
    {"consent_texts.json", "texts/0/versions/0", "version", "2", NULL, "kb/consent_texts.json:texts[0].versions[0]", "numbered"},
    {"consent_texts.json", "texts/0/versions/0/title", NULL, NULL, "en", "kb/consent_texts.json:texts[0].versions[0].title", "English"},
    {"consent_texts.json", "", "languages", "[\"es\"]", NULL, "kb/consent_texts.json:languages", "must include"},
    /* credentials: types, scopes, the worklist window */
    {"credentials.json", "types/0", "authorises", "false", NULL, "kb/credentials.json:types", "authorises"},
    {"credentials.json", "types/1", "code", "\"licence\"", NULL, "kb/credentials.json:types[1].code", "duplicate code"},
    {"credentials.json", "scopes/0", "code", "\"Inject\"", NULL, "kb/credentials.json:scopes[0].code", "[a-z0-9_]"},
    {"credentials.json", "scopes/1", NULL, NULL, "sources", "kb/credentials.json:scopes[1].sources", "required"},
    {"credentials.json", "types/0", "requires_expiry", "\"yes\"", NULL, "kb/credentials.json:types[0].requires_expiry", ""},
    {"credentials.json", "expiring_window_days", "default", "900", NULL, "kb/credentials.json:expiring_window_days.default", ""},
    {"day.json", "screening_valid_days", "default", "0", NULL, "kb/day.json:screening_valid_days.default", ""},
    {"day.json", "due_ahead_days", NULL, NULL, "sources", "kb/day.json:due_ahead_days.sources", "required"},
    {"day.json", "", "colour", "\"red\"", NULL, "kb/day.json.colour", "unknown key"},
    /* body maps (kb_maps.c) */
    {"body_maps.json", "maps/0/zones/0", "area", "\"nose\"", NULL, "kb/body_maps.json:maps[0].zones[0].area", "unknown area"},
    {"body_maps.json", "maps/0/zones/0", "area", "\"cheek\"", NULL, "kb/body_maps.json:maps[0].zones[0].area", "synonym"},
    {"body_maps.json", "maps/0/zones/1", "code", "\"forehead\"", NULL, "kb/body_maps.json:maps[0].zones[1]", "duplicate zone"},
    {"body_maps.json", "maps/1", "id", "\"face_front\"", NULL, "kb/body_maps.json:maps[1]", "duplicate map"},
    {"body_maps.json", "maps/0/zones/0/polygon", NULL, "[401, 10]", NULL, "kb/body_maps.json:maps[0].zones[0].polygon[4]", "outside the map"},
    {"body_maps.json", "maps/0/zones/0", "polygon", "[[0,0],[10,10],[20,20]]", NULL, "kb/body_maps.json:maps[0].zones[0].polygon", "no area"},
    {"body_maps.json", "maps/0/zones/0", "polygon", "[[0,0],[10,10]]", NULL, "kb/body_maps.json:maps[0].zones[0].polygon", "at least 3"},
    {"body_maps.json", "maps/0/zones/2", "sources", "[]", NULL, "kb/body_maps.json:maps[0].zones[2].sources", "at least one"},
    {"body_maps.json", "maps/2", "view", "\"sideways\"", NULL, "kb/body_maps.json:maps[2].view", ""},
    {"body_maps.json", "maps/0", "width", "0", NULL, "kb/body_maps.json:maps[0].width", ""},
    {"body_maps.json", "facial_depth_max_mm", "value", "12", NULL, "kb/body_maps.json:facial_depth_max_mm.value", "0 < value <= 10"},
    {"body_maps.json", "facial_depth_max_mm", NULL, NULL, "sources", "kb/body_maps.json:facial_depth_max_mm.sources", "required"},
    {"body_maps.json", "facial_depth_max_mm/areas", NULL, "\"torso\"", NULL, "kb/body_maps.json:facial_depth_max_mm.areas[1]", "unknown area"},
    {"prechecks.json", "gates/0", "gate", "\"consent\"", NULL, "kb/prechecks.json:gates[0].gate", "gate 0 is 'screening'"},
    {"prechecks.json", "gates/1/reasons", NULL, NULL, "sent", "kb/prechecks.json:gates[1].reasons.sent", "required"},
    {"prechecks.json", "gates/1/reasons", "bogus", "{\"message\":\"x\",\"satisfy\":\"y\"}", NULL, "kb/prechecks.json:gates[1].reasons.bogus", "gives no reason"},
    {"prechecks.json", "gates/0/reasons/none", "satisfy", "\"screen on {dya}\"", NULL, "kb/prechecks.json:gates[0].reasons.none.satisfy", "unknown value {dya}"},
    {"prechecks.json", "gates/0/reasons/pass", "satisfy", "\"do it\"", NULL, "kb/prechecks.json:gates[0].reasons.pass.satisfy", "satisfy null"},
    {"prechecks.json", "gates/2/reasons/missing", "satisfy", "null", NULL, "kb/prechecks.json:gates[2].reasons.missing.satisfy", "required"},
    {"prechecks.json", "gates/4", NULL, NULL, "sources", "kb/prechecks.json:gates[4].sources", "required"},
    {"prechecks.json", "needle_kinds", "codes", "[\"scalpel\"]", NULL, "kb/prechecks.json:needle_kinds.codes[0]", "no consumable kind"},
    {"prechecks.json", "chart_policy/completion_hours", "default", "0", NULL, "kb/prechecks.json:chart_policy.completion_hours.default", ""},
    {"prechecks.json", "chart_policy/before_views", "default", "[\"top\"]", NULL, "kb/prechecks.json:chart_policy.before_views.default[0]", "photo_views"},
    /* aftercare: items, conditions, red flags, languages */
    {"aftercare.json", "items/0", NULL, NULL, "sources", "kb/aftercare.json:items[0].sources", "required"},
    {"aftercare.json", "items/0", NULL, NULL, "es", "kb/aftercare.json:items[0].es", "required"},
    {"aftercare.json", "items/1", "section", "\"someday\"", NULL, "kb/aftercare.json:items[1].section", "unknown section"},
    {"aftercare.json", "items/1", "id", "\"no_sun_48h\"", NULL, "kb/aftercare.json:items[1].id", "duplicate item"},
    {"aftercare.json", "items/12/when", "ingredients", "[\"snake_oil\"]", NULL,
     "kb/aftercare.json:items[12].when.ingredients[0]", "unknown ingredient"},
    {"aftercare.json", "items/13/when", "areas", "[\"torso\"]", NULL, "kb/aftercare.json:items[13].when.areas[0]", "unknown area"},
    {"aftercare.json", "items/14/when/fitzpatrick", "min", "7", NULL, "kb/aftercare.json:items[14].when.fitzpatrick.min", ""},
    {"aftercare.json", "items/14", NULL, NULL, "unknown", "kb/aftercare.json:items[14].unknown", "not recorded"},
    {"aftercare.json", "red_flags/items/0", "sources", "[\"S9\"]", NULL, "kb/aftercare.json:red_flags.items[0].sources[0]", "unknown source"},
    {"aftercare.json", "red_flags", "items", "[]", NULL, "kb/aftercare.json:red_flags.items", "at least one"},
    {"aftercare.json", "", "languages", "[\"es\"]", NULL, "kb/aftercare.json:languages", "must include"},
    {"aftercare.json", "", "colour", "\"red\"", NULL, "kb/aftercare.json.colour", "unknown key"},
    /* complications: the catalogue and the CTCAE grades */
    {"complications.json", "complications/0", "colour", "\"red\"", NULL, "kb/complications.json:complications[0].colour", "unknown key"},
    {"complications.json", "complications/1", "code", "\"local_reaction\"", NULL, "kb/complications.json:complications[1].code", "duplicate complication"},
    {"complications.json", "complications/1", "code", "\"Bruise\"", NULL, "kb/complications.json:complications[1].code", "[a-z0-9_]"},
    {"complications.json", "complications/0", NULL, NULL, "snomed", "kb/complications.json:complications[0].snomed", "required"},
    {"complications.json", "complications/0", "snomed", "\"SCT-1\"", NULL, "kb/complications.json:complications[0].snomed", "6 to 18 digits"},
    {"complications.json", "complications/1", "snomed", "\"95376002\"", NULL, "kb/complications.json:complications[1].snomed", "duplicate SNOMED"},
    {"complications.json", "complications/0", "category", "\"cosmic\"", NULL, "kb/complications.json:complications[0].category", "cosmic"},
    {"complications.json", "complications/0", "frequency", "\"sometimes\"", NULL, "kb/complications.json:complications[0].frequency", "sometimes"},
    {"complications.json", "complications/0/onset", "max_days", "401", NULL, "kb/complications.json:complications[0].onset.max_days", ""},
    {"complications.json", "complications/1/onset", "min_days", "5", NULL, "kb/complications.json:complications[1].onset", "below min_days"},
    {"complications.json", "complications/5/onset", "max_days", "30", NULL, "kb/complications.json:complications[5].onset", "12 weeks"},
    {"complications.json", "complications/7", "followup_days", "60", NULL, "kb/complications.json:complications[7].followup_days", "12 weeks"},
    {"complications.json", "complications/0", "followup_schedule", "[]", NULL, "kb/complications.json:complications[0].followup_schedule", "at least one"},
    {"complications.json", "complications/5", "followup_schedule", "[3, 99]", NULL, "kb/complications.json:complications[5].followup_schedule[1]", "followup_days"},
    {"complications.json", "complications/5", "followup_schedule", "[14, 3]", NULL, "kb/complications.json:complications[5].followup_schedule[1]", "ascend"},
    {"complications.json", "complications/0/red_flags/0", NULL, NULL, "patient", "kb/complications.json:complications[0].red_flags[0].patient", "required"},
    {"complications.json", "complications/5/red_flags/1", "code", "\"spreading_redness\"", NULL, "kb/complications.json:complications[5].red_flags[1].code", "duplicate red flag"},
    {"complications.json", "complications/5/red_flags/0", "label", "\"Red\"", NULL, "kb/complications.json:complications[5].red_flags[0].label", "labelled differently"},
    {"complications.json", "complications/0", "management", "[]", NULL, "kb/complications.json:complications[0].management", "at least one"},
    {"complications.json", "complications/0", "sources", "[\"S9\"]", NULL, "kb/complications.json:complications[0].sources[0]", "unknown source"},
    {"complications.json", "complications/0", NULL, NULL, "sources", "kb/complications.json:complications[0].sources", "required"},
    {"complications.json", "grades/2", "grade", "4", NULL, "kb/complications.json:grades[2].grade", "in order"},
    {"complications.json", "grades/0", NULL, NULL, "sources", "kb/complications.json:grades[0].sources", "required"},
    {"complications.json", "grades", NULL, "{\"grade\": 6}", NULL, "kb/complications.json:grades", ""},
    {"complications.json", "", "colour", "\"red\"", NULL, "kb/complications.json:colour", "unknown key"},
    /* outcome scales: points, direction, raters, the patient's question, check-in days */
    {"outcome_scales.json", "", "colour", "\"red\"", NULL, "kb/outcome_scales.json.colour", "unknown key"},
    {"outcome_scales.json", "", NULL, NULL, "version", "kb/outcome_scales.json:version", "required"},
    {"outcome_scales.json", "scales/0", "direction", "\"up\"", NULL, "kb/outcome_scales.json:scales[0].direction", "higher_is_better"},
    {"outcome_scales.json", "scales/0", NULL, NULL, "numbering", "kb/outcome_scales.json:scales[0].numbering", "required"},
    {"outcome_scales.json", "scales/1", "id", "\"gais\"", NULL, "kb/outcome_scales.json:scales[1].id", "duplicate scale"},
    {"outcome_scales.json", "scales/1", "points", "[{\"value\":1,\"label\":\"a\",\"meaning\":\"b\"}]", NULL,
     "kb/outcome_scales.json:scales[1].points", "at least 2"},
    {"outcome_scales.json", "scales/0/points/1", "value", "1", NULL, "kb/outcome_scales.json:scales[0].points[1].value", "duplicate value"},
    {"outcome_scales.json", "scales/0/points/2", "label", "\"much improved\"", NULL,
     "kb/outcome_scales.json:scales[0].points[2].label", "duplicate label"},
    {"outcome_scales.json", "scales/0/points/0", NULL, NULL, "meaning", "kb/outcome_scales.json:scales[0].points[0].meaning", "required"},
    {"outcome_scales.json", "scales/0/points/0", "value", "101", NULL, "kb/outcome_scales.json:scales[0].points[0].value", ""},
    {"outcome_scales.json", "scales/1", "raters", "[\"nurse\"]", NULL, "kb/outcome_scales.json:scales[1].raters[0]", "practitioner or patient"},
    {"outcome_scales.json", "scales/1", "raters", "[]", NULL, "kb/outcome_scales.json:scales[1].raters", "at least one"},
    {"outcome_scales.json", "scales/2", NULL, NULL, "question", "kb/outcome_scales.json:scales[2].question", "the patient rates"},
    {"outcome_scales.json", "scales/2", "sources", "[\"Nobody 2020\"]", NULL, "kb/outcome_scales.json:scales[2].sources[0]", "unknown source"},
    {"outcome_scales.json", "checkins/0", "scales", "[\"wsrs\"]", NULL, "kb/outcome_scales.json:checkins[0].scales[0]", "does not rate"},
    {"outcome_scales.json", "checkins/0", "scales", "[\"botox\"]", NULL, "kb/outcome_scales.json:checkins[0].scales[0]", "unknown scale"},
    {"outcome_scales.json", "checkins/0", "day_offset", "400", NULL, "kb/outcome_scales.json:checkins[0].day_offset", ""},
    {"outcome_scales.json", "checkins", NULL, "{\"day_offset\":14,\"scales\":[\"gais\"],\"sources\":[\"GAIS\"]}", NULL,
     "kb/outcome_scales.json:checkins[1].day_offset", "duplicate day"},
    /* check-ins: days per protocol, questions, what they map to, the patient's messages */
    {"checkins.json", "questions/0", "required", "false", NULL,
     "kb/checkins.json:questions[0].maps_to.red_flag", "must be required"},
    {"checkins.json", "schedules/1", "protocol", "\"botox\"", NULL,
     "kb/checkins.json:schedules[1].protocol", "unknown protocol"},
    {"checkins.json", "schedules/3", "protocol", "\"facial_rejuvenation\"", NULL,
     "kb/checkins.json:schedules[3].protocol", "a second schedule"},
    {"checkins.json", "", "schedules", "[{\"protocol\":\"default\",\"days\":[2,14],\"sources\":[\"S1\"]}]",
     NULL, "kb/checkins.json:schedules", "no schedule for protocol"},
    {"checkins.json", "", "schedules", "[{\"protocol\":\"facial_rejuvenation\",\"days\":[2],\"sources\":[\"S1\"]}]",
     NULL, "kb/checkins.json:schedules", "no \"default\""},
    {"checkins.json", "schedules/0", "days", "[14, 2]", NULL, "kb/checkins.json:schedules[0].days[1]", "ascending"},
    {"checkins.json", "schedules/0", "days", "[0]", NULL, "kb/checkins.json:schedules[0].days[0]", "1 to 365"},
    {"checkins.json", "questions/1", "sources", "[\"S9\"]", NULL, "kb/checkins.json:questions[1].sources[0]", "unknown source"},
    {"checkins.json", "questions/3", "when", "[\"terrible\"]", NULL, "kb/checkins.json:questions[3].when[0]", "not an answer"},
    {"checkins.json", "questions/2", "at_least", "11", NULL, "kb/checkins.json:questions[2].at_least", ""},
    {"checkins.json", "questions/1", "code", "\"skin_pale\"", NULL, "kb/checkins.json:questions[1].code", "duplicate question"},
    {"checkins.json", "questions/0", NULL, NULL, "when", "kb/checkins.json:questions[0].maps_to", "say which answers"},
    {"checkins.json", "questions/19", "maps_to", "{\"effect\":\"bruising\"}", NULL, "kb/checkins.json:questions[19].maps_to", "cannot be matched"},
    {"checkins.json", "questions/8", "maps_to", "{\"effect\":\"bruising\",\"red_flag\":\"fever\"}", NULL, "kb/checkins.json:questions[8].maps_to", "either"},
    {"checkins.json", "questions/3", "options", "[\"no_pain\", \"no_pain\", \"worse\", \"better\"]", NULL, "kb/checkins.json:questions[3].options[1]", "duplicate option"},
    {"checkins.json", "questions/0", "type", "\"slider\"", NULL, "kb/checkins.json:questions[0].type", ""},
    {"checkins.json", "link", "valid_days_after_due", "0", NULL, "kb/checkins.json:link.valid_days_after_due", ""},
    {"checkins.json", "messages", "call_now", "\"Please call us.\"", NULL, "kb/checkins.json:messages.call_now", "{phone}"},
    {"checkins.json", "", "colour", "\"red\"", NULL, "kb/checkins.json:colour", "unknown key"},
};

static void break_kb(const char *dir, const breakage *b)
{
    char p[512];
    json_error_t jerr;
    snprintf(p, sizeof p, "%s/%s", dir, b->file);
    json_t *doc = json_load_file(p, 0, &jerr);
    assert_non_null(doc);
    json_t *target = *b->path ? walk(doc, b->path) : doc;
    json_t *v = b->value ? json_loads(b->value, JSON_DECODE_ANY, &jerr) : NULL;
    if (b->key) assert_int_equal(json_object_set_new(target, b->key, v), 0);
    else if (b->del) assert_int_equal(json_object_del(target, b->del), 0);
    else assert_int_equal(json_array_append_new(target, v), 0);
    assert_int_equal(json_dump_file(doc, p, JSON_INDENT(1) | JSON_PRESERVE_ORDER), 0);
    json_decref(doc);
}

static void test_loader_rejects(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof breakages / sizeof breakages[0]; i++) {
        char dir[64];
        md_kb *bad = NULL;
        md_err e;
        copy_kb(dir);
        break_kb(dir, &breakages[i]);
        md_code rc = md_kb_load(dir, &bad, &e);
        if (rc == MD_OK || strcmp(e.field, breakages[i].field) != 0 || !strstr(e.message, breakages[i].says)) {
            fprintf(stderr, "breakage %zu: rc %s field '%s' message '%s'\n", i, md_code_name(rc), e.field,
                    e.message);
            fail();
        }
        assert_null(bad);
        remove_kb(dir);
    }
}

static void test_loader_io_and_syntax(void **state)
{
    (void)state;
    char dir[64], p[512];
    md_kb *bad = NULL;
    md_err e;
    copy_kb(dir);
    snprintf(p, sizeof p, "%s/rules.json", dir);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("{\"rules\": [ {\"id\": \"x\",, } ]}", f);
    fclose(f);
    assert_int_equal(md_kb_load(dir, &bad, &e), MD_EJSON);
    assert_string_equal(e.field, "kb/rules.json");
    f = fopen(p, "w");
    assert_non_null(f);
    fputs("{\"rules\": [], \"rules\": []}", f);
    fclose(f);
    assert_int_equal(md_kb_load(dir, &bad, &e), MD_EJSON);
    unlink(p);
    assert_int_equal(md_kb_load(dir, &bad, &e), MD_EIO);
    assert_non_null(strstr(e.message, "kb/rules.json"));
    remove_kb(dir);
    assert_int_equal(md_kb_load("/nonexistent/kb", &bad, &e), MD_EIO);
}

/* The hash covers content only: a copy hashes the same, any change differs. */
static void test_hash(void **state)
{
    (void)state;
    char dir[64];
    md_kb *copy = NULL;
    md_err e;
    assert_int_equal(strlen(md_kb_hash(kb)), 64);
    assert_string_equal(md_kb_version(kb), "2026.3.0");
    copy_kb(dir); /* re-serialised: different bytes, so a different hash */
    assert_int_equal(md_kb_load(dir, &copy, &e), MD_OK);
    assert_string_not_equal(md_kb_hash(copy), md_kb_hash(kb));
    char first[65];
    snprintf(first, sizeof first, "%s", md_kb_hash(copy));
    md_kb_free(copy);
    assert_int_equal(md_kb_load(dir, &copy, &e), MD_OK);
    assert_string_equal(md_kb_hash(copy), first);
    md_kb_free(copy);
    remove_kb(dir);
}

static void test_vocabulary(void **state)
{
    (void)state;
    static const struct { md_vocab_kind kind; const char *term, *canonical; } synonyms[] = {
        {MD_VOCAB_MEDICATION, "ibuprofen", "nsaid"},
        {MD_VOCAB_MEDICATION, "Warfarin", "anticoagulant"},
        {MD_VOCAB_MEDICATION, "clopidogrel", "antiplatelet"},
        {MD_VOCAB_MEDICATION, "St John's Wort", "st_johns_wort"},
        {MD_VOCAB_CONDITION, "atopic dermatitis", "eczema"},
        {MD_VOCAB_SUBSTANCE, "lidocaine", "lidocaine"},
        {MD_VOCAB_SUBSTANCE, "amide local anaesthetics", "amide_anaesthetics"},
        {MD_VOCAB_INGREDIENT, "sodium hyaluronate", "hyaluronic_acid"},
        {MD_VOCAB_AREA, "love handles", "flanks"},
        {MD_VOCAB_JURISDICTION, "us", "US"},
    };
    const char *canonical, *near[3];
    md_err e;
    for (size_t i = 0; i < sizeof synonyms / sizeof synonyms[0]; i++) {
        assert_int_equal(md_kb_resolve(kb, synonyms[i].kind, synonyms[i].term, NULL, &canonical, &e), MD_OK);
        assert_string_equal(canonical, synonyms[i].canonical);
    }
    assert_int_equal(md_kb_resolve(kb, MD_VOCAB_MEDICATION, "ibuprofn", "x.code", &canonical, &e),
                     MD_EUNPROCESSABLE);
    assert_string_equal(e.field, "x.code");
    assert_non_null(strstr(e.message, "unknown medication 'ibuprofn'; did you mean: ibuprofen"));
    assert_int_equal(md_kb_suggest(kb, MD_VOCAB_MEDICATION, "warfrin", near, 3) >= 1, 1);
    assert_string_equal(near[0], "warfarin");
    assert_int_equal(md_kb_suggest(kb, MD_VOCAB_MEDICATION, "zzzzzzzzzzzzzzzzzz", near, 3), 0);
    assert_int_equal(md_kb_lookup(kb, MD_VOCAB_CONDITION, "nonsense"), -1);
    /* Synonyms as written in the kb, without the code itself. */
    const char *syn[16];
    int nsaid = md_kb_lookup(kb, MD_VOCAB_MEDICATION, "nsaid");
    size_t nsyn = md_kb_vocab_synonyms(kb, MD_VOCAB_MEDICATION, (size_t)nsaid, syn, 16);
    int has_ibuprofen = 0;
    for (size_t k = 0; k < nsyn && k < 16; k++) {
        assert_string_not_equal(syn[k], "nsaid");
        if (strcmp(syn[k], "ibuprofen") == 0) has_ibuprofen = 1;
    }
    assert_true(has_ibuprofen);
    assert_int_equal(md_kb_vocab_synonyms(kb, MD_VOCAB_MEDICATION, (size_t)nsaid, syn, 1), nsyn);
    assert_int_equal(md_kb_vocab_synonyms(kb, MD_VOCAB_MEDICATION, 100000, syn, 16), 0);
    assert_true(md_kb_vocab_count(kb, MD_VOCAB_SUBSTANCE) > md_kb_vocab_count(kb, MD_VOCAB_INGREDIENT));
    int id = md_kb_lookup(kb, MD_VOCAB_AREA, "cheeks");
    assert_true(id >= 0);
    assert_string_equal(md_kb_vocab_code(kb, MD_VOCAB_AREA, (size_t)id), "cheeks");
    assert_string_equal(md_kb_vocab_label(kb, MD_VOCAB_AREA, (size_t)id), "Cheeks");
    assert_null(md_kb_vocab_code(kb, MD_VOCAB_AREA, 100000));
}

/* ---- clinic rules ----------------------------------------------------------- */

static md_code compile(const char *rules_json, md_ruleset **rs, md_err *e)
{
    json_t *j = json_loads(rules_json, 0, NULL);
    assert_non_null(j);
    md_code rc = md_ruleset_compile(kb, j, rs, e);
    json_decref(j);
    return rc;
}

static const char adult_19[] =
    "{\"date\":\"2026-11-21\",\"patient\":{\"birth_date\":\"2007-01-01\",\"sex\":\"male\",\"no_known_allergies\":true,\"conditions\":[{\"code\":\"keloid\"}]},"
    "\"plan\":{\"areas\":[\"cheeks\"],\"ingredients\":[\"hyaluronic_acid\"]}}";

static void test_clinic_rules(void **state)
{
    (void)state;
    md_ruleset *rs = NULL;
    md_arena *a = md_arena_new(4096, 0);
    md_screen_result r;
    md_err e;
    md_rule_info info;
    assert_int_equal(compile("[{\"id\":\"clinic.min_age_21\",\"kind\":\"min_age\",\"class\":\"contraindicated\","
                             "\"when\":{\"years\":21},\"message\":\"Clinic policy: aged {age}, under {years}.\","
                             "\"sources\":[\"clinic:policy-2026-04\",\"S3\"]},"
                             "{\"id\":\"clinic.keloid_strict\",\"raises\":\"keloid_clearance\","
                             "\"class\":\"contraindicated\",\"sources\":[\"clinic:policy-2026-04\"]}]",
                             &rs, &e),
                     MD_OK);
    assert_int_equal(md_ruleset_count(rs), md_ruleset_count(md_kb_ruleset(kb)) + 1);
    assert_int_equal(kbt_screen(rs, adult_19, a, &r, &e), MD_OK);
    assert_int_equal(r.decision, MD_CLASS_CONTRAINDICATED);
    char *s = kbt_dump(&r);
    assert_non_null(strstr(s, "\"rule\":\"keloid_clearance\",\"class\":\"contraindicated\""));
    assert_non_null(strstr(s, "\"raised_by\":\"clinic.keloid_strict\""));
    assert_non_null(strstr(s, "Clinic policy: aged 19, under 21."));
    assert_non_null(strstr(s, "\"origin\":\"clinic\""));
    free(s);
    int k = md_ruleset_find(rs, "keloid_clearance");
    assert_int_equal(md_ruleset_rule(rs, (size_t)k, &info), 0);
    assert_int_equal(info.shipped_cls, MD_CLASS_CLEARANCE_REQUIRED);
    assert_int_equal(info.cls, MD_CLASS_CONTRAINDICATED);
    /* the shipped rule set is untouched */
    md_arena_reset(a);
    assert_int_equal(kbt_screen(md_kb_ruleset(kb), adult_19, a, &r, &e), MD_OK);
    assert_int_equal(r.decision, MD_CLASS_CLEARANCE_REQUIRED);
    md_ruleset_free(rs);
    md_arena_free(a);
}

static void test_clinic_rules_rejected(void **state)
{
    (void)state;
    static const struct { const char *rules, *field, *says; } bad[] = {
        {"[{\"id\":\"x\",\"raises\":\"pregnancy\",\"class\":\"caution\",\"sources\":[\"clinic:a\"]}]",
         "clinic_rules[0].class", "only raise"},
        {"[{\"id\":\"x\",\"raises\":\"keloid_clearance\",\"class\":\"clearance_required\",\"sources\":[\"clinic:a\"]}]",
         "clinic_rules[0].class", "only raise"},
        {"[{\"id\":\"x\",\"raises\":\"no_such_rule\",\"class\":\"deferred\",\"sources\":[\"clinic:a\"]}]",
         "clinic_rules[0].raises", "no shipped rule"},
        {"[{\"id\":\"pregnancy\",\"kind\":\"status_flag\",\"class\":\"caution\",\"when\":{\"flag\":\"pregnant\",\"value\":true},"
         "\"message\":\"m\",\"sources\":[\"S0\"]}]", "clinic_rules[0].id", "already"},
        {"[{\"id\":\"a\",\"kind\":\"allergy_any\",\"class\":\"caution\",\"message\":\"m\",\"sources\":[\"S0\"]},"
         "{\"id\":\"a\",\"kind\":\"allergy_any\",\"class\":\"caution\",\"message\":\"m\",\"sources\":[\"S0\"]}]",
         "clinic_rules[1].id", "already"},
        {"[{\"id\":\"a\",\"kind\":\"condition_present\",\"class\":\"deferred\",\"when\":{\"codes\":[\"rosacea\"],"
         "\"active_only\":true},\"message\":\"m\",\"sources\":[\"clinic:a\"]}]", "clinic_rules[0].when.codes[0]",
         "unknown condition"},
        {"[{\"id\":\"a\",\"kind\":\"allergy_any\",\"class\":\"caution\",\"message\":\"m\",\"sources\":[\"Smith 2020\"]}]",
         "clinic_rules[0].sources[0]", "unknown source"},
        {"[{\"id\":\"a\",\"kind\":\"allergy_any\",\"class\":\"eligible\",\"message\":\"m\",\"sources\":[\"S0\"]}]",
         "clinic_rules[0].class", "class must be"},
        {"{}", "clinic_rules", "array"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        md_ruleset *rs = NULL;
        md_err e;
        md_code rc = compile(bad[i].rules, &rs, &e);
        if (rc == MD_OK || strcmp(e.field, bad[i].field) != 0 || !strstr(e.message, bad[i].says)) {
            fprintf(stderr, "clinic case %zu: rc %s field '%s' message '%s'\n", i, md_code_name(rc), e.field, e.message);
            fail();
        }
        assert_null(rs);
    }
    /* single-rule validation reports paths relative to the rule */
    md_err e;
    json_t *rule = json_loads("{\"id\":\"a\",\"kind\":\"medication_present\",\"class\":\"deferred\","
                              "\"when\":{\"codes\":[\"ibuprofen\"]},\"message\":\"m\",\"sources\":[\"clinic:a\"]}",
                              0, NULL);
    assert_int_equal(md_kb_validate_clinic_rule(kb, rule, &e), MD_EINVAL);
    assert_string_equal(e.field, "rule.when.codes[0]");
    json_object_set_new(json_object_get(rule, "when"), "codes", json_pack("[s]", "nsaid"));
    assert_int_equal(md_kb_validate_clinic_rule(kb, rule, &e), MD_OK);
    json_decref(rule);
}

static void test_locate(void **state)
{
    (void)state;
    char out[256], saved[512];
    md_err e;
    snprintf(saved, sizeof saved, "%s", kbt_dir());
    assert_int_equal(md_kb_locate("/explicit", NULL, out, sizeof out, &e), MD_OK);
    assert_string_equal(out, "/explicit");
    setenv("MESODESK_KB", "/from/env", 1);
    assert_int_equal(md_kb_locate(NULL, "/fallback", out, sizeof out, &e), MD_OK);
    assert_string_equal(out, "/from/env");
    assert_int_equal(md_kb_locate("/explicit/long/path", NULL, out, 4, &e), MD_ETOOBIG);
    setenv("MESODESK_KB", saved, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loader_rejects),
        cmocka_unit_test(test_loader_io_and_syntax),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_vocabulary),
        cmocka_unit_test(test_clinic_rules),
        cmocka_unit_test(test_clinic_rules_rejected),
        cmocka_unit_test(test_locate),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
