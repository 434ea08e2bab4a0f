import { expect, test } from "vitest";
import { clockCheck } from "../../../scripts/cli/doctor-checks";

const at = Date.parse("2026-12-02T12:00:00.400Z");

test("no skew when the gateway's Date falls inside the request (it has whole seconds)", () => {
  expect(clockCheck("Wed, 02 Dec 2026 12:00:00 GMT", at, at + 50).verdict).toBe("ok");
  expect(clockCheck("Wed, 02 Dec 2026 12:00:04 GMT", at, at + 50).verdict).toBe("ok");
});

test("warns beyond 5 s either way, saying by how much", () => {
  const ahead = clockCheck("Wed, 02 Dec 2026 12:00:09 GMT", at, at + 50);
  expect(ahead.verdict).toBe("warn");
  expect(ahead.reason).toMatch(/differ by 8\.\d s/);
  expect(clockCheck("Wed, 02 Dec 2026 11:59:50 GMT", at, at + 50).verdict).toBe("warn");
});

test("warns about an implausible system year and a missing header", () => {
  const y2k = Date.parse("2001-01-01T00:00:00Z");
  expect(clockCheck("Mon, 01 Jan 2001 00:00:00 GMT", y2k, y2k).reason).toMatch(/year is 2001/);
  expect(clockCheck(null, at, at).verdict).toBe("warn");
});
