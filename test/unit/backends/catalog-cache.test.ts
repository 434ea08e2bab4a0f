import { describe, expect, test } from "vitest";
import { runtimeCatalog } from "../../../src/backends/catalog";
import { bumpCatalogEpoch } from "../../../src/backends/catalog-epoch";
import { parseConfig } from "../../../src/config";

/** A D1 stand-in that counts the statements prepared and holds no rows (an install without a catalog). */
function countingD1() {
  let prepared = 0;
  const statement = {
    bind: () => statement,
    all: async () => ({ results: [], success: true, meta: {} }),
    raw: async () => [],
    first: async () => null,
    run: async () => ({ results: [], success: true, meta: {} }),
  };
  const db = { prepare: () => (prepared++, statement), batch: async () => [] } as unknown as D1Database;
  return { db, prepared: () => prepared };
}

describe("the runtime catalog is read once per catalog change, not per request", () => {
  test("an unchanged catalog is not read again; a change (the epoch) is read at the next request", async () => {
    const config = parseConfig({ GATEHOUSE_OLLAMA: "127.0.0.1:11434" });
    const { db, prepared } = countingD1();
    bumpCatalogEpoch();
    const first = await runtimeCatalog(db, config);
    expect(first.onlyLocal).toBe(true);
    expect(first.backends.map((backend) => backend.name)).toEqual(["local"]);
    for (let i = 0; i < 100; i++) await runtimeCatalog(db, config);
    expect(prepared()).toBe(1);
    bumpCatalogEpoch();
    await runtimeCatalog(db, config);
    expect(prepared()).toBe(2);
  });

  test("with GATEHOUSE_CREDENTIAL_CACHE=off (several isolates) every request reads it", async () => {
    const config = parseConfig({ GATEHOUSE_OLLAMA: "127.0.0.1:11434", GATEHOUSE_CREDENTIAL_CACHE: "off" });
    const { db, prepared } = countingD1();
    for (let i = 0; i < 3; i++) await runtimeCatalog(db, config);
    expect(prepared()).toBe(3);
  });
});
