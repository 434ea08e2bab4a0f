/**
 * IP addresses and CIDR ranges, for key scopes ("this key only from the CI
 * runners' subnet") and for the trusted-proxy list. Pure; IPv4 and IPv6,
 * with IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) treated as the IPv4 one.
 */

export interface Cidr {
  bytes: Uint8Array;
  bits: number;
}

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return null;
    bytes[i] = Number(part);
  }
  return bytes;
}

function parseIpv6(text: string): Uint8Array | null {
  let groups: string[];
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const last = (tail.length ? tail : head).at(-1) ?? "";
  let v4: Uint8Array | null = null;
  if (last.includes(".")) {
    v4 = parseIpv4(last);
    if (!v4) return null;
    (tail.length ? tail : head).pop();
  }
  const wanted = v4 ? 6 : 8;
  if (halves.length === 2) {
    const missing = wanted - head.length - tail.length;
    if (missing < 1) return null;
    groups = [...head, ...Array<string>(missing).fill("0"), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== wanted) return null;
  const bytes = new Uint8Array(16);
  for (let i = 0; i < groups.length; i++) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(groups[i]!)) return null;
    const value = parseInt(groups[i]!, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  }
  if (v4) bytes.set(v4, 12);
  return bytes;
}

/** The address as 4 or 16 bytes, or null if it is not an IP address. */
export function parseIp(text: string): Uint8Array | null {
  const trimmed = text.trim().replace(/^\[(.*)\]$/, "$1");
  if (trimmed.includes(":")) {
    const bytes = parseIpv6(trimmed);
    // ::ffff:a.b.c.d is the IPv4 client on a dual-stack socket.
    const mapped = bytes && bytes.slice(0, 12).every((b, i) => (i < 10 ? b === 0 : b === 0xff));
    return mapped ? bytes.slice(12) : bytes;
  }
  return parseIpv4(trimmed);
}

export function parseCidr(text: string): Cidr | null {
  const [address, bitsText, extra] = text.trim().split("/");
  if (address === undefined || extra !== undefined) return null;
  const bytes = parseIp(address);
  if (!bytes) return null;
  const max = bytes.length * 8;
  if (bitsText !== undefined && !/^\d{1,3}$/.test(bitsText)) return null;
  const bits = bitsText === undefined ? max : Number(bitsText);
  if (bits > max) return null;
  return { bytes, bits };
}

export function cidrContains(cidr: Cidr, address: Uint8Array): boolean {
  if (cidr.bytes.length !== address.length) return false;
  for (let bit = 0; bit < cidr.bits; bit += 8) {
    const take = Math.min(8, cidr.bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    const index = bit / 8;
    if ((cidr.bytes[index]! & mask) !== (address[index]! & mask)) return false;
  }
  return true;
}

/** Whether `address` is inside any of the ranges; an unparsable address is inside none. */
export function addressInAny(address: string, ranges: readonly string[]): boolean {
  const bytes = parseIp(address);
  if (!bytes) return false;
  return ranges.some((range) => {
    const cidr = parseCidr(range);
    return cidr !== null && cidrContains(cidr, bytes);
  });
}

/** Splits a comma-separated CIDR list; throws naming the first bad entry. */
export function parseCidrList(text: string): string[] {
  const entries = text.split(",").map((entry) => entry.trim()).filter((entry) => entry.length > 0);
  for (const entry of entries) if (!parseCidr(entry)) throw new Error(`"${entry}" is not an IP address or CIDR range`);
  return entries;
}
