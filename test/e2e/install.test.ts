/**
 * scripts/install.sh and scripts/uninstall.sh against a temporary root that
 * already holds an inference stack (Ollama, Open WebUI). One root goes
 * through the whole life: install (with no network), verify the unit, run
 * the installed gateway as an unprivileged user, upgrade, uninstall, purge.
 */
import { readdirSync } from "node:fs";
import { chown, lstat, readdir, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient } from "./helpers/accounts";
import { freePort, projectRoot } from "./helpers/gatehouse-process";
import {
  allowedSyscalls,
  digestTree,
  listTree,
  makeInstallRoot,
  neighbourDigests,
  parseEnvFile,
  run,
  processesUnder,
  runScript,
  startInstalled,
  socketFamilies,
  syscallsInSummary,
  writeTargets,
  type InstalledGateway,
  type UnitStep,
} from "./helpers/install-root";
import { startSimulator } from "./helpers/simulator-process";

const nobody = 65534;
const unitSource = join(projectRoot, "scripts/systemd/gatehouse.service");
const devOnly = ["vitest", "wrangler", "typescript", "tsx", "esbuild", "node", "@cloudflare/vitest-plugin", "playwright-core", "drizzle-kit", "miniflare"];
const haveCommand = (name: string) => ["/usr/bin", "/bin", "/usr/sbin", "/sbin"].some((dir) => readdirSync(dir).includes(name));

