import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient, adminPassword, firstAdminPassword, personWithPassword } from "../e2e/helpers/accounts";
import type { GatehouseProcess } from "../e2e/helpers/gatehouse-process";
import { startStack, stopStack } from "../e2e/helpers/stack";
import { launchChromium, screenshot, unexpectedProblems, watchPage } from "./helpers/browser";

/**
 * The sign-in page (/) in Chromium against `npm start`: the first admin's
 * forced password change, registration, and the message for every way a
 * sign-in can be refused. The throttling test runs last: five failures lock
 * the client address (127.0.0.1) for a minute.
 */

/** Page scripts as strings: this project's tsconfig has no DOM types (it targets workerd and Node). */
const focusedId = "document.activeElement && document.activeElement.id";

describe("sign-in page", () => {
  let simulator: OllamaSimulator | undefined;
  let gatehouse: GatehouseProcess | undefined;
  let browser: Browser;
  let base: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    ({ simulator, gatehouse } = await startStack());
    base = gatehouse.url;
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stopStack(simulator, gatehouse);
  }, 60_000);

  /**
   * One admin session for the whole file, made after the first test changed
   * the first password. AdminClient.signIn tries the first password before
   * the real one, and each such failure counts towards the address lockout.
   */
  let admin: AdminClient | undefined;
  async function adminClient(): Promise<AdminClient> {
    admin ??= await AdminClient.signIn(base);
    return admin;
  }

  /** A fresh browser profile (no cookies) on the sign-in page. */
  async function signInPage(): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const { problems } = watchPage(page);
    await page.goto(`${base}/`);
    return { page, problems };
  }

  async function signIn(page: Page, username: string, password: string): Promise<void> {
    await page.fill("#sign-in-username", username);
    await page.fill("#sign-in-password", password);
    await page.click("#sign-in button[type=submit]");
  }

  async function statusText(page: Page, id: string, contains: string): Promise<string> {
    const region = page.locator(`#${id}`, { hasText: contains });
    await region.waitFor({ timeout: 15_000 });
    return (await region.textContent()) ?? "";
  }

  test("every input has a label, the change form starts hidden, and the page loads clean", async () => {
    const { page, problems } = await signInPage();
    await screenshot(page, "sign-in");
    const unlabelled = await page.evaluate<string[]>(
      `[...document.querySelectorAll("input")].filter((input) => !input.id || !document.querySelector('label[for="' + input.id + '"]')).map((input) => input.id || input.outerHTML)`,
    );
    expect(unlabelled).toEqual([]);
    expect(await page.isVisible("#sign-in")).toBe(true);
    expect(await page.isVisible("#register")).toBe(true);
    expect(await page.isHidden("#change-password")).toBe(true);
    expect(await page.getAttribute("#sign-in-status", "role")).toBe("alert");
    expect(unexpectedProblems(problems)).toEqual([]);
  });

  test("the first admin signs in, must choose a new password, and lands on /admin signed in", async () => {
    const { page, problems } = await signInPage();
    // /admin is console-admin's page; stubbed here so this test is about the sign-in flow alone.
    await page.route(`${base}/admin`, (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>admin</title>" }));
    await signIn(page, "admin", firstAdminPassword);
    await page.locator("#change-password").waitFor({ state: "visible" });
    expect(await page.isHidden("#sign-in")).toBe(true);
    // The password just typed is carried over; focus waits in the new-password field.
    expect(await page.inputValue("#change-current")).toBe(firstAdminPassword);
    expect(await page.evaluate(focusedId)).toBe("change-new");
    await screenshot(page, "sign-in-forced-change");

    // Too short, then mismatched: said in the status region, nothing sent.
    await page.fill("#change-new", "short");
    await page.fill("#change-confirm", "short");
    await page.click("#change-password button[type=submit]");
    expect(await statusText(page, "change-status", "at least 12 characters")).toContain("new password");
    await page.fill("#change-new", adminPassword);
    await page.fill("#change-confirm", `${adminPassword}-typo`);
    await page.click("#change-password button[type=submit]");
    await statusText(page, "change-status", "confirmation differ");

    await page.fill("#change-confirm", adminPassword);
    await Promise.all([page.waitForURL(`${base}/admin`), page.click("#change-password button[type=submit]")]);
    expect(unexpectedProblems(problems)).toEqual([]);

    // The session survived the change (fresh token) and is an admin's.
    const users = await page.request.get(`${base}/admin/api/users`);
    expect(users.status()).toBe(200);
    // The old password is gone, the new one works.
    expect((await adminClient()).cookie).not.toBe("");
  });

  test("/?change=1 opens the change form directly (where the console sends a session that must change first)", async () => {
    const { page, problems } = await signInPage();
    await page.goto(`${base}/?change=1`);
    await page.locator("#change-password").waitFor({ state: "visible" });
    expect(await page.isHidden("#sign-in")).toBe(true);
    expect(await page.evaluate(focusedId)).toBe("change-current");
    expect(unexpectedProblems(problems)).toEqual([]);
  });

  test("a user who must change their password is held to it: /account sends them back, then the change lands on /account", async () => {
    const admin = await adminClient();
    const { temporaryPassword } = await admin.json<{ temporaryPassword: string }>("POST", "/admin/api/users", { username: "temp-user", role: "user" });
    const { page, problems } = await signInPage();
    await signIn(page, "temp-user", temporaryPassword);
    await page.locator("#change-password").waitFor({ state: "visible" });

    // Skipping the change does not work: the account page sends the session back to the change form.
    await page.goto(`${base}/account`);
    await page.waitForURL(`${base}/?change=1`);
    await page.locator("#change-password").waitFor({ state: "visible" });

    // The same password again: the server refuses, the page says why.
    await page.fill("#change-current", temporaryPassword);
    await page.fill("#change-new", temporaryPassword);
    await page.fill("#change-confirm", temporaryPassword);
    await page.click("#change-password button[type=submit]");
    await statusText(page, "change-status", "must differ from the current password");

    await page.fill("#change-new", "temp user's own passphrase");
    await page.fill("#change-confirm", "temp user's own passphrase");
    await Promise.all([page.waitForURL(`${base}/account`), page.click("#change-password button[type=submit]")]);
    await page.locator("body[data-ready=true]").waitFor();
    expect(await page.textContent("#nav-user")).toBe("temp-user");
    expect(unexpectedProblems(problems, [400, 403])).toEqual([]);
  });

  test("keyboard only: the skip link, then the fields in order, Enter signs in; focus is visible", async () => {
    const admin = await adminClient();
    await personWithPassword(admin, "keyboard-kim", "kim's long passphrase");
    const { page, problems } = await signInPage();
    await page.route(`${base}/account`, (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>account</title>" }));
    await page.keyboard.press("Tab");
    expect(await page.evaluate<string>("document.activeElement.className")).toBe("skip-link");
    await page.keyboard.press("Tab"); // the brand link in the header
    await page.keyboard.press("Tab");
    expect(await page.evaluate(focusedId)).toBe("sign-in-username");
    // A keyboard user sees where focus is: the console's own 3px outline (console.css :focus-visible).
    expect(await page.evaluate<string>("getComputedStyle(document.activeElement).outline")).toMatch(/solid 3px/);
    await page.keyboard.type("keyboard-kim");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(focusedId)).toBe("sign-in-password");
    await page.keyboard.type("kim's long passphrase");
    await Promise.all([page.waitForURL(`${base}/account`), page.keyboard.press("Enter")]);
    expect(unexpectedProblems(problems)).toEqual([]);
  });

  test("a wrong password says so, and opens no session", async () => {
    const { page, problems } = await signInPage();
    await signIn(page, "admin", "not-the-password-at-all");
    expect(await statusText(page, "sign-in-status", "Wrong username or password")).not.toContain("admin");
    expect(await page.getAttribute("#sign-in-status", "data-kind")).toBe("error");
    await screenshot(page, "sign-in-wrong-password");
    expect(page.url()).toBe(`${base}/`);
    expect((await page.request.get(`${base}/account/api/me`)).status()).toBe(401);
    expect(unexpectedProblems(problems, [401])).toEqual([]);
  });

  test("registration: validated in the page and by the server, then pending; signing in says it waits for approval", async () => {
    const { page, problems } = await signInPage();
    const email = `reg-${Date.now()}@example.org`;

    await page.fill("#register-email", email);
    await page.fill("#register-password", "too-short");
    await page.fill("#register-confirm", "too-short");
    await page.click("#register button[type=submit]");
    await statusText(page, "register-status", "at least 12 characters");

    await page.fill("#register-email", "not-an-email");
    await page.fill("#register-password", "a person's passphrase");
    await page.fill("#register-confirm", "a person's passphrase");
    await page.click("#register button[type=submit]");
    expect(await statusText(page, "register-status", "Email:")).toMatch(/email/i);

    await page.fill("#register-email", email);
    await page.click("#register button[type=submit]");
    const accepted = await statusText(page, "register-status", "waiting for an administrator's approval");
    expect(accepted).toContain(email);
    expect(accepted).toContain("already had an account"); // the same answer for a taken address, by design
    await screenshot(page, "sign-in-registered");
    // The form was cleared (no password left in the page) and the email carried into sign-in.
    expect(await page.inputValue("#register-password")).toBe("");
    expect(await page.inputValue("#sign-in-username")).toBe(email);

    await page.fill("#sign-in-password", "a person's passphrase");
    await page.click("#sign-in button[type=submit]");
    await statusText(page, "sign-in-status", "waiting for an administrator's approval");
    expect(page.url()).toBe(`${base}/`);
    expect(unexpectedProblems(problems, [400, 403])).toEqual([]);
  });

  test("a disabled account is told it is disabled", async () => {
    const admin = await adminClient();
    const userId = await personWithPassword(admin, "disabled-dora", "dora's long passphrase");
    await admin.json("PATCH", `/admin/api/users/${userId}`, { status: "disabled" });
    const { page, problems } = await signInPage();
    await signIn(page, "disabled-dora", "dora's long passphrase");
    await statusText(page, "sign-in-status", "This account is disabled");
    expect(page.url()).toBe(`${base}/`);
    expect(unexpectedProblems(problems, [403])).toEqual([]);
  });

  test("a username written as markup is shown as text in messages (the page builds no element from it)", async () => {
    const { page, problems } = await signInPage();
    let dialogs = 0;
    page.on("dialog", (dialog) => {
      dialogs++;
      void dialog.dismiss();
    });
    const hostile = `<img src=x onerror=alert(1)>@example.org`;
    await page.fill("#register-email", hostile);
    await page.fill("#register-password", "a person's passphrase");
    await page.fill("#register-confirm", "a person's passphrase");
    await page.click("#register button[type=submit]");
    await statusText(page, "register-status", "Email:");
    expect(await page.locator("img").count()).toBe(0);
    expect(dialogs).toBe(0);
    expect(unexpectedProblems(problems, [400])).toEqual([]);
  });

  // Last: it locks 127.0.0.1 out of signing in for a while.
  test("too many failures: the page says when to try again (Retry-After)", async () => {
    const { page, problems } = await signInPage();
    let message = "";
    for (let attempt = 0; attempt < 8 && !message.includes("Too many attempts"); attempt++) {
      await page.fill("#sign-in-username", "admin");
      await page.fill("#sign-in-password", `wrong-${attempt}`);
      // Cleared first, so the wait below sees this attempt's answer and not the last one.
      await page.evaluate(`document.getElementById("sign-in-status").replaceChildren()`);
      await page.click("#sign-in button[type=submit]");
      await page.locator("#sign-in-status", { hasText: /Wrong username or password|Too many attempts/ }).waitFor();
      message = (await page.textContent("#sign-in-status")) ?? "";
    }
    expect(message).toMatch(/Too many attempts\. Try again in \d+ (seconds?|minutes?)\./);
    await screenshot(page, "sign-in-throttled");
    expect(unexpectedProblems(problems, [401, 429])).toEqual([]);
  });
});
