/**
 * A delivery worker process for ordering.test.ts: takes jobs `<webhook>|<flight number>|<sequence>`
 * from a shared Redis list and "delivers" one (appends it to `<prefix>:delivered`) only when
 * FlightOrdering allows; otherwise puts it back. Flight X's sequence 2 fails until every flight Y
 * event is delivered, proving Y flows while X waits. Counts itself in `<prefix>:ready` on start;
 * exits when `<prefix>:stop` is set.
 * argv: redisUrl prefix
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { FlightKeys, FlightOrdering } from '../../src/flights/index.js';

const [redisUrl, prefix] = process.argv.slice(2) as [string, string];
const redis = new Redis(redisUrl);
const ordering = new FlightOrdering({
  redis,
  keys: new FlightKeys(prefix),
  clock: { now: () => Date.now() },
});
const date = '2026-11-23';
await redis.incr(`${prefix}:ready`);

while ((await redis.exists(`${prefix}:stop`)) === 0) {
  // Blocks until a job is there (or 0.1 s passes, to look at the stop flag again).
  const popped = await redis.blpop(`${prefix}:jobs`, 0.1);
  if (popped === null) continue;
  const job = popped[1];
  const [webhookId, flightNumber, seq] = job.split('|') as [string, string, string];
  const ref = { carrier: 'LH', flightNumber, date };
  const sequence = Number(seq);
  const yDone = (await redis.llen(`${prefix}:delivered:wh1:401`)) === 5;
  const fails = flightNumber === '400' && sequence === 2 && !yDone;
  if (!(await ordering.canDeliver(webhookId, ref, sequence)) || fails) {
    if (fails) await redis.incr(`${prefix}:failures`);
    await redis.rpush(`${prefix}:jobs`, job);
    await sleep(2);
    continue;
  }
  await redis
    .multi()
    .rpush(`${prefix}:delivered`, `${job}|${process.pid}`)
    .rpush(`${prefix}:delivered:${webhookId}:${flightNumber}`, seq)
    .exec();
  await ordering.markDone(webhookId, ref, sequence);
}
await redis.quit();
