import { foldKey } from "./fold";
import type { MemberSpan, ObjectSpan } from "./scan";

/**
 * The changes policy makes to a request body before it is forwarded (a
 * clamped limit, an injected usage flag, stripped credentials). With none,
 * the client's bytes go upstream exactly as sent; with some, only the edited
 * members are written anew and every other member is copied from the
 * client's text as it was — same order, same spelling, same bytes — so the
 * prompt the engine renders (and its prompt cache) does not change.
 *
 * A path is one key (a top-level member) or two (a member of a top-level
 * object, such as options.num_predict). Keys are matched as Ollama matches
 * them (src/body/fold.ts) and written in the spelling given here.
 */

export type BodyPath = readonly [string] | readonly [string, string];

type Change = { remove: true } | { remove?: false; value: unknown };

export class BodyEdits {
  private readonly changes = new Map<string, { path: BodyPath; change: Change }>();

  set(path: BodyPath, value: unknown): void {
    this.changes.set(path.map(foldKey).join("\u0000"), { path, change: { value } });
  }

  remove(path: BodyPath): void {
    this.changes.set(path.map(foldKey).join("\u0000"), { path, change: { remove: true } });
  }

  get size(): number {
    return this.changes.size;
  }

  /** Descriptions for the log and tests: "options.num_predict", "-auth". */
  get paths(): string[] {
    return [...this.changes.values()].map(({ path, change }) => `${change.remove ? "-" : ""}${path.join(".")}`);
  }

  /** The body's text with the changes spliced in; `root` is its layout from scanJson. */
  apply(text: string, root: ObjectSpan): string {
    const top = new Map<string, Change>();
    const nested = new Map<string, { name: string; changes: Map<string, Change> }>();
    for (const { path, change } of this.changes.values()) {
      if (path.length === 1) top.set(path[0], change);
      else {
        const folded = foldKey(path[0]);
        const group = nested.get(folded) ?? { name: path[0], changes: new Map<string, Change>() };
        group.changes.set(path[1], change);
        nested.set(folded, group);
      }
    }
    const parents = new Map<string, Change>();
    for (const group of nested.values()) {
      const child = findMember(root.members, group.name)?.child;
      const adds = [...group.changes.values()].some((change) => !change.remove);
      if (!child && !adds) continue; // removing from an object that is not there changes nothing
      const json = rebuild(child ? text : "{}", child ?? { start: 0, end: 1, members: [] }, group.changes);
      parents.set(group.name, { value: new Spliced(json) });
    }
    for (const [name, change] of top) parents.set(name, change);
    return text.slice(0, root.start) + rebuild(text, root, parents) + text.slice(root.end + 1);
  }
}

/** Already-serialised JSON text, spliced in as it is. */
class Spliced {
  constructor(readonly json: string) {}
}

function findMember(members: MemberSpan[], name: string): MemberSpan | undefined {
  const exact = members.find((member) => member.key === name);
  if (exact) return exact;
  const folded = foldKey(name);
  return members.find((member) => foldKey(member.key) === folded);
}

const serialise = (value: unknown) => (value instanceof Spliced ? value.json : JSON.stringify(value));

/** The object's text: untouched members copied verbatim, changed ones rewritten in place, new ones appended. */
function rebuild(text: string, span: ObjectSpan, changes: Map<string, Change>): string {
  const pending = new Map(changes);
  const parts: string[] = [];
  for (const member of span.members) {
    const name = [...pending.keys()].find((candidate) => candidate === member.key) ?? [...pending.keys()].find((candidate) => foldKey(candidate) === foldKey(member.key));
    if (name === undefined) {
      parts.push(text.slice(member.keyStart, member.valueEnd));
      continue;
    }
    const change = pending.get(name)!;
    pending.delete(name);
    if (!change.remove) parts.push(`${JSON.stringify(name)}:${serialise(change.value)}`);
  }
  for (const [name, change] of pending) if (!change.remove) parts.push(`${JSON.stringify(name)}:${serialise(change.value)}`);
  return `{${parts.join(",")}}`;
}
