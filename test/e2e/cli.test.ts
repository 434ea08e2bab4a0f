import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient } from "./helpers/accounts";
import { projectRoot, type GatehouseProcess } from "./helpers/gatehouse-process";
import { startStack, stopStack } from "./helpers/stack";

/**
 * `npm run gatehouse -- …` against `npm start`: the admin CLI's commands
 * change what the admin API says, print readable tables, and fail with
 * clear messages and exit codes — never showing the admin key.
 */

const run = promisify(execFile);

let simulator: OllamaSimulator;
let gatehouse: GatehouseProcess;
let admin: AdminClient;
let adminKey: string;
let userKey: string;
let scratch: string;

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI as `npm run gatehouse` runs it (tsx on this Node), with the stack's URL and the admin key unless overridden. */
async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const fullEnv = {
    ...process.env,
    GATEHOUSE_URL: gatehouse.url,
    GATEHOUSE_ADMIN_KEY: adminKey,
    GATEHOUSE_OLLAMA: `127.0.0.1:${simulator.port}`,
    GATEHOUSE_DATA: gatehouse.dataDir,
    ...env,
  };
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "scripts/cli.ts", ...args], { cwd: projectRoot, env: fullEnv });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function userByName(username: string) {
  const { users } = await admin.json<{ users: Array<{ id: string; username: string; status: string; limits: Record<string, unknown> }> }>("GET", "/admin/api/users");
  return users.find((user) => user.username === username);
}

beforeAll(async () => {
  ({ simulator, gatehouse } = await startStack());
  admin = await AdminClient.signIn(gatehouse.url);
  adminKey = (await admin.json<{ secret: string }>("POST", "/account/api/keys", { name: "cli" })).secret;
  userKey = (await admin.userWithKey("cli-plain-user")).secret;
  scratch = await mkdtemp(join(tmpdir(), "gatehouse-cli-"));
}, 120_000);

afterAll(async () => {
  await stopStack(simulator, gatehouse);
  await rm(scratch, { recursive: true, force: true });
});

describe("through npm run gatehouse", () => {
  test("help lists the commands and exits 0", async () => {
    const { stdout } = await run("npm", ["run", "--silent", "gatehouse", "--", "help"], { cwd: projectRoot });
    for (const name of ["users list", "users approve", "keys create", "keys revoke", "audit export", "queue", "doctor", "backup", "restore"]) {
      expect(stdout).toContain(name);
    }
  });
});

