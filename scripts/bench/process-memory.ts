import { readFile, readdir } from "node:fs/promises";

/** The pid of the workerd serving a Gatehouse started as process `rootPid` (its descendant). */
export async function findWorkerd(rootPid: number): Promise<number | null> {
  const children = new Map<number, number[]>();
  const commands = new Map<number, string>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const pid = Number(entry);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
      commands.set(pid, (await readFile(`/proc/${entry}/cmdline`, "utf8")).split("\0")[0] ?? "");
    } catch {
      // The process went away while we looked.
    }
  }
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if ((commands.get(pid) ?? "").endsWith("/workerd")) return pid;
    queue.push(...(children.get(pid) ?? []));
  }
  return null;
}

/** Resident set size of a process in MiB. */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? "0");
  return kib / 1024;
}

/** Samples a process's RSS every `everyMs` while `work` runs; returns the peak in MiB. */
export async function peakRssDuring<T>(pid: number, everyMs: number, work: () => Promise<T>): Promise<{ result: T; peakMiB: number; startMiB: number }> {
  const startMiB = await rssMiB(pid);
  let peakMiB = startMiB;
  const timer = setInterval(() => {
    rssMiB(pid).then((value) => (peakMiB = Math.max(peakMiB, value)), () => {});
  }, everyMs);
  try {
    const result = await work();
    peakMiB = Math.max(peakMiB, await rssMiB(pid));
    return { result, peakMiB, startMiB };
  } finally {
    clearInterval(timer);
  }
}
