import { describe, expect, test } from "vitest";
import { personWithPassword } from "../e2e/helpers/accounts";
import { textOnceContains, userRow } from "./helpers/admin-console";
import { useAdminSession } from "./helpers/admin-session";
import { screenshot, unexpectedProblems } from "./helpers/browser";

/**
 * The admin console's sections one by one, beyond the journey: the live
 * queue, the limits editor's checks and the API's refusals, account
 * creation, password reset, roles, keyboard use and labels, and who may
 * open /admin at all. One GPU slot (GATEHOUSE_MAX_INFLIGHT=1) so the queue
 * fills with three slow requests.
 */

const model = "llama3.2:latest";

describe("admin console sections", () => {
  const session = useAdminSession({ viewport: { width: 1366, height: 800 }, env: { GATEHOUSE_MAX_INFLIGHT: "1" } });

  test("every field is labelled and every control is reachable by keyboard", async () => {
    const unlabelled = await session.page.evaluate(`[...document.querySelectorAll("input, select")]
      .filter((el) => !el.labels?.length && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
      .map((el) => el.id || el.name || el.outerHTML)`);
    expect(unlabelled).toEqual([]);
    expect(await session.page.getAttribute("#page-message", "role")).toBe("alert");
    for (const id of ["approvals-message", "users-message", "audit-message", "queue-message", "dashboard-message"]) {
      expect(await session.page.getAttribute(`#${id}`, "role"), id).toBe("status");
    }
    // The limits editor opens from the keyboard and takes the focus to its first field.
    await userRow(session.page, "admin").getByRole("button", { name: "Limits of admin" }).focus();
    await session.page.keyboard.press("Enter");
    await session.page.locator("form.limits-editor").waitFor();
    expect(await session.page.evaluate("document.activeElement && document.activeElement.name")).toBe("rpm");
    await session.page.getByRole("button", { name: "Cancel" }).press("Enter");
    await session.page.locator("form.limits-editor").waitFor({ state: "detached" });
    const limitsButton = userRow(session.page, "admin").getByRole("button", { name: "Limits of admin" });
    expect(await limitsButton.getAttribute("aria-expanded")).toBe("false");
    // Escape closes an open panel too, and the focus goes back to the button that opened it.
    await limitsButton.press("Enter");
    await session.page.locator("form.limits-editor input[name=burst]").press("Escape");
    await session.page.locator("form.limits-editor").waitFor({ state: "detached" });
    expect(await session.page.evaluate("document.activeElement && document.activeElement.getAttribute('aria-label')")).toBe("Limits of admin");
  });

  test("Refuse on a pending registration disables the account: it cannot sign in", async () => {
    const register = await fetch(`${session.base}/auth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: session.base },
      body: JSON.stringify({ email: "ivan@example.test", password: "ivans-long-password" }),
    });
    expect(register.status).toBe(201);
    await session.page.click("#approvals-refresh");
    const row = session.page.locator("#approvals-table tbody tr", { hasText: "ivan@example.test" });
    await row.getByRole("button", { name: "Refuse ivan@example.test" }).click();
    await textOnceContains(session.page, "#approvals-message", "ivan@example.test was refused");
    await row.waitFor({ state: "detached" });
    await expect.poll(() => userRow(session.page, "ivan@example.test").locator(".badge").textContent()).toBe("disabled");
    const login = await fetch(`${session.base}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: session.base },
      body: JSON.stringify({ username: "ivan@example.test", password: "ivans-long-password" }),
    });
    expect(login.status).toBe(403);
    expect(await login.text()).toContain("account_disabled");
  });

  test("form#create-user: a bad username is caught in the page; a person gets a temporary password once; a service account none", async () => {
    await session.page.fill("#create-username", "has a space");
    await session.page.click("#create-user button[type=submit]");
    await textOnceContains(session.page, "#create-user-message", "letters, digits");
    expect(await session.page.getAttribute("#create-username", "aria-invalid")).toBe("true");

    await session.page.fill("#create-username", "erin");
    await session.page.selectOption("#create-role", "user");
    await session.page.click("#create-user button[type=submit]");
    await textOnceContains(session.page, "#create-user-message", "erin (user) created");
    const temporary = ((await session.page.textContent("#create-temporary-password")) ?? "").trim();
    expect(temporary.length).toBeGreaterThanOrEqual(12);
    const login = await fetch(`${session.base}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: session.base },
      body: JSON.stringify({ username: "erin", password: temporary }),
    });
    expect(login.status).toBe(200);
    expect(((await login.json()) as { user: { mustChangePassword: boolean } }).user.mustChangePassword).toBe(true);

    await session.page.fill("#create-username", "nightly-etl");
    await session.page.selectOption("#create-role", "service");
    await session.page.click("#create-user button[type=submit]");
    await textOnceContains(session.page, "#create-user-message", "Service account nightly-etl created");
    expect(await session.page.isHidden("#create-user-secret")).toBe(true);
    await userRow(session.page, "nightly-etl").waitFor();
    // A duplicate is refused by the API, with its message.
    await session.page.fill("#create-username", "erin");
    await session.page.selectOption("#create-role", "user");
    await session.page.click("#create-user button[type=submit]");
    await textOnceContains(session.page, "#create-user-message", "already taken");
    await screenshot(session.page, "sections-create-user");
  });

  test("New key for a service account shows the secret once, and the key works", async () => {
    await userRow(session.page, "nightly-etl").getByRole("button", { name: "Keys of nightly-etl" }).click();
    const panel = session.page.locator("tr.panel-row .keys-panel");
    await panel.locator("input[name=name]").fill("etl-2026");
    await panel.getByRole("button", { name: "Create key" }).click();
    const secret = ((await panel.locator(".secret-box code").textContent()) ?? "").trim();
    expect(secret).toMatch(/^gh_/);
    await panel.locator("td.key-name", { hasText: "etl-2026" }).waitFor();
    const tags = await fetch(`${session.base}/api/tags`, { headers: { Authorization: `Bearer ${secret}` } });
    expect(tags.status).toBe(200);
    // Revoking asks first: Cancel (or Escape) leaves the key working.
    const revoke = panel.getByRole("button", { name: "Revoke key etl-2026" });
    await revoke.click();
    const ask = panel.getByRole("group", { name: "Revoke etl-2026?" });
    expect(await session.page.evaluate("document.activeElement.textContent")).toBe("Yes, revoke");
    await ask.getByRole("button", { name: "Cancel" }).click();
    await revoke.click();
    await session.page.keyboard.press("Escape");
    await revoke.waitFor();
    expect((await fetch(`${session.base}/api/tags`, { headers: { Authorization: `Bearer ${secret}` } })).status).toBe(200);
    // Revoked from the same list once confirmed, it stops working.
    await revoke.click();
    await ask.getByRole("button", { name: "Yes, revoke" }).click();
    await panel.locator("tr.key-row", { hasText: "revoked" }).waitFor();
    expect((await fetch(`${session.base}/api/tags`, { headers: { Authorization: `Bearer ${secret}` } })).status).toBe(401);
    await screenshot(session.page, "sections-service-key");
  });

  test("Reset password shows a temporary password once; the old one stops working", async () => {
    await personWithPassword(session.admin, "frank", "franks-original-password");
    await session.page.reload();
    await session.page.locator("body[data-ready=true]").waitFor();
    await userRow(session.page, "frank").getByRole("button", { name: "Reset password of frank" }).click();
    await session.page.getByRole("button", { name: "Reset the password of frank" }).click();
    const temporary = ((await session.page.locator(".reset-panel .secret-box code").textContent()) ?? "").trim();
    expect(temporary.length).toBeGreaterThanOrEqual(12);
    const login = (password: string) =>
      fetch(`${session.base}/auth/login`, { method: "POST", headers: { "Content-Type": "application/json", Origin: session.base }, body: JSON.stringify({ username: "frank", password }) });
    expect((await login("franks-original-password")).status).toBe(401);
    expect((await login(temporary)).status).toBe(200);
  });

  test("limits: each bad value is named at its field; what the API refuses is shown with its message", async () => {
    const { user } = await session.admin.json<{ user: { id: string } }>("POST", "/admin/api/users", { username: "gina", role: "service" });
    await session.page.reload();
    await session.page.locator("body[data-ready=true]").waitFor();
    await userRow(session.page, "gina").getByRole("button", { name: "Limits of gina" }).click();
    const editor = session.page.locator("form.limits-editor");
    const cases: [string, string, string][] = [
      ["rpm", "0", "Requests per minute"],
      ["burst", "2.5", "Burst"],
      ["concurrency", "lots", "Concurrent requests"],
      ["monthlyTokens", "1000000000001", "Tokens per month"],
      ["models", "llama3 <b>", "Allowed models"],
    ];
    for (const [name, value, label] of cases) {
      await editor.locator(`input[name=${name}]`).fill(value);
      await editor.getByRole("button", { name: "Save limits" }).click();
      const alert = await textOnceContains(session.page, "form.limits-editor [role=alert]", label);
      expect(alert, name).toContain("Not saved");
      expect(await editor.locator(`input[name=${name}]`).getAttribute("aria-invalid"), name).toBe("true");
      await editor.locator(`input[name=${name}]`).fill("");
    }
    expect((await session.admin.json<{ user: { customLimits: boolean } }>("GET", `/admin/api/users/${user.id}`)).user.customLimits).toBe(false);
    // Valid in the page, but the account went away meanwhile (another admin deleted it): the API's answer is shown.
    expect((await session.admin.call("DELETE", `/admin/api/users/${user.id}`)).status).toBe(204);
    await editor.locator("input[name=rpm]").fill("5");
    await editor.getByRole("button", { name: "Save limits" }).click();
    const refusal = await textOnceContains(session.page, "form.limits-editor [role=alert]", "Saving the limits failed");
    expect(refusal.toLowerCase()).toContain("not found");
    await screenshot(session.page, "sections-limits-refused");
  });

  test("demoting yourself is refused with the API's reason and the role select goes back", async () => {
    await session.page.reload();
    await session.page.locator("body[data-ready=true]").waitFor();
    await userRow(session.page, "admin").getByRole("combobox", { name: "Role of admin" }).selectOption("user");
    await textOnceContains(session.page, "#users-message", "cannot disable, demote or delete your own account");
    expect(await userRow(session.page, "admin").getByRole("combobox", { name: "Role of admin" }).inputValue()).toBe("admin");
  });

  test("#queue shows the requests holding the one slot and those waiting, live, then empties", async () => {
    const { secret } = await session.admin.userWithKey("queue-filler", { limits: { rpm: 100, burst: 100, concurrency: 10 } });
    await fetch(`${session.simulator.url}/__sim/config`, { method: "POST", body: JSON.stringify({ firstByteDelayMs: 4000 }) }).then((r) => r.arrayBuffer());
    await session.page.locator("#queue").scrollIntoViewIfNeeded();
    const requests = [1, 2, 3].map(() =>
      fetch(`${session.base}/api/chat`, {
        method: "POST",
        headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
        body: JSON.stringify({ model, stream: false, messages: [{ role: "user", content: "wait your turn" }] }),
      }).then((r) => r.status),
    );
    try {
      await expect.poll(() => session.page.textContent("#queue-inflight"), { timeout: 15_000 }).toBe("1 of 1");
      await expect.poll(() => session.page.textContent("#queue-waiting"), { timeout: 15_000 }).toMatch(/^[12] of /);
      const row = session.page.locator("#queue-table tbody tr", { hasText: "queue-filler" });
      await row.waitFor();
      expect((await row.locator("td").nth(1).textContent())?.trim()).toBe("1");
      // Per backend: the built-in one's one slot is in use, with requests waiting for it.
      const local = session.page.locator('#queue-backends tbody tr[data-backend="local"]');
      await expect.poll(() => local.locator("td").nth(1).textContent(), { timeout: 15_000 }).toBe("1 of 1");
      // Closed: still taking requests. The simulator's first-byte delay holds its /api/version too, so a
      // health probe in this window may time out and show as "closed (1 failed in a row)".
      expect(await local.locator("td").nth(3).textContent()).toMatch(/^closed( \(\d+ failed in a row\))?$/);
      await screenshot(session.page, "sections-queue-busy");
      expect(await Promise.all(requests)).toEqual([200, 200, 200]);
      // The next readings show it empty again, without a reload.
      await expect.poll(() => session.page.textContent("#queue-inflight"), { timeout: 15_000 }).toBe("0 of 1");
      await session.page.locator("#queue-table tbody tr.empty-row").waitFor();
    } finally {
      await fetch(`${session.simulator.url}/__sim/config`, { method: "POST", body: JSON.stringify({ firstByteDelayMs: null }) }).then((r) => r.arrayBuffer());
      await Promise.allSettled(requests);
    }
  });

  test("Verify the chain reports the audit trail intact, with the number of records checked", async () => {
    await session.page.click("#audit-verify");
    const result = await textOnceContains(session.page, "#audit-verify-result", "intact");
    const checked = Number(/([\d,.\s]+) records checked/.exec(result)?.[1]?.replace(/\D/g, ""));
    expect(checked).toBeGreaterThanOrEqual(3); // at least the three queued requests
  });

  test("the audit view pages with More: 50 at a time, no record twice, More gone at the end", async () => {
    const { userId, secret } = await session.admin.userWithKey("pager", { limits: { rpm: 1000, burst: 1000, concurrency: 10 } });
    for (let i = 0; i < 60; i++) {
      const response = await fetch(`${session.base}/api/tags`, { headers: { Authorization: `Bearer ${secret}` } });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    await session.page.reload();
    await session.page.locator("body[data-ready=true]").waitFor();
    await session.page.selectOption("#audit-user", userId);
    await session.page.click("#audit-filters button[type=submit]");
    const rows = session.page.locator("#audit-table tr.audit-row");
    await expect.poll(() => rows.count()).toBe(50);
    expect(await session.page.isVisible("#audit-more")).toBe(true);
    await session.page.click("#audit-more");
    await expect.poll(() => rows.count()).toBe(60);
    expect(await session.page.isHidden("#audit-more")).toBe(true);
    const ids = await rows.evaluateAll((list) => list.map((row) => row.getAttribute("data-event-id")));
    expect(new Set(ids).size).toBe(60);
  });

  test("no script error or CSP violation on the admin page", () => {
    // 409: the self-demotion; 404: the limits of an account deleted meanwhile.
    expect(unexpectedProblems(session.problems, [404, 409]), `HTTP errors seen: ${session.failed.join(", ")}`).toEqual([]);
  });

  test("only admins: a signed-out visitor goes to /, a person to /account", async () => {
    const anonymous = await session.browser.newContext();
    const visitor = await anonymous.newPage();
    await visitor.goto(`${session.base}/admin`);
    await visitor.waitForURL(`${session.base}/`, { timeout: 20_000 });
    await personWithPassword(session.admin, "hana", "hanas-own-long-password");
    await visitor.fill("#sign-in-username", "hana");
    await visitor.fill("#sign-in-password", "hanas-own-long-password");
    await visitor.click("#sign-in button[type=submit]");
    await visitor.waitForURL(`${session.base}/account`, { timeout: 20_000 });
    await visitor.goto(`${session.base}/admin`);
    await visitor.waitForURL(`${session.base}/account`, { timeout: 20_000 });
    // And the admin API itself refuses them, whatever the page does.
    expect((await visitor.request.get(`${session.base}/admin/api/users`)).status()).toBe(403);
    await anonymous.close();
  });
});
