import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeferDelivery } from '../../../src/queue/job.js';
import type { TokenProvider } from '../../../src/auth/types.js';
import { captureLogger } from '../../helpers/logger.js';
import { freePort } from '../../helpers/servers.js';
import {
  DATE,
  apiToken,
  counterValue,
  deleteKeys,
  enrichingWebhook,
  envelopeOf,
  makeEnricher,
  startApi,
  startRecorder,
  uniquePrefix,
} from './support.js';
import { type EventEnvelope } from '../../../src/queue/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

/**
 * Calls enrich until it stops deferring, as the delivery queue does: after each DeferDelivery it
 * waits the delay the enricher asked for (`wait`: real time by default, or an injected clock's
 * advance) and calls onDefer. Returns the result and the defers.
 */
async function enrichUntilDone(
  enrich: () => Promise<EventEnvelope>,
  options: {
    limit?: number;
    wait?: (ms: number) => unknown;
    onDefer?: (defers: DeferDelivery[]) => void;
  } = {},
): Promise<{ event: EventEnvelope; defers: DeferDelivery[] }> {
  const { limit = 100, wait = sleep, onDefer } = options;
  const defers: DeferDelivery[] = [];
  for (let i = 0; i < limit; i++) {
    try {
      return { event: await enrich(), defers };
    } catch (err) {
      if (!(err instanceof DeferDelivery)) throw err;
      defers.push(err);
      onDefer?.(defers);
      await wait(err.delayMs);
    }
  }
  throw new Error(`still deferring after ${limit} tries`);
}

test('200 notifications for 10 flights, 3 webhooks, 2 processes: one Flight Status call per flight', async () => {
  const api = await startApi(10);
  const prefix = uniquePrefix('enrich');
  const { logger } = captureLogger({ level: 'warn' });
  // Two "processes": separate Redis connections, HTTP agents, tokens and in-process state.
  const a = makeEnricher({ apiBase: api.sim.url, prefix, token: apiToken(api.sim.url, logger), logger });
  const b = makeEnricher({ apiBase: api.sim.url, prefix, token: apiToken(api.sim.url, logger), logger });
  try {
    const flights = api.board.flights();
    assert.equal(flights.length, 10);
    const codes = ['MVT ED', 'Y', 'ASM TIM', 'ASM CNL', 'ASM NEW RIN'];
    const events = Array.from({ length: 200 }, (_, i) =>
      envelopeOf(api.board.update(flights[i % 10]!.flightNumber, codes[i % codes.length]!), `m${i}`),
    );
    const webhooks = ['wh1', 'wh2', 'wh3'].map(enrichingWebhook);
    // Each delivery as the queue runs it: a deferral (rate limit, a slow call elsewhere) is retried
    // after the delay the enricher asks for. Calls to `a` are counted for its timer metric.
    let callsOnA = 0;
    const calls = events.flatMap((event, i) =>
      webhooks.map((webhook, w) => {
        const owner = (i + w) % 2 === 0 ? a : b;
        const firstTriedAt = Date.now();
        return enrichUntilDone(() => {
          if (owner === a) callsOnA += 1;
          return owner.enricher.enrich(event, webhook, firstTriedAt);
        }).then(({ event: enriched }) => enriched);
      }),
    );
    assert.equal(calls.length, 600);
    const results = await Promise.all(calls);

    // A call the client gave up on (enrichment.timeout, on a loaded machine) is rightly made again;
    // every other notification, webhook and process shares the one answer per flight.
    const timedOut =
      (await counterValue(a.metrics.enrichmentCalls, { outcome: 'timeout' })) +
      (await counterValue(b.metrics.enrichmentCalls, { outcome: 'timeout' }));
    assert.ok(
      api.endpoint.total <= 10 + timedOut,
      `at most 10 Flight Status calls, got ${api.endpoint.total} (${timedOut} timed out)`,
    );
    assert.ok(
      api.endpoint.served >= 10 && api.endpoint.served <= 10 + timedOut,
      `each flight fetched once, served ${api.endpoint.served} (${timedOut} timed out)`,
    );
    assert.equal(api.endpoint.byPath.size, 10);
    for (const [i, result] of results.entries()) {
      const event = events[Math.floor(i / 3)]!;
      assert.equal(result.id, event.id);
      assert.equal(result.flightStatusError, undefined);
      assert.ok(Array.isArray(result.flightStatus) && result.flightStatus.length === 1);
      const flight = result.flightStatus[0] as Any;
      assert.equal(
        flight.MarketingCarrier.AirlineID + flight.MarketingCarrier.FlightNumber,
        event.flight!.carrier + event.flight!.flightNumber,
        'its own flight',
      );
      const current = (
        api.board.flightStatus(event.flight!.carrier + event.flight!.flightNumber, DATE) as Any
      ).FlightStatusResource.Flights.Flight;
      assert.deepEqual(flight, current, 'the status after the burst');
      assert.match(result.flightStatusFetchedAt!, /^\d{4}-\d{2}-\d{2}T/);
    }
    const ok =
      (await counterValue(a.metrics.enrichmentCalls, { outcome: 'ok' })) +
      (await counterValue(b.metrics.enrichmentCalls, { outcome: 'ok' }));
    assert.equal(ok, 10);
    const hits =
      (await counterValue(a.metrics.enrichmentCacheHits)) +
      (await counterValue(b.metrics.enrichmentCacheHits));
    assert.ok(hits > 0, 'the second process is served from the cache');
    const timed = (await a.metrics.enrichmentSeconds.get()).values.find((v) =>
      v.metricName?.endsWith('_count'),
    );
    assert.equal(timed?.value, callsOnA);
    assert.ok(callsOnA >= 300);

    // Within cacheTtl a later notification costs nothing either.
    const callsBefore = api.endpoint.total;
    await a.enricher.enrich(events[0]!, webhooks[0]!, Date.now());
    assert.equal(api.endpoint.total, callsBefore);
  } finally {
    await a.close();
    await b.close();
    await api.stop();
    await deleteKeys(prefix);
  }
});

