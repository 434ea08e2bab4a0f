import { env } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { bumpCatalogEpoch } from "../../../src/backends/catalog-epoch";
import { sealCredential } from "../../../src/backends/credential-seal";
import type { BackendKind, BackendPrices, DataBoundary } from "../../../src/backends/types";
import { backends } from "../../../src/db/schema";
import type { SimulatorLog } from "../../fixtures/ollama-sim/state";

/**
 * The catalog for routing tests, written straight into D1 (the admin API has
 * its own tests) with the epoch bumped as the admin API bumps it, and the
 * simulators behind it: `local` (GATEHOUSE_OLLAMA), a second box and a
 * sentinel, reached for control the way the gateway reaches them.
 */

export interface BackendFields {
  name: string;
  kind?: BackendKind;
  url: string;
  credential?: string;
  slots?: number;
  priority?: number;
  enabled?: boolean;
  boundary?: DataBoundary;
  models?: string[] | null;
  prices?: BackendPrices | null;
}

export async function addBackend(fields: BackendFields): Promise<void> {
  const now = Date.now();
  await drizzle(env.DB).insert(backends).values({
    id: crypto.randomUUID(), name: fields.name, kind: fields.kind ?? "ollama", url: fields.url,
    credentialCiphertext: fields.credential === undefined ? null : await sealCredential(env.SESSION_SECRET, fields.credential),
    slots: fields.slots ?? 1, priority: fields.priority ?? 0, enabled: fields.enabled ?? true, boundary: fields.boundary ?? "local",
    models: fields.models ? JSON.stringify(fields.models) : null, prices: fields.prices ? JSON.stringify(fields.prices) : null,
    source: "api", createdAt: now, updatedAt: now,
  });
  bumpCatalogEpoch();
}

export async function clearBackends(): Promise<void> {
  await env.DB.prepare("DELETE FROM backends").run();
  bumpCatalogEpoch();
}

export const secondBox = () => env.TEST_SECOND_BOX;
export const sentinel = () => env.TEST_SENTINEL;

/** Control of one simulator by its host:port. */
export function sim(address: string) {
  const call = (path: string, init?: RequestInit) => (address === env.GATEHOUSE_OLLAMA ? env.OLLAMA : env.ENGINES).fetch(`http://${address}${path}`, init);
  return {
    async reset(): Promise<void> {
      await (await call("/__sim/reset", { method: "POST" })).body?.cancel();
    },
    async configure(config: Record<string, unknown>): Promise<void> {
      const response = await call("/__sim/config", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(config) });
      if (!response.ok) throw new Error(`simulator config failed: ${await response.text()}`);
    },
    async log(): Promise<SimulatorLog> {
      return (await call("/__sim/requests")).json<SimulatorLog>();
    },
  };
}

export const local = () => sim(env.GATEHOUSE_OLLAMA!);
export const box = () => sim(secondBox());
export const sentinelSim = () => sim(sentinel());

/** Completion runs in waitUntil after the answer: wait for the record to be finished and sealed. */
export async function finishedRecord(id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 300; i++) {
    const row = await env.DB.prepare("SELECT * FROM audit_events WHERE id = ?").bind(id).first<Record<string, unknown>>();
    if (row && row.finished_at !== null && row.sealed_seq !== null) return row;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`record ${id} never finished`);
}

export const chat = (model: string, content = "hello there", stream = false) => ({ model, messages: [{ role: "user", content }], stream });
export const bearer = (secret: string) => ({ Authorization: `Bearer ${secret}`, "CF-Connecting-IP": "10.9.8.7" });

/** Adds a model to one simulator's catalogue (gone again at its reset). */
export async function addSimModel(address: string, name: string, remote?: { host: string }): Promise<void> {
  const fetcher = address === env.GATEHOUSE_OLLAMA ? env.OLLAMA : env.ENGINES;
  const response = await fetcher.fetch(`http://${address}/__sim/models`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name, remote }) });
  await response.body?.cancel();
}
