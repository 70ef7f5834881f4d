/*
 * cmd_demo.c - mesodesk demo: the demo clinic, its staff and patients.
 *
 * Idempotent: when "Demo Clinic" exists already, nothing is added.
 * Passwords: the admin's is $MESODESK_ADMIN_PASSWORD when set, the other
 * staff's $MESODESK_DEMO_PASSWORD; otherwise each is generated and printed once.
 */
#include "cli.h"

#include "mesodesk/auth.h"
#include "mesodesk/booking.h"
#include "mesodesk/clinic.h"
#include "mesodesk/course.h"
#include "mesodesk/credential.h"
#include "mesodesk/formulation.h"
#include "mesodesk/record.h"
#include "mesodesk/stock.h"
#include "mesodesk/tz.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define DEMO_CLINIC "Demo Clinic"

typedef struct demo_patient {
    const char *given, *family, *birth, *sex;
    int fitzpatrick;
    const char *email, *phone;
    const char *allergy;   /* substance or NULL */
    const char *condition; /* code or NULL */
    const char *site;      /* condition site or NULL */
    int condition_active;
    const char *medication; /* code, or the drug's name when the kb knows it as a synonym */
    int dose_days_ago;
    /* Pregnancy and breastfeeding as asked ("yes", "no", "not_sure"), NULL when never asked;
     * nka: "no known allergies" recorded.  A few are left unasked, as in a real clinic. */
    const char *pregnant, *breastfeeding;
    int nka;
} demo_patient;

static const demo_patient patients[] = {
    {"Amelia", "Hart", "1986-03-14", "female", 2, "amelia.hart@example.org", "+44 7700 900101",
     NULL, NULL, NULL, 0, NULL, 0, "no", "no", 1},
    {"Olivia", "Bennett", "1979-11-02", "female", 3, "olivia.bennett@example.org",
     "+44 7700 900102", "lidocaine", NULL, NULL, 0, NULL, 0, "no", "no", 0},
    {"Isla", "Moreno", "1992-07-21", "female", 4, "isla.moreno@example.org", "+44 7700 900103",
     NULL, "acne", "cheeks", 1, NULL, 0, "no", "no", 1},
    {"Grace", "Okafor", "1988-01-30", "female", 6, "grace.okafor@example.org", "+44 7700 900104",
     NULL, NULL, NULL, 0, NULL, 0, "not_sure", "no", 1},
    {"Sophie", "Lindqvist", "1975-05-09", "female", 1, "sophie.l@example.org", "+44 7700 900105",
     NULL, "diabetes", NULL, 1, NULL, 0, "no", "no", 1},
    {"Freya", "Campbell", "1990-09-17", "female", 2, "freya.campbell@example.org",
     "+44 7700 900106", NULL, NULL, NULL, 0, "ibuprofen", 3, "no", "no", 1},
    {"Hannah", "Shah", "1984-12-05", "female", 4, "hannah.shah@example.org", "+44 7700 900107",
     NULL, NULL, NULL, 0, NULL, 0, "yes", "no", 1},
    {"Chloe", "Dubois", "1995-02-11", "female", 2, "chloe.dubois@example.org", "+44 7700 900108",
     "latex", NULL, NULL, 0, NULL, 0, "no", "no", 0},
    {"Emily", "Nakamura", "1981-06-28", "female", 3, "emily.nakamura@example.org",
     "+44 7700 900109", NULL, NULL, NULL, 0, "warfarin", 1, "no", "no", 1},
    {"Lucy", "O'Brien", "1970-10-19", "female", 1, "lucy.obrien@example.org", "+44 7700 900110",
     NULL, "keloid", NULL, 1, NULL, 0, "no", "no", 1},
    {"James", "Whitfield", "1983-04-07", "male", 2, "james.whitfield@example.org",
     "+44 7700 900111", NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, 1},
    {"Daniel", "Adeyemi", "1977-08-23", "male", 5, "daniel.adeyemi@example.org", "+44 7700 900112",
     NULL, NULL, NULL, 0, "fish_oil", 10, NULL, NULL, 1},
    {"Marcus", "Kowalski", "1968-02-14", "male", 2, "marcus.k@example.org", "+44 7700 900113", NULL,
     "cardiac_disease", NULL, 1, "clopidogrel", 1, NULL, NULL, 1},
    {"Priya", "Raman", "1993-11-30", "female", 4, "priya.raman@example.org", "+44 7700 900114",
     NULL, "eczema", "hands", 0, NULL, 0, "no", "yes", 1},
    {"Zara", "Haddad", "1987-07-04", "female", 3, "zara.haddad@example.org", "+44 7700 900115",
     NULL, NULL, NULL, 0, "aspirin", 8, "no", "no", 1},
    {"Eleanor", "Fitzgerald", "1962-09-12", "female", 1, "eleanor.f@example.org", "+44 7700 900116",
     NULL, "psoriasis", "scalp", 1, NULL, 0, "no", "no", 1},
    {"Mia", "Rossi", "1998-05-25", "female", 3, "mia.rossi@example.org", "+44 7700 900117", NULL,
     NULL, NULL, 0, NULL, 0, NULL, NULL, 0},
    {"Noah", "Fraser", "1991-03-03", "male", 2, "noah.fraser@example.org", "+44 7700 900118", NULL,
     NULL, NULL, 0, "ginkgo", 20, NULL, NULL, 1},
    {"Aisha", "Begum", "1985-01-16", "female", 5, "aisha.begum@example.org", "+44 7700 900119",
     "amide_anaesthetics", NULL, NULL, 0, NULL, 0, "no", "no", 0},
    {"Ruby", "Thompson", "2009-06-01", "female", 2, "ruby.thompson@example.org", "+44 7700 900120",
     NULL, NULL, NULL, 0, NULL, 0, "no", "no", 1},
};