test('quota refusals defer the delivery (no call storm), then it succeeds once the quota returns', async () => {
  const api = await startApi(3);
  const prefix = uniquePrefix('enrich');
  const { logger, lines } = captureLogger({ level: 'info' });
  const a = makeEnricher({ apiBase: api.sim.url, prefix, token: apiToken(api.sim.url, logger), logger });
  try {
    const [f1, f2] = api.board.flights();
    const e1 = envelopeOf(api.board.update(f1!.flightNumber, 'Y'));
    const e2 = envelopeOf(api.board.update(f2!.flightNumber, 'MVT ED'));
    const webhook = enrichingWebhook('wh');
    // Refused until the test ends it (accept()), after the enricher has waited out a few pauses.
    api.endpoint.refuseFor(600_000);
    let quotaBack = false;

    const firstTriedAt = Date.now();
    await assert.rejects(a.enricher.enrich(e1, webhook, firstTriedAt), (err: unknown) => {
      assert.ok(err instanceof DeferDelivery);
      assert.ok(err.delayMs > 0 && err.delayMs <= 60_000);
      assert.match(err.reason, /403.*OVER_QPS.*quota/);
      return true;
    });
    assert.equal(api.endpoint.refused, 1);
    // The quota is the API's, not one flight's: another flight waits without calling.
    await assert.rejects(a.enricher.enrich(e2, webhook, firstTriedAt), DeferDelivery);
    assert.equal(api.endpoint.total, 1);

    const { event, defers } = await enrichUntilDone(() => a.enricher.enrich(e1, webhook, firstTriedAt), {
      onDefer: (deferred) => {
        if (deferred.length === 3) {
          quotaBack = true;
          api.endpoint.accept();
        }
      },
    });
    assert.ok(quotaBack, 'success only after the refusal ended');
    assert.ok(defers.length >= 3);
    assert.equal((event.flightStatus![0] as Any).MarketingCarrier.FlightNumber, f1!.flightNumber.slice(2));
    assert.equal(event.flightStatusError, undefined);
    assert.ok(
      api.endpoint.refused <= 6,
      `few calls while refused (one per pause), got ${api.endpoint.refused}`,
    );
    assert.equal(await counterValue(a.metrics.enrichmentCalls, { outcome: 'quota' }), api.endpoint.refused);
    assert.ok(
      lines.some((l) => l.includes('quota exceeded')),
      'the pause is logged',
    );
  } finally {
    await a.close();
    await api.stop();
    await deleteKeys(prefix);
  }
});

