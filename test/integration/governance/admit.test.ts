import { beforeEach, describe, expect, test } from "vitest";
import type { Bindings } from "../../../src/env";
import { resetSimulator, simulatorLog } from "../helpers/simulator";
import { chatBody, complete, globalQueue, limiterOf, principalFor, send } from "./harness";
import { errorCode } from "../../helpers/error-shape";

beforeEach(async () => {
  await resetSimulator();
});

const user = () => `user-${crypto.randomUUID()}`;
const chatsSeen = async () => (await simulatorLog()).requests.filter((r) => r.path === "/api/chat").length;

const codeOf = (text: string) => errorCode(JSON.parse(text));

describe("admit (happy)", () => {
  test("40 requests racing a burst of 10: exactly 10 admitted, and the upstream sees exactly 10", async () => {
    const alice = principalFor(user(), { rpm: 10, burst: 10, concurrency: null });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => complete(alice, "/api/chat", chatBody(`race ${i}`))),
    );
    const statuses = results.map((r) => r.response.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30);
    expect(await chatsSeen()).toBe(10);
  });

  test("a successful answer carries the RateLimit headers", async () => {
    const { response } = await complete(principalFor(user(), { rpm: 60, burst: 5 }), "/api/chat", chatBody("hi"));
    expect(response.status).toBe(200);
    expect(response.headers.get("ratelimit-limit")).toBe("5");
    expect(response.headers.get("ratelimit-remaining")).toBe("4");
    expect(Number(response.headers.get("ratelimit-reset"))).toBeGreaterThan(0);
  });

  test("the tokens Ollama reports in its final streamed chunk are charged to the user", async () => {
    const bob = principalFor(user(), { dailyTokens: 100_000 });
    const { response, text } = await complete(bob, "/api/chat", chatBody("count my tokens", true));
    expect(response.status).toBe(200);
    const last = JSON.parse(text.trim().split("\n").at(-1)!) as { prompt_eval_count: number; eval_count: number };
    const report = await limiterOf(bob.userId).report(bob.limits);
    expect(report.day.used).toBe(last.prompt_eval_count + last.eval_count);
    expect(report.month.used).toBe(report.day.used);
    expect(report.inflight).toBe(0);
  });

  test("OpenAI usage is charged too", async () => {
    const carol = principalFor(user());
    const { response, text } = await complete(carol, "/v1/chat/completions", { ...chatBody("openai"), stream: false });
    expect(response.status).toBe(200);
    const usage = (JSON.parse(text) as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
    expect((await limiterOf(carol.userId).report(carol.limits)).day.used).toBe(usage.prompt_tokens + usage.completion_tokens);
  });
});

describe("admit (refusals)", () => {
  test("429 rate_limited with Retry-After and RateLimit headers, never forwarded", async () => {
    const dan = principalFor(user(), { rpm: 1, burst: 1 });
    expect((await complete(dan, "/api/chat", chatBody("one"))).response.status).toBe(200);
    const { response, text } = await complete(dan, "/api/chat", chatBody("two"));
    expect(response.status).toBe(429);
    expect(codeOf(text)).toBe("rate_limited");
    expect(response.headers.get("retry-after")).toBe("60");
    expect(response.headers.get("ratelimit-limit")).toBe("1");
    expect(response.headers.get("ratelimit-remaining")).toBe("0");
    expect(await chatsSeen()).toBe(1);
  });

  test("429 quota_exceeded once the daily tokens are spent; the refusal costs nothing", async () => {
    const erin = principalFor(user(), { dailyTokens: 1 });
    expect((await complete(erin, "/api/chat", chatBody("spend it"))).response.status).toBe(200);
    const used = (await limiterOf(erin.userId).report(erin.limits)).day.used;
    const { response, text } = await complete(erin, "/api/chat", chatBody("more"));
    expect(response.status).toBe(429);
    expect(codeOf(text)).toBe("quota_exceeded");
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(response.headers.get("ratelimit-remaining")).toBe("0");
    expect((await limiterOf(erin.userId).report(erin.limits)).day.used).toBe(used);
    expect(await chatsSeen()).toBe(1);
  });

  test("503 overloaded when the GPU queue is full; the user's slot is given back", async () => {
    const queue = globalQueue();
    const held = Array.from({ length: 2 }, () => ({ leaseId: crypto.randomUUID(), userId: "holder", username: "holder", service: false }));
    for (const lease of held) await queue.enter(lease);
    const waiting = Array.from({ length: 16 }, (_, i) => ({ leaseId: crypto.randomUUID(), userId: `w${i}`, username: "w", service: false }));
    const pending = waiting.map((lease) => queue.enter(lease));
    while ((await queue.snapshot()).waiting < 16) await new Promise((r) => setTimeout(r, 5));

    const fay = principalFor(user());
    const { response, text } = await complete(fay, "/api/chat", chatBody("no room"));
    expect(response.status).toBe(503);
    expect(codeOf(text)).toBe("overloaded");
    expect(response.headers.get("retry-after")).toBe("5");
    expect(response.headers.get("ratelimit-limit")).toBe("10");
    expect((await limiterOf(fay.userId).report(fay.limits)).inflight).toBe(0);
    expect(await chatsSeen()).toBe(0);

    for (const lease of [...waiting, ...held]) await queue.release(lease.leaseId);
    await Promise.all(pending);
  });
});

describe("admit fails closed (security)", () => {
  const broken = { get: () => { throw new Error("storage gone"); }, idFromName: () => ({}) };
  const rejecting = {
    idFromName: () => ({}),
    get: () => ({ acquire: () => Promise.reject(new Error("boom")), enter: () => Promise.reject(new Error("boom")), release: () => Promise.resolve() }),
  };

  test.each([
    ["the user's limiter cannot be reached", { USER_LIMITER: broken }],
    ["the user's limiter throws", { USER_LIMITER: rejecting }],
    ["the GPU queue throws", { ADMISSION: rejecting }],
  ])("503 limiter_unavailable when %s, never forwarded", async (_, bindings) => {
    const gus = principalFor(user());
    const { response, settled } = await send(gus, "/api/chat", chatBody("fail closed"), {
      bindings: bindings as unknown as Partial<Bindings>,
    });
    expect(response.status).toBe(503);
    expect(codeOf(await response.text())).toBe("limiter_unavailable");
    expect(response.headers.get("retry-after")).toBe("5");
    await settled;
    expect(await chatsSeen()).toBe(0);
    expect((await limiterOf(gus.userId).report(gus.limits)).inflight).toBe(0);
  });
});
