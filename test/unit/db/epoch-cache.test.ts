import { describe, expect, test } from "vitest";
import { EpochCache } from "../../../src/db/epoch-cache";

describe("a cache in front of D1 that a write invalidates", () => {
  test("read once, then remembered until the epoch moves or the entry lapses", async () => {
    let epoch = 0;
    let reads = 0;
    const cache = new EpochCache<string>(() => epoch, 1_000, 10);
    const read = async () => `v${++reads}`;
    expect(await cache.through("a", read, 0)).toBe("v1");
    expect(await cache.through("a", read, 500)).toBe("v1");
    epoch++; // a write committed
    expect(await cache.through("a", read, 600)).toBe("v2");
    expect(await cache.through("a", read, 1_600)).toBe("v3"); // lapsed
  });

  test("a write that commits while the rows are read: the value is used once, never kept", async () => {
    let epoch = 0;
    let reads = 0;
    const cache = new EpochCache<string>(() => epoch, 60_000, 10);
    const racing = async () => {
      reads++;
      epoch++; // committed while this read was on its way
      return "stale";
    };
    expect(await cache.through("a", racing, 0)).toBe("stale");
    expect(await cache.through("a", async () => `fresh${++reads}`, 1)).toBe("fresh2");
  });

  test("bounded: the oldest entry goes first", async () => {
    const cache = new EpochCache<number>(() => 0, 60_000, 2);
    for (const id of ["a", "b", "c"]) await cache.through(id, async () => 1, 0);
    expect(cache.get("a", 1)).toBeNull();
    expect(cache.get("c", 1)).toBe(1);
  });
});
