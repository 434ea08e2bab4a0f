import { spawn } from "node:child_process";

/**
 * BENCH_STRACE=1: workerd's system calls per governed request, from
 * `strace -c -f -p <workerd>` attached while `run` sends requests (strace
 * slows what it watches: counts only, never timings). fsync/fdatasync are the
 * commits of SQLite (D1's database object and the Durable Objects' storage).
 */
export async function syscallsPerRequest(pid: number, run: () => Promise<{ requests: number }>): Promise<Record<string, number>> {
  const strace = spawn("strace", ["-c", "-f", "-p", String(pid)], { stdio: ["ignore", "ignore", "pipe"] });
  let table = "";
  strace.stderr.on("data", (chunk: Buffer) => (table += chunk.toString()));
  const exited = new Promise((resolve) => strace.once("exit", resolve));
  await new Promise((resolve) => setTimeout(resolve, 1000)); // attached to every thread
  const { requests } = await run();
  await new Promise((resolve) => setTimeout(resolve, 1500)); // the exchanges' way out (audit completion) ends after the answers
  strace.kill("SIGINT");
  await exited;
  const perRequest: Record<string, number> = {};
  for (const line of table.split("\n")) {
    // "% time  seconds  usecs/call  calls  errors  syscall"
    const fields = line.trim().split(/\s+/);
    const name = fields.at(-1);
    const calls = Number(fields[3]); // with or without an errors column, calls is the fourth
    if (!name || !/^[a-z_0-9]+$/.test(name) || !Number.isFinite(calls) || name === "total") continue;
    perRequest[name] = Math.round((100 * calls) / Math.max(1, requests)) / 100;
  }
  return perRequest;
}
