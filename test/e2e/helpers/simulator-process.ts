import { startOllamaSimulator, type OllamaSimulator } from "../../fixtures/ollama-sim/server";

/** The simulator in this (Node) test process; `npm start` reaches it over loopback. */
export async function startSimulator(): Promise<OllamaSimulator> {
  return startOllamaSimulator({ port: 0 });
}
