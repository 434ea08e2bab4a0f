/**
 * `npm run build`: a self-contained dist/ for the install under /opt.
 * - dist/worker.js: the worker bundle workerd runs (what `npm start` bundles in memory);
 * - dist/serve.mjs: scripts/serve.ts bundled for Node, with everything it
 *   imports inlined except Miniflare (a runtime dependency: it carries workerd).
 * Node runs dist/serve.mjs directly: no tsx, no esbuild at runtime.
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
  await build({
    entryPoints: [join(projectRoot, "scripts/serve.ts")],
    outfile: join(distDir, "serve.mjs"),
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
  console.log(`build: dist/worker.js and dist/serve.mjs in ${Date.now() - started} ms`);
}

main().catch((error: unknown) => {
  console.error(`build: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
