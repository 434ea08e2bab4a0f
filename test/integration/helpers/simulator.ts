import { env } from "cloudflare:test";
import type { SimulatorLog } from "../../fixtures/ollama-sim/state";

/**
 * The Ollama simulator's control API, reached the way the gateway reaches
 * Ollama: through the real OLLAMA service binding.
 */
export type { SeenRequest, SimulatorLog } from "../../fixtures/ollama-sim/state";

const base = () => `http://${env.GATEHOUSE_OLLAMA}`;

export async function resetSimulator(): Promise<void> {
  const response = await env.OLLAMA.fetch(`${base()}/__sim/reset`, { method: "POST" });
  await response.body?.cancel();
}

export async function configureSimulator(config: Record<string, unknown>): Promise<void> {
  const response = await env.OLLAMA.fetch(`${base()}/__sim/config`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(config),
  });
  await response.body?.cancel();
}

export async function simulatorLog(): Promise<SimulatorLog> {
  const response = await env.OLLAMA.fetch(`${base()}/__sim/requests`);
  return response.json<SimulatorLog>();
}
