import { describe, expect, test } from "vitest";
import { personWithPassword } from "../e2e/helpers/accounts";
import { chatWithKey, textOnceContains } from "./helpers/admin-console";
import { useAdminSession } from "./helpers/admin-session";
import { screenshot, unexpectedProblems } from "./helpers/browser";

/**
 * The console's "Sensitive data" view: findings by category, user, model
 * and day; the global policy edited and enforced; a pattern of one's own;
 * and the audit view sending the reason for a read, which the chain keeps.
 */

const model = "llama3.2:latest";
const email = "browser.canary@example.com";
const card = "4111 1111 1111 1111";

describe("sensitive data in the admin console", () => {
  let secret = "";
  const session = useAdminSession({
    prepare: async (admin, base) => {
      ({ secret } = await admin.userWithKey("sensitive-pipeline", { limits: { rpm: 1000, burst: 1000, concurrency: 4, dailyTokens: null, monthlyTokens: null, models: null } }));
      await chatWithKey(base, secret, model, `write to ${email} about card ${card}`);
      await new Promise((resolve) => setTimeout(resolve, 500)); // the findings land as the exchange settles
    },
  });

  test("findings by category, user, model and day, without the values", async () => {
    await session.page.click('nav a[href="#sensitive"]');
    const byCategory = await textOnceContains(session.page, "#sensitive-by-category tbody", "payment_card");
    expect(byCategory).toContain("email");
    expect(await textOnceContains(session.page, "#sensitive-by-user tbody", "sensitive-pipeline")).toContain("sensitive-pipeline");
    expect(await textOnceContains(session.page, "#sensitive-by-model tbody", model)).toContain(model);
    expect(await textOnceContains(session.page, "#sensitive-by-day tbody", new Date().toISOString().slice(0, 10))).toBeTruthy();
    const section = (await session.page.locator("#sensitive").textContent()) ?? "";
    expect(section).not.toContain(email);
    expect(section).not.toContain("4111");
    await screenshot(session.page, "admin-sensitive");
  });

  test("the policy set in the console is what the gateway enforces", async () => {
    await session.page.selectOption("#policy-payment_card", "block");
    await session.page.click("#sensitive-policy-form button[type=submit]");
    await textOnceContains(session.page, "#sensitive-policy-message", "Policy saved");
    const response = await fetch(`${session.base}/api/chat`, {
      method: "POST",
      headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model, stream: false, messages: [{ role: "user", content: `card ${card}` }] }),
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { code: string }).code).toBe("sensitive_data_blocked"); // Ollama's shape on /api/*
  });

  test("a user's and a key's policy are set in the console too, and enforced for them only", async () => {
    const ask = async (content: string) => {
      const response = await fetch(`${session.base}/api/chat`, {
        method: "POST",
        headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
        body: JSON.stringify({ model, stream: false, messages: [{ role: "user", content }] }),
      });
      await response.arrayBuffer();
      return response.status;
    };
    expect(await ask(`mail ${email}`)).toBe(200);
    const userId = (await session.admin.json<{ users: { id: string; username: string }[] }>("GET", "/admin/api/users")).users.find((u) => u.username === "sensitive-pipeline")!.id;
    await session.page.selectOption("#policy-user", { label: "sensitive-pipeline" });
    await expect.poll(() => session.page.locator("#policy-email option").first().textContent()).toBe("as for everyone");
    await session.page.selectOption("#policy-email", "block");
    await session.page.click("#sensitive-policy-form button[type=submit]");
    await textOnceContains(session.page, "#sensitive-policy-message", "Policy saved for sensitive-pipeline");
    expect(await ask(`mail ${email}`)).toBe(422);
    const scoped = await session.admin.json<{ actions: Record<string, string> }>("GET", `/admin/api/sensitive/policy?scope=user&subject=${userId}`);
    expect(scoped.actions).toEqual({ email: "block" });
    expect((await session.admin.json<{ actions: Record<string, string> }>("GET", "/admin/api/sensitive/policy")).actions.email).toBeUndefined();

    // One key of that user: only tightens.
    await session.page.selectOption("#policy-key", { index: 1 });
    const keyId = await session.page.locator("#policy-key").inputValue();
    await expect.poll(() => session.page.locator("#policy-phone option").first().textContent()).toBe("as for the user");
    await session.page.selectOption("#policy-phone", "block");
    await session.page.click("#sensitive-policy-form button[type=submit]");
    await textOnceContains(session.page, "#sensitive-policy-message", "Policy saved for key");
    expect(await ask("call +44 20 7946 0958")).toBe(422);
    expect((await session.admin.json<{ actions: Record<string, string> }>("GET", `/admin/api/sensitive/policy?scope=key&subject=${keyId}`)).actions).toEqual({ phone: "block" });

    // Back to everyone: the global table again, with the defaults as its fallback.
    await session.page.selectOption("#policy-user", "");
    await expect.poll(() => session.page.locator("#policy-email option").first().textContent()).toMatch(/^default/);
    expect(await session.page.locator("#policy-key").isDisabled()).toBe(true);
    await session.admin.json("PUT", "/admin/api/sensitive/policy", { scope: "user", subject: userId, actions: {} });
    await session.admin.json("PUT", "/admin/api/sensitive/policy", { scope: "key", subject: keyId, actions: {} });
    // The by-day table names the categories found each day.
    expect(await textOnceContains(session.page, "#sensitive-by-day tbody", "email")).toContain("payment_card");
  });

  test("a dangerous pattern is refused with the reason; a safe one is listed", async () => {
    await session.page.fill("#pattern-name", "bad");
    await session.page.fill("#pattern-source", "(a+)+");
    await session.page.click("#sensitive-pattern-form button[type=submit]");
    expect(await textOnceContains(session.page, "#sensitive-pattern-message", /repetition/)).toMatch(/repetition/);
    await session.page.fill("#pattern-name", "badge");
    await session.page.fill("#pattern-source", "BDG-\\d{5}");
    await session.page.click("#sensitive-pattern-form button[type=submit]");
    expect(await textOnceContains(session.page, "#sensitive-pattern-table tbody", "custom:badge")).toContain("BDG-\\d{5}");
  });

  test("opening a record sends the reason typed in the audit view; the chain keeps who and why", async () => {
    await session.page.click('nav a[href="#audit"]');
    await session.page.fill("#audit-reason", "customer complaint 17");
    await session.page.click("#audit-filters button[type=submit]");
    const row = session.page.locator("#audit-table tr.audit-row", { hasText: "/api/chat" }).filter({ hasNotText: "422" }).first(); // not a refusal (no text)
    await row.waitFor();
    await row.locator("button.audit-expand").click();
    const prompt = await textOnceContains(session.page, "#audit-table .audit-prompt", "EMAIL");
    expect(prompt).toMatch(/\[EMAIL:[0-9a-f]{8}\]/);
    expect(prompt).not.toContain(email);
    const { actions } = await session.admin.json<{ actions: { action: string; detail: Record<string, unknown> | string | null }[] }>("GET", "/admin/api/audit/actions");
    const read = actions.find((a) => a.action === "audit.read");
    expect(JSON.stringify(read?.detail)).toContain("customer complaint 17");
    expect(unexpectedProblems(session.problems, [400, 422])).toEqual([]);
  });

  test("without a reason the console asks for one on every read; no answer, no read", async () => {
    await session.page.fill("#audit-reason", "");
    const before = (await session.admin.json<{ actions: { action: string }[] }>("GET", "/admin/api/audit/actions")).actions.filter((a) => a.action === "audit.read").length;
    const asked: string[] = [];
    const answerWith = (reply: string | null) =>
      session.page.once("dialog", (dialog) => {
        asked.push(dialog.message());
        void (reply === null ? dialog.dismiss() : dialog.accept(reply));
      });
    const row = session.page.locator("#audit-table tr.audit-row", { hasText: "/api/chat" }).filter({ hasNotText: "422" }).first(); // not a refusal (no text)
    const toggle = row.locator("button.audit-expand");
    if ((await toggle.getAttribute("aria-expanded")) === "true") await toggle.click();
    answerWith(null);
    await toggle.click();
    await textOnceContains(session.page, "#audit-table .audit-detail-row", "reason");
    expect(await session.page.locator("#audit-table .audit-prompt").count()).toBe(0);
    await toggle.click(); // closes the refused detail
    answerWith("asked by the console 42");
    await toggle.click();
    expect(await textOnceContains(session.page, "#audit-table .audit-prompt", "EMAIL")).toMatch(/\[EMAIL:[0-9a-f]{8}\]/);
    expect(asked).toHaveLength(2);
    expect(asked[0]).toMatch(/Reason for reading/);
    const reads = (await session.admin.json<{ actions: { action: string; detail: unknown }[] }>("GET", "/admin/api/audit/actions")).actions.filter((a) => a.action === "audit.read");
    expect(reads.length).toBe(before + 1);
    expect(reads.some((read) => JSON.stringify(read.detail).includes("asked by the console 42"))).toBe(true);
    // The export link asks too, and a dismissed question downloads nothing.
    answerWith(null);
    await session.page.click("#export-all");
    expect(asked).toHaveLength(3);
    expect(await session.page.locator("#export-all").getAttribute("href")).not.toContain("reason=");
  });

  test("a person sees on /account who read their records and why", async () => {
    const password = "reads-person-password-2026";
    await personWithPassword(session.admin, "reads-person", password);
    const asked = await fetch(`${session.base}/api/generate`, {
      method: "POST",
      headers: { Authorization: `Basic ${Buffer.from(`reads-person:${password}`).toString("base64")}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model, stream: false, prompt: "hello" }),
    });
    await asked.text();
    const id = asked.headers.get("X-Request-Id")!;
    for (let i = 0; i < 100; i++) {
      if ((await session.admin.call("GET", `/admin/api/audit/${id}?reason=checking+a+report`)).status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const person = await (await session.browser.newContext()).newPage();
    await person.goto(`${session.base}/`);
    await person.fill("#sign-in-username", "reads-person");
    await person.fill("#sign-in-password", password);
    await person.click("#sign-in button[type=submit]");
    await person.waitForURL(`${session.base}/account`, { timeout: 20_000 });
    const reads = await textOnceContains(person, "#my-reads tbody", "checking a report");
    expect(reads).toContain("admin");
    expect(reads).toContain(id);
    await screenshot(person, "account-reads");
  });

  test("the guard model is switched on in the console, and a disagreement is labelled there", async () => {
    await session.page.goto(`${session.base}/admin#sensitive`);
    await session.page.locator("body[data-ready=true]").waitFor();
    await fetch(`${session.simulator.url}/__sim/config`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ replyByModel: { "qwen2.5:0.5b": "unsafe\nS1" } }) });
    await session.page.fill("#guard-model", "qwen2.5:0.5b");
    await session.page.click("#guard-settings-form button[type=submit]");
    await textOnceContains(session.page, "#guard-message", "on");
    await chatWithKey(session.base, secret, model, "a perfectly ordinary question about tides");
    let row = session.page.locator("#guard-table tbody tr[data-request-id]").first();
    for (let i = 0; i < 50 && !(await row.count()); i++) {
      await session.page.click("#guard-refresh");
      await session.page.waitForTimeout(200);
      row = session.page.locator("#guard-table tbody tr[data-request-id]").first();
    }
    expect(await row.textContent()).toContain("unsafe (S1)");
    await row.getByRole("button", { name: "Safe", exact: true }).click();
    await textOnceContains(session.page, "#guard-message", "Labelled safe");
    expect(await textOnceContains(session.page, "#guard-table tbody", "safe")).toContain("safe");
    const { verdicts } = await session.admin.json<{ verdicts: { label: string | null }[] }>("GET", "/admin/api/sensitive/guard/verdicts?disagreements=1");
    expect(verdicts[0]!.label).toBe("safe");
    // All verdicts, not only the disagreements.
    await session.page.uncheck("#guard-only-disagreements");
    await textOnceContains(session.page, "#guard-caption", "Guard verdicts");
    expect(await textOnceContains(session.page, "#guard-table tbody", "disagree")).toContain("unsafe (S1)");
    await screenshot(session.page, "admin-sensitive-guard");
  });
});
