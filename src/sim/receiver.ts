/**
 * A webhook receiver for the demo, benchmarks and the fault-injection suite: an HTTP server on
 * 127.0.0.1 that verifies Standard Webhooks signatures, records every delivery and answers 200
 * (or what setResponse says). `uniqueIds` and `duplicates` count accepted (2xx) deliveries, so a
 * retry after a 500 is not a duplicate but a second 2xx for the same webhook-id is.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedDelivery {
  /** The `webhook-id` header: stable per message and webhook, the same on every retry. */
  id: string;
  /** The envelope's `type` ("" for raw bodies). */
  type: string;
  body: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
  headers: Record<string, string>;
  path: string;
  /** Arrival time, ms since the epoch. */
  receivedAt: number;
  /** The status this receiver answered. */
  status: number;
  /** true: a 2xx was already given for this id before. */
  duplicate: boolean;
}

export interface ResponseSpec {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** Decides the answer per delivery; may be async (to delay the answer). */
export type ResponseFn = (
  delivery: Omit<ReceivedDelivery, 'status' | 'duplicate'>,
) => number | ResponseSpec | Promise<number | ResponseSpec>;

export interface WebhookReceiverOptions {
  /** whsec_ secrets; a request verifies when any of them matches. Empty = accept unsigned. */
  secrets?: string[];
  /** true = one line per delivery on stdout; a function receives the line instead. */
  print?: boolean | ((line: string) => void);
  /** Name shown in printed lines (several receivers in one demo). */
  name?: string;
  /** Width of the name column: the longest name of the receivers printing together. */
  nameWidth?: number;
}

export class WebhookReceiver {
  readonly deliveries: ReceivedDelivery[] = [];
  /** Requests refused because the signature did not verify (answered 401, not recorded). */
  rejected = 0;
  duplicates = 0;
  readonly #accepted = new Set<string>();
  readonly #verifiers: Webhook[];
  readonly #print?: (line: string) => void;
  readonly #name: string;
  readonly #nameWidth?: number;
  #respond: ResponseFn = () => 200;
  #server?: Server;
  #url?: string;

  constructor(options: WebhookReceiverOptions = {}) {
    this.#verifiers = (options.secrets ?? []).map((secret) => new Webhook(secret));
    this.#print =
      options.print === true ? (line) => process.stdout.write(line + '\n') : options.print || undefined;
    this.#name = options.name ?? 'receiver';
    this.#nameWidth = options.nameWidth;
  }

  /** Distinct webhook-ids answered with a 2xx. */
  get uniqueIds(): number {
    return this.#accepted.size;
  }

  get acceptedIds(): ReadonlySet<string> {
    return this.#accepted;
  }

  get url(): string {
    if (!this.#url) throw new Error('WebhookReceiver: call start() before reading url');
    return this.#url;
  }

  /** A status for every delivery from now on, or a function deciding per delivery. */
  setResponse(response: number | ResponseFn): void {
    this.#respond = typeof response === 'number' ? () => response : response;
  }

  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    this.#url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
    );
    if (!this.#verify(body, headers)) {
      this.rejected += 1;
      this.#print?.(
        `${this.#name}: REJECTED a request with a bad or missing signature (${headers['webhook-id'] ?? 'no id'})`,
      );
      res.writeHead(401, { 'content-type': 'text/plain' }).end('signature verification failed');
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    const received = {
      id: headers['webhook-id'] ?? '',
      type: typeof (json as { type?: unknown })?.type === 'string' ? (json as { type: string }).type : '',
      body,
      json,
      headers,
      path: req.url ?? '/',
      receivedAt: Date.now(),
    };
    let spec: ResponseSpec;
    try {
      const answer = await this.#respond(received);
      spec = typeof answer === 'number' ? { status: answer } : answer;
    } catch (err) {
      spec = { status: 500, body: `receiver response function failed: ${(err as Error).message}` };
    }
    const ok = spec.status >= 200 && spec.status < 300;
    const duplicate = ok && this.#accepted.has(received.id);
    if (duplicate) this.duplicates += 1;
    if (ok) this.#accepted.add(received.id);
    const delivery: ReceivedDelivery = { ...received, status: spec.status, duplicate };
    this.deliveries.push(delivery);
    this.#print?.(formatDelivery(delivery, this.#name, this.#nameWidth));
    res.writeHead(spec.status, { 'content-type': 'text/plain', ...spec.headers }).end(spec.body ?? '');
  }

