/*
 * fuzz_screen.c - fuzz target for the screening input and clinic rules.
 *
 * Each input is parsed as JSON and fed to md_screen_input_from_json(); when
 * that succeeds it is evaluated and rendered as JSON and text.  The same bytes
 * are also tried as an array of clinic rules for md_ruleset_compile().  The
 * target must never crash, leak or read out of bounds, whatever the bytes.
 */
#include <stdint.h>
#include <stdlib.h>

#include "mesodesk/kb.h"
#include "mesodesk/screen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static md_kb *kb;
static md_arena *arena;

static void release(void)
{
    md_arena_free(arena);
    md_kb_free(kb);
}

static int init(void)
{
    char dir[4096];
    md_err e;
    if (kb) return 0;
    if (md_kb_locate(NULL, MESODESK_SOURCE_DIR "/kb", dir, sizeof dir, &e) || md_kb_load(dir, &kb, &e))
        abort(); /* the shipped kb must load */
    arena = md_arena_new(16 * 1024, 4u << 20);
    if (!arena) abort();
    atexit(release);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *j = NULL, *out = NULL;
    md_screen_input *in = NULL;
    md_screen_result res;
    md_ruleset *rs = NULL;
    md_err e;
    init();
    md_arena_reset(arena);
    j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
    if (!j) goto cleanup;
    if (md_screen_input_from_json(md_kb_ruleset(kb), j, arena, &in, &e) == MD_OK &&
        md_screen_evaluate(md_kb_ruleset(kb), in, arena, &res, &e) == MD_OK) {
        out = md_screen_result_to_json(&res);
        (void)md_screen_result_to_text(&res, arena);
    }
    if (json_is_array(j) && md_ruleset_compile(kb, j, &rs, &e) == MD_OK) md_ruleset_free(rs);
cleanup:
    json_decref(out);
    json_decref(j);
    return 0;
}