test('an outage with many flights waiting: after the first refusals one probe per pause', async () => {
  const api = await startApi(10);
  const prefix = uniquePrefix('enrich');
  const { logger } = captureLogger({ level: 'error' });
  const a = makeEnricher({ apiBase: api.sim.url, prefix, token: apiToken(api.sim.url, logger), logger });
  try {
    const firstTriedAt = Date.now();
    api.endpoint.refuseFor(600_000);
    const events = api.board.flights().map((f) => envelopeOf(api.board.update(f.flightNumber, 'Y')));
    // The outage ends (accept()) once every flight's delivery has been deferred twice.
    const deferred = new Set<number>();
    let outageMs = 0;
    const results = await Promise.all(
      events.map((e, i) =>
        enrichUntilDone(() => a.enricher.enrich(e, enrichingWebhook('wh'), firstTriedAt), {
          onDefer: (defers) => {
            if (defers.length >= 2) deferred.add(i);
            if (deferred.size === events.length && outageMs === 0) {
              outageMs = Date.now() - firstTriedAt;
              api.endpoint.accept();
            }
          },
        }),
      ),
    );
    assert.ok(results.every(({ event }) => event.flightStatus?.length === 1));
    assert.ok(results.every(({ defers }) => defers.length >= 1));
    assert.equal(api.endpoint.served, 10);
    // At most ratePerSecond (5) before the first 403 is known, then about one per pause (1 s) for
    // as long as the outage lasted: ~2 s here, longer on a slow machine (never more calls per pause).
    const pauses = Math.ceil(outageMs / 1000);
    assert.ok(api.endpoint.refused <= 5 + pauses + 2, `refused ${api.endpoint.refused} in ${outageMs} ms`);
  } finally {
    await a.close();
    await api.stop();
    await deleteKeys(prefix);
  }
});

test('a link to another host is never fetched: the token stays home, the envelope says why', async () => {
  const api = await startApi(2);
  const recorder = await startRecorder();
  const prefix = uniquePrefix('enrich');
  const { logger, records, lines } = captureLogger({ level: 'info' });
  const token = apiToken(api.sim.url, logger);
  const a = makeEnricher({ apiBase: api.sim.url, prefix, token, logger });
  try {
    const webhook = enrichingWebhook('wh');
    const { topic, payload } = api.board.update('LH400', 'Y');
    const foreign = (href: string, asObject = false) => {
      const n = JSON.parse(payload);
      n.Meta.Link = asObject ? { '@Href': href, '@Rel': 'related' } : [{ '@Href': href, '@Rel': 'related' }];
      return envelopeOf({ topic, payload: JSON.stringify(n) });
    };
    const recorderHost = new URL(recorder.url).host;
    const path = `/v1/operations/flightstatus/LH400/${DATE}`;
    // Same host, other port; and the API's port under another host name: both other origins.
    const apiPort = new URL(api.sim.url).port;
    for (const event of [
      foreign(recorder.url + path),
      foreign(recorder.url + path, true),
      foreign(`http://localhost:${apiPort}${path}`),
    ]) {
      const result = await a.enricher.enrich(event, webhook, Date.now());
      assert.equal(result.flightStatus, undefined);
      assert.match(result.flightStatusError!, /not at the Lufthansa API .*not fetched/);
    }
    assert.deepEqual(recorder.seen, [], 'the other host received no request at all');
    assert.equal(api.endpoint.total, 0, 'nor did the API under another name');
    const warnings = records().filter(
      (r) => r.level === 40 && String(r.msg).includes('related link points at'),
    );
    assert.deepEqual(
      warnings.map((w) => w.host).sort(),
      [recorderHost, `localhost:${apiPort}`].sort(),
      'the log names each host once',
    );
    const secret = (await token.authorization()).slice('Bearer '.length);
    assert.ok(!lines.some((l) => l.includes(secret)));

    // The same enricher does fetch the API's own link (so the refusal above is the origin check).
    const own = await a.enricher.enrich(envelopeOf({ topic, payload }), webhook, Date.now());
    assert.equal((own.flightStatus![0] as Any).MarketingCarrier.FlightNumber, '400');
  } finally {
    await a.close();
    await recorder.stop();
    await api.stop();
    await deleteKeys(prefix);
  }
});