describe("users", () => {
  test("create, then list shows an aligned table with the new account", async () => {
    const created = await cli(["users", "create", "carol", "--role", "user"]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/temporary password: +\S{12,}/);
    const listed = await cli(["users", "list"]);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^USERNAME +ROLE +STATUS +RPM/);
    const carol = lines.find((line) => line.startsWith("carol "));
    expect(carol).toMatch(/^carol +user +active /);
    // Aligned: every row's STATUS starts in the header's STATUS column.
    expect(carol!.indexOf("active")).toBe(lines[0]!.indexOf("STATUS"));
  });

  test("a registration waits in list --status pending until approve", async () => {
    const registered = await fetch(`${gatehouse.url}/auth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: gatehouse.url },
      body: JSON.stringify({ email: "dave@example.test", password: "daves-long-password-1" }),
    });
    expect(registered.status).toBe(201);
    const pending = await cli(["users", "list", "--status", "pending"]);
    expect(pending.stdout).toContain("dave@example.test");
    const approved = await cli(["users", "approve", "dave@example.test"]);
    expect(approved).toMatchObject({ code: 0 });
    expect(approved.stdout).toContain("pending -> active");
    expect((await userByName("dave@example.test"))?.status).toBe("active");
    expect((await cli(["users", "list", "--status", "pending"])).stdout).not.toContain("dave@example.test");
  });

  test("disable stops the account's key at the next request; enable restores it", async () => {
    expect((await fetch(`${gatehouse.url}/api/tags`, { headers: { Authorization: `Bearer ${userKey}` } })).status).toBe(200);
    expect((await cli(["users", "disable", "cli-plain-user"])).code).toBe(0);
    expect((await fetch(`${gatehouse.url}/api/tags`, { headers: { Authorization: `Bearer ${userKey}` } })).status).toBe(403);
    expect((await cli(["users", "enable", "cli-plain-user"])).code).toBe(0);
    expect((await fetch(`${gatehouse.url}/api/tags`, { headers: { Authorization: `Bearer ${userKey}` } })).status).toBe(200);
  });

  test("limits changes only the limits given; none and any lift them", async () => {
    const changed = await cli(["users", "limits", "carol", "--rpm", "7", "--burst", "14", "--daily-tokens", "5000", "--models", "llama3*,qwen*"]);
    expect(changed.code).toBe(0);
    expect(changed.stdout).toMatch(/carol +user +active +7 +14 /);
    expect((await userByName("carol"))?.limits).toMatchObject({ rpm: 7, burst: 14, dailyTokens: 5000, models: ["llama3*", "qwen*"] });
    await cli(["users", "limits", "carol", "--daily-tokens", "none", "--models", "any"]);
    expect((await userByName("carol"))?.limits).toMatchObject({ rpm: 7, dailyTokens: null, models: null });
  });
});

describe("keys", () => {
  test("create prints the secret once and it works; revoke stops it", async () => {
    const created = await cli(["keys", "create", "cli-plain-user", "--name", "pipeline", "--models", "llama3*", "--expires", "2099-01-01"]);
    expect(created.code).toBe(0);
    const secret = /secret: +(\S+)/.exec(created.stdout)?.[1];
    const keyId = /key id: +(\S+)/.exec(created.stdout)?.[1];
    expect(secret).toMatch(/^gh_/);
    expect(created.stdout).toContain("2099-01-01");
    expect((await fetch(`${gatehouse.url}/api/tags`, { headers: { Authorization: `Bearer ${secret}` } })).status).toBe(200);

    const listed = await cli(["keys", "list", "cli-plain-user"]);
    expect(listed.stdout).toMatch(new RegExp(`${keyId} +pipeline +gh_\\S+ +active +llama3\\*`));
    expect(listed.stdout).not.toContain(secret);

    const revoked = await cli(["keys", "revoke", "cli-plain-user", keyId!]);
    expect(revoked).toMatchObject({ code: 0 });
    expect((await fetch(`${gatehouse.url}/api/tags`, { headers: { Authorization: `Bearer ${secret}` } })).status).toBe(401);
    expect((await cli(["keys", "list", "cli-plain-user"])).stdout).toMatch(new RegExp(`${keyId} +pipeline +gh_\\S+ +revoked`));
  });

  test("a key of another user, or none at all, is a clear error", async () => {
    const missing = await cli(["keys", "revoke", "carol", "no-such-key"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('carol has no key "no-such-key"');
  });
});

describe("audit and queue", () => {
  test("verify exits 0 on an intact chain; export writes CSV to a file, per user or whole", async () => {
    const chat = await fetch(`${gatehouse.url}/api/chat`, {
      method: "POST",
      headers: { Authorization: `Bearer ${userKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model: "llama3.2", messages: [{ role: "user", content: "hi" }], stream: false }),
    });
    expect(chat.status).toBe(200);
    await chat.arrayBuffer();
    const verified = await cli(["audit", "verify"]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/audit chain intact: \d+ records checked/);

    const whole = join(scratch, "all.csv");
    const unexplained = await cli(["audit", "export", "--out", whole, "--from", "2020-01-01"]);
    expect(unexplained.code).not.toBe(0);
    expect(unexplained.stderr).toContain("--reason");
    expect((await cli(["audit", "export", "--reason", "quarterly review", "--out", whole, "--from", "2020-01-01"])).code).toBe(0);
    const csv = await readFile(whole, "utf8");
    expect(csv.split("\n")[0]).toMatch(/request_id|requestId|time/i);
    expect(csv).toContain("cli-plain-user");

    const mine = await cli(["audit", "export", "--user", "cli-plain-user", "--reason", "subject access request"]);
    expect(mine.code).toBe(0);
    expect(mine.stdout).toContain("/api/chat");
    expect(mine.stdout).not.toMatch(/^.*carol.*$/m);
  });

  test("queue shows the GPU gate", async () => {
    const queue = await cli(["queue"]);
    expect(queue.code).toBe(0);
    expect(queue.stdout).toMatch(/in flight \d+\/\d+ +waiting \d+\/\d+/);
  });
});

