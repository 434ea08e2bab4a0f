import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { workerdBinary } from "./runtime-files";
import { normalizeWorkerdLine } from "./workerd-log";

/** The arguments workerd is started with, by `npm start` and by the unit (scripts/systemd/gatehouse.service). */
export function workerdArgs(configPath: string, inspectorPort?: number): string[] {
  // No --experimental: nothing Gatehouse runs needs an experimental feature (Miniflare's D1 object did; it is gone).
  return ["serve", configPath, ...(inspectorPort ? [`--inspector-addr=127.0.0.1:${inspectorPort}`] : [])];
}

export interface WorkerdProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts workerd on a generated config, its output turned into Gatehouse's
 * log lines (errors on stderr, the rest on stdout). workerd owns the socket;
 * this process only watches it.
 */
export function startWorkerd(configPath: string, inspectorPort?: number): WorkerdProcess {
  const child = spawn(workerdBinary(), workerdArgs(configPath, inspectorPort), { stdio: ["ignore", "pipe", "pipe"] });
  for (const stream of ["stdout", "stderr"] as const) {
    createInterface({ input: child[stream]! }).on("line", (raw) => {
      const normalized = normalizeWorkerdLine(raw, stream);
      if (!normalized) return;
      if (normalized.level === "error") process.stderr.write(`${normalized.line}\n`);
      else process.stdout.write(`${normalized.line}\n`);
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", () => resolve({ code: 127, signal: null }));
  });
  return { child, exited };
}
