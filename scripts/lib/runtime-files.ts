import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { bundleAssetsWorker, bundleWorker, isPrebuilt, projectRoot } from "./bundle";

/**
 * The JavaScript modules workerd runs besides nothing else: the gateway, the
 * console's file server, and four of Miniflare's worker scripts that make D1
 * work on local disk (its D1 Durable Object, the entry that names the
 * database, and the two internal modules they import). From the checkout they
 * are read from node_modules/miniflare (a devDependency); `npm run build`
 * copies them into dist/workerd/, so the installed gateway needs no Miniflare.
 */
export interface RuntimeModules {
  gateway: string;
  consoleAssets: string;
  d1Object: string;
  d1Entry: string;
  miniflareShared: string;
  miniflareZod: string;
}

const requireHere = createRequire(import.meta.url);

/** Miniflare's worker scripts: [name in dist/workerd, path under miniflare/dist/src/workers]. */
export const miniflareWorkerScripts = {
  d1Object: ["d1-database.worker.js", "d1/database.worker.js"],
  d1Entry: ["object-entry.worker.js", "shared/object-entry.worker.js"],
  miniflareShared: ["miniflare-shared.worker.js", "shared/index.worker.js"],
  miniflareZod: ["miniflare-zod.worker.js", "shared/zod.worker.js"],
} as const;

export function miniflareWorkersDir(): string {
  return join(dirname(requireHere.resolve("miniflare")), "workers");
}

async function miniflareScript([built, source]: readonly [string, string]): Promise<string> {
  const path = isPrebuilt ? join(projectRoot, "dist", "workerd", built) : join(miniflareWorkersDir(), source);
  // Their source maps point at files that are not shipped.
  return (await readFile(path, "utf8")).replace(/\n\/\/# sourceMappingURL=.*$/m, "\n");
}

export async function loadRuntimeModules(): Promise<RuntimeModules> {
  return {
    gateway: await bundleWorker(),
    consoleAssets: await bundleAssetsWorker(),
    d1Object: await miniflareScript(miniflareWorkerScripts.d1Object),
    d1Entry: await miniflareScript(miniflareWorkerScripts.d1Entry),
    miniflareShared: await miniflareScript(miniflareWorkerScripts.miniflareShared),
    miniflareZod: await miniflareScript(miniflareWorkerScripts.miniflareZod),
  };
}

/** The workerd binary: the `workerd` package (a runtime dependency), the same release wherever Gatehouse runs. */
export function workerdBinary(): string {
  const found = (requireHere("workerd") as { default?: string }).default;
  if (typeof found !== "string") throw new Error("the workerd package did not name its binary");
  return found;
}
