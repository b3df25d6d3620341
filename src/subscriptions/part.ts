/**
 * The subscriptions of a running bridge: the store (admin API, CLI) and, where ingest runs, the
 * in-process matcher kept current by polling (started before ingest, stopped after it).
 */
import type { AppDeps, Part } from '../core/index.js';
import { SubscriptionMatcher } from './matcher.js';
import { SubscriptionStore } from './store.js';

export interface SubscriptionsRuntime {
  store: SubscriptionStore;
  matcher: SubscriptionMatcher;
  /** Loads the index and polls for changes; only needed where ingest routes messages. refresh()
   * brings the copy up to date now (tests, and an operator who cannot wait for the next poll). */
  part: Part & { refresh(): Promise<void> };
}

export function createSubscriptions(deps: AppDeps): SubscriptionsRuntime {
  const { config, redis, clock } = deps;
  const log = deps.logger.child({ module: 'subscriptions' });
  const store = new SubscriptionStore({
    redis,
    prefix: config.redis.prefix,
    clock,
    flightGraceMs: config.subscriptions.flightGrace,
  });
  const matcher = new SubscriptionMatcher({
    store,
    clock,
    pollMs: config.subscriptions.refresh,
    onError: (err) => log.warn({ err }, 'could not refresh subscriptions; the previous copy keeps matching'),
  });
  const part = {
    name: 'subscriptions',
    refresh: () => matcher.refresh(),
    start: () => matcher.start(),
    stop: async () => matcher.stop(),
  };
  return { store, matcher, part };
}
