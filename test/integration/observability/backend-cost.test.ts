import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { scrapeLocally } from "./helpers";

// Rows written straight into D1 (their own file: the ledger would call them a rewrite, which no other test here minds).
async function costRow(backend: string | null, costMicros: number | null): Promise<void> {
  await env.DB.prepare(
    "INSERT INTO audit_events (id, kind, started_at, client_address, method, endpoint, capture_mode, status, outcome, backend, cost_micros) VALUES (?, 'request', 1, '10.0.0.1', 'POST', '/api/chat', 'metadata', 200, 'ok', ?, ?)",
  ).bind(crypto.randomUUID(), backend, costMicros).run();
}

test("gatehouse_cost_usd_total sums the audit rows' cost per backend; unpriced rows add nothing", async () => {
  await costRow("cloud-a", 1_250_000);
  await costRow("cloud-a", 250_000);
  await costRow("cloud-b", 40);
  await costRow("box-a", null);
  const metrics = await scrapeLocally();
  expect(metrics.types.get("gatehouse_cost_usd_total")).toBe("counter");
  expect(metrics.value("gatehouse_cost_usd_total", { backend: "cloud-a" })).toBeCloseTo(1.5, 9);
  expect(metrics.value("gatehouse_cost_usd_total", { backend: "cloud-b" })).toBeCloseTo(0.00004, 9);
  expect(metrics.has("gatehouse_cost_usd_total", { backend: "box-a" })).toBe(false);
  // The sum reads the partial index, not the whole audit trail.
  const plan = await env.DB.prepare(
    "EXPLAIN QUERY PLAN SELECT backend, sum(cost_micros) FROM audit_events WHERE cost_micros IS NOT NULL GROUP BY backend",
  ).all<{ detail: string }>();
  expect(plan.results.map((row) => row.detail).join(" ")).toContain("audit_events_cost");
});
