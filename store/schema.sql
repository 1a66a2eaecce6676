-- casebook store schema. Each block after a "-- version N" line is the forward migration
-- that brings a database from version N-1 to N; store_open() applies the missing ones in
-- one transaction and records the version in PRAGMA user_version.

-- version 1
CREATE TABLE ingests (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,            -- the path as given; "-" is stdin
  size        INTEGER NOT NULL DEFAULT 0, -- bytes read from it
  sha256      TEXT,                     -- of those bytes: the chain of custody
  started_us  INTEGER NOT NULL,         -- UTC microseconds
  finished_us INTEGER,                  -- NULL while running or after a crash
  analyst     TEXT,
  documents   INTEGER NOT NULL DEFAULT 0,
  added       INTEGER NOT NULL DEFAULT 0,
  duplicates  INTEGER NOT NULL DEFAULT 0,
  rejected    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE rejects (
  id          INTEGER PRIMARY KEY,
  ingest_id   INTEGER NOT NULL REFERENCES ingests(id),
  line        INTEGER NOT NULL,
  col         INTEGER NOT NULL,
  byte_offset INTEGER NOT NULL,
  error       TEXT NOT NULL,
  raw         BLOB NOT NULL,            -- the damaged bytes, as they were
  raw_sha256  TEXT NOT NULL,
  raw_dropped INTEGER NOT NULL DEFAULT 0 -- bytes of an oversized document not kept
);
-- the same damage read again (the same file ingested twice) is kept once
CREATE UNIQUE INDEX rejects_once ON rejects(raw_sha256, line, col, error);

CREATE TABLE doc_dicts (
  id   INTEGER PRIMARY KEY,
  dict BLOB NOT NULL                    -- a zstd dictionary trained on this case's events
);

CREATE TABLE hosts (
  key     INTEGER PRIMARY KEY,
  host_id TEXT,                         -- host.id
  name    TEXT,                         -- host.name
  UNIQUE (host_id, name)
);

CREATE TABLE events (
  id           INTEGER PRIMARY KEY,
  identity     TEXT NOT NULL,           -- _id of a hit, else event.id, else sha256 of the document
  ts           INTEGER NOT NULL,        -- @timestamp, UTC microseconds
  ingested     INTEGER,                 -- event.ingested, UTC microseconds
  idx          TEXT,                    -- _index, else data_stream type-dataset-namespace
  host_key     INTEGER REFERENCES hosts(key),
  os_type      TEXT,                    -- host.os.type (perhaps derived, see derived)
  kind         TEXT,                    -- event.kind
  category     TEXT,                    -- event.category, values joined with ','
  type         TEXT,                    -- event.type, values joined with ','
  action       TEXT,                    -- event.action
  file_path    TEXT,
  entity_id    TEXT,                    -- process.entity_id
  pid          INTEGER,
  executable   TEXT,
  process_name TEXT,
  user_name    TEXT,
  derived      TEXT,                    -- fields casebook derived, e.g. 'host.os.type'
  ingest_id    INTEGER NOT NULL REFERENCES ingests(id)
);

-- The original documents, apart from the columns so that scans and index builds over
-- events do not read them.
CREATE TABLE docs (
  id      INTEGER PRIMARY KEY,          -- = events.id
  dict_id INTEGER REFERENCES doc_dicts(id), -- NULL: compressed without a dictionary
  doc     BLOB NOT NULL                 -- the original event JSON, minified, zstd-compressed
);
CREATE TRIGGER events_delete_doc AFTER DELETE ON events BEGIN
  DELETE FROM docs WHERE id = old.id;
END;

-- Secondary indexes. A bulk load into an empty table drops them and rebuilds them at its
-- end; their SQL waits in deferred_indexes meanwhile, so a killed load is finished by the
-- next writer (store/events.c). events_identity is not UNIQUE so that a bulk load can
-- remove its duplicates after the fact; writers check it before inserting.
CREATE TABLE deferred_indexes (
  name TEXT PRIMARY KEY,
  sql  TEXT NOT NULL
);
CREATE INDEX events_identity ON events(identity);
CREATE INDEX events_host_ts ON events(host_key, ts);
CREATE INDEX events_ts ON events(ts);
CREATE INDEX events_ingested ON events(ingested);
CREATE INDEX events_file_path ON events(file_path);

-- version 2
-- Detection: rules, their exceptions, alerts, and what detect has looked at.
CREATE TABLE rules (
  key       INTEGER PRIMARY KEY,
  rule_id   TEXT NOT NULL,
  version   INTEGER NOT NULL,
  uuid      TEXT NOT NULL,              -- the rule object's id: kibana.alert.rule.uuid
  name      TEXT NOT NULL,
  type      TEXT NOT NULL,
  language  TEXT,
  enabled   INTEGER NOT NULL,
  source    TEXT NOT NULL,              -- 'pack', or the file it was imported from
  json      TEXT NOT NULL,              -- the rule as loaded: unknown fields kept, defaults filled
  UNIQUE (rule_id, version)
);

CREATE TABLE exception_lists (
  key            INTEGER PRIMARY KEY,
  list_id        TEXT NOT NULL,
  namespace_type TEXT NOT NULL,
  json           TEXT NOT NULL,
  UNIQUE (list_id, namespace_type)
);

CREATE TABLE exception_items (
  key            INTEGER PRIMARY KEY,
  item_id        TEXT NOT NULL,
  list_id        TEXT NOT NULL,
  namespace_type TEXT NOT NULL,
  json           TEXT NOT NULL,         -- Kibana's item: entries, comments, ...
  UNIQUE (item_id, namespace_type)
);

CREATE TABLE alerts (
  id              INTEGER PRIMARY KEY,
  uuid            TEXT NOT NULL UNIQUE, -- kibana.alert.uuid
  rule_key        INTEGER NOT NULL REFERENCES rules(key),
  event_id        INTEGER NOT NULL REFERENCES events(id),
  original_time   INTEGER NOT NULL,     -- the event's @timestamp, UTC microseconds
  created_us      INTEGER NOT NULL,     -- when detect created it
  execution_us    INTEGER NOT NULL,     -- the replayed rule execution that created it
  severity        TEXT NOT NULL,
  risk_score      INTEGER NOT NULL,
  workflow_status TEXT NOT NULL DEFAULT 'open',
  reason          TEXT NOT NULL,
  doc             TEXT NOT NULL         -- the alert as Kibana writes it (JSON)
);
CREATE INDEX alerts_status_time ON alerts(workflow_status, original_time);
CREATE INDEX alerts_rule ON alerts(rule_key);
CREATE INDEX alerts_event ON alerts(event_id);

-- The newest event each rule version has been run over; detect starts after it.
CREATE TABLE detection_state (
  rule_key      INTEGER PRIMARY KEY REFERENCES rules(key),
  last_event_id INTEGER NOT NULL
);

-- Events whose indexed columns do not hold all of a field's values (a file.path given as an
-- array, or twice): detection always evaluates them in full rather than trust the index.
ALTER TABLE events ADD COLUMN irregular INTEGER NOT NULL DEFAULT 0;
UPDATE events SET irregular = 1; -- written by version 1, which did not record it
CREATE INDEX events_irregular ON events(irregular) WHERE irregular != 0;