describe("install.sh / uninstall.sh into a temporary root", { timeout: 240_000 }, () => {
  let simulator: OllamaSimulator;
  let root: string;
  let treeBefore: string[];
  let neighboursBefore: Record<string, string>;
  let firstInstall: Awaited<ReturnType<typeof runScript>>;
  let envText: string;
  let env: Record<string, string>;
  let gateway: InstalledGateway | undefined;
  const adminPassword = "the-installed-admins-password";
  let apiKey = "";

  beforeAll(async () => {
    simulator = await startSimulator();
    root = await makeInstallRoot();
    treeBefore = await listTree(root);
    neighboursBefore = await neighbourDigests(root);
    // No network at all: the install must need none (unshare -n: a namespace with only a down loopback).
    firstInstall = await runScript("install.sh", ["--root", root, "--no-start", "--ollama", `127.0.0.1:${simulator.port}`], ["unshare", "-n"]);
    envText = await readFile(join(root, "etc/gatehouse/gatehouse.env"), "utf8").catch(() => "");
    env = parseEnvFile(envText);
  }, 240_000);

  afterAll(async () => {
    await gateway?.stop();
    await simulator?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** The installed gateway on a free loopback port, as nobody, with the env file's settings. */
  async function startFromRoot(extra: { wrapper?: (step: UnitStep) => string[]; host?: string } = {}): Promise<InstalledGateway> {
    const dataDir = join(root, "var/lib/gatehouse");
    // What install does with chown on a real system, for the user the test runs it as.
    await chownTree(dataDir, nobody);
    return startInstalled(
      root,
      { ...env, GATEHOUSE_HOST: extra.host ?? "127.0.0.1", GATEHOUSE_PORT: String(await freePort()), GATEHOUSE_DATA: dataDir, GATEHOUSE_PBKDF2_ITERATIONS: "1000" },
      { uid: nobody, gid: nobody, ...(extra.wrapper ? { wrapper: extra.wrapper } : {}) },
    );
  }

  test("installs without network, printing the first admin password once", () => {
    expect(firstInstall.code, firstInstall.stdout + firstInstall.stderr).toBe(0);
    const password = env.GATEHOUSE_ADMIN_PASSWORD!;
    expect(firstInstall.stdout.split(password).length - 1).toBe(1);
    expect(firstInstall.stdout + firstInstall.stderr).not.toContain(env.GATEHOUSE_SESSION_SECRET!);
    // In a namespace without network nothing listens: the check says so and carries on.
    expect(firstInstall.stdout).toContain(`nothing listens on port ${simulator.port} yet`);
    expect(firstInstall.stdout).toContain("--root given: the gatehouse user is not created");
  });

  test("puts its own Node 22, the built app and production dependencies only under opt/gatehouse", async () => {
    const opt = join(root, "opt/gatehouse");
    const node = await run([join(opt, "bin/node"), "--version"]);
    expect(node.stdout.trim()).toMatch(/^v22\.(1[2-9]|[2-9]\d)\./);
    for (const file of ["app/dist/serve.mjs", "app/dist/service.mjs", "app/dist/cli.mjs", "app/dist/worker.js", "app/dist/workerd/d1-database.js", "app/dist/workerd/d1-binding.js", "app/dist/workerd/console-assets.js", "app/package.json", "app/public/index.html", "bin/gatehouse", "VERSION"]) {
      expect((await stat(join(opt, file))).isFile(), file).toBe(true);
    }
    // The admin CLI runs from the installed tree with its own Node (bin/gatehouse wraps exactly this).
    expect(await readFile(join(opt, "bin/gatehouse"), "utf8")).toContain("/opt/gatehouse/bin/node /opt/gatehouse/app/dist/cli.mjs");
    const cli = await run([join(opt, "bin/node"), join(opt, "app/dist/cli.mjs"), "help"]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain("users list");
    expect(await readdir(join(opt, "app/migrations"))).toEqual((await readdir(join(projectRoot, "migrations"))).sort());
    const modules = join(opt, "app/node_modules");
    for (const runtime of ["workerd", "hono", "zod"]) expect((await stat(join(modules, runtime))).isDirectory(), runtime).toBe(true);
    // bin/workerd is the workerd package's binary, and runs.
    expect(await readlink(join(opt, "bin/workerd"))).toMatch(/^\.\.\/app\/node_modules\/.*\/bin\/workerd$/);
    expect((await run([join(opt, "bin/workerd"), "--version"])).stdout).toMatch(/^workerd \d{4}-\d{2}-\d{2}/);
    for (const dev of devOnly) await expect(stat(join(modules, dev)), dev).rejects.toThrow(/ENOENT/);
    // Nothing left of the staging.
    expect((await readdir(join(root, "opt"))).filter((name) => name.startsWith(".gatehouse"))).toEqual([]);
    // Not writable by anyone but its owner.
    expect((await stat(opt)).mode & 0o022).toBe(0);
  });

  test("writes the configuration 0600 with a generated secret and password, and the data dir 0700", async () => {
    const envPath = join(root, "etc/gatehouse/gatehouse.env");
    expect((await stat(envPath)).mode & 0o777).toBe(0o600);
    expect((await stat(join(root, "etc/gatehouse"))).mode & 0o077).toBe(0);
    expect(env.GATEHOUSE_SESSION_SECRET).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(env.GATEHOUSE_ADMIN_PASSWORD).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(env).toMatchObject({ GATEHOUSE_DATA: "/var/lib/gatehouse", GATEHOUSE_OLLAMA: `127.0.0.1:${simulator.port}`, GATEHOUSE_PORT: "7000" });
    expect((await stat(join(root, "var/lib/gatehouse"))).mode & 0o777).toBe(0o700);
  });

  test("writes the hardened unit, which systemd-analyze verify accepts", async () => {
    const unit = await readFile(join(root, "etc/systemd/system/gatehouse.service"), "utf8");
    expect(unit).toBe(await readFile(unitSource, "utf8"));
    for (const line of [
      "User=gatehouse",
      "EnvironmentFile=/etc/gatehouse/gatehouse.env",
      "ExecStartPre=/opt/gatehouse/bin/node --disable-warning=ExperimentalWarning /opt/gatehouse/app/dist/service.mjs prepare /run/gatehouse/gatehouse.capnp",
      "ExecStart=/opt/gatehouse/bin/workerd serve /run/gatehouse/gatehouse.capnp",
      "ExecStartPost=/opt/gatehouse/bin/node /opt/gatehouse/app/dist/service.mjs ready",
      "ExecStopPost=-/opt/gatehouse/bin/node --disable-warning=ExperimentalWarning /opt/gatehouse/app/dist/service.mjs checkpoint",
      "RuntimeDirectory=gatehouse",
      "RuntimeDirectoryMode=0700",
      "Restart=on-failure",
      "UMask=0077",
      "MemoryMax=2G",
      "TasksMax=256",
      "IPAddressDeny=any",
      "NoNewPrivileges=yes",
      "ProtectSystem=strict",
      "ProtectHome=yes",
      "PrivateTmp=yes",
      "ReadWritePaths=/var/lib/gatehouse",
      "TimeoutStopSec=15s",
    ]) {
      expect(unit.split("\n"), line).toContain(line);
    }
    expect(unit).not.toMatch(/^MemoryDenyWriteExecute=/m);
    expect(unit.match(/^ReadWritePaths=.*$/gm)).toEqual(["ReadWritePaths=/var/lib/gatehouse"]);

    // --root resolves ExecStart= (and the rest) inside the temporary root: the installed node must be there and executable.
    const verified = await run(["systemd-analyze", "verify", `--root=${root}`, "gatehouse.service"]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stderr.trim()).toBe("");

    // The same check does fail on a broken unit: a misspelt directive and a missing binary.
    expect(unit).toMatch(/^IPAddressAllow=localhost /m);
    const broken = unit.replace("NoNewPrivileges=yes", "NoNewPrivileges=maybe").replace("/opt/gatehouse/bin/workerd", "/opt/gatehouse/bin/workerdd");
    await writeFile(join(root, "etc/systemd/system/gatehouse-broken.service"), broken);
    const refused = await run(["systemd-analyze", "verify", `--root=${root}`, "gatehouse-broken.service"]);
    await rm(join(root, "etc/systemd/system/gatehouse-broken.service"));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/Failed to parse boolean value/);
    expect(refused.stderr).toMatch(/bin\/workerdd is not executable/);
  });

  test("systemd-analyze security rates the unit's exposure low", async () => {
    const security = await run(["systemd-analyze", "security", "--offline=yes", `--root=${root}`, "gatehouse.service"]);
    const score = /Overall exposure level for gatehouse\.service: ([\d.]+)/.exec(security.stdout);
    expect(score, security.stdout + security.stderr).not.toBeNull();
    console.log(`systemd-analyze security: exposure ${score![1]} (0 = fully locked down, 10 = unprotected)`);
    expect(Number(score![1])).toBeLessThanOrEqual(2.5);
  });

  test("the installed gateway runs as the unit runs it, as an unprivileged user: workerd alone serves /health and /api/chat, no node left", async () => {
    const optBefore = await listTree(join(root, "opt"));
    gateway = await startFromRoot();
    try {
      // The process list once started: workerd from opt/gatehouse, and no node (prepare and the start probe exited).
      const running = await processesUnder(join(root, "opt/gatehouse"));
      expect(running.map(({ command }) => command)).toEqual([join(root, "opt/gatehouse/bin/workerd")]);
      expect(running[0]!.pid).toBe(gateway.child.pid);
      // The generated config is private to the service user.
      expect((await stat(join(gateway.runtimeDir, "gatehouse.capnp"))).mode & 0o777).toBe(0o600);
      // V8's young generation is capped (memory the models need; README "Performance"), and workerd started with it.
      expect(await readFile(join(gateway.runtimeDir, "gatehouse.capnp"), "utf8")).toMatch(/v8Flags = \[\s*"--max-semi-space-size=4"\s*\]/);
      // Every line it printed is one JSON object (workerd's own lines included).
      await servesAsInstalled(gateway);
      for (const line of gateway.output().split("\n").filter((text) => text.trim() !== "")) {
        expect(() => JSON.parse(line), line).not.toThrow();
      }
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
    const output = gateway.output();
    gateway = undefined;
    // ExecStopPost logged the chain's final head, after workerd had gone: the last line.
    const lines = output.trim().split("\n");
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ event: "audit_checkpoint", at: "shutdown", seq: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    for (const secret of [env.GATEHOUSE_ADMIN_PASSWORD!, env.GATEHOUSE_SESSION_SECRET!, adminPassword, apiKey]) expect(output).not.toContain(secret);
    // It wrote nothing under /opt, and its state is in the data dir.
    expect(await listTree(join(root, "opt"))).toEqual(optBefore);
    expect(await readdir(join(root, "var/lib/gatehouse"))).toEqual(expect.arrayContaining(["d1", "durable-objects"]));
  });

  async function servesAsInstalled(gateway: InstalledGateway): Promise<void> {
    const health = await fetch(`${gateway.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", upstream: { ollama: "up" } });

    // The first admin signs in with the generated password and must change it.
    const admin = new AdminClient(gateway.url);
    const first = await admin.login(env.GATEHOUSE_ADMIN_PASSWORD!);
    expect(first.status).toBe(200);
    expect(((await first.json()) as { user: { mustChangePassword: boolean } }).user.mustChangePassword).toBe(true);
    const changed = await admin.call("POST", "/auth/password", { currentPassword: env.GATEHOUSE_ADMIN_PASSWORD, newPassword: adminPassword });
    expect(changed.status).toBe(204);
    expect((await admin.login(adminPassword)).status).toBe(200);
    apiKey = (await admin.userWithKey("installed-pipeline")).secret;

    const chat = await fetch(`${gateway.url}/api/chat`, {
      method: "POST",
      headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model: "llama3.2:latest", messages: [{ role: "user", content: "hello from the install test" }], stream: false }),
    });
    expect(chat.status).toBe(200);
    expect(((await chat.json()) as { message: { content: string } }).message.content).toContain("hello from the install test");

    const anonymous = await fetch(`${gateway.url}/api/chat`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ model: "llama3.2:latest", messages: [] }),
    });
    expect(anonymous.status).toBe(401);
    // Ollama-native routes answer in Ollama's error shape (API.md "Errors").
    expect(await anonymous.json()).toMatchObject({ error: expect.any(String), code: "unauthenticated" });
  }

  test("under strace, the installed gateway stays inside the unit's sandbox: system calls, socket families, writes", async () => {
    expect(haveCommand("strace"), "strace is needed (.ci/run installs it)").toBe(true);
    const dataDir = join(root, "var/lib/gatehouse");
    // Written by strace, which runs as nobody too; removed before the data dir is compared.
    const tracePath = join(dataDir, "strace.txt");
    // Listening on every address, as the installed env file says (Miniflare then lists the interfaces).
    const traced = await startFromRoot({ wrapper: (step) => ["strace", "-f", "-qq", "-C", "-o", `${tracePath}.${step}`], host: "0.0.0.0" });
    try {
      expect((await fetch(`${traced.url}/health`)).status).toBe(200);
      const chat = await fetch(`${traced.url}/api/chat`, {
        method: "POST",
        headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
        body: JSON.stringify({ model: "llama3.2:latest", messages: [{ role: "user", content: "traced" }] }),
      });
      expect(chat.status).toBe(200);
      await chat.text();
    } finally {
      expect(await traced.stop()).toBe(0);
    }
    // The four steps of the unit, each under the same sandbox.
    const traces: string[] = [];
    for (const step of ["prepare", "workerd", "ready", "checkpoint"] as const) {
      traces.push(await readFile(`${tracePath}.${step}`, "utf8"));
      await rm(`${tracePath}.${step}`);
    }
    const trace = traces.join("\n");
    const unit = await readFile(unitSource, "utf8");

    // SystemCallFilter=: every call made is allowed (a refused one would fail with EPERM).
    const used = [...new Set(traces.flatMap((one) => syscallsInSummary(one)))];
    expect(used.length).toBeGreaterThan(30);
    const allowed = await allowedSyscalls(unit);
    expect(allowed.has("mprotect") && !allowed.has("setrlimit")).toBe(true);
    expect(used.filter((name) => !allowed.has(name))).toEqual([]);

    // RestrictAddressFamilies=: only the families it lists.
    const families = socketFamilies(trace);
    const permitted = /^RestrictAddressFamilies=(.*)$/m.exec(unit)![1]!.split(/\s+/);
    expect(families).toContain("AF_INET");
    expect(families.filter((family) => !permitted.includes(family))).toEqual([]);

    // ProtectSystem=strict + ReadWritePaths=/var/lib/gatehouse + PrivateTmp=yes: writes only there, in /tmp, or to devices.
    const writes = [...new Set(traces.flatMap((one) => writeTargets(one, dataDir)))];
    // The parse sees the database writes (workerd makes them relative to directory fds).
    expect(writes.filter((path) => path.startsWith(join(dataDir, "d1/")) && path.endsWith(".sqlite-wal")).length).toBeGreaterThan(0);
    const outside = writes.filter(
      (path) => !(path === dataDir || path.startsWith(`${dataDir}/`) || (path.startsWith("/tmp/") && !path.startsWith(`${root}/`)) || path.startsWith("/dev/")),
    );
    expect(outside).toEqual([]);
    console.log(
      `strace: prepare (node), workerd, the start probe and the stop checkpoint (node) made ${used.length} distinct system calls, used ${families.join(", ")}, wrote ${writes.length} paths, all within the unit's limits`,
    );
  });

  test("re-running install upgrades /opt/gatehouse in place and keeps the configuration and the data", async () => {
    const envBefore = await readFile(join(root, "etc/gatehouse/gatehouse.env"));
    const dataBefore = await digestTree(join(root, "var/lib/gatehouse"));
    const optInode = (await stat(join(root, "opt/gatehouse"))).ino;
    await writeFile(join(root, "opt/gatehouse/left-by-the-old-version"), "x");

    const again = await runScript("install.sh", ["--root", root, "--no-start"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain("keeping");
    expect(again.stdout).toMatch(/upgraded .*opt\/gatehouse \(was: gatehouse 0\.1\.0/);
    expect(again.stdout).not.toContain(env.GATEHOUSE_ADMIN_PASSWORD!);
    expect(again.stdout).not.toContain("one-time password");

    expect(await readFile(join(root, "etc/gatehouse/gatehouse.env"))).toEqual(envBefore);
    expect((await stat(join(root, "etc/gatehouse/gatehouse.env"))).mode & 0o777).toBe(0o600);
    expect(await digestTree(join(root, "var/lib/gatehouse"))).toEqual(dataBefore);
    expect((await stat(join(root, "opt/gatehouse"))).ino).not.toBe(optInode);
    await expect(lstat(join(root, "opt/gatehouse/left-by-the-old-version"))).rejects.toThrow(/ENOENT/);
    expect((await readdir(join(root, "opt"))).filter((name) => name.startsWith(".gatehouse"))).toEqual([]);

    // The upgraded gateway still knows the admin's changed password and the key.
    gateway = await startFromRoot();
    try {
      expect((await new AdminClient(gateway.url).login(adminPassword)).status).toBe(200);
      const chat = await fetch(`${gateway.url}/api/chat`, {
        method: "POST",
        headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
        body: JSON.stringify({ model: "llama3.2:latest", messages: [{ role: "user", content: "after the upgrade" }], stream: false }),
      });
      expect(chat.status).toBe(200);
    } finally {
      expect(await gateway.stop()).toBe(0);
      gateway = undefined;
    }
  });

  test("uninstall removes the unit and opt/gatehouse, keeps data and configuration, and leaves Ollama and Open WebUI alone", async () => {
    const envBefore = await readFile(join(root, "etc/gatehouse/gatehouse.env"));
    const removed = await runScript("uninstall.sh", ["--root", root]);
    expect(removed.code, removed.stdout + removed.stderr).toBe(0);
    expect(removed.stdout).toContain("--purge deletes them");

    const kept = (path: string) => path.startsWith("etc/gatehouse/") || path.startsWith("var/lib/gatehouse/");
    const after = await listTree(root);
    expect(after.filter((path) => !kept(path))).toEqual(treeBefore);
    expect(after).toEqual(expect.arrayContaining(["etc/gatehouse/gatehouse.env", "var/lib/gatehouse/d1/"]));
    expect(await readFile(join(root, "etc/gatehouse/gatehouse.env"))).toEqual(envBefore);
    expect(await neighbourDigests(root)).toEqual(neighboursBefore);
  });

  test("installing again after an uninstall picks up the kept configuration and data", async () => {
    const envBefore = await readFile(join(root, "etc/gatehouse/gatehouse.env"));
    const again = await runScript("install.sh", ["--root", root, "--no-start"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain("installed");
    expect(again.stdout).toContain("GATEHOUSE_ADMIN_PASSWORD is the first admin's password if no admin exists yet");
    expect(again.stdout).not.toContain(env.GATEHOUSE_ADMIN_PASSWORD!);
    expect(await readFile(join(root, "etc/gatehouse/gatehouse.env"))).toEqual(envBefore);
    gateway = await startFromRoot();
    try {
      const chat = await fetch(`${gateway.url}/api/chat`, {
        method: "POST",
        headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
        body: JSON.stringify({ model: "llama3.2:latest", messages: [{ role: "user", content: "after a reinstall" }], stream: false }),
      });
      expect(chat.status).toBe(200);
    } finally {
      expect(await gateway.stop()).toBe(0);
      gateway = undefined;
    }
    expect((await runScript("uninstall.sh", ["--root", root])).code).toBe(0);
  });

  test("uninstall --purge removes the data and configuration too: the root is as it was before install", async () => {
    const purged = await runScript("uninstall.sh", ["--root", root, "--purge"]);
    expect(purged.code, purged.stdout + purged.stderr).toBe(0);
    expect(await listTree(root)).toEqual(treeBefore);
    expect(await neighbourDigests(root)).toEqual(neighboursBefore);
    expect(await readlink(join(root, "etc/systemd/system/multi-user.target.wants/ollama.service"))).toBe("../ollama.service");
    // Again: nothing left to do, still fine.
    expect((await runScript("uninstall.sh", ["--root", root, "--purge"])).code).toBe(0);
  });
});

describe("install.sh and uninstall.sh refuse bad arguments", () => {
  test.each([
    [["install.sh", "--bogus"], /unknown argument: --bogus/],
    [["install.sh", "--root"], /--root needs a directory/],
    [["install.sh", "--root="], /--root needs a directory/],
    [["install.sh", "--check-ollama", "--ollama", "11434"], /--ollama must be HOST:PORT/],
    [["install.sh", "--check-ollama", "--ollama", "127.0.0.1:11434; rm -rf /"], /--ollama must be HOST:PORT/],
    [["uninstall.sh", "--purge", "--everything"], /unknown argument: --everything/],
  ] as const)("%j exits 2 with the usage", async ([script, ...args], message) => {
    const result = await runScript(script, [...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain("usage:");
  });

  test("uninstall --root of a directory that does not exist fails without touching anything", async () => {
    const result = await runScript("uninstall.sh", ["--root", "/nonexistent/gatehouse-root", "--purge"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("no such directory");
  });

  test("both scripts are shellcheck-clean", async () => {
    expect(haveCommand("shellcheck"), "shellcheck is needed (.ci/run installs it)").toBe(true);
    const result = await run(["shellcheck", "scripts/install.sh", "scripts/uninstall.sh"]);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.code).toBe(0);
  });
});

describe("install.sh --check-ollama: Ollama must listen on loopback only", () => {
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  /** A listener standing in for Ollama on `host`, at a free port. */
  async function listenOn(host: string, ipv6Only = false): Promise<number> {
    const port = await freePort();
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ port, host, ipv6Only }, resolve);
    });
    return port;
  }

  const check = (port: number, host = "127.0.0.1") => runScript("install.sh", ["--check-ollama", "--ollama", `${host}:${port}`]);

  test("a listener on 127.0.0.1 passes", async () => {
    const port = await listenOn("127.0.0.1");
    const result = await check(port);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`port ${port} (Ollama) listens on loopback only (127.0.0.1)`);
    expect(result.stderr).toBe("");
  });

  test("a listener on 0.0.0.0 is reported, with how to fix it", async () => {
    const port = await listenOn("0.0.0.0");
    const result = await check(port);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`WARNING: port ${port} (Ollama) is reachable on 0.0.0.0 (every IPv4 address), not only on loopback`);
    expect(result.stderr).toContain("bypassing Gatehouse's keys, limits and audit");
    expect(result.stderr).toContain(`Environment="OLLAMA_HOST=127.0.0.1:${port}"`);
  });

  test("a listener on :: (every address, IPv6 and IPv4) is reported", async () => {
    const port = await listenOn("::");
    const result = await check(port);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`port ${port} (Ollama) is reachable on :: (every address)`);
  });

  test("a listener on ::1 passes", async () => {
    const port = await listenOn("::1", true);
    const result = await check(port);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("listens on loopback only (::1)");
  });

  const lanAddress = Object.values(networkInterfaces())
    .flat()
    .find((address) => address && address.family === "IPv4" && !address.internal)?.address;

  test.skipIf(!lanAddress)("a listener on this machine's LAN address is reported by that address", async () => {
    const port = await listenOn(lanAddress!);
    const result = await check(port);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`port ${port} (Ollama) is reachable on ${lanAddress}, not only on loopback`);
  });

  test("nothing listening is a note, not a failure", async () => {
    const port = await freePort();
    const result = await check(port);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`nothing listens on port ${port} yet`);
  });

  test("an upstream on another host is a note about firewalling it", async () => {
    const result = await check(11434, "10.20.30.40");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Gatehouse reaches Ollama at 10.20.30.40:11434, not on loopback");
  });
});

async function chownTree(dir: string, uid: number): Promise<void> {
  await chown(dir, uid, uid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(path, uid);
    else await chown(path, uid, uid);
  }
}

describe("reading an strace", () => {
  const trace = [
    '101  openat(AT_FDCWD, "/", O_RDONLY|O_CLOEXEC|O_DIRECTORY <unfinished ...>',
    '102  openat(AT_FDCWD, "/opt/gatehouse/app/dist/serve.mjs", O_RDONLY|O_CLOEXEC) = 9',
    "101  <... openat resumed>) = 7",
    '101  openat(7, "var/lib/gatehouse/d1", O_RDONLY|O_CLOEXEC|O_DIRECTORY) = 13',
    '101  openat(13, "db.sqlite", O_RDWR|O_CREAT|O_NOFOLLOW|O_CLOEXEC, 0644) = 17',
    '101  openat(7, "opt/gatehouse/app/x", O_WRONLY|O_CREAT|O_TRUNC, 0644) = -1 EACCES (Permission denied)',
    '102  mkdir("/tmp/miniflare-1/cache", 0777) = 0',
    '102  renameat2(AT_FDCWD, "tmp.json", 13, "final.json", RENAME_NOREPLACE) = 0',
    '102  unlinkat(42, "lost", 0) = 0',
    "101  socket(AF_INET6, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP) = 20",
    "101  socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0, [21, 22]) = 0",
    "% time     seconds  usecs/call     calls    errors syscall",
    "------ ----------- ----------- --------- --------- ----------------",
    " 80.61   12.357565        1779      6945       602 futex",
    "  0.01    0.000010           1        10           pkey_alloc",
    "------ ----------- ----------- --------- --------- ----------------",
    "100.00   12.400000                  6955       602 total",
  ].join("\n");

  test("finds every write, resolving directory fds (across an interrupted call) and the working directory", () => {
    expect(writeTargets(trace, "/var/lib/gatehouse")).toEqual([
      "/opt/gatehouse/app/x",
      "/tmp/miniflare-1/cache",
      "/var/lib/gatehouse/d1/db.sqlite",
      "/var/lib/gatehouse/d1/final.json",
      "/var/lib/gatehouse/tmp.json",
      "?/lost",
    ]);
  });

  test("follows a directory fd through fcntl(F_DUPFD_CLOEXEC) and dup, as workerd's disk services do", () => {
    const trace = [
      '7 openat(AT_FDCWD, "/", O_RDONLY|O_CLOEXEC|O_DIRECTORY) = 9',
      '7 openat(9, "var/lib/gatehouse/d1", O_RDONLY|O_CLOEXEC|O_DIRECTORY) = 38',
      "7 fcntl(38, F_DUPFD_CLOEXEC, 3)     = 37",
      '7 openat(37, "db.sqlite-wal", O_RDWR|O_CREAT|O_CLOEXEC, 0644) = 40',
      "7 dup(37)                           = 41",
      '7 unlinkat(41, "db.sqlite-journal", 0) = 0',
    ].join("\n");
    expect(writeTargets(trace, "/var/lib/gatehouse")).toEqual(["/var/lib/gatehouse/d1/db.sqlite-journal", "/var/lib/gatehouse/d1/db.sqlite-wal"]);
  });

  test("lists the socket families and the summary's system calls", () => {
    expect(socketFamilies(trace)).toEqual(["AF_INET6", "AF_UNIX"]);
    expect(syscallsInSummary(trace)).toEqual(["futex", "pkey_alloc"]);
  });
});
