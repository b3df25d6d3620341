/**
 * An Aeris "Get Authentication Token" simulator (seed 002): `GET /api/token?clientId&cs&accountId
 * &as&requesterId&grant_type=client_credentials` answering `{token, token_type: "Bearer",
 * expires_in}` where expires_in is the EPOCH second at which the token expires. Switches produce
 * the two answers a client must guard against: an already-expired epoch and a duration.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { closeServer, listenLoopback } from './net.js';
import { systemClock, type Clock } from '../core/index.js';

export interface AerisAccount {
  clientId: string;
  cs: string;
  accountId: string;
  as: string;
}

export type AerisAnswerMode = 'epoch' | 'expired' | 'duration';

export interface AerisTokenSimOptions {
  accounts?: AerisAccount[];
  clock?: Clock;
  /** Token lifetime (s); Aeris says "usually one year". */
  ttlSeconds?: number;
}

export const DEMO_AERIS_ACCOUNT: AerisAccount = {
  clientId: 'demo-client',
  cs: 'demo-cs',
  accountId: '18002',
  as: 'demo-as',
};
const REQUIRED = ['clientId', 'cs', 'accountId', 'as', 'requesterId', 'grant_type'] as const;

export class AerisTokenSim {
  /** Requests to /api/token, answered or not. */
  calls = 0;
  /** What the next answers carry in expires_in: the documented epoch, a past epoch, or a duration. */
  mode: AerisAnswerMode = 'epoch';
  readonly #accounts: AerisAccount[];
  readonly #clock: Clock;
  readonly #ttl: number;
  /** token -> expiry (ms) */
  readonly #tokens = new Map<string, number>();
  #modeLeft?: number;
  #server?: Server;
  #port = 0;

  constructor(options: AerisTokenSimOptions = {}) {
    this.#accounts = options.accounts ?? [DEMO_AERIS_ACCOUNT];
    this.#clock = options.clock ?? systemClock;
    this.#ttl = options.ttlSeconds ?? 365 * 24 * 3600;
  }

  get url(): string {
    if (!this.#server) throw new Error('AerisTokenSim is not started');
    return `http://127.0.0.1:${this.#port}`;
  }

  /** `times`: only the next N answers use the mode, then back to 'epoch'. */
  setMode(mode: AerisAnswerMode, times?: number): void {
    this.mode = mode;
    this.#modeLeft = times;
  }

  /** For simulated targets: is this Authorization header a current token? */
  isValidToken(authorizationHeader: string | undefined): boolean {
    const match = /^Bearer\s+(\S+)$/i.exec(authorizationHeader ?? '');
    const expiresAt = match ? this.#tokens.get(match[1]!) : undefined;
    return expiresAt !== undefined && this.#clock.now() < expiresAt;
  }

  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => this.#handle(req, res));
    this.#port = await listenLoopback(server, port);
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await closeServer(server);
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/api/token') return json(res, 404, { error: 'Not Found' });
    if (req.method !== 'GET') return json(res, 405, { error: 'Method Not Allowed' });
    this.calls += 1;
    const q = url.searchParams;
    const missing = REQUIRED.filter((name) => !q.get(name));
    if (missing.length > 0)
      return json(res, 400, {
        error: 'Bad Request',
        message: `missing query parameter(s): ${missing.join(', ')}`,
      });
    if (q.get('grant_type') !== 'client_credentials')
      return json(res, 400, { error: 'Bad Request', message: 'grant_type must be client_credentials' });
    const account = this.#accounts.find((a) => a.clientId === q.get('clientId') && a.cs === q.get('cs'));
    if (!account || account.accountId !== q.get('accountId') || account.as !== q.get('as'))
      return json(res, 401, { error: 'Unauthorized' });

    const mode = this.mode;
    if (this.#modeLeft !== undefined && --this.#modeLeft <= 0) this.setMode('epoch');
    const now = this.#clock.now();
    const token = randomBytes(24).toString('base64url');
    const expiresAt = mode === 'expired' ? now - 3600_000 : now + this.#ttl * 1000;
    this.#tokens.set(token, expiresAt);
    const expiresIn = mode === 'duration' ? this.#ttl : Math.floor(expiresAt / 1000);
    json(res, 200, { token, token_type: 'Bearer', expires_in: expiresIn });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
