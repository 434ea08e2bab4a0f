import { env } from "cloudflare:test";
import { generateKey } from "../../../src/auth/api-keys";
import type { KeyScope } from "../../../src/auth/key-scope";
import { hashPassword } from "../../../src/auth/passwords";
import type { AccountStatus, Role } from "../../../src/auth/principal";
import { insertApiKey } from "../../../src/db/api-keys";
import { insertUser, type UserRow } from "../../../src/db/users";
import { gateway } from "../helpers/gateway";
import { errorOf } from "../../helpers/error-shape";

/**
 * Accounts for identity tests, made straight in D1 (the admin API has its own
 * tests), and requests sent the way the console and scripts send them.
 */

export const origin = "http://gatehouse.test";
export const goodPassword = "correct horse battery staple";

/** A name no other test uses (storage may be shared across tests in a file). */
export function unique(base: string): string {
  return `${base}-${crypto.randomUUID().slice(0, 8)}`;
}

/** A client address of its own, so one test's failed sign-ins never lock another's. */
export function freshAddress(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(3));
  return `10.${bytes[0]}.${bytes[1]}.${bytes[2]}`;
}

export interface SeedOptions {
  username?: string;
  email?: string | null;
  role?: Role;
  status?: AccountStatus;
  password?: string | null;
  mustChangePassword?: boolean;
  limits?: string | null;
}

export async function seedUser(options: SeedOptions = {}): Promise<UserRow> {
  const password = options.password === undefined ? (options.role === "service" ? null : goodPassword) : options.password;
  const user = await insertUser(env.DB, {
    username: options.username ?? unique(options.role ?? "user"),
    email: options.email ?? null,
    role: options.role ?? "user",
    status: options.status ?? "active",
    passwordHash: password === null ? null : await hashPassword(password, 1000),
    mustChangePassword: options.mustChangePassword ?? false,
  });
  if (options.limits !== undefined) {
    await env.DB.prepare("UPDATE users SET limits = ? WHERE id = ?").bind(options.limits, user.id).run();
  }
  return user;
}

export async function seedKey(userId: string, options: { scope?: KeyScope; expiresAt?: number | null; revokedAt?: number } = {}): Promise<{ id: string; secret: string }> {
  const generated = await generateKey();
  const row = await insertApiKey(env.DB, {
    userId,
    name: unique("key"),
    prefix: generated.prefix,
    secretHash: generated.secretHash,
    expiresAt: options.expiresAt ?? null,
    scope: options.scope ? JSON.stringify(options.scope) : null,
  });
  if (options.revokedAt) await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?").bind(options.revokedAt, row.id).run();
  return { id: row.id, secret: generated.secret };
}

export function login(username: string, password: string, address = freshAddress()): Promise<Response> {
  return gateway("/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: origin, "CF-Connecting-IP": address },
    body: JSON.stringify({ username, password }),
  });
}

/** Signs in and returns the `name=value` of the session cookie. */
export async function sessionCookie(username: string, password = goodPassword): Promise<string> {
  const response = await login(username, password);
  if (response.status !== 200) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  const cookie = response.headers.get("Set-Cookie") ?? "";
  return cookie.split(";")[0]!;
}

/** A console call: cookie, our Origin, JSON. */
export function asSession(cookie: string, method: string, path: string, body?: unknown): Promise<Response> {
  return gateway(path, {
    method,
    headers: { Cookie: cookie, Origin: origin, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** A script's call with an API key. */
export function asKey(secret: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return gateway(path, {
    method,
    headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export function basic(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

export async function errorCode(response: Response): Promise<string | undefined> {
  // Any dialect: inference routes answer in Ollama's or OpenAI's shape.
  return errorOf(await response.json()).code;
}

export const chat = { model: "llama3.2:latest", messages: [{ role: "user", content: "hello" }], stream: false };
