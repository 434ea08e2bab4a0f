import { addressInAny, parseIp } from "./cidr";

/**
 * Where a request really came from.
 *
 * Trust boundary: the only address believed by default is the socket's, which
 * workerd (served with a generated config, scripts/lib/workerd-config.ts)
 * reports as `request.cf.clientIp` — "127.0.0.1:48034", "[::1]:34370",
 * "[::ffff:10.0.0.5]:40000" — from the accepted connection. workerd never
 * fills `request.cf` from a header (no `cfBlobHeader` in our config), so a
 * client cannot choose it. Every header that claims an address
 * (CF-Connecting-IP, True-Client-IP, X-Real-IP, X-Forwarded-For, Forwarded, …)
 * is ignored, except X-Forwarded-For when the socket itself is one of
 * GATEHOUSE_TRUSTED_PROXIES: then it is read from the right, skipping further
 * trusted hops, and the first untrusted address is the client (a client can
 * prepend anything; only entries our own proxies appended are believed).
 */
export function resolveClientAddress(socketAddress: string | undefined, forwardedFor: string | undefined, trustedProxies: readonly string[]): string {
  const socket = socketAddress ?? "unknown";
  if (trustedProxies.length === 0 || !forwardedFor || !addressInAny(socket, trustedProxies)) return socket;
  const hops = forwardedFor.split(",").map((hop) => hop.trim()).filter((hop) => hop.length > 0);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (!addressInAny(hop, trustedProxies)) return hop.length <= 64 ? hop : socket;
  }
  return socket;
}

/**
 * The connecting peer's IP address, from workerd's `request.cf.clientIp`
 * (port and brackets dropped; an IPv4 client on a dual-stack socket,
 * ::ffff:a.b.c.d, as a.b.c.d). Undefined when there is no socket (a request
 * handed over by another worker, the tests' SELF.fetch without `cf`).
 */
export function socketAddressOf(request: Request): string | undefined {
  const cf = (request as { cf?: { clientIp?: unknown } }).cf;
  const raw = typeof cf?.clientIp === "string" ? cf.clientIp.trim() : "";
  if (raw === "") return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(raw);
  const host = bracketed ? bracketed[1]! : /^[\d.]+:\d+$/.test(raw) ? raw.slice(0, raw.lastIndexOf(":")) : raw;
  const bytes = parseIp(host);
  if (!bytes) return undefined;
  return bytes.length === 4 ? bytes.join(".") : host.toLowerCase();
}

/** Whether the client reached us over HTTPS (directly, or as a trusted proxy reports). */
export function servedOverHttps(url: string, forwardedProto: string | undefined, socketAddress: string | undefined, trustedProxies: readonly string[]): boolean {
  if (new URL(url).protocol === "https:") return true;
  if (!forwardedProto || !socketAddress || !addressInAny(socketAddress, trustedProxies)) return false;
  return forwardedProto.split(",")[0]?.trim().toLowerCase() === "https";
}
