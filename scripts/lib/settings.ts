import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { ConfigError, configSchema, parseConfig, parseVariables, type GatehouseConfig } from "../../src/config";

/**
 * The process-level settings of `npm start` (where to listen, where state
 * lives) plus the worker's own GATEHOUSE_* settings, checked before workerd
 * starts so a bad value stops startup with the variable's name.
 */
const processSchema = z.object({
  GATEHOUSE_HOST: z.string().min(1).default("0.0.0.0"),
  GATEHOUSE_PORT: z.coerce.number().int().min(0).max(65535).default(7000),
  GATEHOUSE_DATA: z.string().min(1).default("./.data"),
  GATEHOUSE_ADMIN_PASSWORD: z.string().optional(),
  GATEHOUSE_SESSION_SECRET: z.string().min(32).optional(),
  /** Profiling only: opens workerd's V8 inspector on this loopback port (npm run bench with BENCH_PROFILE=1). */
  GATEHOUSE_INSPECTOR_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** HTTPS on the listener; read by readTlsSettings below. Listed here so they are not passed to the worker. */
  GATEHOUSE_TLS_CERT: z.string().optional(),
  GATEHOUSE_TLS_KEY: z.string().optional(),
  GATEHOUSE_TLS_CLIENT_CA: z.string().optional(),
  /** The backend catalog declared as a JSON file, read at each start (scripts/lib/backends-file.ts). */
  GATEHOUSE_BACKENDS_FILE: z.string().optional(),
  /** The unit's start probe: seconds to wait for /health to say ready (scripts/service.ts). */
  GATEHOUSE_START_TIMEOUT: z.coerce.number().int().min(1).max(3600).default(90),
});

export interface ServeSettings {
  host: string;
  port: number;
  dataDir: string;
  adminPassword: string | undefined;
  sessionSecret: string | undefined;
  inspectorPort: number | undefined;
  /** null: plain HTTP. */
  tls: TlsSettings | null;
  /** GATEHOUSE_BACKENDS_FILE as an absolute path; null: no file, the catalog is the admin API's alone. */
  backendsFile: string | null;
  worker: GatehouseConfig;
  /** The GATEHOUSE_* variables passed to the worker as string vars. */
  workerVars: Record<string, string>;
  startTimeoutSeconds: number;
}

export function readSettings(env: NodeJS.ProcessEnv): ServeSettings {
  const parsed = { data: parseVariables(processSchema, env) };
  const worker = parseConfig(env);
  const workerVars: Record<string, string> = {};
  // Only the worker's own settings: nothing else from the environment (the CLI's GATEHOUSE_ADMIN_KEY, say) reaches the config file or the worker.
  for (const [key, value] of Object.entries(env)) {
    if (key in configSchema.shape && value !== undefined) workerVars[key] = value;
  }
  return {
    host: parsed.data.GATEHOUSE_HOST,
    port: parsed.data.GATEHOUSE_PORT,
    dataDir: resolve(parsed.data.GATEHOUSE_DATA),
    adminPassword: parsed.data.GATEHOUSE_ADMIN_PASSWORD,
    sessionSecret: parsed.data.GATEHOUSE_SESSION_SECRET,
    inspectorPort: parsed.data.GATEHOUSE_INSPECTOR_PORT,
    tls: readTlsSettings(env),
    backendsFile: parsed.data.GATEHOUSE_BACKENDS_FILE?.trim() ? resolve(parsed.data.GATEHOUSE_BACKENDS_FILE.trim()) : null,
    startTimeoutSeconds: parsed.data.GATEHOUSE_START_TIMEOUT,
    worker,
    workerVars,
  };
}

/**
 * Optional HTTPS on the listener: GATEHOUSE_TLS_CERT and GATEHOUSE_TLS_KEY
 * name PEM files that workerd serves TLS with on its one socket;
 * GATEHOUSE_TLS_CLIENT_CA names the CA certificate(s) client certificates
 * must chain to (mTLS: workerd's tlsOptions.requireClientCerts and
 * trustedCertificates). Checked before workerd starts, so a missing or
 * unreadable file stops the start with the variable's name.
 */

export interface TlsSettings {
  certPath: string;
  keyPath: string;
  /** Set: every connection must present a certificate signed by this CA. */
  clientCaPath: string | null;
}

function readPem(variable: string, path: string, kind: RegExp, what: string): void {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(variable, `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  if (!kind.test(text)) throw new ConfigError(variable, `${path} is not a PEM ${what}`);
}

export function readTlsSettings(env: NodeJS.ProcessEnv): TlsSettings | null {
  const cert = env.GATEHOUSE_TLS_CERT?.trim() || undefined;
  const key = env.GATEHOUSE_TLS_KEY?.trim() || undefined;
  const clientCa = env.GATEHOUSE_TLS_CLIENT_CA?.trim() || undefined;
  if (cert === undefined && key === undefined) {
    if (clientCa !== undefined) throw new ConfigError("GATEHOUSE_TLS_CLIENT_CA", "client certificates need HTTPS: set GATEHOUSE_TLS_CERT and GATEHOUSE_TLS_KEY too");
    return null;
  }
  if (cert === undefined) throw new ConfigError("GATEHOUSE_TLS_CERT", "required when GATEHOUSE_TLS_KEY is set");
  if (key === undefined) throw new ConfigError("GATEHOUSE_TLS_KEY", "required when GATEHOUSE_TLS_CERT is set");
  const certPath = resolve(cert);
  const keyPath = resolve(key);
  readPem("GATEHOUSE_TLS_CERT", certPath, /-----BEGIN CERTIFICATE-----/, "certificate (chain)");
  readPem("GATEHOUSE_TLS_KEY", keyPath, /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/, "private key");
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(readFileSync(keyPath, "utf8"))) {
    throw new ConfigError("GATEHOUSE_TLS_KEY", `${keyPath} is encrypted; workerd needs an unencrypted key (keep it mode 0600)`);
  }
  let clientCaPath: string | null = null;
  if (clientCa !== undefined) {
    clientCaPath = resolve(clientCa);
    readPem("GATEHOUSE_TLS_CLIENT_CA", clientCaPath, /-----BEGIN CERTIFICATE-----/, "CA certificate");
  }
  return { certPath, keyPath, clientCaPath };
}
