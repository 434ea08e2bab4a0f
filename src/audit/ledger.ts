import { DurableObject } from "cloudflare:workers";
import { configFrom } from "../config";
import type { PlainBindings } from "../plain-bindings";
import { lastLink, type HeadSeen } from "../db/audit-chain";
import { headStatement } from "../db/audit-writes";
import { purgeContentBefore } from "../db/audit-content";
import { getEvent, unsealedFinished, type EventCompletion } from "../db/audit-events";
import type { AdminWrite } from "./admin-write";
import { processEpoch, recoverInterrupted } from "./recovery";
import { genesisHash, sealedEventOf, type SealedAdminAction, type SealedEvent } from "./canonical";
import { GroupCommit, type ChainHead } from "./group-commit";
import { logLine } from "../observability/log-line";
import { checkAgainst, judgeHead, type ChainBroken } from "./integrity";
import { adminOp, backlogOp, beginOp, completeOp, floodOp, refusalOp, type Statement } from "./ledger-ops";

/**
 * The audit ledger: the one writer of audit records and the serialization
 * point of the hash chain. One instance (named "ledger").
 *
 * Why a Durable Object: the chain is a sequence, and many requests finish at
 * once. A single object runs one event at a time, so it can hand out chain
 * positions from the head it holds in memory, and it is a shared place where
 * writes from all requests meet, so they can be group-committed (one D1
 * transaction for everything that arrived while the previous one was in
 * flight). audit_chain.seq being the primary key means a second writer (a
 * bug, or a second instance) fails its batch instead of forking the chain.
 *
 * Its own storage keeps the last committed head as an anchor outside D1, so
 * verify also catches rows cut off the end of the chain. At start and before
 * every write it checks D1 still holds that head (src/audit/integrity.ts): an
 * older database restored, or a record rewritten with every later link
 * re-hashed, is a "chain broken" state kept in its storage that no later
 * write clears. Every few minutes (and at shutdown, from the start script)
 * it logs a checkpoint line, so a rollback of every file in the data
 * directory is caught by `gatehouse audit verify --checkpoints`.
 *
 * The alarm (every minute) seals the backlog (crash-interrupted records,
 * closed refusal buckets) and, with GATEHOUSE_RETENTION_DAYS, purges old
 * prompt and response text.
 */

export const ledgerName = "ledger";
const anchorKey = "anchor";
const brokenKey = "broken";
/** A checkpoint line (sequence and head hash) at most this often, from the alarm. */
const checkpointEveryMs = 5 * 60_000;
const alarmEveryMs = 60_000;
/** A refusal bucket is sealed this long after its minute ends, so late counts still land. */
const bucketGraceMs = 5_000;
const purgeBatch = 1_000;
const maxOpen = 20_000;
/**
 * A completion (written after its answer: no client waits for it) waits this
 * long for the next write-ahead begin, which takes it along in its own D1
 * transaction (src/audit/group-commit.ts). Long enough for a client's next
 * request to arrive; short enough that a record is sealed moments after its
 * answer even when no other request comes.
 */
const completionLingerMs = 5;

export class AuditLedger extends DurableObject<PlainBindings> {
  private head: ChainHead = { seq: 0, hash: genesisHash };
  /** Started records by request id, so a completion needs no read (a restart falls back to D1). */
  private readonly open = new Map<string, SealedEvent>();
  private readonly writer: GroupCommit<Statement>;
  /** Set once D1 no longer holds what this ledger committed; persisted, never cleared. */
  private broken: ChainBroken | null = null;
  private lastCheckpointAt = 0;

