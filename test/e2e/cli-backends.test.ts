import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient } from "./helpers/accounts";
import { everythingOnDisk } from "./helpers/data-dir";
import { projectRoot, type GatehouseProcess } from "./helpers/gatehouse-process";
import { startStack, stopStack } from "./helpers/stack";

/**
 * `gatehouse backends list|add|set|remove` against `npm start`: through the
 * admin API, a credential only from a variable or stdin and never printed,
 * the gateway's refusals shown with exit code 2.
 */

let simulator: OllamaSimulator;
let gatehouse: GatehouseProcess;
let admin: AdminClient;
let adminKey: string;
const providerKey = `sk-cli-${crypto.randomUUID()}`;

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], options: { env?: Record<string, string>; input?: string } = {}): CliRun {
  const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/cli.ts", ...args], {
    cwd: projectRoot,
    env: { ...process.env, GATEHOUSE_URL: gatehouse.url, GATEHOUSE_ADMIN_KEY: adminKey, ...options.env },
    input: options.input ?? "",
    encoding: "utf8",
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  ({ simulator, gatehouse } = await startStack());
  admin = await AdminClient.signIn(gatehouse.url);
  adminKey = (await admin.json<{ secret: string }>("POST", "/account/api/keys", { name: "cli" })).secret;
}, 120_000);
afterAll(async () => stopStack(simulator, gatehouse));

async function stored(name: string) {
  const { backends } = await admin.json<{ backends: Array<{ name: string; enabled: boolean; hasCredential: boolean; slots: number; prices: unknown }> }>("GET", "/admin/api/backends");
  return backends.find((b) => b.name === name);
}

describe("gatehouse backends", () => {
  test("add with a credential from a variable, list, set, clear, remove; the credential is never printed", async () => {
    const added = cli(["backends", "add", "cloud-x", "--kind", "openai", "--url", "https://api.example.test/v1/", "--boundary", "cloud", "--slots", "4", "--price-in", "2.5", "--price-out", "10", "--credential-env", "PROVIDER_KEY"], { env: { PROVIDER_KEY: providerKey } });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/cloud-x\s+openai\s+https:\/\/api\.example\.test\/v1\s+cloud\s+4\s+0\s+yes\s+set/);
    expect(await stored("cloud-x")).toMatchObject({ hasCredential: true, slots: 4, prices: { inputPerMTok: 2.5, outputPerMTok: 10 } });
    // Sealed before it is written: not in the D1 file, its WAL, or anything else in the data dir.
    expect(await everythingOnDisk(gatehouse.dataDir)).not.toContain(providerKey);

    const listed = cli(["backends", "list"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^NAME\s+KIND\s+URL/);
    expect(listed.stdout).toMatch(/local\s+ollama\s+http:\/\/127\.0\.0\.1:\d+\s+local/);

    expect(cli(["backends", "set", "cloud-x", "--disable", "--priority", "7"]).code).toBe(0);
    expect(await stored("cloud-x")).toMatchObject({ enabled: false });
    expect(cli(["backends", "set", "cloud-x", "--clear-credential"]).code).toBe(0);
    expect(await stored("cloud-x")).toMatchObject({ hasCredential: false });
    const fromStdin = cli(["backends", "set", "cloud-x", "--credential-stdin"], { input: `${providerKey}\n` });
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(await stored("cloud-x")).toMatchObject({ hasCredential: true });

    const removed = cli(["backends", "remove", "cloud-x"]);
    expect(removed.code).toBe(0);
    expect(await stored("cloud-x")).toBeUndefined();
    for (const run of [added, listed, fromStdin, removed]) expect(run.stdout + run.stderr).not.toContain(providerKey);
    // Nor in the gateway's log lines, or the audit export.
    expect(gatehouse.output()).not.toContain(providerKey);
    expect(await (await admin.call("GET", "/admin/api/audit.csv?reason=credential+check")).text()).not.toContain(providerKey);
    expect(await everythingOnDisk(gatehouse.dataDir)).not.toContain(providerKey);
  });

  test("refusals: the gateway's message and exit 2; `local` cannot be removed; no credential as a flag", async () => {
    const badUrl = cli(["backends", "add", "box-y", "--kind", "ollama", "--url", "ftp://10.0.0.2", "--boundary", "lan"]);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/url: only http and https/);
    const local = cli(["backends", "remove", "local"]);
    expect(local.code).toBe(2);
    expect(local.stderr).toMatch(/built-in/);
    const flag = cli(["backends", "add", "box-z", "--kind", "openai", "--url", "http://h", "--boundary", "lan", "--credential", providerKey]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/Unknown option '--credential'/);
    expect(flag.stderr).not.toContain(providerKey);
    const unset = cli(["backends", "add", "box-z", "--kind", "openai", "--url", "http://h", "--boundary", "lan", "--credential-env", "NOT_SET_HERE"]);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toMatch(/NOT_SET_HERE is not set/);
    expect(await stored("box-y")).toBeUndefined();
    expect(await stored("box-z")).toBeUndefined();
  });
});

describe("gatehouse users boundaries and the monthly budget", () => {
  test("grant boundaries, set and show a budget; an unknown boundary is refused", async () => {
    const { userId } = await admin.userWithKey("bound-user");
    const granted = cli(["users", "boundaries", "bound-user", "lan,cloud"]);
    expect(granted.code, granted.stderr).toBe(0);
    expect(granted.stdout.trim()).toBe("bound-user: local, lan, cloud");
    const budget = cli(["users", "limits", "bound-user", "--monthly-budget-usd", "30"]);
    expect(budget.code, budget.stderr).toBe(0);
    const { user } = await admin.json<{ user: { boundaries: string[]; allowCloudModels: boolean; limits: { monthlyBudgetUsd: number | null } } }>("GET", `/admin/api/users/${userId}`);
    expect(user).toMatchObject({ boundaries: ["local", "lan", "cloud"], allowCloudModels: true, limits: { monthlyBudgetUsd: 30 } });
    const shown = cli(["users", "show", "bound-user"]);
    expect(shown.stdout).toMatch(/monthly budget \(US\$\):\s+30/);
    expect(shown.stdout).toMatch(/data boundaries:\s+local, lan, cloud/);
    const bad = cli(["users", "boundaries", "bound-user", "internet"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown boundary internet/);
    expect(cli(["users", "boundaries", "bound-user", "default"]).stdout.trim()).toBe("bound-user: local, cloud");
  });
});