-- version 3
-- The triage record: checklist and response steps (from the rule's guide), notes, the
-- closing reason, and an audit trail whose entries are chained by SHA-256.
ALTER TABLE alerts ADD COLUMN workflow_reason TEXT;   -- when closed: false_positive, ...
ALTER TABLE alerts ADD COLUMN workflow_comment TEXT;
-- the event's host and path, copied so the console's prevalence counts use an index
ALTER TABLE alerts ADD COLUMN host_key INTEGER;
ALTER TABLE alerts ADD COLUMN file_path TEXT;
UPDATE alerts SET host_key = (SELECT host_key FROM events WHERE id = alerts.event_id),
                  file_path = (SELECT file_path FROM events WHERE id = alerts.event_id);
CREATE INDEX alerts_host ON alerts(host_key);
CREATE INDEX alerts_file_path ON alerts(file_path, host_key);

CREATE TABLE triage_items (
  id       INTEGER PRIMARY KEY,
  alert_id INTEGER NOT NULL REFERENCES alerts(id),
  kind     TEXT NOT NULL CHECK (kind IN ('check', 'response')),
  position INTEGER NOT NULL,            -- 1-based, in the guide's order
  text     TEXT NOT NULL,
  state    TEXT NOT NULL,               -- check: open, checked; response: pending, done, skipped, na
  note     TEXT,
  by       TEXT,                        -- who changed it last
  at_us    INTEGER,                     -- and when
  from_default INTEGER NOT NULL DEFAULT 0, -- the rule had no such guide section
  UNIQUE (alert_id, kind, position)
);

CREATE TABLE notes (
  id       INTEGER PRIMARY KEY,
  alert_id INTEGER NOT NULL REFERENCES alerts(id),
  text     TEXT NOT NULL,               -- never edited: a correction is a new note
  by       TEXT NOT NULL,
  at_us    INTEGER NOT NULL
);
CREATE INDEX notes_alert ON notes(alert_id, id);

-- Each entry's hash covers its own fields and the previous entry's hash, so an edit, a
-- deletion or an insertion anywhere breaks the chain (casebook audit --verify).
CREATE TABLE audit (
  id         INTEGER PRIMARY KEY,       -- 1, 2, 3, ... with no gaps
  alert_uuid TEXT,
  analyst    TEXT NOT NULL,
  at_us      INTEGER NOT NULL,
  action     TEXT NOT NULL,             -- status, check, respond, note, exception
  target     TEXT,                      -- which item
  before     TEXT,
  after      TEXT,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
CREATE INDEX audit_alert ON audit(alert_uuid, id);

-- The chain's head, so that removing the newest entries is noticed too.
CREATE TABLE audit_head (
  one     INTEGER PRIMARY KEY CHECK (one = 1),
  last_id INTEGER NOT NULL,
  hash    TEXT NOT NULL
);

-- version 4
-- Every event an alert stands on, in order: one for a query rule, each event of the
-- sequence for an EQL sequence (the console highlights them all in the timeline).
CREATE TABLE alert_events (
  alert_id INTEGER NOT NULL REFERENCES alerts(id),
  position INTEGER NOT NULL,            -- 0-based, in the sequence's order
  event_id INTEGER NOT NULL REFERENCES events(id),
  PRIMARY KEY (alert_id, position)
) WITHOUT ROWID;

-- casebook's own notes on a rule (every version of it), shown apart from the rule author's
-- guide: the bundled pack's rules/notes/RULE_ID.md, or an analyst's.
CREATE TABLE rule_notes (
  rule_id TEXT PRIMARY KEY,
  text    TEXT NOT NULL,
  source  TEXT NOT NULL                 -- 'pack', or who wrote it
);

-- version 5
-- What the console's queue shows of an alert's event (file.path, else process.name), copied
-- so that the queue is read from one covering index, in its order, without touching the
-- events or the alert documents (a case of 200,000 alerts opens in a fraction of a second).
ALTER TABLE alerts ADD COLUMN target TEXT;
UPDATE alerts SET target = (SELECT coalesce(file_path, process_name) FROM events WHERE id = alerts.event_id);
CREATE INDEX alerts_queue ON alerts(original_time, uuid, workflow_status, severity, risk_score, rule_key,
                                    host_key, event_id, target);
-- The overview's related alerts (same host, within the timeline window) as a range, not every
-- alert on the host; it serves the per-host counts too.
CREATE INDEX alerts_host_time ON alerts(host_key, original_time);
DROP INDEX alerts_host;

-- version 6
-- Every connection turns triggers off (a case file is untrusted input), so store/events.c
-- deletes a removed event's document itself, and casebook's one trigger goes.
DROP TRIGGER events_delete_doc;

-- version 7
-- Field types an analyst imported from an index mapping (casebook mapping import): they
-- override the ECS and Elastic Defend types casebook knows, for KQL and EQL comparisons.
CREATE TABLE field_types (
  field TEXT PRIMARY KEY,
  type  TEXT NOT NULL          -- date, ip, text, keyword
);

-- version 8
-- Whether the process_name, action, user_name and executable columns hold their fields'
-- only values (each absent, null or one string): detect rules candidates out by these
-- columns only then (an array's other values, or a number, are not in them). Events stored
-- before this version were not checked, so they are always evaluated in full.
ALTER TABLE events ADD COLUMN names_exact INTEGER NOT NULL DEFAULT 0;

-- version 9
-- The event.ingested and file path indexes hold only the events that have the value: every
-- query on them compares it (which implies NOT NULL), and a bulk load of events without
-- event.ingested, or of process events, wrote an entry per NULL (14% of a small-event ingest).
DROP INDEX events_ingested;
CREATE INDEX events_ingested ON events(ingested) WHERE ingested IS NOT NULL;
DROP INDEX IF EXISTS events_file_path;
CREATE INDEX events_file_path ON events(file_path) WHERE file_path IS NOT NULL;

-- version 10
-- The audit chain anchors what each alert is (its rule, severity, events, document) when it is
-- made, and every exception list and item as it is stored (store/triage.c); audit --verify
-- computes them again. No table changes: migrating to this version adds an anchor entry, marked
-- "migration", for every alert and exception the case already holds (store/store.c).

-- version 11
-- The [metadata] table of a rule read from elastic/detection-rules' TOML (maturity, creation and
-- update dates, integration, min_stack_version...), as JSON: shown with the rule, never run.
ALTER TABLE rules ADD COLUMN metadata TEXT;

-- version 12
-- Kibana's own alert documents (triage/kibana.h). rule_name: the name the alert carries
-- (kibana.alert.rule.name, which Kibana sets per alert from rule_name_override or an Endpoint
-- promotion), so that alerts sharing a rule row keep their own; NULL: the rule's. acknowledged_as:
-- how Kibana spelled acknowledged for it ('in-progress', 7.x), written back so. group_id,
-- group_index: kibana.alert.group.*, an EQL sequence's alert and its building blocks (which have
-- an index); group_parent: the sequence alert a building block is shown under.
ALTER TABLE alerts ADD COLUMN rule_name TEXT;
ALTER TABLE alerts ADD COLUMN acknowledged_as TEXT;
ALTER TABLE alerts ADD COLUMN group_id TEXT;
ALTER TABLE alerts ADD COLUMN group_index INTEGER;
ALTER TABLE alerts ADD COLUMN group_parent INTEGER REFERENCES alerts(id);
DROP INDEX alerts_queue;
CREATE INDEX alerts_queue ON alerts(original_time, uuid, workflow_status, severity, risk_score, rule_key,
                                    host_key, event_id, target, rule_name, group_parent);
CREATE INDEX alerts_group ON alerts(group_id) WHERE group_id IS NOT NULL;

-- version 13
-- The ClickHouse cluster the case is attached to (casebook cluster attach): its servers' HTTP
-- URLs, in the order given, so that plain ingest loads into it and plain detect reads from it.
-- Never credentials: they come from the environment or a 0600 file (cluster/http.h).
CREATE TABLE cluster_servers (
  position INTEGER PRIMARY KEY,
  url      TEXT NOT NULL
);

-- version 14
-- The alerts' documents, apart from their rows (as docs is from events), so that what scans the
-- alerts table -- building its indexes after a first detect, the record check on every open, the
-- queue -- reads rows of a few hundred bytes, not each alert's 4 KB document. The anchors hash
-- the same document text: no anchor changes.
CREATE TABLE alert_docs (
  id  INTEGER PRIMARY KEY,              -- = alerts.id
  doc TEXT NOT NULL                     -- the alert as Kibana writes it (JSON)
);
INSERT INTO alert_docs(id, doc) SELECT id, doc FROM alerts;
ALTER TABLE alerts DROP COLUMN doc;
