/**
 * Issue 18 item 7 at the Flight Status enricher: a failure that repeats for many notifications
 * (the API unreachable, Redis refusing, many unknown flights) is logged once per cause through
 * core's LogOnce, not once per message or per flight.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { Agent } from 'undici';
import { DeferDelivery } from '../../../src/queue/index.js';
import { Metrics } from '../../../src/core/metrics.js';
import { systemClock } from '../../../src/core/clock.js';
import { FlightStatusEnricher } from '../../../src/sources/index.js';
import { captureLogger } from '../../helpers/logger.js';
import { freePort, startRedis } from '../../helpers/servers.js';
import {
  DATE,
  ENRICHMENT,
  apiToken,
  counterValue,
  deleteKeys,
  enrichingWebhook,
  envelopeOf,
  makeEnricher,
  startApi,
  uniquePrefix,
} from './support.js';

const FLIGHTS = 12;
const fast = { ratePerSecond: 1000, ratePerHour: 100_000 };

/** The API's notification for LH400 with its related link pointing at `flight` on `apiBase`. */
function linkedEnvelope(api: Awaited<ReturnType<typeof startApi>>, apiBase: string, flight: string) {
  const { topic, payload } = api.board.update('LH400', 'Y');
  const n = JSON.parse(payload);
  n.Meta.Link[0]['@Href'] = `${apiBase}/v1/operations/flightstatus/${flight}/${DATE}`;
  return envelopeOf({ topic, payload: JSON.stringify(n) }, `m-${flight}`);
}

const linesWith = (lines: string[], text: string) => lines.filter((l) => l.includes(text));

test('the Flight Status API unreachable for many flights: one warning for the cause, not one per flight', async (t) => {
  const api = await startApi(1);
  const prefix = uniquePrefix('enrich-once');
  const log = captureLogger({ level: 'info' });
  const closedPort = await freePort();
  const apiBase = `http://127.0.0.1:${closedPort}`;
  const down = makeEnricher({
    apiBase,
    prefix,
    token: apiToken(api.sim.url, log.logger),
    logger: log.logger,
    enrichment: fast,
  });
  t.after(async () => {
    await down.close();
    await api.stop();
    await deleteKeys(prefix);
  });

  for (let i = 0; i < FLIGHTS; i++) {
    const event = linkedEnvelope(api, apiBase, `LH${1000 + i}`);
    await assert.rejects(
      down.enricher.enrich(event, enrichingWebhook('wh'), Date.now()),
      (err) => err instanceof DeferDelivery,
    );
  }
  // Every flight was tried (its own URL), each failing the same way...
  assert.equal(await counterValue(down.metrics.enrichmentCalls, { outcome: 'network-error' }), FLIGHTS);
  // ...and the log says so once.
  const pauses = linesWith(log.lines, 'flight status calls pause');
  assert.equal(pauses.length, 1, pauses.join('\n'));
  assert.match(pauses[0]!, /"cause":"fault network-error"/);
});

test('many unknown flights (404 each): the answer is logged once for the cause', async (t) => {
  const api = await startApi(1);
  const prefix = uniquePrefix('enrich-once');
  const log = captureLogger({ level: 'info' });
  const a = makeEnricher({
    apiBase: api.sim.url,
    prefix,
    token: apiToken(api.sim.url, log.logger),
    logger: log.logger,
    enrichment: fast,
  });
  t.after(async () => {
    await a.close();
    await api.stop();
    await deleteKeys(prefix);
  });

  for (let i = 0; i < FLIGHTS; i++) {
    const event = linkedEnvelope(api, api.sim.url, `LH${9000 + i}`);
    const enriched = await a.enricher.enrich(event, enrichingWebhook('wh'), Date.now());
    assert.match(enriched.flightStatusError!, /404/, 'each receiver still learns why');
  }
  assert.equal(api.endpoint.total, FLIGHTS);
  const notFound = log.records().filter((r) => r.outcome === 'not-found');
  assert.equal(notFound.length, 1, JSON.stringify(notFound));
});

test('Redis refusing every lookup: one warning naming the cause, not one per message', async (t) => {
  const api = await startApi(1);
  // A Redis that wants a password we do not give: every command answers NOAUTH.
  const server = await startRedis({ args: ['--requirepass', 'not-given'] });
  const redis = new Redis(server.url, { enableReadyCheck: false, maxRetriesPerRequest: 0 });
  const log = captureLogger({ level: 'info' });
  const dispatcher = new Agent();
  const enricher = new FlightStatusEnricher({
    enrichment: { ...ENRICHMENT, ...fast },
    apiBase: api.sim.url,
    redis,
    prefix: uniquePrefix('enrich-once'),
    apiToken: apiToken(api.sim.url, log.logger),
    logger: log.logger,
    metrics: new Metrics({ defaultMetrics: false }),
    clock: systemClock,
    dispatcher,
  });
  t.after(async () => {
    await enricher.close();
    await dispatcher.close();
    redis.disconnect();
    await server.dispose();
    await api.stop();
  });

  for (let i = 0; i < FLIGHTS; i++) {
    const event = linkedEnvelope(api, api.sim.url, `LH${2000 + i}`);
    await assert.rejects(enricher.enrich(event, enrichingWebhook('wh'), Date.now()), (err) => {
      assert.ok(err instanceof DeferDelivery);
      assert.match(err.reason, /NOAUTH/);
      return true;
    });
  }
  const failed = linesWith(log.lines, 'flight status lookup failed');
  assert.equal(failed.length, 1, failed.join('\n'));
  assert.match(failed[0]!, /"cause":"lookup noauth"/);
  assert.equal(api.endpoint.total, 0, 'nothing fetched without the cache and its lock');
});
