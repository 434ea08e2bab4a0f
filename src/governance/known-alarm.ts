/**
 * A Durable Object's alarm as last set or read, kept in memory so a request
 * never reads it back from storage (the UserLimiter's and the AdmissionQueue's
 * alarm free the slots of requests that died). It only ever moves earlier: an
 * alarm already due by the time needed stays, finds nothing to free, and sets
 * the next — once per lease time at most, instead of a storage call per
 * request.
 */
export class KnownAlarm {
  private at: number | null = null;

  constructor(private readonly storage: DurableObjectStorage) {}

  /** Reads the alarm once, when the object starts. */
  async load(): Promise<void> {
    this.at = await this.storage.getAlarm();
  }

  /** At the start of alarm(): the alarm that fired is gone. */
  fired(): void {
    this.at = null;
  }

  /** Sets the alarm to `next` unless one is due by then; null when nothing is written (so a caller can batch it with its own write). */
  moveEarlier(next: number | null): Promise<void> | null {
    if (next === null || (this.at !== null && this.at <= next)) return null;
    this.at = next;
    return this.storage.setAlarm(next);
  }
}
