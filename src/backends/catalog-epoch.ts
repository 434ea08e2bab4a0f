/**
 * A counter bumped by every change to the backend catalog (admin API, CLI
 * through the API). The runtime's cached view of the catalog
 * (src/backends/catalog.ts) compares it on each read, so an added, changed,
 * disabled or removed backend takes effect at the next request. The service
 * runs one gateway isolate; the file-declared backends are written before it
 * starts.
 */
let epoch = 0;

export function catalogEpoch(): number {
  return epoch;
}

export function bumpCatalogEpoch(): void {
  epoch++;
}
