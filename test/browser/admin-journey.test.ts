import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { adminPassword, firstAdminPassword } from "../e2e/helpers/accounts";
import type { GatehouseProcess } from "../e2e/helpers/gatehouse-process";
import { startStack, stopStack } from "../e2e/helpers/stack";
import { chatWithKey, downloadText, failedResponses, textOnceContains, userRow } from "./helpers/admin-console";
import { launchChromium, screenshot, unexpectedProblems, watchPage } from "./helpers/browser";

/**
 * The whole admin journey of issue 7 in Chromium against `npm start` and the
 * Ollama simulator: the first admin's sign-in and forced password change, a
 * person registers, the admin approves them and sets their limits inline, the
 * person creates a key on /account, a request made with it shows up in the
 * audit view and the dashboard, the CSV exports download, and the account is
 * deleted once exported (refused before). The steps run in order and share
 * the two browser sessions.
 */

const email = "dana.journey@example.test";
const personPassword = "dana-picks-a-long-passphrase";
const model = "llama3.2:latest";
const marker = `journey-${Date.now()}`;
const prompt = `Where does the river Aare flow? ${marker}`;

describe("admin journey", () => {
  let simulator: OllamaSimulator | undefined;
  let gatehouse: GatehouseProcess | undefined;
  let browser: Browser;
  let base: string;
  let adminContext: BrowserContext;
  let admin: Page;
  let person: Page;
  /** Set along the way. */
  let userId = "";
  let secret = "";
  let answer = "";

  beforeAll(async () => {
    ({ simulator, gatehouse } = await startStack());
    base = gatehouse.url;
    browser = await launchChromium();
    adminContext = await browser.newContext({ acceptDownloads: true, viewport: { width: 1366, height: 800 } });
    admin = await adminContext.newPage();
    watched.push(watchPage(admin).problems);
    failed.push(failedResponses(admin));
    const personContext = await browser.newContext({ viewport: { width: 1366, height: 800 } });
    person = await personContext.newPage();
    watched.push(watchPage(person).problems);
    failed.push(failedResponses(person));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stopStack(simulator, gatehouse);
  }, 60_000);

  /** watchPage's lists fill as the pages run; read them at the end. */
  const watched: string[][] = [];
  const failed: string[][] = [];
  const allProblems = () => watched.flat();

  test("the first admin signs in on / and must choose a new password, then lands on /admin", async () => {
    await admin.goto(`${base}/`);
    await admin.fill("#sign-in-username", "admin");
    await admin.fill("#sign-in-password", firstAdminPassword);
    await admin.click("#sign-in button[type=submit]");
    await admin.locator("#change-password").waitFor({ state: "visible" });
    await screenshot(admin, "journey-01-forced-change");
    await admin.fill("#change-new", adminPassword);
    await admin.fill("#change-confirm", adminPassword);
    await admin.click("#change-password button[type=submit]");
    await admin.waitForURL(`${base}/admin`, { timeout: 20_000 });
    await admin.locator("body[data-ready=true]").waitFor({ timeout: 20_000 });
    expect(await admin.textContent("#nav-user")).toBe("admin");
    expect(await userRow(admin, "admin").count()).toBe(1);
    await screenshot(admin, "journey-02-admin-console");
  });

  test("a person registers on / and waits for approval", async () => {
    await person.goto(`${base}/`);
    await person.fill("#register-email", email);
    await person.fill("#register-password", personPassword);
    await person.fill("#register-confirm", personPassword);
    await person.click("#register button[type=submit]");
    await textOnceContains(person, "#register-status", "waiting");
    await screenshot(person, "journey-03-registered");
  });

  test("the admin sees them under approvals and approves them", async () => {
    await admin.click("#approvals-refresh");
    const row = admin.locator("#approvals-table tbody tr", { hasText: email });
    await row.waitFor();
    await screenshot(admin, "journey-04-pending");
    userId = (await row.getAttribute("data-user-id")) ?? "";
    expect(userId).not.toBe("");
    await row.getByRole("button", { name: `Approve ${email}` }).click();
    await textOnceContains(admin, "#approvals-message", `${email} is approved`);
    await admin.locator("#approvals-table tbody tr", { hasText: email }).waitFor({ state: "detached" });
    await expect.poll(() => userRow(admin, email).locator("td").nth(1).textContent()).toBe("active");
    const stored = await (await admin.request.get(`${base}/admin/api/users/${userId}`)).json();
    expect(stored.user.status).toBe("active");
  });

  test("the admin sets their limits inline; a bad value is refused in the page", async () => {
    await userRow(admin, email).getByRole("button", { name: `Limits of ${email}` }).click();
    const editor = admin.locator(`tr.panel-row[data-panel-for="${userId}"] form.limits-editor`);
    await editor.waitFor();
    await editor.locator("input[name=rpm]").fill("ten");
    await editor.locator("input[name=dailyTokens]").fill("-5");
    await editor.getByRole("button", { name: "Save limits" }).click();
    const refusal = await textOnceContains(admin, `tr.panel-row[data-panel-for="${userId}"] [role=alert]`, "Not saved");
    expect(refusal).toContain("Requests per minute");
    expect(refusal).toContain("Tokens per day");
    expect(await editor.locator("input[name=rpm]").getAttribute("aria-invalid")).toBe("true");
    await screenshot(admin, "journey-05-limits-invalid");
    // Nothing was sent: the stored limits are still the defaults.
    const before = await (await admin.request.get(`${base}/admin/api/users/${userId}`)).json();
    expect(before.user.customLimits).toBe(false);

    await editor.locator("input[name=rpm]").fill("30");
    await editor.locator("input[name=burst]").fill("6");
    await editor.locator("input[name=concurrency]").fill("2");
    await editor.locator("input[name=dailyTokens]").fill("200000");
    await editor.locator("input[name=monthlyTokens]").fill("");
    await editor.locator("input[name=models]").fill("llama3.2*, qwen2.5:*");
    await editor.getByRole("button", { name: "Save limits" }).click();
    await textOnceContains(admin, "#users-message", `Limits of ${email} saved`);
    // The message comes first; the table follows once the list of accounts is reloaded.
    await expect.poll(() => userRow(admin, email).locator(".limits-summary").textContent()).toContain("30/min");
    const after = await (await admin.request.get(`${base}/admin/api/users/${userId}`)).json();
    expect(after.user.limits).toEqual({ rpm: 30, burst: 6, concurrency: 2, dailyTokens: 200000, monthlyTokens: null, models: ["llama3.2*", "qwen2.5:*"], monthlyBudgetUsd: null });
    await screenshot(admin, "journey-06-limits-saved");
  });

  test("the person signs in and creates a key on /account", async () => {
    await person.fill("#sign-in-username", email);
    await person.fill("#sign-in-password", personPassword);
    await person.click("#sign-in button[type=submit]");
    await person.waitForURL(`${base}/account`, { timeout: 20_000 });
    await person.fill("#key-name", "dana-laptop");
    await person.click("#key-create button[type=submit]");
    await person.locator("#key-new").waitFor({ state: "visible" });
    secret = ((await person.textContent("#key-secret")) ?? "").trim();
    expect(secret).toMatch(/^gh_/);
    await person.locator("#keys tbody tr", { hasText: "dana-laptop" }).waitFor();
    await screenshot(person, "journey-07-account-key");
  });

  test("a request made with that key appears in the audit view with its prompt and response", async () => {
    answer = await chatWithKey(base, secret, model, prompt);
    expect(answer).toContain(marker);
    await admin.selectOption("#audit-user", userId);
    await admin.fill("#audit-reason", "onboarding check"); // every read of captured text carries a reason
    await admin.click("#audit-filters button[type=submit]");
    const row = admin.locator("#audit-table tr.audit-row", { hasText: "/api/chat" }).first();
    await row.waitFor();
    expect(await row.textContent()).toContain(email);
    expect(await row.textContent()).toContain(model);
    const toggle = row.locator("button.audit-expand");
    expect(await toggle.getAttribute("aria-expanded")).toBe("false");
    await toggle.click();
    expect(await toggle.getAttribute("aria-expanded")).toBe("true");
    const shownPrompt = await textOnceContains(admin, "#audit-table .audit-prompt", marker);
    expect(shownPrompt).toContain(prompt);
    const shownResponse = await textOnceContains(admin, "#audit-table .audit-response", marker);
    expect(shownResponse).toContain(answer);
    await admin.locator("#audit-table .audit-detail-row").scrollIntoViewIfNeeded();
    await screenshot(admin, "journey-08-audit-expanded");
  });

  test("the dashboard counts the request: charts drawn, the person among the top users", async () => {
    await admin.locator("#dashboard").scrollIntoViewIfNeeded();
    await admin.click("#dashboard-filters button[type=submit]");
    const top = admin.locator("#top-users tbody tr", { hasText: email });
    await top.waitFor();
    const cells = await top.locator("td").allTextContents();
    expect(Number(cells[1])).toBeGreaterThanOrEqual(1);
    expect(Number((cells[3] ?? "").replace(/\D/g, ""))).toBeGreaterThan(0);
    // The built-in Ollama has no prices: the cost column and total say so.
    expect(cells[5]).toBe("$0");
    expect(await admin.textContent("#total-cost")).toBe("$0");
    await admin.locator("#by-model tbody tr", { hasText: model }).waitFor();
    for (const chart of ["#chart-requests", "#chart-tokens", "#chart-latency"]) {
      expect(await admin.locator(`${chart} canvas`).count(), chart).toBe(1);
    }
    expect(Number(((await admin.textContent("#total-requests")) ?? "").replace(/\D/g, ""))).toBeGreaterThanOrEqual(1);
    // The same numbers narrowed to the person: every request of theirs is this one.
    await admin.selectOption("#dashboard-user", userId);
    await expect.poll(async () => (await admin.locator("#top-users tbody tr").allTextContents()).length).toBe(1);
    await expect.poll(() => admin.textContent("#total-requests")).toBe("1");
    await screenshot(admin, "journey-09-dashboard");
  });

  test("deleting before an export is refused with the export rule, and the export is offered", async () => {
    await userRow(admin, email).getByRole("button", { name: `Delete ${email}` }).click();
    const panel = admin.locator(`tr.panel-row[data-panel-for="${userId}"] .delete-panel`);
    await panel.waitFor();
    expect(await panel.textContent()).toContain("export rule");
    await panel.getByRole("button", { name: `Delete ${email}` }).click();
    const refusal = await textOnceContains(admin, `tr.panel-row[data-panel-for="${userId}"] [role=alert]`, "Not deleted");
    expect(refusal.toLowerCase()).toContain("export");
    expect(await panel.locator("a.export-before-delete").isVisible()).toBe(true);
    await screenshot(admin, "journey-10-delete-refused");
    expect((await admin.request.get(`${base}/admin/api/users/${userId}`)).status()).toBe(200);
  });

  test("the per-user CSV export downloads with the request in it, and so does the all-users export", async () => {
    await admin.fill("#audit-reason", "export before deletion"); // the exports hold captured text: they carry a reason
    const perUser = await downloadText(admin, () => admin.locator(`tr.panel-row[data-panel-for="${userId}"] a.export-before-delete`).click());
    expect(perUser.name).toMatch(/\.csv$/);
    expect(perUser.text.split("\n")[0]).toContain("prompt");
    expect(perUser.text).toContain(marker);
    expect(perUser.text).toContain(email);

    const everyone = await downloadText(admin, () => admin.click("#export-all"));
    expect(everyone.name).toMatch(/\.csv$/);
    expect(everyone.text).toContain(marker);
    // No secret ever reaches an export.
    expect(everyone.text).not.toContain(secret);
    expect(perUser.text).not.toContain(secret);
  });

  test("after the export the person is deleted: gone from the table, their key refused", async () => {
    const panel = admin.locator(`tr.panel-row[data-panel-for="${userId}"] .delete-panel`);
    await panel.getByRole("button", { name: `Delete ${email}` }).click();
    await textOnceContains(admin, "#users-message", `${email} was deleted`);
    await userRow(admin, email).waitFor({ state: "detached" });
    expect((await admin.request.get(`${base}/admin/api/users/${userId}`)).status()).toBe(404);
    const refused = await fetch(`${base}/api/tags`, { headers: { Authorization: `Bearer ${secret}` } });
    expect(refused.status).toBe(401);
    await screenshot(admin, "journey-11-deleted");
  });

  test("the admin signs out and lands on the sign-in page; /admin then sends them back there", async () => {
    await admin.click("#sign-out");
    await admin.waitForURL(`${base}/`, { timeout: 20_000 });
    await admin.goto(`${base}/admin`);
    await admin.waitForURL(`${base}/`, { timeout: 20_000 });
    await screenshot(admin, "journey-12-signed-out");
  });

  test("no page reported a script error or a CSP violation along the way", () => {
    // Expected on purpose: 409 (delete before export), 401 (/admin after signing out, the person's page after deletion).
    expect(unexpectedProblems(allProblems(), [409, 401]), `HTTP errors seen: ${failed.flat().join(", ")}`).toEqual([]);
    expect(allProblems().filter((p) => /Content.Security.Policy|Refused to/i.test(p))).toEqual([]);
  });
});
