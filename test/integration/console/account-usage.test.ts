import { beforeEach, describe, expect, test } from "vitest";
import { gateway } from "../helpers/gateway";
import { resetSimulator } from "../helpers/simulator";
import { asSession, sessionCookie } from "../identity/helpers";
import { ask, getJson, person, recorded } from "./helpers";

/** GET /account/api/usage: one's own requests and tokens per UTC day, for the account page's chart. */

interface Usage { days: { date: string; requests: number; tokens: number }[] }

const day = 86_400_000;
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

beforeEach(() => resetSimulator());

async function usage(secret: string, query = ""): Promise<Usage> {
  const response = await getJson(secret, `/account/api/usage${query}`);
  expect(response.status).toBe(200);
  return response.json<Usage>();
}

describe("own usage per day (happy)", () => {
  test("today's requests and tokens as the gateway answered them, yesterday's record, zeros before, oldest first", async () => {
    const alice = await person();
    const bob = await person();
    const first = await ask(alice.secret, "llama3.2:latest", "one two three");
    const second = await ask(alice.secret, "qwen2.5:0.5b", "four five");
    await ask(bob.secret, "llama3.2:latest", "bob's question");
    await recorded({ userId: alice.id, startedAt: Date.now() - day }, { promptTokens: 10, completionTokens: 5 });
    const tokens = first.promptTokens + first.completionTokens + second.promptTokens + second.completionTokens;

    await expect.poll(async () => (await usage(alice.secret, "?days=3")).days.at(-1)).toEqual({ date: dateOf(Date.now()), requests: 2, tokens });
    const now = Date.now();
    expect((await usage(alice.secret, "?days=3")).days).toEqual([
      { date: dateOf(now - 2 * day), requests: 0, tokens: 0 },
      { date: dateOf(now - day), requests: 1, tokens: 15 },
      { date: dateOf(now), requests: 2, tokens },
    ]);
  });

  test("the same through the console's session cookie", async () => {
    const carol = await person();
    const answer = await ask(carol.secret, "llama3.2:latest", "hello there");
    const cookie = await sessionCookie(carol.username);
    await expect
      .poll(async () => (await (await asSession(cookie, "GET", "/account/api/usage?days=1")).json<Usage>()).days)
      .toEqual([{ date: dateOf(Date.now()), requests: 1, tokens: answer.promptTokens + answer.completionTokens }]);
  });

  test("30 days by default, up to 366, consecutive UTC dates ending today", async () => {
    const someone = await person();
    const standard = await usage(someone.secret);
    expect(standard.days).toHaveLength(30);
    expect(standard.days.every((entry) => entry.requests === 0 && entry.tokens === 0)).toBe(true);
    const year = (await usage(someone.secret, "?days=366")).days;
    expect(year).toHaveLength(366);
    expect(year.at(-1)!.date).toBe(dateOf(Date.now()));
    year.forEach((entry, i) => {
      if (i > 0) expect(Date.parse(entry.date) - Date.parse(year[i - 1]!.date)).toBe(day);
    });
  });
});

describe("bad input (error)", () => {
  test.each(["0", "367", "-1", "1.5", "many", ""])("days=%s → 400 naming days", async (days) => {
    const someone = await person();
    const response = await getJson(someone.secret, `/account/api/usage?days=${days}`);
    expect(response.status).toBe(400);
    const body = await response.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe("invalid_request");
    expect(body.error.message).toMatch(/^days:/);
  });
});

describe("only one's own (security)", () => {
  test("another user's requests never show, whatever the query says", async () => {
    const dave = await person();
    const eve = await person();
    await ask(eve.secret, "llama3.2:latest", "eve's secret question");
    await expect.poll(async () => (await usage(eve.secret, "?days=1")).days[0]!.requests).toBe(1);
    const seen = await usage(dave.secret, `?days=1&user=${eve.id}&userId=${eve.id}`);
    expect(seen.days).toEqual([{ date: dateOf(Date.now()), requests: 0, tokens: 0 }]);
  });

  test("no credentials → 401", async () => {
    const response = await gateway("/account/api/usage");
    expect(response.status).toBe(401);
    expect((await response.json<{ error: { code: string } }>()).error.code).toBe("unauthenticated");
  });
});
