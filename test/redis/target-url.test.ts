import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRedisUrl } from '../../src/redis/target-url.js';

test('redis:// and rediss:// stay a single-server target', () => {
  assert.deepEqual(parseRedisUrl('redis://:pw@127.0.0.1:6379/2'), {
    kind: 'single',
    url: 'redis://:pw@127.0.0.1:6379/2',
  });
  assert.equal(parseRedisUrl('rediss://h:6380').kind, 'single');
});

test('redis+sentinel:// gives sentinels, master name, passwords and TLS', () => {
  assert.deepEqual(
    parseRedisUrl('rediss+sentinel://:p%40ss@s1:26379,s2:26379/mymaster?sentinelPassword=sp'),
    {
      kind: 'sentinel',
      name: 'mymaster',
      nodes: ['s1:26379', 's2:26379'],
      password: 'p@ss',
      sentinelPassword: 'sp',
      tls: true,
    },
  );
  assert.deepEqual(parseRedisUrl('redis+sentinel://127.0.0.1:26379/m'), {
    kind: 'sentinel',
    name: 'm',
    nodes: ['127.0.0.1:26379'],
    password: undefined,
    sentinelPassword: undefined,
    tls: false,
  });
});

test('redis+cluster:// gives the seed nodes', () => {
  assert.deepEqual(parseRedisUrl('redis+cluster://:pw@a:7000,b:7001,[::1]:7002'), {
    kind: 'cluster',
    nodes: ['a:7000', 'b:7001', '[::1]:7002'],
    password: 'pw',
    tls: false,
  });
});

test('bad URLs are refused naming the field and what is wrong', () => {
  assert.throws(() => parseRedisUrl('http://x'), /^Error: redis\.url: expected redis:\/\//);
  assert.throws(
    () => parseRedisUrl('redis+sentinel://a:1'),
    /redis\.url: redis\+sentinel:\/\/ needs the master name/,
  );
  assert.throws(() => parseRedisUrl('redis+cluster://a:1/0'), /redis\.url: a cluster URL has no path/);
  assert.throws(
    () => parseRedisUrl('redis+cluster://a:1,b', 'FLUP_REDIS_URL'),
    /FLUP_REDIS_URL host 2: expected host:port, got "b"/,
  );
  assert.throws(() => parseRedisUrl('redis+sentinel://a:1/m?db=2'), /unknown parameter\(s\) db/);
});
