import type { AdminDetail } from "../audit/admin-actions";
import type { BackendChanges, BackendRow, NewBackendRow } from "../db/backend-writes";
import type { BackendPatchInput, NewBackendInput } from "./backend-input";
import { sealCredential } from "./credential-seal";

/**
 * From validated admin input to what is written: the credential sealed here
 * (src/backends/credential-seal.ts), so its clear text goes no further than
 * this request; lists and prices as their JSON columns.
 */

const json = <T>(value: T | null): string | null => (value === null ? null : JSON.stringify(value));

export async function newBackendRow(sessionSecret: string, input: NewBackendInput, source: "api" | "file" = "api"): Promise<NewBackendRow> {
  return {
    id: crypto.randomUUID(),
    name: input.name,
    kind: input.kind,
    url: input.url,
    credentialCiphertext: input.credential === undefined ? null : await sealCredential(sessionSecret, input.credential),
    slots: input.slots,
    priority: input.priority,
    enabled: input.enabled,
    boundary: input.boundary,
    models: json(input.models),
    prices: json(input.prices),
    source,
  };
}

export async function backendChanges(sessionSecret: string, patch: BackendPatchInput): Promise<BackendChanges> {
  const { credential, models, prices, ...plain } = patch;
  const changes: BackendChanges = { ...plain };
  if (models !== undefined) changes.models = json(models);
  if (prices !== undefined) changes.prices = json(prices);
  if (credential !== undefined) changes.credentialCiphertext = credential === null ? null : await sealCredential(sessionSecret, credential);
  return changes;
}

/**
 * The admin record's detail: what the backend is now, and whether the
 * credential was set or cleared — never its value or ciphertext.
 */
export function backendDetail(row: Omit<BackendRow, "createdAt" | "updatedAt">, credential: "set" | "cleared" | "kept" | "none"): AdminDetail {
  return {
    backendId: row.id,
    name: row.name,
    kind: row.kind,
    url: row.url,
    boundary: row.boundary,
    enabled: row.enabled,
    slots: row.slots,
    priority: row.priority,
    models: row.models,
    prices: row.prices,
    credential,
  };
}