static md_code add_fact(cli_session *s, const char *collection, const char *pid, json_t *in,
                        md_err *err)
{
    json_t *out = NULL;
    md_code rc =
        md_record_create(&s->ctx, md_fact_kind_by_collection(collection), pid, in, &out, err);
    json_decref(out);
    json_decref(in);
    return rc;
}

/* Ids the schedule part needs (set as the demo is made). */
static char demo_patient_ids[32][MD_ID_STR], demo_product_id[MD_ID_STR],
    demo_practitioner[MD_ID_STR], demo_director[MD_ID_STR];

static md_code add_patient(cli_session *s, const demo_patient *p, size_t index, md_err *err)
{
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:s}", "given_name", p->given, "family_name",
                           p->family, "birth_date", p->birth, "sex", p->sex, "fitzpatrick",
                           p->fitzpatrick, "email", p->email, "phone", p->phone);
    json_t *out = NULL;
    md_code rc = md_record_create(&s->ctx, &md_kind_patient, NULL, in, &out, err);
    json_decref(in);
    if (rc != MD_OK) return rc;
    char pid[MD_ID_STR], day[MD_DATE_STR];
    md_strlcpy(pid, json_string_value(json_object_get(out, "id")), sizeof pid);
    if (index < sizeof demo_patient_ids / sizeof demo_patient_ids[0])
        md_strlcpy(demo_patient_ids[index], pid, MD_ID_STR);
    json_decref(out);
    if (p->allergy)
        rc = add_fact(s, "allergies", pid,
                      json_pack("{s:s,s:s}", "substance", p->allergy, "reaction", "hives"), err);
    if (rc == MD_OK && p->condition)
        rc = add_fact(s, "conditions", pid,
                      json_pack("{s:s,s:b,s:s?}", "code", p->condition, "active",
                                p->condition_active, "site", p->site),
                      err);
    if (rc == MD_OK && p->medication) {
        md_date_format(md_today_utc() - p->dose_days_ago, day);
        rc = add_fact(s, "medications", pid,
                      json_pack("{s:s,s:s}", "code", p->medication, "last_dose", day), err);
    }
    md_date_format(md_today_utc(), day);
    if (rc == MD_OK && p->pregnant)
        rc = add_fact(s, "status", pid,
                      json_pack("{s:s,s:s,s:s}", "pregnant", p->pregnant, "breastfeeding",
                                p->breastfeeding, "recorded_on", day),
                      err);
    if (rc == MD_OK && p->nka)
        rc = add_fact(s, "allergy_statements", pid,
                      json_pack("{s:s,s:s}", "asked_on", day, "note", "asked at intake"), err);
    return rc;
}

