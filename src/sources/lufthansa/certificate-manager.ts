/**
 * The Lufthansa Certificate Manager: one POST with the API access token returns the broker login
 * (a JWT as password, a fresh clientID, the endpoint). Retries 5xx/429 with the shared back-off,
 * retries a 401 once with a fresh access token, and names the missing field of a bad answer.
 */
import { decodeJwt } from 'jose';
import type { LufthansaSourceConfig } from '../../config/index.js';
import type { Logger, RetryBackoffOptions, SecretRegistry } from '../../core/index.js';
import {
  type TokenProvider,
  withRetry,
  AuthError,
  errorMessage,
  displayUrl,
  httpRequest,
  jsonObject,
  throwForStatus,
  type FetchLike,
  type HttpAnswer,
} from '../../auth/index.js';
import { apiUrl } from './api-token.js';
import type { BrokerCredentials } from '../types.js';

const CM_PATH = 'CertificateManagementResource.CertificateManagement';

export interface CertificateManagerDeps {
  source: LufthansaSourceConfig;
  /** The API access token (LufthansaApiToken). */
  apiToken: TokenProvider;
  fetch: FetchLike;
  /** Per HTTP request (ms). */
  timeout?: number;
  retry: RetryBackoffOptions;
  secrets?: SecretRegistry;
  log: Logger;
}

export class CertificateManager {
  readonly #deps: CertificateManagerDeps;
  readonly #fetch: FetchLike;
  readonly #retry: RetryBackoffOptions;
  readonly #log: Logger;

  constructor(deps: CertificateManagerDeps) {
    this.#deps = deps;
    this.#fetch = deps.fetch;
    this.#retry = deps.retry;
    this.#log = deps.log;
  }

  get url(): string {
    const s = this.#deps.source;
    return apiUrl(
      s.apiBase,
      `/v1/flightUpdate/credentials/JWT/${encodeURIComponent(s.clientId)}/${encodeURIComponent(s.authGroups)}`,
    );
  }

  /** Asks for a new JWT and clientID (each answer is a new broker session). */
  async request(signal: AbortSignal): Promise<BrokerCredentials> {
    const url = this.url;
    const apiToken = this.#deps.apiToken;
    let answer = await withRetry(
      async () => this.#post(url, await apiToken.authorization(), signal),
      this.#retry,
      signal,
    );
    if (answer.status === 401) {
      // The access token may have expired or been revoked early: one retry with a fresh one.
      apiToken.invalidate();
      answer = await withRetry(
        async () => this.#post(url, await apiToken.authorization(), signal),
        this.#retry,
        signal,
      );
    }
    if (answer.status === 401 || answer.status === 403) {
      throw new AuthError(
        `client key or secret rejected by ${displayUrl(url)} (HTTP ${answer.status}): check source.lufthansa.clientKey/clientSecret and that the app may use flight-update notifications`,
        { status: answer.status, url: displayUrl(url) },
      );
    }
    throwForStatus(answer, url, 'Certificate Manager');
    return this.#parse(jsonObject(answer, url, 'Certificate Manager'), url);
  }

  async #post(url: string, authorization: string, signal: AbortSignal): Promise<HttpAnswer> {
    const answer = await httpRequest(
      this.#fetch,
      url,
      { method: 'POST', headers: { authorization, accept: 'application/json' } },
      this.#deps.timeout ?? 15_000,
      signal,
    );
    if (answer.status >= 500 || answer.status === 429) throwForStatus(answer, url, 'Certificate Manager');
    return answer;
  }

  #parse(body: Record<string, unknown>, url: string): BrokerCredentials {
    const shown = displayUrl(url);
    const missing = (path: string) =>
      new AuthError(
        `Certificate Manager ${shown} answered without "${path}" (top-level keys: ${Object.keys(body).join(', ') || 'none'})`,
        { url: shown },
      );
    const root = body.CertificateManagementResource;
    if (!isObject(root)) throw missing('CertificateManagementResource');
    const cm = root.CertificateManagement;
    if (!isObject(cm)) throw missing(CM_PATH);
    const field = (name: string): string => {
      const value = cm[name];
      if (typeof value !== 'string' || value === '') throw missing(`${CM_PATH}.${name}`);
      return value;
    };
    const jwt = field('javaWebToken');
    this.#deps.secrets?.add(jwt);
    const clientId = field('clientID');
    const endpoint = field('endpoint');
    let claims: ReturnType<typeof decodeJwt>;
    try {
      claims = decodeJwt(jwt);
    } catch (err) {
      throw new AuthError(
        `${CM_PATH}.javaWebToken from ${shown} is not a readable JWT (${errorMessage(err)})`,
        { url: shown },
      );
    }
    if (typeof claims.exp !== 'number')
      throw new AuthError(`the JWT from ${shown} has no "exp" claim; cannot plan its renewal`, {
        url: shown,
      });
    const created = typeof claims.created === 'number' ? claims.created : claims.iat;
    if (typeof claims.clientID === 'string' && claims.clientID !== clientId) {
      this.#log.warn(
        { clientId, jwtClientId: claims.clientID },
        'the JWT names another clientID than the answer; using the answer',
      );
    }
    return {
      clientId,
      username: clientId,
      password: jwt,
      endpoint,
      expiresAt: new Date(claims.exp * 1000),
      issuedAt: typeof created === 'number' ? new Date(created * 1000) : undefined,
    };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