test('after maxWait: onError deliver gives the event with flightStatusError, onError retry keeps deferring', async () => {
  const api = await startApi(2);
  const prefix = uniquePrefix('enrich');
  const { logger } = captureLogger({ level: 'error' });
  // maxWait is measured on the enricher's clock: the test moves it instead of waiting.
  let now = Date.now();
  const clock = { now: () => now };
  const deliver = makeEnricher({
    apiBase: api.sim.url,
    prefix,
    token: apiToken(api.sim.url, logger),
    logger,
    enrichment: { maxWait: 1500 },
    clock,
  });
  const retry = makeEnricher({
    apiBase: api.sim.url,
    prefix,
    token: apiToken(api.sim.url, logger),
    logger,
    enrichment: { maxWait: 1500, onError: 'retry' },
    clock,
  });
  try {
    api.endpoint.refuseFor(60_000, 'ERR_403_DEVELOPER_OVER_RATE');
    const event = envelopeOf(api.board.update('LH400', 'ASM CNL'));
    const webhook = enrichingWebhook('wh');
    const firstTriedAt = clock.now();
    await assert.rejects(deliver.enricher.enrich(event, webhook, firstTriedAt), (err: unknown) => {
      assert.ok(err instanceof DeferDelivery);
      assert.ok(err.delayMs <= 1500, `never waits past maxWait (${err.delayMs})`);
      return true;
    });
    const { event: delivered, defers } = await enrichUntilDone(
      () => deliver.enricher.enrich(event, webhook, firstTriedAt),
      { wait: (ms) => (now += ms) },
    );
    assert.ok(defers.length >= 1);
    assert.ok(clock.now() - firstTriedAt >= 1500);
    assert.equal(delivered.flightStatus, undefined);
    assert.match(
      delivered.flightStatusError!,
      /OVER_RATE.*quota.*after waiting \d+ s \(enrichment.maxWait\)/,
    );
    assert.equal(delivered.type, 'flight.cancelled');
    assert.ok(api.endpoint.refused <= 2, `the hourly-quota pause holds calls back (${api.endpoint.refused})`);

    await assert.rejects(retry.enricher.enrich(event, webhook, firstTriedAt - 600_000), DeferDelivery);
  } finally {
    await deliver.close();
    await retry.close();
    await api.stop();
    await deleteKeys(prefix);
  }
});

test('a 401 drops the token and retries once with a fresh one', async () => {
  const api = await startApi(2);
  const prefix = uniquePrefix('enrich');
  const { logger } = captureLogger({ level: 'error' });
  const real = apiToken(api.sim.url, logger);
  let invalidated = 0;
  // A token the API no longer accepts until invalidate() is called.
  const token: TokenProvider = {
    id: 'stale-first',
    authorization: async () => (invalidated === 0 ? 'Bearer revoked-token' : real.authorization()),
    invalidate: () => void (invalidated += 1),
    status: () => ({ state: 'ok' }),
  };
  const a = makeEnricher({ apiBase: api.sim.url, prefix, token, logger });
  try {
    const result = await a.enricher.enrich(
      envelopeOf(api.board.update('LX14', 'MVT AD')),
      enrichingWebhook('wh'),
      Date.now(),
    );
    assert.equal(invalidated, 1);
    assert.equal(api.endpoint.total, 2);
    assert.equal((result.flightStatus![0] as Any).FlightStatus.Code, 'DP');
  } finally {
    await a.close();
    await api.stop();
    await deleteKeys(prefix);
  }
});

