import { describe, expect, test } from "vitest";
import { LineFramer } from "../../../src/inference/framing";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | null) => (value ? new TextDecoder().decode(value) : null);

describe("LineFramer", () => {
  test("hands on whole lines and keeps the partial rest", () => {
    const framer = new LineFramer();
    expect(text(framer.push(bytes('{"a":1}\n{"b"')))).toBe('{"a":1}\n');
    expect(framer.pendingBytes).toBe(4);
    expect(text(framer.push(bytes(":2}\n")))).toBe('{"b":2}\n');
    expect(framer.flush()).toBeNull();
  });

  test("a line split over many writes comes out once, whole", () => {
    const framer = new LineFramer();
    for (const piece of ['{"mes', "sage", '":"hi"}']) expect(framer.push(bytes(piece))).toBeNull();
    expect(text(framer.push(bytes("\n")))).toBe('{"message":"hi"}\n');
  });

  test("a multi-byte character split across writes reaches the output whole", () => {
    const encoded = bytes('{"content":"é🙂"}\n');
    const cut = encoded.indexOf(0xf0) + 2; // inside the 4-byte emoji
    const framer = new LineFramer();
    expect(framer.push(encoded.slice(0, cut))).toBeNull();
    const out = framer.push(encoded.slice(cut));
    expect(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(out!)).toBe('{"content":"é🙂"}\n');
  });

  test("flush returns a last line that had no newline", () => {
    const framer = new LineFramer();
    framer.push(bytes("data: [DONE]"));
    expect(text(framer.flush())).toBe("data: [DONE]");
  });
});
