import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * The session-signing secret: given (GATEHOUSE_SESSION_SECRET) or generated
 * once into the data dir with mode 0600, so sessions survive a restart and
 * the secret never appears in a config file that is checked in.
 */
export async function sessionSecret(dataDir: string, given: string | undefined): Promise<string> {
  if (given) return given;
  const path = join(dataDir, "session-secret");
  try {
    const stored = (await readFile(path, "utf8")).trim();
    if (stored.length >= 32) return stored;
  } catch {
    // Not there yet: generate below.
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString("base64url");
  await writeFile(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}
