import type { Context } from "hono";
import type { AppEnv } from "../env";
import { aliasEntries } from "./alias-listing";
import { loadAliases } from "./aliases";
import { isRemoteEntry } from "./engine-facts";
import { modelAllowed } from "./model-policy";
import type { Listing } from "./route-table";
import { callOllama } from "./upstream";

/**
 * Model listings answer with only the models the caller may use, so a
 * restricted key cannot even discover the others.
 */
export async function filteredListing(c: Context<AppEnv>, upstreamPath: string, listing: Listing): Promise<Response> {
  const config = c.var.config;
  const upstream = await callOllama(
    { ollama: c.env.OLLAMA, address: config.GATEHOUSE_OLLAMA, firstByteTimeoutMs: config.GATEHOUSE_FIRST_BYTE_TIMEOUT * 1000 },
    { method: "GET", path: upstreamPath, signal: c.req.raw.signal },
  );
  if (!upstream.ok) {
    return new Response(upstream.body, { status: upstream.status, headers: { "Content-Type": upstream.headers.get("Content-Type") ?? "application/json" } });
  }
  const body = await upstream.json<Record<string, unknown>>();
  const principal = c.var.principal;
  const key = listing === "openai-models" ? "data" : "models";
  const entries = Array.isArray(body[key]) ? (body[key] as Record<string, unknown>[]) : [];
  const nameOf = (entry: Record<string, unknown>) => String(entry.id ?? entry.name ?? entry.model ?? "");
  // Remote models (the engine says so) are hidden from those who may not use them, whatever their name.
  const usable = (entry: Record<string, unknown>) => principal === undefined || (modelAllowed(principal, nameOf(entry)) && (principal.allowCloudModels || !isRemoteEntry(entry)));
  const kept = entries.filter(usable);
  const aliases = aliasEntries(listing, await loadAliases(c.env.DB), kept, principal, nameOf);
  return c.json({ ...body, [key]: [...kept, ...aliases] });
}
