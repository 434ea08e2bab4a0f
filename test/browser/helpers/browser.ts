import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

/** Screenshots land here (git-ignored), one per page and step. */
export const artifactsDir = fileURLToPath(new URL("../../artifacts/", import.meta.url));

/** Debian's Chromium, headless, with nothing reaching the network on its own. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.GATEHOUSE_CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/** A page that fails the test on any script error or CSP violation it reports. */
export function watchPage(page: Page): { problems: string[] } {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  return { problems };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(artifactsDir, { recursive: true });
  await page.screenshot({ path: `${artifactsDir}${name}.png`, fullPage: true });
}

/**
 * The problems a page reported, minus Chromium's "Failed to load resource"
 * lines for HTTP statuses the test provoked on purpose (a wrong password is
 * a 401 the page must handle, not a bug). CSP violations and script errors
 * always stay.
 */
export function unexpectedProblems(problems: string[], expectedStatuses: number[] = []): string[] {
  return problems.filter((problem) => {
    const failed = /Failed to load resource: the server responded with a status of (\d{3})/.exec(problem);
    return !(failed && expectedStatuses.includes(Number(failed[1])));
  });
}
