import { beforeAll, beforeEach, describe, expect, test } from "vitest";
import { gateway } from "../helpers/gateway";
import { configureSimulator, resetSimulator } from "../helpers/simulator";
import { asSession, freshAddress, seedUser, sessionCookie } from "../identity/helpers";
import { ask, askStreamed, getJson, person, recorded, refusedUnknown, type Answer, type Person } from "./helpers";

/**
 * GET /admin/api/stats: the usage dashboard's numbers, checked against
 * requests made through the gateway (and, for exact buckets, records placed
 * at chosen times in 2001 through the audit ledger).
 */

interface Totals { requests: number; errors: number; avgLatencyMs: number | null }
interface SeriesPoint extends Totals { t: string; promptTokens: number; completionTokens: number }
interface UserRow extends Totals { userId: string; username: string; tokens: number }
interface ModelRow extends Totals { model: string; tokens: number }
interface Stats { from: string; to: string; bucket: "hour" | "day"; series: SeriesPoint[]; byUser: UserRow[]; byModel: ModelRow[] }

const hour = 3_600_000;
const day = 24 * hour;
const iso = (ms: number) => new Date(ms).toISOString();
const sum = (points: SeriesPoint[], field: "requests" | "errors" | "promptTokens" | "completionTokens") =>
  points.reduce((total, point) => total + point[field], 0);

let admin: Person;
beforeAll(async () => {
  admin = await person({ role: "admin" });
});
beforeEach(() => resetSimulator());

async function stats(query: string): Promise<Stats> {
  const response = await getJson(admin.secret, `/admin/api/stats?${query}`);
  expect(response.status).toBe(200);
  return response.json<Stats>();
}

