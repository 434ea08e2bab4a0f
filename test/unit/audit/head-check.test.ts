import { describe, expect, test } from "vitest";
import { judgeHead } from "../../../src/audit/integrity";

const expected = { seq: 10, hash: "h10" };

describe("judging what D1 holds against the ledger's head", () => {
  test("the head where it was left, or links beyond it (an anchor update lost to a crash): nothing broken", () => {
    expect(judgeHead(expected, { lastSeq: 10, lastHash: "h10", anchorHash: "h10" })).toBeNull();
    expect(judgeHead(expected, { lastSeq: 12, lastHash: "h12", anchorHash: "h10" })).toBeNull();
  });

  test("fewer links than the head: rolled back (an empty chain too)", () => {
    expect(judgeHead(expected, { lastSeq: 7, lastHash: "h7", anchorHash: null }, 1)).toEqual({ reason: "rolled_back", detectedAt: 1, expected, found: { seq: 7, hash: "h7" } });
    expect(judgeHead(expected, { lastSeq: null, lastHash: null, anchorHash: null }, 1)).toMatchObject({ reason: "rolled_back", found: { seq: 0, hash: "" } });
    expect(judgeHead(expected, undefined, 1)).toMatchObject({ reason: "rolled_back" });
  });

  test("another hash at the head's position: rewritten", () => {
    expect(judgeHead(expected, { lastSeq: 10, lastHash: "forged", anchorHash: "forged" }, 1)).toMatchObject({ reason: "rewritten", found: { seq: 10, hash: "forged" } });
    expect(judgeHead(expected, { lastSeq: 11, lastHash: "h11", anchorHash: "forged" })).toMatchObject({ reason: "rewritten" });
  });

  test("an empty ledger expects nothing", () => {
    expect(judgeHead({ seq: 0, hash: "genesis" }, undefined)).toBeNull();
  });
});