/* A few products and lots, as a clinic would stock them: one lot expiring within a month, one
 * compounded product (the formulation builder shows it blocked). */
typedef struct demo_product {
    const char *json; /* the product's body */
    const char *lot_number;
    int expiry_days, quantity; /* from today; containers */
    const char *unit;
} demo_product;

static const demo_product products[] = {
    {"{\"name\":\"Non-crosslinked hyaluronic acid 1.5%\",\"manufacturer\":\"Demo Aesthetics\","
     "\"form\":\"gel\",\"presentation\":\"single_dose\",\"volume_ml\":3,\"base\":\"gel\","
     "\"ingredients\":[{\"ingredient\":\"hyaluronic_acid\",\"concentration\":\"15 mg/ml\"}],"
     "\"regulatory\":{\"EU\":\"ce_marked\",\"UK\":\"ce_marked\"},\"low_stock\":4}",
     "HA15-2611", 300, 12, "syringe"},
    {"{\"name\":\"Vitamin C 20%\",\"manufacturer\":\"Demo Pharma\",\"form\":\"solution\","
     "\"presentation\":\"single_dose\",\"volume_ml\":5,\"base\":\"aqueous\","
     "\"ingredients\":[{\"ingredient\":\"vitamin_c\",\"concentration\":\"200 mg/ml\"}],"
     "\"regulatory\":{\"UK\":\"approved_drug_off_label\"}}",
     "VC20-0412", 20, 6, "ampoule"},
    {"{\"name\":\"Revitalising peptide complex\",\"manufacturer\":\"Demo Aesthetics\","
     "\"form\":\"solution\",\"presentation\":\"single_dose\",\"volume_ml\":5,"
     "\"base\":\"aqueous\",\"ingredients\":[{\"ingredient\":\"peptides\"},"
     "{\"ingredient\":\"amino_acids\"},{\"ingredient\":\"hyaluronic_acid\","
     "\"concentration\":\"0.5%\"}],\"regulatory\":{\"UK\":\"ce_marked\"}}",
     "PEP-7781", 200, 3, "vial"},
    {"{\"name\":\"Procaine 2%\",\"manufacturer\":\"Demo Pharma\",\"form\":\"solution\","
     "\"presentation\":\"multi_dose\",\"volume_ml\":20,\"base\":\"aqueous\","
     "\"ingredients\":[{\"ingredient\":\"procaine\",\"concentration\":\"20 mg/ml\"}],"
     "\"regulatory\":{\"UK\":\"approved_drug_off_label\"}}",
     "PRO2-1189", 400, 4, "vial"},
    {"{\"name\":\"Lipolytic PC/DC (compounded)\",\"manufacturer\":\"a compounding pharmacy\","
     "\"form\":\"solution\",\"presentation\":\"single_dose\",\"volume_ml\":10,"
     "\"base\":\"aqueous\",\"ingredients\":[{\"ingredient\":\"phosphatidylcholine\","
     "\"concentration\":\"5%\"},{\"ingredient\":\"deoxycholic_acid\","
     "\"concentration\":\"2.5%\"}],\"regulatory\":{\"UK\":\"compounded\"}}",
     "LIPO-0007", 90, 2, "vial"},
};

