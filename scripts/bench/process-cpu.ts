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

/** Seconds of CPU (user + system) these processes have used so far; gone ones count as 0. */
export async function cpuSeconds(pids: readonly number[]): Promise<number> {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, "utf8");
      // Fields after the command's closing parenthesis: state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process went away.
    }
  }
  return ticks / ticksPerSecond;
}

/** Runs `work` and returns its result with the CPU milliseconds `pids` spent meanwhile. */
export async function cpuDuring<T>(pids: readonly number[], work: () => Promise<T>): Promise<{ result: T; cpuMs: number }> {
  const before = await cpuSeconds(pids);
  const result = await work();
  return { result, cpuMs: ((await cpuSeconds(pids)) - before) * 1000 };
}
