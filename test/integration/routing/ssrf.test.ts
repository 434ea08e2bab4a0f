import { afterAll, beforeEach, describe, expect, test } from "vitest";
import { gateway, postJson } from "../helpers/gateway";
import { seedKey, seedUser } from "../identity/helpers";
import { addBackend, bearer, box, chat, clearBackends, local, secondBox, sentinel, sentinelSim } from "./helpers";

/**
 * The worker reaches only what the catalog names. A sentinel simulator
 * listens on loopback (which ENGINES may reach) but is in no catalog row:
 * whatever a client puts in a body field, a header or a model name, and
 * wherever a backend redirects, the sentinel must see nothing at all.
 */

// Later files expect no catalog rows (an install as before the catalog).
afterAll(clearBackends);

beforeEach(async () => {
  await clearBackends();
  await Promise.all([local().reset(), box().reset(), sentinelSim().reset()]);
  await addBackend({ name: "box2", url: `http://${secondBox()}`, priority: 10, models: ["llama3.2:latest"] });
});

async function key(): Promise<string> {
  const user = await seedUser();
  return (await seedKey(user.id)).secret;
}

async function sentinelSaw(): Promise<number> {
  const log = await sentinelSim().log();
  return log.requests.length + log.lookups.length;
}

describe("SSRF: nothing but the catalog's backends is ever reached", () => {
  test("model names that look like URLs, paths or other backends", async () => {
    const secret = await key();
    const names = [
      `http://${sentinel()}/api/chat`, `//${sentinel()}/x`, `${sentinel()}/llama3.2`, "../api/pull", "box2/../x", "box2/../../api/pull",
      `box2/http://${sentinel()}/`, "unknown/llama3.2", "local/../x", "%2e%2e/x", `box2@${sentinel()}/x`,
    ];
    for (const model of names) {
      const response = await postJson("/api/chat", chat(model), bearer(secret));
      expect(response.status, model).toBeLessThan(500);
      await response.body?.cancel();
      const one = await gateway(`/v1/models/${encodeURIComponent(model)}`, { headers: bearer(secret) });
      await one.body?.cancel();
    }
    expect(await sentinelSaw()).toBe(0);
  });

  test("headers that name another host", async () => {
    const secret = await key();
    const headers = {
      ...bearer(secret), Host: sentinel(), "X-Forwarded-Host": sentinel(), "X-Forwarded-For": "127.0.0.1", Forwarded: `host=${sentinel()}`,
      "X-Original-URL": `http://${sentinel()}/api/chat`, "MF-Original-URL": `http://${sentinel()}/api/chat`, "X-Rewrite-URL": "/api/pull",
      "X-Gatehouse-Backend": "sentinel", Referer: `http://${sentinel()}/`,
    };
    const response = await postJson("/api/chat", chat("llama3.2:latest"), headers);
    expect(response.status).toBe(200);
    const [sent] = (await box().log()).requests;
    expect(sent!.headers.host).toBe(secondBox());
    for (const name of ["x-forwarded-host", "x-forwarded-for", "forwarded", "x-original-url", "mf-original-url", "x-rewrite-url", "referer"]) {
      expect(sent!.headers[name], name).toBeUndefined();
    }
    expect(await sentinelSaw()).toBe(0);
  });

  test("body fields that name another host", async () => {
    const secret = await key();
    const url = `http://${sentinel()}/api/chat`;
    const body = { ...chat("llama3.2:latest"), url, host: sentinel(), base_url: url, baseURL: url, endpoint: url, api_base: url, callback: url, webhook: url };
    const response = await postJson("/api/chat", body, bearer(secret));
    await response.body?.cancel();
    expect(await sentinelSaw()).toBe(0);
  });

  test("a backend's redirect is never followed: the client gets 502, the target nothing", async () => {
    const secret = await key();
    for (const status of [301, 302, 303, 307, 308]) {
      await box().configure({ status, location: `http://${sentinel()}/api/chat` });
      // local would serve the model too: a redirect is an upstream error, failed over like a 5xx.
      const response = await postJson("/api/chat", chat("box2/llama3.2:latest"), bearer(secret));
      expect(response.status, String(status)).toBe(502);
      await response.body?.cancel();
    }
    expect(await sentinelSaw()).toBe(0);
  });
});
