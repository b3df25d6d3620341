/** The timeline store of a running bridge, from the `timeline` config. */
import type { AppDeps } from '../core/index.js';
import { TimelineStore } from './store.js';

export function createTimeline(deps: AppDeps): TimelineStore {
  const { config } = deps;
  return new TimelineStore({
    redis: deps.redis,
    prefix: config.redis.prefix,
    clock: deps.clock,
    retentionMs: config.timeline.retention,
    maxNotificationsPerFlight: config.timeline.maxNotificationsPerFlight,
    maxAttemptsPerMessage: config.timeline.maxAttemptsPerMessage,
  });
}
