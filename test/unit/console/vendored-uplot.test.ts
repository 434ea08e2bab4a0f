import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

/**
 * The console draws charts with uPlot copied from npm into public/vendor
 * (the box may be offline: no CDN). The copy must be exactly the installed
 * package's files, so `npm update uplot` without re-copying is caught.
 */

const root = fileURLToPath(new URL("../../../", import.meta.url));
const vendored = [
  ["public/vendor/uplot/uPlot.iife.min.js", "node_modules/uplot/dist/uPlot.iife.min.js"],
  ["public/vendor/uplot/uPlot.min.css", "node_modules/uplot/dist/uPlot.min.css"],
  ["public/vendor/uplot/LICENSE", "node_modules/uplot/LICENSE"],
] as const;

describe("vendored uPlot", () => {
  test.each(vendored)("%s is byte for byte %s", async (copy, original) => {
    const [a, b] = await Promise.all([readFile(`${root}${copy}`), readFile(`${root}${original}`)]);
    expect(a.length).toBeGreaterThan(0);
    expect(a.equals(b)).toBe(true);
  });

  test("the pages load it from this origin, never from a CDN", async () => {
    for (const page of ["public/account.html"]) {
      const html = await readFile(`${root}${page}`, "utf8");
      expect(html).toContain('src="/vendor/uplot/uPlot.iife.min.js"');
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    }
  });
});
