import { describe, expect, test } from "vitest";
import { openAdmin, textOnceContains, userRow } from "./helpers/admin-console";
import { useAdminSession } from "./helpers/admin-session";
import { screenshot, unexpectedProblems } from "./helpers/browser";

/**
 * The console's Backends section in Chromium: an admin adds a backend with a
 * credential, edits it, disables and enables it, and removes it; the
 * gateway's catalog follows each step, the built-in `local` has no actions,
 * and the credential is nowhere in the page (DOM, inputs, storage) after
 * it was sent.
 */
describe("admin console: backends", () => {
  const session = useAdminSession();
  const credential = `sk-browser-${crypto.randomUUID()}`;

  const row = (name: string) => session.page.locator(`#backends-table tr[data-backend="${name}"]`);
  const stored = async (name: string) =>
    (await session.admin.json<{ backends: Array<{ name: string; enabled: boolean; hasCredential: boolean; slots: number; boundary: string; prices: unknown }> }>("GET", "/admin/api/backends")).backends.find((b) => b.name === name);

  /** The focused element's accessible name (its aria-label, or its text). */
  const focused = () => session.page.evaluate<string | null>(`document.activeElement.getAttribute("aria-label") ?? document.activeElement.textContent`);

  /** Everything the page holds as text: markup, every input's current value, and storage. */
  const pageText = () =>
    session.page.evaluate<string>(
      `[document.documentElement.outerHTML, ...[...document.querySelectorAll("input, textarea, select")].map((el) => el.value),
        JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage })].join("\\n")`,
    );

  test("the built-in `local` is listed, without actions", async () => {
    await row("local").waitFor({ timeout: 20_000 });
    expect(await row("local").textContent()).toContain("built-in");
    expect(await row("local").locator("button").count()).toBe(0);
  });

  test("add with a credential, edit, disable, enable, remove; nothing secret stays in the page", async () => {
    await session.page.fill("#backend-name", "cloud-one");
    await session.page.selectOption("#backend-kind", "openai");
    await session.page.fill("#backend-url", "https://api.example.test/v1/");
    await session.page.selectOption("#backend-boundary", "cloud");
    await session.page.fill("#backend-slots", "3");
    await session.page.fill("#backend-price-in", "2.5");
    await session.page.fill("#backend-price-out", "10");
    expect(await session.page.getAttribute("#backend-credential", "type")).toBe("password");
    await session.page.fill("#backend-credential", credential);
    await session.page.click("#backend-submit");
    await textOnceContains(session.page, "#backends-message", "Added cloud-one");
    expect(await stored("cloud-one")).toMatchObject({ hasCredential: true, slots: 3, boundary: "cloud", prices: { inputPerMTok: 2.5, outputPerMTok: 10 } });
    await row("cloud-one").waitFor();
    expect(await row("cloud-one").textContent()).toContain("stored");
    expect(await pageText()).not.toContain(credential);

    await session.page.click('button[aria-label="Edit cloud-one"]');
    expect(await session.page.inputValue("#backend-url")).toBe("https://api.example.test/v1");
    expect(await session.page.inputValue("#backend-credential")).toBe("");
    await session.page.fill("#backend-slots", "5");
    await session.page.click("#backend-submit");
    await textOnceContains(session.page, "#backends-message", "Saved cloud-one");
    // Left empty, the credential was kept.
    expect(await stored("cloud-one")).toMatchObject({ slots: 5, hasCredential: true });
    await screenshot(session.page, "admin-backends");

    await session.page.click('button[aria-label="Disable cloud-one"]');
    await textOnceContains(session.page, "#backends-message", "Disabled cloud-one");
    expect(await stored("cloud-one")).toMatchObject({ enabled: false });
    await session.page.click('button[aria-label="Enable cloud-one"]');
    await textOnceContains(session.page, "#backends-message", "Enabled cloud-one");
    expect(await stored("cloud-one")).toMatchObject({ enabled: true });

    // Remove asks first; Cancel and Escape keep the backend.
    const remove = row("cloud-one").getByRole("button", { name: "Remove cloud-one" });
    const ask = row("cloud-one").getByRole("group", { name: "Remove cloud-one?" });
    await remove.click();
    expect(await focused()).toBe("Yes, remove");
    await ask.getByRole("button", { name: "Cancel" }).click();
    await remove.click();
    await session.page.keyboard.press("Escape");
    expect(await focused()).toBe("Remove cloud-one");
    expect(await stored("cloud-one")).toMatchObject({ enabled: true });
    await remove.click();
    await ask.getByRole("button", { name: "Yes, remove" }).click();
    await textOnceContains(session.page, "#backends-message", "Removed cloud-one");
    expect(await stored("cloud-one")).toBeUndefined();
    await expect.poll(() => row("cloud-one").count(), { timeout: 10_000 }).toBe(0);
    expect(await pageText()).not.toContain(credential);
  });

  test("a refused backend shows the gateway's message; the credential typed is cleared anyway", async () => {
    await session.page.fill("#backend-name", "bad-one");
    await session.page.fill("#backend-url", "ftp://10.0.0.2");
    await session.page.fill("#backend-credential", credential);
    await session.page.click("#backend-submit");
    expect(await textOnceContains(session.page, "#backends-message", "failed")).toMatch(/url: only http and https/);
    expect(await session.page.inputValue("#backend-credential")).toBe("");
    expect(await stored("bad-one")).toBeUndefined();
    expect(await pageText()).not.toContain(credential);
    expect(unexpectedProblems(session.problems, [400]), session.failed.join("\n")).toEqual([]);
  });

  test("a user's limits form grants data boundaries and sets a monthly spending limit", async () => {
    const { userId } = await session.admin.userWithKey("budget-person");
    await openAdmin(session.page, session.base);
    await userRow(session.page, "budget-person").getByRole("button", { name: "Limits of budget-person" }).click();
    const editor = session.page.locator(`tr.panel-row[data-panel-for="${userId}"] form.limits-editor`);
    await editor.waitFor();
    expect(await editor.locator("input[value=local]").isChecked()).toBe(true);
    expect(await editor.locator("input[value=local]").isDisabled()).toBe(true);
    await editor.locator("input[name=monthlyBudgetUsd]").fill("twelve");
    await editor.getByRole("button", { name: "Save limits" }).click();
    expect(await textOnceContains(session.page, `tr.panel-row[data-panel-for="${userId}"] [role=alert]`, "Not saved")).toContain("Monthly spending limit");

    await editor.locator("input[name=monthlyBudgetUsd]").fill("12.50");
    await editor.locator("input[value=cloud]").check();
    await editor.getByRole("button", { name: "Save limits" }).click();
    await textOnceContains(session.page, "#users-message", "Limits of budget-person saved");
    const { user } = await session.admin.json<{ user: { boundaries: string[]; allowCloudModels: boolean; limits: { monthlyBudgetUsd: number | null } } }>("GET", `/admin/api/users/${userId}`);
    expect(user).toMatchObject({ boundaries: ["local", "cloud"], allowCloudModels: true, limits: { monthlyBudgetUsd: 12.5 } });
    await expect.poll(() => userRow(session.page, "budget-person").locator(".limits-summary").textContent()).toContain("$12.5/month");
  });
});
