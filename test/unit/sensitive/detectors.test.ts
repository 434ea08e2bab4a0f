import { describe, expect, test } from "vitest";
import { builtinCategories } from "../../../src/sensitive/categories";
import { scanText } from "../../../src/sensitive/scan";
import { corpus, globalNegatives } from "./corpus";

/**
 * The detector corpus: every positive found as its category, covering the
 * value exactly; no hard negative flagged. Prints precision and recall per
 * category and asserts a floor for the whole.
 */

const wrap = (value: string) => `Please look at this: ${value} — thanks.`;
const floor = { precision: 0.97, recall: 0.97 };

describe("detector corpus", () => {
  const rows: { category: string; tp: number; fn: number; fp: number }[] = [];

  for (const category of builtinCategories) {
    const { positives, negatives } = corpus[category];
    test(`${category}: every positive is found, whole`, () => {
      let tp = 0;
      let fp = 0;
      const missed: string[] = [];
      for (const value of positives) {
        const text = wrap(value);
        const hit = scanText(text).matches.find((m) => m.category === category);
        if (hit && text.slice(hit.start, hit.end) === value) tp += 1;
        else missed.push(value);
      }
      const flagged: string[] = [];
      for (const value of negatives) {
        if (scanText(wrap(value)).matches.some((m) => m.category === category)) {
          fp += 1;
          flagged.push(value);
        }
      }
      rows.push({ category, tp, fn: positives.length - tp, fp });
      expect(missed, "missed positives").toEqual([]);
      expect(flagged, "flagged hard negatives").toEqual([]);
    });
  }

  test("hard negatives of every kind produce no finding at all", () => {
    const flagged = globalNegatives.flatMap((text) => scanText(text).matches.map((m) => `${m.category}: ${text.slice(m.start, m.end)}`));
    rows.push({ category: "(global negatives)", tp: 0, fn: 0, fp: flagged.length });
    expect(flagged).toEqual([]);
  });

  test("precision and recall over the corpus stay above the floor", () => {
    const tp = rows.reduce((s, r) => s + r.tp, 0);
    const fn = rows.reduce((s, r) => s + r.fn, 0);
    const fp = rows.reduce((s, r) => s + r.fp, 0);
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    console.info(
      ["category            tp  fn  fp", ...rows.map((r) => `${r.category.padEnd(19)} ${String(r.tp).padStart(3)} ${String(r.fn).padStart(3)} ${String(r.fp).padStart(3)}`),
        `precision ${precision.toFixed(3)}  recall ${recall.toFixed(3)}  (${tp + fn} positives)`].join("\n"),
    );
    expect(tp + fn).toBeGreaterThan(60);
    expect(precision).toBeGreaterThanOrEqual(floor.precision);
    expect(recall).toBeGreaterThanOrEqual(floor.recall);
  });
});

describe("Unicode tricks do not hide a value", () => {
  test.each([
    ["full-width digits", "card ４１１１ １１１１ １１１１ １１１１ here", "payment_card", "４１１１ １１１１ １１１１ １１１１"],
    ["zero-width joiners in an email", "mail ali\u200bce@exa\u200dmple.com now", "email", "ali\u200bce@exa\u200dmple.com"],
    ["soft hyphens in an SSN", "ssn 123-\u00ad45-6789.", "us_ssn", "123-\u00ad45-6789"],
    ["full-width plus and digits in a phone", "call ＋４４ ２０ ７９４６ ０９５８ today", "phone", "＋４４ ２０ ７９４６ ０９５８"],
    ["a BOM inside a key", `key AKIA\ufeffIOSFODNN7EXAMPLE ok`, "aws_key", "AKIA\ufeffIOSFODNN7EXAMPLE"],
  ])("%s", (_name, text, category, original) => {
    const hit = scanText(text).matches.find((m) => m.category === category);
    expect(hit, category).toBeDefined();
    // Offsets point into the original text, so redaction cuts exactly the disguised value.
    expect(text.slice(hit!.start, hit!.end)).toBe(original);
  });

  test("the folded value is the fingerprinted form, the same as the plain one", () => {
    const plain = scanText("4111111111111111").matches[0]!;
    const wide = scanText("４１１１１１１１１１１１１１１１").matches[0]!;
    expect(wide.value).toBe(plain.value);
  });
});

describe("overlaps", () => {
  test("a token inside a longer secret is reported once, as the stronger category", () => {
    const jwt = corpus.jwt.positives[0]!;
    const { matches } = scanText(`Bearer ${jwt}`);
    expect(matches.map((m) => m.category)).toEqual(["jwt"]);
  });
  test("several values in one text come back in order", () => {
    const { matches } = scanText("a@b.io then 4111111111111111 then 10.1.2.3");
    expect(matches.map((m) => m.category)).toEqual(["email", "payment_card", "ip_address"]);
  });
});
