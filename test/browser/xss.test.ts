import { describe, expect, test } from "vitest";
import { chatWithKey, userRow } from "./helpers/admin-console";
import { useAdminSession } from "./helpers/admin-session";
import { screenshot, unexpectedProblems } from "./helpers/browser";

/**
 * Hostile text in everything the admin console shows: prompts (user and
 * system messages), the answers that echo them, a key name, filter values.
 * Usernames, emails and model names cannot hold markup at all: the API
 * refuses them (checked here too).
 * The console must show it as characters: no element is created from it, no
 * handler runs (window.__xss stays undefined), and the browser reports no
 * CSP violation (nothing even tried to run). The last test injects markup on
 * purpose to show these detectors do catch it.
 */

const payloads = ["<img src=x onerror=window.__xss=1>", "<script>window.__xss=1</script>", '"><svg onload=window.__xss=1>'] as const;
const [imgPayload, scriptPayload, svgPayload] = payloads;
const model = "llama3.2:latest";
const hostileKeyName = `${imgPayload} ${svgPayload}`;
const hostileModel = `llama3.2:${imgPayload}`;

/** Runs before every page script (through the DevTools protocol, so the CSP does not apply to it): records CSP violations. */
const recordViolations = `
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(e.violatedDirective + " " + (e.sample || e.blockedURI)));
`;

describe("hostile text in the admin console", () => {
  let serviceId = "";

  const session = useAdminSession(
    {
      viewport: { width: 1366, height: 800 },
      initScript: recordViolations,
      prepare: async (admin, base) => {
        const service = await admin.json<{ user: { id: string } }>("POST", "/admin/api/users", { username: "mallory-pipeline", role: "service" });
        serviceId = service.user.id;
        const { secret } = await admin.json<{ secret: string }>("POST", `/admin/api/users/${serviceId}/keys`, { name: hostileKeyName });
        for (const payload of payloads) {
          const answer = await chatWithKey(base, secret, model, `Please summarise ${payload} for me`);
          expect(answer).toContain(payload); // the simulator echoes it: the response is hostile too
        }
        // Hostile text in a system message.
        const system = await fetch(`${base}/api/chat`, {
          method: "POST",
          headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
          body: JSON.stringify({ model, stream: false, messages: [{ role: "system", content: scriptPayload }, { role: "user", content: "system prompt test" }] }),
        });
        expect(system.status).toBe(200);
        // A model name with markup never gets as far as the audit trail or Ollama.
        const badModel = await fetch(`${base}/api/chat`, {
          method: "POST",
          headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
          body: JSON.stringify({ model: hostileModel, stream: false, messages: [{ role: "user", content: "hi" }] }),
        });
        expect(badModel.status).toBe(400);
        expect(await badModel.text()).toContain("not a valid model name");
      },
    },
    180_000,
  );

  /** Nothing ran, nothing was created from the payloads, nothing was even blocked. */
  async function expectInert(): Promise<void> {
    expect(await session.page.evaluate("typeof window.__xss")).toBe("undefined");
    // The page itself has no images or SVG, and exactly its two script tags (uPlot, admin.js).
    expect(await session.page.locator("main img, main svg").count()).toBe(0);
    expect(await session.page.locator("script").count()).toBe(2);
    expect(await session.page.locator("[onerror], [onload]").count()).toBe(0);
    expect(await session.page.evaluate("window.__cspViolations")).toEqual([]);
  }

  test("usernames and emails cannot hold markup: the API refuses them (400)", async () => {
    const created = await session.admin.call("POST", "/admin/api/users", { username: scriptPayload, role: "user" });
    expect(created.status).toBe(400);
    const registered = await fetch(`${session.base}/auth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: session.base },
      body: JSON.stringify({ email: `${svgPayload}@example.test`, password: "a-long-enough-password" }),
    });
    expect(registered.status).toBe(400);
  });

  test("the audit view shows hostile prompts and responses as text when every row is expanded", async () => {
    await session.page.selectOption("#audit-user", serviceId);
    await session.page.fill("#audit-reason", "xss review");
    await session.page.click("#audit-filters button[type=submit]");
    await session.page.locator("#audit-table tr.audit-row").nth(3).waitFor();
    const toggles = session.page.locator("#audit-table button.audit-expand");
    const count = await toggles.count();
    expect(count).toBe(4); // three hostile prompts and the hostile system message
    for (let i = 0; i < count; i++) await toggles.nth(i).click();
    await expect.poll(() => session.page.locator("#audit-table .audit-response").count(), { timeout: 20_000 }).toBe(4);

    const prompts = (await session.page.locator("#audit-table .audit-prompt").allTextContents()).join("\n");
    const responses = (await session.page.locator("#audit-table .audit-response").allTextContents()).join("\n");
    // The prompt is the request body as sent (JSON, so a quote appears escaped); the answer echoes the text itself.
    for (const payload of payloads) {
      expect(prompts).toContain(JSON.stringify(payload).slice(1, -1));
      expect(responses).toContain(`Echo: Please summarise ${payload} for me`);
    }
    expect(prompts).toContain(`"content":${JSON.stringify(scriptPayload)}`); // the system message
    await screenshot(session.page, "xss-audit");
    await expectInert();
  });

  test("the users table and the key list show the hostile key name as text", async () => {
    await userRow(session.page, "mallory-pipeline").getByRole("button", { name: "Keys of mallory-pipeline" }).click();
    const name = session.page.locator(`tr.panel-row[data-panel-for="${serviceId}"] td.key-name`).first();
    await name.waitFor();
    expect(await name.textContent()).toBe(hostileKeyName);
    await screenshot(session.page, "xss-users-keys");
    await expectInert();
  });

  test("filters typed with markup (audit model, dashboard model) are only parameters; the dashboard stays text", async () => {
    await session.page.fill("#audit-model", svgPayload);
    await session.page.click("#audit-filters button[type=submit]");
    await session.page.locator("#audit-table tbody tr.empty-row").waitFor();
    expect(await session.page.locator("#export-all").getAttribute("href")).toBe("/admin/api/audit.csv");

    await session.page.locator("#dashboard").scrollIntoViewIfNeeded();
    await session.page.click("#dashboard-filters button[type=submit]");
    await session.page.locator("#top-users tbody tr", { hasText: "mallory-pipeline" }).waitFor();
    expect(await session.page.locator("#by-model tbody td:first-child").allTextContents()).toEqual([model]);
    await session.page.fill("#dashboard-model", imgPayload);
    await session.page.click("#dashboard-filters button[type=submit]");
    await session.page.locator("#by-model tbody tr.empty-row").waitFor();
    await screenshot(session.page, "xss-dashboard");
    await expectInert();
    expect(unexpectedProblems(session.problems), `HTTP errors seen: ${session.failed.join(", ")}`).toEqual([]);
  });

  test("the detectors work: markup injected on purpose is blocked by the CSP and reported", async () => {
    await session.page.evaluate(`document.querySelector("main").insertAdjacentHTML("beforeend", ${JSON.stringify(imgPayload)})`);
    await expect.poll(() => session.page.evaluate("window.__cspViolations.length")).toBeGreaterThan(0);
    // The CSP stopped the inline handler: the flag is still unset, though the element now exists.
    expect(await session.page.evaluate("typeof window.__xss")).toBe("undefined");
    expect(await session.page.locator("main img").count()).toBe(1);
    expect(session.problems.some((p) => /Content Security Policy/i.test(p))).toBe(true);
  });
});
