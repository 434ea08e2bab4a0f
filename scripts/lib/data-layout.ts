import { createHash, createHmac } from "node:crypto";
import { join } from "node:path";

/**
 * Where Gatehouse keeps its state under GATEHOUSE_DATA. The layout is the one
 * Miniflare 4 wrote (earlier versions served through it), kept so existing
 * data dirs, `gatehouse backup`/`restore` and the CLI work unchanged:
 *
 *   d1/miniflare-D1DatabaseObject/<id>.sqlite   the D1 database (users, keys, audit)
 *   durable-objects/-<Class>/<id>.sqlite        one file per Durable Object
 *   durable-objects/-<Class>/metadata.sqlite    workerd's alarms for that class
 *   session-secret                              generated when GATEHOUSE_SESSION_SECRET is not set
 */

/** The Durable Object classes of the worker and their bindings (wrangler.toml says the same). */
export const durableObjectClasses = [
  { binding: "USER_LIMITER", className: "UserLimiter" },
  { binding: "ADMISSION", className: "AdmissionQueue" },
  { binding: "ATTEMPTS", className: "AttemptCounter" },
  { binding: "AUDIT", className: "AuditLedger" },
] as const;

/** Miniflare's names for the D1 database object: its unique key, and the database's name (wrangler.toml's database_name). */
export const d1UniqueKey = "miniflare-D1DatabaseObject";
export const d1DatabaseName = "gatehouse";

/**
 * The id workerd derives for idFromName(name) in a namespace with this unique
 * key (the algorithm Miniflare also uses to find a database's file).
 */
export function durableObjectIdFromName(uniqueKey: string, name: string): string {
  const key = createHash("sha256").update(uniqueKey).digest();
  const nameHmac = createHmac("sha256", key).update(name).digest().subarray(0, 16);
  const check = createHmac("sha256", key).update(nameHmac).digest().subarray(0, 16);
  return Buffer.concat([nameHmac, check]).toString("hex");
}

/** The D1 database's SQLite file. */
export function d1File(dataDir: string): string {
  return join(dataDir, "d1", d1UniqueKey, `${durableObjectIdFromName(d1UniqueKey, d1DatabaseName)}.sqlite`);
}
