-- Many engines behind one gate (issue 16).
--
-- backends: the catalog admins manage (admin API, CLI, console) or declare in
-- a file read at start (source = 'file'). The built-in backend `local` (the
-- upstream named by GATEHOUSE_OLLAMA) is not a row: it always exists.
-- credential_ciphertext is the provider credential encrypted (AES-GCM) under
-- a key that is not in D1; never listed, logged or exported.
-- models: JSON array of a fixed model list; NULL = discovered from the engine.
-- prices: JSON {"inputPerMTok","outputPerMTok"} in US dollars; NULL = free.
CREATE TABLE backends (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  kind TEXT NOT NULL CHECK (kind IN ('ollama', 'openai', 'anthropic')),
  url TEXT NOT NULL,
  credential_ciphertext TEXT,
  slots INTEGER NOT NULL DEFAULT 1,
  priority INTEGER NOT NULL DEFAULT 0,
  enabled INTEGER NOT NULL DEFAULT 1,
  boundary TEXT NOT NULL CHECK (boundary IN ('local', 'lan', 'cloud')),
  models TEXT,
  prices TEXT,
  source TEXT NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'file')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Data boundaries a user may cross: JSON array of 'local' | 'lan' | 'cloud'.
-- NULL = derived from allow_cloud_models (["local"], plus "cloud" when set),
-- so installs that never touch the setting behave as before.
ALTER TABLE users ADD COLUMN boundaries TEXT;

-- Which backend answered, the model it served, the backends tried before it
-- (JSON array of names, NULL when none), and the cost in micro-dollars
-- (NULL when the backend has no prices). Covered by the hash chain when set.
ALTER TABLE audit_events ADD COLUMN backend TEXT;
ALTER TABLE audit_events ADD COLUMN served_model TEXT;
ALTER TABLE audit_events ADD COLUMN failover TEXT;
ALTER TABLE audit_events ADD COLUMN cost_micros INTEGER;