  #verify(body: string, headers: Record<string, string>): boolean {
    if (this.#verifiers.length === 0) return true;
    return this.#verifiers.some((verifier) => {
      try {
        verifier.verify(body, headers);
        return true;
      } catch {
        return false;
      }
    });
  }
}

interface FlightStatusLike {
  Departure?: { AirportCode?: string; Terminal?: { Gate?: string } };
  Arrival?: { AirportCode?: string };
  FlightStatus?: { Definition?: string };
}

/**
 * One line: time, receiver, type, flight, and gate/status when the event was enriched. Receivers
 * printing together pass the same nameWidth so the status column lines up.
 */
export function formatDelivery(delivery: ReceivedDelivery, name = 'receiver', nameWidth = 10): string {
  const time = new Date(delivery.receivedAt).toISOString().slice(11, 23);
  const event = (delivery.json ?? {}) as {
    topic?: string;
    flight?: { carrier: string; flightNumber: string; date: string; sequence?: number };
    changes?: ChangeLike[];
    flightStatus?: FlightStatusLike[];
    flightStatusError?: string;
    Update?: { Message?: string };
    Meta?: { Link?: Array<{ '@Href'?: string }> };
  };
  const parts = [time, name.padEnd(nameWidth), String(delivery.status), (delivery.type || 'raw').padEnd(26)];
  if (event.flight) {
    const seq = event.flight.sequence === undefined ? '' : ` #${event.flight.sequence}`;
    parts.push(`${event.flight.carrier}${event.flight.flightNumber} ${event.flight.date}${seq}`);
  } else if (event.topic) parts.push(event.topic);
  else if (event.Update?.Message) {
    // A raw Lufthansa notification: the change and the flight from its link.
    const link = /flightstatus\/([^/]+)\/([^/?]+)/.exec(event.Meta?.Link?.[0]?.['@Href'] ?? '');
    parts.push([link?.[1], link?.[2], event.Update.Message].filter(Boolean).join(' '));
  } else if (!delivery.type) parts.push(`${delivery.body.length} bytes`);
  const status = event.flightStatus?.[0];
  if (status) {
    const route = [status.Departure?.AirportCode, status.Arrival?.AirportCode].filter(Boolean).join('-');
    if (route) parts.push(route);
    if (status.Departure?.Terminal?.Gate) parts.push(`gate ${status.Departure.Terminal.Gate}`);
    if (status.FlightStatus?.Definition) parts.push(status.FlightStatus.Definition);
  } else if (event.flightStatusError) parts.push(`(no flight status: ${event.flightStatusError})`);
  if (event.changes?.length) parts.push(event.changes.map(describeChange).join(', '));
  if (delivery.duplicate) parts.push('DUPLICATE');
  return parts.join('  ');
}

interface ChangeLike {
  field: string;
  from: string | null;
  to: string | null;
  minutes?: number;
}

const SHORT_TIME: Record<string, string> = {
  'departure.estimatedTimeUtc': 'ETD',
  'arrival.estimatedTimeUtc': 'ETA',
  'departure.actualTimeUtc': 'ATD',
  'arrival.actualTimeUtc': 'ATA',
  'departure.scheduledTimeUtc': 'STD',
  'arrival.scheduledTimeUtc': 'STA',
};

/** `gate A12 → B20`, `ETD +30 min`, `status NA → CD`. */
export function describeChange(change: ChangeLike): string {
  const time = SHORT_TIME[change.field];
  if (time && change.minutes !== undefined)
    return `${time} ${change.minutes >= 0 ? '+' : ''}${change.minutes} min`;
  const name = change.field.replace(/^departure\./, '').replace(/^arrival\./, 'arrival ');
  return `${time ?? name} ${change.from ?? '–'} → ${change.to ?? '–'}`;
}
