import { afterAll, beforeEach, describe, expect, inject, test } from "vitest";
import { gateway, ndjson, postJson } from "../helpers/gateway";
import { seedKey, seedUser } from "../identity/helpers";
import { env } from "cloudflare:test";
import { addBackend, addSimModel, bearer, box, chat, clearBackends, finishedRecord, local, secondBox, type BackendFields } from "./helpers";

/**
 * Two boxes: `local` (GATEHOUSE_OLLAMA) and a second simulator in the
 * catalog. Which one answers, when the request moves to the other, and when
 * it must not.
 */

// Later files expect no catalog rows (an install as before the catalog).
afterAll(clearBackends);

beforeEach(async () => {
  await clearBackends();
  await Promise.all([local().reset(), box().reset()]);
});

async function caller() {
  const user = await seedUser();
  return { user, key: await seedKey(user.id) };
}

const chats = async (sim: ReturnType<typeof box>) => (await sim.log()).requests.filter((request) => request.path === "/api/chat");

/** The second simulator in the catalog as `box2`, serving these models. */
const addBox2 = (priority: number, models?: string[], more: Partial<BackendFields> = {}) =>
  addBackend({ name: "box2", url: `http://${secondBox()}`, priority, ...(models ? { models } : {}), ...more });

/** One /api/chat request from a new user's key. */
async function chatOnce(body: unknown): Promise<Response> {
  const { key } = await caller();
  return postJson("/api/chat", body, bearer(key.secret));
}

/** The finished audit record of an answered request. */
const recordOf = (response: Response) => finishedRecord(response.headers.get("x-request-id")!);

