import type { GatehouseConfig } from "../config";
import { GatehouseError } from "../errors";
import type { UpstreamCall } from "../inference/upstream";
import type { RuntimeBackend } from "./catalog";
import { openCredential } from "./credential-seal";

/**
 * The one way out to any backend. Trust boundary: what leaves is built here
 * from parts Gatehouse chose —
 * - the URL is the catalog's base URL plus a path from the route table (or
 *   the translator), checked to stay under that base: no request field,
 *   header or model name can name another host or path;
 * - the headers are a fresh set: no client Authorization, Cookie, Host or
 *   X-Forwarded-*; the provider credential, opened from its sealed form
 *   only here, is added per kind and never appears in an error or a log;
 * - redirects are never followed to anywhere else: through ENGINES
 *   `redirect: "manual"`, and a 3xx is an upstream error. The OLLAMA binding
 *   is an external service with one fixed address, so whatever a redirect
 *   names, it reaches GATEHOUSE_OLLAMA and nothing else; there the request
 *   goes as it always did (with "manual" there, test/e2e/upstream-keepalive
 *   saw a 502 under load from a dead keep-alive connection; why is not known).
 * `local` goes through the OLLAMA binding (GATEHOUSE_OLLAMA), every other
 * backend through ENGINES, a workerd network service.
 */

export interface Outbound {
  ollama: Fetcher;
  engines: Fetcher;
  /** host:port of the built-in Ollama; sent as the Host it expects (it refuses non-loopback hosts). */
  ollamaAddress: string;
  /** Opens the sealed credentials (src/backends/credential-seal.ts). */
  sessionSecret: string;
  firstByteTimeoutMs: number;
  /** Deadline of Gatehouse's own look-ups (model discovery): GATEHOUSE_CONNECT_TIMEOUT. */
  lookupTimeoutMs: number;
}

/** The way out for this request's worker (bindings and settings). */
export function outboundOf(env: { OLLAMA: Fetcher; ENGINES: Fetcher; SESSION_SECRET: string }, config: GatehouseConfig): Outbound {
  return {
    ollama: env.OLLAMA,
    engines: env.ENGINES,
    ollamaAddress: config.GATEHOUSE_OLLAMA,
    sessionSecret: env.SESSION_SECRET,
    firstByteTimeoutMs: config.GATEHOUSE_FIRST_BYTE_TIMEOUT * 1000,
    lookupTimeoutMs: config.GATEHOUSE_CONNECT_TIMEOUT * 1000,
  };
}

/**
 * A send that fails this soon, with no response byte, went out on a
 * connection that was already dead (llama.cpp's server closes keep-alive
 * connections after a stream without saying so) or was refused: the engine
 * never had the request, so it is sent again. workerd's fetch picks the
 * connection, and its pool may hold several dead ones, so each fast failure
 * drops one and the next try takes another or a fresh one — up to
 * maxStaleRetries. A slower failure may come from an engine that read the
 * request and then died: never retried, so an answer is never generated twice.
 */
export const staleConnectionMs = 250;
const maxStaleRetries = 8;

/** Sends one call to one backend; `lookup` marks Gatehouse's own look-ups (and gives them the short deadline). */
export async function callBackend(out: Outbound, backend: RuntimeBackend, call: UpstreamCall, lookup?: string): Promise<Response> {
  const url = backend.builtIn ? `http://${out.ollamaAddress}${checkedPath(call.path)}` : backendUrl(backend.url, call.path);
  const credential = await credentialOf(out.sessionSecret, backend);
  for (let retries = 0; ; retries++) {
    const sentAt = Date.now();
    let response: Response;
    try {
      response = await attempt(out, backend, url, credential, call, lookup);
    } catch (error) {
      const dead = error instanceof GatehouseError && error.code === "upstream_unavailable" && Date.now() - sentAt <= staleConnectionMs;
      // A streamed body (model blobs) is gone once sent: it cannot go again.
      if (!dead || call.rawBody || call.signal?.aborted || retries >= maxStaleRetries) throw error;
      continue;
    }
    return refusingRedirects(response);
  }
}

/** A path from our tables: absolute, no query, fragment, backslash, empty or dot segment (encoded or not). */
function checkedPath(path: string): string {
  const segments = path.split("/").slice(1);
  const bad = !path.startsWith("/") || /[?#\\\s]/.test(path) || segments.some((segment) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return true;
    }
    // An encoded slash is kept (model names have them), but never to hide a dot segment.
    return decoded === "" || decoded.split(/[/\\]/).some((part) => part === "." || part === "..");
  });
  if (bad) throw new GatehouseError("invalid_request", { message: "The request cannot be sent to a model server." });
  return path;
}

