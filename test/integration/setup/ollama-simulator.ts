import type { TestProject } from "vitest/node";
import { startOllamaSimulator } from "../../fixtures/ollama-sim/server";

/**
 * Starts the Ollama simulator once for the workers project; tests reach it
 * through OLLAMA. Two more stand in for the catalog's other backends
 * (reached through ENGINES): a second inference box, and a sentinel that
 * no request may ever reach (SSRF tests count what it saw).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const simulator = await startOllamaSimulator({ port: 0 });
  const secondBox = await startOllamaSimulator({ port: 0 });
  const sentinel = await startOllamaSimulator({ port: 0 });
  project.provide("ollamaPort", simulator.port);
  project.provide("secondBoxPort", secondBox.port);
  project.provide("sentinelPort", sentinel.port);
  return async () => {
    await Promise.all([simulator.close(), secondBox.close(), sentinel.close()]);
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    ollamaPort: number;
    secondBoxPort: number;
    sentinelPort: number;
  }
}
