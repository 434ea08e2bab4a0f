import { describe, expect, test } from "vitest";
import { dueForProbe, probeBackend, probePaths, type ProbeSend } from "../../../src/backends/health";
import { backendKinds } from "../../../src/backends/types";

interface Sent {
  name: string;
  path: string;
  method: string;
  hasBody: boolean;
}

function recorder(answer: (path: string) => Response | Promise<Response>): { send: ProbeSend; sent: Sent[] } {
  const sent: Sent[] = [];
  const send: ProbeSend = async (target, path, init) => {
    sent.push({ name: target.name, path, method: init.method, hasBody: "body" in init });
    return answer(path);
  };
  return { send, sent };
}

describe("health probes", () => {
  test("each kind is asked its cheapest question with a GET and no body: never a generation", async () => {
    const { send, sent } = recorder(() => new Response("{}"));
    for (const kind of backendKinds) expect(await probeBackend(send, { name: `b-${kind}`, kind }, 1000)).toBe(true);
    expect(sent).toEqual([
      { name: "b-ollama", path: "/api/version", method: "GET", hasBody: false },
      { name: "b-openai", path: "/models", method: "GET", hasBody: false },
      { name: "b-anthropic", path: "/v1/models", method: "GET", hasBody: false },
    ]);
    for (const path of Object.values(probePaths)) expect(path).not.toMatch(/chat|generate|completions|messages|embed|responses/);
  });

  test("an answer below 500 is up (a 401 from a provider is an answer); a 5xx, a refused connection or a hang is down", async () => {
    const target = { name: "b", kind: "openai" } as const;
    expect(await probeBackend(recorder(() => new Response("no key", { status: 401 })).send, target, 1000)).toBe(true);
    expect(await probeBackend(recorder(() => new Response("oops", { status: 503 })).send, target, 1000)).toBe(false);
    expect(await probeBackend(recorder(() => Promise.reject(new TypeError("connection refused"))).send, target, 1000)).toBe(false);
    const hang: ProbeSend = (_t, _p, init) => new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(init.signal.reason)));
    const started = Date.now();
    expect(await probeBackend(hang, target, 50)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test("a backend is probed at most once per interval", () => {
    const targets = [{ name: `p-${crypto.randomUUID()}`, kind: "ollama" as const }];
    expect(dueForProbe(targets, 15_000, 100_000)).toHaveLength(1);
    expect(dueForProbe(targets, 15_000, 110_000)).toHaveLength(0);
    expect(dueForProbe(targets, 15_000, 115_000)).toHaveLength(1);
  });
});

describe("candidates ordered by health", () => {
  test("closed and answering first, then half-open or last seen down, then open; the caller's order within each", async () => {
    const { healthyFirst } = await import("../../../src/backends/health-order");
    const names = ["open-a", "fine-b", "down-c", "half-d", "fine-e", "unknown-f"].map((name) => ({ name }));
    const views = new Map([
      ["open-a", { breaker: "open", health: "up" }],
      ["fine-b", { breaker: "closed", health: "up" }],
      ["down-c", { breaker: "closed", health: "down" }],
      ["half-d", { breaker: "half-open", health: "unknown" }],
      ["fine-e", { breaker: "closed", health: "unknown" }],
    ] as const);
    expect(healthyFirst(names, views).map((c) => c.name)).toEqual(["fine-b", "fine-e", "unknown-f", "down-c", "half-d", "open-a"]);
  });
});
