import type { BuildOptions } from "esbuild";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/**
 * Set to true by `npm run build` (scripts/build.ts) in dist/serve.mjs; absent
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

/**
 * The worker as one ES module for workerd. Built (dist/serve.mjs): read from
 * dist/worker.js, so the installed gateway needs no esbuild. From source:
 * bundled in memory (nothing written; the checkout may be read-only).
 */
export async function bundleWorker(): Promise<string> {
  if (prebuilt) return readFile(`${projectRoot}/${prebuiltWorkerPath}`, "utf8");
  // Imported here so the built serve never loads esbuild.
  const { build, stop } = await import("esbuild");
  const result = await build({ ...workerBuildOptions, write: false });
  // esbuild keeps a service process until told to stop; nothing else needs it.
  await stop();
  const output = result.outputFiles?.[0];
  if (!output) throw new Error("esbuild produced no output");
  return output.text;
}
