/**
 * The ingest hot path's view of the subscriptions: an in-process copy of every webhook's index,
 * kept current by polling the change counter (one GET per poll; on a change, only the index fields
 * named in the change log are re-read, the whole index only when this replica fell behind the
 * capped log). One flat map from index key to the entries of every webhook filed there: a message
 * costs its 3-5 key lookups whatever the number of webhooks and subscriptions, with no Redis round
 * trip, and a message no one subscribed to costs nothing more.
 */
import type { Clock } from '../core/index.js';
import { decodeEntries, entryMatches, isLive, ListInterner, type IndexEntry } from './index-entry.js';
import { messageIndexKeys, type MatchableMessage } from './rule.js';
import type { SubscriptionStore } from './store.js';

export interface SubscriptionMatcherOptions {
  store: SubscriptionStore;
  clock: Clock;
  /** How often to look for changes made by any replica; 1 s. */
  pollMs?: number;
  /** Told about a failed background refresh (the previous copy keeps serving). */
  onError?: (err: unknown) => void;
}

const NONE: ReadonlySet<string> = new Set();

/** Expired entries removed from Redis per refresh, so one refresh stays short. */
const EXPIRED_PER_REFRESH = 500;

export class SubscriptionMatcher {
  readonly #store: SubscriptionStore;
  readonly #clock: Clock;
  readonly #pollMs: number;
  readonly #onError: (err: unknown) => void;
  #index = new Map<string, IndexEntry[]>();
  #lists = new ListInterner();
  #version = -1;
  #epoch: string | null = null;
  #refreshing?: Promise<void>;
  #timer?: NodeJS.Timeout;
  readonly #expired = new Set<string>();
  #lastMessage?: MatchableMessage;
  #lastMatched: ReadonlySet<string> = NONE;

  constructor(options: SubscriptionMatcherOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#pollMs = options.pollMs ?? 1000;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** Loads the index (await it before matching) and starts polling for changes. */
  async start(): Promise<void> {
    await this.refresh();
    this.#timer ??= setInterval(() => this.refresh().catch(this.#onError), this.#pollMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The change counter value the copy reflects (-1 before the first load). */
  get version(): number {
    return this.#version;
  }

  /** Index entries held in process. */
  get size(): number {
    let n = 0;
    for (const entries of this.#index.values()) n += entries.length;
    return n;
  }

  /** Brings the copy up to date now (one at a time; concurrent callers share the run). */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#refresh().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  /**
   * Whether a message matches one of the webhook's live subscriptions. The webhooks a message
   * matches are worked out once per message object, so ask for each webhook with the same object.
   */
  matches(webhookId: string, msg: MatchableMessage): boolean {
    if (msg !== this.#lastMessage) {
      this.#lastMatched = this.matchingWebhooks(msg);
      this.#lastMessage = msg;
    }
    return this.#lastMatched.has(webhookId);
  }

  /**
   * The webhooks with a live subscription matching the message. An expired one stops matching at
   * once and is removed from Redis by a later refresh.
   */
  matchingWebhooks(msg: MatchableMessage): ReadonlySet<string> {
    if (this.#index.size === 0) return NONE;
    const keys = messageIndexKeys(msg);
    let matched: Set<string> | undefined;
    let now: number | undefined;
    for (const key of keys) {
      const entries = this.#index.get(key);
      if (entries === undefined) continue;
      now ??= this.#clock.now();
      for (const entry of entries) {
        if (matched?.has(entry.webhookId)) continue;
        if (!isLive(entry, now)) this.#expired.add(entry.id);
        else if (entryMatches(entry, keys, msg.eventType)) (matched ??= new Set()).add(entry.webhookId);
      }
    }
    return matched ?? NONE;
  }

  async #refresh(): Promise<void> {
    const { redis, keys } = this.#store;
    const [versionText, epoch] = await redis.mget(keys.version, keys.epoch);
    const version = Number(versionText ?? 0);
    if (epoch !== this.#epoch || version < this.#version) await this.#reload(version, epoch);
    else if (version !== this.#version) await this.#applyChanges();
    await this.#removeExpired();
  }

  /** Re-reads the index fields named by changes since our version, or everything if the log lost some. */
  async #applyChanges(): Promise<void> {
    const { redis, keys } = this.#store;
    const changes = await redis.zrangebyscore(keys.changes, `(${this.#version}`, '+inf');
    const first = changes.length > 0 ? Number(changes[0]!.split('\t', 1)[0]) : undefined;
    if (first !== this.#version + 1) {
      const [version, epoch] = await redis.mget(keys.version, keys.epoch);
      return this.#reload(Number(version ?? 0), epoch);
    }
    const fieldsByWebhook = new Map<string, Set<string>>();
    for (const change of changes) {
      const [, webhookId, field] = change.split('\t') as [string, string, string];
      const fields = fieldsByWebhook.get(webhookId) ?? new Set<string>();
      fieldsByWebhook.set(webhookId, fields.add(field));
    }
    for (const [webhookId, fields] of fieldsByWebhook) {
      const found = await this.#store.indexFields(webhookId, [...fields], this.#lists);
      for (const field of fields) {
        const others = (this.#index.get(field) ?? []).filter((e) => e.webhookId !== webhookId);
        const entries = [...others, ...(found.get(field) ?? [])];
        if (entries.length > 0) this.#index.set(field, entries);
        else this.#index.delete(field);
      }
    }
    this.#lastMessage = undefined;
    this.#version = Number(changes[changes.length - 1]!.split('\t', 1)[0]);
  }

  /**
   * Loads every webhook's index. `version` and `epoch` were read before loading: changes made
   * meanwhile are in the copy or re-applied by the next refresh (re-reading a field is harmless).
   */
  async #reload(version: number, epoch: string | null): Promise<void> {
    const { redis, keys } = this.#store;
    const next = new Map<string, IndexEntry[]>();
    const lists = new ListInterner();
    for (const webhookId of await redis.smembers(keys.webhooks)) {
      let cursor = '0';
      do {
        const [nextCursor, flat] = await redis.hscan(keys.index(webhookId), cursor, 'COUNT', 1000);
        for (let i = 0; i < flat.length; i += 2) {
          const entries = decodeEntries(webhookId, flat[i + 1]!, lists);
          const existing = next.get(flat[i]!);
          if (existing) existing.push(...entries);
          else next.set(flat[i]!, entries);
        }
        cursor = nextCursor;
      } while (cursor !== '0');
    }
    this.#index = next;
    this.#lists = lists;
    this.#epoch = epoch;
    this.#lastMessage = undefined;
    this.#version = version;
  }

  async #removeExpired(): Promise<void> {
    const now = this.#clock.now();
    for (const id of [...this.#expired].slice(0, EXPIRED_PER_REFRESH)) {
      this.#expired.delete(id);
      await this.#store.removeIfExpired(id, now);
    }
  }
}
