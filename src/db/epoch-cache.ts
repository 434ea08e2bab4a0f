/**
 * A bounded map in front of D1 whose entries hold only while the epoch they
 * were read at is current (src/db/credential-epoch.ts, screening-epoch.ts:
 * counters every write to the tables behind it bumps once committed), and
 * for at most `ttlMs`, which bounds what a write made outside Gatehouse
 * (sqlite3 on the data file) could leave behind.
 */

interface Entry<T> {
  value: T;
  epoch: number;
  expiresAt: number;
}

export class EpochCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly epochNow: () => number,
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get(id: string, now: number): T | null {
    const entry = this.entries.get(id);
    if (!entry) return null;
    if (entry.epoch !== this.epochNow() || entry.expiresAt <= now) {
      this.entries.delete(id);
      return null;
    }
    return entry.value;
  }

  /** `epoch` is the one read before the rows in `value` were read. */
  set(id: string, value: T, epoch: number, now: number): void {
    // A write committed since the rows were read: they may be stale, do not keep them.
    if (epoch !== this.epochNow()) return;
    this.entries.delete(id);
    if (this.entries.size >= this.maxEntries) {
      // Oldest first: Map iteration follows insertion order.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(id, { value, epoch, expiresAt: now + this.ttlMs });
  }

  /** The remembered value, else `read()`'s, kept unless a write committed while it was read. */
  async through(id: string, read: () => Promise<T>, now = Date.now()): Promise<T> {
    const known = this.get(id, now);
    if (known !== null) return known;
    const epoch = this.epochNow();
    const value = await read();
    this.set(id, value, epoch, now);
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
