import type { ExchangeResult } from "../inference/exchange";

/**
 * A request's audit record once auditStart has committed it: what the way
 * out needs to complete it. Its own file so src/env.ts can name it without
 * importing the recorder (which imports env.ts: a cycle).
 */
export interface OpenRecord {
  readonly id: string;
  /** Completes (and seals) the record with the exchange's result. */
  complete(result: ExchangeResult): Promise<void>;
}
