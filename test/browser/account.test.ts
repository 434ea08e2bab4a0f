import { readFile } from "node:fs/promises";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient, adminPassword, personWithPassword } from "../e2e/helpers/accounts";
import type { GatehouseProcess } from "../e2e/helpers/gatehouse-process";
import { startStack, stopStack } from "../e2e/helpers/stack";
import { launchChromium, screenshot, unexpectedProblems, watchPage } from "./helpers/browser";

/**
 * The account page (/account) in Chromium against `npm start`, as one
 * person uses it: keys (created, copied, used for real, revoked), limits,
 * the usage chart and audit trail after a real request, the CSV export,
 * a password change and signing out. The tests share one signed-in page and
 * run in order.
 */

const alicePassword = "alice's first long passphrase";
const aliceNewPassword = "alice's second long passphrase";
const model = "llama3.2:latest";
const hostileName = "<img src=x onerror=alert(1)>";

/** Page scripts as strings: this project's tsconfig has no DOM types (it targets workerd and Node). */
const focusedId = "document.activeElement && document.activeElement.id";

describe("account page", () => {
  let simulator: OllamaSimulator | undefined;
  let gatehouse: GatehouseProcess | undefined;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let base: string;
  let secret = "";
  let chatRequestId = "";
  let dialogs = 0;

  beforeAll(async () => {
    ({ simulator, gatehouse } = await startStack());
    base = gatehouse.url;
    const admin = await AdminClient.signIn(base);
    const aliceId = await personWithPassword(admin, "alice", alicePassword);
    await admin.json("PATCH", `/admin/api/users/${aliceId}`, {
      limits: { rpm: 30, burst: 5, concurrency: 2, dailyTokens: 50_000, monthlyTokens: null, models: null },
    });

    browser = await launchChromium();
    context = await browser.newContext({ acceptDownloads: true, locale: "en-US", viewport: { width: 1366, height: 800 } });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
    page = await context.newPage();
    ({ problems } = watchPage(page));
    page.on("dialog", (dialog) => {
      dialogs++;
      void dialog.dismiss();
    });

    await page.goto(`${base}/`);
    await page.fill("#sign-in-username", "alice");
    await page.fill("#sign-in-password", alicePassword);
    await Promise.all([page.waitForURL(`${base}/account`), page.click("#sign-in button[type=submit]")]);
    await page.locator("body[data-ready=true]").waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stopStack(simulator, gatehouse);
  }, 60_000);

  function chatWith(key: string, content: string, chatModel = model): Promise<Response> {
    return fetch(`${base}/api/chat`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model: chatModel, messages: [{ role: "user", content }], stream: false }),
    });
  }

  function keyRow(name: string) {
    return page.locator("#keys tbody tr", { hasText: name });
  }

  test("shows who is signed in, their limits and no keys; every input is labelled; no script or CSP errors", async () => {
    expect(await page.textContent("#nav-user")).toBe("alice");
    expect(await page.isVisible("#sign-out")).toBe(true);
    expect(await page.isHidden("#nav-admin")).toBe(true);
    expect(await page.textContent("#limits [data-limit=rpm] dd")).toBe("30");
    expect(await page.textContent("#limits [data-limit=dailyTokens] dd")).toBe("50,000");
    expect(await page.textContent("#limits [data-limit=monthlyTokens] dd")).toBe("no limit");
    expect(await page.textContent("#limits [data-limit=monthlyBudgetUsd] dd")).toBe("no limit");
    expect(await page.textContent("#limits [data-limit=boundaries] dd")).toBe("local");
    expect(await page.textContent("#limits [data-limit=today] dd")).toBe("0 of 50,000 tokens");
    expect(await page.textContent("#keys tbody")).toContain("No keys yet");
    const unlabelled = await page.evaluate<string[]>(
      `[...document.querySelectorAll("input")].filter((input) => !input.id || !document.querySelector('label[for="' + input.id + '"]')).map((input) => input.id || input.outerHTML)`,
    );
    expect(unlabelled).toEqual([]);
    await screenshot(page, "account");
    expect(unexpectedProblems(problems)).toEqual([]);
  });

  test("creating a key shows its secret once, with a working copy button; after a reload it is gone", async () => {
    await page.fill("#key-name", "ci-pipeline");
    await page.fill("#key-models", "llama3*, qwen2.5:0.5b");
    const inAWeek = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    await page.fill("#key-expires", inAWeek);
    await page.click("#key-create button[type=submit]");
    await page.locator("#key-new").waitFor({ state: "visible" });
    secret = (await page.textContent("#key-secret")) ?? "";
    expect(secret).toMatch(/^gh_/);
    expect(await page.evaluate(focusedId)).toBe("key-secret");
    await screenshot(page, "account-new-key");

    await page.click("#key-copy");
    await page.locator("#key-copy-status", { hasText: "Copied" }).waitFor();
    expect(await page.evaluate<string>("navigator.clipboard.readText()")).toBe(secret);

    const row = keyRow("ci-pipeline");
    await row.waitFor();
    expect(await row.textContent()).toContain("llama3*, qwen2.5:0.5b");
    // The listing shows the public prefix (gh_<12 hex>), never the secret itself.
    const prefix = (await row.locator("code").textContent()) ?? "";
    expect(prefix).toMatch(/^gh_[0-9a-f]{12}$/);
    expect(secret.startsWith(`${prefix}_`)).toBe(true);
    expect(await row.textContent()).toContain("active");
    expect(await row.locator("td").nth(4).textContent()).not.toBe("never"); // expires
    expect(await row.locator("td").nth(5).textContent()).toBe("never"); // last used
    // The form was cleared for the next key.
    expect(await page.inputValue("#key-name")).toBe("");

    await page.reload();
    await page.locator("body[data-ready=true]").waitFor();
    expect(await page.isHidden("#key-new")).toBe(true);
    expect(await page.content()).not.toContain(secret);
    expect(await keyRow("ci-pipeline").count()).toBe(1);
    expect(unexpectedProblems(problems)).toEqual([]);
  });

  test("where the clipboard API is missing (plain http on a LAN address), Copy selects the secret instead", async () => {
    const lanLike = await browser.newContext();
    await lanLike.addInitScript("Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined })");
    const other = await lanLike.newPage();
    const watched = watchPage(other);
    await lanLike.addCookies(await context.cookies());
    await other.goto(`${base}/account`);
    await other.locator("body[data-ready=true]").waitFor();
    await other.fill("#key-name", "fallback-copy");
    await other.click("#key-create button[type=submit]");
    await other.locator("#key-new").waitFor({ state: "visible" });
    const otherSecret = (await other.textContent("#key-secret")) ?? "";
    await other.click("#key-copy");
    await other.locator("#key-copy-status", { hasText: "press Ctrl+C" }).waitFor();
    expect(await other.evaluate<string>("String(window.getSelection())")).toBe(otherSecret);
    // "I have saved it" takes the secret off the page.
    await other.click("#key-dismiss");
    expect(await other.isHidden("#key-new")).toBe(true);
    expect(await other.textContent("#key-secret")).toBe("");
    expect(unexpectedProblems(watched.problems)).toEqual([]);
    await lanLike.close();
  });

  test("the key works for a real /api/chat through the gateway, within its model scope", async () => {
    const answer = await chatWith(secret, "hello from the key");
    expect(answer.status).toBe(200);
    chatRequestId = answer.headers.get("X-Request-Id") ?? "";
    expect(chatRequestId).not.toBe("");
    expect(((await answer.json()) as { message: { content: string } }).message.content).toContain("hello from the key");
    // The key's models were narrowed to llama3* and qwen2.5:0.5b.
    const outside = await chatWith(secret, "not this one", "mistral:latest");
    expect(outside.status).toBe(403);
  });

  test("after that request the audit trail lists it, the usage chart draws, and today's usage counts it", async () => {
    // Settling (tokens, outcome) finishes just after the answer; refresh until it shows.
    const row = page.locator("#my-audit tbody tr", { hasText: "/api/chat" }).filter({ hasText: "200" });
    for (let attempt = 0; attempt < 30 && (await row.count()) === 0; attempt++) {
      await page.click("#audit-refresh");
      await page.waitForTimeout(500);
    }
    expect(await row.count()).toBeGreaterThanOrEqual(1);
    const text = (await row.first().textContent()) ?? "";
    expect(text).toContain(model);
    expect(text).toContain("ok");
    expect(text).not.toContain(secret);

    await page.reload();
    await page.locator("body[data-ready=true]").waitFor();
    await page.locator("#usage-chart canvas").first().waitFor();
    expect(await page.locator("#usage-chart canvas").count()).toBe(2);
    const summary = (await page.textContent("#usage-summary")) ?? "";
    expect(Number(/^([\d,]+) requests?/.exec(summary)?.[1]?.replace(/,/g, ""))).toBeGreaterThanOrEqual(1);
    expect(await page.textContent("#limits [data-limit=today] dd")).not.toBe("0 of 50,000 tokens");
    expect(await keyRow("ci-pipeline").locator("td").nth(5).textContent()).not.toBe("never"); // last used
    await screenshot(page, "account-usage");
    expect(unexpectedProblems(problems)).toEqual([]);
  });

  test("the CSV export downloads one's own trail, with the request in it and no secret", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-audit")]);
    expect(download.suggestedFilename()).toMatch(/^my-audit-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = await readFile((await download.path())!, "utf8");
    expect(csv).toContain(chatRequestId);
    expect(csv).toContain("/api/chat");
    expect(csv).toContain(model);
    expect(csv).not.toContain(secret);
    expect(csv).not.toContain(alicePassword);
  });

  test("a key named as markup is shown as text: no element is made from it, no script runs", async () => {
    await page.fill("#key-name", hostileName);
    await page.click("#key-create button[type=submit]");
    await page.locator("#key-status", { hasText: "created" }).waitFor();
    expect(await page.textContent("#key-status")).toContain(hostileName);
    await keyRow(hostileName).waitFor(); // the list reloads just after the status says "created"
    expect(await keyRow(hostileName).count()).toBe(1);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator("#keys").innerHTML()).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(dialogs).toBe(0);
    await page.click("#key-dismiss");
    expect(unexpectedProblems(problems)).toEqual([]);
  });

  test("revoking asks first (Cancel and Escape back out), then the key is refused with 401", async () => {
    const row = keyRow("ci-pipeline");
    await row.locator("button[data-action=revoke]").click();
    await row.locator("button[data-action=confirm-revoke]").waitFor();
    expect(await page.evaluate<string>("document.activeElement.textContent")).toBe("Yes, revoke");
    await row.getByRole("button", { name: "Cancel" }).click();
    expect(await row.locator("button[data-action=confirm-revoke]").count()).toBe(0);
    expect(await page.evaluate<string>("document.activeElement.textContent")).toBe("Revoke");
    await row.locator("button[data-action=revoke]").click();
    await page.keyboard.press("Escape");
    expect(await row.locator("button[data-action=confirm-revoke]").count()).toBe(0);
    expect((await chatWith(secret, "still works")).status).toBe(200);

    await row.locator("button[data-action=revoke]").click();
    await row.locator("button[data-action=confirm-revoke]").click();
    await page.locator("#keys-status", { hasText: "revoked" }).waitFor();
    await keyRow("ci-pipeline").locator(".badge", { hasText: "revoked" }).waitFor();
    expect(await keyRow("ci-pipeline").locator("button[data-action=revoke]").count()).toBe(0);
    expect((await chatWith(secret, "after revoking")).status).toBe(401);
    await screenshot(page, "account-revoked");
    expect(unexpectedProblems(problems)).toEqual([]);
  });

  test("password change: wrong current password and a mismatch are explained; then it changes and the session stays", async () => {
    await page.fill("#pw-current", "not my password at all");
    await page.fill("#pw-new", aliceNewPassword);
    await page.fill("#pw-confirm", aliceNewPassword);
    await page.click("#password-change button[type=submit]");
    await page.locator("#pw-status", { hasText: "The current password is wrong." }).waitFor();

    await page.fill("#pw-current", alicePassword);
    await page.fill("#pw-confirm", `${aliceNewPassword}!`);
    await page.click("#password-change button[type=submit]");
    await page.locator("#pw-status", { hasText: "confirmation differ" }).waitFor();

    await page.fill("#pw-confirm", aliceNewPassword);
    await page.click("#password-change button[type=submit]");
    await page.locator("#pw-status", { hasText: "Password changed" }).waitFor();
    expect(await page.inputValue("#pw-current")).toBe("");

    await page.reload();
    await page.locator("body[data-ready=true]").waitFor();
    expect(await page.textContent("#nav-user")).toBe("alice");
    const login = (password: string) =>
      fetch(`${base}/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ username: "alice", password }) });
    expect((await login(alicePassword)).status).toBe(401);
    expect((await login(aliceNewPassword)).status).toBe(200);
    expect(unexpectedProblems(problems, [403])).toEqual([]);
  });

  test("the session cookie is HttpOnly and SameSite=Strict: page scripts cannot read it", async () => {
    const cookies = await context.cookies(base);
    const session = cookies.find((cookie) => cookie.name.endsWith("gatehouse_session"));
    expect(session).toBeDefined();
    expect(session!.httpOnly).toBe(true);
    expect(session!.sameSite).toBe("Strict");
    expect(await page.evaluate<string>("document.cookie")).not.toContain("gatehouse_session");
  });

  test("sign out ends the session; /account then sends the visitor to the sign-in page", async () => {
    await Promise.all([page.waitForURL(`${base}/`), page.click("#sign-out")]);
    expect((await page.request.get(`${base}/account/api/me`)).status()).toBe(401);
    await page.goto(`${base}/account`);
    await page.waitForURL(`${base}/`);
    expect(await page.isVisible("#sign-in")).toBe(true);
    expect(unexpectedProblems(problems, [401, 403])).toEqual([]);
  });

  test("an admin's account page links to the admin console; a user's does not (checked above)", async () => {
    const adminContext = await browser.newContext();
    const adminPage = await adminContext.newPage();
    await adminPage.goto(`${base}/`);
    await adminPage.fill("#sign-in-username", "admin");
    await adminPage.fill("#sign-in-password", adminPassword);
    await Promise.all([adminPage.waitForURL(`${base}/admin`), adminPage.click("#sign-in button[type=submit]")]);
    const watched = watchPage(adminPage);
    await adminPage.goto(`${base}/account`);
    await adminPage.locator("body[data-ready=true]").waitFor();
    expect(await adminPage.textContent("#nav-user")).toBe("admin");
    expect(await adminPage.isVisible("#nav-admin")).toBe(true);
    expect(await adminPage.getAttribute("#nav-admin", "href")).toBe("/admin");
    expect(unexpectedProblems(watched.problems)).toEqual([]);
    await adminContext.close();
  });
});
