import { env } from "cloudflare:test";
import { beforeEach, describe, expect, test } from "vitest";
import { resetSimulator } from "../helpers/simulator";
import { chatBody, principalFor, send } from "./harness";

beforeEach(async () => {
  await resetSimulator();
});

/**
 * Durable Object round trips per request, counted at the bindings: every
 * call the worker makes on a stub of ADMISSION or USER_LIMITER is recorded.
 * Issue 15's budget: one call to be admitted and one to be released per
 * object; the per-backend gate and the breaker's outcome must not add any.
 */
function counting<T extends Rpc.DurableObjectBranded>(namespace: DurableObjectNamespace<T>, label: string, calls: string[]): DurableObjectNamespace<T> {
  const wrapStub = (stub: DurableObjectStub<T>) =>
    new Proxy(stub, {
      get(target, property) {
        const value = Reflect.get(target, property) as unknown;
        if (typeof value !== "function" || typeof property !== "string") return value;
        // An RPC stub's methods are themselves stubs: call them as methods, never through .apply.
        const rpc = target as unknown as Record<string, (...args: unknown[]) => unknown>;
        return (...args: unknown[]) => {
          calls.push(`${label}.${property}`);
          return rpc[property]!(...args);
        };
      },
    });
  return {
    idFromName: (name: string) => namespace.idFromName(name),
    get: (id: DurableObjectId) => wrapStub(namespace.get(id)),
  } as unknown as DurableObjectNamespace<T>;
}

describe("Durable Object round trips per request", () => {
  test.each([false, true])("stream=%s: one call to each object to be admitted, one to each to be released", async (stream) => {
    const calls: string[] = [];
    const bindings = { ADMISSION: counting(env.ADMISSION, "queue", calls), USER_LIMITER: counting(env.USER_LIMITER, "user", calls) };
    const { response, settled } = await send(principalFor(`rt-${crypto.randomUUID()}`), "/api/chat", chatBody("count the calls", stream), { bindings });
    const text = await response.text();
    await settled;
    expect(response.status, text).toBe(200);
    // A health probe round (at most once per GATEHOUSE_PROBE_INTERVAL, off the response path) is not part of a request.
    const perRequest = calls.filter((call) => call !== "queue.probed");
    expect(perRequest.sort()).toEqual(["queue.enter", "queue.release", "user.acquire", "user.release"]);
  });
});
