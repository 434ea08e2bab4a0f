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
