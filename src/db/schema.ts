import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The D1 schema, table by table. migrations/ holds the SQL that creates it;
 * the two must agree (test/integration/schema.test.ts checks they do).
 */

export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  /** Milliseconds since the epoch. */
  updatedAt: integer("updated_at").notNull(),
});

/**
 * People and pipelines (migrations/0002_create_users_and_keys.sql).
 * username and email compare case-insensitively (COLLATE NOCASE in the SQL).
 * password_hash is self-describing (`pbkdf2-sha256$<iterations>$<salt>$<hash>`)
 * and NULL for service accounts, which sign in with keys only.
 * limits is JSON matching limitsSchema (src/governance/limits.ts), NULL = defaults.
 * session_version is in every session JWT; bumping it revokes them all.
 */
export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  username: text("username").notNull().unique(),
  email: text("email").unique(),
  role: text("role", { enum: ["admin", "user", "service"] }).notNull(),
  status: text("status", { enum: ["pending", "active", "disabled"] }).notNull(),
  passwordHash: text("password_hash"),
  mustChangePassword: integer("must_change_password", { mode: "boolean" }).notNull().default(false),
  sessionVersion: integer("session_version").notNull().default(1),
  limits: text("limits"),
  allowCloudModels: integer("allow_cloud_models", { mode: "boolean" }).notNull().default(false),
  captureMode: text("capture_mode", { enum: ["full", "hash", "metadata"] }),
  lastExportAt: integer("last_export_at"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * API keys. The secret (`gh_<prefix>_<random>`) is shown once and never
 * stored: only its SHA-256 (hex). prefix is public and indexed, so a lookup
 * finds the row by prefix and compares the hash in constant time.
 * scope is JSON matching keyScopeSchema (src/auth/key-scope.ts), NULL = the owner's rights.
 */
export const apiKeys = sqliteTable("api_keys", {
  id: text("id").primaryKey(),
  userId: text("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  name: text("name").notNull(),
  prefix: text("prefix").notNull(),
  secretHash: text("secret_hash").notNull().unique(),
  createdAt: integer("created_at").notNull(),
  lastUsedAt: integer("last_used_at"),
  expiresAt: integer("expires_at"),
  revokedAt: integer("revoked_at"),
  scope: text("scope"),
});
