import { env } from "cloudflare:test";
import { asSession, seedUser, sessionCookie, unique } from "../identity/helpers";

/** Backends through the admin API as the console calls it, and D1 read for what it must never hold. */

export async function adminCookie(): Promise<string> {
  const admin = await seedUser({ role: "admin" });
  return sessionCookie(admin.username);
}

/** A backend name no other test uses. */
export const backendNameFor = (base: string) => unique(base).toLowerCase();

export function backendBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: backendNameFor("box"), kind: "openai", url: "http://10.0.0.2:8000/v1", boundary: "lan", ...overrides };
}

export interface BackendJson {
  id: string;
  name: string;
  kind: string;
  url: string;
  slots: number;
  priority: number;
  enabled: boolean;
  boundary: string;
  models: string[] | null;
  prices: { inputPerMTok: number; outputPerMTok: number } | null;
  hasCredential: boolean;
  source: string;
}

export async function createBackend(cookie: string, body: Record<string, unknown>): Promise<BackendJson> {
  const response = await asSession(cookie, "POST", "/admin/api/backends", body);
  if (response.status !== 201) throw new Error(`create failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { backend: BackendJson }).backend;
}

/** Every row of every table in D1, as text: a secret must appear nowhere in it. */
export async function everythingInD1(): Promise<string> {
  const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all<{ name: string }>();
  const dumps: string[] = [];
  for (const { name } of tables.results) {
    const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
    dumps.push(JSON.stringify(rows.results));
  }
  return dumps.join("\n");
}
