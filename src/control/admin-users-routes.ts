import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import { commitAdminChange, recordAdminAction } from "../audit/admin-actions";
import { hashPassword, passwordSchema, randomPassword } from "../auth/passwords";
import { listApiKeys, revokeApiKey } from "../db/api-keys";
import { deleteUser, findUserByLogin, getUser, listUsers, type UserRow } from "../db/users";
import { configuredDefaultLimits } from "../governance/limits";
import { jsonBody } from "../middleware/json-body";
import { validated } from "../middleware/validate";
import { createKey } from "./key-creation";
import { accountStatuses, roles } from "../vocabulary";
import { assertKeepsAnAdmin, patchUser } from "./user-patch";
import { assertExportCovers, deleteAuditContentOf } from "./user-deletion";
import { keyView, userView } from "./views";

/**
 * /admin/api/users…: accounts and their keys. app.ts lets only active admins
 * (no pending password change) reach anything under /admin/api.
 */

const usernameSchema = z
  .string()
  .trim()
  .min(1)
  .max(320)
  .regex(/^[A-Za-z0-9._@+-]+$/, "letters, digits and . _ @ + - only");

const newUserBody = z.strictObject({
  username: usernameSchema,
  email: z.email().max(320).optional(),
  role: z.enum(roles).default("user"),
  /** Optional; the user must change it at first sign-in either way. */
  password: passwordSchema.optional(),
});

const statusQuery = z.enum(accountStatuses).optional();

export function adminUsersRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get("/users", async (c) => {
    const status = validated(statusQuery, c.req.query("status"));
    return c.json({ users: (await listUsers(c.env.DB, status)).map((user) => userView(user, defaultsOf(c))) });
  });
  routes.post("/users", jsonBody(), createUser);
  routes.get("/users/:id", async (c) => c.json({ user: userView(await targetUser(c), defaultsOf(c)) }));
  routes.patch("/users/:id", jsonBody(), patchUser);
  routes.delete("/users/:id", removeUser);
  routes.post("/users/:id/reset-password", resetPassword);
  routes.get("/users/:id/keys", async (c) => c.json({ keys: (await listApiKeys(c.env.DB, (await targetUser(c)).id)).map((key) => keyView(key)) }));
  routes.post("/users/:id/keys", jsonBody(), async (c) => {
    const user = await targetUser(c);
    const response = await createKey(c, user.id);
    await recordAdminAction(c, { action: "key.create", targetUserId: user.id });
    return response;
  });
  routes.delete("/users/:id/keys/:keyId", async (c) => {
    const user = await targetUser(c);
    const keyId = c.req.param("keyId");
    if (!(await revokeApiKey(c.env.DB, user.id, keyId))) throw new GatehouseError("not_found");
    await recordAdminAction(c, { action: "key.revoke", targetUserId: user.id, detail: { keyId } });
    return c.body(null, 204);
  });
  return routes;
}

const defaultsOf = (c: Context<AppEnv>) => configuredDefaultLimits(c.var.config);

async function targetUser(c: Context<AppEnv>): Promise<UserRow> {
  const user = await getUser(c.env.DB, c.req.param("id") ?? "");
  if (!user) throw new GatehouseError("not_found");
  return user;
}

/** Active at once. People get a temporary password (given or generated, returned once); service accounts none. */
async function createUser(c: Context<AppEnv>): Promise<Response> {
  const body = validated(newUserBody, c.var.jsonBody);
  if (body.role === "service" && body.password !== undefined) {
    throw new GatehouseError("invalid_request", { message: "password: service accounts sign in with keys only" });
  }
  const temporary = body.role === "service" ? null : (body.password ?? randomPassword());
  const passwordHash = temporary === null ? null : await hashPassword(temporary, c.var.config.GATEHOUSE_PBKDF2_ITERATIONS);
  const email = body.email?.toLowerCase() ?? null;
  if ((await findUserByLogin(c.env.DB, body.username)) || (email !== null && (await findUserByLogin(c.env.DB, email)))) {
    throw new GatehouseError("conflict", { message: "username: already taken" });
  }
  const row = { id: crypto.randomUUID(), username: body.username, email, role: body.role, status: "active" as const, passwordHash, mustChangePassword: temporary !== null };
  // The account and its record in one batch: both land or neither (503 audit_unavailable).
  await commitAdminChange(c, [{ action: "user.create", targetUserId: row.id, detail: { role: row.role } }], { kind: "insert", row, at: Date.now() });
  const user = await getUser(c.env.DB, row.id);
  // Taken between the check and the batch (two admins at once): the insert did nothing.
  if (!user) throw new GatehouseError("conflict", { message: "username: already taken" });
  c.header("Cache-Control", "no-store");
  const generated = temporary !== null && body.password === undefined;
  return c.json({ user: userView(user, defaultsOf(c)), ...(generated ? { temporaryPassword: temporary } : {}) }, 201);
}

/** A random temporary password, returned once; every session ends and it must be changed at next sign-in. */
async function resetPassword(c: Context<AppEnv>): Promise<Response> {
  const user = await targetUser(c);
  if (user.role === "service") throw new GatehouseError("conflict", { message: "Service accounts have no password." });
  const temporaryPassword = randomPassword();
  const passwordHash = await hashPassword(temporaryPassword, c.var.config.GATEHOUSE_PBKDF2_ITERATIONS);
  const changes = { passwordHash, mustChangePassword: true, revokeSessions: true };
  await commitAdminChange(c, [{ action: "user.reset_password", targetUserId: user.id }], { kind: "update", userId: user.id, changes, at: Date.now() });
  c.header("Cache-Control", "no-store");
  return c.json({ temporaryPassword });
}

async function removeUser(c: Context<AppEnv>): Promise<Response> {
  const user = await targetUser(c);
  await assertKeepsAnAdmin(c, user, "delete");
  await assertExportCovers(c, user);
  await recordAdminAction(c, { action: "user.delete", targetUserId: user.id, detail: { username: user.username } });
  await deleteUser(c.env.DB, user.id);
  await deleteAuditContentOf(c, user);
  return c.body(null, 204);
}
