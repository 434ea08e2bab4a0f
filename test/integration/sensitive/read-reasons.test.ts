import { env } from "cloudflare:test";
import { describe, expect, test } from "vitest";
import { postJson } from "../helpers/gateway";
import { asKey, seedKey, seedUser } from "../identity/helpers";
import { verifyNow } from "../audit/helpers";
import { planted, plantedText, settled } from "./helpers";

/**
 * Every read of captured prompt and answer text through the admin API needs
 * a reason: without one it is a 400 naming `reason` in the control plane's
 * error shape, nothing is read, and no read is recorded. With one, the read
 * is sealed in the chain with it.
 */

async function setup() {
  const adminUser = await seedUser({ role: "admin" });
  const admin = await seedKey(adminUser.id);
  const user = await seedUser();
  const key = await seedKey(user.id);
  const response = await postJson("/api/generate", { model: "llama3.2:latest", stream: false, prompt: plantedText }, { Authorization: `Bearer ${key.secret}` });
  await response.text();
  const id = response.headers.get("x-request-id")!;
  await settled(id);
  return { admin, user, id };
}

const reads = (id: string, userId: string) => [`/admin/api/audit/${id}`, "/admin/api/audit.csv", `/admin/api/users/${userId}/audit.csv`, "/admin/api/sensitive/guard/export.jsonl"];
const unexplained = ["", "?reason=", "?reason=%20%20", "?Reason=checking", "?REASON=checking", "?reason=&reason=checking", "?why=checking"];

async function readsRecorded(): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM admin_actions WHERE action IN ('audit.read', 'audit.export')").first<{ n: number }>();
  return row!.n;
}

describe("a read of captured text needs a reason", () => {
  test("without one: 400 naming reason, in the control plane's shape, nothing read or recorded", async () => {
    const { admin, user, id } = await setup();
    const before = await readsRecorded();
    for (const path of reads(id, user.id)) {
      for (const query of unexplained) {
        const response = await asKey(admin.secret, "GET", `${path}${query}`);
        const text = await response.text();
        expect(response.status, `${path}${query}`).toBe(400);
        const body = JSON.parse(text) as { error: { code: string; message: string; request_id: string } };
        expect(body.error.code).toBe("invalid_request");
        expect(body.error.message).toMatch(/^reason: /);
        expect(body.error.request_id).toBe(response.headers.get("x-request-id"));
        expect(text).not.toContain("[EMAIL:");
        expect(text).not.toContain(planted.card);
      }
    }
    expect(await readsRecorded()).toBe(before);
  });

  test("a reason over 500 characters is refused too", async () => {
    const { admin, id } = await setup();
    const response = await asKey(admin.secret, "GET", `/admin/api/audit/${id}?reason=${"x".repeat(501)}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/^reason: /);
  });

  test("with one, each read is sealed with it and the text is sent", async () => {
    const { admin, user, id } = await setup();
    const before = await readsRecorded();
    for (const path of reads(id, user.id)) {
      const response = await asKey(admin.secret, "GET", `${path}?reason=${encodeURIComponent("ticket SEC-7")}`);
      expect(response.status, path).toBe(200);
      await response.text();
    }
    const detail = await (await asKey(admin.secret, "GET", `/admin/api/audit/${id}?reason=again`)).json<{ event: { promptText: string } }>();
    expect(detail.event.promptText).toMatch(/\[EMAIL:[0-9a-f]{8}\]/);
    expect(await readsRecorded()).toBe(before + 5);
    const details = (await env.DB.prepare("SELECT detail FROM admin_actions WHERE action IN ('audit.read', 'audit.export') ORDER BY seq DESC LIMIT 5").all<{ detail: string }>()).results;
    expect(details.map((row) => JSON.parse(row.detail).reason)).toEqual(["again", "ticket SEC-7", "ticket SEC-7", "ticket SEC-7", "ticket SEC-7"]);
    expect((await verifyNow()).ok).toBe(true);
  });
});
