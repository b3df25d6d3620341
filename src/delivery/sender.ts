/**
 * The signed POST of one delivery: headers (signature, timestamp, user agent, bearer token) and the
 * request; with a token provider a 401 drops the token and the request is made once more at once.
 */
import type { WebhookConfig } from '../config/index.js';
import { scrub, type Clock, type Logger, type SecretRegistry } from '../core/index.js';
import type { TokenProvider } from '../auth/index.js';
import type { HttpClients, HttpResponse } from './http.js';
import { buildHeaders, type RequestBody } from './request.js';

export interface SenderOptions {
  webhook: WebhookConfig;
  http: HttpClients;
  tokenProvider?: TokenProvider;
  clock: Clock;
  secrets: SecretRegistry;
  userAgent: string;
  /** The webhook's logger. */
  log: Logger;
}

export class WebhookSender {
  readonly #options: SenderOptions;
  readonly #log: Logger;

  constructor(options: SenderOptions) {
    this.#options = options;
    this.#log = options.log;
  }

  /**
   * POSTs once; a 401 with a token provider drops the token and tries once more at once.
   * `traceparent`: the attempt span's W3C header value, with tracing on. `body` is this attempt's
   * own (buildBody makes one per attempt): its content is scrubbed in place.
   */
  send(id: string, body: RequestBody, traceparent?: string): Promise<HttpResponse> {
    const { tokenProvider, webhook, secrets } = this.#options;
    // The envelope carries texts the bridge wrote (flightStatusError): the same scrub as a log line.
    // Raw bodies are the sender's bytes, sent as received.
    if (webhook.body === 'envelope' && typeof body.content === 'string') {
      body.content = scrub(body.content, secrets.values());
    }
    // Without a token provider: no async wrapper around the request (the hot path).
    return tokenProvider
      ? this.#sendWithToken(id, body, tokenProvider, traceparent)
      : this.#post(id, body, undefined, traceparent);
  }

  #post(id: string, body: RequestBody, authorization?: string, traceparent?: string): Promise<HttpResponse> {
    const { webhook } = this.#options;
    const headers = buildHeaders(webhook, {
      id,
      timestampSec: Math.floor(this.#options.clock.now() / 1000),
      body,
      userAgent: this.#options.userAgent,
      authorization,
      traceparent,
    });
    return this.#options.http.post(webhook, { headers, body: body.content });
  }

  async #sendWithToken(
    id: string,
    body: RequestBody,
    tokenProvider: TokenProvider,
    traceparent?: string,
  ): Promise<HttpResponse> {
    const first = await this.#post(id, body, await this.#authorization(tokenProvider), traceparent);
    if (first.status !== 401) return first;
    this.#log.info(
      { provider: tokenProvider.id },
      'endpoint answered 401: fetching a new token and retrying once',
    );
    tokenProvider.invalidate();
    const second = await this.#post(id, body, await this.#authorization(tokenProvider), traceparent);
    if (second.status === 401)
      this.#log.warn({ provider: tokenProvider.id }, 'endpoint refused a fresh token (401)');
    return second;
  }

  async #authorization(provider: TokenProvider): Promise<string> {
    try {
      const value = await provider.authorization();
      this.#options.secrets.add(value.replace(/^\S+\s+/, ''));
      return value;
    } catch (err) {
      throw new Error(`token provider "${provider.id}" failed: ${(err as Error).message}`);
    }
  }
}
