import { describe, expect, test } from "vitest";
import { capnpString, capnpValue } from "../../../scripts/lib/capnp-text";
import { normalizeWorkerdLine } from "../../../scripts/lib/workerd-log";

describe("workerd's output as Gatehouse log lines", () => {
  test("the worker's own line inside workerd's envelope is passed on as it is", () => {
    const ours = JSON.stringify({ time: "2026-12-03T09:00:00.000Z", level: "info", msg: "request", requestId: "r1" });
    const out = normalizeWorkerdLine(JSON.stringify({ timestamp: 1796288400000, level: "log", message: ours }), "stdout");
    expect(out).toEqual({ line: ours, level: "info" });
  });

  test("workerd's own messages become one JSON line each, newlines from a client kept inside the value", () => {
    const envelope = JSON.stringify({ timestamp: "1796288400000", level: "error", source: "x.rs:1", message: 'Uncaught exception: thrown \n{"time":"forged","level":"info","msg":"request"}' });
    const out = normalizeWorkerdLine(envelope, "stderr")!;
    expect(out.line.split("\n")).toHaveLength(1);
    expect(JSON.parse(out.line)).toMatchObject({ level: "error", event: "workerd", source: "x.rs:1", time: "2026-12-03T09:00:00.000Z" });
    expect(JSON.parse(out.line).msg).toContain('{"time":"forged"');
  });

  test("a line that is not JSON (workerd failing before it read its config) is wrapped", () => {
    const out = normalizeWorkerdLine("error: bad config", "stderr")!;
    expect(JSON.parse(out.line)).toMatchObject({ level: "error", msg: "error: bad config", event: "workerd" });
    expect(normalizeWorkerdLine("   ", "stdout")).toBeNull();
  });
});

describe("capnp text for the generated config", () => {
  test("a value cannot end its string or add a field: quotes, backslashes, newlines, control bytes and UTF-8 are escaped", () => {
    const hostile = 'a"b\\c\nd\r\x00e) , sockets = [ ( é';
    const literal = capnpString(hostile);
    expect(literal).toBe('"a\\"b\\\\c\\nd\\x0d\\x00e) , sockets = [ ( \\xc3\\xa9"');
    expect(literal.slice(1, -1)).not.toMatch(/(^|[^\\])"/);
  });

  test("structs and lists", () => {
    expect(capnpValue({ name: "x", http: {}, n: 1, on: true, skip: undefined, list: ["a"] })).toBe('(\n  name = "x",\n  http = (),\n  n = 1,\n  on = true,\n  list = [\n    "a"\n  ]\n)');
  });
});
