import { buildCatalog, localBackend, type RuntimeBackend } from "../../src/backends/catalog";
import { localRoute, routeModel } from "../../src/backends/routing";
import type { StoredBackend } from "../../src/db/backends";
import { parseConfig } from "../../src/config";
import { routeTable } from "../../src/inference/route-table";
import { exchangeFor } from "../../src/translate/exchange";

/**
 * What routing adds to a governed request (issue 16's budget: ≤ 0.2 ms),
 * measured in-process on the same V8 the worker runs: the routing step's own
 * work for one chat, after the catalog is cached (it is read from D1 only
 * when it changes) and discovery has answered (kept 60 s). Two shapes:
 * an install with no catalog (everything to `local`, as before) and a
 * catalog of three more backends of every kind, where the model is served
 * by three candidates and each non-Ollama candidate's kind is checked
 * against the route (and the body translated once for that check).
 */

const iterations = 20_000;
const chatRoute = routeTable.find((route) => route.path === "/api/chat")!;
const body = new TextEncoder().encode(JSON.stringify({ model: "llama3.2:latest", messages: [{ role: "user", content: "Why is the sky blue?" }], options: { num_predict: 256 } }));

function stored(name: string, kind: StoredBackend["kind"], priority: number): StoredBackend {
  return {
    id: name, name, kind, url: `http://10.0.0.${priority}:8000${kind === "openai" ? "/v1" : ""}`, slots: 2, priority, enabled: true,
    boundary: "lan", models: ["llama3.2:latest"], prices: null, hasCredential: false, source: "api", sealedCredential: null, updatedAt: 0,
  };
}

async function timed(run: () => Promise<unknown> | unknown): Promise<{ p50Us: number; p99Us: number; meanUs: number }> {
  for (let i = 0; i < 2_000; i += 1) await run();
  const times: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  const mean = times.reduce((sum, time) => sum + time, 0) / times.length;
  times.sort((a, b) => a - b);
  const us = (ms: number) => Math.round(ms * 1000 * 100) / 100;
  return { p50Us: us(times[Math.floor(times.length / 2)]!), p99Us: us(times[Math.floor(times.length * 0.99)]!), meanUs: us(mean) };
}

export async function routingStepBench(): Promise<Record<string, { p50Us: number; p99Us: number; meanUs: number }>> {
  const local = localBackend(parseConfig({}));
  const alone = buildCatalog(local, []);
  const many = buildCatalog(local, [stored("box2", "ollama", 3), stored("vllm", "openai", 2), stored("claude", "anthropic", 1)]);
  const served = new Set(["llama3.2:latest"]);
  const serves = async (_backend: RuntimeBackend, model: string) => served.has(model);
  return {
    noCatalog: await timed(() => localRoute(alone, "llama3.2:latest")),
    threeBackends: await timed(async () => {
      const routed = await routeModel({ catalog: many, model: "llama3.2:latest", boundaries: ["local", "lan"], pinned: null, serves });
      for (const backend of routed.candidates) if (backend.kind !== "ollama") exchangeFor(chatRoute, backend.kind, body, { model: "llama3.2:latest" });
      return routed;
    }),
  };
}
