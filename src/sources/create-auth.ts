/**
 * Both kinds of login the bridge holds: the source's broker login (and API token) and the webhooks'
 * outbound token providers, with one Part that starts and stops them.
 */
import type { AppDeps, Part } from '../core/index.js';
import { createTokenProviders, PkceTokenProvider, type TokenProvider } from '../auth/index.js';
import { createSource, type Source } from './source.js';

export interface Auth {
  /** Starts/stops the broker credential renewal timer; checks oauth2-pkce providers at start. */
  part: Part;
  credentials: Source['credentials'];
  /** The Lufthansa API token (also for Flight Status enrichment); undefined for generic MQTT. */
  apiToken: TokenProvider | undefined;
  /** Webhook token providers by id. */
  providers: Map<string, TokenProvider>;
  /** For StatusSources.tokens (admin /readyz). */
  tokens: { status(): Array<{ id: string; state: string; expiresAt?: string; error?: string }> };
  source: Source;
}

export function createAuth(deps: AppDeps): Auth {
  const providers = createTokenProviders(deps);
  const source = createSource(deps);
  const { credentials, apiToken } = source;
  const part: Part = {
    name: 'auth',
    async start() {
      await source.part.start();
      for (const provider of providers.values())
        if (provider instanceof PkceTokenProvider) void provider.check();
    },
    async stop() {
      await source.part.stop();
    },
  };
  const tokens = {
    status: () =>
      [...(apiToken ? [apiToken] : []), ...providers.values()].map((p) => {
        const s = p.status();
        return {
          id: p.id,
          state: s.state,
          expiresAt: s.expiresAt?.toISOString(),
          ...(s.error ? { error: s.error } : {}),
        };
      }),
  };
  return { part, credentials, apiToken, providers, tokens, source };
}
