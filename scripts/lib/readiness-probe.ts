import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { ServeSettings } from "./settings";

/**
 * Waits until Gatehouse is ready: GET /health answers 200 (the worker says
 * 503 {"status":"starting"} until its Durable Objects answer and crash
 * recovery is done; before that the socket may not even be open). Used by
 * `npm start` before it prints its listening line, and by the unit's
 * ExecStartPost, so systemd reports the service started only when it is.
 *
 * It asks the service's own socket from this machine: a wildcard listen
 * address is asked on loopback. Over HTTPS the certificate is not checked
 * (it is our own socket; the point is the answer). With client certificates
 * required (mTLS) a probe without one cannot pass the handshake, so there a
 * refused handshake means the socket is open, and the worker's own 503
 * "starting" covers the rest.
 */

export function probeUrl(settings: ServeSettings): URL {
  const host = settings.host === "0.0.0.0" ? "127.0.0.1" : settings.host === "::" ? "::1" : settings.host;
  const url = new URL(`${settings.tls ? "https" : "http"}://localhost/health`);
  url.hostname = host.includes(":") ? `[${host}]` : host;
  url.port = String(settings.port);
  return url;
}

type ProbeResult = "ready" | "starting" | "closed" | "handshake-refused";

function probeOnce(settings: ServeSettings, timeoutMs: number): Promise<ProbeResult> {
  const url = probeUrl(settings);
  return new Promise((resolve) => {
    const options = { method: "GET", timeout: timeoutMs, headers: { Accept: "application/json" }, rejectUnauthorized: false };
    const request = (url.protocol === "https:" ? httpsRequest : httpRequest)(url, options, (response) => {
      response.resume();
      resolve(response.statusCode === 200 ? "ready" : "starting");
    });
    request.on("timeout", () => request.destroy(new Error("timeout")));
    request.on("error", (error: NodeJS.ErrnoException) => {
      const tlsRefused = settings.tls?.clientCaPath && /alert|certificate|handshake|ECONNRESET/i.test(`${error.code ?? ""} ${error.message}`);
      resolve(tlsRefused ? "handshake-refused" : "closed");
    });
    request.end();
  });
}

export interface WaitOptions {
  timeoutMs: number;
  everyMs?: number;
  /** Stop early (the process died). */
  stillWorth?: () => boolean;
}

/** Resolves when ready; rejects on timeout or when `stillWorth` says to give up. */
export async function waitUntilReady(settings: ServeSettings, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const result = await probeOnce(settings, 2_000);
    if (result === "ready" || result === "handshake-refused") return;
    if (options.stillWorth && !options.stillWorth()) throw new Error("workerd exited before it was ready");
    if (Date.now() > deadline) throw new Error(`not ready after ${options.timeoutMs} ms (${probeUrl(settings).href}: ${result})`);
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 50));
  }
}
