import { beforeEach, describe, expect, test } from "vitest";
import { gateway, postJson } from "../helpers/gateway";
import { resetSimulator, simulatorLog } from "../helpers/simulator";
import { chat, errorCode, freshAddress, goodPassword, seedUser } from "./helpers";

/**
 * POST /chat's credentials are in its body: Gatehouse reads at most the
 * first 64 KiB before checking them, then (once they hold) the rest up to
 * GATEHOUSE_MAX_BODY_BYTES. Long prompts work when `auth` comes first; a
 * caller without valid credentials there costs no more than that slice.
 */
const slice = 64 * 1024;
const bigPrompt = "story ".repeat((200 * 1024) / 6); // 200 KiB

beforeEach(async () => {
  await resetSimulator();
});

/** A request body that sends `head`, then `filler` bytes for ever (or `total` bytes in all), counting what the gateway pulled. */
function endlessBody(head: string, total = Infinity): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  const encoded = new TextEncoder().encode(head);
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent >= total) return controller.close();
        const chunk = sent === 0 ? encoded : new Uint8Array(Math.min(8 * 1024, total - sent)).fill(0x20);
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => sent };
}

describe("POST /chat: body credentials from the first slice (happy)", () => {
  test("a 200 KiB prompt with auth first is answered, and the whole prompt reaches the engine without the credentials", async () => {
    const user = await seedUser();
    const body = { auth: { username: user.username, password: goodPassword }, messages: [{ role: "user", content: bigPrompt }] };
    const response = await postJson("/chat", body, { "CF-Connecting-IP": freshAddress() });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ done: true });
    const [seen] = (await simulatorLog()).requests;
    expect((seen?.body as { messages: { content: string }[] }).messages[0]!.content).toBe(bigPrompt);
    expect(JSON.stringify(seen)).not.toContain(goodPassword);
  });

  test("a gzip body: the slice is of the decoded bytes", async () => {
    const user = await seedUser();
    const text = JSON.stringify({ auth: { username: user.username, password: goodPassword }, messages: [{ role: "user", content: bigPrompt }] });
    const gzipped = await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
    const headers = { "Content-Type": "application/json", "Content-Encoding": "gzip", "CF-Connecting-IP": freshAddress() };
    expect((await gateway("/chat", { method: "POST", headers, body: gzipped })).status).toBe(200);
    const late = JSON.stringify({ messages: [{ role: "user", content: bigPrompt }], auth: { username: user.username, password: goodPassword } });
    const lateGzipped = await new Response(new Blob([late]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
    expect(lateGzipped.byteLength).toBeLessThan(slice);
    expect((await gateway("/chat", { method: "POST", headers, body: lateGzipped })).status).toBe(401);
  });

  test("auth after other members, still within the slice, works too", async () => {
    const user = await seedUser();
    const body = `{"model":"llama3.2:latest","stream":false,"auth":{"username":"${user.username}","password":"${goodPassword}"},"messages":[{"role":"user","content":"${bigPrompt}"}]}`;
    expect((await postJson("/chat", body, { "CF-Connecting-IP": freshAddress() })).status).toBe(200);
  });
});

describe("POST /chat: body credentials from the first slice (error)", () => {
  test("auth beyond the first 64 KiB is a 401 that says where it must be", async () => {
    const user = await seedUser();
    const body = { messages: [{ role: "user", content: bigPrompt }], auth: { username: user.username, password: goodPassword } };
    const response = await postJson("/chat", body, { "CF-Connecting-IP": freshAddress() });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: "unauthenticated", error: expect.stringMatching(/within its first 64 KiB/) });
    expect((await simulatorLog()).requests).toHaveLength(0);
  });

  test("valid credentials do not lift the body limit: past GATEHOUSE_MAX_BODY_BYTES is 413", async () => {
    const user = await seedUser();
    const head = `{"auth":{"username":"${user.username}","password":"${goodPassword}"},"messages":[{"role":"user","content":"`;
    const { stream } = endlessBody(head, 9 * 1024 * 1024);
    const response = await gateway("/chat", { method: "POST", headers: { "Content-Type": "application/json", "CF-Connecting-IP": freshAddress() }, body: stream });
    expect(await errorCode(response)).toBe("payload_too_large");
    expect(response.status).toBe(413);
  });

  test("a second auth that folds onto the first is refused once the body is read, never forwarded", async () => {
    const user = await seedUser();
    const good = { username: user.username, password: goodPassword };
    const body = `{"auth":${JSON.stringify(good)},"messages":[{"role":"user","content":"${bigPrompt}"}],"AUTH":{"username":"admin","password":"x"}}`;
    const response = await postJson("/chat", body, { "CF-Connecting-IP": freshAddress() });
    expect(response.status).toBe(400);
    expect((await simulatorLog()).requests).toHaveLength(0);
  });
});

describe("POST /chat: unauthenticated work stays within the slice (security)", () => {
  test.each([
    ["no auth at all", '{"messages":[{"role":"user","content":"'],
    ["a wrong password first", '{"auth":{"username":"nobody-here","password":"wrong password"},"messages":[{"role":"user","content":"'],
  ])("%s, then a body that never ends: answered promptly, having read about 64 KiB", async (_, head) => {
    const { stream, pulled } = endlessBody(head);
    const started = Date.now();
    const response = await gateway("/chat", { method: "POST", headers: { "Content-Type": "application/json", "CF-Connecting-IP": freshAddress() }, body: stream });
    expect(response.status).toBe(401);
    // Far inside GATEHOUSE_BODY_TIMEOUT (30 s): the answer did not wait for the body.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(pulled()).toBeLessThanOrEqual(slice + 32 * 1024);
    expect((await simulatorLog()).requests).toHaveLength(0);
  });

  test("a declared 8 MiB body without credentials is refused after the slice, not read whole", async () => {
    const { stream, pulled } = endlessBody('{"messages":[{"role":"user","content":"', 8 * 1024 * 1024 - 64);
    const response = await gateway("/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Content-Length": String(8 * 1024 * 1024 - 64), "CF-Connecting-IP": freshAddress() },
      body: stream,
    });
    expect(response.status).toBe(401);
    expect(pulled()).toBeLessThanOrEqual(slice + 32 * 1024);
  });

  test("a short body keeps its order of checks: bad JSON is 400, no auth is 401", async () => {
    expect(await errorCode(await postJson("/chat", '{"auth":', { "CF-Connecting-IP": freshAddress() }))).toBe("invalid_json");
    expect(await errorCode(await postJson("/chat", { messages: chat.messages }, { "CF-Connecting-IP": freshAddress() }))).toBe("unauthenticated");
    expect(await errorCode(await postJson("/chat", { Auth: { username: "a", password: "b" }, messages: [] }, { "CF-Connecting-IP": freshAddress() }))).toBe("unauthenticated");
  });
});
