import { startOllamaSimulator, type OllamaSimulator } from "../../fixtures/ollama-sim/server";

/** The simulator in this (Node) test process; `npm start` reaches it over loopback. */
export async function startSimulator(): Promise<OllamaSimulator> {
  return startOllamaSimulator({ port: 0 });
}

/**
 * Sets the simulator's faults through its control API. (A request's own
 * `x-sim-fault` header never gets through Gatehouse, which forwards no client
 * headers, so end-to-end tests configure the simulator directly.)
 */
export async function configureSimulator(simulator: OllamaSimulator, config: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${simulator.url}/__sim/config`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(config),
  });
  if (!response.ok) throw new Error(`simulator config failed: ${response.status}`);
}

export async function resetSimulator(simulator: OllamaSimulator): Promise<void> {
  await fetch(`${simulator.url}/__sim/reset`, { method: "POST" });
}
