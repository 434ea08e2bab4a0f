import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { policyActions } from "../sensitive/categories";
import { users } from "./schema";

/**
 * Sensitive-data tables (migrations/0017_create_sensitive_findings.sql).
 * Findings hold a category and a keyed fingerprint, never the matched value.
 */

export const findingLocations = ["prompt", "answer"] as const;
export const findingActions = [...policyActions, "signal"] as const;
export const policyScopes = ["global", "user", "key"] as const;

export const sensitiveFindings = sqliteTable("sensitive_findings", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  requestId: text("request_id").notNull(),
  at: integer("at").notNull(),
  userId: text("user_id"),
  keyId: text("key_id"),
  model: text("model"),
  location: text("location", { enum: findingLocations }).notNull(),
  category: text("category").notNull(),
  fingerprint: text("fingerprint"),
  count: integer("count").notNull().default(1),
  action: text("action", { enum: findingActions }).notNull(),
});

export const sensitivePolicies = sqliteTable(
  "sensitive_policies",
  {
    scope: text("scope", { enum: policyScopes }).notNull(),
    subjectId: text("subject_id").notNull(),
    category: text("category").notNull(),
    action: text("action", { enum: policyActions }).notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.scope, table.subjectId, table.category] })],
);

export const sensitivePatterns = sqliteTable("sensitive_patterns", {
  name: text("name").primaryKey(),
  source: text("source").notNull(),
  caseInsensitive: integer("case_insensitive", { mode: "boolean" }).notNull().default(false),
  createdAt: integer("created_at").notNull(),
});

/** Per-user content keys, wrapped; deleting the user deletes the key (erasure by key). */
export const userContentKeys = sqliteTable("user_content_keys", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  wrapped: text("wrapped").notNull(),
  createdAt: integer("created_at").notNull(),
});

export const guardOutcomes = ["safe", "unsafe", "invalid", "timeout", "error", "skipped"] as const;

/** The shadow guard model's verdicts and admins' labels. */
export const guardVerdicts = sqliteTable("guard_verdicts", {
  requestId: text("request_id").primaryKey(),
  at: integer("at").notNull(),
  userId: text("user_id"),
  model: text("model").notNull(),
  verdict: text("verdict", { enum: guardOutcomes }).notNull(),
  categories: text("categories"),
  regexFlagged: integer("regex_flagged", { mode: "boolean" }).notNull().default(false),
  disagreement: integer("disagreement", { mode: "boolean" }).notNull().default(false),
  label: text("label", { enum: ["safe", "unsafe"] }),
  labelCategories: text("label_categories"),
  labelledBy: text("labelled_by"),
  labelledAt: integer("labelled_at"),
});