  constructor(ctx: DurableObjectState, env: PlainBindings) {
    super(ctx, env);
    this.writer = new GroupCommit<Statement>({
      head: () => this.head,
      commit: (statements, head) => this.commit(statements, head),
      lingerMs: completionLingerMs,
    });
    ctx.blockConcurrencyWhile(async () => {
      this.broken = (await ctx.storage.get<ChainBroken>(brokenKey)) ?? null;
      const anchor = await ctx.storage.get<ChainHead>(anchorKey);
      if (anchor && !this.broken) await this.noteBroken(await checkAgainst(env.DB, anchor));
      const last = await lastLink(env.DB);
      // Writing goes on from what D1 holds (requests must still be recorded); the broken state stays.
      this.head = last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: genesisHash };
      if ((await ctx.storage.getAlarm()) === null) await ctx.storage.setAlarm(Date.now() + alarmEveryMs);
      // A checkpoint at every start as well as every few minutes.
      if (this.head.seq > 0) await this.checkpoint();
    });
  }

  private async commit(statements: Statement[], head: ChainHead): Promise<void> {
    const [first, ...rest] = statements;
    if (!first) return;
    const db = this.env.DB;
    // Every write first reads where D1 ends, in its own batch (one transaction, no round trip of its own):
    // D1 must still end where this ledger left it. The write lands either way (requests must still be recorded).
    const expected = this.head;
    const probe = !this.broken && expected.seq > 0;
    const results = probe ? await db.batch([headStatement(db, expected), first, ...rest]) : await db.batch([first, ...rest]);
    // The anchor moves only when the chain did: a batch that seals nothing (a write-ahead begin) costs no storage commit here.
    const moved = head.seq !== expected.seq || head.hash !== expected.hash;
    this.head = head;
    if (moved) await this.ctx.storage.put(anchorKey, head);
    if (probe) await this.noteBroken(judgeHead(expected, (results[0]!.results as HeadSeen[])[0]));
  }

  /** Write-ahead: resolves once the started record is committed. */
  async begin(started: SealedEvent, prompt: string | null): Promise<void> {
    const now = Date.now();
    await this.writer.submit(async () => beginOp(this.env.DB, started, prompt, now));
    this.open.set(started.id, started);
    // Bounded: a completion whose record was dropped here reads it back from D1.
    if (this.open.size > maxOpen) this.open.delete(this.open.keys().next().value ?? "");
  }

  /** Completes and seals a started record; false when there was none open. */
  async complete(id: string, completion: EventCompletion, response: string | null): Promise<boolean> {
    let started = this.open.get(id);
    if (!started) {
      const row = await getEvent(this.env.DB, id);
      if (!row || row.finishedAt !== null) return false;
      started = sealedEventOf(row);
    }
    const record = started;
    const now = Date.now();
    await this.writer.submit((draft) => completeOp(this.env.DB, draft, record, completion, response, now), { linger: true });
    this.open.delete(id);
    return true;
  }

  /** A finished refusal of an authenticated request, sealed at once. */
  async refusal(event: SealedEvent): Promise<void> {
    const now = Date.now();
    await this.writer.submit((draft) => refusalOp(this.env.DB, draft, event, now));
  }

  /** One more unauthenticated refusal in its bucket. */
  async flood(bucket: SealedEvent): Promise<void> {
    await this.writer.submit(async () => floodOp(this.env.DB, bucket));
  }

  /** Admin records, with the change (users, backends) they record when there is one: committed together or not at all. */
  async adminAction(action: SealedAdminAction | SealedAdminAction[], write?: AdminWrite): Promise<void> {
    const now = Date.now();
    const actions = Array.isArray(action) ? action : [action];
    await this.writer.submit((draft) => adminOp(this.env.DB, draft, actions, now, write));
  }

  /** Seals finished rows not yet in the chain; returns how many. */
  async sealBacklog(): Promise<number> {
    let sealed = 0;
    for (;;) {
      const now = Date.now();
      const rows = await unsealedFinished(this.env.DB, now, bucketGraceMs, 500);
      if (rows.length === 0) return sealed;
      await this.writer.submit((draft) => backlogOp(this.env.DB, draft, rows, now));
      sealed += rows.length;
    }
  }

  /** Null while D1 holds what this ledger committed; the mismatch once it did not. */
  async integrity(): Promise<ChainBroken | null> {
    return this.broken;
  }

  /** Logs the head as a checkpoint line; `gatehouse audit verify --checkpoints` proves D1 against these. */
  async checkpoint(): Promise<ChainHead> {
    this.lastCheckpointAt = Date.now();
    console.log(logLine("info", "audit checkpoint", { event: "audit_checkpoint", seq: this.head.seq, hash: this.head.hash }));
    return this.head;
  }

  private async noteBroken(found: ChainBroken | null): Promise<void> {
    if (!found || this.broken) return;
    this.broken = found;
    await this.ctx.storage.put(brokenKey, found);
    console.error(logLine("error", "audit chain broken", { event: "audit_chain_broken", reason: found.reason, expected_seq: found.expected.seq, found_seq: found.found.seq }));
  }

  /** The last head this ledger committed (its own record, outside D1). */
  async anchor(): Promise<ChainHead | null> {
    return (await this.ctx.storage.get<ChainHead>(anchorKey)) ?? null;
  }

  /** Deletes prompt and response text stored before `cutoff`; returns how many pieces went. */
  async purgeBefore(cutoff: number): Promise<number> {
    let purged = 0;
    for (;;) {
      const gone = await purgeContentBefore(this.env.DB, cutoff, purgeBatch);
      purged += gone;
      if (gone < purgeBatch) return purged;
    }
  }

  /**
   * Crash recovery (src/audit/recovery.ts): records an earlier process left
   * open are closed as interrupted, then sealed with the rest of the backlog.
   * Called when the worker starts serving and on every alarm.
   */
  async recoverInterrupted(): Promise<{ interrupted: number; sealed: number }> {
    const interrupted = await recoverInterrupted(this.env.DB, processEpoch());
    return { interrupted, sealed: await this.sealBacklog() };
  }

  override async alarm(): Promise<void> {
    try {
      await this.recoverInterrupted();
      if (Date.now() - this.lastCheckpointAt >= checkpointEveryMs) await this.checkpoint();
      const days = configFrom(this.env).GATEHOUSE_RETENTION_DAYS;
      if (days !== null) await this.purgeBefore(Date.now() - days * 86_400_000);
    } finally {
      await this.ctx.storage.setAlarm(Date.now() + alarmEveryMs);
    }
  }
}

/** The one ledger: the single writer of audit records and the hash chain. */
export function auditLedger(env: { AUDIT: DurableObjectNamespace<AuditLedger> }): DurableObjectStub<AuditLedger> {
  return env.AUDIT.get(env.AUDIT.idFromName(ledgerName));
}
