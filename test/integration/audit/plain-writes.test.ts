import { env } from "cloudflare:test";
import { and, eq, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, test } from "vitest";
import { contentOf } from "../../../src/db/audit-content";
import { auditEvents } from "../../../src/db/schema";
import { begin, complete, finished, ledger, rowOf, started, verifyNow } from "./helpers";

/**
 * The ledger writes a request's record with plain D1 statements
 * (src/db/audit-writes.ts), not drizzle's query builder. These tests hold
 * the rows they write against the rows drizzle's schema writes for the same
 * record and completion, column for column, so the two can never drift: a
 * boolean stored as 0/1, a default where a value is absent, a completion's
 * absent fields left as they were.
 */

/** The row drizzle writes for this record and completion (what the ledger wrote before its statements were plain); removed again, as it is in no chain. */
async function drizzleRow(record: ReturnType<typeof started>, completion: ReturnType<typeof finished> | null, seq: number | null) {
  const d = drizzle(env.DB);
  await d.insert(auditEvents).values(record).run();
  if (completion) await d.update(auditEvents).set({ ...completion, sealedSeq: seq }).where(and(eq(auditEvents.id, record.id), isNull(auditEvents.finishedAt))).run();
  const row = await rowOf(record.id);
  await d.delete(auditEvents).where(eq(auditEvents.id, record.id)).run();
  return row;
}

/** A row without the columns that differ by construction (its own id and row number, its place in the chain). */
function comparable(row: Record<string, unknown> | null): Record<string, unknown> {
  const { seq: _seq, id: _id, sealed_seq: _sealed, ...rest } = row ?? {};
  return rest;
}

describe("the ledger's plain statements write what drizzle wrote (happy)", () => {
  test("a begun record, before and after its completion, equals drizzle's row for the same values", async () => {
    const record = await begin("the prompt", { stream: true, requestedModel: "alias-name" });
    const twin = { ...record, id: crypto.randomUUID() };
    expect(comparable(await rowOf(record.id))).toEqual(comparable(await drizzleRow(twin, null, null)));

    const extra = { tokensEstimated: true, backend: "gpu-2", servedModel: "llama3.2:latest", failover: '["local"]', costMicros: 42 };
    await complete(record, "the answer", extra);
    const completed = await rowOf(record.id);
    const completion = finished({ ...extra, responseSha256: completed!.response_sha256 as string, responseBytes: completed!.response_bytes as number, finishedAt: completed!.finished_at as number });
    const twinDone = { ...record, id: crypto.randomUUID() };
    expect(comparable(completed)).toEqual(comparable(await drizzleRow(twinDone, completion, 1)));
    expect(completed).toMatchObject({ stream: 1, tokens_estimated: 1, backend: "gpu-2", cost_micros: 42, requested_model: "alias-name" });
    expect(completed!.sealed_seq).toBeTypeOf("number");
    expect((await contentOf(env.DB, [record.id])).get(record.id)).toEqual({ prompt: "the prompt", response: "the answer" });
    expect((await verifyNow()).ok).toBe(true);
  });

  test("absent values get the schema's defaults at begin; a completion's absent fields are left as they were", async () => {
    const { stream: _stream, count: _count, ...rest } = started();
    const bare = rest as ReturnType<typeof started>;
    await ledger().begin(bare, null); // left open: a record without `stream` is not one the recorder writes
    expect(await rowOf(bare.id)).toMatchObject({ stream: 0, count: 1, tokens_estimated: 0, backend: null, blocked_categories: null });

    const record = await begin(null);
    const { tokensEstimated: _estimated, ...completion } = finished();
    await ledger().complete(record.id, completion as ReturnType<typeof finished>, null);
    const row = await rowOf(record.id);
    expect(row).toMatchObject({ status: 200, outcome: "ok", tokens_estimated: 0, backend: null, served_model: null });
    expect(comparable(row)).toEqual(comparable(await drizzleRow({ ...record, id: crypto.randomUUID() }, completion as ReturnType<typeof finished>, 1)));
  });
});

describe("the ledger's plain statements (error)", () => {
  test("a completion never rewrites a record already finished", async () => {
    const record = started();
    await ledger().begin(record, null);
    expect(await ledger().complete(record.id, finished({ status: 200, outcome: "ok" }), null)).toBe(true);
    const first = await rowOf(record.id);
    expect(await ledger().complete(record.id, finished({ status: 500, outcome: "upstream_error" }), null)).toBe(false);
    expect(await rowOf(record.id)).toEqual(first);
  });
});

describe("the ledger's plain statements (security)", () => {
  test("values that look like SQL are stored as text, never run", async () => {
    const hostile = "x'); DROP TABLE audit_events; --";
    const record = await begin(hostile, { model: hostile, endpoint: `/api/chat?${hostile}`, clientAddress: hostile });
    await complete(record, hostile, { outcome: hostile });
    expect(await rowOf(record.id)).toMatchObject({ model: hostile, client_address: hostile, outcome: hostile });
    expect((await contentOf(env.DB, [record.id])).get(record.id)).toEqual({ prompt: hostile, response: hostile });
    expect((await verifyNow()).ok).toBe(true);
  });
});
