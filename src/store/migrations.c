/*
 * migrations.c - the schema, as forward-only numbered migrations.
 *
 * Applied in order at start-up (md_store_migrate), each in its own
 * transaction (DDL included: both SQLite and PostgreSQL make DDL
 * transactional, so a migration that fails half-way leaves nothing behind),
 * and recorded in schema_migrations.  Write transactions are serialised per
 * database, so processes starting together apply each migration once.  A
 * migration is never edited once released: change the schema with a new one.
 * The SQL is portable (SQLite and PostgreSQL, store.h's rules); every
 * migration so far is the same text on both backends.
 *
 * Invariants:
 *  - every table has clinic_id (the tenant, and the distribution column of a
 *    sharded PostgreSQL).  The clinics table's key is clinic_id itself;
 *    schema_migrations is the store's own bookkeeping and is the one exception.
 *  - clinical records are versioned, never updated in place: a change inserts
 *    (clinic_id, id, version+1) and clears `current` on the previous row, in
 *    one transaction; a partial unique index keeps one current row per id.
 */
#include "mesodesk/store.h"
#include "mesodesk/record.h"
#include "mesodesk/util.h"

#include <stdio.h>

typedef struct migration {
    int version;
    const char *name;
    const char *sql[32]; /* statements, NULL-terminated */
} migration;

/* Columns every versioned clinical record carries. */
#define VERSIONED_COLUMNS                                                                          \
    "clinic_id TEXT NOT NULL REFERENCES clinics(clinic_id), "                                      \
    "id TEXT NOT NULL, "                                                                           \
    "version BIGINT NOT NULL, "                                                                    \
    "current INTEGER NOT NULL, "                                                                   \
    "recorded_by TEXT NOT NULL, "                                                                  \
    "recorded_at TEXT NOT NULL, "                                                                  \
    "reason TEXT NOT NULL, "

