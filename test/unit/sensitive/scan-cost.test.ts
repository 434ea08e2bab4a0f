import { describe, expect, test } from "vitest";
import { detectors } from "../../../src/sensitive/detectors";
import { fold, originalRange } from "../../../src/sensitive/normalize";
import { scanText } from "../../../src/sensitive/scan";

/**
 * The shortcuts that keep the scan of a 32k-character prompt inside the
 * issue's budget (≤ 2 ms at p99, accented text too; `npm run bench`
 * reports it) find exactly what the plain way finds.
 */

const size = 32_000;
const accented = "Le rapport trimestriel présente la croissance, déployée le 03/12/2026 à 10:30, écrivez à équipe@exemple.fr. "
  .repeat(300)
  .slice(0, size);

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function noise(next: () => number, alphabet: readonly string[], length: number): string {
  let text = "";
  for (let i = 0; i < length; i += 1) text += alphabet[Math.floor(next() * alphabet.length)]!;
  return text;
}

describe("folding accented text", () => {
  test("text already in folded form is returned as it is, without offset maps", () => {
    const folded = fold(accented);
    expect(folded.text).toBe(accented);
    expect(folded.start).toBeNull();
    expect(folded.end).toBeNull();
  });

  test("a character that folds still maps back to the original text, among accented ones", () => {
    const text = "Café ４１１１ ｆｏｏ\u200b bar é";
    const folded = fold(text);
    expect(folded.text).toBe("Café 4111 foo bar é");
    const [start, end] = originalRange(folded, folded.text.indexOf("4111"), folded.text.indexOf("4111") + 4);
    expect(text.slice(start, end)).toBe("４１１１");
    const last = folded.text.length - 1;
    expect(text.slice(...originalRange(folded, last, last + 1))).toBe("é");
  });

  test("the fold equals folding every character on its own (random mixed text)", () => {
    const next = random(17);
    const alphabet = ["a", "é", "ß", "ü", "１", "ﬁ", "\u200b", "\ufeff", "Ａ", "😀", "\u0301", " ", "@", "ｅ", "Ω", "Å"];
    for (let round = 0; round < 200; round += 1) {
      const text = noise(next, alphabet, 40);
      const expected = Array.from(text, (char) => (/[\u200b\ufeff]/.test(char) ? "" : char.normalize("NFKC"))).join("");
      const folded = fold(text);
      expect(folded.text).toBe(expected);
      if (folded.start) expect(folded.start.length).toBe(expected.length);
    }
  });
});

describe("the email detector's shortcut (one attempt per @)", () => {
  const email = detectors.find((d) => d.category === "email")!;
  /** The plain way: the pattern over the whole text, left to right. */
  function plainEmails(text: string): string[] {
    return [...text.matchAll(new RegExp(email.pattern.source, email.pattern.flags))].map((m) => `${m.index}:${m[0]}`);
  }
  function scannedEmails(text: string): string[] {
    return scanText(text, undefined, false)
      .matches.filter((m) => m.category === "email")
      .map((m) => `${m.start}:${text.slice(m.start, m.end)}`);
  }

  test("finds what the plain scan finds on awkward neighbours", () => {
    for (const text of [
      "a@b.com@c.org",
      "x.a@b.com and _y@c.de and .z@d.fr and -w@e.it",
      `${"a".repeat(64)}@long.example and ${"b".repeat(65)}@too.long.example`,
      "ops@example.com,dev@example.com;qa@example.co.uk",
      "mail@@example.com, @example.com, foo@, a@b",
    ]) {
      expect(scannedEmails(text), text).toEqual(plainEmails(text));
    }
  });

  test("finds what the plain scan finds on random text", () => {
    const next = random(42);
    const alphabet = ["a", "b", "Z", "0", "9", ".", "-", "_", "+", "%", "@", "@", " ", "com", "de", "x", ",", "é"];
    for (let round = 0; round < 500; round += 1) {
      const text = noise(next, alphabet, 60);
      expect(scannedEmails(text), JSON.stringify(text)).toEqual(plainEmails(text));
    }
  });
});

// The time itself is measured by `npm run bench` (sensitiveScan32k): on this shared machine a time bound in a test only measures the neighbours.
describe("what the accented scan finds", () => {
  test("the accented scan still finds the address and the time is no IPv6 address", () => {
    const { matches } = scanText(accented);
    expect(matches.length).toBeGreaterThan(200);
    expect(new Set(matches.map((m) => m.category))).toEqual(new Set(["email"]));
    expect(accented.slice(matches[0]!.start, matches[0]!.end)).toMatch(/@exemple\.fr$/);
  });
});
