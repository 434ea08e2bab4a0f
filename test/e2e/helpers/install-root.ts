/**
 * For test/e2e/install.test.ts: a temporary install root that looks like an
 * inference box (Ollama and Open WebUI already there), the install scripts
 * run as child processes, and the installed gateway started from that root
 * the way its unit starts it (workerd, with Node only before and at start).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, chown, cp, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { descendants } from "../../../scripts/lib/process-tree";
import { projectRoot } from "./gatehouse-process";

export interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (asynchronously: the test process keeps serving the simulator). */
export function run(argv: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd ?? projectRoot, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

export function runScript(script: "install.sh" | "uninstall.sh", args: string[], wrapper: string[] = []): Promise<ScriptResult> {
  return run([...wrapper, "bash", join(projectRoot, "scripts", script), ...args]);
}

/** Files that belong to the inference stack: install and uninstall must leave them exactly as they are. */
export const neighbourFiles: Record<string, string> = {
  "etc/systemd/system/ollama.service": "[Service]\nExecStart=/usr/local/bin/ollama serve\nEnvironment=OLLAMA_HOST=127.0.0.1:11434\n",
  "etc/systemd/system/open-webui.service": "[Service]\nExecStart=/opt/open-webui/bin/open-webui serve\n",
  "usr/share/ollama/.ollama/models/manifests/registry.ollama.ai/library/llama3.2/latest": '{"layers":[]}\n',
  "opt/open-webui/app.py": "print('open webui')\n",
  "var/lib/open-webui/webui.db": "SQLite format 3\0 (a stand-in)\n",
  "etc/ollama/ollama.env": "OLLAMA_HOST=127.0.0.1:11434\n",
};

/**
 * A temporary root with the neighbours in place, and systemd's own units
 * (sysinit.target and friends) so `systemd-analyze verify --root` can load
 * the dependency chain. Traversable by other users: the gateway runs as nobody.
 */
export async function makeInstallRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "gatehouse-install-"));
  await chmod(root, 0o755);
  for (const [path, content] of Object.entries(neighbourFiles)) {
    await mkdir(join(root, path, ".."), { recursive: true });
    await writeFile(join(root, path), content);
  }
  // Ollama enabled the way systemctl does it.
  await mkdir(join(root, "etc/systemd/system/multi-user.target.wants"), { recursive: true });
  await symlink("../ollama.service", join(root, "etc/systemd/system/multi-user.target.wants/ollama.service"));
  await mkdir(join(root, "var/lib"), { recursive: true });
  await mkdir(join(root, "usr/lib/systemd"), { recursive: true });
  await cp("/usr/lib/systemd/system", join(root, "usr/lib/systemd/system"), { recursive: true, verbatimSymlinks: true });
  return root;
}

