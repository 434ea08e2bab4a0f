import { readFile } from "node:fs/promises";
import { Miniflare } from "miniflare";
import { freePort } from "../../test/e2e/helpers/gatehouse-process";
import { descendants } from "../lib/process-tree";
import { startScratchWorkerd } from "./scratch-workerd";

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
  const workerd = await startScratchWorkerd(workerdPid, {
    name: "bare proxy",
    files: { "proxy.js": proxyScript },
    probePath: "/api/version",
    config: (_dir, port) => `using Workerd = import "/workerd/workerd.capnp";
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
  });
  return { url: workerd.url, runtime: "workerd", pids: [workerd.pid], close: workerd.close };
}
