import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, test } from "vitest";
import { postJson } from "../helpers/gateway";
import { configureSimulator, resetSimulator, simulatorLog } from "../helpers/simulator";
import { seedKey, seedUser } from "../identity/helpers";
import { clearPolicies, readableContentOf, setPolicy, settled } from "./helpers";
import { createApp } from "../../../src/app";

/**
 * Placeholders restored in the client's answer toward the cloud: the model
 * (the simulator echoes the prompt) sees and writes placeholders, the client
 * gets its own values back — on every dialect, streamed and not, with the
 * placeholder cut across chunks — and the audit keeps placeholders only.
 * Toward a local model nothing is restored.
 */

const aws = "AKIAIOSFODNN7EXAMPLE"; // a secret: redacted toward the cloud by default
const email = "restore.me@example.org"; // personal data: redacted here by policy
const prompt = `use key ${aws} and mail ${email} now`;
const cloud = "gpt-oss:120b-cloud";
const local = "llama3.2:latest";

interface Dialect {
  name: string;
  path: string;
  body: (model: string, stream: boolean) => Record<string, unknown>;
}

const dialects: Dialect[] = [
  { name: "ollama chat", path: "/api/chat", body: (model, stream) => ({ model, stream, messages: [{ role: "user", content: prompt }] }) },
  { name: "ollama generate", path: "/api/generate", body: (model, stream) => ({ model, stream, prompt }) },
  { name: "openai chat", path: "/v1/chat/completions", body: (model, stream) => ({ model, stream, messages: [{ role: "user", content: prompt }] }) },
  { name: "openai completions", path: "/v1/completions", body: (model, stream) => ({ model, stream, prompt }) },
  { name: "anthropic messages", path: "/v1/messages", body: (model, stream) => ({ model, stream, max_tokens: 200, messages: [{ role: "user", content: prompt }] }) },
  { name: "responses", path: "/v1/responses", body: (model, stream) => ({ model, stream, input: prompt }) },
];

beforeEach(async () => {
  await resetSimulator();
  await clearPolicies();
  await setPolicy("global", "", "email", "redact");
});

/** The text of a Responses stream's delta events, put together. */
function deltasOf(stream: string): string {
  return stream
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => JSON.parse(line.slice(6)) as { type: string; delta?: string })
    .filter((event) => event.type === "response.output_text.delta")
    .map((event) => event.delta)
    .join("");
}

async function cloudUser() {
  const user = await seedUser();
  await env.DB.prepare("UPDATE users SET allow_cloud_models = 1 WHERE id = ?").bind(user.id).run();
  return seedKey(user.id);
}

describe.each(dialects)("$name", (dialect) => {
  test.each([
    [false, 0],
    [true, 0],
    [true, 3],
  ])("toward the cloud the client gets its values back (stream %s, %i characters a chunk)", async (stream, charsPerChunk) => {
    if (charsPerChunk > 0) await configureSimulator({ charsPerChunk });
    const key = await cloudUser();
    const response = await postJson(dialect.path, dialect.body(cloud, stream), { Authorization: `Bearer ${key.secret}` });
    expect(response.status).toBe(200);
    const answer = await response.text();
    const seen = JSON.stringify((await simulatorLog()).requests.map((r) => r.body));
    expect(seen).not.toContain(aws);
    expect(seen).not.toContain(email);
    expect(answer).toContain(aws);
    expect(answer).toContain(email);
    expect(answer).not.toMatch(/\[(?:AWS_KEY|EMAIL):[0-9a-f]{8}\]/);
    if (stream && dialect.path === "/v1/responses") expect(deltasOf(answer)).toContain(aws); // not only in the whole-text events
    const id = response.headers.get("x-request-id")!;
    await settled(id);
    const stored = (await readableContentOf([id])).get(id)!;
    expect(stored.response ?? "").toMatch(/\[AWS_KEY:[0-9a-f]{8}\]/);
    expect(stored.response ?? "").not.toContain(aws);
    expect(stored.response ?? "").not.toContain(email);
  });

  test("toward a local model the placeholder stays in the answer", async () => {
    const key = await cloudUser();
    const response = await postJson(dialect.path, dialect.body(local, true), { Authorization: `Bearer ${key.secret}` });
    const answer = await response.text();
    expect(answer).not.toContain(email);
    expect(answer).toMatch(/\[EMAIL:[0-9a-f]{8}\]/);
    await settled(response.headers.get("x-request-id")!);
  });
});

describe("GATEHOUSE_SENSITIVE_RESTORE", () => {
  const app = createApp();
  const placeholders = /\[AWS_KEY:[0-9a-f]{8}\][\s\S]*\[EMAIL:[0-9a-f]{8}\]/;

  /** One cloud request through the whole worker with the setting as given (undefined: not set, the default). */
  async function answerWith(setting: string | undefined, stream: boolean): Promise<string> {
    const key = await cloudUser();
    const bindings = setting === undefined ? env : { ...env, GATEHOUSE_SENSITIVE_RESTORE: setting };
    const ctx = createExecutionContext();
    const request = new Request("http://gatehouse.test/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${key.secret}` },
      body: JSON.stringify(dialects[0]!.body(cloud, stream)),
    });
    const response = await app.fetch(request, bindings, ctx);
    const answer = await response.text();
    await waitOnExecutionContext(ctx);
    expect(response.status, answer).toBe(200);
    return answer;
  }

  test.each([false, true])("off: the cloud model's echoed placeholders reach the client as they are (stream %s)", async (stream) => {
    const answer = await answerWith("off", stream);
    expect(answer).not.toContain(aws);
    expect(answer).not.toContain(email);
    // The message's text, put together from the stream's lines (a placeholder may be cut across them).
    const lines = answer.split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as { message?: { content?: string } });
    expect(lines.map((line) => line.message?.content ?? "").join("")).toMatch(placeholders);
    // The model was sent placeholders all the same: off changes the answer, never what leaves.
    const seen = JSON.stringify((await simulatorLog()).requests.map((r) => r.body));
    expect(seen).not.toContain(aws);
  });

  test.each([["on"], [undefined]])("%s: the same answer comes back with the client's values", async (setting) => {
    const answer = await answerWith(setting, false);
    expect(answer).toContain(aws);
    expect(answer).toContain(email);
    expect(answer).not.toMatch(/\[(?:AWS_KEY|EMAIL):[0-9a-f]{8}\]/);
  });
});
