import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../../fixtures/ollama-sim/server";
import { AdminClient } from "../helpers/accounts";
import { projectRoot, type GatehouseProcess } from "../helpers/gatehouse-process";
import { startStack, stopStack } from "../helpers/stack";
import { generous, seenRequests, userEvents, type AuditEvent } from "./helpers";

const execFileAsync = promisify(execFile);

/** Runs a CLI with stdin closed (Codex reads a prompt from an open stdin and would wait for it). */
function run(file: string, args: string[], options: { cwd: string; timeout: number; env: Record<string, string> }) {
  const pending = execFileAsync(file, args, options);
  pending.child.stdin?.end();
  return pending;
}

/**
 * The real Claude Code and Codex CLIs answer a prompt through `npm start`
 * against the simulator, configured exactly as the README says. Each call is
 * on the audit trail with its tokens; an alias lets Claude Code run with the
 * model name it picks by itself.
 */
describe("coding agents through Gatehouse", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  let admin: AdminClient;
  let agent: { userId: string; secret: string };
  const temps: string[] = [];

  beforeAll(async () => {
    ({ simulator, gatehouse } = await startStack());
    admin = await AdminClient.signIn(gatehouse.url);
    agent = await admin.userWithKey("coding-agent", { limits: generous });
  });
  afterAll(async () => {
    await stopStack(simulator, gatehouse);
    for (const dir of temps) await rm(dir, { recursive: true, force: true });
  });

  const tempDir = async (name: string) => {
    const dir = await mkdtemp(join(tmpdir(), `gatehouse-${name}-`));
    temps.push(dir);
    return dir;
  };

  /** Waits until every audit record of the user on `endpoint` is finished. */
  async function finishedEvents(endpoint: string): Promise<AuditEvent[]> {
    for (let i = 0; i < 100; i++) {
      const events = await userEvents(admin, agent.userId, endpoint);
      if (events.length > 0 && events.every((event) => event.finishedAt !== null)) return events;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no finished audit records on ${endpoint}`);
  }

  async function claude(prompt: string, env: Record<string, string>, args: string[] = []): Promise<string> {
    const home = await tempDir("claude-home");
    const { stdout } = await run(join(projectRoot, "node_modules/.bin/claude"), ["-p", prompt, ...args], {
      cwd: home,
      timeout: 120_000,
      env: { PATH: process.env.PATH ?? "", HOME: home, ANTHROPIC_BASE_URL: gatehouse.url, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1", ...env },
    });
    return stdout;
  }

  test("Claude Code with ANTHROPIC_API_KEY (x-api-key) and --model", async () => {
    const out = await claude("say hello to the gate", { ANTHROPIC_API_KEY: agent.secret }, ["--model", "llama3.2"]);
    expect(out).toContain("Echo:");
    expect(out).toContain("say hello to the gate");
    const events = await finishedEvents("/v1/messages");
    expect(events.some((e) => e.outcome === "ok" && e.model === "llama3.2" && (e.promptTokens ?? 0) > 0 && (e.completionTokens ?? 0) > 0)).toBe(true);
    // The key reached neither Ollama nor anything it logged.
    for (const seen of await seenRequests(simulator)) {
      expect(JSON.stringify(seen)).not.toContain(agent.secret);
    }
    expect(gatehouse.output()).not.toContain(agent.secret);
  });

  test("Claude Code with ANTHROPIC_AUTH_TOKEN (Bearer) and its own default model name, through an alias", async () => {
    const unaliased = await claude("no alias yet", { ANTHROPIC_AUTH_TOKEN: agent.secret }).catch((error: { stdout?: string }) => error.stdout ?? "");
    expect(unaliased).not.toContain("Echo:");
    await admin.json("PUT", "/admin/api/aliases", { aliases: [{ pattern: "claude-*", model: "llama3.2" }] });
    const out = await claude("hello with the default model", { ANTHROPIC_AUTH_TOKEN: agent.secret });
    expect(out).toContain("hello with the default model");
    const events = await finishedEvents("/v1/messages");
    const aliased = events.filter((e) => e.requestedModel?.startsWith("claude-") && e.outcome === "ok");
    expect(aliased.length).toBeGreaterThan(0);
    expect(aliased.every((e) => e.model === "llama3.2" && (e.completionTokens ?? 0) > 0)).toBe(true);
  });

  test("Codex exec through a custom provider with wire_api = \"responses\"", async () => {
    const codexHome = await tempDir("codex-home");
    const work = await tempDir("codex-work");
    await writeFile(
      join(codexHome, "config.toml"),
      [
        'model = "llama3.2"',
        'model_provider = "gatehouse"',
        'web_search = "disabled"',
        "",
        "[model_providers.gatehouse]",
        'name = "Gatehouse"',
        `base_url = "${gatehouse.url}/v1"`,
        'env_key = "GATEHOUSE_API_KEY"',
        'wire_api = "responses"',
        "",
      ].join("\n"),
    );
    const { stdout } = await run(join(projectRoot, "node_modules/.bin/codex"), ["exec", "--skip-git-repo-check", "hello from codex"], {
      cwd: work,
      timeout: 120_000,
      env: { PATH: process.env.PATH ?? "", HOME: codexHome, CODEX_HOME: codexHome, GATEHOUSE_API_KEY: agent.secret },
    });
    expect(stdout).toContain("Echo: hello from codex");
    const events = await finishedEvents("/v1/responses");
    expect(events.some((e) => e.outcome === "ok" && e.model === "llama3.2" && (e.promptTokens ?? 0) > 0 && (e.completionTokens ?? 0) > 0)).toBe(true);
    expect(gatehouse.output()).not.toContain(agent.secret);
  });

  test("Codex with its default web_search tool is refused by name, and never reaches Ollama", async () => {
    const codexHome = await tempDir("codex-home");
    const work = await tempDir("codex-work");
    await writeFile(
      join(codexHome, "config.toml"),
      ['model = "llama3.2"', 'model_provider = "gatehouse"', "", "[model_providers.gatehouse]", 'name = "Gatehouse"', `base_url = "${gatehouse.url}/v1"`, 'env_key = "GATEHOUSE_API_KEY"', 'wire_api = "responses"', "request_max_retries = 0", "stream_max_retries = 0", ""].join("\n"),
    );
    const before = (await seenRequests(simulator)).length;
    const result = await run(join(projectRoot, "node_modules/.bin/codex"), ["exec", "--skip-git-repo-check", "search the web"], {
      cwd: work,
      timeout: 120_000,
      env: { PATH: process.env.PATH ?? "", HOME: codexHome, CODEX_HOME: codexHome, GATEHOUSE_API_KEY: agent.secret },
    }).catch((error: { stdout?: string; stderr?: string }) => error);
    expect(`${result.stdout ?? ""}${result.stderr ?? ""}`).toMatch(/web_search/);
    expect((await seenRequests(simulator)).length).toBe(before);
  });
});