static md_code add_stock(cli_session *s, md_err *err)
{
    md_code rc = MD_OK;
    char received[MD_DATE_STR], expiry[MD_DATE_STR];
    md_date_format(md_today_utc() - 30, received);
    for (size_t i = 0; rc == MD_OK && i < sizeof products / sizeof products[0]; i++) {
        json_t *in = json_loads(products[i].json, 0, NULL), *p = NULL, *lot = NULL;
        rc = in ? md_record_create(&s->ctx, &md_kind_product, NULL, in, &p, err)
                : md_err_set(err, MD_EINTERNAL, NULL, "demo product %zu", i);
        json_decref(in);
        if (rc != MD_OK) break;
        if (i == 0)
            md_strlcpy(demo_product_id, json_string_value(json_object_get(p, "id")), MD_ID_STR);
        md_date_format(md_today_utc() + products[i].expiry_days, expiry);
        in = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:s}", "product_id",
                       json_string_value(json_object_get(p, "id")), "lot_number",
                       products[i].lot_number, "expiry", expiry, "received_on", received,
                       "supplier", "Demo Medical Supplies", "quantity", products[i].quantity,
                       "unit", products[i].unit);
        rc = md_lot_create(&s->ctx, in, &lot, err);
        json_decref(in);
        json_decref(lot);
        json_decref(p);
    }
    return rc;
}

static md_code add_staff(cli_session *s, const char *email, const char *name, const char *role,
                         const char *env, md_err *err)
{
    char password[MD_PASSWORD_MAX + 1];
    const char *given = getenv(env);
    if (given && *given)
        md_strlcpy(password, given, sizeof password);
    else
        md_password_generate(password);
    json_t *in = json_pack("{s:s,s:s,s:s}", "email", email, "display_name", name, "role", role);
    int director = strcmp(role, "medical_director") == 0;
    if (director) {
        json_object_set_new(in, "licence_number", json_string("GMC 7654321"));
        json_object_set_new(in, "licence_expiry", json_string("2029-06-30"));
        json_object_set_new(in, "qualifications", json_pack("[s,s]", "MBBS", "MRCP"));
    }
    if (strcmp(role, "practitioner") == 0) {
        json_object_set_new(in, "licence_number", json_string("NMC 12A3456E"));
        json_object_set_new(in, "licence_expiry", json_string("2028-03-31"));
        json_object_set_new(in, "qualifications",
                            json_pack("[s,s]", "RN (Adult)", "Level 7 Aesthetic Medicine"));
    }
    json_t *out = NULL;
    md_code rc = md_staff_create(&s->ctx, in, password, &out, err);
    json_decref(in);
    if (rc == MD_OK && strcmp(role, "practitioner") == 0)
        md_strlcpy(demo_practitioner, json_string_value(json_object_get(out, "id")), MD_ID_STR);
    if (rc == MD_OK && director)
        md_strlcpy(demo_director, json_string_value(json_object_get(out, "id")), MD_ID_STR);
    json_decref(out);
    if (rc == MD_OK && given && *given)
        printf("  %-16s %-28s password: from $%s\n", role, email, env);
    else if (rc == MD_OK)
        printf("  %-16s %-28s password: %s\n", role, email, password);
    return rc;
}

/* ---- the schedule (demo --schedule, what `make run` makes) ----
 * Three rooms, the clinic's hours (Monday to Saturday, 08:00 to 20:00), the practitioner's
 * availability and licence, a facial course for the first patient whose mixture passes its
 * checks, and that course's first session and two consultations booked in the clinic's
 * next open hours, so that the day opens on something. */

static md_code put_json(md_code (*fn)(md_ctx *, json_t *, json_t **, md_err *), cli_session *s,
                        json_t *in, json_t **out, md_err *err)
{
    json_t *o = NULL;
    md_code rc = in ? fn(&s->ctx, in, &o, err) : md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    json_decref(in);
    if (out)
        *out = o;
    else
        json_decref(o);
    return rc;
}

static json_t *demo_week(void)
{
    json_t *w = json_object();
    static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat"};
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++)
        json_object_set_new(w, days[i], json_pack("[{s:s,s:s}]", "from", "08:00", "to", "20:00"));
    json_object_set_new(w, "sun", json_array());
    return w;
}

/* The next whole hour from now that starts a 45-minute slot inside 08:00-19:00 local and
 * not on a Sunday, as "YYYY-MM-DDTHH:00" (step hours later for the following slots). */
