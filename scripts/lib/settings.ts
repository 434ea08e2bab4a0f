import { resolve } from "node:path";
import { z } from "zod";
import { parseConfig, parseVariables, type GatehouseConfig } from "../../src/config";

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
});

export interface ServeSettings {
  host: string;
  port: number;
  dataDir: string;
  adminPassword: string | undefined;
  sessionSecret: string | undefined;
  inspectorPort: number | undefined;
  worker: GatehouseConfig;
  /** The GATEHOUSE_* variables passed to the worker as string vars. */
  workerVars: Record<string, string>;
}

export function readSettings(env: NodeJS.ProcessEnv): ServeSettings {
  const parsed = { data: parseVariables(processSchema, env) };
  const worker = parseConfig(env);
  const workerVars: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith("GATEHOUSE_") && !(key in processSchema.shape) && value !== undefined) workerVars[key] = value;
  }
  return {
    host: parsed.data.GATEHOUSE_HOST,
    port: parsed.data.GATEHOUSE_PORT,
    dataDir: resolve(parsed.data.GATEHOUSE_DATA),
    adminPassword: parsed.data.GATEHOUSE_ADMIN_PASSWORD,
    sessionSecret: parsed.data.GATEHOUSE_SESSION_SECRET,
    inspectorPort: parsed.data.GATEHOUSE_INSPECTOR_PORT,
    worker,
    workerVars,
  };
}