describe("priority and failover between two boxes", () => {
  test("the backend of higher priority that has the model answers; local is not asked", async () => {
    await addBox2(10, ["llama3.2:latest"]);
    const response = await chatOnce(chat("llama3.2:latest"));
    expect(response.status).toBe(200);
    expect(await chats(box())).toHaveLength(1);
    expect(await chats(local())).toHaveLength(0);
    const row = await recordOf(response);
    expect(row).toMatchObject({ backend: "box2", served_model: "llama3.2:latest", failover: null, cost_micros: null, outcome: "ok" });
  });

  test("a box that answers 5xx before any byte: the next candidate answers, and the record names both", async () => {
    await addBox2(10, ["llama3.2:latest"]);
    await box().configure({ status: 500 });
    const response = await chatOnce(chat("llama3.2:latest"));
    expect(response.status).toBe(200);
    expect(await chats(box())).toHaveLength(1);
    expect(await chats(local())).toHaveLength(1);
    const row = await recordOf(response);
    expect(row).toMatchObject({ backend: "local", failover: '["box2"]', outcome: "ok" });
  });

  test("a failover never lands on a backend whose kind cannot serve the route: embeddings skip an Anthropic candidate", async () => {
    await addBox2(10, ["llama3.2:latest"]);
    await addBackend({ name: "claude", kind: "anthropic", url: `http://127.0.0.1:${inject("anthropicSimPort")}`, credential: "sk-ant-test", priority: 5, models: ["llama3.2:latest"] });
    await box().configure({ status: 500 });
    const { key } = await caller();
    const response = await postJson("/api/embed", { model: "llama3.2:latest", input: "hello" }, bearer(key.secret));
    // Without the kind check the 5xx would fail over to the Anthropic backend and come back as its 400.
    expect(response.status).toBe(200);
    const row = await recordOf(response);
    expect(row).toMatchObject({ backend: "local", failover: '["box2"]', outcome: "ok" });
  });

  test("a route no candidate's kind can serve is a 400 naming the kind, and nothing is sent", async () => {
    await addBackend({ name: "claude", kind: "anthropic", url: `http://127.0.0.1:${inject("anthropicSimPort")}`, credential: "sk-ant-test", priority: 5, models: ["claude-only"] });
    const { key } = await caller();
    const response = await postJson("/api/embed", { model: "claude/claude-only", input: "hello" }, bearer(key.secret));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('kind \\"anthropic\\"');
  });

  test("a box that cannot be reached: the next candidate answers", async () => {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused.
    await addBackend({ name: "gone", url: "http://127.0.0.1:9", priority: 10, models: ["llama3.2:latest"] });
    const response = await chatOnce(chat("llama3.2:latest"));
    expect(response.status).toBe(200);
    const row = await recordOf(response);
    expect(row).toMatchObject({ backend: "local", failover: '["gone"]' });
  });

  test("local down (it cannot even be asked about its models): the other box serves, and nothing waits on local", async () => {
    // A name no cache has seen: Ollama would have to be asked about it.
    const model = `fresh-${crypto.randomUUID().slice(0, 8)}:latest`;
    await addBox2(-5, [model]);
    await addSimModel(secondBox(), model);
    await local().configure({ status: 500 });
    const response = await chatOnce(chat(model));
    expect(response.status).toBe(200);
    const row = await recordOf(response);
    expect(row).toMatchObject({ backend: "box2" });
  });

  test("a model Ollama serves from elsewhere is not run on local for a user without cloud; another box may serve it", async () => {
    await addBox2(-5, ["shared-model:latest"]);
    await addSimModel(env.GATEHOUSE_OLLAMA!, "shared-model:latest", { host: "https://ollama.com:443" });
    await addSimModel(secondBox(), "shared-model:latest");
    const response = await chatOnce(chat("shared-model:latest"));
    expect(response.status).toBe(200);
    expect(await chats(local())).toHaveLength(0);
    expect(await chats(box())).toHaveLength(1);
  });

  test("a failover never crosses a boundary the caller may not cross: with local failing, a cloud box is not tried", async () => {
    await addBackend({ name: "cloudbox", url: `http://${secondBox()}`, priority: -5, boundary: "cloud", models: ["llama3.2:latest"] });
    await local().configure({ status: 500 });
    const response = await chatOnce(chat("llama3.2:latest"));
    // local's own 500, or (when its model list could not be read either) 403: only the cloud box serves it.
    expect([500, 403]).toContain(response.status);
    expect((await box().log()).requests).toHaveLength(0);
  });

  test("a 4xx is the client's: passed back, never tried elsewhere", async () => {
    await addBox2(10, ["llama3.2:latest"]);
    await box().configure({ status: 400, errorBody: { error: "bad request from the engine" } });
    const response = await chatOnce(chat("llama3.2:latest"));
    expect(response.status).toBe(400);
    expect(await chats(local())).toHaveLength(0);
    const row = await recordOf(response);
    expect(row).toMatchObject({ backend: "box2", failover: null });
  });

  test("no failover once the first byte went out: a stream cut short stays cut", async () => {
    await addBox2(10, ["llama3.2:latest"]);
    await box().configure({ chunkCount: 6, dieAfterChunks: 2 });
    const response = await chatOnce(chat("llama3.2:latest", "stream it", true));
    expect(response.status).toBe(200);
    const lines = await ndjson(response);
    expect(lines.some((line) => line.done === true && line.done_reason !== undefined && line.error === undefined)).toBe(false);
    expect(await chats(local())).toHaveLength(0);
    const row = await recordOf(response);
    expect(row).toMatchObject({ backend: "box2", failover: null });
  });

  test("an explicit backend/model goes to that backend, which gets the model's own name", async () => {
    await addBox2(-5, ["qwen2.5:0.5b"]);
    const response = await chatOnce(chat("box2/qwen2.5:0.5b"));
    expect(response.status).toBe(200);
    const sent = await chats(box());
    expect(sent).toHaveLength(1);
    expect((sent[0]!.body as { model: string }).model).toBe("qwen2.5:0.5b");
    expect(await chats(local())).toHaveLength(0);
    const row = await recordOf(response);
    expect(row).toMatchObject({ backend: "box2", served_model: "qwen2.5:0.5b", model: "box2/qwen2.5:0.5b" });
  });

  test("the prefix comes off the model field however the client spelled its key", async () => {
    await addBox2(-5, ["qwen2.5:0.5b"]);
    const response = await chatOnce('{"MODEL":"box2/qwen2.5:0.5b","messages":[{"role":"user","content":"hi"}],"stream":false}');
    expect(response.status).toBe(200);
    const [sent] = await chats(box());
    const raw = Buffer.from(sent!.rawBase64!, "base64").toString();
    expect(raw).not.toContain("box2/");
    // One model member (the edit replaces the client's, in its own spelling), naming the model alone.
    const sentBody = JSON.parse(raw) as Record<string, unknown>;
    expect(Object.keys(sentBody).filter((name) => name.toLowerCase() === "model")).toEqual(["model"]);
    expect(sentBody.model).toBe("qwen2.5:0.5b");
  });

  test("a disabled backend is never sent anything", async () => {
    await addBox2(10, ["llama3.2:latest"], { enabled: false });
    const { key } = await caller();
    expect((await postJson("/api/chat", chat("llama3.2:latest"), bearer(key.secret))).status).toBe(200);
    expect((await postJson("/api/chat", chat("box2/llama3.2:latest"), bearer(key.secret))).status).toBe(404);
    expect((await box().log()).requests).toHaveLength(0);
  });

  test("listings name the other backends' models as backend/model", async () => {
    await addBox2(10);
    const { key } = await caller();
    const tags = await (await gateway("/api/tags", { headers: bearer(key.secret) })).json<{ models: { name: string }[] }>();
    const names = tags.models.map((model) => model.name);
    expect(names).toContain("llama3.2:latest");
    expect(names).toContain("box2/llama3.2:latest");
    const openai = await (await gateway("/v1/models", { headers: bearer(key.secret) })).json<{ data: { id: string; owned_by: string }[] }>();
    expect(openai.data.find((model) => model.id === "box2/qwen2.5:0.5b")).toEqual({ id: "box2/qwen2.5:0.5b", object: "model", created: 0, owned_by: "box2" });
    const one = await gateway("/v1/models/box2/qwen2.5:0.5b", { headers: bearer(key.secret) });
    expect(await one.json()).toEqual({ id: "box2/qwen2.5:0.5b", object: "model", created: 0, owned_by: "box2" });
    expect((await gateway("/v1/models/box2/no-such-model", { headers: bearer(key.secret) })).status).toBe(404);
  });
});
