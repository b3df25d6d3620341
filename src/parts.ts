/**
 * Which parts run for a role, in start order. Each folder's index.ts exposes a factory; this file
 * only chooses and orders them. Stop runs in reverse: ingest stops taking messages first (and acks
 * what Redis already has), then workers finish in-flight deliveries, then auth and the admin server.
 */
import type { AppDeps, Part } from './core/index.js';
import { AdminServer, type StatusSources } from './admin/index.js';
import { createDelivery } from './delivery/index.js';
import { createEnricher } from './sources/index.js';
import { createIngest } from './ingest/index.js';
import { jobOptionsFor, QueueJobWriter } from './queue/index.js';
import { createAuth } from './sources/index.js';
import { createFlightState } from './flights/index.js';
import { createSubscriptions } from './subscriptions/index.js';
import { createTimeline } from './timeline/index.js';

export function buildParts(deps: AppDeps): Part[] {
  const { config } = deps;
  const runsIngest = config.role !== 'worker';
  const runsWorkers = config.role !== 'ingest';
  const sources: StatusSources = {};
  const parts: Part[] = [];

  parts.push(new AdminServer({ deps, sources }));

  const subscriptions = createSubscriptions(deps);
  const timeline = createTimeline(deps);
  sources.subscriptions = subscriptions.store;
  sources.timeline = timeline;
  const timelineLog = deps.logger.child({ module: 'timeline' });

  const auth = createAuth(deps);
  sources.tokens = auth.tokens;
  parts.push(auth.part);

  const needsEnricher = runsWorkers && config.webhooks.some((w) => w.enabled && w.enrich.length > 0);
  const flights = createFlightState(deps);
  const statusEnricher = needsEnricher && auth.apiToken ? createEnricher(deps, auth.apiToken) : undefined;
  const enricher = statusEnricher && flights.enricher(statusEnricher);
  const delivery = createDelivery(deps, {
    tokenProviders: auth.providers,
    enricher,
    // The timeline is a log: a failed write is logged, the delivery goes on.
    // Only messages of a flight are reported (see reportAttempt), as only they are in the timeline.
    onAttempt: (report) =>
      void timeline
        .recordAttempt(report)
        .catch((err: unknown) => timelineLog.warn({ err }, 'could not record a delivery attempt')),
  });
  sources.webhooks = delivery.webhooks;
  sources.deadLetters = delivery.deadLetters;
  if (runsWorkers) {
    parts.push({
      name: delivery.part.name,
      start: () => delivery.part.start(),
      stop: async () => {
        await delivery.part.stop();
        await enricher?.close();
      },
    });
  } else {
    // Admin views of queues and dead letters work without workers; only their connections close.
    parts.push({ name: 'delivery-admin', start: async () => undefined, stop: () => delivery.part.stop() });
  }

  if (runsIngest) {
    // WAIT (redis.minReplicas) blocks its connection: the writer then gets one of its own.
    const writerRedis = config.redis.minReplicas > 0 ? deps.connectRedis('ingest-writer') : deps.redis;
    const sink = new QueueJobWriter({
      config,
      redis: writerRedis,
      logger: deps.logger.child({ module: 'routing' }),
      jobOptions: (webhook) => jobOptionsFor(webhook, config),
      onReplicationTimeout: () => deps.metrics.ingestReplicationTimeouts.inc(),
      extraCommands: flights.sequencing.routedCommands,
      // Jobs go straight to this process's workers when they have room (queue/claims.ts).
      claims: runsWorkers ? delivery.claims : undefined,
    });
    const ingest = createIngest(deps, {
      credentials: auth.credentials,
      sink: flights.sequencing.wrap(sink),
      routing: { subscriptions: subscriptions.matcher, timeline },
    });
    if (config.webhooks.some((w) => w.enabled && w.subscriptions)) parts.push(subscriptions.part);
    sources.ingest = ingest;
    sources.credentials = auth.credentials;
    parts.push({
      name: ingest.name,
      start: () => ingest.start(),
      stop: async () => {
        await ingest.stop();
        await sink.close();
        if (writerRedis !== deps.redis) writerRedis.disconnect();
      },
    });
  } else if (auth.source.sharedCredentials) {
    sources.credentials = auth.credentials;
  }

  return parts;
}
