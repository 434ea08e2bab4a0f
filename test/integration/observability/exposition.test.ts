import { describe, expect, test } from "vitest";
import { Counter, Histogram, escapeLabelValue, exposition, overflowValue, renderSnapshot } from "../../../src/observability/exposition";
import { parseExposition } from "./exposition-parse";

describe("the exposition writer", () => {
  test("label values escape backslash, double quote and newline", () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    const counter = new Counter({ name: "t_total", help: "help with \\ and\nnewline", labelNames: ["user"] });
    counter.inc({ user: 'x"} 1\ny_total 9' });
    const text = exposition([counter]);
    expect(text).toBe('# HELP t_total help with \\\\ and\\nnewline\n# TYPE t_total counter\nt_total{user="x\\"} 1\\ny_total 9"} 1\n');
    const parsed = parseExposition(text);
    expect(parsed.samples).toHaveLength(1); // the injected "sample" stayed inside the label
    expect(parsed.value("t_total", { user: 'x"} 1\ny_total 9' })).toBe(1);
  });

  test("a counter never goes down, and ignores non-numbers", () => {
    const counter = new Counter({ name: "c_total", help: "c" });
    counter.inc({}, 2);
    counter.inc({}, -5);
    counter.inc({}, Number.NaN);
    expect(parseExposition(exposition([counter])).value("c_total")).toBe(2);
  });

  test("a histogram has cumulative buckets, le=\"+Inf\" equal to _count, and _sum", () => {
    const histogram = new Histogram({ name: "h_seconds", help: "h", labelNames: ["route"], buckets: [1, 0.1, 10] });
    for (const value of [0.05, 0.5, 0.5, 5, 50]) histogram.observe({ route: "/x" }, value);
    const parsed = parseExposition(exposition([histogram]));
    const bucket = (le: string) => parsed.value("h_seconds_bucket", { route: "/x", le });
    expect([bucket("0.1"), bucket("1"), bucket("10"), bucket("+Inf")]).toEqual([1, 3, 4, 5]);
    expect(parsed.value("h_seconds_count", { route: "/x" })).toBe(5);
    expect(parsed.value("h_seconds_sum", { route: "/x" })).toBeCloseTo(56.05);
  });

  test("past maxSeries, new label sets fold into the overflow series of the capped labels", () => {
    const counter = new Counter({ name: "r_total", help: "r", labelNames: ["route", "user"], maxSeries: 3, cappedLabels: ["user"] });
    for (let i = 0; i < 50; i++) counter.inc({ route: "/api/chat", user: `user-${i}` });
    counter.inc({ route: "/api/chat", user: "user-1" }); // an existing series still counts as itself
    const parsed = parseExposition(exposition([counter]));
    expect(counter.size).toBe(4);
    expect(parsed.value("r_total", { route: "/api/chat", user: "user-1" })).toBe(2);
    expect(parsed.value("r_total", { route: "/api/chat", user: overflowValue })).toBe(47);
  });

  test("very long label values are cut", () => {
    const counter = new Counter({ name: "l_total", help: "l", labelNames: ["model"] });
    counter.inc({ model: "m".repeat(10_000) });
    expect(parseExposition(exposition([counter])).samples[0]!.labels.model).toHaveLength(128);
  });

  test("bad names and buckets are refused when the metric is defined", () => {
    expect(() => new Counter({ name: "bad-name", help: "x" })).toThrow();
    expect(() => new Histogram({ name: "h", help: "x", labelNames: ["le"], buckets: [1] })).toThrow();
    expect(() => new Histogram({ name: "h", help: "x", buckets: [1, 1] })).toThrow();
  });

  test("snapshot families render like the rest and parse", () => {
    const text = exposition([renderSnapshot("g", "gauge", "a gauge", [{ labels: { a: "1" }, value: 3 }, { value: Infinity }])]);
    const parsed = parseExposition(text);
    expect(parsed.value("g", { a: "1" })).toBe(3);
    expect(parsed.value("g")).toBe(Infinity);
  });

  test("the reader rejects what the format forbids (so the other tests mean something)", () => {
    expect(() => parseExposition("x 1\n")).toThrow(/TYPE/);
    expect(() => parseExposition("# TYPE x counter\nx 1\n")).toThrow(/HELP/);
    expect(() => parseExposition('# HELP x x\n# TYPE x counter\nx{a="b} 1\n')).toThrow();
    expect(() => parseExposition("# HELP x x\n# TYPE x counter\nx 1")).toThrow(/newline/);
    expect(() => parseExposition('# HELP h h\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n')).toThrow(/\+Inf/);
  });
});
