import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectRedis, deleteByPrefix } from '../../src/redis/index.js';
import { TimelineStore, type TimelineStoreOptions, type AttemptInput } from '../../src/timeline/index.js';
import { testRule } from '../../src/subscriptions/index.js';
import { SHARED_REDIS_URL, startRedis, uniquePrefix } from '../helpers/servers.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const LH400 = { carrier: 'LH', flightNumber: '400', date: '2026-12-01' };

async function withTimeline(
  options: Partial<TimelineStoreOptions>,
  fn: (timeline: TimelineStore, clock: { t: number }) => Promise<void>,
  url = SHARED_REDIS_URL,
): Promise<void> {
  const prefix = uniquePrefix('timeline');
  const redis = connectRedis(url, { name: 'timeline-test' });
  const clock = { t: T0 };
  try {
    await fn(new TimelineStore({ redis, prefix, clock: { now: () => clock.t }, ...options }), clock);
  } finally {
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
  }
}

function note(id: string, at: number, flight = LH400, eventType = 'flight.gate-changed') {
  return {
    id,
    at,
    eventType,
    code: 'Y',
    topic: `prd/FlightUpdate/LH/${flight.carrier}${flight.flightNumber}/${flight.date}`,
    flight,
  };
}

function attempt(
  messageId: string,
  webhookId: string,
  n: number,
  extra: Partial<AttemptInput>,
): AttemptInput {
  return {
    messageId,
    flight: LH400,
    webhookId,
    attempt: n,
    at: T0 + n * 1000,
    durationMs: 12.4,
    outcome: 'delivered',
    ...extra,
  };
}

test('a flight lists every notification and, per webhook, every attempt (a 500 then a 200) and the outcome', () =>
  withTimeline({}, async (timeline) => {
    await timeline.recordNotification({ ...note('msg_1', T0), replay: { event: { id: 'msg_1' } } });
    await timeline.recordNotification(
      note('msg_2', T0 + 60_000, { ...LH400, flightNumber: '0400' }, 'flight.departed'),
    );
    await timeline.recordNotification(note('msg_other', T0, { ...LH400, flightNumber: '401' }));
    await timeline.recordAttempt(attempt('msg_1', 'crew', 1, { status: 500, outcome: 'retrying' }));
    await timeline.recordAttempt(
      attempt('msg_1', 'ops', 1, { error: 'connect ECONNREFUSED', outcome: 'dead-lettered' }),
    );
    await timeline.recordAttempt(attempt('msg_1', 'crew', 2, { status: 200 }));
    const flight = await timeline.flight('LH400', '2026-12-01');
    assert.deepEqual(
      flight.map((n) => [n.id, n.eventType, n.flight, n.date]),
      [
        ['msg_1', 'flight.gate-changed', 'LH400', '2026-12-01'],
        ['msg_2', 'flight.departed', 'LH400', '2026-12-01'],
      ],
    );
    assert.equal('replay' in flight[0]!, false, 'the flight view leaves the replay data out');
    assert.deepEqual(flight[0]!.deliveries, [
      {
        webhookId: 'crew',
        outcome: 'delivered',
        attempts: [
          { attempt: 1, at: '2026-12-01T10:00:01.000Z', status: 500, durationMs: 12, outcome: 'retrying' },
          { attempt: 2, at: '2026-12-01T10:00:02.000Z', status: 200, durationMs: 12, outcome: 'delivered' },
        ],
      },
      {
        webhookId: 'ops',
        outcome: 'dead-lettered',
        attempts: [
          {
            attempt: 1,
            at: '2026-12-01T10:00:01.000Z',
            error: 'connect ECONNREFUSED',
            durationMs: 12,
            outcome: 'dead-lettered',
          },
        ],
      },
    ]);
    assert.deepEqual(flight[1]!.deliveries, []);
    assert.deepEqual(await timeline.flight('LH400', '2026-12-02'), []);
  }));

test('a message by id carries its replay data and attempts; one without a flight is found too', () =>
  withTimeline({}, async (timeline) => {
    await timeline.recordNotification({
      ...note('msg_1', T0),
      replay: { event: { id: 'msg_1', data: { gate: 'B20' } } },
    });
    await timeline.recordAttempt(attempt('msg_1', 'crew', 1, { status: 200 }));
    const message = await timeline.message('msg_1');
    assert.deepEqual(message?.replay, { event: { id: 'msg_1', data: { gate: 'B20' } } });
    assert.equal(message?.deliveries[0]?.outcome, 'delivered');
    await timeline.recordNotification({
      id: 'msg_x',
      at: T0,
      eventType: 'mqtt.message',
      topic: 'a/b',
      replay: 1,
    });
    await timeline.recordAttempt({ ...attempt('msg_x', 'crew', 1, { status: 204 }), flight: undefined });
    const plain = await timeline.message('msg_x');
    assert.equal(plain?.topic, 'a/b');
    assert.equal(plain?.flight, undefined);
    assert.equal(plain?.deliveries[0]?.attempts[0]?.status, 204);
    assert.equal(await timeline.message('msg_unknown'), undefined);
  }));

