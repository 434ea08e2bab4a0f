import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { isPrebuilt, projectRoot } from "./bundle";

/**
 * `npm start` prepares each start in a child process (scripts/service.ts
 * prepare, the unit's ExecStartPre), so what preparing loads — esbuild's
 * bundle of the worker, drizzle, node:sqlite — is gone again when workerd
 * serves, and the parent stays small. The child's lines are passed on as
 * they are (one JSON object each, but a generated first-admin password).
 */
export interface PrepareOutcome {
  /** 0 done, 2 a bad setting (the child named it), anything else a failure. */
  code: number;
  instanceId: string | null;
}

export function runPrepare(configPath: string): Promise<PrepareOutcome> {
  const entry = isPrebuilt ? join(projectRoot, "dist", "service.mjs") : join(projectRoot, "scripts", "service.ts");
  const args = ["--disable-warning=ExperimentalWarning", ...(isPrebuilt ? [] : ["--import", "tsx"]), entry, "prepare", configPath];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  let instanceId: string | null = null;
  createInterface({ input: child.stdout! }).on("line", (line) => {
    process.stdout.write(`${line}\n`);
    if (!line.includes('"prepared; workerd starts next"')) return;
    try {
      instanceId = (JSON.parse(line) as { instance?: string }).instance ?? null;
    } catch {
      // Not ours to parse; passed on above.
    }
  });
  return new Promise((resolve) => {
    child.once("error", () => resolve({ code: 1, instanceId: null }));
    child.once("close", (code) => resolve({ code: code ?? 1, instanceId }));
  });
}
