/**
 * A webhook receiver that misbehaves on purpose. Every request's Standard Webhooks signature is
 * verified (a bad one is answered 401 and counted); a delivery counts as accepted only when a 2xx
 * actually went out on a live connection, so an answer the bridge gave up waiting for is not one.
 * Deliveries are identified by the publisher's sequence number (envelope data.seq, or the
 * `bad<seq>` topic level), so a message redelivered under a new webhook-id still shows up as a
 * duplicate.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { seqFromTopic } from './payloads.js';

/** What the receiver does with one request. */
export type Fault =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'reset' }
  /** Answer nothing for this long (then 200 if the connection is still open). */
  | { kind: 'hang'; ms: number }
  /** Answer 200 after this long. */
  | { kind: 'slow'; ms: number };

export type FaultFn = (request: { seq: number | undefined; attempt: number; now: number }) => Fault;

export const healthy: FaultFn = () => ({ kind: 'ok' });

/** 503 from now until `ms` later, healthy after. */
export function outageFor(ms: number, start = Date.now()): FaultFn {
  return ({ now }) => (now - start < ms ? { kind: 'status', status: 503 } : { kind: 'ok' });
}

/** A random fault on `rate` of the requests. */
export function randomly(rate: number, fault: () => Fault, random: () => number = Math.random): FaultFn {
  return () => (random() < rate ? fault() : { kind: 'ok' });
}

export interface AcceptedDelivery {
  seq: number | undefined;
  webhookId: string;
  topic: string;
  dataEncoding: string;
  at: number;
}

export class ChaosReceiver {
  /** seq → number of accepted (2xx) deliveries. */
  readonly acceptedBySeq = new Map<number, number>();
  readonly acceptedIds = new Set<string>();
  /** 2xx deliveries that could not be tied to a sequence number (should stay empty). */
  readonly unknown: AcceptedDelivery[] = [];
  requests = 0;
  accepted = 0;
  badSignatures = 0;
  /** Answers written to a connection the bridge had already closed (its timeout). */
  abandoned = 0;
  readonly statuses = new Map<string, number>();
  lastAcceptedAt = 0;
  #fault: FaultFn = healthy;
  readonly #attempts = new Map<string, number>();
  readonly #verifier: Webhook;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #server?: Server;
  #url?: string;

  constructor(secret: string) {
    this.#verifier = new Webhook(secret);
  }

  get url(): string {
    if (!this.#url) throw new Error('ChaosReceiver: start() first');
    return this.#url;
  }

  get uniqueDelivered(): number {
    return this.acceptedBySeq.size;
  }

  /** 2xx answers beyond the first per sequence number. */
  get duplicates(): number {
    let extra = 0;
    for (const count of this.acceptedBySeq.values()) extra += count - 1;
    return extra;
  }

  setFault(fault: FaultFn): void {
    this.#fault = fault;
  }

  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => void this.#handle(req, res));
    server.keepAliveTimeout = 30_000;
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    this.#url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  }

  async stop(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #count(label: string): void {
    this.statuses.set(label, (this.statuses.get(label) ?? 0) + 1);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests += 1;
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return; // the bridge went away mid-request
    }
    const body = Buffer.concat(chunks).toString('utf8');
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      headers[key] = Array.isArray(value) ? value.join(', ') : (value ?? '');
    }
    try {
      this.#verifier.verify(body, headers);
    } catch {
      this.badSignatures += 1;
      this.#count('401');
      res.writeHead(401).end('signature verification failed');
      return;
    }
    const webhookId = headers['webhook-id'] ?? '';
    const envelope = parseEnvelope(body);
    const seq = envelope.seq ?? seqFromTopic(envelope.topic);
    const attempt = (this.#attempts.get(webhookId) ?? 0) + 1;
    this.#attempts.set(webhookId, attempt);
    const fault = this.#fault({ seq, attempt, now: Date.now() });
    switch (fault.kind) {
      case 'status':
        this.#count(String(fault.status));
        res.writeHead(fault.status, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}).end();
        return;
      case 'reset':
        this.#count('reset');
        req.socket.resetAndDestroy();
        return;
      case 'hang':
      case 'slow':
        this.#count(fault.kind);
        await this.#sleep(fault.ms);
        break;
      case 'ok':
        break;
    }
    if (res.destroyed || req.socket.destroyed || !this.#server) {
      this.abandoned += 1;
      return;
    }
    this.#count('200');
    res.writeHead(200).end();
    this.accepted += 1;
    this.lastAcceptedAt = Date.now();
    this.acceptedIds.add(webhookId);
    if (seq === undefined) {
      this.unknown.push({
        seq,
        webhookId,
        topic: envelope.topic,
        dataEncoding: envelope.dataEncoding,
        at: Date.now(),
      });
    } else {
      this.acceptedBySeq.set(seq, (this.acceptedBySeq.get(seq) ?? 0) + 1);
    }
  }
}

function parseEnvelope(body: string): { seq?: number; topic: string; dataEncoding: string } {
  try {
    const event = JSON.parse(body) as { topic?: unknown; data?: unknown; dataEncoding?: unknown };
    const data = event.data as { seq?: unknown } | undefined;
    return {
      seq: typeof data?.seq === 'number' && event.dataEncoding !== 'base64' ? data.seq : undefined,
      topic: typeof event.topic === 'string' ? event.topic : '',
      dataEncoding: typeof event.dataEncoding === 'string' ? event.dataEncoding : '',
    };
  } catch {
    return { topic: '', dataEncoding: '' };
  }
}
