import { chainPage, firstUnchained, type ChainEntry } from "../db/audit-chain";
import { contentOf, type EventText } from "../db/audit-content";
import type { AuditEventRow } from "../db/audit-events";
import { sha256Hex } from "../hex";
import { adminContentHash, eventContentHash, genesisHash, linkHash, sealedEventOf } from "./canonical";
import { groupByBytes } from "./content";
import type { ChainHead } from "./group-commit";

/**
 * Walks the hash chain from the first link and reports the first record
 * that does not match: a link missing (a deleted chain row), a link that does
 * not follow from the one before, a record missing (a deleted audit row), a
 * record whose canonical content changed (an edited row), stored text that
 * no longer has the hash the record sealed, or a chain shorter than the
 * ledger's own anchor (rows cut off the end), or a record that claims to be
 * sealed but is in no link (a row inserted behind the ledger's back). Reads
 * page by page.
 */

export type BadReason = "missing_link" | "broken_link" | "missing_record" | "record_changed" | "text_changed" | "truncated" | "unchained_record";

export interface BadRecord {
  seq: number;
  kind: "event" | "admin" | null;
  id: string | null;
  reason: BadReason;
}

export interface VerifyReport {
  ok: boolean;
  checked: number;
  firstBad: BadRecord | null;
}

const pageSize = 500;
const textBytesPerRead = 4 * 1024 * 1024;

export async function verifyChain(db: D1Database, anchor: ChainHead | null): Promise<VerifyReport> {
  let prev: ChainHead = { seq: 0, hash: genesisHash };
  let checked = 0;
  let anchorSeen = false;
  for (;;) {
    const page = await chainPage(db, prev.seq, pageSize);
    const textOk = await checkTexts(db, page);
    for (const entry of page) {
      const bad = await checkEntry(entry, prev, textOk);
      if (bad) return { ok: false, checked, firstBad: bad };
      prev = { seq: entry.link.seq, hash: entry.link.hash };
      checked += 1;
      if (anchor && prev.seq === anchor.seq) {
        if (prev.hash !== anchor.hash) return { ok: false, checked: checked - 1, firstBad: badOf(entry, "broken_link") };
        anchorSeen = true;
      }
    }
    if (page.length < pageSize) break;
  }
  if (anchor && anchor.seq > 0 && !anchorSeen) {
    return { ok: false, checked, firstBad: { seq: prev.seq + 1, kind: null, id: null, reason: "truncated" } };
  }
  const unchained = await firstUnchained(db);
  if (unchained) return { ok: false, checked, firstBad: { seq: prev.seq + 1, kind: unchained.kind, id: unchained.id, reason: "unchained_record" } };
  return { ok: true, checked, firstBad: null };
}

function badOf(entry: ChainEntry, reason: BadReason): BadRecord {
  return { seq: entry.link.seq, kind: entry.link.recordKind, id: entry.link.recordId, reason };
}

async function checkEntry(entry: ChainEntry, prev: ChainHead, textOk: Set<string>): Promise<BadRecord | null> {
  const { link } = entry;
  if (link.seq !== prev.seq + 1) return { seq: prev.seq + 1, kind: null, id: null, reason: "missing_link" };
  if (link.prevHash !== prev.hash || (await linkHash(link.seq, link.prevHash, link.contentHash)) !== link.hash) {
    return badOf(entry, "broken_link");
  }
  if (link.recordKind === "admin") {
    if (!entry.admin) return badOf(entry, "missing_record");
    return (await adminContentHash(entry.admin)) === link.contentHash ? null : badOf(entry, "record_changed");
  }
  if (!entry.event) return badOf(entry, "missing_record");
  if (entry.event.sealedSeq !== link.seq || (await eventContentHash(sealedEventOf(entry.event))) !== link.contentHash) {
    return badOf(entry, "record_changed");
  }
  return textOk.has(entry.event.id) ? null : badOf(entry, "text_changed");
}

/** Stored text (if not purged) must still hash to what the record sealed. */
async function textMatches(event: AuditEventRow, text: EventText | undefined): Promise<boolean> {
  if (!text) return true;
  if (text.prompt !== null && (await sha256Hex(text.prompt)) !== event.promptSha256) return false;
  if (text.response !== null && (await sha256Hex(text.response)) !== event.responseSha256) return false;
  return true;
}

/** The ids of the page's events whose stored text (if any) still matches; text is read a bounded group at a time. */
async function checkTexts(db: D1Database, page: ChainEntry[]): Promise<Set<string>> {
  const ok = new Set<string>();
  const withText: AuditEventRow[] = [];
  for (const { event } of page) {
    if (!event) continue;
    if (event.captureMode === "full") withText.push(event);
    else ok.add(event.id);
  }
  for (const group of groupByBytes(withText, (event) => (event.promptBytes ?? 0) + (event.responseBytes ?? 0), textBytesPerRead)) {
    const texts = await contentOf(db, group.map((event) => event.id));
    for (const event of group) if (await textMatches(event, texts.get(event.id))) ok.add(event.id);
  }
  return ok;
}
