/**
 * Bytes as lowercase hex, and the SHA-256 of a text as hex: for key hashes,
 * the audit chain's hashes, HMAC fingerprints and counter names. One table
 * lookup per byte (this runs several times for every governed request).
 */

const byteHex = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

export function hex(bytes: Uint8Array | ArrayBuffer): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = "";
  for (let i = 0; i < view.length; i++) out += byteHex[view[i]!];
  return out;
}

export async function sha256Hex(text: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}
