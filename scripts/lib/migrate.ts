import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Applies migrations/NNNN_verb_noun.sql in order, each once, recording them in
 * the d1_migrations table — the same table and files `wrangler d1 migrations
 * apply` and the tests' applyD1Migrations use, so all three agree.
 */
export async function applyMigrations(db: D1Database, migrationsDir: string): Promise<string[]> {
  await db
    .prepare(
      "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)",
    )
    .run();
  const done = new Set(
    (await db.prepare("SELECT name FROM d1_migrations").all<{ name: string }>()).results.map((row) => row.name),
  );
  const files = (await readdir(migrationsDir)).filter((name) => /^\d{4}_.+\.sql$/.test(name)).sort();
  const applied: string[] = [];
  for (const name of files) {
    if (done.has(name)) continue;
    const sql = await readFile(join(migrationsDir, name), "utf8");
    const statements = splitStatements(sql).map((statement) => db.prepare(statement));
    // One batch is one transaction: a migration lands whole or not at all.
    await db.batch([...statements, db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").bind(name)]);
    applied.push(name);
  }
  return applied;
}

/** Splits a migration into statements; comments dropped, no semicolons inside literals expected. */
export function splitStatements(sql: string): string[] {
  return sql
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("--"))
    .join("\n")
    .split(";")
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}
