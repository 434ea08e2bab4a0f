import { canonicalModel } from "../inference/model-names";
import type { RuntimeBackend } from "./catalog";
import { callBackend, type Outbound } from "./outbound";
import type { BackendKind } from "./types";

/**
 * Which models a backend serves: its fixed list when the catalog gives one,
 * else what it says itself — Ollama's GET /api/tags, an OpenAI-compatible
 * server's GET {base}/models, Anthropic's GET /v1/models — asked at most
 * every 60 s, and again on a miss (a model just pulled), but not more than
 * once per few seconds however many unknown names arrive (and not at all on
 * a miss while the backend did not answer its last look-up). Kept per isolate,
 * per backend version. A backend that cannot be asked serves what it served
 * last (nothing, the first time): routing then passes it by.
 * Look-ups carry `X-Gatehouse-Lookup`, so an engine's log can tell them from
 * client traffic.
 */

const freshMs = 60_000;
const missRefreshMs = 5_000;

const listPaths: Record<BackendKind, { path: string; list: string; fields: string[] }> = {
  ollama: { path: "/api/tags", list: "models", fields: ["name", "model"] },
  openai: { path: "/models", list: "data", fields: ["id"] },
  anthropic: { path: "/v1/models", list: "data", fields: ["id"] },
};

interface Known {
  names: string[];
  keys: Set<string>;
  at: number;
  /** The last ask got no list (down, slow, not JSON): no asking again on a miss until the list is stale. */
  failed: boolean;
  asking: Promise<void> | null;
}

const known = new Map<string, Known>();

/** How a model name compares on a backend: Ollama's `:latest` default, any case. */
export function modelKey(kind: BackendKind, name: string): string {
  return (kind === "ollama" ? canonicalModel(name) : name).toLowerCase();
}

const versionOf = (backend: RuntimeBackend) => `${backend.id}\u0000${backend.url}\u0000${backend.updatedAt}`;

async function ask(out: Outbound, backend: RuntimeBackend, entry: Known, now: number): Promise<void> {
  const shape = listPaths[backend.kind];
  entry.failed = true;
  try {
    const response = await callBackend(out, backend, { method: "GET", path: shape.path }, "discovery");
    if (!response.ok) {
      await response.body?.cancel();
      return;
    }
    const body: unknown = await response.json();
    const entries = (body as Record<string, unknown> | null)?.[shape.list];
    if (!Array.isArray(entries)) return;
    const names = new Set<string>();
    for (const item of entries as Record<string, unknown>[]) {
      for (const field of shape.fields) {
        const name = item?.[field];
        if (typeof name === "string" && name !== "" && name.length <= 400) names.add(name);
      }
    }
    entry.names = [...names];
    entry.keys = new Set(entry.names.map((name) => modelKey(backend.kind, name)));
    entry.failed = false;
  } catch {
    // Unreachable or not JSON: keep what was known; the breaker and probes judge its health.
  } finally {
    entry.at = now;
  }
}

function refresh(out: Outbound, backend: RuntimeBackend, entry: Known, now: number): Promise<void> {
  entry.asking ??= ask(out, backend, entry, now).finally(() => (entry.asking = null));
  return entry.asking;
}

function entryFor(backend: RuntimeBackend): Known {
  const version = versionOf(backend);
  let entry = known.get(version);
  if (!entry) {
    entry = { names: [], keys: new Set(), at: -Infinity, failed: false, asking: null };
    known.set(version, entry);
  }
  return entry;
}

/** The models a backend serves now (its fixed list, or discovered). */
export async function modelsOf(out: Outbound, backend: RuntimeBackend, now = Date.now()): Promise<string[]> {
  if (backend.models !== null) return backend.models;
  const entry = entryFor(backend);
  if (now - entry.at >= freshMs) await refresh(out, backend, entry, now);
  return entry.names;
}

/** Whether the backend serves `model`; an unknown name asks the backend again (at most every few seconds). */
export async function servesModel(out: Outbound, backend: RuntimeBackend, model: string, now = Date.now()): Promise<boolean> {
  const key = modelKey(backend.kind, model);
  if (backend.models !== null) return backend.models.some((name) => modelKey(backend.kind, name) === key);
  const entry = entryFor(backend);
  const stale = now - entry.at >= freshMs;
  // A backend that did not answer last time is asked again once the list is stale, not at every miss:
  // while it is down, requests do not each wait for its look-up to time out.
  if (stale || (!entry.keys.has(key) && !entry.failed && now - entry.at >= missRefreshMs)) await refresh(out, backend, entry, now);
  return entry.keys.has(key);
}
