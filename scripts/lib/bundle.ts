import type { BuildOptions } from "esbuild";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/**
 * Set to true by `npm run build` (scripts/build.ts) in dist/serve.mjs and dist/service.mjs; absent
 * when serve runs from the source tree through tsx.
 */
declare const __GATEHOUSE_PREBUILT__: boolean | undefined;
const prebuilt = typeof __GATEHOUSE_PREBUILT__ !== "undefined" && __GATEHOUSE_PREBUILT__;

/**
 * The directory holding public/ and migrations/: the checkout (this file is
 * scripts/lib/bundle.ts), or the installed app when this code runs bundled
 * as <app>/dist/serve.mjs.
 */
export const projectRoot = fileURLToPath(new URL(prebuilt ? ".." : "../..", import.meta.url));

/** Where `npm run build` writes the worker bundle, relative to projectRoot. */
export const prebuiltWorkerPath = "dist/worker.js";

/** The options esbuild bundles the worker with: one ES module, the conditions wrangler uses for workerd. */
export const workerBuildOptions: BuildOptions = {
  entryPoints: [`${projectRoot}/src/index.ts`],
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2024",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["module", "main"],
  external: ["cloudflare:*", "node:*"],
  logLevel: "silent",
};

/** Where `npm run build` writes the console's file server (scripts/workerd/console-assets.ts). */
export const prebuiltAssetsWorkerPath = "dist/workerd/console-assets.js";

/** The options for the console's small file server: same target, its own entry. */
export const assetsWorkerBuildOptions: BuildOptions = { ...workerBuildOptions, entryPoints: [`${projectRoot}/scripts/workerd/console-assets.ts`] };

/**
 * The worker as one ES module for workerd. Built (dist/service.mjs): read from
 * dist/worker.js, so the installed gateway needs no esbuild. From source:
 * bundled in memory (nothing written; the checkout may be read-only).
 */
export async function bundleWorker(): Promise<string> {
  return bundleOrRead(workerBuildOptions, prebuiltWorkerPath);
}

/** The console's file server, bundled the same way. */
export async function bundleAssetsWorker(): Promise<string> {
  return bundleOrRead(assetsWorkerBuildOptions, prebuiltAssetsWorkerPath);
}

async function bundleOrRead(options: BuildOptions, prebuiltPath: string): Promise<string> {
  if (prebuilt) return readFile(`${projectRoot}/${prebuiltPath}`, "utf8");
  // Imported here so the built service never loads esbuild.
  const { build, stop } = await import("esbuild");
  const result = await build({ ...options, write: false });
  // esbuild keeps a service process until told to stop; nothing else needs it.
  await stop();
  const output = result.outputFiles?.[0];
  if (!output) throw new Error("esbuild produced no output");
  return output.text;
}

/** Whether this code runs as the built dist/*.mjs (the installed gateway). */
export const isPrebuilt = prebuilt;
