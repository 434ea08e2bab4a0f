import { beforeAll, beforeEach, describe, expect, test } from "vitest";
import { gateway as rawGateway } from "./helpers/gateway";
import { configureSimulator, resetSimulator, simulatorLog } from "./helpers/simulator";
import { seedKey, seedUser } from "./identity/helpers";

/**
 * Streaming fidelity: what the client sees when the upstream splits, fails or
 * dies, and what the upstream sees when the client goes away.
 */

const generous = JSON.stringify({ rpm: 10_000, burst: 10_000, concurrency: 50, dailyTokens: null, monthlyTokens: null, models: null });
let authorization = "";

beforeAll(async () => {
  const user = await seedUser({ limits: generous });
  authorization = `Bearer ${(await seedKey(user.id)).secret}`;
});
beforeEach(() => resetSimulator());

function post(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return rawGateway(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: authorization },
    body: JSON.stringify(body),
    signal,
  });
}

const chat = (content = "tell me a story about the sea") => ({ model: "llama3.2:latest", messages: [{ role: "user", content }] });

async function lines(response: Response): Promise<string[]> {
  return (await response.text()).split("\n").filter((line) => line.length > 0);
}

describe("streaming (happy)", () => {
  test("lines split inside a UTF-8 character reach the client whole and valid", async () => {
    await configureSimulator({ splitUtf8: true, chunkCount: 6 });
    const response = await post("/api/chat", chat());
    const reader = response.body!.getReader();
    const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // Every chunk the client receives decodes on its own and ends at a line end.
      text += strict.decode(value);
      expect(text.endsWith("\n")).toBe(true);
    }
    const parsed = text.trim().split("\n").map((line) => JSON.parse(line));
    expect(parsed.map((line) => line.message?.content ?? "").join("")).toContain("é🙂");
    expect(parsed.at(-1)).toMatchObject({ done: true });
  });

  test("OpenAI SSE passes through event by event and ends with [DONE]", async () => {
    await configureSimulator({ chunkCount: 4 });
    const response = await post("/v1/chat/completions", { ...chat(), stream: true, stream_options: { include_usage: true } });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = (await lines(response)).filter((line) => line.startsWith("data: "));
    expect(events.at(-1)).toBe("data: [DONE]");
    const usage = events.slice(0, -1).map((line) => JSON.parse(line.slice(6))).find((event) => event.usage);
    expect(usage.usage.completion_tokens).toBe(4);
  });
});

describe("token usage for quotas (security)", () => {
  test("an OpenAI stream without include_usage is still metered, and the client sees no extra event", async () => {
    await configureSimulator({ chunkCount: 3 });
    const events = (await lines(await post("/v1/chat/completions", { ...chat(), stream: true }))).filter((line) => line.startsWith("data: "));
    expect(events.at(-1)).toBe("data: [DONE]");
    expect(events.some((line) => line.includes('"usage"'))).toBe(false);
    const [seen] = (await simulatorLog()).requests;
    expect(seen?.body).toMatchObject({ stream_options: { include_usage: true } });
  });
});

describe("upstream failures (error)", () => {
  test("Ollama dying mid-stream ends the stream with an error line, never a fake done", async () => {
    await configureSimulator({ chunkCount: 10, dieAfterChunks: 3, chunkDelayMs: 10 });
    const parsed = (await lines(await post("/api/chat", chat()))).map((line) => JSON.parse(line));
    expect(parsed.at(-1)).toEqual({ error: expect.stringMatching(/upstream/), code: "upstream_unavailable", request_id: expect.any(String) });
    expect(parsed.some((line) => line.done === true)).toBe(false);
  });

  test("dying mid-SSE ends with an OpenAI-shaped error event and no [DONE]", async () => {
    await configureSimulator({ chunkCount: 10, dieAfterChunks: 3, chunkDelayMs: 10 });
    const events = await lines(await post("/v1/chat/completions", { ...chat(), stream: true }));
    expect(events).not.toContain("data: [DONE]");
    expect(JSON.parse(events.at(-1)!.slice(6))).toMatchObject({ error: { code: "upstream_unavailable" } });
  });

  test("Ollama's in-band error line is passed on as it came", async () => {
    await configureSimulator({ chunkCount: 10, inbandErrorAfterChunks: 2 });
    const parsed = (await lines(await post("/api/generate", { model: "llama3.2:latest", prompt: "go" }))).map((line) => JSON.parse(line));
    expect(parsed.at(-1)).toEqual({ error: expect.stringContaining("error was encountered") });
    expect(parsed.filter((line) => line.error)).toHaveLength(1);
  });

  test("Ollama busy (503) is passed through with its body", async () => {
    await configureSimulator({ busy: true });
    const response = await post("/api/chat", { ...chat(), stream: false });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: expect.stringContaining("server busy") });
  });
});

describe("client disconnects (security of the GPU)", () => {
  test("a client that goes away mid-stream aborts the upstream call", async () => {
    await configureSimulator({ chunkCount: 200, chunkDelayMs: 50 });
    const controller = new AbortController();
    const response = await post("/api/chat", chat(), controller.signal);
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await expect.poll(async () => (await simulatorLog()).requests[0]?.closedEarly, { timeout: 5000, interval: 100 }).toBe(true);
    // The upstream stopped long before its 10 s answer would have finished.
    expect((await simulatorLog()).inflight).toBe(0);
  });
});
