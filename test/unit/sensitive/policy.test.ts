import { describe, expect, test } from "vitest";
import { collectTexts, replaceTexts } from "../../../src/sensitive/body-text";
import { actionFor, defaultAction, emptyPolicy } from "../../../src/sensitive/policy";

describe("policy resolution", () => {
  test("defaults: secrets redacted toward cloud backends, observed locally; personal data observed", () => {
    expect(defaultAction("private_key", "cloud")).toBe("redact");
    expect(defaultAction("gatehouse_key", "cloud")).toBe("redact");
    expect(defaultAction("private_key", "local")).toBe("observe");
    expect(defaultAction("email", "cloud")).toBe("observe");
    expect(defaultAction("custom:badge", "cloud")).toBe("observe");
  });

  test("the user's setting overrides the global one, in both directions", () => {
    const policy = { ...emptyPolicy, global: { email: "block" as const, iban: "observe" as const }, user: { email: "observe" as const, iban: "redact" as const } };
    expect(actionFor("email", policy, "local")).toBe("observe");
    expect(actionFor("iban", policy, "local")).toBe("redact");
    expect(actionFor("phone", policy, "local")).toBe("observe");
  });

  test("a key only narrows: stricter than its user's applies, looser does not", () => {
    const policy = { global: { jwt: "redact" as const }, user: {}, key: { jwt: "observe" as const, email: "block" as const } };
    expect(actionFor("jwt", policy, "local")).toBe("redact");
    expect(actionFor("email", policy, "local")).toBe("block");
    // The cloud default (redact) is the base a key cannot loosen either.
    expect(actionFor("aws_key", { ...emptyPolicy, key: { aws_key: "observe" } }, "cloud")).toBe("redact");
  });
});

describe("the text of a body, in every dialect", () => {
  const body = {
    model: "m", stream: true, keep_alive: "5m", format: "json", options: { stop: ["User:"], temperature: 0.1 },
    system: "sys", prompt: "p", instructions: "ins", input: [{ role: "user", content: [{ type: "input_text", text: "in" }] }],
    messages: [
      { role: "user", content: "hi", images: ["iVBORw0KGgo="] },
      { role: "assistant", tool_calls: [{ id: "c1", type: "function", function: { name: "lookup", arguments: '{"q":"args"}' } }] },
      { role: "tool", tool_call_id: "c1", content: "tool result" },
      { role: "user", content: [{ type: "text", text: "part" }, { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }, { type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: "anthropic result" }] }] },
    ],
  };

  test("every text a model reads, and nothing that names, configures or encodes an image", () => {
    expect(collectTexts(body)).toEqual(["sys", "p", "ins", "in", "hi", '{"q":"args"}', "tool result", "part", "anthropic result"]);
  });

  test("replacing keeps everything else identical and shares untouched parts", () => {
    const texts = collectTexts(body);
    const replaced = replaceTexts(body, texts.map((t) => t.toUpperCase())) as typeof body;
    expect(collectTexts(replaced)).toEqual(texts.map((t) => t.toUpperCase()));
    expect(replaced.options).toBe(body.options);
    expect(replaced.messages[0]!.images).toBe(body.messages[0]!.images);
    expect(replaced.model).toBe("m");
    expect(replaceTexts(body, texts)).toBe(body);
  });
});
