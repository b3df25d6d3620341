/**
 * Publishes flight-update notifications in Lufthansa's format (LUFTHANSA-NOTES.md §3) on the real
 * topic structure `prd/FlightUpdate/<carrier>/<carrier><number>/<date>`, with a realistic mix of
 * action codes and Lufthansa Group carriers (LH, LX, OS, SN, EW, 4Y), at a configurable rate, to
 * the broker simulator or to any MQTT broker (QoS 1), until a count or a time is reached.
 * `next` lets another generator (the FlightBoard of src/sim/flights.ts) supply the notifications.
 */
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock, type Clock } from '../core/index.js';

export interface FlightUpdateNotification {
  topic: string;
  payload: string | Buffer;
}

/** Paces the publisher: elapsed time and waiting. A test passes a fake one to run minutes at once. */
export interface PublisherTimer {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realTimer: PublisherTimer = {
  now: () => performance.now(),
  sleep: (ms) => sleep(ms),
};

/** Anything with a publish(topic, payload) that resolves once the broker has the message. */
export interface PublishTarget {
  publish(topic: string, payload: string | Buffer): Promise<void>;
}

export interface FlightUpdatePublisherOptions {
  /** The broker simulator, or an MQTT broker URL (published with QoS 1). */
  target: PublishTarget | { url: string; options?: IClientOptions };
  /** Base of the Flight Status links. */
  apiBase?: string;
  /** Messages per second; 0 = as fast as the target accepts them. */
  rate?: number;
  /** Stop after this many messages. */
  count?: number;
  /** Stop after this long (ms). */
  durationMs?: number;
  /** Supplies the next notification (undefined = no more); default: random, distinct notifications. */
  next?: () => FlightUpdateNotification | undefined;
  random?: () => number;
  clock?: Clock;
  /** Flight date (YYYY-MM-DD) of the generated notifications; default today (UTC). */
  date?: string;
  /** First topic level; default prd. */
  topicPrefix?: string;
  /** Publishes awaiting the broker's acknowledgement at once; default 100. */
  window?: number;
  /** Paces `rate` and measures `durationMs`; default the real monotonic clock and timers. */
  timer?: PublisherTimer;
}

/** FLUP action codes with their Update.Message, weighted by how often they occur. */
const CODES: Array<[code: string, message: string, weight: number]> = [
  ['MVT ED', 'New Estimated Departure', 20],
  ['MVT EA', 'New Estimated Arrival', 18],
  ['MVT AD', 'Departed', 14],
  ['MVT AA', 'Arrived', 14],
  ['Y', 'New Gate Information', 16],
  ['ASM TIM', 'Schedule Change', 8],
  ['ASM CNL', 'Cancelled', 4],
  ['ASM NEW RIN', 'Reinstated', 2],
  ['ASM RPL DIV', 'Diverted', 2],
  ['ASM RPL RRT', 'Rerouted', 2],
];

/** Carriers with typical flight numbers and their share of the traffic. */
const CARRIERS: Array<[carrier: string, numbers: number[], weight: number]> = [
  ['LH', [400, 401, 454, 455, 100, 118, 760, 1234, 2056, 2472, 1830, 982], 45],
  ['LX', [14, 15, 38, 180, 318, 1112, 1660], 15],
  ['EW', [7, 9582, 9440, 2870, 9036], 12],
  ['OS', [65, 111, 233, 401, 89], 10],
  ['SN', [2901, 2587, 3603, 205], 10],
  ['4Y', [42, 27, 116, 60], 8],
];

function pick<T extends [...unknown[], number]>(items: T[], random: () => number): T {
  const total = items.reduce((sum, item) => sum + (item[item.length - 1] as number), 0);
  let r = random() * total;
  for (const item of items) if ((r -= item[item.length - 1] as number) < 0) return item;
  return items[items.length - 1]!;
}

export interface RandomNotificationOptions {
  apiBase?: string;
  date?: string;
  topicPrefix?: string;
  random?: () => number;
  clock?: Clock;
  /** Update.Timestamp (ms); default now. */
  timestamp?: (topic: string, code: string) => number;
}

/** One notification for a random flight and action code. */
export function randomNotification(options: RandomNotificationOptions = {}): FlightUpdateNotification {
  const random = options.random ?? Math.random;
  const clock = options.clock ?? systemClock;
  const apiBase = (options.apiBase ?? 'https://api.lufthansa.com').replace(/\/+$/, '');
  const now = clock.now();
  const date = options.date ?? new Date(now + (random() < 0.1 ? 86_400_000 : 0)).toISOString().slice(0, 10);
  const [carrier, numbers] = pick(CARRIERS, random);
  const number = numbers[Math.floor(random() * numbers.length)]!;
  const [code, message] = pick(CODES, random);
  const flight = `${carrier}${number}`;
  const topic = `${options.topicPrefix ?? 'prd'}/FlightUpdate/${carrier}/${flight}/${date}`;
  const timestamp = options.timestamp?.(topic, code) ?? now;
  const notification = {
    Update: {
      Timestamp: new Date(timestamp).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      Message: message,
      Code: code,
    },
    Meta: {
      '@Version': '1.0.0',
      Link: [{ '@Href': `${apiBase}/v1/operations/flightstatus/${flight}/${date}`, '@Rel': 'related' }],
    },
  };
  return { topic, payload: JSON.stringify(notification) };
}

/**
 * Timestamps (whole seconds, as Lufthansa sends them) that never repeat for the same flight and
 * code, so generated notifications are distinct messages and not deduplicated by the bridge.
 */
export function distinctTimestamps(clock: Clock = systemClock): (topic: string, code: string) => number {
  const last = new Map<string, number>();
  return (topic, code) => {
    const key = `${topic}\n${code}`;
    const second = Math.floor(clock.now() / 1000) * 1000;
    const previous = last.get(key);
    const timestamp = previous !== undefined && previous >= second ? previous + 1000 : second;
    last.set(key, timestamp);
    return timestamp;
  };
}

export class FlightUpdatePublisher {
  /** Messages the target has acknowledged. */
  published = 0;
  readonly #o: FlightUpdatePublisherOptions;
  #stopped = false;
  #client?: MqttClient;

