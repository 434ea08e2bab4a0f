import { builtInBackendName } from "../backends/types";
import type { InflightLease } from "./queue-snapshot";

/**
 * The AdmissionQueue's held slots on disk (its SQLite table `inflight`), so
 * an evicted or restarted object still counts them. Schema:
 *   inflight(lease_id PK, user_id, username, granted_at, expires_at,
 *            backend — added with per-backend gates; rows from before hold `local`)
 */
export class LeaseStore {
  constructor(private readonly sql: SqlStorage) {}

  /** Creates or upgrades the table; returns the leases it holds. */
  open(): InflightLease[] {
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS inflight (lease_id TEXT PRIMARY KEY, user_id TEXT NOT NULL,
       username TEXT NOT NULL, granted_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)`,
    );
    const columns = [...this.sql.exec<{ name: string }>("PRAGMA table_info(inflight)")].map((column) => column.name);
    if (!columns.includes("backend")) {
      this.sql.exec(`ALTER TABLE inflight ADD COLUMN backend TEXT NOT NULL DEFAULT '${builtInBackendName}'`);
    }
    return [...this.sql.exec<Record<string, string | number>>("SELECT * FROM inflight")].map((row) => ({
      leaseId: String(row.lease_id), userId: String(row.user_id), username: String(row.username),
      backend: String(row.backend), grantedAt: Number(row.granted_at), expiresAt: Number(row.expires_at),
    }));
  }

  put(lease: InflightLease): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO inflight (lease_id, user_id, username, backend, granted_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
      lease.leaseId, lease.userId, lease.username, lease.backend, lease.grantedAt, lease.expiresAt,
    );
  }

  renew(leaseId: string, expiresAt: number): void {
    this.sql.exec("UPDATE inflight SET expires_at = ? WHERE lease_id = ?", expiresAt, leaseId);
  }

  delete(leaseId: string): void {
    this.sql.exec("DELETE FROM inflight WHERE lease_id = ?", leaseId);
  }
}
