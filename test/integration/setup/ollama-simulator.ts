import type { TestProject } from "vitest/node";
import { startOllamaSimulator } from "../../fixtures/ollama-sim/server";

/** The provider key the backend simulators (openai and anthropic modes) require. */
export const simulatorApiKey = "sk-sim-translate-0123456789abcdef";

/**
 * Starts the Ollama simulator once for the workers project; tests reach it
 * through OLLAMA. Beside it, the same simulator as an OpenAI-compatible
 * engine and as Anthropic's API (modes.ts), for the backend-kind tests; and
 * two more for the catalog's other backends (reached through ENGINES): a
 * second inference box, and a sentinel that no request may ever reach (SSRF
 * tests count what it saw).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const simulator = await startOllamaSimulator({ port: 0 });
  const openai = await startOllamaSimulator({ port: 0, mode: "openai", apiKey: simulatorApiKey });
  const anthropic = await startOllamaSimulator({ port: 0, mode: "anthropic", apiKey: simulatorApiKey });
  const secondBox = await startOllamaSimulator({ port: 0 });
  const sentinel = await startOllamaSimulator({ port: 0 });
  project.provide("ollamaPort", simulator.port);
  project.provide("openaiSimPort", openai.port);
  project.provide("anthropicSimPort", anthropic.port);
  project.provide("secondBoxPort", secondBox.port);
  project.provide("sentinelPort", sentinel.port);
  return async () => {
    await Promise.all([simulator.close(), openai.close(), anthropic.close(), secondBox.close(), sentinel.close()]);
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    ollamaPort: number;
    openaiSimPort: number;
    anthropicSimPort: number;
    secondBoxPort: number;
    sentinelPort: number;
  }
}
