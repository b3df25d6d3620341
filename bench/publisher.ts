/**
 * The QoS 1 publisher, in its own process (forked by the harness). A burst keeps `window`
 * publishes awaiting their PUBACK and refills on every ack (as fast as QoS 1 allows); a steady run
 * publishes at `rate` msg/s on a 1 ms timer. Every loop is bounded by the count and a deadline.
 */
import mqtt, { type MqttClient } from 'mqtt';
import {
  DEFAULT_FLIGHTS,
  flightUpdate,
  genericMessage,
  genericTopicFor,
  nowMs,
  topicFor,
} from './lib/message.js';
import { serve } from './lib/rpc.js';

let client: MqttClient | undefined;
let generic = false;
/** Distinct flights the flight-format messages cycle through (`--flights`). */
let flights = DEFAULT_FLIGHTS;

async function connect(url: string): Promise<void> {
  const clientId = `bench-pub-${process.pid}`;
  client = mqtt.connect(url, { clientId, clean: true, protocolVersion: 4, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => {
    client!.once('connect', () => resolve());
    client!.once('error', reject);
  });
}

function publish(i: number, seq: number, run: string, onAck: (err?: Error) => void): void {
  const [topic, body] = generic
    ? [genericTopicFor(i), genericMessage(i, seq, nowMs(), run)]
    : [topicFor(i, flights), flightUpdate(i, seq, nowMs(), run, flights)];
  client!.publish(topic, body, { qos: 1 }, (err) => onAck(err));
}

export interface PublishResult {
  published: number;
  acked: number;
  failed: number;
  startedAt: number;
  endedAt: number;
  timedOut: boolean;
}

/** rate 0 = burst. Sequence numbers are from..from+count-1, or negative for warm-up messages. */
function publishRun(options: {
  count: number;
  rate: number;
  window: number;
  maxMs: number;
  run: string;
  warmup: boolean;
  from: number;
}): Promise<PublishResult> {
  const { count, rate, window, maxMs, run, warmup, from } = options;
  let published = 0;
  let acked = 0;
  let failed = 0;
  const startedAt = nowMs();
  return new Promise((resolve) => {
    let finished = false;
    const finish = (timedOut: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      clearInterval(ticker);
      resolve({ published, acked, failed, startedAt, endedAt: nowMs(), timedOut });
    };
    const deadline = setTimeout(() => finish(true), maxMs);
    const onAck = (err?: Error) => {
      if (err) failed += 1;
      else acked += 1;
      if (acked + failed === count) finish(false);
      else if (rate === 0) pump();
    };
    const pump = () => {
      if (finished) return;
      const due = rate > 0 ? Math.min(count, Math.floor(((nowMs() - startedAt) * rate) / 1000) + 1) : count;
      while (published < due && published - acked - failed < window) {
        const n = from + published;
        publish(n, warmup ? -(n + 1) : n, run, onAck);
        published += 1;
      }
    };
    const ticker = rate > 0 ? setInterval(pump, 1) : undefined;
    if (count === 0) finish(false);
    else pump();
  });
}

serve(async (req) => {
  switch (req.cmd) {
    case 'connect':
      generic = req.payload === 'generic';
      flights = Number(req.flights ?? DEFAULT_FLIGHTS);
      await connect(String(req.url));
      return {};
    case 'publish':
      return publishRun({
        count: Number(req.count),
        rate: Number(req.rate ?? 0),
        window: Number(req.window ?? 1000),
        maxMs: Number(req.maxMs ?? 120_000),
        run: String(req.run),
        warmup: Boolean(req.warmup),
        from: Number(req.from ?? 0),
      });
    case 'stop':
      await new Promise<void>((resolve) => (client ? client.end(true, {}, () => resolve()) : resolve()));
      setImmediate(() => process.exit(0));
      return {};
    default:
      throw new Error(`unknown command ${req.cmd}`);
  }
});
