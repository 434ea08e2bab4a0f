import { describe, expect, test } from "vitest";
import { textOnceContains } from "./helpers/admin-console";
import { useAdminSession } from "./helpers/admin-session";
import { screenshot, unexpectedProblems } from "./helpers/browser";

/**
 * The console's model aliases: an admin adds, reorders and removes them in
 * Chromium, and an Anthropic request with an agent's own model name is then
 * served by the target (and refused once the alias is gone).
 */
describe("admin console: model aliases", () => {
  let secret = "";
  const session = useAdminSession({
    viewport: { width: 1366, height: 800 },
    prepare: async (admin) => {
      secret = (await admin.userWithKey("alias-agent", { limits: { rpm: 1000, burst: 1000, concurrency: 10, dailyTokens: null, monthlyTokens: null, models: null } })).secret;
    },
  });

  const claude = () =>
    fetch(`${session.base}/v1/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "x-api-key": secret },
      body: JSON.stringify({ model: "claude-opus-4-8", max_tokens: 8, messages: [{ role: "user", content: "hi" }] }),
    });
  const rows = () => session.page.locator("#aliases-table tbody tr[data-pattern]");

  async function add(pattern: string, model: string): Promise<void> {
    await session.page.fill("#alias-pattern", pattern);
    await session.page.fill("#alias-model", model);
    await session.page.click("#alias-add button[type=submit]");
  }

  test("add, reorder and remove; the gateway follows at once", async () => {
    expect((await claude()).status).toBe(404); // Ollama has no such model
    await add("claude-*", "llama3.2");
    await textOnceContains(session.page, "#aliases-message", "Added");
    await add("claude-opus-*", "qwen2.5:0.5b");
    await textOnceContains(session.page, "#aliases-message", "2 aliases");
    expect(await rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-pattern")))).toEqual(["claude-*", "claude-opus-*"]);
    expect(((await (await claude()).json()) as { model: string }).model).toBe("llama3.2");

    await session.page.click('button[aria-label="Move claude-opus-* up"]');
    await textOnceContains(session.page, "#aliases-message", "Moved");
    expect(await session.admin.json("GET", "/admin/api/aliases")).toEqual({ aliases: [{ pattern: "claude-opus-*", model: "qwen2.5:0.5b" }, { pattern: "claude-*", model: "llama3.2" }] });
    expect(((await (await claude()).json()) as { model: string }).model).toBe("qwen2.5:0.5b");
    await screenshot(session.page, "admin-aliases");

    // Remove asks first: Cancel keeps the alias (and sends nothing).
    await session.page.click('button[aria-label="Remove claude-opus-*"]');
    const ask = (pattern: string) => session.page.getByRole("group", { name: `Remove ${pattern}?` });
    await ask("claude-opus-*").getByRole("button", { name: "Cancel" }).click();
    expect((await session.admin.json<{ aliases: unknown[] }>("GET", "/admin/api/aliases")).aliases).toHaveLength(2);
    for (const pattern of ["claude-opus-*", "claude-*"]) {
      await session.page.click(`button[aria-label="Remove ${pattern}"]`);
      await ask(pattern).getByRole("button", { name: "Yes, remove" }).click();
    }
    await textOnceContains(session.page, "#aliases-message", "0 aliases");
    expect((await claude()).status).toBe(404);
  });

  test("a bad alias is refused with the API's message and the list stays as it was", async () => {
    await add("claude-*", "llama3*");
    const message = await textOnceContains(session.page, "#aliases-message", /model/i);
    expect(message).toMatch(/not a valid model name/);
    expect(await session.admin.json("GET", "/admin/api/aliases")).toEqual({ aliases: [] });
    // The console reloads the list after the refusal.
    await expect.poll(() => rows().count(), { timeout: 10_000 }).toBe(0);
    expect(unexpectedProblems(session.problems, [400]), session.failed.join("\n")).toEqual([]);
  });
});
