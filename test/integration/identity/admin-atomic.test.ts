import { env } from "cloudflare:test";
import { afterEach, describe, expect, test } from "vitest";
import { getUser } from "../../../src/db/users";
import { asSession, errorCode, seedUser, sessionCookie, unique } from "./helpers";

/**
 * An admin change and its admin_actions record are committed together, or
 * both refused: with the record's write failing (a trigger makes every
 * insert into admin_actions abort), the change must not stay behind.
 */
const breakRecords = () =>
  env.DB.prepare("CREATE TRIGGER IF NOT EXISTS refuse_admin_records BEFORE INSERT ON admin_actions BEGIN SELECT RAISE(ABORT, 'refused for the test'); END").run();

afterEach(async () => {
  await env.DB.prepare("DROP TRIGGER IF EXISTS refuse_admin_records").run();
});

async function adminCookie(): Promise<string> {
  const admin = await seedUser({ role: "admin" });
  return sessionCookie(admin.username);
}

describe("admin changes are recorded or not made", () => {
  test("a patch whose record cannot be written changes nothing (503 audit_unavailable)", async () => {
    const cookie = await adminCookie();
    const target = await seedUser({ status: "active" });
    await breakRecords();
    const response = await asSession(cookie, "PATCH", `/admin/api/users/${target.id}`, { status: "disabled", role: "admin", limits: { rpm: 1 } });
    expect(response.status).toBe(503);
    expect(await errorCode(response)).toBe("audit_unavailable");
    const after = await getUser(env.DB, target.id);
    expect(after).toMatchObject({ status: "active", role: "user", limits: null, sessionVersion: target.sessionVersion });
  });

  test("a user whose creation record cannot be written is not created", async () => {
    const cookie = await adminCookie();
    const username = unique("never");
    await breakRecords();
    const response = await asSession(cookie, "POST", "/admin/api/users", { username, role: "user" });
    expect(response.status).toBe(503);
    const row = await env.DB.prepare("SELECT id FROM users WHERE username = ?").bind(username).first();
    expect(row).toBeNull();
  });

  test("a password reset whose record cannot be written keeps the old password and sessions", async () => {
    const cookie = await adminCookie();
    const target = await seedUser();
    await breakRecords();
    const response = await asSession(cookie, "POST", `/admin/api/users/${target.id}/reset-password`);
    expect(response.status).toBe(503);
    expect(await getUser(env.DB, target.id)).toMatchObject({ passwordHash: target.passwordHash, mustChangePassword: false, sessionVersion: target.sessionVersion });
  });

  test("with the ledger working, the change and its record land together", async () => {
    const cookie = await adminCookie();
    const target = await seedUser({ status: "active" });
    const response = await asSession(cookie, "PATCH", `/admin/api/users/${target.id}`, { status: "disabled" });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { user: { status: string } }).user.status).toBe("disabled");
    const record = await env.DB.prepare("SELECT action FROM admin_actions WHERE target_user_id = ?").bind(target.id).first<{ action: string }>();
    expect(record?.action).toBe("user.disable");
  });
});
