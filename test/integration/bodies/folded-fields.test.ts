import { beforeAll, beforeEach, describe, expect, test } from "vitest";
import { resetSimulator, simulatorLog } from "../helpers/simulator";
import { goodPassword } from "../identity/helpers";
import { finishedRecord, keyFor, postText, userFor } from "./helpers";

/**
 * Issue 13.1: a body means the same to Gatehouse as to Ollama, whose Go
 * decoder matches keys in any case (U+212A folds to k, U+017F to s) and keeps
 * the last of two. Two keys of one object that fold together are refused
 * (400 naming them) on every dialect, at the top level and inside options;
 * a single key in another case is read as the field it is to Ollama, so the
 * allowlist, the ceilings, usage metering and the audit see what the engine
 * will do.
 */

let open = "";
let qwenOnly = "";
let legacy = { id: "", username: "", secret: "" };
beforeAll(async () => {
  open = await keyFor(null);
  qwenOnly = await keyFor(["qwen*"]);
  legacy = await userFor(null);
});
beforeEach(() => resetSimulator());

const auth = () => `"auth":{"username":"${legacy.username}","password":"${goodPassword}"}`;
const messages = '"messages":[{"role":"user","content":"hi"}]';

/** Each dialect's body with `extra` members spliced in after the model. */
const dialects: [string, (extra: string) => string][] = [
  ["/api/chat", (extra) => `{"model":"qwen2.5:0.5b",${extra}${messages},"stream":false}`],
  ["/api/generate", (extra) => `{"model":"qwen2.5:0.5b",${extra}"prompt":"hi","stream":false}`],
  ["/api/embed", (extra) => `{"model":"qwen2.5:0.5b",${extra}"input":"hi"}`],
  ["/v1/chat/completions", (extra) => `{"model":"qwen2.5:0.5b",${extra}${messages}}`],
  ["/v1/completions", (extra) => `{"model":"qwen2.5:0.5b",${extra}"prompt":"hi"}`],
  ["/chat", (extra) => `{${auth()},"model":"qwen2.5:0.5b",${extra}${messages}}`],
];

const call = (path: string, text: string, key: string) => postText(path, text, path === "/chat" ? undefined : key);

describe("duplicates under folding are refused on every dialect (security)", () => {
  const smuggled: [string, string, RegExp][] = [
    ["ASCII case, top level", '"Model":"llama3.2",', /Model repeats model/],
    ["Unicode folding, top level", '"\u017Ftream":true,"stream":true,', /stream repeats \u017Ftream/],
    ["exact repeat (Go would merge the two objects)", '"options":{"num_ctx":99999999},"options":{"seed":1},', /options repeats options/],
    ["inside options, ASCII", '"options":{"num_ctx":2048,"NUM_CTX":99999999},', /options\.NUM_CTX repeats options\.num_ctx/],
    ["inside options, Unicode", '"options":{"top_k":1,"top_\u212A":2},', /options\.top_\u212A repeats options\.top_k/],
  ];
  for (const [path, body] of dialects) {
    test.each(smuggled)(`${path}: %s`, async (_name, extra, message) => {
      const response = await call(path, body(extra), qwenOnly);
      expect(response.status).toBe(400);
      const answer = await response.json<Record<string, unknown>>();
      const text = JSON.stringify(answer);
      expect(answer.error === "invalid_request" || text.includes('"code":"invalid_request"')).toBe(true);
      expect(text).toMatch(message);
      expect((await simulatorLog()).requests).toHaveLength(0);
    });
  }
});

