import { readFile } from "node:fs/promises";
import { descendants } from "../lib/process-tree";

/** The pid of the workerd serving a Gatehouse started as process `rootPid` (its descendant). */
export async function findWorkerd(rootPid: number): Promise<number | null> {
  return (await descendants(rootPid)).find((process) => process.command.endsWith("/workerd"))?.pid ?? null;
}

/** Resident set size of a process in MiB. */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? "0");
  return kib / 1024;
}

/** Samples a process's RSS every `everyMs` while `work` runs; returns the peak in MiB. */
export async function peakRssDuring<T>(pid: number, everyMs: number, work: () => Promise<T>): Promise<{ result: T; peakMiB: number; startMiB: number }> {
  return peakDuring(() => rssMiB(pid), everyMs, work);
}

/** Samples a measure (MiB) every `everyMs` while `work` runs; returns the first and the highest value. */
export async function peakDuring<T>(sample: () => Promise<number>, everyMs: number, work: () => Promise<T>): Promise<{ result: T; peakMiB: number; startMiB: number }> {
  const startMiB = await sample();
  let peakMiB = startMiB;
  const timer = setInterval(() => {
    sample().then((value) => (peakMiB = Math.max(peakMiB, value)), () => {});
  }, everyMs);
  try {
    const result = await work();
    peakMiB = Math.max(peakMiB, await sample());
    return { result, peakMiB, startMiB };
  } finally {
    clearInterval(timer);
  }
}

/**
 * The resident memory of the whole running service: the process started as
 * `rootPid` and every process below it (npm, Node, workerd, anything else),
 * each with its RSS and the sum. Shared pages are counted once per process,
 * as `ps` would: an upper bound, the honest one for "what does it cost".
 */
export async function serviceRss(rootPid: number): Promise<{ totalMiB: number; processes: { pid: number; command: string; rssMiB: number }[] }> {
  const tree = [{ pid: rootPid, command: "(root)" }, ...(await descendants(rootPid))];
  const processes: { pid: number; command: string; rssMiB: number }[] = [];
  for (const { pid, command } of tree) {
    const rss = await rssMiB(pid).catch(() => null);
    if (rss !== null) processes.push({ pid, command: command.split("/").pop() ?? command, rssMiB: Math.round(rss * 10) / 10 });
  }
  return { totalMiB: Math.round(processes.reduce((sum, p) => sum + p.rssMiB, 0) * 10) / 10, processes };
}
