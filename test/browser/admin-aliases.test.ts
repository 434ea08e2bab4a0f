import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { AdminClient } from "../e2e/helpers/accounts";
import { textOnceContains } from "./helpers/admin-console";
import { closeAdminSession, openAdminSession, type AdminSession } from "./helpers/admin-session";
import { screenshot, unexpectedProblems } from "./helpers/browser";

/**
 * The console's model aliases: an admin adds, reorders and removes them in
 * Chromium, and an Anthropic request with an agent's own model name is then
 * served by the target (and refused once the alias is gone).
 */
describe("admin console: model aliases", () => {
  let session: AdminSession | undefined;
  let base: string;
  let admin: AdminClient;
  let page: Page;
  let problems: string[];
  let failed: string[];
  let secret: string;

  beforeAll(async () => {
    session = await openAdminSession({ width: 1366, height: 800 });
    ({ base, admin, page, problems, failed } = session);
    secret = (await admin.userWithKey("alias-agent", { limits: { rpm: 1000, burst: 1000, concurrency: 10, dailyTokens: null, monthlyTokens: null, models: null } })).secret;
  }, 120_000);
  afterAll(() => closeAdminSession(session), 60_000);

  const claude = () =>
    fetch(`${base}/v1/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "x-api-key": secret },
      body: JSON.stringify({ model: "claude-opus-4-8", max_tokens: 8, messages: [{ role: "user", content: "hi" }] }),
    });
  const rows = () => page.locator("#aliases-table tbody tr[data-pattern]");

  async function add(pattern: string, model: string): Promise<void> {
    await page.fill("#alias-pattern", pattern);
    await page.fill("#alias-model", model);
    await page.click("#alias-add button[type=submit]");
  }

  test("add, reorder and remove; the gateway follows at once", async () => {
    expect((await claude()).status).toBe(404); // Ollama has no such model
    await add("claude-*", "llama3.2");
    await textOnceContains(page, "#aliases-message", "Added");
    await add("claude-opus-*", "qwen2.5:0.5b");
    await textOnceContains(page, "#aliases-message", "2 aliases");
    expect(await rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-pattern")))).toEqual(["claude-*", "claude-opus-*"]);
    expect(((await (await claude()).json()) as { model: string }).model).toBe("llama3.2");

    await page.click('button[aria-label="Move claude-opus-* up"]');
    await textOnceContains(page, "#aliases-message", "Moved");
    expect(await admin.json("GET", "/admin/api/aliases")).toEqual({ aliases: [{ pattern: "claude-opus-*", model: "qwen2.5:0.5b" }, { pattern: "claude-*", model: "llama3.2" }] });
    expect(((await (await claude()).json()) as { model: string }).model).toBe("qwen2.5:0.5b");
    await screenshot(page, "admin-aliases");

    await page.click('button[aria-label="Remove claude-opus-*"]');
    await page.click('button[aria-label="Remove claude-*"]');
    await textOnceContains(page, "#aliases-message", "0 aliases");
    expect((await claude()).status).toBe(404);
  });

  test("a bad alias is refused with the API's message and the list stays as it was", async () => {
    await add("claude-*", "llama3*");
    const message = await textOnceContains(page, "#aliases-message", /model/i);
    expect(message).toMatch(/not a valid model name/);
    expect(await admin.json("GET", "/admin/api/aliases")).toEqual({ aliases: [] });
    // The console reloads the list after the refusal.
    await expect.poll(() => rows().count(), { timeout: 10_000 }).toBe(0);
    expect(unexpectedProblems(problems, [400]), failed.join("\n")).toEqual([]);
  });
});
