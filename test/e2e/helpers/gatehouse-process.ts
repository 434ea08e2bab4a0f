import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const projectRoot = fileURLToPath(new URL("../../..", import.meta.url));

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface GatehouseProcess {
  url: string;
  port: number;
  dataDir: string;
  child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** What it printed on stdout alone (the JSON log lines journald keeps). */
  stdout(): string;
  /** SIGTERM, then wait for exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Removes the data dir (after stop). */
  cleanup(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  dataDir?: string;
  port?: number;
  /** Wrap the command, e.g. ["unshare", "-n", "--"] to run without networking. */
  wrapper?: string[];
  /** Shell prelude run before `npm start` (e.g. bringing loopback up in a new netns). */
  prelude?: string;
  timeoutMs?: number;
}

export async function makeDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "gatehouse-e2e-"));
}

/**
 * Starts `npm start` as a real child process on a free port with its own
 * data dir, and resolves once it prints its URL.
 */
export async function startGatehouse(options: StartOptions = {}): Promise<GatehouseProcess> {
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ?? (await makeDataDir());
  const command = `${options.prelude ?? ""} exec npm start --silent`;
  const argv = [...(options.wrapper ?? []), "sh", "-c", command];
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: projectRoot,
    env: {
      ...process.env,
      GATEHOUSE_HOST: "127.0.0.1",
      GATEHOUSE_PORT: String(port),
      GATEHOUSE_DATA: dataDir,
      GATEHOUSE_ADMIN_PASSWORD: "first-admin-password-for-tests",
      // Cheap key derivation unless a test asks for the real cost (identity.test.ts): a test's burst of sign-ins
      // must not meet the gateway-wide PBKDF2 budget (7 derivations a second at 600,000) and get 503 overloaded.
      GATEHOUSE_PBKDF2_ITERATIONS: "1000",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  let stdout = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const stop = async (signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill(signal);
    // Generous: under a loaded CI machine a clean shutdown can take seconds; only a hang gets SIGKILL.
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), 30_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => {
      killGroup(child, "SIGKILL");
      reject(new Error(`gatehouse did not start in time:\n${output}`));
    }, options.timeoutMs ?? 45_000);
    const check = () => {
      if (/listening on http/.test(output)) {
        clearTimeout(deadline);
        resolve();
      }
    };
    child.stdout!.on("data", check);
    void exited.then((code) => {
      clearTimeout(deadline);
      reject(new Error(`gatehouse exited with ${code} before listening:\n${output}`));
    });
  });

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    child,
    output: () => output,
    stdout: () => stdout,
    stop,
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
}

/** Kills the whole process group (npm, tsx, node, workerd). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
