-- Sensitive data (src/sensitive/). Times are ms since the epoch.
--
-- sensitive_findings: what the detectors found in one request's prompt or
-- answer, one row per category and keyed fingerprint (HMAC-SHA256 with a key
-- derived from the session secret, which is not in D1), with how many times
-- it occurred and what the policy did. Never the matched value. Injection
-- signals are rows with category 'injection:<signal>' and no fingerprint.
CREATE TABLE sensitive_findings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  user_id TEXT,
  key_id TEXT,
  model TEXT,
  location TEXT NOT NULL CHECK (location IN ('prompt', 'answer')),
  category TEXT NOT NULL,
  fingerprint TEXT,
  count INTEGER NOT NULL DEFAULT 1,
  action TEXT NOT NULL CHECK (action IN ('observe', 'redact', 'block', 'signal'))
);

CREATE INDEX sensitive_findings_request ON sensitive_findings (request_id);
CREATE INDEX sensitive_findings_at ON sensitive_findings (at);
CREATE INDEX sensitive_findings_user ON sensitive_findings (user_id, at);

-- Policy per category: global (subject_id ''), per user, narrowed per key
-- (a key's action only ever tightens its user's).
CREATE TABLE sensitive_policies (
  scope TEXT NOT NULL CHECK (scope IN ('global', 'user', 'key')),
  subject_id TEXT NOT NULL,
  category TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('observe', 'redact', 'block')),
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (scope, subject_id, category)
);

-- Admin-defined patterns, checked against catastrophic backtracking when written.
CREATE TABLE sensitive_patterns (
  name TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  case_insensitive INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);

-- Erasure by key: each user's captured text is encrypted (AES-256-GCM) under
-- a key of their own, stored here wrapped (AES-KW) by a key derived from the
-- session secret, which is not in D1. Deleting the user deletes this row
-- (ON DELETE CASCADE): their ciphertext, wherever a copy survives, is then
-- unreadable, while the chain — which seals the ciphertext's hash — verifies.
CREATE TABLE user_content_keys (
  user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  wrapped TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

-- The shadow guard model's verdicts (off by default), one per request, with
-- whether they disagree with the regex findings and an admin's label.
CREATE TABLE guard_verdicts (
  request_id TEXT PRIMARY KEY,
  at INTEGER NOT NULL,
  user_id TEXT,
  model TEXT NOT NULL,
  verdict TEXT NOT NULL CHECK (verdict IN ('safe', 'unsafe', 'invalid', 'timeout', 'error', 'skipped')),
  categories TEXT,
  regex_flagged INTEGER NOT NULL DEFAULT 0,
  disagreement INTEGER NOT NULL DEFAULT 0,
  label TEXT CHECK (label IN ('safe', 'unsafe')),
  label_categories TEXT,
  labelled_by TEXT,
  labelled_at INTEGER
);

CREATE INDEX guard_verdicts_disagreement ON guard_verdicts (disagreement, at);
