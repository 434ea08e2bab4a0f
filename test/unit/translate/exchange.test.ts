import { describe, expect, test } from "vitest";
import { backendKinds } from "../../../src/backends/types";
import { GatehouseError } from "../../../src/errors";
import { routeTable } from "../../../src/inference/route-table";
import { exchangeFor } from "../../../src/translate/exchange";
import { bytes, route, sentBody } from "./routes";
import { json } from "./wire";

const chat = bytes({ model: "m", messages: [{ role: "user", content: "hi" }] });

function refusal(path: string, kind: "openai" | "anthropic", body: Uint8Array | undefined = chat): GatehouseError {
  try {
    exchangeFor(route(path), kind, body);
  } catch (error) {
    if (error instanceof GatehouseError) return error;
    throw error;
  }
  throw new Error(`${path} on ${kind} was not refused`);
}

describe("which route reaches which kind", () => {
  test("an ollama backend gets every route as it is (today's behaviour)", () => {
    for (const row of routeTable) {
      const x = exchangeFor(row, "ollama", chat);
      expect(x.request).toEqual({ method: row.method, path: row.upstreamPath, body: chat });
      const upstream = new Response("x");
      expect(x.answer(upstream)).toBe(upstream);
    }
  });

  test("every route on every kind is served or refused with a 400 naming the kind: never anything else", () => {
    for (const row of routeTable) {
      for (const kind of backendKinds) {
        try {
          const x = exchangeFor(row, kind, row.method === "GET" ? undefined : chat);
          expect(x.request.path.startsWith("/")).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(GatehouseError);
          expect((error as GatehouseError).status).toBe(400);
          expect((error as GatehouseError).message).toContain(`"${kind}"`);
        }
      }
    }
  });

  test("openai kind: its own routes pass through under a /v1 base; Ollama's model details and management are refused", () => {
    const x = exchangeFor(route("/v1/chat/completions"), "openai", chat);
    expect(x.request).toEqual({ method: "POST", path: "/chat/completions", body: chat });
    expect(exchangeFor(route("/v1/embeddings"), "openai", chat).request.path).toBe("/embeddings");
    expect(exchangeFor(route("/v1/completions"), "openai", chat).request.path).toBe("/completions");
    for (const path of ["/api/show", "/api/ps", "/api/version", "/api/pull", "/api/create", "/api/copy", "/api/delete"]) {
      expect(refusal(path, "openai").message).toMatch(/kind "openai" cannot serve/);
    }
  });

  test("anthropic kind: embeddings and text completions are a clear 400", () => {
    expect(refusal("/api/embed", "anthropic").message).toBe('A backend of kind "anthropic" cannot serve POST /api/embed (embeddings).');
    expect(refusal("/v1/embeddings", "anthropic").message).toContain("(embeddings)");
    expect(refusal("/api/embeddings", "anthropic").message).toContain("(embeddings)");
    expect(refusal("/v1/completions", "anthropic").message).toContain("(text completions)");
    expect(refusal("/v1/responses", "anthropic").message).toContain("(the Responses API)");
    expect(refusal("/api/generate", "anthropic", bytes({ model: "m", prompt: "x", raw: true })).message).toContain("raw prompt");
  });

  test("anthropic kind: /v1/messages passes through with the API version header; the body is untouched", () => {
    const body = bytes({ model: "claude", max_tokens: 5, messages: [{ role: "user", content: "hi" }], metadata: { user_id: "u" } });
    const x = exchangeFor(route("/v1/messages"), "anthropic", body);
    expect(x.request).toEqual({ method: "POST", path: "/v1/messages", body, headers: { "anthropic-version": "2023-06-01" } });
  });

  test("/api/generate with raw or suffix goes to /completions with the prompt as it is", async () => {
    const x = exchangeFor(route("/api/generate"), "openai", bytes({ model: "coder", prompt: "def f(", suffix: "\n  return x", stream: false, options: { num_predict: 8 } }));
    expect(x.request.path).toBe("/completions");
    expect(sentBody(x.request.body)).toEqual({ model: "coder", prompt: "def f(", suffix: "\n  return x", stream: false, max_tokens: 8 });
    const answer = JSON.parse(await x.answer(json({ id: "cmpl-1", object: "text_completion", model: "coder", choices: [{ text: "x):", index: 0, finish_reason: "length" }], usage: { prompt_tokens: 3, completion_tokens: 8 } })).text());
    expect(answer).toMatchObject({ response: "x):", done: true, done_reason: "length", prompt_eval_count: 3, eval_count: 8 });
  });

  test("/v1/responses passes to an openai backend; an engine without it (404) is the 400 naming the kind, in OpenAI's shape", async () => {
    const x = exchangeFor(route("/v1/responses"), "openai", bytes({ model: "m", input: "hi" }));
    expect(x.request.path).toBe("/responses");
    const served = new Response("{}", { headers: { "Content-Type": "application/json" } });
    expect(x.answer(served)).toBe(served);
    const missing = x.answer(new Response("404 page not found", { status: 404 }));
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ error: { message: 'A backend of kind "openai" cannot serve POST /v1/responses (the engine answered 404: 404 page not found).', type: "invalid_request_error", param: null, code: null } });
  });
});
