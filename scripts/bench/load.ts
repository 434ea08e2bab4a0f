import autocannon from "autocannon";
import type { Target } from "./http-timing";

export interface Throughput {
  requestsPerSecond: number;
  errors: number;
  non2xx: number;
}

/** Open-loop-ish load from autocannon: its requests/s is trustworthy (its percentiles we do not use). */
export async function throughput(target: Target, path: string, body: string, connections: number, seconds: number): Promise<Throughput> {
  const result = await autocannon({
    url: `${target.url}${path}`,
    method: "POST",
    headers: { ...target.headers, "content-type": "application/json" },
    body,
    connections,
    duration: seconds,
  });
  return { requestsPerSecond: result.requests.average, errors: result.errors, non2xx: result.non2xx };
}

/** Sends `amount` requests as fast as `connections` allow (used to fill the audit log). */
export async function fill(target: Target, path: string, body: string, connections: number, amount: number): Promise<Throughput> {
  const result = await autocannon({
    url: `${target.url}${path}`,
    method: "POST",
    headers: { ...target.headers, "content-type": "application/json" },
    body,
    connections,
    amount,
  });
  return { requestsPerSecond: result.requests.average, errors: result.errors, non2xx: result.non2xx };
}
