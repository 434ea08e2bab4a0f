import type { GatehouseConfig } from "../config";
import type { BackendRow } from "../db/backend-writes";
import { backendModels, backendPrices } from "./backend-input";
import { builtInBackendName, type Backend } from "./types";

/**
 * A catalog row as a Backend (src/backends/types.ts): the shape the admin
 * API lists and routing reads. Built field by field so the credential's
 * ciphertext never reaches a listing; only `hasCredential`.
 */
export function backendOfRow(row: BackendRow): Backend {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    url: row.url,
    slots: row.slots,
    priority: row.priority,
    enabled: row.enabled,
    boundary: row.boundary,
    models: parsedJson(row.models, backendModels),
    prices: parsedJson(row.prices, backendPrices),
    hasCredential: row.credentialCiphertext !== null,
    source: row.source,
  };
}

/** A stored JSON column; null when absent or (never written so, but) not of the schema. */
function parsedJson<T>(text: string | null, schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }): T | null {
  if (text === null) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * The built-in backend: the Ollama named by GATEHOUSE_OLLAMA, behind the
 * OLLAMA service binding, with GATEHOUSE_MAX_INFLIGHT slots. Not a row: it
 * always exists and is changed through those settings only.
 */
export function builtInBackend(config: Pick<GatehouseConfig, "GATEHOUSE_OLLAMA" | "GATEHOUSE_MAX_INFLIGHT">): Backend {
  return {
    id: builtInBackendName,
    name: builtInBackendName,
    kind: "ollama",
    url: `http://${config.GATEHOUSE_OLLAMA}`,
    slots: config.GATEHOUSE_MAX_INFLIGHT,
    priority: 0,
    enabled: true,
    boundary: "local",
    models: null,
    prices: null,
    hasCredential: false,
    source: "builtin",
  };
}