test('bounded: the oldest notifications of a flight and attempts of a message go; keys expire after retention', () =>
  withTimeline(
    { maxNotificationsPerFlight: 3, maxAttemptsPerMessage: 2, retentionMs: 60_000 },
    async (timeline) => {
      for (let i = 1; i <= 5; i++) await timeline.recordNotification(note(`msg_${i}`, T0 + i));
      for (let n = 1; n <= 4; n++)
        await timeline.recordAttempt(attempt('msg_5', 'crew', n, { status: 500, outcome: 'retrying' }));
      const flight = await timeline.flight('LH400', '2026-12-01');
      assert.deepEqual(
        flight.map((n) => n.id),
        ['msg_3', 'msg_4', 'msg_5'],
      );
      assert.deepEqual(
        flight[2]!.deliveries[0]!.attempts.map((a) => a.attempt),
        [3, 4],
      );
      const redis = connectRedis(SHARED_REDIS_URL);
      try {
        const k = timeline.keys;
        const bucket = '{flight:LH400:2026-12-01}';
        assert.equal(await redis.hlen(k.messages(bucket)), 3, 'the records of dropped notifications go too');
        for (const key of [
          k.notifications(bucket),
          k.messages(bucket),
          k.attempts(bucket, 'msg_5'),
          k.locator('msg_5'),
        ]) {
          const ttl = await redis.pttl(key);
          assert.ok(ttl > 0 && ttl <= 60_000, `${key} expires (pttl ${ttl})`);
        }
      } finally {
        redis.disconnect();
      }
    },
  ));

test('recent messages (the subscription test source) honour the since time and the window', () =>
  withTimeline({ recentWindowMs: 3_600_000 }, async (timeline, clock) => {
    await timeline.recordNotification(note('msg_old', T0 - 2 * 3_600_000));
    await timeline.recordNotification(note('msg_1', T0 - 30 * 60_000));
    await timeline.recordNotification({
      ...note('msg_2', T0, { ...LH400, carrier: 'LX', flightNumber: '12' }),
      departureAirport: 'ZRH',
    });
    const recent = await timeline.recentMessages(0);
    assert.deepEqual(
      recent.map((m) => m.id),
      ['msg_1', 'msg_2'],
    );
    assert.equal(recent[1]!.departureAirport, 'ZRH');
    assert.deepEqual(
      (await timeline.recentMessages(T0 - 60_000)).map((m) => m.id),
      ['msg_2'],
    );
    assert.deepEqual(
      testRule({ webhookId: 'crew', carrier: 'LX' }, recent).map((m) => m.id),
      ['msg_2'],
    );
    assert.deepEqual(
      testRule({ webhookId: 'crew', flight: 'LH400', date: '2026-12-01' }, recent).map((m) => m.id),
      ['msg_1'],
    );
    clock.t = T0 + 3_600_000;
    assert.deepEqual(
      (await timeline.recentMessages(0)).map((m) => m.id),
      ['msg_2'],
    );
  }));

test('the notification script is sent whole when Redis does not know it (fresh server)', async () => {
  const server = await startRedis();
  try {
    await withTimeline(
      {},
      async (timeline) => {
        await timeline.recordNotification(note('msg_1', T0));
        await timeline.recordNotification(note('msg_2', T0 + 1));
        assert.deepEqual(
          (await timeline.flight('LH400', '2026-12-01')).map((n) => n.id),
          ['msg_1', 'msg_2'],
        );
      },
      server.url,
    );
  } finally {
    await server.dispose();
  }
});

test('attempts recorded in one event-loop turn go to Redis in one pipeline, each list in order', async () => {
  const prefix = uniquePrefix('timeline');
  const redis = connectRedis(SHARED_REDIS_URL, { name: 'timeline-test' });
  let pipelines = 0;
  const pipeline = redis.pipeline.bind(redis);
  redis.pipeline = ((...args: Parameters<typeof pipeline>) => {
    pipelines++;
    return pipeline(...args);
  }) as typeof redis.pipeline;
  try {
    const timeline = new TimelineStore({ redis, prefix, clock: { now: () => T0 } });
    await timeline.recordNotification(note('msg_1', T0));
    await timeline.recordNotification(note('msg_2', T0 + 1));
    pipelines = 0;
    await Promise.all([
      timeline.recordAttempt(attempt('msg_1', 'crew', 1, { status: 500, outcome: 'retrying' })),
      timeline.recordAttempt(attempt('msg_2', 'crew', 1, { status: 200 })),
      timeline.recordAttempt(attempt('msg_1', 'crew', 2, { status: 503, outcome: 'retrying' })),
      timeline.recordAttempt(attempt('msg_1', 'crew', 3, { status: 200 })),
    ]);
    assert.equal(pipelines, 1);
    const flight = await timeline.flight('LH400', '2026-12-01');
    assert.deepEqual(
      flight.map((n) => n.deliveries[0]!.attempts.map((a) => a.status)),
      [[500, 503, 200], [200]],
    );
  } finally {
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
  }
});
