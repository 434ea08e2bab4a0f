import { env } from "cloudflare:test";
import { beforeEach, describe, expect, test } from "vitest";
import { postJson } from "../helpers/gateway";
import { resetSimulator, simulatorLog } from "../helpers/simulator";
import { asKey, errorCode, seedKey, seedUser } from "../identity/helpers";
import { verifyNow } from "../audit/helpers";
import { clearPolicies, settled } from "./helpers";

/** The admin API for policies and patterns, audited reads of captured text, and a user's view of who read them. */

beforeEach(async () => {
  await resetSimulator();
  await clearPolicies();
});

async function admin() {
  const user = await seedUser({ role: "admin" });
  return { user, key: await seedKey(user.id) };
}
async function member() {
  const user = await seedUser();
  return { user, key: await seedKey(user.id) };
}

describe("policies", () => {
  test("an admin sets the global policy and a request is then blocked by it", async () => {
    const { key } = await admin();
    const put = await asKey(key.secret, "PUT", "/admin/api/sensitive/policy", { scope: "global", actions: { us_ssn: "block", email: "redact" } });
    expect(put.status).toBe(200);
    const got = await (await asKey(key.secret, "GET", "/admin/api/sensitive/policy")).json<{ actions: Record<string, string>; defaults: { local: Record<string, string>; cloud: Record<string, string> } }>();
    expect(got.actions).toEqual({ us_ssn: "block", email: "redact" });
    expect(got.defaults.local.private_key).toBe("observe");
    expect(got.defaults.cloud.private_key).toBe("redact");
    expect(got.defaults.cloud.email).toBe("observe");
    const { key: userKey } = await member();
    const refused = await postJson("/api/generate", { model: "llama3.2:latest", stream: false, prompt: "my ssn is 078-05-1120" }, { Authorization: `Bearer ${userKey.secret}` });
    expect(refused.status).toBe(422);
    expect(await errorCode(refused)).toBe("sensitive_data_blocked");
  });

  test("per user and per key; bad input is a 400 naming the field; users cannot", async () => {
    const { key } = await admin();
    const { user, key: userKey } = await member();
    expect((await asKey(key.secret, "PUT", "/admin/api/sensitive/policy", { scope: "user", subject: user.id, actions: { email: "block" } })).status).toBe(200);
    expect((await asKey(key.secret, "PUT", "/admin/api/sensitive/policy", { scope: "key", subject: userKey.id, actions: { phone: "block" } })).status).toBe(200);
    const scoped = await (await asKey(key.secret, "GET", `/admin/api/sensitive/policy?scope=user&subject=${user.id}`)).json<{ actions: object }>();
    expect(scoped.actions).toEqual({ email: "block" });
    for (const bad of [
      { scope: "global", actions: { email: "shred" } },
      { scope: "global", actions: { "not a category": "block" } },
      { scope: "user", actions: { email: "block" } },
      { scope: "everyone", actions: {} },
    ]) {
      const response = await asKey(key.secret, "PUT", "/admin/api/sensitive/policy", bad);
      expect(response.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await asKey(userKey.secret, "PUT", "/admin/api/sensitive/policy", { scope: "global", actions: { email: "observe" } })).status).toBe(403);
    expect((await asKey(userKey.secret, "GET", "/admin/api/sensitive/findings")).status).toBe(403);
  });
});

describe("admin-defined patterns", () => {
  test("a safe pattern is stored and applied; a catastrophic one is refused with the reason", async () => {
    const { key } = await admin();
    const bad = await asKey(key.secret, "PUT", "/admin/api/sensitive/patterns/bad", { source: "(a+)+$" });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/unbounded|repetition/);
    expect((await asKey(key.secret, "PUT", "/admin/api/sensitive/patterns/Bad-Name", { source: "x{2}" })).status).toBe(400);
    expect((await asKey(key.secret, "PUT", "/admin/api/sensitive/patterns/employee_id", { source: "EMP-\\d{6}" })).status).toBe(200);
    await asKey(key.secret, "PUT", "/admin/api/sensitive/policy", { scope: "global", actions: { "custom:employee_id": "redact" } });
    const { key: userKey } = await member();
    const response = await postJson("/api/generate", { model: "llama3.2:latest", stream: false, prompt: "badge EMP-123456 please" }, { Authorization: `Bearer ${userKey.secret}` });
    expect(response.status).toBe(200);
    await response.text();
    const seen = (await simulatorLog()).requests[0]!.body as { prompt: string };
    expect(seen.prompt).toMatch(/^badge \[CUSTOM_EMPLOYEE_ID:[0-9a-f]{8}\] please$/);
    const { findings } = await settled(response.headers.get("x-request-id")!);
    expect(findings.some((f) => f.category === "custom:employee_id")).toBe(true);
    expect((await asKey(key.secret, "DELETE", "/admin/api/sensitive/patterns/employee_id")).status).toBe(204);
    expect((await asKey(key.secret, "DELETE", "/admin/api/sensitive/patterns/employee_id")).status).toBe(404);
  });
});

describe("reading captured text is on the record", () => {
  test("an admin's read of a record is sealed with who and why; the owner sees it, others do not", async () => {
    const { user: adminUser, key } = await admin();
    const { user, key: userKey } = await member();
    const other = await member();
    const response = await postJson("/api/generate", { model: "llama3.2:latest", stream: false, prompt: "hello there" }, { Authorization: `Bearer ${userKey.secret}` });
    await response.text();
    const id = response.headers.get("x-request-id")!;
    for (let i = 0; i < 200 && !(await env.DB.prepare("SELECT 1 FROM audit_events WHERE id = ? AND sealed_seq IS NOT NULL").bind(id).first()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect((await asKey(key.secret, "GET", `/admin/api/audit/${id}?reason=${"x".repeat(501)}`)).status).toBe(400);
    const read = await asKey(key.secret, "GET", `/admin/api/audit/${id}?reason=${encodeURIComponent("ticket SEC-42: complaint")}`);
    expect(read.status).toBe(200);
    const action = await env.DB.prepare("SELECT * FROM admin_actions WHERE action = 'audit.read' AND target_user_id = ?").bind(user.id).first<Record<string, string>>();
    expect(action).toMatchObject({ actor_user_id: adminUser.id });
    expect(JSON.parse(action!.detail!)).toEqual({ record: id, reason: "ticket SEC-42: complaint" });
    const mine = await (await asKey(userKey.secret, "GET", "/account/api/audit/reads")).json<{ reads: Record<string, unknown>[] }>();
    expect(mine.reads).toContainEqual(expect.objectContaining({ by: adminUser.username, what: "record", record: id, reason: "ticket SEC-42: complaint" }));
    const theirs = await (await asKey(other.key.secret, "GET", "/account/api/audit/reads")).json<{ reads: Record<string, unknown>[] }>();
    expect(theirs.reads.filter((r) => r.record === id)).toEqual([]);
    expect((await verifyNow()).ok).toBe(true);
  });
});
