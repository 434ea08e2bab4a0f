/**
 * What one forwarded request turned into, as seen once its response has
 * ended (finished, failed, refused, or the client went away). The stream code
 * in src/inference/ builds it; the return path declared in src/app.ts
 * (observe, release and charge, findings, audit completion) consumes it, off
 * the response path.
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
 * One request's exchange with the model, from open to settled; the one owner
 * of its way out. openExchange() (open-exchange.ts) opens it with the
 * return path src/app.ts declares; until the relay takes it over
 * (handOver(), in forward.ts) the pipeline may settle it with a refusal or a
 * failure (settleHere); after that only the relay's settle counts. Either
 * way the return path runs exactly once, and the one waitUntil registered
 * at open keeps the request's context alive until it has run, whether the
 * client stayed or left. A step that fails does not stop the others.
 */
export class Exchange {
  private state: "open" | "handed-over" | "settled" = "open";
  private readonly finished: Promise<void>;
  private finish!: () => void;

  constructor(
    private readonly returnPath: readonly SettleHook[],
    keepAlive: (work: Promise<void>) => void,
  ) {
    this.finished = new Promise<void>((resolve) => (this.finish = resolve));
    keepAlive(this.finished);
  }

  /** Settles from the pipeline (refused, failed, or abandoned before the relay took over); ignored once handed over or settled. */
  settleHere(result: ExchangeResult): void {
    if (this.state === "open") this.settle(result);
  }

  /** The relay takes the exchange over: the returned function is the only one that settles it from now on. */
  handOver(): (result: ExchangeResult) => void {
    if (this.state !== "open") throw new Error("the exchange was handed over twice, or after it settled");
    this.state = "handed-over";
    return (result) => this.settle(result);
  }

  private settle(result: ExchangeResult): void {
    if (this.state === "settled") return;
    this.state = "settled";
    void runReturnPath(this.returnPath, result).finally(this.finish);
  }
}

/** Starts each step in the declared order; all run to the end, a failure is logged by name only. */
async function runReturnPath(steps: readonly SettleHook[], result: ExchangeResult): Promise<void> {
  const outcomes = await Promise.allSettled(steps.map(async (step) => step(result)));
  for (const outcome of outcomes) {
    if (outcome.status === "rejected") {
      console.error(JSON.stringify({ level: "error", event: "settle_hook_failed", error: String((outcome.reason as Error)?.name ?? "Error") }));
    }
  }
}
