import { Hono } from "hono";
import { describe, expect, test } from "vitest";
import type { AppEnv } from "../../../src/env";
import { liveVariables } from "../../../src/middleware/live-variables";

describe("c.var reads the request's variables in place", () => {
  test("the same view on every read, showing values set later, per request", async () => {
    const app = new Hono<AppEnv>();
    app.use(liveVariables());
    app.use(async (c, next) => {
      c.set("requestId", c.req.header("x-id") ?? "none");
      await next();
    });
    app.get("/", (c) => {
      const view = c.var;
      const before = view.model;
      c.set("model", "llama3.2:latest");
      return c.json({ same: c.var === view, before: before ?? null, after: view.model, id: c.var.requestId, has: "model" in c.var, hasNot: "principal" in c.var });
    });
    const first = await (await app.request("/", { headers: { "x-id": "a" } })).json();
    const second = await (await app.request("/", { headers: { "x-id": "b" } })).json();
    expect(first).toEqual({ same: true, before: null, after: "llama3.2:latest", id: "a", has: true, hasNot: false });
    expect(second).toMatchObject({ id: "b" });
  });
});
