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
