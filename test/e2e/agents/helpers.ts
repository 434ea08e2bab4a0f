import type { AdminClient } from "../helpers/accounts";
import type { OllamaSimulator } from "../../fixtures/ollama-sim/server";
import type { SeenRequest } from "../../fixtures/ollama-sim/state";

/** Shared by the coding-agent tests: audit look-ups and what the simulator saw. */

export interface AuditEvent {
  id: string;
  endpoint: string;
  model: string | null;
  requestedModel?: string | null;
  outcome: string | null;
  status: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  finishedAt: number | null;
  responseText?: string | null;
}

export const generous = { rpm: 1000, burst: 1000, concurrency: 10, dailyTokens: null, monthlyTokens: null, models: null };

/** The accounts the SDK tests need: open, qwen-only, one request a minute, a 30-token day. */
export interface AgentAccounts {
  secret: string;
  restricted: string;
  slow: string;
  quota: { userId: string; secret: string };
}

export async function agentAccounts(admin: AdminClient, prefix: string): Promise<AgentAccounts> {
  return {
    secret: (await admin.userWithKey(`${prefix}-user`, { limits: generous })).secret,
    restricted: (await admin.userWithKey(`${prefix}-qwen-only`, { limits: { ...generous, models: ["qwen*"] } })).secret,
    slow: (await admin.userWithKey(`${prefix}-slow`, { limits: { ...generous, rpm: 1, burst: 1 } })).secret,
    quota: await admin.userWithKey(`${prefix}-quota`, { limits: { ...generous, dailyTokens: 30 } }),
  };
}

/** The finished audit record of a request, waiting for its completion (written off the response path). */
export async function finishedEvent(admin: AdminClient, requestId: string, timeoutMs = 15_000): Promise<AuditEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await admin.call("GET", `/admin/api/audit/${encodeURIComponent(requestId)}?reason=agent+test`);
    if (response.ok) {
      const { event } = (await response.json()) as { event: AuditEvent };
      if (event.finishedAt !== null) return event;
    } else {
      await response.body?.cancel();
    }
    if (Date.now() > deadline) throw new Error(`audit record ${requestId} did not finish`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The audit records of one user, newest first, for the given endpoint. */
export async function userEvents(admin: AdminClient, userId: string, endpoint: string): Promise<AuditEvent[]> {
  const { events } = await admin.json<{ events: AuditEvent[] }>("GET", `/admin/api/audit?user=${encodeURIComponent(userId)}&limit=200`);
  return events.filter((event) => event.endpoint === endpoint);
}

/** Waits until a key's owner has at least `tokens` charged today (the charge lands off the response path). */
export async function chargedAtLeast(baseUrl: string, key: string, tokens: number, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const me = (await (await fetch(`${baseUrl}/account/api/me`, { headers: { Authorization: `Bearer ${key}` } })).json()) as { usage: { day: { used: number } } | null };
    const used = me.usage?.day.used ?? 0;
    if (used >= tokens || Date.now() > deadline) return used;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function seenRequests(simulator: OllamaSimulator): Promise<SeenRequest[]> {
  const log = (await (await fetch(`${simulator.url}/__sim/requests`)).json()) as { requests: SeenRequest[] };
  return log.requests;
}

/** Waits until the simulator logged a request to `path` whose client went away early. */
export async function sawClosedEarly(simulator: OllamaSimulator, path: string, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await seenRequests(simulator)).some((seen) => seen.path === path && seen.closedEarly)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/**
 * Calls until the quota refuses one (at most 12 calls): how many were answered,
 * the refusal, and the tokens charged once the answers have settled.
 */
export async function spendQuota(baseUrl: string, key: string, call: () => Promise<unknown>): Promise<{ answered: number; refused: unknown; charged: number }> {
  let refused: unknown;
  let answered = 0;
  for (let i = 0; i < 12 && refused === undefined; i++) {
    await call().then(
      () => void answered++,
      (error: unknown) => void (refused = error),
    );
  }
  return { answered, refused, charged: await chargedAtLeast(baseUrl, key, 30, 3_000) };
}
