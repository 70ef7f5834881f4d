/*
 * gen.c - the data generator (gen.h).
 *
 * Randomness: splitmix64, seeded per patient from (seed, clinic, index), so patient i is
 * made without making patients 0..i-1 and the same options give the same rows anywhere.
 * Draws are made in a fixed order; changing that order changes the data of every seed (say
 * so in the commit when you do).
 *
 * Writing one batch of a clinic (one transaction):
 *   BEGIN -> for each patient: patients row v1, its search keys (the engine's
 *   md__patient_terms_insert: a new patient has none yet and no merge), its facts' rows
 *   v1 -> one "generate" audit entry -> COMMIT
 *   Any failure rolls the whole batch back (patients, keys, facts and entry together).
 * Rows are laid out from each kind's field table (column names are constants of the kinds,
 * never input), and every value is a bound parameter.  Ids sort in generation order
 * (ordered_id), so rows go to the ends of the id indexes.  The store is in bulk mode
 * (md_store_bulk) for the run.
 *
 * A fresh database (no patient yet) is loaded faster, with the same rows at the end:
 *   defer: BEGIN -> drop the secondary indexes of the tables filled (md_store_defer_indexes)
 *     -> COMMIT
 *   each clinic: the batches as above, with the search keys kept in memory (a term stage;
 *     a batch rolled back forgets its own) -> BEGIN -> the clinic's keys into patient_terms
 *     in key order (md__term_stage_flush) -> COMMIT
 *   restore: BEGIN -> every dropped index built again from its own definition -> COMMIT
 *   After a failed batch the clinic's committed keys are still written and the indexes
 *   restored.  A process killed before the restore leaves a database without those
 *   indexes or some keys: generate again into a new one.
 */
#include "mesodesk/gen.h"
#include "mesodesk/audit.h"
#include "mesodesk/auth.h"
#include "mesodesk/clinic.h"
#include "mesodesk/kb.h"
#include "mesodesk/record.h"
#include "mesodesk/sbuf.h"
#include "gen_stock.h"
#include "record_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_BATCH 20000
#define SQL_MAX 2048
#define MAX_COLS 24
#define MAX_SYNONYMS 16