describe("doctor", () => {
  test("all checks pass against a healthy stack (exit 0)", async () => {
    const doctor = await cli(["doctor"]);
    expect(doctor.stdout).toMatch(/^OK +gateway /m);
    expect(doctor.stdout).toMatch(/^OK +upstream +Ollama \S+ at 127\.0\.0\.1:/m);
    expect(doctor.stdout).toMatch(/^OK +ollama loopback /m);
    expect(doctor.stdout).toMatch(/^OK +data dir /m);
    expect(doctor.stdout).toMatch(/^OK +clock /m);
    expect(doctor.stdout).toMatch(/^OK +admin key /m);
    expect(doctor.code).toBe(0);
  });

  test("a dead upstream, a missing data dir and a bad key fail (exit 1)", async () => {
    const doctor = await cli(["doctor"], { GATEHOUSE_OLLAMA: "127.0.0.1:9", GATEHOUSE_DATA: join(scratch, "nope"), GATEHOUSE_ADMIN_KEY: "gh_not-a-real-key-0123456789" });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/^FAIL +upstream +Ollama does not answer at 127\.0\.0\.1:9/m);
    expect(doctor.stdout).toMatch(/^FAIL +data dir .*does not exist/m);
    expect(doctor.stdout).toMatch(/^FAIL +admin key .*401/m);
    expect(doctor.stdout).not.toContain("gh_not-a-real-key");
  });
});

describe("errors", () => {
  test("an unreachable gateway: exit 2, says where it looked", async () => {
    const result = await cli(["users", "list"], { GATEHOUSE_URL: "http://127.0.0.1:9" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("cannot reach the gateway at http://127.0.0.1:9");
  });

  test("a wrong key: 401 explained, exit 2, the key never printed", async () => {
    const wrong = "gh_wrong-key-that-must-not-be-printed-42";
    const result = await cli(["users", "list"], { GATEHOUSE_ADMIN_KEY: wrong });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("refused the admin key (401)");
    expect(`${result.stdout}${result.stderr}`).not.toContain(wrong);
    expect(`${result.stdout}${result.stderr}`).not.toContain("wrong-key");
  });

  test("a key of a non-admin: 403, exit 2", async () => {
    const result = await cli(["users", "list"], { GATEHOUSE_ADMIN_KEY: userKey });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("not allowed (403");
    expect(`${result.stdout}${result.stderr}`).not.toContain(userKey);
  });

  test("no key at all", async () => {
    const result = await cli(["queue"], { GATEHOUSE_ADMIN_KEY: "" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("set GATEHOUSE_ADMIN_KEY");
  });

  test("an unknown user: exit 2, names it", async () => {
    const result = await cli(["users", "approve", "nobody-here"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no user with the username or id "nobody-here"');
  });

  test("the API's 400 message is shown", async () => {
    const result = await cli(["users", "create", "bad name!", "--role", "user"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/400 invalid_request: .*username/);
  });

  test("usage errors: exit 2 with the command's usage", async () => {
    const bad = await cli(["users", "limits", "carol", "--rpm", "0"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("usage: npm run gatehouse -- users limits");
    expect((await cli(["users", "list", "--colour"])).code).toBe(2);
    expect((await cli(["users", "frobnicate"])).stderr).toContain("unknown command");
    expect((await cli(["keys", "create", "carol"])).stderr).toContain("--name is required");
  });
});
