import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { run as dlq } from '../../src/cli/commands/dlq.js';
import type { TokenProvider } from '../../src/auth/types.js';
import { uniquePrefix, waitFor } from '../helpers/servers.js';
import {
  flightEvent,
  gaugeValue,
  newSecret,
  startBridge,
  startReceiver,
  testConfig,
  type Receiver,
} from './support.js';
import { DeferDelivery, type Enricher } from '../../src/queue/index.js';

const fast = { retry: { initialDelay: 50, maxDelay: 200, attempts: 5 } };

async function cli(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream;
  const code = await dlq({ argv, stdout: sink, stderr: sink, env });
  return { code, out };
}

test('deliveries are signed so standardwebhooks verifies them with either secret of a rotation', async (t) => {
  const receiver = await startReceiver();
  const [oldSecret, newOne] = [newSecret(), newSecret()];
  const config = testConfig(uniquePrefix('sig'), [
    { id: 'env', url: receiver.url, secret: [oldSecret, newOne], headers: { 'X-Tenant': 'ops' } },
    { id: 'raw', url: receiver.url, secret: oldSecret, body: 'raw' },
  ]);
  const bridge = await startBridge(config);
  t.after(async () => {
    await bridge.stop();
    await receiver.close();
  });
  const event = flightEvent();
  // Raw keeps the bytes exactly as received (spacing, key order).
  const rawPayload = Buffer.from('{ "Update" : {"Code":"Y",  "Gate": "B44"} }\n');
  const rawEvent = flightEvent({ data: JSON.parse(rawPayload.toString()), type: 'flight.gate-changed' });
  const binary = Buffer.from([0xff, 0x00, 0x41, 0xfe]);
  const binaryEvent = flightEvent({ data: binary.toString('base64'), dataEncoding: 'base64' });
  await bridge.producer.add('env', { event });
  await bridge.producer.add('raw', { event: rawEvent, raw: rawPayload.toString('base64') });
  await bridge.producer.add('raw', { event: binaryEvent, raw: binary.toString('base64') });
  await waitFor(() => receiver.requests.length === 3, 10_000, 'three deliveries');

  const envReq = receiver.requests.find((r) => r.headers['webhook-id'] === event.id)!;
  assert.equal(envReq.headers['content-type'], 'application/json');
  assert.match(String(envReq.headers['user-agent']), /^flup-bridge\/\d+\.\d+\.\d+/);
  assert.equal(envReq.headers['x-tenant'], 'ops');
  assert.deepEqual(JSON.parse(envReq.body.toString('utf8')), event);
  for (const secret of [oldSecret, newOne]) {
    assert.doesNotThrow(() =>
      new Webhook(secret).verify(envReq.body.toString('utf8'), envReq.headers as Record<string, string>),
    );
  }
  assert.throws(() =>
    new Webhook(newSecret()).verify(envReq.body.toString('utf8'), envReq.headers as Record<string, string>),
  );

  const rawReq = receiver.requests.find((r) => r.headers['webhook-id'] === rawEvent.id)!;
  assert.equal(rawReq.headers['content-type'], 'application/json');
  assert.deepEqual(rawReq.body, rawPayload);
  assert.doesNotThrow(() =>
    new Webhook(oldSecret).verify(rawReq.body, rawReq.headers as Record<string, string>),
  );

  // Not UTF-8: the JS library turns Buffers into strings, so check the HMAC over the bytes directly.
  const binReq = receiver.requests.find((r) => r.headers['webhook-id'] === binaryEvent.id)!;
  assert.equal(binReq.headers['content-type'], 'application/octet-stream');
  assert.deepEqual(binReq.body, binary);
  const mac = createHmac('sha256', Buffer.from(oldSecret.slice(6), 'base64'))
    .update(`${binaryEvent.id}.${binReq.headers['webhook-timestamp']}.`)
    .update(binary)
    .digest('base64');
  assert.equal(binReq.headers['webhook-signature'], `v1,${mac}`);
  assert.equal(
    await gaugeValue(bridge.metrics, 'flup_deliveries_total', { webhook: 'env', outcome: 'delivered' }),
    1,
  );
});

