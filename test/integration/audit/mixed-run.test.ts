import { env } from "cloudflare:test";
import { beforeEach, expect, test } from "vitest";
import { defaultLimits } from "../../../src/governance/limits";
import { gateway, postJson } from "../helpers/gateway";
import { configureSimulator, resetSimulator } from "../helpers/simulator";
import { seedKey, seedUser } from "../identity/helpers";
import { verifyNow } from "./helpers";

/** A mixed run through the real pipeline: every request id ends up in exactly one finished, sealed record. */

beforeEach(async () => {
  await resetSimulator();
});

const chat = (content: string, stream = false) => ({ model: "llama3.2:latest", messages: [{ role: "user", content }], stream });

async function settledRow(id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 300; i++) {
    const rows = (await env.DB.prepare("SELECT * FROM audit_events WHERE id = ?").bind(id).all<Record<string, unknown>>()).results;
    if (rows.length > 1) throw new Error(`${rows.length} records for ${id}`);
    if (rows[0]?.sealed_seq != null) return rows[0];
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no sealed record for ${id}`);
}

test("successes, refusals, aborts and upstream errors: one record per request id", { timeout: 30_000 }, async () => {
  const user = await seedUser({ limits: JSON.stringify({ ...defaultLimits, rpm: 1, burst: 6 }) });
  const auth = { Authorization: `Bearer ${(await seedKey(user.id)).secret}` };
  const expected = new Map<string, string>();

  for (let i = 0; i < 3; i++) {
    const ok = await postJson("/api/chat", chat(`ok ${i}`, i % 2 === 0), auth);
    await ok.arrayBuffer();
    expected.set(ok.headers.get("x-request-id")!, "ok");
  }

  await configureSimulator({ status: 500, errorBody: { error: "model crashed" } });
  const failed = await postJson("/api/chat", chat("fail"), auth);
  await failed.arrayBuffer();
  expected.set(failed.headers.get("x-request-id")!, "upstream_error");
  await resetSimulator();

  await configureSimulator({ chunkDelayMs: 50, chunkCount: 40 });
  const controller = new AbortController();
  const aborted = await gateway("/api/chat", { method: "POST", headers: { "Content-Type": "application/json", ...auth }, body: JSON.stringify(chat("abort me", true)), signal: controller.signal });
  const reader = aborted.body!.getReader();
  await reader.read();
  controller.abort();
  await reader.cancel().catch(() => {});
  expected.set(aborted.headers.get("x-request-id")!, "client_aborted");
  await resetSimulator();

  // The burst of 6 (refilled at one a minute, so a slow machine cannot refill it meanwhile)
  // is spent: the next ones are refused, each recorded once.
  for (let i = 0; i < 3; i++) {
    const refused = await postJson("/api/chat", chat(`refused ${i}`), auth);
    await refused.arrayBuffer();
    expected.set(refused.headers.get("x-request-id")!, refused.status === 429 ? "rate_limited" : "ok");
  }
  expect([...expected.values()].filter((outcome) => outcome === "rate_limited").length).toBeGreaterThan(0);

  for (const [id, outcome] of expected) expect({ id, outcome: (await settledRow(id)).outcome }).toEqual({ id, outcome });
  const forUser = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_events WHERE user_id = ?").bind(user.id).first<{ n: number }>();
  expect(forUser?.n).toBe(expected.size);
  expect(await verifyNow()).toMatchObject({ ok: true });
});
