/**
 * `npm run build`: a self-contained dist/ for the install under /opt.
 * - dist/worker.js: the worker bundle workerd runs (what `npm start` bundles in memory);
 * - dist/workerd/: the console's file server and D1's database object and
 *   binding module (scripts/workerd/, loaded by scripts/lib/runtime-files.ts);
 * - dist/service.mjs: scripts/service.ts, the unit's prepare and ready steps;
 * - dist/serve.mjs: scripts/serve.ts (npm start's parent), for running the
 *   installed tree by hand where there is no systemd;
 * - dist/cli.mjs: the admin CLI of the installed box (/opt/gatehouse/bin/gatehouse).
 * Each bundled for Node with everything inlined but the workerd package (a
 * runtime dependency: it carries the binary). No tsx, no esbuild at runtime.
 */
import { build } from "esbuild";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { prebuiltWorkerPath, projectRoot, workerBuildOptions, workerdScriptsBuildOptions } from "./lib/bundle";

const distDir = join(projectRoot, "dist");

async function main(): Promise<void> {
  const started = Date.now();
  await rm(distDir, { recursive: true, force: true });
  await build({ ...workerBuildOptions, outfile: join(projectRoot, prebuiltWorkerPath) });
  await build(workerdScriptsBuildOptions);
  await buildNodeEntry("scripts/service.ts", "service.mjs");
  await buildNodeEntry("scripts/serve.ts", "serve.mjs");
  await buildNodeEntry("scripts/cli.ts", "cli.mjs");
  console.log(`build: dist/worker.js, dist/workerd/, dist/service.mjs, dist/serve.mjs and dist/cli.mjs in ${Date.now() - started} ms`);
}

async function buildNodeEntry(entry: string, output: string): Promise<void> {
  await build({
    entryPoints: [join(projectRoot, entry)],
    outfile: join(distDir, output),
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22",
    // workerd's package names its binary; esbuild is never loaded when prebuilt.
    external: ["workerd", "esbuild"],
    define: { __GATEHOUSE_PREBUILT__: "true" },
    // CommonJS code inlined into an ES module still calls require().
    banner: { js: 'import { createRequire as __gatehouseCreateRequire } from "node:module"; const require = __gatehouseCreateRequire(import.meta.url);' },
    logLevel: "warning",
  });
}

main().catch((error: unknown) => {
  console.error(`build: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
