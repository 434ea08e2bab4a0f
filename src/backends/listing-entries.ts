import type { Context } from "hono";
import type { AppEnv } from "../env";
import { modelAllowed } from "../inference/model-policy";
import type { Listing } from "../inference/route-table";
import { runtimeCatalog } from "./catalog";
import { modelsOf } from "./discovery";
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
  const pinned = pinnedOf(principal);
  const out = outboundOf(c.env, c.var.config);
  const others = catalog.backends.filter((backend) => !backend.builtIn && boundaries.includes(backend.boundary) && (pinned === null || pinned.includes(backend.name)));
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