  constructor(options: FlightUpdatePublisherOptions) {
    this.#o = options;
  }

  /** Publishes until the count, the duration or stop(); resolves with the number published. */
  async run(): Promise<number> {
    const o = this.#o;
    const clock = o.clock ?? systemClock;
    const timestamp = distinctTimestamps(clock);
    const next =
      o.next ??
      (() =>
        randomNotification({
          apiBase: o.apiBase,
          date: o.date,
          topicPrefix: o.topicPrefix,
          random: o.random,
          clock,
          timestamp,
        }));
    const target = await this.#target();
    const window = o.window ?? 100;
    const timer = o.timer ?? realTimer;
    const started = timer.now();
    const inFlight = new Set<Promise<void>>();
    let errors: unknown;
    try {
      for (let i = 0; !this.#stopped; i++) {
        if (o.count !== undefined && i >= o.count) break;
        const elapsed = timer.now() - started;
        if (o.durationMs !== undefined && elapsed >= o.durationMs) break;
        if (o.rate && o.rate > 0) {
          const due = (i * 1000) / o.rate;
          if (due - elapsed >= 2) await timer.sleep(due - elapsed);
        }
        const notification = next();
        if (!notification) break;
        const sent: Promise<void> = target.publish(notification.topic, notification.payload).then(
          () => {
            this.published += 1;
            inFlight.delete(sent);
          },
          (err: unknown) => {
            errors ??= err;
            inFlight.delete(sent);
          },
        );
        inFlight.add(sent);
        if (inFlight.size >= window) await Promise.race(inFlight);
        if (errors) throw errors;
      }
      await Promise.all(inFlight);
      if (errors) throw errors;
      return this.published;
    } finally {
      await this.#closeClient();
    }
  }

  stop(): void {
    this.#stopped = true;
  }

  async #target(): Promise<PublishTarget> {
    const target = this.#o.target;
    if ('publish' in target) return target;
    const client = connect(target.url, {
      clientId: `flup-sim-publisher-${process.pid}-${Math.random().toString(16).slice(2, 10)}`,
      clean: true,
      reconnectPeriod: 500,
      ...target.options,
    });
    this.#client = client;
    client.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    return {
      publish: (topic, payload) => client.publishAsync(topic, payload, { qos: 1 }).then(() => undefined),
    };
  }

  async #closeClient(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (client) await client.endAsync();
  }
}
