import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Every file under a data dir (D1's SQLite file and its WAL, the Durable
 * Objects' storage, the session secret), read as latin1 text: a secret in
 * clear anywhere on disk shows up in it.
 */
export async function everythingOnDisk(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) parts.push((await readFile(join(entry.parentPath, entry.name))).toString("latin1"));
  }
  return parts.join("\n");
}
