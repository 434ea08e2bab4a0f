import { addressInAny } from "./cidr";

/**
 * Where a request really came from. The socket's address (CF-Connecting-IP,
 * which workerd sets from the accepted connection and overwrites if a client
 * sends it) is the truth, unless that socket belongs to a configured trusted
 * proxy: then the proxy's X-Forwarded-For is read from the right, skipping
 * further trusted hops, and the first untrusted address is the client. A
 * client can prepend anything to X-Forwarded-For; only the entries our own
 * proxies appended are believed.
 */
export function resolveClientAddress(socketAddress: string | undefined, forwardedFor: string | undefined, trustedProxies: readonly string[]): string {
  const socket = socketAddress?.trim() || "unknown";
  if (trustedProxies.length === 0 || !forwardedFor || !addressInAny(socket, trustedProxies)) return socket;
  const hops = forwardedFor.split(",").map((hop) => hop.trim()).filter((hop) => hop.length > 0);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (!addressInAny(hop, trustedProxies)) return hop.length <= 64 ? hop : socket;
  }
  return socket;
}

/** Whether the client reached us over HTTPS (directly, or as a trusted proxy reports). */
export function servedOverHttps(url: string, forwardedProto: string | undefined, socketAddress: string | undefined, trustedProxies: readonly string[]): boolean {
  if (new URL(url).protocol === "https:") return true;
  if (!forwardedProto || !socketAddress || !addressInAny(socketAddress, trustedProxies)) return false;
  return forwardedProto.split(",")[0]?.trim().toLowerCase() === "https";
}
