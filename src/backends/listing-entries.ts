import type { Context } from "hono";
import type { AppEnv } from "../env";
import { modelAllowed } from "../inference/model-policy";
import type { Listing } from "../inference/route-table";
import type { Principal } from "../auth/principal";
import { runtimeCatalog, type RuntimeBackend, type RuntimeCatalog } from "./catalog";
import { modelsOf, servesModel } from "./discovery";
import { outboundOf } from "./outbound";
import { boundariesOf, boundaryOf, pinnedOf } from "./routing";

type Entry = Record<string, unknown>;

/**
 * The listings' entries for the catalog's other backends (GET /api/tags,
 * GET /v1/models): each model of each backend the caller may use, named
 * `backend/model` — the explicit form routing accepts — and built from the
 * name alone, so nothing else a backend says reaches the client. `local`'s
 * own models are listed as before, from its answer.
 */
export async function catalogEntries(c: Context<AppEnv>, listing: Listing): Promise<Entry[]> {
  const principal = c.var.principal;
  if (listing === "ps" || !principal) return [];
  const catalog = await runtimeCatalog(c.env.DB, c.var.config);
  if (catalog.onlyLocal) return [];
  const boundaries = boundariesOf(principal);
  const others = usableOthers(principal, catalog);
  const out = outboundOf(c.env, c.var.config);
  const lists = await Promise.all(others.map((backend) => modelsOf(out, backend)));
  const entries: Entry[] = [];
  others.forEach((backend, index) => {
    for (const model of lists[index] ?? []) {
      const name = `${backend.name}/${model}`;
      if (!modelAllowed(principal, name) || !boundaries.includes(boundaryOf(backend, model))) continue;
      entries.push(listing === "openai-models" ? { id: name, object: "model", created: 0, owned_by: backend.name } : { name, model: name });
    }
  });
  return entries;
}

/** The catalog's backends other than `local` that this caller may use. */
function usableOthers(principal: Principal, catalog: RuntimeCatalog): RuntimeBackend[] {
  const boundaries = boundariesOf(principal);
  const pinned = pinnedOf(principal);
  return catalog.backends.filter((backend) => !backend.builtIn && boundaries.includes(backend.boundary) && (pinned === null || pinned.includes(backend.name)));
}

/** GET /v1/models/{backend/model}: the listing's entry for one model of another backend, or null (then `local` is asked, as before). */
export async function catalogModel(c: Context<AppEnv>, id: string): Promise<Entry | null> {
  const principal = c.var.principal;
  const slash = id.indexOf("/");
  if (!principal || slash <= 0) return null;
  const catalog = await runtimeCatalog(c.env.DB, c.var.config);
  const backend = usableOthers(principal, catalog).find((candidate) => candidate.name === id.slice(0, slash).toLowerCase());
  if (!backend || !(await servesModel(outboundOf(c.env, c.var.config), backend, id.slice(slash + 1)))) return null;
  return { id, object: "model", created: 0, owned_by: backend.name };
}
