"""The kiosk database schema, as an ordered list of migrations (sqlite-utils ``Migrations``).

Migrations are append-only: a released kiosk may hold a file at any earlier step, and
``tests/test_store_migrations.py`` upgrades a file from every step. Never edit a released migration;
add a new one.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

MIGRATIONS = Migrations("iplik-kiosk")


@MIGRATIONS()
def m001_catalog(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE agencies (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            name_en TEXT NOT NULL,
            short_name TEXT NOT NULL,
            doc TEXT NOT NULL            -- the agency as in the catalog JSON
        );
        CREATE TABLE services (
            id TEXT PRIMARY KEY,
            agency_id TEXT NOT NULL REFERENCES agencies(id),
            name TEXT NOT NULL,
            name_en TEXT NOT NULL,
            form_id TEXT,
            doc TEXT NOT NULL
        );
        CREATE INDEX services_agency ON services(agency_id, name);
        -- Search over names, keywords and agency, in both languages. unicode61 with
        -- remove_diacritics folds case and accents; the prefix indexes make search-as-you-type cheap.
        CREATE VIRTUAL TABLE services_fts USING fts5(
            service_id UNINDEXED, name, name_en, keywords, agency,
            tokenize = "unicode61 remove_diacritics 2",
            prefix = '1 2 3'
        );
        CREATE TABLE catalog_meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """
    )


