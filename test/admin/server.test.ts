import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AdminServer, API_OFF_MESSAGE } from '../../src/admin/index.js';
import type { AppDeps } from '../../src/app.js';
import { startRedis, waitFor } from '../helpers/servers.js';
import { adminConfig, StubDeadLetters, StubIngest, StubWebhooks, testDeps } from './stubs.js';

const TOKEN = 'test-admin-token-0123456789';

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json: json as Record<string, unknown>, headers: res.headers };
}

async function post(url: string, body: unknown, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('/readyz follows Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let deps: AppDeps;
  let server: AdminServer;
  const ingest = new StubIngest();

  before(async () => {
    redis = await startRedis();
    deps = testDeps(adminConfig({ 'redis.url': redis.url, role: 'ingest', 'source.kind': 'mqtt' }));
    server = new AdminServer({ deps, sources: { ingest } });
    await server.start();
  });
  after(async () => {
    await server.stop();
    deps.redis.disconnect();
    await redis.dispose();
  });

  it('is ready, turns unready while Redis is down and ready again when it returns', async () => {
    await waitFor(async () => (await get(`${server.url}/readyz`)).status === 200, 10_000, 'ready at start');
    const ready = await get(`${server.url}/readyz`);
    assert.equal((ready.json.checks as Record<string, { ok: boolean }>).redis.ok, true);

    await redis.stop();
    const down = (await waitFor(
      async () => {
        const r = await get(`${server.url}/readyz`);
        return r.status === 503 ? r : false;
      },
      10_000,
      'unready after Redis stopped',
    )) as Awaited<ReturnType<typeof get>>;
    const redisCheck = (down.json.checks as Record<string, { ok: boolean; error?: string }>).redis;
    assert.equal(redisCheck.ok, false);
    assert.ok(redisCheck.error, 'the check says why');
    assert.equal((await get(`${server.url}/healthz`)).status, 200, 'still alive while Redis is down');

    await redis.start();
    await waitFor(
      async () => (await get(`${server.url}/readyz`)).status === 200,
      15_000,
      'ready after Redis returned',
    );
  });

  it('on the ingest leader needs the MQTT session; a standby needs a live leader lock, not a session', async () => {
    await waitFor(async () => (await get(`${server.url}/readyz`)).status === 200, 15_000, 'ready');
    ingest.value = { ...ingest.value, role: 'leader', connected: false };
    const leaderDown = await get(`${server.url}/readyz`);
    assert.equal(leaderDown.status, 503);
    assert.equal((leaderDown.json.checks as Record<string, { ok: boolean }>).mqtt.ok, false);
    const live = { holder: 'other-replica', ttlMs: 10_000, ageMs: 100 };
    ingest.value = { ...ingest.value, role: 'standby', connected: false, lock: live };
    assert.equal((await get(`${server.url}/readyz`)).status, 200);
    ingest.value = { ...ingest.value, role: 'standby', connected: false, lock: { ageMs: 100 } };
    assert.equal((await get(`${server.url}/readyz`)).status, 503, 'nobody holds the lock');
    ingest.value = { ...ingest.value, role: 'leader', connected: true };
    assert.equal((await get(`${server.url}/readyz`)).status, 200);
  });
});

