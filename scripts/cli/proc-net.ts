/**
 * Listening TCP sockets from Linux's /proc/net/tcp and /proc/net/tcp6, to
 * tell whether Ollama listens beyond loopback without needing ss or netstat.
 * Each line's local_address is hex: the IPv4 address as one little-endian
 * 32-bit word, IPv6 as four of them; the port big-endian. State 0A = LISTEN.
 */

export interface ListeningSocket {
  address: string;
  port: number;
  loopback: boolean;
}

const listenState = "0A";

function ipv4FromHex(hex: string): string {
  const bytes = (hex.match(/../g) ?? []).map((pair) => parseInt(pair, 16)).reverse();
  return bytes.join(".");
}

function ipv6FromHex(hex: string): string {
  const bytes: number[] = [];
  for (let word = 0; word < 4; word++) {
    const chunk = hex.slice(word * 8, word * 8 + 8).match(/../g) ?? [];
    bytes.push(...chunk.map((pair) => parseInt(pair, 16)).reverse());
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  // Compress the longest run of zero groups, as people write IPv6.
  const text = groups.join(":");
  const runs = [...text.matchAll(/(?:^|:)0(?::0)+(?::|$)/g)].sort((a, b) => b[0].length - a[0].length);
  return runs[0] ? text.replace(runs[0][0], "::") : text;
}

export function isLoopbackAddress(address: string): boolean {
  if (/^127\./.test(address) || address === "::1") return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped !== null && /^127\./.test(mapped[1]!);
}

/** IPv4-mapped IPv6 in /proc is ::ffff:7f00:1; show it as ::ffff:127.0.0.1 so loopback is recognised. */
function unmapIpv4(address: string): string {
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!mapped) return address;
  const high = parseInt(mapped[1]!, 16);
  const low = parseInt(mapped[2]!, 16);
  return `::ffff:${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** The LISTEN sockets in one /proc/net/tcp or tcp6 file's text. */
export function parseProcNetTcp(text: string, family: 4 | 6): ListeningSocket[] {
  const sockets: ListeningSocket[] = [];
  for (const line of text.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4 || fields[3] !== listenState) continue;
    const [addressHex, portHex] = fields[1]!.split(":");
    if (!addressHex || !portHex) continue;
    const address = family === 4 ? ipv4FromHex(addressHex) : unmapIpv4(ipv6FromHex(addressHex));
    sockets.push({ address, port: parseInt(portHex, 16), loopback: isLoopbackAddress(address) });
  }
  return sockets;
}
