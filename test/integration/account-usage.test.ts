import { describe, expect, test } from "vitest";
import { gateway } from "./helpers/gateway";
import { resetSimulator } from "./helpers/simulator";
import { seedKey, seedUser } from "./identity/helpers";

describe("GET /account/api/me shows one's own usage", () => {
  test("tokens charged by an answer appear in today's and this month's window", async () => {
    await resetSimulator();
    const limits = JSON.stringify({ rpm: 100, burst: 100, concurrency: 4, dailyTokens: 10_000, monthlyTokens: null, models: null });
    const { secret } = await seedKey((await seedUser({ limits })).id);
    const headers = { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" };
    const answer = await gateway("/api/chat", {
      method: "POST",
      headers,
      body: JSON.stringify({ model: "llama3.2", messages: [{ role: "user", content: "one two three" }], stream: false }),
    }).then((r) => r.json<{ prompt_eval_count: number; eval_count: number }>());
    const spent = answer.prompt_eval_count + answer.eval_count;
    await expect
      .poll(async () => {
        const me = await gateway("/account/api/me", { headers }).then((r) => r.json<{ usage: { day: { used: number }; month: { used: number } } }>());
        return [me.usage.day.used, me.usage.month.used];
      })
      .toEqual([spent, spent]);
  });

  test("without credentials there is no usage to see", async () => {
    expect((await gateway("/account/api/me")).status).toBe(401);
  });
});
