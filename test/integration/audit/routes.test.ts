import { env } from "cloudflare:test";
import { beforeAll, describe, expect, test } from "vitest";
import { contentOf } from "../../../src/db/audit-content";
import { gateway, postJson } from "../helpers/gateway";
import { asKey, seedKey, seedUser } from "../identity/helpers";
import { parseCsv } from "./csv-parse";
import { rowOf } from "./helpers";

/** Searching, exporting and deleting through the admin API, as an admin's script would (API key). */

let admin: string;
beforeAll(async () => {
  const user = await seedUser({ role: "admin" });
  admin = (await seedKey(user.id)).secret;
});

const chat = (content: string) => ({ model: "llama3.2:latest", messages: [{ role: "user", content }], stream: false });

async function ask(secret: string, content: string): Promise<string> {
  const response = await postJson("/api/chat", chat(content), { Authorization: `Bearer ${secret}` });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  const id = response.headers.get("x-request-id")!;
  for (let i = 0; i < 200 && (await rowOf(id))?.sealed_seq == null; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return id;
}

async function person() {
  const user = await seedUser();
  return { user, secret: (await seedKey(user.id)).secret };
}

describe("search (happy)", () => {
  test("filters by user and pages with a cursor, newest first", async () => {
    const { user, secret } = await person();
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await ask(secret, `question ${i}`));
    const first = await asKey(admin, "GET", `/admin/api/audit?user=${user.id}&limit=3`);
    expect(first.status).toBe(200);
    const page1 = await first.json<{ events: { id: string; username: string }[]; next: number | null }>();
    expect(page1.events.map((e) => e.id)).toEqual(ids.slice(2).reverse());
    expect(page1.events[0]!.username).toBe(user.username);
    const page2 = await (await asKey(admin, "GET", `/admin/api/audit?user=${user.id}&limit=3&cursor=${page1.next}`)).json<{ events: { id: string }[]; next: number | null }>();
    expect(page2.events.map((e) => e.id)).toEqual(ids.slice(0, 2).reverse());
    expect(page2.next).toBeNull();
    const byOutcome = await (await asKey(admin, "GET", `/admin/api/audit?user=${user.id}&outcome=rate_limited`)).json<{ events: unknown[] }>();
    expect(byOutcome.events).toEqual([]);
  });

  test("one's own trail through /account/api, and nobody else's", async () => {
    const me = await person();
    const other = await person();
    const mine = await ask(me.secret, "mine");
    await ask(other.secret, "theirs");
    const own = await (await asKey(me.secret, "GET", `/account/api/audit?user=${other.user.id}`)).json<{ events: { id: string }[] }>();
    expect(own.events.map((e) => e.id)).toEqual([mine]);
    const csv = parseCsv(await (await asKey(me.secret, "GET", "/account/api/audit.csv")).text());
    expect(csv.slice(1).map((row) => row[1])).toEqual([mine]);
  });
});

describe("access (security)", () => {
  test("only admins search, verify and export", async () => {
    const { secret } = await person();
    for (const path of ["/admin/api/audit", "/admin/api/audit/verify", "/admin/api/audit.csv"]) {
      expect((await asKey(secret, "GET", path)).status).toBe(403);
      expect((await gateway(path)).status).toBe(401);
    }
  });
});

describe("CSV export", () => {
  test("RFC 4180 with neutralised formulas, quotes, commas and newlines kept", async () => {
    const { user, secret } = await person();
    const tricky = ['=HYPERLINK("http://evil.example","click")', "+1, -2 and @sum", 'a "quoted", multi\r\nline\nprompt', "\tTAB"];
    for (const content of tricky) await ask(secret, content);
    const response = await asKey(admin, "GET", `/admin/api/users/${user.id}/audit.csv?reason=test`);
    expect(response.headers.get("content-type")).toMatch(/^text\/csv; charset=utf-8/);
    const rows = parseCsv(await response.text());
    const header = rows[0]!;
    expect(header.slice(0, 3)).toEqual(["seq", "request_id", "kind"]);
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row).toHaveLength(header.length);
    const prompts = rows.slice(1).map((row) => JSON.parse(row[header.indexOf("prompt")]!) as { messages: { content: string }[] });
    expect(prompts.map((p) => p.messages[0]!.content)).toEqual(tricky);
    // Every cell a spreadsheet would evaluate starts with an apostrophe instead.
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    const answers = rows.slice(1).map((row) => row[header.indexOf("response")]!);
    expect(answers.every((answer) => answer.length > 0)).toBe(true);
  });
});

describe("time ranges", () => {
  test("search and export by time range; a ranged export covers nobody for deletion", async () => {
    const { user, secret } = await person();
    const before = await ask(secret, "early");
    await new Promise((resolve) => setTimeout(resolve, 20));
    const from = Date.now();
    const inside = await ask(secret, "inside");
    const to = Date.now() + 1;
    await new Promise((resolve) => setTimeout(resolve, 20));
    await ask(secret, "late");
    const listed = await (await asKey(admin, "GET", `/admin/api/audit?user=${user.id}&from=${from}&to=${new Date(to).toISOString()}`)).json<{ events: { id: string }[] }>();
    expect(listed.events.map((e) => e.id)).toEqual([inside]);
    const rows = parseCsv(await (await asKey(admin, "GET", `/admin/api/audit.csv?from=${from}&to=${to}&reason=test`)).text());
    const ids = rows.slice(1).map((row) => row[1]);
    expect(ids).toContain(inside);
    expect(ids).not.toContain(before);
    expect((await asKey(admin, "DELETE", `/admin/api/users/${user.id}`)).status).toBe(409);
    expect((await asKey(admin, "GET", "/admin/api/audit?from=yesterday")).status).toBe(400);
  });
});

describe("export before delete", () => {
  test("deleting a user with unexported records is refused; after an export it goes, with its text", async () => {
    const { user, secret } = await person();
    const id = await ask(secret, "remember me");
    const refused = await asKey(admin, "DELETE", `/admin/api/users/${user.id}`);
    expect(refused.status).toBe(409);
    expect((await refused.json<{ error: { code: string } }>()).error.code).toBe("export_required");

    await (await asKey(admin, "GET", `/admin/api/users/${user.id}/audit.csv?reason=test`)).text();
    const later = await ask(secret, "one more after the export");
    expect((await asKey(admin, "DELETE", `/admin/api/users/${user.id}`)).status).toBe(409);
    expect((await contentOf(env.DB, [later])).size).toBe(1);

    await (await asKey(admin, "GET", `/admin/api/users/${user.id}/audit.csv?reason=test`)).text();
    expect((await asKey(admin, "DELETE", `/admin/api/users/${user.id}`)).status).toBe(204);
    expect((await contentOf(env.DB, [id, later])).size).toBe(0);
    expect(await rowOf(id)).toMatchObject({ user_id: user.id, outcome: "ok" });
    const verify = await (await asKey(admin, "GET", "/admin/api/audit/verify")).json<{ ok: boolean }>();
    expect(verify.ok).toBe(true);

    const actions = await (await asKey(admin, "GET", `/admin/api/audit/actions?user=${user.id}`)).json<{ actions: { action: string }[] }>();
    expect(actions.actions.map((a) => a.action)).toEqual(["user.delete", "audit.export", "audit.export"]);
  });
});
