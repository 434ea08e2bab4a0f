import { ChatOllama } from "@langchain/ollama";
import { Ollama } from "ollama";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient } from "./helpers/accounts";
import type { GatehouseProcess } from "./helpers/gatehouse-process";
import { startStack, stopStack } from "./helpers/stack";

/**
 * Issue 13.12: Ollama's own clients read `error` as a string. Through
 * Gatehouse the official `ollama` npm client and LangChain's ChatOllama must
 * show Gatehouse's message for 400, 401, 403 and 429 — not "[object Object]".
 */
describe("Ollama's clients read Gatehouse's errors", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  let secret = "";
  let qwenOnly = "";
  let stingy = "";

  beforeAll(async () => {
    ({ simulator, gatehouse } = await startStack());
    const admin = await AdminClient.signIn(gatehouse.url);
    const generous = { rpm: 1000, burst: 1000, concurrency: 10, dailyTokens: null, monthlyTokens: null, models: null };
    secret = (await admin.userWithKey("errors-open", { limits: generous })).secret;
    qwenOnly = (await admin.userWithKey("errors-qwen", { limits: { ...generous, models: ["qwen*"] } })).secret;
    stingy = (await admin.userWithKey("errors-stingy", { limits: { ...generous, rpm: 1, burst: 1 } })).secret;
  });
  afterAll(async () => {
    await stopStack(simulator, gatehouse);
  });

  const ollama = (key: string) => new Ollama({ host: gatehouse.url, headers: { Authorization: `Bearer ${key}` } });
  const failure = (promise: Promise<unknown>) => promise.then(() => { throw new Error("expected a failure"); }, (error: unknown) => error as Error & { status_code?: number; error?: string });

  test.each([
    ["400", () => ollama(secret).chat({ model: "llama3.2", messages: [{ role: "user", content: "x" }], options: { num_ctx: 10_000_000 } }), 400, /^options\.num_ctx: at most/],
    ["401", () => ollama("gh_nope_invalid").list(), 401, /credentials are missing or invalid/],
    ["403", () => ollama(qwenOnly).chat({ model: "llama3.2", messages: [{ role: "user", content: "x" }] }), 403, /"llama3\.2" is not allowed for you/],
  ])("ollama-js shows the message of a %s", async (_name, call, status, message) => {
    const error = await failure(call());
    expect(error.status_code).toBe(status);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain("[object Object]");
  });

  test("ollama-js shows the message of a 429", async () => {
    await ollama(stingy).generate({ model: "llama3.2", prompt: "x" });
    const error = await failure(ollama(stingy).generate({ model: "llama3.2", prompt: "x" }));
    expect(error.status_code).toBe(429);
    expect(error.message).toBe("Too many requests; slow down.");
  });

  test("LangChain's ChatOllama shows the message too", async () => {
    const model = new ChatOllama({ baseUrl: gatehouse.url, model: "llama3.2", headers: { Authorization: `Bearer ${qwenOnly}` }, maxRetries: 0 });
    const error = await failure(model.invoke("hello"));
    expect(error.message).toMatch(/"llama3\.2" is not allowed for you/);
    expect(error.message).not.toContain("[object Object]");
  });
});
