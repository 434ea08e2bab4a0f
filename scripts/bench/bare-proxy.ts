import { spawn } from "node:child_process";
import { readFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { freePort } from "../../test/e2e/helpers/gatehouse-process";
import { descendants } from "../lib/process-tree";

/**
 * The baseline the issue asks for: a worker that only forwards, served by
 * the same runtime as Gatehouse in the same run, so "governed / bare" is a
 * ratio of like with like on a machine shared with other work.
 *
 * Two forms, chosen by BENCH_BARE (default: whatever serves Gatehouse — a
 * workerd started by Miniflare carries `--control-fd`, a raw one does not):
 * - "workerd": the very workerd binary serving Gatehouse (read from
 *   /proc/<pid>/exe), with a minimal capnp config — the production form;
 * - "miniflare": through Miniflare's API, as `npm start` did before it ran
 *   workerd itself.
 */

export type BareRuntime = "workerd" | "miniflare";

export interface BareProxy {
  url: string;
  runtime: BareRuntime;
  /** The processes that serve it (for CPU per request); empty when unknown. */
  pids: number[];
  close(): Promise<void>;
}

const compatibilityDate = "2026-07-30";

/** Forwards method, path, headers and body to the upstream and streams the answer back untouched. */
const proxyScript = `export default {
  fetch(request, env) {
    const url = new URL(request.url);
    return env.UPSTREAM.fetch(new Request("http://upstream" + url.pathname + url.search, request));
  },
};
`;

/** Which runtime serves Gatehouse, judged from its workerd's command line. */
export async function runtimeOf(workerdPid: number | null): Promise<BareRuntime> {
  const chosen = process.env.BENCH_BARE;
  if (chosen === "workerd" || chosen === "miniflare") return chosen;
  if (workerdPid === null) return "miniflare";
  const argv = (await readFile(`/proc/${workerdPid}/cmdline`, "utf8")).split("\0");
  return argv.some((arg) => arg.startsWith("--control-fd")) ? "miniflare" : "workerd";
}

export async function startBareProxy(upstream: string, runtime: BareRuntime, workerdPid: number | null): Promise<BareProxy> {
  return runtime === "workerd" ? rawWorkerd(upstream, workerdPid) : viaMiniflare(upstream);
}

async function viaMiniflare(upstream: string): Promise<BareProxy> {
  const port = await freePort();
  const miniflare = new Miniflare({
    host: "127.0.0.1",
    port,
    modules: true,
    script: proxyScript,
    compatibilityDate,
    telemetry: { enabled: false },
    cf: { country: "XX", colo: "LOCAL" },
    logRequests: false,
    serviceBindings: { UPSTREAM: { external: { address: upstream, http: {} } } },
  });
  const url = await miniflare.ready;
  // Miniflare's workerd is a child of this process (Gatehouse's runs under its own npm start).
  const pids = (await descendants(process.pid)).filter(({ command }) => command.endsWith("/workerd")).map(({ pid }) => pid);
  return { url: url.origin, runtime: "miniflare", pids, close: () => miniflare.dispose() };
}

async function rawWorkerd(upstream: string, workerdPid: number | null): Promise<BareProxy> {
  const binary = workerdPid !== null ? `/proc/${workerdPid}/exe` : join(process.cwd(), "node_modules/.bin/workerd");
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "gatehouse-bare-"));
  await writeFile(join(dir, "proxy.js"), proxyScript);
  await writeFile(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .proxy),
    (name = "upstream", external = (address = "${upstream}", http = ())),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const proxy :Workerd.Worker = (
  modules = [(name = "proxy.js", esModule = embed "proxy.js")],
  compatibilityDate = "${compatibilityDate}",
  bindings = [(name = "UPSTREAM", service = "upstream")],
);
`,
  );
  const child = spawn(binary, ["serve", join(dir, "config.capnp")], { stdio: ["ignore", "ignore", "pipe"] });
  let errors = "";
  child.stderr!.on("data", (chunk: Buffer) => (errors += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilServing(`${url}/api/version`, "bare proxy", () => child.exitCode !== null, () => errors);
  return {
    url,
    runtime: "workerd",
    pids: child.pid ? [child.pid] : [],
    close: async () => {
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once("exit", resolve)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Until `probeUrl` answers at all (10 s); the process's stderr in the error when it exits or never does. */
export async function waitUntilServing(probeUrl: string, what: string, exited: () => boolean, errors: () => string): Promise<void> {
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
