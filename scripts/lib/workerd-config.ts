import { join } from "node:path";
import { capnpValue, type CapnpValue } from "./capnp-text";
import { d1DatabaseName, d1UniqueKey, durableObjectClasses } from "./data-layout";
import type { RuntimeModules } from "./runtime-files";
import type { ServeSettings } from "./settings";

/**
 * The workerd config Gatehouse runs under in production (`npm start` and the
 * systemd unit alike), as Cap'n Proto text for `workerd serve`. Generated at
 * every start from the settings, so it always matches the environment.
 *
 * What is in it, and why each part is there:
 * - one socket, GATEHOUSE_HOST:GATEHOUSE_PORT, straight onto the gateway
 *   worker: no entry worker, no loopback server, no header that rewrites the
 *   URL or the client's address (no `cfBlobHeader`, no `forwardedProtoHeader`:
 *   request.cf holds only what workerd knows about the socket);
 * - TLS on that socket when GATEHOUSE_TLS_CERT/KEY are set, and client
 *   certificates checked against GATEHOUSE_TLS_CLIENT_CA (mTLS);
 * - the Durable Objects on local disk under GATEHOUSE_DATA/durable-objects,
 *   with the unique keys Miniflare gave them ("-UserLimiter", …), so data
 *   dirs written by earlier versions open unchanged;
 * - D1 on the SQLite file Miniflare's D1 wrote (GATEHOUSE_DATA/d1, same
 *   unique key, same file), served by Gatehouse's own database object
 *   (scripts/workerd/d1-database.ts) behind a `DB` binding of its own
 *   (scripts/workerd/d1-binding.ts, an internal extension module): one JS RPC
 *   per D1 call, where workerd's d1-api wrapper, Miniflare's entry worker and
 *   its D1 object cost two HTTP hops with JSON, zod and bookmarks at both
 *   ends — about two thirds of workerd's CPU per governed request. The
 *   answers are Miniflare's, shape for shape (test/e2e/d1-production.test.ts);
 * - OLLAMA, the external service at GATEHOUSE_OLLAMA;
 * - ENGINES, a network service for the catalog's other backends (public,
 *   private and loopback addresses: engines on this box too); the worker
 *   builds every URL it sends there from the catalog (src/backends/outbound.ts);
 * - ASSETS, the console's files (scripts/workerd/console-assets.ts over a
 *   read-only disk service on public/);
 * - settings and the session secret as text bindings;
 * - structured logging: every line workerd writes is one JSON object.
 */

/** Must match wrangler.toml: the date and flags the worker is written for (and tested under). */
export const compatibilityDate = "2026-07-30";
export const compatibilityFlags = ["nodejs_compat", "enable_request_signal"];

/** The module behind the `DB` binding (scripts/workerd/d1-binding.ts). */
const d1BindingModule = "gatehouse-internal:d1";

/**
 * V8's young generation capped at 4 MiB per semi-space (by default V8 lets
 * it grow several times larger under load, in every isolate, and workerd
 * keeps what it grew). Every request allocates a little and lets it go; a
 * smaller nursery is collected more often, each time briefly, and what it
 * saves is memory the box's models need. Measured (README "Performance"):
 * the installed unit's workerd at the 64-stream peak 305 -> 207 MiB, CPU
 * per request within noise in an interleaved A/B; 2 MiB saved ~10 MiB more
 * for +8 % CPU at 64 concurrent, 1 MiB cost ~30 %.
 */
export const v8Flags = ["--max-semi-space-size=4"] as const;

/** What catalog URLs may name (workerd's network names): other boxes, providers, and engines on this box. */
export const engineAddresses = ["public", "private", "local"] as const;

export interface ConfigInput {
  settings: ServeSettings;
  sessionSecret: string;
  modules: RuntimeModules;
  publicDir: string;
  /** PEM texts read from GATEHOUSE_TLS_* (inlined: the config is written 0600 in a private directory). */
  tls: { certificateChain: string; privateKey: string; clientCa: string | null } | null;
}

const text = (name: string, value: string): CapnpValue => ({ name, text: value });

