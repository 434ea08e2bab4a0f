/**
 * What one forwarded request turned into, as seen once its response has
 * ended (finished, failed, or the client went away). The stream code in
 * src/inference/ builds it; settle hooks (admission release, quota charge,
 * audit completion) consume it. Runs off the response path via waitUntil.
 */

export type Outcome =
  | "ok"
  | "rate_limited"
  | "quota_exceeded"
  | "overloaded"
  | "denied"
  | "upstream_error"
  | "upstream_timeout"
  | "client_aborted"
  | "interrupted";

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  /**
   * Gatehouse counted these itself because the engine never sent its own
   * (a stream cut before the final chunk): see src/governance/reservation.ts.
   */
  estimated?: boolean;
}

export interface ExchangeResult {
  /** HTTP status sent to the client. */
  status: number;
  outcome: Outcome;
  /** Counts the upstream reported (Ollama's final chunk, OpenAI's usage), else Gatehouse's estimate; null when nothing was forwarded. */
  usage: TokenUsage | null;
  /** Response bytes sent to the client. */
  bytesOut: number;
  /** Milliseconds from the request's arrival to the first response byte, or null. */
  ttfbMs: number | null;
  /** Milliseconds from the request's arrival to the end of the response. */
  latencyMs: number;
  /** The model's answer reassembled from the chunks (partial when cut short). */
  responseText: string;
}

export type SettleHook = (result: ExchangeResult) => Promise<void> | void;

/**
 * Collects the settle hooks of one request and runs them exactly once.
 * A hook that fails does not stop the others.
 */
export class Settlement {
  private readonly hooks: SettleHook[] = [];
  private settled = false;
  /** Set when a relayed response takes over settling (at the end of its stream). */
  claimed = false;

  add(hook: SettleHook): void {
    this.hooks.push(hook);
  }

  async settle(result: ExchangeResult): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    const outcomes = await Promise.allSettled(this.hooks.map(async (hook) => hook(result)));
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") {
        console.error(JSON.stringify({ level: "error", event: "settle_hook_failed", error: String((outcome.reason as Error)?.name ?? "Error") }));
      }
    }
  }
}
