import { describe, expect, test } from "vitest";
import { backendUrl } from "../../../src/backends/outbound";
import { GatehouseError } from "../../../src/errors";

describe("the URL sent to a backend is its base URL plus a path from our tables", () => {
  test("joins the base path and the route's path", () => {
    expect(backendUrl("http://box:8000/v1", "/chat/completions")).toBe("http://box:8000/v1/chat/completions");
    expect(backendUrl("https://api.example.com/v1/", "/models")).toBe("https://api.example.com/v1/models");
    expect(backendUrl("http://box:11434", "/api/chat")).toBe("http://box:11434/api/chat");
    expect(backendUrl("http://box:11434", "/v1/models/hf.co%2Fuser%2Fm")).toBe("http://box:11434/v1/models/hf.co%2Fuser%2Fm");
  });

  test.each([
    "/../admin", "/v1/models/..", "/v1/models/%2e%2e", "/v1/models/%2E%2e%2Fx", "/v1/models/a%2F..%2Fb", "//evil.example/x",
    "/x?y=1", "/x#f", "/x\\..\\y", "relative", "/a//b", "/%zz",
  ])("refuses %s", (path) => {
    expect(() => backendUrl("http://box:8000/v1", path)).toThrow(GatehouseError);
  });

  test("a base with user info is refused rather than sent", () => {
    expect(() => backendUrl("http://user:pass@box:8000/v1", "/models")).toThrow(GatehouseError);
  });
});
