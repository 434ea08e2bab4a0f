import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { descendants } from "../lib/process-tree";

/**
 * CPU time of the service's processes, read from /proc (utime + stime of
 * each live process), so the bench can say how much CPU one request costs:
 * the CPU spent over a run divided by the requests served in it.
 */

const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** `rootPid` and every live process below it. */
export async function serviceProcesses(rootPid: number): Promise<number[]> {
  return [rootPid, ...(await descendants(rootPid)).map(({ pid }) => pid)];
}

interface Used {
  user: number;
  system: number;
}

/** Seconds of CPU (user, system) each of these processes has used so far, all its threads; a gone one counts as 0. */
export async function cpuSeconds(pids: readonly number[]): Promise<Map<number, Used>> {
  const used = new Map<number, Used>();
  for (const pid of pids) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, "utf8");
      // Fields after the command's closing parenthesis: state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      used.set(pid, { user: Number(fields[11]) / ticksPerSecond, system: Number(fields[12]) / ticksPerSecond });
    } catch {
      used.set(pid, { user: 0, system: 0 });
    }
  }
  return used;
}

/**
 * Runs `work` and returns its result with the CPU milliseconds `pids` spent
 * meanwhile: all together, and those of `part` (e.g. workerd alone), the
 * latter also as its system share (the kernel's work: sockets, fsync, page writes).
 */
export async function cpuDuring<T>(pids: readonly number[], part: readonly number[], work: () => Promise<T>): Promise<{ result: T; cpuMs: number; partCpuMs: number; partSystemMs: number }> {
  const before = await cpuSeconds(pids);
  const result = await work();
  const after = await cpuSeconds(pids);
  const spent = (only: readonly number[], kind: keyof Used | "both") =>
    only.reduce((sum, pid) => {
      const [a, b] = [after.get(pid) ?? { user: 0, system: 0 }, before.get(pid) ?? { user: 0, system: 0 }];
      const delta = kind === "both" ? a.user + a.system - b.user - b.system : a[kind] - b[kind];
      return sum + Math.max(0, delta);
    }, 0) * 1000;
  return { result, cpuMs: spent(pids, "both"), partCpuMs: spent(part, "both"), partSystemMs: spent(part, "system") };
}
