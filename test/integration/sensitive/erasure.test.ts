import { env } from "cloudflare:test";
import { beforeEach, describe, expect, test } from "vitest";
import { contentOf } from "../../../src/db/audit-content";
import { openTexts } from "../../../src/sensitive/erasure";
import { postJson } from "../helpers/gateway";
import { resetSimulator } from "../helpers/simulator";
import { asKey, seedKey, seedUser } from "../identity/helpers";
import { rowOf } from "../audit/helpers";
import { clearPolicies, readableContentOf } from "./helpers";

/**
 * Erasure by key: captured text is stored encrypted under its owner's key;
 * admins read it decrypted (detail and CSV); deleting the user destroys the
 * key, so a copy of the ciphertext taken before (a backup) no longer opens,
 * and the chain still verifies.
 */

beforeEach(async () => {
  await resetSimulator();
  await clearPolicies();
});

async function sealedRecord(secret: string, prompt: string): Promise<string> {
  const response = await postJson("/api/generate", { model: "llama3.2:latest", stream: false, prompt }, { Authorization: `Bearer ${secret}` });
  await response.text();
  const id = response.headers.get("x-request-id")!;
  for (let i = 0; i < 300; i++) {
    const row = await rowOf(id);
    if (row?.sealed_seq !== null && row?.sealed_seq !== undefined) return id;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("never sealed");
}

describe("erasure by key", () => {
  test("stored text is ciphertext; admins read plain text; deleting the user makes every copy unreadable; verify passes", async () => {
    const adminUser = await seedUser({ role: "admin" });
    const admin = (await seedKey(adminUser.id)).secret;
    const user = await seedUser();
    const key = await seedKey(user.id);
    const id = await sealedRecord(key.secret, "a remarkable sentence about lighthouses");

    const raw = (await contentOf(env.DB, [id])).get(id)!;
    expect(raw.prompt).toMatch(/^enc1:[A-Za-z0-9+/=]+$/);
    expect(raw.response).toMatch(/^enc1:/);
    expect(JSON.stringify((await env.DB.prepare("SELECT * FROM audit_content").all()).results)).not.toContain("lighthouses");
    expect((await readableContentOf([id])).get(id)!.prompt).toContain("lighthouses");

    const detail = await (await asKey(admin, "GET", `/admin/api/audit/${id}?reason=erasure+test`)).json<{ event: { promptText: string; responseText: string } }>();
    expect(detail.event.promptText).toContain("lighthouses");
    expect(detail.event.responseText).toContain("lighthouses");
    const csv = await (await asKey(admin, "GET", `/admin/api/users/${user.id}/audit.csv?reason=erasure+test`)).text();
    expect(csv).toContain("lighthouses");

    // A copy of the ciphertext as a backup would hold it, then the deletion.
    const backup = new Map([[id, { ...raw }]]);
    expect((await asKey(admin, "DELETE", `/admin/api/users/${user.id}`)).status).toBe(204);
    expect(await env.DB.prepare("SELECT 1 FROM user_content_keys WHERE user_id = ?").bind(user.id).first()).toBeNull();
    await openTexts(env.DB, env.SESSION_SECRET, [{ id, userId: user.id }], backup);
    expect(backup.get(id)).toEqual({ prompt: null, response: null });

    const verify = await (await asKey(admin, "GET", "/admin/api/audit/verify")).json<{ ok: boolean }>();
    expect(verify.ok).toBe(true);
  });

  test("one user's ciphertext does not open as another's, and keys are per user", async () => {
    const a = await seedUser();
    const b = await seedUser();
    const idA = await sealedRecord((await seedKey(a.id)).secret, "alpha secret words");
    await sealedRecord((await seedKey(b.id)).secret, "beta words");
    const keys = (await env.DB.prepare("SELECT wrapped FROM user_content_keys WHERE user_id IN (?, ?)").bind(a.id, b.id).all<{ wrapped: string }>()).results;
    expect(new Set(keys.map((k) => k.wrapped)).size).toBe(2);
    const stolen = await contentOf(env.DB, [idA]);
    await openTexts(env.DB, env.SESSION_SECRET, [{ id: idA, userId: b.id }], stolen);
    expect(stolen.get(idA)).toEqual({ prompt: null, response: null });
  });

  test("the wrapping key comes from the session secret: another secret cannot unwrap", async () => {
    const user = await seedUser();
    const id = await sealedRecord((await seedKey(user.id)).secret, "gamma words");
    const texts = await contentOf(env.DB, [id]);
    await expect(openTexts(env.DB, `${env.SESSION_SECRET}-not-it`, [{ id, userId: user.id }], texts)).rejects.toThrow();
  });
});
