import { env } from "cloudflare:test";
import { getTableConfig, type SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, test } from "vitest";
import * as coreSchema from "../../src/db/schema";
import * as sensitiveSchema from "../../src/db/sensitive-schema";

const schema = { ...coreSchema, ...sensitiveSchema };

/**
 * The drizzle schema (what the code queries) and migrations/ (what the
 * database has) must agree: every table and column the code names exists,
 * with the same nullability, after the migrations are applied.
 */
const tables: SQLiteTable[] = (Object.values(schema) as unknown[]).filter(
  (value): value is SQLiteTable => typeof value === "object" && value !== null && Symbol.for("drizzle:IsDrizzleTable") in value,
);

interface ColumnInfo {
  name: string;
  notnull: number;
  pk: number;
}

describe("drizzle schema and migrations agree", () => {
  test("the schema declares tables", () => {
    expect(tables.length).toBeGreaterThanOrEqual(5);
  });

  test.each(tables.map((table) => [getTableConfig(table).name, table] as const))("%s", async (name, table) => {
    const { results } = await env.DB.prepare(`PRAGMA table_info(${JSON.stringify(name)})`).all<ColumnInfo>();
    expect(results.length, `table ${name} is missing from the migrations`).toBeGreaterThan(0);
    const inDatabase = new Map(results.map((column) => [column.name, column]));
    for (const column of getTableConfig(table).columns) {
      const actual = inDatabase.get(column.name);
      expect(actual, `${name}.${column.name} is missing from the migrations`).toBeDefined();
      // A primary key is implicitly NOT NULL for the code's purposes.
      const notNull = actual!.notnull === 1 || actual!.pk > 0;
      expect(notNull, `${name}.${column.name} nullability differs`).toBe(column.notNull || column.primary);
    }
  });
});