describe("stats from requests made through the gateway (happy)", () => {
  test("refusals of unknown callers count in the series, never in byUser", async () => {
    const window = `from=${iso(Date.now() - 5 * 60_000)}&to=${iso(Date.now() + 5 * 60_000)}`;
    const before = await stats(window);
    const address = freshAddress();
    for (let i = 0; i < 3; i++) {
      const response = await gateway("/api/chat", {
        method: "POST",
        headers: { Authorization: "Bearer gh_nobody_000000000000", "Content-Type": "application/json", "CF-Connecting-IP": address },
        body: JSON.stringify({ model: "llama3.2:latest", messages: [{ role: "user", content: "hi" }] }),
      });
      expect(response.status).toBe(401);
      await response.arrayBuffer();
    }
    const usersTotal = (s: Stats) => s.byUser.reduce((total, row) => total + row.requests, 0);
    await expect
      .poll(async () => {
        const after = await stats(window);
        return {
          requests: sum(after.series, "requests") - sum(before.series, "requests"),
          errors: sum(after.series, "errors") - sum(before.series, "errors"),
          byUser: usersTotal(after) - usersTotal(before),
        };
      })
      .toEqual({ requests: 3, errors: 3, byUser: 0 });
  });

  test("requests, errors and tokens per user and model match what the gateway answered", async () => {
    const alice = await person();
    const bob = await person();
    const answers: Answer[] = [
      await ask(alice.secret, "llama3.2:latest", "one two three four"),
      // A bare name is Ollama's `:latest`: one model in the stats.
      await askStreamed(alice.secret, "llama3.2", "tell me a story about the sea"),
      await ask(alice.secret, "qwen2.5:0.5b", "five six"),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.every((a) => a.promptTokens > 0 && a.completionTokens > 0)).toBe(true);
    const bobs = await ask(bob.secret, "llama3.2:latest", "bob asks");
    // Two errors: Ollama failing (forwarded, upstream_error) and a refusal (cloud model, 403).
    await configureSimulator({ status: 500, errorBody: { error: "model crashed" } });
    expect((await ask(alice.secret, "llama3.2:latest")).status).toBeGreaterThanOrEqual(500);
    await resetSimulator();
    expect((await ask(alice.secret, "gpt-oss:120b-cloud")).status).toBe(403);

    const prompt = answers.reduce((total, a) => total + a.promptTokens, 0);
    const completion = answers.reduce((total, a) => total + a.completionTokens, 0);
    await expect
      .poll(async () => {
        const s = await stats(`user=${alice.id}`);
        return { requests: sum(s.series, "requests"), errors: sum(s.series, "errors"), prompt: sum(s.series, "promptTokens"), completion: sum(s.series, "completionTokens") };
      })
      .toEqual({ requests: 5, errors: 2, prompt, completion });

    const mine = await stats(`user=${alice.id}`);
    expect(mine.byUser).toHaveLength(1);
    expect(mine.byUser[0]).toMatchObject({ userId: alice.id, username: alice.username, requests: 5, errors: 2, tokens: prompt + completion });
    const llama = mine.byModel.find((row) => row.model === "llama3.2:latest");
    const qwen = mine.byModel.find((row) => row.model === "qwen2.5:0.5b");
    expect(llama).toMatchObject({ requests: 3, errors: 1, tokens: answers[0]!.promptTokens + answers[0]!.completionTokens + answers[1]!.promptTokens + answers[1]!.completionTokens });
    expect(qwen).toMatchObject({ requests: 1, errors: 0, tokens: answers[2]!.promptTokens + answers[2]!.completionTokens });
    // Most requests first.
    expect(mine.byModel[0]!.model).toBe("llama3.2:latest");

    // Latency: the mean over the forwarded requests, as the audit view shows them.
    const audit = await (await getJson(admin.secret, `/admin/api/audit?user=${alice.id}`)).json<{ events: { kind: string; latencyMs: number }[] }>();
    const forwarded = audit.events.filter((event) => event.kind === "request");
    expect(forwarded).toHaveLength(4);
    expect(mine.byUser[0]!.avgLatencyMs).toBe(Math.round(forwarded.reduce((total, e) => total + e.latencyMs, 0) / forwarded.length));

    // Both filters at once, and another user's view of the same model.
    const qwenOnly = await stats(`user=${alice.id}&model=qwen2.5:0.5b`);
    expect({ requests: sum(qwenOnly.series, "requests"), prompt: sum(qwenOnly.series, "promptTokens") }).toEqual({ requests: 1, prompt: answers[2]!.promptTokens });
    expect(qwenOnly.byModel.map((row) => row.model)).toEqual(["qwen2.5:0.5b"]);
    const bobLlama = await stats(`user=${bob.id}&model=llama3.2`);
    expect(bobLlama.byUser).toEqual([
      { userId: bob.id, username: bob.username, requests: 1, errors: 0, tokens: bobs.promptTokens + bobs.completionTokens, avgLatencyMs: expect.any(Number), costUsd: 0 },
    ]);
    // A model filter alone spans users: both appear, Alice first (more requests).
    const byLlama = await stats(`model=llama3.2:latest&from=${iso(Date.now() - hour)}`);
    const ids = byLlama.byUser.map((row) => row.userId);
    expect(ids.indexOf(alice.id)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(alice.id)).toBeLessThan(ids.indexOf(bob.id));
  });

  test("defaults: the last 24 hours, hour by hour, every bucket present up to now", async () => {
    const before = Date.now();
    const s = await stats("");
    const to = Date.parse(s.to);
    expect(to).toBeGreaterThanOrEqual(before);
    expect(to - Date.parse(s.from)).toBe(day);
    expect(s.bucket).toBe("hour");
    expect(s.series.length).toBeGreaterThanOrEqual(24);
    expect(s.series.length).toBeLessThanOrEqual(25);
    const starts = s.series.map((point) => Date.parse(point.t));
    starts.forEach((t, i) => {
      expect(t % hour).toBe(0);
      if (i > 0) expect(t - starts[i - 1]!).toBe(hour);
    });
    expect(starts[0]).toBeLessThanOrEqual(Date.parse(s.from));
    expect(starts.at(-1)! + hour).toBeGreaterThan(to);
  });
});

