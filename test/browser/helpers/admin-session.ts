import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
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

export interface AdminSessionOptions {
  viewport?: { width: number; height: number };
  /** Extra GATEHOUSE_* settings for `npm start`. */
  env?: Record<string, string>;
  /** A script run before every page script (through the DevTools protocol, so the CSP does not apply to it). */
  initScript?: string;
  /** Data the page must find when it first loads (it reads most sections once, at sign-in). */
  prepare?: (admin: AdminClient, base: string) => Promise<void>;
}

export async function openAdminSession(options: AdminSessionOptions = {}): Promise<AdminSession> {
  const { simulator, gatehouse } = await startStack(options.env);
  let browser: Browser | undefined;
  try {
    const base = gatehouse.url;
    const admin = await AdminClient.signIn(base);
    await options.prepare?.(admin, base);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1366, height: 900 } });
    if (options.initScript !== undefined) await context.addInitScript(options.initScript);
    const page = await context.newPage();
    const problems = watchPage(page).problems;
    const failed = failedResponses(page);
    await signInAsAdmin(page, base);
    return { simulator, gatehouse, base, admin, browser, page, problems, failed };
  } catch (error) {
    // A half-open session would leave `npm start`, the simulator and Chromium running after the file.
    await browser?.close();
    await stopStack(simulator, gatehouse);
    throw error;
  }
}

export async function closeAdminSession(session: Partial<AdminSession> | undefined): Promise<void> {
  await session?.browser?.close();
  await stopStack(session?.simulator, session?.gatehouse);
}

/**
 * The session for a whole describe block: opened before its first test and
 * closed after its last. The object is filled in by then, so tests (and the
 * helpers they call) read `session.page`, `session.admin`, … when they run.
 */
export function useAdminSession(options: AdminSessionOptions = {}, openTimeout = 120_000): AdminSession {
  const session = {} as AdminSession;
  beforeAll(async () => {
    Object.assign(session, await openAdminSession(options));
  }, openTimeout);
  afterAll(() => closeAdminSession(session), 60_000);
  return session;
}