describe("a governed field in another case is the field Ollama reads (security)", () => {
  test.each(dialects)("%s: the allowlist reads \"MODEL\" and \"\u212Aeep\u017F\"-style keys as the engine does", async (path, body) => {
    const text = body("").replace('"model":"qwen2.5:0.5b"', '"MODEL":"llama3.2"');
    const response = await call(path, text, qwenOnly);
    // Ollama would run llama3.2: a key limited to qwen* may not.
    if (path === "/chat") expect(response.status).toBe(200); // the /chat user may use any model
    else expect(response.status).toBe(403);
    if (path !== "/chat") expect((await simulatorLog()).requests).toHaveLength(0);
  });

  test("the audit names the model the engine ran, under any spelling", async () => {
    const response = await postText("/api/chat", `{"Model":"qwen2.5:0.5b",${messages},"\u017Ftream":false}`, qwenOnly);
    expect(response.status).toBe(200);
    const row = await finishedRecord(response.headers.get("x-request-id")!);
    expect(row).toMatchObject({ model: "qwen2.5:0.5b", stream: 0 });
  });

  test("\"Options\":{\"num_ctx\"} over the ceiling is refused", async () => {
    for (const options of ['"Options"', '"OPTIONS"', '"option\u017F"']) {
      const response = await postText("/api/generate", `{"model":"llama3.2",${options}:{"num_ctx":1000000},"prompt":"x"}`, open);
      expect(response.status).toBe(400);
      expect((await response.json<{ error: string }>()).error).toMatch(/^options\.num_ctx/);
    }
    expect((await simulatorLog()).requests).toHaveLength(0);
  });

  test("\"Keep_Alive\":-1 and \"MAX_TOKENS\" are clamped, and reach Ollama under their own names", async () => {
    await postText("/api/generate", `{"model":"llama3.2","prompt":"x","stream":false,"Keep_Alive":-1,"options":{"NUM_PREDICT":-1}}`, open);
    await postText("/v1/chat/completions", `{"model":"llama3.2",${messages},"MAX_TOKENS":999999}`, open);
    await postText("/v1/completions", `{"model":"llama3.2","prompt":"x","max_\u0074o\u212Aens":999999}`, open);
    const [generate, chat, completion] = (await simulatorLog()).requests;
    expect(generate?.body).toEqual({ model: "llama3.2", prompt: "x", stream: false, keep_alive: 1800, options: { num_predict: 8192 } });
    expect(chat?.body).toMatchObject({ max_tokens: 8192 });
    expect(chat?.body).not.toHaveProperty("MAX_TOKENS");
    expect(completion?.body).toMatchObject({ max_tokens: 8192 });
  });

  test("\"STREAM_OPTIONS\" cannot switch off the usage Gatehouse meters with", async () => {
    const response = await postText("/v1/chat/completions", `{"model":"llama3.2",${messages},"stream":true,"STREAM_OPTIONS":{"include_usage":false}}`, open);
    expect(response.status).toBe(200);
    const events = await response.text();
    const [seen] = (await simulatorLog()).requests;
    expect(seen?.body).toMatchObject({ stream_options: { include_usage: true } });
    expect(seen?.body).not.toHaveProperty("STREAM_OPTIONS");
    // The client asked for no usage event and gets none; Gatehouse still counted the tokens.
    expect(events).not.toMatch(/"choices":\[\],"usage"/);
    const row = await finishedRecord(response.headers.get("x-request-id")!);
    expect(row.completion_tokens).toBeGreaterThan(0);
  });

  test("\"\u017Ftream\":true on OpenAI routes is a stream to Gatehouse as to Ollama", async () => {
    const response = await postText("/v1/chat/completions", `{"model":"llama3.2",${messages},"\u017Ftream":true}`, open);
    expect(response.headers.get("content-type")).toMatch(/event-stream/);
    await response.text();
    const [seen] = (await simulatorLog()).requests;
    expect(seen?.body).toMatchObject({ stream_options: { include_usage: true } });
    expect((await finishedRecord(response.headers.get("x-request-id")!)).stream).toBe(1);
  });

  test("POST /chat strips body credentials under any spelling", async () => {
    const text = `{"Auth":{"username":"x","password":"${goodPassword}"},"model":"llama3.2",${messages}}`;
    const response = await postText("/chat", text, open);
    expect(response.status).toBe(200);
    const [seen] = (await simulatorLog()).requests;
    expect(JSON.stringify(seen?.body)).not.toContain(goodPassword);
  });
});
