import { foldedGet, isRecord } from "../body/fold";

/**
 * Reading a client's body as its engine would, then as the target needs it.
 * Every field is found with Ollama's key folding (src/body/fold.ts), the way
 * the policy steps read it, so the model and limits that were checked are
 * the ones translated: `{"Model":"x"}` cannot slip a different model past
 * policy into a case-sensitive backend. Wrong types read as absent.
 */

export type Json = Record<string, unknown>;
export { isRecord };

export const get = (record: unknown, name: string): unknown => (isRecord(record) ? foldedGet(record, name) : undefined);

export function str(record: unknown, name: string): string | undefined {
  const value = get(record, name);
  return typeof value === "string" ? value : undefined;
}

export function num(record: unknown, name: string): number | undefined {
  const value = get(record, name);
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export function bool(record: unknown, name: string): boolean | undefined {
  const value = get(record, name);
  return typeof value === "boolean" ? value : undefined;
}

export function arr(record: unknown, name: string): unknown[] {
  const value = get(record, name);
  return Array.isArray(value) ? value : [];
}

export function obj(record: unknown, name: string): Json | undefined {
  const value = get(record, name);
  return isRecord(value) ? value : undefined;
}

/** A body's bytes as a JSON object; null for anything else (the schema step already refused those). */
export function parseBody(bytes: Uint8Array | undefined): Json {
  if (!bytes) return {};
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return isRecord(value) ? value : {};
  } catch {
    return {};
  }
}

export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const encodeJson = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

/** Removes keys whose value is undefined, so optional settings the client left out stay out. */
export function compact<T extends Json>(record: T): T {
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return record;
}

/** A stop list from a string or an array of strings. */
export function stopList(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}
