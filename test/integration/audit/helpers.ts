import { env } from "cloudflare:test";
import type { SealedEvent } from "../../../src/audit/canonical";
import { capture } from "../../../src/audit/content";
import { ledgerName } from "../../../src/audit/ledger";
import { verifyChain, type VerifyReport } from "../../../src/audit/verify";
import type { EventCompletion } from "../../../src/db/audit-events";

/** The audit ledger and records for tests that drive it directly. */

export const ledger = () => env.AUDIT.get(env.AUDIT.idFromName(ledgerName));

export function started(overrides: Partial<SealedEvent> = {}): SealedEvent {
  return {
    id: crypto.randomUUID(), kind: "request", startedAt: Date.now(), userId: "user-1", keyId: "key-1",
    clientAddress: "10.0.0.7", method: "POST", endpoint: "/api/chat", model: "llama3.2:latest", stream: true,
    captureMode: "full", promptSha256: null, promptBytes: null, status: null, outcome: null, code: null,
    latencyMs: null, ttfbMs: null, promptTokens: null, completionTokens: null, bytesOut: null,
    responseSha256: null, responseBytes: null, finishedAt: null, count: 1, ...overrides,
  };
}

export function finished(overrides: Partial<EventCompletion> = {}): EventCompletion {
  return {
    status: 200, outcome: "ok", code: null, latencyMs: 12, ttfbMs: 3, promptTokens: 5, completionTokens: 7,
    bytesOut: 321, responseSha256: null, responseBytes: null, finishedAt: Date.now(), ...overrides,
  };
}

export async function verifyNow(): Promise<VerifyReport> {
  return verifyChain(env.DB, await ledger().anchor());
}

export async function rowOf(id: string): Promise<Record<string, unknown> | null> {
  return env.DB.prepare("SELECT * FROM audit_events WHERE id = ?").bind(id).first();
}

/** Every audit table's text, for secret scans. */
export async function everyAuditCell(): Promise<string> {
  const tables = ["audit_events", "audit_content", "admin_actions", "audit_chain"];
  const dumps = await Promise.all(tables.map(async (table) => JSON.stringify((await env.DB.prepare(`SELECT * FROM ${table}`).all()).results)));
  return dumps.join("\n");
}

/** Begins a record the way the recorder does: the prompt's hash and length sealed, its text stored. */
export async function begin(prompt: string | null, overrides: Partial<SealedEvent> = {}): Promise<SealedEvent> {
  const captured = await capture(overrides.captureMode ?? "full", prompt);
  const record = started({ promptSha256: captured.sha256, promptBytes: captured.bytes, ...overrides });
  await ledger().begin(record, captured.text);
  return record;
}

export async function complete(record: SealedEvent, response: string | null, overrides: Partial<EventCompletion> = {}): Promise<boolean> {
  const captured = await capture(record.captureMode, response);
  return ledger().complete(record.id, finished({ responseSha256: captured.sha256, responseBytes: captured.bytes, ...overrides }), captured.text);
}
