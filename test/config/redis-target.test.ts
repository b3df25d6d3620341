import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, maskConfig, MASK } from '../../src/config/index.js';
import { configFiles } from './support.js';
import { redisTarget } from '../../src/redis/index.js';

const { dir, file, issues } = configFiles('redis-target');
const base = 'source: { kind: mqtt }\n';

test('no redis key: the default URL, a single target', () => {
  const config = loadConfig({ file: file(base), env: {} });
  assert.equal(config.redis.url, 'redis://127.0.0.1:6379');
  assert.deepEqual(redisTarget(config.redis), { kind: 'single', url: 'redis://127.0.0.1:6379' });
  assert.equal(config.redis.minReplicas, 0);
  assert.equal(config.redis.minReplicasTimeout, 1000);
});

test('redis.sentinel from the file selects Sentinel; passwords masked', () => {
  const config = loadConfig({
    file: file(
      `${base}redis:\n  sentinel:\n    name: mymaster\n    nodes: ["s1:26379", "s2:26379"]\n    password: pw-redis\n    sentinelPassword: pw-sentinel\n  minReplicas: 1\n  minReplicasTimeout: 500ms\n`,
    ),
    env: {},
  });
  assert.equal(config.redis.url, '');
  assert.deepEqual(redisTarget(config.redis), {
    kind: 'sentinel',
    name: 'mymaster',
    nodes: ['s1:26379', 's2:26379'],
    password: 'pw-redis',
    sentinelPassword: 'pw-sentinel',
    tls: false,
  });
  assert.equal(config.redis.minReplicas, 1);
  assert.equal(config.redis.minReplicasTimeout, 500);
  const masked = maskConfig(config) as unknown as { redis: { sentinel: Record<string, unknown> } };
  assert.equal(masked.redis.sentinel.password, MASK);
  assert.equal(masked.redis.sentinel.sentinelPassword, MASK);
});

test('env forms: FLUP_REDIS_SENTINEL_NODES (comma list), _NAME, _PASSWORD_FILE', () => {
  const secret = join(dir, 'redis-pw');
  writeFileSync(secret, 'from-a-file\n');
  const config = loadConfig({
    file: file(base),
    env: {
      FLUP_REDIS_SENTINEL_NODES: 's1:26379, s2:26379,s3:26379',
      FLUP_REDIS_SENTINEL_NAME: 'mymaster',
      FLUP_REDIS_SENTINEL_PASSWORD_FILE: secret,
      FLUP_REDIS_MIN_REPLICAS: '1',
    },
  });
  assert.deepEqual(config.redis.sentinel.nodes, ['s1:26379', 's2:26379', 's3:26379']);
  assert.equal(config.redis.sentinel.password, 'from-a-file');
  assert.equal(config.redis.minReplicas, 1);
});

test('env form FLUP_REDIS_CLUSTER_NODES selects Cluster', () => {
  const config = loadConfig({
    file: file(base),
    env: { FLUP_REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7000', FLUP_REDIS_CLUSTER_TLS: 'true' },
  });
  assert.deepEqual(redisTarget(config.redis), {
    kind: 'cluster',
    nodes: ['10.0.0.1:7000', '10.0.0.2:7000'],
    password: undefined,
    tls: true,
  });
});

test('redis+sentinel:// and redis+cluster:// URLs are accepted in redis.url', () => {
  const config = loadConfig({
    file: file(`${base}redis: { url: "redis+sentinel://:pw@s1:26379,s2:26379/mymaster" }\n`),
    env: {},
  });
  assert.equal(redisTarget(config.redis).kind, 'sentinel');
  assert.deepEqual(issues(`${base}redis: { url: "redis+sentinel://s1:26379" }\n`), [
    'redis.url: redis+sentinel:// needs the master name as its path',
  ]);
});

test('a mixture is refused naming the keys', () => {
  assert.deepEqual(issues(`${base}redis: { url: "redis://h:1", cluster: { nodes: ["h:7000"] } }\n`), [
    'redis: give exactly one of redis.url, redis.sentinel, redis.cluster (got redis.url and redis.cluster)',
  ]);
  assert.deepEqual(
    issues(base, {
      FLUP_REDIS_SENTINEL_NODES: 's:26379',
      FLUP_REDIS_SENTINEL_NAME: 'm',
      FLUP_REDIS_CLUSTER_NODES: 'h:7000',
    }),
    [
      'redis: give exactly one of redis.url, redis.sentinel, redis.cluster (got redis.sentinel and redis.cluster)',
    ],
  );
});

test('sentinel needs name and nodes; nodes must be host:port', () => {
  assert.deepEqual(issues(`${base}redis: { sentinel: { nodes: ["s:26379"] } }\n`), [
    'redis.sentinel.name: is required with redis.sentinel.nodes',
  ]);
  assert.deepEqual(issues(`${base}redis: { cluster: { nodes: ["h"] } }\n`), [
    'redis.cluster.nodes: must be a list of host:port, got "h"',
  ]);
});
