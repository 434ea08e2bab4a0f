import { describe, expect, test } from "vitest";
import { capture, chunkText, groupByBytes } from "../../../src/audit/content";

describe("capture modes", () => {
  test("full keeps the text, its hash and its UTF-8 length", async () => {
    expect(await capture("full", "héllo")).toEqual({ text: "héllo", bytes: 6, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
  test("hash keeps the hash and length only", async () => {
    const full = await capture("full", "héllo");
    expect(await capture("hash", "héllo")).toEqual({ text: null, bytes: 6, sha256: full.sha256 });
  });
  test("metadata keeps nothing", async () => {
    expect(await capture("metadata", "héllo")).toEqual({ text: null, bytes: null, sha256: null });
  });
});

describe("chunking", () => {
  test("pieces join back to the text and never split a surrogate pair", () => {
    const text = "a😀".repeat(1000);
    for (const size of [2, 3, 7, 100]) {
      const pieces = chunkText(text, size);
      expect(pieces.join("")).toBe(text);
      for (const piece of pieces) {
        expect(piece.length).toBeLessThanOrEqual(size);
        expect(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(new TextEncoder().encode(piece))).toBe(piece);
        expect(piece).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
      }
    }
  });
  test("an empty text has no pieces", () => {
    expect(chunkText("")).toEqual([]);
  });
});

describe("groupByBytes", () => {
  test("groups stay under the bound unless one item alone is bigger", () => {
    expect(groupByBytes([3, 3, 3, 10, 1, 0, 0], (n) => n, 6)).toEqual([[3, 3], [3], [10], [1, 0, 0]]);
  });
});
