import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import { generateKey } from "../auth/api-keys";
import { keyScopeSchema, type KeyScope } from "../auth/key-scope";
import { insertApiKey } from "../db/api-keys";
import { existingBackendNames } from "../db/backend-writes";
import { builtInBackendName } from "../backends/types";
import { validated } from "../middleware/validate";
import { keyView } from "./views";

/**
 * POST …/keys, for one's own keys and for an admin creating them for anyone:
 * `{"name","models"?,"endpoints"?,"sources"?,"limits"?,"boundaries"?,"backends"?,"expiresAt"?}`.
 * The scope fields can only narrow the owner's rights (src/auth/key-scope.ts).
 * The secret is in this response and nowhere else, ever.
 */
export const newKeyBody = keyScopeSchema.extend({
  name: z.string().trim().min(1).max(100),
  /** ISO 8601 or ms since the epoch; must be in the future. */
  expiresAt: z.union([z.iso.datetime({ offset: true }), z.number().int().positive()]).nullable().optional(),
});

/**
 * A key pinned to a backend the catalog does not have could never be served:
 * refused at creation, naming the names (the schema allows only [a-z0-9-]).
 * A disabled backend exists and may be pinned; `local` is always there.
 */
async function requireKnownBackends(db: D1Database, names: readonly string[]): Promise<void> {
  const rows = names.filter((name) => name !== builtInBackendName);
  const existing = await existingBackendNames(db, rows);
  const unknown = rows.filter((name) => !existing.has(name));
  if (unknown.length > 0) {
    throw new GatehouseError("invalid_request", { message: `backends: no backend named ${unknown.map((name) => `"${name}"`).join(", ")} in the catalog` });
  }
}

export async function createKey(c: Context<AppEnv>, userId: string): Promise<Response> {
  // A scoped key must not mint a key without its scope: only a session or an unscoped key may.
  if (c.var.principal.via === "key" && c.var.principal.scope !== null) {
    throw new GatehouseError("forbidden", { message: "A scoped key cannot create keys." });
  }
  const body = validated(newKeyBody, c.var.jsonBody);
  const now = Date.now();
  const expiresAt = body.expiresAt == null ? null : typeof body.expiresAt === "number" ? body.expiresAt : Date.parse(body.expiresAt);
  if (expiresAt !== null && expiresAt <= now) throw new GatehouseError("invalid_request", { message: "expiresAt: must be in the future" });
  if (body.backends) await requireKnownBackends(c.env.DB, body.backends);
  const scope: KeyScope = {};
  if (body.models) scope.models = body.models;
  if (body.endpoints) scope.endpoints = body.endpoints;
  if (body.sources) scope.sources = body.sources;
  if (body.limits) scope.limits = body.limits;
  if (body.defaultModel) scope.defaultModel = body.defaultModel;
  if (body.boundaries) scope.boundaries = body.boundaries;
  if (body.backends) scope.backends = body.backends;
  const generated = await generateKey();
  const row = await insertApiKey(c.env.DB, {
    userId,
    name: body.name,
    prefix: generated.prefix,
    secretHash: generated.secretHash,
    expiresAt,
    scope: Object.keys(scope).length > 0 ? JSON.stringify(scope) : null,
  }, now);
  c.header("Cache-Control", "no-store");
  return c.json({ key: keyView(row, now), secret: generated.secret }, 201);
}
