-- Accounts (people, admins and service accounts) and their API keys.
-- Names and emails are unique regardless of case. Times are ms since the epoch.
CREATE TABLE users (
  id TEXT PRIMARY KEY NOT NULL,
  username TEXT NOT NULL COLLATE NOCASE UNIQUE,
  email TEXT COLLATE NOCASE UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('admin', 'user', 'service')),
  status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'disabled')),
  password_hash TEXT,
  must_change_password INTEGER NOT NULL DEFAULT 0,
  session_version INTEGER NOT NULL DEFAULT 1,
  limits TEXT,
  allow_cloud_models INTEGER NOT NULL DEFAULT 0,
  capture_mode TEXT CHECK (capture_mode IN ('full', 'hash', 'metadata')),
  last_export_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE INDEX users_status ON users (status);

-- Only the SHA-256 of a key's secret is stored; prefix is the public part.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY NOT NULL,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  secret_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  expires_at INTEGER,
  revoked_at INTEGER,
  scope TEXT
);

CREATE INDEX api_keys_prefix ON api_keys (prefix);
CREATE INDEX api_keys_user ON api_keys (user_id);
