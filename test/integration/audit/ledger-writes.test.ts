import { runInDurableObject } from "cloudflare:test";
import { describe, expect, test } from "vitest";
import { finished, ledger, started } from "./helpers";

/**
 * The ledger's own storage holds one thing per commit: the anchor (the head
 * it last committed, outside D1, for rollback detection). It moves only when
 * the chain does, so the write-ahead begin — committed before anything is
 * forwarded, on every request's critical path — costs no storage commit in
 * the ledger; the completion, which seals the record, writes the anchor once.
 */
describe("the audit ledger's storage writes", () => {
  test("a begin writes nothing to the ledger's storage, a completion writes the anchor once, and the anchor is the head", async () => {
    const warm = started();
    await ledger().begin(warm, null);
    await ledger().complete(warm.id, finished(), null);

    const writes: string[] = [];
    type Patchable = Record<string, (...args: unknown[]) => unknown>;
    await runInDurableObject(ledger(), (_instance, state) => {
      const storage = state.storage as unknown as Patchable;
      for (const name of ["put", "delete", "setAlarm", "deleteAlarm"]) {
        const original = storage[name]!.bind(storage);
        storage[name] = (...args: unknown[]) => (writes.push(name), original(...args));
      }
    });
    try {
      const record = started();
      await ledger().begin(record, "a prompt");
      expect(writes).toEqual([]);
      await ledger().complete(record.id, finished(), "an answer");
      expect(writes).toEqual(["put"]);
      const anchor = await ledger().anchor();
      expect(anchor?.seq).toBeGreaterThanOrEqual(2);
      expect(await ledger().integrity()).toBeNull();
    } finally {
      await runInDurableObject(ledger(), (_instance, state) => {
        for (const name of ["put", "delete", "setAlarm", "deleteAlarm"]) delete (state.storage as unknown as Patchable)[name];
      });
    }
  });
});
