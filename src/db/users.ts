import { and, count, eq, or, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { credentialsChanged } from "./credential-epoch";
import type { Db } from "./audit-events";
import { users } from "./schema";
import type { AccountStatus, CaptureMode, Role } from "../vocabulary";

/** Queries on the users table. Every write sets updated_at. */

export type UserRow = typeof users.$inferSelect;

export interface NewUser {
  username: string;
  email?: string | null;
  role: Role;
  status: AccountStatus;
  passwordHash: string | null;
  mustChangePassword: boolean;
}

export async function insertUser(db: D1Database, user: NewUser, now = Date.now()): Promise<UserRow> {
  const row = { id: crypto.randomUUID(), email: null, ...user, sessionVersion: 1, createdAt: now, updatedAt: now };
  return drizzle(db).insert(users).values(row).returning().get();
}

/**
 * Inserts unless the username or email is taken (case-insensitively); null then.
 * One statement, so two racing registrations cannot both get in.
 */
export async function insertUserIfFree(db: D1Database, user: NewUser, now = Date.now()): Promise<UserRow | null> {
  const row = { id: crypto.randomUUID(), email: null, ...user, sessionVersion: 1, createdAt: now, updatedAt: now };
  const inserted = await drizzle(db).insert(users).values(row).onConflictDoNothing().returning().all();
  return inserted[0] ?? null;
}

export async function getUser(db: D1Database, id: string): Promise<UserRow | null> {
  return (await byIdQuery(db).get({ id })) ?? null;
}

/** Prepared once per database binding: every console request (the session's user) reads through it. */
const byId = new WeakMap<D1Database, ReturnType<typeof prepareById>>();

function prepareById(db: D1Database) {
  return drizzle(db).select().from(users).where(eq(users.id, sql.placeholder("id"))).prepare();
}

function byIdQuery(db: D1Database) {
  let query = byId.get(db);
  if (!query) byId.set(db, (query = prepareById(db)));
  return query;
}

/** By username or email; both columns compare without regard to case. */
export async function findUserByLogin(db: D1Database, login: string): Promise<UserRow | null> {
  const name = login.trim();
  return (await drizzle(db).select().from(users).where(or(eq(users.username, name), eq(users.email, name))).get()) ?? null;
}

export async function listUsers(db: D1Database, status?: AccountStatus): Promise<UserRow[]> {
  const query = drizzle(db).select().from(users);
  const rows = await (status ? query.where(eq(users.status, status)) : query).orderBy(users.createdAt).all();
  return rows;
}

export async function countActiveAdmins(db: D1Database): Promise<number> {
  const row = await drizzle(db)
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.role, "admin"), eq(users.status, "active")))
    .get();
  return row?.n ?? 0;
}

export async function adminExists(db: D1Database): Promise<boolean> {
  const row = await drizzle(db).select({ n: count() }).from(users).where(eq(users.role, "admin")).get();
  return (row?.n ?? 0) > 0;
}

export interface UserChanges {
  status?: AccountStatus;
  role?: Role;
  passwordHash?: string | null;
  mustChangePassword?: boolean;
  limits?: string | null;
  allowCloudModels?: boolean;
  /** JSON array of data boundaries (src/governance/boundaries.ts); null = from allowCloudModels. */
  boundaries?: string | null;
  captureMode?: CaptureMode | null;
  /** Revoke every session issued so far. */
  revokeSessions?: boolean;
}

function changeSet(changes: UserChanges, now: number) {
  const { revokeSessions, ...fields } = changes;
  return { ...fields, updatedAt: now, ...(revokeSessions ? { sessionVersion: sql`${users.sessionVersion} + 1` } : {}) };
}

export async function updateUser(db: D1Database, id: string, changes: UserChanges, now = Date.now()): Promise<UserRow | null> {
  const row = (await drizzle(db).update(users).set(changeSet(changes, now)).where(eq(users.id, id)).returning().get()) ?? null;
  credentialsChanged();
  return row;
}

/**
 * A change to users written together with its admin record, in one D1 batch
 * by the audit ledger (src/audit/admin-actions.ts): both land or neither.
 * Plain data, so it travels to the ledger over RPC.
 */
export type UserWrite =
  | { kind: "update"; userId: string; changes: UserChanges; at: number }
  | { kind: "insert"; row: NewUser & { id: string }; at: number };

/** The statement of a UserWrite. Never fails on its own (an insert of a taken name does nothing), so it cannot sink a shared batch. */
export function userWriteStatement(d: Db, write: UserWrite) {
  if (write.kind === "update") return d.update(users).set(changeSet(write.changes, write.at)).where(eq(users.id, write.userId));
  const row = { email: null, ...write.row, sessionVersion: 1, createdAt: write.at, updatedAt: write.at };
  return d.insert(users).values(row).onConflictDoNothing();
}

export async function deleteUser(db: D1Database, id: string): Promise<boolean> {
  const deleted = await drizzle(db).delete(users).where(eq(users.id, id)).returning({ id: users.id }).all();
  credentialsChanged();
  return deleted.length > 0;
}
