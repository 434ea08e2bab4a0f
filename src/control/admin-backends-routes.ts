import { Hono, type Context } from "hono";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import { commitAdminChange } from "../audit/admin-actions";
import { backendPatchBody, newBackendBody } from "../backends/backend-input";
import { backendChanges, backendDetail, newBackendRow } from "../backends/backend-changes";
import { backendOfRow, builtInBackend } from "../backends/backend-view";
import { builtInBackendName, type Backend } from "../backends/types";
import { findBackendRow, listBackendRows, type BackendRow } from "../db/backend-writes";
import { jsonBody } from "../middleware/json-body";
import { validated } from "../middleware/validate";

/**
 * The backend catalog (issue 16): GET|POST /admin/api/backends,
 * GET|PATCH|DELETE /admin/api/backends/:id (an id, or a name). app.ts lets
 * only active admins reach it. Every change is committed with its admin
 * record (commitAdminChange); the credential is write-only: responses,
 * records and errors carry `hasCredential` at most. The built-in `local`
 * (GATEHOUSE_OLLAMA) and the backends declared in GATEHOUSE_BACKENDS_FILE
 * are listed but read-only here (409 conflict): they change where they are set.
 */
export function adminBackendsRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get("/backends", async (c) => {
    const rows = (await listBackendRows(c.env.DB)).map(backendOfRow);
    return c.json({ backends: [builtInBackend(c.var.config), ...rows].sort(byPriority) });
  });
  routes.get("/backends/:id", async (c) => {
    if (c.req.param("id") === builtInBackendName) return c.json({ backend: builtInBackend(c.var.config) });
    return c.json({ backend: backendOfRow(await target(c)) });
  });
  routes.post("/backends", jsonBody(), createBackend);
  routes.patch("/backends/:id", jsonBody(), patchBackend);
  routes.delete("/backends/:id", removeBackend);
  return routes;
}

async function createBackend(c: Context<AppEnv>): Promise<Response> {
  const input = validated(newBackendBody, c.var.jsonBody);
  if (await findBackendRow(c.env.DB, input.name)) throw nameTaken();
  const row = await newBackendRow(c.env.SESSION_SECRET, input);
  const record = { action: "backend.create" as const, targetUserId: null, detail: backendDetail(row, row.credentialCiphertext === null ? "none" : "set") };
  await commitAdminChange(c, [record], { kind: "backend.insert", row, at: Date.now() });
  const stored = await findBackendRow(c.env.DB, row.id);
  // Taken between the check and the batch (two admins at once): the insert did nothing.
  if (stored?.id !== row.id) throw nameTaken();
  return c.json({ backend: backendOfRow(stored) }, 201);
}

async function patchBackend(c: Context<AppEnv>): Promise<Response> {
  const current = await writable(c);
  const patch = validated(backendPatchBody, c.var.jsonBody);
  // A stored credential never follows a backend to another host: that would hand it to whoever runs the new one.
  if (patch.url !== undefined && new URL(patch.url).origin !== new URL(current.url).origin && current.credentialCiphertext !== null && patch.credential === undefined) {
    throw new GatehouseError("invalid_request", { message: "credential: give it again (or null) to move a backend that has one to another host" });
  }
  if (patch.name !== undefined && patch.name !== current.name) {
    const holder = await findBackendRow(c.env.DB, patch.name);
    if (holder && holder.id !== current.id) throw nameTaken();
  }
  const changes = await backendChanges(c.env.SESSION_SECRET, patch);
  const credential = patch.credential === undefined ? "kept" : patch.credential === null ? "cleared" : "set";
  const record = { action: "backend.update" as const, targetUserId: null, detail: backendDetail({ ...current, ...changes }, credential) };
  await commitAdminChange(c, [record], { kind: "backend.update", id: current.id, changes, at: Date.now() });
  const stored = await findBackendRow(c.env.DB, current.id);
  if (!stored || stored.id !== current.id) throw new GatehouseError("not_found");
  // Renamed onto a name taken between the check and the batch: the update did nothing.
  if (patch.name !== undefined && stored.name !== patch.name) throw nameTaken();
  return c.json({ backend: backendOfRow(stored) });
}

async function removeBackend(c: Context<AppEnv>): Promise<Response> {
  const current = await writable(c);
  const record = { action: "backend.delete" as const, targetUserId: null, detail: backendDetail(current, "kept") };
  await commitAdminChange(c, [record], { kind: "backend.delete", id: current.id });
  return c.body(null, 204);
}

async function target(c: Context<AppEnv>): Promise<BackendRow> {
  const row = await findBackendRow(c.env.DB, c.req.param("id") ?? "");
  if (!row) throw new GatehouseError("not_found");
  return row;
}

/** A row the admin API may change: not the built-in, not one the file declares. */
async function writable(c: Context<AppEnv>): Promise<BackendRow> {
  if (c.req.param("id") === builtInBackendName) {
    throw new GatehouseError("conflict", { message: `"${builtInBackendName}" is the built-in backend: set GATEHOUSE_OLLAMA and GATEHOUSE_MAX_INFLIGHT instead.` });
  }
  const row = await target(c);
  if (row.source === "file") throw new GatehouseError("conflict", { message: `"${row.name}" is declared in GATEHOUSE_BACKENDS_FILE: change it there.` });
  return row;
}

/** The order routing tries them in: highest priority first, then by name. */
const byPriority = (a: Backend, b: Backend) => b.priority - a.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

const nameTaken = () => new GatehouseError("conflict", { message: "name: already taken" });
