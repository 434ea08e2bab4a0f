import { and, desc, eq, isNull, lt, or, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { credentialsChanged } from "./credential-epoch";
import { apiKeys, users } from "./schema";
import type { UserRow } from "./users";

/** Queries on the api_keys table. No function here ever sees a key's secret, only its hash. */

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export interface NewApiKey {
  userId: string;
  name: string;
  prefix: string;
  secretHash: string;
  expiresAt: number | null;
  scope: string | null;
}

export async function insertApiKey(db: D1Database, key: NewApiKey, now = Date.now()): Promise<ApiKeyRow> {
  return drizzle(db)
    .insert(apiKeys)
    .values({ id: crypto.randomUUID(), ...key, createdAt: now })
    .returning()
    .get();
}

export async function listApiKeys(db: D1Database, userId: string): Promise<ApiKeyRow[]> {
  return drizzle(db).select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(desc(apiKeys.createdAt)).all();
}

/** Keys with this public prefix (almost always one) together with their owners. */
export async function findKeysByPrefix(db: D1Database, prefix: string): Promise<{ key: ApiKeyRow; user: UserRow }[]> {
  return byPrefixQuery(db).all({ prefix });
}

/**
 * Built once per database binding: a key the credential cache has not seen
 * reads through this, and drizzle's query building cost more than the read.
 */
const byPrefix = new WeakMap<D1Database, ReturnType<typeof prepareByPrefix>>();

function prepareByPrefix(db: D1Database) {
  return drizzle(db)
    .select({ key: apiKeys, user: users })
    .from(apiKeys)
    .innerJoin(users, eq(apiKeys.userId, users.id))
    .where(eq(apiKeys.prefix, sql.placeholder("prefix")))
    .prepare();
}

function byPrefixQuery(db: D1Database) {
  let query = byPrefix.get(db);
  if (!query) byPrefix.set(db, (query = prepareByPrefix(db)));
  return query;
}

/** Revokes one of a user's keys; false when there is no such live key. */
export async function revokeApiKey(db: D1Database, userId: string, keyId: string, now = Date.now()): Promise<boolean> {
  const revoked = await drizzle(db)
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id })
    .all();
  credentialsChanged();
  return revoked.length > 0;
}

/**
 * Records use, at most once a minute per key: a D1 write on every request
 * would cap throughput, and minute precision is all a listing needs.
 */
export async function touchApiKey(db: D1Database, keyId: string, now = Date.now()): Promise<void> {
  await drizzle(db)
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKeys.id, keyId), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now - 60_000))))
    .run();
}

export async function deleteApiKeysOf(db: D1Database, userId: string): Promise<void> {
  await drizzle(db).delete(apiKeys).where(eq(apiKeys.userId, userId)).run();
  credentialsChanged();
}