describe("buckets and zero-filling, with records at chosen times", () => {
  test("hourly: each request in its hour, empty hours as zeros, in-flight counted, listings left out", async () => {
    const base = Date.UTC(2001, 0, 1);
    const user = await seedUser();
    const model = `fixture-${crypto.randomUUID().slice(0, 8)}:1b`;
    const at = (ms: number) => ({ userId: user.id, model, startedAt: base + ms });
    await recorded(at(10 * 60_000), { latencyMs: 100, promptTokens: 5, completionTokens: 7 });
    await recorded(at(50 * 60_000), { status: 502, outcome: "upstream_error", latencyMs: 300, promptTokens: null, completionTokens: null });
    await refusedUnknown(base + hour + 5 * 60_000, 3);
    await recorded({ ...at(2 * hour), endpoint: "/api/tags", method: "GET", model: null }, { latencyMs: 1 });
    await recorded(at(3 * hour + 30 * 60_000), { latencyMs: 200, promptTokens: 2, completionTokens: 3 });
    await recorded(at(5 * hour), null); // still in flight: a request, not (yet) an error

    const s = await stats(`from=${iso(base)}&to=${iso(base + 6 * hour)}`);
    expect(s).toEqual({
      from: "2001-01-01T00:00:00.000Z",
      to: "2001-01-01T06:00:00.000Z",
      bucket: "hour",
      series: [
        { t: "2001-01-01T00:00:00.000Z", requests: 2, errors: 1, promptTokens: 5, completionTokens: 7, avgLatencyMs: 200, costUsd: 0 },
        { t: "2001-01-01T01:00:00.000Z", requests: 3, errors: 3, promptTokens: 0, completionTokens: 0, avgLatencyMs: null, costUsd: 0 },
        { t: "2001-01-01T02:00:00.000Z", requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, avgLatencyMs: null, costUsd: 0 },
        { t: "2001-01-01T03:00:00.000Z", requests: 1, errors: 0, promptTokens: 2, completionTokens: 3, avgLatencyMs: 200, costUsd: 0 },
        { t: "2001-01-01T04:00:00.000Z", requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, avgLatencyMs: null, costUsd: 0 },
        { t: "2001-01-01T05:00:00.000Z", requests: 1, errors: 0, promptTokens: 0, completionTokens: 0, avgLatencyMs: null, costUsd: 0 },
      ],
      byUser: [{ userId: user.id, username: user.username, requests: 4, errors: 1, tokens: 17, avgLatencyMs: 200, costUsd: 0 }],
      byModel: [{ model, requests: 4, errors: 1, tokens: 17, avgLatencyMs: 200, costUsd: 0 }],
    });
  });

  test("daily beyond two days; the first bucket starts at midnight but counts only from `from`; ms instants accepted", async () => {
    const base = Date.UTC(2001, 1, 1);
    const user = await seedUser();
    await recorded({ userId: user.id, startedAt: base + 6 * hour }, { promptTokens: 1, completionTokens: 1 });
    await recorded({ userId: user.id, startedAt: base + 20 * hour }, { promptTokens: 1, completionTokens: 1 });
    await recorded({ userId: user.id, startedAt: base + 3 * day + 12 * hour }, { promptTokens: 4, completionTokens: 4 });
    const s = await stats(`from=${base + 12 * hour}&to=${base + 5 * day}`);
    expect(s.bucket).toBe("day");
    expect(s.from).toBe("2001-02-01T12:00:00.000Z");
    expect(s.series.map((point) => [point.t.slice(0, 10), point.requests, point.promptTokens])).toEqual([
      ["2001-02-01", 1, 1],
      ["2001-02-02", 0, 0],
      ["2001-02-03", 0, 0],
      ["2001-02-04", 1, 4],
      ["2001-02-05", 0, 0],
    ]);
    // The caller may ask for hours over a longer range (within 2000 buckets).
    const hourly = await stats(`from=${iso(base)}&to=${iso(base + 5 * day)}&bucket=hour&user=${user.id}`);
    expect(hourly.series).toHaveLength(120);
    expect(hourly.series.filter((point) => point.requests > 0).map((point) => point.t)).toEqual([
      "2001-02-01T06:00:00.000Z",
      "2001-02-01T20:00:00.000Z",
      "2001-02-04T12:00:00.000Z",
    ]);
  });

  test("a deleted account's records stay under its id, without a name", async () => {
    const gone = crypto.randomUUID();
    const base = Date.UTC(2001, 2, 1);
    await recorded({ userId: gone, startedAt: base + hour }, { promptTokens: 3, completionTokens: 4 });
    const s = await stats(`from=${iso(base)}&to=${iso(base + day)}&user=${gone}`);
    expect(s.byUser).toEqual([{ userId: gone, username: "(deleted)", requests: 1, errors: 0, tokens: 7, avgLatencyMs: 10, costUsd: 0 }]);
  });

  test("the largest ranges allowed: 366 days by day, 2000 buckets by hour", async () => {
    const base = Date.UTC(2001, 0, 1);
    expect((await stats(`from=${iso(base)}&to=${iso(base + 366 * day)}`)).series).toHaveLength(366);
    expect((await stats(`from=${iso(base)}&to=${iso(base + 2000 * hour)}&bucket=hour`)).series).toHaveLength(2000);
  });
});

