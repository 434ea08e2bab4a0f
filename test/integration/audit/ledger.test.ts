import { env } from "cloudflare:test";
import { describe, expect, test } from "vitest";
import { contentOf } from "../../../src/db/audit-content";
import { markInterrupted } from "../../../src/db/audit-events";
import { begin, complete, finished, ledger, rowOf, started, verifyNow } from "./helpers";

describe("the audit ledger", () => {
  test("a started record is committed, then completed and sealed into the chain", async () => {
    const record = await begin("the prompt");
    expect(await rowOf(record.id)).toMatchObject({ kind: "request", finished_at: null, sealed_seq: null, client_address: "10.0.0.7" });
    expect(await complete(record, "the answer")).toBe(true);
    const row = await rowOf(record.id);
    expect(row).toMatchObject({ status: 200, outcome: "ok", prompt_tokens: 5, completion_tokens: 7 });
    expect(row?.sealed_seq).toBeTypeOf("number");
    expect((await contentOf(env.DB, [record.id])).get(record.id)).toEqual({ prompt: "the prompt", response: "the answer" });
    expect(await verifyNow()).toMatchObject({ ok: true, firstBad: null });
  });

  test("a second completion of the same request changes nothing", async () => {
    const record = started();
    await ledger().begin(record, null);
    expect(await ledger().complete(record.id, finished(), null)).toBe(true);
    expect(await ledger().complete(record.id, finished({ status: 500 }), null)).toBe(false);
    expect((await rowOf(record.id))?.status).toBe(200);
  });

  test("many requests finishing at once are sealed in one unbroken chain", async () => {
    const records = await Promise.all(Array.from({ length: 60 }, (_, i) => begin(`prompt ${i}`)));
    await Promise.all(records.map((record, i) => complete(record, `answer ${i}`)));
    const report = await verifyNow();
    expect(report).toMatchObject({ ok: true, firstBad: null });
    expect(report.checked).toBeGreaterThanOrEqual(60);
  });

  test("a prompt over D1's 1 MB row limit is stored in pieces and read back whole", async () => {
    const big = "é😀x".repeat(300_000); // ~2.4 MB of UTF-8, surrogate pairs across piece edges
    const record = await begin(big);
    const pieces = await env.DB.prepare("SELECT length(CAST(body AS BLOB)) AS bytes FROM audit_content WHERE event_id = ?").bind(record.id).all<{ bytes: number }>();
    expect(pieces.results.length).toBeGreaterThan(2);
    for (const piece of pieces.results) expect(piece.bytes).toBeLessThan(1_000_000);
    expect((await contentOf(env.DB, [record.id])).get(record.id)?.prompt).toBe(big);
  });

  test("records a crash left open become interrupted and are sealed by the backlog pass", async () => {
    const record = started({ startedAt: Date.now() - 1000 });
    await ledger().begin(record, null);
    expect(await markInterrupted(env.DB, Date.now())).toBeGreaterThanOrEqual(1);
    expect(await rowOf(record.id)).toMatchObject({ outcome: "interrupted", sealed_seq: null });
    expect(await ledger().sealBacklog()).toBeGreaterThanOrEqual(1);
    expect((await rowOf(record.id))?.sealed_seq).toBeTypeOf("number");
    expect(await verifyNow()).toMatchObject({ ok: true });
  });

  test("unauthenticated refusals are counted per address and minute, not one row each", async () => {
    const minute = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
    const bucket = started({ id: `refusals:10.9.9.9:unauthenticated:${minute}`, kind: "refusals", userId: null, keyId: null, startedAt: minute, finishedAt: minute + 60_000, status: 401, outcome: "denied", code: "unauthenticated", captureMode: "metadata" });
    for (let i = 0; i < 25; i++) await ledger().flood(bucket);
    expect(await rowOf(bucket.id)).toMatchObject({ count: 25, sealed_seq: null });
    await ledger().sealBacklog();
    await ledger().flood(bucket); // too late: the bucket is sealed
    expect(await rowOf(bucket.id)).toMatchObject({ count: 25 });
    expect(await verifyNow()).toMatchObject({ ok: true });
  });
});
