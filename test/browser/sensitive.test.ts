import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient, personWithPassword } from "../e2e/helpers/accounts";
import type { GatehouseProcess } from "../e2e/helpers/gatehouse-process";
import { startStack, stopStack } from "../e2e/helpers/stack";
import { chatWithKey, signInAsAdmin, textOnceContains } from "./helpers/admin-console";
import { launchChromium, screenshot, unexpectedProblems, watchPage } from "./helpers/browser";

/**
 * The console's "Sensitive data" view: findings by category, user, model
 * and day; the global policy edited and enforced; a pattern of one's own;
 * and the audit view sending the reason for a read, which the chain keeps.
 */

const model = "llama3.2:latest";
const email = "browser.canary@example.com";
const card = "4111 1111 1111 1111";

describe("sensitive data in the admin console", () => {
  let simulator: OllamaSimulator | undefined;
  let gatehouse: GatehouseProcess | undefined;
  let browser: Browser;
  let base: string;
  let admin: AdminClient;
  let page: Page;
  let problems: string[];
  let secret: string;

  beforeAll(async () => {
    ({ simulator, gatehouse } = await startStack());
    base = gatehouse.url;
    admin = await AdminClient.signIn(base);
    ({ secret } = await admin.userWithKey("sensitive-pipeline", { limits: { rpm: 1000, burst: 1000, concurrency: 4, dailyTokens: null, monthlyTokens: null, models: null } }));
    await chatWithKey(base, secret, model, `write to ${email} about card ${card}`);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
    problems = watchPage(page).problems;
    await new Promise((resolve) => setTimeout(resolve, 500)); // the findings land as the exchange settles
    await signInAsAdmin(page, base);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stopStack(simulator, gatehouse);
  }, 60_000);

  test("findings by category, user, model and day, without the values", async () => {
    await page.click('nav a[href="#sensitive"]');
    const byCategory = await textOnceContains(page, "#sensitive-by-category tbody", "payment_card");
    expect(byCategory).toContain("email");
    expect(await textOnceContains(page, "#sensitive-by-user tbody", "sensitive-pipeline")).toContain("sensitive-pipeline");
    expect(await textOnceContains(page, "#sensitive-by-model tbody", model)).toContain(model);
    expect(await textOnceContains(page, "#sensitive-by-day tbody", new Date().toISOString().slice(0, 10))).toBeTruthy();
    const section = (await page.locator("#sensitive").textContent()) ?? "";
    expect(section).not.toContain(email);
    expect(section).not.toContain("4111");
    await screenshot(page, "admin-sensitive");
  });

  test("the policy set in the console is what the gateway enforces", async () => {
    await page.selectOption("#policy-payment_card", "block");
    await page.click("#sensitive-policy-form button[type=submit]");
    await textOnceContains(page, "#sensitive-policy-message", "Policy saved");
    const response = await fetch(`${base}/api/chat`, {
      method: "POST",
      headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model, stream: false, messages: [{ role: "user", content: `card ${card}` }] }),
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { code: string }).code).toBe("sensitive_data_blocked"); // Ollama's shape on /api/*
  });

  test("a user's and a key's policy are set in the console too, and enforced for them only", async () => {
    const ask = async (content: string) => {
      const response = await fetch(`${base}/api/chat`, {
        method: "POST",
        headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
        body: JSON.stringify({ model, stream: false, messages: [{ role: "user", content }] }),
      });
      await response.arrayBuffer();
      return response.status;
    };
    expect(await ask(`mail ${email}`)).toBe(200);
    const userId = (await admin.json<{ users: { id: string; username: string }[] }>("GET", "/admin/api/users")).users.find((u) => u.username === "sensitive-pipeline")!.id;
    await page.selectOption("#policy-user", { label: "sensitive-pipeline" });
    await expect.poll(() => page.locator("#policy-email option").first().textContent()).toBe("as for everyone");
    await page.selectOption("#policy-email", "block");
    await page.click("#sensitive-policy-form button[type=submit]");
    await textOnceContains(page, "#sensitive-policy-message", "Policy saved for sensitive-pipeline");
    expect(await ask(`mail ${email}`)).toBe(422);
    const scoped = await admin.json<{ actions: Record<string, string> }>("GET", `/admin/api/sensitive/policy?scope=user&subject=${userId}`);
    expect(scoped.actions).toEqual({ email: "block" });
    expect((await admin.json<{ actions: Record<string, string> }>("GET", "/admin/api/sensitive/policy")).actions.email).toBeUndefined();

    // One key of that user: only tightens.
    await page.selectOption("#policy-key", { index: 1 });
    const keyId = await page.locator("#policy-key").inputValue();
    await expect.poll(() => page.locator("#policy-phone option").first().textContent()).toBe("as for the user");
    await page.selectOption("#policy-phone", "block");
    await page.click("#sensitive-policy-form button[type=submit]");
    await textOnceContains(page, "#sensitive-policy-message", "Policy saved for key");
    expect(await ask("call +44 20 7946 0958")).toBe(422);
    expect((await admin.json<{ actions: Record<string, string> }>("GET", `/admin/api/sensitive/policy?scope=key&subject=${keyId}`)).actions).toEqual({ phone: "block" });

    // Back to everyone: the global table again, with the defaults as its fallback.
    await page.selectOption("#policy-user", "");
    await expect.poll(() => page.locator("#policy-email option").first().textContent()).toMatch(/^default/);
    expect(await page.locator("#policy-key").isDisabled()).toBe(true);
    await admin.json("PUT", "/admin/api/sensitive/policy", { scope: "user", subject: userId, actions: {} });
    await admin.json("PUT", "/admin/api/sensitive/policy", { scope: "key", subject: keyId, actions: {} });
    // The by-day table names the categories found each day.
    expect(await textOnceContains(page, "#sensitive-by-day tbody", "email")).toContain("payment_card");
  });

  test("a dangerous pattern is refused with the reason; a safe one is listed", async () => {
    await page.fill("#pattern-name", "bad");
    await page.fill("#pattern-source", "(a+)+");
    await page.click("#sensitive-pattern-form button[type=submit]");
    expect(await textOnceContains(page, "#sensitive-pattern-message", /repetition/)).toMatch(/repetition/);
    await page.fill("#pattern-name", "badge");
    await page.fill("#pattern-source", "BDG-\\d{5}");
    await page.click("#sensitive-pattern-form button[type=submit]");
    expect(await textOnceContains(page, "#sensitive-pattern-table tbody", "custom:badge")).toContain("BDG-\\d{5}");
  });

  test("opening a record sends the reason typed in the audit view; the chain keeps who and why", async () => {
    await page.click('nav a[href="#audit"]');
    await page.fill("#audit-reason", "customer complaint 17");
    await page.click("#audit-filters button[type=submit]");
    const row = page.locator("#audit-table tr.audit-row", { hasText: "/api/chat" }).filter({ hasNotText: "422" }).first(); // not a refusal (no text)
    await row.waitFor();
    await row.locator("button.audit-expand").click();
    const prompt = await textOnceContains(page, "#audit-table .audit-prompt", "EMAIL");
    expect(prompt).toMatch(/\[EMAIL:[0-9a-f]{8}\]/);
    expect(prompt).not.toContain(email);
    const { actions } = await admin.json<{ actions: { action: string; detail: Record<string, unknown> | string | null }[] }>("GET", "/admin/api/audit/actions");
    const read = actions.find((a) => a.action === "audit.read");
    expect(JSON.stringify(read?.detail)).toContain("customer complaint 17");
    expect(unexpectedProblems(problems, [400, 422])).toEqual([]);
  });

  test("without a reason the console asks for one on every read; no answer, no read", async () => {
    await page.fill("#audit-reason", "");
    const before = (await admin.json<{ actions: { action: string }[] }>("GET", "/admin/api/audit/actions")).actions.filter((a) => a.action === "audit.read").length;
    const asked: string[] = [];
    const answerWith = (reply: string | null) =>
      page.once("dialog", (dialog) => {
        asked.push(dialog.message());
        void (reply === null ? dialog.dismiss() : dialog.accept(reply));
      });
    const row = page.locator("#audit-table tr.audit-row", { hasText: "/api/chat" }).filter({ hasNotText: "422" }).first(); // not a refusal (no text)
    const toggle = row.locator("button.audit-expand");
    if ((await toggle.getAttribute("aria-expanded")) === "true") await toggle.click();
    answerWith(null);
    await toggle.click();
    await textOnceContains(page, "#audit-table .audit-detail-row", "reason");
    expect(await page.locator("#audit-table .audit-prompt").count()).toBe(0);
    await toggle.click(); // closes the refused detail
    answerWith("asked by the console 42");
    await toggle.click();
    expect(await textOnceContains(page, "#audit-table .audit-prompt", "EMAIL")).toMatch(/\[EMAIL:[0-9a-f]{8}\]/);
    expect(asked).toHaveLength(2);
    expect(asked[0]).toMatch(/Reason for reading/);
    const reads = (await admin.json<{ actions: { action: string; detail: unknown }[] }>("GET", "/admin/api/audit/actions")).actions.filter((a) => a.action === "audit.read");
    expect(reads.length).toBe(before + 1);
    expect(reads.some((read) => JSON.stringify(read.detail).includes("asked by the console 42"))).toBe(true);
    // The export link asks too, and a dismissed question downloads nothing.
    answerWith(null);
    await page.click("#export-all");
    expect(asked).toHaveLength(3);
    expect(await page.locator("#export-all").getAttribute("href")).not.toContain("reason=");
  });

  test("a person sees on /account who read their records and why", async () => {
    const password = "reads-person-password-2026";
    await personWithPassword(admin, "reads-person", password);
    const asked = await fetch(`${base}/api/generate`, {
      method: "POST",
      headers: { Authorization: `Basic ${Buffer.from(`reads-person:${password}`).toString("base64")}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model, stream: false, prompt: "hello" }),
    });
    await asked.text();
    const id = asked.headers.get("X-Request-Id")!;
    for (let i = 0; i < 100; i++) {
      if ((await admin.call("GET", `/admin/api/audit/${id}?reason=checking+a+report`)).status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const person = await (await browser.newContext()).newPage();
    await person.goto(`${base}/`);
    await person.fill("#sign-in-username", "reads-person");
    await person.fill("#sign-in-password", password);
    await person.click("#sign-in button[type=submit]");
    await person.waitForURL(`${base}/account`, { timeout: 20_000 });
    const reads = await textOnceContains(person, "#my-reads tbody", "checking a report");
    expect(reads).toContain("admin");
    expect(reads).toContain(id);
    await screenshot(person, "account-reads");
  });

  test("the guard model is switched on in the console, and a disagreement is labelled there", async () => {
    await page.goto(`${base}/admin#sensitive`);
    await page.locator("body[data-ready=true]").waitFor();
    await fetch(`${simulator!.url}/__sim/config`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ replyByModel: { "qwen2.5:0.5b": "unsafe\nS1" } }) });
    await page.fill("#guard-model", "qwen2.5:0.5b");
    await page.click("#guard-settings-form button[type=submit]");
    await textOnceContains(page, "#guard-message", "on");
    await chatWithKey(base, secret, model, "a perfectly ordinary question about tides");
    let row = page.locator("#guard-table tbody tr[data-request-id]").first();
    for (let i = 0; i < 50 && !(await row.count()); i++) {
      await page.click("#guard-refresh");
      await page.waitForTimeout(200);
      row = page.locator("#guard-table tbody tr[data-request-id]").first();
    }
    expect(await row.textContent()).toContain("unsafe (S1)");
    await row.getByRole("button", { name: "Safe", exact: true }).click();
    await textOnceContains(page, "#guard-message", "Labelled safe");
    expect(await textOnceContains(page, "#guard-table tbody", "safe")).toContain("safe");
    const { verdicts } = await admin.json<{ verdicts: { label: string | null }[] }>("GET", "/admin/api/sensitive/guard/verdicts?disagreements=1");
    expect(verdicts[0]!.label).toBe("safe");
    // All verdicts, not only the disagreements.
    await page.uncheck("#guard-only-disagreements");
    await textOnceContains(page, "#guard-caption", "Guard verdicts");
    expect(await textOnceContains(page, "#guard-table tbody", "disagree")).toContain("unsafe (S1)");
    await screenshot(page, "admin-sensitive-guard");
  });
});
