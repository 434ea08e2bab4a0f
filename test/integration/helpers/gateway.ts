import { SELF } from "cloudflare:test";

/** Sends a request to the gateway worker under test, as a LAN client would. */
export function gateway(path: string, init?: RequestInit): Promise<Response> {
  return SELF.fetch(`http://gatehouse.test${path}`, init);
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