test('400 dead-letters after one attempt; dlq replay delivers it once fixed, with the same webhook-id', async (t) => {
  let status = 400;
  const receiver = await startReceiver((_r, res) => {
    res.statusCode = status;
    res.end(status === 400 ? '{"error":"unknown field Update"}' + 'x'.repeat(10_000) : 'ok');
  });
  const prefix = uniquePrefix('dlq');
  const config = testConfig(prefix, [{ id: 'ops', url: receiver.url, maxResponseBytes: 64, ...fast }]);
  const bridge = await startBridge(config);
  const dir = mkdtempSync(join(tmpdir(), 'flup-dlq-'));
  t.after(async () => {
    await bridge.stop();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const event = flightEvent();
  const jobId = await bridge.producer.add('ops', { event });
  await waitFor(async () => (await bridge.state('ops', jobId)) === 'failed', 10_000, 'dead letter');
  assert.equal(receiver.requests.length, 1);

  // The CLI reads the same Redis through a config file.
  const file = join(dir, 'config.yaml');
  writeFileSync(
    file,
    JSON.stringify({
      source: { kind: 'mqtt' },
      redis: { url: config.redis.url, prefix },
      webhooks: [{ id: 'ops', url: receiver.url, secret: config.webhooks[0]!.secrets[0] }],
    }),
  );
  const env = { FLUP_CONFIG: file };
  const listed = await cli(['list', '--webhook', 'ops', '--since', '1h', '--json'], env);
  assert.equal(listed.code, 0);
  const [letter, ...more] = JSON.parse(listed.out) as Array<Record<string, unknown>>;
  assert.equal(more.length, 0);
  assert.equal(letter!.id, jobId);
  assert.equal(letter!.reason, 'refused');
  assert.equal(letter!.lastStatus, 400);
  assert.equal(letter!.attempts, 1);
  assert.equal(letter!.lastBody, '{"error":"unknown field Update"}' + 'x'.repeat(32));
  assert.equal(letter!.eventType, 'flight.departed');
  const table = await cli(['list'], env);
  assert.match(table.out, /ops\s+refused\s+400\s+1\s+flight\.departed/);
  assert.equal(
    JSON.parse((await cli(['list', '--since', '2099-01-01T00:00:00Z', '--json'], env)).out).length,
    0,
  );

  status = 200;
  const replayed = await cli(['replay', jobId, '--webhook', 'ops'], env);
  assert.equal(replayed.out.trim(), 'replayed 1 dead letter');
  await waitFor(async () => (await bridge.state('ops', jobId)) === 'completed', 10_000, 'replayed delivery');
  assert.equal(receiver.requests.length, 2);
  assert.equal(receiver.requests[1]!.headers['webhook-id'], event.id);
  assert.equal(receiver.requests[1]!.headers['webhook-id'], receiver.requests[0]!.headers['webhook-id']);
  assert.equal((await bridge.deadLetters.list({ webhookId: 'ops' })).length, 0);
  assert.equal(
    await gaugeValue(bridge.metrics, 'flup_dead_letters_total', { webhook: 'ops', reason: 'refused' }),
    1,
  );
});

test('429 with Retry-After: 2 is respected: no second request before 2 s', async (t) => {
  let first = true;
  const receiver = await startReceiver((_r, res) => {
    if (first) {
      first = false;
      res.writeHead(429, { 'retry-after': '2' }).end('slow down');
    } else res.end('ok');
  });
  const config = testConfig(uniquePrefix('429'), [
    { id: 'ops', url: receiver.url, retry: { initialDelay: 10, maxDelay: 30_000 } },
  ]);
  const bridge = await startBridge(config);
  t.after(async () => {
    await bridge.stop();
    await receiver.close();
  });
  const jobId = await bridge.producer.add('ops', { event: flightEvent() });
  await waitFor(async () => (await bridge.state('ops', jobId)) === 'completed', 10_000, 'delivery after 429');
  const [a, b] = receiver.requests;
  assert.equal(receiver.requests.length, 2);
  assert.ok(b!.at - a!.at >= 1995, `second request came ${b!.at - a!.at} ms after the 429`);
});

test('a message older than maxAge is dead-lettered as stale and never sent', async (t) => {
  const receiver = await startReceiver();
  const config = testConfig(uniquePrefix('stale'), [{ id: 'ops', url: receiver.url, maxAge: '1h' }]);
  const bridge = await startBridge(config);
  t.after(async () => {
    await bridge.stop();
    await receiver.close();
  });
  const old = await bridge.producer.add('ops', {
    event: flightEvent({ receivedAt: new Date(Date.now() - 2 * 3_600_000).toISOString() }),
  });
  const fresh = await bridge.producer.add('ops', { event: flightEvent() });
  const rejected = await bridge.producer.add('ops', { event: flightEvent(), reject: 'oversized' });
  await waitFor(async () => (await bridge.state('ops', old)) === 'failed', 10_000, 'stale dead letter');
  await waitFor(async () => (await bridge.state('ops', fresh)) === 'completed', 10_000, 'fresh delivery');
  await waitFor(
    async () => (await bridge.state('ops', rejected)) === 'failed',
    10_000,
    'rejected dead letter',
  );
  assert.equal(receiver.requests.length, 1);
  const letters = await bridge.deadLetters.list({ webhookId: 'ops' });
  assert.deepEqual(
    letters.map((l) => [l.id, l.reason]).sort(),
    [
      [old, 'stale'],
      [rejected, 'oversized'],
    ].sort(),
  );
  // Rejected messages cannot be delivered; replay skips them.
  assert.equal(await bridge.deadLetters.replay({ webhookId: 'ops', id: rejected }), 0);
  assert.equal(await bridge.deadLetters.purge({ webhookId: 'ops' }), 2);
  assert.equal((await bridge.deadLetters.list({})).length, 0);
});

test('a 302 is not followed and is dead-lettered with its status', async (t) => {
  const target: Receiver = await startReceiver();
  const receiver = await startReceiver((_r, res) => res.writeHead(302, { location: target.url }).end());
  const config = testConfig(uniquePrefix('302'), [{ id: 'ops', url: receiver.url }]);
  const bridge = await startBridge(config);
  t.after(async () => {
    await bridge.stop();
    await receiver.close();
    await target.close();
  });
  const jobId = await bridge.producer.add('ops', { event: flightEvent() });
  await waitFor(async () => (await bridge.state('ops', jobId)) === 'failed', 10_000, 'dead letter');
  assert.equal(receiver.requests.length, 1);
  assert.equal(target.requests.length, 0);
  const [letter] = await bridge.deadLetters.list({ webhookId: 'ops' });
  assert.equal(letter!.reason, 'redirect');
  assert.equal(letter!.lastStatus, 302);
  assert.match(letter!.detail!, /302 redirect to http:\/\/127\.0\.0\.1:\d+\/hook not followed/);
});

test('410 Gone disables the endpoint until enable(); its other jobs wait', async (t) => {
  let gone = true;
  const receiver = await startReceiver((_r, res) => {
    res.statusCode = gone ? 410 : 200;
    res.end();
  });
  const config = testConfig(uniquePrefix('410'), [{ id: 'ops', url: receiver.url }]);
  const bridge = await startBridge(config);
  t.after(async () => {
    await bridge.stop();
    await receiver.close();
  });
  const first = await bridge.producer.add('ops', { event: flightEvent() });
  await waitFor(async () => (await bridge.state('ops', first)) === 'failed', 10_000, 'gone dead letter');
  const [listed] = await bridge.webhooks.list();
  assert.equal(listed!.state, 'disabled');
  assert.match(listed!.disabledReason!, /410 Gone/);
  assert.equal(await gaugeValue(bridge.metrics, 'flup_webhook_disabled', { webhook: 'ops' }), 1);
  assert.ok(bridge.log.lines.some((l) => l.includes('410 Gone') && l.includes('"level":40')));
  gone = false;
  const second = await bridge.producer.add('ops', { event: flightEvent() });
  // A worker took the job, found the endpoint disabled and paused the queue (its rate limit).
  await waitFor(
    async () => (await bridge.producer.queue('ops').getRateLimitTtl()) > 0,
    10_000,
    'the worker to hold the queue back',
  );
  assert.equal(receiver.requests.length, 1, 'nothing sent while disabled');
  // Held back, neither delivered nor dead-lettered (it may be between the wait list and a worker).
  const held = await bridge.state('ops', second);
  assert.ok(['waiting', 'active', 'delayed'].includes(held), `the job is held, not ${held}`);
  assert.equal((await bridge.deadLetters.list({ webhookId: 'ops' }))[0]!.reason, 'gone');

  await bridge.webhooks.enable('ops');
  await waitFor(
    async () => (await bridge.state('ops', second)) === 'completed',
    15_000,
    'delivery after enable',
  );
  assert.equal((await bridge.webhooks.list())[0]!.state, 'active');
  assert.equal(await gaugeValue(bridge.metrics, 'flup_webhook_disabled', { webhook: 'ops' }), 0);
});

test('401 invalidates the token provider and retries once at once with a new token', async (t) => {
  const receiver = await startReceiver((r, res) => {
    res.statusCode = r.headers.authorization === 'Bearer fresh-token-2' ? 204 : 401;
    res.end();
  });
  let issued = 0;
  let invalidated = 0;
  const provider: TokenProvider = {
    id: 'idp',
    authorization: async () => `Bearer ${issued === 0 ? 'stale-token-1' : 'fresh-token-2'}`,
    invalidate: () => {
      invalidated += 1;
      issued += 1;
    },
    status: () => ({ state: 'ok' }),
  };
  const config = testConfig(
    uniquePrefix('401'),
    [{ id: 'ops', url: receiver.url, auth: { provider: 'idp' } }],
    { tokenProviders: [{ id: 'idp', kind: 'static', token: 'unused' }] },
  );
  const bridge = await startBridge(config, { tokenProviders: new Map([['idp', provider]]) });
  t.after(async () => {
    await bridge.stop();
    await receiver.close();
  });
  const jobId = await bridge.producer.add('ops', { event: flightEvent() });
  await waitFor(async () => (await bridge.state('ops', jobId)) === 'completed', 10_000, 'delivery');
  assert.equal(invalidated, 1);
  assert.deepEqual(
    receiver.requests.map((r) => r.headers.authorization),
    ['Bearer stale-token-1', 'Bearer fresh-token-2'],
  );
  const job = await bridge.producer.queue('ops').getJob(jobId);
  assert.equal(job!.attemptsMade, 1, 'the 401 retry does not use an attempt');
  assert.ok(!bridge.log.lines.some((l) => l.includes('fresh-token-2')), 'tokens never logged');
});

test('an enricher deferring the delivery does not spend attempts; the enriched event is sent', async (t) => {
  const receiver = await startReceiver();
  const config = testConfig(
    uniquePrefix('defer'),
    [{ id: 'ops', url: receiver.url, enrich: ['flightStatus'], retry: { attempts: 1 } }],
    { role: 'worker', 'source.kind': 'lufthansa' },
  );
  const firstTried: number[] = [];
  const enricher: Enricher = {
    async enrich(event, _webhook, firstTriedAt) {
      firstTried.push(firstTriedAt);
      if (firstTried.length < 3) throw new DeferDelivery(200, 'flight status rate limit');
      return {
        ...event,
        flightStatus: [{ FlightStatus: 'DP' }],
        flightStatusFetchedAt: new Date().toISOString(),
      };
    },
  };
  const bridge = await startBridge(config, { enricher });
  t.after(async () => {
    await bridge.stop();
    await receiver.close();
  });
  const jobId = await bridge.producer.add('ops', { event: flightEvent() });
  await waitFor(async () => (await bridge.state('ops', jobId)) === 'completed', 10_000, 'enriched delivery');
  assert.equal(firstTried.length, 3);
  assert.equal(new Set(firstTried).size, 1, 'firstTriedAt is kept across deferrals');
  assert.equal(receiver.requests.length, 1);
  assert.deepEqual(JSON.parse(receiver.requests[0]!.body.toString()).flightStatus, [{ FlightStatus: 'DP' }]);
  assert.equal((await bridge.producer.queue('ops').getJob(jobId))!.attemptsMade, 1);
});
