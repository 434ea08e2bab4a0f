import { env } from "cloudflare:test";
import { beforeEach, describe, expect, test } from "vitest";
import { contentOf } from "../../../src/db/audit-content";
import { readableContentOf } from "../sensitive/helpers"; // captured text is encrypted per user (src/sensitive/erasure.ts)
import { defaultLimits } from "../../../src/governance/limits";
import { gateway, postJson } from "../helpers/gateway";
import { configureSimulator, resetSimulator, simulatorLog } from "../helpers/simulator";
import { basic, goodPassword, seedKey, seedUser, sessionCookie } from "../identity/helpers";
import { everyAuditCell, rowOf, verifyNow } from "./helpers";
import { errorCode } from "../../helpers/error-shape";

/** Recording through the real pipeline: authenticated by API key, forwarded to the simulator. */

beforeEach(async () => {
  await resetSimulator();
});

const chat = (content: string, stream = false) => ({ model: "llama3.2:latest", messages: [{ role: "user", content }], stream });
const bearer = (secret: string, address = "10.1.2.3") => ({ Authorization: `Bearer ${secret}`, "CF-Connecting-IP": address });

/** Completion runs in waitUntil after the answer: wait for the record to be finished. */
async function finishedRecord(id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const row = await rowOf(id);
    if (row && row.finished_at !== null && row.sealed_seq !== null) return row;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`record ${id} never finished: ${JSON.stringify(await rowOf(id))}`);
}

async function userWithKey(captureMode: "full" | "hash" | "metadata" | null = null) {
  const user = await seedUser();
  if (captureMode) await env.DB.prepare("UPDATE users SET capture_mode = ? WHERE id = ?").bind(captureMode, user.id).run();
  return { user, key: await seedKey(user.id) };
}