function gatewayBindings({ settings, sessionSecret }: ConfigInput): CapnpValue[] {
  const vars = { ...settings.workerVars, GATEHOUSE_OLLAMA: settings.worker.GATEHOUSE_OLLAMA };
  return [
    {
      name: "DB",
      wrapped: {
        moduleName: d1BindingModule,
        innerBindings: [{ name: "DATABASE", durableObjectNamespace: { serviceName: "d1-object", className: "D1DatabaseObject" } }, text("NAME", d1DatabaseName)],
      },
    },
    { name: "OLLAMA", service: "ollama" },
    { name: "ENGINES", service: "engines" },
    { name: "ASSETS", service: "console-assets" },
    ...durableObjectClasses.map(({ binding, className }) => ({ name: binding, durableObjectNamespace: { className } })),
    text("SESSION_SECRET", sessionSecret),
    ...Object.entries(vars).map(([name, value]) => text(name, value)),
  ];
}

function services(input: ConfigInput): CapnpValue[] {
  const { settings, modules } = input;
  return [
    {
      name: "gatehouse",
      worker: {
        modules: [{ name: "index.js", esModule: modules.gateway }],
        compatibilityDate,
        compatibilityFlags,
        bindings: gatewayBindings(input),
        durableObjectNamespaces: durableObjectClasses.map(({ className }) => ({ className, uniqueKey: `-${className}`, enableSql: true })),
        durableObjectStorage: { localDisk: "do-storage" },
      },
    },
    { name: "do-storage", disk: { path: join(settings.dataDir, "durable-objects"), writable: true } },
    // D1's database object: Miniflare's unique key and storage directory, so the file is the one it wrote.
    {
      name: "d1-object",
      worker: {
        modules: [{ name: "d1-database.js", esModule: modules.d1Database }],
        compatibilityDate,
        durableObjectNamespaces: [{ className: "D1DatabaseObject", uniqueKey: d1UniqueKey, enableSql: true }],
        durableObjectStorage: { localDisk: "d1-storage" },
      },
    },
    { name: "d1-storage", disk: { path: join(settings.dataDir, "d1"), writable: true } },
    { name: "ollama", external: { address: settings.worker.GATEHOUSE_OLLAMA, http: {} } },
    { name: "engines", network: { allow: [...engineAddresses], tlsOptions: { trustBrowserCas: true } } },
    {
      name: "console-assets",
      worker: {
        modules: [{ name: "console-assets.js", esModule: modules.consoleAssets }],
        compatibilityDate,
        bindings: [{ name: "FILES", service: "console-files" }],
      },
    },
    { name: "console-files", disk: { path: input.publicDir, writable: false } },
    // What the worker's own fetch() may reach: as under Miniflare (public and private addresses), nothing on loopback but the services above.
    { name: "internet", network: { allow: ["public", "private", "240.0.0.0/4"], tlsOptions: { trustBrowserCas: true } } },
  ];
}

function socket(input: ConfigInput): CapnpValue {
  const { settings, tls } = input;
  const address = `${settings.host.includes(":") ? `[${settings.host}]` : settings.host}:${settings.port}`;
  if (!tls) return { name: "http", address, http: {}, service: "gatehouse" };
  return {
    name: "https",
    address,
    https: {
      options: {},
      tlsOptions: {
        keypair: { privateKey: tls.privateKey, certificateChain: tls.certificateChain },
        ...(tls.clientCa === null ? {} : { requireClientCerts: true, trustBrowserCas: false, trustedCertificates: [tls.clientCa] }),
      },
    },
    service: "gatehouse",
  };
}

/** The whole config file. */
export function workerdConfig(input: ConfigInput): string {
  const config = capnpValue({
    services: services(input),
    sockets: [socket(input)],
    extensions: [
      {
        // Internal: only a wrapped binding can load it, never the worker's own code.
        modules: [{ name: d1BindingModule, internal: true, esModule: input.modules.d1Binding }],
      },
    ],
    logging: { structuredLogging: true },
    v8Flags: [...v8Flags],
  });
  return `# Generated by Gatehouse at start (scripts/lib/workerd-config.ts); rewritten at every start.\nusing Workerd = import "/workerd/workerd.capnp";\nconst config :Workerd.Config = ${config};\n`;
}
