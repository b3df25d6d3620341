/**
 * In-memory StatusSources for admin tests: the shapes the delivery and ingest parts implement,
 * with the behaviour the dashboard relies on (pause changes state, replay removes the dead letter).
 */
import type {
  DeadLetter,
  DeadLetterAdmin,
  DeadLetterQuery,
  IngestStatus,
  WebhookAdmin,
  WebhookState,
} from '../../src/admin/index.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createDeps, type AppDeps } from '../../src/app.js';
import { captureLogger } from '../helpers/logger.js';
import { SHARED_REDIS_URL } from '../helpers/servers.js';

export function emptyCounts(): WebhookState['counts'] {
  return { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0, paused: 0 };
}

export class StubWebhooks implements WebhookAdmin {
  readonly webhooks: WebhookState[];
  constructor(ids: string[]) {
    this.webhooks = ids.map((id) => ({
      id,
      url: `http://127.0.0.1:1/${id}`,
      state: 'active',
      breaker: 'closed',
      counts: emptyCounts(),
    }));
  }
  async list(): Promise<WebhookState[]> {
    return this.webhooks.map((w) => ({ ...w, counts: { ...w.counts } }));
  }
  #find(id: string): WebhookState {
    const webhook = this.webhooks.find((w) => w.id === id);
    if (!webhook) throw new Error(`no webhook ${id}`);
    return webhook;
  }
  async pause(id: string): Promise<void> {
    this.#find(id).state = 'paused';
  }
  async resume(id: string): Promise<void> {
    this.#find(id).state = 'active';
  }
  async enable(id: string): Promise<void> {
    const webhook = this.#find(id);
    webhook.state = 'active';
    delete webhook.disabledReason;
  }
}

export class StubDeadLetters implements DeadLetterAdmin {
  readonly letters: DeadLetter[] = [];
  readonly replayed: DeadLetter[] = [];
  /** Called for each replayed dead letter (the browser test "delivers" it). */
  onReplay?: (letter: DeadLetter) => void;

  add(letter: Partial<DeadLetter> & { id: string; webhookId: string }): void {
    this.letters.push({
      reason: 'exhausted',
      attempts: 20,
      eventType: 'flight.cancelled',
      topic: 'prd/FlightUpdate/LH/LH400/2026-11-23',
      receivedAt: new Date(Date.now() - 60_000).toISOString(),
      failedAt: new Date().toISOString(),
      lastStatus: 500,
      ...letter,
    });
  }
  #matches(letter: DeadLetter, query: DeadLetterQuery & { id?: string }): boolean {
    return (
      (!query.id || letter.id === query.id) &&
      (!query.webhookId || letter.webhookId === query.webhookId) &&
      (!query.since || new Date(letter.failedAt) >= query.since)
    );
  }
  async list(query: DeadLetterQuery): Promise<DeadLetter[]> {
    return this.letters.filter((l) => this.#matches(l, query)).slice(0, query.limit ?? 100);
  }
  async replay(query: DeadLetterQuery & { id?: string }): Promise<number> {
    const hits = this.letters.filter((l) => this.#matches(l, query));
    for (const hit of hits) {
      this.letters.splice(this.letters.indexOf(hit), 1);
      this.replayed.push(hit);
      this.onReplay?.(hit);
    }
    return hits.length;
  }
  async purge(query: DeadLetterQuery): Promise<number> {
    const hits = this.letters.filter((l) => this.#matches(l, query));
    for (const hit of hits) this.letters.splice(this.letters.indexOf(hit), 1);
    return hits.length;
  }
}

export class StubIngest {
  value: IngestStatus = {
    role: 'leader',
    connected: true,
    paused: false,
    grantedQos: { 'prd/FlightUpdate/#': 1 },
  };
  status(): IngestStatus {
    return this.value;
  }
}

/** Config for a worker-role process (no Lufthansa keys needed) with the admin server on a free port. */
export function adminConfig(overrides: Record<string, unknown> = {}): Config {
  return loadConfig({
    env: {},
    overrides: {
      role: 'worker',
      'redis.url': SHARED_REDIS_URL,
      'admin.listen': '127.0.0.1:0',
      'admin.token': 'test-admin-token-0123456789',
      'log.level': 'silent',
      ...overrides,
    },
  });
}

export function testDeps(config: Config): AppDeps {
  const { logger } = captureLogger({ level: 'warn' });
  return createDeps(config, { logger });
}
