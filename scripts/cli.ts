/**
 * `npm run gatehouse -- <command>`: the admin CLI. It talks to a running
 * Gatehouse over its admin API, as any script would, with an admin's API key.
 *
 *   GATEHOUSE_URL        the gateway's base URL (default http://127.0.0.1:7000)
 *   GATEHOUSE_ADMIN_KEY  an API key of an admin account (never printed)
 *
 * Commands:
 *   audit verify   walk the audit hash chain; exit 0 when intact, 1 when not
 */

interface VerifyReport {
  ok: boolean;
  checked: number;
  firstBad: { seq: number; kind: string | null; id: string | null; reason: string } | null;
}

const usage = "usage: npm run gatehouse -- audit verify";

async function auditVerify(): Promise<number> {
  const base = (process.env.GATEHOUSE_URL ?? "http://127.0.0.1:7000").replace(/\/+$/, "");
  const key = process.env.GATEHOUSE_ADMIN_KEY;
  if (!key) {
    console.error("gatehouse: set GATEHOUSE_ADMIN_KEY to an admin's API key");
    return 2;
  }
  const response = await fetch(`${base}/admin/api/audit/verify`, { headers: { Authorization: `Bearer ${key}` } });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
    console.error(`gatehouse: verify failed: ${response.status} ${body?.error?.code ?? ""} ${body?.error?.message ?? ""}`.trim());
    return 2;
  }
  const report = (await response.json()) as VerifyReport;
  if (report.ok) {
    console.log(`audit chain intact: ${report.checked} records checked`);
    return 0;
  }
  const bad = report.firstBad;
  console.log(`audit chain BROKEN after ${report.checked} good records: seq ${bad?.seq} ${bad?.kind ?? ""} ${bad?.id ?? ""} (${bad?.reason})`.replace(/\s+/g, " "));
  console.log(JSON.stringify(report));
  return 1;
}

async function main(argv: string[]): Promise<number> {
  const [group, command] = argv;
  if (group === "audit" && command === "verify") return auditVerify();
  console.error(usage);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`gatehouse: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
