import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient } from "./helpers/accounts";
import { addressHeaders } from "./helpers/address-headers";
import { startGatehouse, type GatehouseProcess } from "./helpers/gatehouse-process";
import { startSimulator } from "./helpers/simulator-process";
import { stopStack } from "./helpers/stack";

/**
 * The client's address is the connection's (issue 12), against `npm start`:
 * workerd reports the socket's peer, and no header a client sends — every
 * spelling of every address header, MF-* and CF-* ones — moves a key's
 * network scope, /metrics' loopback rule or the sign-in throttle, or
 * rewrites the URL the worker routes.
 */

const generous = { rpm: 100_000, burst: 100_000, concurrency: 64, dailyTokens: null, monthlyTokens: null, models: null };
const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((entry) => entry && entry.family === "IPv4" && !entry.internal)?.address;

describe("the client address is the connection's", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  let admin: AdminClient;

  beforeAll(async () => {
    simulator = await startSimulator();
    gatehouse = await startGatehouse({ env: { GATEHOUSE_OLLAMA: `127.0.0.1:${simulator.port}`, GATEHOUSE_HOST: "0.0.0.0" } });
    admin = await AdminClient.signIn(gatehouse.url);
  });
  afterAll(async () => {
    await stopStack(simulator, gatehouse);
  });

  async function scopedKey(name: string, sources: string[]): Promise<string> {
    const { user } = await admin.json<{ user: { id: string } }>("POST", "/admin/api/users", { username: name, role: "service" });
    await admin.json("PATCH", `/admin/api/users/${user.id}`, { limits: generous });
    return (await admin.json<{ secret: string }>("POST", `/admin/api/users/${user.id}/keys`, { name, sources })).secret;
  }
  const tags = (secret: string, headers: Record<string, string> = {}) => fetch(`${gatehouse.url}/api/tags`, { headers: { Authorization: `Bearer ${secret}`, ...headers } });

  test("a key pinned to 10.20.0.0/16, used from 127.0.0.1, is refused whatever address header says 10.20.1.2", async () => {
    const pinned = await scopedKey("pinned-to-ci", ["10.20.0.0/16"]);
    const local = await scopedKey("pinned-to-loopback", ["127.0.0.0/8"]);
    // The same scope check passes for the connection's real address.
    expect((await tags(local)).status).toBe(200);
    for (const headers of addressHeaders("10.20.1.2")) {
      const response = await tags(pinned, headers);
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(JSON.stringify(await response.json())).toContain('"code":"forbidden"');
      // And the header cannot move a loopback key's caller elsewhere either.
      expect((await tags(local, headers)).status, JSON.stringify(headers)).toBe(200);
    }
  });

  test.skipIf(!lanAddress)("/metrics from another address of this box stays 401 whatever header claims loopback", async () => {
    const base = `http://${lanAddress}:${gatehouse.port}`;
    for (const headers of addressHeaders("127.0.0.1")) {
      const response = await fetch(`${base}/metrics`, { headers });
      expect(response.status, JSON.stringify(headers)).toBe(401);
      await response.arrayBuffer();
    }
    // From loopback itself no credentials are needed: the socket decides.
    expect((await fetch(`${gatehouse.url}/metrics`)).status).toBe(200);
  });

  test("MF-Original-URL and other MF-*/CF-* headers change nothing the worker sees", async () => {
    const plain = await fetch(`${gatehouse.url}/health`);
    const health = await plain.json();
    const variants: Record<string, string>[] = [
      { "MF-Original-URL": `${gatehouse.url}/metrics` },
      { "MF-Original-URL": "http://evil.example/admin/api/users" },
      { "MF-Original-Hostname": "evil.example", "MF-Disable-Pretty-Error": "true", "CF-Worker": "x", "CF-Ray": "1", "CF-Visitor": '{"scheme":"https"}' },
    ];
    for (const headers of variants) {
      const response = await fetch(`${gatehouse.url}/health`, { headers });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(health);
    }
    // A console session over plain HTTP stays a plain-HTTP cookie whatever CF-Visitor claims.
    const login = await fetch(`${gatehouse.url}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: gatehouse.url, "CF-Visitor": '{"scheme":"https"}', "X-Forwarded-Proto": "https" },
      body: JSON.stringify({ username: "admin", password: "the-admins-own-password-2026" }),
    });
    expect(login.status).toBe(200);
    expect(login.headers.getSetCookie()[0]).toMatch(/^gatehouse_session=/);
  });

  // Last: it locks sign-in from 127.0.0.1 for a minute.
  test("the per-address sign-in throttle counts the connection, not the address headers", async () => {
    const headerSets = addressHeaders("10.20.9.1");
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const claimed = Object.fromEntries(Object.entries(headerSets[i % headerSets.length]!).map(([name, value]) => [name, value.replace("10.20.9.1", `10.20.9.${i + 1}`)]));
      const response = await fetch(`${gatehouse.url}/auth/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: gatehouse.url, ...claimed },
        body: JSON.stringify({ username: `nobody-${i}`, password: "wrong password, six different names" }),
      });
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    // Five failures from one socket lock its address: the sixth is refused although every request claimed another address.
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses[5]).toBe(429);
  });
});
