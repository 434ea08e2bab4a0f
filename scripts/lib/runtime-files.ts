import { createRequire } from "node:module";
import { bundleWorker, bundleWorkerdScripts } from "./bundle";

/**
 * The JavaScript modules workerd runs, and nothing else: the gateway, the
 * console's file server, and D1's database object and binding module
 * (scripts/workerd/). From the checkout they are bundled at start; `npm run
 * build` writes them to dist/, so the installed gateway needs no esbuild.
 */
export interface RuntimeModules {
  gateway: string;
  consoleAssets: string;
  d1Database: string;
  d1Binding: string;
}

const requireHere = createRequire(import.meta.url);

export async function loadRuntimeModules(): Promise<RuntimeModules> {
  const scripts = await bundleWorkerdScripts();
  return { gateway: await bundleWorker(), consoleAssets: scripts["console-assets"], d1Database: scripts["d1-database"], d1Binding: scripts["d1-binding"] };
}

/** The workerd binary: the `workerd` package (a runtime dependency), the same release wherever Gatehouse runs. */
export function workerdBinary(): string {
  const found = (requireHere("workerd") as { default?: string }).default;
  if (typeof found !== "string") throw new Error("the workerd package did not name its binary");
  return found;
}
