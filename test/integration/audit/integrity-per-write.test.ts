import { env } from "cloudflare:test";
import { describe, expect, test } from "vitest";
import { finished, ledger, started } from "./helpers";

/**
 * The ledger checks that D1 still ends where it left the chain before every
 * write, not only at start (the e2e rollback tests restart the process). The
 * check rides in the write's own batch; this shows it still catches a
 * rollback done while the ledger runs, and that the write is recorded anyway.
 */
describe("the audit ledger checks D1's head with every write", () => {
  test("links cut off the end of the chain while it runs: the next write notes rolled_back, and still lands", async () => {
    for (let i = 0; i < 3; i++) {
      const record = started();
      await ledger().begin(record, null);
      await ledger().complete(record.id, finished(), null);
    }
    expect(await ledger().integrity()).toBeNull(); // an ordinary write finds the head where it was left
    const anchor = await ledger().anchor();
    expect(anchor?.seq).toBeGreaterThanOrEqual(3);

    // An older copy of the database, behind the ledger's back: the newest links are gone.
    await env.DB.prepare("DELETE FROM audit_chain WHERE seq > ?").bind(anchor!.seq - 2).run();
    const after = started();
    await ledger().begin(after, null);
    expect(await ledger().integrity()).toMatchObject({ reason: "rolled_back", expected: anchor, found: { seq: anchor!.seq - 2 } });
    const row = await env.DB.prepare("SELECT id FROM audit_events WHERE id = ?").bind(after.id).first();
    expect(row).toEqual({ id: after.id });
  });
});
