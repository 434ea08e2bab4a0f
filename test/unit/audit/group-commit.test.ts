import { describe, expect, test } from "vitest";
import { genesisHash, linkHash } from "../../../src/audit/canonical";
import { GroupCommit, type ChainHead } from "../../../src/audit/group-commit";

/** A fake store standing in for D1: records each batch; a statement "bad" fails its batch. */
function harness(lingerMs?: number) {
  let head: ChainHead = { seq: 0, hash: genesisHash };
  const batches: string[][] = [];
  let release: (() => void) | null = null;
  let hold = false;
  const writer = new GroupCommit<string>({
    head: () => head,
    commit: async (statements, next) => {
      if (hold) await new Promise<void>((resolve) => (release = resolve));
      if (statements.includes("bad")) throw new Error("constraint failed");
      batches.push(statements);
      head = next;
    },
    ...(lingerMs === undefined ? {} : { lingerMs }),
  });
  return {
    writer,
    batches,
    head: () => head,
    holdNext: () => (hold = true),
    releaseHeld: () => {
      hold = false;
      release?.();
    },
  };
}

const sealing = (name: string) => async (draft: { next(hash: string): Promise<{ seq: number }> }) => {
  const link = await draft.next(name.padEnd(64, "0"));
  return [`${name}@${link.seq}`];
};

describe("group commit", () => {
  test("idle, an op commits at once in a batch of its own", async () => {
    const h = harness();
    await h.writer.submit(async () => ["a"]);
    expect(h.batches).toEqual([["a"]]);
  });

  test("ops arriving while a batch is in flight are committed together, chain positions in order", async () => {
    const h = harness();
    h.holdNext();
    const first = h.writer.submit(sealing("x"));
    await new Promise((resolve) => setTimeout(resolve, 0));
    const rest = ["a", "b", "c"].map((name) => h.writer.submit(sealing(name)));
    h.releaseHeld();
    await Promise.all([first, ...rest]);
    expect(h.batches).toEqual([["x@1"], ["a@2", "b@3", "c@4"]]);
    let expected = genesisHash;
    for (const [seq, name] of [[1, "x"], [2, "a"], [3, "b"], [4, "c"]] as const) expected = await linkHash(seq, expected, name.padEnd(64, "0"));
    expect(h.head()).toEqual({ seq: 4, hash: expected });
  });

  test("a failing op fails alone: the others are retried one by one and land", async () => {
    const h = harness();
    h.holdNext();
    const first = h.writer.submit(async () => ["first"]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    const good1 = h.writer.submit(sealing("g1"));
    const bad = h.writer.submit(async () => ["bad"]);
    const good2 = h.writer.submit(sealing("g2"));
    h.releaseHeld();
    await first;
    await expect(bad).rejects.toThrow("constraint failed");
    await Promise.all([good1, good2]);
    expect(h.batches).toEqual([["first"], ["g1@1"], ["g2@2"]]);
    expect(h.head().seq).toBe(2);
  });

  test("an op that cannot be built is refused without taking a chain position", async () => {
    const h = harness();
    await expect(h.writer.submit(async () => { throw new Error("no such record"); })).rejects.toThrow("no such record");
    await h.writer.submit(sealing("next"));
    expect(h.batches).toEqual([["next@1"]]);
  });

  test("a lingering op (a completion) rides along in the next op's batch that may not wait (a begin): one transaction for both", async () => {
    const h = harness(50);
    const completion = h.writer.submit(sealing("done"), { linger: true });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(h.batches).toEqual([]);
    await h.writer.submit(async () => ["begin"]);
    await completion;
    expect(h.batches).toEqual([["done@1", "begin"]]);
  });

  test("alone, a lingering op commits once its time is up, not before", async () => {
    const h = harness(30);
    const started = Date.now();
    await h.writer.submit(sealing("late"), { linger: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(h.batches).toEqual([["late@1"]]);
  });

  test("without lingerMs the flag changes nothing: it commits at once", async () => {
    const h = harness();
    await h.writer.submit(sealing("now"), { linger: true });
    expect(h.batches).toEqual([["now@1"]]);
  });

  test("a lingering op that fails never takes the begin it rode with down (error)", async () => {
    const h = harness(50);
    const bad = h.writer.submit(async () => ["bad"], { linger: true });
    const begin = h.writer.submit(async () => ["begin"]);
    await begin;
    await expect(bad).rejects.toThrow("constraint failed");
    expect(h.batches).toEqual([["begin"]]);
  });
});
