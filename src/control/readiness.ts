import type { MiddlewareHandler } from "hono";
import type { AppEnv, Bindings } from "../env";
import { ledgerOf } from "../audit/recorder";
import { processEpoch } from "../audit/recovery";
import { admissionQueueName } from "../governance/admission-queue";
import { logLine } from "../observability/log-line";

/**
 * Ready means ready. Until this isolate has seen the database answer with its
 * migrations, the audit ledger finish crash recovery (records an earlier
 * process left open closed as interrupted and sealed) and the admission queue
 * answer, every route — /health included — answers
 * 503 {"status":"starting"} with Retry-After: 1. The migrations and the first
 * admin are done before workerd opens its socket (scripts/lib/prepare.ts);
 * what is checked here is what only the running worker can show.
 *
 * The check runs once per isolate, started by the first request (the start
 * probe of `npm start` or of the unit, usually); a failed one is tried again
 * by the next request. A request that comes while it runs waits for it a
 * moment rather than being refused for nothing.
 */

let ready = false;
let warming: Promise<void> | null = null;
const patienceMs = 2_000;

async function warmUp(env: Bindings): Promise<void> {
  await env.DB.prepare("SELECT COUNT(*) AS applied FROM d1_migrations").first();
  const recovered = await ledgerOf(env).recoverInterrupted();
  await env.ADMISSION.get(env.ADMISSION.idFromName(admissionQueueName)).snapshot();
  if (recovered.interrupted > 0 || recovered.sealed > 0) {
    console.log(logLine("warn", "crash recovery: records left open closed as interrupted and sealed", { event: "lifecycle", ...recovered }));
  }
}

function startWarmUp(env: Bindings): Promise<void> {
  warming ??= warmUp(env).then(
    () => {
      ready = true;
    },
    (error: unknown) => {
      warming = null;
      console.error(logLine("warn", "not ready yet", { event: "lifecycle", reason: error instanceof Error ? error.message : String(error) }));
      throw error;
    },
  );
  return warming;
}

export function readiness(): MiddlewareHandler<AppEnv> {
  return async function readiness(c, next) {
    if (ready) return next();
    processEpoch();
    const done = await Promise.race([
      startWarmUp(c.env).then(() => true, () => false),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), patienceMs)),
    ]);
    if (done) return next();
    c.header("Retry-After", "1");
    c.header("Cache-Control", "no-store");
    return c.json({ status: "starting" }, 503);
  };
}

/** Whether this isolate has passed its readiness check (for /health). */
export function isReady(): boolean {
  return ready;
}
