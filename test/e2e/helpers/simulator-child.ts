import { spawn } from "node:child_process";
import type { SimulatorLog } from "../../fixtures/ollama-sim/state";
import { killGroup, projectRoot } from "./gatehouse-process";

/**
 * The Ollama simulator as a process of its own (test/fixtures/ollama-sim/main.ts):
 * another inference box, which a test can take down for real.
 */
export interface SimulatorProcess {
  url: string;
  /** host:port */
  address: string;
  configure(config: Record<string, unknown>): Promise<void>;
  reset(): Promise<void>;
  addModel(name: string): Promise<void>;
  log(): Promise<SimulatorLog>;
  /** SIGKILL: the box is gone, its port refuses connections. */
  kill(): Promise<void>;
}

export async function startSimulatorProcess(): Promise<SimulatorProcess> {
  const child = spawn("npx", ["tsx", "test/fixtures/ollama-sim/main.ts", "--port", "0"], { cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const url = await new Promise<string>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`simulator did not start:\n${output}`)), 30_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const found = /listening on (http:\/\/\S+)/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]!);
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  };
  return {
    url,
    address: new URL(url).host,
    configure: (config) => post("/__sim/config", config),
    reset: () => post("/__sim/reset", {}),
    addModel: (name) => post("/__sim/models", { name }),
    log: async () => (await fetch(`${url}/__sim/requests`)).json() as Promise<SimulatorLog>,
    kill: async () => {
      killGroup(child, "SIGKILL");
      await exited;
    },
  };
}
