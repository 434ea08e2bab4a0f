import { ConfigError } from "../../src/config";
import { hashPassword, randomPassword } from "../../src/auth/passwords";
import { adminExists, insertUserIfFree } from "../../src/db/users";

/**
 * First start: when no admin exists yet, creates `admin` with
 * GATEHOUSE_ADMIN_PASSWORD, or with a random password printed once to the
 * console. Either way it must be changed at first sign-in; there is no
 * well-known default. Runs in Node (WebCrypto), against workerd's D1.
 */
export interface FirstAdminResult {
  created: boolean;
  /** Set only when the password was generated; printed once by the caller. */
  generatedPassword?: string;
}

export async function ensureFirstAdmin(db: D1Database, givenPassword: string | undefined, iterations: number): Promise<FirstAdminResult> {
  if (await adminExists(db)) return { created: false };
  if (givenPassword !== undefined && givenPassword.length < 12) {
    throw new ConfigError("GATEHOUSE_ADMIN_PASSWORD", "must be at least 12 characters");
  }
  const password = givenPassword ?? randomPassword();
  const passwordHash = await hashPassword(password, iterations);
  const user = await insertUserIfFree(db, {
    username: "admin",
    role: "admin",
    status: "active",
    passwordHash,
    mustChangePassword: true,
  });
  // A non-admin already called "admin" (possible only by hand): do not touch it.
  if (!user) throw new Error('a user named "admin" exists but is not an admin; create an admin with the CLI');
  return givenPassword === undefined ? { created: true, generatedPassword: password } : { created: true };
}

/** The console lines for a first start. The generated password is shown here and nowhere else. */
export function firstAdminMessage(result: FirstAdminResult): string | null {
  if (!result.created) return null;
  if (result.generatedPassword === undefined) {
    return "gatehouse: created the first admin account `admin` with GATEHOUSE_ADMIN_PASSWORD; change it at first sign-in";
  }
  return [
    "gatehouse: created the first admin account `admin` with this one-time password (shown only now):",
    `gatehouse:     ${result.generatedPassword}`,
    "gatehouse: sign in and change it; it will not be shown again",
  ].join("\n");
}
