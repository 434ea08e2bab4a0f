import { env } from "cloudflare:test";
import { beforeAll, describe, expect, test } from "vitest";
import { parseCsv } from "../audit/csv-parse";
import { getJson, person, recorded, type Person } from "../console/helpers";
import { seedUser } from "../identity/helpers";

/**
 * Cost shown: what routing records on each audit row (backend, served
 * model, failover, cost in micro-dollars) comes out in the audit CSV
 * (cost_usd in dollars) and in the stats per bucket, user and model.
 * Rows are placed in 2002 through the ledger, then given what routing writes.
 */

const hour = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

let admin: Person;
beforeAll(async () => {
  admin = await person({ role: "admin" });
});

async function routed(id: string, fields: { backend: string; servedModel: string; failover: string | null; costMicros: number | null }): Promise<void> {
  await env.DB.prepare("UPDATE audit_events SET backend = ?, served_model = ?, failover = ?, cost_micros = ? WHERE id = ?")
    .bind(fields.backend, fields.servedModel, fields.failover, fields.costMicros, id)
    .run();
}

describe("cost per request, user and model", () => {
  test("the stats sum cost_micros as dollars per bucket, user and model; unpriced requests cost 0", async () => {
    const base = Date.UTC(2002, 0, 1);
    const ann = await seedUser();
    const bob = await seedUser();
    const cloudModel = `cloud-${crypto.randomUUID().slice(0, 8)}:1b`;
    const localModel = `local-${crypto.randomUUID().slice(0, 8)}:1b`;
    const a1 = await recorded({ userId: ann.id, model: cloudModel, startedAt: base + 5 * 60_000 }, { promptTokens: 1000, completionTokens: 500 });
    const a2 = await recorded({ userId: ann.id, model: cloudModel, startedAt: base + hour + 5 * 60_000 }, { promptTokens: 10, completionTokens: 5 });
    const b1 = await recorded({ userId: bob.id, model: cloudModel, startedAt: base + hour + 6 * 60_000 }, { promptTokens: 10, completionTokens: 5 });
    await recorded({ userId: bob.id, model: localModel, startedAt: base + hour + 7 * 60_000 }, { promptTokens: 10, completionTokens: 5 });
    await routed(a1.id, { backend: "cloud-x", servedModel: "gpt-x", failover: null, costMicros: 12_500 });
    await routed(a2.id, { backend: "cloud-x", servedModel: "gpt-x", failover: null, costMicros: 3 });
    await routed(b1.id, { backend: "cloud-x", servedModel: "gpt-x", failover: '["box-a"]', costMicros: 2_000_000 });

    const response = await getJson(admin.secret, `/admin/api/stats?from=${iso(base)}&to=${iso(base + 2 * hour)}`);
    const s = await response.json<{ series: { costUsd: number }[]; byUser: { userId: string; costUsd: number }[]; byModel: { model: string; costUsd: number }[] }>();
    expect(s.series.map((point) => point.costUsd)).toEqual([0.0125, 2.000003]);
    expect(s.byUser.find((row) => row.userId === ann.id)?.costUsd).toBe(0.012503);
    expect(s.byUser.find((row) => row.userId === bob.id)?.costUsd).toBe(2);
    expect(s.byModel.find((row) => row.model === cloudModel)?.costUsd).toBe(2.012503);
    expect(s.byModel.find((row) => row.model === localModel)?.costUsd).toBe(0);
  });

  test("the audit CSV has backend, served_model, failover and cost_usd", async () => {
    const base = Date.UTC(2002, 1, 1);
    const ann = await seedUser();
    const priced = await recorded({ userId: ann.id, model: "m:1", startedAt: base + 60_000 }, { promptTokens: 7, completionTokens: 3 });
    const free = await recorded({ userId: ann.id, model: "m:1", startedAt: base + 120_000 }, { promptTokens: 7, completionTokens: 3 });
    await routed(priced.id, { backend: "cloud-x", servedModel: "gpt-x", failover: '["box-a","box-b"]', costMicros: 1_234_567 });
    await routed(free.id, { backend: "box-a", servedModel: "llama3.2:latest", failover: null, costMicros: null });
    const response = await getJson(admin.secret, `/admin/api/audit.csv?from=${iso(base)}&to=${iso(base + hour)}&reason=cost+check`);
    expect(response.status).toBe(200);
    const [header, ...rows] = parseCsv(await response.text());
    const column = (name: string) => header!.indexOf(name);
    for (const name of ["backend", "served_model", "failover", "cost_usd"]) expect(column(name), name).toBeGreaterThan(0);
    const byId = new Map(rows.map((row) => [row[column("request_id")], row]));
    const row = byId.get(priced.id)!;
    expect([row[column("backend")], row[column("served_model")], row[column("failover")], row[column("cost_usd")]]).toEqual(["cloud-x", "gpt-x", '["box-a","box-b"]', "1.234567"]);
    const other = byId.get(free.id)!;
    expect([other[column("backend")], other[column("served_model")], other[column("failover")], other[column("cost_usd")]]).toEqual(["box-a", "llama3.2:latest", "", ""]);
  });
});
