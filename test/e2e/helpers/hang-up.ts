import { request, type ClientRequest } from "node:http";

/**
 * A streamed request over a real socket that the test can cut at any point:
 * before the first byte, after n lines, just before the final chunk. Lines
 * are counted as they arrive, so "after n" means the client saw n lines.
 */
export interface HangUp {
  /** Lines received so far (NDJSON lines or SSE `data:` lines). */
  readonly lines: string[];
  /** Status once headers arrived, else null. */
  readonly status: () => number | null;
  /** Resolves once at least `n` lines arrived (or rejects after `timeoutMs`). */
  waitForLines(n: number, timeoutMs?: number): Promise<void>;
  /**
   * The client goes away the way a killed process or a dropped connection
   * does: the socket is reset (RST). workerd's HTTP server takes a bare FIN
   * for a half-close and notices it only once the response starts (see the
   * README, "Clients that leave").
   */
  leave(): void;
  /** Resolves when the response ended or the socket closed. */
  readonly ended: Promise<void>;
}

export function startRequest(baseUrl: string, path: string, secret: string, body: unknown): HangUp {
  const lines: string[] = [];
  let status: number | null = null;
  let buffered = "";
  const waiters: (() => void)[] = [];
  let req!: ClientRequest;
  const ended = new Promise<void>((resolve) => {
    req = request(`${baseUrl}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${secret}` },
    });
    req.on("response", (res) => {
      status = res.statusCode ?? null;
      res.setEncoding("utf8");
      res.on("data", (text: string) => {
        buffered += text;
        const parts = buffered.split("\n");
        buffered = parts.pop() ?? "";
        for (const line of parts) if (line.trim() !== "") lines.push(line);
        for (const wake of waiters.splice(0)) wake();
      });
      res.on("end", () => resolve());
      res.on("close", () => resolve());
      res.on("error", () => resolve());
    });
    req.on("error", () => resolve());
    req.on("close", () => resolve());
    req.end(JSON.stringify(body));
  });
  return {
    lines,
    status: () => status,
    ended,
    leave: () => {
      if (req.socket) req.socket.resetAndDestroy();
      else req.destroy();
    },
    async waitForLines(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (lines.length < n) {
        if (Date.now() > deadline) throw new Error(`only ${lines.length} of ${n} lines arrived`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
  };
}

/** Polls `probe` until it returns true; returns the milliseconds it took (throws after `timeoutMs`). */
export async function timeUntil(probe: () => Promise<boolean> | boolean, timeoutMs = 10_000, everyMs = 25): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