describe("every forwarded request has one record (happy)", () => {
  test("a non-streamed chat: who, from where, what was asked and what came back", async () => {
    const { user, key } = await userWithKey();
    const response = await postJson("/api/chat", chat("what is the capital of France?"), bearer(key.secret));
    expect(response.status).toBe(200);
    const answer = await response.json<{ message: { content: string } }>();
    const id = response.headers.get("x-request-id")!;
    const row = await finishedRecord(id);
    expect(row).toMatchObject({ kind: "request", user_id: user.id, key_id: key.id, client_address: "10.1.2.3", endpoint: "/api/chat", model: "llama3.2:latest", stream: 0, status: 200, outcome: "ok", capture_mode: "full" });
    expect(row.prompt_tokens).toBeTypeOf("number");
    expect(row.completion_tokens).toBeTypeOf("number");
    const text = (await readableContentOf([id])).get(id)!;
    expect(text.prompt).toContain("what is the capital of France?");
    expect(text.response).toBe(answer.message.content);
  });

  test("a streamed chat's answer is reassembled from its chunks", async () => {
    const { key } = await userWithKey();
    const response = await postJson("/api/chat", chat("stream please", true), bearer(key.secret));
    const lines = (await response.text()).trim().split("\n").map((line) => JSON.parse(line) as { message?: { content?: string } });
    const id = response.headers.get("x-request-id")!;
    const row = await finishedRecord(id);
    expect(row).toMatchObject({ stream: 1, outcome: "ok" });
    expect(row.ttfb_ms).toBeTypeOf("number");
    expect((await readableContentOf([id])).get(id)!.response).toBe(lines.map((line) => line.message?.content ?? "").join(""));
  });

  test("hash mode keeps the SHA-256 and length only; metadata mode neither", async () => {
    const hashed = await userWithKey("hash");
    const first = await postJson("/api/chat", chat("hash me"), bearer(hashed.key.secret));
    await first.arrayBuffer();
    const hashedRow = await finishedRecord(first.headers.get("x-request-id")!);
    expect(hashedRow).toMatchObject({ capture_mode: "hash" });
    expect(hashedRow.prompt_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(hashedRow.response_bytes).toBeGreaterThan(0);
    expect((await contentOf(env.DB, [hashedRow.id as string])).size).toBe(0);

    const bare = await userWithKey("metadata");
    const second = await postJson("/api/chat", chat("say nothing of me"), bearer(bare.key.secret));
    await second.arrayBuffer();
    const bareRow = await finishedRecord(second.headers.get("x-request-id")!);
    expect(bareRow).toMatchObject({ capture_mode: "metadata", prompt_sha256: null, prompt_bytes: null, response_sha256: null });
    expect((await contentOf(env.DB, [bareRow.id as string])).size).toBe(0);
  });

  test("an upstream failure mid-stream is recorded with the partial answer", async () => {
    const { key } = await userWithKey();
    await configureSimulator({ dieAfterChunks: 2, chunkCount: 6 });
    const response = await postJson("/api/chat", chat("die halfway", true), bearer(key.secret));
    await response.text();
    const id = response.headers.get("x-request-id")!;
    expect(await finishedRecord(id)).toMatchObject({ outcome: "upstream_error" });
    expect((await contentOf(env.DB, [id])).get(id)!.response!.length).toBeGreaterThan(0);
  });
});

describe("write-ahead (error)", () => {
  test("when the audit table cannot be written the request is refused and never forwarded", async () => {
    const { key } = await userWithKey();
    await env.DB.prepare("ALTER TABLE audit_events RENAME TO audit_events_away").run();
    try {
      const response = await postJson("/api/chat", chat("must not reach the model"), bearer(key.secret));
      expect(response.status).toBe(503);
      expect(errorCode(await response.json())).toBe("audit_unavailable");
      expect((await simulatorLog()).requests.filter((request) => request.path === "/api/chat")).toHaveLength(0);
    } finally {
      await env.DB.prepare("ALTER TABLE audit_events_away RENAME TO audit_events").run();
    }
  });
});

describe("refusals (security)", () => {
  test("an authenticated refusal is a record of its own; bad credentials are counted per address", async () => {
    const { user, key } = await userWithKey();
    await env.DB.prepare("UPDATE users SET limits = ? WHERE id = ?").bind(JSON.stringify({ ...defaultLimits, rpm: 1, burst: 1 }), user.id).run();
    const ok = await postJson("/api/chat", chat("one"), bearer(key.secret));
    await ok.arrayBuffer();
    const refused = await postJson("/api/chat", chat("two"), bearer(key.secret));
    expect(refused.status).toBe(429);
    expect(await finishedRecord(refused.headers.get("x-request-id")!)).toMatchObject({ kind: "refusal", user_id: user.id, status: 429, outcome: "rate_limited", code: "rate_limited" });

    const address = `10.77.${Math.floor(Math.random() * 250)}.9`;
    for (let i = 0; i < 5; i++) {
      const denied = await postJson("/api/chat", chat("x"), bearer("gh_notakey_0000000000000000000000000000", address));
      expect(denied.status).toBe(401);
      await denied.arrayBuffer();
    }
    await waitFor(async () => (await bucketCount(address)) === 5);
  });

  test("no key, password, cookie or authorization value lands in any audit table", async () => {
    const { user, key } = await userWithKey();
    const answered = await postJson("/api/chat", chat("hello"), bearer(key.secret));
    await answered.arrayBuffer();
    const viaBasic = await postJson("/api/chat", chat("hello"), { Authorization: basic(user.username, goodPassword) });
    await viaBasic.arrayBuffer();
    const legacy = await postJson("/chat", { auth: { username: user.username, password: goodPassword }, messages: [{ role: "user", content: "hi" }] });
    await legacy.arrayBuffer();
    const wrong = await postJson("/api/chat", chat("hello"), { Authorization: basic(user.username, "wrong-password-typed-here") });
    await wrong.arrayBuffer();
    const cookie = await sessionCookie(user.username);
    const withCookie = await gateway("/account/api/me", { headers: { Cookie: cookie } });
    await withCookie.arrayBuffer();
    await finishedRecord(legacy.headers.get("x-request-id")!);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const cells = await everyAuditCell();
    for (const secret of [key.secret, goodPassword, "wrong-password-typed-here", cookie.split("=")[1]!, btoa(`${user.username}:${goodPassword}`)]) {
      expect(cells).not.toContain(secret);
    }
    expect(await verifyNow()).toMatchObject({ ok: true });
  });
});

async function bucketCount(address: string): Promise<number> {
  const row = await env.DB.prepare("SELECT SUM(count) AS n FROM audit_events WHERE kind = 'refusals' AND client_address = ?").bind(address).first<{ n: number | null }>();
  return row?.n ?? 0;
}

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("condition never held");
}
