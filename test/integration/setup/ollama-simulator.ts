import type { TestProject } from "vitest/node";
import { startOllamaSimulator } from "../../fixtures/ollama-sim/server";

/** Starts the Ollama simulator once for the workers project; tests reach it through OLLAMA. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const simulator = await startOllamaSimulator({ port: 0 });
  project.provide("ollamaPort", simulator.port);
  return () => simulator.close();
}

declare module "vitest" {
  export interface ProvidedContext {
    ollamaPort: number;
  }
}
