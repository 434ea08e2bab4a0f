import { env } from "cloudflare:test";
import { describe, expect, test } from "vitest";
import { gateway, postJson } from "../helpers/gateway";
import { asKey, chat, seedKey, seedUser, unique } from "../identity/helpers";
import { parseExposition } from "./exposition-parse";
import { eventually, scrapeLocally } from "./helpers";

const textFormat = "text/plain; version=0.0.4; charset=utf-8";

describe("GET /metrics: the format", () => {
  test("every line is valid exposition text, with HELP and TYPE for every family", async () => {
    const response = await gateway("/metrics", { headers: { "CF-Connecting-IP": "127.0.0.1" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe(textFormat);
    expect(response.headers.get("X-Request-Id")).toBeTruthy();
    const metrics = parseExposition(await response.text()); // throws on any bad line
    for (const family of [
      "gatehouse_build_info",
      "gatehouse_requests_total",
      "gatehouse_request_duration_seconds",
      "gatehouse_time_to_first_byte_seconds",
      "gatehouse_tokens_total",
      "gatehouse_queue_depth",
      "gatehouse_queue_wait_seconds",
      "gatehouse_inflight",
      "gatehouse_refusals_total",
      "gatehouse_audit_write_failures_total",
      "gatehouse_upstream_up",
    ]) {
      expect(metrics.types.has(family), family).toBe(true);
      expect(metrics.helps.get(family), family).toBeTruthy();
    }
    expect(metrics.types.get("gatehouse_request_duration_seconds")).toBe("histogram");
    expect(metrics.types.get("gatehouse_requests_total")).toBe("counter");
    expect(metrics.types.get("gatehouse_queue_depth")).toBe("gauge");
    expect(metrics.samples.find((s) => s.name === "gatehouse_build_info")?.labels.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  test("the simulator answers the probe: upstream_up is 1; the admission queue is read", async () => {
    const metrics = await scrapeLocally();
    expect(metrics.value("gatehouse_upstream_up")).toBe(1);
    expect(metrics.value("gatehouse_admission_up")).toBe(1);
    expect(metrics.value("gatehouse_inflight_limit")).toBe(2); // GATEHOUSE_MAX_INFLIGHT in test/vitest.config.ts
    expect(metrics.value("gatehouse_queue_limit")).toBe(16);
    expect(metrics.has("gatehouse_queue_depth")).toBe(true);
  });
});

describe("GET /metrics: values move with real requests", () => {
  test("a chat counts a request, its latency, time to first byte, tokens and a queue wait", async () => {
    const user = await seedUser();
    const { secret } = await seedKey(user.id);
    const labels = { route: "/api/chat", status: "200", model: "llama3.2:latest", user: user.username };
    const before = await scrapeLocally();
    expect(before.value("gatehouse_requests_total", labels)).toBe(0);

    for (let i = 0; i < 2; i++) {
      const response = await asKey(secret, "POST", "/api/chat", chat);
      expect(response.status).toBe(200);
      await response.text();
    }

    const after = await eventually(scrapeLocally, (m) => m.value("gatehouse_requests_total", labels) === 2);
    expect(after.value("gatehouse_requests_total", labels)).toBe(2);
    const route = { route: "/api/chat" };
    expect(after.value("gatehouse_request_duration_seconds_count", route) - before.value("gatehouse_request_duration_seconds_count", route)).toBeGreaterThanOrEqual(2);
    expect(after.value("gatehouse_request_duration_seconds_bucket", { ...route, le: "+Inf" })).toBe(after.value("gatehouse_request_duration_seconds_count", route));
    expect(after.value("gatehouse_time_to_first_byte_seconds_count", route) - before.value("gatehouse_time_to_first_byte_seconds_count", route)).toBeGreaterThanOrEqual(2);
    expect(after.value("gatehouse_request_duration_seconds_sum", route)).toBeGreaterThan(before.value("gatehouse_request_duration_seconds_sum", route));
    const tokens = (kind: string) => after.value("gatehouse_tokens_total", { user: user.username, model: "llama3.2:latest", kind });
    expect(tokens("prompt")).toBeGreaterThan(0);
    expect(tokens("completion")).toBeGreaterThan(0);
    expect(after.value("gatehouse_queue_wait_seconds_count") - before.value("gatehouse_queue_wait_seconds_count")).toBeGreaterThanOrEqual(2);
  });

  test("a streamed chat is counted when its stream has ended, with its tokens", async () => {
    const user = await seedUser();
    const { secret } = await seedKey(user.id);
    const response = await asKey(secret, "POST", "/api/chat", { ...chat, stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/ndjson/);
    await response.text();
    const labels = { route: "/api/chat", status: "200", model: "llama3.2:latest", user: user.username };
    const metrics = await eventually(scrapeLocally, (m) => m.value("gatehouse_requests_total", labels) === 1);
    expect(metrics.value("gatehouse_requests_total", labels)).toBe(1);
    expect(metrics.value("gatehouse_tokens_total", { user: user.username, model: "llama3.2:latest", kind: "completion" })).toBeGreaterThan(0);
  });

  test("refusals are counted by reason: unauthenticated, forbidden, model_not_allowed, rate_limited", async () => {
    const before = await scrapeLocally();
    const user = await seedUser({ limits: JSON.stringify({ rpm: 1, burst: 1, concurrency: 2, dailyTokens: null, monthlyTokens: null, models: ["llama3.2:*"] }) });
    const { secret } = await seedKey(user.id);

    expect((await postJson("/api/chat", chat, { Authorization: "Bearer gh_not-a-real-key" })).status).toBe(401);
    expect((await asKey(secret, "GET", "/admin/api/users")).status).toBe(403);
    expect((await asKey(secret, "POST", "/api/chat", { ...chat, model: "qwen2.5:0.5b" })).status).toBe(403);
    const first = await asKey(secret, "POST", "/api/chat", chat);
    await first.text();
    expect(first.status).toBe(200);
    expect((await asKey(secret, "POST", "/api/chat", chat)).status).toBe(429);

    const after = await eventually(scrapeLocally, (m) => m.value("gatehouse_refusals_total", { reason: "rate_limited" }) > before.value("gatehouse_refusals_total", { reason: "rate_limited" }));
    for (const reason of ["unauthenticated", "forbidden", "model_not_allowed", "rate_limited"]) {
      expect(after.value("gatehouse_refusals_total", { reason }) - before.value("gatehouse_refusals_total", { reason }), reason).toBe(1);
    }
    // The refused chats are requests too, with their status and the refused user.
    expect(after.value("gatehouse_requests_total", { route: "/api/chat", status: "429", model: "llama3.2:latest", user: user.username })).toBe(1);
    // A refused model name is not a label: the caller chose it, and it was never served.
    expect(after.value("gatehouse_requests_total", { route: "/api/chat", status: "403", model: "", user: user.username })).toBe(1);
  });

  test("control-plane and unknown routes are labelled by pattern, never by raw path", async () => {
    const user = await seedUser();
    const { secret } = await seedKey(user.id);
    const id = crypto.randomUUID();
    expect((await asKey(secret, "GET", `/admin/api/users/${id}`)).status).toBe(403);
    expect((await postJson(`/api/${unique("nothing-here")}`, {})).status).toBe(404);
    const metrics = await scrapeLocally();
    expect(metrics.value("gatehouse_requests_total", { route: "/admin/api/users/:id", status: "403", model: "", user: user.username })).toBe(1);
    expect(metrics.sum("gatehouse_requests_total", { route: "unmatched", status: "404" })).toBeGreaterThanOrEqual(1);
    expect(metrics.samples.some((s) => s.labels.route?.includes(id) || s.labels.route?.includes("nothing-here"))).toBe(false);
  });

  test("a username with quotes, backslashes and a newline is escaped, and the text still parses", async () => {
    const user = await seedUser({ username: `odd"name\\with\nnewline-${crypto.randomUUID().slice(0, 6)}` });
    const { secret } = await seedKey(user.id);
    const response = await asKey(secret, "POST", "/api/chat", chat);
    await response.text();
    expect(response.status).toBe(200);
    const metrics = await eventually(scrapeLocally, (m) => m.sum("gatehouse_requests_total", { user: user.username }) === 1);
    expect(metrics.value("gatehouse_requests_total", { route: "/api/chat", status: "200", model: "llama3.2:latest", user: user.username })).toBe(1);
  });

  test("an audit store that cannot be written counts a write failure and an audit_unavailable refusal", async () => {
    const user = await seedUser();
    const { secret } = await seedKey(user.id);
    const before = await scrapeLocally();
    await env.DB.prepare("ALTER TABLE audit_events RENAME TO audit_events_away").run();
    try {
      const response = await asKey(secret, "POST", "/api/chat", chat);
      expect(response.status).toBe(503);
      await response.text();
    } finally {
      await env.DB.prepare("ALTER TABLE audit_events_away RENAME TO audit_events").run();
    }
    const after = await scrapeLocally();
    const begin = { stage: "begin" };
    expect(after.value("gatehouse_audit_write_failures_total", begin) - before.value("gatehouse_audit_write_failures_total", begin)).toBe(1);
    const refused = { reason: "audit_unavailable" };
    expect(after.value("gatehouse_refusals_total", refused) - before.value("gatehouse_refusals_total", refused)).toBe(1);
  });

  test("no credential appears in the metrics", async () => {
    const user = await seedUser();
    const { secret } = await seedKey(user.id);
    await (await asKey(secret, "POST", "/api/chat", chat)).text();
    const text = await (await gateway("/metrics", { headers: { "CF-Connecting-IP": "127.0.0.1" } })).text();
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.slice(0, 12));
    expect(text).not.toMatch(/Bearer|Basic |Cookie|password/i);
  });
});
