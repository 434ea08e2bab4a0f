/**
 * Every header a client might send to claim an address: the ones proxies and
 * CDNs set, in the spellings seen in the wild, and a case variant. Tests send
 * each alone and all at once; the gateway must believe none of them (only the
 * socket's address counts, or X-Forwarded-For from a configured proxy).
 */
export function addressHeaders(address: string): Record<string, string>[] {
  const each: Record<string, string> = {
    "CF-Connecting-IP": address,
    "cf-connecting-ip": address,
    "CF-Connecting-IPv6": address,
    "True-Client-IP": address,
    "X-Real-IP": address,
    "X-Forwarded-For": address,
    Forwarded: `for=${address};proto=https`,
    "X-Client-IP": address,
    "X-Cluster-Client-IP": address,
    "Fastly-Client-IP": address,
    "X-Original-Forwarded-For": address,
    "X-Envoy-External-Address": address,
    "CF-Pseudo-IPv4": address,
    "MF-Original-URL": `http://${address}/`,
  };
  const single = Object.entries(each).map(([name, value]) => ({ [name]: value }));
  // All at once (one spelling of each name: fetch would join duplicates).
  const all = Object.fromEntries(Object.entries(each).filter(([name]) => name !== "cf-connecting-ip"));
  return [...single, all];
}
