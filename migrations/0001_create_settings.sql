-- Gateway-wide settings and facts that must survive a restart
-- (e.g. when this data directory was first initialised).
CREATE TABLE settings (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
