import { routeTable, type RouteSpec } from "../../../src/inference/route-table";

/** The real route table's row for a path (the tests translate exactly what the gateway mounts). */
export function route(path: string): RouteSpec {
  const found = routeTable.find((row) => row.path === path);
  if (!found) throw new Error(`no route ${path}`);
  return found;
}

export const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
export const sentBody = (body: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(body)) as Record<string, unknown>;
