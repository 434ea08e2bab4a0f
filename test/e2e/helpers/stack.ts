import type { OllamaSimulator } from "../../fixtures/ollama-sim/server";
import { startGatehouse, type GatehouseProcess } from "./gatehouse-process";
import { startSimulator } from "./simulator-process";

/** The Ollama simulator and `npm start` pointed at it, with any extra GATEHOUSE_* settings. */
export async function startStack(env: Record<string, string> = {}): Promise<{ simulator: OllamaSimulator; gatehouse: GatehouseProcess }> {
  const simulator = await startSimulator();
  try {
    const gatehouse = await startGatehouse({ env: { GATEHOUSE_OLLAMA: `127.0.0.1:${simulator.port}`, ...env } });
    return { simulator, gatehouse };
  } catch (error) {
    await simulator.close();
    throw error;
  }
}

/** Stops what startStack started (either may be missing if startup failed). */
export async function stopStack(simulator: OllamaSimulator | undefined, gatehouse: GatehouseProcess | undefined): Promise<void> {
  await gatehouse?.stop();
  await gatehouse?.cleanup();
  await simulator?.close();
}