static void next_slot(const char *zone, int step, char out[32])
{
    int64_t t = md_now() + 3600 - md_now() % 3600;
    char local[MD_LOCAL_STR];
    for (int found = 0;; t += 3600) {
        md_tz_from_utc(zone, t, local, NULL);
        int hour = (local[11] - '0') * 10 + (local[12] - '0'); /* "...THH:" */
        md_day d;
        md_tz_day(zone, t, &d);
        int sunday = ((d % 7) + 7 + 4) % 7 == 0; /* 1970-01-01 was a Thursday */
        if (hour >= 8 && hour <= 18 && !sunday && found++ == step) break;
    }
    snprintf(out, 32, "%.13s:00", local);
}

static md_code add_schedule(cli_session *s, md_err *err)
{
    char rooms[3][MD_ID_STR], day[MD_DATE_STR], from[MD_DATE_STR], zone[MD_ZONE_STR];
    md_day today;
    md_code rc = md_clinic_zone(&s->ctx, zone, &today, err);
    for (int i = 0; rc == MD_OK && i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "Room %d", i + 1);
        json_t *in = json_pack("{s:s}", "name", name), *out = NULL;
        rc = md_record_create(&s->ctx, &md_kind_room, NULL, in, &out, err);
        if (rc == MD_OK)
            md_strlcpy(rooms[i], json_string_value(json_object_get(out, "id")), MD_ID_STR);
        json_decref(in);
        json_decref(out);
    }
    if (rc == MD_OK)
        rc = put_json(md_hours_put, s, json_pack("{s:o}", "weekly", demo_week()), NULL, err);
    if (rc == MD_OK) {
        json_t *in = json_pack("{s:o}", "weekly", demo_week()), *out = NULL;
        rc = md_availability_put(&s->ctx, demo_practitioner, in, &out, err);
        json_decref(in);
        json_decref(out);
    }
    /* The practitioner's and the medical director's licences, both for injectables. */
    static const struct {
        const char *number, *body, *expires;
    } licences[] = {{"NMC 12A3456E", "Nursing and Midwifery Council", "2028-03-31"},
                    {"GMC 7654321", "General Medical Council", "2029-06-30"}};
    for (int i = 0; rc == MD_OK && i < 2; i++) {
        md_date_format(today - 400, from);
        json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s,s:[s]}", "type", "licence", "number",
                               licences[i].number, "issuing_body", licences[i].body, "issued_on",
                               from, "expires_on", licences[i].expires, "scopes", "injectables"),
               *out = NULL;
        rc = md_credential_create(&s->ctx, i == 0 ? demo_practitioner : demo_director, in, &out,
                                  err);
        json_decref(in);
        json_decref(out);
    }
    /* A course for the first patient whose mixture passes its checks. */
    char course[MD_ID_STR] = "", patient[MD_ID_STR] = "";
    for (size_t i = 0; rc == MD_OK && !course[0] && i < sizeof patients / sizeof patients[0]; i++) {
        json_t *in = json_pack("{s:s,s:{s:[{s:s,s:s}],s:[s],s:[s]}}", "name", "Facial hydration",
                               "mixture", "components", "product_id", demo_product_id, "volume_ml",
                               "2", "areas", "face", "concerns", "dryness"),
               *f = NULL, *details = NULL, *c = NULL;
        md_err e;
        md_err_clear(&e);
        md_code frc = md_formulation_create(&s->ctx, demo_patient_ids[i], in, &f, &details, &e);
        json_decref(in);
        json_decref(details);
        if (frc == MD_ECONFLICT) continue; /* this patient's checks refuse it: try the next */
        if (frc != MD_OK) {
            *err = e;
            rc = frc;
            break;
        }
        md_date_format(today, day);
        in = json_pack("{s:s,s:s,s:s}", "protocol", "facial_rejuvenation", "formulation_id",
                       json_string_value(json_object_get(f, "id")), "start", day);
        rc = md_course_create(&s->ctx, demo_patient_ids[i], in, &c, err);
        if (rc == MD_OK) {
            md_strlcpy(course, json_string_value(json_object_get(c, "id")), sizeof course);
            md_strlcpy(patient, demo_patient_ids[i], sizeof patient);
        }
        json_decref(in);
        json_decref(f);
        json_decref(c);
    }
    /* Its first session and two consultations, in the next open hours. */
    for (int k = 0; rc == MD_OK && course[0] && k < 3; k++) {
        char start[32];
        next_slot(zone, k, start);
        json_t *in = json_pack(
            "{s:s,s:s,s:s,s:s,s:s,s:i}", "patient_id", k == 0 ? patient : demo_patient_ids[k + 1],
            "practitioner_id", demo_practitioner, "room_id", rooms[k % 3], "kind",
            k == 0 ? "treatment" : "consultation", "start_local", start, "duration_minutes", 45);
        if (k == 0) {
            json_object_set_new(in, "course_id", json_string(course));
            json_object_set_new(in, "course_session", json_integer(1));
        }
        json_t *out = NULL;
        rc = md_appointment_create(&s->ctx, in, &out, err);
        json_decref(in);
        json_decref(out);
    }
    return rc;
}

