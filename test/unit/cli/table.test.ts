import { describe, expect, test } from "vitest";
import { renderFields, renderTable } from "../../../scripts/cli/table";
import { findCommand } from "../../../scripts/cli/commands";

describe("renderTable", () => {
  const rows = [
    { name: "alice", rpm: 10, models: null },
    { name: "a-much-longer-name", rpm: 1000, models: "llama*\nqwen*" },
  ];
  const table = renderTable(rows, [
    { header: "NAME", value: (r) => r.name },
    { header: "RPM", value: (r) => r.rpm, align: "right" },
    { header: "MODELS", value: (r) => r.models },
  ]);
  const lines = table.split("\n");

  test("pads every column to its widest cell and right-aligns numbers", () => {
    expect(lines).toEqual([
      "NAME                 RPM  MODELS",
      "alice                 10  -",
      "a-much-longer-name  1000  llama* qwen*",
    ]);
  });

  test("shows a missing value as '-' and flattens line breaks inside a cell", () => {
    expect(lines[1]!.endsWith("  -")).toBe(true);
    expect(lines[2]).toContain("llama* qwen*");
  });
});

test("renderFields aligns the values of a record", () => {
  expect(renderFields([["id", "k1"], ["secret", "gh_x"]])).toBe("id:     k1\nsecret: gh_x");
});

describe("findCommand", () => {
  test("matches two-word commands before one-word ones and hands on the rest", () => {
    expect(findCommand(["users", "approve", "bob"])?.command.name).toBe("users approve");
    expect(findCommand(["users", "approve", "bob"])?.args).toEqual(["bob"]);
    expect(findCommand(["backup", "--out", "x"])?.args).toEqual(["--out", "x"]);
    expect(findCommand(["queue"])?.command.name).toBe("queue");
  });
  test("knows nothing it was not told", () => {
    expect(findCommand(["users", "delete", "bob"])).toBeNull();
    expect(findCommand(["frobnicate"])).toBeNull();
  });
});