@MIGRATIONS()
def m002_records_and_outbox(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE complaints (
            uuid TEXT PRIMARY KEY,
            tracking_code TEXT NOT NULL UNIQUE,    -- canonical form, no separators
            created_at TEXT NOT NULL,              -- ISO 8601, UTC
            updated_at TEXT NOT NULL,
            class TEXT NOT NULL,
            topic TEXT NOT NULL,
            agency_id TEXT,
            service_id TEXT,
            privacy TEXT NOT NULL,
            doc TEXT,                              -- full complaint incl. personal data; NULL once purged
            status TEXT NOT NULL,
            status_at TEXT NOT NULL,
            response TEXT,                         -- the agency's answer, pulled from the server
            response_at TEXT,
            purged_at TEXT
        );
        CREATE TABLE complaint_events (
            id INTEGER PRIMARY KEY,
            complaint_uuid TEXT NOT NULL REFERENCES complaints(uuid),
            status TEXT NOT NULL,
            at TEXT NOT NULL,
            note TEXT
        );
        CREATE INDEX complaint_events_uuid ON complaint_events(complaint_uuid, at);
        CREATE TABLE ratings (
            uuid TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('ikm', 'quick')),
            service_id TEXT,
            agency_id TEXT,
            -- IKM answers as columns so aggregates over a year of surveys stay one indexed scan.
            u1 INTEGER, u2 INTEGER, u3 INTEGER, u4 INTEGER, u5 INTEGER,
            u6 INTEGER, u7 INTEGER, u8 INTEGER, u9 INTEGER,
            face INTEGER,                          -- quick ratings only
            doc TEXT NOT NULL
        );
        CREATE INDEX ratings_service ON ratings(kind, service_id);
        CREATE INDEX ratings_agency ON ratings(kind, agency_id);
        -- One row per record to send, written in the same transaction as the record.
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,                    -- complaint | rating | heartbeat
            record_uuid TEXT NOT NULL,
            created_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            last_attempt_at TEXT,
            next_attempt_at TEXT,
            sent_at TEXT,
            UNIQUE (kind, record_uuid)
        );
        CREATE INDEX outbox_pending ON outbox(sent_at, next_attempt_at);
        CREATE TABLE sync_state (
            key TEXT PRIMARY KEY,                  -- e.g. catalog_cursor, status_cursor
            value TEXT NOT NULL
        );
        """
    )


@MIGRATIONS()
def m003_outbox_final_failures(db: Database) -> None:
    # Sync (issue 4): a record the server refused for good (409 conflict, 422 rejected) stays in the
    # outbox, visible to staff, and is never retried: failed_at marks it, failure_code keeps the server's
    # problem code. The partial index keeps the worker's "what is due" query small.
    db.executescript(
        """
        ALTER TABLE outbox ADD COLUMN failed_at TEXT;
        ALTER TABLE outbox ADD COLUMN failure_code TEXT;
        CREATE INDEX outbox_due ON outbox(next_attempt_at, id) WHERE sent_at IS NULL AND failed_at IS NULL;
        """
    )


@MIGRATIONS()
def m004_printer_paper(db: Database) -> None:
    # Printing (issue 5): the paper-roll counter that survives restarts (one row), each refill, and a
    # short log of print jobs for staff. No personal data: a job names a tracking code or a form id.
    db.executescript(
        """
        CREATE TABLE printer_paper (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            roll_length_mm REAL,                   -- the roll put in at the last refill; NULL: as configured
            used_mm REAL NOT NULL DEFAULT 0,
            receipts INTEGER NOT NULL DEFAULT 0,
            receipt_mm REAL NOT NULL DEFAULT 0,
            forms INTEGER NOT NULL DEFAULT 0,
            refilled_at TEXT,
            updated_at TEXT
        );
        INSERT INTO printer_paper (id) VALUES (1);
        CREATE TABLE paper_refills (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            roll_length_mm REAL NOT NULL,
            used_before_mm REAL NOT NULL,
            receipts_before INTEGER NOT NULL
        );
        CREATE TABLE print_jobs (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,                    -- receipt | form | test
            ref TEXT,                              -- tracking code or form id (+ form reference)
            backend TEXT NOT NULL,
            queue TEXT,
            job_id TEXT,
            printed INTEGER NOT NULL,
            state TEXT NOT NULL,                   -- kiosk printer state after the job
            detail TEXT,
            length_mm REAL NOT NULL DEFAULT 0
        );
        CREATE INDEX print_jobs_at ON print_jobs(at);
        """
    )


@MIGRATIONS()
def m008_staff_pin(db: Database) -> None:
    # Issue 12, item 13: the staff PIN sent by the central server for this kiosk's office (one row;
    # preferred to config.toml's), and the PIN lockout, kept here so that a restart does not end it.
    # Times are wall-clock seconds (time.time()); see kiosk.domain.pin.PinGate for the clock guard.
    db.executescript(
        """
        CREATE TABLE staff_pin (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            pin_hash TEXT NOT NULL,                -- kiosk.domain.pin's scrypt$... string, never the PIN
            set_at TEXT,                           -- when it was set on the server (UTC ISO)
            received_at TEXT NOT NULL
        );
        CREATE TABLE pin_lockout (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            failures INTEGER NOT NULL DEFAULT 0,   -- wrong PINs in a row since the last success or lockout
            last_failure_at REAL,
            locked_at REAL NOT NULL DEFAULT 0,     -- when the current (or last) lockout began
            locked_until REAL NOT NULL DEFAULT 0
        );
        INSERT INTO pin_lockout (id) VALUES (1);
        """
    )


@MIGRATIONS()
def m005_sync_counts(db: Database) -> None:
    # Sync (issue 12, item 17): the worker reads the outbox counts after every batch. Counting sent rows
    # walked the whole table (a kiosk keeps every sent row: 1,000,000 of them made pushing 4x slower), so
    # the sent count is kept by triggers in the same transaction as the row's change, and refused rows
    # get a partial index. Pending rows already have one (outbox_due); the newest sent_at comes from
    # outbox_pending's end. Triggers, not code in sync_ops: every writer of outbox keeps the count right.
    db.executescript(
        """
        CREATE TABLE outbox_counts (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            sent INTEGER NOT NULL
        );
        INSERT INTO outbox_counts (id, sent) SELECT 1, count(sent_at) FROM outbox;
        CREATE TRIGGER outbox_counts_insert AFTER INSERT ON outbox WHEN NEW.sent_at IS NOT NULL
        BEGIN
            UPDATE outbox_counts SET sent = sent + 1 WHERE id = 1;
        END;
        CREATE TRIGGER outbox_counts_update AFTER UPDATE OF sent_at ON outbox
        WHEN (OLD.sent_at IS NULL) <> (NEW.sent_at IS NULL)
        BEGIN
            UPDATE outbox_counts SET sent = sent + (NEW.sent_at IS NOT NULL) - (OLD.sent_at IS NOT NULL) WHERE id = 1;
        END;
        CREATE TRIGGER outbox_counts_delete AFTER DELETE ON outbox WHEN OLD.sent_at IS NOT NULL
        BEGIN
            UPDATE outbox_counts SET sent = sent - 1 WHERE id = 1;
        END;
        CREATE INDEX outbox_failed ON outbox(failed_at) WHERE failed_at IS NOT NULL;
        """
    )


@MIGRATIONS()
def m009_tap_discards(db: Database) -> None:
    # Issue 14, item 2: how many taps the quick rating's repeated-tap filter dropped, per local day of the
    # kiosk's office, so the server can say how much the filter threw away. A count, nothing else: a
    # dropped tap is never a record. The heartbeat carries the last 14 days; rows older than 60 are pruned.
    db.executescript(
        """
        CREATE TABLE tap_discards (
            day TEXT PRIMARY KEY,                  -- YYYY-MM-DD, the office's local day
            count INTEGER NOT NULL CHECK (count >= 0)
        );
        """
    )


@MIGRATIONS()
def m010_server_settings(db: Database) -> None:
    # Issue 15, part "settings": the kiosk settings the central server sent with the last catalog pull
    # (kiosk/store/kiosk_settings.py): the values this kiosk accepted (JSON object; a key left out falls
    # back to config.toml) and where each came from ("kiosk" or "office"). One row.
    db.executescript(
        """
        CREATE TABLE server_settings (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            values_json TEXT NOT NULL,
            sources_json TEXT NOT NULL,
            received_at TEXT NOT NULL
        );
        """
    )
