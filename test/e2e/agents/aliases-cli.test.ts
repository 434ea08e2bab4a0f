import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../../fixtures/ollama-sim/server";
import { AdminClient } from "../helpers/accounts";
import { projectRoot, type GatehouseProcess } from "../helpers/gatehouse-process";
import { startStack, stopStack } from "../helpers/stack";
import { generous, seenRequests } from "./helpers";

const run = promisify(execFile);

/**
 * `npm run gatehouse -- aliases …` and `keys create --default-model` against
 * `npm start`: what they set is what the gateway then does.
 */
describe("aliases and default models from the admin CLI", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  let adminKey: string;

  beforeAll(async () => {
    ({ simulator, gatehouse } = await startStack());
    const admin = await AdminClient.signIn(gatehouse.url);
    adminKey = (await admin.json<{ secret: string }>("POST", "/account/api/keys", { name: "cli" })).secret;
    await admin.userWithKey("cli-agent", { limits: generous });
  });
  afterAll(async () => {
    await stopStack(simulator, gatehouse);
  });

  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "scripts/cli.ts", ...args], {
        cwd: projectRoot,
        env: { ...process.env, GATEHOUSE_URL: gatehouse.url, GATEHOUSE_ADMIN_KEY: adminKey },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  const modelOfAnswer = async (key: string, model: string | undefined) => {
    const response = await fetch(`${gatehouse.url}/v1/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "x-api-key": key },
      body: JSON.stringify({ ...(model ? { model } : {}), max_tokens: 8, messages: [{ role: "user", content: "hi" }] }),
    });
    return { status: response.status, model: ((await response.json()) as { model?: string }).model };
  };

  test("set, list, replace in place, remove", async () => {
    expect((await cli(["aliases", "list"])).stdout).toContain("no aliases");
    expect((await cli(["aliases", "set", "claude-*", "llama3.2"])).code).toBe(0);
    expect((await cli(["aliases", "set", "gpt-5*", "qwen2.5:0.5b"])).code).toBe(0);
    const listed = (await cli(["aliases", "list"])).stdout.trimEnd().split("\n");
    expect(listed[0]).toMatch(/^ *# +PATTERN +MODEL/);
    expect(listed.slice(1).map((line) => line.trim().split(/ +/))).toEqual([["1", "claude-*", "llama3.2"], ["2", "gpt-5*", "qwen2.5:0.5b"]]);
    expect((await cli(["aliases", "set", "claude-*", "qwen2.5:0.5b"])).code).toBe(0);
    expect((await cli(["aliases", "list"])).stdout).toMatch(/1 +claude-\* +qwen2\.5:0\.5b/);
    const bad = await cli(["aliases", "set", "claude-*", "not a model"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/model/);
    expect((await cli(["aliases", "remove", "gpt-5*"])).code).toBe(0);
    expect((await cli(["aliases", "remove", "gpt-5*"])).code).toBe(2);
    expect((await cli(["aliases", "list"])).stdout).not.toContain("gpt-5");
  });

  test("keys create --default-model: a request naming no model runs it, through any alias", async () => {
    await cli(["aliases", "set", "house-default", "llama3.2"]);
    const created = await cli(["keys", "create", "cli-agent", "--name", "defaulted", "--default-model", "house-default"]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/default model: +house-default/);
    const secret = /secret: +(\S+)/.exec(created.stdout)![1]!;
    expect(await modelOfAnswer(secret, undefined)).toEqual({ status: 200, model: "llama3.2" });
    const seen = (await seenRequests(simulator)).filter((s) => s.path === "/v1/messages").at(-1);
    expect((seen?.body as { model: string }).model).toBe("llama3.2");
  });
});
