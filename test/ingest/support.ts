/** Shared pieces of the ingest and routing tests: configs, deps, job counting, key cleanup. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createDeps, type AppDeps } from '../../src/app.js';
import { Metrics } from '../../src/core/metrics.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import type { Logger } from '../../src/core/logger.js';
import { deleteByPrefix } from '../../src/redis/connection.js';
import { createLogger } from '../../src/core/logger.js';
import { BATCH_JOB_NAME, queueName, type BatchJobData } from '../../src/queue/index.js';

export const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

/** A validated Config from a plain object (written as YAML, loaded like a user's file). */
export function configFrom(doc: Record<string, unknown>): Config {
  const dir = mkdtempSync(join(tmpdir(), 'flup-ingest-cfg-'));
  try {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, JSON.stringify(doc));
    return loadConfig({ file, env: {} });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes a config file for a child process; returns its path. */
export function writeConfigFile(dir: string, doc: Record<string, unknown>): string {
  const file = join(dir, `config-${Math.random().toString(16).slice(2)}.yaml`);
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

export function hook(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, url: `http://127.0.0.1:9/${id}`, secret: SECRET, ...extra };
}

export function silentLogger(): Logger {
  return createLogger({
    level: (process.env.FLUP_TEST_LOG as 'debug' | undefined) ?? 'silent',
    format: 'json',
  });
}

export function testDeps(config: Config, logger: Logger = silentLogger()): AppDeps {
  return createDeps(config, { logger, metrics: new Metrics({ defaultMetrics: false }) });
}

export async function closeDeps(deps: AppDeps): Promise<void> {
  deps.redis.disconnect();
}

/** Every message job id on a webhook's queue, whatever its state; a batch job's items included. */
export async function jobIds(redisUrl: string, prefix: string, webhookId: string): Promise<string[]> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    // Job hashes are <prefix>:<queue>:<id>; the queue's own keys have fixed names.
    const base = `${prefix}:${queueName(webhookId)}:`;
    const reserved = new Set([
      'id',
      'meta',
      'events',
      'wait',
      'paused',
      'active',
      'completed',
      'failed',
      'delayed',
      'prioritized',
      'pc',
      'marker',
      'stalled-check',
      'limiter',
      'repeat',
      'de',
    ]);
    const ids: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${base}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const rest = key.slice(base.length);
        if (rest.includes(':') || reserved.has(rest)) continue;
        // A batch job stands for its messages: list theirs.
        const [name, data] = await redis.hmget(key, 'name', 'data');
        if (name === BATCH_JOB_NAME)
          ids.push(...(JSON.parse(data!) as BatchJobData).batch.map((i) => i.jobId));
        else ids.push(rest);
      }
    } while (cursor !== '0');
    return ids;
  } finally {
    redis.disconnect();
  }
}

/** Total jobs on a webhook's queue (BullMQ's own counts). */
export async function jobCount(redisUrl: string, prefix: string, webhookId: string): Promise<number> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const queue = new Queue(queueName(webhookId), { connection, prefix });
  try {
    const counts = await queue.getJobCounts(
      'waiting',
      'active',
      'completed',
      'failed',
      'delayed',
      'paused',
      'prioritized',
    );
    return Object.values(counts).reduce((a, b) => a + b, 0);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

export async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    await deleteByPrefix(redis, `${prefix}:`);
  } finally {
    redis.disconnect();
  }
}
