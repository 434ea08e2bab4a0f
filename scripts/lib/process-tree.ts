import { readFile, readdir } from "node:fs/promises";

/** The live descendants of `rootPid` (children first), with their executable's path, read from /proc. */
export async function descendants(rootPid: number): Promise<{ pid: number; command: string }[]> {
  const children = new Map<number, number[]>();
  const commands = new Map<number, string>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      const [state, parent] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // A zombie has already exited; it only waits for its parent to reap it.
      if (state === "Z") continue;
      const ppid = Number(parent);
      const pid = Number(entry);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
      commands.set(pid, (await readFile(`/proc/${entry}/cmdline`, "utf8")).split("\0")[0] ?? "");
    } catch {
      // The process went away while we looked.
    }
  }
  const found: { pid: number; command: string }[] = [];
  const queue = [...(children.get(rootPid) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    found.push({ pid, command: commands.get(pid) ?? "" });
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}
