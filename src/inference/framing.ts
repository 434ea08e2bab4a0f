/**
 * Cuts a byte stream into whole lines. NDJSON and SSE are both line-based,
 * and a newline byte (0x0A) never occurs inside a multi-byte UTF-8 sequence,
 * so cutting after the last newline hands on whole lines and whole
 * characters, however the upstream's TCP writes fell.
 */
export class LineFramer {
  private pending: Uint8Array = new Uint8Array(0);

  /** Adds bytes; returns the complete lines' bytes (ending in \n), or null if none yet. */
  push(bytes: Uint8Array): Uint8Array | null {
    const joined = this.pending.byteLength === 0 ? bytes : concat(this.pending, bytes);
    const cut = joined.lastIndexOf(0x0a);
    if (cut === -1) {
      this.pending = joined;
      return null;
    }
    this.pending = joined.slice(cut + 1);
    return joined.subarray(0, cut + 1);
  }

  /** What is left at the end of the stream (a last line without newline), or null. */
  flush(): Uint8Array | null {
    const rest = this.pending;
    this.pending = new Uint8Array(0);
    return rest.byteLength > 0 ? rest : null;
  }

  get pendingBytes(): number {
    return this.pending.byteLength;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.byteLength + b.byteLength);
  joined.set(a, 0);
  joined.set(b, a.byteLength);
  return joined;
}

/** Splits decoded text into its non-empty lines. */
export function linesOf(text: string): string[] {
  return text.split("\n").filter((line) => line.trim().length > 0);
}
