import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { cycles, importGraph } from "./import-graph";

const src = fileURLToPath(new URL("../../../src", import.meta.url));

describe("layers read one way", () => {
  test("no import cycles in src/ (type-only imports included)", () => {
    expect(cycles(importGraph(src))).toEqual([]);
  });

  test("the check finds a cycle, type-only or through an index, when there is one", () => {
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["d.ts"]],
      ["e.ts", ["a.ts"]],
    ]);
    expect(cycles(graph)).toEqual([["a.ts", "b.ts", "c.ts"], ["d.ts"]]);
  });

  test("the graph reads import type, export from and dynamic imports", () => {
    const graph = importGraph(src);
    // src/index.ts re-exports the Durable Object classes and imports the app.
    expect(graph.get("index.ts")).toEqual(expect.arrayContaining(["app.ts", "governance/user-limiter.ts"]));
    // env.ts names its bindings' types only.
    expect(graph.get("env.ts")?.length).toBeGreaterThan(0);
  });
});
