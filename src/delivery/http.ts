/**
 * Outbound HTTP for deliveries: one keep-alive undici Pool per origin (and TLS identity), a
 * bounded number of sockets, connect/headers/body deadlines plus one overall deadline, no
 * redirects followed, and response bodies drained with only their first bytes kept.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Pool } from 'undici';
import type { WebhookConfig } from '../config/index.js';
import { Deadlines } from './deadlines.js';
import { ResponseCollector } from './response-collector.js';

/** Read past maxResponseBytes up to this much to keep the socket reusable, then drop the socket. */
const DRAIN_LIMIT = 1024 * 1024;

export function userAgent(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return `flup-bridge/${pkg.version}`;
}

export interface HttpRequest {
  headers: Record<string, string>;
  /** A string is sent as UTF-8. */
  body: string | Uint8Array;
}

export interface HttpResponse {
  status: number;
  /** The answer's headers that delivery acts on (the rest are not copied). */
  headers: { 'retry-after'?: string; location?: string };
  /** The first maxResponseBytes of the body, as text. */
  body: string;
  durationMs: number;
}

/** The request never got an HTTP answer (connect refused, reset, TLS, timeout). */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'NetworkError';
  }
}

export class HttpClients {
  readonly #pools = new Map<string, Pool>();

  /** Pool and request path per webhook object, so a request parses no URL and builds no key. */
  readonly #targets = new WeakMap<WebhookConfig, { pool: Pool; path: string }>();

  #targetOf(webhook: WebhookConfig): { pool: Pool; path: string } {
    let target = this.#targets.get(webhook);
    if (!target) {
      const url = new URL(webhook.url);
      target = { pool: this.#poolFor(webhook), path: `${url.pathname}${url.search}` };
      this.#targets.set(webhook, target);
    }
    return target;
  }

  /** Webhooks with the same origin and TLS files share one pool (the larger `connections` wins). */
  #poolFor(webhook: WebhookConfig): Pool {
    const url = new URL(webhook.url);
    const { certFile, keyFile, caFile } = webhook.tls;
    const key = poolKey(webhook);
    let pool = this.#pools.get(key);
    if (!pool) {
      const read = (file: string) => (file ? readFileSync(file, 'utf8') : undefined);
      const ca = read(caFile);
      pool = new Pool(url.origin, {
        connections: Math.max(webhook.connections, this.#sizes.get(key) ?? 0),
        keepAliveTimeout: 30_000,
        headersTimeout: webhook.timeout,
        bodyTimeout: webhook.timeout,
        connect: {
          timeout: webhook.connectTimeout,
          cert: read(certFile),
          key: read(keyFile),
          // An extra CA adds to the public roots instead of replacing them.
          ca: ca ? [...rootCertificates, ca] : undefined,
        },
      });
      this.#pools.set(key, pool);
    }
    return pool;
  }

  /** Largest `connections` per pool key, so a pool shared by webhooks is sized for all of them. */
  readonly #sizes = new Map<string, number>();

  constructor(webhooks: WebhookConfig[] = []) {
    for (const w of webhooks) {
      const key = poolKey(w);
      this.#sizes.set(key, Math.max(this.#sizes.get(key) ?? 0, w.connections));
    }
  }

  readonly #deadlines = new Deadlines();

  /** Not an async function: no extra promise and turn per request (the hot path). */
  post(webhook: WebhookConfig, request: HttpRequest): Promise<HttpResponse> {
    const { pool, path } = this.#targetOf(webhook);
    const deadline = this.#deadlines.start(webhook.timeout);
    return new Promise<HttpResponse>((resolve, reject) => {
      const fail = (err: unknown) => {
        this.#deadlines.end(deadline);
        reject(toNetworkError(err, webhook));
      };
      const handler = new ResponseCollector(
        webhook.maxResponseBytes,
        DRAIN_LIMIT,
        deadline,
        (response) => {
          this.#deadlines.end(deadline);
          resolve(response);
        },
        fail,
      );
      try {
        pool.dispatch(
          {
            method: 'POST',
            path,
            headers: request.headers,
            body: request.body,
            headersTimeout: webhook.timeout,
            bodyTimeout: webhook.timeout,
          },
          handler,
        );
      } catch (err) {
        fail(err);
      }
    });
  }

  /** Called after the workers stopped: whatever is still in flight was abandoned, so cut it. */
  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }
}

function poolKey(webhook: WebhookConfig): string {
  const { certFile, keyFile, caFile } = webhook.tls;
  return [new URL(webhook.url).origin, certFile, keyFile, caFile].join('|');
}

function toNetworkError(err: unknown, webhook: WebhookConfig): NetworkError {
  const e = err as {
    name?: string;
    code?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  const origin = new URL(webhook.url).origin;
  if (
    e.name === 'TimeoutError' ||
    e.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    e.code === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return new NetworkError(`${origin} did not answer within ${webhook.timeout} ms`, 'TIMEOUT');
  }
  if (e.code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new NetworkError(
      `could not connect to ${origin} within ${webhook.connectTimeout} ms`,
      'CONNECT_TIMEOUT',
    );
  }
  const code = e.code ?? e.cause?.code ?? 'NETWORK';
  const message = e.message ?? String(err);
  return new NetworkError(`request to ${origin} failed: ${message} (${code})`, code);
}
