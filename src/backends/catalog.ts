import type { GatehouseConfig } from "../config";
import { enabledBackends, type StoredBackend } from "../db/backends";
import { catalogEpoch } from "./catalog-epoch";
import { builtInBackend } from "./backend-view";
import { builtInBackendName } from "./types";

/**
 * The runtime's view of the backend catalog: the built-in `local` backend
 * (GATEHOUSE_OLLAMA through the OLLAMA binding, always present) and the
 * enabled rows of D1's `backends` table, highest priority first.
 *
 * Read once per isolate and kept until the catalog epoch moves (every change
 * through the admin API bumps it; src/backends/catalog-epoch.ts), so a request
 * on an unchanged catalog reads nothing from D1. An install with no rows gets
 * a catalog of `local` alone, which routing serves without looking further.
 */

export type RuntimeBackend = StoredBackend & { builtIn: boolean };

export interface RuntimeCatalog {
  /** Enabled backends, highest priority first (ties keep `local` first, then by name). */
  readonly backends: readonly RuntimeBackend[];
  readonly local: RuntimeBackend;
  /** No row is enabled: everything goes to `local`, as before the catalog existed. */
  readonly onlyLocal: boolean;
  /** A backend by its name, any case. */
  byName(name: string): RuntimeBackend | undefined;
}

/** The built-in backend, from the settings (src/backends/backend-view.ts). */
export function localBackend(config: Pick<GatehouseConfig, "GATEHOUSE_OLLAMA" | "GATEHOUSE_MAX_INFLIGHT">): RuntimeBackend {
  return { ...builtInBackend(config), sealedCredential: null, updatedAt: 0, builtIn: true };
}

export function buildCatalog(local: RuntimeBackend, rows: readonly StoredBackend[]): RuntimeCatalog {
  // A row may not shadow the built-in name (the admin API refuses it; a hand-written row is ignored).
  const others = rows.filter((row) => row.enabled && row.name !== builtInBackendName).map((row) => ({ ...row, builtIn: false }));
  const all = [local, ...others].sort((a, b) => b.priority - a.priority || Number(b.builtIn) - Number(a.builtIn) || a.name.localeCompare(b.name));
  const names = new Map(all.map((backend) => [backend.name.toLowerCase(), backend]));
  return { backends: all, local, onlyLocal: others.length === 0, byName: (name) => names.get(name.toLowerCase()) };
}

let cached: { epoch: number; config: GatehouseConfig; catalog: Promise<RuntimeCatalog> } | null = null;

/** The catalog for this request: from the isolate's cache unless the epoch moved. */
export function runtimeCatalog(db: D1Database, config: GatehouseConfig): Promise<RuntimeCatalog> {
  const epoch = catalogEpoch();
  // GATEHOUSE_CREDENTIAL_CACHE=off is the setting for a runtime with several isolates, where the
  // epoch (per isolate) misses another isolate's change: then every request reads the catalog.
  const cacheOn = config.GATEHOUSE_CREDENTIAL_CACHE === "on";
  if (cacheOn && cached && cached.epoch === epoch && cached.config === config) return cached.catalog;
  const catalog = enabledBackends(db).then((rows) => buildCatalog(localBackend(config), rows));
  const entry = { epoch, config, catalog };
  cached = entry;
  // A failed read is not kept: the next request reads again.
  catalog.catch(() => {
    if (cached === entry) cached = null;
  });
  return catalog;
}
