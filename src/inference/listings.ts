import type { Context } from "hono";
import { isRecord } from "../body/fold";
import type { AppEnv } from "../env";
import { aliasEntries } from "./alias-listing";
import { loadAliases } from "./aliases";
import { isRemoteEntry } from "./engine-facts";
import { modelAllowed } from "./model-policy";
import type { Listing } from "./route-table";
import { runtimeCatalog } from "../backends/catalog";
import { catalogEntries } from "../backends/listing-entries";
import { callBackend, outboundOf } from "../backends/outbound";

/**
 * Model listings answer with only the models the caller may use, so a
 * restricted key cannot even discover the others. They fail closed: the
 * answer is built from the fields Ollama documents, entry by entry; anything
 * else the engine sends (another array of models, an unknown field that
 * could carry names) is left out.
 */

type Json = Record<string, unknown>;

const details = ["parent_model", "format", "family", "families", "parameter_size", "quantization_level"];

/** Per listing: the array that holds the entries, each entry's known fields, and the fields that name a model. */
const shapes: Record<Listing, { list: string; fields: string[]; names: string[]; top?: Json }> = {
  tags: { list: "models", fields: ["name", "model", "modified_at", "size", "digest", "remote_model", "remote_host"], names: ["name", "model"] },
  ps: { list: "models", fields: ["name", "model", "size", "digest", "expires_at", "size_vram", "context_length"], names: ["name", "model"] },
  "openai-models": { list: "data", fields: ["id", "object", "created", "owned_by"], names: ["id"], top: { object: "list" } },
};

const isScalar = (value: unknown) => value === null || ["string", "number", "boolean"].includes(typeof value);

function pick(source: Json, fields: string[]): Json {
  const out: Json = {};
  for (const field of fields) {
    const value = source[field];
    if (isScalar(value) || (Array.isArray(value) && value.every((item) => typeof item === "string"))) out[field] = value;
  }
  return out;
}

/** The listing to answer with: known fields of the entries `allowed` accepts under every name they carry. */
export function filterListing(listing: Listing, body: unknown, allowed: (name: string, entry: Json) => boolean): Json {
  const shape = shapes[listing];
  const entries = isRecord(body) && Array.isArray(body[shape.list]) ? (body[shape.list] as unknown[]) : [];
  const kept: Json[] = [];
  for (const entry of entries) {
    if (!isRecord(entry)) continue;
    const names = shape.names.map((field) => entry[field]).filter((name) => name !== undefined);
    if (names.length === 0 || !names.every((name) => typeof name === "string" && allowed(name, entry))) continue;
    const out = pick(entry, shape.fields);
    if (listing !== "openai-models" && isRecord(entry.details)) out.details = pick(entry.details, details);
    kept.push(out);
  }
  return { ...shape.top, [shape.list]: kept };
}

export async function filteredListing(c: Context<AppEnv>, upstreamPath: string, listing: Listing): Promise<Response> {
  const catalog = await runtimeCatalog(c.env.DB, c.var.config);
  const upstream = await callBackend(outboundOf(c.env, c.var.config), catalog.local, { method: "GET", path: upstreamPath, signal: c.req.raw.signal });
  if (!upstream.ok) {
    const headers = { "Content-Type": upstream.headers.get("Content-Type") ?? "application/json", "X-Request-Id": c.var.requestId };
    return new Response(upstream.body, { status: upstream.status, headers });
  }
  const body = await upstream.json<unknown>().catch(() => null);
  const principal = c.var.principal;
  // Remote models (the engine says so) are hidden from those who may not use them, whatever their name.
  const usable = (name: string, entry: Json) => (principal ? modelAllowed(principal, name) && (principal.allowCloudModels || !isRemoteEntry(entry)) : false);
  const answer = filterListing(listing, body, usable);
  const list = shapes[listing].list;
  const kept = answer[list] as Json[];
  const nameOf = (entry: Json) => String(entry.id ?? entry.name ?? entry.model ?? "");
  const aliases = aliasEntries(listing, await loadAliases(c.env.DB), kept, principal, nameOf);
  return c.json({ ...answer, [list]: [...kept, ...aliases, ...(await catalogEntries(c, listing))] });
}
