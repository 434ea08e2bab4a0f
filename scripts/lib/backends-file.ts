import { readFile } from "node:fs/promises";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { backendCredential, backendFields, type NewBackendInput } from "../../src/backends/backend-input";
import { newBackendRow } from "../../src/backends/backend-changes";
import { fileSyncStatements } from "../../src/db/backend-writes";
import { ConfigError } from "../../src/config";

/**
 * GATEHOUSE_BACKENDS_FILE: the backend catalog as configuration as code, read
 * at every start (scripts/lib/prepare.ts, npm start and the unit's
 * ExecStartPre) before workerd opens its socket. A JSON array of backends in
 * the admin API's shape, except that a credential is named, not written:
 * `"credentialEnv": "OPENAI_API_KEY"` reads it from the environment (the
 * unit's EnvironmentFile), so the file holds no secret and can be checked in.
 * The file's backends become rows with source 'file' (read-only through the
 * admin API); those no longer declared are removed (all of them when the
 * variable is unset: the admin API cannot remove them). Anything wrong stops the
 * start with a message naming the entry and field (fail closed): a catalog
 * half applied could route prompts where nobody meant them to go.
 */

export const backendsFileVariable = "GATEHOUSE_BACKENDS_FILE";

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "an environment variable name");
const fileEntry = z.strictObject({ ...backendFields, credentialEnv: envName.optional() });
const fileSchema = z
  .array(fileEntry)
  .max(1000)
  .refine((entries) => new Set(entries.map((entry) => entry.name)).size === entries.length, "each name once");

type FileEntry = z.infer<typeof fileEntry>;

const fail = (path: string, detail: string) => new ConfigError(backendsFileVariable, `${path}: ${detail}`);

/** The file's backends, checked, with their credentials read from the environment. Never echoes a value. */
export async function readBackendsFile(path: string, environment: NodeJS.ProcessEnv): Promise<NewBackendInput[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw fail(path, `cannot read it (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw fail(path, "not valid JSON");
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `entry ${issue.path.join(".")}` : "the list";
    throw fail(path, `${where}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data.map((entry, index) => withCredential(path, entry, index, environment));
}

function withCredential(path: string, entry: FileEntry, index: number, environment: NodeJS.ProcessEnv): NewBackendInput {
  const { credentialEnv, ...fields } = entry;
  if (credentialEnv === undefined) return fields;
  const value = environment[credentialEnv];
  if (value === undefined || value === "") throw fail(path, `entry ${index}.credentialEnv: ${credentialEnv} is not set`);
  if (!backendCredential.safeParse(value).success) throw fail(path, `entry ${index}.credentialEnv: ${credentialEnv} is not printable ASCII without leading or trailing spaces`);
  return { ...fields, credential: value };
}

export interface BackendsSync {
  declared: string[];
  added: string[];
  removed: string[];
}

/** Makes the catalog's file rows what the file declares, in one transaction. */
export async function syncBackendsFile(db: D1Database, declared: readonly NewBackendInput[], sessionSecret: string, now = Date.now()): Promise<BackendsSync> {
  const before = await db.prepare("SELECT name, source FROM backends").all<{ name: string; source: string }>();
  const rows = await Promise.all(declared.map((input) => newBackendRow(sessionSecret, input, "file")));
  const [first, ...rest] = fileSyncStatements(drizzle(db), rows, now);
  await drizzle(db).batch([first, ...rest]);
  const names = new Set(rows.map((row) => row.name));
  const fileRowsBefore = before.results.filter((row) => row.source === "file").map((row) => row.name);
  return {
    declared: [...names],
    added: [...names].filter((name) => !fileRowsBefore.includes(name)),
    removed: fileRowsBefore.filter((name) => !names.has(name)),
  };
}