int cmd_demo(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"schedule", no_argument, 0, 's'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL;
    int c, schedule = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 's': schedule = 1; break;
        case 'h':
            printf(
                "usage: mesodesk demo [--db PATH] [--schedule]\n\n"
                "Create \"Demo Clinic\" (Europe/London, UK) with an admin "
                "(admin@demo.clinic), a practitioner,\na receptionist, an auditor and 20 "
                "patients with clinical facts, and a few products and lots.  Does nothing if the\n"
                "clinic exists.\n"
                "--schedule: also rooms, the clinic's hours, the practitioner's availability "
                "and licence,\na course for one patient and three appointments in the next "
                "open hours (what `make run` makes).\n"
                "Passwords: $MESODESK_ADMIN_PASSWORD for the admin and "
                "$MESODESK_DEMO_PASSWORD for the others when set;\notherwise generated and "
                "printed once.\n");
            return 0;
        default: return 2;
        }
    }
    cli_session s;
    int st = cli_open(&s, cli_db_path(db), NULL, 1);
    if (st) return st;
    md_err err;
    md_err_clear(&err);
    char id[MD_ID_STR];
    md_code rc = md_clinic_find(s.db, DEMO_CLINIC, id, &err);
    if (rc == MD_OK) {
        printf("%s exists already (%s); nothing added.\n", DEMO_CLINIC, id);
        cli_close(&s);
        return 0;
    }
    rc = md_clinic_create(s.db, DEMO_CLINIC, "Europe/London", "UK", id, &err);
    if (rc == MD_OK) {
        md_strlcpy(s.ctx.who.clinic_id, id, sizeof s.ctx.who.clinic_id);
        printf("%s created (%s). Staff:\n", DEMO_CLINIC, id);
        rc = add_staff(&s, "admin@demo.clinic", "Dr Alex Morgan", "admin",
                       "MESODESK_ADMIN_PASSWORD", &err);
    }
    if (rc == MD_OK)
        rc = add_staff(&s, "practitioner@demo.clinic", "Nurse Sam Patel", "practitioner",
                       "MESODESK_DEMO_PASSWORD", &err);
    if (rc == MD_OK)
        rc = add_staff(&s, "director@demo.clinic", "Dr Rosa Lind", "medical_director",
                       "MESODESK_DEMO_PASSWORD", &err);
    if (rc == MD_OK)
        rc = add_staff(&s, "reception@demo.clinic", "Jo Reid", "reception",
                       "MESODESK_DEMO_PASSWORD", &err);
    if (rc == MD_OK)
        rc = add_staff(&s, "auditor@demo.clinic", "Chris Lane", "auditor", "MESODESK_DEMO_PASSWORD",
                       &err);
    for (size_t i = 0; rc == MD_OK && i < sizeof patients / sizeof patients[0]; i++)
        rc = add_patient(&s, &patients[i], i, &err);
    if (rc == MD_OK) rc = add_stock(&s, &err);
    if (rc == MD_OK && schedule) rc = add_schedule(&s, &err);
    if (rc != MD_OK)
        st = cli_fail("demo", &err);
    else
        printf("%zu patients, %zu products with a lot each added%s.\n",
               sizeof patients / sizeof patients[0], sizeof products / sizeof products[0],
               schedule ? "; 3 rooms, hours, a course and 3 appointments" : "");
    cli_close(&s);
    return st;
}
