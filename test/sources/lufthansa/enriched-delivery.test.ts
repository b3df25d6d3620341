/**
 * Envelopes through routing and real delivery workers: the `events` filter, and enrichment that
 * waits out a Flight Status quota outage without spending attempts or dead-lettering.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Queue, type Job } from 'bullmq';
import { loadConfig } from '../../../src/config/index.js';
import { createDeps } from '../../../src/app.js';
import { Metrics } from '../../../src/core/metrics.js';
import { createDelivery } from '../../../src/delivery/index.js';
import { createEnricher } from '../../../src/sources/lufthansa/index.js';
import { Router } from '../../../src/routing/index.js';
import { WebhookReceiver } from '../../../src/sim/receiver.js';
import { captureLogger } from '../../helpers/logger.js';
import { SHARED_REDIS_URL, waitFor } from '../../helpers/servers.js';
import { apiToken, counterValue, deleteKeys, envelopeOf, startApi, uniquePrefix } from './support.js';
import { jobOptionsFor, queueName, QueueJobWriter } from '../../../src/queue/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const secret = () => `whsec_${randomBytes(24).toString('base64')}`;

test('events filter and enriched deliveries through a quota outage', { timeout: 90_000 }, async () => {
  const api = await startApi(10);
  const prefix = uniquePrefix('events-e2e');
  const receivers = {
    cancels: new WebhookReceiver(),
    status1: new WebhookReceiver(),
    status2: new WebhookReceiver(),
  };
  for (const r of Object.values(receivers)) await r.start();
  const hook = (id: keyof typeof receivers, extra: Record<string, unknown>) => ({
    id,
    url: receivers[id].url,
    secret: secret(),
    topics: ['prd/FlightUpdate/#'],
    // Few attempts: if waiting for the status spent attempts, these jobs would be dead letters.
    retry: { attempts: 2, initialDelay: 100 },
    ...extra,
  });
  const config = loadConfig({
    env: {},
    overrides: {
      'source.kind': 'lufthansa',
      'source.lufthansa.apiBase': api.sim.url,
      'source.lufthansa.clientKey': 'demo-key',
      'source.lufthansa.clientSecret': 'demo-secret',
      'source.lufthansa.clientId': 'test',
      'redis.url': SHARED_REDIS_URL,
      'redis.prefix': prefix,
      'delivery.shutdownTimeout': 2000,
      'enrichment.timeout': 2000,
      webhooks: [
        hook('cancels', { events: ['flight.cancelled'] }),
        hook('status1', { enrich: ['flightStatus'] }),
        hook('status2', { enrich: ['flightStatus'], events: ['flight.*'] }),
      ],
    },
  });
  const log = captureLogger({ level: 'warn' });
  const metrics = new Metrics({ defaultMetrics: false });
  const deps = createDeps(config, { logger: log.logger, metrics });
  const token = apiToken(api.sim.url, log.logger);
  const enricher = createEnricher(deps, token);
  const delivery = createDelivery(deps, { tokenProviders: new Map(), enricher });
  const writer = new QueueJobWriter({
    config,
    redis: deps.redis,
    logger: deps.logger,
    jobOptions: (w) => jobOptionsFor(w, config),
  });
  const router = new Router(config.webhooks);
  const queues = ['status1', 'status2'].map(
    (id) => new Queue(queueName(id), { connection: deps.redis, prefix }),
  );
  try {
    await delivery.part.start();
    // The API refuses until the test ends the outage (accept()) below.
    api.endpoint.refuseFor(600_000);
    const outageStarted = Date.now();

    const flights = api.board.flights();
    const codes = ['Y', 'MVT ED', 'ASM CNL', 'ASM TIM', 'ASM NEW RIN'];
    const events = Array.from({ length: 40 }, (_, i) =>
      envelopeOf(api.board.update(flights[i % 10]!.flightNumber, codes[i % codes.length]!), `msg-${i}`),
    );
    const cancellations = events.filter((e) => e.type === 'flight.cancelled').map((e) => e.id);
    assert.ok(cancellations.length > 0 && cancellations.length < events.length);
    await writer.addBulk(
      events.flatMap((event) =>
        router
          .route(event, { json: event.data, isJson: true })
          .map((w) => ({ webhookId: w.id, jobId: `${event.id}.${w.id}`, data: { event } })),
      ),
    );

    // Only cancellations reach the [flight.cancelled] webhook, without waiting for the outage.
    await waitFor(
      () => receivers.cancels.deliveries.length >= cancellations.length,
      15_000,
      'cancellations delivered',
    );
    assert.equal(api.endpoint.served, 0, 'unenriched webhook is not held up by the outage');
    assert.deepEqual(receivers.cancels.deliveries.map((d) => d.id).sort(), [...cancellations].sort());
    assert.ok(
      receivers.cancels.deliveries.every(
        (d) => d.type === 'flight.cancelled' && (d.json as Any).flightStatus === undefined,
      ),
    );

    // While refused: enriched deliveries wait, spending no attempt.
    await waitFor(
      async () => (await counterValue(metrics.deliveries, { outcome: 'deferred' })) > 0,
      10_000,
      'deferrals',
    );
    // Ingest wrote batch jobs; a deferred message continues as a job of its own once its batch has
    // given every message its first attempt. The outage lasts until all 40 per webhook have (on a
    // slow machine a batch still running at accept() would deliver the rest inside itself).
    for (const queue of queues) {
      let waiting: Job[] = [];
      await waitFor(
        async () => {
          waiting = await queue.getJobs(['delayed', 'waiting', 'active', 'prioritized']);
          return waiting.length === 40 && waiting.every((job) => !('batch' in job.data));
        },
        15_000,
        `every message of ${queue.name} deferred as a job of its own`,
      );
      assert.ok(
        waiting.every((job) => job.attemptsMade === 0),
        'no attempt spent while deferred',
      );
    }
    assert.equal(receivers.status1.deliveries.length + receivers.status2.deliveries.length, 0);

    assert.equal(api.endpoint.served, 0);
    const enrichedDuringOutage = receivers.status1.deliveries.length + receivers.status2.deliveries.length;
    api.endpoint.accept();
    const outageMs = Date.now() - outageStarted;
    await waitFor(
      () => receivers.status1.uniqueIds === 40 && receivers.status2.uniqueIds === 40,
      45_000,
      'all enriched deliveries',
    );
    assert.equal(enrichedDuringOutage, 0, 'enriched deliveries only after the outage');
    for (const receiver of [receivers.status1, receivers.status2]) {
      for (const delivery of receiver.deliveries) {
        const body = delivery.json as Any;
        assert.equal(body.flightStatusError, undefined);
        const status = body.flightStatus[0];
        assert.equal(
          status.MarketingCarrier.AirlineID + status.MarketingCarrier.FlightNumber,
          body.flight.carrier + body.flight.flightNumber,
        );
      }
    }
    for (const queue of queues) {
      // A receiver has a delivery a moment before its worker records the job as completed.
      await waitFor(
        async () =>
          Object.values(await queue.getJobCounts('active', 'wait', 'delayed', 'prioritized')).every(
            (n) => n === 0,
          ),
        15_000,
        'every job finished',
      );
      assert.equal(await queue.getFailedCount(), 0, 'nothing dead-lettered');
      const done = await queue.getJobs(['completed']);
      assert.equal(done.length, 40);
      assert.ok(
        done.every((job) => job.attemptsMade <= 1),
        'each delivered on its first attempt',
      );
    }
    assert.equal(await counterValue(metrics.deadLetters), 0);
    assert.equal(await counterValue(metrics.retries), 0);
    assert.equal(api.endpoint.served, 10, 'one served Flight Status call per flight for 80 deliveries');
    // About one probe per pause (1 s) for as long as the outage lasted (a few seconds here, longer
    // on a slow machine), plus the first calls before the refusal was known (ratePerSecond 5).
    // Without the one-probe-at-a-time rule this was ~72.
    const pauses = Math.ceil(outageMs / 1000);
    assert.ok(
      api.endpoint.refused <= 5 + 2 * pauses,
      `during the ${outageMs} ms outage about one call per pause (${api.endpoint.refused})`,
    );
  } finally {
    await delivery.part.stop();
    await writer.close();
    await Promise.all(queues.map((q) => q.close()));
    await enricher.close();
    deps.redis.disconnect();
    for (const r of Object.values(receivers)) await r.stop();
    await api.stop();
    await deleteKeys(prefix);
  }
});
