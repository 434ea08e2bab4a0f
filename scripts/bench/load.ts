import autocannon from "autocannon";
import type { Target } from "./http-timing";

export interface Throughput {
  requestsPerSecond: number;
  /** Requests answered in the run. */
  requests: number;
  errors: number;
  non2xx: number;
}

/**
 * Load from autocannon: for `seconds`, or until `amount` requests (to fill
 * the audit log). Its requests/s is trustworthy; its percentiles we do not use.
 */
export async function throughput(target: Target, path: string, body: string, connections: number, run: { seconds: number } | { amount: number }): Promise<Throughput> {
  const result = await autocannon({
    url: `${target.url}${path}`,
    method: "POST",
    headers: { ...target.headers, "content-type": "application/json" },
    body,
    connections,
    ...("seconds" in run ? { duration: run.seconds } : { amount: run.amount }),
  });
  return { requestsPerSecond: result.requests.average, requests: result.requests.total, errors: result.errors, non2xx: result.non2xx };
}
