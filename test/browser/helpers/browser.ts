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
