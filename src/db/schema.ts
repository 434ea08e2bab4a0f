import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { backendKinds, dataBoundaries } from "../backends/types";
import { accountStatuses, captureModes, roles } from "../vocabulary";

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
  role: text("role", { enum: roles }).notNull(),
  status: text("status", { enum: accountStatuses }).notNull(),
  passwordHash: text("password_hash"),
  mustChangePassword: integer("must_change_password", { mode: "boolean" }).notNull().default(false),
  sessionVersion: integer("session_version").notNull().default(1),
  limits: text("limits"),
  allowCloudModels: integer("allow_cloud_models", { mode: "boolean" }).notNull().default(false),
  /** JSON array of data boundaries (src/backends/types.ts); NULL = from allowCloudModels (migrations/0018). */
  boundaries: text("boundaries"),
  captureMode: text("capture_mode", { enum: captureModes }),
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

/**
 * The audit trail (migrations/0003_create_audit.sql, src/audit/). One row per
 * request id, per refused authenticated request, or per address/minute/code
 * for unauthenticated refusals (kind "refusals", with a count). Prompt and
 * response text live in auditContent; here only their SHA-256 and length.
 * sealedSeq points into auditChain once the finished row is sealed.
 */
export const auditEvents = sqliteTable("audit_events", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  id: text("id").notNull().unique(),
  kind: text("kind", { enum: ["request", "refusal", "refusals"] }).notNull(),
  startedAt: integer("started_at").notNull(),
  userId: text("user_id"),
  keyId: text("key_id"),
  clientAddress: text("client_address").notNull(),
  method: text("method").notNull(),
  endpoint: text("endpoint").notNull(),
  model: text("model"),
  stream: integer("stream", { mode: "boolean" }).notNull().default(false),
  captureMode: text("capture_mode", { enum: captureModes }).notNull(),
  promptSha256: text("prompt_sha256"),
  promptBytes: integer("prompt_bytes"),
  status: integer("status"),
  outcome: text("outcome"),
  code: text("code"),
  latencyMs: integer("latency_ms"),
  ttfbMs: integer("ttfb_ms"),
  promptTokens: integer("prompt_tokens"),
  completionTokens: integer("completion_tokens"),
  /** The two counts above are Gatehouse's estimate: the engine never sent its own (migrations/0005). */
  tokensEstimated: integer("tokens_estimated", { mode: "boolean" }).notNull().default(false),
  bytesOut: integer("bytes_out"),
  responseSha256: text("response_sha256"),
  responseBytes: integer("response_bytes"),
  finishedAt: integer("finished_at"),
  count: integer("count").notNull().default(1),
  sealedSeq: integer("sealed_seq"),
  /** The name asked for when an alias mapped it to `model` (migrations/0004_add_requested_model.sql). */
  requestedModel: text("requested_model"),
  /** The backend that answered, the model it served, the backends tried first (JSON), the cost in micro-dollars (migrations/0018). */
  backend: text("backend"),
  servedModel: text("served_model"),
  failover: text("failover"),
  costMicros: integer("cost_micros"),
  /** A 422 sensitive_data_blocked refusal: the categories it named, never a value (migrations/0024). */
  blockedCategories: text("blocked_categories"),
});

/** Prompt/response text in pieces that fit hosted D1's 1 MB row limit. */
export const auditContent = sqliteTable(
  "audit_content",
  {
    eventId: text("event_id").notNull(),
    part: text("part", { enum: ["prompt", "response"] }).notNull(),
    chunk: integer("chunk").notNull(),
    body: text("body").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.eventId, table.part, table.chunk] })],
);

/** What administrators did to whom; detail is JSON of non-secret facts. */
export const adminActions = sqliteTable("admin_actions", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  id: text("id").notNull().unique(),
  at: integer("at").notNull(),
  actorUserId: text("actor_user_id"),
  action: text("action").notNull(),
  targetUserId: text("target_user_id"),
  requestId: text("request_id"),
  detail: text("detail"),
});

/** The hash chain over auditEvents and adminActions, in sealing order (src/audit/chain.ts). */
export const auditChain = sqliteTable("audit_chain", {
  seq: integer("seq").primaryKey(),
  recordKind: text("record_kind", { enum: ["event", "admin"] }).notNull(),
  recordId: text("record_id").notNull(),
  contentHash: text("content_hash").notNull(),
  prevHash: text("prev_hash").notNull(),
  hash: text("hash").notNull(),
  sealedAt: integer("sealed_at").notNull(),
});

/**
 * The backend catalog (migrations/0018_create_backends.sql, src/backends/).
 * The built-in `local` backend (GATEHOUSE_OLLAMA) is not a row.
 */
export const backends = sqliteTable("backends", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  kind: text("kind", { enum: backendKinds }).notNull(),
  url: text("url").notNull(),
  /** AES-GCM ciphertext under a key that is not in D1 (src/backends/); never listed. */
  credentialCiphertext: text("credential_ciphertext"),
  slots: integer("slots").notNull().default(1),
  priority: integer("priority").notNull().default(0),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  boundary: text("boundary", { enum: dataBoundaries }).notNull(),
  /** JSON array: a fixed model list; NULL = discovered. */
  models: text("models"),
  /** JSON {"inputPerMTok","outputPerMTok"} in dollars; NULL = free. */
  prices: text("prices"),
  source: text("source", { enum: ["api", "file"] }).notNull().default("api"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

// Sensitive data (issue 17): its tables are in ./sensitive-schema.ts, which
// references `users` here; a re-export from this file would make the two
// import each other.
