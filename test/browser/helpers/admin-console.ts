import { readFile } from "node:fs/promises";
import type { Download, Page } from "playwright-core";
import { expect } from "vitest";
import { adminPassword } from "../../e2e/helpers/accounts";

/**
 * Steps the admin console's browser tests share: opening /admin and waiting
 * until every section started, reading a status region, saving a download,
 * and a chat request made the way a script would (Node fetch with a key).
 */

/** Opens /admin and waits until the page has loaded the accounts (admin.js sets body[data-ready]). */
export async function openAdmin(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/admin`);
  await page.locator("body[data-ready=true]").waitFor({ timeout: 20_000 });
}

/** Signs in on `/` as the admin (whose first password was already changed) and waits for /admin to be ready. */
export async function signInAsAdmin(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.fill("#sign-in-username", "admin");
  await page.fill("#sign-in-password", adminPassword);
  await page.click("#sign-in button[type=submit]");
  await page.waitForURL(`${base}/admin`, { timeout: 20_000 });
  await openAdmin(page, base);
}

/** The text of a region once it contains `contains` (status regions are filled asynchronously). */
export async function textOnceContains(page: Page, selector: string, contains: string | RegExp): Promise<string> {
  const region = page.locator(selector).filter({ hasText: contains }).first();
  await region.waitFor({ timeout: 20_000 });
  return (await region.textContent()) ?? "";
}

/** The users-table row of one account. */
export function userRow(page: Page, username: string) {
  return page.locator(`#users-table tr[data-username="${username}"]`);
}

/** Clicks what starts a download and returns the saved file's name and text. */
export async function downloadText(page: Page, click: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [download]: [Download, void] = await Promise.all([page.waitForEvent("download", { timeout: 30_000 }), click()]);
  const path = await download.path();
  if (path === null) throw new Error(`download failed: ${await download.failure()}`);
  return { name: download.suggestedFilename(), text: await readFile(path, "utf8") };
}

/** One non-streaming Ollama-native chat request with an API key; returns the answer's text. */
export async function chatWithKey(base: string, secret: string, model: string, prompt: string): Promise<string> {
  const response = await fetch(`${base}/api/chat`, {
    method: "POST",
    headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
    body: JSON.stringify({ model, stream: false, messages: [{ role: "user", content: prompt }] }),
  });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return (JSON.parse(text) as { message: { content: string } }).message.content;
}

/** Every HTTP error a page received, as "status METHOD path" (to explain a "Failed to load resource" line). */
export function failedResponses(page: Page): string[] {
  const failed: string[] = [];
  page.on("response", (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${response.request().method()} ${new URL(response.url()).pathname}`);
  });
  return failed;
}
