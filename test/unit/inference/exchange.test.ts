import { describe, expect, test } from "vitest";
import { Exchange, type ExchangeResult } from "../../../src/inference/exchange";

const result = (status: number): ExchangeResult => ({ status, outcome: status === 200 ? "ok" : "denied", usage: null, bytesOut: 0, ttfbMs: null, latencyMs: 1, responseText: "" });

/** An exchange whose return path records what it saw, and the one piece of work it keeps alive. */
function opened(steps: Array<(seen: ExchangeResult) => Promise<void> | void> = []) {
  const seen: number[] = [];
  const kept: Promise<void>[] = [];
  const exchange = new Exchange([(r) => void seen.push(r.status), ...steps], (work) => kept.push(work));
  return { exchange, seen, kept };
}

describe("the exchange: open → hand-over → settle", () => {
  test("opening registers exactly one piece of work to keep alive, done once the return path has run", async () => {
    let release!: () => void;
    const { exchange, kept } = opened([() => new Promise<void>((resolve) => (release = resolve))]);
    expect(kept).toHaveLength(1);
    let done = false;
    void kept[0]!.then(() => (done = true));
    exchange.settleHere(result(429));
    await Promise.resolve();
    expect(done).toBe(false); // a step still running keeps the request alive
    release();
    await kept[0];
    expect(done).toBe(true);
  });

  test("settled here, the return path runs once; a second settle is ignored", async () => {
    const { exchange, seen, kept } = opened();
    exchange.settleHere(result(499));
    exchange.settleHere(result(503));
    await kept[0];
    expect(seen).toEqual([499]);
    expect(() => exchange.handOver()).toThrow(); // nothing to hand over once settled: a wiring bug
  });

  test("handed over, only the relay settles: the pipeline's settle is ignored", async () => {
    const { exchange, seen, kept } = opened();
    const settle = exchange.handOver();
    exchange.settleHere(result(500)); // the pipeline unwinding after the relay took over
    expect(seen).toEqual([]);
    settle(result(200));
    settle(result(200));
    await kept[0];
    expect(seen).toEqual([200]);
  });

  test("a step that fails does not stop the others, and the exchange still finishes", async () => {
    const later: string[] = [];
    const { exchange, kept } = opened([() => Promise.reject(new Error("ledger down")), () => void later.push("audit")]);
    exchange.settleHere(result(200));
    await kept[0];
    expect(later).toEqual(["audit"]);
  });
});
