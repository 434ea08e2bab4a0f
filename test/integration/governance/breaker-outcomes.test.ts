import { afterAll, beforeEach, describe, expect, test } from "vitest";
import { configureSimulator, resetSimulator, simulatorLog } from "../helpers/simulator";
import { chatBody, complete, globalQueue, principalFor } from "./harness";

// The real admit step feeds the built-in backend's breaker from each exchange's result (release
// carries the outcome: no extra round trip). The test config opens it after 3 failures for 1 s.

const local = async () => (await globalQueue().snapshot()).backends.find((backend) => backend.name === "local");
const someone = () => principalFor(`user-${crypto.randomUUID()}`, { rpm: 600, burst: 100 });

beforeEach(async () => {
  await resetSimulator();
  // A healthy answer first: the model's look-up is then cached, so a fault below hits only the chat.
  expect((await complete(someone(), "/api/chat", chatBody("warm up"))).response.status).toBe(200);
});


afterAll(async () => {
  await resetSimulator(); // no fault left for the next file
});

describe("the breaker is fed by real outcomes", () => {
  test("4xx answers are the client's: however many, the breaker stays closed", async () => {
    await configureSimulator({ status: 404, errorBody: { error: "model 'nope' not found" } });
    const ann = someone();
        for (let i = 0; i < 5; i++) expect((await complete(ann, "/api/chat", chatBody(`q${i}`))).response.status).toBe(404);
    expect(await local()).toMatchObject({ breaker: "closed", consecutiveFailures: 0 });
  });

  test("5xx answers open it after three; with nowhere else to go requests are still sent and answered as before; a success after the cooldown closes it", async () => {
    await configureSimulator({ status: 500, errorBody: { error: "runner crashed" } });
    const ann = someone();
    for (let i = 0; i < 3; i++) expect((await complete(ann, "/api/chat", chatBody(`q${i}`))).response.status).toBe(500);
    expect(await local()).toMatchObject({ breaker: "open", consecutiveFailures: 3 });
    // `local` is the only backend: an open breaker never turns into a refusal of its own.
    const sentBefore = (await simulatorLog()).requests.length;
    expect((await complete(ann, "/api/chat", chatBody("still sent"))).response.status).toBe(500);
    expect((await simulatorLog()).requests.length).toBe(sentBefore + 1);
    await resetSimulator();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await complete(ann, "/api/chat", chatBody("healthy again"))).response.status).toBe(200);
    expect(await local()).toMatchObject({ breaker: "closed", consecutiveFailures: 0 });
  });

  test("a connection error counts as a failure", async () => {
    await configureSimulator({ holdOpenMs: 10 });
    const ann = someone();
    const before = (await local())?.consecutiveFailures ?? 0;
    const { response } = await complete(ann, "/api/chat", chatBody("dropped"));
    expect(response.status).toBeGreaterThanOrEqual(500);
    expect((await local())?.consecutiveFailures).toBe(before + 1);
  });
});
