import { beforeEach, describe, expect, test } from "vitest";
import { configureSimulator, resetSimulator, simulatorLog } from "../helpers/simulator";
import { chatBody, complete, globalQueue, limiterOf, principalFor, send } from "./harness";
import { errorCode } from "../../helpers/error-shape";

// Faults are set on the simulator itself: the gateway never forwards a client's headers (x-sim-fault included).

beforeEach(async () => {
  await resetSimulator();
});

const user = () => `user-${crypto.randomUUID()}`;

async function expectNothingHeld(userId: string) {
  const user = (await limiterOf(userId).report(principalFor(userId).limits)).inflight;
  const gpu = (await globalQueue().snapshot()).users;
  expect({ user, gpu }).toEqual({ user: 0, gpu: [] });
}

describe("slots are released (happy)", () => {
  test("on completion: a user with one slot can send one request after another", async () => {
    const ann = principalFor(user(), { concurrency: 1, rpm: 600, burst: 100 });
    for (let i = 0; i < 5; i++) {
      expect((await complete(ann, "/api/chat", chatBody(`turn ${i}`, true))).response.status).toBe(200);
    }
    await expectNothingHeld(ann.userId);
  });

  test("the concurrency cap refuses a second request while the first streams", async () => {
    const ben = principalFor(user(), { concurrency: 1 });
    await configureSimulator({ chunkDelayMs: 30, chunkCount: 10 });
    const first = await send(ben, "/api/chat", chatBody("slow", true));
    const second = await complete(ben, "/api/chat", chatBody("too soon"));
    expect(second.response.status).toBe(429);
    expect(second.response.headers.get("retry-after")).toBe("1");
    expect(errorCode(JSON.parse(second.text))).toBe("too_many_concurrent");
    await first.response.arrayBuffer();
    await first.settled;
    await expectNothingHeld(ben.userId);
  });
});

describe("slots are released (error)", () => {
  test.each([
    ["Ollama answers 500", { status: 500, errorBody: { error: "boom" } }],
    ["Ollama dies mid-stream", { dieAfterChunks: 2, chunkDelayMs: 5 }],
    ["Ollama reports an error in the stream", { inbandErrorAfterChunks: 2 }],
  ])("when %s", async (_, simFault) => {
    const cy = principalFor(user(), { concurrency: 1 });
    await configureSimulator(simFault);
    const { response, text } = await complete(cy, "/api/chat", chatBody("fail", true));
    expect(response.status === 500 || /error/.test(text)).toBe(true);
    await expectNothingHeld(cy.userId);
  });

  test("no slot leaked after 200 streams aborted by the client", { timeout: 90_000 }, async () => {
    const dee = principalFor(user(), { concurrency: 1, rpm: 100_000, burst: 1000 });
    await configureSimulator({ chunkDelayMs: 10, chunkCount: 50 });
    for (let i = 0; i < 200; i++) {
      const controller = new AbortController();
      const { response, settled } = await send(dee, "/api/chat", chatBody(`abort ${i}`, true), { signal: controller.signal });
      // A concurrency of 1 means each request is refused if the previous slot leaked.
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
      await reader.cancel();
      await settled;
    }
    await expectNothingHeld(dee.userId);
    // The last upstream connection closes a moment after its client left: poll, don't sleep.
    let log = await simulatorLog();
    for (let i = 0; i < 200 && log.inflight > 0; i++) {
      await new Promise((r) => setTimeout(r, 5));
      log = await simulatorLog();
    }
    expect(log.requests.filter((r) => r.path === "/api/chat")).toHaveLength(200);
    expect(log.inflight).toBe(0);
    // The aborts reached Ollama too: it stopped generating for a client that was gone.
    expect(log.requests.filter((r) => r.closedEarly).length).toBeGreaterThan(190);
  });
});

describe("leaving the queue", () => {
  test("a client that goes away while waiting for the GPU gives back its place and its slot", async () => {
    const queue = globalQueue();
    const held = Array.from({ length: 2 }, () => ({ leaseId: crypto.randomUUID(), userId: "holder", username: "holder", service: false }));
    for (const lease of held) await queue.enter(lease);
    const eve = principalFor(user());
    const controller = new AbortController();
    const pending = send(eve, "/api/chat", chatBody("waiting"), { signal: controller.signal });
    while ((await queue.snapshot()).waiting < 1) await new Promise((r) => setTimeout(r, 5));
    expect((await limiterOf(eve.userId).report(eve.limits)).inflight).toBe(1);
    controller.abort();
    const { settled } = await pending.catch(() => ({ settled: Promise.resolve() }));
    await settled;
    for (let i = 0; i < 200 && (await limiterOf(eve.userId).report(eve.limits)).inflight > 0; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect((await limiterOf(eve.userId).report(eve.limits)).inflight).toBe(0);
    expect((await queue.snapshot()).waiting).toBe(0);
    for (const lease of held) await queue.release(lease.leaseId);
    expect((await simulatorLog()).requests).toHaveLength(0);
  });
});

describe("fairness on the GPU", () => {
  test("a calm user's single request is served within one slot turnover while another floods", async () => {
    const flood = principalFor(user(), { concurrency: null, rpm: 1000, burst: 1000 });
    const calm = principalFor(user());
    await configureSimulator({ chunkDelayMs: 40, chunkCount: 5 });
    const flooding = Array.from({ length: 10 }, (_, i) => complete(flood, "/api/chat", chatBody(`flood ${i}`, true)));
    // Wait until the GPU gate is full and the flood is queued behind it.
    while ((await globalQueue().snapshot()).waiting < 8) await new Promise((r) => setTimeout(r, 5));
    const calmDone = complete(calm, "/api/chat", chatBody("calm question", true));
    expect((await calmDone).response.status).toBe(200);
    await Promise.all(flooding);
    const order = (await simulatorLog()).requests
      .filter((r) => r.path === "/api/chat")
      .map((r) => ((r.body as { messages: { content: string }[] }).messages[0]!.content));
    // Two flood requests held the slots; the calm one took the first slot to free up.
    expect(order.indexOf("calm question")).toBeLessThanOrEqual(2);
    expect((await simulatorLog()).maxConcurrent).toBeLessThanOrEqual(2);
  });
});
