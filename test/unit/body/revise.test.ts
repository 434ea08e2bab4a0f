import { Hono } from "hono";
import { expect, test } from "vitest";
import { BodyEdits } from "../../../src/body/edits";
import { outgoingBody } from "../../../src/body/received";
import { scanJson } from "../../../src/body/scan";
import type { AppEnv } from "../../../src/env";
import { reviseForwardedBody } from "../../../src/inference/inspect";

/** A step after inspection (admission) adds an edit; the rest still goes as sent. */
test("reviseForwardedBody splices one more edit into what is forwarded", async () => {
  const text = '{"model":"m", "options":{"num_predict":500,"seed":1.0},"x":[1, 2]}';
  const app = new Hono<AppEnv>();
  app.post("/", (c) => {
    const received = { bytes: new TextEncoder().encode(text), text, value: JSON.parse(text) as unknown, layout: scanJson(text).root };
    const edits = new BodyEdits();
    c.set("receivedBody", received);
    c.set("bodyEdits", edits);
    c.set("upstreamBody", outgoingBody(received, edits));
    const before = c.var.upstreamBody!.text;
    reviseForwardedBody(c, ["options", "num_predict"], 120);
    return c.json({ before, after: c.var.upstreamBody!.text, edited: c.var.upstreamBody!.edited });
  });
  const result = await (await app.request("/", { method: "POST" })).json();
  expect(result).toEqual({
    before: text,
    after: '{"model":"m","options":{"num_predict":120,"seed":1.0},"x":[1, 2]}',
    edited: ["options.num_predict"],
  });
});
