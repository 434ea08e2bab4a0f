import { build, stop } from "esbuild";
import { fileURLToPath } from "node:url";

export const projectRoot = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Bundles src/index.ts into one ES module for workerd, in memory (the install
 * under /opt may be read-only). Same conditions wrangler uses for workerd.
 */
export async function bundleWorker(): Promise<string> {
  const result = await build({
    entryPoints: [`${projectRoot}/src/index.ts`],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2024",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "node:*"],
    write: false,
    logLevel: "silent",
  });
  // esbuild keeps a service process until told to stop; nothing else needs it.
  await stop();
  const output = result.outputFiles[0];
  if (!output) throw new Error("esbuild produced no output");
  return output.text;
}
