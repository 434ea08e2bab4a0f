import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { Hono, type MiddlewareHandler } from "hono";
import type { Principal } from "../../../src/auth/principal";
import type { AppEnv, Bindings } from "../../../src/env";
import { defaultLimits, type Limits } from "../../../src/governance/limits";
import { inspectRequest } from "../../../src/inference/inspect";
import { inferenceRoutes } from "../../../src/inference/routes";
import { returnPath } from "../../../src/app";
import { admit } from "../../../src/governance/admit";
import { openExchange } from "../../../src/inference/open-exchange";
import { jsonBody } from "../../../src/middleware/json-body";
import { loadConfig } from "../../../src/middleware/load-config";
import { renderError } from "../../../src/middleware/render-error";
import { requestId } from "../../../src/middleware/request-id";

/**
 * The real inference routes with the real admit step, the exchange that
 * settles them and the relay that streams, in pipeline order; only
 * authentication is replaced by a principal the test hands over (test-only:
 * authentication has its own tests).
 */
export function principalFor(userId: string, overrides: Partial<Limits> = {}, role: Principal["role"] = "user"): Principal {
  return {
    userId, username: userId, role, via: "key", keyId: null, limits: { ...defaultLimits, ...overrides },
    allowCloudModels: false, boundaries: ["local"], pinnedBackends: null, captureMode: null, status: "active", mustChangePassword: false, scope: null,
  };
}

function asPrincipal(principal: Principal): MiddlewareHandler<AppEnv> {
  return async function asPrincipal(c, next) {
    c.set("principal", principal);
    await next();
  };
}

export interface Exchange {
  response: Response;
  /** Resolves when everything the request left running (settlement, slot release) has finished. */
  settled: Promise<void>;
}

export async function send(
  principal: Principal,
  path: string,
  body: unknown,
  init: { headers?: Record<string, string>; signal?: AbortSignal; bindings?: Partial<Bindings> } = {},
): Promise<Exchange> {
  const app = new Hono<AppEnv>();
  app.use(requestId(), loadConfig());
  app.route("/", inferenceRoutes((route) => [
    openExchange(returnPath),
    asPrincipal(principal),
    ...(route.body ? [jsonBody({ acceptCurlDefault: true })] : []),
    inspectRequest(route),
    ...(route.group === "inference" ? [admit(route)] : []),
  ]));
  app.onError(renderError);
  const ctx = createExecutionContext();
  const request = new Request(`http://gatehouse.test${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...init.headers },
    body: JSON.stringify(body),
    signal: init.signal ?? null,
  });
  const response = await app.fetch(request, { ...env, ...init.bindings }, ctx);
  return { response, settled: waitOnExecutionContext(ctx) };
}

/** Sends and reads the whole answer, then waits for the settlement. */
export async function complete(principal: Principal, path: string, body: unknown, headers: Record<string, string> = {}) {
  const { response, settled } = await send(principal, path, body, { headers });
  const text = new TextDecoder().decode(await response.arrayBuffer());
  await settled;
  return { response, text };
}

export const limiterOf = (userId: string) => env.USER_LIMITER.get(env.USER_LIMITER.idFromName(userId));
export const globalQueue = () => env.ADMISSION.get(env.ADMISSION.idFromName("global"));

export const chatBody = (content: string, stream = false) => ({
  model: "llama3.2:latest",
  messages: [{ role: "user", content }],
  stream,
});

export const fault = (value: Record<string, unknown>) => ({ "x-sim-fault": JSON.stringify(value) });
