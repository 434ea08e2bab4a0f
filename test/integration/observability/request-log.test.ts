import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { gateway, postJson } from "../helpers/gateway";
import { asKey, basic, chat, goodPassword, origin, seedKey, seedUser, sessionCookie } from "../identity/helpers";
import { eventually } from "./helpers";

/**
 * The request log: one JSON line per request on stdout (console.log in the
 * worker), with the fields operators search by, and no credential anywhere.
 * The worker runs in this isolate, so its console.log is observed here.
 */

type Line = Record<string, unknown>;
let printed: string[] = [];

beforeEach(() => {
  printed = [];
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(" ")));
});
afterEach(() => vi.restoreAllMocks());

const requestLines = (): Line[] => printed.map((text) => JSON.parse(text) as Line).filter((line) => line.msg === "request");
const linesFor = (requestId: string | null) => requestLines().filter((line) => line.requestId === requestId);

async function lineFor(response: Response): Promise<Line> {
  const id = response.headers.get("X-Request-Id");
  const lines = await eventually(async () => linesFor(id), (found) => found.length > 0);
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe("request log lines", () => {
  test("a chat: one line with every field, the username (not the key), the model, timings and tokens", async () => {
    const user = await seedUser();
    const { secret } = await seedKey(user.id);
    const response = await asKey(secret, "POST", "/api/chat", chat, { "CF-Connecting-IP": "10.9.8.7" });
    await response.text();
    const line = await lineFor(response);
    expect(line).toMatchObject({
      level: "info",
      msg: "request",
      method: "POST",
      route: "/api/chat",
      status: 200,
      outcome: "ok",
      user: user.username,
      model: "llama3.2:latest",
      clientAddress: "10.9.8.7",
    });
    expect(new Date(String(line.time)).toISOString()).toBe(line.time);
    expect(line.latencyMs).toEqual(expect.any(Number));
    expect(line.ttfbMs).toEqual(expect.any(Number));
    expect(Number(line.ttfbMs)).toBeLessThanOrEqual(Number(line.latencyMs));
    expect(line.bytes).toBeGreaterThan(0);
    expect(line.completionTokens).toBeGreaterThan(0);
    // Every printed line is one line of JSON.
    for (const text of printed) expect(text).not.toContain("\n");
  });

  test("a refused request is logged once, as a warning, with its outcome", async () => {
    const response = await postJson("/api/chat", chat, { Authorization: "Bearer gh_wrong-key-value-0000" });
    expect(response.status).toBe(401);
    const line = await lineFor(response);
    expect(line).toMatchObject({ level: "warn", status: 401, outcome: "denied", user: null, route: "/api/chat" });
  });

  test("a control-plane request and an unknown path are logged too", async () => {
    const health = await gateway("/health");
    expect(await lineFor(health)).toMatchObject({ route: "/health", status: 200, method: "GET" });
    const unknown = await postJson("/nowhere/at/all", {});
    expect(unknown.status).toBe(404);
    expect(await lineFor(unknown)).toMatchObject({ route: "unmatched", status: 404 });
  });

  test("no credential in any line: keys, passwords (Basic, body, sign-in), session cookies", async () => {
    const password = `Pw-${crypto.randomUUID()}`;
    const user = await seedUser({ password });
    const { secret } = await seedKey(user.id);
    await (await asKey(secret, "POST", "/api/chat", chat)).text();
    await (await postJson("/api/chat", chat, { Authorization: basic(user.username, password) })).text();
    await (await postJson("/chat", { auth: { username: user.username, password }, messages: chat.messages })).text();
    await (await postJson("/api/chat", chat, { Authorization: basic(user.username, `${password}-wrong`) })).text();
    const loginResponse = await gateway("/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: origin },
      body: JSON.stringify({ username: user.username, password }),
    });
    const cookie = (loginResponse.headers.get("Set-Cookie") ?? "").split(";")[0]!;
    const token = cookie.split("=").slice(1).join("=");
    expect(token.length).toBeGreaterThan(20);
    await (await gateway("/account/api/me", { headers: { Cookie: cookie } })).text();
    const admin = await seedUser({ role: "admin" });
    await (await gateway("/metrics", { headers: { Cookie: await sessionCookie(admin.username, goodPassword), "CF-Connecting-IP": "10.0.0.1" } })).text();

    await eventually(async () => requestLines().length, (count) => count >= 7);
    const all = printed.join("\n");
    for (const secretText of [secret, secret.slice(-16), password, token, btoa(`${user.username}:${password}`)]) {
      expect(all).not.toContain(secretText);
    }
    expect(all).not.toMatch(/authorization|cookie|bearer|basic /i);
  });
});
