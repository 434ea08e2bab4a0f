import { randomBytes } from "node:crypto";
import { readFile, rm, stat, statfs, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { healthAnswer } from "./api-schemas";
import { ApiClient, gatewayUrlFrom, networkReason } from "./client";
import { CliError } from "./errors";
import { parseProcNetTcp, type ListeningSocket } from "./proc-net";

/**
 * The checks `doctor` runs. Each returns ok / warn / fail with a reason a
 * person can act on; none throws. They read only the environment of the
 * CLI (GATEHOUSE_URL, GATEHOUSE_ADMIN_KEY, GATEHOUSE_OLLAMA, GATEHOUSE_DATA).
 */

export type Verdict = "ok" | "warn" | "fail";
export interface CheckResult {
  name: string;
  verdict: Verdict;
  reason: string;
}

export interface DoctorInput {
  env: NodeJS.ProcessEnv;
  now?: () => number;
  /** /proc/net/tcp and tcp6 text; injectable for tests. */
  readProcNet?: (family: 4 | 6) => Promise<string | null>;
}

const maxSkewMs = 5_000;
const lowDiskBytes = 1024 ** 3;
const criticalDiskBytes = 100 * 1024 ** 2;

const result = (name: string, verdict: Verdict, reason: string): CheckResult => ({ name, verdict, reason });

async function timedFetch(url: string, timeoutMs = 5_000): Promise<Response> {
  return fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { Accept: "application/json" } });
}

/** GET /health, and the clock compared with the gateway's Date header (same answer). */
export async function gatewayChecks(input: DoctorInput): Promise<CheckResult[]> {
  const now = input.now ?? Date.now;
  let base: string;
  try {
    base = gatewayUrlFrom(input.env);
  } catch (error) {
    return [result("gateway", "fail", (error as Error).message)];
  }
  let response: Response;
  const sentAt = now();
  try {
    response = await timedFetch(`${base}/health`);
  } catch (error) {
    return [result("gateway", "fail", `${base} does not answer (${networkReason(error)})`), clockOnly(now)];
  }
  const receivedAt = now();
  const body: unknown = await response.json().catch(() => undefined);
  const parsed = healthAnswer.safeParse(body);
  const checks: CheckResult[] = [];
  if (response.status === 503 && (body as { status?: unknown } | undefined)?.status === "starting") {
    checks.push(result("gateway", "warn", `${base} is starting (migrations, crash recovery): ask again in a moment`));
  } else if (!response.ok || !parsed.success) checks.push(result("gateway", "fail", `${base}/health answered ${response.status}, not Gatehouse's health report`));
  else if (parsed.data.status !== "ok") checks.push(result("gateway", "warn", `${base} is ${parsed.data.status}: it cannot reach Ollama (${parsed.data.upstream.ollama})`));
  else checks.push(result("gateway", "ok", `${base} is up, version ${parsed.data.version}, sees Ollama ${parsed.data.upstream.ollama}`));
  if (parsed.success) checks.push(cloudCheck(parsed.data.upstream.ollamaCloud));
  checks.push(clockCheck(response.headers.get("Date"), sentAt, receivedAt));
  return checks;
}

/** Ollama's cloud switch as /health reports it (GET /api/status): on means prompts can leave the box. */
export function cloudCheck(cloud: string | undefined): CheckResult {
  if (cloud === "disabled") return result("ollama cloud", "ok", "Ollama's cloud features are off (OLLAMA_NO_CLOUD): no model or web tool can leave the box");
  if (cloud === "enabled") {
    return result("ollama cloud", "warn", "Ollama's cloud features are on: only users allowed cloud models can reach them; set OLLAMA_NO_CLOUD=1 on Ollama to turn them off");
  }
  return result("ollama cloud", "warn", "Ollama cannot say whether its cloud features are on (GET /api/status; Ollama before 0.13?)");
}

function clockOnly(now: () => number): CheckResult {
  const year = new Date(now()).getUTCFullYear();
  if (year < 2025 || year > 2100) return result("clock", "warn", `the system year is ${year}: set the clock (NTP), or audit times and key expiry are wrong`);
  return result("clock", "warn", "cannot compare with the gateway's clock (it does not answer)");
}

export function clockCheck(dateHeader: string | null, sentAt: number, receivedAt: number): CheckResult {
  const year = new Date(receivedAt).getUTCFullYear();
  if (year < 2025 || year > 2100) return result("clock", "warn", `the system year is ${year}: set the clock (NTP), or audit times and key expiry are wrong`);
  const gatewayMs = dateHeader ? Date.parse(dateHeader) : NaN;
  if (!Number.isFinite(gatewayMs)) return result("clock", "warn", "the gateway sent no Date header to compare with");
  // The header has whole seconds: anything inside [sent - 1 s, received] is no skew at all.
  const skew = gatewayMs < sentAt - 1_000 ? gatewayMs - (sentAt - 1_000) : gatewayMs > receivedAt ? gatewayMs - receivedAt : 0;
  if (Math.abs(skew) > maxSkewMs) {
    return result("clock", "warn", `this machine and the gateway differ by ${(skew / 1000).toFixed(1)} s (more than ${maxSkewMs / 1000} s): check NTP on both`);
  }
  return result("clock", "ok", `within ${maxSkewMs / 1000} s of the gateway's clock (year ${year})`);
}

