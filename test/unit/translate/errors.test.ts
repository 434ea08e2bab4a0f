import { describe, expect, test } from "vitest";
import { exchangeFor } from "../../../src/translate/exchange";
import { bytes, route } from "./routes";
import { json } from "./wire";

const chat = bytes({ model: "m", messages: [{ role: "user", content: "hi" }] });
const providerKey = "sk-proj-Abc123XYZsecretsecretsecret";

describe("a backend's refusal in the route's error dialect", () => {
  test("OpenAI's error on /api/chat is Ollama's {error} string with the backend's status", async () => {
    const x = exchangeFor(route("/api/chat"), "openai", chat);
    const answer = x.answer(json({ error: { message: "The model `m` does not exist or you do not have access to it.", type: "invalid_request_error", param: null, code: "model_not_found" } }, 404));
    expect(answer.status).toBe(404);
    expect(await answer.json()).toEqual({ error: "The model `m` does not exist or you do not have access to it." });
  });

  test("Anthropic's error on /v1/chat/completions is OpenAI's shape; on /api/chat Ollama's", async () => {
    const body = { type: "error", error: { type: "invalid_request_error", message: "messages: roles must alternate" }, request_id: "req_1" };
    const openAi = exchangeFor(route("/v1/chat/completions"), "anthropic", chat).answer(json(body, 400));
    expect(openAi.status).toBe(400);
    expect(await openAi.json()).toEqual({ error: { message: "messages: roles must alternate", type: "invalid_request_error", param: null, code: null } });
    const ollama = exchangeFor(route("/api/chat"), "anthropic", chat).answer(json(body, 400));
    expect(await ollama.json()).toEqual({ error: "messages: roles must alternate" });
  });

  test("OpenAI's error on /v1/messages is Anthropic's shape; 529 overloaded stays overloaded", async () => {
    const x = exchangeFor(route("/v1/messages"), "openai", bytes({ model: "m", max_tokens: 1, messages: [] }));
    const answer = x.answer(json({ error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } }, 429));
    expect(answer.status).toBe(429);
    expect(await answer.json()).toEqual({ type: "error", error: { type: "rate_limit_error", message: "Rate limit reached" } });
    const overloaded = exchangeFor(route("/api/chat"), "anthropic", chat).answer(json({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }, 529));
    expect(overloaded.status).toBe(503);
  });

  test("the backend refusing Gatehouse's credential is a 502, and what it said about the key never reaches the client", async () => {
    const said = { error: { message: `Incorrect API key provided: ${providerKey}. You can find your API key at https://platform.openai.com/account/api-keys.`, type: "invalid_request_error", code: "invalid_api_key" } };
    for (const [path, kind] of [["/api/chat", "openai"], ["/v1/chat/completions", "openai"], ["/v1/messages", "anthropic"], ["/v1/chat/completions", "anthropic"]] as const) {
      const answer = exchangeFor(route(path), kind, chat).answer(json(said, 401));
      expect(answer.status).toBe(502);
      const text = await answer.text();
      expect(text).not.toContain("sk-proj");
      expect(text).not.toContain("secret");
      expect(text).toContain(`The ${kind} backend refused Gatehouse's credentials`);
    }
  });

  test("a key-like token in any other error message is cut out; HTML error pages become a plain message", async () => {
    const x = () => exchangeFor(route("/api/chat"), "openai", chat);
    const leaky = await x().answer(json({ error: { message: `quota exceeded for key ${providerKey}` } }, 429)).json();
    expect(leaky).toEqual({ error: "quota exceeded for key [redacted]" });
    const html = x().answer(new Response("<html><body>502 Bad Gateway</body></html>", { status: 502, headers: { "Content-Type": "text/html" } }));
    expect(html.status).toBe(502);
    expect(await html.json()).toEqual({ error: "the backend refused the request" });
    const huge = await x().answer(json({ error: "x".repeat(100_000) }, 400)).json() as { error: string };
    expect(huge.error.length).toBe(500);
  });
});
