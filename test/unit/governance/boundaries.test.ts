import { describe, expect, test } from "vitest";
import { principalFor } from "../../../src/auth/principal-for";
import { keyScopeSchema, type KeyScope } from "../../../src/auth/key-scope";
import type { UserRow } from "../../../src/db/users";
import { defaultLimits } from "../../../src/governance/limits";
import { narrowBoundaries, userBoundaries } from "../../../src/governance/boundaries";

/** The boundaries and pinned backends a request carries: the user's grant, narrowed by the key, never widened. */

function user(boundaries: string | null, allowCloudModels = false): UserRow {
  return {
    id: "u1", username: "ann", email: null, role: "user", status: "active", passwordHash: null, mustChangePassword: false,
    sessionVersion: 1, limits: null, allowCloudModels, boundaries, captureMode: null, lastExportAt: null, createdAt: 0, updatedAt: 0,
  };
}

const principal = (row: UserRow, scope: KeyScope | null = null) => principalFor(row, "key", defaultLimits, null, scope);

describe("a user's grant", () => {
  test("never set: from allowCloudModels", () => {
    expect(userBoundaries(user(null))).toEqual(["local"]);
    expect(userBoundaries(user(null, true))).toEqual(["local", "cloud"]);
  });

  test("set: `local` always, in order; a stored value that does not parse grants only `local`", () => {
    expect(userBoundaries(user('["cloud","lan"]'))).toEqual(["local", "lan", "cloud"]);
    for (const bad of ['["internet"]', "not json", '"cloud"', "[]"]) expect(userBoundaries(user(bad, true))).toEqual(["local"]);
  });
});

describe("a key's scope", () => {
  test("narrows: the principal carries only what both allow, and the cloud flag follows", () => {
    const p = principal(user('["lan","cloud"]', true), { boundaries: ["local", "lan"] });
    expect(p.boundaries).toEqual(["local", "lan"]);
    expect(p.allowCloudModels).toBe(false);
  });

  test("never widens: a key naming what the user lacks adds nothing", () => {
    const p = principal(user(null), { boundaries: ["local", "lan", "cloud"] });
    expect(p.boundaries).toEqual(["local"]);
    expect(p.allowCloudModels).toBe(false);
    expect(narrowBoundaries(["local"], ["cloud"])).toEqual([]);
  });

  test("no scope: the user's grant and no pinned backends", () => {
    expect(principal(user('["lan"]'))).toMatchObject({ boundaries: ["local", "lan"], pinnedBackends: null, allowCloudModels: false });
  });

  test("pinned backends pass through in order", () => {
    expect(principal(user(null), { backends: ["box-b", "box-a"] }).pinnedBackends).toEqual(["box-b", "box-a"]);
  });

  test("the scope's budget narrows the owner's like the other limits", () => {
    const owner = { ...user(null), limits: JSON.stringify({ ...defaultLimits, monthlyBudgetUsd: 50 }) };
    expect(principal(owner, { limits: { monthlyBudgetUsd: 10 } }).limits.monthlyBudgetUsd).toBe(10);
    expect(principal(owner, { limits: { monthlyBudgetUsd: 80 } }).limits.monthlyBudgetUsd).toBe(50);
    expect(principal(user(null), { limits: { monthlyBudgetUsd: 5 } }).limits.monthlyBudgetUsd).toBe(5);
  });

  test("the schema refuses unknown boundaries and malformed backend names", () => {
    for (const scope of [{ boundaries: ["internet"] }, { boundaries: [] }, { backends: ["Box"] }, { backends: ["a/b"] }, { backends: ["x", "x"] }]) {
      expect(keyScopeSchema.safeParse(scope).success, JSON.stringify(scope)).toBe(false);
    }
  });
});