describe("validation (error)", () => {
  test.each([
    ["from after to", "from=2001-01-02T00:00:00Z&to=2001-01-01T00:00:00Z", "from:"],
    ["an empty range", "from=2001-01-01T00:00:00Z&to=2001-01-01T00:00:00Z", "from:"],
    ["more than 366 days", "from=2000-01-01T00:00:00Z&to=2001-01-02T00:00:00Z", "to:"],
    ["more than 2000 buckets", "from=2001-01-01T00:00:00Z&to=2001-04-01T00:00:00Z&bucket=hour", "bucket:"],
    ["2001 hourly buckets", `from=${iso(Date.UTC(2001, 0, 1))}&to=${iso(Date.UTC(2001, 0, 1) + 2000 * hour + 1)}&bucket=hour`, "bucket:"],
    ["an unknown bucket", "bucket=week", "bucket:"],
    ["a user id that is not one", "user=1%20OR%201=1", "user:"],
    ["a time that is not one", "from=yesterday", "from:"],
    ["a time beyond year 9999", "to=99999999999999999", "to:"],
    ["an empty model", "model=", "model:"],
  ])("%s → 400 naming the field", async (_name, query, field) => {
    const response = await getJson(admin.secret, `/admin/api/stats?${query}`);
    expect(response.status).toBe(400);
    const body = await response.json<{ error: { code: string; message: string; request_id: string } }>();
    expect(body.error.code).toBe("invalid_request");
    expect(body.error.message.startsWith(field)).toBe(true);
    expect(body.error.request_id).toBe(response.headers.get("x-request-id"));
  });
});

describe("who may see it (security)", () => {
  test("no credentials → 401", async () => {
    const response = await gateway("/admin/api/stats");
    expect(response.status).toBe(401);
    expect((await response.json<{ error: { code: string } }>()).error.code).toBe("unauthenticated");
  });

  test("a user's key or session → 403; an admin's session → 200", async () => {
    const user = await person();
    expect((await getJson(user.secret, "/admin/api/stats")).status).toBe(403);
    const member = await seedUser();
    const memberSession = await asSession(await sessionCookie(member.username), "GET", "/admin/api/stats");
    expect(memberSession.status).toBe(403);
    expect((await memberSession.json<{ error: { code: string } }>()).error.code).toBe("forbidden");
    const boss = await seedUser({ role: "admin" });
    const bossSession = await asSession(await sessionCookie(boss.username), "GET", "/admin/api/stats");
    expect(bossSession.status).toBe(200);
    expect(await bossSession.json<Stats>()).toMatchObject({ bucket: "hour", series: expect.any(Array) });
  });
});
