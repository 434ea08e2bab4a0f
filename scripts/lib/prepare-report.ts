import { firstAdminMessage, type FirstAdminResult } from "./first-admin";
import { lifecycleLog } from "./lifecycle-log";
import type { Prepared } from "./prepare";

/** What the start preparation did, one line each. */
export function reportPrepared(prepared: Prepared): void {
  if (prepared.madePrivate.length > 0) {
    lifecycleLog("warn", `made ${prepared.madePrivate.length} paths in the data dir private (directories 0700, files 0600)`, { paths: prepared.madePrivate.slice(0, 20) });
  }
  lifecycleLog("info", "migrations applied", { migrations: prepared.migrations.count, latest: prepared.migrations.latest, applied: prepared.applied });
  const { file, declared, added, removed } = prepared.backends;
  if (file !== null || removed.length > 0) {
    lifecycleLog("info", `backends file: ${declared.length} declared, ${added.length} new, ${removed.length} removed`, { file, declared, added, removed });
  }
  if (prepared.interrupted > 0) {
    lifecycleLog("warn", `closed ${prepared.interrupted} audit records left open by the previous run as interrupted`, { interrupted: prepared.interrupted });
  }
}

/**
 * The first admin: a JSON event without the password; a generated password
 * is then shown once, as plain text lines, for the person at the terminal.
 */
export function reportFirstAdmin(result: FirstAdminResult): void {
  if (!result.created) return;
  const generated = result.generatedPassword !== undefined;
  const msg = generated
    ? "created the first admin account `admin` with a generated one-time password (printed below once, not logged)"
    : "created the first admin account `admin` with GATEHOUSE_ADMIN_PASSWORD; change it at first sign-in";
  lifecycleLog("warn", msg, { username: "admin", passwordSource: generated ? "generated" : "GATEHOUSE_ADMIN_PASSWORD" });
  if (generated) process.stdout.write(`${firstAdminMessage(result)}\n`);
}
