import { env, runDurableObjectAlarm } from "cloudflare:test";
import { beforeAll, describe, expect, test } from "vitest";
import { contentOf } from "../../../src/db/audit-content";
import { asKey, seedKey, seedUser } from "../identity/helpers";
import { begin, complete, ledger, verifyNow } from "./helpers";

/**
 * Tamper evidence. Each test damages the trail the way someone with the
 * database file could, checks verify names the damaged record, then puts it
 * back (the file's storage is shared by its tests) and checks verify passes.
 */

let admin: string;
const ids: string[] = [];
beforeAll(async () => {
  admin = (await seedKey((await seedUser({ role: "admin" })).id)).secret;
  for (let i = 0; i < 8; i++) {
    const record = await begin(`prompt ${i}`);
    await complete(record, `answer ${i}`);
    ids.push(record.id);
  }
});

async function verifyRoute() {
  const response = await asKey(admin, "GET", "/admin/api/audit/verify");
  expect(response.status).toBe(200);
  return response.json<{ ok: boolean; checked: number; firstBad: { id: string | null; seq: number; reason: string } | null }>();
}

const run = (sql: string, ...values: unknown[]) => env.DB.prepare(sql).bind(...values).run();

async function linkOf(id: string) {
  return (await env.DB.prepare("SELECT * FROM audit_chain WHERE record_id = ?").bind(id).first<Record<string, unknown>>())!;
}

describe("verify", () => {
  test("an untouched chain verifies", async () => {
    const report = await verifyRoute();
    expect(report).toMatchObject({ ok: true, firstBad: null });
    expect(report.checked).toBeGreaterThanOrEqual(ids.length);
  });

  test("an edited row is caught, and verifies again once put back", async () => {
    const id = ids[3]!;
    await run("UPDATE audit_events SET completion_tokens = completion_tokens + 1 WHERE id = ?", id);
    expect(await verifyRoute()).toMatchObject({ ok: false, firstBad: { id, reason: "record_changed" } });
    await run("UPDATE audit_events SET completion_tokens = completion_tokens - 1 WHERE id = ?", id);
    expect(await verifyRoute()).toMatchObject({ ok: true });
  });

  test("an edited prompt text is caught", async () => {
    const id = ids[2]!;
    await run("UPDATE audit_content SET body = 'something else' WHERE event_id = ? AND part = 'prompt'", id);
    expect(await verifyRoute()).toMatchObject({ ok: false, firstBad: { id, reason: "text_changed" } });
    await run("UPDATE audit_content SET body = 'prompt 2' WHERE event_id = ? AND part = 'prompt'", id);
    expect(await verifyRoute()).toMatchObject({ ok: true });
  });

  test("a deleted row is caught", async () => {
    const id = ids[4]!;
    const row = (await env.DB.prepare("SELECT * FROM audit_events WHERE id = ?").bind(id).first<Record<string, unknown>>())!;
    await run("DELETE FROM audit_events WHERE id = ?", id);
    expect(await verifyRoute()).toMatchObject({ ok: false, firstBad: { id, reason: "missing_record" } });
    const columns = Object.keys(row);
    await run(`INSERT INTO audit_events (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`, ...columns.map((c) => row[c]));
    expect(await verifyRoute()).toMatchObject({ ok: true });
  });

  test("a deleted row together with its chain link is caught", async () => {
    const id = ids[5]!;
    const link = await linkOf(id);
    await run("DELETE FROM audit_chain WHERE record_id = ?", id);
    expect(await verifyRoute()).toMatchObject({ ok: false, firstBad: { seq: link.seq, reason: "missing_link" } });
    const columns = Object.keys(link);
    await run(`INSERT INTO audit_chain (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`, ...columns.map((c) => link[c]));
    expect(await verifyRoute()).toMatchObject({ ok: true });
  });

  test("a forged row that claims to be sealed is caught", async () => {
    const id = crypto.randomUUID();
    await run(
      "INSERT INTO audit_events (id, kind, started_at, client_address, method, endpoint, capture_mode, status, outcome, finished_at, sealed_seq) VALUES (?, 'request', 1, '10.0.0.1', 'POST', '/api/chat', 'metadata', 200, 'ok', 2, 1)",
      id,
    );
    expect(await verifyRoute()).toMatchObject({ ok: false, firstBad: { id, reason: "unchained_record" } });
    await run("DELETE FROM audit_events WHERE id = ?", id);
    expect(await verifyRoute()).toMatchObject({ ok: true });
  });

  test("links cut off the end are caught against the ledger's anchor", async () => {
    const anchor = (await ledger().anchor())!;
    const last = (await env.DB.prepare("SELECT * FROM audit_chain WHERE seq = ?").bind(anchor.seq).first<Record<string, unknown>>())!;
    await run("DELETE FROM audit_chain WHERE seq = ?", anchor.seq);
    expect(await verifyNow()).toMatchObject({ ok: false, firstBad: { seq: anchor.seq, reason: "truncated" } });
    const columns = Object.keys(last);
    await run(`INSERT INTO audit_chain (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`, ...columns.map((c) => last[c]));
    expect(await verifyNow()).toMatchObject({ ok: true });
  });
});

describe("retention", () => {
  test("old prompt and response text is purged and the chain still verifies", async () => {
    const old = ids.slice(0, 3);
    await run(`UPDATE audit_content SET created_at = created_at - 40 * 86400000 WHERE event_id IN (${old.map(() => "?").join(",")})`, ...old);
    const purged = await ledger().purgeBefore(Date.now() - 30 * 86_400_000);
    expect(purged).toBe(6);
    expect((await contentOf(env.DB, old)).size).toBe(0);
    expect((await contentOf(env.DB, ids.slice(3))).size).toBe(ids.length - 3);
    expect(await verifyNow()).toMatchObject({ ok: true });
  });

  test("the ledger keeps an alarm set for its sealing and retention pass", async () => {
    await ledger().anchor(); // make sure it exists
    expect(await runDurableObjectAlarm(ledger())).toBe(true);
    expect(await verifyNow()).toMatchObject({ ok: true });
  });
});
