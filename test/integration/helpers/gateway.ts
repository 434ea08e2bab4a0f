import { SELF } from "cloudflare:test";

/**
 * Sends a request to the gateway worker under test, as a LAN client would.
 *
 * SELF.fetch has no socket, so the client's address is given the way workerd
 * gives it to the worker in production: `request.cf.clientIp`. Tests write it
 * as the header `CF-Connecting-IP` for brevity; this helper moves it into
 * `cf` and never sends the header (the worker ignores such headers anyway).
 * Use `rawGateway` to send one for real.
 */
export function gateway(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const from = headers.get("CF-Connecting-IP");
  if (from === null) return SELF.fetch(`http://gatehouse.test${path}`, init);
  headers.delete("CF-Connecting-IP");
  return SELF.fetch(`http://gatehouse.test${path}`, { ...init, headers, cf: { clientIp: `${from.includes(":") ? `[${from}]` : from}:40000` } });
}

/** Sends exactly these headers (an address header included), from `clientIp` when given. */
export function rawGateway(path: string, init: RequestInit = {}, clientIp?: string): Promise<Response> {
  return SELF.fetch(`http://gatehouse.test${path}`, clientIp === undefined ? init : { ...init, cf: { clientIp } });
}

export function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return gateway(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Reads an NDJSON body into parsed lines. */
export async function ndjson(response: Response): Promise<Record<string, unknown>[]> {
  const text = await response.text();
  return text
    .split("\n")
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
