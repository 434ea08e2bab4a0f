import type { OutgoingBody } from "../body/received";
import type { ExchangeResult } from "../inference/exchange";

/**
 * What the sensitive-data step (screen-step.ts) leaves on the request for the
 * audit recorder and the way out. Its own file so src/env.ts can name it without importing
 * the step (which imports env.ts: a cycle).
 */
export interface StoredForms {
  /** The forwarded body as the audit record keeps it: every finding a placeholder (built from the final body, after later edits). */
  storedPrompt(forwarded: OutgoingBody): string;
  /** The answer as the audit record keeps it (scanned once, shared with the findings hook). */
  storedAnswer(text: string): Promise<string>;
  /** Stores every finding of prompt and answer once the exchange has ended (and hands the exchange to the shadow guard). */
  recordFindings(result: ExchangeResult): Promise<void>;
}
