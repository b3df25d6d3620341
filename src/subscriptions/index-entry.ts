/**
 * How one subscription sits in its webhook's index hash: under its first rule key, one line of
 * JSON `[id, expiresAtMs (0 = never), events | null, otherRuleKeys | null]`; several subscriptions
 * under the same key are separate lines. Lines (not one JSON array) let the Lua scripts add and
 * drop an entry by its id prefix without a JSON library.
 */
import { keysMatch, ruleKeys, type Subscription } from './rule.js';

export interface IndexEntry {
  webhookId: string;
  id: string;
  /** ms since epoch; 0 = never. */
  expiresAt: number;
  events: string[] | null;
  /** The rule's keys other than the one it is filed under (all must be on the message too). */
  otherKeys: string[] | null;
}

export function indexKeyOf(sub: Subscription): string {
  return ruleKeys(sub)[0]!;
}

export function encodeEntry(sub: Subscription): string {
  const others = ruleKeys(sub).slice(1);
  const expiresAt = sub.expiresAt ? Date.parse(sub.expiresAt) : 0;
  return JSON.stringify([sub.id, expiresAt, sub.events ?? null, others.length > 0 ? others : null]);
}

/**
 * Shares equal string lists (event filters, other keys) between entries: most subscriptions use
 * the same few filters, and 100,000 copies of ["flight.*"] would cost ~8 MB of heap.
 */
export class ListInterner {
  readonly #lists = new Map<string, string[]>();

  intern(list: string[] | null): string[] | null {
    if (list === null) return null;
    const key = list.join('\n');
    const known = this.#lists.get(key);
    if (known) return known;
    this.#lists.set(key, list);
    return list;
  }
}

export function decodeEntries(webhookId: string, lines: string, lists?: ListInterner): IndexEntry[] {
  return lines.split('\n').map((line) => {
    const [id, expiresAt, events, otherKeys] = JSON.parse(line) as [
      string,
      number,
      string[] | null,
      string[] | null,
    ];
    return lists
      ? { webhookId, id, expiresAt, events: lists.intern(events), otherKeys: lists.intern(otherKeys) }
      : { webhookId, id, expiresAt, events, otherKeys };
  });
}

export function isLive(entry: IndexEntry, now: number): boolean {
  return entry.expiresAt === 0 || entry.expiresAt > now;
}

/** The entry matches a message found under one of its keys (the filing key is already known). */
export function entryMatches(entry: IndexEntry, messageKeys: readonly string[], eventType: string): boolean {
  return keysMatch(entry.otherKeys ?? [], entry.events ?? undefined, messageKeys, eventType);
}
