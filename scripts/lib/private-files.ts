import { chmod, lstat, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";

/**
 * Makes everything under the data dir private to the service's user:
 * directories 0700, files 0600, the data dir itself included — whatever they
 * were (an operator-made GATEHOUSE_DATA with 0755, files an older version or a
 * restore left 0644). Symbolic links are left alone (chmod would follow them).
 * New files stay private because the service runs with umask 077 (npm start
 * sets it; the unit has UMask=0077). Returns the paths whose mode changed.
 */
export async function makePrivate(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const changed: string[] = [];
  const visit = async (path: string): Promise<void> => {
    const info = await lstat(path);
    if (info.isSymbolicLink()) return;
    const wanted = info.isDirectory() ? 0o700 : 0o600;
    if ((info.mode & 0o7777) !== wanted) {
      await chmod(path, wanted);
      changed.push(path);
    }
    if (info.isDirectory()) for (const entry of await readdir(path)) await visit(join(path, entry));
  };
  await visit(dir);
  return changed;
}
