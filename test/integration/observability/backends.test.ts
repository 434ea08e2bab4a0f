import { beforeEach, describe, expect, test } from "vitest";
import { gateway, postJson } from "../helpers/gateway";
import { resetSimulator, simulatorLog } from "../helpers/simulator";
import { seedKey, seedUser } from "../identity/helpers";
import { scrapeLocally } from "./helpers";

beforeEach(async () => {
  await resetSimulator();
});

const bearer = (secret: string) => ({ Authorization: `Bearer ${secret}` });
const chat = { model: "llama3.2:latest", messages: [{ role: "user", content: "hello" }], stream: false };

describe("every backend is visible", () => {
  test("/metrics: slots, in flight, waiting, breaker state and health per backend", async () => {
    const metrics = await scrapeLocally();
    const local = { backend: "local" };
    expect(metrics.types.get("gatehouse_backend_slots")).toBe("gauge");
    expect(metrics.value("gatehouse_backend_slots", local)).toBe(2);
    expect(metrics.has("gatehouse_backend_inflight", local)).toBe(true);
    expect(metrics.has("gatehouse_backend_queue_depth", local)).toBe(true);
    expect(metrics.value("gatehouse_backend_breaker_state", { backend: "local", state: "closed" })).toBe(1);
    expect(metrics.value("gatehouse_backend_breaker_state", { backend: "local", state: "open" })).toBe(0);
    expect(metrics.value("gatehouse_backend_breaker_state", { backend: "local", state: "half-open" })).toBe(0);
    // The scrape ran a probe round: the simulator answered /api/version.
    expect(metrics.value("gatehouse_backend_up", local)).toBe(1);
    expect(metrics.types.get("gatehouse_cost_usd_total")).toBe("counter");
  });

  test("GET /admin/api/queue lists every backend with its gate and health", async () => {
    const admin = await seedUser({ role: "admin" });
    const key = await seedKey(admin.id);
    const response = await gateway("/admin/api/queue", { headers: bearer(key.secret) });
    expect(response.status).toBe(200);
    const body = await response.json<{ backends: unknown[] }>();
    expect(body.backends).toEqual([
      {
        name: "local", slots: 2, inflight: expect.any(Number), waiting: expect.any(Number),
        breaker: "closed", consecutiveFailures: 0, retryAt: null, health: expect.stringMatching(/^(up|unknown)$/), probedAt: expect.anything(),
      },
    ]);
  });

  test("a probe never posts a generation: only GET /api/version, kept apart from client traffic", async () => {
    const user = await seedUser({});
    const key = await seedKey(user.id);
    const response = await postJson("/api/chat", chat, bearer(key.secret));
    await response.arrayBuffer();
    await scrapeLocally();
    const log = await simulatorLog();
    const probes = log.lookups.filter((seen) => seen.headers["x-gatehouse-lookup"] === "health-probe");
    for (const probe of probes) expect({ method: probe.method, path: probe.path }).toEqual({ method: "GET", path: "/api/version" });
    // The one client request is the only generation the engine saw.
    expect(log.requests.map((seen) => `${seen.method} ${seen.path}`)).toEqual(["POST /api/chat"]);
  });

  test("a backend added to the catalog shows at once, idle, with its slots; a disabled one does not", async () => {
    const admin = await seedUser({ role: "admin" });
    const key = await seedKey(admin.id);
    const add = (body: Record<string, unknown>) => postJson("/admin/api/backends", body, bearer(key.secret));
    expect((await add({ name: "box-a", kind: "ollama", url: "http://10.0.0.2:11434", slots: 3, boundary: "lan" })).status).toBe(201);
    expect((await add({ name: "box-off", kind: "ollama", url: "http://10.0.0.3:11434", slots: 1, boundary: "lan", enabled: false })).status).toBe(201);
    const view = await (await gateway("/admin/api/queue", { headers: bearer(key.secret) })).json<{ backends: { name: string }[] }>();
    expect(view.backends.map((backend) => backend.name)).toEqual(["box-a", "local"]);
    expect(view.backends[0]).toMatchObject({ name: "box-a", slots: 3, inflight: 0, waiting: 0, breaker: "closed", health: "unknown" });
    const metrics = await scrapeLocally();
    expect(metrics.value("gatehouse_backend_slots", { backend: "box-a" })).toBe(3);
    expect(metrics.value("gatehouse_backend_up", { backend: "box-a" })).toBe(-1);
    expect(metrics.has("gatehouse_backend_slots", { backend: "box-off" })).toBe(false);
    // Disabled later: gone from the view once nothing holds or waits for it.
    const { backends } = await (await gateway("/admin/api/backends", { headers: bearer(key.secret) })).json<{ backends: { id: string; name: string }[] }>();
    const boxA = backends.find((backend) => backend.name === "box-a")!;
    const patched = await gateway(`/admin/api/backends/${boxA.id}`, { method: "PATCH", headers: { ...bearer(key.secret), "Content-Type": "application/json" }, body: JSON.stringify({ enabled: false }) });
    expect(patched.status).toBe(200);
    const after = await (await gateway("/admin/api/queue", { headers: bearer(key.secret) })).json<{ backends: { name: string }[] }>();
    expect(after.backends.map((backend) => backend.name)).toEqual(["local"]);
  });
});