/** The catalog's base URL plus the path; anything that would leave that base is refused. */
export function backendUrl(base: string, path: string): string {
  const root = new URL(base);
  const joined = new URL(`${root.origin}${root.pathname.replace(/\/+$/, "")}${checkedPath(path)}`);
  if (joined.origin !== root.origin || !joined.pathname.startsWith(root.pathname.replace(/\/+$/, "")) || root.username || root.password) {
    throw new GatehouseError("invalid_request", { message: "The request cannot be sent to a model server." });
  }
  return joined.href;
}

const opened = new Map<string, Promise<string>>();

/** The backend's credential in clear, opened once per isolate; null when it has none. */
function credentialOf(sessionSecret: string, backend: RuntimeBackend): Promise<string | null> {
  const sealed = backend.sealedCredential;
  if (sealed === null) return Promise.resolve(null);
  let credential = opened.get(sealed);
  if (!credential) {
    credential = openCredential(sessionSecret, sealed);
    opened.set(sealed, credential);
    credential.catch(() => opened.delete(sealed));
  }
  return credential.catch(() => {
    // A changed SESSION_SECRET or a damaged row: nothing is sent without the credential it needs.
    console.error(JSON.stringify({ level: "error", event: "backend_credential_unreadable", backend: backend.name }));
    throw new GatehouseError("upstream_unavailable", { retryAfter: 5, message: "The model server's credential cannot be read; an administrator must set it again." });
  });
}

/** Headers only Gatehouse sets, whatever a translator asks for: the credential's, the connection's, the client's. */
const reserved = new Set(["authorization", "x-api-key", "cookie", "host", "content-length", "transfer-encoding", "connection"]);

function headersFor(backend: RuntimeBackend, credential: string | null, call: UpstreamCall): Headers {
  const headers = new Headers({ Accept: "application/json, application/x-ndjson, text/event-stream" });
  for (const [name, value] of Object.entries(call.headers ?? {})) {
    if (!reserved.has(name.toLowerCase()) && !name.toLowerCase().startsWith("x-forwarded-")) headers.set(name, value);
  }
  if (call.rawBody) headers.set("Content-Type", "application/octet-stream");
  else if (call.body !== undefined) headers.set("Content-Type", "application/json");
  if (backend.kind === "anthropic") {
    if (!headers.has("anthropic-version")) headers.set("anthropic-version", "2023-06-01");
    if (credential !== null) headers.set("x-api-key", credential);
  } else if (credential !== null) {
    headers.set("Authorization", `Bearer ${credential}`);
  }
  return headers;
}

async function attempt(out: Outbound, backend: RuntimeBackend, url: string, credential: string | null, call: UpstreamCall, lookup?: string): Promise<Response> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), lookup === undefined ? out.firstByteTimeoutMs : out.lookupTimeoutMs);
  const signal = call.signal ? AbortSignal.any([call.signal, timeout.signal]) : timeout.signal;
  const body = call.rawBody ?? call.body;
  try {
    // fetch resolves once the engine sends its headers, which Ollama does with its
    // first streamed chunk (or the whole answer when not streaming).
    const headers = headersFor(backend, credential, call);
    if (lookup !== undefined) headers.set("X-Gatehouse-Lookup", lookup);
    const init: RequestInit = { method: call.method, headers, body, signal, redirect: backend.builtIn ? "follow" : "manual" };
    return await (backend.builtIn ? out.ollama : out.engines).fetch(url, init);
  } catch (error) {
    if (timeout.signal.aborted) throw new GatehouseError("upstream_timeout");
    if (call.signal?.aborted) throw error;
    throw new GatehouseError("upstream_unavailable", { retryAfter: 5 });
  } finally {
    clearTimeout(timer);
  }
}

/** A 3xx is the backend pointing elsewhere: an upstream error, never followed (and never retried as a dead connection). */
async function refusingRedirects(response: Response): Promise<Response> {
  if (response.status < 300 || response.status >= 400) return response;
  await response.body?.cancel();
  throw new GatehouseError("upstream_unavailable", { retryAfter: 5, message: "The model server answered with a redirect, which is never followed." });
}
