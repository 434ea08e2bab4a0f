import { describe, expect, test } from "vitest";
import { hex, sha256Hex } from "../../src/hex";

/** The one hex encoder (key hashes, the chain's hashes, HMAC fingerprints, counter names). */
describe("hex and sha256Hex", () => {
  test("every byte value as two lowercase digits, from a Uint8Array or an ArrayBuffer", () => {
    expect(hex(new Uint8Array([0, 1, 15, 16, 127, 128, 254, 255]))).toBe("00010f107f80feff");
    const all = new Uint8Array(256).map((_, i) => i);
    expect(hex(all.buffer)).toBe(Array.from(all, (byte) => byte.toString(16).padStart(2, "0")).join(""));
  });

  test("SHA-256 known answers (FIPS 180-2), the empty text included", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(await sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  test("text is hashed as UTF-8: accents and astral characters change the hash, a view of a larger buffer is read alone", async () => {
    expect(await sha256Hex("é")).not.toBe(await sha256Hex("e"));
    expect(await sha256Hex("😀")).toBe(hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("😀"))));
    const larger = new Uint8Array([9, 9, 0xab, 0xcd, 9]);
    expect(hex(larger.subarray(2, 4))).toBe("abcd");
  });
});