static const migration migrations[] = {
    {1,
     "clinics, staff, sessions, patients, clinical facts, audit",
     {"CREATE TABLE clinics ("
      "clinic_id TEXT PRIMARY KEY, name TEXT NOT NULL, time_zone TEXT NOT NULL, "
      "jurisdiction TEXT NOT NULL, created_at TEXT NOT NULL)",

      "CREATE TABLE staff ("
      "clinic_id TEXT NOT NULL REFERENCES clinics(clinic_id), id TEXT NOT NULL, "
      "email TEXT NOT NULL, display_name TEXT NOT NULL, role TEXT NOT NULL, "
      "password_hash TEXT NOT NULL, licence_number TEXT, licence_expiry TEXT, "
      "qualifications TEXT NOT NULL, active INTEGER NOT NULL, "
      "created_at TEXT NOT NULL, updated_at TEXT NOT NULL, "
      "PRIMARY KEY (clinic_id, id))",
      "CREATE UNIQUE INDEX staff_email ON staff (email)",

      "CREATE TABLE sessions ("
      "clinic_id TEXT NOT NULL REFERENCES clinics(clinic_id), token_hash TEXT NOT NULL, "
      "staff_id TEXT NOT NULL, created_at TEXT NOT NULL, last_seen BIGINT NOT NULL, "
      "revoked INTEGER NOT NULL, PRIMARY KEY (token_hash), "
      "FOREIGN KEY (clinic_id, staff_id) REFERENCES staff (clinic_id, id))",

      "CREATE TABLE patients (" VERSIONED_COLUMNS
      "given_name TEXT NOT NULL, family_name TEXT NOT NULL, birth_date TEXT NOT NULL, "
      "sex TEXT NOT NULL, fitzpatrick BIGINT, email TEXT, phone TEXT, "
      "PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX patients_current ON patients (clinic_id, id) WHERE current = 1",
      "CREATE INDEX patients_family ON patients (clinic_id, lower(family_name)) WHERE current = 1",
      "CREATE INDEX patients_given ON patients (clinic_id, lower(given_name)) WHERE current = 1",
      "CREATE INDEX patients_birth ON patients (clinic_id, birth_date) WHERE current = 1",

      "CREATE TABLE allergies (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, substance TEXT NOT NULL, reaction TEXT, status TEXT NOT NULL, "
      "PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX allergies_current ON allergies (clinic_id, id) WHERE current = 1",
      "CREATE INDEX allergies_patient ON allergies (clinic_id, patient_id)",

      "CREATE TABLE conditions (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, code TEXT NOT NULL, active INTEGER NOT NULL, site TEXT, "
      "note TEXT, status TEXT NOT NULL, PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX conditions_current ON conditions (clinic_id, id) WHERE current = 1",
      "CREATE INDEX conditions_patient ON conditions (clinic_id, patient_id)",

      "CREATE TABLE medications (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, code TEXT NOT NULL, last_dose TEXT, note TEXT, "
      "status TEXT NOT NULL, PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX medications_current ON medications (clinic_id, id) WHERE current = 1",
      "CREATE INDEX medications_patient ON medications (clinic_id, patient_id)",

      "CREATE TABLE patient_status (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, pregnant INTEGER NOT NULL, breastfeeding INTEGER NOT NULL, "
      "recorded_on TEXT NOT NULL, status TEXT NOT NULL, PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX patient_status_current ON patient_status (clinic_id, id) "
      "WHERE current = 1",
      "CREATE INDEX patient_status_patient ON patient_status (clinic_id, patient_id)",

      "CREATE TABLE audit_log ("
      "clinic_id TEXT NOT NULL, seq BIGINT NOT NULL, at TEXT NOT NULL, "
      "actor_id TEXT NOT NULL, actor_role TEXT NOT NULL, action TEXT NOT NULL, "
      "object_type TEXT NOT NULL, object_id TEXT NOT NULL, patient_id TEXT, "
      "request_id TEXT NOT NULL, detail TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, "
      "PRIMARY KEY (clinic_id, seq))",
      "CREATE INDEX audit_patient ON audit_log (clinic_id, patient_id)",
      NULL}},
    {2,
     "screenings, clearances, clinic rules, patient questionnaires",
     {"CREATE TABLE screenings ("
      "clinic_id TEXT NOT NULL REFERENCES clinics(clinic_id), id TEXT NOT NULL, "
      "patient_id TEXT NOT NULL, screen_date TEXT NOT NULL, plan TEXT NOT NULL, "
      "decision TEXT NOT NULL, result TEXT NOT NULL, kb_version TEXT NOT NULL, "
      "kb_hash TEXT NOT NULL, screened_by TEXT NOT NULL, screened_at TEXT NOT NULL, "
      "screened_us BIGINT NOT NULL, PRIMARY KEY (clinic_id, id))",
      "CREATE INDEX screenings_patient ON screenings (clinic_id, patient_id, screened_us)",

      "CREATE TABLE clearances (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, rule TEXT NOT NULL, clearance_reason TEXT NOT NULL, "
      "physician TEXT NOT NULL, valid_until TEXT NOT NULL, status TEXT NOT NULL, "
      "PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX clearances_current ON clearances (clinic_id, id) WHERE current = 1",
      "CREATE INDEX clearances_patient ON clearances (clinic_id, patient_id)",

      "CREATE TABLE clinic_rules (" VERSIONED_COLUMNS
      "rule TEXT NOT NULL, status TEXT NOT NULL, PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX clinic_rules_current ON clinic_rules (clinic_id, id) WHERE current = 1",

      "CREATE TABLE questionnaires ("
      "clinic_id TEXT NOT NULL REFERENCES clinics(clinic_id), id TEXT NOT NULL, "
      "token_hash TEXT NOT NULL, patient_id TEXT NOT NULL, created_by TEXT NOT NULL, "
      "created_at TEXT NOT NULL, expires_at BIGINT NOT NULL, status TEXT NOT NULL, "
      "answers TEXT, submitted_at TEXT, confirmed_by TEXT, confirmed_at TEXT, "
      "PRIMARY KEY (clinic_id, id))",
      "CREATE UNIQUE INDEX questionnaires_token ON questionnaires (token_hash)",
      "CREATE INDEX questionnaires_patient ON questionnaires (clinic_id, patient_id)", NULL}},
    {3,
     "three-way pregnancy answers, no-known-allergies statements, medication names",
     {/* pregnant / breastfeeding become the answer asked: 'yes', 'no' or 'not_sure' */
      "CREATE TABLE patient_status_v3 (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, pregnant TEXT NOT NULL, breastfeeding TEXT NOT NULL, "
      "recorded_on TEXT NOT NULL, status TEXT NOT NULL, PRIMARY KEY (clinic_id, id, version))",
      "INSERT INTO patient_status_v3 (clinic_id, id, version, current, recorded_by, recorded_at, "
      "reason, patient_id, pregnant, breastfeeding, recorded_on, status) "
      "SELECT clinic_id, id, version, current, recorded_by, recorded_at, reason, patient_id, "
      "CASE WHEN pregnant <> 0 THEN 'yes' ELSE 'no' END, "
      "CASE WHEN breastfeeding <> 0 THEN 'yes' ELSE 'no' END, recorded_on, status "
      "FROM patient_status",
      "DROP TABLE patient_status",
      "ALTER TABLE patient_status_v3 RENAME TO patient_status",
      "CREATE UNIQUE INDEX patient_status_current ON patient_status (clinic_id, id) "
      "WHERE current = 1",
      "CREATE INDEX patient_status_patient ON patient_status (clinic_id, patient_id)",

      "CREATE TABLE allergy_statements (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, statement TEXT NOT NULL, asked_on TEXT NOT NULL, note TEXT, "
      "status TEXT NOT NULL, PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX allergy_statements_current ON allergy_statements (clinic_id, id) "
      "WHERE current = 1",
      "CREATE INDEX allergy_statements_patient ON allergy_statements (clinic_id, patient_id)",

      "ALTER TABLE medications ADD COLUMN name TEXT",
      NULL}},
    {4,
     "patient search keys, patient merges",
     {"CREATE TABLE patient_terms ("
      "clinic_id TEXT NOT NULL REFERENCES clinics(clinic_id), patient_id TEXT NOT NULL, "
      "kind TEXT NOT NULL, term TEXT NOT NULL, PRIMARY KEY (clinic_id, kind, term, patient_id))",
      "CREATE INDEX patient_terms_patient ON patient_terms (clinic_id, patient_id)",
      "CREATE TABLE patient_merges ("
      "clinic_id TEXT NOT NULL REFERENCES clinics(clinic_id), merged_id TEXT NOT NULL, "
      "survivor_id TEXT NOT NULL, direct INTEGER NOT NULL, merged_by TEXT NOT NULL, "
      "merged_at TEXT NOT NULL, reason TEXT NOT NULL, "
      "PRIMARY KEY (clinic_id, merged_id, survivor_id))",
      "CREATE INDEX patient_merges_survivor ON patient_merges (clinic_id, survivor_id)", NULL}},
    {5,
     "signed audit checkpoints",
     {"CREATE TABLE audit_checkpoints ("
      "clinic_id TEXT NOT NULL, seq BIGINT NOT NULL, head_hash TEXT NOT NULL, "
      "at TEXT NOT NULL, key_id TEXT NOT NULL, signature TEXT NOT NULL, "
      "PRIMARY KEY (clinic_id, seq))",
      NULL}},
    {6,
     "clinic date format; indexed audit filters",
     {"ALTER TABLE clinics ADD COLUMN date_format TEXT NOT NULL DEFAULT 'd_mon_yyyy'",
      "CREATE INDEX audit_actor ON audit_log (clinic_id, actor_id, seq)",
      "CREATE INDEX audit_action ON audit_log (clinic_id, action, seq)",
      "CREATE INDEX audit_object_type ON audit_log (clinic_id, object_type, seq)",
      "CREATE INDEX audit_patient_seq ON audit_log (clinic_id, patient_id, seq)",
      "CREATE INDEX audit_at ON audit_log (clinic_id, at)",
      NULL}},
    {7,
     "audit chain heads; the hash format of each audit entry",
     {/* One row per clinic: the head of its chain, locked and moved by every append
       * (audit.c), so that appending never scans for max(seq). */
      "CREATE TABLE audit_heads ("
      "clinic_id TEXT NOT NULL, seq BIGINT NOT NULL, hash TEXT NOT NULL, "
      "PRIMARY KEY (clinic_id))",
      /* Entries written before this migration were hashed with format 1. */
      "ALTER TABLE audit_log ADD COLUMN hash_format BIGINT NOT NULL DEFAULT 1",
      "INSERT INTO audit_heads (clinic_id, seq, hash) "
      "SELECT a.clinic_id, a.seq, a.hash FROM audit_log a JOIN "
      "(SELECT clinic_id, max(seq) AS seq FROM audit_log GROUP BY clinic_id) m "
      "ON m.clinic_id = a.clinic_id AND m.seq = a.seq",
      NULL}},
    {8,
     "the sign-in throttle in the store",
     /* One row per email or client address being counted (login_throttle.c); clinic_id is
      * the email's clinic, or "*" before any clinic is known (an address is no clinic's). */
     {"CREATE TABLE login_throttle ("
      "key TEXT PRIMARY KEY, clinic_id TEXT NOT NULL, failures BIGINT NOT NULL, "
      "pending BIGINT NOT NULL, pending_at BIGINT NOT NULL, locked_until BIGINT NOT NULL, "
      "last_at BIGINT NOT NULL)",
      "CREATE INDEX login_throttle_last ON login_throttle (last_at)", NULL}},
    {10,
     "one audit index less",
     /* audit_patient (clinic_id, patient_id) is a prefix of audit_patient_seq (clinic_id,
      * patient_id, seq), which serves every query it served: one index page fewer written
      * per audit entry of a patient (docs/BENCHMARKS.md). */
     {"DROP INDEX audit_patient", NULL}},
    {11,
     "products, consumables, lots, stock movements, vials, vial draws, administrations",
     /* Products, consumables, lots, vials and administrations are versioned records
      * (record.h).  volume_ml columns hold integer thousandths of a millilitre (microlitres):
      * sums are exact.  stock_movements and vial_draws are ledgers, appended to and never
      * changed: a lot's quantity on hand is the sum of its movements, a vial's remaining
      * volume its volume less the sum of its draws (stock.c). */
     {"CREATE TABLE products (" VERSIONED_COLUMNS
      "name TEXT NOT NULL, manufacturer TEXT, form TEXT, presentation TEXT NOT NULL, "
      "volume_ml BIGINT NOT NULL, base TEXT NOT NULL, ingredients TEXT NOT NULL, "
      "regulatory TEXT NOT NULL, low_stock BIGINT, beyond_use_hours BIGINT, "
      "status TEXT NOT NULL, PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX products_current ON products (clinic_id, id) WHERE current = 1",
      "CREATE TABLE consumables (" VERSIONED_COLUMNS
      "kind TEXT NOT NULL, name TEXT NOT NULL, manufacturer TEXT, gauge BIGINT, "
      "length_mm BIGINT, pins BIGINT, status TEXT NOT NULL, "
      "PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX consumables_current ON consumables (clinic_id, id) WHERE current = 1",
      "CREATE TABLE lots (" VERSIONED_COLUMNS
      "product_id TEXT NOT NULL, lot_number TEXT NOT NULL, expiry TEXT NOT NULL, "
      "received_on TEXT NOT NULL, supplier TEXT, quantity BIGINT NOT NULL, unit TEXT NOT NULL, "
      "status TEXT NOT NULL, recall_reason TEXT, recalled_on TEXT, "
      "PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX lots_current ON lots (clinic_id, id) WHERE current = 1",
      "CREATE INDEX lots_number ON lots (clinic_id, lot_number) WHERE current = 1",
      "CREATE INDEX lots_product ON lots (clinic_id, product_id, expiry) WHERE current = 1",
      "CREATE INDEX lots_expiry ON lots (clinic_id, expiry) WHERE current = 1",
      "CREATE TABLE stock_movements ("
      "clinic_id TEXT NOT NULL REFERENCES clinics(clinic_id), id TEXT NOT NULL, "
      "lot_id TEXT NOT NULL, kind TEXT NOT NULL, quantity BIGINT NOT NULL, reason TEXT, "
      "administration_id TEXT, vial_id TEXT, recorded_by TEXT NOT NULL, "
      "recorded_at TEXT NOT NULL, PRIMARY KEY (clinic_id, id))",
      "CREATE INDEX stock_movements_lot ON stock_movements (clinic_id, lot_id)",
      "CREATE TABLE vials (" VERSIONED_COLUMNS
      "lot_id TEXT NOT NULL, opened_at TEXT NOT NULL, volume_ml BIGINT NOT NULL, "
      "beyond_use_at TEXT NOT NULL, beyond_use_rule TEXT NOT NULL, status TEXT NOT NULL, "
      "PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX vials_current ON vials (clinic_id, id) WHERE current = 1",
      "CREATE INDEX vials_lot ON vials (clinic_id, lot_id) WHERE current = 1",
      "CREATE INDEX vials_open ON vials (clinic_id, status, beyond_use_at) WHERE current = 1",
      "CREATE TABLE vial_draws ("
      "clinic_id TEXT NOT NULL REFERENCES clinics(clinic_id), id TEXT NOT NULL, "
      "vial_id TEXT NOT NULL, lot_id TEXT NOT NULL, volume_ul BIGINT NOT NULL, "
      "administration_id TEXT, recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL, "
      "PRIMARY KEY (clinic_id, id))",
      "CREATE INDEX vial_draws_vial ON vial_draws (clinic_id, vial_id)",
      "CREATE TABLE administrations (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, product_id TEXT NOT NULL, lot_id TEXT NOT NULL, vial_id TEXT, "
      "volume_ml BIGINT NOT NULL, route TEXT NOT NULL, area TEXT, context TEXT NOT NULL, "
      "context_id TEXT, given_at TEXT NOT NULL, given_by TEXT NOT NULL, status TEXT NOT NULL, "
      "PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX administrations_current ON administrations (clinic_id, id) "
      "WHERE current = 1",
      "CREATE INDEX administrations_lot ON administrations (clinic_id, lot_id)",
      "CREATE INDEX administrations_vial ON administrations (clinic_id, vial_id)",
      "CREATE INDEX administrations_patient ON administrations (clinic_id, patient_id)",
      NULL}},
    {12,
     "the time a lot's recall was marked",
     /* Doses given before it can still be charted (their patients are exposed); any use
      * after it is refused (stock.c). */
     {"ALTER TABLE lots ADD COLUMN recalled_at TEXT", NULL}},
    {13,
     "custom mixtures (formulations)",
     /* formulation.c: a patient's mixture of products and volumes, with what its checks
      * found when it was saved. */
     {"CREATE TABLE formulations (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, name TEXT, mixture TEXT NOT NULL, planned_date TEXT, "
      "checks TEXT, notes TEXT, status TEXT NOT NULL, PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX formulations_current ON formulations (clinic_id, id) "
      "WHERE current = 1",
      "CREATE INDEX formulations_patient ON formulations (clinic_id, patient_id)", NULL}},
    {14,
     "patch tests and their readings",
     /* A test's outcome is computed from its readings (patch_test.c); one current reading
      * per window; an allergy found by a positive reading names its test; a clinic may set
      * how long a negative test counts (NULL: the kb's period). */
     {"CREATE TABLE patch_tests (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, lot_id TEXT, vial_id TEXT, product_id TEXT, "
      "administration_id TEXT, ingredients TEXT NOT NULL, site TEXT NOT NULL, "
      "applied_at TEXT NOT NULL, applied_by TEXT NOT NULL, note TEXT, status TEXT NOT NULL, "
      "PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX patch_tests_current ON patch_tests (clinic_id, id) WHERE current = 1",
      "CREATE INDEX patch_tests_patient ON patch_tests (clinic_id, patient_id)",
      "CREATE TABLE patch_test_readings (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, patch_test_id TEXT NOT NULL, read_window TEXT NOT NULL, "
      "grade TEXT NOT NULL, read_at TEXT NOT NULL, read_by TEXT NOT NULL, "
      "hours_after BIGINT NOT NULL, note TEXT, status TEXT NOT NULL, "
      "PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX patch_test_readings_current ON patch_test_readings (clinic_id, id) "
      "WHERE current = 1",
      "CREATE UNIQUE INDEX patch_test_readings_window ON patch_test_readings (clinic_id, "
      "patch_test_id, read_window) WHERE current = 1 AND status <> 'entered_in_error'",
      "CREATE INDEX patch_test_readings_patient ON patch_test_readings (clinic_id, patient_id)",
      "ALTER TABLE allergies ADD COLUMN patch_test_id TEXT",
      "ALTER TABLE clinics ADD COLUMN patch_test_validity_months BIGINT", NULL}},
    {15,
     "recall cases and contact attempts",
     /* One current case per recalled lot and patient (recall.c), and the attempts to reach
      * the patient; both versioned patient records. */
     {"CREATE TABLE recall_cases (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, lot_id TEXT NOT NULL, status TEXT NOT NULL, outcome TEXT, "
      "note TEXT, PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX recall_cases_current ON recall_cases (clinic_id, id) WHERE current = 1",
      "CREATE INDEX recall_cases_lot ON recall_cases (clinic_id, lot_id, patient_id) "
      "WHERE current = 1",
      "CREATE TABLE recall_contacts (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, case_id TEXT NOT NULL, lot_id TEXT NOT NULL, "
      "attempted_at TEXT NOT NULL, method TEXT NOT NULL, outcome TEXT NOT NULL, note TEXT, "
      "status TEXT NOT NULL, PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX recall_contacts_current ON recall_contacts (clinic_id, id) "
      "WHERE current = 1",
      "CREATE INDEX recall_contacts_lot ON recall_contacts (clinic_id, lot_id, patient_id) "
      "WHERE current = 1",
      NULL}},
    {17,
     "stock balances; who opened a vial",
     /* lot_balances and vial_drawn keep the sum of a lot's movements and of a vial's
      * draws, moved in the same transaction as each row of the ledger, so that a dose reads
      * one row instead of summing a ledger that grows with every use (stock.c).  Stock
      * written before this migration is summed into them once.  (Number 17: 11 and 12 were
      * released, 13 to 16 are others'.) */
     {"CREATE TABLE lot_balances (clinic_id TEXT NOT NULL REFERENCES clinics(clinic_id), "
      "lot_id TEXT NOT NULL, on_hand BIGINT NOT NULL, PRIMARY KEY (clinic_id, lot_id))",
      "INSERT INTO lot_balances (clinic_id, lot_id, on_hand) SELECT clinic_id, lot_id, "
      "sum(quantity) FROM stock_movements GROUP BY clinic_id, lot_id",
      "CREATE TABLE vial_drawn (clinic_id TEXT NOT NULL REFERENCES clinics(clinic_id), "
      "vial_id TEXT NOT NULL, drawn_ul BIGINT NOT NULL, PRIMARY KEY (clinic_id, vial_id))",
      "INSERT INTO vial_drawn (clinic_id, vial_id, drawn_ul) SELECT clinic_id, vial_id, "
      "sum(volume_ul) FROM vial_draws GROUP BY clinic_id, vial_id",
      "ALTER TABLE vials ADD COLUMN opened_by TEXT",
      NULL}},
    {18,
     "protocol settings, courses and their window index",
     /* course.h: the clinic's choices of protocol values (one current per protocol); a
      * patient's treatment courses with their plan; course_windows, a derived index of the
      * windows not done (rewritten with every course version, course.c). */
     {"CREATE TABLE protocol_settings (" VERSIONED_COLUMNS
      "protocol TEXT NOT NULL, session_count BIGINT, spacing_days BIGINT, "
      "maintenance_months BIGINT, session_minutes BIGINT, status TEXT NOT NULL, "
      "PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX protocol_settings_current ON protocol_settings (clinic_id, id) "
      "WHERE current = 1",
      "CREATE UNIQUE INDEX protocol_settings_protocol ON protocol_settings (clinic_id, "
      "protocol) WHERE current = 1 AND status <> 'entered_in_error'",
      "CREATE TABLE courses (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, protocol TEXT NOT NULL, formulation_id TEXT NOT NULL, "
      "start TEXT NOT NULL, session_count BIGINT NOT NULL, spacing_days BIGINT NOT NULL, "
      "maintenance_months BIGINT NOT NULL, session_minutes BIGINT NOT NULL, "
      "state TEXT NOT NULL, plan TEXT NOT NULL, PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX courses_current ON courses (clinic_id, id) WHERE current = 1",
      "CREATE INDEX courses_patient ON courses (clinic_id, patient_id)",
      "CREATE TABLE course_windows (clinic_id TEXT NOT NULL REFERENCES clinics(clinic_id), "
      "course_id TEXT NOT NULL, seq BIGINT NOT NULL, patient_id TEXT NOT NULL, "
      "protocol TEXT NOT NULL, kind TEXT NOT NULL, earliest TEXT NOT NULL, "
      "target TEXT NOT NULL, latest TEXT NOT NULL, PRIMARY KEY (clinic_id, course_id, seq))",
      "CREATE INDEX course_windows_latest ON course_windows (clinic_id, kind, latest)",
      "CREATE INDEX course_windows_target ON course_windows (clinic_id, kind, target)",
      NULL}},
    {19,
     "the content store; consent records and their one-time links",
     /* content_blobs: bytes once per clinic and SHA-256, base64 text (content.h says why).
      * consents: versioned patient records (consent.c, its state machine at the top);
      * events holds when, from which address and user agent each step happened.
      * consent_links: only the hash of a link's token, as for questionnaires. */
     {"CREATE TABLE content_blobs (clinic_id TEXT NOT NULL REFERENCES clinics(clinic_id), "
      "sha256 TEXT NOT NULL, media_type TEXT NOT NULL, size BIGINT NOT NULL, data TEXT NOT NULL, "
      "created_at TEXT NOT NULL, created_by TEXT NOT NULL, PRIMARY KEY (clinic_id, sha256))",
      "CREATE TABLE consents (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, purpose TEXT NOT NULL, course_id TEXT, text_id TEXT NOT NULL, "
      "text_version BIGINT NOT NULL, language TEXT NOT NULL, text_sha256 TEXT NOT NULL, "
      "channel TEXT NOT NULL, state TEXT NOT NULL, expires_at TEXT, typed_name TEXT, "
      "signature_sha256 TEXT, events TEXT NOT NULL, PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX consents_current ON consents (clinic_id, id) WHERE current = 1",
      "CREATE INDEX consents_patient ON consents (clinic_id, patient_id, purpose) "
      "WHERE current = 1",
      "CREATE TABLE consent_links (token_hash TEXT PRIMARY KEY, "
      "clinic_id TEXT NOT NULL REFERENCES clinics(clinic_id), consent_id TEXT NOT NULL, "
      "expires_at BIGINT NOT NULL, created_at TEXT NOT NULL)",
      "CREATE INDEX consent_links_consent ON consent_links (clinic_id, consent_id)", NULL}},
    {20,
     "rooms, clinic hours, practitioner availability, appointments",
     /* booking.c, availability.c: one current hours record per clinic and one availability
      * record per practitioner (unique indexes); the conflict probes are index ranges on
      * (clinic_id, practitioner_id, start_at) and (clinic_id, room_id, start_at) over the
      * current versions, bounded by the longest appointment (MD_APPT_MAX_MINUTES). */
     {"CREATE TABLE rooms (" VERSIONED_COLUMNS
      "name TEXT NOT NULL, note TEXT, status TEXT NOT NULL, PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX rooms_current ON rooms (clinic_id, id) WHERE current = 1",
      "CREATE TABLE clinic_hours (" VERSIONED_COLUMNS
      "weekly TEXT NOT NULL, closures TEXT, PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX clinic_hours_current ON clinic_hours (clinic_id) WHERE current = 1",
      "CREATE TABLE availability (" VERSIONED_COLUMNS
      "staff_id TEXT NOT NULL, weekly TEXT, exceptions TEXT, "
      "PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX availability_current ON availability (clinic_id, staff_id) "
      "WHERE current = 1",
      "CREATE TABLE appointments (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, practitioner_id TEXT NOT NULL, room_id TEXT NOT NULL, "
      "kind TEXT NOT NULL, start_at TEXT NOT NULL, end_at TEXT NOT NULL, status TEXT NOT NULL, "
      "course_id TEXT, course_session BIGINT, override_reason TEXT, override_by TEXT, "
      "override_at TEXT, note TEXT, PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX appointments_current ON appointments (clinic_id, id) "
      "WHERE current = 1",
      "CREATE INDEX appointments_practitioner ON appointments (clinic_id, practitioner_id, "
      "start_at) WHERE current = 1",
      "CREATE INDEX appointments_room ON appointments (clinic_id, room_id, start_at) "
      "WHERE current = 1",
      "CREATE INDEX appointments_start ON appointments (clinic_id, start_at) WHERE current = 1",
      "CREATE INDEX appointments_course ON appointments (clinic_id, course_id) "
      "WHERE current = 1",
      "CREATE INDEX appointments_patient ON appointments (clinic_id, patient_id)",
      NULL}},
    {21,
     "staff credentials",
     /* Licences, registrations, qualifications and insurance of staff members (credential.c):
      * a clinic-level versioned record with the holder in staff_id. */
     {"CREATE TABLE staff_credentials (" VERSIONED_COLUMNS
      "staff_id TEXT NOT NULL, type TEXT NOT NULL, number TEXT, issuing_body TEXT NOT NULL, "
      "issued_on TEXT NOT NULL, expires_on TEXT, scopes TEXT, status TEXT NOT NULL, "
      "evidence TEXT, note TEXT, PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX staff_credentials_current ON staff_credentials (clinic_id, id) "
      "WHERE current = 1",
      "CREATE INDEX staff_credentials_staff ON staff_credentials (clinic_id, staff_id) "
      "WHERE current = 1",
      NULL}},
    {22,
     "treatment sessions",
     /* chart.c: the charted visit of a course session, one version per step; at most one
      * open session (checked in, prechecked, in progress) per course session. */
     {"CREATE TABLE treatment_sessions (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, course_id TEXT NOT NULL, course_session BIGINT NOT NULL, "
      "appointment_id TEXT, practitioner_id TEXT NOT NULL, day TEXT NOT NULL, "
      "state TEXT NOT NULL, events TEXT NOT NULL, materials TEXT, prechecks TEXT, chart TEXT, "
      "warnings TEXT, completion TEXT, review TEXT, signoff TEXT, aftercare TEXT, addenda TEXT, "
      "PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX treatment_sessions_current ON treatment_sessions (clinic_id, id) "
      "WHERE current = 1",
      "CREATE UNIQUE INDEX treatment_sessions_open ON treatment_sessions (clinic_id, course_id, "
      "course_session) WHERE current = 1 AND state IN ('checked_in', 'prechecked', "
      "'in_progress')",
      "CREATE INDEX treatment_sessions_patient ON treatment_sessions (clinic_id, patient_id)",
      "CREATE INDEX treatment_sessions_state ON treatment_sessions (clinic_id, state, day) "
      "WHERE current = 1",
      NULL}},
    {23,
     "the clinic's chart policy",
     /* chart_policy.c: before and after photo views, completion hours, review share; one
      * current record per clinic. */
     {"CREATE TABLE chart_policies (" VERSIONED_COLUMNS
      "before_views TEXT NOT NULL, after_views TEXT NOT NULL, completion_hours BIGINT NOT NULL, "
      "review_share_percent BIGINT NOT NULL, PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX chart_policies_current ON chart_policies (clinic_id) "
      "WHERE current = 1",
      NULL}},
    {24,
     "photos of treatment sessions",
     /* photo.c: a versioned patient record per photograph; the bytes are files named by
      * their SHA-256 outside the database (media.c), the record holds the hashes.  The
      * gates read a session's views (photos_session), the comparison a course's
      * (photos_course), the patient's list its own (photos_patient). */
     {"CREATE TABLE photos (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, session_id TEXT NOT NULL, course_id TEXT, course_session BIGINT, "
      "day TEXT, phase TEXT NOT NULL, view TEXT NOT NULL, sha256 TEXT NOT NULL, "
      "thumb_sha256 TEXT NOT NULL, media_type TEXT NOT NULL, width BIGINT NOT NULL, "
      "height BIGINT NOT NULL, bytes BIGINT NOT NULL, consent TEXT NOT NULL, "
      "taken_at TEXT NOT NULL, status TEXT NOT NULL, PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX photos_current ON photos (clinic_id, id) WHERE current = 1",
      "CREATE INDEX photos_session ON photos (clinic_id, session_id, phase) WHERE current = 1",
      "CREATE INDEX photos_course ON photos (clinic_id, course_id) WHERE current = 1",
      "CREATE INDEX photos_patient ON photos (clinic_id, patient_id)",
      NULL}},
    {25,
     "clinic phone",
     /* The number the aftercare gives patients to call (aftercare.c); null: not recorded. */
     {"ALTER TABLE clinics ADD COLUMN phone TEXT", NULL}},
    {26,
     "complications, their suspects and follow-up tasks",
     /* complication.c: a versioned patient record per complication; the suspects of each
      * version one row each (current = 0 once superseded, or when entered in error), found
      * by lot, vial, product, ingredient or session without parsing JSON; the follow-up
      * tasks a versioned record each.  The partial indexes answer the worklist's time-based
      * entries: open complications not resolved, by resolution_due; open tasks by due day. */
     {"CREATE TABLE complications (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, code TEXT NOT NULL, onset_on TEXT NOT NULL, description TEXT, "
      "grade BIGINT, seriousness TEXT, suspects TEXT, actions TEXT, outcome TEXT, "
      "outcome_on TEXT, red_flags TEXT, resolution_due TEXT, followup_until TEXT, details TEXT, "
      "source TEXT NOT NULL, status TEXT NOT NULL, PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX complications_current ON complications (clinic_id, id) "
      "WHERE current = 1",
      "CREATE INDEX complications_patient ON complications (clinic_id, patient_id)",
      "CREATE INDEX complications_unresolved ON complications (clinic_id, resolution_due) "
      "WHERE current = 1 AND status = 'open' AND (outcome IS NULL OR outcome IN "
      "('recovering', 'not_resolved'))",
      "CREATE TABLE complication_suspects ("
      "clinic_id TEXT NOT NULL REFERENCES clinics(clinic_id), complication_id TEXT NOT NULL, "
      "version BIGINT NOT NULL, patient_id TEXT NOT NULL, kind TEXT NOT NULL, "
      "ref_id TEXT NOT NULL, onset_on TEXT NOT NULL, code TEXT NOT NULL, "
      "current INTEGER NOT NULL, "
      "PRIMARY KEY (clinic_id, complication_id, version, kind, ref_id))",
      "CREATE INDEX complication_suspects_ref ON complication_suspects (clinic_id, kind, ref_id) "
      "WHERE current = 1",
      "CREATE INDEX complication_suspects_code ON complication_suspects (clinic_id, code, "
      "onset_on) WHERE current = 1",
      "CREATE TABLE complication_followups (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, complication_id TEXT NOT NULL, code TEXT NOT NULL, "
      "due_on TEXT NOT NULL, day BIGINT, status TEXT NOT NULL, note TEXT, "
      "PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX complication_followups_current ON complication_followups "
      "(clinic_id, id) WHERE current = 1",
      "CREATE INDEX complication_followups_of ON complication_followups (clinic_id, "
      "complication_id) WHERE current = 1",
      "CREATE INDEX complication_followups_open ON complication_followups (clinic_id, due_on) "
      "WHERE current = 1 AND status = 'open'",
      NULL}},
    {27,
     "the escalation worklist",
     /* escalation.c: one versioned patient record per (source, source_id, cause); open ones
      * by raised_at for the worklist. */
     {"CREATE TABLE escalations (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, source TEXT NOT NULL, source_id TEXT NOT NULL, "
      "cause TEXT NOT NULL, detail TEXT, raised_at TEXT NOT NULL, status TEXT NOT NULL, "
      "action TEXT, PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX escalations_current ON escalations (clinic_id, id) WHERE current = 1",
      "CREATE UNIQUE INDEX escalations_key ON escalations (clinic_id, source, source_id, cause) "
      "WHERE current = 1",
      "CREATE INDEX escalations_open ON escalations (clinic_id, raised_at) "
      "WHERE current = 1 AND status = 'open'",
      "CREATE INDEX escalations_patient ON escalations (clinic_id, patient_id)",
      NULL}},
    {28,
     "patient check-ins after a session",
     /* checkin.c: a versioned patient record per check-in (day 2, day 14, ... of a
      * session); the overdue worklist reads pending ones by due day (checkins_due).  The
      * one-time links keep only the token's hash, one row per link issued; a reissued link
      * is revoked, never deleted. */
     {"CREATE TABLE checkins (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, session_id TEXT NOT NULL, course_id TEXT, protocol TEXT, "
      "day_offset BIGINT NOT NULL, due_on TEXT NOT NULL, expires_at TEXT NOT NULL, "
      "status TEXT NOT NULL, sent_at TEXT, opened_at TEXT, answered_at TEXT, answers TEXT, "
      "red_flags TEXT, effects TEXT, photo TEXT, client TEXT, "
      "PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX checkins_current ON checkins (clinic_id, id) WHERE current = 1",
      "CREATE INDEX checkins_session ON checkins (clinic_id, session_id) WHERE current = 1",
      "CREATE INDEX checkins_due ON checkins (clinic_id, status, due_on) WHERE current = 1",
      "CREATE INDEX checkins_patient ON checkins (clinic_id, patient_id)",
      "CREATE TABLE checkin_links ("
      "clinic_id TEXT NOT NULL REFERENCES clinics(clinic_id), token_hash TEXT NOT NULL, "
      "checkin_id TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT, "
      "PRIMARY KEY (token_hash))",
      "CREATE INDEX checkin_links_checkin ON checkin_links (clinic_id, checkin_id)",
      NULL}},
    {29,
     "outcome scores",
     /* outcome.c: a versioned patient record per score of a session on a kb scale, with the
      * scale's definition as scored.  One active score per (session, scale, rater, area)
      * (outcomes_one); a session's (outcomes_session), a course's series (outcomes_course),
      * a patient's list and the distribution per clinic and scale (outcomes_scale). */
     {"CREATE TABLE outcomes (" VERSIONED_COLUMNS
      "patient_id TEXT NOT NULL, session_id TEXT NOT NULL, course_id TEXT, day TEXT NOT NULL, "
      "scale TEXT NOT NULL, scale_version TEXT NOT NULL, scale_definition TEXT NOT NULL, "
      "rater TEXT NOT NULL, rater_id TEXT, score BIGINT NOT NULL, label TEXT NOT NULL, "
      "area TEXT, rated_at TEXT NOT NULL, status TEXT NOT NULL, "
      "PRIMARY KEY (clinic_id, id, version))",
      "CREATE UNIQUE INDEX outcomes_current ON outcomes (clinic_id, id) WHERE current = 1",
      "CREATE UNIQUE INDEX outcomes_one ON outcomes (clinic_id, session_id, scale, rater, "
      "coalesce(area, '')) WHERE current = 1 AND status = 'active'",
      "CREATE INDEX outcomes_session ON outcomes (clinic_id, session_id) WHERE current = 1",
      "CREATE INDEX outcomes_course ON outcomes (clinic_id, course_id) WHERE current = 1",
      "CREATE INDEX outcomes_patient ON outcomes (clinic_id, patient_id)",
      "CREATE INDEX outcomes_scale ON outcomes (clinic_id, scale, day) "
      "WHERE current = 1 AND status = 'active'",
      NULL}},
};