test('404, missing links, network errors and timeouts', async () => {
  const api = await startApi(2);
  const prefix = uniquePrefix('enrich');
  const { logger } = captureLogger({ level: 'error' });
  const a = makeEnricher({
    apiBase: api.sim.url,
    prefix,
    token: apiToken(api.sim.url, logger),
    logger,
    enrichment: { timeout: 300 },
  });
  const webhook = enrichingWebhook('wh');
  const hanging = createServer(() => undefined);
  try {
    const { topic, payload } = api.board.update('LH400', 'Y');
    const withLink = (href: string | undefined) => {
      const n = JSON.parse(payload);
      if (href === undefined) delete n.Meta;
      else n.Meta.Link[0]['@Href'] = href;
      return envelopeOf({ topic, payload: JSON.stringify(n) });
    };
    // 404 is an answer, cached like one.
    const unknown = withLink(`${api.sim.url}/v1/operations/flightstatus/LH9999/${DATE}`);
    for (let i = 0; i < 2; i++)
      assert.match((await a.enricher.enrich(unknown, webhook, Date.now())).flightStatusError!, /404/);
    assert.equal(api.endpoint.total, 1);
    assert.match(
      (await a.enricher.enrich(withLink(undefined), webhook, Date.now())).flightStatusError!,
      /no Meta.Link/,
    );
    // Not an enriching webhook: untouched.
    const plain = withLink(undefined);
    assert.equal(await a.enricher.enrich(plain, { ...webhook, enrich: [] }, Date.now()), plain);

    // Network error and timeout: faults that defer (each on its own origin = its own apiBase).
    const closedPort = await freePort();
    const down = makeEnricher({
      apiBase: `http://127.0.0.1:${closedPort}`,
      prefix,
      token: apiToken(api.sim.url, logger),
      logger,
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const hangUrl = `http://127.0.0.1:${(hanging.address() as { port: number }).port}`;
    const slow = makeEnricher({
      apiBase: hangUrl,
      prefix,
      token: apiToken(api.sim.url, logger),
      logger,
      enrichment: { timeout: 300 },
    });
    try {
      await assert.rejects(
        down.enricher.enrich(
          withLink(`http://127.0.0.1:${closedPort}/v1/operations/flightstatus/LH400/${DATE}`),
          webhook,
          Date.now(),
        ),
        (err: unknown) => {
          assert.ok(err instanceof DeferDelivery);
          assert.match(err.reason, /failed/);
          return true;
        },
      );
      await assert.rejects(
        slow.enricher.enrich(
          withLink(`${hangUrl}/v1/operations/flightstatus/LH400/${DATE}`),
          webhook,
          Date.now(),
        ),
        (err: unknown) => {
          assert.ok(err instanceof DeferDelivery);
          assert.match(err.reason, /longer than 300 ms/);
          return true;
        },
      );
      assert.equal(await counterValue(slow.metrics.enrichmentCalls, { outcome: 'timeout' }), 1);
      assert.equal(await counterValue(down.metrics.enrichmentCalls, { outcome: 'network-error' }), 1);
    } finally {
      await down.close();
      await slow.close();
    }
  } finally {
    hanging.closeAllConnections();
    await new Promise<void>((resolve) => hanging.close(() => resolve()));
    await a.close();
    await api.stop();
    await deleteKeys(prefix);
  }
});

test('a change notified after a cached answer is fetched anew: the new gate is delivered, not the cached one', async () => {
  const api = await startApi(1);
  const prefix = uniquePrefix('fresh');
  const { logger } = captureLogger({ level: 'warn' });
  const { enricher, close } = makeEnricher({
    apiBase: api.sim.url,
    prefix,
    token: apiToken(api.sim.url, logger),
    logger,
  });
  try {
    const [flight] = api.board.flights();
    const webhook = enrichingWebhook('wh');
    const before = envelopeOf(api.board.update(flight!.flightNumber, 'MVT ED'), 'a');
    const first = await enricher.enrich(before, webhook, Date.now());
    const oldGate = (first.flightStatus![0] as Any).Departure.Terminal?.Gate;
    // The next notification must arrive after the cached answer was requested (whole ms apart).
    while (Date.now() <= Date.parse(first.flightStatusFetchedAt!)) await sleep(1);
    // A second notification for the same resource within cacheTtl, after a gate change.
    let gateChange = envelopeOf(api.board.update(flight!.flightNumber, 'Y'), 'b');
    for (
      let i = 0;
      i < 5 &&
      (api.board.flightStatus(flight!.flightNumber, DATE) as Any).FlightStatusResource.Flights.Flight
        .Departure.Terminal?.Gate === oldGate;
      i++
    ) {
      gateChange = envelopeOf(api.board.update(flight!.flightNumber, 'Y'), `b${i}`);
    }
    const second = await enricher.enrich(gateChange, webhook, Date.now());
    const newGate = (api.board.flightStatus(flight!.flightNumber, DATE) as Any).FlightStatusResource.Flights
      .Flight.Departure.Terminal?.Gate;
    assert.notEqual(newGate, oldGate, 'the simulator changed the gate');
    assert.equal((second.flightStatus![0] as Any).Departure.Terminal?.Gate, newGate);
    assert.equal(api.endpoint.served, 2);
    // A repeat of the same notification is served from the cache.
    await enricher.enrich(gateChange, webhook, Date.now());
    assert.equal(api.endpoint.served, 2);
  } finally {
    await close();
    await deleteKeys(prefix);
    await api.stop();
  }
});
