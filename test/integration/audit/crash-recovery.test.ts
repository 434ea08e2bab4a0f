import { runInDurableObject } from "cloudflare:test";
import { describe, expect, test } from "vitest";
import type { AuditLedger } from "../../../src/audit/ledger";
import { processEpoch } from "../../../src/audit/recovery";
import { gateway } from "../helpers/gateway";
import { ledger, rowOf, started, verifyNow } from "./helpers";

/**
 * Crash recovery without a supervisor (src/audit/recovery.ts): the ledger's
 * own alarm, and the readiness check when a worker starts serving, close
 * records an earlier process left open as `interrupted` and seal them — and
 * never touch a request this process is still serving.
 */

describe("crash recovery by the ledger itself", () => {
  test("the ledger's alarm closes a record an earlier process left open and seals it; a record of this process stays open", async () => {
    // Any request makes this isolate's epoch (and it is ready).
    expect((await gateway("/health")).status).toBe(200);
    const epoch = processEpoch();
    const orphan = started({ startedAt: epoch - 60_000 });
    const current = started({ startedAt: Date.now() });
    await ledger().begin(orphan, null);
    await ledger().begin(current, null);
    await runInDurableObject(ledger(), async (instance: AuditLedger) => {
      await instance.alarm();
    });
    expect(await rowOf(orphan.id)).toMatchObject({ outcome: "interrupted" });
    expect((await rowOf(orphan.id))?.sealed_seq).toBeTypeOf("number");
    expect(await rowOf(current.id)).toMatchObject({ finished_at: null, sealed_seq: null });
    expect(await verifyNow()).toMatchObject({ ok: true });
  });

  test("recoverInterrupted reports what it closed and sealed", async () => {
    const orphan = started({ startedAt: processEpoch() - 60_000 });
    await ledger().begin(orphan, null);
    const result = await ledger().recoverInterrupted();
    expect(result.interrupted).toBeGreaterThanOrEqual(1);
    expect(result.sealed).toBeGreaterThanOrEqual(1);
    expect(await rowOf(orphan.id)).toMatchObject({ outcome: "interrupted" });
  });
});
