import { Agent, request } from "node:http";

/**
 * Latency measured the way DESIGN.md asks: several sequential keep-alive
 * clients, each timing its own requests (wrk's percentiles were off by tens
 * of milliseconds against workerd).
 */

export interface Target {
  url: string;
  headers: Record<string, string>;
}

export interface Timing {
  /** Milliseconds to the response headers and first body byte. */
  ttfb: number;
  /** Milliseconds to the end of the body. */
  total: number;
}

export function timedPost(agent: Agent, target: Target, path: string, body: string): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let ttfb = -1;
    const req = request(`${target.url}${path}`, {
      method: "POST",
      agent,
      headers: { ...target.headers, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
    });
    req.on("response", (res) => {
      if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode} from ${target.url}${path}`));
      res.on("data", () => {
        if (ttfb < 0) ttfb = performance.now() - started;
      });
      res.on("end", () => resolve({ ttfb, total: performance.now() - started }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** `clients` sequential keep-alive loops, `perClient` requests each; all timings. */
export async function sequentialClients(target: Target, path: string, body: string, clients: number, perClient: number): Promise<Timing[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const timings: Timing[] = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = 0; i < perClient; i++) timings.push(await timedPost(agent, target, path, body));
    }),
  );
  agent.destroy();
  return timings;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}
