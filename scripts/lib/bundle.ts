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

/**
 * workerd's other scripts, each bundled from scripts/workerd/<name>.ts into
 * dist/workerd/<name>.js: the console's file server, and D1's database object
 * and binding module.
 */
export const workerdScriptNames = ["console-assets", "d1-database", "d1-binding"] as const;
export type WorkerdScriptName = (typeof workerdScriptNames)[number];

/** Where `npm run build` writes them, relative to projectRoot. */
export const prebuiltWorkerdScriptsDir = "dist/workerd";

/** The options for those scripts: the worker's target, one entry each. */
export const workerdScriptsBuildOptions: BuildOptions = {
  ...workerBuildOptions,
  entryPoints: workerdScriptNames.map((name) => ({ in: `${projectRoot}/scripts/workerd/${name}.ts`, out: name })),
  outdir: `${projectRoot}/${prebuiltWorkerdScriptsDir}`,
};

/**
 * The worker as one ES module for workerd. Built (dist/service.mjs): read from
 * dist/worker.js, so the installed gateway needs no esbuild. From source:
 * bundled in memory (nothing written; the checkout may be read-only).
 */
export async function bundleWorker(): Promise<string> {
  if (prebuilt) return readFile(`${projectRoot}/${prebuiltWorkerPath}`, "utf8");
  const [output] = await bundleInMemory(workerBuildOptions);
  if (!output) throw new Error("esbuild produced no output");
  return output.text;
}

/** The other scripts, read or bundled the same way (one esbuild run for all). */
export async function bundleWorkerdScripts(): Promise<Record<WorkerdScriptName, string>> {
  const scripts = {} as Record<WorkerdScriptName, string>;
  if (prebuilt) {
    for (const name of workerdScriptNames) scripts[name] = await readFile(`${projectRoot}/${prebuiltWorkerdScriptsDir}/${name}.js`, "utf8");
    return scripts;
  }
  const outputs = await bundleInMemory(workerdScriptsBuildOptions);
  for (const name of workerdScriptNames) {
    const output = outputs.find((file) => file.path.endsWith(`/${name}.js`));
    if (!output) throw new Error(`esbuild produced no ${name}.js`);
    scripts[name] = output.text;
  }
  return scripts;
}

async function bundleInMemory(options: BuildOptions) {
  // Imported here so the built service never loads esbuild.
  const { build, stop } = await import("esbuild");
  const result = await build({ ...options, write: false });
  // esbuild keeps a service process until told to stop; nothing else needs it.
  await stop();
  return result.outputFiles ?? [];
}

/** Whether this code runs as the built dist/*.mjs (the installed gateway). */
export const isPrebuilt = prebuilt;
