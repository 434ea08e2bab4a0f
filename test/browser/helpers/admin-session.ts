import type { Browser, Page } from "playwright-core";
import type { OllamaSimulator } from "../../fixtures/ollama-sim/server";
import { AdminClient } from "../../e2e/helpers/accounts";
import type { GatehouseProcess } from "../../e2e/helpers/gatehouse-process";
import { startStack, stopStack } from "../../e2e/helpers/stack";
import { failedResponses, signInAsAdmin } from "./admin-console";
import { launchChromium, watchPage } from "./browser";

/**
 * One admin console session for a browser test file: the simulator and
 * `npm start`, an admin API client, Chromium with one page signed in as the
 * admin, and what the page reported (console problems, failed responses).
 */
export interface AdminSession {
  simulator: OllamaSimulator;
  gatehouse: GatehouseProcess;
  base: string;
  admin: AdminClient;
  browser: Browser;
  page: Page;
  problems: string[];
  failed: string[];
}

export async function openAdminSession(viewport = { width: 1366, height: 900 }): Promise<AdminSession> {
  const { simulator, gatehouse } = await startStack();
  const base = gatehouse.url;
  const admin = await AdminClient.signIn(base);
  const browser = await launchChromium();
  const page = await (await browser.newContext({ viewport })).newPage();
  const problems = watchPage(page).problems;
  const failed = failedResponses(page);
  await signInAsAdmin(page, base);
  return { simulator, gatehouse, base, admin, browser, page, problems, failed };
}

export async function closeAdminSession(session: AdminSession | undefined): Promise<void> {
  await session?.browser.close();
  await stopStack(session?.simulator, session?.gatehouse);
}
