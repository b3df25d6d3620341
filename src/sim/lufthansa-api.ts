/**
 * A Lufthansa Open API simulator for tests and the demo, following the Certificate Manager seed and
 * LUFTHANSA-NOTES.md §1: the OAuth token endpoint (form POST, client credentials) and
 * `POST /v1/flightUpdate/credentials/JWT/{clientID}/{authGroups}` answering
 * `CertificateManagementResource.CertificateManagement.{javaWebToken, clientID, endpoint}` with an
 * RS256 JWT (claims exp, clientID, created, authGroups). Other simulated resources (Flight Status)
 * mount themselves with addRoute; the simulated broker checks logins with verifyBrokerLogin.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT, generateKeyPair, jwtVerify, errors as joseErrors, type CryptoKey } from 'jose';
import { closeServer, listenLoopback } from './net.js';
import { systemClock, type Clock } from '../core/index.js';

export type LufthansaFault = 'unauthorized' | 'server-error' | 'slow' | 'malformed' | 'missing-field';
export type LufthansaEndpoint = 'token' | 'certificate';
export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  match: RegExpExecArray,
) => void | Promise<void>;

export interface LufthansaApiSimOptions {
  /** Registered apps (key + secret); default one demo app. */
  apps?: Array<{ key: string; secret: string }>;
  /** Broker host the Certificate Manager names in `endpoint`. */
  brokerEndpoint?: string;
  clock?: Clock;
  /** Access token lifetime (s); Lufthansa's is 36 hours. */
  accessTokenTtlSeconds?: number;
  /** Broker JWT lifetime (s); Lufthansa's is two years. */
  jwtTtlSeconds?: number;
  /** How long the 'slow' fault delays an answer (ms). */
  slowMs?: number;
}

export const JWT_AUTH_GROUPS_CLAIM = 'flupPubTopic;flupSubTopic';
const TWO_YEARS_SECONDS = 2 * 365 * 24 * 3600;

interface Route {
  method: string;
  pattern: RegExp;
  handler: RouteHandler;
}

export class LufthansaApiSim {
  readonly calls: { token: number; certificate: number; other: number } = {
    token: 0,
    certificate: 0,
    other: 0,
  };
  /** Every clientID the Certificate Manager has issued, in order. */
  readonly issuedClientIds: string[] = [];
  readonly #apps: Array<{ key: string; secret: string }>;
  readonly #clock: Clock;
  readonly #accessTtl: number;
  readonly #jwtTtl: number;
  readonly #slowMs: number;
  readonly #faults = new Map<LufthansaEndpoint, LufthansaFault>();
  /** access token -> expiry (ms, sim clock) */
  readonly #accessTokens = new Map<string, number>();
  readonly #routes: Route[] = [];
  #brokerEndpoint: string;
  #keys?: { privateKey: CryptoKey; publicKey: CryptoKey };
  #server?: Server;
  #port = 0;

  constructor(options: LufthansaApiSimOptions = {}) {
    this.#apps = options.apps ?? [{ key: 'demo-key', secret: 'demo-secret' }];
    this.#brokerEndpoint = options.brokerEndpoint ?? 'lhgopenapi.lufthansa.com';
    this.#clock = options.clock ?? systemClock;
    this.#accessTtl = options.accessTokenTtlSeconds ?? 129_600;
    this.#jwtTtl = options.jwtTtlSeconds ?? TWO_YEARS_SECONDS;
    this.#slowMs = options.slowMs ?? 5000;
  }

