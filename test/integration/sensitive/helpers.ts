import { env } from "cloudflare:test";
import { contentOf, type EventText } from "../../../src/db/audit-content";
import { openTexts } from "../../../src/sensitive/erasure";
import { rowOf } from "../audit/helpers";
import { simulatorLog } from "../helpers/simulator";
import { seedKey, seedUser } from "../identity/helpers";

/** Planted values: one per category family, checked for everywhere the gateway stores things. */
export const planted = {
  email: "planted.person@example.org",
  card: "4111 1111 1111 1111",
  iban: "DE89370400440532013000",
  phone: "+44 20 7946 0958",
  aws: "AKIAIOSFODNN7EXAMPLE",
};
export const plantedText = `Contact ${planted.email}, card ${planted.card}, IBAN ${planted.iban}, call ${planted.phone}, key ${planted.aws}.`;

/** The forms a value could be stored in (as typed, and without its spaces). */
export function plantedForms(): string[] {
  return Object.values(planted).flatMap((value) => [value, value.replace(/\s/g, "")]);
}

export async function setPolicy(scope: "global" | "user" | "key", subjectId: string, category: string, action: "observe" | "redact" | "block"): Promise<void> {
  await env.DB.prepare("INSERT OR REPLACE INTO sensitive_policies (scope, subject_id, category, action, updated_at) VALUES (?, ?, ?, ?, ?)")
    .bind(scope, subjectId, category, action, Date.now())
    .run();
}

export async function clearPolicies(): Promise<void> {
  await env.DB.batch([env.DB.prepare("DELETE FROM sensitive_policies"), env.DB.prepare("DELETE FROM sensitive_patterns")]);
}

/** Waits for the settlement: the record sealed and the findings of prompt and answer written. */
export async function settled(id: string, expectRecord = true): Promise<{ findings: Record<string, unknown>[] }> {
  for (let i = 0; i < 300; i++) {
    const row = expectRecord ? await rowOf(id) : { sealed_seq: 1 };
    const findings = (await env.DB.prepare("SELECT * FROM sensitive_findings WHERE request_id = ? ORDER BY id").bind(id).all()).results;
    if (row && row.sealed_seq !== null && findings.length > 0) return { findings };
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`request ${id} never settled`);
}

/** Every cell of every table, for leak scans. */
export async function everyCell(): Promise<string> {
  const tables = (await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'sqlite_%'").all<{ name: string }>()).results;
  const dumps = await Promise.all(tables.map(async ({ name }) => JSON.stringify((await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results)));
  return dumps.join("\n");
}

/** The stored text of these records as an admin reads it: fetched and decrypted with each owner's key. */
export async function readableContentOf(ids: string[]): Promise<Map<string, EventText>> {
  const texts = await contentOf(env.DB, ids);
  const events = await Promise.all(ids.map(async (id) => ({ id, userId: ((await rowOf(id))?.user_id as string | null) ?? null })));
  await openTexts(env.DB, env.SESSION_SECRET, events, texts);
  return texts;
}

/** A user with one key. */
export async function userWithKey() {
  const user = await seedUser();
  return { user, key: await seedKey(user.id) };
}

/** Every body the simulator was sent, as one string to search. */
export const forwardedBodies = async () => JSON.stringify((await simulatorLog()).requests.map((r) => r.body));