/** Every path under `root` (files, directories, links), sorted, relative; directories end in "/". */
export async function listTree(root: string, under = ""): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(join(root, under), { withFileTypes: true })) {
    const path = under ? `${under}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      found.push(`${path}/`);
      found.push(...(await listTree(root, path)));
    } else {
      found.push(path);
    }
  }
  return found.sort();
}

/** SHA-256 of every regular file under `dir` (relative path → digest). */
export async function digestTree(dir: string): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  for (const path of await listTree(dir)) {
    if (path.endsWith("/")) continue;
    if (!(await lstat(join(dir, path))).isFile()) continue;
    digests[path] = createHash("sha256").update(await readFile(join(dir, path))).digest("hex");
  }
  return digests;
}

export async function neighbourDigests(root: string): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  for (const path of Object.keys(neighbourFiles)) {
    digests[path] = createHash("sha256").update(await readFile(join(root, path))).digest("hex");
  }
  return digests;
}

/** KEY=value lines of an EnvironmentFile (comments and blank lines skipped). */
export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^\s*([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match) values[match[1]!] = match[2]!;
  }
  return values;
}

/**
 * The syscalls a unit's SystemCallFilter= lines allow: the union of the
 * allow-list lines minus the `~` deny lines, groups expanded by
 * systemd-analyze itself.
 */
export async function allowedSyscalls(unitText: string): Promise<Set<string>> {
  const allowed = new Set<string>();
  const denied = new Set<string>();
  for (const line of unitText.split("\n")) {
    const match = /^SystemCallFilter=(~?)(.*)$/.exec(line.trim());
    if (!match) continue;
    const target = match[1] ? denied : allowed;
    for (const item of match[2]!.split(/\s+/).filter(Boolean)) {
      for (const name of await expandSyscallGroup(item)) target.add(name);
    }
  }
  for (const name of denied) allowed.delete(name);
  return allowed;
}

async function expandSyscallGroup(item: string): Promise<string[]> {
  if (!item.startsWith("@")) return [item];
  const result = await run(["systemd-analyze", "syscall-filter", item]);
  if (result.code !== 0) throw new Error(`systemd-analyze syscall-filter ${item}: ${result.stderr}`);
  const names: string[] = [];
  for (const line of result.stdout.split("\n").slice(1)) {
    const name = line.trim();
    if (!name || name.startsWith("#")) continue;
    names.push(...(await expandSyscallGroup(name)));
  }
  return names;
}

/** The syscall names of the summary `strace -c` / `-C` appends (the table after its "% time" header). */
export function syscallsInSummary(trace: string): string[] {
  const lines = trace.split("\n");
  const header = lines.findIndex((line) => line.trimStart().startsWith("% time"));
  if (header < 0) throw new Error("no strace summary in the trace");
  return lines
    .slice(header + 1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 5 && /^\d/.test(fields[0]!) && fields.at(-1) !== "total")
    .map((fields) => fields.at(-1)!);
}

/** The address families of every socket() a `strace -f` trace shows. */
export function socketFamilies(trace: string): string[] {
  return [...new Set([...trace.matchAll(/\bsocket(?:pair)?\((AF_[A-Z0-9]+)/g)].map((match) => match[1]!))].sort();
}

const pathChanging = /^\d+\s+(mkdir|unlink|rmdir|rename|link|symlink|chmod|chown|lchown|truncate|mknod)(at2?)?\((.*)$/;
const duplicating = /^\d+\s+(?:fcntl\((\d+), F_DUPFD(?:_CLOEXEC)?, \d+\)|dup\((\d+)\))\s+= (\d+)$/;
const opening = /^\d+\s+(openat|open|creat)\((?:(AT_FDCWD|-?\d+), )?"([^"]*)"(?:, ([A-Z0-9_|]+))?[^=]*(?:= (-?\d+))?/;

/**
 * Every path a `strace -f` trace shows being opened for writing, created,
 * renamed, removed or re-permissioned (what ProtectSystem=strict refuses
 * outside ReadWritePaths and /tmp), made absolute: relative to `cwd`, or to
 * the directory a dirfd was opened on (workerd opens "/" and works from there).
 * A dirfd the trace never showed being opened gives "?/<path>".
 */
export function writeTargets(trace: string, cwd: string): string[] {
  const directories = new Map<string, string>();
  const targets: string[] = [];
  const resolve = (dirfd: string | undefined, path: string): string => {
    if (path.startsWith("/")) return path;
    const base = dirfd === undefined || dirfd === "AT_FDCWD" ? cwd : directories.get(dirfd);
    return base === undefined ? `?/${path}` : `${base.replace(/\/$/, "")}/${path}`.replace(/\/\.$/, "");
  };
  for (const line of joinResumed(trace)) {
    // A duplicated directory fd (workerd's disk services dup theirs) names the same directory.
    const duplicated = duplicating.exec(line);
    if (duplicated) {
      const [, viaFcntl, viaDup, to] = duplicated;
      const known = directories.get((viaFcntl ?? viaDup)!);
      if (known !== undefined) directories.set(to!, known);
      continue;
    }
    const open = opening.exec(line);
    if (open) {
      const [, syscall, dirfd, path, flags = "", result] = open;
      if (syscall === "creat" || /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/.test(flags)) targets.push(resolve(dirfd, path!));
      if (flags.includes("O_DIRECTORY") && result !== undefined && Number(result) >= 0) directories.set(result, resolve(dirfd, path!));
      continue;
    }
    const change = pathChanging.exec(line);
    if (!change) continue;
    const [, , at, args] = change;
    if (at) {
      for (const pair of args!.matchAll(/(AT_FDCWD|-?\d+), "([^"]*)"/g)) targets.push(resolve(pair[1], pair[2]!));
    } else {
      for (const quoted of args!.matchAll(/"([^"]*)"/g)) targets.push(resolve(undefined, quoted[1]!));
    }
  }
  return [...new Set(targets)].sort();
}

export interface InstalledGateway {
  url: string;
  /** workerd itself: what ExecStart= runs. */
  child: ChildProcess;
  output(): string;
  /** The runtime directory (RuntimeDirectory=) holding the generated config. */
  runtimeDir: string;
  /** SIGTERM and wait, then ExecStopPost; workerd's exit code. */
  stop(): Promise<number | null>;
}

/** The steps of the unit: ExecStartPre, ExecStart, ExecStartPost, ExecStopPost. */
export type UnitStep = "prepare" | "workerd" | "ready" | "checkpoint";

export interface StartInstalledOptions {
  uid?: number;
  gid?: number;
  /** An argv prefix for each step (strace), given the step. */
  wrapper?: (step: UnitStep) => string[];
  timeoutMs?: number;
}

/**
 * Starts the installed gateway the way its unit does, with the unit's own
 * commands rooted at `root` (no npm, no node_modules/.bin on PATH), from the
 * data dir, as `uid`/`gid`: ExecStartPre (`node service.mjs prepare`), then
 * ExecStart (workerd on the config prepare wrote), then ExecStartPost
 * (`node service.mjs ready`), which returns once /health says ready. Only
 * workerd is left running. stop() signals workerd, then runs ExecStopPost
 * (`node service.mjs checkpoint`) once it has exited.
 */
export async function startInstalled(root: string, env: Record<string, string>, options: StartInstalledOptions = {}): Promise<InstalledGateway> {
  const opt = join(root, "opt/gatehouse");
  const runtimeDir = await mkdtemp(join(tmpdir(), "gatehouse-run-"));
  if (options.uid !== undefined) await chown(runtimeDir, options.uid, options.gid ?? options.uid);
  const config = join(runtimeDir, "gatehouse.capnp");
  const identity = { ...(options.uid !== undefined ? { uid: options.uid } : {}), ...(options.gid !== undefined ? { gid: options.gid } : {}) };
  const spawnStep = (step: UnitStep, argv: string[]): ChildProcess => {
    const full = [...(options.wrapper?.(step) ?? []), ...argv];
    return spawn(full[0]!, full.slice(1), { cwd: env.GATEHOUSE_DATA, env: { PATH: "/usr/bin:/bin", ...env }, stdio: ["ignore", "pipe", "pipe"], ...identity });
  };
  let output = "";
  const collect = (child: ChildProcess) => {
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    return new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  };
  const prepared = await collect(spawnStep("prepare", [join(opt, "bin/node"), "--disable-warning=ExperimentalWarning", join(opt, "app/dist/service.mjs"), "prepare", config]));
  if (prepared !== 0) throw new Error(`ExecStartPre failed (${prepared}):\n${output}`);
  const child = spawnStep("workerd", [join(opt, "bin/workerd"), "serve", config]);
  const exited = collect(child);
  const ready = spawnStep("ready", [join(opt, "bin/node"), join(opt, "app/dist/service.mjs"), "ready"]);
  const readyTimer = setTimeout(() => ready.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  const readyCode = await collect(ready);
  clearTimeout(readyTimer);
  if (readyCode !== 0) {
    child.kill("SIGKILL");
    throw new Error(`ExecStartPost did not see the gateway ready (${readyCode}):\n${output}`);
  }
  return {
    url: `http://127.0.0.1:${env.GATEHOUSE_PORT}`,
    child,
    runtimeDir,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        // Under strace, the signal goes to workerd itself, as systemd's KillSignal= does.
        const workerd = options.wrapper ? (await descendants(child.pid!)).find(({ command }) => command.endsWith("/workerd")) : undefined;
        if (workerd) process.kill(workerd.pid, "SIGTERM");
        else child.kill("SIGTERM");
      }
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const code = await exited;
      clearTimeout(timer);
      const stopPost = await collect(spawnStep("checkpoint", [join(opt, "bin/node"), "--disable-warning=ExperimentalWarning", join(opt, "app/dist/service.mjs"), "checkpoint"]));
      if (stopPost !== 0) throw new Error(`ExecStopPost failed (${stopPost}):\n${output}`);
      await rm(runtimeDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Every live process whose command line runs something from under `dir` (pid and its argv[0]). */
export async function processesUnder(dir: string): Promise<{ pid: number; command: string }[]> {
  const found: { pid: number; command: string }[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "")).split("\0").filter(Boolean);
    if (argv.some((arg) => arg.startsWith(`${dir}/`))) found.push({ pid: Number(entry), command: argv[0]! });
  }
  return found;
}

/** strace -f splits a call another thread interrupted into "<unfinished ...>" and "<... resumed>" lines; joined here, in the order the calls completed. */
function joinResumed(trace: string): string[] {
  const pending = new Map<string, string>();
  const lines: string[] = [];
  for (const line of trace.split("\n")) {
    const tid = /^(\d+)\s/.exec(line)?.[1];
    if (tid && line.endsWith(" <unfinished ...>")) {
      pending.set(tid, line.slice(0, -" <unfinished ...>".length));
      continue;
    }
    const resumed = tid ? /^\d+\s+<\.\.\. \w+ resumed>(.*)$/.exec(line) : null;
    if (tid && resumed) {
      const start = pending.get(tid);
      pending.delete(tid);
      if (start !== undefined) lines.push(start + resumed[1]);
      continue;
    }
    lines.push(line);
  }
  return lines;
}
