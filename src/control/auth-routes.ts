import { Hono, type Context } from "hono";
import { z } from "zod";
import { assertRegistrationAllowed, countRegistration } from "../auth/throttle";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import { derivationOrBusy } from "../auth/derivation-gate";
import { servedOverHttps, socketAddressOf } from "../auth/client-address";
import { identifyByPassword, identifyBySession } from "../auth/identify";
import { hashPassword, passwordSchema } from "../auth/passwords";
import { clearedSessionCookie, issueSession, sessionCookie, sessionTokenFrom } from "../auth/sessions";
import { insertUserIfFree, updateUser, type UserRow } from "../db/users";
import { authenticate } from "../auth/authenticate";
import { assertAccountUsable, authorize } from "../auth/authorize";
import { jsonBody } from "../middleware/json-body";
import { validated } from "../middleware/validate";
import { sessionUserView } from "./views";

/**
 * /auth/*: register, sign in, sign out, change one's password. app.ts puts
 * the same-origin check in front of all of them.
 */

const registerBody = z.strictObject({ email: z.email().max(320), password: passwordSchema });
const loginBody = z.strictObject({ username: z.string().trim().min(1).max(320), password: z.string().min(1).max(1024) });
const passwordBody = z.strictObject({ currentPassword: z.string().min(1).max(1024), newPassword: passwordSchema });

export function authRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.post("/register", jsonBody(), register);
  routes.post("/login", jsonBody(), login);
  routes.post("/logout", logout);
  routes.post(
    "/password",
    jsonBody(),
    authenticate({ accept: ["session", "basic"] }),
    authorize({ group: "control", allowPasswordChange: true }),
    changePassword,
  );
  return routes;
}

function secureCookies(c: Context<AppEnv>): boolean {
  return servedOverHttps(c.req.url, c.req.header("X-Forwarded-Proto"), socketAddressOf(c.req.raw), c.var.config.GATEHOUSE_TRUSTED_PROXIES);
}

async function startSession(c: Context<AppEnv>, user: UserRow): Promise<void> {
  const token = await issueSession(c.env.SESSION_SECRET, { userId: user.id, sessionVersion: user.sessionVersion });
  c.header("Set-Cookie", sessionCookie(token, secureCookies(c)));
  c.header("Cache-Control", "no-store");
}

/**
 * Self-registration: a pending account until an admin approves it. A taken
 * email gets the same answer (and costs the same hashing), so registering
 * cannot be used to find out who has an account.
 */
async function register(c: Context<AppEnv>): Promise<Response> {
  const body = validated(registerBody, c.var.jsonBody);
  await assertRegistrationAllowed(c.env, c.var.clientAddress);
  await countRegistration(c.env, c.var.clientAddress);
  const email = body.email.toLowerCase();
  const passwordHash = await derivationOrBusy(hashPassword(body.password, c.var.config.GATEHOUSE_PBKDF2_ITERATIONS));
  await insertUserIfFree(c.env.DB, { username: email, email, role: "user", status: "pending", passwordHash, mustChangePassword: false });
  return c.json({ status: "pending" }, 201);
}

async function login(c: Context<AppEnv>): Promise<Response> {
  const body = validated(loginBody, c.var.jsonBody);
  const user = await identifyByPassword({
    env: c.env,
    username: body.username,
    password: body.password,
    clientAddress: c.var.clientAddress,
    iterations: c.var.config.GATEHOUSE_PBKDF2_ITERATIONS,
  });
  // Right password, but pending or disabled: say so, and open no session.
  assertAccountUsable(user, true);
  await startSession(c, user);
  return c.json({ user: sessionUserView(user) });
}

/**
 * Signs out by bumping the session version: a JWT cannot be recalled one by
 * one, so every session of the account ends (a stolen copy of this cookie
 * included). Always 204, signed in or not.
 */
async function logout(c: Context<AppEnv>): Promise<Response> {
  const token = sessionTokenFrom(c.req.header("Cookie"));
  if (token) {
    const user = await identifyBySession(c.env, token).catch(() => null);
    if (user) await updateUser(c.env.DB, user.id, { revokeSessions: true });
  }
  c.header("Set-Cookie", clearedSessionCookie(secureCookies(c)));
  return c.body(null, 204);
}

/** Needs the current password (throttled like a sign-in); revokes every other session. */
async function changePassword(c: Context<AppEnv>): Promise<Response> {
  const body = validated(passwordBody, c.var.jsonBody);
  const principal = c.var.principal;
  if (body.newPassword === body.currentPassword) {
    throw new GatehouseError("invalid_request", { message: "newPassword: must differ from the current password" });
  }
  const checked = await identifyByPassword({
    env: c.env,
    username: principal.username,
    password: body.currentPassword,
    clientAddress: c.var.clientAddress,
    iterations: c.var.config.GATEHOUSE_PBKDF2_ITERATIONS,
  }).catch((error: unknown) => {
    if (error instanceof GatehouseError && error.code === "unauthenticated") return null;
    throw error;
  });
  if (!checked || checked.id !== principal.userId) {
    throw new GatehouseError("forbidden", { message: "The current password is wrong." });
  }
  const passwordHash = await hashPassword(body.newPassword, c.var.config.GATEHOUSE_PBKDF2_ITERATIONS);
  const updated = await updateUser(c.env.DB, principal.userId, { passwordHash, mustChangePassword: false, revokeSessions: true });
  if (!updated) throw new GatehouseError("unauthenticated");
  // This browser stays signed in with a fresh token; every other session ends.
  if (principal.via === "session") await startSession(c, updated);
  return c.body(null, 204);
}
