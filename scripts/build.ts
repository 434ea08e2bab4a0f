/**
 * `npm run build`: a self-contained dist/ for the install under /opt.
 * - dist/worker.js: the worker bundle workerd runs (what `npm start` bundles in memory);
 * - dist/serve.mjs: scripts/serve.ts bundled for Node, with everything it
 *   imports inlined except Miniflare (a runtime dependency: it carries workerd).
 * - dist/cli.mjs: scripts/cli.ts bundled the same way, the admin CLI of the
 *   installed box (/opt/gatehouse/bin/gatehouse).
 * Node runs both directly: no tsx, no esbuild at runtime.
 */
import { build } from "esbuild";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { prebuiltWorkerPath, projectRoot, workerBuildOptions } from "./lib/bundle";

const distDir = join(projectRoot, "dist");

async function main(): Promise<void> {
  const started = Date.now();
  await rm(distDir, { recursive: true, force: true });
  await build({ ...workerBuildOptions, outfile: join(projectRoot, prebuiltWorkerPath) });
  await buildNodeEntry("scripts/serve.ts", "serve.mjs");
  await buildNodeEntry("scripts/cli.ts", "cli.mjs");
  console.log(`build: dist/worker.js, dist/serve.mjs and dist/cli.mjs in ${Date.now() - started} ms`);
}

async function buildNodeEntry(entry: string, output: string): Promise<void> {
  await build({
    entryPoints: [join(projectRoot, entry)],
    outfile: join(distDir, output),
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22",
    // miniflare finds workerd and its own worker scripts next to itself; esbuild is never loaded when prebuilt.
    external: ["miniflare", "esbuild"],
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