/* Code run after a migration's statements, in the same transaction: backfills of data
 * that SQL alone cannot compute. */
static const struct {
    int version;
    md_code (*run)(md_store *s, md_err *err);
} backfills[] = {
    {4, md_patient_terms_rebuild}, /* search keys of the existing patients */
};

static md_code backfill(md_store *s, int version, md_err *err)
{
    for (size_t i = 0; i < sizeof backfills / sizeof backfills[0]; i++)
        if (backfills[i].version == version) return backfills[i].run(s, err);
    return MD_OK;
}

#define MIGRATION_COUNT ((int)(sizeof migrations / sizeof migrations[0]))

/* The highest version this build knows (numbers are reserved ahead, so there may be gaps). */
int md_store_migrations_known(void)
{
    int v = 0;
    for (int m = 0; m < MIGRATION_COUNT; m++)
        if (migrations[m].version > v) v = migrations[m].version;
    return v;
}

int md_store_schema_version(md_store *s)
{
    int64_t v = 0;
    if (md_store_scalar_int(s, "SELECT coalesce(max(version), 0) FROM schema_migrations", NULL, 0,
                            &v, NULL) != MD_OK)
        return 0;
    return (int)v;
}

md_code md_store_migrate(md_store *s, md_err *err)
{
    /* Inside a write transaction: two processes starting at once take turns (on
     * PostgreSQL a concurrent CREATE TABLE IF NOT EXISTS can otherwise collide). */
    md_code rc = md_store_begin(s, err);
    if (rc == MD_OK)
        rc = md_store_exec(s,
                           "CREATE TABLE IF NOT EXISTS schema_migrations ("
                           "version BIGINT PRIMARY KEY, name TEXT NOT NULL, "
                           "applied_at TEXT NOT NULL)",
                           NULL, 0, NULL, NULL, err);
    if (rc == MD_OK || md_store_in_tx(s)) rc = md_store_finish(s, rc, err);
    if (rc != MD_OK) return rc;
    for (int m = 0; m < MIGRATION_COUNT; m++) {
        const migration *mg = &migrations[m];
        if ((rc = md_store_begin(s, err)) != MD_OK) return rc;
        /* Re-check inside the write lock: another process may have migrated meanwhile. */
        int64_t n = 0;
        md_val v[] = {md_int(mg->version)};
        rc = md_store_scalar_int(s, "SELECT count(*) FROM schema_migrations WHERE version = $1", v,
                                 1, &n, err);
        if (rc != MD_OK) goto fail;
        if (n) {
            md_store_rollback(s);
            continue;
        }
        for (int i = 0; mg->sql[i]; i++) {
            rc = md_store_exec(s, mg->sql[i], NULL, 0, NULL, NULL, err);
            if (rc != MD_OK) {
                char inner[MD_ERR_MESSAGE_MAX];
                md_strlcpy(inner, err ? err->message : "", sizeof inner);
                md_err_set(err, rc, "db", "migration %d (%s), statement %d: %s", mg->version,
                           mg->name, i + 1, inner);
                goto fail;
            }
        }
        if ((rc = backfill(s, mg->version, err)) != MD_OK) goto fail;
        char now[MD_TIME_STR];
        md_time_format(md_now(), now);
        md_val ins[] = {md_int(mg->version), md_text(mg->name), md_text(now)};
        rc = md_store_exec(s,
                           "INSERT INTO schema_migrations (version, name, applied_at) "
                           "VALUES ($1, $2, $3)",
                           ins, 3, NULL, NULL, err);
        if (rc != MD_OK) goto fail;
        if ((rc = md_store_commit(s, err)) != MD_OK) return rc;
    }
    return MD_OK;
fail:
    md_store_rollback(s);
    return rc;
}
