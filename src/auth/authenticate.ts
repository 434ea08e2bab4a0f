import type { Context, MiddlewareHandler } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import { parseCredentialHeaders } from "./credentials";
import { identifyByKey, identifyByPassword, identifyBySession } from "./identify";
import { principalFor } from "./principal-for";
import type { CredentialKind } from "./principal";
import { sessionTokenFrom } from "./sessions";
import { findBodyAuth } from "./body-credentials";
import { touchApiKey } from "../db/api-keys";
import { configuredDefaultLimits } from "../governance/limits";

/**
 * Establishes who is calling and leaves it in c.var.principal; 401 otherwise.
 * Each route says which credentials it takes:
 * - key:     `Authorization: Bearer gh_…` (scripts, pipelines, the CLI), or
 *            Anthropic's `x-api-key: gh_…` (Claude Code, the Anthropic SDKs)
 * - basic:   `Authorization: Basic` username:password (simple scripts)
 * - body:    POST /chat's `{"auth":{"username","password"}}` (the original script API),
 *            checked by bodyCredentials() from the body's first slice
 * - session: the console's cookie (never on inference routes: those accept
 *            curl's form content type, so a cookie there would invite CSRF)
 * An Authorization header, when present, is the credential: a bad one is a
 * 401 even if a cookie is also sent.
 */
export interface AuthenticateOptions {
  accept: readonly CredentialKind[];
  /**
   * No credential in the headers is not yet a 401: a later authenticate step
   * looks in the body (POST /chat). Set on the headers-first step, so header
   * credentials are checked before any body is read.
   */
  bodyMayFollow?: boolean;
}

const bodyAuth = z.strictObject({ username: z.string().min(1).max(320), password: z.string().min(1).max(1024) });

const unauthenticated = () => new GatehouseError("unauthenticated", { message: "The credentials are missing or invalid." });

export function authenticate(options: AuthenticateOptions): MiddlewareHandler<AppEnv> {
  if (options.accept.length === 0) throw new Error("authenticate: accept at least one credential kind");
  const accepts = (kind: CredentialKind) => options.accept.includes(kind);
  return async function authenticate(c, next) {
    // Already authenticated from the headers by an earlier step.
    if (c.var.principal) return next();
    const presented = parseCredentialHeaders(c.req.header("Authorization"), accepts("key") ? c.req.header("x-api-key") : undefined);
    if (presented === null && options.bodyMayFollow) return next();
    if (presented === "malformed") throw unauthenticated();
    if (presented?.kind === "bearer") {
      if (!accepts("key")) throw unauthenticated();
      const { user, key, scope } = await identifyByKey(c.env, presented.token);
      c.set("principal", principalFor(user, "key", defaultsOf(c), key, scope));
      if (dueForTouch(key.id)) c.executionCtx.waitUntil(touchApiKey(c.env.DB, key.id).catch(() => {}));
    } else if (presented?.kind === "basic") {
      if (!accepts("basic")) throw unauthenticated();
      const user = await checkPassword(c, presented.username, presented.password);
      c.set("principal", principalFor(user, "basic", defaultsOf(c)));
    } else {
      const token = accepts("session") ? sessionTokenFrom(c.req.header("Cookie")) : null;
      if (!token) throw unauthenticated();
      c.set("principal", principalFor(await identifyBySession(c.env, token), "session", defaultsOf(c)));
    }
    await next();
  };
}

/**
 * Keys touched by this isolate in the last minute: a busy key then costs no
 * D1 write per request. Only an optimisation (touchApiKey also checks the
 * time), so per-isolate memory is fine.
 */
const touched = new Map<string, number>();

function dueForTouch(keyId: string, now = Date.now()): boolean {
  const last = touched.get(keyId);
  if (last !== undefined && now - last < 60_000) return false;
  if (touched.size >= 10_000) touched.clear();
  touched.set(keyId, now);
  return true;
}

/** Limits for users an admin never gave any: GATEHOUSE_DEFAULT_*. */
function defaultsOf(c: Context<AppEnv>) {
  return configuredDefaultLimits(c.var.config);
}

/**
 * POST /chat's body credentials, for jsonBody's `credentialsFirst`: found in
 * the body's first slice (src/auth/body-credentials.ts) and checked before
 * the rest of the body is read. 401 when they are missing, wrong, or do not
 * end within the slice (the message says so: clients put `auth` first).
 */
export function bodyCredentials(sliceBytes: number): (c: Context<AppEnv>, text: string, complete: boolean) => Promise<void> {
  return async function bodyCredentials(c, text, complete) {
    const search = findBodyAuth(text);
    if (search.found) {
      const auth = bodyAuth.safeParse(search.value);
      if (!auth.success) throw unauthenticated();
      const user = await checkPassword(c, auth.data.username, auth.data.password);
      c.set("principal", principalFor(user, "body", defaultsOf(c)));
      return;
    }
    if (search.why === "malformed") throw new GatehouseError("invalid_json");
    if (search.why === "beyond_slice" && !complete) {
      throw new GatehouseError("unauthenticated", {
        message: `The credentials are missing: the body's "auth" must end within its first ${sliceBytes / 1024} KiB (send it first).`,
      });
    }
    throw unauthenticated();
  };
}

function checkPassword(c: Context<AppEnv>, username: string, password: string) {
  return identifyByPassword({
    env: c.env,
    username,
    password,
    clientAddress: c.var.clientAddress,
    iterations: c.var.config.GATEHOUSE_PBKDF2_ITERATIONS,
    defer: (work) => c.executionCtx.waitUntil(work.catch(() => {})),
  });
}
