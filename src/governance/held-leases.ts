import { leaseTtlMs, spillAfterMs } from "./lease";
import type { LeaseStore } from "./lease-store";
import type { InflightLease } from "./queue-snapshot";

/**
 * The AdmissionQueue's held slots: in memory first, on disk only for those
 * held long enough that the object could be evicted under them.
 *
 * A slot lives as long as its request. Every request ends when the process
 * does, so what a restart would read back is never needed for itself; the
 * table (lease-store.ts) exists for eviction: workerd evicts an object 10 s
 * after its last call ended, and a long answer may hold a slot past that with
 * no call on the object. So a lease still held `spillAfterMs` after its grant
 * (under that window) is written then, all due ones in one commit; a request
 * shorter than that (most, on a busy gate) costs no storage write at all,
 * where it cost two before (grant and release).
 */

export class HeldLeases {
  private readonly leases = new Map<string, InflightLease>();
  private readonly onDisk = new Set<string>();
  private spillTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly store: LeaseStore) {}

  /** The leases on disk from before an eviction (or restart): counted again, and kept on disk. */
  restore(): InflightLease[] {
    const restored = this.store.open();
    for (const lease of restored) {
      this.leases.set(lease.leaseId, lease);
      this.onDisk.add(lease.leaseId);
    }
    return restored;
  }

  get size(): number {
    return this.leases.size;
  }

  get(leaseId: string): InflightLease | undefined {
    return this.leases.get(leaseId);
  }

  has(leaseId: string): boolean {
    return this.leases.has(leaseId);
  }

  values(): IterableIterator<InflightLease> {
    return this.leases.values();
  }

  /** A granted slot, in memory; written to disk if still held after spillAfterMs. */
  add(lease: InflightLease): void {
    this.leases.set(lease.leaseId, lease);
    this.spillTimer ??= setTimeout(() => this.spill(Date.now()), spillAfterMs);
  }

  remove(leaseId: string): void {
    this.leases.delete(leaseId);
    if (this.onDisk.delete(leaseId)) this.store.delete(leaseId);
  }

  /** Extends the leases named; those on disk are updated in the same commit. False for each one not held. */
  renew(leaseIds: readonly string[], now: number): boolean[] {
    return leaseIds.map((leaseId) => {
      const lease = this.leases.get(leaseId);
      if (!lease) return false;
      lease.expiresAt = now + leaseTtlMs;
      if (this.onDisk.has(leaseId)) this.store.renew(leaseId, lease.expiresAt);
      return true;
    });
  }

  /** Writes every lease held spillAfterMs or longer (one synchronous batch: one commit); schedules the next. */
  spill(now: number): number {
    clearTimeout(this.spillTimer);
    this.spillTimer = undefined;
    let written = 0;
    let next: number | null = null;
    for (const lease of this.leases.values()) {
      if (this.onDisk.has(lease.leaseId)) continue;
      const due = lease.grantedAt + spillAfterMs;
      if (due <= now) {
        this.store.put(lease);
        this.onDisk.add(lease.leaseId);
        written += 1;
      } else if (next === null || due < next) next = due;
    }
    if (next !== null) this.spillTimer = setTimeout(() => this.spill(Date.now()), next - now);
    return written;
  }
}
