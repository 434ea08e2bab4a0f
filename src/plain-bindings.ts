/**
 * The bindings that name no Durable Object class: what a Durable Object
 * takes as its own env. The full Bindings (src/env.ts) add the typed
 * namespaces, which name the classes; a class that imported those would
 * import itself through env.ts (a cycle). Nothing here imports anything.
 */
export interface PlainBindings {
  DB: D1Database;
  /** Ollama on the inference box, reached only through this service binding. */
  OLLAMA: Fetcher;
  /**
   * Every other backend of the catalog (src/backends/outbound.ts builds each
   * URL from the catalog's base URL): a workerd network service, loopback
   * included for engines on this box.
   */
  ENGINES: Fetcher;
  /** The console's static pages (public/). */
  ASSETS: Fetcher;
  /** Signs session JWTs; a secret binding, generated into GATEHOUSE_DATA when not given. */
  SESSION_SECRET: string;
  /** The GATEHOUSE_* settings as plain string vars; parsed by src/config.ts. */
  [setting: `GATEHOUSE_${string}`]: string | undefined;
}
