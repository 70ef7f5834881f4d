/*
 * fuzz_records.c - fuzz target for the validation of every record kind.
 *
 * The first byte picks the kind (patient, allergy, condition, medication,
 * status, clearance, clinic rule, then the stock kinds); the rest is parsed as JSON and given to
 * md_record_validate(), as the API does with a request body before anything
 * is stored.  Whatever the bytes, validation must answer MD_OK or an error
 * naming a field, and never crash, leak or read out of bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mesodesk/clinic.h"
#include "mesodesk/kb.h"
#include "mesodesk/record.h"
#include "mesodesk/stock.h"
#include "mesodesk/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const md_record_kind *const kinds[] = {
    &md_kind_patient,     &md_kind_allergy, &md_kind_condition,
    &md_kind_medication,  &md_kind_status,  &md_kind_clearance,
    &md_kind_clinic_rule, &md_kind_product, &md_kind_consumable,
    &md_kind_lot,         &md_kind_vial,    &md_kind_administration, /* stock.h */
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

static md_ctx ctx;
static md_kb *kb;
static char dir[64];

static void release(void)
{
    char path[128];
    md_store_close(ctx.db);
    md_arena_free(ctx.arena);
    md_kb_free(kb);
    static const char *const files[] = {"db", "db-wal", "db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void init(void)
{
    char kbdir[4096], path[128];
    md_err e;
    if (ctx.db) return;
    if (md_init() != 0) abort();
    if (md_kb_locate(NULL, MESODESK_SOURCE_DIR "/kb", kbdir, sizeof kbdir, &e) ||
        md_kb_load(kbdir, &kb, &e))
        abort(); /* the shipped kb must load */
    ctx.kb = kb;
    snprintf(dir, sizeof dir, "/tmp/mesodesk-fuzz-XXXXXX");
    if (!mkdtemp(dir)) abort();
    snprintf(path, sizeof path, "%s/db", dir);
    /* Clearances are checked against the clinic's rule set, which is read from the store. */
    if (md_store_open(path, &ctx.db, &e) || md_store_migrate(ctx.db, &e) ||
        md_clinic_create(ctx.db, "Fuzz Clinic", "Europe/London", "UK", ctx.who.clinic_id, &e))
        abort();
    ctx.arena = md_arena_new(16 * 1024, 4u << 20);
    if (!ctx.arena) abort();
    ctx.who.role = MD_ROLE_ADMIN;
    atexit(release);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    md_err e;
    init();
    if (size < 1) return 0;
    const md_record_kind *k = kinds[data[0] % NKINDS];
    md_arena_reset(ctx.arena);
    json_t *j = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return 0;
    }
    md_err_clear(&e);
    md_code rc = md_record_validate(&ctx, k, j, &e);
    /* An error always says what is wrong; a bad value also names its field. */
    if (rc != MD_OK && !e.message[0]) abort();
    if ((rc == MD_EINVAL || rc == MD_EUNPROCESSABLE) && !e.field[0]) abort();
    json_decref(j);
    return 0;
}
