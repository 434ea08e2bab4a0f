import { gateway } from "../helpers/gateway";
import { parseExposition, type Exposition } from "./exposition-parse";

/** A scrape from this box (loopback, no credentials): the way a local Prometheus reads /metrics. */
export async function scrapeLocally(): Promise<Exposition> {
  const response = await gateway("/metrics", { headers: { "CF-Connecting-IP": "127.0.0.1" } });
  if (response.status !== 200) throw new Error(`scrape failed: ${response.status} ${await response.text()}`);
  return parseExposition(await response.text());
}

/** Polls until `check` passes: exchanges are observed when they settle, just after the answer ends. */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
