/**
 * `npx tsx bench/flight-state-bytes.ts` (REDIS_URL, default the local Redis): Redis memory of
 * flight state (issue 20) per flight: 50 flights x 20 notifications, each with a sequence, a
 * status and its changes, routed to and done at one `ordering: flight` webhook; MEMORY USAGE
 * summed over the flight's keys. Cleans up its keys.
 */
import { Redis } from 'ioredis';
import { deleteByPrefix } from '../src/redis/index.js';
import { FlightStateStore, FlightOrdering, FlightKeys } from '../src/flights/index.js';
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = `fbytes${process.pid}`;
const clock = { now: () => Date.now() };
const store = new FlightStateStore({ redis, prefix, clock });
const keys = new FlightKeys(prefix);
const ordering = new FlightOrdering({ redis, keys, clock });
const flights = 50;
let total = 0;
for (let f = 0; f < flights; f++) {
  const ref = { carrier: 'LH', flightNumber: String(400 + f), date: '2026-12-02' };
  for (let i = 1; i <= 20; i++) {
    const key = `msg_${f}_${i}_${'x'.repeat(44)}`;
    const seq = await store.assignSequence(ref, key);
    const summary = {
      ...ref,
      status: 'NA',
      equipment: '74H',
      departure: {
        airport: 'FRA',
        scheduledTimeUtc: '2026-12-02T12:50Z',
        estimatedTimeUtc: `2026-12-02T13:${String(i).padStart(2, '0')}Z`,
        actualTimeUtc: null,
        terminal: '1',
        gate: `A${i}`,
        timeStatus: 'DL',
      },
      arrival: {
        airport: 'JFK',
        scheduledTimeUtc: '2026-12-02T21:35Z',
        estimatedTimeUtc: null,
        actualTimeUtc: null,
        terminal: '1',
        gate: null,
        timeStatus: 'OT',
      },
    };
    await store.changesFor(ref, seq, summary);
    await ordering.markRouted('ordered', ref, seq, key);
    await ordering.markDone('ordered', ref, seq);
  }
  for (const k of [...keys.flightKeys(ref), keys.pending('ordered', ref), keys.done('ordered', ref)])
    total += Number((await redis.memory('USAGE', k)) ?? 0);
}
console.log(`bytes per flight (20 notifications, 1 ordered webhook): ${Math.round(total / flights)}`);
await deleteByPrefix(redis, prefix);
redis.disconnect();
