import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient, personWithPassword } from "./helpers/accounts";
import { projectRoot, startGatehouse, type GatehouseProcess } from "./helpers/gatehouse-process";
import { startStack, stopStack } from "./helpers/stack";

const run = promisify(execFile);

/** The ```sh blocks between the README's readme-examples markers, as written. */
async function readmeExamples(): Promise<string[]> {
  const readme = await readFile(join(projectRoot, "README.md"), "utf8");
  const section = /<!-- readme-examples:start -->([\s\S]*?)<!-- readme-examples:end -->/.exec(readme)?.[1] ?? "";
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

describe("the README's curl examples work as written", async () => {
  const examples = await readmeExamples();
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  const env: Record<string, string> = {};

  beforeAll(async () => {
    ({ simulator, gatehouse } = await startStack());
    const admin = await AdminClient.signIn(gatehouse.url);
    env.GATEHOUSE = gatehouse.url;
    env.KEY = (await admin.userWithKey("readme-pipeline")).secret;
    env.GH_USER = "readme-person";
    env.GH_PASSWORD = "a password of the person's own";
    await personWithPassword(admin, env.GH_USER, env.GH_PASSWORD);
  });
  afterAll(async () => {
    await stopStack(simulator, gatehouse);
  });

  test("there are examples to run", () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
  });

  test.each(examples.map((example) => [example.split("\n")[0]!, example]))("%s", async (_title, example) => {
    // curl -f turns any HTTP error into a non-zero exit, which rejects here.
    const { stdout } = await run("bash", ["-euo", "pipefail", "-c", example], { env: { ...process.env, ...env }, timeout: 20_000 });
    expect(stdout.length).toBeGreaterThan(0);
    expect(stdout).not.toContain('"error"');
  });
});
