import { describe, expect, test } from "vitest";
import { encodeAdminAction, encodeEvent, encodeLink, eventContentHash, genesisHash, linkHash, type SealedEvent } from "../../../src/audit/canonical";
import { sha256Hex } from "../../../src/hex";

const event: SealedEvent = {
  id: "r-1", kind: "request", startedAt: 1_700_000_000_000, userId: "u-1", keyId: null, clientAddress: "10.0.0.1",
  method: "POST", endpoint: "/api/chat", model: "llama3.2:latest", stream: true, captureMode: "hash",
  promptSha256: "a".repeat(64), promptBytes: 12, status: 200, outcome: "ok", code: null, latencyMs: 40, ttfbMs: 5,
  promptTokens: 3, completionTokens: 9, bytesOut: 900, responseSha256: "b".repeat(64), responseBytes: 30,
  finishedAt: 1_700_000_000_040, count: 1,
};

describe("canonical encoding", () => {
  test("is a versioned JSON array in a fixed field order", () => {
    expect(encodeEvent(event)).toBe(
      '["event/v1","r-1","request",1700000000000,"u-1",null,"10.0.0.1","POST","/api/chat","llama3.2:latest",true,"hash",' +
        `"${"a".repeat(64)}",12,200,"ok",null,40,5,3,9,900,"${"b".repeat(64)}",30,1700000000040,1]`,
    );
  });

  test("does not depend on the order the object's keys were written in", () => {
    const reordered = Object.fromEntries(Object.entries(event).reverse()) as unknown as SealedEvent;
    expect(encodeEvent(reordered)).toBe(encodeEvent(event));
  });

  test("covers every field: changing any one changes the hash", async () => {
    const base = await eventContentHash(event);
    const changes: Partial<SealedEvent>[] = [
      { id: "r-2" }, { userId: null }, { clientAddress: "10.0.0.2" }, { status: 500 }, { outcome: "denied" },
      { completionTokens: 10 }, { responseSha256: "c".repeat(64) }, { stream: false }, { count: 2 }, { finishedAt: null },
    ];
    for (const change of changes) expect(await eventContentHash({ ...event, ...change })).not.toBe(base);
  });

  test("a string cannot pose as two fields (JSON escaping keeps boundaries)", () => {
    const tricky = encodeEvent({ ...event, endpoint: '/api/chat","x' });
    expect(JSON.parse(tricky)[8]).toBe('/api/chat","x');
  });

  test("admin actions and links have their own tags", () => {
    expect(encodeAdminAction({ id: "a", at: 1, actorUserId: "u", action: "user.delete", targetUserId: "t", requestId: null, detail: null })).toBe(
      '["admin/v1","a",1,"u","user.delete","t",null,null]',
    );
    expect(encodeLink(1, genesisHash, "f".repeat(64))).toBe(`["link/v1",1,"${genesisHash}","${"f".repeat(64)}"]`);
  });

  test("SHA-256 is the standard one, in lower-case hex", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  test("a link's hash depends on its position, its predecessor and its content", async () => {
    const content = "1".repeat(64);
    const hash = await linkHash(1, genesisHash, content);
    expect(await linkHash(2, genesisHash, content)).not.toBe(hash);
    expect(await linkHash(1, "2".repeat(64), content)).not.toBe(hash);
    expect(await linkHash(1, genesisHash, "3".repeat(64))).not.toBe(hash);
  });
});

describe("where a request was served (issue 16) in the canonical form", () => {
  test("records without a backend encode exactly as before", () => {
    const before = encodeEvent(event);
    expect(encodeEvent({ ...event, backend: null, servedModel: null, failover: null, costMicros: null })).toBe(before);
  });

  test("each served field, once set, is covered", async () => {
    const served = { ...event, backend: "box2", servedModel: "llama3", failover: '["box1"]', costMicros: 1234 };
    const base = await eventContentHash(served);
    for (const change of [{ backend: "box1" }, { servedModel: "qwen" }, { failover: null }, { costMicros: 1235 }]) {
      expect(await eventContentHash({ ...served, ...change })).not.toBe(base);
    }
    expect(JSON.parse(encodeEvent(served)).at(-1)).toEqual(["served/v1", "box2", "llama3", '["box1"]', 1234]);
  });
});