/* ---- randomness ---- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static rng rng_for(uint64_t seed, int clinic, long index)
{
    rng r = {seed ^ ((uint64_t)(clinic + 1) * 0xD1B54A32D192ED03ull) ^
             ((uint64_t)(index + 2) * 0x8CB92BA72F3D8DD7ull)};
    rng_next(&r);
    return r;
}

/* Uniform in 0..n-1 (n > 0). */
static uint32_t below(rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static int chance(rng *r, uint32_t per_mille)
{
    return below(r, 1000) < per_mille;
}

/* An id that sorts in generation order: 12 hex digits of (clinic, index), 2 of which (the
 * patient's own id or one of its facts'), then 18 random ones (two draws, as ids always took,
 * so the draws that follow did not change).  Rows then go into the ends of the (clinic_id, id)
 * and (clinic_id, patient_id) indexes, instead of a random place in each: at 1,000,000
 * patients each batch dirtied nearly every page of those indexes. */
static void ordered_id(rng *r, int clinic, long index, unsigned which, char out[MD_ID_STR])
{
    unsigned long long a = rng_next(r), b = rng_next(r);
    snprintf(out, MD_ID_STR, "%03x%09lx%02x%02llx%016llx", (unsigned)clinic & 0xfff,
             (unsigned long)index & 0xfffffffffUL, which & 0xff, a & 0xff, b);
}

/* ---- names and places (not clinical: people's names, phone plans) ---- */

typedef struct person_name {
    const char *shown, *ascii; /* as written; for e-mail addresses */
} person_name;

static const person_name female_names[] = {
    {"Amelia", "amelia"},
    {"Olivia", "olivia"},
    {"Isla", "isla"},
    {"Grace", "grace"},
    {"Sophie", "sophie"},
    {"Freya", "freya"},
    {"Hannah", "hannah"},
    {"Chloé", "chloe"},
    {"Emily", "emily"},
    {"Lucy", "lucy"},
    {"Priya", "priya"},
    {"Zara", "zara"},
    {"Eleanor", "eleanor"},
    {"Mia", "mia"},
    {"Aisha", "aisha"},
    {"Ruby", "ruby"},
    {"Zoë", "zoe"},
    {"Siobhán", "siobhan"},
    {"Inès", "ines"},
    {"María José", "mariajose"},
    {"Anaïs", "anais"},
    {"Björk", "bjork"},
    {"Małgorzata", "malgorzata"},
    {"Saoirse", "saoirse"},
    {"Léa", "lea"},
    {"Camille", "camille"},
    {"Giulia", "giulia"},
    {"Sofía", "sofia"},
    {"Nadia", "nadia"},
    {"Fatima", "fatima"},
    {"Yasmin", "yasmin"},
    {"Charlotte", "charlotte"},
    {"Emma", "emma"},
    {"Ava", "ava"},
    {"Isabelle", "isabelle"},
    {"Manon", "manon"},
    {"Hélène", "helene"},
    {"Ingrid", "ingrid"},
    {"Astrid", "astrid"},
    {"Niamh", "niamh"},
    {"Aoife", "aoife"},
    {"Chiara", "chiara"},
    {"Lucía", "lucia"},
    {"Ana-Maria", "anamaria"},
    {"Mei", "mei"},
    {"Keiko", "keiko"},
    {"Adaeze", "adaeze"},
    {"Thandiwe", "thandiwe"},
    {"Rosa", "rosa"},
    {"Jessica", "jessica"},
    {"Laura", "laura"},
    {"Natalia", "natalia"},
    {"Agnès", "agnes"},
    {"Françoise", "francoise"},
    {"Dorothée", "dorothee"},
    {"Renée", "renee"},
    {"Esmé", "esme"},
};

static const person_name male_names[] = {
    {"James", "james"},   {"Daniel", "daniel"}, {"Marcus", "marcus"},
    {"Noah", "noah"},     {"José", "jose"},     {"François", "francois"},
    {"Søren", "soren"},   {"Łukasz", "lukasz"}, {"Seán", "sean"},
    {"Jürgen", "jurgen"}, {"Oliver", "oliver"}, {"Mohammed", "mohammed"},
    {"Luca", "luca"},     {"Mateo", "mateo"},   {"Tomás", "tomas"},
    {"André", "andre"},   {"Kwame", "kwame"},   {"Hiroshi", "hiroshi"},
    {"Rafael", "rafael"}, {"Thomas", "thomas"}, {"Jean-Luc", "jeanluc"},
    {"Ciarán", "ciaran"}, {"Björn", "bjorn"},   {"Arjun", "arjun"},
};

static const person_name family_names[] = {
    {"Hart", "hart"},
    {"Bennett", "bennett"},
    {"Moreno", "moreno"},
    {"Okafor", "okafor"},
    {"Lindqvist", "lindqvist"},
    {"Campbell", "campbell"},
    {"Shah", "shah"},
    {"Dubois", "dubois"},
    {"Nakamura", "nakamura"},
    {"O'Brien", "obrien"},
    {"Whitfield", "whitfield"},
    {"Adeyemi", "adeyemi"},
    {"Kowalski", "kowalski"},
    {"Raman", "raman"},
    {"Haddad", "haddad"},
    {"Fitzgerald", "fitzgerald"},
    {"Rossi", "rossi"},
    {"Fraser", "fraser"},
    {"Begum", "begum"},
    {"Thompson", "thompson"},
    {"García", "garcia"},
    {"Núñez", "nunez"},
    {"Müller", "muller"},
    {"Schröder", "schroder"},
    {"D'Angelo", "dangelo"},
    {"O'Connor", "oconnor"},
    {"Ó Súilleabháin", "osuilleabhain"},
    {"Lefèvre", "lefevre"},
    {"Bergström", "bergstrom"},
    {"Øvrebø", "ovrebo"},
    {"Wiśniewska", "wisniewska"},
    {"Dvořák", "dvorak"},
    {"Smith-Jones", "smithjones"},
    {"MacDonald", "macdonald"},
    {"van der Berg", "vanderberg"},
    {"de la Cruz", "delacruz"},
    {"Nguyen", "nguyen"},
    {"Kim", "kim"},
    {"Patel", "patel"},
    {"Singh", "singh"},
    {"Khan", "khan"},
    {"Wilson", "wilson"},
    {"Taylor", "taylor"},
    {"Brown", "brown"},
    {"Evans", "evans"},
    {"Roberts", "roberts"},
    {"Walker", "walker"},
    {"Wright", "wright"},
    {"Robinson", "robinson"},
    {"Clarke", "clarke"},
    {"Hughes", "hughes"},
    {"Martin", "martin"},
    {"Bernard", "bernard"},
    {"Petit", "petit"},
    {"Laurent", "laurent"},
    {"Fontaine", "fontaine"},
    {"Russo", "russo"},
    {"Ferrari", "ferrari"},
    {"Esposito", "esposito"},
    {"Romano", "romano"},
    {"Fernández", "fernandez"},
    {"López", "lopez"},
    {"Martínez", "martinez"},
    {"Sánchez", "sanchez"},
    {"Pérez", "perez"},
    {"Jiménez", "jimenez"},
    {"Johansson", "johansson"},
    {"Andersen", "andersen"},
    {"Nielsen", "nielsen"},
    {"Novak", "novak"},
    {"Horvath", "horvath"},
    {"Popescu", "popescu"},
    {"Ivanova", "ivanova"},
    {"Yilmaz", "yilmaz"},
    {"Demir", "demir"},
    {"Mensah", "mensah"},
    {"Osei", "osei"},
    {"Abubakar", "abubakar"},
    {"Chen", "chen"},
    {"Wang", "wang"},
    {"Tanaka", "tanaka"},
    {"Sato", "sato"},
    {"Park", "park"},
    {"Lee", "lee"},
    {"Murphy", "murphy"},
    {"Kelly", "kelly"},
    {"Byrne", "byrne"},
    {"Ryan", "ryan"},
    {"Doyle", "doyle"},
    {"McCarthy", "mccarthy"},
    {"Gallagher", "gallagher"},
    {"Brennan", "brennan"},
    {"Quinn", "quinn"},
    {"Baptiste", "baptiste"},
    {"Ahmed", "ahmed"},
    {"Hussain", "hussain"},
    {"Ali", "ali"},
    {"Rahman", "rahman"},
    {"Iqbal", "iqbal"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void phone_uk(rng *r, char out[32])
{
    snprintf(out, 32, "+44 7%03u %06u", 100 + below(r, 900), below(r, 1000000));
}

static void phone_fr(rng *r, char out[32])
{
    snprintf(out, 32, "+33 %u %02u %02u %02u %02u", 6 + below(r, 2), below(r, 100), below(r, 100),
             below(r, 100), below(r, 100));
}

static void phone_us(rng *r, char out[32])
{
    snprintf(out, 32, "+1 (%03u) %03u-%04u", 201 + below(r, 780), 200 + below(r, 800),
             below(r, 10000));
}

/* Where clinic number k is (places[k % 3]): its jurisdiction (md_clinic_create checks it),
 * time zone, patients' mail domain and mobile numbers as written there. */
typedef struct place {
    const char *jurisdiction, *time_zone, *mail;
    void (*phone)(rng *r, char out[32]);
} place;

static const place places[] = {
    {"UK", "Europe/London", "example.co.uk", phone_uk},
    {"EU", "Europe/Paris", "example.fr", phone_fr},
    {"US", "America/New_York", "example.com", phone_us},
};

static const char *const reactions[] = {
    "hives",    "swelling of the lips", "rash",  "itching", "anaphylaxis",
    "wheezing", "redness at site",      "nausea"};

/* ---- one patient ---- */

/* A time during opening hours (08:00-18:00 UTC) of day. */
static void visit_time(rng *r, md_day day, char out[MD_TIME_STR])
{
    uint32_t minute = 8 * 60 + below(r, 10 * 60);
    uint32_t second = below(r, 60);
    md_time_format((int64_t)day * 86400 + (int64_t)minute * 60 + second, out);
}

static const char *vocab_pick(rng *r, const md_kb *kb, md_vocab_kind kind, size_t *id)
{
    size_t n = md_kb_vocab_count(kb, kind);
    *id = below(r, (uint32_t)n);
    return md_kb_vocab_code(kb, kind, *id);
}

md_code md_gen_patient_make(const md_kb *kb, uint64_t seed, int clinic, long index, md_day as_of,
                            md_gen_patient *p, md_err *err)
{
    static const md_vocab_kind needed[] = {MD_VOCAB_CONDITION, MD_VOCAB_MEDICATION,
                                           MD_VOCAB_SUBSTANCE, MD_VOCAB_AREA};
    if (!kb) return md_err_set(err, MD_EINVAL, "kb", "the generator needs the knowledge base");
    for (size_t i = 0; i < COUNT(needed); i++)
        if (md_kb_vocab_count(kb, needed[i]) == 0)
            return md_err_set(err, MD_EINVAL, "kb", "the kb has no %s vocabulary",
                              md_vocab_kind_name(needed[i]));
    memset(p, 0, sizeof *p);
    rng r = rng_for(seed, clinic, index);
    const place *pl = &places[(size_t)clinic % COUNT(places)];
    size_t id;
    ordered_id(&r, clinic, index, 0, p->id);

    uint32_t s = below(&r, 1000);
    p->sex = s < 860 ? "female" : s < 980 ? "male" : s < 990 ? "other" : "unknown";
    int female = p->sex[0] == 'f';
    const person_name *given = female || (s >= 980 && chance(&r, 500))
                                   ? &female_names[below(&r, COUNT(female_names))]
                                   : &male_names[below(&r, COUNT(male_names))];
    const person_name *family = &family_names[below(&r, COUNT(family_names))];
    md_strlcpy(p->given, given->shown, sizeof p->given);
    md_strlcpy(p->family, family->shown, sizeof p->family);

    /* Ages 18..67 mostly, a few minors aged 14..17 (screening asks for consent). */
    int age = chance(&r, 30) ? 14 + (int)below(&r, 4) : 18 + (int)below(&r, 50);
    md_day birth = as_of - (md_day)(age * 365 + age / 4) - (md_day)below(&r, 365) - 1;
    md_date_format(birth, p->birth_date);
    int real_age = md_age_years(birth, as_of);

    static const uint32_t fitz[] = {80, 330, 630, 830, 920, 970}; /* cumulative, per mille */
    uint32_t f = below(&r, 1000);
    p->fitzpatrick = 0;
    for (int k = 0; k < 6 && !p->fitzpatrick; k++)
        if (f < fitz[k]) p->fitzpatrick = k + 1;

    if (!chance(&r, 80))
        snprintf(p->email, sizeof p->email, "%s.%s%ld@%s", given->ascii, family->ascii, index + 1,
                 pl->mail);
    if (!chance(&r, 30)) pl->phone(&r, p->phone);

    /* The intake, up to five years ago; the latest visit, between it and as_of (the same
     * day for a third of patients), when the facts were last reviewed. */
    md_day intake = as_of - (md_day)below(&r, 1800);
    if (intake <= birth) intake = birth + 1;
    md_day visit =
        chance(&r, 330) ? intake : intake + (md_day)below(&r, (uint32_t)(as_of - intake) + 1);
    visit_time(&r, intake, p->recorded_at);
    visit_time(&r, visit, p->reviewed_at);
    if (strcmp(p->reviewed_at, p->recorded_at) < 0)
        md_strlcpy(p->reviewed_at, p->recorded_at, sizeof p->reviewed_at);
    md_date_format(visit, p->asked_on);

    /* Allergies: 15% have one or two; most others said "no known allergies"; some unasked. */
    if (chance(&r, 150)) {
        p->nallergies = chance(&r, 200) ? 2 : 1;
        for (int k = 0; k < p->nallergies; k++) {
            p->allergies[k].substance = vocab_pick(&r, kb, MD_VOCAB_SUBSTANCE, &id);
            p->allergies[k].reaction = reactions[below(&r, COUNT(reactions))];
            p->allergies[k].status = chance(&r, 100) ? "inactive" : "active";
        }
        if (p->nallergies == 2 && strcmp(p->allergies[0].substance, p->allergies[1].substance) == 0)
            p->nallergies = 1;
    } else {
        p->no_known_allergies = chance(&r, 780);
    }
    /* Conditions: a quarter have one, some two; some recorded with the area affected. */
    if (chance(&r, 250)) {
        p->nconditions = chance(&r, 150) ? 2 : 1;
        for (int k = 0; k < p->nconditions; k++) {
            p->conditions[k].code = vocab_pick(&r, kb, MD_VOCAB_CONDITION, &id);
            p->conditions[k].site = chance(&r, 400) ? vocab_pick(&r, kb, MD_VOCAB_AREA, &id) : NULL;
            p->conditions[k].active = chance(&r, 800);
        }
        if (p->nconditions == 2 && strcmp(p->conditions[0].code, p->conditions[1].code) == 0)
            p->nconditions = 1;
    }
    /* Medications: the class from the kb, the name the patient gave (one of its synonyms). */
    if (chance(&r, 300)) {
        p->nmedications = chance(&r, 250) ? 2 : 1;
        for (int k = 0; k < p->nmedications; k++) {
            md_gen_fact_medication *m = &p->medications[k];
            const char *syn[MAX_SYNONYMS];
            m->code = vocab_pick(&r, kb, MD_VOCAB_MEDICATION, &id);
            size_t ns = md_kb_vocab_synonyms(kb, MD_VOCAB_MEDICATION, id, syn, MAX_SYNONYMS);
            if (ns > MAX_SYNONYMS) ns = MAX_SYNONYMS;
            m->name = ns ? syn[below(&r, (uint32_t)ns)] : NULL;
            md_day dose = visit - (md_day)below(&r, 60);
            md_date_format(dose > birth ? dose : visit, m->last_dose);
            m->status = chance(&r, 150) ? "stopped" : "active";
        }
    }
    /* Pregnancy and breastfeeding: asked of women of childbearing age, 9 in 10 times. */
    if (female && real_age >= 14 && real_age <= 55 && chance(&r, 900)) {
        uint32_t a = below(&r, 1000), b = below(&r, 1000);
        p->pregnant = a < 20 ? "yes" : a < 50 ? "not_sure" : "no";
        p->breastfeeding = b < 40 ? "yes" : b < 60 ? "not_sure" : "no";
    } else if (female && real_age > 55 && chance(&r, 300)) {
        p->pregnant = p->breastfeeding = "no";
    }
    for (size_t k = 0; k < COUNT(p->fact_ids); k++)
        ordered_id(&r, clinic, index, (unsigned)k + 1, p->fact_ids[k]);
    return MD_OK;
}

void md_gen_clinic_name(uint64_t seed, int clinic, char *out, size_t size)
{
    snprintf(out, size, "Generated clinic %d (seed %llu)", clinic + 1, (unsigned long long)seed);
}

/* ---- rows ---- */

/* A value for the column of the same name. */
typedef struct col {
    const char *name;
    md_val v;
} col;

/* A kind's insert statement and its parameters, laid out from its field table. */
typedef struct row_writer {
    const md_record_kind *kind;
    char sql[SQL_MAX];
    int nfields;
} row_writer;

static md_code writer_init(row_writer *w, const md_record_kind *k, md_err *err)
{
    static const char *const base = "clinic_id, id, version, current, recorded_by, recorded_at, "
                                    "reason";
    char cols[SQL_MAX / 2], vals[SQL_MAX / 2];
    int n = 0, np = 7;
    md_sbuf c, v, q;
    md_sbuf_init(&c, cols, sizeof cols);
    md_sbuf_init(&v, vals, sizeof vals);
    md_sbuf_appendf(&c, "%s%s", base, k->has_parent ? ", patient_id" : "");
    md_sbuf_appendf(&v, "$1, $2, $3, $4, $5, $6, $7%s", k->has_parent ? ", $8" : "");
    if (k->has_parent) np++;
    for (; k->fields[n].name; n++) {
        if (np + 1 > MAX_COLS || !md_sbuf_ok(&c) || !md_sbuf_ok(&v)) break;
        md_sbuf_appendf(&c, ", %s", k->fields[n].name);
        md_sbuf_appendf(&v, ", $%d", ++np);
    }
    if (k->fields[n].name || !md_sbuf_ok(&c) || !md_sbuf_ok(&v))
        return md_err_set(err, MD_EINTERNAL, NULL, "the %s kind has too many fields", k->name);
    md_sbuf_init(&q, w->sql, sizeof w->sql);
    md_sbuf_appendf(&q, "INSERT INTO %s (%s) VALUES (%s)", k->table, cols, vals);
    if (!md_sbuf_ok(&q))
        return md_err_set(err, MD_EINTERNAL, NULL, "the %s insert is too long", k->name);
    w->kind = k;
    w->nfields = n;
    return MD_OK;
}

static md_val lookup(const col *c, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(c[i].name, name) == 0) return c[i].v;
    return md_null();
}

/* The create body the engine would have been given: {field: value...}. */
static json_t *cols_json(const md_record_kind *k, const col *c, int n)
{
    json_t *o = json_object();
    for (int i = 0; k->fields[i].name; i++) {
        md_val v = lookup(c, n, k->fields[i].name);
        if (v.type == MD_VAL_TEXT)
            json_object_set_new(o, k->fields[i].name, json_string(v.text));
        else if (v.type == MD_VAL_INT && k->fields[i].type == MD_F_BOOL)
            json_object_set_new(o, k->fields[i].name, json_boolean(v.i));
        else if (v.type == MD_VAL_INT)
            json_object_set_new(o, k->fields[i].name, json_integer(v.i));
    }
    return o;
}

typedef struct batch {
    md_ctx *ctx;
    const md_gen_patient *p;
    int validate;
    md__term_stage *stage; /* search keys kept for a sorted write (a fresh database), or NULL */
    row_writer *writers;   /* patient, allergy, condition, medication, status, statement */
} batch;

/* Version 1 of one record of w's kind with the values c; validated first when asked. */
static md_code write_row(batch *b, row_writer *w, const char *id, const char *at, const col *c,
                         int n, md_err *err)
{
    const md_record_kind *k = w->kind;
    md_code rc = MD_OK;
    if (b->validate) {
        json_t *body = cols_json(k, c, n);
        rc = md_record_validate(b->ctx, k, body, err);
        json_decref(body);
        if (rc != MD_OK) return rc;
    }
    md_val params[MAX_COLS];
    int np = 0;
    params[np++] = md_text(b->ctx->who.clinic_id);
    params[np++] = md_text(id);
    params[np++] = md_int(1);
    params[np++] = md_int(1);
    params[np++] = md_text(md_actor_id(b->ctx));
    params[np++] = md_text(at);
    params[np++] = md_text("generated");
    if (k->has_parent) params[np++] = md_text(b->p->id);
    for (int i = 0; i < w->nfields; i++)
        params[np++] = lookup(c, n, k->fields[i].name);
    return md_store_exec(b->ctx->db, w->sql, params, np, NULL, NULL, err);
}

static const md_record_kind *const written_kinds[] = {
    &md_kind_patient,    &md_kind_allergy, &md_kind_condition,
    &md_kind_medication, &md_kind_status,  &md_kind_allergy_statement,
};
enum { W_PATIENT, W_ALLERGY, W_CONDITION, W_MEDICATION, W_STATUS, W_STATEMENT, W_COUNT };

static md_code write_patient(batch *b, long *facts, md_err *err)
{
    const md_gen_patient *p = b->p;
    row_writer *w = b->writers;
    int fid = 0;
    col pc[] = {{"given_name", md_text(p->given)},
                {"family_name", md_text(p->family)},
                {"birth_date", md_text(p->birth_date)},
                {"sex", md_text(p->sex)},
                {"fitzpatrick", p->fitzpatrick ? md_int(p->fitzpatrick) : md_null()},
                {"email", md_text(p->email[0] ? p->email : NULL)},
                {"phone", md_text(p->phone[0] ? p->phone : NULL)}};
    md_code rc = write_row(b, &w[W_PATIENT], p->id, p->recorded_at, pc, (int)COUNT(pc), err);
    if (rc == MD_OK && b->stage)
        rc = md__term_stage_add(b->stage, p->id, p->given, p->family, p->birth_date,
                                p->email[0] ? p->email : NULL, p->phone[0] ? p->phone : NULL, err);
    else if (rc == MD_OK)
        rc = md__patient_terms_insert(b->ctx, p->id, p->given, p->family, p->birth_date,
                                      p->email[0] ? p->email : NULL, p->phone[0] ? p->phone : NULL,
                                      err);
    for (int i = 0; rc == MD_OK && i < p->nallergies; i++) {
        col c[] = {{"substance", md_text(p->allergies[i].substance)},
                   {"reaction", md_text(p->allergies[i].reaction)},
                   {"status", md_text(p->allergies[i].status)}};
        rc = write_row(b, &w[W_ALLERGY], p->fact_ids[fid++], p->reviewed_at, c, (int)COUNT(c), err);
    }
    for (int i = 0; rc == MD_OK && i < p->nconditions; i++) {
        col c[] = {{"code", md_text(p->conditions[i].code)},
                   {"active", md_int(p->conditions[i].active)},
                   {"site", md_text(p->conditions[i].site)},
                   {"status", md_text("confirmed")}};
        rc = write_row(b, &w[W_CONDITION], p->fact_ids[fid++], p->reviewed_at, c, (int)COUNT(c),
                       err);
    }
    for (int i = 0; rc == MD_OK && i < p->nmedications; i++) {
        col c[] = {{"code", md_text(p->medications[i].code)},
                   {"name", md_text(p->medications[i].name)},
                   {"last_dose", md_text(p->medications[i].last_dose)},
                   {"status", md_text(p->medications[i].status)}};
        rc = write_row(b, &w[W_MEDICATION], p->fact_ids[fid++], p->reviewed_at, c, (int)COUNT(c),
                       err);
    }
    if (rc == MD_OK && p->pregnant) {
        col c[] = {{"pregnant", md_text(p->pregnant)},
                   {"breastfeeding", md_text(p->breastfeeding)},
                   {"recorded_on", md_text(p->asked_on)},
                   {"status", md_text("confirmed")}};
        rc = write_row(b, &w[W_STATUS], p->fact_ids[fid++], p->reviewed_at, c, (int)COUNT(c), err);
    }
    if (rc == MD_OK && p->no_known_allergies) {
        col c[] = {{"statement", md_text("no_known_allergies")},
                   {"asked_on", md_text(p->asked_on)},
                   {"note", md_text("asked at intake")},
                   {"status", md_text("confirmed")}};
        rc = write_row(b, &w[W_STATEMENT], p->fact_ids[fid++], p->reviewed_at, c, (int)COUNT(c),
                       err);
    }
    *facts += fid;
    return rc;
}

/* ---- staff ---- */

static md_code add_staff(md_ctx *ctx, const md_gen_options *o, int clinic, int n, const char *role,
                         md_err *err)
{
    char email[128], display[160], password[MD_PASSWORD_MAX + 1], lic[32], expiry[MD_DATE_STR];
    rng r = rng_for(o->seed, clinic, -1 - n);
    const person_name *g = &female_names[below(&r, COUNT(female_names))];
    const person_name *f = &family_names[below(&r, COUNT(family_names))];
    snprintf(email, sizeof email, "%s%d@clinic%d.seed%llu.example", role, n, clinic + 1,
             (unsigned long long)o->seed);
    snprintf(display, sizeof display, "%s %s", g->shown, f->shown);
    if (o->staff_password)
        md_strlcpy(password, o->staff_password, sizeof password);
    else
        md_password_generate(password);
    json_t *in = json_pack("{s:s,s:s,s:s}", "email", email, "display_name", display, "role", role);
    if (md_role_name_treats(role)) {
        snprintf(lic, sizeof lic, "NMC %02u%c%04u%c", below(&r, 100), 'A' + (char)below(&r, 26),
                 below(&r, 10000), 'A' + (char)below(&r, 26));
        md_date_format(o->as_of + 365 + (md_day)below(&r, 730), expiry);
        json_object_set_new(in, "licence_number", json_string(lic));
        json_object_set_new(in, "licence_expiry", json_string(expiry));
        json_object_set_new(in, "qualifications",
                            json_pack("[s,s]", "RN (Adult)", "Level 7 Aesthetic Medicine"));
    }
    json_t *out = NULL;
    md_code rc = md_staff_create(ctx, in, password, &out, err);
    sodium_memzero(password, sizeof password);
    json_decref(in);
    json_decref(out);
    return rc;
}

static const char *const staff_roles[] = {"admin",     "practitioner", "practitioner",
                                          "reception", "auditor",      "medical_director"};

static md_code check_options(const md_gen_options *o, md_err *err)
{
    if (o->clinics < 1 || o->clinics > MD_GEN_MAX_CLINICS)
        return md_err_set(err, MD_EINVAL, "clinics", "clinics must be 1 to %d", MD_GEN_MAX_CLINICS);
    if (o->patients < 0 || o->patients > MD_GEN_MAX_PATIENTS)
        return md_err_set(err, MD_EINVAL, "patients", "patients must be 0 to %ld per clinic",
                          MD_GEN_MAX_PATIENTS);
    if (o->batch < 0 || o->batch > 1000000)
        return md_err_set(err, MD_EINVAL, "batch", "batch must be 1 to 1000000 patients");
    if (o->as_of > md_today_utc() + 1)
        return md_err_set(err, MD_EINVAL, "as_of", "the as-of day must not be in the future");
    return MD_OK;
}

/* One clinic: create it with its staff, then its patients batch by batch. */
static md_code gen_clinic(md_ctx *ctx, const md_gen_options *o, const md__gen_chart *gc, int c,
                          row_writer *w, md__term_stage *stage, md_gen_result *res, long *done,
                          long total, md_err *err)
{
    char cname[128], detail[160];
    const place *pl = &places[(size_t)c % COUNT(places)];
    md_gen_clinic_name(o->seed, c, cname, sizeof cname);
    md_code rc =
        md_clinic_create(ctx->db, cname, pl->time_zone, pl->jurisdiction, ctx->who.clinic_id, err);
    if (rc != MD_OK) return rc;
    md_strlcpy(res->clinic_ids[c], ctx->who.clinic_id, MD_ID_STR);
    res->clinics++;
    for (int i = 0; rc == MD_OK && i < (int)COUNT(staff_roles); i++, res->staff++)
        rc = add_staff(ctx, o, c, i, staff_roles[i], err);
    long step = o->batch ? o->batch : DEFAULT_BATCH;
    md_gen_patient *p = malloc(sizeof *p);
    if (!p) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (long first = 0; rc == MD_OK && first < o->patients; first += step) {
        long last = first + step < o->patients ? first + step : o->patients;
        long facts = 0;
        if ((rc = md_store_begin(ctx->db, err)) != MD_OK) break;
        batch b = {ctx, p, 0, stage, w};
        size_t staged = stage ? md__term_stage_count(stage) : 0;
        for (long i = first; rc == MD_OK && i < last; i++) {
            rc = md_gen_patient_make(ctx->kb, o->seed, c, i, o->as_of, p, err);
            b.validate = o->validate_every > 0 && i % o->validate_every == 0;
            if (rc == MD_OK) rc = write_patient(&b, &facts, err);
            if (rc == MD_OK && !o->patients_only)
                rc = md__gen_stock_patient(ctx, o, gc, c, i, p, NULL, err);
            md_arena_reset(ctx->arena);
        }
        snprintf(detail, sizeof detail, "patients %ld-%ld of %ld, seed %llu", first + 1, last,
                 o->patients, (unsigned long long)o->seed);
        md_audit_entry a = {"generate", "clinic", ctx->who.clinic_id, NULL, detail};
        if (rc == MD_OK) rc = md_audit(ctx, &a, err);
        if ((rc = md_store_finish(ctx->db, rc, err)) != MD_OK) {
            if (stage) md__term_stage_truncate(stage, staged);
            break;
        }
        res->patients += last - first;
        res->facts += facts;
        *done += last - first;
        if (o->progress) o->progress(o->progress_arg, *done, total);
    }
    free(p);
    if (stage && md__term_stage_count(stage)) {
        /* The committed batches' keys, after a failure too (the first error is kept). */
        md_err ferr;
        md_err *fe = rc == MD_OK ? err : &ferr;
        md_code frc = md_store_begin(ctx->db, fe);
        if (frc == MD_OK) frc = md_store_finish(ctx->db, md__term_stage_flush(ctx, stage, fe), fe);
        if (rc == MD_OK) rc = frc;
    }
    return rc;
}

/* A database without any patient: its indexes can be built after the load. */
static md_code is_fresh(md_ctx *ctx, int *fresh, md_err *err)
{
    int64_t n = 0;
    md_code rc = md_store_scalar_int(ctx->db,
                                     "SELECT count(*) FROM (SELECT 1 FROM patients "
                                     "LIMIT 1) AS any_patient",
                                     NULL, 0, &n, err);
    *fresh = rc == MD_OK && n == 0;
    return rc;
}

/* The tables the generator fills, whose secondary indexes a fresh load builds at the end. */
static md_code defer(md_ctx *ctx, md_err *err)
{
    const char *tables[W_COUNT + 3 + 8];
    int n = 0;
    for (int i = 0; i < W_COUNT; i++)
        tables[n++] = written_kinds[i]->table;
    for (int i = 0; md__gen_stock_tables[i] && i < 8; i++)
        tables[n++] = md__gen_stock_tables[i];
    tables[n++] = "patient_terms";
    tables[n++] = "audit_log";
    tables[n] = NULL;
    md_code rc = md_store_begin(ctx->db, err);
    return rc == MD_OK ? md_store_finish(ctx->db, md_store_defer_indexes(ctx->db, tables, err), err)
                       : rc;
}

static md_code restore(md_ctx *ctx, md_err *err)
{
    md_code rc = md_store_begin(ctx->db, err);
    return rc == MD_OK ? md_store_finish(ctx->db, md_store_restore_indexes(ctx->db, err), err) : rc;
}

md_code md_gen_run(md_ctx *ctx, const md_gen_options *o, md_gen_result *res, md_err *err)
{
    row_writer w[W_COUNT];
    char cname[128], id[MD_ID_STR], saved[MD_ID_STR];
    md_gen_patient probe;
    memset(res, 0, sizeof *res);
    md_code rc = check_options(o, err);
    if (rc == MD_OK) rc = md_gen_patient_make(ctx->kb, o->seed, 0, 0, o->as_of, &probe, err);
    for (int i = 0; rc == MD_OK && i < W_COUNT; i++)
        rc = writer_init(&w[i], written_kinds[i], err);
    md__gen_chart *gc = rc == MD_OK ? malloc(sizeof *gc) : NULL;
    if (rc == MD_OK && !gc) rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK) rc = md__gen_chart_init(ctx->kb, gc, err);
    for (int c = 0; rc == MD_OK && c < o->clinics; c++) {
        md_gen_clinic_name(o->seed, c, cname, sizeof cname);
        rc = md_clinic_find(ctx->db, cname, id, err);
        if (rc == MD_OK)
            rc = md_err_set(err, MD_ECONFLICT, "seed",
                            "%s exists already (%s): use another seed or database", cname, id);
        else if (rc == MD_ENOTFOUND)
            rc = MD_OK;
    }
    if (rc != MD_OK) {
        free(gc);
        return rc;
    }
    md_strlcpy(saved, ctx->who.clinic_id, sizeof saved);
    long done = 0, total = o->patients * o->clinics;
    int fresh = 0;
    md__term_stage *stage = NULL;
    rc = md_store_bulk(ctx->db, 1, err);
    if (rc == MD_OK) rc = is_fresh(ctx, &fresh, err);
    if (rc == MD_OK && fresh && !(stage = md__term_stage_new()))
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK && fresh && (rc = defer(ctx, err)) != MD_OK) fresh = 0; /* rolled back */
    for (int c = 0; rc == MD_OK && c < o->clinics; c++)
        rc = gen_clinic(ctx, o, gc, c, w, fresh ? stage : NULL, res, &done, total, err);
    md__term_stage_free(stage);
    if (fresh) {
        /* After a failure too: the batches committed keep their keys and indexes. */
        md_err rerr;
        md_code rrc = restore(ctx, rc == MD_OK ? err : &rerr);
        if (rc == MD_OK) rc = rrc;
    }
    if (rc == MD_OK) rc = md__gen_stock_balances(ctx, err);
    md_store_bulk(ctx->db, 0, NULL);
    md_strlcpy(ctx->who.clinic_id, saved, sizeof ctx->who.clinic_id);
    free(gc);
    return rc;
}
