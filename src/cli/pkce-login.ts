/**
 * `flup-bridge auth login <provider>`: the authorization code flow with PKCE S256 (RFC 7636) and a
 * loopback redirect listener (RFC 8252 §7.3: http://127.0.0.1:<port><path>). Prints the authorize
 * URL, checks `state`, exchanges the code with the code_verifier and stores the refresh token in
 * Redis for the daemon.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import type { PkceProviderConfig } from '../config/index.js';
import type { Logger } from '../core/index.js';
import type { RedisClient } from '../redis/index.js';
import { systemClock, type Clock } from '../core/index.js';
import { AuthError, errorMessage } from '../auth/index.js';
import type { FetchLike } from '../auth/index.js';
import { resolveOAuthServer } from '../auth/index.js';
import { RefreshTokenStore, tokenKey } from '../auth/index.js';

export interface PkceLoginOptions {
  provider: PkceProviderConfig;
  redis: RedisClient;
  prefix: string;
  logger: Logger;
  /** Where the authorize URL and progress go (the terminal). */
  print: (line: string) => void;
  /** Opens the authorize URL in a browser; failures are ignored (the URL is printed anyway). */
  openBrowser?: (url: string) => void | Promise<void>;
  /** How long to wait for the redirect (ms). */
  timeout?: number;
  fetch?: FetchLike;
  clock?: Clock;
}

export interface PkceLoginResult {
  providerId: string;
  redisKey: string;
  scope?: string;
  expiresAt?: Date;
}

/** RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))). */
export function pkceChallenge(codeVerifier: string): Promise<string> {
  return oauth.calculatePKCECodeChallenge(codeVerifier);
}

export async function pkceLogin(options: PkceLoginOptions): Promise<PkceLoginResult> {
  const { provider, print } = options;
  const log = options.logger.child({ module: 'auth-login', provider: provider.id });
  const clock = options.clock ?? systemClock;
  const server = await resolveOAuthServer(provider, options.fetch);
  const { as, client, clientAuth } = server;
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const codeChallenge = await pkceChallenge(codeVerifier);
  const state = oauth.generateRandomState();
  const store = new RefreshTokenStore(options.redis, tokenKey(options.prefix, provider.id));

  const listener = createServer();
  await new Promise<void>((resolve, reject) => {
    listener.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new AuthError(
          `cannot listen on 127.0.0.1:${provider.redirectPort} for the login redirect: ${err.code ?? err.message}`,
        ),
      ),
    );
    listener.listen(provider.redirectPort, '127.0.0.1', () => resolve());
  });
  const port = (listener.address() as AddressInfo).port;
  const redirectUri = `http://127.0.0.1:${port}${provider.redirectPath}`;

  const authorizeUrl = new URL(as.authorization_endpoint!);
  authorizeUrl.searchParams.set('response_type', 'code');
  authorizeUrl.searchParams.set('client_id', provider.clientId);
  authorizeUrl.searchParams.set('code_challenge', codeChallenge);
  authorizeUrl.searchParams.set('code_challenge_method', 'S256');
  authorizeUrl.searchParams.set('redirect_uri', redirectUri);
  if (provider.scope) authorizeUrl.searchParams.set('scope', provider.scope);
  authorizeUrl.searchParams.set('state', state);

  const exchange = async (params: URLSearchParams): Promise<PkceLoginResult> => {
    if (!server.discovered) params.delete('iss'); // no metadata to check it against
    const checked = oauth.validateAuthResponse(as, client, params, state);
    const issuedAt = clock.now();
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      clientAuth,
      checked,
      redirectUri,
      codeVerifier,
      {
        ...server.options,
        signal: AbortSignal.timeout(15_000),
      },
    );
    const result = await oauth.processAuthorizationCodeResponse(as, client, response);
    if (!result.refresh_token) {
      throw new AuthError(
        `${as.token_endpoint} issued no refresh token, so the daemon could not renew access on its own: ` +
          `add offline_access to tokenProviders "${provider.id}".scope, or allow refresh tokens for client ${provider.clientId}`,
      );
    }
    const expiresAt = typeof result.expires_in === 'number' ? issuedAt + result.expires_in * 1000 : undefined;
    await store.write({
      refreshToken: result.refresh_token,
      accessToken: result.access_token,
      tokenType: result.token_type,
      issuedAt,
      expiresAt,
      scope: result.scope,
      updatedAt: issuedAt,
    });
    return {
      providerId: provider.id,
      redisKey: store.key,
      scope: result.scope,
      expiresAt: expiresAt === undefined ? undefined : new Date(expiresAt),
    };
  };

  const done = new Promise<PkceLoginResult>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new AuthError(
            `no login redirect arrived at ${redirectUri} within ${Math.round((options.timeout ?? 300_000) / 1000)} s; run the command again`,
          ),
        ),
      options.timeout ?? 300_000,
    );
    const finish = (outcome: { ok: PkceLoginResult } | { error: Error }) => {
      clearTimeout(timer);
      if ('ok' in outcome) resolve(outcome.ok);
      else reject(outcome.error);
    };
    listener.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', redirectUri);
      if (req.method !== 'GET' || url.pathname !== provider.redirectPath) {
        page(res, 404, 'Not found', 'This listener only receives the login redirect.');
        return;
      }
      const params = url.searchParams;
      if (params.get('state') !== state) {
        const error = new AuthError(
          'login refused: the redirect carried a wrong "state" (a stale browser tab, or a forged request); nothing was stored. Run the login again',
        );
        page(
          res,
          400,
          'Login refused',
          'The state parameter does not match this login attempt. Nothing was stored; start the login again.',
        );
        finish({ error });
        return;
      }
      const denied = params.get('error');
      if (denied) {
        const description = params.get('error_description');
        page(
          res,
          400,
          'Login failed',
          `The authorization server answered ${denied}${description ? `: ${description}` : ''}.`,
        );
        finish({
          error: new AuthError(
            `the authorization server refused the login: ${denied}${description ? ` (${description})` : ''}`,
          ),
        });
        return;
      }
      exchange(params).then(
        (result) => {
          page(
            res,
            200,
            'Login complete',
            `flup-bridge stored the refresh token for "${provider.id}". You can close this window.`,
          );
          finish({ ok: result });
        },
        (err: unknown) => {
          const message = `code exchange at ${as.token_endpoint} failed: ${errorMessage(err)}`;
          page(res, 500, 'Login failed', message);
          finish({ error: new AuthError(message, { cause: err }) });
        },
      );
    });
  });

  try {
    print(`Open this URL in a browser and log in:\n\n  ${authorizeUrl.toString()}\n`);
    print(`Waiting for the redirect to ${redirectUri} ...`);
    if (options.openBrowser) {
      await Promise.resolve()
        .then(() => options.openBrowser!(authorizeUrl.toString()))
        .catch((err: unknown) => log.debug({ err: errorMessage(err) }, 'could not open a browser'));
    }
    const result = await done;
    log.info({ key: result.redisKey, scope: result.scope }, 'login complete; refresh token stored');
    return result;
  } finally {
    // Let the result page reach the browser (responses say connection: close), then force the rest.
    await new Promise<void>((resolve) => {
      listener.close(() => resolve());
      listener.closeIdleConnections();
      setTimeout(() => listener.closeAllConnections(), 1000).unref();
    });
  }
}

function page(res: ServerResponse, status: number, title: string, text: string): void {
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'close',
  });
  res.end(
    `<!doctype html><html><head><title>flup-bridge: ${escape(title)}</title></head><body><h1>${escape(title)}</h1><p>${escape(text)}</p></body></html>\n`,
  );
}