/** host:port of GATEHOUSE_OLLAMA (default 127.0.0.1:11434). */
export function ollamaAddress(env: NodeJS.ProcessEnv): { host: string; port: number } {
  const text = env.GATEHOUSE_OLLAMA?.trim() || "127.0.0.1:11434";
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text);
  if (!match) return { host: text, port: 11434 };
  return { host: match[1]!, port: Number(match[2]) };
}

export async function upstreamCheck(input: DoctorInput): Promise<CheckResult> {
  const { host, port } = ollamaAddress(input.env);
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}/api/version`;
  try {
    const response = await timedFetch(url);
    const body = (await response.json().catch(() => null)) as { version?: unknown } | null;
    if (!response.ok || typeof body?.version !== "string") return result("upstream", "fail", `${url} answered ${response.status}, not an Ollama version`);
    return result("upstream", "ok", `Ollama ${body.version} at ${host}:${port}`);
  } catch (error) {
    return result("upstream", "fail", `Ollama does not answer at ${host}:${port} (${networkReason(error)}); is it running? (GATEHOUSE_OLLAMA)`);
  }
}

const readProcNetFile = async (family: 4 | 6) => readFile(family === 4 ? "/proc/net/tcp" : "/proc/net/tcp6", "utf8").catch(() => null);

/** Ollama must be reachable through Gatehouse only: anything listening on its port beyond loopback is a way around it. */
export async function loopbackOnlyCheck(input: DoctorInput): Promise<CheckResult> {
  const { host, port } = ollamaAddress(input.env);
  if (!["127.0.0.1", "localhost", "::1"].includes(host) && !host.startsWith("127.")) {
    return result("ollama loopback", "warn", `GATEHOUSE_OLLAMA is ${host}:${port}, not on this machine's loopback: make sure only Gatehouse can reach it there`);
  }
  const read = input.readProcNet ?? readProcNetFile;
  const [v4, v6] = await Promise.all([read(4), read(6)]);
  if (v4 === null && v6 === null) return result("ollama loopback", "warn", "cannot read /proc/net/tcp (not Linux?): check by hand with ss -ltn");
  const sockets: ListeningSocket[] = [...(v4 ? parseProcNetTcp(v4, 4) : []), ...(v6 ? parseProcNetTcp(v6, 6) : [])].filter((s) => s.port === port);
  const exposed = sockets.filter((socket) => !socket.loopback);
  if (exposed.length > 0) {
    const where = exposed.map((socket) => (socket.address.includes(":") ? `[${socket.address}]:${port}` : `${socket.address}:${port}`)).join(", ");
    return result("ollama loopback", "warn", `port ${port} listens on ${where}: Ollama is reachable around Gatehouse; set OLLAMA_HOST=127.0.0.1:${port}`);
  }
  if (sockets.length === 0) return result("ollama loopback", "warn", `nothing listens on port ${port} in this network namespace`);
  return result("ollama loopback", "ok", `port ${port} listens on loopback only (${[...new Set(sockets.map((s) => s.address))].join(", ")})`);
}

export async function dataDirCheck(input: DoctorInput): Promise<CheckResult[]> {
  const dir = resolve(input.env.GATEHOUSE_DATA?.trim() || "./.data");
  const found = await stat(dir).catch(() => null);
  if (!found?.isDirectory()) return [result("data dir", "fail", `${dir} does not exist (GATEHOUSE_DATA); npm start creates it`)];
  const probe = join(dir, `.doctor-${randomBytes(6).toString("hex")}`);
  const checks: CheckResult[] = [];
  try {
    await writeFile(probe, "probe", { mode: 0o600 });
    await rm(probe);
    const loose = (found.mode & 0o077) !== 0;
    checks.push(result("data dir", loose ? "warn" : "ok", `${dir} is writable${loose ? `, but readable by others (mode ${(found.mode & 0o777).toString(8)}): chmod 700 it` : ""}`));
  } catch (error) {
    checks.push(result("data dir", "fail", `${dir} is not writable by this user (${(error as NodeJS.ErrnoException).code ?? "error"})`));
  }
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  const share = fs.blocks > 0 ? fs.bavail / fs.blocks : 1;
  const text = `${(free / 1024 ** 3).toFixed(1)} GiB free (${(share * 100).toFixed(0)}%) on the data dir's disk`;
  checks.push(result("disk space", free < criticalDiskBytes ? "fail" : free < lowDiskBytes || share < 0.05 ? "warn" : "ok", text));
  return checks;
}

/** The admin key reaches the admin API (and how many registrations wait, since it is there). */
export async function adminKeyCheck(input: DoctorInput): Promise<CheckResult> {
  if (!input.env.GATEHOUSE_ADMIN_KEY?.trim()) return result("admin key", "warn", "GATEHOUSE_ADMIN_KEY is not set: the other CLI commands need it");
  try {
    const response = await ApiClient.fromEnv(input.env).request("GET", "/admin/api/users?status=pending", undefined, 10_000);
    const body = (await response.json().catch(() => null)) as { users?: unknown[] } | null;
    const pending = Array.isArray(body?.users) ? body.users.length : 0;
    return result("admin key", "ok", `accepted by the admin API${pending > 0 ? ` (${pending} registrations waiting: users list --status pending)` : ""}`);
  } catch (error) {
    return result("admin key", "fail", error instanceof CliError ? error.message : "the admin API did not answer");
  }
}