describe('/metrics and delivery stats', () => {
  let deps: AppDeps;
  let server: AdminServer;
  const webhooks = new StubWebhooks(['ops', 'crew']);

  before(async () => {
    deps = testDeps(adminConfig());
    server = new AdminServer({ deps, sources: { webhooks, deadLetters: new StubDeadLetters() } });
    await server.start();
  });
  after(async () => {
    await server.stop();
    deps.redis.disconnect();
  });

  it('counts a known number of deliveries and serves queue depths', async () => {
    const { metrics } = deps;
    for (let i = 0; i < 20; i++) {
      metrics.deliveries.inc({ webhook: 'ops', outcome: 'delivered' });
      metrics.deliverySeconds.observe({ webhook: 'ops' }, i < 19 ? 0.02 : 3);
    }
    for (let i = 0; i < 3; i++) metrics.deliveries.inc({ webhook: 'ops', outcome: 'retry' });
    metrics.deliveries.inc({ webhook: 'ops', outcome: 'deferred' }, 5);
    webhooks.webhooks[0]!.counts.waiting = 42;

    const res = await get(`${server.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(res.text, /^flup_deliveries_total\{webhook="ops",outcome="delivered"\} 20$/m);
    assert.match(res.text, /^flup_deliveries_total\{webhook="ops",outcome="retry"\} 3$/m);
    assert.match(res.text, /^flup_delivery_seconds_count\{webhook="ops"\} 20$/m);
    assert.match(res.text, /^flup_jobs\{webhook="ops",state="waiting"\} 42$/m);
    assert.match(res.text, /^flup_process_cpu_user_seconds_total /m, 'default process metrics');

    const api = await get(`${server.url}/api/webhooks`, { authorization: `Bearer ${TOKEN}` });
    assert.equal(api.status, 200);
    const ops = (api.json as unknown as Array<{ id: string; stats: Record<string, number> }>).find(
      (w) => w.id === 'ops',
    )!;
    assert.equal(ops.stats.delivered, 20);
    assert.equal(ops.stats.attempts, 23);
    assert.equal(ops.stats.successRate, 20 / 23);
    // 19 of 20 took 20 ms: p95 lies in the (0.01, 0.025] bucket, not near the one slow request.
    assert.ok(ops.stats.p95Seconds! > 0.01 && ops.stats.p95Seconds! <= 0.025, `p95 ${ops.stats.p95Seconds}`);
  });
});

describe('admin API access', () => {
  let deps: AppDeps;
  let server: AdminServer;
  const webhooks = new StubWebhooks(['ops']);
  const deadLetters = new StubDeadLetters();

  before(async () => {
    deps = testDeps(adminConfig());
    server = new AdminServer({ deps, sources: { webhooks, deadLetters, ingest: new StubIngest() } });
    await server.start();
  });
  after(async () => {
    await server.stop();
    deps.redis.disconnect();
  });

  it('refuses requests without the token or with a wrong one', async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: `Basic ${TOKEN}` },
      { authorization: `Bearer ${TOKEN}x` },
    ];
    for (const headers of attempts) {
      const res = await get(`${server.url}/api/webhooks`, headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.match(String(res.json.error), /admin token/);
    }
    const pause = await post(`${server.url}/api/webhooks/ops/pause`, {}, 'wrong');
    assert.equal(pause.status, 401);
    assert.equal(webhooks.webhooks[0]!.state, 'active', 'a refused request changes nothing');
  });

  it('works with the right token', async () => {
    const status = await get(`${server.url}/api/status`, { authorization: `Bearer ${TOKEN}` });
    assert.equal(status.status, 200);
    assert.equal((status.json.ingest as { role: string }).role, 'leader');

    assert.deepEqual((await post(`${server.url}/api/webhooks/ops/pause`, {}, TOKEN)).json, {
      id: 'ops',
      state: 'paused',
    });
    assert.equal((await post(`${server.url}/api/webhooks/ops/resume`, {}, TOKEN)).json.state, 'active');
    const unknown = await post(`${server.url}/api/webhooks/nope/pause`, {}, TOKEN);
    assert.equal(unknown.status, 404);
    assert.match(String(unknown.json.error), /no webhook "nope".*ops/);

    deadLetters.add({ id: 'm1', webhookId: 'ops', failedAt: '2026-01-01T00:00:00Z' });
    deadLetters.add({ id: 'm2', webhookId: 'ops' });
    const recent = await get(`${server.url}/api/deadletters?webhook=ops&since=1h`, {
      authorization: `Bearer ${TOKEN}`,
    });
    assert.deepEqual(
      (recent.json as unknown as Array<{ id: string }>).map((d) => d.id),
      ['m2'],
    );
    const bad = await get(`${server.url}/api/deadletters?since=yesterday`, {
      authorization: `Bearer ${TOKEN}`,
    });
    assert.equal(bad.status, 400);

    assert.equal(
      (await post(`${server.url}/api/deadletters/replay`, { id: 'm2' }, TOKEN)).status,
      400,
      'id needs webhookId',
    );
    assert.deepEqual(
      (await post(`${server.url}/api/deadletters/replay`, { id: 'm2', webhookId: 'ops' }, TOKEN)).json,
      { replayed: 1 },
    );
    assert.deepEqual((await post(`${server.url}/api/deadletters/purge`, { webhookId: 'ops' }, TOKEN)).json, {
      purged: 1,
    });
    assert.equal(deadLetters.letters.length, 0);
  });

  it('health and metrics need no token', async () => {
    assert.equal((await get(`${server.url}/healthz`)).status, 200);
    assert.equal((await get(`${server.url}/metrics`)).status, 200);
    const page = await get(`${server.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.text, /<title>flup-bridge<\/title>/);
  });
});

describe('admin API without a configured token', () => {
  it('is off and says how to turn it on; health stays', async () => {
    const deps = testDeps(adminConfig({ 'admin.token': '' }));
    const server = new AdminServer({ deps, sources: { webhooks: new StubWebhooks(['ops']) } });
    await server.start();
    try {
      const res = await get(`${server.url}/api/webhooks`, { authorization: 'Bearer anything' });
      assert.equal(res.status, 404);
      assert.equal(res.json.error, API_OFF_MESSAGE);
      assert.match(API_OFF_MESSAGE, /admin\.token.*FLUP_ADMIN_TOKEN/);
      assert.equal((await get(`${server.url}/healthz`)).status, 200);
    } finally {
      await server.stop();
      deps.redis.disconnect();
    }
  });

  it('admin.listen off starts no server', async () => {
    const deps = testDeps(adminConfig({ 'admin.listen': 'off' }));
    const server = new AdminServer({ deps, sources: {} });
    await server.start();
    assert.equal(server.url, undefined);
    await server.stop();
    deps.redis.disconnect();
  });
});
