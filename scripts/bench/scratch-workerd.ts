import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../test/e2e/helpers/gatehouse-process";

/**
 * A throwaway workerd for the bench's baselines (the bare proxy, the runtime
 * floor): the very binary serving Gatehouse (read from /proc/<pid>/exe), or
 * the project's when none runs, on a capnp config written to a temporary
 * directory with the scripts it embeds. Served once `probePath` answers.
 */
export interface ScratchWorkerd {
  url: string;
  pid: number;
  close(): Promise<void>;
}

export interface ScratchSpec {
  /** For messages: what this workerd is for. */
  name: string;
  /** Files written beside config.capnp (the scripts it embeds). */
  files: Record<string, string>;
  /** The capnp config, given the directory and the port to listen on. */
  config(dir: string, port: number): string;
  probePath: string;
}

export async function startScratchWorkerd(workerdPid: number | null, spec: ScratchSpec): Promise<ScratchWorkerd> {
  const binary = workerdPid !== null ? `/proc/${workerdPid}/exe` : join(process.cwd(), "node_modules/.bin/workerd");
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), `gatehouse-${spec.name.replace(/\W+/g, "-")}-`));
  for (const [name, text] of Object.entries(spec.files)) await writeFile(join(dir, name), text);
  await writeFile(join(dir, "config.capnp"), spec.config(dir, port));
  const child = spawn(binary, ["serve", join(dir, "config.capnp")], { stdio: ["ignore", "ignore", "pipe"] });
  let errors = "";
  child.stderr!.on("data", (chunk: Buffer) => (errors += chunk.toString()));
  const close = async () => {
    child.kill("SIGTERM");
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once("exit", resolve)));
    await rm(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilServing(`${url}${spec.probePath}`, spec.name, () => child.exitCode !== null, () => errors);
  } catch (error) {
    await close();
    throw error;
  }
  return { url, pid: child.pid!, close };
}

/** Until `probeUrl` answers at all (10 s); the process's stderr in the error when it exits or never does. */
async function waitUntilServing(probeUrl: string, what: string, exited: () => boolean, errors: () => string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (exited()) throw new Error(`${what} exited:\n${errors()}`);
    try {
      await fetch(probeUrl);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`${what} did not start:\n${errors()}`);
}