  get url(): string {
    if (!this.#server) throw new Error('LufthansaApiSim is not started');
    return `http://127.0.0.1:${this.#port}`;
  }

  /** The simulated broker's host, named in the Certificate Manager's `endpoint`. */
  set brokerEndpoint(host: string) {
    this.#brokerEndpoint = host;
  }

  get brokerEndpoint(): string {
    return this.#brokerEndpoint;
  }

  async start(port = 0): Promise<void> {
    this.#keys ??= await generateKeyPair('RS256');
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) json(res, 500, { error: 'internal', message: String(err) });
        else res.destroy();
      });
    });
    this.#port = await listenLoopback(server, port);
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await closeServer(server);
  }

  /** Makes the endpoint fail in the given way until cleared with null. */
  setFault(endpoint: LufthansaEndpoint, fault: LufthansaFault | null): void {
    if (fault === null) this.#faults.delete(endpoint);
    else this.#faults.set(endpoint, fault);
  }

  /** Every access token issued so far answers 401 from now on. */
  revokeAccessTokens(): void {
    this.#accessTokens.clear();
  }

  isValidAccessToken(authorizationHeader: string | undefined): boolean {
    const match = /^Bearer\s+(\S+)$/i.exec(authorizationHeader ?? '');
    if (!match) return false;
    const expiresAt = this.#accessTokens.get(match[1]!);
    return expiresAt !== undefined && this.#clock.now() < expiresAt;
  }

  /** Mounts another simulated resource; `pattern` is tested against the path without the query. */
  addRoute(method: string, pattern: RegExp, handler: RouteHandler): void {
    this.#routes.push({ method: method.toUpperCase(), pattern, handler });
  }

  /** The broker's login check: username = an issued clientID, password = its unexpired JWT. */
  async verifyBrokerLogin(
    username: string,
    password: string,
  ): Promise<'ok' | 'unknown-client' | 'bad-password' | 'expired'> {
    if (!this.issuedClientIds.includes(username)) return 'unknown-client';
    if (!this.#keys) return 'bad-password';
    try {
      const { payload } = await jwtVerify(password, this.#keys.publicKey, {
        algorithms: ['RS256'],
        currentDate: new Date(this.#clock.now()),
      });
      return payload.clientID === username ? 'ok' : 'bad-password';
    } catch (err) {
      return err instanceof joseErrors.JWTExpired ? 'expired' : 'bad-password';
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    if (method === 'POST' && url.pathname === '/v1/oauth/token') return this.#token(req, res);
    const cm = /^\/v1\/flightUpdate\/credentials\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (method === 'POST' && cm) return this.#certificate(req, res, cm);
    for (const route of this.#routes) {
      if (route.method !== method) continue;
      const match = route.pattern.exec(url.pathname);
      if (match) {
        this.calls.other += 1;
        return route.handler(req, res, match);
      }
    }
    json(res, 404, { error: 'not_found', message: `no resource ${method} ${url.pathname}` });
  }

  /** Applies a fault; true when the answer was sent. */
  async #fault(endpoint: LufthansaEndpoint, res: ServerResponse): Promise<LufthansaFault | undefined> {
    const fault = this.#faults.get(endpoint);
    if (fault === 'slow') await sleep(this.#slowMs);
    if (fault === 'unauthorized')
      json(res, 401, { error: 'invalid_client', error_description: 'unauthorized' });
    else if (fault === 'server-error')
      json(res, 500, { error: 'server_error', error_description: 'simulated failure' });
    else if (fault === 'malformed') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Service temporarily unavailable</body></html>');
    } else return fault;
    return fault;
  }

  async #token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.calls.token += 1;
    const body = new URLSearchParams(await readBody(req));
    const fault = await this.#fault('token', res);
    if (fault && fault !== 'slow' && fault !== 'missing-field') return;
    if (body.get('grant_type') !== 'client_credentials') {
      json(res, 400, { error: 'unsupported_grant_type' });
      return;
    }
    const app = this.#apps.find((a) => a.key === body.get('client_id'));
    if (!app || app.secret !== body.get('client_secret')) {
      json(res, 401, { error: 'invalid_client' });
      return;
    }
    const token = randomBytes(16).toString('hex');
    this.#accessTokens.set(token, this.#clock.now() + this.#accessTtl * 1000);
    const answer: Record<string, unknown> = {
      access_token: token,
      token_type: 'bearer',
      expires_in: this.#accessTtl,
    };
    if (fault === 'missing-field') delete answer.access_token;
    json(res, 200, answer);
  }

  async #certificate(req: IncomingMessage, res: ServerResponse, match: RegExpExecArray): Promise<void> {
    this.calls.certificate += 1;
    await readBody(req);
    const fault = await this.#fault('certificate', res);
    if (fault && fault !== 'slow' && fault !== 'missing-field') return;
    if (!this.isValidAccessToken(req.headers.authorization)) {
      json(res, 401, { Error: 'invalid token' });
      return;
    }
    const [, authType, requested] = match as unknown as [string, string, string, string];
    if (authType !== 'JWT') {
      json(res, 400, { Error: `authType ${authType} is not supported; use JWT` });
      return;
    }
    const clientId = `${decodeURIComponent(requested)}_${randomInt(100_000_000, 1_000_000_000)}`;
    const now = Math.floor(this.#clock.now() / 1000);
    const javaWebToken = await new SignJWT({
      clientID: clientId,
      created: now,
      authGroups: JWT_AUTH_GROUPS_CLAIM,
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setExpirationTime(now + this.#jwtTtl)
      .sign(this.#keys!.privateKey);
    this.issuedClientIds.push(clientId);
    const management: Record<string, string> = {
      javaWebToken,
      clientID: clientId,
      endpoint: this.#brokerEndpoint,
    };
    if (fault === 'missing-field') delete management.javaWebToken;
    json(res, 200, { CertificateManagementResource: { CertificateManagement: management } });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
