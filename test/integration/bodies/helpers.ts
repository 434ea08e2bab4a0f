import { env } from "cloudflare:test";
import { gateway } from "../helpers/gateway";
import { rowOf } from "../audit/helpers";
import { seedKey, seedUser } from "../identity/helpers";

/** Keys and calls for the body tests: raw text bodies, so tests control every byte. */

export const limits = (models: string[] | null) =>
  JSON.stringify({ rpm: 10_000, burst: 10_000, concurrency: 50, dailyTokens: null, monthlyTokens: null, models });

export async function keyFor(models: string[] | null = null): Promise<string> {
  return (await seedKey((await seedUser({ limits: limits(models) })).id)).secret;
}

export async function userFor(models: string[] | null = null): Promise<{ id: string; username: string; secret: string }> {
  const user = await seedUser({ limits: limits(models) });
  return { id: user.id, username: user.username, secret: (await seedKey(user.id)).secret };
}

/** POSTs `text` exactly as given. */
export function postText(path: string, text: string | Uint8Array, key?: string): Promise<Response> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (key) headers.Authorization = `Bearer ${key}`;
  return gateway(path, { method: "POST", headers, body: text });
}

/** Completion runs in waitUntil after the answer: wait for the record to be finished. */
export async function finishedRecord(id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 300; i++) {
    const row = await rowOf(id);
    if (row && row.finished_at !== null) return row;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`record ${id} never finished`);
}

export const decodeBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

export { env };
