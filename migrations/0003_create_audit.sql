-- The audit trail (src/audit/). Times are ms since the epoch.
--
-- audit_events: one row per request id (kind 'request': written before the
-- request is forwarded, completed when its answer ends), per refused
-- authenticated request (kind 'refusal'), or per address, minute and code for
-- unauthenticated refusals (kind 'refusals', count grows until the minute ends).
-- No secret is ever stored: no header, no credential, no username typed at a
-- failed sign-in. Prompt and response text live in audit_content; here only
-- their SHA-256 and UTF-8 length (per capture mode), which the hash chain covers.
CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('request', 'refusal', 'refusals')),
  started_at INTEGER NOT NULL,
  user_id TEXT,
  key_id TEXT,
  client_address TEXT NOT NULL,
  method TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  model TEXT,
  stream INTEGER NOT NULL DEFAULT 0,
  capture_mode TEXT NOT NULL CHECK (capture_mode IN ('full', 'hash', 'metadata')),
  prompt_sha256 TEXT,
  prompt_bytes INTEGER,
  status INTEGER,
  outcome TEXT,
  code TEXT,
  latency_ms INTEGER,
  ttfb_ms INTEGER,
  prompt_tokens INTEGER,
  completion_tokens INTEGER,
  bytes_out INTEGER,
  response_sha256 TEXT,
  response_bytes INTEGER,
  finished_at INTEGER,
  count INTEGER NOT NULL DEFAULT 1,
  -- Set when the finished record is sealed into audit_chain; not part of the sealed content.
  sealed_seq INTEGER
);

CREATE INDEX audit_events_started ON audit_events (started_at);
CREATE INDEX audit_events_user ON audit_events (user_id, seq);
CREATE INDEX audit_events_unfinished ON audit_events (started_at) WHERE finished_at IS NULL;
CREATE INDEX audit_events_unsealed ON audit_events (finished_at) WHERE sealed_seq IS NULL;

-- Prompt and response text in pieces small enough for hosted D1's 1 MB row
-- limit. Retention and user deletion delete rows here; the chain keeps verifying
-- because it covers the content's hash, kept in audit_events.
CREATE TABLE audit_content (
  event_id TEXT NOT NULL,
  part TEXT NOT NULL CHECK (part IN ('prompt', 'response')),
  chunk INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (event_id, part, chunk)
);

CREATE INDEX audit_content_created ON audit_content (created_at);

-- What administrators did to whom. detail is JSON of non-secret facts.
CREATE TABLE admin_actions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  at INTEGER NOT NULL,
  actor_user_id TEXT,
  action TEXT NOT NULL,
  target_user_id TEXT,
  request_id TEXT,
  detail TEXT
);

CREATE INDEX admin_actions_target ON admin_actions (target_user_id, seq);

-- The hash chain over audit_events and admin_actions, in sealing order.
-- hash = SHA-256 of the canonical link (seq, prev_hash, content_hash), where
-- content_hash is the SHA-256 of the record's canonical encoding
-- (src/audit/canonical.ts). seq is the primary key, so two sealers can never
-- fork the chain: the second one's batch fails and is retried.
CREATE TABLE audit_chain (
  seq INTEGER PRIMARY KEY NOT NULL,
  record_kind TEXT NOT NULL CHECK (record_kind IN ('event', 'admin')),
  record_id TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  sealed_at INTEGER NOT NULL
);

CREATE UNIQUE INDEX audit_chain_record ON audit_chain (record_kind, record_id);
